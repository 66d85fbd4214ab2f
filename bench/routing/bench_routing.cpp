// bench_routing: the routing workload (../shared/bench/routing-workload.md)
// on every engine in one run: the reference interpreter, the JIT and the
// ahead-of-time pack when built, and hand-written C++ (the floor). Reports
// decisions per second, ns per decision, the ratios, and verifies the
// checksum of every run. See docs/performance.md, "Routing workload".
//
//   taskset -c 1 build-perf/bin/bench_routing [--n 1000000] [--runs 5]
//       [--engines interp,jit,pack,hand,hand-raw,hand-abi] [--rules FILE] [--check]
//       [--emit-llvm] [--prefetch N]
//
// --prefetch N: every engine's loop prefetches the record N dossiers ahead
// (default 16; 0: none).
// --check: exit 1 unless every run reproduces the reference figures (the
// routing_checksum test runs it with --n 20000 --runs 1).
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "hoso/calendar_abi.h"
#include "ir/interp_decider.h"
#include "workload.h"
#ifdef HOSO_BENCH_HAVE_JIT
#include <unistd.h>

#include "hoso/pack.h"
#include "jit/jit.h"
#endif

namespace {

using hoso::bench::routing::Expected;
using hoso::bench::routing::Layout;
using hoso::bench::routing::Outputs;
using hoso::bench::routing::Raw;
using hoso::bench::routing::Summary;
namespace wl = hoso::bench::routing;

struct Args {
  size_t n = 1000000;
  int runs = 5;
  std::vector<std::string> engines;
  std::string rules = HOSO_SOURCE_DIR "/bench/routing/routing.hoso";
  bool check = false;
  bool emit_llvm = false;  // print the O2 LLVM IR of the rules and exit
  size_t prefetch = hoso::bench::routing::kPrefetchAhead;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The records and the context every engine reads.
struct Input {
  const std::vector<Raw>* raw = nullptr;
  std::vector<uint64_t> records;  // n records of layout.record_size bytes
  Layout layout;
  // Every loop (the harness's and the hand-written ones) asks for the record
  // this many dossiers ahead, as a driver over many dossiers would: with a
  // call per dossier the hardware prefetcher alone falls behind at N = 1M.
  // 0: no prefetching (--prefetch 0).
  size_t prefetch = wl::kPrefetchAhead;
  hoso_rt_ctx ctx{};
  const unsigned char* record(size_t i) const {
    return reinterpret_cast<const unsigned char*>(records.data()) + i * layout.record_size;
  }
};

// One call per dossier through a native entry point: the dossier arrives at
// its own commune's desk (receiving = the site), the three outputs are
// written into the preallocated arrays.
__attribute__((noinline)) void run_entry(hoso_decide_fn fn, const Input& in, Outputs& o) {
  const unsigned char* rec = in.record(0);
  const uint32_t size = in.layout.record_size;
  const hoso::rules::SlotLayout site = in.layout.slots[in.layout.site];
  hoso_rt_ctx ctx = in.ctx;
  hoso_decision dec{};
  const size_t n = o.size(), ahead = in.prefetch * size;
  for (size_t i = 0; i < n; ++i, rec += size) {
    if (ahead != 0) wl::prefetch_ahead(rec, ahead);
    ctx.receiving_unit = hoso::rules::read_slot(rec, site);
    fn(rec, &ctx, &dec);
    o.level[i] = hoso_unit_level(dec.unit) == 1 ? 1u : 0u;
    o.unit[i] = static_cast<uint32_t>(dec.unit);
    o.deadline[i] = static_cast<uint32_t>(dec.deadline_minutes / 480);
  }
}

// The same through a Decider's virtual decide_record() (the interpreter's form).
__attribute__((noinline)) void run_decider(const hoso::rules::Decider& d, uint32_t proc,
                                           const Input& in, Outputs& o) {
  const unsigned char* rec = in.record(0);
  const uint32_t size = in.layout.record_size;
  const hoso::rules::SlotLayout site = in.layout.slots[in.layout.site];
  hoso_rt_ctx ctx = in.ctx;
  hoso_decision dec{};
  const size_t n = o.size(), ahead = in.prefetch * size;
  for (size_t i = 0; i < n; ++i, rec += size) {
    if (ahead != 0) wl::prefetch_ahead(rec, ahead);
    ctx.receiving_unit = hoso::rules::read_slot(rec, site);
    d.decide_record(proc, rec, &ctx, &dec);
    o.level[i] = hoso_unit_level(dec.unit) == 1 ? 1u : 0u;
    o.unit[i] = static_cast<uint32_t>(dec.unit);
    o.deadline[i] = static_cast<uint32_t>(dec.deadline_minutes / 480);
  }
}

// Rule hits from the decisions' route arm (untimed verification pass).
std::array<uint64_t, wl::kRules> arm_hits(
    const std::function<void(const void*, const hoso_rt_ctx*, hoso_decision*)>& decide,
    const Input& in) {
  std::array<uint64_t, wl::kRules> hits{};
  hoso_rt_ctx ctx = in.ctx;
  hoso_decision dec{};
  const size_t n = in.raw->size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* rec = in.record(i);
    ctx.receiving_unit = hoso::rules::read_slot(rec, in.layout.slots[in.layout.site]);
    decide(rec, &ctx, &dec);
    if (dec.arm >= 0 && dec.arm < wl::kRules) ++hits[static_cast<size_t>(dec.arm)];
  }
  return hits;
}

struct Engine {
  std::string name;
  std::string description;
  std::function<void(Outputs&)> run;
  // Rule hits per route arm, or empty when the engine has no arms.
  std::function<std::array<uint64_t, wl::kRules>()> hits;
};

struct Measured {
  std::string name, description;
  std::vector<double> seconds;
  double median = 0, best = 0;
  bool ok = true;
};

std::string machine() {
  std::string model = "unknown CPU";
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::string load;
  std::ifstream la("/proc/loadavg");
  std::getline(la, load);
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : -1;
  return model + ", pinned to " + std::to_string(cpus) + " CPU(s), loadavg " + load;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_routing: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--n") {
      args.n = std::stoull(value());
    } else if (a == "--runs") {
      args.runs = std::max(1, std::stoi(value()));
    } else if (a == "--engines") {
      args.engines = split(value());
    } else if (a == "--rules") {
      args.rules = value();
    } else if (a == "--check") {
      args.check = true;
    } else if (a == "--emit-llvm") {
      args.emit_llvm = true;
    } else if (a == "--prefetch") {
      args.prefetch = std::stoull(value());
    } else {
      std::fprintf(stderr,
                   "usage: bench_routing [--n N] [--runs R] [--engines interp,jit,pack,hand,"
                   "hand-abi] [--rules FILE] [--check] [--emit-llvm] [--prefetch N]\n");
      return 2;
    }
  }

  auto comp = hoso::driver::compile({args.rules});
  if (!comp) {
    std::fprintf(stderr, "bench_routing: %s\n", comp.error().message.c_str());
    return 2;
  }
  if (!(*comp)->module) {
    std::fprintf(stderr, "bench_routing: %s does not check clean (run `hoso check %s`)\n",
                 args.rules.c_str(), args.rules.c_str());
    return 2;
  }
  const hoso::ir::Module& module = *(*comp)->module;
  auto proc = module.meta.procedure_index("RoutingWorkload");
  if (!proc) {
    std::fprintf(stderr, "bench_routing: no procedure RoutingWorkload in %s\n", args.rules.c_str());
    return 2;
  }
  auto layout = wl::layout_of(module.meta.procedures[*proc]);
  if (!layout) {
    std::fprintf(stderr, "bench_routing: %s\n", layout.error().message.c_str());
    return 2;
  }

  // Generation: not timed.
  const auto& registry = hoso::rules::Registry::default_registry();
  std::vector<Raw> raw = wl::generate(args.n);
  Input in;
  in.raw = &raw;
  in.layout = *layout;
  in.prefetch = args.prefetch;
  in.records = wl::records(raw, module.meta.procedures[*proc], *layout);
  in.ctx.province_of = registry.province_table();
  in.ctx.communes = registry.communes();
  in.ctx.receipt_date = 20515;  // 2026-03-02
  in.ctx.receiving_unit = HOSO_NO_UNIT;
  in.ctx.calendar = hoso_rt_default_calendar();
  const bool fixed_layout = wl::record_matches(*layout);

  hoso::ir::InterpDecider interp(module);
  std::vector<Engine> engines;
  engines.push_back(
      {"interp", "reference interpreter (ir::decide via InterpDecider), one call per dossier",
       [&](Outputs& o) { run_decider(interp, *proc, in, o); },
       [&]() {
         return arm_hits([&](const void* r, const hoso_rt_ctx* c,
                             hoso_decision* d) { interp.decide_record(*proc, r, c, d); },
                         in);
       }});
