/* A C host embedding the Hoso engine through <hoso/hoso.h>: load a rule pack,
 * take dossiers in, complete a house permit's steps as the right officials,
 * let a second permit slip past its due date, and print the KPIs (JSON).
 *
 *   embed_c RULES_PACK DOSSIERS_DIR */
#include <hoso/hoso.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* read_file(const char* dir, const char* name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE* f = fopen(path, "rb");
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = '\0';
  fclose(f);
  return s;
}

/* Prints the error and frees it; returns 1 for main. */
static int fail(const char* what, hoso_status st, char* error) {
  fprintf(stderr, "%s: %s: %s\n", what, hoso_status_name(st), error ? error : "");
  hoso_free(error);
  return 1;
}

/* The dossier number ("id": "HS00000001") of a dossier's JSON. */
static void id_of(const char* json, char id[32]) {
  const char* p = strstr(json, "\"id\": \"");
  size_t i = 0;
  if (p != NULL) {
    for (p += 7; p[i] != '"' && i < 31; ++i) id[i] = p[i];
  }
  id[i] = '\0';
}

static int64_t at(const char* text) {
  int64_t t = 0;
  hoso_parse_instant(text, &t, NULL);
  return t;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: embed_c RULES_PACK DOSSIERS_DIR\n");
    return 2;
  }
  printf("hoso %s\n", hoso_version());
  char* error = NULL;
  hoso_rules* rules = NULL;
  hoso_status st = hoso_rules_load_pack(argv[1], &rules, &error);
  if (st != HOSO_OK) return fail("load pack", st, error);
  hoso_store* store = NULL;
  st = hoso_store_open_memory(&store, &error); /* or hoso_store_open_sqlite("hoso.db", ...) */
  if (st != HOSO_OK) return fail("store", st, error);

  hoso_engine_config config;
  hoso_engine_config_init(&config);
  config.rules = rules;
  config.store = store;
  hoso_engine* engine = NULL;
  st = hoso_engine_create(&config, &engine, &error);
  if (st != HOSO_OK) return fail("engine", st, error);
  /* The engine holds what it needs: the rules and store handles can go. */
  hoso_rules_free(rules);
  hoso_store_free(store);

  char* dossier = read_file(argv[2], "HousePermit_commune.json");
  if (dossier == NULL) {
    fprintf(stderr, "cannot read %s/HousePermit_commune.json\n", argv[2]);
    return 2;
  }
  const char* desk = "commune Sa Pa/one_stop#nva";
  const char* economy = "commune Sa Pa/economy#ltb";
  const char* head = "commune Sa Pa/economy/head#vvc";
  char first[32], second[32];
  char* out = NULL;
  hoso_engine_set_time(engine, at("2026-07-01 09:00"));
  st = hoso_engine_submit(engine, desk, dossier, "desk", NULL, &out, &error);
  if (st != HOSO_OK) return fail("submit", st, error);
  id_of(out, first);
  hoso_free(out);
  st = hoso_engine_submit(engine, desk, dossier, "online", NULL, &out, &error);
  if (st != HOSO_OK) return fail("submit", st, error);
  id_of(out, second);
  hoso_free(out);
  free(dossier);
  printf("received %s and %s\n", first, second);

  /* A refusal is a status code and a message that says who may act. */
  st = hoso_engine_act(engine, economy, first, "complete", NULL, NULL, &out, &error);
  if (st == HOSO_PERMISSION_DENIED) {
    printf("refused: %s\n", error);
    hoso_free(error);
  }

  /* Each step by its handler: desk, economy office, its head, desk. */
  const char* hands[] = {desk, economy, head, desk};
  const char* when[] = {"2026-07-01 14:00", "2026-07-08 10:00", "2026-07-10 10:00",
                        "2026-07-13 09:00"};
  for (int i = 0; i < 4; ++i) {
    hoso_engine_set_time(engine, at(when[i]));
    st = hoso_engine_act(engine, hands[i], first, "complete", NULL, NULL, &out, &error);
    if (st != HOSO_OK) return fail("complete", st, error);
    hoso_free(out);
  }
  st = hoso_engine_act(engine, desk, first, "return", NULL, NULL, &out, &error);
  if (st != HOSO_OK) return fail("return", st, error);
  printf("%s returned\n", first);
  hoso_free(out);

  /* Nobody touched the second permit: move the clock past its due date. */
  int64_t later = at("2026-08-03 09:00");
  hoso_engine_set_time(engine, later);
  char* report = NULL;
  st = hoso_engine_advance(engine, later, &report, &error);
  if (st != HOSO_OK) return fail("advance", st, error);
  printf("advance: %s\n", report);
  hoso_free(report);

  char* kpi = NULL;
  st = hoso_engine_kpi(engine, &kpi, &error);
  if (st != HOSO_OK) return fail("kpi", st, error);
  printf("KPI: %s\n", kpi);
  hoso_free(kpi);
  hoso_engine_free(engine);
  return 0;
}
