#include "sqlite_util.h"

namespace hoso::store {

Error sqlite_error(sqlite3* db, int rc, std::string_view what, std::string_view path) {
  const int primary = rc & 0xff;
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string msg = "store '" + std::string(path) + "': " + std::string(what) + " failed: ";
  ErrorCode code = ErrorCode::kInternal;
  switch (primary) {
    case SQLITE_FULL:
      code = ErrorCode::kIo;
      msg += "the disk is full (" + detail + "); free space and retry, nothing was applied";
      return make_error(code, std::move(msg));
    case SQLITE_IOERR:
      code = ErrorCode::kIo;
      msg += "I/O error (" + detail + ", code " + std::to_string(rc) +
             "); check the disk, nothing was applied";
      return make_error(code, std::move(msg));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kIo;
      msg += "the database is busy (" + detail + "); another process holds it";
      return make_error(code, std::move(msg));
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      code = ErrorCode::kIo;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kIo;
      msg += "the file is damaged or not an SQLite database (" + detail + ")";
      return make_error(code, std::move(msg));
    default:
      break;
  }
  msg += detail;
  return make_error(code, std::move(msg));
}

Conn::~Conn() {
  close();
}

void Conn::close() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  cache_.clear();
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Result<void> Conn::open(const std::string& path, int flags, const char* vfs) {
  path_ = path;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db_, rc, "open", path);
    close();
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  return {};
}

Result<sqlite3_stmt*> Conn::prep(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare");
  cache_.emplace(sql, s);
  return s;
}

Result<void> Conn::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, sql);
  return {};
}

}  // namespace hoso::store
