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
  bool coverage = false;
};

int run(const TestArgs& a) {
  int rc = 0;
  auto comp = load_rules(a.paths, "test", rc);
  if (!comp) return rc;
  auto engine = make_engine(a.engine, *comp, "test");
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
  cmd->add_option("--engine", a->engine, "jit (default) or interp")
      ->check(CLI::IsMember({"jit", "interp"}));
  cmd->add_flag("--coverage", a->coverage,
                "List, per rules file, the route arms, require clauses, steps and "
                "decentralise/delegate rules that no test exercised");
  reg.add(cmd, [a] { return run(*a); });
}

}  // namespace hoso::cli
