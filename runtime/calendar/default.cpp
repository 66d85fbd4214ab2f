// The embedded default calendar, built once on first use.
#include "hoso/calendar.h"

namespace hoso::calendar {
namespace generated {
extern const std::string_view kDefaultCalendarText;
}

std::string_view default_calendar_text() {
  return generated::kDefaultCalendarText;
}

const Calendar& default_calendar() {
  // The embedded text is tested to load (tests/calendar); a failure here is a
  // build defect, so fall back to the rules-free weekly calendar rather than
  // crash an engine that asked for the default.
  static const Calendar kDefault = [] {
    auto cal = parse_calendar(default_calendar_text(), "builtin:vn-default");
    if (cal) return std::move(cal).value();
    return std::move(parse_calendar("hours Mon-Fri 07:30-11:30 13:00-17:00\n", "fallback")).value();
  }();
  return kDefault;
}

}  // namespace hoso::calendar
