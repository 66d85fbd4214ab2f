// Scenario tests for the dossier engine: submit, act, advance the clock,
// expect state; every refusal and late path; restarts; two engines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "driver/driver.h"
#include "hoso/engine.h"
#include "ir/interp_decider.h"

namespace hoso {
namespace {

using nlohmann::json;

const char* kRules = R"(
module t
use std.vn

procedure Permit {
  basis    "Luật Xây dựng 2014, Điều 102"
  level    commune
  deadline 5 working days
  supplement pauses
  dossier {
    site   : Commune
    floors : Int
    require floors in 1..30 else "Số tầng không hợp lệ"
  }
  route {
    when floors > 7 -> province.construction
    otherwise       -> site.economy
  }
  steps {
    receive  by receiving.one_stop  within 1 working days  yields receipt
    appraise by competent           within 3 working days  yields appraisal
    deliver  by receiving.one_stop  within 1 working days  yields result
  }
  warn 1 working days before due
  on late {
    apologise
    notify competent.head
    escalate to province.people_committee.chairman after 2 working days
  }
}

procedure Certificate {
  basis    "Luật Đất đai 2024"
  level    province
  deadline 10 working days
  dossier {
    site : Commune
  }
  route {
    otherwise -> province.land_registry
  }
  steps {
    decide by competent within 10 working days yields certificate
  }
}

decentralise Certificate
  from province.land_registry to site.land_office
  effective 2025-07-01
  basis "Nghị định 151/2025/NĐ-CP"

procedure Licence {
  basis    "Nghị định 139/2025/NĐ-CP"
  level    commune
  deadline 20 working days
  dossier {
    site : Commune
  }
  steps {
    sign by commune.people_committee.chairman within 20 working days yields licence
  }
}

delegate commune.people_committee.chairman
  to commune.people_committee.vice_chairman
  for Licence.sign
  effective 2026-03-10 until 2026-03-20
  basis "Quyết định ủy quyền số 7/QĐ-UBND"

procedure Signoff {
  basis    "Nghị định 140/2025/NĐ-CP"
  level    commune
  deadline 20 working days
  dossier {
    site : Commune
  }
  steps {
    sign by province.construction.head within 20 working days yields permit
  }
}

decentralise Signoff.sign
  from province.construction to commune.people_committee.chairman
  effective 2026-03-09
  basis "Nghị định 140/2025/NĐ-CP, Điều 12"

delegate commune.people_committee.chairman
  to commune.people_committee.vice_chairman
  for Signoff.sign
  effective 2026-03-10 until 2026-03-20
  basis "Quyết định ủy quyền số 8/QĐ-UBND"
)";

class FixedClock final : public engine::Clock {
 public:
  int64_t t = 0;
  int64_t now() const override { return t; }
};

int64_t at(const char* s) {
  return *calendar::parse_instant(s);
}

struct Fixture {
  std::unique_ptr<driver::Compilation> comp;
  std::shared_ptr<rules::Decider> decider;
  std::unique_ptr<store::Store> store;
  FixedClock clock;
  std::unique_ptr<engine::Engine> eng;
  std::vector<store::Event> seen;
  std::string node;                      // Config::node for start()
  std::function<int64_t()> lease_clock;  // Config::lease_clock for start()

