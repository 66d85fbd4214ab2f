/* The C API of the Hoso runtime: load a rule pack, open a store, run the
 * dossier engine. For hosts in C or any language with a C FFI.
 *
 * Conventions (the shape of Wren's wren.h):
 * - Opaque handles, created by hoso_*_open / _load / _create and destroyed by
 *   the matching hoso_*_free (NULL is accepted and ignored). No global state:
 *   two engines in one process are independent.
 * - Every fallible call returns a hoso_status. HOSO_OK is 0. On failure, when
 *   `error` is not NULL, *error receives a message that says what went wrong
 *   and what to do (UTF-8); on success *error is set to NULL. Free it with
 *   hoso_free. Outputs are written only on success.
 * - JSON in and out: strings returned through char** are NUL-terminated UTF-8
 *   that the caller frees with hoso_free.
 * - Instants are minutes since 1970-01-01 00:00 in Vietnam's local time
 *   (UTC+7); hoso_parse_instant reads "YYYY-MM-DD HH:MM".
 * - Nothing throws across this API, prints or exits. Handles are thread-safe
 *   where the C++ objects are (engines, stores, rules); a handle must not be
 *   freed while another thread uses it.
 */
#ifndef HOSO_HOSO_H
#define HOSO_HOSO_H

#include <stdint.h>

#if defined(__GNUC__)
#define HOSO_API __attribute__((visibility("default")))
#else
#define HOSO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Mirrors hoso::ErrorCode (runtime/include/hoso/result.h). */
typedef enum hoso_status {
  HOSO_OK = 0,
  HOSO_INVALID_ARGUMENT = 1,    /* the caller's input is wrong (file, field, value, NULL) */
  HOSO_NOT_FOUND = 2,           /* no such dossier, file or pack */
  HOSO_ALREADY_EXISTS = 3,      /* the thing to create is already there */
  HOSO_PERMISSION_DENIED = 4,   /* this actor may not take this action; the message says who may */
  HOSO_FAILED_PRECONDITION = 5, /* the dossier's state does not allow the action */
  HOSO_VERSION_MISMATCH = 6,    /* pack, store or file written by another version */
  HOSO_IO = 7,                  /* disk full, I/O error, database busy */
  HOSO_INTERNAL = 8             /* a bug: please report it with the message */
} hoso_status;

typedef struct hoso_rules hoso_rules;   /* compiled rules (a loaded rule pack) */
typedef struct hoso_store hoso_store;   /* a durable (SQLite) or in-memory store */
typedef struct hoso_engine hoso_engine; /* the dossier engine */

/* "0.1.0": the runtime's version. Static storage; do not free. */
HOSO_API const char* hoso_version(void);
/* "HOSO_PERMISSION_DENIED"...; static storage; do not free. */
HOSO_API const char* hoso_status_name(hoso_status status);
/* Frees every string this API returns. NULL is fine. */
HOSO_API void hoso_free(void* p);

/* ---------------------------------------------------------------- time */

/* "2026-03-02 09:00" -> minutes since 1970-01-01 00:00 (UTC+7). */
HOSO_API hoso_status hoso_parse_instant(const char* text, int64_t* out, char** error);
/* The inverse; *out is freed with hoso_free. */
HOSO_API hoso_status hoso_format_instant(int64_t instant, char** out, char** error);

/* ---------------------------------------------------------------- rules */

/* Loads a rule pack built by `hoso build rules/ -o rules.pack`. A pack built
 * for another runtime or compiler version is refused (HOSO_VERSION_MISMATCH)
 * before any of its code runs. */
HOSO_API hoso_status hoso_rules_load_pack(const char* path, hoso_rules** out, char** error);
/* Engines created from these rules keep them alive: the handle may be freed
 * as soon as the engines are created. */
HOSO_API void hoso_rules_free(hoso_rules* rules);
/* The procedures, fields, steps and legal basis of the pack, as JSON. */
HOSO_API hoso_status hoso_rules_manifest(const hoso_rules* rules, char** json, char** error);
/* Decides one dossier without an engine or a store: the same JSON decision
 * `hoso run` prints (competent unit, due date, steps, fees...). The dossier is
 * {"procedure", "received", "receiving", "fields"} as in examples/dossiers. */
HOSO_API hoso_status hoso_rules_decide(const hoso_rules* rules, const char* dossier_json,
                                       char** decision_json, char** error);

/* ---------------------------------------------------------------- stores */

/* Opens (creating if missing) an SQLite store: WAL, synchronous=FULL, group
 * commit. A store written by a newer Hoso is refused (HOSO_VERSION_MISMATCH). */
HOSO_API hoso_status hoso_store_open_sqlite(const char* path, hoso_store** out, char** error);
/* Opens (creating its tables if missing) a store in a PostgreSQL database,
 * in `schema` (NULL: "hoso"), with the libpq connection string `conninfo`.
 * Several processes may open the same database and schema: they share one
 * journal, one hash chain and one sequence of dossier numbers (give their
 * engines a node name, hoso_engine_config.node). */
HOSO_API hoso_status hoso_store_open_postgres(const char* conninfo, const char* schema,
                                              hoso_store** out, char** error);
