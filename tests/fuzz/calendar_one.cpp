#include "calendar_one.h"

#include "hoso/calendar.h"

namespace hoso::fuzz {

std::string run_calendar(std::string_view input) {
  auto cal = calendar::parse_calendar(input, "fuzz.cal");
  if (!cal) {
    if (cal.error().message.find(':') == std::string::npos) {
      return "a refused calendar's message names no place: " + cal.error().message;
    }
    return "";
  }
  using calendar::Rounding;
  for (const char* when : {"2026-02-13 16:45", "2026-04-30 12:00", "2199-12-30 09:00"}) {
    const calendar::Instant t = *calendar::parse_instant(when);
    const calendar::Date day = calendar::date_of(t);
    (void)cal->day_kind(day);
    (void)cal->office_hours(day);
    (void)cal->working_minutes_on(day);
    (void)cal->intake(t);
    for (std::int32_t n : {0, 1, 15, -3}) {
      auto due = cal->add_working_days(t, n, Rounding::kToOpening);
      if (due && n >= 0 && *due < t) {
        return std::string("add_working_days(") + when + ", " + std::to_string(n) +
               ") goes backwards";
      }
    }
    for (std::int64_t m : {int64_t{1}, int64_t{480}, int64_t{-600}, int64_t{100000}}) {
      (void)cal->add_working_minutes(t, m, Rounding::kToOpening);
    }
  }
  (void)cal->entries(2026);
  (void)cal->entries(2200);
  return "";
}

}  // namespace hoso::fuzz