#ifdef HOSO_BENCH_HAVE_JIT
  if (args.emit_llvm) {
    auto ir = hoso::jit::emit_llvm(module, 2);
    if (!ir) {
      std::fprintf(stderr, "bench_routing: %s\n", ir.error().message.c_str());
      return 1;
    }
    std::fputs(ir->c_str(), stdout);
    return 0;
  }
  // The JIT: one native call per dossier on the row records.
  std::unique_ptr<hoso::rules::Decider> jit_decider;
  hoso_decide_fn jit_fn = nullptr;
  {
    auto t0 = std::chrono::steady_clock::now();
    hoso::jit::JitOptions options;
    options.use_cache = false;
    auto d = hoso::jit::make_decider(module, options);
    if (!d) {
      std::fprintf(stderr, "bench_routing: jit: %s\n", d.error().message.c_str());
      if (args.check) return 1;
    } else {
      jit_decider = std::move(*d);
      jit_fn = jit_decider->entry(*proc);
      auto t1 = std::chrono::steady_clock::now();
      std::printf("jit: compiled in %.1f ms (O2, no object cache)\n",
                  std::chrono::duration<double>(t1 - t0).count() * 1e3);
    }
  }
  if (jit_fn != nullptr) {
    engines.push_back({"jit", "ORC JIT (O2), one hoso_decide_fn call per dossier on the records",
                       [&](Outputs& o) { run_entry(jit_fn, in, o); },
                       [&]() { return arm_hits(jit_fn, in); }});
  }
  // The ahead-of-time pack: built here (not timed), loaded with dlopen.
  std::unique_ptr<hoso::rules::Decider> pack_decider;
  hoso_decide_fn pack_fn = nullptr;
  {
    std::string path = "/tmp/bench_routing." + std::to_string(getpid()) + ".pack";
    auto built = hoso::jit::build_pack(module, path);
    if (!built) {
      std::fprintf(stderr, "bench_routing: pack build: %s\n", built.error().message.c_str());
      if (args.check) return 1;
    } else {
      auto loaded = hoso::rules::load_pack(path);
      if (!loaded) {
        std::fprintf(stderr, "bench_routing: pack load: %s\n", loaded.error().message.c_str());
        if (args.check) return 1;
      } else {
        pack_decider = std::move(*loaded);
        pack_fn = pack_decider->entry(*proc);
      }
      std::remove(path.c_str());  // the mapping stays valid
    }
  }
  if (pack_fn != nullptr) {
    engines.push_back({"pack", "AOT pack (hoso build, dlopen), one hoso_decide_fn call per dossier",
                       [&](Outputs& o) { run_entry(pack_fn, in, o); },
                       [&]() { return arm_hits(pack_fn, in); }});
  }
