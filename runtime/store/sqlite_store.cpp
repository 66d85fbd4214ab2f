// The SQLite store. One writer connection owned by a committer thread that
// group-commits queued batches (one transaction per group); a syncer thread
// that fsyncs the WAL after each group's transaction and only then
// acknowledges its callers, so the next group's writes overlap this group's
// fsync; one reader connection for queries (WAL lets it read while the
// committer writes). See docs/store.md for the schema and guarantees.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "common.h"
#include "fault_vfs.h"
#include "schema.h"
#include "sqlite_util.h"

namespace hoso::store {
namespace {

constexpr const char* kHead = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1";
constexpr const char* kFindKey = "SELECT seq FROM journal WHERE idempotency_key = ?1";
// The dossier's version and units: the batch's version check reads them, and
// writing its state reuses them (Request::known).
constexpr const char* kDossierNow =
    "SELECT version, competent_unit, receiving_unit FROM dossiers WHERE dossier_id = ?1";
constexpr const char* kFireAt = "SELECT fire_at FROM deadlines WHERE dossier_id = ?1 AND kind = ?2";
constexpr const char* kInsertEvent =
    "INSERT INTO journal(seq, dossier_id, kind, instant, actor, payload, idempotency_key, hash) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
// Dossier state writes, without RETURNING (SQLite implements it with a
// temporary table per statement, which cost more than the write itself). The
// usual action keeps the dossier at its units and leaves the unit indexes alone.
constexpr const char* kInsertState =
    "INSERT INTO dossiers(dossier_id, version, state_name, competent_unit, receiving_unit, due, "
    "last_seq, state_json) VALUES(?1, 1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kUpdateState =
    "UPDATE dossiers SET version = ?8, state_name = ?2, due = ?5, "
    "last_seq = CASE WHEN ?6 = 0 THEN last_seq ELSE ?6 END, state_json = ?7 "
    "WHERE dossier_id = ?1";
constexpr const char* kUpdateStateAndUnits =
    "UPDATE dossiers SET version = ?8, state_name = ?2, competent_unit = ?3, receiving_unit = ?4, "
    "due = ?5, last_seq = CASE WHEN ?6 = 0 THEN last_seq ELSE ?6 END, state_json = ?7 "
    "WHERE dossier_id = ?1";
constexpr const char* kDeleteDeadline = "DELETE FROM deadlines WHERE dossier_id = ?1 AND kind = ?2";
constexpr const char* kPutDeadline =
    "INSERT INTO deadlines(dossier_id, kind, fire_at, payload, owner, lease_until) "
    "VALUES(?1, ?2, ?3, ?4, NULL, NULL) ON CONFLICT(dossier_id, kind) DO UPDATE SET "
    "fire_at = excluded.fire_at, payload = excluded.payload, owner = NULL, lease_until = NULL";
constexpr const char* kSetHead = "INSERT OR REPLACE INTO meta(key, value) VALUES('chain_head', ?1)";
constexpr const char* kGetHead = "SELECT value FROM meta WHERE key = 'chain_head'";
constexpr const char* kClaimSelect =
    "SELECT dossier_id, kind, fire_at, payload FROM deadlines WHERE fire_at <= ?1 "
    "AND (owner IS NULL OR owner = ?2 OR lease_until <= ?3) "
    "ORDER BY fire_at, dossier_id, kind LIMIT ?4";
constexpr const char* kClaimUpdate =
    "UPDATE deadlines SET owner = ?3, lease_until = ?4 WHERE dossier_id = ?1 AND kind = ?2";
constexpr const char* kDueSelect =
    "SELECT dossier_id, kind, fire_at, payload, owner FROM deadlines WHERE fire_at <= ?1 "
    "ORDER BY fire_at, dossier_id, kind LIMIT ?2";

#define HOSO_DOSSIER_COLS \
  "dossier_id, version, state_name, competent_unit, receiving_unit, due, state_json, last_seq"
#define HOSO_EVENT_COLS "seq, dossier_id, kind, instant, actor, payload, idempotency_key, hash"
constexpr const char* kGetDossier =
    "SELECT " HOSO_DOSSIER_COLS " FROM dossiers WHERE dossier_id = ?1";
constexpr const char* kByUnit = "SELECT " HOSO_DOSSIER_COLS
                                " FROM dossiers WHERE (competent_unit = ?1 OR receiving_unit = ?1)"
                                " AND dossier_id > ?2 ORDER BY dossier_id LIMIT ?3";
constexpr const char* kJournalFrom =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE seq >= ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kJournalAll = "SELECT " HOSO_EVENT_COLS " FROM journal ORDER BY seq";
constexpr const char* kJournalDossier =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE dossier_id = ?1 ORDER BY seq";
constexpr const char* kEventByKey =
    "SELECT " HOSO_EVENT_COLS " FROM journal WHERE idempotency_key = ?1";
#undef HOSO_DOSSIER_COLS
#undef HOSO_EVENT_COLS
constexpr const char* kDossierDeadlines =
    "SELECT dossier_id, kind, fire_at, payload, owner FROM deadlines WHERE dossier_id = ?1 "
    "ORDER BY kind";
constexpr const char* kNextDeadline = "SELECT min(fire_at) FROM deadlines";
// The highest dossier number of the HS<digits> ids (0: none).
constexpr const char* kTopNumber =
    "SELECT coalesce(max(CAST(substr(dossier_id, 3) AS INTEGER)), 0) FROM dossiers "
    "WHERE dossier_id GLOB 'HS[0-9]*'";
constexpr const char* kCounts =
    "SELECT (SELECT coalesce(max(seq), 0) FROM journal), (SELECT count(*) FROM dossiers), "
    "(SELECT count(*) FROM deadlines)";

Event read_event(sqlite3_stmt* s) {
  Event e;
  e.seq = sqlite3_column_int64(s, 0);
  e.dossier_id = column_text(s, 1);
  e.kind = column_text(s, 2);
  e.instant = sqlite3_column_int64(s, 3);
  e.actor = column_text(s, 4);
  e.payload = column_text(s, 5);
  e.idempotency_key = column_text(s, 6);
  e.hash = column_text(s, 7);
  return e;
}

DossierState read_dossier(sqlite3_stmt* s) {
  DossierState d;
  d.dossier_id = column_text(s, 0);
  d.version = sqlite3_column_int64(s, 1);
  d.state_name = column_text(s, 2);
  d.competent_unit = column_text(s, 3);
  d.receiving_unit = column_text(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) d.due = sqlite3_column_int64(s, 5);
  d.state_json = column_text(s, 6);
  d.last_seq = sqlite3_column_int64(s, 7);
  return d;
}

Deadline read_deadline(sqlite3_stmt* s) {
  Deadline d;
  d.dossier_id = column_text(s, 0);
  d.kind = column_text(s, 1);
  d.fire_at = sqlite3_column_int64(s, 2);
  d.payload = column_text(s, 3);
  if (sqlite3_column_count(s) > 4) d.owner = column_text(s, 4);
  return d;
}

// Runs a prepared statement to completion, collecting rows with `row`.
template <class F>
Result<void> each_row(Conn& c, sqlite3_stmt* s, F&& row) {
  for (;;) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) return c.error(rc, "query");
    row(s);
  }
}

