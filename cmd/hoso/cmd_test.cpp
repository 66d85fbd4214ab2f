// hoso test: run the `test` blocks of rules files, like a test runner.
#include <cstdio>
#include <map>

#include "commands.h"
#include "driver/test_runner.h"
#include "rules_loader.h"

namespace hoso::cli {
namespace {

struct TestArgs {
  std::vector<std::string> paths;
  std::string engine = "jit";
  std::string pack;  // a pack built earlier, tested against the sources' tests
  bool coverage = false;
};

// Why a pack cannot be tested against these sources, or "" when its
// procedures, versions and dossier layouts are the sources' own.
std::string pack_mismatch(const rules::PackMeta& pack, const rules::PackMeta& src) {
  if (pack.procedures.size() != src.procedures.size()) {
    return "it has " + std::to_string(pack.procedures.size()) + " procedures, the sources " +
           std::to_string(src.procedures.size());
  }
  for (size_t i = 0; i < src.procedures.size(); ++i) {
    const auto& p = pack.procedures[i];
    const auto& q = src.procedures[i];
    if (p.name != q.name)
      return "procedure " + std::to_string(i) + " is " + p.name + ", not " + q.name;
    if (p.version != q.version) {
      return "procedure " + q.name + " is version " + p.version + " in the pack, " + q.version +
             " in the sources";
    }
    bool same = p.fields.size() == q.fields.size();
    for (size_t k = 0; same && k < q.fields.size(); ++k) {
      same = p.fields[k].name == q.fields[k].name && p.fields[k].type == q.fields[k].type;
    }
    if (!same) return "procedure " + q.name + " has other dossier fields in the pack";
  }
  return "";
}

int run(const TestArgs& a) {
  int rc = 0;
  auto comp = load_rules(a.paths, "test", rc);
  if (!comp) return rc;
  std::unique_ptr<rules::Decider> engine;
  if (!a.pack.empty()) {
    engine = load_pack_file(a.pack, "test");
    if (!engine) return 2;
    std::string why = pack_mismatch(engine->meta(), comp->module->meta);
    if (!why.empty()) {
      std::fprintf(stderr,
                   "hoso test: pack '%s' was not built from these sources: %s; rebuild it with "
                   "`hoso build`\n",
                   a.pack.c_str(), why.c_str());
      return 2;
    }
  } else {
    engine = make_engine(a.engine, *comp, "test");
  }
  if (!engine) return 2;
  auto report = driver::run_tests(*comp, *engine, calendar::default_calendar());
  for (const auto& r : report.results) {
    std::printf("%s  %s (%s:%u)\n", r.passed ? "PASS" : "FAIL", r.name.c_str(), r.file.c_str(),
                r.line);
    for (const auto& f : r.failures) {
      std::printf("      %s:%u: expect %s\n", r.file.c_str(), f.line, f.expectation.c_str());
      std::printf("        expected: %s\n        actual:   %s\n", f.expected.c_str(),
                  f.actual.c_str());
    }
  }
  if (a.coverage) {
    std::map<std::string, std::vector<const driver::Uncovered*>> by_file;
    for (const auto& u : report.uncovered) by_file[u.file].push_back(&u);
    std::printf("\ncoverage: %zu item%s no test exercised\n", report.uncovered.size(),
                report.uncovered.size() == 1 ? "" : "s");
    for (const auto& [file, items] : by_file) {
      std::printf("  %s\n", file.c_str());
      for (const auto* u : items) std::printf("    line %u: %s\n", u->line, u->what.c_str());
    }
  }
  std::printf("\n%zu passed, %zu failed\n", report.passed, report.failed);
  return report.failed > 0 ? 1 : 0;
}

}  // namespace

void add_test_commands(CLI::App& app, Registry& reg) {
  auto a = std::make_shared<TestArgs>();
  auto* cmd = app.add_subcommand(
      "test",
      "Run the `test` blocks of rules files on the compiled rules: one line per test, failures\n"
      "with expected and actual values and the source line, then `N passed, N failed`.\n"
      "Exit 1 on any failure.");
  cmd->add_option("paths", a->paths, "Rules files or folders")->required();
  cmd->add_option("--engine", a->engine,
                  "jit (default), interp (the reference interpreter) or pack (the rules built\n"
                  "into an ahead-of-time pack, as `hoso build` does, and loaded as the runtime\n"
                  "loads packs)")
      ->check(CLI::IsMember({"jit", "interp", "pack"}));
  cmd->add_option("--pack", a->pack,
                  "Run the tests on this pack (from `hoso build`) instead: the pack you will\n"
                  "deploy, checked to have been built from the given sources");
  cmd->add_flag("--coverage", a->coverage,
                "List, per rules file, the route arms, require clauses, steps and "
                "decentralise/delegate rules that no test exercised");
  reg.add(cmd, [a] { return run(*a); });
}

}  // namespace hoso::cli
