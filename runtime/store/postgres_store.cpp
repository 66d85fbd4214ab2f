// The PostgreSQL store, for several engine nodes sharing one database. Same
// contract as the SQLite store (docs/store.md): a committer thread per process
// group-commits queued batches in one transaction; every commit transaction
// starts by locking the single row of chain_head, so commits from all nodes
// are serialised: the chain stays one chain, and version and fired_at checks
// see every earlier commit. Claims lease deadlines with FOR UPDATE SKIP LOCKED.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <tuple>

#include "common.h"
#include "pg_util.h"

namespace hoso::store {
namespace {

// The PostgreSQL schema has its own version line (meta.schema_version).
constexpr int kPgSchemaVersion = 2;
// pg_advisory_xact_lock key that serialises schema creation and migration.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(1215263599)";

constexpr const char* kPgV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chain_head(id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,
  hash TEXT NOT NULL);
INSERT INTO chain_head VALUES (1, 0, '');
CREATE TABLE journal(
  seq BIGINT PRIMARY KEY,
  dossier_id TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,
  instant BIGINT NOT NULL,
  actor TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  hash TEXT NOT NULL);
CREATE INDEX journal_by_dossier ON journal(dossier_id, seq);
CREATE TABLE dossiers(
  dossier_id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  state_name TEXT NOT NULL,
  competent_unit TEXT NOT NULL,
  receiving_unit TEXT NOT NULL,
  due BIGINT,
  last_seq BIGINT NOT NULL,
  state_json TEXT NOT NULL);
CREATE INDEX dossiers_by_competent ON dossiers(competent_unit, dossier_id);
CREATE INDEX dossiers_by_receiving ON dossiers(receiving_unit, dossier_id);
CREATE TABLE deadlines(
  dossier_id TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  fire_at BIGINT NOT NULL,
  payload TEXT NOT NULL,
  owner TEXT,
  lease_until BIGINT,
  PRIMARY KEY(dossier_id, kind));
CREATE INDEX deadlines_by_fire ON deadlines(fire_at, dossier_id, kind);
)sql";

// Version 2: dossier numbers from a sequence, so engine nodes sharing the
// store never race for one; it continues after the highest HS number stored.
constexpr const char* kPgV2 = R"sql(
CREATE SEQUENCE dossier_numbers;
SELECT setval('dossier_numbers',
  coalesce((SELECT max(substr(dossier_id, 3)::bigint) FROM dossiers
            WHERE dossier_id ~ '^HS[0-9]{1,18}$'), 0) + 1, false);
)sql";

const char* pg_migration_sql(int version) {
  return version == 1 ? kPgV1 : version == 2 ? kPgV2 : nullptr;
}

constexpr const char* kLockHead = "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE";
constexpr const char* kSetHead = "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1";
constexpr const char* kFindKey = "SELECT seq FROM journal WHERE idempotency_key = $1";
constexpr const char* kVersion = "SELECT version FROM dossiers WHERE dossier_id = $1";
constexpr const char* kFireAt = "SELECT fire_at FROM deadlines WHERE dossier_id = $1 AND kind = $2";
constexpr const char* kInsertEvent =
    "INSERT INTO journal(seq, dossier_id, kind, instant, actor, payload, idempotency_key, hash) "
    "VALUES($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr const char* kUpsertState =
    "INSERT INTO dossiers AS d(dossier_id, version, state_name, competent_unit, receiving_unit, "
    "due, last_seq, state_json) VALUES($1, 1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT(dossier_id) DO UPDATE SET version = d.version + 1, "
    "state_name = excluded.state_name, competent_unit = excluded.competent_unit, "
    "receiving_unit = excluded.receiving_unit, due = excluded.due, "
    "last_seq = CASE WHEN excluded.last_seq = 0 THEN d.last_seq ELSE excluded.last_seq END, "
    "state_json = excluded.state_json RETURNING version";
constexpr const char* kDeleteDeadline = "DELETE FROM deadlines WHERE dossier_id = $1 AND kind = $2";
constexpr const char* kPutDeadline =
    "INSERT INTO deadlines(dossier_id, kind, fire_at, payload, owner, lease_until) "
    "VALUES($1, $2, $3, $4, NULL, NULL) ON CONFLICT(dossier_id, kind) DO UPDATE SET "
    "fire_at = excluded.fire_at, payload = excluded.payload, owner = NULL, lease_until = NULL";