Result<void> step_done(Conn& c, sqlite3_stmt* s, std::string_view what) {
  int rc = sqlite3_step(s);
  while (rc == SQLITE_ROW) rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) return c.error(rc, what);
  return {};
}

// The chain check shared by Store::verify_chain and verify_store_file; `c`
// must be a connection nobody else uses meanwhile.
Result<ChainReport> verify_on(Conn& c) {
  if (auto r = c.exec("BEGIN"); !r) return r.error();  // one snapshot for journal and head
  ChainVerifier verifier;
  bool going = true;
  auto all = c.prep(kJournalAll);
  if (!all) return all.error();
  Result<void> scan = {};
  {
    Use u(*all);
    scan = each_row(c, *all, [&](sqlite3_stmt* s) {
      if (going) going = verifier.feed(read_event(s));
    });
  }
  std::string head;
  if (scan) {
    auto h = c.prep(kGetHead);
    if (!h) return h.error();
    Use u(*h);
    scan = each_row(c, *h, [&](sqlite3_stmt* s) { head = column_text(s, 0); });
  }
  (void)c.exec("COMMIT");
  if (!scan) return scan.error();
  const std::string::size_type sp = head.find(' ');
  Sequence head_seq = 0;
  const std::string seq_text = head.substr(0, sp);
  std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), head_seq);
  const std::string head_hash = sp == std::string::npos ? "" : head.substr(sp + 1);
  return verifier.finish(!head.empty(), head_seq, head_hash);
}

struct Request {
  const Batch* batch = nullptr;
  const ClaimRequest* claim = nullptr;
  std::optional<Error> error;
  CommitResult result;
  std::vector<Deadline> claimed;
  // Dossier rows the batch's check read (version and units), so writing its
  // state needs no second look-up.
  struct Known {
    std::string id;
    bool exists = false;
    std::int64_t version = 0;
    std::string competent, receiving;
  };
  std::vector<Known> known;
  // Fails the request with `e` unless it already failed on its own; nothing
  // it produced stands.
  void fail(const Error& e) {
    if (!error) error = e;
    result = CommitResult{};
    claimed.clear();
  }
  // Each caller waits on its own wakeup, so finishing a group wakes only that
  // group's callers.
  Wakeup done;
};

