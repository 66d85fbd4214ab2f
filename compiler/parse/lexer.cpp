// The hand-written lexer: see lexer.h. Longest match wins, ties go to the
// rule written first in grammar/Hoso.g4 (keywords before ID), as in ANTLR.
#include "parse/lexer.h"

#include <algorithm>
#include <array>

#include "HosoLexer.h"

namespace hoso::parse {
namespace {

using L = hoso_antlr::HosoLexer;

struct CpRange {
  char32_t lo, hi;
};

#include "parse/unicode_id.inc"

template <size_t N>
bool in_ranges(const CpRange (&table)[N], char32_t c) {
  const CpRange* it =
      std::upper_bound(table, table + N, c, [](char32_t v, const CpRange& r) { return v < r.lo; });
  return it != table && c <= (it - 1)->hi;
}

bool ascii_letter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

bool id_start(char32_t c) {
  if (c < 0x80) return ascii_letter(static_cast<unsigned char>(c)) || c == '_';
  return in_ranges(kIdStart, c);
}
bool id_part(char32_t c) {
  if (c < 0x80) {
    auto b = static_cast<unsigned char>(c);
    return ascii_letter(b) || digit(b) || b == '_';
  }
  return in_ranges(kIdPart, c);
}

// Decodes the code point at s[i] (valid UTF-8); sets len to its byte count.
char32_t decode(std::string_view s, size_t i, size_t& len) {
  auto b = static_cast<unsigned char>(s[i]);
  auto cont = [&](size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b < 0x80) {
    len = 1;
    return b;
  }
  if (b < 0xE0) {
    len = 2;
    return (static_cast<char32_t>(b & 0x1F) << 6) | cont(1);
  }
  if (b < 0xF0) {
    len = 3;
    return (static_cast<char32_t>(b & 0x0F) << 12) | (cont(1) << 6) | cont(2);
  }
  len = 4;
  return (static_cast<char32_t>(b & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
}

struct Keyword {
  std::string_view text;
  size_t type;
};

// Grouped by first letter; every keyword is ASCII.
constexpr Keyword kKeywords[] = {
    {"VND", L::VND},
    {"after", L::AFTER},
    {"agency", L::AGENCY},
    {"and", L::AND},
    {"anywhere", L::ANYWHERE},
    {"apologise", L::APOLOGISE},
    {"arrivals", L::ARRIVALS},
    {"at", L::AT},
    {"basis", L::BASIS},
    {"before", L::BEFORE},
    {"by", L::BY},
    {"calendar", L::CALENDAR},
    {"capacity", L::CAPACITY},
    {"chain", L::CHAIN},
    {"code", L::CODE},
    {"commune", L::COMMUNE},
    {"compare", L::COMPARE},
    {"day", L::DAY},
    {"days", L::DAYS},
    {"deadline", L::DEADLINE},
    {"decentralise", L::DECENTRALISE},
    {"delegate", L::DELEGATE},
    {"dossier", L::DOSSIER},
    {"due", L::DUE},
    {"effective", L::EFFECTIVE},
    {"else", L::ELSE},
    {"enum", L::ENUM},
    {"escalate", L::ESCALATE},
    {"expect", L::EXPECT},
    {"false", L::FALSE},
    {"fee", L::FEE},
    {"fn", L::FN},
    {"for", L::FOR},
    {"from", L::FROM},
    {"given", L::GIVEN},
    {"hour", L::HOUR},
    {"hours", L::HOURS},
    {"if", L::IF},
    {"in", L::IN},
    {"late", L::LATE},
    {"level", L::LEVEL},
    {"m2", L::M2},
    {"module", L::MODULE},
    {"not", L::NOT},
    {"notify", L::NOTIFY},
    {"on", L::ON},
    {"online", L::ONLINE},
    {"or", L::OR},
    {"otherwise", L::OTHERWISE},
    {"per", L::PER},
    {"period", L::PERIOD},
    {"policy", L::POLICY},
    {"procedure", L::PROCEDURE},
    {"province", L::PROVINCE},
    {"receive", L::RECEIVE},
    {"received", L::RECEIVED},
    {"report", L::REPORT},
    {"require", L::REQUIRE},
    {"role", L::ROLE},
    {"route", L::ROUTE},
    {"rules", L::RULES},
    {"scenario", L::SCENARIO},
    {"sector", L::SECTOR},
    {"steps", L::STEPS},
    {"supplement", L::SUPPLEMENT},
    {"test", L::TEST},
    {"then", L::THEN},
    {"title", L::TITLE},
    {"to", L::TO},
    {"true", L::TRUE},
    {"until", L::UNTIL},
    {"use", L::USE},
    {"warn", L::WARN},
    {"when", L::WHEN},
    {"with", L::WITH},
    {"within", L::WITHIN},
    {"working", L::WORKING},
    {"yields", L::YIELDS},
};

// [first, last) of the keywords starting with each byte.
struct KeywordIndex {
  std::array<uint8_t, 256> first{}, last{};
  constexpr KeywordIndex() {
    for (size_t i = 0; i < std::size(kKeywords); ++i) {
      auto c = static_cast<unsigned char>(kKeywords[i].text[0]);
      if (first[c] == last[c]) first[c] = static_cast<uint8_t>(i);
      last[c] = static_cast<uint8_t>(i + 1);
    }
  }
};
constexpr KeywordIndex kKeywordIndex;

size_t keyword_or_id(std::string_view word) {
  auto c = static_cast<unsigned char>(word[0]);
  for (size_t i = kKeywordIndex.first[c]; i < kKeywordIndex.last[c]; ++i) {
    if (kKeywords[i].text == word) return kKeywords[i].type;
  }
  return L::ID;
}

}  // namespace

Lexer::Lexer(std::string_view text, antlr4::CharStream* input)
    : text_(text), input_(input), factory_(antlr4::CommonTokenFactory::DEFAULT.get()) {
  spans_.reserve(text.size() / 4 + 1);
  // ANTLRInputStream drops a leading byte-order mark, so code point 0 of the
  // stream is the character after it: start there too, or every token's
  // code-point indexes (and the text the parser quotes in its errors) would
  // be one off from the stream's.
  if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

std::unique_ptr<antlr4::Token> Lexer::nextToken() {
  static const std::string kNoText;
  const std::string_view s = text_;
  const size_t n = s.size();
  auto at = [&](size_t i) -> unsigned char { return i < n ? static_cast<unsigned char>(s[i]) : 0; };

  // Whitespace: [ \t\r\n\u00A0\uFEFF]+, skipped.
  for (;;) {
    unsigned char c = at(pos_);
    if (c == ' ' || c == '\t' || c == '\r') {
      ++pos_;
      ++cp_;
      ++col_;
    } else if (c == '\n') {
      ++pos_;
      ++cp_;
      ++line_;
      col_ = 0;
    } else if (c == 0xC2 && at(pos_ + 1) == 0xA0) {
      pos_ += 2;
      ++cp_;
      ++col_;
    } else if (c == 0xEF && at(pos_ + 1) == 0xBB && at(pos_ + 2) == 0xBF) {
      pos_ += 3;
      ++cp_;
      ++col_;
    } else {
      break;
    }
  }

  const size_t begin = pos_;
  const size_t start_cp = cp_;
  const size_t start_line = line_;
  const size_t start_col = col_;
  size_t type = L::UNKNOWN_CHAR;
  size_t channel = antlr4::Token::DEFAULT_CHANNEL;
  size_t len = 1;  // bytes
  size_t cps = 1;  // code points, when the token has no newline
  bool multiline = false;

  if (pos_ >= n) {
    spans_.push_back({static_cast<uint32_t>(pos_), static_cast<uint32_t>(pos_)});
    return factory_->create({this, input_}, antlr4::Token::EOF, kNoText,
                            antlr4::Token::DEFAULT_CHANNEL, cp_, cp_ - 1, line_, col_);
  }

  const unsigned char c = at(pos_);
  const unsigned char c1 = at(pos_ + 1);
  switch (c) {
    case '-':
      type = c1 == '>' ? L::ARROW : L::MINUS;
      break;
    case '.':
      type = c1 == '.' ? L::RANGE : L::DOT;
      break;
    case '=':
      type = c1 == '=' ? L::EQ : L::ASSIGN;
      break;
    case '!':
      type = c1 == '=' ? L::NE : L::UNKNOWN_CHAR;
      break;
    case '<':
      type = c1 == '=' ? L::LE : L::LT;
      break;
    case '>':
      type = c1 == '=' ? L::GE : L::GT;
      break;
    case '+':
      type = L::PLUS;
      break;
    case '*':
      type = L::STAR;
      break;
    case '(':
      type = L::LPAREN;
      break;
    case ')':
      type = L::RPAREN;
      break;
    case '{':
      type = L::LBRACE;
      break;
    case '}':
      type = L::RBRACE;
      break;
    case ',':
      type = L::COMMA;
      break;
    case ':':
      type = L::COLON;
      break;
    case '/':
      type = L::SLASH;
      if (c1 == '/') {
        type = at(pos_ + 2) == '/' ? L::DOC_COMMENT : L::LINE_COMMENT;
        channel = antlr4::Token::HIDDEN_CHANNEL;
        size_t i = pos_ + 2;
        cps = 2;
        while (i < n && s[i] != '\n' && s[i] != '\r') {
          cps += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
          ++i;
        }
        len = i - pos_;
      } else if (c1 == '*') {
        size_t close = s.find("*/", pos_ + 2);
        if (close != std::string_view::npos) {
          type = L::BLOCK_COMMENT;
          channel = antlr4::Token::HIDDEN_CHANNEL;
          len = close + 2 - pos_;
          multiline = true;
        }
      }
      break;
    case '"': {
      size_t i = pos_ + 1;
      size_t k = 1;
      bool ok = false;
      while (i < n) {
        auto b = static_cast<unsigned char>(s[i]);
        if (b == '"') {
          ok = true;
          ++i;
          ++k;
          break;
        }
        if (b == '\n' || b == '\r') break;
        if (b == '\\') {
          unsigned char e = at(i + 1);
          if (e != '"' && e != '\\' && e != 'n' && e != 't') break;
          i += 2;
          k += 2;
          continue;
        }
        k += 1;
        i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      }
      if (ok) {
        type = L::STRING;
        len = i - pos_;
        cps = k;
      }
      break;
    }
    default:
      if (digit(c)) {
        // INT : DIGIT ('_'? DIGIT)* ; DECIMAL : INT-like '.' INT-like ;
        // DATE : DDDD-DD-DD ; TIME : DD:DD. Longest wins.
        auto digits = [&](size_t i) {
          while (digit(at(i)) || (at(i) == '_' && digit(at(i + 1)))) i += at(i) == '_' ? 2 : 1;
          return i;
        };
        size_t int_end = digits(pos_ + 1);
        type = L::INT;
        len = int_end - pos_;
        if (at(int_end) == '.' && digit(at(int_end + 1))) {
          type = L::DECIMAL;
          len = digits(int_end + 2) - pos_;
        }
        auto d = [&](size_t k) { return digit(at(pos_ + k)); };
        if (d(1) && d(2) && d(3) && at(pos_ + 4) == '-' && d(5) && d(6) && at(pos_ + 7) == '-' &&
            d(8) && d(9) && len < 10) {
          type = L::DATE;
          len = 10;
        } else if (d(1) && at(pos_ + 2) == ':' && d(3) && d(4) && len < 5) {
          type = L::TIME;
          len = 5;
        }
        cps = len;
        break;
      }
      size_t b = 0;
      char32_t cp = decode(s, pos_, b);
      len = b;
      if (id_start(cp)) {
        bool ascii = cp < 0x80;
        size_t i = pos_ + b;
        while (i < n) {
          auto x = static_cast<unsigned char>(s[i]);
          if (x < 0x80) {
            if (!(ascii_letter(x) || digit(x) || x == '_')) break;
            ++i;
          } else {
            size_t xl = 0;
            char32_t y = decode(s, i, xl);
            if (!id_part(y)) break;
            ascii = false;
            i += xl;
          }
          ++cps;
        }
        len = i - pos_;
        type = ascii ? keyword_or_id(s.substr(pos_, len)) : size_t{L::ID};
      }
      break;
  }
  switch (type) {
    case L::ARROW:
    case L::RANGE:
    case L::EQ:
    case L::NE:
    case L::LE:
    case L::GE:
      len = 2;
      cps = 2;
      break;
    default:
      break;
  }

  if (multiline) {
    size_t i = pos_;
    cps = 0;
    while (i < pos_ + len) {
      auto b = static_cast<unsigned char>(s[i]);
      if ((b & 0xC0) != 0x80) {
        ++cps;
        if (b == '\n') {
          ++line_;
          col_ = 0;
        } else {
          ++col_;
        }
      }
      ++i;
    }
  } else {
    col_ += cps;
  }
  pos_ += len;
  cp_ += cps;
  spans_.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(pos_)});
  return factory_->create({this, input_}, type, kNoText, channel, start_cp, cp_ - 1, start_line,
                          start_col);
}

}  // namespace hoso::parse
