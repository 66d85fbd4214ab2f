// Calendar files: the default loads; bad files give file:line:column errors.
#include "test_util.h"

namespace hoso::calendar {
namespace {

using testing::D;
using testing::S;
using testing::T;

std::string error_of(const std::string& text) {
  auto cal = parse_calendar(text, "unit.cal");
  return cal.ok() ? "ok" : cal.error().message;
}

TEST(File, DefaultLoads) {
  auto cal = parse_calendar(default_calendar_text(), "builtin:vn-default");
  ASSERT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_EQ(cal->day_length(), 480);
  EXPECT_FALSE(cal->cutoff());
}

TEST(File, IncludesOfDevicesAndFoldersAreRefusedNotRead) {
  // Reading /dev/zero used to hang; a folder is no calendar either.
  EXPECT_EQ(error_of("include \"/dev/zero\"\n"),
            "unit.cal:1:1: /dev/zero: not a file; a calendar is a text file");
  EXPECT_EQ(error_of("include \"/tmp\"\n"),
            "unit.cal:1:1: /tmp: not a file; a calendar is a text file");
  auto cal = load_calendar_file("/dev/zero");
  ASSERT_FALSE(cal.ok());
  EXPECT_EQ(cal.error().code, ErrorCode::kInvalidArgument);
}

TEST(File, UnknownKeyword) {
  EXPECT_EQ(error_of("include \"builtin:vn-default\"\n  holliday 2026-03-02 \"x\"\n"),
            "unit.cal:2:3: unknown keyword 'holliday'; expected one of include, hours, cutoff, "
            "day-length, compensate, rule, official, holiday, dayoff, workday, halfday");
}

TEST(File, DateThatDoesNotExist) {
  EXPECT_EQ(error_of("dayoff 2026-02-30 \"x\"\n"),
            "unit.cal:1:8: 2026-02-30 is not a date: 2026-02 has 28 days; fix the day");
  EXPECT_EQ(error_of("# c\n\nholiday 2026-01-01..2026-13-01 \"x\"\n"),
            "unit.cal:3:21: 2026-13-01 is not a date: 2026-13 has 0 days; fix the day");
}

TEST(File, TwoDefinitionsOfOneDayThatDisagree) {
  const std::string e = error_of(
      "workday 2026-08-22 \"swap\"\n"
      "dayoff 2026-08-20..2026-08-23 \"local festival\"\n");
  EXPECT_EQ(e,
            "unit.cal:2:1: 2026-08-22 is already defined differently at unit.cal:1:1; the two "
            "definitions disagree, keep one");
  // Agreeing repetitions (e.g. a province repeating the national schedule) are fine.
  EXPECT_EQ(error_of("include \"builtin:vn-default\"\nworkday 2026-08-22 \"again\"\n"), "ok");
  EXPECT_NE(error_of("rule a fixed 01-01 \"x\"\nrule a fixed 01-02 \"x\"\n").find("unit.cal:2:1"),
            std::string::npos);
  EXPECT_NE(error_of("include \"builtin:vn-default\"\nworkday 2026-09-02 \"x\"\n")
                .find("unit.cal:2:1: 2026-09-02 is a holiday"),
            std::string::npos);
}

TEST(File, SyntaxErrorsPointAtTheColumn) {
  EXPECT_EQ(error_of("holiday 2026-03-02 \"unterminated\n").substr(0, 14), "unit.cal:1:20:");
  EXPECT_EQ(error_of("hours Mon-Fri 07:30-11:30 13:00\n"),
            "unit.cal:1:27: unexpected '13:00' at the end of the statement");
  EXPECT_EQ(error_of("hours Mon-Fry 07:30-11:30\n").substr(0, 13), "unit.cal:1:7:");
  EXPECT_EQ(error_of("hours Mon 11:30-07:30\n").substr(0, 13), "unit.cal:1:11");
  EXPECT_EQ(error_of("official tet 2031 2031-01-22..2031-01-26\n").substr(0, 33),
            "unit.cal:1:1: no rule named 'tet'");
  EXPECT_EQ(error_of("include \"no-such.cal\"\n").substr(0, 13), "unit.cal:1:1:");
  EXPECT_EQ(error_of("cutoff 15h\n").substr(0, 13), "unit.cal:1:8:");
  EXPECT_EQ(error_of("dayoff 2026-03-02\n"),
            "unit.cal:1:18: expected a name or reason in double quotes");
}

TEST(File, LoadFromDiskReportsMissingFile) {
  auto cal = load_calendar_file("/nonexistent/x.cal");
  ASSERT_FALSE(cal.ok());
  EXPECT_EQ(cal.error().code, ErrorCode::kNotFound);
}

TEST(File, ProvinceExtendsTheDefaultAndTwoCalendarsCoexist) {
  auto unit = parse_calendar(
      "include \"builtin:vn-default\"\n"
      "hours Sat 07:30-11:30      # Saturday-morning service counts\n"
      "cutoff 15:00\n"
      "dayoff 2026-03-02 \"provincial anniversary\"\n",
      "ward.cal");
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  const Calendar& vn = testing::vn();
  EXPECT_TRUE(unit->is_working_day(D("2026-03-07")));
  EXPECT_FALSE(vn.is_working_day(D("2026-03-07")));
  EXPECT_FALSE(unit->is_working_day(D("2026-03-02")));
  EXPECT_EQ(S(unit->add_working_days(T("2026-03-06 09:00"), 1, Rounding::kToOpening)),
            "2026-03-07 09:00");
  EXPECT_EQ(S(vn.add_working_days(T("2026-03-06 09:00"), 1, Rounding::kToOpening)),
            "2026-03-09 09:00");
  EXPECT_EQ(unit->cutoff(), 900);
  // Saturday being a working day, Hùng Kings' Day on Sun 26 Apr is still made
  // up on the next working day.
  EXPECT_EQ(unit->day_kind(D("2026-04-27")), DayKind::kCompensatory);
}

}  // namespace
}  // namespace hoso::calendar