struct Head {
  Sequence seq = 0;
  std::string hash;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteConfig config) : config_(std::move(config)) {}
  ~SqliteStore() override;
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
  Result<std::int64_t> next_dossier_number() override {
    if (auto p = poisoned()) return *p;
    return next_number_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  Result<ChainReport> verify_chain() const override;

 private:
  void run();
  void submit(Request& req);
  void run_group(const std::vector<Request*>& group);
  Result<void> write_batch(Request& req, Head& head);
  Result<void> apply_claim(Request& req);
  Result<void> check_batch(Request& req, bool& duplicate);
  Result<Request::Known> read_known(std::string_view dossier_id);
  Result<Head> load_head();

  void checkpoint_loop();
  void sync_loop();
  void make_durable(const std::vector<Request*>& batch);
  Result<void> sync_wal();
  // Set after a failed fsync: then reads fail too, since they could serve
  // what never reached the disk (a retried action found as a duplicate).
  std::optional<Error> poisoned() const {
    if (!poisoned_flag_.load(std::memory_order_acquire)) return std::nullopt;  // every read asks
    std::lock_guard lock(s_mu_);
    return poisoned_;
  }
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);

  template <class T, class F>
  Result<std::vector<T>> read_rows(const char* sql, F&& bind_args) const;

  SqliteConfig config_;
  std::unique_ptr<FaultVfs> vfs_;
  Conn writer_;  // used only by the committer thread once open() returns
  mutable Conn reader_;
  mutable std::mutex read_mu_;

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::deque<Request*> queue_;
  bool stop_ = false;
  std::thread committer_;

  // WAL checkpoints run on their own connection and thread, off the commit
  // path; the committer signals when the WAL has grown past checkpoint_pages.
  Conn checkpointer_conn_;
  std::mutex ck_mu_;
  std::condition_variable ck_cv_;
  bool ck_due_ = false;
  int ck_mark_ = 0;  // WAL pages at the last signal; the committer's (WAL hook) only
  bool ck_stop_ = false;
  std::thread checkpointer_;

  // Pipelined durability (config_.sync_off_lock): groups whose transaction
  // is written wait here for the syncer's fdatasync of the WAL. After a
  // failed fsync the store is poisoned: every later write fails until it is
  // reopened, because the kernel may have dropped pages that later frames
  // build on.
  bool pipelined_ = false;
  mutable std::mutex s_mu_;
  std::condition_variable s_cv_;
  std::vector<Request*> s_pending_;
  bool s_stop_ = false;
  bool syncing_ = false;  // an fsync is running (syncer or committer)
  std::optional<Error> poisoned_;
  std::atomic<bool> poisoned_flag_{false};    // poisoned_ is set
  std::atomic<std::int64_t> next_number_{0};  // the highest HS number handed out
  std::thread syncer_;
  int wal_fd_ = -1;  // the WAL, opened by the syncer on first use
};

SqliteStore::~SqliteStore() {
  if (committer_.joinable()) {
    {
      std::lock_guard lock(q_mu_);
      stop_ = true;
    }
    q_cv_.notify_all();
    committer_.join();
  }
  if (syncer_.joinable()) {  // after the committer: it drains what the committer handed on
    {
      std::lock_guard lock(s_mu_);
      s_stop_ = true;
    }
    s_cv_.notify_all();
    syncer_.join();
  }
  if (wal_fd_ >= 0) ::close(wal_fd_);
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(ck_mu_);
      ck_stop_ = true;
    }
    ck_cv_.notify_all();
    checkpointer_.join();
  }
  checkpointer_conn_.close();
  reader_.close();
  writer_.close();
  vfs_.reset();  // after the connections that use it
}

