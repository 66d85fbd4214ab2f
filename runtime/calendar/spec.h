// The calendar file as data: what parser.cpp reads and build.cpp turns into a
// Calendar. Internal to the calendar library.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "hoso/calendar.h"

namespace hoso::calendar::spec {

struct Loc {
  std::string file;
  int line = 0;
  int column = 0;
};
std::string where(const Loc& loc);  // "file:line:column"

struct Rule {
  enum class Kind { kFixed, kLunar, kTet, kNationalDay };
  std::string id;
  Kind kind = Kind::kFixed;
  int month = 0, day = 0;
  std::string name;
  Loc loc;
};

// The official dates of a rule's holiday in one year (e.g. the Prime
// Minister's choice of Tết days), replacing what the rule computes.
struct Official {
  std::string rule;
  int year = 0;
  Date from = 0, to = 0;
  Loc loc;
};

struct Dated {
  enum class Kind { kHoliday, kDayOff, kWorkday };
  Kind kind = Kind::kHoliday;
  Date from = 0, to = 0;
  std::vector<OfficeInterval> hours;  // workday: empty = the weekday default
  std::string name;
  Loc loc;
};

struct CalendarSpec {
  // Office hours per weekday (index 0 = Sunday); nullopt = not said; an
  // empty vector = a weekly rest day.
  std::array<std::optional<std::vector<OfficeInterval>>, 7> week;
  std::optional<std::optional<int>> cutoff;  // outer: said; inner: none
  std::optional<int> day_length;
  bool compensate = true;
  std::vector<Rule> rules;
  std::vector<Official> officials;
  std::vector<Dated> dated;
};

// Parses `text` (named `file` in messages), following includes, into `out`.
Result<void> parse_into(std::string_view text, const std::string& file, CalendarSpec& out,
                        int depth);
Result<Calendar> build(const CalendarSpec& spec);

}  // namespace hoso::calendar::spec
