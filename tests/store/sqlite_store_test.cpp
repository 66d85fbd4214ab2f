// What only the SQLite store has: a file that outlives the process, a schema
// with versions, and a journal someone could edit behind the store's back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "hoso/store.h"
#include "schema.h"
#include "test_util.h"

namespace hoso::store {
namespace {

using testing::action;
using testing::deadline;
using testing::TempDir;

std::unique_ptr<Store> open_or_die(const std::string& path) {
  auto s = open_sqlite_store(SqliteConfig(path));
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

// Raw SQL on the file, as an attacker or a careless admin would.
void raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

void fill(Store& s, int n) {
  for (int i = 0; i < n; ++i) {
    Batch b = action("d" + std::to_string(i % 3), "step", i, -1, "k" + std::to_string(i));
    b.add_deadlines.push_back(deadline("d" + std::to_string(i % 3), "due", 1000 + i));
    ASSERT_TRUE(s.commit(b).ok());
  }
}

TEST(SqliteStore, EverythingSurvivesReopenAndTheChainContinues) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  {
    auto s = open_or_die(path);
    fill(*s, 10);
  }
  auto s = open_or_die(path);
  auto c = s->counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->events, 10);
  EXPECT_EQ(c->dossiers, 3);
  EXPECT_EQ(c->deadlines, 3);
  EXPECT_EQ(s->get_dossier("d0")->version, 4);
  EXPECT_EQ(s->dossier_deadlines("d0")->at(0).fire_at, 1009);
  auto r = s->commit(action("d9", "received", 11, 0, "k0"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->duplicate) << "idempotency keys persist";
  auto next = s->commit(action("d9", "received", 11, 0));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_seq, 11);
  auto report = s->verify_chain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->reason;
  EXPECT_EQ(report->events_checked, 11);
}

TEST(SqliteStore, DossierNumbersContinueAfterTheHighestStoredOnReopen) {
  TempDir dir;
  const std::string path = dir.file("n.db");
  {
    auto s = open_or_die(path);
    EXPECT_EQ(*s->next_dossier_number(), 1);
    // Stored HS numbers with a gap, and ids of other forms.
    for (const char* id : {"HS00000007", "HS00000003", "d1", "HSX"}) {
      ASSERT_TRUE(s->commit(action(id, "received", 1, 0)).ok()) << id;
    }
  }
  auto s = open_or_die(path);
  EXPECT_EQ(*s->next_dossier_number(), 8);
  EXPECT_EQ(*s->next_dossier_number(), 9);
}

TEST(SqliteStore, UsesWriteAheadLog) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  auto s = open_or_die(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(SqliteStore, FailedBatchDoesNotPoisonItsGroup) {
  TempDir dir;
  auto s = open_or_die(dir.file("s.db"));
  for (int t = 0; t < 16; ++t)
    ASSERT_TRUE(s->commit(action("t" + std::to_string(t), "r", 0, 0)).ok());
  // 16 threads commit at once so batches share group commits; odd attempts are stale.
  std::atomic<int> good{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "t" + std::to_string(t);
      std::int64_t version = 1;
      for (int n = 0; n < 40; ++n) {
        const bool stale = n % 2 == 1;
        auto r = s->commit(
            action(id, "step", n, stale ? version - 1 : version, id + "-" + std::to_string(n)));
        if (stale) {
          if (!r.ok() && r.error().code == ErrorCode::kFailedPrecondition) ++refused;
        } else if (r.ok()) {
          ++good;
          ++version;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 16 * 20);
  EXPECT_EQ(refused.load(), 16 * 20);
  EXPECT_EQ(s->counts()->events, 16 + 16 * 20);
  for (int t = 0; t < 16; ++t) {
    const std::string id = "t" + std::to_string(t);
    EXPECT_EQ(s->get_dossier(id)->version, 21);
    EXPECT_TRUE(s->find_event_by_key(id + "-0")->has_value());
    EXPECT_FALSE(s->find_event_by_key(id + "-1")->has_value());
  }
  EXPECT_TRUE(s->verify_chain()->intact);
}

class Tamper : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("s.db");
    auto s = open_or_die(path_);
    fill(*s, 8);
  }
  ChainReport verify() {
    auto r = verify_store_file(path_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : ChainReport{};
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(Tamper, IntactJournalVerifies) {
  const ChainReport r = verify();
  EXPECT_TRUE(r.intact) << r.reason;
  EXPECT_EQ(r.events_checked, 8);
  EXPECT_EQ(r.first_broken, 0);
}

TEST_F(Tamper, ChangedPayloadIsFound) {
  raw(path_, "UPDATE journal SET payload = '{\"n\":99}' WHERE seq = 5");
  const ChainReport r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_broken, 5);
  EXPECT_NE(r.reason.find("changed"), std::string::npos) << r.reason;
}

TEST_F(Tamper, ChangedEventWithRecomputedHashBreaksTheNextLink) {
  auto s = open_or_die(path_);
  auto events = s->read_journal(1, 10);
  ASSERT_TRUE(events.ok());
  s.reset();
  Event forged = (*events)[3];  // seq 4
  forged.actor = "intruder";
  const std::string h = chain_hash((*events)[2].hash, forged);
  raw(path_, "UPDATE journal SET actor = 'intruder', hash = '" + h + "' WHERE seq = 4");
  const ChainReport r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_broken, 5);
}

TEST_F(Tamper, DeletedMiddleEventIsFound) {
  raw(path_, "DELETE FROM journal WHERE seq = 3");
  const ChainReport r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_broken, 3);
  EXPECT_NE(r.reason.find("deleted"), std::string::npos) << r.reason;
}

TEST_F(Tamper, DeletedLastEventIsFound) {
  raw(path_, "DELETE FROM journal WHERE seq = 8");
  const ChainReport r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_broken, 8);
}

TEST_F(Tamper, ReorderedEventsAreFound) {
  // Swap the contents of 6 and 7, keeping their positions.
  raw(path_,
      "UPDATE journal SET seq = -6 WHERE seq = 6; UPDATE journal SET seq = 6 WHERE seq = 7;"
      "UPDATE journal SET seq = 7 WHERE seq = -6;");
  const ChainReport r = verify();
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.first_broken, 6);
}

