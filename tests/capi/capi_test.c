/* The C API end to end, from C11: load a rule pack, decide a dossier, open an
 * in-memory and an SQLite store, take dossiers in, act (allowed and refused),
 * advance the clock past a due date, read the KPIs, verify the audit trail,
 * run two engines at once, and check that every error path returns a code and
 * a message.
 *
 * Usage: capi_test RULES_PACK DOSSIERS_DIR WORK_DIR */
#include <hoso/hoso.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* A call that must succeed; prints the message when it does not. */
#define OK(call)                                                                               \
  do {                                                                                         \
    char* err_ = NULL;                                                                         \
    hoso_status st_ = (call);                                                                  \
    ++checks;                                                                                  \
    if (st_ != HOSO_OK) {                                                                      \
      ++failures;                                                                              \
      fprintf(stderr, "%s:%d: %s: %s: %s\n", __FILE__, __LINE__, #call, hoso_status_name(st_), \
              err_ ? err_ : "(no message)");                                                   \
    }                                                                                          \
    hoso_free(err_);                                                                           \
  } while (0)

/* The call's last argument must be `&err`: checks the status and that a
 * message came back containing `needle` (NULL: any non-empty message). */
static void expect_error(hoso_status got, hoso_status want, char* err, const char* needle,
                         int line) {
  ++checks;
  if (got != want) {
    ++failures;
    fprintf(stderr, "%s:%d: expected %s, got %s (%s)\n", __FILE__, line, hoso_status_name(want),
            hoso_status_name(got), err ? err : "no message");
  } else if (err == NULL || err[0] == '\0') {
    ++failures;
    fprintf(stderr, "%s:%d: %s without a message\n", __FILE__, line, hoso_status_name(got));
  } else if (needle != NULL && strstr(err, needle) == NULL) {
    ++failures;
    fprintf(stderr, "%s:%d: message does not mention \"%s\": %s\n", __FILE__, line, needle, err);
  }
  hoso_free(err);
}
#define EXPECT_ERROR(want, needle, call)            \
  do {                                              \
    char* err = NULL;                               \
    hoso_status st_ = (call);                       \
    expect_error(st_, want, err, needle, __LINE__); \
  } while (0)

static char* read_text(const char* dir, const char* name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

/* The dossier number in a dossier's JSON ("id": "HS00000001"). */
static void dossier_id(const char* json, char out[32]) {
  const char* p = strstr(json, "\"id\": \"");
  out[0] = '\0';
  if (p == NULL) return;
  p += strlen("\"id\": \"");
  size_t i = 0;
  while (p[i] != '"' && p[i] != '\0' && i < 31) {
    out[i] = p[i];
    ++i;
  }
  out[i] = '\0';
}

static int contains(const char* haystack, const char* needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

static int64_t at(const char* text) {
  int64_t t = 0;
  OK(hoso_parse_instant(text, &t, &err_));
  return t;
}

static int64_t host_clock(void* user) {
  return *(const int64_t*)user;
}

static void count_event(void* user, const char* event_json) {
  if (contains(event_json, "\"kind\"")) ++*(int*)user;
}

/* Runs `action` on dossier `id` as `actor`; returns the new state's JSON. */
static char* act(hoso_engine* e, const char* actor, const char* id, const char* action) {
  char* out = NULL;
  OK(hoso_engine_act(e, actor, id, action, NULL, NULL, &out, &err_));
  return out;
}

static const char* kDesk = "commune Sa Pa/one_stop#nva";
static const char* kEconomy = "commune Sa Pa/economy#ltb";
static const char* kHead = "commune Sa Pa/economy/head#vvc";

static void test_basics(void) {
  CHECK(strlen(hoso_version()) > 0);
  CHECK(strcmp(hoso_status_name(HOSO_PERMISSION_DENIED), "HOSO_PERMISSION_DENIED") == 0);
  CHECK(HOSO_OK == 0);
  hoso_free(NULL);
  hoso_rules_free(NULL);
  hoso_store_free(NULL);
  hoso_engine_free(NULL);
  char* text = NULL;
  OK(hoso_format_instant(at("2026-03-02 09:00"), &text, &err_));
  CHECK(text != NULL && strcmp(text, "2026-03-02 09:00") == 0);
  hoso_free(text);
  int64_t t = 0;
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, NULL, hoso_parse_instant("2 March", &t, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_parse_instant(NULL, &t, &err));
  /* A NULL error pointer is allowed: only the code comes back. */
  CHECK(hoso_parse_instant(NULL, &t, NULL) == HOSO_INVALID_ARGUMENT);
}

static void test_loading_errors(const char* dossiers, const char* work) {
  hoso_rules* rules = NULL;
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_rules_load_pack(NULL, &rules, &err));
  char missing[1024];
  snprintf(missing, sizeof missing, "%s/no-such.pack", work);
  char* err = NULL;
  hoso_status st = hoso_rules_load_pack(missing, &rules, &err);
  CHECK(st != HOSO_OK && err != NULL && contains(err, "no-such.pack"));
  hoso_free(err);
  char not_a_pack[1024];
  snprintf(not_a_pack, sizeof not_a_pack, "%s/HousePermit_commune.json", dossiers);
  err = NULL;
  st = hoso_rules_load_pack(not_a_pack, &rules, &err);
  CHECK(st != HOSO_OK && err != NULL && err[0] != '\0');
  hoso_free(err);
  CHECK(rules == NULL);

  hoso_store* store = NULL;
  err = NULL;
  st = hoso_store_open_sqlite("/nonexistent-dir/hoso/store.db", &store, &err);
  CHECK(st != HOSO_OK && err != NULL && err[0] != '\0');
  hoso_free(err);
  CHECK(store == NULL);
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_store_open_memory(NULL, &err));

  hoso_engine_config cfg;
  hoso_engine_config_init(&cfg);
  hoso_engine* e = NULL;
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "hoso_rules_load_pack", hoso_engine_create(&cfg, &e, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_engine_create(NULL, &e, &err));
  CHECK(e == NULL);
}

