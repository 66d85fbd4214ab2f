// hoso engine: a quick look at the embeddable engine over a store file, and
// hoso audit verify: check the journal's hash chain.
#include <cstdio>

#include "commands.h"
#include "hoso/engine.h"
#include "rules_loader.h"

namespace hoso::cli {
namespace {

struct EngineArgs {
  std::string store_path;
  std::vector<std::string> rules;
  std::string engine = "jit";
  std::string at;  // the clock; default: now
  std::string actor;
  std::string dossier_file;
  std::string channel = "desk";
  std::string dossier_id;
  std::string action;
  std::string payload = "{}";
  std::string key;
};

class FixedClock final : public engine::Clock {
 public:
  explicit FixedClock(int64_t t) : t_(t) {}
  int64_t now() const override { return t_; }

 private:
  int64_t t_;
};

int fail(const char* sub, const Error& e) {
  std::fprintf(stderr, "hoso engine %s: %s\n", sub, e.message.c_str());
  return e.code == ErrorCode::kPermissionDenied ? 3 : 1;
}

int run(const EngineArgs& a, const std::string& sub) {
  int rc = 0;
  LoadedRules loaded_rules;  // outlives the engine: the decider may refer to it
  if (!load_decider(a.engine, a.rules, "engine", loaded_rules, rc)) return rc;
  std::shared_ptr<rules::Decider> decider = std::move(loaded_rules.decider);
  auto store = store::open_sqlite_store(store::SqliteConfig(a.store_path));
  if (!store) return fail(sub.c_str(), store.error());
  std::unique_ptr<engine::Clock> clock;
  if (!a.at.empty()) {
    auto t = calendar::parse_instant(a.at);
    if (!t) return fail(sub.c_str(), t.error());
    clock = std::make_unique<FixedClock>(*t);
  } else {
    clock = engine::system_clock();
  }
  engine::Config cfg;
  cfg.rules = decider;
  cfg.store = store->get();
  cfg.clock = clock.get();
  auto eng = engine::Engine::create(cfg);
  if (!eng) return fail(sub.c_str(), eng.error());
  const auto& reg = rules::Registry::default_registry();
  auto actor = [&]() -> Result<engine::Actor> {
    if (a.actor.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "--as is required: who acts, e.g. --as \"commune Bắc Hà/one_stop#nva\"");
    }
    return engine::parse_actor(a.actor, decider->meta(), reg);
  };
  if (sub == "submit") {
    auto who = actor();
    if (!who) return fail("submit", who.error());
    auto text = read_input(a.dossier_file, "engine submit");
    if (!text) return 2;
    engine::Submission s;
    s.dossier_json = std::move(*text);
    s.channel = a.channel;
    s.idempotency_key = a.key;
    auto v = (*eng)->submit(*who, s);
    if (!v) return fail("submit", v.error());
    std::printf("%s\n", v->json.c_str());
  } else if (sub == "act") {
    auto who = actor();
    if (!who) return fail("act", who.error());
    auto action = engine::parse_action(a.action);
    if (!action) return fail("act", action.error());
    auto v = (*eng)->act(*who, a.dossier_id, *action, a.payload, a.key);
    if (!v) return fail("act", v.error());
    std::printf("%s\n", v->json.c_str());
  } else if (sub == "advance") {
    auto r = (*eng)->advance(clock->now());
    if (!r) return fail("advance", r.error());
    for (const auto& e : r->events) std::printf("%s\n", e.c_str());
    std::printf("%zu deadline event%s fired\n", r->fired, r->fired == 1 ? "" : "s");
  } else if (sub == "show") {
    auto who = actor();
    if (!who) return fail("show", who.error());
    auto v = (*eng)->show(*who, a.dossier_id);
    if (!v) return fail("show", v.error());
    std::printf("%s\n", v->json.c_str());
  } else if (sub == "kpi") {
    auto k = (*eng)->kpi();
    if (!k) return fail("kpi", k.error());
    std::printf("%-60s %8s %6s %6s %6s %8s %6s %6s\n", "unit", "received", "closed", "late",
                "open>", "on-time", "suppl", "online");
    auto row = [](const engine::UnitKpi& u) {
      std::printf("%-60s %8lld %6lld %6lld %6lld %7.1f%% %6.2f %5.0f%%\n", u.unit.c_str(),
                  static_cast<long long>(u.received), static_cast<long long>(u.closed),
                  static_cast<long long>(u.late), static_cast<long long>(u.in_process_late),
                  u.on_time_rate * 100, u.supplements_per_dossier, u.online_share * 100);
    };
    for (const auto& u : k->levels) row(u);
    std::printf("\n");
    for (const auto& u : k->units) row(u);
  }
  return 0;
}

}  // namespace

