// engine_bench: durable engine actions per second (submit, complete a step,
// return) on the SQLite store (WAL, synchronous=FULL, group commit) with 1
// and N concurrent clients, latency of one action, and memory per open
// dossier (engine + in-memory store). Median of R runs.
//
//   engine_bench [--dir DIR] [--runs R] [--seconds S] [--warmup S] [--clients 1,16]
//                [--checkpoint-pages P]
//                [--store sqlite|memory] [--no-sync] [--sync-inline] [--dossiers N]
//                [--no-memory]
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "driver/driver.h"
#include "hoso/calendar.h"
#include "hoso/engine.h"
#include "hoso/store.h"
#include "ir/interp_decider.h"

namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
namespace engine = hoso::engine;

const char* kRules = R"(
module bench
use std.vn

procedure Permit {
  basis    "Luật Xây dựng 2014, Điều 102"
  level    commune
  deadline 5 working days
  supplement pauses
  dossier {
    site   : Commune
    floors : Int
    require floors in 1..30 else "Số tầng không hợp lệ"
  }
  route {
    when floors > 7 -> province.construction
    otherwise       -> site.economy
  }
  steps {
    receive  by receiving.one_stop  within 1 working days  yields receipt
    appraise by competent           within 3 working days  yields appraisal
    deliver  by receiving.one_stop  within 1 working days  yields result
  }
  warn 1 working days before due
  on late {
    apologise
    notify competent.head
    escalate to province.people_committee.chairman after 2 working days
  }
}
)";

class FixedClock final : public engine::Clock {
 public:
  int64_t t = *hoso::calendar::parse_instant("2026-03-02 09:00");
  int64_t now() const override { return t; }
};

struct Env {
  std::unique_ptr<hoso::driver::Compilation> comp;
  std::shared_ptr<hoso::rules::Decider> decider;
  FixedClock clock;
  engine::Actor desk;
  std::string dossier_json;
};

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "engine_bench: %s\n", m.c_str());
  std::exit(1);
}