static void test_decide(const hoso_rules* rules, const char* dossiers) {
  char* manifest = NULL;
  OK(hoso_rules_manifest(rules, &manifest, &err_));
  CHECK(contains(manifest, "HousePermit"));
  hoso_free(manifest);

  char* dossier = read_text(dossiers, "HousePermit_commune.json");
  char* decision = NULL;
  OK(hoso_rules_decide(rules, dossier, &decision, &err_));
  CHECK(contains(decision, "HousePermit"));
  CHECK(contains(decision, "Sa Pa"));
  hoso_free(decision);
  free(dossier);

  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, NULL, hoso_rules_decide(rules, "{not json", &decision, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NoSuchProcedure",
               hoso_rules_decide(rules,
                                 "{\"procedure\": \"NoSuchProcedure\", \"received\": "
                                 "\"2026-07-01 09:00\", \"receiving\": \"commune Sa Pa\", "
                                 "\"fields\": {}}",
                                 &decision, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_rules_decide(NULL, "{}", &decision, &err));
}

/* One dossier through every step, refusals on the way, then a late one. */
static void test_lifecycle(hoso_rules* rules, const char* dossiers) {
  hoso_store* store = NULL;
  OK(hoso_store_open_memory(&store, &err_));
  int64_t now = at("2026-07-01 09:00");
  int events = 0;
  hoso_engine_config cfg;
  hoso_engine_config_init(&cfg);
  cfg.rules = rules;
  cfg.store = store;
  cfg.now = host_clock;
  cfg.now_user = &now;
  cfg.on_event = count_event;
  cfg.on_event_user = &events;
  cfg.node = "node-a"; /* leases its deadlines while it fires them */
  hoso_engine* e = NULL;
  OK(hoso_engine_create(&cfg, &e, &err_));
  if (e == NULL) {
    hoso_store_free(store);
    return;
  }
  /* The engine keeps the store alive. */
  hoso_store_free(store);

  char* dossier = read_text(dossiers, "HousePermit_commune.json");
  char* out = NULL;
  /* Only the receiving desk takes a dossier in. */
  EXPECT_ERROR(HOSO_PERMISSION_DENIED, "Sa Pa",
               hoso_engine_submit(e, "commune Bắc Hà/one_stop#x", dossier, NULL, NULL, &out, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "actor",
               hoso_engine_submit(e, "village Sa Pa#x", dossier, NULL, NULL, &out, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "channel",
               hoso_engine_submit(e, kDesk, dossier, "fax", NULL, &out, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, NULL,
               hoso_engine_submit(e, kDesk, "{\"procedure\": 1}", NULL, NULL, &out, &err));
  CHECK(out == NULL);

  OK(hoso_engine_submit(e, kDesk, dossier, "desk", "desk-1", &out, &err_));
  CHECK(contains(out, "\"in_process\""));
  char id[32];
  dossier_id(out ? out : "", id);
  CHECK(strcmp(id, "HS00000001") == 0);
  hoso_free(out);
  /* A retry with the same key returns the same dossier. */
  out = NULL;
  OK(hoso_engine_submit(e, kDesk, dossier, "desk", "desk-1", &out, &err_));
  char again[32];
  dossier_id(out ? out : "", again);
  CHECK(strcmp(id, again) == 0);
  hoso_free(out);
  CHECK(events > 0);

  /* Refused: the economy office may not finish the desk's step. The refusal
   * names who may act. */
  now = at("2026-07-01 10:00");
  out = NULL;
  EXPECT_ERROR(HOSO_PERMISSION_DENIED, "one_stop",
               hoso_engine_act(e, kEconomy, id, "complete", NULL, NULL, &out, &err));
  CHECK(out == NULL);
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "action",
               hoso_engine_act(e, kDesk, id, "approve", NULL, NULL, &out, &err));
  EXPECT_ERROR(HOSO_NOT_FOUND, "HS99999999",
               hoso_engine_act(e, kDesk, "HS99999999", "complete", NULL, NULL, &out, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "payload",
               hoso_engine_act(e, kDesk, id, "complete", "[1]", NULL, &out, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL",
               hoso_engine_act(e, kDesk, NULL, "complete", NULL, NULL, &out, &err));
  /* Returning needs a result: the state does not allow it yet. */
  EXPECT_ERROR(HOSO_FAILED_PRECONDITION, id,
               hoso_engine_act(e, kDesk, id, "return", NULL, NULL, &out, &err));

  /* Allowed: each step by its handler. */
  hoso_free(act(e, kDesk, id, "complete"));
  now = at("2026-07-03 10:00");
  hoso_free(act(e, kEconomy, id, "complete"));
  EXPECT_ERROR(HOSO_PERMISSION_DENIED, "head",
               hoso_engine_act(e, kEconomy, id, "complete", NULL, NULL, &out, &err));
  now = at("2026-07-06 10:00");
  hoso_free(act(e, kHead, id, "complete"));
  now = at("2026-07-07 10:00");
  out = act(e, kDesk, id, "complete");
  CHECK(contains(out, "\"result_ready\""));
  CHECK(contains(out, "\"early\""));
  hoso_free(out);
  now = at("2026-07-08 10:00");
  out = act(e, kDesk, id, "return");
  CHECK(contains(out, "\"returned\""));
  hoso_free(out);

  /* show: the desk sees it; another commune does not. */
  out = NULL;
  OK(hoso_engine_show(e, kDesk, id, &out, &err_));
  CHECK(contains(out, id));
  hoso_free(out);
  EXPECT_ERROR(HOSO_PERMISSION_DENIED, NULL,
               hoso_engine_show(e, "commune Bắc Hà/one_stop#x", id, &out, &err));

  /* A second dossier left alone goes overdue when the clock passes its due
   * date (15 working days). */
  now = at("2026-07-01 09:00");
  out = NULL;
  OK(hoso_engine_submit(e, kDesk, dossier, NULL, NULL, &out, &err_));
  char late[32];
  dossier_id(out ? out : "", late);
  CHECK(strcmp(late, "HS00000002") == 0);
  hoso_free(out);
  char* report = NULL;
  now = at("2026-08-14 09:00");
  OK(hoso_engine_advance(e, now, &report, &err_));
  CHECK(contains(report, "overdue"));
  CHECK(!contains(report, "\"fired\": 0"));
  hoso_free(report);
  report = NULL;
  OK(hoso_engine_advance(e, now, &report, &err_));
  CHECK(contains(report, "\"fired\": 0")); /* nothing fires twice */
  CHECK(contains(report, "\"taken_elsewhere\": 0"));
  hoso_free(report);

  char* kpi = NULL;
  OK(hoso_engine_kpi(e, &kpi, &err_));
  CHECK(contains(kpi, "\"levels\""));
  CHECK(contains(kpi, "\"on_time_rate\""));
  CHECK(contains(kpi, "\"received\": 2"));
  CHECK(contains(kpi, "\"in_process_late\": 1"));
  hoso_free(kpi);
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_engine_kpi(NULL, &kpi, &err));
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_engine_advance(e, now, NULL, &err));

  free(dossier);
  hoso_engine_free(e);
}

/* Two engines in one process: one on SQLite with a fixed clock, one in
 * memory with the host's clock; neither sees the other's dossiers. */
static void test_two_engines(hoso_rules* rules, const char* dossiers, const char* work) {
  char path[1024];
  snprintf(path, sizeof path, "%s/capi_store.db", work);
  remove(path);
  hoso_store* disk = NULL;
  hoso_store* mem = NULL;
  OK(hoso_store_open_sqlite(path, &disk, &err_));
  OK(hoso_store_open_memory(&mem, &err_));
  if (disk == NULL || mem == NULL) return;

  hoso_engine_config cfg;
  hoso_engine_config_init(&cfg);
  cfg.rules = rules;
  cfg.store = disk;
  hoso_engine* a = NULL;
  OK(hoso_engine_create(&cfg, &a, &err_));
  int64_t now = at("2026-02-13 14:00");
  cfg.store = mem;
  cfg.now = host_clock;
  cfg.now_user = &now;
  hoso_engine* b = NULL;
  OK(hoso_engine_create(&cfg, &b, &err_));
  if (a == NULL || b == NULL) return;
  hoso_engine_set_time(a, at("2026-07-01 09:00"));

  char* house = read_text(dossiers, "HousePermit_commune.json");
  char* birth = read_text(dossiers, "BirthRegistration_commune.json");
  char* out = NULL;
  OK(hoso_engine_submit(a, kDesk, house, NULL, NULL, &out, &err_));
  char ida[32];
  dossier_id(out ? out : "", ida);
  hoso_free(out);
  out = NULL;
  OK(hoso_engine_submit(b, "commune Bắc Hà/one_stop#ltm", birth, "online", NULL, &out, &err_));
  char idb[32];
  dossier_id(out ? out : "", idb);
  hoso_free(out);
  CHECK(strcmp(ida, "HS00000001") == 0);
  CHECK(strcmp(idb, "HS00000001") == 0);
  out = NULL;
  OK(hoso_engine_submit_online(b, "commune Bắc Hà/one_stop#ltm", birth, at("2026-02-12 08:00"),
                               NULL, &out, &err_));
  CHECK(contains(out, "\"online\""));
  hoso_free(out);
  /* Engine a's dossier is a house permit; engine b's HS00000001 is a birth. */
  out = NULL;
  OK(hoso_engine_show(a, kDesk, ida, &out, &err_));
  CHECK(contains(out, "HousePermit"));
  hoso_free(out);
  out = NULL;
  OK(hoso_engine_show(b, "commune Bắc Hà/one_stop#ltm", idb, &out, &err_));
  CHECK(contains(out, "BirthRegistration"));
  hoso_free(out);
  EXPECT_ERROR(HOSO_NOT_FOUND, NULL,
               hoso_engine_show(b, "commune Bắc Hà/one_stop#ltm", "HS00000003", &out, &err));

  char* kpi = NULL;
  OK(hoso_engine_kpi(b, &kpi, &err_));
  CHECK(contains(kpi, "\"online\": 2"));
  hoso_free(kpi);

  char* report = NULL;
  OK(hoso_store_verify(disk, &report, &err_));
  CHECK(contains(report, "\"intact\": true"));
  hoso_free(report);
  report = NULL;
  OK(hoso_store_verify(mem, &report, &err_));
  CHECK(contains(report, "\"intact\": true"));
  hoso_free(report);

  free(house);
  free(birth);
  hoso_engine_free(a);
  hoso_engine_free(b);
  hoso_store_free(disk);
  hoso_store_free(mem);

  /* hoso audit verify on the closed file; then reopen and find the dossier. */
  report = NULL;
  OK(hoso_audit_verify_file(path, &report, &err_));
  CHECK(contains(report, "\"intact\": true"));
  CHECK(!contains(report, "\"events_checked\": 0"));
  hoso_free(report);
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "NULL", hoso_audit_verify_file(NULL, &report, &err));
  OK(hoso_store_open_sqlite(path, &disk, &err_));
  cfg.store = disk;
  cfg.now = NULL;
  OK(hoso_engine_create(&cfg, &a, &err_));
  out = NULL;
  OK(hoso_engine_show(a, kDesk, "HS00000001", &out, &err_));
  CHECK(contains(out, "HousePermit"));
  hoso_free(out);
  hoso_engine_free(a);
  hoso_store_free(disk);
}

/* Two engines, as two nodes would, on one PostgreSQL schema (when the
 * ctest fixture gives a server in HOSO_TEST_PG): one sequence of dossier
 * numbers, one journal. */
static void test_postgres(hoso_rules* rules, const char* dossiers) {
  const char* conninfo = getenv("HOSO_TEST_PG");
  if (conninfo == NULL || *conninfo == '\0') return;
  char schema[64];
  snprintf(schema, sizeof schema, "capi_%ld", (long)time(NULL));
  hoso_store* s1 = NULL;
  hoso_store* s2 = NULL;
  OK(hoso_store_open_postgres(conninfo, schema, &s1, &err_));
  OK(hoso_store_open_postgres(conninfo, schema, &s2, &err_));
  hoso_store* none = NULL;
  EXPECT_ERROR(HOSO_INVALID_ARGUMENT, "conninfo",
               hoso_store_open_postgres(NULL, schema, &none, &err));
  if (s1 == NULL || s2 == NULL) return;
  int64_t now = at("2026-07-01 09:00");
  hoso_engine_config cfg;
  hoso_engine_config_init(&cfg);
  cfg.rules = rules;
  cfg.now = host_clock;
  cfg.now_user = &now;
  cfg.store = s1;
  cfg.node = "node-1";
  hoso_engine* e1 = NULL;
  OK(hoso_engine_create(&cfg, &e1, &err_));
  cfg.store = s2;
  cfg.node = "node-2";
  hoso_engine* e2 = NULL;
  OK(hoso_engine_create(&cfg, &e2, &err_));
  hoso_store_free(s1);
  hoso_store_free(s2);
  if (e1 == NULL || e2 == NULL) return;
  char* house = read_text(dossiers, "HousePermit_commune.json");
  char ids[4][32];
  for (int i = 0; i < 4; ++i) {
    char* out = NULL;
    OK(hoso_engine_submit(i % 2 == 0 ? e1 : e2, kDesk, house, NULL, NULL, &out, &err_));
    dossier_id(out ? out : "", ids[i]);
    hoso_free(out);
  }
  CHECK(strcmp(ids[0], "HS00000001") == 0);
  CHECK(strcmp(ids[1], "HS00000002") == 0);
  CHECK(strcmp(ids[3], "HS00000004") == 0);
  /* Node 2 sees node 1's dossier: one database. */
  char* out = NULL;
  OK(hoso_engine_show(e2, kDesk, ids[0], &out, &err_));
  CHECK(contains(out, ids[0]));
  hoso_free(out);
  free(house);
  hoso_engine_free(e1);
  hoso_engine_free(e2);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: capi_test RULES_PACK DOSSIERS_DIR WORK_DIR\n");
    return 2;
  }
  test_basics();
  test_loading_errors(argv[2], argv[3]);
  hoso_rules* rules = NULL;
  OK(hoso_rules_load_pack(argv[1], &rules, &err_));
  if (rules == NULL) return 1;
  test_decide(rules, argv[2]);
  test_lifecycle(rules, argv[2]);
  test_two_engines(rules, argv[2], argv[3]);
  test_postgres(rules, argv[2]);
  hoso_rules_free(rules);
  printf("capi_test: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