Result<void> SqliteStore::open() {
  const char* vfs_name = nullptr;
  if (config_.faults) {
    vfs_ = FaultVfs::create(config_.faults);
    if (!vfs_) return make_error(ErrorCode::kInternal, "store: cannot register the fault VFS");
    vfs_name = vfs_->name();
  }
  if (auto r = writer_.open(config_.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs_name);
      !r) {
    return r;
  }
  sqlite3_busy_timeout(writer_.db(), config_.busy_timeout_ms);
  // A 32 MiB page cache keeps the index pages a group touches in memory.
  if (auto r = writer_.exec("PRAGMA cache_size=-32768"); !r) return r;
  if (auto r = migrate(writer_); !r) return r;
  if (auto r = writer_.exec("PRAGMA journal_mode=WAL"); !r) return r;
  {
    auto mode = writer_.prep("PRAGMA journal_mode");
    if (!mode) return mode.error();
    Use u(*mode);
    std::string m;
    if (auto r = each_row(writer_, *mode, [&](sqlite3_stmt* s) { m = column_text(s, 0); }); !r) {
      return r;
    }
    if (m != "wal") {
      return make_error(ErrorCode::kIo, "store '" + config_.path +
                                            "': the file system does not support WAL mode "
                                            "(journal_mode is '" +
                                            m + "')");
    }
  }
  const char* sync =
      config_.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF";
  // Pipelined: SQLite writes the WAL without fsync (NORMAL keeps the fsyncs
  // around checkpoints) and the syncer makes each group durable before it
  // is acknowledged.
  pipelined_ = config_.synchronous_full && config_.sync_off_lock;
  if (auto r = writer_.exec(pipelined_ ? "PRAGMA synchronous=NORMAL" : sync); !r) return r;
  if (auto r = reader_.open(config_.path, SQLITE_OPEN_READWRITE, vfs_name); !r) return r;
  sqlite3_busy_timeout(reader_.db(), config_.busy_timeout_ms);
  if (auto r = reader_.exec("PRAGMA query_only=1"); !r) return r;
  {
    // Dossier numbers continue after the highest one stored (one writer
    // process: the counter in memory is the sequence).
    auto top = reader_.prep(kTopNumber);
    if (!top) return top.error();
    Use u(*top);
    if (auto r = each_row(reader_, *top,
                          [&](sqlite3_stmt* st) { next_number_ = sqlite3_column_int64(st, 0); });
        !r) {
      return r;
    }
  }
  if (config_.checkpoint_pages > 0) {
    if (auto r = checkpointer_conn_.open(config_.path, SQLITE_OPEN_READWRITE, vfs_name); !r) {
      return r;
    }
    if (auto r = checkpointer_conn_.exec(sync); !r) return r;
    // Replaces SQLite's automatic checkpoint inside the committing connection.
    sqlite3_wal_hook(writer_.db(), &SqliteStore::on_wal_commit, this);
    checkpointer_ = std::thread([this] { checkpoint_loop(); });
    pthread_setname_np(checkpointer_.native_handle(), "hoso-checkpoint");
  }
  // Named threads, so `top -H` and perf tell them apart.
  if (pipelined_) {
    syncer_ = std::thread([this] { sync_loop(); });
    pthread_setname_np(syncer_.native_handle(), "hoso-sync");
  }
  committer_ = std::thread([this] { run(); });
  pthread_setname_np(committer_.native_handle(), "hoso-commit");
  return {};
}

Result<void> SqliteStore::sync_wal() {
  auto failed = [&](bool full, const std::string& detail) {
    return make_error(ErrorCode::kIo,
                      "store '" + config_.path + "': fsync of the write-ahead log failed: " +
                          (full ? "the disk is full (" : "I/O error (") + detail + ")");
  };
  if (config_.faults) {
    if (const int rc = config_.faults->on_sync(); rc != SQLITE_OK) {
      return failed((rc & 0xff) == SQLITE_FULL, std::string("injected: ") + sqlite3_errstr(rc));
    }
  }
  if (wal_fd_ < 0) {
    // The WAL's own name, as SQLite derives it from the database's.
    const char* wal = sqlite3_filename_wal(sqlite3_db_filename(writer_.db(), "main"));
    if (wal == nullptr) return failed(false, "SQLite names no WAL file");
    wal_fd_ = ::open(wal, O_RDWR | O_CLOEXEC);
    if (wal_fd_ < 0)
      return failed(false, std::string("cannot open ") + wal + ": " + std::strerror(errno));
  }
  while (::fdatasync(wal_fd_) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    return failed(e == ENOSPC || e == EDQUOT, std::strerror(e));
  }
  return {};
}

void SqliteStore::sync_loop() {
  std::vector<Request*> batch;
  for (;;) {
    {
      std::unique_lock lock(s_mu_);
      s_cv_.wait(lock, [&] { return s_stop_ || (!s_pending_.empty() && !syncing_); });
      if (s_pending_.empty()) return;  // stopping and drained
      batch.swap(s_pending_);
      syncing_ = true;
    }
    make_durable(batch);
    batch.clear();
  }
}