TEST_F(Tamper, StoreReportsTheSameAsTheFileCheck) {
  raw(path_, "UPDATE journal SET kind = 'rejected' WHERE seq = 2");
  auto s = open_or_die(path_);
  auto r = s->verify_chain();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->intact);
  EXPECT_EQ(r->first_broken, 2);
}

TEST(SqliteSchema, NewerStoreIsRefusedNamingBothVersions) {
  TempDir dir;
  const std::string path = dir.file("s.db");
  { auto s = open_or_die(path); }
  raw(path, "PRAGMA user_version = 9");
  auto s = open_sqlite_store(SqliteConfig(path));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kVersionMismatch);
  EXPECT_NE(s.error().message.find("schema version 9"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("1 to " + std::to_string(kSchemaVersion)), std::string::npos)
      << s.error().message;
  EXPECT_EQ(verify_store_file(path).error().code, ErrorCode::kVersionMismatch);
}

TEST(SqliteSchema, OlderStoreIsMigratedKeepingItsData) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  // A store as schema version 1 wrote it (no deadline leases yet).
  raw(path, std::string(migration_sql(1)) +
                "PRAGMA application_id = " + std::to_string(kApplicationId) +
                "; PRAGMA user_version = 1;"
                "INSERT INTO deadlines VALUES('old', 'total', 42, '{}');"
                "INSERT INTO dossiers VALUES('old', 3, 'in_process', 'c1', 'c1', 42, 0, '{}');");
  auto s = open_or_die(path);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->get_dossier("old")->version, 3);
  auto claimed = s->claim_due([] {
    ClaimRequest c;
    c.now = 50;
    c.owner = "node-a";
    c.lease_until = 10;
    return c;
  }());
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].owner, "node-a");
  s.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(SqliteSchema, ForeignDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  raw(path, "CREATE TABLE customers(id INTEGER PRIMARY KEY)");
  auto s = open_sqlite_store(SqliteConfig(path));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("no Hoso schema"), std::string::npos) << s.error().message;
  EXPECT_FALSE(verify_store_file(path).ok());
}

TEST(SqliteSchema, MissingFileIsAnErrorForAudit) {
  TempDir dir;
  auto r = verify_store_file(dir.file("absent.db"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace hoso::store
