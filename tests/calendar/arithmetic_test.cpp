// Deadline arithmetic: each rounding edge case is pinned here.
#include <random>

#include "test_util.h"

namespace hoso::calendar {
namespace {

using testing::D;
using testing::S;
using testing::T;
using testing::vn;
constexpr Rounding kOpen = Rounding::kToOpening;
constexpr Rounding kClose = Rounding::kToClose;

std::string days(const char* from, int n, Rounding r) {
  return S(vn().add_working_days(T(from), n, r));
}
std::string mins(const char* from, std::int64_t m, Rounding r) {
  return S(vn().add_working_minutes(T(from), m, r));
}

TEST(WorkingDays, TheIssueExampleAcrossTet2026) {
  EXPECT_EQ(days("2026-02-10 09:00", 15, kOpen), "2026-03-10 09:00");
  EXPECT_EQ(days("2026-02-10 09:00", 15, kClose), "2026-03-10 09:00");
}

TEST(WorkingDays, StartInsideOfficeHoursKeepsTheClockTime) {
  EXPECT_EQ(days("2026-03-03 09:17", 1, kOpen), "2026-03-04 09:17");
  EXPECT_EQ(days("2026-03-06 16:59", 1, kOpen), "2026-03-09 16:59");  // over a weekend
  EXPECT_EQ(days("2026-03-03 09:00", 0, kOpen), "2026-03-03 09:00");
}

TEST(WorkingDays, OpeningAndClosingMomentsAreOfficeTime) {
  EXPECT_EQ(days("2026-03-03 07:30", 1, kClose), "2026-03-04 07:30");
  EXPECT_EQ(days("2026-03-03 17:00", 1, kOpen), "2026-03-04 17:00");
  EXPECT_EQ(days("2026-03-03 11:30", 1, kOpen), "2026-03-04 11:30");
  EXPECT_EQ(days("2026-03-03 13:00", 1, kClose), "2026-03-04 13:00");
}

TEST(WorkingDays, ReceiptAfterHours) {
  EXPECT_EQ(days("2026-03-03 18:00", 1, kOpen), "2026-03-05 07:30");
  EXPECT_EQ(days("2026-03-03 18:00", 1, kClose), "2026-03-04 17:00");
  EXPECT_EQ(days("2026-03-03 06:00", 1, kOpen), "2026-03-04 07:30");
  EXPECT_EQ(days("2026-03-03 06:00", 1, kClose), "2026-03-03 17:00");
}

TEST(WorkingDays, ReceiptDuringLunch) {
  EXPECT_EQ(days("2026-03-03 12:00", 1, kOpen), "2026-03-04 13:00");
  EXPECT_EQ(days("2026-03-03 12:00", 1, kClose), "2026-03-04 11:30");
}

TEST(WorkingDays, ReceiptOnAHolidayOrWeekend) {
  EXPECT_EQ(days("2026-02-18 10:00", 1, kOpen), "2026-02-24 07:30");   // Tết -> Mon 23 07:30
  EXPECT_EQ(days("2026-02-18 10:00", 1, kClose), "2026-02-23 17:00");  // -> Fri 13 17:00
  EXPECT_EQ(days("2026-03-07 10:00", 2, kOpen), "2026-03-11 07:30");   // Saturday
}

TEST(WorkingDays, DueOnASwappedWorkingSaturday) {
  EXPECT_EQ(days("2026-08-21 10:00", 1, kOpen), "2026-08-22 10:00");
  EXPECT_EQ(days("2026-08-21 10:00", 2, kOpen), "2026-08-24 10:00");
  EXPECT_EQ(days("2026-08-22 08:00", 0, kOpen), "2026-08-22 08:00");
  EXPECT_EQ(days("2026-08-24 16:00", -1, kOpen), "2026-08-22 16:00");
}

TEST(WorkingDays, NationalDay2026) {
  // Fri 28 Aug + 1: Mon 31 Aug (swapped day off), Tue 1 and Wed 2 Sep off.
  EXPECT_EQ(days("2026-08-28 10:00", 1, kClose), "2026-09-03 10:00");
}

TEST(WorkingDays, Backwards) {
  EXPECT_EQ(days("2026-09-03 10:00", -1, kOpen), "2026-08-28 10:00");
  EXPECT_EQ(days("2026-02-23 08:00", -1, kOpen), "2026-02-13 08:00");
  EXPECT_EQ(days("2026-02-21 08:00", -1, kOpen), "2026-02-13 07:30");  // from Mon 23 07:30
}

TEST(WorkingDays, DueOnAHalfDay) {
  auto cal = parse_calendar(
      "include \"builtin:vn-default\"\nhalfday 2026-12-31 07:30-11:30 \"Year-end half day\"\n",
      "half.cal");
  ASSERT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_EQ(cal->working_minutes_on(D("2026-12-31")), 240);
  EXPECT_EQ(S(cal->add_working_days(T("2026-12-30 10:00"), 1, kOpen)), "2026-12-31 10:00");
  EXPECT_EQ(S(cal->add_working_days(T("2026-12-30 14:00"), 1, kClose)), "2026-12-31 11:30");
  // After the half day's closing, kToOpening goes on past New Year's Day and the weekend.
  EXPECT_EQ(S(cal->add_working_days(T("2026-12-30 14:00"), 1, kOpen)), "2027-01-04 07:30");
  EXPECT_EQ(S(cal->add_working_minutes(T("2026-12-31 10:00"), 120, kClose)),
            "2027-01-04 08:00");  // 90 min left on the half day
}

TEST(WorkingDays, LaterOpeningOnTheTargetDayNeverMovesTheDueDateEarlier) {
  auto cal = parse_calendar(
      "include \"builtin:vn-default\"\nworkday 2026-03-04 09:00-12:00 \"late opening\"\n", "x.cal");
  ASSERT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_EQ(S(cal->add_working_days(T("2026-03-03 08:00"), 1, kClose)), "2026-03-04 09:00");
  EXPECT_EQ(S(cal->add_working_days(T("2026-03-03 13:30"), 1, kClose)), "2026-03-04 12:00");
}

TEST(Intake, CutOff) {
  auto cal = parse_calendar("include \"builtin:vn-default\"\ncutoff 15:00\n", "cut.cal");
  ASSERT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_EQ(S(cal->intake(T("2026-03-03 15:00"))), "2026-03-03 15:00");  // at the cut-off: today
  EXPECT_EQ(S(cal->intake(T("2026-03-03 15:01"))), "2026-03-04 07:30");
  EXPECT_EQ(S(cal->intake(T("2026-03-03 06:00"))), "2026-03-03 07:30");
  EXPECT_EQ(S(cal->intake(T("2026-03-03 12:00"))), "2026-03-03 13:00");
  EXPECT_EQ(S(cal->intake(T("2026-03-07 09:00"))), "2026-03-09 07:30");  // Saturday
  EXPECT_EQ(S(cal->intake(T("2026-02-13 16:00"))), "2026-02-23 07:30");  // before Tết
  // Without a cut-off (the default), a receipt at 16:59 counts today.
  EXPECT_EQ(S(vn().intake(T("2026-03-03 16:59"))), "2026-03-03 16:59");
  EXPECT_EQ(S(vn().intake(T("2026-03-03 17:01"))), "2026-03-04 07:30");
}

TEST(WorkingMinutes, InsideAndAcrossDays) {
  EXPECT_EQ(mins("2026-03-03 09:00", 60, kOpen), "2026-03-03 10:00");
  EXPECT_EQ(mins("2026-03-03 09:00", 480, kOpen), "2026-03-04 09:00");
  EXPECT_EQ(mins("2026-03-03 11:00", 60, kOpen), "2026-03-03 13:30");   // over lunch
  EXPECT_EQ(mins("2026-03-03 18:00", 60, kOpen), "2026-03-04 08:30");   // starts at opening
  EXPECT_EQ(mins("2026-02-13 16:00", 120, kOpen), "2026-02-23 08:30");  // over Tết
}

TEST(WorkingMinutes, LandingExactlyOnABoundary) {
  EXPECT_EQ(mins("2026-03-03 09:00", 150, kClose), "2026-03-03 11:30");
  EXPECT_EQ(mins("2026-03-03 09:00", 150, kOpen), "2026-03-03 13:00");
  EXPECT_EQ(mins("2026-03-03 07:30", 480, kClose), "2026-03-03 17:00");
  EXPECT_EQ(mins("2026-03-03 07:30", 480, kOpen), "2026-03-04 07:30");
  EXPECT_EQ(mins("2026-03-06 07:30", 480, kOpen), "2026-03-09 07:30");  // Friday
}

TEST(WorkingMinutes, BackwardsAndZero) {
  EXPECT_EQ(mins("2026-03-04 08:30", -60, kOpen), "2026-03-04 07:30");
  EXPECT_EQ(mins("2026-03-04 08:30", -60, kClose), "2026-03-03 17:00");
  EXPECT_EQ(mins("2026-03-07 10:00", 0, kOpen), "2026-03-07 10:00");
}

TEST(WorkingMinutes, Between) {
  const Calendar& c = vn();
  EXPECT_EQ(c.working_minutes_between(T("2026-03-03 09:00"), T("2026-03-04 09:00")), 480);
  EXPECT_EQ(c.working_minutes_between(T("2026-02-13 09:00"), T("2026-02-23 09:00")), 480);
  EXPECT_EQ(c.working_minutes_between(T("2026-02-23 09:00"), T("2026-02-13 09:00")), -480);
  EXPECT_EQ(c.working_minutes_between(T("2026-03-07 09:00"), T("2026-03-08 20:00")), 0);
  EXPECT_EQ(c.working_minutes_between(T("2026-03-03 11:00"), T("2026-03-03 14:00")), 90);
  EXPECT_EQ(c.working_minutes_for_days(0.5), 240);
  EXPECT_EQ(c.working_minutes_for_days(1.25), 600);
}

TEST(Range, OutsideThePrecomputedYears) {
  EXPECT_FALSE(vn().add_working_days(T("1899-12-31 10:00"), 1, kOpen));
  EXPECT_FALSE(vn().add_working_days(T("2200-12-30 10:00"), 10, kOpen));
  EXPECT_FALSE(vn().add_working_minutes(T("2201-01-01 10:00"), 1, kOpen));
  EXPECT_FALSE(vn().working_minutes_between(T("2026-01-01 10:00"), T("2300-01-01 10:00")));
  EXPECT_TRUE(vn().add_working_days(T("1900-01-02 10:00"), 1, kOpen));
}

// The O(1) table lookup against a naive day-by-day walk, random starts.
TEST(WorkingDays, AgreesWithANaiveWalk) {
  const Calendar& c = vn();
  std::mt19937 rng(42);
  std::uniform_int_distribution<Date> day(D("1901-01-01"), D("2199-01-01"));
  std::uniform_int_distribution<int> minute(0, 1439), count(-60, 60);
  for (int i = 0; i < 20000; ++i) {
    const Instant t = make_instant(day(rng), minute(rng));
    const int n = count(rng);
    const auto start = c.round(t, kOpen);
    ASSERT_TRUE(start);
    Date d = date_of(*start);
    for (int left = n; left != 0;) {
      d += n > 0 ? 1 : -1;
      if (c.is_working_day(d)) left += n > 0 ? -1 : 1;
    }
    const auto got = c.add_working_days(t, n, kOpen);
    ASSERT_TRUE(got);
    ASSERT_EQ(date_of(*got), d) << format_instant(t) << " + " << n;
    // Working minutes are consistent with the count between.
    const std::int64_t m = count(rng) * 97;
    const auto later = c.add_working_minutes(t, m, kOpen);
    ASSERT_TRUE(later);
    ASSERT_EQ(c.working_minutes_between(t, *later), m) << format_instant(t) << " + " << m;
  }
}

}  // namespace
}  // namespace hoso::calendar
