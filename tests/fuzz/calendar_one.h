// The calendar fuzzer's oracle, shared by the libFuzzer target and by the
// regression test that replays its seeds and findings in every build.
#pragma once

#include <string>
#include <string_view>

namespace hoso::fuzz {

// Runs one input, taken as a calendar file (docs/calendar.md), through
// calendar::parse_calendar and, when it parses, through the questions the
// engine asks: the day's kind and office hours, intake, deadlines of working
// days and minutes forwards and backwards, a year's entries. Returns "" when
// every property holds, else what went wrong:
// - a refused file gets a message that names a place ("file:line:column");
// - a deadline N >= 0 working days after an instant is not before it.
// Crashes, hangs and sanitizer reports are the fuzzer's to catch.
std::string run_calendar(std::string_view input);

}  // namespace hoso::fuzz