  explicit Fixture(std::unique_ptr<store::Store> s = store::make_memory_store(),
                   const char* rules_text = kRules) {
    comp = driver::compile_sources({{"t.hoso", rules_text}});
    EXPECT_FALSE(comp->diags.has_errors()) << diag::render_console(comp->diags, comp->sm, false);
    decider = std::make_shared<ir::InterpDecider>(*comp->module);
    store = std::move(s);
    start();
  }
  void start() {
    engine::Config cfg;
    cfg.rules = decider;
    cfg.store = store.get();
    cfg.clock = &clock;
    cfg.node = node;
    cfg.lease_clock = lease_clock;
    cfg.on_event = [this](const store::Event& e) { seen.push_back(e); };
    auto e = engine::Engine::create(cfg);
    EXPECT_TRUE(e.ok());
    eng = std::move(*e);
  }
  engine::Actor actor(const char* text) {
    auto a = engine::parse_actor(text, decider->meta(), rules::Registry::default_registry());
    EXPECT_TRUE(a.ok()) << a.error().message;
    return *a;
  }
  engine::DossierView submit(const std::string& fields, const char* received = "2026-03-02 09:00",
                             const char* desk = "commune Bắc Hà/one_stop#a",
                             const char* proc = "Permit") {
    clock.t = at(received);
    engine::Submission s;
    s.dossier_json = std::string(R"({"procedure": ")") + proc + R"(", "received": ")" + received +
                     R"(", "receiving": "commune Bắc Hà", "fields": )" + fields + "}";
    auto v = eng->submit(actor(desk), s);
    EXPECT_TRUE(v.ok()) << v.error().message;
    return v.ok() ? *v : engine::DossierView{};
  }
  json state(const std::string& id) {
    auto ds = store->get_dossier(id);
    EXPECT_TRUE(ds.ok());
    return json::parse(ds->state_json);
  }
  Result<engine::DossierView> act(const char* who, const std::string& id, engine::Action a,
                                  const char* when, const char* payload = "{}") {
    clock.t = at(when);
    return eng->act(actor(who), id, a, payload);
  }
};

TEST(Engine, SubmitRoutesAndSetsTheDueDateOnTheWorkingCalendar) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  json st = f.state(v.id);
  EXPECT_EQ(st["state"], "in_process");
  EXPECT_EQ(st["competent"], 1000000 + 1173 * 100 + 3);  // Sa Pa's economy office
  EXPECT_EQ(calendar::format_instant(st["due"]), "2026-03-09 09:00");
  EXPECT_EQ(calendar::format_instant(st["warn_at"]), "2026-03-06 09:00");
  auto dl = f.store->dossier_deadlines(v.id);
  ASSERT_TRUE(dl.ok());
  EXPECT_EQ(dl->size(), 3u);  // due, warn, current step
}

TEST(Engine, IncompleteDossierGetsOneTimeGuidanceThenStartsTheClockWhenSupplemented) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 0})");
  json st = f.state(v.id);
  EXPECT_EQ(st["state"], "supplement_requested");
  EXPECT_EQ(st["guidance"][0], "Số tầng không hợp lệ");
  EXPECT_EQ(st["due"], -1);
  EXPECT_TRUE(f.store->dossier_deadlines(v.id)->empty());
  auto r = f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kSupplement, "2026-03-04 10:00",
                 R"({"fields": {"floors": 3}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  st = f.state(v.id);
  EXPECT_EQ(st["state"], "in_process");
  EXPECT_EQ(calendar::format_instant(st["due"]), "2026-03-11 10:00");
}

TEST(Engine, StillIncompleteAfterGuidanceIsRefusedAtIntake) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 0})");
  auto r = f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kSupplement, "2026-03-04 10:00",
                 R"({"fields": {"floors": 99}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(f.state(v.id)["state"], "refused_at_intake");
}

TEST(Engine, OnlyTheHandlerOfTheCurrentStepMayActAndRefusalsAreAudited) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  auto r = f.act("commune Sa Pa/economy#x", v.id, engine::Action::kComplete, "2026-03-02 10:00");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message.find("Bắc Hà / one_stop"), std::string::npos) << r.error().message;
  auto j = f.store->dossier_journal(v.id);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->back().kind, "refused");
  EXPECT_TRUE(f.store->verify_chain()->intact);
}

