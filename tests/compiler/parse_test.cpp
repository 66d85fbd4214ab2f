// The parser on hostile input: it must answer with diagnostics, never crash,
// hang or overflow the stack.
#include <gtest/gtest.h>

#include <string>

#include "driver/driver.h"

namespace hoso {
namespace {

std::unique_ptr<driver::Compilation> parse_only(const std::string& text) {
  driver::Options o;
  o.check = false;
  o.auto_stdlib = false;
  return driver::compile_sources({{"t.hoso", text}}, o);
}

bool has_code(const driver::Compilation& c, std::string_view code) {
  for (const auto& d : c.diags.all()) {
    if (diag::info(d.kind).code == code) return true;
  }
  return false;
}

TEST(Parse, TenThousandNestedParenthesesGiveADiagnostic) {
  std::string text =
      "fn f(x: Int) -> Int = " + std::string(10000, '(') + "x" + std::string(10000, ')') + "\n";
  auto c = parse_only(text);
  EXPECT_TRUE(has_code(*c, "P0002"));
}

TEST(Parse, LongFlatExpressionGivesResultOrDiagnostic) {
  std::string text = "fn f(x: Int) -> Int = x";
  for (int i = 0; i < 20000; ++i) text += " + x";
  auto c = parse_only(text + "\n");
  // Either parsed (and then the AST holds it) or reported P0007; never a crash.
  EXPECT_TRUE(has_code(*c, "P0007") || !c->diags.has_errors());
}

TEST(Parse, FiveMegabyteFileParses) {
  std::string one =
      "procedure P{N} {\n  code \"1.{N}\"\n  title \"Thủ tục {N}\"\n  basis \"Luật\"\n"
      "  level commune\n  deadline 5 working days\n  dossier {\n    area : m2\n"
      "    require area > 0 m2 else \"Diện tích\"\n  }\n}\n";
  std::string text;
  int n = 0;
  while (text.size() < 5u << 20) {
    std::string p = one;
    std::string num = std::to_string(n++);
    for (size_t pos; (pos = p.find("{N}")) != std::string::npos;) p.replace(pos, 3, num);
    text += p;
  }
  auto c = parse_only(text);
  EXPECT_FALSE(c->diags.has_errors());
  ASSERT_EQ(c->files.size(), 1u);
  EXPECT_EQ(c->files[0].decls.size(), static_cast<size_t>(n));
}

TEST(Parse, InvalidUtf8IsReportedWithPosition) {
  auto c = parse_only("module a\n// bad \xC3\x28 byte\n");
  ASSERT_TRUE(has_code(*c, "P0003"));
  EXPECT_EQ(c->diags.all()[0].loc.line, 2u);
  EXPECT_EQ(c->diags.all()[0].loc.col, 8u);
}

TEST(Parse, VietnameseNamesAndColumnsCountCodePoints) {
  auto c = parse_only("enum Loại { nhà_ở, đất_nông_nghiệp }\nfn f() -> Int = ?\n");
  ASSERT_TRUE(has_code(*c, "P0006"));
  const auto& d = c->diags.all().back();
  EXPECT_EQ(d.loc.line, 2u);
  EXPECT_EQ(d.loc.col, 17u);
  ASSERT_EQ(c->files[0].decls.size(), 0u);  // not built on errors
}

TEST(Parse, SyntaxErrorNamesTheTokenAndWhatWasExpected) {
  auto c = parse_only("procedure P {\n  deadline 15 working days\n  route { when -> x }\n}\n");
  ASSERT_TRUE(has_code(*c, "P0001"));
  const auto& d = c->diags.all()[0];
  EXPECT_EQ(d.loc.line, 3u);
  EXPECT_NE(d.message.find("`->`"), std::string::npos) << d.message;
}

TEST(Parse, InvalidDateIsReported) {
  auto c =
      parse_only("delegate commune.chairman to commune.vice_chairman for P effective 2026-02-30\n");
  EXPECT_TRUE(has_code(*c, "P0005"));
}

TEST(Parse, NumberWithTooManyDecimals) {
  auto c = parse_only("fn f() -> Dec = 1.2345\n");
  EXPECT_TRUE(has_code(*c, "P0004"));
}

TEST(Parse, DumpAstIsStable) {
  auto c = parse_only(
      "module m\nprocedure P {\n  deadline 15 working days\n  route {\n"
      "    when floors > 7 or area > 500 m2 -> province.construction\n"
      "    otherwise -> site.economy\n  }\n}\n");
  ASSERT_FALSE(c->diags.has_errors());
  EXPECT_EQ(ast::dump(c->files[0]),
            "module m\n"
            "procedure P @2:1\n"
            "  deadline 15 working days\n"
            "  when floors > 7 or area > 500 m2 -> province.construction\n"
            "  otherwise -> site.economy\n");
}

}  // namespace
}  // namespace hoso
