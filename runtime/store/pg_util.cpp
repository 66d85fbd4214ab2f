#include "pg_util.h"

#include <charconv>

namespace hoso::store {
namespace {

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string trimmed(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PgParams& PgParams::text(std::string_view v) {
  values_.emplace_back(v);
  nulls_.push_back(false);
  lengths_.push_back(static_cast<int>(v.size()));
  return *this;
}

PgParams& PgParams::i64(std::int64_t v) {
  values_.push_back(std::to_string(v));
  nulls_.push_back(false);
  lengths_.push_back(static_cast<int>(values_.back().size()));
  return *this;
}

PgParams& PgParams::null() {
  values_.emplace_back();
  nulls_.push_back(true);
  lengths_.push_back(0);
  return *this;
}

const char* const* PgParams::values() const {
  ptrs_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i) {
    ptrs_.push_back(nulls_[i] ? nullptr : values_[i].c_str());
  }
  return ptrs_.data();
}

std::int64_t pg_i64(const PGresult* r, int row, int col) {
  const char* p = PQgetvalue(r, row, col);
  std::int64_t v = 0;
  std::from_chars(p, p + PQgetlength(r, row, col), v);
  return v;
}

Result<void> PgConn::open(const std::string& conninfo, const std::string& schema) {
  conninfo_ = conninfo;
  schema_ = schema;
  conn_ = PQconnectdb(conninfo.c_str());
  if (conn_ == nullptr) {
    return make_error(ErrorCode::kIo, "store (postgres): cannot allocate a connection");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    Error e = make_error(ErrorCode::kIo, "store (postgres): cannot connect (" +
                                             trimmed(PQerrorMessage(conn_)) + ")");
    close();
    return e;
  }
  return setup();
}

Result<void> PgConn::setup() {
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);  // the store never prints
  prepared_.clear();
  char* quoted = PQescapeIdentifier(conn_, schema_.data(), schema_.size());
  if (quoted == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "store (postgres): bad schema name '" + schema_ + "'");
  }
  const std::string set = std::string("SET search_path TO ") + quoted;
  PQfreemem(quoted);
  return exec(set.c_str());
}

void PgConn::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();
}

Error PgConn::error(const PGresult* r, std::string_view what) const {
  std::string msg = "store (postgres): " + std::string(what) + " failed: ";
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string detail = r != nullptr ? trimmed(PQresultErrorMessage(r)) : "";
  if (detail.empty()) detail = trimmed(conn_ != nullptr ? PQerrorMessage(conn_) : "no connection");
  ErrorCode code = ErrorCode::kInternal;
  if (broken() || sqlstate.rfind("08", 0) == 0) {
    code = ErrorCode::kIo;
    msg += "the connection to the server was lost (" + detail +
           "); if this was a commit it may or may not have been applied: retry with the same "
           "idempotency key";
  } else if (sqlstate.rfind("53", 0) == 0 || sqlstate.rfind("58", 0) == 0) {
    code = ErrorCode::kIo;
    msg +=
        "the server is out of resources or failed to write (" + detail + "); nothing was applied";
  } else if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" ||
             sqlstate.rfind("57", 0) == 0) {
    code = ErrorCode::kIo;
    msg += "the server refused or cancelled the transaction (" + detail +
           "); nothing was applied, retry";
  } else {
    msg += detail;
  }
  return make_error(code, std::move(msg));
}

Result<void> PgConn::exec(const char* sql) {
  if (broken()) {
    if (conn_ == nullptr) return error(nullptr, sql);
    PQreset(conn_);
    if (broken()) return error(nullptr, sql);
    if (auto r = setup(); !r) return r;
  }
  PgResult r(PQexec(conn_, sql));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error(r.get(), sql);
  return {};
}

Result<PgResult> PgConn::run(const char* sql, const PgParams& params) {
  if (broken()) {
    if (conn_ == nullptr) return error(nullptr, sql);
    PQreset(conn_);
    if (broken()) return error(nullptr, sql);
    if (auto r = setup(); !r) return r.error();
  }
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "hoso_" + std::to_string(prepared_.size() + 1);
    PgResult p(PQprepare(conn_, name.c_str(), sql, 0, nullptr));
    if (!p || PQresultStatus(p.get()) != PGRES_COMMAND_OK) return error(p.get(), sql);
    it = prepared_.emplace(sql, name).first;
  }
  PgResult r(PQexecPrepared(conn_, it->second.c_str(), params.size(), params.values(),
                            params.lengths(), nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return error(r.get(), sql);
  return r;
}

}  // namespace hoso::store
