// The durable store: an append-only, hash-chained event journal, the current
// state of each dossier and the deadline queue, changed only by atomic batches.
//
// Three implementations share one contract (docs/store.md): SQLite (durable,
// WAL, synchronous=FULL, group commit), PostgreSQL (several engine nodes on one
// database) and in-memory (simulator and tests). Nothing
// here throws, prints or keeps global state; two stores in one process are fine.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hoso/result.h"

namespace hoso::store {

// Minutes since 1970-01-01 00:00 local time at UTC+7 (the project's convention).
using Instant = std::int64_t;
// Global journal position; the first event is 1, positions are gap-free.
using Sequence = std::int64_t;

// One journal entry. `seq` and `hash` are assigned by the store on commit.
struct Event {
  Sequence seq = 0;
  std::string dossier_id;
  std::string kind;  // "received", "step_done", "deadline_fired", ...
  Instant instant = 0;
  std::string actor;
  std::string payload = "{}";  // JSON text, stored as given
  // Optional; when not empty it is unique across the journal. A batch that
  // carries a key already in the journal is not applied again (see CommitResult).
  std::string idempotency_key;
  std::string hash;  // lowercase hex SHA-256(prev hash || canonical bytes)
};

// The current state of one dossier. `version` and `last_seq` are assigned by
// the store: version is 1 on first write and grows by one with every batch that
// upserts the dossier; last_seq is the last event of that batch.
struct DossierState {
  std::string dossier_id;
  std::int64_t version = 0;
  std::string state_name;
  std::string competent_unit;
  std::string receiving_unit;
  std::optional<Instant> due;
  std::string state_json = "{}";
  Sequence last_seq = 0;
};

// A pending deadline. (dossier_id, kind) identifies it: adding one with the same
// key replaces it (a new due date), so "step 3 due" is one row, not a history.
struct Deadline {
  std::string dossier_id;
  std::string kind;
  Instant fire_at = 0;
  std::string payload = "{}";
  std::string owner;  // set by a leased claim_due; empty when unclaimed
};

struct DeadlineRemoval {
  std::string dossier_id;
  std::string kind;
  // Set when the removal records that the deadline fired: the batch is then
  // refused (kFailedPrecondition) unless the deadline is still queued with
  // exactly this fire_at, so a deadline fires once even if it was moved or
  // fired by someone else meanwhile. Unset: remove if present, else no-op.
  std::optional<Instant> fired_at;
};

// Optimistic concurrency: the batch applies only if the dossier is at
// `version` (0: the dossier must not exist yet).
struct Expectation {
  std::string dossier_id;
  std::int64_t version = 0;
};

// One atomic change. Applied in this order: expectations are checked, events
// appended, states upserted, deadlines removed, deadlines added.
struct Batch {
  std::vector<Expectation> expect;
  std::vector<Event> events;
  std::vector<DossierState> states;
  std::vector<DeadlineRemoval> remove_deadlines;
  std::vector<Deadline> add_deadlines;
};

struct CommitResult {
  Sequence first_seq = 0;  // 0 when the batch has no events
  Sequence last_seq = 0;
  // True when an event's idempotency key was already in the journal: nothing
  // was applied and first_seq/last_seq name the earlier event with that key.
  bool duplicate = false;
  std::vector<std::int64_t> versions;  // new version of each Batch::states entry
};

// Deadlines due at `now`. With an empty owner this is a read. With an owner,
// each returned deadline is leased to it until lease_until (a wall-clock value
// in the caller's own unit, compared with lease_now); a deadline leased to
// another owner whose lease has not run out is skipped. The lease is advisory:
// firing is made exactly-once by DeadlineRemoval::fired_at in the same batch
// as the event it produces. (SQLite assumes one writer process; the lease is
// for the multi-node PostgreSQL store.)
struct ClaimRequest {
  Instant now = 0;
  std::size_t limit = 100;
  std::string owner;
  std::int64_t lease_now = 0;
  std::int64_t lease_until = 0;
};

struct UnitQuery {
  std::string unit;              // matches competent_unit or receiving_unit
  std::string after_dossier_id;  // keyset pagination: ids > this, ascending
  std::size_t limit = 100;
};

struct Counts {
  std::int64_t events = 0;
  std::int64_t dossiers = 0;
  std::int64_t deadlines = 0;
};

struct ChainReport {
  bool intact = true;
  std::int64_t events_checked = 0;
  Sequence first_broken = 0;  // first sequence whose link does not hold; 0 if intact
  std::string reason;         // empty if intact
};

// Makes the store's file I/O fail on purpose (tests). Owned by the caller,
// handed to one store through its config; not global.
class FaultInjector {
 public:
  enum class Kind { kIoError, kDiskFull };
  // Fail the nth write (1 = the next one) to the database or its WAL; with
  // sticky, every later write fails too until disarm().
  void fail_write(int nth, Kind kind, bool sticky = false);
  // Same for fsync.
  void fail_sync(int nth, Kind kind, bool sticky = false);
  void disarm();
  int failures_injected() const { return injected_.load(); }

