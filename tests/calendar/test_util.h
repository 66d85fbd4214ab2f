// Helpers shared by the calendar tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hoso/calendar.h"

namespace hoso::calendar::testing {

inline Date D(const std::string& s) {
  auto d = parse_date(s);
  EXPECT_TRUE(d.ok()) << s;
  return d.ok() ? *d : 0;
}

inline Instant T(const std::string& s) {
  auto t = parse_instant(s);
  EXPECT_TRUE(t.ok()) << s;
  return t.ok() ? *t : 0;
}

inline std::string S(std::optional<Instant> t) {
  return t ? format_instant(*t) : "nullopt";
}

inline const Calendar& vn() {
  return default_calendar();
}

}  // namespace hoso::calendar::testing
