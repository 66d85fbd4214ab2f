/* The calendar's C ABI, called by compiled rule packs. Never throws; a
 * calendar pointer is a `const hoso::calendar::Calendar*` passed as opaque.
 * Instants are minutes since 1970-01-01 00:00 Vietnam time (UTC+7), dates days
 * since 1970-01-01. Results outside the calendar's range (1900-2200) or with a
 * null calendar are HOSO_RT_INVALID_INSTANT. Rounding: 0 = to the next
 * opening, 1 = to the last closing (hoso::calendar::Rounding). */
#ifndef HOSO_CALENDAR_ABI_H_
#define HOSO_CALENDAR_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSO_RT_INVALID_INSTANT INT64_MIN

/* The embedded default calendar (never null). */
const void* hoso_rt_default_calendar(void);

/* Same clock time on the days-th following working day; rounding to opening. */
int64_t hoso_rt_add_working_days(const void* cal, int64_t instant_min, int32_t days);
int64_t hoso_rt_add_working_days_r(const void* cal, int64_t instant_min, int32_t days,
                                   int32_t rounding);
/* Adds office minutes; a result on a boundary goes to the next opening. */
int64_t hoso_rt_add_working_minutes(const void* cal, int64_t instant_min, int64_t minutes);
int64_t hoso_rt_add_working_minutes_r(const void* cal, int64_t instant_min, int64_t minutes,
                                      int32_t rounding);
/* Office minutes in [a, b), negative if b < a. */
int64_t hoso_rt_working_minutes_between(const void* cal, int64_t a, int64_t b);
/* Fractional working days to office minutes (the calendar's day length). */
int64_t hoso_rt_working_minutes_for_days(const void* cal, double days);
/* When counting starts for a receipt at instant_min (intake cut-off applied). */
int64_t hoso_rt_intake(const void* cal, int64_t instant_min);
/* 1 if the date is a working day, else 0. */
int32_t hoso_rt_is_working_day(const void* cal, int32_t date);

#ifdef __cplusplus
}
#endif

#endif /* HOSO_CALENDAR_ABI_H_ */
