// The store contract, run against every implementation: what the engine and
// the simulator rely on must hold the same way in memory, in SQLite and in
// PostgreSQL. store_test instantiates it for memory and SQLite; store_pg_test
// (built with HOSO_STORE_TEST_POSTGRES, run by ctest with a server started by
// pg_server.sh) for PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "hoso/store.h"
#include "test_util.h"

namespace hoso::store {
namespace {

using testing::action;
using testing::deadline;
using testing::TempDir;

enum class Impl { kMemory, kSqlite, kPostgres };

ClaimRequest claim(Instant now, std::size_t limit, std::string owner, std::int64_t lease_now,
                   std::int64_t lease_until) {
  ClaimRequest c;
  c.now = now;
  c.limit = limit;
  c.owner = std::move(owner);
  c.lease_now = lease_now;
  c.lease_until = lease_until;
  return c;
}

UnitQuery by_unit(std::string unit, std::string after, std::size_t limit) {
  UnitQuery q;
  q.unit = std::move(unit);
  q.after_dossier_id = std::move(after);
  q.limit = limit;
  return q;
}

class StoreContract : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override {
    if (GetParam() == Impl::kMemory) {
      store_ = make_memory_store();
    } else if (GetParam() == Impl::kPostgres) {
      const std::string conninfo = testing::pg_conninfo();
      ASSERT_FALSE(conninfo.empty());
      PostgresConfig config(conninfo);
      config.schema = testing::fresh_pg_schema();
      auto s = open_postgres_store(config);
      ASSERT_TRUE(s.ok()) << s.error().message;
      store_ = std::move(*s);
    } else {
      auto s = open_sqlite_store(SqliteConfig(dir_.file("store.db")));
      ASSERT_TRUE(s.ok()) << s.error().message;
      store_ = std::move(*s);
    }
  }
  Store& store() { return *store_; }
  Counts counts() {
    auto c = store_->counts();
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : Counts{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, AppendsEventsAndUpsertsStateAtomically) {
  Batch b = action("d1", "received", 1, 0, "k1");
  b.events.push_back(b.events[0]);
  b.events[1].kind = "routed";
  b.events[1].idempotency_key = "";
  b.add_deadlines.push_back(deadline("d1", "total", 500));
  auto r = store().commit(b);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->first_seq, 1);
  EXPECT_EQ(r->last_seq, 2);
  EXPECT_FALSE(r->duplicate);
  ASSERT_EQ(r->versions.size(), 1u);
  EXPECT_EQ(r->versions[0], 1);

  auto d = store().get_dossier("d1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->version, 1);
  EXPECT_EQ(d->state_name, "received");
  EXPECT_EQ(d->competent_unit, "commune-a");
  EXPECT_EQ(d->due, 29'100'001);
  EXPECT_EQ(d->last_seq, 2);
  EXPECT_EQ(d->state_json, "{\"n\":1}");

  auto j = store().dossier_journal("d1");
  ASSERT_TRUE(j.ok());
  ASSERT_EQ(j->size(), 2u);
  EXPECT_EQ((*j)[0].kind, "received");
  EXPECT_EQ((*j)[0].idempotency_key, "k1");
  EXPECT_EQ((*j)[1].kind, "routed");
  EXPECT_EQ((*j)[0].hash.size(), 64u);
  EXPECT_EQ((*j)[0].hash, chain_hash("", (*j)[0]));
  EXPECT_EQ((*j)[1].hash, chain_hash((*j)[0].hash, (*j)[1]));

  auto r2 = store().commit(action("d1", "step_done", 2, 1));
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2->first_seq, 3);
  EXPECT_EQ(r2->versions[0], 2);
  EXPECT_EQ(store().get_dossier("d1")->last_seq, 3);

  const Counts c = counts();
  EXPECT_EQ(c.events, 3);
  EXPECT_EQ(c.dossiers, 1);
  EXPECT_EQ(c.deadlines, 1);
  auto page = store().read_journal(2, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].seq, 2);
  EXPECT_EQ((*page)[1].seq, 3);
  EXPECT_EQ(store().read_journal(1, 1)->size(), 1u);
  EXPECT_EQ(store().get_dossier("nope").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContract, IdempotencyKeyAppliesAnActionOnce) {
  ASSERT_TRUE(store().commit(action("d1", "received", 1, 0, "client-retry-1")).ok());
  ASSERT_TRUE(store().commit(action("d2", "received", 2, 0, "other")).ok());
  // The client crashed before seeing the ack and retries the same action.
  auto again = store().commit(action("d1", "received", 1, 0, "client-retry-1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->first_seq, 1);
  EXPECT_EQ(counts().events, 2);
  EXPECT_EQ(store().get_dossier("d1")->version, 1);
  auto found = store().find_event_by_key("client-retry-1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->seq, 1);
  EXPECT_FALSE(store().find_event_by_key("never")->has_value());
}

TEST_P(StoreContract, StaleVersionIsRefusedAndNothingIsApplied) {
  ASSERT_TRUE(store().commit(action("d1", "received", 1, 0)).ok());
  ASSERT_TRUE(store().commit(action("d1", "step_done", 2, 1)).ok());
  Batch stale = action("d1", "step_done", 3, 1, "k-stale");
  stale.add_deadlines.push_back(deadline("d1", "step", 900));
  auto r = store().commit(stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("version 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(counts().events, 2);
  EXPECT_EQ(counts().deadlines, 0);
  EXPECT_FALSE(store().find_event_by_key("k-stale")->has_value());
  EXPECT_EQ(store().get_dossier("d1")->version, 2);
  // Expect 0 means "must not exist yet".
  auto dup = store().commit(action("d1", "received", 4, 0));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kFailedPrecondition);
  // The refused key is free to use once the action is valid.
  ASSERT_TRUE(store().commit(action("d1", "step_done", 5, 2, "k-stale")).ok());
}

TEST_P(StoreContract, MalformedBatchIsInvalidArgument) {
  Batch b = action("", "received", 1);
  EXPECT_EQ(store().commit(b).error().code, ErrorCode::kInvalidArgument);
  Batch twice = action("d1", "received", 1, -1, "same");
  twice.events.push_back(twice.events[0]);
  EXPECT_EQ(store().commit(twice).error().code, ErrorCode::kInvalidArgument);
  Batch two_states = action("d1", "received", 1);
  two_states.states.push_back(two_states.states[0]);
  EXPECT_EQ(store().commit(two_states).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(counts().events, 0);
}

TEST_P(StoreContract, DeadlineFiresExactlyOnce) {
  Batch b = action("d1", "received", 1, 0);
  b.add_deadlines.push_back(deadline("d1", "total", 100));
  b.add_deadlines.push_back(deadline("d1", "warn", 80));
  ASSERT_TRUE(store().commit(b).ok());
  ASSERT_TRUE(store()
                  .commit([] {
                    Batch o = action("d2", "received", 2, 0);
                    o.add_deadlines.push_back(deadline("d2", "total", 300));
                    return o;
                  }())
                  .ok());
  EXPECT_EQ(*store().next_deadline(), 80);
  EXPECT_TRUE(store().claim_due(claim(79, 100, "", 0, 0))->empty());
  auto due = store().claim_due(claim(100, 10, "", 0, 0));
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].kind, "warn");
  EXPECT_EQ((*due)[1].kind, "total");
  EXPECT_EQ(store().claim_due(claim(100, 1, "", 0, 0))->size(), 1u);

  auto fire = [&](const std::string& kind, Instant at, std::int64_t version) {
    Batch f = action("d1", "deadline_fired", 10, version);
    f.remove_deadlines.push_back({"d1", kind, at});
    return store().commit(f);
  };
  ASSERT_TRUE(fire("warn", 80, 1).ok());
  // A second engine (or a replay after restart) firing the same deadline is refused.
  auto twice = fire("warn", 80, 2);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  // A deadline moved meanwhile (a supplement paused the clock) does not fire at its old time.
  Batch move = action("d1", "supplement_requested", 11, 2);
  move.add_deadlines.push_back(deadline("d1", "total", 150));
  ASSERT_TRUE(store().commit(move).ok());
  auto old = fire("total", 100, 3);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store().dossier_deadlines("d1")->at(0).fire_at, 150);
  ASSERT_TRUE(fire("total", 150, 3).ok());
  EXPECT_TRUE(store().dossier_deadlines("d1")->empty());
  EXPECT_EQ(counts().deadlines, 1);
  EXPECT_EQ(*store().next_deadline(), 300);
  // A plain removal of something absent is a no-op, not an error.
  Batch plain = action("d1", "closed", 12, 4);
  plain.remove_deadlines.push_back({"d1", "nothing-here", std::nullopt});
  EXPECT_TRUE(store().commit(plain).ok());
}

TEST_P(StoreContract, ClaimLeasesSkipOtherOwnersUntilExpiry) {
  Batch b = action("d1", "received", 1, 0);
  b.add_deadlines.push_back(deadline("d1", "total", 10));
  ASSERT_TRUE(store().commit(b).ok());
  auto a = store().claim_due(claim(10, 100, "node-a", 1000, 1030));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].owner, "node-a");
  EXPECT_EQ(store().dossier_deadlines("d1")->at(0).owner, "node-a");
  auto b_early = store().claim_due(claim(10, 100, "node-b", 1010, 1040));
  ASSERT_TRUE(b_early.ok());
  EXPECT_TRUE(b_early->empty()) << "node-a's lease still runs";
  EXPECT_EQ(store().claim_due(claim(10, 100, "node-a", 1010, 1040))->size(), 1u)
      << "the owner may renew";
  auto b_late = store().claim_due(claim(10, 100, "node-b", 1040, 1070));
  ASSERT_EQ(b_late->size(), 1u) << "an expired lease is taken over";
  EXPECT_EQ((*b_late)[0].owner, "node-b");
  // Moving the deadline clears the lease.
  Batch move = action("d1", "step_done", 2, 1);
  move.add_deadlines.push_back(deadline("d1", "total", 20));
  ASSERT_TRUE(store().commit(move).ok());
  EXPECT_EQ(store().dossier_deadlines("d1")->at(0).owner, "");
}

TEST_P(StoreContract, UnitSeesDossiersItReceivedOrHandles) {
  auto put = [&](const std::string& id, const std::string& competent, const std::string& desk) {
    Batch b = action(id, "received", 1, 0);
    b.states[0].competent_unit = competent;
    b.states[0].receiving_unit = desk;
    ASSERT_TRUE(store().commit(b).ok());
  };
  put("a1", "commune-x", "commune-x");
  put("a2", "dept-land", "commune-x");
  put("a3", "commune-y", "commune-y");
  put("a4", "commune-x", "commune-z");
  put("a5", "dept-land", "commune-y");
  auto x = store().list_dossiers_by_unit(by_unit("commune-x", "", 100));
  ASSERT_TRUE(x.ok());
  std::vector<std::string> ids;
  for (const auto& d : *x) ids.push_back(d.dossier_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a1", "a2", "a4"}));
  auto page1 = store().list_dossiers_by_unit(by_unit("dept-land", "", 1));
  ASSERT_EQ(page1->size(), 1u);
  EXPECT_EQ((*page1)[0].dossier_id, "a2");
  auto page2 = store().list_dossiers_by_unit(by_unit("dept-land", "a2", 1));
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].dossier_id, "a5");
  // Transferred to another unit: the old unit no longer sees it.
  Batch t = action("a4", "transferred", 2, 1);
  t.states[0].competent_unit = "dept-land";
  t.states[0].receiving_unit = "commune-z";
  ASSERT_TRUE(store().commit(t).ok());
  EXPECT_EQ(store().list_dossiers_by_unit(by_unit("commune-x", "", 100))->size(), 2u);
  EXPECT_EQ(store().list_dossiers_by_unit(by_unit("dept-land", "", 100))->size(), 3u);
  EXPECT_TRUE(store().list_dossiers_by_unit(by_unit("nobody", "", 100))->empty());
}

TEST_P(StoreContract, ConcurrentCommitsGetDistinctGaplessSequences) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = "t" + std::to_string(t);
      for (int n = 0; n < kPerThread; ++n) {
        auto r = store().commit(action(id, "step", n, n, id + "-" + std::to_string(n)));
        if (!r.ok() || r->versions.at(0) != n + 1) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = store().read_journal(1, 100000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), std::size_t{kThreads * kPerThread});
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].seq, Sequence(i + 1));
  auto report = store().verify_chain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->reason;
  EXPECT_EQ(report->events_checked, kThreads * kPerThread);
}

