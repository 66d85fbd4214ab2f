// The calendar file reader. Boost.Spirit X3 splits each line into typed
// tokens (dates, times, intervals, words, strings); the statement layer below
// checks each keyword's arguments and reports "file:line:column: what; what
// to do". Spirit stays inside this file.
#include <fmt/format.h>

#include <boost/spirit/home/x3.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "spec.h"

namespace hoso::calendar::spec {
namespace {

namespace x3 = boost::spirit::x3;
using It = std::string_view::const_iterator;

enum class Tok { kDate, kDotDot, kInterval, kTime, kMonthDay, kNumber, kString, kWord };

struct Token {
  Tok kind = Tok::kWord;
  std::string_view text;
  int column = 0;
};

struct LexState {
  It line_begin;
  std::vector<Token>* out = nullptr;
};
struct lex_tag;

template <Tok K>
struct Push {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    LexState& st = x3::get<lex_tag>(ctx).get();
    const auto& range = x3::_attr(ctx);
    st.out->push_back(Token{K, std::string_view(range.begin(), range.end()),
                            static_cast<int>(range.begin() - st.line_begin) + 1});
  }
};

// The lexical grammar. Numbers have fixed widths so that 2026-02-30 is read as
// a date (and rejected later as one that does not exist), not as arithmetic.
const auto d2 = x3::uint_parser<unsigned, 10, 2, 2>{};
const auto d4 = x3::uint_parser<unsigned, 10, 4, 4>{};
const auto d12 = x3::uint_parser<unsigned, 10, 1, 2>{};
const auto end_of_token = !(x3::alnum | x3::char_("_:"));
const auto date_p = x3::lexeme[d4 >> '-' >> d2 >> '-' >> d2 >> end_of_token];
const auto time_p = x3::lexeme[d12 >> ':' >> d2];
const auto interval_p = x3::lexeme[time_p >> '-' >> time_p >> end_of_token];
const auto monthday_p = x3::lexeme[d2 >> '-' >> d2 >> end_of_token];
const auto number_p = x3::lexeme[+x3::digit >> end_of_token];
const auto string_p = x3::lexeme['"' >> *(x3::char_ - '"' - x3::eol) >> '"'];
const auto word_p = x3::lexeme[x3::alpha >> *(x3::alnum | x3::char_("-_,:"))];
const auto token_p =
    x3::raw[date_p][Push<Tok::kDate>{}] | x3::raw[x3::lit("..")][Push<Tok::kDotDot>{}] |
    x3::raw[interval_p][Push<Tok::kInterval>{}] |
    x3::raw[x3::lexeme[time_p >> end_of_token]][Push<Tok::kTime>{}] |
    x3::raw[monthday_p][Push<Tok::kMonthDay>{}] | x3::raw[number_p][Push<Tok::kNumber>{}] |
    x3::raw[string_p][Push<Tok::kString>{}] | x3::raw[word_p][Push<Tok::kWord>{}];
const auto line_p = *token_p >> -x3::lexeme['#' >> *x3::char_];

int num(std::string_view s, std::size_t pos, std::size_t len) {
  int v = 0;
  for (std::size_t i = pos; i < pos + len && i < s.size(); ++i) v = v * 10 + (s[i] - '0');
  return v;
}

const std::array<std::string_view, 7> kWeekdayNames{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};

class LineReader {
 public:
  LineReader(std::vector<Token> toks, Loc loc, std::string_view line)
      : toks_(std::move(toks)), loc_(std::move(loc)), line_(line) {}

  bool done() const { return pos_ >= toks_.size(); }
  int column() const { return done() ? static_cast<int>(line_.size()) + 1 : toks_[pos_].column; }
  bool peek_word(std::string_view w) const { return peek_is(Tok::kWord) && toks_[pos_].text == w; }
  bool peek_is(Tok k) const { return !done() && toks_[pos_].kind == k; }
  const Token& take() { return toks_[pos_++]; }