void SqliteStore::make_durable(const std::vector<Request*>& batch) {
  // One fdatasync covers every group written so far: the WAL is appended in
  // commit order, so a later group is never durable without an earlier. Only
  // one thread syncs at a time (syncing_), so each fsync reports the write-back
  // errors since the previous one.
  std::optional<Error> err = poisoned();
  if (!err) {
    if (auto r = sync_wal(); !r) {
      err = r.error();
      err->message +=
          "; the actions of this group may or may not have reached the disk, and the store "
          "refuses writes until it is reopened (reopening keeps exactly what is on disk): "
          "reopen it and retry them with the same idempotency keys";
      std::lock_guard lock(s_mu_);
      poisoned_ = make_error(ErrorCode::kIo,
                             "store '" + config_.path +
                                 "': refusing writes after a failed fsync of the write-ahead log "
                                 "(" +
                                 r.error().message + "); reopen the store, then retry");
      poisoned_flag_.store(true, std::memory_order_release);
    }
  }
  bool more = false;
  {
    std::lock_guard lock(s_mu_);
    syncing_ = false;
    more = !s_pending_.empty();
  }
  if (more) s_cv_.notify_one();  // groups handed on meanwhile (no wake-up for nothing)
  for (Request* r : batch) {
    if (err) r->fail(*err);
    r->done.post();
  }
}

int SqliteStore::on_wal_commit(void* self, sqlite3* db, const char* name, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  const auto threshold = static_cast<int>(store->config_.checkpoint_pages);
  if (pages < store->ck_mark_) store->ck_mark_ = 0;  // the WAL restarted from its beginning
  if (pages < threshold) return SQLITE_OK;
  if (pages >= 8 * threshold) {
    // Continuous writing never leaves the WAL fully copied when the next
    // transaction starts, which is what lets SQLite restart it from the
    // beginning; checkpointing here, right after a commit, does (most pages
    // are already copied by the background checkpoints, so it is short).
    // Also the bound should the background checkpointer fail.
    (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    store->ck_mark_ = 0;
    return SQLITE_OK;
  }
  // One background checkpoint per `threshold` new pages, not one per commit:
  // a page written several times in between is copied once.
  if (pages - store->ck_mark_ < threshold) return SQLITE_OK;
  store->ck_mark_ = pages;
  {
    std::lock_guard lock(store->ck_mu_);
    store->ck_due_ = true;
  }
  store->ck_cv_.notify_one();
  return SQLITE_OK;
}

void SqliteStore::checkpoint_loop() {
  for (;;) {
    {
      std::unique_lock lock(ck_mu_);
      ck_cv_.wait(lock, [&] { return ck_stop_ || ck_due_; });
      if (ck_stop_) return;
      ck_due_ = false;
    }
    // PASSIVE: copies what no reader still needs and never blocks the
    // committer. A failure (disk full, I/O error) leaves the WAL as it is and
    // the next signal retries; the WAL itself stays the durable copy.
    (void)sqlite3_wal_checkpoint_v2(checkpointer_conn_.db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                    nullptr, nullptr);
  }
}

void SqliteStore::submit(Request& req) {
  {
    std::lock_guard lock(q_mu_);
    queue_.push_back(&req);
  }
  q_cv_.notify_one();
  req.done.wait();
}

void SqliteStore::run() {
  std::vector<Request*> group;
  for (;;) {
    {
      std::unique_lock lock(q_mu_);
      q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      const std::size_t n = std::min(queue_.size(), std::max<std::size_t>(config_.max_group, 1));
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    run_group(group);
    if (pipelined_) {
      // A lone batch, nothing else to write and no fsync running (one
      // client): sync here rather than pay two thread hand-offs; else hand
      // the group to the syncer and write the next one meanwhile.
      bool here = false;
      {
        std::lock_guard lock(s_mu_);
        if (group.size() == 1 && !syncing_ && s_pending_.empty()) {
          std::lock_guard q(q_mu_);
          here = queue_.empty();
        }
        if (here) {
          syncing_ = true;
        } else {
          s_pending_.insert(s_pending_.end(), group.begin(), group.end());
        }
      }
      if (here) {
        make_durable(group);
      } else {
        s_cv_.notify_one();
      }
    } else {
      for (Request* r : group) r->done.post();
    }
  }
}

Result<Head> SqliteStore::load_head() {
  auto s = writer_.prep(kHead);
  if (!s) return s.error();
  Use u(*s);
  Head head;
  if (auto r = each_row(writer_, *s,
                        [&](sqlite3_stmt* st) {
                          head.seq = sqlite3_column_int64(st, 0);
                          head.hash = column_text(st, 1);
                        });
      !r) {
    return r.error();
  }
  return head;
}

void SqliteStore::run_group(const std::vector<Request*>& group) {
  // Batches are checked (reads only) before they write, so a refused batch
  // leaves nothing to undo and needs no savepoint. Should a write itself fail
  // for another reason than the disk, the transaction is rolled back and the
  // group runs again without that batch, so it cannot poison the others.
  std::vector<Request*> live = group;
  if (auto p = pipelined_ ? poisoned() : std::nullopt) {
    for (Request* r : live) r->fail(*p);
    return;
  }
  auto fail_all = [&](const Error& e) {
    for (Request* r : live) r->fail(e);
    if (sqlite3_get_autocommit(writer_.db()) == 0) (void)writer_.exec("ROLLBACK");
  };
  for (;;) {
    for (Request* r : live) {
      r->error.reset();
      r->result = CommitResult{};
      r->claimed.clear();
    }
    if (auto r = writer_.exec("BEGIN IMMEDIATE"); !r) return fail_all(r.error());
    // Read the head inside the write lock, so a second writer process cannot fork the chain.
    auto loaded = load_head();
    if (!loaded) return fail_all(loaded.error());
    Head head = *loaded;
    const Sequence start_seq = head.seq;
    Request* failed = nullptr;
    for (Request* r : live) {
      if (r->claim == nullptr) {
        bool duplicate = false;
        if (auto c = check_batch(*r, duplicate); !c) {
          if (c.error().code == ErrorCode::kIo) return fail_all(c.error());
          r->error = c.error();
          r->result = CommitResult{};
          continue;
        } else if (duplicate) {
          continue;
        }
      }
      Result<void> applied = r->claim != nullptr ? apply_claim(*r) : write_batch(*r, head);
      if (applied) continue;
      if (applied.error().code == ErrorCode::kIo || sqlite3_get_autocommit(writer_.db()) != 0) {
        return fail_all(applied.error());
      }
      r->error = applied.error();
      failed = r;
      break;
    }
    if (failed != nullptr) {
      (void)writer_.exec("ROLLBACK");
      failed->result = CommitResult{};
      failed->claimed.clear();
      std::erase(live, failed);
      if (live.empty()) return;
      continue;
    }
    if (head.seq != start_seq) {
      auto s = writer_.prep(kSetHead);
      if (!s) return fail_all(s.error());
      Use u(*s);
      const std::string value = std::to_string(head.seq) + " " + head.hash;
      bind(*s, 1, value);
      if (auto r = step_done(writer_, *s, "record chain head"); !r) return fail_all(r.error());
    }
    if (auto r = writer_.exec("COMMIT"); !r) return fail_all(r.error());
    return;
  }
}

Result<void> SqliteStore::check_batch(Request& req, bool& duplicate) {
  const Batch& b = *req.batch;
  for (std::string_view key : batch_keys(b)) {
    auto s = writer_.prep(kFindKey);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, key);
    Sequence found = 0;
    if (auto r =
            each_row(writer_, *s, [&](sqlite3_stmt* st) { found = sqlite3_column_int64(st, 0); });
        !r) {
      return r;
    }
    if (found != 0) {
      duplicate = true;
      req.result.duplicate = true;
      req.result.first_seq = req.result.last_seq = found;
      return {};
    }
  }
  req.known.clear();
  for (const Expectation& x : b.expect) {
    auto k = read_known(x.dossier_id);
    if (!k) return k.error();
    if (k->version != x.version) return stale_version(x.dossier_id, x.version, k->version);
    req.known.push_back(std::move(*k));
  }
  for (const DeadlineRemoval& rm : b.remove_deadlines) {
    if (!rm.fired_at) continue;
    auto s = writer_.prep(kFireAt);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, rm.dossier_id);
    bind(*s, 2, rm.kind);
    std::optional<Instant> actual;
    if (auto r =
            each_row(writer_, *s, [&](sqlite3_stmt* st) { actual = sqlite3_column_int64(st, 0); });
        !r) {
      return r;
    }
    if (actual != rm.fired_at) return deadline_gone(rm, actual);
  }
  return {};
}

