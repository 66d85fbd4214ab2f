// Engine-level fault injection: the SQLite store's FaultInjector fails the
// nth write or fsync (I/O error or disk full) while the engine submits, acts
// and fires deadlines. Each failed call returns kIo with a message that says
// what failed; the store stays consistent (state, journal and deadline queue
// agree, live and after reopening: never a half-applied action); after the
// fault is disarmed (and, after a failed fsync, the store reopened: it refuses
// writes until then) the same calls, retried with their idempotency keys,
// apply exactly once and the engine keeps working.
//
// Also: deadline scenarios found by the crash test's invariant (no
// (dossier, kind, fire_at) fires twice).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine_harness.h"

namespace hoso::engine_crash {
namespace {

class Dir {
 public:
  Dir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "hoso-engine-fault-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  ~Dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

const Rules& shared_rules() {
  static Rules r = compile_rules();
  return r;
}

struct Harness {
  const Rules& rules = shared_rules();
  SimClock clock{instant("2026-03-02 09:00")};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<engine::Engine> eng;
  engine::Actor desk;

  void start(std::unique_ptr<store::Store> s) {
    eng.reset();
    store = std::move(s);
    auto e = make_engine(rules, store.get(), &clock);
    ASSERT_TRUE(e.ok()) << e.error().message;
    eng = std::move(*e);
    auto d = engine::parse_actor("commune Bắc Hà/one_stop#desk", rules.decider->meta(),
                                 rules::Registry::default_registry());
    ASSERT_TRUE(d.ok());
    desk = *d;
  }
  engine::Submission submission(const std::string& key, const char* proc = "Permit",
                                int floors = 2) const {
    engine::Submission s;
    s.dossier_json = json{{"procedure", proc},
                          {"received", calendar::format_instant(clock.now())},
                          {"receiving", "commune Bắc Hà"},
                          {"fields", {{"site", "Sa Pa"}, {"floors", floors}}}}
                         .dump();
    s.idempotency_key = key;
    return s;
  }
  // The official who holds the dossier's current step (the desk when the
  // store cannot say: the engine's own call then meets the same error).
  engine::Actor handler(const std::string& id) const {
    auto ds = store->get_dossier(id);
    if (!ds) return desk;
    json st = json::parse(ds->state_json);
    const json& sd = st["steps"][st["step"].get<size_t>()];
    engine::Actor a;
    a.unit = sd["unit"];
    a.role = sd["role"];
    a.id = "h";
    return a;
  }
};

std::string check(const store::Store& s) {
  return join(check_store(s).problems);
}

struct FaultCase {
  bool sync;
  store::FaultInjector::Kind kind;
  int nth;
  bool sticky;
};

std::string describe(const FaultCase& c) {
  return std::string(c.sync ? "fsync " : "write ") + std::to_string(c.nth) +
         (c.kind == store::FaultInjector::Kind::kDiskFull ? " disk full" : " I/O error") +
         (c.sticky ? " sticky" : "");
}

// One engine call that may fail under the fault; retried after disarm.
struct Call {
  std::string name;
  std::function<Result<std::string>()> run;  // ok: a short description
};

void run_case(const FaultCase& fc) {
  SCOPED_TRACE(describe(fc));
  Dir dir;
  const std::string path = dir.file("faults.db");
  auto faults = std::make_shared<store::FaultInjector>();
  store::SqliteConfig cfg(path);
  cfg.faults = faults;
  auto opened = store::open_sqlite_store(cfg);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Harness h;
  h.start(std::move(*opened));
  if (::testing::Test::HasFatalFailure()) return;

  // Before the fault: two dossiers, one a step further.
  auto a = h.eng->submit(h.desk, h.submission("a"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = h.eng->submit(h.desk, h.submission("b", "Notice"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  h.clock.set(instant("2026-03-02 10:00"));
  ASSERT_TRUE(h.eng->act(h.handler(a->id), a->id, engine::Action::kComplete, "{}", "a1").ok());
  const std::string ida = a->id, idb = b->id;

  if (fc.sync) {
    faults->fail_sync(fc.nth, fc.kind, fc.sticky);
  } else {
    faults->fail_write(fc.nth, fc.kind, fc.sticky);
  }
  std::vector<Call> calls = {
      {"complete a",
       [&]() -> Result<std::string> {
         h.clock.set(instant("2026-03-03 10:00"));
         auto r = h.eng->act(h.handler(ida), ida, engine::Action::kComplete, "{}", "a2");
         if (!r) return r.error();
         return std::string("ok");
       }},
      {"submit c",
       [&]() -> Result<std::string> {
         auto r = h.eng->submit(h.desk, h.submission("c", "Permit", 9));
         if (!r) return r.error();
         return r->id;
       }},
      {"request supplement b",
       [&]() -> Result<std::string> {
         auto r = h.eng->act(h.desk, idb, engine::Action::kRequestSupplement, "{}", "b1");
         if (!r) return r.error();
         return std::string("ok");
       }},
      {"advance",
       [&]() -> Result<std::string> {
         auto r = h.eng->advance(instant("2026-03-20 09:00"));
         if (!r) return r.error();
         return std::to_string(r->fired);
       }},
  };
  std::vector<size_t> failed;
  for (size_t i = 0; i < calls.size(); ++i) {
    auto r = calls[i].run();
    if (r.ok()) continue;
    failed.push_back(i);
    EXPECT_EQ(r.error().code, ErrorCode::kIo) << calls[i].name << ": " << r.error().message;
    const std::string& m = r.error().message;
    const bool says_what = fc.kind == store::FaultInjector::Kind::kDiskFull
                               ? m.find("disk is full") != std::string::npos
                               : m.find("I/O error") != std::string::npos;
    EXPECT_TRUE(says_what) << calls[i].name << ": " << m;
    // Never half-applied: the live store is consistent right after the fault
    // (after a failed fsync it refuses reads as well as writes).
    if (!fc.sync) {
      std::string live = check(*h.store);
      EXPECT_TRUE(live.empty()) << "after " << calls[i].name << " failed:\n" << live;
    }
  }
  EXPECT_GT(faults->failures_injected(), 0);
  EXPECT_FALSE(failed.empty()) << "the fault must hit one of the calls";
  faults->disarm();
  if (fc.sync) {
    // After a failed fsync the store refuses writes until it is reopened (the
    // kernel may have dropped WAL pages that later frames build on).
    auto refused = calls[failed.front()].run();
    ASSERT_FALSE(refused.ok()) << "a store whose fsync failed must refuse writes";
    EXPECT_NE(refused.error().message.find("reopen the store"), std::string::npos)
        << refused.error().message;
    h.eng.reset();
    h.store.reset();
    auto reopened = store::open_sqlite_store(store::SqliteConfig(path));
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    h.start(std::move(*reopened));
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The engine keeps working: the failed calls again, with the same keys.
  for (size_t i : failed) {
    auto r = calls[i].run();
    EXPECT_TRUE(r.ok()) << "retry of " << calls[i].name << ": " << r.error().message;
  }
  std::string after = check(*h.store);
  EXPECT_TRUE(after.empty()) << "after the retries:\n" << after;
  // Reopen without faults: the same consistent store, every key once.
  h.eng.reset();
  h.store.reset();
  auto again = store::open_sqlite_store(store::SqliteConfig(path));
  ASSERT_TRUE(again.ok()) << again.error().message;
  h.start(std::move(*again));
  StoreReport rep = check_store(*h.store);
  EXPECT_TRUE(rep.problems.empty()) << "after reopening:\n" << join(rep.problems);
  for (const char* k : {"a", "b", "a1", "a2", "c", "b1"}) {
    EXPECT_EQ(rep.by_key.count(k), 1u) << "key " << k;
  }
  // a and c are overdue at 2026-03-20; b waits for a supplement (no deadlines).
  // Which dossiers are overdue at 2026-03-20 depends on which call the fault
  // hit (a failed supplement request leaves b running until its retry).
  EXPECT_GE(rep.kinds["overdue"], 1);
  // And it still works after the restart.
  h.clock.set(instant("2026-03-20 10:00"));
  auto next = h.eng->act(h.desk, idb, engine::Action::kSupplement, R"({"fields": {}})", "b2");
  EXPECT_TRUE(next.ok()) << next.error().message;
  EXPECT_TRUE(check(*h.store).empty());
}

TEST(EngineFaults, FailedWriteOrSyncIsAClearIoErrorAndNeverHalfApplied) {
  ASSERT_TRUE(shared_rules().error.empty()) << shared_rules().error;
  using K = store::FaultInjector::Kind;
  for (bool sync : {false, true}) {
    for (K kind : {K::kIoError, K::kDiskFull}) {
      for (int nth : {1, 2, 3, 5, 8}) {
        run_case({sync, kind, nth, false});
        if (HasFatalFailure()) return;
      }
      run_case({sync, kind, 1, true});
      if (HasFatalFailure()) return;
    }
  }
}

// Found by the crash test: after the warning fired, the next action that
// reschedules the dossier (completing a step) queued the same warning again
// and the next advance sent it a second time.
TEST(EngineDeadlines, WarningFiresOnceWhenAStepCompletesAfterIt) {
  ASSERT_TRUE(shared_rules().error.empty()) << shared_rules().error;
  Harness h;
  h.start(store::make_memory_store());
  auto v = h.eng->submit(h.desk, h.submission("w"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(h.eng->advance(instant("2026-03-06 10:00")).ok());  // warn (03-06 09:00) fires
  h.clock.set(instant("2026-03-06 11:00"));
  ASSERT_TRUE(h.eng->act(h.handler(v->id), v->id, engine::Action::kComplete, "{}", "w1").ok());
  ASSERT_TRUE(h.eng->advance(instant("2026-03-06 12:00")).ok());
  StoreReport rep = check_store(*h.store);
  EXPECT_EQ(rep.kinds["warned"], 1);
  EXPECT_TRUE(rep.problems.empty()) << join(rep.problems);
}

// The same for a step deadline: a procedure whose clock counts during a
// supplement request removes the dossier's deadlines and puts them back on
// supplement; the step deadline that had fired was queued and fired again.
TEST(EngineDeadlines, StepLateFiresOnceAcrossASupplementRequest) {
  ASSERT_TRUE(shared_rules().error.empty()) << shared_rules().error;
  Harness h;
  h.start(store::make_memory_store());
  auto v = h.eng->submit(h.desk, h.submission("s", "Notice"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(h.eng->advance(instant("2026-03-03 09:30")).ok());  // step `receive` late
  h.clock.set(instant("2026-03-03 10:00"));
  ASSERT_TRUE(h.eng->act(h.desk, v->id, engine::Action::kRequestSupplement, "{}", "s1").ok());
  h.clock.set(instant("2026-03-03 11:00"));
  ASSERT_TRUE(h.eng->act(h.desk, v->id, engine::Action::kSupplement, "{}", "s2").ok());
  ASSERT_TRUE(h.eng->advance(instant("2026-03-03 11:30")).ok());
  StoreReport rep = check_store(*h.store);
  EXPECT_EQ(rep.kinds["step_late"], 1);
  EXPECT_TRUE(rep.problems.empty()) << join(rep.problems);
}

}  // namespace
}  // namespace hoso::engine_crash
