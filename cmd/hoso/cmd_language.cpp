// hoso check, hoso fmt: the policy author's everyday commands.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/source.h"
#include "commands.h"
#include "driver/driver.h"
#include "parse/parse.h"

namespace hoso::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  bool dump_ast = false;
  bool dump_ir = false;
};

struct FmtArgs {
  std::vector<std::string> paths;
  bool check = false;
  bool to_stdout = false;
};

int run_check(const CheckArgs& a) {
  // Checking needs no IR unless it is to be printed.
  driver::Options opts;
  opts.lower = a.dump_ir;
  auto c = driver::compile(a.paths, opts);
  if (!c) {
    std::fprintf(stderr, "hoso check: %s\n", c.error().message.c_str());
    return 2;
  }
  auto& comp = **c;
  if (a.dump_ast) {
    for (size_t i = 0; i < comp.files.size(); ++i) {
      if (!comp.user_file[i]) continue;
      std::fputs(ast::dump(comp.files[i]).c_str(), stdout);
    }
  }
  if (a.dump_ir && comp.module != nullptr) std::fputs(ir::dump(*comp.module).c_str(), stdout);
  if (a.format == "json") {
    std::fputs(diag::render_json(comp.diags, comp.sm).c_str(), stdout);
  } else if (!comp.diags.all().empty()) {
    bool color = isatty(fileno(stderr)) != 0;
    std::fputs(diag::render_console(comp.diags, comp.sm, color).c_str(), stderr);
  }
  return comp.diags.has_errors() ? 1 : 0;
}

int run_fmt(const FmtArgs& a) {
  auto files = driver::expand_paths(a.paths);
  if (!files) {
    std::fprintf(stderr, "hoso fmt: %s\n", files.error().message.c_str());
    return 2;
  }
  int rc = 0;
  for (const auto& path : *files) {
    std::string text, error;
    if (!base::read_text_file(path, text, error)) {
      std::fprintf(stderr, "hoso fmt: %s\n", error.c_str());
      return 2;
    }
    base::SourceManager sm;
    uint32_t id = sm.add(path, std::move(text));
    diag::Diagnostics diags;
    ast::File f = parse::parse_file(sm, id, diags);
    if (diags.has_errors()) {
      std::fputs(diag::render_console(diags, sm, isatty(fileno(stderr)) != 0).c_str(), stderr);
      std::fprintf(stderr, "hoso fmt: %s not formatted: fix the errors first\n", path.c_str());
      rc = 1;
      continue;
    }
    std::string out = ast::format(f, sm.file(id));
    if (a.to_stdout) {
      std::fputs(out.c_str(), stdout);
    } else if (out != sm.file(id).text) {
      if (a.check) {
        std::fprintf(stderr, "%s: not formatted (run `hoso fmt %s`)\n", path.c_str(), path.c_str());
        rc = 1;
      } else {
        std::ofstream o(path, std::ios::binary | std::ios::trunc);
        o << out;
        if (!o) {
          std::fprintf(stderr, "hoso fmt: %s: cannot write the file\n", path.c_str());
          return 2;
        }
      }
    }
  }
  return rc;
}

}  // namespace

void add_language_commands(CLI::App& app, Registry& reg) {
  auto ca = std::make_shared<CheckArgs>();
  auto* check = app.add_subcommand(
      "check",
      "Check rules files: names, types, quantities (working vs calendar days, m2, VND) and the\n"
      "domain rules (budgets within the deadline, exhaustive routes, legal basis, authority\n"
      "periods...). Exit 0 when clean, 1 when there are errors, 2 when a path cannot be read.");
  check->add_option("paths", ca->paths, "Rules files or folders (searched for *.hoso)")->required();
  check->add_option("--format", ca->format, "Diagnostics as `text` (stderr) or `json` (stdout)")
      ->check(CLI::IsMember({"text", "json"}));
  check->add_flag("--dump-ast", ca->dump_ast, "Print the syntax tree of each file (for tests)");
  check->add_flag("--dump-ir", ca->dump_ir,
                  "Print the intermediate representation of the checked rules (for tests)");
  reg.add(check, [ca] { return run_check(*ca); });

  auto fa = std::make_shared<FmtArgs>();
  auto* fmtc = app.add_subcommand(
      "fmt",
      "Rewrite rules files in the canonical layout, keeping comments. With --check, change\n"
      "nothing and exit 1 if a file is not formatted.");
  fmtc->add_option("paths", fa->paths, "Rules files or folders (searched for *.hoso)")->required();
  fmtc->add_flag("--check", fa->check, "Report unformatted files instead of rewriting them");
  fmtc->add_flag("--stdout", fa->to_stdout, "Print the formatted text instead of rewriting");
  reg.add(fmtc, [fa] { return run_fmt(*fa); });
}

}  // namespace hoso::cli
