// The C ABI over Calendar (see hoso/calendar_abi.h).
#include "hoso/calendar_abi.h"

#include "hoso/calendar.h"

namespace {

using hoso::calendar::Calendar;
using hoso::calendar::Rounding;

const Calendar* as_calendar(const void* p) {
  return static_cast<const Calendar*>(p);
}
Rounding as_rounding(int32_t r) {
  return r == 1 ? Rounding::kToClose : Rounding::kToOpening;
}
int64_t or_invalid(std::optional<int64_t> v) {
  return v ? *v : HOSO_RT_INVALID_INSTANT;
}

}  // namespace

extern "C" {

const void* hoso_rt_default_calendar(void) {
  return &hoso::calendar::default_calendar();
}

int64_t hoso_rt_add_working_days(const void* cal, int64_t instant_min, int32_t days) {
  return hoso_rt_add_working_days_r(cal, instant_min, days, 0);
}

int64_t hoso_rt_add_working_days_r(const void* cal, int64_t instant_min, int32_t days,
                                   int32_t rounding) {
  if (cal == nullptr) return HOSO_RT_INVALID_INSTANT;
  return or_invalid(as_calendar(cal)->add_working_days(instant_min, days, as_rounding(rounding)));
}

int64_t hoso_rt_add_working_minutes(const void* cal, int64_t instant_min, int64_t minutes) {
  return hoso_rt_add_working_minutes_r(cal, instant_min, minutes, 0);
}

int64_t hoso_rt_add_working_minutes_r(const void* cal, int64_t instant_min, int64_t minutes,
                                      int32_t rounding) {
  if (cal == nullptr) return HOSO_RT_INVALID_INSTANT;
  return or_invalid(
      as_calendar(cal)->add_working_minutes(instant_min, minutes, as_rounding(rounding)));
}

int64_t hoso_rt_working_minutes_between(const void* cal, int64_t a, int64_t b) {
  if (cal == nullptr) return HOSO_RT_INVALID_INSTANT;
  return or_invalid(as_calendar(cal)->working_minutes_between(a, b));
}

int64_t hoso_rt_working_minutes_for_days(const void* cal, double days) {
  if (cal == nullptr) return HOSO_RT_INVALID_INSTANT;
  return as_calendar(cal)->working_minutes_for_days(days);
}

int64_t hoso_rt_intake(const void* cal, int64_t instant_min) {
  if (cal == nullptr) return HOSO_RT_INVALID_INSTANT;
  return or_invalid(as_calendar(cal)->intake(instant_min));
}

int32_t hoso_rt_is_working_day(const void* cal, int32_t date) {
  return cal != nullptr && as_calendar(cal)->is_working_day(date) ? 1 : 0;
}

}  // extern "C"