void add_engine_commands(CLI::App& app, Registry& reg) {
  auto a = std::make_shared<EngineArgs>();
  auto* eng = app.add_subcommand(
      "engine",
      "A quick look at the dossier engine over a store file: take dossiers in, act on them,\n"
      "advance the clock, show a dossier, print the KPIs. Every action is checked against the\n"
      "rules' authority and recorded in the store's hash-chained journal. Exit 3 when an\n"
      "action is refused.");
  eng->require_subcommand(1);
  eng->add_option("--store", a->store_path, "The SQLite store file (created if missing)")
      ->required();
  eng->add_option("--rules", a->rules,
                  "Rules files or folders, or with --engine pack a pack from `hoso build`")
      ->required();
  eng->add_option("--engine", a->engine,
                  "jit (default), interp (the reference) or pack (a pack from `hoso build`\n"
                  "given as --rules, or the rules built into one as `hoso build` does)")
      ->check(CLI::IsMember({"jit", "interp", "pack"}));
  eng->add_option("--at", a->at, "The clock, \"YYYY-MM-DD HH:MM\" (default: now, UTC+7)");
  auto actor_help =
      "Who acts: \"commune Bắc Hà/one_stop#nva\", "
      "\"province Lào Cai/construction/head#tt\"";
  auto* submit = eng->add_subcommand("submit", "Take a dossier (JSON) in at the actor's desk");
  submit->add_option("dossier", a->dossier_file, "The dossier as JSON")->required();
  submit->add_option("--as", a->actor, actor_help)->required();
  submit->add_option("--channel", a->channel, "desk, online or post");
  submit->add_option("--key", a->key, "Idempotency key: a retry with it changes nothing");
  auto* act = eng->add_subcommand(
      "act",
      "Act on a dossier: complete, request_supplement, supplement, await_payment, paid, reject,\n"
      "withdraw, refuse_intake, return, not_collected");
  act->add_option("id", a->dossier_id, "The dossier number (HS00000001)")->required();
  act->add_option("action", a->action, "The action")->required();
  act->add_option("--as", a->actor, actor_help)->required();
  act->add_option("--payload", a->payload, "JSON payload (e.g. {\"fields\": {...}})");
  act->add_option("--key", a->key, "Idempotency key");
  auto* adv = eng->add_subcommand("advance", "Fire every deadline due at the clock's time");
  auto* show = eng->add_subcommand("show", "Show a dossier the actor may see");
  show->add_option("id", a->dossier_id, "The dossier number")->required();
  show->add_option("--as", a->actor, actor_help)->required();
  auto* kpi = eng->add_subcommand("kpi", "On-time rate, late, supplements, online share per unit");
  for (auto* sub : {submit, act, adv, show, kpi}) {
    std::string name = sub->get_name();
    reg.add(sub, [a, name] { return run(*a, name); });
  }

  auto path = std::make_shared<std::string>();
  auto* audit = app.add_subcommand("audit", "Audit trail tools");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand(
      "verify",
      "Recompute the hash chain of a store's journal; exit 1 and name the first broken entry\n"
      "if an entry was changed, deleted or reordered.");
  verify->add_option("store", *path, "The SQLite store file")->required();
  reg.add(verify, [path] {
    auto r = store::verify_store_file(*path);
    if (!r) {
      std::fprintf(stderr, "hoso audit verify: %s\n", r.error().message.c_str());
      return 2;
    }
    if (!r->intact) {
      std::fprintf(stderr, "hoso audit verify: %s: the chain breaks at event %lld: %s\n",
                   path->c_str(), static_cast<long long>(r->first_broken), r->reason.c_str());
      return 1;
    }
    std::printf("%s: %lld events, chain intact\n", path->c_str(),
                static_cast<long long>(r->events_checked));
    return 0;
  });
}

}  // namespace hoso::cli
