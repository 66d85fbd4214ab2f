// Disk full and I/O errors, injected through the store's own VFS shim: each
// failure is a clear kIo error, never a half-applied batch, and the store
// opens again with journal, states and deadlines in agreement.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "hoso/store.h"
#include "test_util.h"

namespace hoso::store {
namespace {

using testing::action;
using testing::deadline;
using testing::TempDir;

// Action n on dossier d<n%4>: one event, the state, a deadline "due" that the
// next action on the same dossier replaces.
Batch step(int n, std::int64_t version) {
  const std::string id = "d" + std::to_string(n % 4);
  Batch b = action(id, "step", n, version, "k" + std::to_string(n));
  b.add_deadlines.push_back(deadline(id, "due", 5000 + n));
  return b;
}

// Reopens without faults and checks that journal, states and deadlines agree
// with each other and with what was acknowledged.
void expect_consistent(const std::string& path, const std::vector<int>& acked,
                       const std::vector<int>& failed, bool failed_may_be_present) {
  auto opened = open_sqlite_store(SqliteConfig(path));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& s = **opened;
  auto chain = s.verify_chain();
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->reason;
  for (int n : acked) {
    EXPECT_TRUE(s.find_event_by_key("k" + std::to_string(n))->has_value()) << "acked " << n;
  }
  if (!failed_may_be_present) {
    for (int n : failed) {
      EXPECT_FALSE(s.find_event_by_key("k" + std::to_string(n))->has_value()) << "failed " << n;
    }
  }
  auto journal = s.read_journal(1, 100000);
  ASSERT_TRUE(journal.ok());
  std::map<std::string, int> events_per_dossier;
  std::map<std::string, int> last_n;
  for (const Event& e : *journal) {
    ++events_per_dossier[e.dossier_id];
    last_n[e.dossier_id] = std::stoi(e.idempotency_key.substr(1));
  }
  for (const auto& [id, count] : events_per_dossier) {
    auto d = s.get_dossier(id);
    ASSERT_TRUE(d.ok()) << id;
    EXPECT_EQ(d->version, count) << "state and journal disagree for " << id;
    EXPECT_EQ(d->state_json, "{\"n\":" + std::to_string(last_n[id]) + "}");
    auto dl = s.dossier_deadlines(id);
    ASSERT_EQ(dl->size(), 1u);
    EXPECT_EQ(dl->at(0).fire_at, 5000 + last_n[id]) << "deadline and journal disagree for " << id;
  }
  EXPECT_EQ(s.counts()->deadlines, static_cast<std::int64_t>(events_per_dossier.size()));
}

struct FaultRun {
  std::vector<int> acked;
  std::vector<int> failed;
  std::vector<Error> errors;
};

// Commits `total` actions on a store whose faults are armed after `warmup`.
// pipelined: the WAL is fsynced by the store's syncer thread after the
// transaction (SqliteConfig::sync_off_lock); else SQLite fsyncs inside COMMIT.
FaultRun run_with_fault(const std::string& path, int total, int warmup,
                        const std::function<void(FaultInjector&)>& arm, bool pipelined = true) {
  FaultRun run;
  SqliteConfig config(path);
  config.sync_off_lock = pipelined;
  config.faults = std::make_shared<FaultInjector>();
  auto opened = open_sqlite_store(config);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  if (!opened.ok()) return run;
  Store& s = **opened;
  std::map<std::string, std::int64_t> versions;
  for (int n = 0; n < total; ++n) {
    if (n == warmup) arm(*config.faults);
    const std::string id = "d" + std::to_string(n % 4);
    auto r = s.commit(step(n, versions[id]));
    if (r.ok()) {
      run.acked.push_back(n);
      versions[id] = r->versions.at(0);
    } else {
      run.failed.push_back(n);
      run.errors.push_back(r.error());
      // The engine would reload the dossier after an error; the store may or
      // may not have the batch (a failed fsync), so ask it.
      auto d = s.get_dossier(id);
      versions[id] = d.ok() ? d->version : 0;
    }
  }
  return run;
}

TEST(Faults, DiskFullOnWriteIsAClearErrorAndTheStoreRecovers) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  FaultRun run = run_with_fault(
      path, 20, 10, [](FaultInjector& f) { f.fail_write(1, FaultInjector::Kind::kDiskFull); });
  ASSERT_EQ(run.failed, std::vector<int>{10});
  EXPECT_EQ(run.errors[0].code, ErrorCode::kIo);
  EXPECT_NE(run.errors[0].message.find("disk is full"), std::string::npos) << run.errors[0].message;
  EXPECT_EQ(run.acked.size(), 19u) << "later commits succeed once space is back";
  expect_consistent(path, run.acked, run.failed, false);
}

TEST(Faults, IoErrorOnWriteIsAClearErrorAndTheStoreRecovers) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  FaultRun run = run_with_fault(
      path, 20, 5, [](FaultInjector& f) { f.fail_write(1, FaultInjector::Kind::kIoError); });
  ASSERT_EQ(run.failed, std::vector<int>{5});
  EXPECT_EQ(run.errors[0].code, ErrorCode::kIo);
  EXPECT_NE(run.errors[0].message.find("I/O error"), std::string::npos) << run.errors[0].message;
  expect_consistent(path, run.acked, run.failed, false);
}

