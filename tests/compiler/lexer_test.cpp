// The hand-written lexer (compiler/parse/lexer.h) against the ANTLR-generated
// HosoLexer, which stays as the reference: same token types, channels,
// code-point start/stop indexes, lines, columns and texts on every .hoso file
// in the repository, on randomly mutated copies of them, and on every
// identifier character class of the Unicode tables.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "HosoLexer.h"
#include "antlr4-runtime.h"
#include "base/source.h"
#include "parse/lexer.h"

namespace hoso {
namespace {

struct Tok {
  size_t type, channel, start, stop, line, col;
  std::string text;
  bool operator==(const Tok&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{type " << t.type << ", channel " << t.channel << ", " << t.start << ".." << t.stop
            << ", line " << t.line << ":" << t.col << ", `" << t.text << "`}";
}

Tok tok(const antlr4::Token& t) {
  return {t.getType(),      t.getChannel(), t.getStartIndex(),
          t.getStopIndex(), t.getLine(),    t.getCharPositionInLine(),
          t.getText()};
}

std::vector<Tok> reference(const std::string& text) {
  antlr4::ANTLRInputStream in(text);
  hoso_antlr::HosoLexer lx(&in);
  lx.removeErrorListeners();
  std::vector<Tok> out;
  for (;;) {
    auto t = lx.nextToken();
    out.push_back(tok(*t));
    if (t->getType() == antlr4::Token::EOF) break;
  }
  return out;
}

std::vector<Tok> ours(const std::string& text) {
  antlr4::ANTLRInputStream in(text);
  parse::Lexer lx(text, &in);
  std::vector<Tok> out;
  for (size_t i = 0;; ++i) {
    auto t = lx.nextToken();
    out.push_back(tok(*t));
    // The UTF-8 side channel the AST builder reads agrees with getText().
    if (t->getType() == antlr4::Token::EOF) break;
    EXPECT_EQ(lx.token_text(i), out.back().text);
  }
  return out;
}

// Compares the two streams; returns false (after one failure) on a difference.
bool same(const std::string& text, const std::string& what) {
  auto a = reference(text);
  auto b = ours(text);
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (!(a[i] == b[i])) {
      ADD_FAILURE() << what << ": token " << i << " differs: reference " << a[i] << ", ours "
                    << b[i];
      return false;
    }
  }
  if (a.size() != b.size()) {
    ADD_FAILURE() << what << ": " << a.size() << " tokens in the reference, " << b.size()
                  << " in ours";
    return false;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> repository_files() {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> files;
  for (const char* dir : {"rules", "stdlib", "examples", "tests/check", "tests/fuzz/corpus",
                          "tests/fuzz/regressions"}) {
    fs::path root = fs::path(HOSO_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".hoso") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      files.emplace_back(e.path().string(), ss.str());
    }
  }
  return files;
}

TEST(ParseLexer, SameTokensAsTheGeneratedLexerOnEveryRepositoryFile) {
  auto files = repository_files();
  ASSERT_GT(files.size(), 20u);
  size_t compared = 0;
  for (const auto& [path, text] : files) {
    if (base::find_invalid_utf8(text) != std::string::npos) continue;  // never lexed
    EXPECT_TRUE(same(text, path));
    ++compared;
  }
  EXPECT_GT(compared, 20u);
}

TEST(ParseLexer, LongestMatchCases) {
  for (const char* text : {"1..30",
                           "2026-02-10",
                           "2026-02-1",
                           "09:00",
                           "9:00",
                           "123:45",
                           "12:345",
                           "0.5",
                           "1_000.25",
                           "1__0",
                           "1_",
                           "1.",
                           "1.x",
                           "1._5",
                           "a->b",
                           "a-->b",
                           "x..y...z",
                           "a==b=c!=d!e<=f<g>=h>i",
                           "days day dayss hours hour m2 m2x VND vnd working",
                           "_ _x x_1 ạ Loại nhà_ở",
                           "\"\"",
                           "\"a\\\"b\\\\c\\nd\\te\"",
                           "\"bad \\q escape\"",
                           "\"open\nnext",
                           "\"open",
                           "/",
                           "//",
                           "///",
                           "////x",
                           "// x\r\ny",
                           "/* a\n b */c",
                           "/* open",
                           "/*/",
                           "/**/",
                           "a/*b*/*/",
                           "\xC2\xA0"
                           "x\xEF\xBB\xBF"
                           "y",
                           "\r\n\r\n z",
                           "\t@ # $ % ^ & ; ' ` ~ ? [ ] | \\",
                           "a\xCC\x80 \xCC\x80"
                           "a",
                           "\xF0\x9F\x98\x80 x\xF0\x9F\x98\x80",
                           "",
                           "\n"}) {
    EXPECT_TRUE(same(text, std::string("`") + text + "`"));
  }
}

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// Every code point of the Basic Multilingual Plane and every 13th above it,
// alone (ID_START) and after `_` (ID_PART).
TEST(ParseLexer, UnicodeIdentifierCharactersMatchTheGeneratedLexer) {
  std::string text;
  auto flush = [&] {
    bool ok = same(text, "unicode chunk");
    text.clear();
    return ok;
  };
  for (char32_t c = 1; c < 0x110000; c += c < 0x10000 ? 1 : 13) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    text += "\n" + utf8(c) + "\n_" + utf8(c) + "x";
    if (text.size() > 64 * 1024 && !flush()) return;
  }
  flush();
}

// Random edits of the repository files with the characters lexing turns on.
TEST(ParseLexer, ALeadingByteOrderMarkIsDroppedAsTheStreamDoes) {
  // ANTLRInputStream drops a leading BOM: the tokens' code-point indexes and
  // texts must not be one off (the parser quoted `orking ` for `working`).
  EXPECT_TRUE(same("\xEF\xBB\xBFuse std.vn\nprocedure P { deadline 2 working dayz }\n", "BOM"));
  EXPECT_TRUE(same("\xEF\xBB\xBF", "only a BOM"));
  EXPECT_TRUE(same("a \xEF\xBB\xBF b", "a BOM inside is whitespace"));
}

TEST(ParseLexer, SameTokensOnMutatedInputs) {
  auto files = repository_files();
  ASSERT_FALSE(files.empty());
  const std::vector<std::string> pieces = {"-",           ">",
                                           ".",           "..",
                                           "=",           "!",
                                           "<",           "/",
                                           "*",           "\"",
                                           "\\",          "\n",
                                           "\r",          "\t",
                                           " ",           "0",
                                           "7",           "_",
                                           ":",           "a",
                                           "Z",           "ạ",
                                           "\xCC\x80",    "\xF0\x9F\x98\x80",
                                           "\xC2\xA0",    "\xEF\xBB\xBF",
                                           "/*",          "*/",
                                           "//",          "///",
                                           "2026-02-10",  "09:00",
                                           "1_000.5",     "{",
                                           "}",           "(",
                                           ")",           ",",
                                           "n",           "t",
                                           "days",        "m2",
                                           "@",           "\xE2\x80\x9C",
                                           "\xE2\x80\xA6"};
  std::mt19937 rng(20260210);
  int cases = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = files[rng() % files.size()].second;
    if (base::find_invalid_utf8(text) != std::string::npos) continue;
    if (text.size() > 4000) text.resize(4000);
    int edits = 1 + static_cast<int>(rng() % 12);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % (text.size() + 1);
      switch (rng() % 3) {
        case 0:
          text.insert(at, pieces[rng() % pieces.size()]);
          break;
        case 1:
          text.erase(at, 1 + rng() % 3);
          break;
        default:
          text.replace(at, 1, pieces[rng() % pieces.size()]);
          break;
      }
    }
    if (base::find_invalid_utf8(text) != std::string::npos) continue;  // a cut code point
    ++cases;
    if (!same(text, "mutation " + std::to_string(round) + ":\n" + text)) return;
  }
  EXPECT_GT(cases, 1500);
}

}  // namespace
}  // namespace hoso
