// `hoso due` and `hoso calendar ...`: deadlines and holidays on the working
// calendar, from the command line.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "hoso/calendar.h"

namespace hoso::cli {
namespace {

namespace cal = hoso::calendar;

// The calendar named by --calendar, or the embedded default.
struct CalendarChoice {
  std::string file;
  std::unique_ptr<cal::Calendar> loaded;
  const cal::Calendar* get() {
    if (file.empty()) return &cal::default_calendar();
    auto c = cal::load_calendar_file(file);
    if (!c) {
      std::fprintf(stderr, "hoso: %s\n", c.error().message.c_str());
      return nullptr;
    }
    loaded = std::make_unique<cal::Calendar>(std::move(c).value());
    return loaded.get();
  }
  std::string name() const { return file.empty() ? "builtin:vn-default" : file; }
};

void add_calendar_option(CLI::App* sub, CalendarChoice& choice) {
  sub->add_option("--calendar", choice.file,
                  "Calendar file to use instead of the built-in Vietnamese calendar "
                  "(format: docs/calendar.md; it may `include \"builtin:vn-default\"`)");
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

const char* kind_name(cal::DayKind k) {
  switch (k) {
    case cal::DayKind::kWorking:
      return "working day";
    case cal::DayKind::kRestDay:
      return "rest day";
    case cal::DayKind::kHoliday:
      return "holiday";
    case cal::DayKind::kCompensatory:
      return "compensatory";
    case cal::DayKind::kDayOff:
      return "day off";
  }
  return "?";
}

const char* weekday_name(cal::Date d) {
  static constexpr const char* kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return kNames[static_cast<int>(cal::weekday(d))];
}

struct DueArgs {
  std::string from;
  double working_days = 0;
  double working_hours = 0;
  long long working_minutes = 0;
  int calendar_days = 0;
  std::string rounding = "opening";
  bool intake = false;
  CalendarChoice calendar;
  CLI::Option* days_opt = nullptr;
  CLI::Option* hours_opt = nullptr;
  CLI::Option* minutes_opt = nullptr;
  CLI::Option* cdays_opt = nullptr;
};

int run_due(DueArgs& a) {
  auto from = cal::parse_instant(a.from);
  if (!from) {
    std::fprintf(stderr, "hoso due: --from: %s\n", from.error().message.c_str());
    return 1;
  }
  const int given = static_cast<int>(a.days_opt->count() + a.hours_opt->count() +
                                     a.minutes_opt->count() + a.cdays_opt->count());
  if (given != 1) {
    std::fprintf(stderr,
                 "hoso due: give exactly one of --working-days, --working-hours, "
                 "--working-minutes or --calendar-days\n");
    return 1;
  }
  const cal::Calendar* c = a.calendar.get();
  if (c == nullptr) return 1;
  const cal::Rounding r =
      a.rounding == "close" ? cal::Rounding::kToClose : cal::Rounding::kToOpening;
  std::optional<cal::Instant> start = *from;
  if (a.intake) start = c->intake(*from);
  std::optional<cal::Instant> due;
  if (start && a.cdays_opt->count() > 0) {
    due = *start + cal::Instant{a.calendar_days} * cal::kMinutesPerDay;
  } else if (start && a.days_opt->count() > 0 && a.working_days == std::floor(a.working_days) &&
             std::abs(a.working_days) < 1e6) {
    due = c->add_working_days(*start, static_cast<std::int32_t>(a.working_days), r);
  } else if (start) {
    const std::int64_t minutes =
        a.days_opt->count() > 0    ? c->working_minutes_for_days(a.working_days)
        : a.hours_opt->count() > 0 ? static_cast<std::int64_t>(std::llround(a.working_hours * 60))
                                   : a.working_minutes;
    due = c->add_working_minutes(*start, minutes, r);
  }
  if (!due) {
    std::fprintf(stderr,
                 "hoso due: the deadline falls outside the years %d-%d that the calendar covers\n",
                 cal::Calendar::kFirstYear, cal::Calendar::kLastYear);
    return 1;
  }
  std::printf("%s\n", cal::format_instant(*due).c_str());
  return 0;
}

struct HolidaysArgs {
  int year = 0;
  std::string format = "text";
  CalendarChoice calendar;
};

int run_holidays(HolidaysArgs& a) {
  if (a.year < cal::Calendar::kFirstYear || a.year > cal::Calendar::kLastYear) {
    std::fprintf(stderr, "hoso calendar holidays: year %d is outside %d-%d\n", a.year,
                 cal::Calendar::kFirstYear, cal::Calendar::kLastYear);
    return 1;
  }
  const cal::Calendar* c = a.calendar.get();
  if (c == nullptr) return 1;
  const auto entries = c->entries(a.year);
  if (a.format == "csv") {
    std::printf("date,name\n");
    for (const auto& e : entries) {
      if (e.kind == cal::DayKind::kWorking) continue;  // swapped working days are not days off
      std::printf("%s,%s\n", cal::format_date(e.date).c_str(), csv_field(e.name).c_str());
    }
    return 0;
  }
  std::printf("Days off in %d (%s)\n", a.year, a.calendar.name().c_str());
  for (const auto& e : entries) {
    std::printf("%s %s  %-13s %s\n", cal::format_date(e.date).c_str(), weekday_name(e.date),
                kind_name(e.kind), e.name.c_str());
  }
  return 0;
}

struct DayArgs {
  std::string date;
  CalendarChoice calendar;
};

int run_day(DayArgs& a) {
  auto d = cal::parse_date(a.date);
  if (!d) {
    std::fprintf(stderr, "hoso calendar day: %s\n", d.error().message.c_str());
    return 1;
  }
  const cal::Calendar* c = a.calendar.get();
  if (c == nullptr) return 1;
  std::string hours;
  for (const auto& iv : c->office_hours(*d)) {
    hours += fmt::format("{}{:02}:{:02}-{:02}:{:02}", hours.empty() ? "" : " ", iv.open / 60,
                         iv.open % 60, iv.close / 60, iv.close % 60);
  }
  std::printf("%s %s  %s%s%s\n", cal::format_date(*d).c_str(), weekday_name(*d),
              kind_name(c->day_kind(*d)), hours.empty() ? "" : "  ", hours.c_str());
  if (auto l = cal::lunar_from_solar(*d)) {
    std::printf("lunar %d/%d%s, year %d\n", l->day, l->month, l->leap ? " (leap month)" : "",
                l->year);
  }
  for (const auto& e : c->entries(cal::civil_from_days(*d).year)) {
    if (e.date == *d) std::printf("%s\n", e.name.c_str());
  }
  return 0;
}

}  // namespace

void add_calendar_commands(CLI::App& app, Registry& reg) {
  auto due_args = std::make_shared<DueArgs>();
  CLI::App* due = app.add_subcommand(
      "due",
      "Compute a deadline on the working calendar.\n"
      "N working days after an instant in office hours is the same clock time on the N-th\n"
      "following working day; working hours and minutes count office time only. A start\n"
      "outside office hours is first moved per --rounding. Fractional working days are\n"
      "counted as office minutes (8 h a day by default).\n"
      "Example: hoso due --from \"2026-02-10 09:00\" --working-days 15   ->  2026-03-10 09:00");
  due->add_option("--from", due_args->from, "Start, \"YYYY-MM-DD HH:MM\" in Vietnam time (UTC+7)")
      ->required();
  due_args->days_opt = due->add_option("--working-days", due_args->working_days,
                                       "Working days to add (may be "
                                       "negative or fractional)");
  due_args->hours_opt =
      due->add_option("--working-hours", due_args->working_hours, "Office hours to add");
  due_args->minutes_opt =
      due->add_option("--working-minutes", due_args->working_minutes, "Office minutes to add");
  due_args->cdays_opt = due->add_option("--calendar-days", due_args->calendar_days,
                                        "Plain calendar days to add (holidays not skipped)");
  due->add_option("--rounding", due_args->rounding,
                  "Where an instant outside office hours, or a result exactly at a break, goes:\n"
                  "opening = forward to the next opening (default), close = back to the last "
                  "closing")
      ->check(CLI::IsMember({"opening", "close"}));
  due->add_flag("--intake", due_args->intake,
                "Treat --from as a receipt: apply the calendar's intake cut-off first "
                "(after the cut-off, counting starts at the next working day)");
  add_calendar_option(due, due_args->calendar);
  reg.add(due, [due_args] { return run_due(*due_args); });

  CLI::App* calendar = app.add_subcommand(
      "calendar", "Inspect the working calendar: holidays of a year, one day, or check a file");
  calendar->require_subcommand(1);

  auto hol = std::make_shared<HolidaysArgs>();
  CLI::App* holidays = calendar->add_subcommand(
      "holidays",
      "List the days off of a year: every holiday on its own date (also on a weekend; each\n"
      "of the five Tết days), each compensatory day (Labour Code Art. 111(3)) and each extra\n"
      "day off of the official schedule. Text also shows swapped working Saturdays.");
  holidays->add_option("year", hol->year, "Gregorian year, 1900-2200")->required();
  holidays->add_option("--format", hol->format, "text (default) or csv (header date,name)")
      ->check(CLI::IsMember({"text", "csv"}));
  add_calendar_option(holidays, hol->calendar);
  reg.add(holidays, [hol] { return run_holidays(*hol); });

  auto day_args = std::make_shared<DayArgs>();
  CLI::App* day = calendar->add_subcommand(
      "day", "Show one day: working or not, office hours, the lunar date and why it is off");
  day->add_option("date", day_args->date, "YYYY-MM-DD")->required();
  add_calendar_option(day, day_args->calendar);
  reg.add(day, [day_args] { return run_day(*day_args); });

  auto check_file = std::make_shared<std::string>();
  CLI::App* check = calendar->add_subcommand(
      "check",
      "Validate a calendar file (and its includes). Prints errors as file:line:column and\n"
      "exits nonzero; the engine refuses to start on a calendar that does not pass.");
  check->add_option("file", *check_file, "Calendar file")->required();
  reg.add(check, [check_file] {
    auto c = cal::load_calendar_file(*check_file);
    if (!c) {
      std::fprintf(stderr, "%s\n", c.error().message.c_str());
      return 1;
    }
    std::printf("%s: ok\n", check_file->c_str());
    return 0;
  });
}

}  // namespace hoso::cli
