// A C++ host embedding the Hoso engine: load a rule pack, take dossiers in,
// complete a house permit's steps as the right officials, let a second permit
// slip past its due date, and print the KPIs.
//
//   embed_cpp RULES_PACK DOSSIERS_DIR      (build the pack: hoso build rules -o rules.pack)
#include <hoso/engine.h>
#include <hoso/pack.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

// Time is injected: the host decides what "now" is (here, a settable clock).
class HostClock final : public hoso::engine::Clock {
 public:
  int64_t t = 0;
  int64_t now() const override { return t; }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t at(const char* text) {
  return hoso::calendar::parse_instant(text).value();
}

int fail(const char* what, const hoso::Error& e) {
  std::fprintf(stderr, "%s: %s\n", what, e.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: embed_cpp RULES_PACK DOSSIERS_DIR\n");
    return 2;
  }
  auto pack = hoso::rules::load_pack(argv[1]);
  if (!pack) return fail("load pack", pack.error());
  std::shared_ptr<const hoso::rules::Decider> rules = std::move(*pack);

  auto store = hoso::store::make_memory_store();  // or open_sqlite_store(SqliteConfig("hoso.db"))
  HostClock clock;
  hoso::engine::Config config;
  config.rules = rules;
  config.store = store.get();
  config.clock = &clock;
  config.on_event = [](const hoso::store::Event& e) {
    if (e.kind != "received" && e.kind != "step_done" && e.kind != "transferred") {
      std::printf("  event: %s %s\n", e.dossier_id.c_str(), e.kind.c_str());
    }
  };
  auto engine = hoso::engine::Engine::create(config);
  if (!engine) return fail("engine", engine.error());
  hoso::engine::Engine& eng = **engine;

  const auto& registry = hoso::rules::Registry::default_registry();
  auto actor = [&](const char* text) {
    return hoso::engine::parse_actor(text, rules->meta(), registry).value();
  };
  auto desk = actor("commune Sa Pa/one_stop#nva");
  auto economy = actor("commune Sa Pa/economy#ltb");
  auto head = actor("commune Sa Pa/economy/head#vvc");

  std::string dir = argv[2];
  hoso::engine::Submission s;
  s.dossier_json = read_file(dir + "/HousePermit_commune.json");
  clock.t = at("2026-07-01 09:00");
  auto first = eng.submit(desk, s);
  if (!first) return fail("submit", first.error());
  auto second = eng.submit(desk, s);
  if (!second) return fail("submit", second.error());
  std::printf("received %s and %s (%s)\n", first->id.c_str(), second->id.c_str(),
              first->procedure.c_str());

  // The economy office may not take the desk's step: a typed refusal that
  // says who may act (and an entry in the audit trail).
  auto refused = eng.act(economy, first->id, hoso::engine::Action::kComplete);
  if (!refused && refused.error().code == hoso::ErrorCode::kPermissionDenied) {
    std::printf("refused: %s\n", refused.error().message.c_str());
  }

  // Each step by its handler: desk, economy office, its head, desk.
  using hoso::engine::Action;
  const hoso::engine::Actor* hands[] = {&desk, &economy, &head, &desk};
  const char* when[] = {"2026-07-01 14:00", "2026-07-08 10:00", "2026-07-10 10:00",
                        "2026-07-13 09:00"};
  for (int i = 0; i < 4; ++i) {
    clock.t = at(when[i]);
    auto v = eng.act(*hands[i], first->id, Action::kComplete);
    if (!v) return fail("complete", v.error());
  }
  auto returned = eng.act(desk, first->id, Action::kReturn);
  if (!returned) return fail("return", returned.error());
  std::printf("%s: %s\n", first->id.c_str(),
              std::string(hoso::engine::state_name(returned->state)).c_str());

  // Nobody touched the second permit: move the clock past its due date.
  clock.t = at("2026-08-03 09:00");
  auto report = eng.advance(clock.t);
  if (!report) return fail("advance", report.error());
  std::printf("advance: %zu deadline events\n", report->fired);

  auto kpi = eng.kpi();
  if (!kpi) return fail("kpi", kpi.error());
  for (const auto& u : kpi->units) {
    std::printf("KPI %s: received %lld, closed %lld, late and open %lld, on-time %.0f%%\n",
                u.unit.c_str(), static_cast<long long>(u.received),
                static_cast<long long>(u.closed), static_cast<long long>(u.in_process_late),
                u.on_time_rate * 100);
  }
  return 0;
}