TEST(Engine, StepsMoveBetweenUnitsToResultReadyOnTimeAndReturned) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  ASSERT_TRUE(
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kComplete, "2026-03-02 15:00").ok());
  EXPECT_EQ(f.seen.back().kind, "transferred");
  ASSERT_TRUE(
      f.act("commune Sa Pa/economy#b", v.id, engine::Action::kComplete, "2026-03-05 10:00").ok());
  ASSERT_TRUE(
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kComplete, "2026-03-06 10:00").ok());
  json st = f.state(v.id);
  EXPECT_EQ(st["state"], "result_ready");
  EXPECT_EQ(st["outcome"], "early");
  EXPECT_TRUE(f.store->dossier_deadlines(v.id)->empty());
  ASSERT_TRUE(
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kReturn, "2026-03-09 08:00").ok());
  EXPECT_EQ(f.state(v.id)["state"], "returned");
  auto wrong =
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kReturn, "2026-03-09 09:00");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Engine, LateDossierIsApologisedNotifiedAndEscalatedOnce) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 9})");
  auto r = f.eng->advance(at("2026-03-09 09:00"));  // the due time itself
  ASSERT_TRUE(r.ok());
  json st = f.state(v.id);
  EXPECT_TRUE(st["overdue"].get<bool>());
  EXPECT_EQ(st["apologies"], 1);
  EXPECT_TRUE(st.contains("new_appointment"));
  std::vector<std::string> kinds;
  auto journal = f.store->dossier_journal(v.id);
  ASSERT_TRUE(journal.ok());
  for (const auto& e : journal.value()) kinds.push_back(e.kind);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "warned"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "overdue"), kinds.end());
  // Escalation two working days after the due time, fired once.
  ASSERT_TRUE(f.eng->advance(at("2026-03-10 09:00")).ok());
  EXPECT_FALSE(f.state(v.id).contains("escalated"));
  auto r2 = f.eng->advance(at("2026-03-11 09:00"));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->fired, 1u);
  EXPECT_TRUE(f.state(v.id)["escalated"].get<bool>());
  auto r3 = f.eng->advance(at("2026-03-20 09:00"));
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->fired, 0u);
}

TEST(Engine, SupplementDuringProcessingPausesTheClock) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  ASSERT_TRUE(
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kComplete, "2026-03-02 10:00").ok());
  ASSERT_TRUE(
      f.act("commune Sa Pa/economy#b", v.id, engine::Action::kRequestSupplement, "2026-03-03 09:00")
          .ok());
  EXPECT_TRUE(f.store->dossier_deadlines(v.id)->empty());  // a paused clock fires nothing
  ASSERT_TRUE(
      f.act("commune Bắc Hà/one_stop#a", v.id, engine::Action::kSupplement, "2026-03-05 09:00")
          .ok());
  json st = f.state(v.id);
  EXPECT_EQ(st["paused_minutes"], 2 * 480);
  EXPECT_EQ(calendar::format_instant(st["due"]), "2026-03-11 09:00");
  EXPECT_EQ(st["supplements"], 1);
}

TEST(Engine, DecentralisationFollowsTheDayOfReceipt) {
  Fixture f;
  auto before = f.submit(R"({"site": "Sa Pa"})", "2025-06-30 09:00", "commune Bắc Hà/one_stop#a",
                         "Certificate");
  auto after = f.submit(R"({"site": "Sa Pa"})", "2025-07-01 09:00", "commune Bắc Hà/one_stop#a",
                        "Certificate");
  EXPECT_EQ(f.state(before.id)["competent"], 100000 + 12 * 100 + 2);  // province land registry
  EXPECT_EQ(f.state(after.id)["level"], "commune");                   // Sa Pa's land office
}

TEST(Engine, ACommuneSeesOnlyDossiersItReceivedOrHandles) {
  Fixture f;
  auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  EXPECT_TRUE(f.eng->show(f.actor("commune Sa Pa/economy#b"), v.id).ok());
  EXPECT_TRUE(f.eng->show(f.actor("province Lào Cai/construction#c"), v.id).ok());
  auto other = f.eng->show(f.actor("commune Xã số 5/one_stop#d"), v.id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);
}

TEST(Engine, IntakeOnlyAtTheReceivingDesk) {
  Fixture f;
  f.clock.t = at("2026-03-02 09:00");
  engine::Submission s;
  s.dossier_json = R"({"procedure": "Permit", "received": "2026-03-02 09:00",
                       "receiving": "commune Bắc Hà", "fields": {"site": "Sa Pa", "floors": 2}})";
  auto r = f.eng->submit(f.actor("commune Sa Pa/one_stop#z"), s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
}

TEST(Engine, IdempotentSubmitReturnsTheSameDossier) {
  Fixture f;
  f.clock.t = at("2026-03-02 09:00");
  engine::Submission s;
  s.dossier_json = R"({"procedure": "Permit", "received": "2026-03-02 09:00",
                       "receiving": "commune Bắc Hà", "fields": {"site": "Sa Pa", "floors": 2}})";
  s.idempotency_key = "desk-42";
  auto a = f.eng->submit(f.actor("commune Bắc Hà/one_stop#a"), s);
  auto b = f.eng->submit(f.actor("commune Bắc Hà/one_stop#a"), s);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(f.store->counts()->dossiers, 1);
}

