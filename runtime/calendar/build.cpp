// From a parsed calendar file to the precomputed day tables: weekly hours,
// Labour Code holidays by rule (or by the year's official dates), Art. 111(3)
// compensatory days, then dated days off, working days and half days.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "calendar_data.h"
#include "spec.h"

namespace hoso::calendar::spec {
namespace {

const std::vector<OfficeInterval> kDefaultHours{{450, 690},
                                                {780, 1020}};  // 07:30-11:30 13:00-17:00

struct Day {
  DayKind kind = DayKind::kRestDay;
  std::vector<OfficeInterval> hours;
  const Dated* dated = nullptr;  // the dated statement that set this day
};

struct HolidayDay {
  Date date = 0;
  std::string name;
};

// The day adjacent to National Day (2 Sep), for years without official
// dates: the side that joins a weekend, as the schedules of 2020-2025 chose
// (Mon -> Tue 3 Sep, Tue -> Mon 1 Sep, Wed -> Thu 3, Thu -> Fri 3, Fri -> Thu 1,
// Sat -> Fri 1, Sun -> Mon 3).
Date adjacent_to_national_day(Date d) {
  switch (weekday(d)) {
    case Weekday::kMon:
    case Weekday::kWed:
    case Weekday::kThu:
    case Weekday::kSun:
      return d + 1;
    default:
      return d - 1;
  }
}

std::vector<Date> rule_dates(const Rule& rule, int year) {
  switch (rule.kind) {
    case Rule::Kind::kFixed:
      return {days_from_civil(year, rule.month, rule.day)};
    case Rule::Kind::kNationalDay: {
      const Date d = days_from_civil(year, rule.month, rule.day);
      const Date adj = adjacent_to_national_day(d);
      return {std::min(d, adj), std::max(d, adj)};
    }
    case Rule::Kind::kLunar: {
      auto d = solar_from_lunar(LunarDate{year, rule.month, rule.day, false});
      if (!d && rule.day == 30) d = solar_from_lunar(LunarDate{year, rule.month, 29, false});
      return d ? std::vector<Date>{*d} : std::vector<Date>{};
    }
    case Rule::Kind::kTet: {
      // The last day of the old lunar year and the first four of the new.
      const auto t = lunar_new_year(year);
      if (!t) return {};
      return {*t - 1, *t, *t + 1, *t + 2, *t + 3};
    }
  }
  return {};
}

}  // namespace

Result<Calendar> build(const CalendarSpec& spec) {
  Calendar::Data data;
  data.first = days_from_civil(Calendar::kFirstYear, 1, 1);
  const Date end = days_from_civil(Calendar::kLastYear + 1, 1, 1);
  const auto n = static_cast<std::size_t>(end - data.first);

  std::array<std::vector<OfficeInterval>, 7> week;
  for (std::size_t d = 0; d < 7; ++d) {
    week[d] = spec.week[d] ? *spec.week[d]
                           : (d >= 1 && d <= 5 ? kDefaultHours : std::vector<OfficeInterval>{});
  }
  auto rest_day = [&](Date d) { return week[static_cast<std::size_t>(weekday(d))].empty(); };

  std::vector<Day> days(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Date d = data.first + static_cast<Date>(i);
    days[i].hours = week[static_cast<std::size_t>(weekday(d))];
    days[i].kind = days[i].hours.empty() ? DayKind::kRestDay : DayKind::kWorking;
  }
  auto in_range = [&](Date d) { return d >= data.first && d < end; };
  auto at = [&](Date d) -> Day& { return days[static_cast<std::size_t>(d - data.first)]; };

  for (const Official& o : spec.officials) {
    if (std::none_of(spec.rules.begin(), spec.rules.end(),
                     [&](const Rule& r) { return r.id == o.rule; })) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("{}: no rule named '{}'; define it with `rule` first", where(o.loc), o.rule));
    }
  }

  // Holidays by rule, or by the year's official dates.
  std::vector<HolidayDay> holidays;
  for (int year = Calendar::kFirstYear; year <= Calendar::kLastYear; ++year) {
    for (const Rule& rule : spec.rules) {
      auto official =
          std::find_if(spec.officials.begin(), spec.officials.end(),
                       [&](const Official& o) { return o.rule == rule.id && o.year == year; });
      if (official != spec.officials.end()) {
        for (Date d = official->from; d <= official->to; ++d) holidays.push_back({d, rule.name});
      } else {
        for (Date d : rule_dates(rule, year)) holidays.push_back({d, rule.name});
      }
    }
  }
  for (const Dated& d : spec.dated) {
    if (d.kind != Dated::Kind::kHoliday) continue;
    for (Date x = d.from; x <= d.to; ++x) holidays.push_back({x, d.name});
  }
  std::stable_sort(holidays.begin(), holidays.end(),
                   [](const HolidayDay& a, const HolidayDay& b) { return a.date < b.date; });
  for (const HolidayDay& h : holidays) {
    if (!in_range(h.date)) continue;
    at(h.date).kind = DayKind::kHoliday;
    data.entries.push_back(CalendarEntry{h.date, DayKind::kHoliday, h.name});
  }
  // Art. 111(3): a holiday on a weekly rest day gives a day off on the next
  // working day that is neither a holiday nor already given.
  if (spec.compensate) {
    for (const HolidayDay& h : holidays) {
      if (!in_range(h.date) || !rest_day(h.date)) continue;
      Date d = h.date + 1;
      while (in_range(d) && (rest_day(d) || at(d).kind != DayKind::kWorking)) ++d;
      if (!in_range(d)) continue;
      at(d).kind = DayKind::kCompensatory;
      data.entries.push_back(CalendarEntry{
          d, DayKind::kCompensatory,
          fmt::format("Nghỉ bù (compensatory day off) for {} on {}", h.name, format_date(h.date))});
    }
  }

  // Dated statements; two that disagree about one day are an error.
  for (const Dated& d : spec.dated) {
    if (d.kind == Dated::Kind::kHoliday) continue;
    for (Date x = d.from; x <= d.to; ++x) {
      Day& day = at(x);
      if (day.dated != nullptr) {
        const Dated& old = *day.dated;
        if (old.kind == d.kind && old.hours == d.hours) continue;
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{}: {} is already defined differently at {}; the two "
                                      "definitions disagree, keep one",
                                      where(d.loc), format_date(x), where(old.loc)));
      }
      if (d.kind == Dated::Kind::kWorkday &&
          (day.kind == DayKind::kHoliday || day.kind == DayKind::kCompensatory)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{}: {} is a holiday or compensatory day and cannot be a "
                                      "working day; give official dates for the holiday instead",
                                      where(d.loc), format_date(x)));
      }
      day.dated = &d;
      if (d.kind == Dated::Kind::kDayOff) {
        if (day.kind == DayKind::kWorking) {
          day.kind = DayKind::kDayOff;
          data.entries.push_back(CalendarEntry{x, DayKind::kDayOff, d.name});
        }
      } else {
        const bool was_off = day.kind != DayKind::kWorking;
        day.kind = DayKind::kWorking;
        if (!d.hours.empty()) {
          day.hours = d.hours;
        } else if (day.hours.empty()) {
          day.hours =
              week[1].empty() ? kDefaultHours : week[1];  // a swapped day works Monday's hours
        }
        if (was_off || !d.hours.empty()) {
          data.entries.push_back(CalendarEntry{x, DayKind::kWorking, d.name});
        }
      }
    }
  }
  std::stable_sort(data.entries.begin(), data.entries.end(),
                   [](const CalendarEntry& a, const CalendarEntry& b) { return a.date < b.date; });

  // Profiles: distinct office-hour patterns, profile 0 closed.
  data.profiles.push_back(Calendar::Profile{});
  std::map<std::vector<std::pair<int, int>>, std::uint8_t> index;
  data.profile.resize(n);
  data.kind.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    data.kind[i] = days[i].kind;
    if (days[i].kind != DayKind::kWorking || days[i].hours.empty()) {
      data.kind[i] = days[i].kind == DayKind::kWorking ? DayKind::kRestDay : days[i].kind;
      data.profile[i] = 0;
      continue;
    }
    std::vector<std::pair<int, int>> key;
    for (const auto& iv : days[i].hours) key.emplace_back(iv.open, iv.close);
    auto [it, inserted] = index.try_emplace(key, static_cast<std::uint8_t>(data.profiles.size()));
    if (inserted) {
      if (data.profiles.size() >= 255) {
        return make_error(ErrorCode::kInvalidArgument,
                          "more than 254 different office-hour patterns; simplify the calendar");
      }
      Calendar::Profile p;
      for (const auto& iv : days[i].hours) {
        p.iv[p.count++] = iv;
        p.total = static_cast<std::int16_t>(p.total + iv.close - iv.open);
      }
      data.profiles.push_back(p);
    }
    data.profile[i] = it->second;
  }
  const auto& monday = week[1].empty() ? kDefaultHours : week[1];
  std::int32_t monday_len = 0;
  for (const auto& iv : monday) monday_len += iv.close - iv.open;
  data.day_length = spec.day_length.value_or(monday_len);
  if (spec.cutoff) data.cutoff = *spec.cutoff;
  return Calendar(std::move(data));
}

}  // namespace hoso::calendar::spec
