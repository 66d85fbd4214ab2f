// hoso run: route dossiers with the rules and print the decisions as JSON.
#include <cstdio>

#include "commands.h"
#include "hoso/calendar.h"
#include "rules_loader.h"

namespace hoso::cli {
namespace {

struct RunArgs {
  std::vector<std::string> rules;
  std::vector<std::string> dossiers;
  std::string engine = "jit";
  std::string calendar_file;
  bool explain = false;
  bool summary = false;
};

int run(const RunArgs& a) {
  int rc = 0;
  LoadedRules loaded_rules;
  if (!load_decider(a.engine, a.rules, "run", loaded_rules, rc)) return rc;
  const std::unique_ptr<rules::Decider>& engine = loaded_rules.decider;
  const calendar::Calendar* cal = &calendar::default_calendar();
  std::optional<calendar::Calendar> loaded;
  if (!a.calendar_file.empty()) {
    auto c = calendar::load_calendar_file(a.calendar_file);
    if (!c) {
      std::fprintf(stderr, "hoso run: %s\n", c.error().message.c_str());
      return 2;
    }
    loaded = std::move(*c);
    cal = &*loaded;
  }
  const auto& reg = rules::Registry::default_registry();
  rules::RenderOptions opts;
  opts.explain = a.explain;
  for (const auto& path : a.dossiers) {
    auto text = read_input(path, "run");
    if (!text) return 2;
    auto d = rules::marshal(engine->meta(), *text, reg);
    if (!d) {
      std::fprintf(stderr, "hoso run: %s: %s\n", path.c_str(), d.error().message.c_str());
      return 1;
    }
    hoso_rt_ctx ctx = rules::make_context(*d, reg, cal);
    hoso_decision dec{};
    engine->decide(d->procedure, d->slots.data(), &ctx, &dec);
    if (a.summary) {
      const auto& p = engine->meta().procedures[d->procedure];
      rules::Due due = rules::compute_due(p, *d, dec, *cal);
      std::printf("%-32s %-8s -> %-52s due %s\n", p.name.c_str(),
                  rules::decision_valid(dec) ? "valid" : "invalid",
                  rules::unit_text(dec.unit, engine->meta(), reg).c_str(),
                  due.due >= 0 ? calendar::format_instant(due.due).c_str() : "-");
      continue;
    }
    std::fputs(rules::render_decision(engine->meta(), *d, dec, *cal, reg, opts).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void add_run_commands(CLI::App& app, Registry& reg) {
  auto a = std::make_shared<RunArgs>();
  auto* run_cmd = app.add_subcommand(
      "run",
      "Route dossiers with the rules and print each decision as JSON: the procedure, the rules\n"
      "version, the validation result (each failed `require` with its message), the competent\n"
      "unit and level, the steps with handler, budget and due time, and the due date-time.\n"
      "The same bytes whichever engine runs. Example:\n"
      "  hoso run rules --dossier examples/dossiers/HousePermit_province.json");
  run_cmd->add_option("rules", a->rules, "Rules files or folders, or with --engine pack a pack")
      ->required();
  run_cmd->add_option("--dossier", a->dossiers, "A dossier as JSON (repeatable)")->required();
  run_cmd
      ->add_option("--engine", a->engine,
                   "jit (default), interp (the reference) or pack (a pack from `hoso build`\n"
                   "given as RULES, or the rules built into one as `hoso build` does)")
      ->check(CLI::IsMember({"jit", "interp", "pack"}));
  run_cmd->add_option("--calendar", a->calendar_file, "A calendar file (default: the embedded)");
  run_cmd->add_flag("--summary", a->summary,
                    "One line per dossier (procedure, validity, competent unit, due) instead of "
                    "JSON");
  run_cmd->add_flag("--explain", a->explain,
                    "Add why: the route arms tried and the field values they saw, the rules in "
                    "force on the receipt day and their legal basis");
  reg.add(run_cmd, [a] { return run(*a); });
}

}  // namespace hoso::cli
