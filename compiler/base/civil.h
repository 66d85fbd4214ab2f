// Civil dates for literals in rules files: days since 1970-01-01 and minutes
// since 1970-01-01 00:00 in Vietnam's local time (UTC+7), the convention the
// whole project shares with runtime/calendar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hoso::base {

// Proleptic Gregorian; written from the era/day-of-era decomposition.
int32_t days_from_civil(int32_t y, uint32_t m, uint32_t d);
void civil_from_days(int32_t days, int32_t& y, uint32_t& m, uint32_t& d);
bool valid_civil(int32_t y, uint32_t m, uint32_t d);

// "YYYY-MM-DD" -> days, or nullopt when malformed or not a real date.
std::optional<int32_t> parse_date(std::string_view s);
// "HH:MM" -> minutes after midnight, or nullopt.
std::optional<int32_t> parse_time(std::string_view s);
std::string format_date(int32_t days);
std::string format_datetime(int64_t minutes);

}  // namespace hoso::base