Result<Request::Known> SqliteStore::read_known(std::string_view dossier_id) {
  auto s = writer_.prep(kDossierNow);
  if (!s) return s.error();
  Use u(*s);
  bind(*s, 1, dossier_id);
  Request::Known k;
  k.id = std::string(dossier_id);
  if (auto r = each_row(writer_, *s,
                        [&](sqlite3_stmt* st) {
                          k.exists = true;
                          k.version = sqlite3_column_int64(st, 0);
                          k.competent = column_text(st, 1);
                          k.receiving = column_text(st, 2);
                        });
      !r) {
    return r.error();
  }
  return k;
}

Result<void> SqliteStore::write_batch(Request& req, Head& head) {
  const Batch& b = *req.batch;
  for (const Event& e : b.events) {
    const Sequence seq = head.seq + 1;
    std::string hash = chain_hash_at(head.hash, seq, e);
    auto s = writer_.prep(kInsertEvent);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, seq);
    bind(*s, 2, e.dossier_id);
    bind(*s, 3, e.kind);
    bind(*s, 4, e.instant);
    bind(*s, 5, e.actor);
    bind(*s, 6, e.payload);
    if (e.idempotency_key.empty()) {
      bind_null(*s, 7);
    } else {
      bind(*s, 7, e.idempotency_key);
    }
    bind(*s, 8, hash);
    if (auto r = step_done(writer_, *s, "append event"); !r) return r;
    head.seq = seq;
    head.hash = std::move(hash);
    if (req.result.first_seq == 0) req.result.first_seq = seq;
    req.result.last_seq = seq;
  }
  for (const DossierState& st : b.states) {
    auto known = std::find_if(req.known.begin(), req.known.end(),
                              [&](const Request::Known& k) { return k.id == st.dossier_id; });
    if (known == req.known.end()) {
      auto k = read_known(st.dossier_id);
      if (!k) return k.error();
      req.known.push_back(std::move(*k));
      known = req.known.end() - 1;
    }
    const std::int64_t version = known->exists ? known->version + 1 : 1;
    const char* sql =
        !known->exists ? kInsertState
        : known->competent == st.competent_unit && known->receiving == st.receiving_unit
            ? kUpdateState
            : kUpdateStateAndUnits;
    known->exists = true;  // a second state for it in this batch updates this one
    known->version = version;
    known->competent = st.competent_unit;
    known->receiving = st.receiving_unit;
    auto s = writer_.prep(sql);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, st.dossier_id);
    bind(*s, 2, st.state_name);
    bind(*s, 3, st.competent_unit);
    bind(*s, 4, st.receiving_unit);
    if (st.due) {
      bind(*s, 5, *st.due);
    } else {
      bind_null(*s, 5);
    }
    bind(*s, 6, req.result.last_seq);
    bind(*s, 7, st.state_json);
    if (sql != kInsertState) bind(*s, 8, version);
    if (auto r = step_done(writer_, *s, "write dossier state"); !r) return r;
    req.result.versions.push_back(version);
  }
  for (const DeadlineRemoval& rm : b.remove_deadlines) {
    // One the batch adds again is replaced by the upsert below: no delete.
    const bool readded = std::any_of(
        b.add_deadlines.begin(), b.add_deadlines.end(),
        [&](const Deadline& d) { return d.dossier_id == rm.dossier_id && d.kind == rm.kind; });
    if (readded) continue;
    auto s = writer_.prep(kDeleteDeadline);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, rm.dossier_id);
    bind(*s, 2, rm.kind);
    if (auto r = step_done(writer_, *s, "remove deadline"); !r) return r;
  }
  for (const Deadline& d : b.add_deadlines) {
    auto s = writer_.prep(kPutDeadline);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, d.dossier_id);
    bind(*s, 2, d.kind);
    bind(*s, 3, d.fire_at);
    bind(*s, 4, d.payload);
    if (auto r = step_done(writer_, *s, "add deadline"); !r) return r;
  }
  return {};
}

