// File tests: every tests/check/*.hoso file states the diagnostics it must
// produce, on the line they must point at:
//
//   deadline 15 days   // expect: T0002
//   // expect@+1: D0001   (the next line)
//
// A file without expectations must check clean. Every diagnostic kind must
// be expected by at least one file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "driver/driver.h"

namespace hoso {
namespace {

namespace fs = std::filesystem;

fs::path check_dir() {
  return fs::path(HOSO_SOURCE_DIR) / "tests" / "check";
}

std::vector<fs::path> check_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(check_dir())) {
    if (e.path().extension() == ".hoso") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

using Expectation = std::pair<uint32_t, std::string>;  // line, code

std::multiset<Expectation> expectations(const std::string& text) {
  std::multiset<Expectation> out;
  std::regex re(R"(expect(@\+(\d+))?:\s*([PNTD]\d{4}))");
  std::istringstream in(text);
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto begin = std::sregex_iterator(line.begin(), line.end(), re);
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      uint32_t offset = (*it)[2].matched ? static_cast<uint32_t>(std::stoul((*it)[2])) : 0;
      out.insert({n + offset, (*it)[3]});
    }
  }
  return out;
}

TEST(FileTests, EachFileProducesExactlyItsExpectedDiagnostics) {
  auto files = check_files();
  ASSERT_GT(files.size(), 10u);
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto want = expectations(ss.str());
    auto c = driver::compile({path.string()});
    ASSERT_TRUE(c.ok()) << c.error().message;
    std::multiset<Expectation> got;
    for (const auto& d : (*c)->diags.all()) {
      if (d.loc.file != 1) continue;  // diagnostics in the stdlib are a failure elsewhere
      got.insert({d.loc.line, std::string(diag::info(d.kind).code)});
    }
    bool negative = path.filename().string().rfind("fail_", 0) == 0;
    EXPECT_EQ(negative, !want.empty())
        << path << ": files named fail_* must expect diagnostics, others none";
    EXPECT_EQ(got, want) << path << "\n" << diag::render_console((*c)->diags, (*c)->sm, false);
  }
}

TEST(FileTests, EveryDiagnosticKindHasAFileTest) {
  std::set<std::string> covered;
  for (const auto& path : check_files()) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    for (const auto& e : expectations(ss.str())) covered.insert(e.second);
  }
  for (const auto& k : diag::all_kinds()) {
    EXPECT_TRUE(covered.count(std::string(k.code)) > 0)
        << k.code << " (" << k.name << ") has no file test in tests/check/";
  }
}

TEST(FileTests, ShippedRulesStdlibAndExamplesCheckClean) {
  std::vector<std::string> paths;
  for (const char* dir : {"rules", "stdlib", "examples"}) {
    fs::path p = fs::path(HOSO_SOURCE_DIR) / dir;
    if (fs::exists(p)) paths.push_back(p.string());
  }
  auto c = driver::compile(paths);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE((*c)->diags.all().empty()) << diag::render_console((*c)->diags, (*c)->sm, false);
  EXPECT_GE((*c)->program.procedures.size(), 1u);
}

TEST(FileTests, JsonDiagnosticsCarryCodeAndPosition) {
  auto c = driver::compile_sources({{"a.hoso",
                                     "use std.vn\nprocedure P {\n  basis \"x\"\n  level commune\n"
                                     "  deadline 15 days\n}\n"}});
  std::string json = diag::render_json(c->diags, c->sm);
  EXPECT_NE(json.find("\"code\": \"T0002\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"line\": 5"), std::string::npos) << json;
  EXPECT_NE(json.find("working days"), std::string::npos) << json;
}

}  // namespace
}  // namespace hoso

namespace hoso {
namespace {

TEST(Check, AProcedureNameTakenTwiceIsReportedNotCrashedOn) {
  const char* proc = R"(
procedure P {
  basis "x"
  level commune
  deadline 2 working days
  dossier {
    floors : Int = 1
    urgent : Bool = false
  }
}
)";
  // In one module, and in two modules (names are global): one error each,
  // naming the clash, and no errors about the second copy's own fields (it
  // used to be checked against an empty field list and crashed the checker).
  for (const char* second_module : {"module m.one\n", "module m.two\n"}) {
    auto c =
        driver::compile_sources({{"a.hoso", std::string("module m.one\nuse std.vn\n") + proc},
                                 {"b.hoso", std::string(second_module) + "use std.vn\n" + proc}});
    std::string out = diag::render_console(c->diags, c->sm, false);
    EXPECT_EQ(c->diags.error_count(), 1u) << out;
    EXPECT_NE(out.find("already defined"), std::string::npos) << out;
    EXPECT_NE(out.find("b.hoso:4:1"), std::string::npos) << out;
  }
}

TEST(DumpIr, IsStable) {
  auto c = driver::compile_sources({{"d.hoso", R"(use std.vn
procedure P {
  basis "x"
  level commune
  deadline 2 working days
  dossier {
    floors : Int
    urgent : Bool
    note   : Text
    require floors > 0 else "m"
  }
  route {
    when floors > 7 -> province.construction
    otherwise -> commune.economy
  }
  steps {
    a by competent.head within 1 working days yields r
  }
}
)"}});
  ASSERT_FALSE(c->diags.has_errors()) << diag::render_console(c->diags, c->sm, false);
  ASSERT_NE(c->module, nullptr);
  std::string ir = ir::dump(*c->module);
  // The version line carries a hash of the source; the rest is pinned.
  EXPECT_NE(ir.find(" record 24 bytes\n"), std::string::npos) << ir;
  ir.erase(0, ir.find('\n') + 1);
  EXPECT_EQ(ir,
            "  slot %0 floors : Int @0:8\n"
            "  slot %1 urgent : Bool @20:1\n"
            "  slot %2 note : Text @16:4\n"
            "  slot %3 len(note) @8:8\n"
            "  require gt(%0, 0) else #0\n"
            "  arm gt(%0, 7000) -> province_at[1](receiving)\n"
            "  arm otherwise -> commune_at[3](receiving)\n"
            "  deadline mul(2000, 480)\n"
            "  step a by competent.head within mul(1000, 480)\n");
}

}  // namespace
}  // namespace hoso