  // Called by the store's VFS shim: 0 to proceed, else an SQLite error code.
  int on_write();
  int on_sync();

 private:
  struct Arm {
    std::atomic<int> countdown{0};  // 0: disarmed
    std::atomic<bool> sticky{false};
    std::atomic<bool> tripped{false};
    std::atomic<int> kind{0};
  };
  int step(Arm& arm, int io_code);
  static void set(Arm& arm, int nth, Kind kind, bool sticky);
  Arm write_;
  Arm sync_;
  std::atomic<int> injected_{0};
};

// The store contract. All methods are thread-safe.
class Store {
 public:
  virtual ~Store() = default;

  // Applies the whole batch or nothing. kFailedPrecondition: an expectation or
  // a fired_at removal does not hold. kInvalidArgument: malformed batch. kIo:
  // the disk failed; the batch is not applied (after a failed fsync it may
  // still surface after a restart; idempotency keys make the retry safe).
  virtual Result<CommitResult> commit(const Batch& batch) = 0;

  virtual Result<DossierState> get_dossier(std::string_view dossier_id) const = 0;
  virtual Result<std::vector<DossierState>> list_dossiers_by_unit(const UnitQuery& q) const = 0;
  // Events with seq >= from, ascending, at most limit.
  virtual Result<std::vector<Event>> read_journal(Sequence from, std::size_t limit) const = 0;
  virtual Result<std::vector<Event>> dossier_journal(std::string_view dossier_id) const = 0;
  virtual Result<std::optional<Event>> find_event_by_key(std::string_view key) const = 0;
  virtual Result<std::vector<Deadline>> dossier_deadlines(std::string_view dossier_id) const = 0;
  // Due deadlines (fire_at <= now), earliest first; see ClaimRequest.
  virtual Result<std::vector<Deadline>> claim_due(const ClaimRequest& req) = 0;
  // Earliest pending fire_at, for a simulated clock that jumps to it.
  virtual Result<std::optional<Instant>> next_deadline() const = 0;
  virtual Result<Counts> counts() const = 0;
  // A number for a new dossier (the engine names it HS<8 digits>), handed out
  // by the store so engines sharing it do not race for the same one:
  // PostgreSQL keeps a sequence; SQLite and the in-memory store, which one
  // process writes, a counter that starts after the highest HS number
  // stored. A number is never handed out twice, though one may go unused (an
  // intake whose commit failed).
  virtual Result<std::int64_t> next_dossier_number() = 0;
  // Recomputes the hash chain over the whole journal.
  virtual Result<ChainReport> verify_chain() const = 0;
};

struct SqliteConfig {
  SqliteConfig() = default;
  explicit SqliteConfig(std::string store_path) : path(std::move(store_path)) {}
  std::string path;
  int busy_timeout_ms = 5000;
  std::size_t max_group = 256;   // batches per group commit (one transaction, one fsync)
  bool synchronous_full = true;  // false only to measure what fsync costs
  // With synchronous_full: fsync the WAL on a syncer thread after each
  // group's transaction, acknowledging the group only then, so the next
  // group's writes overlap this group's fsync (false: SQLite fsyncs inside
  // COMMIT, holding the write lock). Same durability either way; a reader
  // may see a group up to one fsync before its callers are acknowledged.
  bool sync_off_lock = true;
  // A background connection checkpoints the WAL into the database (off the
  // commit path) each time it has grown by this many pages; at 8 times this
  // the committer checkpoints and the WAL restarts (docs/store.md). 0:
  // SQLite checkpoints inside commits.
  std::size_t checkpoint_pages = 4000;
  std::shared_ptr<FaultInjector> faults;  // null: real I/O only
};

// PostgreSQL, for several engine nodes (processes, machines) sharing one
// database: each node opens its own store on the same conninfo and schema.
struct PostgresConfig {
  PostgresConfig() = default;
  explicit PostgresConfig(std::string connection) : conninfo(std::move(connection)) {}
  std::string conninfo;         // libpq connection string, e.g. "host=... dbname=..."
  std::string schema = "hoso";  // created if missing; tables live there
  std::size_t max_group = 256;  // batches per group commit
};

// The schema version this build writes. A store with a higher version is
// refused (kVersionMismatch); a lower one is migrated on open.
inline constexpr int kSchemaVersion = 3;

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteConfig& config);
Result<std::unique_ptr<Store>> open_postgres_store(const PostgresConfig& config);
std::unique_ptr<Store> make_memory_store();

// For `hoso audit verify FILE`: opens the store at path and verifies its chain.
Result<ChainReport> verify_store_file(const std::string& path);

// Canonical bytes hashed for an event (documented in docs/store.md).
std::string canonical_event_bytes(const Event& e);
// Lowercase hex SHA-256 of prev_hash_hex's bytes followed by canonical bytes;
// an empty prev_hash_hex stands for 32 zero bytes (the chain's start).
std::string chain_hash(std::string_view prev_hash_hex, const Event& e);

}  // namespace hoso::store
