// The precomputed day tables behind a Calendar (see calendar.h for meaning).
#pragma once

#include "hoso/calendar.h"

namespace hoso::calendar {

struct Calendar::Data {
  Date first = 0;
  std::int32_t day_length = 480;
  std::optional<std::int32_t> cutoff;
  std::vector<Profile> profiles;
  std::vector<std::uint8_t> profile;
  std::vector<DayKind> kind;
  std::vector<CalendarEntry> entries;
};

}  // namespace hoso::calendar