  Error error_at(int column, const std::string& what) const {
    Loc l = loc_;
    l.column = column;
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where(l), what));
  }
  // Error at the next token (or at the end of the line).
  Error error_here(const std::string& what) const { return error_at(column(), what); }
  Loc loc_of(const Token& t) const {
    Loc l = loc_;
    l.column = t.column;
    return l;
  }

  Result<Date> date(std::string_view what) {
    if (!peek_is(Tok::kDate)) return error_here(fmt::format("expected {} (YYYY-MM-DD)", what));
    const Token& t = take();
    const int y = num(t.text, 0, 4), m = num(t.text, 5, 2), d = num(t.text, 8, 2);
    if (!is_valid_civil(y, m, d)) {
      return error_at(
          t.column, fmt::format("{} is not a date: {:04}-{:02} has {} days; fix the day", t.text, y,
                                m, m >= 1 && m <= 12 ? days_in_month(y, m) : 0));
    }
    if (y < Calendar::kFirstYear || y > Calendar::kLastYear) {
      return error_at(t.column, fmt::format("{} is outside the years {}-{} the calendar covers",
                                            t.text, Calendar::kFirstYear, Calendar::kLastYear));
    }
    return days_from_civil(y, m, d);
  }

  Result<std::pair<Date, Date>> date_range(std::string_view what) {
    const int col = column();
    auto from = date(what);
    if (!from) return from.error();
    Date to = *from;
    if (peek_is(Tok::kDotDot)) {
      take();
      auto t = date("the last date of the range");
      if (!t) return t.error();
      to = *t;
      if (to < *from) return error_at(col, "the range ends before it starts; swap the dates");
    }
    return std::pair{*from, to};
  }

  Result<int> time(std::string_view what) {
    if (!peek_is(Tok::kTime)) return error_here(fmt::format("expected {} (HH:MM)", what));
    const Token& t = take();
    return minutes(t, t.text);
  }

  Result<int> minutes(const Token& t, std::string_view hhmm) {
    const auto colon = hhmm.find(':');
    const int h = num(hhmm, 0, colon), m = num(hhmm, colon + 1, 2);
    if (h > 24 || m > 59 || (h == 24 && m != 0)) {
      return error_at(t.column, fmt::format("{} is not a time of day; use 00:00-24:00", hhmm));
    }
    return h * 60 + m;
  }

  Result<std::vector<OfficeInterval>> intervals(bool at_least_one) {
    std::vector<OfficeInterval> out;
    while (peek_is(Tok::kInterval)) {
      const Token& t = take();
      const auto dash = t.text.find('-');
      auto a = minutes(t, t.text.substr(0, dash));
      if (!a) return a.error();
      auto b = minutes(t, t.text.substr(dash + 1));
      if (!b) return b.error();
      if (*b <= *a || (!out.empty() && *a < out.back().close)) {
        return error_at(t.column, fmt::format("{}: office intervals must run forward, in order and "
                                              "without overlap, e.g. 07:30-11:30 13:00-17:00",
                                              t.text));
      }
      out.push_back(OfficeInterval{static_cast<std::int16_t>(*a), static_cast<std::int16_t>(*b)});
    }
    if (at_least_one && out.empty()) {
      return error_here("expected office hours such as 07:30-11:30 13:00-17:00");
    }
    if (out.size() > Calendar::kMaxIntervals) {
      return error_here(
          fmt::format("at most {} office intervals per day", Calendar::kMaxIntervals));
    }
    return out;
  }

  Result<std::string> string(std::string_view what) {
    if (!peek_is(Tok::kString))
      return error_here(fmt::format("expected {} in double quotes", what));
    const Token& t = take();
    return std::string(t.text.substr(1, t.text.size() - 2));
  }

  Result<std::string> word(std::string_view what) {
    if (!peek_is(Tok::kWord)) return error_here(fmt::format("expected {}", what));
    return std::string(take().text);
  }

  Result<void> end() {
    if (!done()) {
      return error_here(
          fmt::format("unexpected '{}' at the end of the statement", toks_[pos_].text));
    }
    return {};
  }

  // "Mon-Fri", "Sat", "Mon,Wed,Fri": a set of weekdays as a bitmask.
  Result<unsigned> weekdays() {
    if (!peek_is(Tok::kWord)) return error_here("expected weekdays such as Mon-Fri or Sat");
    const Token& t = take();
    auto index = [](std::string_view s) -> int {
      for (std::size_t i = 0; i < kWeekdayNames.size(); ++i) {
        if (kWeekdayNames[i] == s) return static_cast<int>(i);
      }
      return -1;
    };
    unsigned mask = 0;
    std::string_view rest = t.text;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view part = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto dash = part.find('-');
      const int a = index(part.substr(0, dash));
      const int b = dash == std::string_view::npos ? a : index(part.substr(dash + 1));
      if (a < 0 || b < 0) {
        return error_at(t.column, fmt::format("'{}' is not a weekday set; write e.g. Mon-Fri, Sat "
                                              "or Mon,Wed (Sun Mon Tue Wed Thu Fri Sat)",
                                              t.text));
      }
      for (int d = a;; d = (d + 1) % 7) {
        mask |= 1u << d;
        if (d == b) break;
      }
    }
    return mask;
  }

 private:
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  Loc loc_;
  std::string_view line_;
};

constexpr std::string_view kKeywords =
    "include, hours, cutoff, day-length, compensate, rule, official, holiday, dayoff, workday, "
    "halfday";

