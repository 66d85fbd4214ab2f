// The C ABI used by compiled rule packs.
#include "hoso/calendar_abi.h"

#include "test_util.h"

namespace hoso::calendar {
namespace {

using testing::T;

TEST(Abi, MatchesTheCppApi) {
  const void* cal = hoso_rt_default_calendar();
  ASSERT_EQ(cal, &default_calendar());
  EXPECT_EQ(hoso_rt_add_working_days(cal, T("2026-02-10 09:00"), 15), T("2026-03-10 09:00"));
  EXPECT_EQ(hoso_rt_add_working_days_r(cal, T("2026-03-03 18:00"), 1, 1), T("2026-03-04 17:00"));
  EXPECT_EQ(hoso_rt_add_working_minutes(cal, T("2026-03-03 09:00"), 150), T("2026-03-03 13:00"));
  EXPECT_EQ(hoso_rt_add_working_minutes_r(cal, T("2026-03-03 09:00"), 150, 1),
            T("2026-03-03 11:30"));
  EXPECT_EQ(hoso_rt_working_minutes_between(cal, T("2026-03-03 09:00"), T("2026-03-04 09:00")),
            480);
  EXPECT_EQ(hoso_rt_working_minutes_for_days(cal, 0.5), 240);
  EXPECT_EQ(hoso_rt_intake(cal, T("2026-03-07 09:00")), T("2026-03-09 07:30"));
  EXPECT_EQ(hoso_rt_is_working_day(cal, days_from_civil(2026, 8, 22)), 1);
  EXPECT_EQ(hoso_rt_is_working_day(cal, days_from_civil(2026, 8, 31)), 0);
}

TEST(Abi, NeverThrowsAndSignalsInvalid) {
  EXPECT_EQ(hoso_rt_add_working_days(nullptr, 0, 1), HOSO_RT_INVALID_INSTANT);
  EXPECT_EQ(hoso_rt_add_working_minutes(nullptr, 0, 1), HOSO_RT_INVALID_INSTANT);
  EXPECT_EQ(hoso_rt_working_minutes_between(nullptr, 0, 1), HOSO_RT_INVALID_INSTANT);
  const void* cal = hoso_rt_default_calendar();
  EXPECT_EQ(hoso_rt_add_working_days(cal, T("1800-01-01 09:00"), 1), HOSO_RT_INVALID_INSTANT);
  EXPECT_EQ(hoso_rt_is_working_day(nullptr, 0), 0);
}

}  // namespace
}  // namespace hoso::calendar
