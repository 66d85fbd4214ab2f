// Parsing and formatting of civil dates and local date-times.
#include <fmt/format.h>

#include "hoso/calendar.h"

namespace hoso::calendar {
namespace {

// Reads exactly `width` decimal digits at text[pos].
std::optional<std::int32_t> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  std::int32_t v = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  const auto y = digits(text, 0, 4);
  const auto m = digits(text, 5, 2);
  const auto d = digits(text, 8, 2);
  if (text.size() != 10 || !y || !m || !d || text[4] != '-' || text[7] != '-') {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not a date; write YYYY-MM-DD, e.g. 2026-02-17", text));
  }
  if (!is_valid_civil(*y, *m, *d)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} does not exist: {:04}-{:02} has {} days", text, *y, *m,
                                  *m >= 1 && *m <= 12 ? days_in_month(*y, *m) : 0));
  }
  return days_from_civil(*y, *m, *d);
}

Result<Instant> parse_instant(std::string_view text) {
  auto date = parse_date(text.substr(0, 10));
  if (!date) return date.error();
  if (text.size() == 10) return make_instant(*date);
  const auto h = digits(text, 11, 2);
  const auto mi = digits(text, 14, 2);
  if (text.size() != 16 || (text[10] != ' ' && text[10] != 'T') || !h || !mi || text[13] != ':') {
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("'{}' is not a date and time; write YYYY-MM-DD HH:MM, e.g. 2026-02-10 09:00",
                    text));
  }
  if (*h > 23 || *mi > 59) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}': the time {:02}:{:02} does not exist", text, *h, *mi));
  }
  return make_instant(*date, *h * 60 + *mi);
}

std::string format_date(Date d) {
  const CivilDate c = civil_from_days(d);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::string format_instant(Instant t) {
  const std::int32_t m = minute_of_day(t);
  return fmt::format("{} {:02}:{:02}", format_date(date_of(t)), m / 60, m % 60);
}

}  // namespace hoso::calendar
