// PostgreSQL-only tests: schema versions, several nodes on one database, and
// two processes that claim and fire the same deadlines concurrently. The
// server comes from the ctest fixture (pg_server.sh); see test_util.h.
#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "hoso/store.h"
#include "test_util.h"

namespace hoso::store {
namespace {

using testing::action;
using testing::deadline;
using testing::fresh_pg_schema;
using testing::pg_conninfo;

std::unique_ptr<Store> open_or_fail(const std::string& schema) {
  PostgresConfig config(pg_conninfo());
  config.schema = schema;
  auto s = open_postgres_store(config);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.ok() ? std::move(*s) : nullptr;
}

// Runs SQL on the test server outside the store (to tamper or prepare).
void raw(const std::string& sql) {
  PGconn* c = PQconnectdb(pg_conninfo().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
}

TEST(PostgresStore, ServerIsReachable) {
  const std::string conninfo = pg_conninfo();
  ASSERT_FALSE(conninfo.empty());
  PGconn* c = PQconnectdb(conninfo.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PQfinish(c);
}

TEST(PostgresStore, EverythingSurvivesReopenAndTheChainContinues) {
  const std::string schema = fresh_pg_schema();
  {
    auto s = open_or_fail(schema);
    ASSERT_TRUE(s);
    Batch b = action("d1", "received", 1, 0, "k1");
    b.add_deadlines.push_back(deadline("d1", "total", 500));
    HOSO_ASSERT_OK(s->commit(b));
  }
  auto s = open_or_fail(schema);
  ASSERT_TRUE(s);
  auto r = s->commit(action("d1", "step", 2, 1, "k2"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->first_seq, 2);
  EXPECT_EQ(s->dossier_deadlines("d1")->size(), 1u);
  EXPECT_TRUE(s->verify_chain()->intact);
}

TEST(PostgresStore, NewerSchemaIsRefusedNamingBothVersions) {
  const std::string schema = fresh_pg_schema();
  ASSERT_TRUE(open_or_fail(schema));
  raw("UPDATE " + schema + ".meta SET value = '9' WHERE key = 'schema_version'");
  PostgresConfig config(pg_conninfo());
  config.schema = schema;
  auto s = open_postgres_store(config);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kVersionMismatch);
  EXPECT_NE(s.error().message.find("version 9"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("1 to 2"), std::string::npos) << s.error().message;
}

TEST(PostgresStore, VersionOneGetsADossierSequenceAfterItsHighestNumber) {
  // A store as version 1 left it: dossiers, no sequence.
  const std::string schema = fresh_pg_schema();
  {
    auto s = open_or_fail(schema);
    ASSERT_TRUE(s);
    for (const char* id : {"HS00000012", "HS00000004", "x9"}) {
      HOSO_ASSERT_OK(s->commit(action(id, "received", 1, 0)));
    }
  }
  raw("DROP SEQUENCE " + schema + ".dossier_numbers; UPDATE " + schema +
      ".meta SET value = '1' WHERE key = 'schema_version'");
  auto s = open_or_fail(schema);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->next_dossier_number(), 13);
  EXPECT_EQ(*s->next_dossier_number(), 14);
  // A second node on the same database continues the same sequence.
  auto other = open_or_fail(schema);
  ASSERT_TRUE(other);
  EXPECT_EQ(*other->next_dossier_number(), 15);
}

TEST(PostgresStore, ForeignSchemaIsRefused) {
  const std::string schema = fresh_pg_schema();
  raw("CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".customers(id int)");
  PostgresConfig config(pg_conninfo());
  config.schema = schema;
  auto s = open_postgres_store(config);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(PostgresStore, TamperedJournalIsFound) {
  const std::string schema = fresh_pg_schema();
  auto s = open_or_fail(schema);
  ASSERT_TRUE(s);
  for (int n = 0; n < 6; ++n) HOSO_ASSERT_OK(s->commit(action("d" + std::to_string(n), "r", n)));
  EXPECT_TRUE(s->verify_chain()->intact);
  raw("UPDATE " + schema + ".journal SET payload = '{\"forged\":1}' WHERE seq = 3");
  auto report = s->verify_chain();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->first_broken, 3);
  raw("UPDATE " + schema + ".journal SET payload = '{\"n\":2}' WHERE seq = 3");
  EXPECT_TRUE(s->verify_chain()->intact);
  raw("DELETE FROM " + schema + ".journal WHERE seq = 6");
  EXPECT_FALSE(s->verify_chain()->intact);
}

// Two nodes (two stores, each with its own connections) commit at once: one
// gap-free sequence and one valid chain.
TEST(PostgresStore, TwoNodesShareOneChain) {
  const std::string schema = fresh_pg_schema();
  auto a = open_or_fail(schema);
  auto b = open_or_fail(schema);
  ASSERT_TRUE(a && b);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Store* node = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([node, t] {
      for (int n = 0; n < 25; ++n) {
        const std::string id = "n" + std::to_string(t) + "-" + std::to_string(n);
        auto r = node->commit(action(id, "received", n, 0, id));
        EXPECT_TRUE(r.ok()) << r.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(a->counts()->events, 200);
  auto journal = b->read_journal(1, 1000);
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 200u);
  for (std::size_t i = 0; i < journal->size(); ++i) EXPECT_EQ((*journal)[i].seq, Sequence(i + 1));
  EXPECT_TRUE(a->verify_chain()->intact);
}

// One engine node in a child process: claims due deadlines (mostly with a
// short lease, every third round without one, so the two nodes collide on
// purpose) and fires each with a version precondition and a fired_at removal.
// Writes how many it fired and how many were refused to `fd`.
[[noreturn]] void fire_node(const std::string& conninfo, const std::string& schema, int node,
                            int fd) {
  PostgresConfig config(conninfo);
  config.schema = schema;
  auto opened = open_postgres_store(config);
  if (!opened.ok()) _exit(10);
  Store& s = **opened;
  const auto start = std::chrono::steady_clock::now();
  int fired = 0;
  int refused = 0;
  for (int round = 0;; ++round) {
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(90)) _exit(11);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    ClaimRequest c;
    c.now = 10'000;
    c.limit = 8;
    c.owner = round % 3 == 2 ? "" : "node-" + std::to_string(node);
    c.lease_now = ms;
    c.lease_until = ms + 20;
    auto due = s.claim_due(c);
    if (!due.ok()) _exit(12);
    if (due->empty()) {
      ClaimRequest any;
      any.now = 10'000;
      any.limit = 1;
      auto left = s.claim_due(any);
      if (!left.ok()) _exit(12);
      if (left->empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    for (const Deadline& d : *due) {
      auto cur = s.get_dossier(d.dossier_id);
      if (!cur.ok()) _exit(13);
      Batch b = action(d.dossier_id, "deadline_fired", node, cur->version);
      b.events[0].payload = "{\"node\":" + std::to_string(node) + "}";
      b.remove_deadlines.push_back({d.dossier_id, d.kind, d.fire_at});
      auto r = s.commit(b);
      if (r.ok()) {
        ++fired;
      } else if (r.error().code == ErrorCode::kFailedPrecondition) {
        ++refused;
      } else {
        std::fprintf(stderr, "node %d: %s\n", node, r.error().message.c_str());
        _exit(14);
      }
    }
  }
  const std::string out = std::to_string(fired) + " " + std::to_string(refused) + "\n";
  if (write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(15);
  _exit(0);
}

TEST(PostgresStore, TwoProcessesFireEveryDeadlineExactlyOnce) {
  const std::string conninfo = pg_conninfo();
  ASSERT_FALSE(conninfo.empty());
  const std::string schema = fresh_pg_schema();
  constexpr int kDue = 300;
  constexpr int kLater = 20;
  {
    auto s = open_or_fail(schema);
    ASSERT_TRUE(s);
    for (int i = 0; i < kDue + kLater; ++i) {
      const std::string id = "d" + std::to_string(i);
      Batch b = action(id, "received", i, 0);
      b.add_deadlines.push_back(deadline(id, "step", i < kDue ? 1000 + i % 17 : 20'000));
      HOSO_ASSERT_OK(s->commit(b));
    }
  }  // closed: no store threads or connections cross the fork
  int fds[2][2];
  pid_t pids[2];
  for (int node = 0; node < 2; ++node) {
    ASSERT_EQ(pipe(fds[node]), 0);
    pids[node] = fork();
    ASSERT_GE(pids[node], 0);
    if (pids[node] == 0) {
      close(fds[node][0]);
      fire_node(conninfo, schema, node, fds[node][1]);
    }
    close(fds[node][1]);
  }
  int fired_total = 0;
  int refused_total = 0;
  for (int node = 0; node < 2; ++node) {
    int status = 0;
    ASSERT_EQ(waitpid(pids[node], &status, 0), pids[node]);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "node " << node;
    char buf[64] = {};
    const ssize_t n = read(fds[node][0], buf, sizeof buf - 1);
    close(fds[node][0]);
    ASSERT_GT(n, 0);
    int fired = 0;
    int refused = 0;
    ASSERT_EQ(std::sscanf(buf, "%d %d", &fired, &refused), 2);
    fired_total += fired;
    refused_total += refused;
    RecordProperty("node" + std::to_string(node) + "_fired", fired);
  }
  RecordProperty("refused", refused_total);
  EXPECT_EQ(fired_total, kDue);
  auto s = open_or_fail(schema);
  ASSERT_TRUE(s);
  for (int i = 0; i < kDue + kLater; ++i) {
    const std::string id = "d" + std::to_string(i);
    auto j = s->dossier_journal(id);
    ASSERT_TRUE(j.ok());
    int fires = 0;
    for (const Event& e : *j) fires += e.kind == "deadline_fired" ? 1 : 0;
    EXPECT_EQ(fires, i < kDue ? 1 : 0) << id;
    EXPECT_EQ(s->get_dossier(id)->version, i < kDue ? 2 : 1) << id;
  }
  EXPECT_EQ(s->counts()->deadlines, kLater);
  EXPECT_EQ(s->counts()->events, kDue + kLater + kDue);
  EXPECT_TRUE(s->verify_chain()->intact);
}

}  // namespace
}  // namespace hoso::store
