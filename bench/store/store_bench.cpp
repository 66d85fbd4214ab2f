// store_bench: durable actions per second on the SQLite store with 1 and with
// N concurrent clients (group commit), latency of one action, and memory per
// open dossier in the in-memory store. Prints a Markdown table.
//
//   store_bench [--dir DIR] [--runs R] [--seconds S] [--dossiers N] [--clients 1,16]
//               [--checkpoint-pages P] [--no-sync] [--sync-inline] [--no-memory]
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "hoso/store.h"

namespace {

using hoso::store::Batch;
using hoso::store::Store;
using Clock = std::chrono::steady_clock;

// A typical engine action: expect the version, append an event, upsert the
// state, move the dossier's step deadline.
Batch make_action(const std::string& id, std::int64_t version, std::int64_t n) {
  Batch b;
  b.expect.push_back({id, version});
  hoso::store::Event e;
  e.dossier_id = id;
  e.kind = version == 0 ? "received" : "step_done";
  e.instant = 29'185'920 + n;
  e.actor = "officer-17@commune-phu-my";
  e.payload = R"({"step":"appraise","note":"hồ sơ đầy đủ","n":)" + std::to_string(n) + "}";
  e.idempotency_key = id + "#" + std::to_string(version);
  b.events.push_back(std::move(e));
  hoso::store::DossierState s;
  s.dossier_id = id;
  s.state_name = "in_process";
  s.competent_unit = "commune-phu-my";
  s.receiving_unit = "desk-phu-my";
  s.due = 29'200'000 + n;
  s.state_json = R"({"procedure":"1.004227","step":2,"paused":false,"supplements":0})";
  b.states.push_back(std::move(s));
  b.add_deadlines.push_back({id, "step", 29'190'000 + n, "{}", ""});
  return b;
}

struct RunResult {
  double actions_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::size_t g_checkpoint_pages = hoso::store::SqliteConfig{}.checkpoint_pages;
bool g_sync_inline = false;  // --sync-inline: SQLite fsyncs inside COMMIT
std::size_t g_max_group = hoso::store::SqliteConfig{}.max_group;

RunResult run_sqlite(const std::string& dir, int clients, double seconds, int run, bool sync) {
  const std::string path =
      dir + "/bench-" + std::to_string(clients) + "-" + std::to_string(run) + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  hoso::store::SqliteConfig config(path);
  config.synchronous_full = sync;
  config.sync_off_lock = !g_sync_inline;
  config.max_group = g_max_group;
  config.checkpoint_pages = g_checkpoint_pages;
  auto opened = hoso::store::open_sqlite_store(config);
  if (!opened.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", opened.error().message.c_str());
    std::exit(1);
  }
  Store& store = **opened;
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      // Each client works its own 64 dossiers, round robin.
      std::vector<std::int64_t> versions(64, 0);
      auto& mine = lat[static_cast<std::size_t>(c)];
      for (std::int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        const std::size_t slot = static_cast<std::size_t>(n % 64);
        const std::string id = "c" + std::to_string(c) + "-d" + std::to_string(slot);
        const Batch b = make_action(id, versions[slot], n);
        const auto t0 = Clock::now();
        auto r = store.commit(b);
        const auto t1 = Clock::now();
        if (!r.ok()) {
          ++errors;
          continue;
        }
        versions[slot] = r->versions[0];
        mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  if (errors.load() != 0) std::fprintf(stderr, "store_bench: %d failed commits\n", errors.load());
  RunResult r;
  r.actions_per_s = static_cast<double>(all.size()) / elapsed;
  r.p50_us = percentile(all, 0.50);
  r.p99_us = percentile(all, 0.99);
  opened->reset();
  std::filesystem::remove(path);
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Bytes of heap per dossier held in the in-memory store: one "received" event,
// its state and one deadline, and again after four more events each.
std::pair<double, double> memory_per_dossier(int dossiers) {
  auto heap = [] { return static_cast<double>(mallinfo2().uordblks); };
  const double before = heap();
  auto store = hoso::store::make_memory_store();
  for (int i = 0; i < dossiers; ++i) {
    auto r = store->commit(make_action("H01-" + std::to_string(i), 0, i));
    if (!r.ok()) std::exit(1);
  }
  const double one = (heap() - before) / dossiers;
  for (int round = 1; round <= 4; ++round) {
    for (int i = 0; i < dossiers; ++i) {
      auto r = store->commit(make_action("H01-" + std::to_string(i), round, i));
      if (!r.ok()) std::exit(1);
    }
  }
  const double five = (heap() - before) / dossiers;
  return {one, five};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = ".";
  int runs = 5;
  double seconds = 2.0;
  int dossiers = 200'000;
  bool sync = true;
  bool memory = true;
  std::vector<int> client_counts = {1, 4, 16};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--sync-inline") {
      g_sync_inline = true;
      continue;
    }
    if (flag == "--no-sync") {
      sync = false;
      continue;
    }
    if (flag == "--no-memory") {
      memory = false;
      continue;
    }
    if (i + 1 >= argc) break;
    const std::string value = argv[++i];
    if (flag == "--dir") dir = value;
    if (flag == "--runs") runs = std::atoi(value.c_str());
    if (flag == "--seconds") seconds = std::atof(value.c_str());
    if (flag == "--dossiers") dossiers = std::atoi(value.c_str());
    if (flag == "--checkpoint-pages") g_checkpoint_pages = std::stoul(value);
    if (flag == "--max-group") g_max_group = std::stoul(value);
    if (flag == "--clients") {
      client_counts.clear();
      std::size_t pos = 0;
      while (pos < value.size()) {
        const std::size_t comma = value.find(',', pos);
        client_counts.push_back(std::atoi(value.substr(pos, comma - pos).c_str()));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    }
  }
  std::printf("| SQLite, synchronous=%s | actions/s | p50 latency | p99 latency |\n",
              sync ? "FULL" : "OFF");
  std::printf("|---|---:|---:|---:|\n");
  for (int clients : client_counts) {
    std::vector<double> tput, p50, p99;
    for (int r = 0; r < runs; ++r) {
      const RunResult res = run_sqlite(dir, clients, seconds, r, sync);
      tput.push_back(res.actions_per_s);
      p50.push_back(res.p50_us);
      p99.push_back(res.p99_us);
    }
    std::printf("| %d client%s | %.0f | %.0f µs | %.0f µs |\n", clients, clients == 1 ? "" : "s",
                median(tput), median(p50), median(p99));
    std::fflush(stdout);
  }
  if (!memory) return 0;
  const auto [one, five] = memory_per_dossier(dossiers);
  std::printf("\n| In-memory store, %d dossiers | heap bytes per dossier |\n", dossiers);
  std::printf("|---|---:|\n");
  std::printf("| 1 event + state + 1 deadline | %.0f |\n", one);
  std::printf("| 5 events + state + 1 deadline | %.0f |\n", five);
  return 0;
}