// Calendar files are a few kilobytes; anything past this is not one.
constexpr std::uintmax_t kMaxCalendarBytes = 4 << 20;

Result<std::string> read_file(const std::string& path) {
  // Only a regular file of sensible size: a device (/dev/zero), a FIFO or a
  // directory would hang the read or make no sense as a calendar.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{}: cannot open the calendar file; check the path", path));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: not a file; a calendar is a text file", path));
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxCalendarBytes) {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: larger than {} MiB, not a calendar file", path, kMaxCalendarBytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("{}: cannot open the calendar file; check the path", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return make_error(ErrorCode::kIo, fmt::format("{}: read error", path));
  return ss.str();
}

Result<void> statement(LineReader& r, const std::string& file, CalendarSpec& out, int depth) {
  const Token& kw = r.take();
  const std::string_view k = kw.text;
  const Loc loc = r.loc_of(kw);
  if (kw.kind != Tok::kWord) {
    return r.error_at(kw.column, fmt::format("a statement starts with a keyword ({}), not '{}'",
                                             kKeywords, kw.text));
  }
  if (k == "include") {
    auto path = r.string("the file to include");
    if (!path) return path.error();
    if (auto e = r.end(); !e) return e;
    if (depth >= 16) return r.error_at(kw.column, "includes nest too deeply (a cycle?)");
    if (*path == "builtin:vn-default") {
      return parse_into(default_calendar_text(), "builtin:vn-default", out, depth + 1);
    }
    std::filesystem::path p(*path);
    if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
    auto text = read_file(p.string());
    if (!text) return r.error_at(kw.column, text.error().message);
    return parse_into(*text, p.string(), out, depth + 1);
  }
  if (k == "hours") {
    auto mask = r.weekdays();
    if (!mask) return mask.error();
    std::vector<OfficeInterval> iv;
    if (r.peek_word("off")) {
      r.take();
    } else {
      auto got = r.intervals(true);
      if (!got) return got.error();
      iv = std::move(*got);
    }
    if (auto e = r.end(); !e) return e;
    for (int d = 0; d < 7; ++d) {
      if (*mask & (1u << d)) out.week[static_cast<std::size_t>(d)] = iv;  // later files override
    }
    return {};
  }
  if (k == "cutoff") {
    if (r.peek_word("none")) {
      r.take();
      out.cutoff = std::optional<int>{};
    } else {
      auto t = r.time("the intake cut-off time, or none");
      if (!t) return t.error();
      out.cutoff = std::optional<int>{*t};
    }
    return r.end();
  }
  if (k == "day-length") {
    auto t = r.time("the length of an office day, e.g. 08:00");
    if (!t) return t.error();
    if (*t == 0) return r.error_at(kw.column, "an office day cannot last 00:00");
    out.day_length = *t;
    return r.end();
  }
  if (k == "compensate") {
    auto w = r.word("next-working-day or none");
    if (!w) return w.error();
    if (*w != "next-working-day" && *w != "none") {
      return r.error_at(kw.column + 11, fmt::format("'{}': write next-working-day or none", *w));
    }
    out.compensate = *w == "next-working-day";
    return r.end();
  }
  if (k == "rule") {
    Rule rule;
    rule.loc = loc;
    auto id = r.word("a rule name such as tet");
    if (!id) return id.error();
    rule.id = *id;
    const int kind_col = r.column();
    auto kind = r.word("fixed, lunar, tet or national-day");
    if (!kind) return kind.error();
    if (*kind == "fixed" || *kind == "lunar" || *kind == "national-day") {
      rule.kind = *kind == "fixed"   ? Rule::Kind::kFixed
                  : *kind == "lunar" ? Rule::Kind::kLunar
                                     : Rule::Kind::kNationalDay;
      if (!r.peek_is(Tok::kMonthDay)) return r.error_here("expected a month and day, MM-DD");
      const Token& md = r.take();
      rule.month = num(md.text, 0, 2);
      rule.day = num(md.text, 3, 2);
      const int max_day =
          rule.kind == Rule::Kind::kLunar
              ? 30
              : (rule.month >= 1 && rule.month <= 12 ? days_in_month(2000, rule.month) : 0);
      if (rule.month < 1 || rule.month > 12 || rule.day < 1 || rule.day > max_day) {
        return r.error_at(md.text.empty() ? 0 : md.column,
                          fmt::format("{} is not a month and day; write MM-DD", md.text));
      }
    } else if (*kind == "tet") {
      rule.kind = Rule::Kind::kTet;
    } else {
      return r.error_at(kind_col, fmt::format("unknown rule kind '{}'; use fixed MM-DD, "
                                              "lunar MM-DD, tet or national-day MM-DD",
                                              *kind));
    }
    auto name = r.string("the holiday's name");
    if (!name) return name.error();
    rule.name = *name;
    if (auto e = r.end(); !e) return e;
    for (const Rule& old : out.rules) {
      if (old.id == rule.id) {
        if (old.kind == rule.kind && old.month == rule.month && old.day == rule.day) return {};
        return r.error_at(kw.column, fmt::format("rule '{}' is already defined differently at {}; "
                                                 "give this one another name or remove one",
                                                 rule.id, where(old.loc)));
      }
    }
    out.rules.push_back(std::move(rule));
    return {};
  }
  if (k == "official") {
    Official o;
    o.loc = loc;
    auto id = r.word("the name of the rule the dates replace, e.g. tet");
    if (!id) return id.error();
    o.rule = *id;
    if (!r.peek_is(Tok::kNumber)) return r.error_here("expected the year, e.g. 2026");
    const Token& y = r.take();
    o.year = num(y.text, 0, y.text.size());
    if (y.text.size() != 4 || o.year < Calendar::kFirstYear || o.year > Calendar::kLastYear) {
      return r.error_at(y.column, fmt::format("year {} is outside {}-{}", y.text,
                                              Calendar::kFirstYear, Calendar::kLastYear));
    }
    auto range = r.date_range("the official dates");
    if (!range) return range.error();
    o.from = range->first;
    o.to = range->second;
    if (r.peek_is(Tok::kString)) r.take();  // an optional note, e.g. the notice number
    if (auto e = r.end(); !e) return e;
    for (const Official& old : out.officials) {
      if (old.rule == o.rule && old.year == o.year) {
        if (old.from == o.from && old.to == o.to) return {};
        return r.error_at(kw.column, fmt::format("official dates of '{}' in {} are already given "
                                                 "differently at {}; keep one",
                                                 o.rule, o.year, where(old.loc)));
      }
    }
    out.officials.push_back(std::move(o));
    return {};
  }
  if (k == "holiday" || k == "dayoff" || k == "workday" || k == "halfday") {
    Dated d;
    d.loc = loc;
    d.kind = k == "holiday"  ? Dated::Kind::kHoliday
             : k == "dayoff" ? Dated::Kind::kDayOff
                             : Dated::Kind::kWorkday;
    auto range = r.date_range("the date");
    if (!range) return range.error();
    d.from = range->first;
    d.to = range->second;
    if (d.kind == Dated::Kind::kWorkday) {
      auto iv = r.intervals(k == "halfday");
      if (!iv) return iv.error();
      d.hours = std::move(*iv);
    }
    auto name = r.string("a name or reason");
    if (!name) return name.error();
    d.name = *name;
    if (auto e = r.end(); !e) return e;
    out.dated.push_back(std::move(d));
    return {};
  }
  return r.error_at(kw.column,
                    fmt::format("unknown keyword '{}'; expected one of {}", kw.text, kKeywords));
}

}  // namespace