TEST_P(StoreContract, DossierNumbersAreHandedOutOnceAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<std::int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kPerThread; ++n) {
        auto r = store().next_dossier_number();
        got[static_cast<size_t>(t)].push_back(r.ok() ? *r : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::int64_t> all;
  for (const auto& g : got) {
    // Increasing within a thread, all distinct, all from 1 on (a new store).
    EXPECT_TRUE(std::is_sorted(g.begin(), g.end()));
    all.insert(g.begin(), g.end());
  }
  EXPECT_EQ(all.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
}

TEST_P(StoreContract, RacingWritersOnOneDossierExactlyOneWinsEachVersion) {
  ASSERT_TRUE(store().commit(action("hot", "received", 0, 0)).ok());
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 40; ++n) {
        auto cur = store().get_dossier("hot");
        if (!cur.ok()) continue;
        auto r = store().commit(action("hot", "step", t * 100 + n, cur->version));
        if (r.ok()) {
          ++wins;
        } else if (r.error().code != ErrorCode::kFailedPrecondition) {
          ADD_FAILURE() << r.error().message;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store().get_dossier("hot")->version, 1 + wins.load());
  EXPECT_EQ(counts().events, 1 + wins.load());
}

#ifdef HOSO_STORE_TEST_POSTGRES
INSTANTIATE_TEST_SUITE_P(Impls, StoreContract, ::testing::Values(Impl::kPostgres),
                         [](const auto&) { return "Postgres"; });
#else
INSTANTIATE_TEST_SUITE_P(Impls, StoreContract, ::testing::Values(Impl::kMemory, Impl::kSqlite),
                         [](const auto& param_info) {
                           return param_info.param == Impl::kMemory ? "Memory" : "Sqlite";
                         });

TEST(StoreInstances, TwoStoresInOneProcessAreIndependent) {
  TempDir dir;
  auto a = open_sqlite_store(SqliteConfig(dir.file("a.db")));
  auto b = open_sqlite_store(SqliteConfig(dir.file("b.db")));
  ASSERT_TRUE(a.ok() && b.ok());
  auto m1 = make_memory_store();
  auto m2 = make_memory_store();
  ASSERT_TRUE((*a)->commit(action("x", "received", 1, 0)).ok());
  ASSERT_TRUE(m1->commit(action("x", "received", 1, 0)).ok());
  EXPECT_EQ((*b)->get_dossier("x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(m2->get_dossier("x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*a)->counts()->events, 1);
  EXPECT_EQ((*b)->counts()->events, 0);
}
#endif

}  // namespace
}  // namespace hoso::store
