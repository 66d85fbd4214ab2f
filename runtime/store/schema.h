// The store's versioned schema. Each migration takes the file from version N-1
// to N inside the opening transaction; PRAGMA user_version holds N.
#pragma once

#include "sqlite_util.h"

namespace hoso::store {

// 'Hoso' in ASCII, in PRAGMA application_id, so a foreign SQLite file is refused.
inline constexpr int kApplicationId = 0x486f736f;

// The SQL of the migration that produces `version` (1 creates the tables).
// Exposed so tests can build a store as an older Hoso wrote it.
const char* migration_sql(int version);

// Brings the open connection's schema to kSchemaVersion: refuses a newer
// version (kVersionMismatch) or a foreign database (kInvalidArgument).
Result<void> migrate(Conn& conn);

// Checks the version without writing: for read-only audit.
Result<int> read_schema_version(Conn& conn);

}  // namespace hoso::store
