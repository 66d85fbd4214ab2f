// Helpers shared by the store tests: a temporary directory and batch builders.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "hoso/store.h"

namespace hoso::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hoso-store-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// One engine-like action: an event, the dossier's new state, optionally a
// precondition on its version and a deadline.
inline Batch action(const std::string& dossier, const std::string& kind, int n,
                    std::int64_t expect_version = -1, const std::string& key = "") {
  Batch b;
  if (expect_version >= 0) b.expect.push_back({dossier, expect_version});
  Event e;
  e.dossier_id = dossier;
  e.kind = kind;
  e.instant = 29'000'000 + n;
  e.actor = "officer-" + std::to_string(n % 7);
  e.payload = "{\"n\":" + std::to_string(n) + "}";
  e.idempotency_key = key;
  b.events.push_back(e);
  DossierState s;
  s.dossier_id = dossier;
  s.state_name = kind;
  s.competent_unit = "commune-a";
  s.receiving_unit = "desk-1";
  s.due = 29'100'000 + n;
  s.state_json = "{\"n\":" + std::to_string(n) + "}";
  b.states.push_back(s);
  return b;
}

inline Deadline deadline(const std::string& dossier, const std::string& kind, Instant at) {
  Deadline d;
  d.dossier_id = dossier;
  d.kind = kind;
  d.fire_at = at;
  d.payload = "{\"kind\":\"" + kind + "\"}";
  return d;
}

// The PostgreSQL server of the ctest fixture (tests/store/pg_server.sh), as a
// libpq connection string in HOSO_TEST_PG. Missing: the test fails, it does
// not skip, so a CI machine without a server cannot pass by accident.
inline std::string pg_conninfo() {
  const char* c = std::getenv("HOSO_TEST_PG");
  if (c == nullptr || *c == '\0') {
    ADD_FAILURE() << "HOSO_TEST_PG is not set: run the PostgreSQL tests through ctest (its "
                     "fixture starts a server with tests/store/pg_server.sh) or set it to a "
                     "libpq connection string";
    return {};
  }
  return c;
}

// A schema no other test (or test process) uses, so tests share one server.
inline std::string fresh_pg_schema() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

#define HOSO_ASSERT_OK(expr)                              \
  do {                                                    \
    const auto& hoso_r_ = (expr);                         \
    ASSERT_TRUE(hoso_r_.ok()) << hoso_r_.error().message; \
  } while (0)

}  // namespace hoso::store::testing
