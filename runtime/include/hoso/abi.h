/* The one small, versioned C ABI between compiled rules and the runtime.
 * Compiled rule code (JIT or an ahead-of-time pack) sees only this header
 * and calendar_abi.h: the dossier as a record of typed slots, a context, and the
 * decision it fills in. Everything here is plain C so a pack built by any
 * compiler version can be checked against HOSO_ABI_VERSION before it runs. */
#ifndef HOSO_ABI_H_
#define HOSO_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSO_ABI_VERSION 2
#define HOSO_MAX_STEPS 32
#define HOSO_MAX_REQUIRES 64

/* Unit ids (also the public encoding in decisions and the store):
 *   a commune itself (its People's Committee): the commune number, 0..
 *   an agency a > 0 of commune c:               1000000 + c * 100 + a
 *   agency a of province p (a = 0: the PC):     100000 + p * 100 + a
 * Agency numbers are the order of `agency` lines in std.vn's level blocks. */
#define HOSO_PROVINCE_UNIT_BASE 100000
#define HOSO_COMMUNE_AGENCY_BASE 1000000
#define HOSO_NO_UNIT (-1)

/* A cast that is a static_cast in C++ (the project builds with -Wold-style-cast). */
#ifdef __cplusplus
#define HOSO_CAST(T, x) static_cast<T>(x)
#else
#define HOSO_CAST(T, x) ((T)(x))
#endif

typedef struct hoso_rt_ctx {
  const int32_t* province_of; /* commune number -> province number */
  int32_t communes;           /* entries in province_of */
  int32_t receipt_date;       /* days since 1970-01-01: picks the rules in force */
  int64_t receiving_unit;     /* the one-stop desk that took the dossier in */
  const void* calendar;       /* for calendar arithmetic in expressions */
} hoso_rt_ctx;

typedef struct hoso_decision {
  uint64_t failed_requires; /* bit i: `require` i failed */
  int32_t arm;              /* the route arm that matched, -1: none / no route */
  int32_t rule;             /* the decentralise rule that moved the competence, -1: none */
  int64_t unit;             /* the competent unit */
  int64_t deadline_minutes; /* statutory deadline in working minutes (8 h days) */
  int64_t fee;              /* VND x 1000 */
  int64_t warn_minutes;     /* warn this many working minutes before due, -1: none */
  uint64_t steps_included;  /* bit i: step i runs (its condition held) */
  int32_t nsteps;           /* the step arrays' entries at index >= nsteps are not written */
  int32_t overflow; /* 1: an arithmetic result of the rules did not fit in 64 bits (fixed point
                       beyond +-9.2e15): the numbers of this decision are not to be trusted */
  int32_t step_role[HOSO_MAX_STEPS]; /* role index in the pack's role table, -1: the unit */
  int32_t step_rule[HOSO_MAX_STEPS]; /* rule that moved or delegated this step, -1: none */
  int64_t step_unit[HOSO_MAX_STEPS];
  int64_t step_budget[HOSO_MAX_STEPS]; /* working minutes */
} hoso_decision;

/* Decides one dossier given as its record: the procedure's slots at the
 * offsets and widths of its layout (rules::lay_out, in the pack's manifest),
 * each a signed integer of 1, 2, 4 or 8 bytes in host byte order, at an
 * offset that is a multiple of its width; the record starts on an 8-byte
 * boundary. */
typedef void (*hoso_decide_fn)(const void* record, const hoso_rt_ctx* ctx, hoso_decision* out);

/* The province of a unit id, or -1. */
static inline int32_t hoso_unit_province(const hoso_rt_ctx* ctx, int64_t unit) {
  if (unit >= HOSO_COMMUNE_AGENCY_BASE)
    unit = (unit - HOSO_COMMUNE_AGENCY_BASE) / 100;
  else if (unit >= HOSO_PROVINCE_UNIT_BASE)
    return HOSO_CAST(int32_t, (unit - HOSO_PROVINCE_UNIT_BASE) / 100);
  if (unit < 0 || unit >= ctx->communes) return -1;
  return ctx->province_of[unit];
}

/* The commune of a unit id, or -1 for province units. */
static inline int32_t hoso_unit_commune(int64_t unit) {
  if (unit >= HOSO_COMMUNE_AGENCY_BASE)
    return HOSO_CAST(int32_t, (unit - HOSO_COMMUNE_AGENCY_BASE) / 100);
  if (unit >= HOSO_PROVINCE_UNIT_BASE || unit < 0) return -1;
  return HOSO_CAST(int32_t, unit);
}

/* 1 for a province unit, 2 for a commune unit, 0 for none. */
static inline int32_t hoso_unit_level(int64_t unit) {
  if (unit < 0) return 0;
  if (unit >= HOSO_PROVINCE_UNIT_BASE && unit < HOSO_COMMUNE_AGENCY_BASE) return 1;
  return 2;
}

static inline int64_t hoso_province_unit(int32_t province, int32_t agency) {
  if (province < 0 || agency < 0) return HOSO_NO_UNIT;
  return HOSO_PROVINCE_UNIT_BASE + HOSO_CAST(int64_t, province) * 100 + agency;
}

static inline int64_t hoso_commune_unit(int32_t commune, int32_t agency) {
  if (commune < 0 || agency < 0) return HOSO_NO_UNIT;
  return agency == 0 ? commune
                     : HOSO_COMMUNE_AGENCY_BASE + HOSO_CAST(int64_t, commune) * 100 + agency;
}

/* The unit of `agency` (per level; -1 if the level has no such agency) at
 * the place of `unit`. */
static inline int64_t hoso_unit_at(const hoso_rt_ctx* ctx, int64_t unit, int32_t province_agency,
                                   int32_t commune_agency) {
  int32_t level = hoso_unit_level(unit);
  if (level == 1) return hoso_province_unit(hoso_unit_province(ctx, unit), province_agency);
  if (level == 2) return hoso_commune_unit(hoso_unit_commune(unit), commune_agency);
  return HOSO_NO_UNIT;
}

#ifdef __cplusplus
}
#endif

#endif /* HOSO_ABI_H_ */