TEST(Faults, PersistentDiskFullRefusesEveryCommitAndLosesNothingAcknowledged) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  FaultRun run = run_with_fault(path, 12, 6, [&](FaultInjector& f) {
    f.fail_write(1, FaultInjector::Kind::kDiskFull, /*sticky=*/true);
  });
  EXPECT_EQ(run.acked, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(run.failed.size(), 6u);
  for (const Error& e : run.errors) EXPECT_EQ(e.code, ErrorCode::kIo);
  expect_consistent(path, run.acked, run.failed, false);
}

TEST(Faults, FailedFsyncInsideCommitNeverHalfAppliesABatch) {
  // SQLite fsyncs inside COMMIT: after a failed fsync the batch may or may
  // not be on disk (the WAL frames were written), so only atomicity and
  // agreement are checked for it; SQLite rewrites those frames, so later
  // commits go on.
  for (auto kind : {FaultInjector::Kind::kIoError, FaultInjector::Kind::kDiskFull}) {
    TempDir dir;
    const std::string path = dir.file("s.db");
    FaultRun run = run_with_fault(
        path, 16, 8, [&](FaultInjector& f) { f.fail_sync(1, kind); }, /*pipelined=*/false);
    ASSERT_EQ(run.failed.size(), 1u);
    EXPECT_EQ(run.errors[0].code, ErrorCode::kIo);
    expect_consistent(path, run.acked, run.failed, true);
  }
}

TEST(Faults, FailedPipelinedFsyncFailsTheGroupAndRefusesWritesUntilReopened) {
  // The syncer's fdatasync fails: the kernel may have dropped WAL pages that
  // later frames build on, so the store fails the group (its outcome is in
  // doubt), refuses every later write with a clear error, and a reopened
  // store keeps exactly what reached the disk and takes writes again.
  for (auto kind : {FaultInjector::Kind::kIoError, FaultInjector::Kind::kDiskFull}) {
    TempDir dir;
    const std::string path = dir.file("s.db");
    FaultRun run = run_with_fault(path, 16, 8, [&](FaultInjector& f) { f.fail_sync(1, kind); });
    EXPECT_EQ(run.acked, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
    ASSERT_EQ(run.failed.size(), 8u);
    for (const Error& e : run.errors) EXPECT_EQ(e.code, ErrorCode::kIo) << e.message;
    const std::string& first = run.errors[0].message;
    EXPECT_NE(first.find("fsync of the write-ahead log failed"), std::string::npos) << first;
    EXPECT_NE(first.find(kind == FaultInjector::Kind::kDiskFull ? "disk is full" : "I/O error"),
              std::string::npos)
        << first;
    EXPECT_NE(first.find("may or may not"), std::string::npos) << first;
    EXPECT_NE(first.find("same idempotency keys"), std::string::npos) << first;
    const std::string& later = run.errors[1].message;
    EXPECT_NE(later.find("refusing writes after a failed fsync"), std::string::npos) << later;
    EXPECT_NE(later.find("reopen the store"), std::string::npos) << later;
    expect_consistent(path, run.acked, run.failed, true);
    auto reopened = open_sqlite_store(SqliteConfig(path));
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    auto d = (*reopened)->get_dossier("d0");
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE((*reopened)->commit(step(100, d->version)).ok()) << "writes go on after reopening";
  }
}

TEST(Faults, EveryWriteAndSyncPositionLeavesAConsistentStore) {
  // Sweep the fault over the first writes and syncs of a short run, the way
  // SQLite's own tests walk a fault through every I/O call, with the fsync
  // on the syncer thread and inside COMMIT.
  int injected_runs = 0;
  for (bool pipelined : {true, false}) {
    for (int nth = 1; nth <= 12; ++nth) {
      for (bool sync : {false, true}) {
        TempDir dir;
        const std::string path = dir.file("s.db");
        FaultRun run = run_with_fault(
            path, 10, 2,
            [&](FaultInjector& f) {
              if (sync) {
                f.fail_sync(nth, FaultInjector::Kind::kIoError);
              } else {
                f.fail_write(nth, FaultInjector::Kind::kDiskFull);
              }
            },
            pipelined);
        injected_runs += run.failed.empty() ? 0 : 1;
        for (const Error& e : run.errors) EXPECT_EQ(e.code, ErrorCode::kIo) << e.message;
        expect_consistent(path, run.acked, run.failed, sync);
      }
    }
  }
  EXPECT_GT(injected_runs, 24) << "the sweep must actually hit commits";
}

TEST(Faults, InjectorIsPerStore) {
  TempDir dir;
  SqliteConfig faulty(dir.file("a.db"));
  faulty.faults = std::make_shared<FaultInjector>();
  auto a = open_sqlite_store(faulty);
  auto b = open_sqlite_store(SqliteConfig(dir.file("b.db")));
  ASSERT_TRUE(a.ok() && b.ok());
  faulty.faults->fail_write(1, FaultInjector::Kind::kDiskFull, true);
  EXPECT_FALSE((*a)->commit(step(0, 0)).ok());
  EXPECT_TRUE((*b)->commit(step(0, 0)).ok()) << "the other store's I/O is untouched";
  EXPECT_GE(faulty.faults->failures_injected(), 1);
  faulty.faults->disarm();
  EXPECT_TRUE((*a)->commit(step(0, 0)).ok());
}

}  // namespace
}  // namespace hoso::store
