// Thin RAII over libpq for the PostgreSQL store: one connection with a cache
// of prepared statements, text parameters, and errors that name what failed.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hoso/result.h"

namespace hoso::store {

struct PgResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultFree>;

// Parameters in text format ($1, $2, ... in the order added).
class PgParams {
 public:
  PgParams& text(std::string_view v);
  PgParams& i64(std::int64_t v);
  PgParams& null();
  PgParams& opt(const std::optional<std::int64_t>& v) { return v ? i64(*v) : null(); }
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> lengths_;
  mutable std::vector<const char*> ptrs_;
};

class PgConn {
 public:
  PgConn() = default;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn() { close(); }

  // Connects and sets the search path to `schema` (quoted here).
  Result<void> open(const std::string& conninfo, const std::string& schema);
  void close();
  PGconn* raw() const { return conn_; }
  bool broken() const { return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK; }

  // Runs a command or script without parameters.
  Result<void> exec(const char* sql);
  // Runs a static SQL string as a prepared statement (prepared once per
  // connection, keyed by the string's address).
  Result<PgResult> run(const char* sql, const PgParams& params);

  // A store error for a failed result (or a connection failure when r is null).
  Error error(const PGresult* r, std::string_view what) const;

 private:
  Result<void> setup();
  PGconn* conn_ = nullptr;
  std::string conninfo_;
  std::string schema_;
  std::unordered_map<const char*, std::string> prepared_;
};

inline std::string pg_text(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}
std::int64_t pg_i64(const PGresult* r, int row, int col);

}  // namespace hoso::store
