// Crash test: a child process commits actions from several threads and writes
// each acknowledged one to a pipe; the parent kills it with SIGKILL at a random
// moment, reopens the store and checks that every acknowledged action is there
// exactly once, the states agree with the journal and the deadlines are intact.
// Twenty rounds on the same file, each resuming where the last one died.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "hoso/store.h"
#include "test_util.h"

namespace hoso::store {
namespace {

using testing::deadline;
using testing::TempDir;

constexpr int kThreads = 4;
constexpr int kKeptDeadlines = 3;  // each action adds one and removes the one 3 back

std::string dossier(int t) {
  return "t" + std::to_string(t);
}
std::string key(int t, std::int64_t n) {
  return dossier(t) + "-" + std::to_string(n);
}

Batch crash_action(int t, std::int64_t n) {
  Batch b;
  b.expect.push_back({dossier(t), n});
  Event e;
  e.dossier_id = dossier(t);
  e.kind = n == 0 ? "received" : "step_done";
  e.instant = 29'000'000 + n;
  e.actor = "officer";
  e.payload = "{\"n\":" + std::to_string(n) + "}";
  e.idempotency_key = key(t, n);
  b.events.push_back(e);
  DossierState s;
  s.dossier_id = dossier(t);
  s.state_name = "in_process";
  s.competent_unit = "commune";
  s.receiving_unit = "desk";
  s.state_json = e.payload;
  b.states.push_back(s);
  b.add_deadlines.push_back(deadline(key(t, n), "due", n));
  if (n >= kKeptDeadlines)
    b.remove_deadlines.push_back({key(t, n - kKeptDeadlines), "due", n - kKeptDeadlines});
  return b;
}

// Runs in the child until killed. Never returns.
[[noreturn]] void child_main(const std::string& path, int ack_fd) {
  auto opened = open_sqlite_store(SqliteConfig(path));
  if (!opened.ok()) {
    std::fprintf(stderr, "child: %s\n", opened.error().message.c_str());
    _exit(3);
  }
  Store& s = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&s, t, ack_fd] {
      auto cur = s.get_dossier(dossier(t));
      std::int64_t n = cur.ok() ? cur->version : 0;
      for (;;) {
        auto r = s.commit(crash_action(t, n));
        if (!r.ok()) {
          std::fprintf(stderr, "child: %s\n", r.error().message.c_str());
          _exit(4);
        }
        // One short write per ack: atomic on a pipe, sent only after commit returned.
        const std::string line = std::to_string(t) + " " + std::to_string(n) + "\n";
        if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
        ++n;
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

struct Acks {
  std::map<int, std::int64_t> max_n;  // per thread, highest acknowledged action
  int count = 0;
};

void parse(const std::string& text, Acks& acks) {
  std::istringstream in(text);
  int t = 0;
  std::int64_t n = 0;
  while (in >> t >> n) {
    auto [it, fresh] = acks.max_n.try_emplace(t, n);
    if (!fresh) it->second = std::max(it->second, n);
    ++acks.count;
  }
}

void check_after_crash(const std::string& path, const Acks& acks, int round) {
  SCOPED_TRACE("round " + std::to_string(round));
  auto opened = open_sqlite_store(SqliteConfig(path));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& s = **opened;
  std::int64_t total_events = 0;
  std::int64_t total_deadlines = 0;
  for (int t = 0; t < kThreads; ++t) {
    auto d = s.get_dossier(dossier(t));
    const std::int64_t v = d.ok() ? d->version : 0;
    auto it = acks.max_n.find(t);
    if (it != acks.max_n.end()) {
      ASSERT_GE(v, it->second + 1) << "acknowledged action " << key(t, it->second) << " lost";
    }
    auto journal = s.dossier_journal(dossier(t));
    ASSERT_TRUE(journal.ok());
    ASSERT_EQ(static_cast<std::int64_t>(journal->size()), v) << "state and journal disagree";
    for (std::int64_t n = 0; n < v; ++n) {
      ASSERT_EQ((*journal)[static_cast<std::size_t>(n)].idempotency_key, key(t, n))
          << "an action is missing or present twice";
    }
    if (v > 0) {
      EXPECT_EQ(d->state_json, "{\"n\":" + std::to_string(v - 1) + "}");
    }
    for (std::int64_t n = std::max<std::int64_t>(0, v - kKeptDeadlines - 2); n < v; ++n) {
      auto dl = s.dossier_deadlines(key(t, n));
      ASSERT_TRUE(dl.ok());
      const bool should_exist = n >= v - kKeptDeadlines;
      ASSERT_EQ(dl->size(), should_exist ? 1u : 0u) << "deadline of " << key(t, n);
      if (should_exist) {
        EXPECT_EQ(dl->at(0).fire_at, n);
      }
    }
    total_events += v;
    total_deadlines += std::min<std::int64_t>(v, kKeptDeadlines);
  }
  auto c = s.counts();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->events, total_events);
  EXPECT_EQ(c->deadlines, total_deadlines);
  auto chain = s.verify_chain();
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->intact) << chain->reason;
}

TEST(Crash, KillNineLosesNoAcknowledgedActionAndDuplicatesNone) {
  TempDir dir;
  const std::string path = dir.file("crash.db");
  std::mt19937 rng(20250701);
  std::uniform_int_distribution<int> kill_after_ms(20, 250);
  int total_acks = 0;
  for (int round = 0; round < 20; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child_main(path, fds[1]);
    }
    close(fds[1]);
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms(rng));
    std::string text;
    char buf[4096];
    bool killed = false;
    for (;;) {
      if (!killed && std::chrono::steady_clock::now() >= kill_at) {
        kill(pid, SIGKILL);
        killed = true;
      }
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, killed ? 1000 : 5) < 0) break;
      if ((p.revents & (POLLIN | POLLHUP)) == 0) continue;
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the child is dead and the pipe drained
      text.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped on its own (status " << status << ")";
    Acks acks;
    parse(text, acks);
    total_acks += acks.count;
    check_after_crash(path, acks, round);
    if (HasFatalFailure()) return;
  }
  RecordProperty("acknowledged_actions", total_acks);
  EXPECT_GT(total_acks, 100) << "the child must have committed under load before being killed";
}

}  // namespace
}  // namespace hoso::store