#endif
  if (fixed_layout) {
    engines.push_back({"hand", "hand-written C++ if/else (-O2), inlined loop over the same records",
                       [&](Outputs& o) {
                         wl::handwritten(reinterpret_cast<const wl::Record*>(in.records.data()),
                                         o.size(), registry.province_table(), in.prefetch, o);
                       },
                       [&]() {
                         std::array<uint64_t, wl::kRules> h{};
                         for (const Raw& r : raw) ++h[static_cast<size_t>(wl::handwritten_rule(r))];
                         return h;
                       }});
    engines.push_back(
        {"hand-raw", "hand-written C++ (-O2) over the compact drawn records (16 bytes, not 24)",
         [&](Outputs& o) {
           wl::handwritten_raw(raw.data(), o.size(), registry.province_table(), in.prefetch, o);
         },
         nullptr});
    engines.push_back({"hand-abi",
                       "hand-written C++ behind the ABI: one hoso_decide_fn call per dossier",
                       [&](Outputs& o) {
                         hoso_decide_fn volatile fn = &wl::handwritten_decide;
                         run_entry(fn, in, o);
                       },
                       nullptr});
  } else {
    std::fprintf(stderr,
                 "bench_routing: the record layout is not the hand-written one; skipping hand\n");
  }

  std::vector<std::string> wanted = args.engines;
  if (wanted.empty()) {
    for (const auto& e : engines) wanted.push_back(e.name);
  }
  for (const auto& w : wanted) {
    bool known =
        std::any_of(engines.begin(), engines.end(), [&](const Engine& e) { return e.name == w; });
    if (!known) {
      std::fprintf(stderr, "bench_routing: engine %s is not available in this build\n", w.c_str());
      if (args.check) return 1;
    }
  }

  Expected expected;
  const bool have_expected = wl::expected_for(args.n, &expected);
  std::printf("routing workload v1: N=%zu, seed %u, %d runs per engine, median reported\n", args.n,
              wl::kSeed, args.runs);
  std::printf("machine: %s\n", machine().c_str());
  std::printf("records: %u bytes a dossier (the compiler's layout of RoutingWorkload)\n",
              in.layout.record_size);
  if (have_expected) {
    std::printf("expected: checksum 0x%08x, province %llu\n", expected.checksum,
                static_cast<unsigned long long>(expected.province));
  }

  bool all_ok = true;
  std::vector<Measured> results;
  Outputs out(args.n);
  // Rounds: each run of every engine in turn, so the medians and their
  // ratios are taken over the same minutes of the machine (a shared machine
  // drifts by 10% and more over the minutes one engine's runs would take).
  std::vector<const Engine*> chosen;
  for (const auto& e : engines) {
    if (std::find(wanted.begin(), wanted.end(), e.name) != wanted.end()) chosen.push_back(&e);
  }
  for (const Engine* e : chosen)
    results.push_back(Measured{e->name, e->description, {}, 0, 0, true});
  for (int r = 0; r < args.runs; ++r) {
    for (size_t k = 0; k < chosen.size(); ++k) {
      const Engine& e = *chosen[k];
      Measured& m = results[k];
      std::fill(out.level.begin(), out.level.end(), 0xffffffffu);
      auto t0 = std::chrono::steady_clock::now();
      e.run(out);
      auto t1 = std::chrono::steady_clock::now();
      double sec = std::chrono::duration<double>(t1 - t0).count();
      m.seconds.push_back(sec);
      Summary s = wl::summarise(out);
      bool ok = !have_expected ||
                (s.checksum == expected.checksum && s.province == expected.province &&
                 (!expected.has_sums ||
                  (s.sum_deadline == expected.sum_deadline && s.sum_unit == expected.sum_unit)));
      m.ok = m.ok && ok;
      std::printf(
          "  %-9s run %d: %8.2f ms  %7.2f ns/decision  checksum 0x%08x  province %llu  "
          "sum(deadline) %llu  sum(unit) %llu  %s\n",
          e.name.c_str(), r + 1, sec * 1e3, sec * 1e9 / static_cast<double>(args.n), s.checksum,
          static_cast<unsigned long long>(s.province),
          static_cast<unsigned long long>(s.sum_deadline),
          static_cast<unsigned long long>(s.sum_unit), ok ? "OK" : "MISMATCH");
    }
  }
  for (size_t k = 0; k < chosen.size(); ++k) {
    const Engine& e = *chosen[k];
    Measured& m = results[k];
    if (e.hits && have_expected && expected.has_sums) {
      auto h = e.hits();
      bool ok = h == expected.hits;
      m.ok = m.ok && ok;
      std::printf("  %-9s rule hits:", e.name.c_str());
      for (auto x : h) std::printf(" %llu", static_cast<unsigned long long>(x));
      std::printf("  %s\n", ok ? "OK" : "MISMATCH");
    }
    std::vector<double> sorted = m.seconds;
    std::sort(sorted.begin(), sorted.end());
    m.median = sorted[sorted.size() / 2];
    m.best = sorted.front();
    all_ok = all_ok && m.ok;
  }

  auto find = [&](const std::string& name) -> const Measured* {
    for (const auto& m : results) {
      if (m.name == name) return &m;
    }
    return nullptr;
  };
  const Measured* hand = find("hand");
  const Measured* interp_m = find("interp");
  std::printf(
      "\n| engine | decisions/s | ns/decision | best ns | time / hand-written | speed-up on "
      "interpreter | checksums |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---|\n");
  for (const auto& m : results) {
    double n = static_cast<double>(args.n);
    // Time ratios of the medians: x hand-written (>1 = slower than the
    // floor), x interpreter (>1 = faster than the interpreter).
    char vs_hand[32] = "-", vs_interp[32] = "-";
    if (hand != nullptr) std::snprintf(vs_hand, sizeof vs_hand, "%.2f", m.median / hand->median);
    if (interp_m != nullptr) {
      std::snprintf(vs_interp, sizeof vs_interp, "%.1f", interp_m->median / m.median);
    }
    std::printf("| %s | %.1f M | %.2f | %.2f | %s | %s | %s |\n", m.name.c_str(),
                n / m.median / 1e6, m.median * 1e9 / n, m.best * 1e9 / n, vs_hand, vs_interp,
                m.ok ? "all OK" : "MISMATCH");
  }
  for (const auto& m : results) std::printf("  %s: %s\n", m.name.c_str(), m.description.c_str());
  if (!all_ok) {
    std::printf("FAILED: some run did not reproduce the reference figures\n");
    return 1;
  }
  return 0;
}
