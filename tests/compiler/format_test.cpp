// hoso fmt: canonical, idempotent, keeps every comment; the shipped rules
// are already formatted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver/driver.h"
#include "parse/parse.h"

namespace hoso {
namespace {

std::string format_text(const std::string& text, bool* ok = nullptr) {
  base::SourceManager sm;
  uint32_t id = sm.add("t.hoso", text);
  diag::Diagnostics diags;
  ast::File f = parse::parse_file(sm, id, diags);
  if (ok != nullptr) *ok = !diags.has_errors();
  return ast::format(f, sm.file(id));
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1)) ++n;
  return n;
}

TEST(Format, CanonicalLayoutKeepsComments) {
  std::string messy =
      "module   m\n// leading comment\nprocedure P{\ncode \"1\" // trailing\n"
      "deadline 15   working days\n  steps { a by competent within 2 working days yields x\n"
      "bb by receiving.one_stop within 1 working days yields y }\n}\n";
  bool ok = false;
  std::string out = format_text(messy, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(out,
            "module m\n"
            "\n"
            "// leading comment\n"
            "procedure P {\n"
            "  code     \"1\"  // trailing\n"
            "  deadline 15 working days\n"
            "  steps {\n"
            "    a   by competent           within 2 working days  yields x\n"
            "    bb  by receiving.one_stop  within 1 working days  yields y\n"
            "  }\n"
            "}\n");
}

TEST(Format, IsIdempotentOnEveryShippedFile) {
  for (const char* dir : {"rules", "stdlib", "examples", "tests/check"}) {
    std::filesystem::path root = std::filesystem::path(HOSO_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.path().extension() != ".hoso") continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      bool ok = false;
      std::string once = format_text(ss.str(), &ok);
      if (!ok) continue;  // negative parse tests
      std::string twice = format_text(once);
      EXPECT_EQ(once, twice) << e.path();
      EXPECT_EQ(count(ss.str(), "//"), count(once, "//")) << "comments lost in " << e.path();
      if (std::string(dir) != "tests/check") {
        EXPECT_EQ(once, ss.str()) << e.path() << " is not formatted: run `hoso fmt` on it";
      }
    }
  }
}

}  // namespace
}  // namespace hoso
