// The Vietnamese working calendar: civil dates, the lunar calendar, holidays,
// office hours and deadline arithmetic in working days and working minutes.
//
// Time is Vietnam's local civil time (UTC+7) throughout. A Date counts days
// since 1970-01-01 (proleptic Gregorian); an Instant counts minutes since
// 1970-01-01 00:00 local time. Nothing here throws across the API, prints or
// keeps global mutable state: a Calendar is an immutable value, and two of
// them in one process are independent.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hoso/result.h"

namespace hoso::calendar {

using Date = std::int32_t;     // days since 1970-01-01
using Instant = std::int64_t;  // minutes since 1970-01-01 00:00, UTC+7
inline constexpr std::int32_t kMinutesPerDay = 1440;

// ---------------------------------------------------------------- civil dates

struct CivilDate {
  std::int32_t year = 1970;
  std::int32_t month = 1;  // 1..12
  std::int32_t day = 1;    // 1..31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// Howard Hinnant's days_from_civil / civil_from_days (valid for any int32 year).
constexpr Date days_from_civil(std::int32_t y, std::int32_t m, std::int32_t d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int32_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int32_t yoe = y - era * 400;                                    // [0, 399]
  const std::int32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const std::int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

constexpr CivilDate civil_from_days(Date z) noexcept {
  z += 719468;
  const std::int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int32_t doe = z - era * 146097;
  const std::int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int32_t mp = (5 * doy + 2) / 153;
  const std::int32_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int32_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool is_leap_year(std::int32_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
constexpr std::int32_t days_in_month(std::int32_t y, std::int32_t m) noexcept {
  constexpr std::array<std::int32_t, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}
constexpr bool is_valid_civil(std::int32_t y, std::int32_t m, std::int32_t d) noexcept {
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// 0 = Sunday, 1 = Monday, ... 6 = Saturday (1970-01-01 was a Thursday).
enum class Weekday : std::uint8_t { kSun, kMon, kTue, kWed, kThu, kFri, kSat };
constexpr Weekday weekday(Date d) noexcept {
  const std::int32_t w = (d + 4) % 7;
  return static_cast<Weekday>(w < 0 ? w + 7 : w);
}

constexpr Date date_of(Instant t) noexcept {
  const Instant q = t / kMinutesPerDay;
  return static_cast<Date>(t % kMinutesPerDay < 0 ? q - 1 : q);
}
constexpr std::int32_t minute_of_day(Instant t) noexcept {
  return static_cast<std::int32_t>(t - Instant{date_of(t)} * kMinutesPerDay);
}
constexpr Instant make_instant(Date d, std::int32_t minute = 0) noexcept {
  return Instant{d} * kMinutesPerDay + minute;
}

// "YYYY-MM-DD"; rejects dates that do not exist (2026-02-30).
Result<Date> parse_date(std::string_view text);
// "YYYY-MM-DD HH:MM" (or with 'T'); a bare date means 00:00.
Result<Instant> parse_instant(std::string_view text);
std::string format_date(Date d);        // "YYYY-MM-DD"
std::string format_instant(Instant t);  // "YYYY-MM-DD HH:MM"

// -------------------------------------------------------------- lunar calendar
// The Vietnamese lunisolar calendar, computed at UTC+7 (meridian 105°E) from
// Meeus' new-moon and solar-longitude formulas. North Vietnam used UTC+8 until
// August 1967, so dates before that can differ from calendars printed then.

inline constexpr std::int32_t kLunarFirstYear = 1900;
inline constexpr std::int32_t kLunarLastYear = 2200;

struct LunarDate {
  std::int32_t year = 0;   // lunar year, named after the Gregorian year its month 1 starts in
  std::int32_t month = 1;  // 1..12
  std::int32_t day = 1;    // 1..30
  bool leap = false;       // an intercalary (nhuận) month
  friend bool operator==(const LunarDate&, const LunarDate&) = default;
};

std::optional<LunarDate> lunar_from_solar(Date d);
std::optional<Date> solar_from_lunar(const LunarDate& l);
std::optional<Date> lunar_new_year(std::int32_t year);  // Tết: 1/1 of lunar year `year`
std::optional<Date> hung_kings_day(std::int32_t year);  // 10/3 (the non-leap month 3)
std::int32_t leap_month(std::int32_t lunar_year);       // 0 if the year has none

// ------------------------------------------------------------------ calendar

// How an instant that falls strictly outside office hours (or exactly on a
// boundary reached by counting working minutes) is placed. Opening and closing
// moments themselves are office time and never move when they are a start.
enum class Rounding : std::uint8_t {
  kToOpening,  // forward to the next opening: 13:00 after lunch, 07:30 next working day
  kToClose,    // back to the last closing: 11:30 before lunch, 17:00 the previous working day
};

enum class DayKind : std::uint8_t {
  kWorking,       // office open (possibly a half day or a swapped working Saturday)
  kRestDay,       // weekly rest day
  kHoliday,       // a public holiday (Labour Code Art. 112 or a dated `holiday`)
  kCompensatory,  // compensatory day off for a holiday on a rest day (Art. 111(3))
  kDayOff,        // an extra day off from the official schedule (e.g. a swapped day)
};

struct OfficeInterval {
  std::int16_t open = 0;   // minute of day, inclusive
  std::int16_t close = 0;  // minute of day; the moment the office closes
  friend bool operator==(const OfficeInterval&, const OfficeInterval&) = default;
};

struct CalendarEntry {
  Date date = 0;
  DayKind kind = DayKind::kHoliday;  // kHoliday, kCompensatory, kDayOff or kWorking (swapped)
  std::string name;
};

class Calendar {
 public:
  static constexpr std::int32_t kFirstYear = 1900;  // days are precomputed for 1900..2200
  static constexpr std::int32_t kLastYear = 2200;
  static constexpr std::size_t kMaxIntervals = 4;

  struct Profile {
    std::array<OfficeInterval, kMaxIntervals> iv{};
    std::uint8_t count = 0;
    std::int16_t total = 0;  // working minutes in the day
  };

  Date first_date() const { return first_; }
  Date end_date() const { return first_ + static_cast<Date>(kind_.size()); }  // exclusive
  bool in_range(Date d) const { return d >= first_date() && d < end_date(); }

  DayKind day_kind(Date d) const;  // kRestDay outside the range
  bool is_working_day(Date d) const { return day_kind(d) == DayKind::kWorking; }
  std::span<const OfficeInterval> office_hours(Date d) const;
  std::int32_t working_minutes_on(Date d) const;
  // Length of an office day, used to turn fractional working days into minutes.
  std::int32_t day_length() const { return day_length_; }
  // Intake cut-off minute of day, if the unit has one.
  std::optional<std::int32_t> cutoff() const { return cutoff_; }

  // Holidays, compensatory days, extra days off and swapped working days of a
  // Gregorian year, in date order. Every holiday is listed on its own date,
  // also when it falls on a rest day.
  std::vector<CalendarEntry> entries(std::int32_t year) const;

  // Results are nullopt when an instant or the answer leaves the precomputed
  // range (1900-2200).

  // Moves an instant strictly outside office hours to office time.
  std::optional<Instant> round(Instant t, Rounding r) const noexcept;
  // When a dossier received at `t` starts counting: unchanged if received in
  // office hours up to the cut-off (inclusive), else the next opening.
  std::optional<Instant> intake(Instant received) const noexcept;
  // The same clock time on the n-th following (n < 0: preceding) working day.
  // A start outside office hours is first rounded with `r`. If that clock time
  // is not office time on the target day (a half day, a different schedule):
  // before its opening -> its opening; in a break -> per `r`; after its
  // closing -> its last closing (kToClose) or the next opening (kToOpening).
  std::optional<Instant> add_working_days(Instant t, std::int32_t n, Rounding r) const noexcept;
  // Adds office minutes; counting starts at the next opening when `t` is
  // outside office hours. A result exactly on a boundary (11:30 = 13:00,
  // 17:00 = next 07:30) is placed with `r`. m == 0 returns t.
  std::optional<Instant> add_working_minutes(Instant t, std::int64_t m, Rounding r) const noexcept;
  // Office minutes in [a, b); negative when b < a.
  std::optional<std::int64_t> working_minutes_between(Instant a, Instant b) const noexcept;
  // Fractional working days as office minutes (day_length() each), rounded to
  // the nearest minute, halves away from zero.
  std::int64_t working_minutes_for_days(double days) const noexcept;

  // Used by the builder (calendar/build.cpp); not for callers.
  struct Data;
  explicit Calendar(Data&& data);

 private:
  std::int32_t index_of(Date d) const { return d - first_; }
  // Office minutes from the start of the range up to instant t (t in range).
  std::int64_t working_position(std::int32_t day_index, std::int32_t minute) const noexcept;
  std::optional<Instant> from_position(std::int64_t w, Rounding r) const noexcept;
  std::optional<Instant> next_opening_after_day(std::int32_t day_index) const noexcept;
  std::optional<Instant> last_close_before_day(std::int32_t day_index) const noexcept;

  Date first_ = 0;
  std::int32_t day_length_ = 480;
  std::optional<std::int32_t> cutoff_;
  std::vector<Profile> profiles_;        // profile 0: closed
  std::vector<std::uint8_t> profile_;    // per day
  std::vector<DayKind> kind_;            // per day
  std::vector<std::int32_t> wd_prefix_;  // working days before day i (size days + 1)
  std::vector<std::int32_t> wm_prefix_;  // office minutes before day i (size days + 1)
  std::vector<std::int32_t> work_day_;   // day index of the k-th working day
  std::vector<std::int32_t> work_pos_;   // office minutes before the k-th working day
  std::vector<CalendarEntry> entries_;   // sorted by date
};

// Parses a calendar file (format: docs/calendar.md). `name` is used in error
// messages and to resolve relative `include`s; `include "builtin:vn-default"`
// names the embedded default. Errors read "file:line:column: what; what to do".
Result<Calendar> parse_calendar(std::string_view text, std::string_view name);
Result<Calendar> load_calendar_file(const std::string& path);

// The embedded default: Labour Code rules plus the official 2025 and 2026
// schedules, office hours 07:30-11:30 and 13:00-17:00 Monday to Friday.
std::string_view default_calendar_text();
// Built once, thread-safe, immutable.
const Calendar& default_calendar();

}  // namespace hoso::calendar