// Leases due deadlines to one owner. SKIP LOCKED: a deadline another node is
// leasing or firing right now is left to it rather than waited for.
constexpr const char* kClaim =
    "WITH due AS (SELECT dossier_id, kind FROM deadlines WHERE fire_at <= $1 "
    "AND (owner IS NULL OR owner = $2 OR lease_until <= $3) "
    "ORDER BY fire_at, dossier_id, kind LIMIT $4 FOR UPDATE SKIP LOCKED) "
    "UPDATE deadlines AS d SET owner = $2, lease_until = $5 FROM due "
    "WHERE d.dossier_id = due.dossier_id AND d.kind = due.kind "
    "RETURNING d.dossier_id, d.kind, d.fire_at, d.payload, d.owner";
constexpr const char* kDueSelect =
    "SELECT dossier_id, kind, fire_at, payload, coalesce(owner, '') FROM deadlines "
    "WHERE fire_at <= $1 ORDER BY fire_at, dossier_id, kind LIMIT $2";

#define HOSO_DOSSIER_COLS \
  "dossier_id, version, state_name, competent_unit, receiving_unit, due, state_json, last_seq"
#define HOSO_EVENT_COLS \
  "seq, dossier_id, kind, instant, actor, payload, coalesce(idempotency_key, ''), hash"
constexpr const char* kGetDossier =
    "SELECT " HOSO_DOSSIER_COLS " FROM dossiers WHERE dossier_id = $1";
constexpr const char* kByUnit = "SELECT " HOSO_DOSSIER_COLS
                                " FROM dossiers WHERE (competent_unit = $1 OR receiving_unit = $1)"
                                " AND dossier_id > $2 ORDER BY dossier_id LIMIT $3";
constexpr const char* kJournalFrom =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE seq >= $1 ORDER BY seq LIMIT $2";
constexpr const char* kJournalDossier =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE dossier_id = $1 ORDER BY seq";
constexpr const char* kEventByKey =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE idempotency_key = $1";
constexpr const char* kJournalCursor =
    "DECLARE hoso_verify NO SCROLL CURSOR FOR SELECT " HOSO_EVENT_COLS " FROM journal ORDER BY seq";
#undef HOSO_DOSSIER_COLS
#undef HOSO_EVENT_COLS
constexpr const char* kDossierDeadlines =
    "SELECT dossier_id, kind, fire_at, payload, coalesce(owner, '') FROM deadlines "
    "WHERE dossier_id = $1 ORDER BY kind";
constexpr const char* kNextDeadline = "SELECT min(fire_at) FROM deadlines";
constexpr const char* kCounts =
    "SELECT (SELECT coalesce(max(seq), 0) FROM journal), (SELECT count(*) FROM dossiers), "
    "(SELECT count(*) FROM deadlines)";

Event read_event(const PGresult* r, int i) {
  Event e;
  e.seq = pg_i64(r, i, 0);
  e.dossier_id = pg_text(r, i, 1);
  e.kind = pg_text(r, i, 2);
  e.instant = pg_i64(r, i, 3);
  e.actor = pg_text(r, i, 4);
  e.payload = pg_text(r, i, 5);
  e.idempotency_key = pg_text(r, i, 6);
  e.hash = pg_text(r, i, 7);
  return e;
}

DossierState read_dossier(const PGresult* r, int i) {
  DossierState d;
  d.dossier_id = pg_text(r, i, 0);
  d.version = pg_i64(r, i, 1);
  d.state_name = pg_text(r, i, 2);
  d.competent_unit = pg_text(r, i, 3);
  d.receiving_unit = pg_text(r, i, 4);
  if (PQgetisnull(r, i, 5) == 0) d.due = pg_i64(r, i, 5);
  d.state_json = pg_text(r, i, 6);
  d.last_seq = pg_i64(r, i, 7);
  return d;
}

Deadline read_deadline(const PGresult* r, int i) {
  Deadline d;
  d.dossier_id = pg_text(r, i, 0);
  d.kind = pg_text(r, i, 1);
  d.fire_at = pg_i64(r, i, 2);
  d.payload = pg_text(r, i, 3);
  d.owner = pg_text(r, i, 4);
  return d;
}

struct Request {
  const Batch* batch = nullptr;
  std::optional<Error> error;
  CommitResult result;
  Wakeup done;
};