/* A store in memory, for tests and simulations. */
HOSO_API hoso_status hoso_store_open_memory(hoso_store** out, char** error);
/* Engines keep their store alive: the handle may be freed once they exist. */
HOSO_API void hoso_store_free(hoso_store* store);
/* Recomputes the journal's hash chain. *report_json:
 * {"intact": true, "events_checked": 12, "first_broken": 0, "reason": ""}.
 * A broken chain is HOSO_OK with "intact": false. */
HOSO_API hoso_status hoso_store_verify(const hoso_store* store, char** report_json, char** error);
/* `hoso audit verify FILE`: the same for an SQLite store file. */
HOSO_API hoso_status hoso_audit_verify_file(const char* path, char** report_json, char** error);

/* ---------------------------------------------------------------- engines */

/* The engine's clock: minutes since 1970-01-01 00:00, UTC+7. */
typedef int64_t (*hoso_clock_fn)(void* user);
/* Called after each committed event (apology letters, escalations...) with
 * the event as JSON {"seq", "dossier_id", "kind", "instant", "actor",
 * "payload"}; the string is valid during the call only. */
typedef void (*hoso_event_fn)(void* user, const char* event_json);

typedef struct hoso_engine_config {
  const hoso_rules* rules;   /* required */
  const hoso_store* store;   /* required */
  const char* calendar_path; /* a working calendar file; NULL: the embedded default */
  /* The clock. NULL: this machine's clock, until hoso_engine_set_time fixes it. */
  hoso_clock_fn now;
  void* now_user;
  hoso_event_fn on_event; /* optional */
  void* on_event_user;
  /* Online dossiers taken in later than this many working hours after the
   * citizen submitted count as late receipts. */
  int32_t online_receipt_sla_hours;
  /* This engine's name when several engines (processes) share one store:
   * hoso_engine_advance then leases the deadlines it fires for lease_ms
   * milliseconds of the system clock and skips those another node holds.
   * NULL or "": no leases (one engine per store). Copied at creation. */
  const char* node;
  int64_t lease_ms; /* 0: 60000 */
} hoso_engine_config;

/* Fills in the defaults: no rules or store, the embedded calendar, the
 * system clock, no event sink, an 8-hour online receipt SLA, no node name. */
HOSO_API void hoso_engine_config_init(hoso_engine_config* config);
HOSO_API hoso_status hoso_engine_create(const hoso_engine_config* config, hoso_engine** out,
                                        char** error);
HOSO_API void hoso_engine_free(hoso_engine* engine);
/* Fixes the engine's clock at `instant` (overrides the clock callback); for
 * hosts and tests that drive time themselves. */
HOSO_API void hoso_engine_set_time(hoso_engine* engine, int64_t instant);
/* Hot swap: dossiers already received keep the decisions they got. */
HOSO_API hoso_status hoso_engine_replace_rules(hoso_engine* engine, const hoso_rules* rules,
                                               char** error);

/* Actors are written "commune Bắc Hà/one_stop#nva" (level place/agency/role#id),
 * "province Lào Cai/construction/head#tt", "commune Sa Pa/chairman#ct".
 *
 * Takes a dossier in at the actor's desk. channel: "desk" (NULL), "online" or
 * "post". idempotency_key: NULL or "" for none; a retry with the same key
 * returns the same dossier. *dossier_json: the dossier's state, with "id"
 * (HS00000001), "state", "version", "competent", "due", "steps"... */
HOSO_API hoso_status hoso_engine_submit(hoso_engine* engine, const char* actor,
                                        const char* dossier_json, const char* channel,
                                        const char* idempotency_key, char** out_json, char** error);
/* Like hoso_engine_submit for an online dossier the citizen submitted at
 * `submitted` (counts late receipts). */
HOSO_API hoso_status hoso_engine_submit_online(hoso_engine* engine, const char* actor,
                                               const char* dossier_json, int64_t submitted,
                                               const char* idempotency_key, char** out_json,
                                               char** error);
/* action: complete, request_supplement, supplement, await_payment, paid,
 * reject, withdraw, refuse_intake, return, not_collected. payload: a JSON
 * object or NULL ("{}"). A refusal is HOSO_PERMISSION_DENIED and its message
 * names who may act; it is recorded in the audit trail all the same. */
HOSO_API hoso_status hoso_engine_act(hoso_engine* engine, const char* actor, const char* dossier_id,
                                     const char* action, const char* payload_json,
                                     const char* idempotency_key, char** out_json, char** error);
/* Fires every deadline due at `now` exactly once (across restarts too).
 * *report_json: {"fired": 2, "events": ["HS00000001 overdue", ...],
 * "taken_elsewhere": 0} (deadlines another engine on the store fired first). */
HOSO_API hoso_status hoso_engine_advance(hoso_engine* engine, int64_t now, char** report_json,
                                         char** error);
/* A dossier the actor may see (a commune sees what it received or handles). */
HOSO_API hoso_status hoso_engine_show(hoso_engine* engine, const char* actor,
                                      const char* dossier_id, char** out_json, char** error);
/* {"levels": [...], "units": [...]}, each {"unit", "unit_id", "level",
 * "received", "closed", "early", "on_time", "late", "in_process_late",
 * "supplements", "online", "late_receipts", "on_time_rate",
 * "supplements_per_dossier", "online_share"}. */
HOSO_API hoso_status hoso_engine_kpi(hoso_engine* engine, char** kpi_json, char** error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HOSO_HOSO_H */
