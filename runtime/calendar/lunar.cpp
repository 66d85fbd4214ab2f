// The Vietnamese lunisolar calendar at UTC+7, built once from astro.cpp.
//
// Rules (as stated by Hồ Ngọc Đức's description of the calendar; the code is
// written from them, not copied): a month starts on the local day of a new
// moon; the month containing the winter solstice is month 11; when 13 months
// start between two such months, the first of them after month 11 that
// contains no principal solar term (Sun's longitude a multiple of 30°) is
// the leap month and repeats the previous month's number.
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "astro.h"
#include "hoso/calendar.h"

namespace hoso::calendar {
namespace {

struct LunarMonth {
  Date start = 0;
  std::int32_t year = 0;
  std::int32_t month = 0;
  bool leap = false;
};

constexpr double kJdUnixEpoch = 2440587.5;

class LunarTable {
 public:
  LunarTable() {
    // New moons from late 1897 to 2203: k = 0 is 2000-01-06.
    std::vector<Date> nm;
    for (std::int64_t k = -1265; k <= 2530; ++k) {
      nm.push_back(astro::local_date_utc7(astro::new_moon_jde(k)));
    }
    // Principal terms (multiples of 30°) and winter solstices per year.
    std::vector<Date> terms;
    constexpr std::int32_t kFirst = 1897, kLast = 2202;
    std::vector<Date> solstice;
    for (std::int32_t y = kFirst; y <= kLast; ++y) {
      const double march20 = kJdUnixEpoch + days_from_civil(y, 3, 20);
      for (int deg = 0; deg < 360; deg += 30) {
        const double jde = astro::sun_longitude_time(deg, march20 + deg * 365.2422 / 360.0);
        const Date d = astro::local_date_utc7(jde);
        terms.push_back(d);
        if (deg == 270) solstice.push_back(d);
      }
    }
    std::sort(terms.begin(), terms.end());
    auto month_index = [&](Date d) {  // the lunation containing day d
      return static_cast<std::size_t>(std::upper_bound(nm.begin(), nm.end(), d) - nm.begin() - 1);
    };
    auto has_term = [&](std::size_t i) {
      auto it = std::lower_bound(terms.begin(), terms.end(), nm[i]);
      return it != terms.end() && *it < nm[i + 1];
    };
    for (std::int32_t y = kFirst + 1; y <= kLast; ++y) {
      const std::size_t a = month_index(solstice[static_cast<std::size_t>(y - 1 - kFirst)]);
      const std::size_t b = month_index(solstice[static_cast<std::size_t>(y - kFirst)]);
      std::size_t leap = b;  // none
      if (b - a == 13) {
        for (std::size_t j = a + 1; j < b; ++j) {
          if (!has_term(j)) {
            leap = j;
            break;
          }
        }
      }
      std::int32_t num = 11;
      std::int32_t year = y - 1;
      for (std::size_t j = a; j < b; ++j) {
        const bool is_leap = j == leap;
        if (j != a && !is_leap) num = num % 12 + 1;
        if (num == 1 && !is_leap) year = y;
        months_.push_back(LunarMonth{nm[j], year, num, is_leap});
      }
      end_ = nm[b];
    }
  }

  std::optional<LunarDate> from_solar(Date d) const {
    if (months_.empty() || d < months_.front().start || d >= end_) return std::nullopt;
    auto it = std::upper_bound(months_.begin(), months_.end(), d,
                               [](Date v, const LunarMonth& m) { return v < m.start; });
    const LunarMonth& m = *(it - 1);
    return LunarDate{m.year, m.month, d - m.start + 1, m.leap};
  }

  std::optional<Date> to_solar(const LunarDate& l) const {
    auto it = std::lower_bound(months_.begin(), months_.end(), l, [](const LunarMonth& m, auto& x) {
      return std::tie(m.year, m.month, m.leap) < std::tie(x.year, x.month, x.leap);
    });
    if (it == months_.end() || it->year != l.year || it->month != l.month || it->leap != l.leap) {
      return std::nullopt;
    }
    const Date next = it + 1 == months_.end() ? end_ : (it + 1)->start;
    if (l.day < 1 || l.day > next - it->start) return std::nullopt;
    return it->start + l.day - 1;
  }

  std::int32_t leap_month(std::int32_t year) const {
    for (const LunarMonth& m : months_) {
      if (m.year == year && m.leap) return m.month;
    }
    return 0;
  }

 private:
  std::vector<LunarMonth> months_;  // sorted by start and by (year, month, leap)
  Date end_ = 0;
};

const LunarTable& table() {
  static const LunarTable kTable;  // built once; C++11 guarantees thread-safe init
  return kTable;
}

bool year_in_range(std::int32_t y) {
  return y >= kLunarFirstYear && y <= kLunarLastYear;
}

}  // namespace

std::optional<LunarDate> lunar_from_solar(Date d) {
  return table().from_solar(d);
}

std::optional<Date> solar_from_lunar(const LunarDate& l) {
  return table().to_solar(l);
}

std::optional<Date> lunar_new_year(std::int32_t year) {
  if (!year_in_range(year)) return std::nullopt;
  return table().to_solar(LunarDate{year, 1, 1, false});
}

std::optional<Date> hung_kings_day(std::int32_t year) {
  if (!year_in_range(year)) return std::nullopt;
  return table().to_solar(LunarDate{year, 3, 10, false});
}

std::int32_t leap_month(std::int32_t lunar_year) {
  return table().leap_month(lunar_year);
}

}  // namespace hoso::calendar