TEST(Engine, KpisPerUnitAndLevel) {
  Fixture f;
  auto v1 = f.submit(R"({"site": "Sa Pa", "floors": 2})");
  f.submit(R"({"site": "Sa Pa", "floors": 9})");
  ASSERT_TRUE(f.eng->advance(at("2026-03-20 09:00")).ok());  // both late now
  auto k = f.eng->kpi();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(k->levels.size(), 2u);
  for (const auto& l : k->levels) {
    EXPECT_EQ(l.received, 1);
    EXPECT_EQ(l.in_process_late, 1);
    EXPECT_DOUBLE_EQ(l.on_time_rate, 0.0);
  }
  (void)v1;
}

TEST(Engine, DeadlinesSurviveARestartAndFireOnce) {
  auto dir = std::filesystem::temp_directory_path() / ("hoso_engine_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "s.db").string();
  std::string id;
  {
    auto s = store::open_sqlite_store(store::SqliteConfig(path));
    ASSERT_TRUE(s.ok());
    Fixture f(std::move(*s));
    id = f.submit(R"({"site": "Sa Pa", "floors": 2})").id;
  }
  {
    auto s = store::open_sqlite_store(store::SqliteConfig(path));
    ASSERT_TRUE(s.ok());
    Fixture f(std::move(*s));
    auto r = f.eng->advance(at("2026-03-10 09:00"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->fired, 3u);  // step late, warned, overdue
    EXPECT_TRUE(f.state(id)["overdue"].get<bool>());
    // A second engine on the same store after another restart fires nothing new.
    f.start();
    EXPECT_EQ(f.eng->advance(at("2026-03-10 09:00"))->fired, 0u);
    EXPECT_TRUE(f.store->verify_chain()->intact);
  }
  std::filesystem::remove_all(dir);
}

TEST(Engine, ANodeSkipsDeadlinesAnotherNodeHasLeasedUntilTheLeaseRunsOut) {
  Fixture f;
  std::string a = f.submit(R"({"site": "Sa Pa", "floors": 2})").id;
  std::string b = f.submit(R"({"site": "Sa Pa", "floors": 3})").id;
  int64_t wall = 1'000'000;
  f.node = "node-a";
  f.lease_clock = [&] { return wall; };
  f.start();
  // Node b has leased every due deadline and is working on them.
  store::ClaimRequest other;
  other.now = at("2026-03-10 09:00");
  other.limit = 100;
  other.owner = "node-b";
  other.lease_now = wall;
  other.lease_until = wall + 30000;
  ASSERT_EQ(f.store->claim_due(other)->size(), 6u);
  auto r = f.eng->advance(at("2026-03-10 09:00"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->fired, 0u);
  EXPECT_FALSE(f.state(a)["overdue"].get<bool>());
  // Node b went away: once its lease runs out, node a fires them, once.
  wall += 30000;
  r = f.eng->advance(at("2026-03-10 09:00"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->fired, 6u);
  EXPECT_EQ(r->taken_elsewhere, 0u);
  EXPECT_TRUE(f.state(a)["overdue"].get<bool>());
  EXPECT_TRUE(f.state(b)["overdue"].get<bool>());
  EXPECT_EQ(f.eng->advance(at("2026-03-10 09:00"))->fired, 0u);
  // Without a node name an engine does not look at leases.
  f.node.clear();
  f.start();
  std::string c = f.submit(R"({"site": "Sa Pa", "floors": 4})").id;
  other.lease_now = wall;
  other.lease_until = wall + 30000;
  ASSERT_EQ(f.store->claim_due(other)->size(), 3u);
  EXPECT_EQ(f.eng->advance(at("2026-03-10 09:00"))->fired, 3u);
  EXPECT_TRUE(f.state(c)["overdue"].get<bool>());
}

// Delegations count on the day of the action (ủy quyền): the holder of the
// step is fixed at receipt, the delegate may act on the days the delegation
// is in force, and the holder keeps the power meanwhile.

const char* kChairman = "commune Bắc Hà/chairman#ct";
const char* kVice = "commune Bắc Hà/vice_chairman#pct";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(EngineDelegation, ADelegateMayActWhileTheDelegationIsInForceThoughTheDossierCameInBefore) {
  Fixture f;
  const char* site = R"({"site": "Sa Pa"})";
  auto a = f.submit(site, "2026-03-02 09:00", "commune Bắc Hà/one_stop#a", "Licence");
  auto b = f.submit(site, "2026-03-02 09:00", "commune Bắc Hà/one_stop#a", "Licence");
  EXPECT_EQ(f.state(a.id)["steps"][0]["role"], "chairman");

  // Before the delegation: the chairman's step, and the refusal says so.
  auto early = f.act(kVice, a.id, engine::Action::kComplete, "2026-03-05 10:00");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kPermissionDenied);
  const std::string& m = early.error().message;
  EXPECT_TRUE(has(m, "/ chairman; you are")) << m;
  EXPECT_TRUE(has(m, "from 2026-03-10 to 2026-03-20, not on 2026-03-05")) << m;

  // During it: the vice chairman signs, and the journal says in whose stead.
  auto during = f.act(kVice, a.id, engine::Action::kComplete, "2026-03-16 10:00");
  ASSERT_TRUE(during.ok()) << during.error().message;
  EXPECT_EQ(f.state(a.id)["state"], "result_ready");
  auto journal = f.store->dossier_journal(a.id);
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ(journal->back().kind, "result_ready");
  EXPECT_TRUE(has(journal->back().actor, "vice_chairman")) << journal->back().actor;
  json ev = json::parse(journal->back().payload);
  ASSERT_TRUE(ev.contains("delegation")) << ev.dump();
  EXPECT_TRUE(has(ev["delegation"]["holder"].get<std::string>(), "/ chairman"));
  EXPECT_EQ(ev["delegation"]["basis"][0], "Quyết định ủy quyền số 7/QĐ-UBND");

  // After it: refused again, audited, and the chairman may act.
  auto late = f.act(kVice, b.id, engine::Action::kComplete, "2026-03-25 10:00");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(has(late.error().message, "/ chairman; you are")) << late.error().message;
  EXPECT_TRUE(has(late.error().message, "not on 2026-03-25")) << late.error().message;
  auto refused = f.store->dossier_journal(b.id);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->back().kind, "refused");
  auto chair = f.act(kChairman, b.id, engine::Action::kComplete, "2026-03-25 10:30");
  EXPECT_TRUE(chair.ok()) << chair.error().message;
  EXPECT_TRUE(f.store->verify_chain()->intact);
}

TEST(EngineDelegation, TheDelegatorKeepsThePowerAndTheDelegationEndsOnItsLastDay) {
  Fixture f;
  const char* site = R"({"site": "Sa Pa"})";
  // Received while the delegation is in force: the step is still the
  // chairman's; the delegation is looked up on each action's day.
  auto a = f.submit(site, "2026-03-12 09:00", "commune Bắc Hà/one_stop#a", "Licence");
  auto b = f.submit(site, "2026-03-12 09:00", "commune Bắc Hà/one_stop#a", "Licence");
  auto c = f.submit(site, "2026-03-12 09:00", "commune Bắc Hà/one_stop#a", "Licence");
  EXPECT_EQ(f.state(a.id)["steps"][0]["role"], "chairman");

  auto chair = f.act(kChairman, a.id, engine::Action::kComplete, "2026-03-16 10:00");
  EXPECT_TRUE(chair.ok()) << chair.error().message;
  json ev = json::parse(f.store->dossier_journal(a.id)->back().payload);
  EXPECT_FALSE(ev.contains("delegation")) << ev.dump();  // the holder acts in its own right

  auto other =
      f.act("commune Bắc Hà/economy/head#x", b.id, engine::Action::kComplete, "2026-03-16 10:00");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kPermissionDenied);
  const std::string& m = other.error().message;
  EXPECT_TRUE(has(m,
                  "/ chairman and, by delegation (Quyết định ủy quyền số 7/QĐ-UBND) in force "
                  "on 2026-03-16, of "))
      << m;
  EXPECT_TRUE(has(m, "/ vice_chairman; you are")) << m;

  EXPECT_TRUE(f.act(kVice, b.id, engine::Action::kComplete, "2026-03-20 16:00").ok());
  auto after = f.act(kVice, c.id, engine::Action::kComplete, "2026-03-23 08:00");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(has(after.error().message, "/ chairman; you are")) << after.error().message;
}

TEST(EngineDelegation, ADossierReceivedBeforeADecentralisationKeepsItsHolder) {
  Fixture f;
  const char* site = R"({"site": "Sa Pa"})";
  const char* desk = "commune Bắc Hà/one_stop#a";
  // Received before the step moved to the commune: the province department
  // signs it, and the commune chairman's delegation is not about it.
  auto old = f.submit(site, "2026-03-02 09:00", desk, "Signoff");
  EXPECT_EQ(f.state(old.id)["steps"][0]["role"], "head");
  auto vice = f.act(kVice, old.id, engine::Action::kComplete, "2026-03-16 10:00");
  ASSERT_FALSE(vice.ok());
  EXPECT_EQ(vice.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(has(vice.error().message, "/ head; you are")) << vice.error().message;
  EXPECT_FALSE(has(vice.error().message, "delegation")) << vice.error().message;
  auto head = f.act("province Lào Cai/construction/head#h", old.id, engine::Action::kComplete,
                    "2026-03-16 10:00");
  EXPECT_TRUE(head.ok()) << head.error().message;

  // Received after it, while the delegation was in force: the chairman holds
  // the step and the vice chairman may sign until the delegation ends.
  auto a = f.submit(site, "2026-03-11 09:00", desk, "Signoff");
  auto b = f.submit(site, "2026-03-11 09:00", desk, "Signoff");
  EXPECT_EQ(f.state(a.id)["steps"][0]["role"], "chairman");
  auto during = f.act(kVice, a.id, engine::Action::kComplete, "2026-03-16 10:00");
  EXPECT_TRUE(during.ok()) << during.error().message;
  auto late = f.act(kVice, b.id, engine::Action::kComplete, "2026-03-23 10:00");
  ASSERT_FALSE(late.ok());
  EXPECT_TRUE(has(late.error().message, "/ chairman; you are")) << late.error().message;
}

// Errors the engine passes through from the store say which action on which
// dossier met them, and keep the store's code.
TEST(EngineStoreErrors, AFailedWriteNamesTheActionAndTheDossier) {
  auto dir =
      std::filesystem::temp_directory_path() / ("hoso_engine_faults_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    store::SqliteConfig cfg((dir / "s.db").string());
    cfg.faults = std::make_shared<store::FaultInjector>();
    auto s = store::open_sqlite_store(cfg);
    ASSERT_TRUE(s.ok()) << s.error().message;
    Fixture f(std::move(*s));
    auto v = f.submit(R"({"site": "Sa Pa", "floors": 2})");
    ASSERT_FALSE(v.id.empty());
    cfg.faults->fail_write(1, store::FaultInjector::Kind::kDiskFull, /*sticky=*/true);
    f.clock.t = at("2026-03-02 10:00");
    auto desk = f.actor("commune Bắc Hà/one_stop#a");
    auto r = f.eng->act(desk, v.id, engine::Action::kComplete, "{}", "desk-7");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
    const std::string& m = r.error().message;
    EXPECT_TRUE(has(m, "act `complete` on dossier " + v.id + ": ")) << m;
    EXPECT_TRUE(has(m, "disk is full")) << m;
    EXPECT_TRUE(has(m, "retry with the same idempotency key, `desk-7`")) << m;

    engine::Submission sub;
    sub.dossier_json = R"({"procedure": "Permit", "received": "2026-03-02 10:00",
                           "receiving": "commune Bắc Hà", "fields": {"site": "Sa Pa", "floors": 2}})";
    auto s2 = f.eng->submit(desk, sub);
    ASSERT_FALSE(s2.ok());
    EXPECT_EQ(s2.error().code, ErrorCode::kIo);
    EXPECT_TRUE(has(s2.error().message, "submit Permit dossier HS00000002: "))
        << s2.error().message;

    // Nothing was applied; the same call with the same key goes through.
    cfg.faults->disarm();
    EXPECT_EQ(f.state(v.id)["step"], 0);
    auto again = f.eng->act(desk, v.id, engine::Action::kComplete, "{}", "desk-7");
    EXPECT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(f.state(v.id)["step"], 1);
  }
  std::filesystem::remove_all(dir);
}

