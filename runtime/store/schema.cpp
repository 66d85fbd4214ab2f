#include "schema.h"

#include <string>

#include "hoso/store.h"

namespace hoso::store {
namespace {

constexpr const char* kV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE journal(
  seq INTEGER PRIMARY KEY,
  dossier_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  instant INTEGER NOT NULL,
  actor TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT UNIQUE,
  hash TEXT NOT NULL);
CREATE INDEX journal_by_dossier ON journal(dossier_id, seq);
CREATE TABLE dossiers(
  dossier_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  state_name TEXT NOT NULL,
  competent_unit TEXT NOT NULL,
  receiving_unit TEXT NOT NULL,
  due INTEGER,
  last_seq INTEGER NOT NULL,
  state_json TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX dossiers_by_competent ON dossiers(competent_unit, dossier_id);
CREATE INDEX dossiers_by_receiving ON dossiers(receiving_unit, dossier_id);
CREATE TABLE deadlines(
  dossier_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  fire_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  PRIMARY KEY(dossier_id, kind)) WITHOUT ROWID;
CREATE INDEX deadlines_by_fire ON deadlines(fire_at);
)sql";

// Version 2: leases on deadlines (for several engine nodes) and an index for
// "what is due soon" reports.
constexpr const char* kV2 = R"sql(
ALTER TABLE deadlines ADD COLUMN owner TEXT;
ALTER TABLE deadlines ADD COLUMN lease_until INTEGER;
CREATE INDEX dossiers_by_due ON dossiers(due) WHERE due IS NOT NULL;
)sql";

// Version 3: drops dossiers_by_due. Nothing queried it, and it cost every
// action one more random index page in the WAL; a "due soon" report can scan
// the deadlines queue (indexed by fire time) instead.
constexpr const char* kV3 = R"sql(
DROP INDEX IF EXISTS dossiers_by_due;
)sql";

Result<int> pragma_int(Conn& conn, const char* sql) {
  auto s = conn.prep(sql);
  if (!s) return s.error();
  Use u(*s);
  const int rc = sqlite3_step(*s);
  if (rc != SQLITE_ROW) return conn.error(rc, sql);
  return sqlite3_column_int(*s, 0);
}

Error too_new(const Conn& conn, int version) {
  return make_error(ErrorCode::kVersionMismatch,
                    "store '" + conn.path() + "' has schema version " + std::to_string(version) +
                        ", written by a newer Hoso; this build reads schema versions 1 to " +
                        std::to_string(kSchemaVersion) +
                        ". Open it with the newer hoso, or restore a backup.");
}

}  // namespace

const char* migration_sql(int version) {
  switch (version) {
    case 1:
      return kV1;
    case 2:
      return kV2;
    case 3:
      return kV3;
    default:
      return nullptr;
  }
}

Result<int> read_schema_version(Conn& conn) {
  auto app = pragma_int(conn, "PRAGMA application_id");
  if (!app) return app.error();
  auto version = pragma_int(conn, "PRAGMA user_version");
  if (!version) return version.error();
  if (*app != 0 && *app != kApplicationId) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'" + conn.path() +
                          "' is an SQLite file of another application, not a "
                          "Hoso store");
  }
  if (*version > kSchemaVersion) return too_new(conn, *version);
  return *version;
}

Result<void> migrate(Conn& conn) {
  if (auto r = conn.exec("BEGIN IMMEDIATE"); !r) return r;
  auto fail = [&](Error e) -> Result<void> {
    (void)conn.exec("ROLLBACK");
    return e;
  };
  auto version = read_schema_version(conn);
  if (!version) return fail(version.error());
  if (*version == 0) {
    auto tables = pragma_int(conn, "SELECT count(*) FROM sqlite_master");
    if (!tables) return fail(tables.error());
    if (*tables != 0) {
      return fail(make_error(ErrorCode::kInvalidArgument,
                             "'" + conn.path() +
                                 "' is an SQLite database with tables but no Hoso schema "
                                 "version; refusing to use it as a store"));
    }
  }
  for (int v = *version + 1; v <= kSchemaVersion; ++v) {
    if (auto r = conn.exec(migration_sql(v)); !r) return fail(r.error());
  }
  if (*version < kSchemaVersion) {
    const std::string set = "PRAGMA application_id=" + std::to_string(kApplicationId) +
                            "; PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";";
    if (auto r = conn.exec(set.c_str()); !r) return fail(r.error());
  }
  if (auto r = conn.exec("COMMIT"); !r) return fail(r.error());
  return {};
}

}  // namespace hoso::store