std::string where(const Loc& loc) {
  return fmt::format("{}:{}:{}", loc.file, loc.line, loc.column);
}

Result<void> parse_into(std::string_view text, const std::string& file, CalendarSpec& out,
                        int depth) {
  int line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    start = nl + 1;

    std::vector<Token> toks;
    LexState st{line.begin(), &toks};
    It first = line.begin();
    const bool ok =
        x3::phrase_parse(first, line.end(), x3::with<lex_tag>(std::ref(st))[line_p], x3::blank);
    if (!ok || first != line.end()) {
      Loc loc{file, line_no, static_cast<int>(first - line.begin()) + 1};
      const char c = first != line.end() ? *first : ' ';
      std::string hint = c == '"' ? "a string is missing its closing quote"
                                  : "dates are YYYY-MM-DD, times HH:MM, office hours HH:MM-HH:MM";
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: cannot read '{}'; {}", where(loc),
                      line.substr(static_cast<std::size_t>(first - line.begin())), hint));
    }
    if (toks.empty()) continue;
    LineReader r(std::move(toks), Loc{file, line_no, 1}, line);
    if (auto e = statement(r, file, out, depth); !e) return e;
    if (nl == text.size()) break;
  }
  return {};
}

}  // namespace hoso::calendar::spec

namespace hoso::calendar {

Result<Calendar> parse_calendar(std::string_view text, std::string_view name) {
  spec::CalendarSpec s;
  if (auto e = spec::parse_into(text, std::string(name), s, 0); !e) return e.error();
  return spec::build(s);
}

Result<Calendar> load_calendar_file(const std::string& path) {
  auto text = spec::read_file(path);
  if (!text) return text.error();
  return parse_calendar(*text, path);
}

}  // namespace hoso::calendar