struct Head {
  Sequence seq = 0;
  std::string hash;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PostgresConfig config) : config_(std::move(config)) {}
  ~PostgresStore() override;
  Result<void> open();

  Result<CommitResult> commit(const Batch& batch) override;
  Result<DossierState> get_dossier(std::string_view dossier_id) const override;
  Result<std::vector<DossierState>> list_dossiers_by_unit(const UnitQuery& q) const override;
  Result<std::vector<Event>> read_journal(Sequence from, std::size_t limit) const override;
  Result<std::vector<Event>> dossier_journal(std::string_view dossier_id) const override;
  Result<std::optional<Event>> find_event_by_key(std::string_view key) const override;
  Result<std::vector<Deadline>> dossier_deadlines(std::string_view dossier_id) const override;
  Result<std::vector<Deadline>> claim_due(const ClaimRequest& req) override;
  Result<std::optional<Instant>> next_deadline() const override;
  Result<Counts> counts() const override;
  Result<std::int64_t> next_dossier_number() override;
  Result<ChainReport> verify_chain() const override;

 private:
  Result<void> migrate();
  void run();
  void run_group(const std::vector<Request*>& group);
  Result<void> check_batch(Request& req, bool& duplicate);
  Result<void> write_batch(Request& req, Head& head);

  template <class T, class Read>
  Result<std::vector<T>> read_rows(const char* sql, const PgParams& params, Read read) const;

  PostgresConfig config_;
  PgConn writer_;  // the committer thread's once open() returns
  mutable PgConn reader_;
  mutable std::mutex read_mu_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<Request*> queue_;
  bool stop_ = false;
  std::thread committer_;
};

PostgresStore::~PostgresStore() {
  if (committer_.joinable()) {
    {
      std::lock_guard lock(q_mu_);
      stop_ = true;
    }
    q_cv_.notify_all();
    committer_.join();
  }
  reader_.close();
  writer_.close();
}

Result<void> PostgresStore::migrate() {
  if (auto r = writer_.exec("BEGIN"); !r) return r;
  auto fail = [&](Error e) -> Result<void> {
    (void)writer_.exec("ROLLBACK");
    return e;
  };
  if (auto r = writer_.exec(kMigrationLock); !r) return fail(r.error());
  char* quoted = PQescapeIdentifier(writer_.raw(), config_.schema.data(), config_.schema.size());
  if (quoted == nullptr) {
    return fail(make_error(ErrorCode::kInvalidArgument,
                           "store (postgres): bad schema name '" + config_.schema + "'"));
  }
  const std::string create = std::string("CREATE SCHEMA IF NOT EXISTS ") + quoted;
  PQfreemem(quoted);
  if (auto r = writer_.exec(create.c_str()); !r) return fail(r.error());
  auto has_meta = writer_.run(
      "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'meta'",
      PgParams{});
  if (!has_meta) return fail(has_meta.error());
  int version = 0;
  if (pg_i64(has_meta->get(), 0, 0) == 0) {
    auto tables = writer_.run("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
                              PgParams{});
    if (!tables) return fail(tables.error());
    if (pg_i64(tables->get(), 0, 0) != 0) {
      return fail(make_error(ErrorCode::kInvalidArgument,
                             "store (postgres): schema '" + config_.schema +
                                 "' has tables but no Hoso schema version; refusing to use it "
                                 "as a store"));
    }
  } else {
    auto v = writer_.run("SELECT value FROM meta WHERE key = 'schema_version'", PgParams{});
    if (!v) return fail(v.error());
    if (PQntuples(v->get()) != 1) {
      return fail(make_error(ErrorCode::kInvalidArgument,
                             "store (postgres): schema '" + config_.schema +
                                 "' has a meta table without a schema version; not a Hoso store"));
    }
    version = static_cast<int>(pg_i64(v->get(), 0, 0));
  }
  if (version > kPgSchemaVersion) {
    return fail(make_error(
        ErrorCode::kVersionMismatch,
        "store (postgres): schema '" + config_.schema + "' has schema version " +
            std::to_string(version) + ", written by a newer Hoso; this build reads versions 1 to " +
            std::to_string(kPgSchemaVersion) + ". Use the newer hoso, or restore a backup."));
  }
  for (int v = version + 1; v <= kPgSchemaVersion; ++v) {
    if (auto r = writer_.exec(pg_migration_sql(v)); !r) return fail(r.error());
  }
  if (version < kPgSchemaVersion) {
    auto r = writer_.run(
        "INSERT INTO meta(key, value) VALUES('schema_version', $1) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        PgParams().i64(kPgSchemaVersion));
    if (!r) return fail(r.error());
  }
  if (auto r = writer_.exec("COMMIT"); !r) return fail(r.error());
  return {};
}

Result<void> PostgresStore::open() {
  if (config_.schema.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "store (postgres): empty schema name");
  }
  if (auto r = writer_.open(config_.conninfo, config_.schema); !r) return r;
  if (auto r = migrate(); !r) return r;
  if (auto r = reader_.open(config_.conninfo, config_.schema); !r) return r;
  committer_ = std::thread([this] { run(); });
  return {};
}