TEST(EngineStoreErrors, AStaleOrMissingDossierNamesTheAction) {
  Fixture f;
  auto missing =
      f.act("commune Bắc Hà/one_stop#a", "HS00000099", engine::Action::kReturn, "2026-03-02 10:00");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(has(missing.error().message, "act `return` on dossier HS00000099: "))
      << missing.error().message;
}

TEST(Engine, EnginesOnOneStoreTakeTheirNumbersFromIt) {
  // Two nodes on one store: the second started before the first took 30
  // numbers; the store hands out the numbers, so it goes on with the next
  // one (a per-engine counter used to collide 30 times).
  Fixture a;
  FixedClock clock;
  engine::Config cfg;
  cfg.rules = a.decider;
  cfg.store = a.store.get();
  cfg.clock = &clock;
  auto late = engine::Engine::create(cfg);
  ASSERT_TRUE(late.ok()) << late.error().message;
  for (int i = 0; i < 30; ++i) a.submit(R"({"site": "Sa Pa", "floors": 2})");
  clock.t = at("2026-03-02 10:00");
  engine::Submission sub;
  sub.dossier_json = R"({"procedure": "Permit", "received": "2026-03-02 10:00",
      "receiving": "commune Bắc Hà", "fields": {"site": "Sa Pa", "floors": 2}})";
  auto v = (*late)->submit(a.actor("commune Bắc Hà/one_stop#a"), sub);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->id, "HS00000031");
  auto w = (*late)->submit(a.actor("commune Bắc Hà/one_stop#a"), sub);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->id, "HS00000032");
  EXPECT_EQ(a.store->counts()->dossiers, 32);
  EXPECT_EQ(a.submit(R"({"site": "Sa Pa", "floors": 2})").id, "HS00000033");
}

