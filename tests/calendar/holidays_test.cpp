// Which days are off: Labour Code rules, official schedules, Art. 111(3).
#include "test_util.h"

namespace hoso::calendar {
namespace {

using testing::D;
using testing::vn;

std::vector<std::pair<std::string, DayKind>> days_off(int year) {
  std::vector<std::pair<std::string, DayKind>> out;
  for (const auto& e : vn().entries(year)) {
    if (e.kind != DayKind::kWorking) out.emplace_back(format_date(e.date), e.kind);
  }
  return out;
}

TEST(Holidays, Official2026Schedule) {
  using K = DayKind;
  const std::vector<std::pair<std::string, DayKind>> want{
      {"2026-01-01", K::kHoliday},      {"2026-02-16", K::kHoliday}, {"2026-02-17", K::kHoliday},
      {"2026-02-18", K::kHoliday},      {"2026-02-19", K::kHoliday}, {"2026-02-20", K::kHoliday},
      {"2026-04-26", K::kHoliday},       // Hùng Kings' Day on a Sunday...
      {"2026-04-27", K::kCompensatory},  // ...made up on Monday
      {"2026-04-30", K::kHoliday},      {"2026-05-01", K::kHoliday}, {"2026-08-31", K::kDayOff},
      {"2026-09-01", K::kHoliday},      {"2026-09-02", K::kHoliday},
  };
  EXPECT_EQ(days_off(2026), want);
  EXPECT_TRUE(vn().is_working_day(D("2026-08-22")));  // swapped working Saturday
  EXPECT_EQ(vn().working_minutes_on(D("2026-08-22")), 480);
  EXPECT_FALSE(vn().is_working_day(D("2026-08-29")));
  EXPECT_EQ(vn().day_kind(D("2026-02-21")), DayKind::kRestDay);
}

TEST(Holidays, Official2025Schedule) {
  const auto off = days_off(2025);
  auto has = [&](const char* d) {
    return std::any_of(off.begin(), off.end(), [&](const auto& p) { return p.first == d; });
  };
  for (const char* d :
       {"2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31",
        "2025-04-07", "2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02"}) {
    EXPECT_TRUE(has(d)) << d;
  }
  EXPECT_EQ(off.size(), 12u);
  EXPECT_FALSE(has("2025-02-01"));  // the rule would have put Tết's 5th day on Saturday
  EXPECT_TRUE(vn().is_working_day(D("2025-04-26")));
}

TEST(Holidays, CompensatoryDaysFollowArticle111) {
  // 2023: Hùng Kings' Day Sat 29 Apr -> Tue 2 May; 30 Apr Sun -> Wed 3 May.
  EXPECT_EQ(vn().day_kind(D("2023-04-29")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2023-04-30")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2023-05-01")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2023-05-02")), DayKind::kCompensatory);
  EXPECT_EQ(vn().day_kind(D("2023-05-03")), DayKind::kCompensatory);
  EXPECT_TRUE(vn().is_working_day(D("2023-05-04")));
  // National Day 2023 on Saturday: adjacent Fri 1 Sep, made up Mon 4 Sep.
  EXPECT_EQ(vn().day_kind(D("2023-09-01")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2023-09-04")), DayKind::kCompensatory);
}

TEST(Holidays, TetByRuleInLaterYears) {
  // 2027: Tết Sat 6 Feb -> eve Fri 5, then Sat 6 .. Tue 9; the weekend two
  // are made up on Wed 10 and Thu 11.
  std::vector<std::string> tet;
  for (const auto& e : vn().entries(2027)) {
    if (e.name.find("Nguyên Đán") == 0 || e.name.find("Tết Nguyên Đán") != std::string::npos) {
      tet.push_back(format_date(e.date) + (e.kind == DayKind::kCompensatory ? "c" : ""));
    }
  }
  EXPECT_EQ(tet, (std::vector<std::string>{"2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
                                           "2027-02-09", "2027-02-10c", "2027-02-11c"}));
  EXPECT_TRUE(vn().is_working_day(D("2027-02-12")));
}

TEST(Holidays, EveryHolidayIsListedOnItsOwnDateEvenOnWeekends) {
  int tet_days = 0;
  for (const auto& e : vn().entries(2026)) {
    if (e.kind == DayKind::kHoliday && e.name.find("Lunar New Year") != std::string::npos) {
      ++tet_days;
    }
  }
  EXPECT_EQ(tet_days, 5);
  // 2028: Tết Wed 26 Jan: eve Tue 25 .. Sat 29: Sat is listed and made up Mon 31.
  EXPECT_EQ(vn().day_kind(D("2028-01-29")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2028-01-31")), DayKind::kCompensatory);
}

TEST(Holidays, NationalDayAdjacentDayByRule) {
  // 2027: 2 Sep is Thursday -> Fri 3 Sep.
  EXPECT_EQ(vn().day_kind(D("2027-09-02")), DayKind::kHoliday);
  EXPECT_EQ(vn().day_kind(D("2027-09-03")), DayKind::kHoliday);
  EXPECT_TRUE(vn().is_working_day(D("2027-09-01")));
}

}  // namespace
}  // namespace hoso::calendar
