// bench_jit: cold start of a rules corpus to the first decision, cache cold
// and warm; pack replacement in a running Jit; LLVM compile cost per
// procedure; optionally an AOT pack build and load.
//
//   python3 bench/check/gen_corpus.py /tmp/corpus --procedures 5000
//   build/bin/bench_jit /tmp/corpus [--cache DIR] [--compile 200] [--pack]
//
// The front end (parse, check, IR) is timed separately: it is the same for
// every engine, and a deployment loads an AOT pack instead.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "driver/driver.h"
#include "hoso/pack.h"
#include "jit/jit.h"

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// One decision on procedure 0 with an all-zero record (at most 8 bytes a
// slot): what "first decision" means.
bool first_decision(hoso_decide_fn fn, size_t slots) {
  std::vector<uint64_t> s(slots, 0);
  hoso_rt_ctx ctx{};
  ctx.receipt_date = 20300;
  ctx.receiving_unit = 5;
  hoso_decision d{};
  fn(s.data(), &ctx, &d);
  return d.nsteps >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_jit CORPUS_DIR [--cache DIR] [--compile N] [--pack]\n");
    return 2;
  }
  std::string corpus = argv[1];
  std::string cache = "/tmp/hoso-bench-jit-cache-" + std::to_string(::getpid());
  size_t compile_n = 200;
  bool pack = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
      cache = argv[++i];
    else if (std::strcmp(argv[i], "--compile") == 0 && i + 1 < argc)
      compile_n = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--pack") == 0)
      pack = true;
  }
  std::string rm = "rm -rf '" + cache + "'";
  if (std::system(rm.c_str()) != 0) return 2;

  auto t = Clock::now();
  auto c = hoso::driver::compile({corpus});
  if (!c || (*c)->module == nullptr) {
    std::fprintf(stderr, "bench_jit: the corpus does not compile\n");
    return 2;
  }
  // Shared, as an engine holds it: load() does not copy.
  std::shared_ptr<const hoso::ir::Module> shared(std::move((*c)->module));
  const hoso::ir::Module& m = *shared;
  std::printf("front end (parse, check, IR): %zu procedures in %.0f ms\n", m.procedures.size(),
              ms_since(t));
  size_t slots0 = hoso::rules::slot_count(m.meta.procedures[0]);

  for (int opt : {2, 0}) {
    for (const char* phase : {"cold", "warm"}) {
      hoso::jit::JitOptions o;
      o.cache_dir = cache + "-O" + std::to_string(opt);
      o.opt_level = opt;
      t = Clock::now();
      auto j = hoso::jit::Jit::create(o);
      double create = ms_since(t);
      auto h = (*j)->load(shared);
      double load = ms_since(t);
      auto fn = (*j)->lookup(*h, 0);
      if (!fn || !first_decision(*fn, slots0)) return 1;
      double first = ms_since(t);
      std::printf(
          "O%d cache %s: Jit::create %.1f ms, load %zu procedures %.1f ms, first decision %.1f ms "
          "(compiled %llu, cache hits %llu)\n",
          opt, phase, create, m.procedures.size(), load - create, first,
          static_cast<unsigned long long>((*j)->stats().compiled),
          static_cast<unsigned long long>((*j)->stats().cache_hits));
    }
  }

  // Compile cost per procedure, and pack replacement in a running Jit.
  for (int opt : {0, 2}) {
    hoso::jit::JitOptions o;
    o.use_cache = false;
    o.opt_level = opt;
    auto j = hoso::jit::Jit::create(o);
    auto h = (*j)->load(shared);
    size_t n = std::min(compile_n, m.procedures.size());
    t = Clock::now();
    for (uint32_t p = 0; p < n; ++p) {
      if (!(*j)->lookup(*h, p)) return 1;
    }
    std::printf("O%d compile: %zu procedures in %.0f ms (%.2f ms each)\n", opt, n, ms_since(t),
                ms_since(t) / static_cast<double>(n));
    if (opt == 2) {
      double worst = 0, total = 0;
      for (int i = 0; i < 10; ++i) {
        t = Clock::now();
        auto h2 = (*j)->load(shared);
        auto f2 = (*j)->lookup(*h2, 0);
        if (!f2 || !(*j)->unload(*h).ok()) return 1;
        h = h2;
        double ms = ms_since(t);
        worst = std::max(worst, ms);
        total += ms;
      }
      std::printf(
          "replace a %zu-procedure pack (load new + first entry compiled + unload old): mean %.1f "
          "ms, worst %.1f ms\n",
          m.procedures.size(), total / 10, worst);
    }
  }

  if (pack) {
    std::string path = cache + ".pack";
    t = Clock::now();
    auto b = hoso::jit::build_pack(m, path);
    if (!b) {
      std::fprintf(stderr, "%s\n", b.error().message.c_str());
      return 1;
    }
    std::printf("hoso build (O2, whole corpus, link): %.0f ms\n", ms_since(t));
    t = Clock::now();
    auto d = hoso::rules::load_pack(path);
    if (!d) {
      std::fprintf(stderr, "%s\n", d.error().message.c_str());
      return 1;
    }
    hoso_decide_fn fn = (*d)->entry(0);
    if (fn == nullptr || !first_decision(fn, slots0)) return 1;
    std::printf("load_pack + first decision: %.1f ms\n", ms_since(t));
  }
  return 0;
}