std::unique_ptr<engine::Engine> make_engine(Env& env, hoso::store::Store* s) {
  engine::Config cfg;
  cfg.rules = env.decider;
  cfg.store = s;
  cfg.clock = &env.clock;
  auto e = engine::Engine::create(cfg);
  if (!e.ok()) die(e.error().message);
  return std::move(*e);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

struct RunResult {
  double actions_per_s = 0, p50_us = 0, p99_us = 0;
};

// One dossier's life: submit, three steps, return: five durable actions.
// With `warmup` > 0 the clients run that long before the measured `seconds`
// (a fresh store's WAL is still growing then: every commit extends the file,
// and fdatasync must write its size too; a long-lived store reuses its WAL).
RunResult run(Env& env, hoso::store::Store* s, int clients, double seconds, double warmup) {
  auto eng = make_engine(env, s);
  // The step handlers, from one dossier's plan.
  auto first = eng->submit(env.desk, {env.dossier_json, "desk", {}, ""});
  if (!first.ok()) die(first.error().message);
  json st = json::parse(first->json);
  std::vector<engine::Actor> handlers;
  for (const auto& sd : st["steps"]) {
    engine::Actor a;
    a.unit = sd["unit"];
    a.role = sd["role"];
    a.id = "h";
    handlers.push_back(a);
  }
  std::atomic<bool> stop{false}, measuring{warmup <= 0};
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::vector<std::thread> ts;
  auto t0 = Steady::now();
  for (int c = 0; c < clients; ++c) {
    ts.emplace_back([&, c] {
      auto& mine = lat[static_cast<size_t>(c)];
      mine.reserve(200000);
      auto timed = [&](auto&& f) {
        auto a = Steady::now();
        auto r = f();
        if (measuring.load(std::memory_order_relaxed)) {
          mine.push_back(std::chrono::duration<double, std::micro>(Steady::now() - a).count());
        }
        if (!r.ok()) die(r.error().message);
        return r;
      };
      while (!stop.load(std::memory_order_relaxed)) {
        auto v = timed([&] { return eng->submit(env.desk, {env.dossier_json, "desk", {}, ""}); });
        for (const auto& h : handlers) {
          (void)timed([&] { return eng->act(h, v->id, engine::Action::kComplete); });
        }
        (void)timed([&] { return eng->act(env.desk, v->id, engine::Action::kReturn); });
      }
    });
  }
  if (warmup > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    t0 = Steady::now();
    measuring = true;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  const double elapsed = std::chrono::duration<double>(Steady::now() - t0).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  RunResult r;
  r.actions_per_s = static_cast<double>(all.size()) / elapsed;
  r.p50_us = percentile(all, 0.50);
  r.p99_us = percentile(all, 0.99);
  return r;
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = std::filesystem::temp_directory_path().string();
  int runs = 5;
  double seconds = 2, warmup = 0;
  long checkpoint_pages = -1;  // -1: the store's default
  std::vector<int> clients = {1, 16};
  std::string kind = "sqlite";
  bool sync = true, memory = true, sync_inline = false;
  int dossiers = 100000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--dir") {
      dir = next();
    } else if (a == "--runs") {
      runs = std::stoi(next());
    } else if (a == "--seconds") {
      seconds = std::stod(next());
    } else if (a == "--warmup") {
      warmup = std::stod(next());
    } else if (a == "--checkpoint-pages") {
      checkpoint_pages = std::stol(next());
    } else if (a == "--clients") {
      clients.clear();
      std::string v = next();
      for (size_t p = 0; p < v.size();) {
        size_t q = v.find(',', p);
        clients.push_back(std::stoi(v.substr(p, q - p)));
        p = q == std::string::npos ? v.size() : q + 1;
      }
    } else if (a == "--store") {
      kind = next();
    } else if (a == "--no-sync") {
      sync = false;
    } else if (a == "--sync-inline") {
      sync_inline = true;  // SQLite fsyncs inside COMMIT (the store's old way), for comparison
    } else if (a == "--dossiers") {
      dossiers = std::stoi(next());
    } else if (a == "--no-memory") {
      memory = false;
    } else {
      die("unknown option " + a);
    }
  }
  Env env;
  env.comp = hoso::driver::compile_sources({{"bench.hoso", kRules}});
  if (env.comp->diags.has_errors() || !env.comp->module) die("rules do not compile");
  env.decider = std::make_shared<hoso::ir::InterpDecider>(*env.comp->module);
  auto desk = engine::parse_actor("commune Bắc Hà/one_stop#desk", env.decider->meta(),
                                  hoso::rules::Registry::default_registry());
  if (!desk.ok()) die(desk.error().message);
  env.desk = *desk;
  env.dossier_json = R"({"procedure": "Permit", "received": "2026-03-02 09:00",
    "receiving": "commune Bắc Hà", "fields": {"site": "Sa Pa", "floors": 2}})";

  std::printf("store=%s sync=%s runs=%d seconds=%.1f warmup=%.1f (median of runs)\n\n",
              kind.c_str(),
              !sync         ? "OFF"
              : sync_inline ? "FULL, fsync inside COMMIT"
                            : "FULL, fsync on the syncer",
              runs, seconds, warmup);
  std::printf("| clients | actions/s | p50 | p99 |\n|---|---:|---:|---:|\n");
  for (int c : clients) {
    std::vector<RunResult> rs;
    for (int r = 0; r < runs; ++r) {
      std::unique_ptr<hoso::store::Store> s;
      if (kind == "memory") {
        s = hoso::store::make_memory_store();
      } else {
        const std::string path =
            dir + "/engine-bench-" + std::to_string(c) + "-" + std::to_string(r) + ".db";
        for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
        hoso::store::SqliteConfig cfg(path);
        cfg.synchronous_full = sync;
        cfg.sync_off_lock = !sync_inline;
        if (checkpoint_pages >= 0)
          cfg.checkpoint_pages = static_cast<std::size_t>(checkpoint_pages);
        auto o = hoso::store::open_sqlite_store(cfg);
        if (!o.ok()) die(o.error().message);
        s = std::move(*o);
      }
      rs.push_back(run(env, s.get(), c, seconds, warmup));
      std::fprintf(stderr, "  clients=%d run %d: %.0f actions/s p50 %.0f us p99 %.0f us\n", c, r,
                   rs.back().actions_per_s, rs.back().p50_us, rs.back().p99_us);
    }
    std::sort(rs.begin(), rs.end(), [](const RunResult& a, const RunResult& b) {
      return a.actions_per_s < b.actions_per_s;
    });
    const RunResult& m = rs[rs.size() / 2];
    std::printf("| %d | %.0f | %.0f µs | %.0f µs |\n", c, m.actions_per_s, m.p50_us, m.p99_us);
    std::fflush(stdout);
  }
  if (memory) {
    // Open dossiers (received, in process, three deadlines queued) in the
    // in-memory store: RSS and heap growth per dossier.
    auto s = hoso::store::make_memory_store();
    auto eng = make_engine(env, s.get());
    malloc_trim(0);
    const long rss0 = rss_kib();
    const size_t heap0 = mallinfo2().uordblks;
    for (int i = 0; i < dossiers; ++i) {
      auto v = eng->submit(env.desk, {env.dossier_json, "desk", {}, ""});
      if (!v.ok()) die(v.error().message);
    }
    const long rss1 = rss_kib();
    const size_t heap1 = mallinfo2().uordblks;
    auto one = s->get_dossier("HS00000001");
    std::printf(
        "\nmemory per open dossier (in-memory store, %d dossiers): RSS %.0f bytes, "
        "heap %.0f bytes; state JSON %zu bytes\n",
        dossiers, static_cast<double>(rss1 - rss0) * 1024.0 / dossiers,
        static_cast<double>(heap1 - heap0) / dossiers, one.ok() ? one->state_json.size() : 0);
  }
  return 0;
}
