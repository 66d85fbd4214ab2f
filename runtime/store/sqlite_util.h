// Thin RAII over the SQLite C API for the store: one connection with a cache of
// prepared statements, and an error mapper that names the store's file.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "hoso/result.h"

namespace hoso::store {

// Maps an SQLite result code to a store Error. Disk full, I/O errors, a busy or
// locked database and a damaged file are kIo; anything else is kInternal.
Error sqlite_error(sqlite3* db, int rc, std::string_view what, std::string_view path);

class Conn {
 public:
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn();

  Result<void> open(const std::string& path, int flags, const char* vfs);
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  // A prepared statement for a static SQL string, cached by the string's
  // address, reset and unbound; valid until the connection closes.
  Result<sqlite3_stmt*> prep(const char* sql);
  Result<void> exec(const char* sql);
  Error error(int rc, std::string_view what) const { return sqlite_error(db_, rc, what, path_); }
  void close();

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// Resets a cached statement when the scope ends, so the next use starts clean.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : s_(s) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_;
};

inline int bind(sqlite3_stmt* s, int i, std::string_view v) {
  // The caller keeps v alive until the statement is reset (no copy needed).
  return sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), nullptr);
}
inline int bind(sqlite3_stmt* s, int i, std::int64_t v) {
  return sqlite3_bind_int64(s, i, v);
}
inline int bind_null(sqlite3_stmt* s, int i) {
  return sqlite3_bind_null(s, i);
}

inline std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

}  // namespace hoso::store
