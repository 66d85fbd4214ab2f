// Civil dates, weekdays, parsing and formatting.
#include "test_util.h"

namespace hoso::calendar {
namespace {

using testing::D;

TEST(Civil, EpochAndKnownDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1900, 1, 1), -25567);
  EXPECT_EQ(civil_from_days(-25567), (CivilDate{1900, 1, 1}));
  EXPECT_EQ(weekday(0), Weekday::kThu);
  EXPECT_EQ(weekday(D("2026-02-17")), Weekday::kTue);
  EXPECT_EQ(weekday(D("1900-01-01")), Weekday::kMon);
}

TEST(Civil, RoundTripOverTheCalendarRange) {
  for (Date d = days_from_civil(1899, 1, 1); d < days_from_civil(2202, 1, 1); ++d) {
    const CivilDate c = civil_from_days(d);
    ASSERT_TRUE(is_valid_civil(c.year, c.month, c.day));
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
}

TEST(Civil, ParseAndFormat) {
  EXPECT_EQ(format_date(D("2026-02-28")), "2026-02-28");
  EXPECT_EQ(format_instant(*parse_instant("2026-02-10 09:00")), "2026-02-10 09:00");
  EXPECT_EQ(*parse_instant("2026-02-10T09:05"), make_instant(D("2026-02-10"), 545));
  EXPECT_EQ(*parse_instant("2026-02-10"), make_instant(D("2026-02-10"), 0));
  EXPECT_EQ(format_instant(-1), "1969-12-31 23:59");
  EXPECT_EQ(date_of(-1), -1);
  EXPECT_EQ(minute_of_day(-1), 1439);
}

TEST(Civil, RejectsDatesThatDoNotExist) {
  auto bad = parse_date("2026-02-30");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("does not exist"), std::string::npos);
  EXPECT_FALSE(parse_date("2024-13-01").ok());
  EXPECT_FALSE(parse_date("2026-2-3").ok());
  EXPECT_TRUE(parse_date("2024-02-29").ok());
  EXPECT_FALSE(parse_date("2100-02-29").ok());
  EXPECT_FALSE(parse_instant("2026-02-10 24:00").ok());
  EXPECT_FALSE(parse_instant("2026-02-10 9:00").ok());
}

}  // namespace
}  // namespace hoso::calendar