Result<void> SqliteStore::apply_claim(Request& req) {
  const ClaimRequest& c = *req.claim;
  {
    auto s = writer_.prep(kClaimSelect);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, c.now);
    bind(*s, 2, c.owner);
    bind(*s, 3, c.lease_now);
    bind(*s, 4, static_cast<std::int64_t>(c.limit));
    if (auto r = each_row(writer_, *s,
                          [&](sqlite3_stmt* st) { req.claimed.push_back(read_deadline(st)); });
        !r) {
      return r;
    }
  }
  for (Deadline& d : req.claimed) {
    auto s = writer_.prep(kClaimUpdate);
    if (!s) return s.error();
    Use u(*s);
    bind(*s, 1, d.dossier_id);
    bind(*s, 2, d.kind);
    bind(*s, 3, c.owner);
    bind(*s, 4, c.lease_until);
    if (auto r = step_done(writer_, *s, "lease deadline"); !r) return r;
    d.owner = c.owner;
  }
  return {};
}

Result<CommitResult> SqliteStore::commit(const Batch& batch) {
  if (auto v = validate_batch(batch); !v) return v.error();
  Request req;
  req.batch = &batch;
  submit(req);
  if (req.error) return *req.error;
  return std::move(req.result);
}

Result<std::vector<Deadline>> SqliteStore::claim_due(const ClaimRequest& req) {
  if (req.owner.empty()) {
    return read_rows<Deadline>(kDueSelect, [&](sqlite3_stmt* s) {
      bind(s, 1, req.now);
      bind(s, 2, static_cast<std::int64_t>(req.limit));
    });
  }
  Request r;
  r.claim = &req;
  submit(r);
  if (r.error) return *r.error;
  return std::move(r.claimed);
}

