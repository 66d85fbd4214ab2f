#include "base/civil.h"

#include <fmt/format.h>

namespace hoso::base {

int32_t days_from_civil(int32_t y, uint32_t m, uint32_t d) {
  // Shift the year to start in March so the leap day is the last day.
  y -= m <= 2 ? 1 : 0;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

void civil_from_days(int32_t days, int32_t& y, uint32_t& m, uint32_t& d) {
  days += 719468;
  const int32_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(days - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int32_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

bool valid_civil(int32_t y, uint32_t m, uint32_t d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static const uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  uint32_t dim = kDays[m - 1];
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && leap) dim = 29;
  return d <= dim;
}

namespace {
bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}
int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

std::optional<int32_t> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!digits(s.substr(0, 4)) || !digits(s.substr(5, 2)) || !digits(s.substr(8, 2))) {
    return std::nullopt;
  }
  int y = to_int(s.substr(0, 4));
  auto m = static_cast<uint32_t>(to_int(s.substr(5, 2)));
  auto d = static_cast<uint32_t>(to_int(s.substr(8, 2)));
  if (!valid_civil(y, m, d)) return std::nullopt;
  return days_from_civil(y, m, d);
}

std::optional<int32_t> parse_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !digits(s.substr(0, 2)) || !digits(s.substr(3, 2))) {
    return std::nullopt;
  }
  int h = to_int(s.substr(0, 2));
  int mi = to_int(s.substr(3, 2));
  if (h > 23 || mi > 59) return std::nullopt;
  return h * 60 + mi;
}

std::string format_date(int32_t days) {
  int32_t y;
  uint32_t m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string format_datetime(int64_t minutes) {
  int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  int64_t rem = minutes - days * 1440;
  return fmt::format("{} {:02}:{:02}", format_date(static_cast<int32_t>(days)), rem / 60, rem % 60);
}

}  // namespace hoso::base