TEST(Engine, ANumberTakenOutsideTheSequenceCostsOneMore) {
  // A dossier stored under HS00000001 without the store's numbering (a
  // restored backup, an import): the next intake skips the number.
  Fixture f;
  store::Batch b;
  b.expect.push_back({"HS00000001", 0});
  store::DossierState ds;
  ds.dossier_id = "HS00000001";
  ds.state_name = "in_process";
  ds.competent_unit = "1";
  ds.receiving_unit = "1";
  ds.state_json = "{}";
  b.states.push_back(ds);
  ASSERT_TRUE(f.store->commit(b).ok());
  EXPECT_EQ(f.submit(R"({"site": "Sa Pa", "floors": 2})").id, "HS00000002");
}

TEST(Engine, TwoEnginesInOneProcess) {
  Fixture a, b;
  auto va = a.submit(R"({"site": "Sa Pa", "floors": 2})");
  auto vb = b.submit(R"({"site": "Sa Pa", "floors": 9})");
  EXPECT_EQ(va.id, vb.id);  // separate stores number independently
  EXPECT_NE(a.state(va.id)["competent"], b.state(vb.id)["competent"]);
}

}  // namespace
}  // namespace hoso

namespace hoso {
namespace {

const char* kChainRules = R"(
use std.vn

procedure Birth {
  basis    "Luật Hộ tịch 2014"
  level    commune
  deadline 1 working days
  dossier {
    child  : Text
    mother : Text
  }
  steps {
    register by receiving.justice within 1 working days yields birth_certificate
  }
}

procedure Residence {
  basis    "Luật Cư trú 2020"
  level    commune
  deadline 7 working days
  dossier {
    child : Text
  }
  steps {
    record by receiving.police within 7 working days yields residence
  }
}

chain BirthChain "Liên thông khai sinh - thường trú" {
  Birth -> Residence
}
)";

TEST(EngineChain, AResultHandsOnToTheNextProcedureOnce) {
  Fixture f(store::make_memory_store(), kChainRules);
  store::Store* st = f.store.get();
  FixedClock& clock = f.clock;
  clock.t = at("2026-03-02 09:00");
  engine::Engine* eng = f.eng.get();
  const engine::Actor desk = f.actor("commune Sa Pa/one_stop#a");
  const engine::Actor justice = f.actor("commune Sa Pa/justice#b");
  engine::Submission s;
  s.dossier_json = R"({"procedure": "Birth", "received": "2026-03-02 09:00",
    "receiving": "commune Sa Pa", "fields": {"child": "Lan", "mother": "Hoa"}})";
  auto birth = eng->submit(desk, s);
  ASSERT_TRUE(birth.ok()) << birth.error().message;
  clock.t = at("2026-03-02 10:00");
  // The desk may not register the birth: the justice officer's step.
  EXPECT_FALSE(eng->act(desk, birth->id, engine::Action::kComplete).ok());
  clock.t = at("2026-03-02 11:00");
  auto done = eng->act(justice, birth->id, engine::Action::kComplete);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(st->counts()->dossiers, 2);
  auto next = st->get_dossier("HS00000002");
  ASSERT_TRUE(next.ok());
  json n = json::parse(next->state_json);
  EXPECT_EQ(n["procedure"], "Residence");
  EXPECT_EQ(n["dossier"]["fields"]["child"], "Lan");
  EXPECT_EQ(n["channel"], "chain");
  auto journal = st->dossier_journal(birth->id);
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ(journal.value().back().kind, "handed_on");
  // Nothing left to hand on: advance creates no third dossier.
  ASSERT_TRUE(eng->advance(at("2026-03-03 09:00")).ok());
  EXPECT_EQ(st->counts()->dossiers, 2);
}

