// Pieces both store implementations share: batch validation and the order in
// which a batch is checked, so the SQLite and in-memory stores agree.
#pragma once

#include <semaphore.h>

#include <cerrno>

#include "hoso/store.h"

namespace hoso::store {

// Rejects malformed batches (empty ids or kinds, an idempotency key twice, a
// dossier upserted twice) before any store work starts.
Result<void> validate_batch(const Batch& batch);

// The batch's idempotency keys: a batch is identified by any of them; the store
// looks them up before applying anything.
std::vector<std::string_view> batch_keys(const Batch& batch);

// As canonical_event_bytes / chain_hash, with seq given instead of e.seq (the
// store hashes an event before it has copied it).
std::string canonical_bytes_at(Sequence seq, const Event& e);
std::string chain_hash_at(std::string_view prev_hash_hex, Sequence seq, const Event& e);

Error stale_version(std::string_view dossier_id, std::int64_t expected, std::int64_t actual);
Error deadline_gone(const DeadlineRemoval& r, std::optional<Instant> actual);

// Wakes one caller waiting for its group commit. A POSIX semaphore rather than
// a condition variable: post() needs no mutex (so the woken caller does not
// collide with the committer on one), and POSIX lets the waiter destroy it as
// soon as wait() returns, even while post() is finishing.
class Wakeup {
 public:
  Wakeup() { sem_init(&sem_, 0, 0); }
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  ~Wakeup() { sem_destroy(&sem_); }
  void post() { sem_post(&sem_); }
  void wait() {
    while (sem_wait(&sem_) != 0 && errno == EINTR) {
    }
  }

 private:
  sem_t sem_;
};

// Recomputes the hash chain event by event (ascending seq), then checks the
// recorded chain head; shared by the SQLite and PostgreSQL stores.
class ChainVerifier {
 public:
  // False once the chain is broken: the caller may stop feeding.
  bool feed(const Event& e);
  // have_head: a head was recorded (a store with no commit has none).
  ChainReport finish(bool have_head, Sequence head_seq, std::string_view head_hash);

 private:
  ChainReport report_;
  std::string prev_;
  Sequence expected_ = 1;
};

}  // namespace hoso::store