void PostgresStore::run() {
  std::vector<Request*> group;
  for (;;) {
    {
      std::unique_lock lock(q_mu_);
      q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      const std::size_t n = std::min(queue_.size(), std::max<std::size_t>(config_.max_group, 1));
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    run_group(group);
    for (Request* r : group) r->done.post();
  }
}

void PostgresStore::run_group(const std::vector<Request*>& group) {
  // As in the SQLite store: checks read before anything is written, so a
  // refused batch needs no savepoint; a write that fails anyway (PostgreSQL
  // then aborts the transaction) rolls the group back and it runs again
  // without that batch.
  std::vector<Request*> live = group;
  auto fail_all = [&](const Error& e) {
    for (Request* r : live) {
      if (!r->error) r->error = e;
      r->result = CommitResult{};
    }
    (void)writer_.exec("ROLLBACK");
  };
  for (;;) {
    for (Request* r : live) {
      r->error.reset();
      r->result = CommitResult{};
    }
    if (auto r = writer_.exec("BEGIN"); !r) return fail_all(r.error());
    // The row lock on the chain head serialises commits across all nodes.
    auto locked = writer_.run(kLockHead, PgParams{});
    if (!locked) return fail_all(locked.error());
    if (PQntuples(locked->get()) != 1) {
      return fail_all(make_error(ErrorCode::kInternal, "store (postgres): chain_head row missing"));
    }
    Head head{pg_i64(locked->get(), 0, 0), pg_text(locked->get(), 0, 1)};
    const Sequence start_seq = head.seq;
    Request* failed = nullptr;
    bool aborted = false;
    for (Request* r : live) {
      bool duplicate = false;
      if (auto c = check_batch(*r, duplicate); !c) {
        if (c.error().code == ErrorCode::kIo || writer_.broken()) return fail_all(c.error());
        r->error = c.error();
        r->result = CommitResult{};
        // A check that failed on the server (not a refused precondition)
        // aborted the transaction: redo the group without this batch.
        if (c.error().code == ErrorCode::kInternal) {
          failed = r;
          aborted = true;
          break;
        }
        continue;
      } else if (duplicate) {
        continue;
      }
      if (auto w = write_batch(*r, head); !w) {
        if (w.error().code == ErrorCode::kIo || writer_.broken()) return fail_all(w.error());
        r->error = w.error();
        failed = r;
        aborted = true;
        break;
      }
    }
    if (aborted) {
      (void)writer_.exec("ROLLBACK");
      failed->result = CommitResult{};
      std::erase(live, failed);
      if (live.empty()) return;
      continue;
    }
    if (head.seq != start_seq) {
      auto s = writer_.run(kSetHead, PgParams().i64(head.seq).text(head.hash));
      if (!s) return fail_all(s.error());
    }
    if (auto r = writer_.exec("COMMIT"); !r) return fail_all(r.error());
    return;
  }
}

Result<void> PostgresStore::check_batch(Request& req, bool& duplicate) {
  const Batch& b = *req.batch;
  for (std::string_view key : batch_keys(b)) {
    auto r = writer_.run(kFindKey, PgParams().text(key));
    if (!r) return r.error();
    if (PQntuples(r->get()) > 0) {
      duplicate = true;
      req.result.duplicate = true;
      req.result.first_seq = req.result.last_seq = pg_i64(r->get(), 0, 0);
      return {};
    }
  }
  for (const Expectation& x : b.expect) {
    auto r = writer_.run(kVersion, PgParams().text(x.dossier_id));
    if (!r) return r.error();
    const std::int64_t actual = PQntuples(r->get()) > 0 ? pg_i64(r->get(), 0, 0) : 0;
    if (actual != x.version) return stale_version(x.dossier_id, x.version, actual);
  }
  for (const DeadlineRemoval& rm : b.remove_deadlines) {
    if (!rm.fired_at) continue;
    auto r = writer_.run(kFireAt, PgParams().text(rm.dossier_id).text(rm.kind));
    if (!r) return r.error();
    std::optional<Instant> actual;
    if (PQntuples(r->get()) > 0) actual = pg_i64(r->get(), 0, 0);
    if (actual != rm.fired_at) return deadline_gone(rm, actual);
  }
  return {};
}

Result<void> PostgresStore::write_batch(Request& req, Head& head) {
  const Batch& b = *req.batch;
  for (const Event& e : b.events) {
    const Sequence seq = head.seq + 1;
    std::string hash = chain_hash_at(head.hash, seq, e);
    PgParams p;
    p.i64(seq).text(e.dossier_id).text(e.kind).i64(e.instant).text(e.actor).text(e.payload);
    if (e.idempotency_key.empty()) {
      p.null();
    } else {
      p.text(e.idempotency_key);
    }
    p.text(hash);
    if (auto r = writer_.run(kInsertEvent, p); !r) return r.error();
    head.seq = seq;
    head.hash = std::move(hash);
    if (req.result.first_seq == 0) req.result.first_seq = seq;
    req.result.last_seq = seq;
  }
  for (const DossierState& st : b.states) {
    PgParams p;
    p.text(st.dossier_id).text(st.state_name).text(st.competent_unit).text(st.receiving_unit);
    p.opt(st.due).i64(req.result.last_seq).text(st.state_json);
    auto r = writer_.run(kUpsertState, p);
    if (!r) return r.error();
    req.result.versions.push_back(pg_i64(r->get(), 0, 0));
  }
  for (const DeadlineRemoval& rm : b.remove_deadlines) {
    if (auto r = writer_.run(kDeleteDeadline, PgParams().text(rm.dossier_id).text(rm.kind)); !r) {
      return r.error();
    }
  }
  for (const Deadline& d : b.add_deadlines) {
    PgParams p;
    p.text(d.dossier_id).text(d.kind).i64(d.fire_at).text(d.payload);
    if (auto r = writer_.run(kPutDeadline, p); !r) return r.error();
  }
  return {};
}

Result<CommitResult> PostgresStore::commit(const Batch& batch) {
  if (auto v = validate_batch(batch); !v) return v.error();
  Request req;
  req.batch = &batch;
  {
    std::lock_guard lock(q_mu_);
    queue_.push_back(&req);
  }
  q_cv_.notify_one();
  req.done.wait();
  if (req.error) return *req.error;
  return std::move(req.result);
}

template <class T, class Read>
Result<std::vector<T>> PostgresStore::read_rows(const char* sql, const PgParams& params,
                                                Read read) const {
  std::lock_guard lock(read_mu_);
  auto r = reader_.run(sql, params);
  if (!r) return r.error();
  std::vector<T> out;
  const int n = PQntuples(r->get());
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(read(r->get(), i));
  return out;
}

Result<std::vector<Deadline>> PostgresStore::claim_due(const ClaimRequest& req) {
  if (req.owner.empty()) {
    return read_rows<Deadline>(kDueSelect,
                               PgParams().i64(req.now).i64(static_cast<std::int64_t>(req.limit)),
                               read_deadline);
  }
  // One statement in its own transaction: the lease is recorded when it returns.
  PgParams p;
  p.i64(req.now).text(req.owner).i64(req.lease_now).i64(static_cast<std::int64_t>(req.limit));
  p.i64(req.lease_until);
  auto rows = read_rows<Deadline>(kClaim, p, read_deadline);
  if (!rows) return rows.error();
  std::sort(rows->begin(), rows->end(), [](const Deadline& a, const Deadline& b) {
    return std::tie(a.fire_at, a.dossier_id, a.kind) < std::tie(b.fire_at, b.dossier_id, b.kind);
  });
  return rows;
}

Result<DossierState> PostgresStore::get_dossier(std::string_view dossier_id) const {
  auto rows = read_rows<DossierState>(kGetDossier, PgParams().text(dossier_id), read_dossier);
  if (!rows) return rows.error();
  if (rows->empty()) {
    return make_error(ErrorCode::kNotFound, "store: no dossier '" + std::string(dossier_id) + "'");
  }
  return std::move(rows->front());
}

Result<std::vector<DossierState>> PostgresStore::list_dossiers_by_unit(const UnitQuery& q) const {
  if (q.unit.empty()) return std::vector<DossierState>{};
  return read_rows<DossierState>(
      kByUnit,
      PgParams().text(q.unit).text(q.after_dossier_id).i64(static_cast<std::int64_t>(q.limit)),
      read_dossier);
}

Result<std::vector<Event>> PostgresStore::read_journal(Sequence from, std::size_t limit) const {
  return read_rows<Event>(kJournalFrom, PgParams().i64(from).i64(static_cast<std::int64_t>(limit)),
                          read_event);
}

Result<std::vector<Event>> PostgresStore::dossier_journal(std::string_view dossier_id) const {
  return read_rows<Event>(kJournalDossier, PgParams().text(dossier_id), read_event);
}

Result<std::optional<Event>> PostgresStore::find_event_by_key(std::string_view key) const {
  auto rows = read_rows<Event>(kEventByKey, PgParams().text(key), read_event);
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Event>{};
  return std::optional<Event>{std::move(rows->front())};
}

Result<std::vector<Deadline>> PostgresStore::dossier_deadlines(std::string_view dossier_id) const {
  return read_rows<Deadline>(kDossierDeadlines, PgParams().text(dossier_id), read_deadline);
}

Result<std::optional<Instant>> PostgresStore::next_deadline() const {
  std::lock_guard lock(read_mu_);
  auto r = reader_.run(kNextDeadline, PgParams{});
  if (!r) return r.error();
  if (PQntuples(r->get()) == 0 || PQgetisnull(r->get(), 0, 0) != 0) {
    return std::optional<Instant>{};
  }
  return std::optional<Instant>{pg_i64(r->get(), 0, 0)};
}

Result<Counts> PostgresStore::counts() const {
  std::lock_guard lock(read_mu_);
  auto r = reader_.run(kCounts, PgParams{});
  if (!r) return r.error();
  Counts c;
  c.events = pg_i64(r->get(), 0, 0);
  c.dossiers = pg_i64(r->get(), 0, 1);
  c.deadlines = pg_i64(r->get(), 0, 2);
  return c;
}

Result<std::int64_t> PostgresStore::next_dossier_number() {
  std::lock_guard lock(read_mu_);
  auto r = reader_.run("SELECT nextval('dossier_numbers')", PgParams{});
  if (!r) return r.error();
  return pg_i64(r->get(), 0, 0);
}

Result<ChainReport> PostgresStore::verify_chain() const {
  std::lock_guard lock(read_mu_);
  // One snapshot for the journal and the head; a cursor keeps memory bounded.
  if (auto r = reader_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !r) {
    return r.error();
  }
  auto fail = [&](Error e) -> Result<ChainReport> {
    (void)reader_.exec("ROLLBACK");
    return e;
  };
  auto head = reader_.run("SELECT seq, hash FROM chain_head WHERE id = 1", PgParams{});
  if (!head) return fail(head.error());
  if (auto r = reader_.exec(kJournalCursor); !r) return fail(r.error());
  ChainVerifier verifier;
  for (bool going = true; going;) {
    auto rows = reader_.run("FETCH 5000 FROM hoso_verify", PgParams{});
    if (!rows) return fail(rows.error());
    const int n = PQntuples(rows->get());
    if (n == 0) break;
    for (int i = 0; i < n && going; ++i) going = verifier.feed(read_event(rows->get(), i));
  }
  if (auto r = reader_.exec("COMMIT"); !r) return fail(r.error());
  if (PQntuples(head->get()) != 1) {
    ChainReport report;
    report.intact = false;
    report.first_broken = 1;
    report.reason = "the chain_head row is missing: the store was altered";
    return report;
  }
  return verifier.finish(true, pg_i64(head->get(), 0, 0), pg_text(head->get(), 0, 1));
}

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const PostgresConfig& config) {
  auto store = std::make_unique<PostgresStore>(config);
  if (auto r = store->open(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace hoso::store