template <class T, class F>
Result<std::vector<T>> SqliteStore::read_rows(const char* sql, F&& bind_args) const {
  if (auto p = poisoned()) return *p;
  std::lock_guard lock(read_mu_);
  auto s = reader_.prep(sql);
  if (!s) return s.error();
  Use u(*s);
  bind_args(*s);
  std::vector<T> out;
  auto r = each_row(reader_, *s, [&](sqlite3_stmt* st) {
    if constexpr (std::is_same_v<T, Event>) {
      out.push_back(read_event(st));
    } else if constexpr (std::is_same_v<T, DossierState>) {
      out.push_back(read_dossier(st));
    } else {
      out.push_back(read_deadline(st));
    }
  });
  if (!r) return r.error();
  return out;
}

Result<DossierState> SqliteStore::get_dossier(std::string_view dossier_id) const {
  auto rows =
      read_rows<DossierState>(kGetDossier, [&](sqlite3_stmt* s) { bind(s, 1, dossier_id); });
  if (!rows) return rows.error();
  if (rows->empty()) {
    return make_error(ErrorCode::kNotFound, "store: no dossier '" + std::string(dossier_id) + "'");
  }
  return std::move(rows->front());
}

Result<std::vector<DossierState>> SqliteStore::list_dossiers_by_unit(const UnitQuery& q) const {
  if (q.unit.empty()) return std::vector<DossierState>{};
  return read_rows<DossierState>(kByUnit, [&](sqlite3_stmt* s) {
    bind(s, 1, q.unit);
    bind(s, 2, q.after_dossier_id);
    bind(s, 3, static_cast<std::int64_t>(q.limit));
  });
}

Result<std::vector<Event>> SqliteStore::read_journal(Sequence from, std::size_t limit) const {
  return read_rows<Event>(kJournalFrom, [&](sqlite3_stmt* s) {
    bind(s, 1, from);
    bind(s, 2, static_cast<std::int64_t>(limit));
  });
}

Result<std::vector<Event>> SqliteStore::dossier_journal(std::string_view dossier_id) const {
  return read_rows<Event>(kJournalDossier, [&](sqlite3_stmt* s) { bind(s, 1, dossier_id); });
}

Result<std::optional<Event>> SqliteStore::find_event_by_key(std::string_view key) const {
  auto rows = read_rows<Event>(kEventByKey, [&](sqlite3_stmt* s) { bind(s, 1, key); });
  if (!rows) return rows.error();
  if (rows->empty()) return std::optional<Event>{};
  return std::optional<Event>{std::move(rows->front())};
}

Result<std::vector<Deadline>> SqliteStore::dossier_deadlines(std::string_view dossier_id) const {
  return read_rows<Deadline>(kDossierDeadlines, [&](sqlite3_stmt* s) { bind(s, 1, dossier_id); });
}

Result<std::optional<Instant>> SqliteStore::next_deadline() const {
  if (auto p = poisoned()) return *p;
  std::lock_guard lock(read_mu_);
  auto s = reader_.prep(kNextDeadline);
  if (!s) return s.error();
  Use u(*s);
  std::optional<Instant> out;
  auto r = each_row(reader_, *s, [&](sqlite3_stmt* st) {
    if (sqlite3_column_type(st, 0) != SQLITE_NULL) out = sqlite3_column_int64(st, 0);
  });
  if (!r) return r.error();
  return out;
}

Result<Counts> SqliteStore::counts() const {
  if (auto p = poisoned()) return *p;
  std::lock_guard lock(read_mu_);
  auto s = reader_.prep(kCounts);
  if (!s) return s.error();
  Use u(*s);
  Counts c;
  auto r = each_row(reader_, *s, [&](sqlite3_stmt* st) {
    c.events = sqlite3_column_int64(st, 0);
    c.dossiers = sqlite3_column_int64(st, 1);
    c.deadlines = sqlite3_column_int64(st, 2);
  });
  if (!r) return r.error();
  return c;
}

Result<ChainReport> SqliteStore::verify_chain() const {
  if (auto p = poisoned()) return *p;
  std::lock_guard lock(read_mu_);
  return verify_on(reader_);
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteConfig& config) {
  if (config.path.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "store: no path given for the SQLite store");
  }
  auto store = std::make_unique<SqliteStore>(config);
  if (auto r = store->open(); !r) return r.error();
  return std::unique_ptr<Store>(std::move(store));
}

Result<ChainReport> verify_store_file(const std::string& path) {
  Conn c;
  if (auto r = c.open(path, SQLITE_OPEN_READONLY, nullptr); !r) return r.error();
  auto version = read_schema_version(c);
  if (!version) return version.error();
  if (*version == 0) {
    return make_error(ErrorCode::kInvalidArgument, "'" + path + "' is not a Hoso store");
  }
  return verify_on(c);
}

}  // namespace hoso::store