// A fee whose product does not fit in 64 bits: the intake is refused with a
// message that says so, and nothing is stored (a wrapped fee would be on
// record as if it were right).
TEST(EngineOverflow, AnIntakeWhoseRulesOverflowIsRefusedAndNotStored) {
  Fixture f(store::make_memory_store(), R"(use std.vn

procedure Levy {
  basis    "x"
  level    commune
  deadline 5 working days
  fee      amount * rate
  dossier {
    site   : Commune
    amount : VND
    rate   : Dec
    require rate > 0 else "Thiếu mức thu"
  }
  route {
    otherwise -> site.economy
  }
}
)");
  store::Store* st = f.store.get();
  f.clock.t = at("2026-03-02 09:00");
  const engine::Actor desk = f.actor("commune Sa Pa/one_stop#a");
  auto submit = [&](const char* amount, const char* rate) {
    engine::Submission s;
    s.dossier_json = std::string(R"({"procedure": "Levy", "received": "2026-03-02 09:00",
      "receiving": "commune Sa Pa", "fields": {"site": "Sa Pa", "amount": )") +
                     amount + R"(, "rate": )" + rate + "}}";
    return f.eng->submit(desk, s);
  };
  auto bad = submit("9000000000000", "5000000");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("procedure Levy"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("overflows"), std::string::npos) << bad.error().message;
  EXPECT_EQ(st->counts()->dossiers, 0);
  auto good = submit("9000000000000", "0.5");
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(st->counts()->dossiers, 1);
  // Taken in incomplete (rate 0 fails its require), then supplemented with a
  // rate that overflows: refused, and the dossier stays incomplete.
  auto incomplete = submit("9000000000000", "0");
  ASSERT_TRUE(incomplete.ok()) << incomplete.error().message;
  EXPECT_EQ(incomplete->state, engine::State::kSupplementRequested);
  f.clock.t = at("2026-03-03 09:00");
  auto refused = f.eng->act(desk, incomplete->id, engine::Action::kSupplement,
                            R"({"fields": {"rate": 5000000}})");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("overflows"), std::string::npos)
      << refused.error().message;
  auto ds = st->get_dossier(incomplete->id);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(json::parse(ds->state_json)["state"], "supplement_requested");
  auto fixed =
      f.eng->act(desk, incomplete->id, engine::Action::kSupplement, R"({"fields": {"rate": 2}})");
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(fixed->state, engine::State::kInProcess);
  // Both an overflow and a failed require: the guidance, not a refusal.
  auto both = submit("-9000000000000", "-5000000");
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->state, engine::State::kSupplementRequested);
}

}  // namespace
}  // namespace hoso
