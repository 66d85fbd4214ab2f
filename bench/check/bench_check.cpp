// Checking speed (docs/performance.md, "Checking rules"): the shipped rules
// and a generated corpus (bench/check/gen_corpus.py, 5,000 procedures by
// default). For each corpus, N runs of
//   - the phases one after the other, as the driver runs them: read the
//     files, parse them (and the embedded std.vn), check the lot;
//   - driver::compile end to end (what `hoso check` does, later phases
//     included when the driver runs them on clean rules);
// and the median of each. Single-threaded (the parser runs each file on one
// helper thread at a time); pin it with `taskset -c 0` for one core.
//
//   bench_check [--runs N] [--rules DIR] [--corpus DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "check/check.h"
#include "driver/driver.h"
#include "parse/parse.h"

namespace {

using namespace hoso;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Process CPU time: on a machine shared with builds, wall time includes
// waiting for a core; CPU time does not (one thread runs at a time here).
double cpu_ms() {
  return 1000.0 * static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Run {
  double read = 0, parse = 0, check = 0, driver = 0;                  // wall, ms
  double read_cpu = 0, parse_cpu = 0, check_cpu = 0, driver_cpu = 0;  // CPU, ms
  size_t files = 0, bytes = 0, procedures = 0, rules = 0, errors = 0, driver_errors = 0;
};

// The phases of driver::compile, timed one by one.
Run run_once(const std::vector<std::string>& paths, const std::vector<std::string>& dirs) {
  Run r;
  double c0 = cpu_ms();
  auto t0 = Clock::now();
  base::SourceManager sm;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    r.bytes += ss.str().size();
    sm.add(path, ss.str());
  }
  r.files = paths.size();
  r.read = ms_since(t0);
  r.read_cpu = cpu_ms() - c0;

  c0 = cpu_ms();
  t0 = Clock::now();
  diag::Diagnostics diags;
  std::vector<ast::File> files;
  for (uint32_t id = 1; id < sm.size(); ++id) files.push_back(parse::parse_file(sm, id, diags));
  uint32_t std_id = sm.add("<stdlib>/std/vn.hoso", std::string(driver::embedded_stdlib()));
  files.push_back(parse::parse_file(sm, std_id, diags));
  r.parse = ms_since(t0);
  r.parse_cpu = cpu_ms() - c0;

  c0 = cpu_ms();
  t0 = Clock::now();
  check::Program program = check::check(files, sm, diags);
  r.check = ms_since(t0);
  r.check_cpu = cpu_ms() - c0;
  for (const auto& p : program.procedures) r.procedures += p.file + 1 < files.size() ? 1 : 0;
  r.rules = program.rules.size();
  r.errors = diags.error_count();

  c0 = cpu_ms();
  t0 = Clock::now();
  auto c = driver::compile(dirs);
  r.driver = ms_since(t0);
  r.driver_cpu = cpu_ms() - c0;
  r.driver_errors = c ? (*c)->diags.error_count() : 1;
  return r;
}

bool bench(const char* label, const std::string& dir, int runs) {
  auto paths = driver::expand_paths({dir});
  if (!paths) {
    std::fprintf(stderr, "bench_check: %s\n", paths.error().message.c_str());
    return false;
  }
  std::vector<double> read, parse, check, total, driver;
  std::vector<double> read_cpu, parse_cpu, check_cpu, total_cpu, driver_cpu;
  Run last;
  run_once(*paths, {dir});  // warm-up: page cache, ANTLR's DFA cache, allocator
  for (int i = 0; i < runs; ++i) {
    last = run_once(*paths, {dir});
    read.push_back(last.read);
    parse.push_back(last.parse);
    check.push_back(last.check);
    total.push_back(last.read + last.parse + last.check);
    driver.push_back(last.driver);
    read_cpu.push_back(last.read_cpu);
    parse_cpu.push_back(last.parse_cpu);
    check_cpu.push_back(last.check_cpu);
    total_cpu.push_back(last.read_cpu + last.parse_cpu + last.check_cpu);
    driver_cpu.push_back(last.driver_cpu);
  }
  double t = median(total), d = median(driver), tc = median(total_cpu);
  std::printf("%s: %s\n", label, dir.c_str());
  std::printf("  %zu files, %.1f KiB, %zu procedures, %zu authority rules, %zu errors\n",
              last.files, static_cast<double>(last.bytes) / 1024, last.procedures, last.rules,
              last.errors);
  std::string head = "median of " + std::to_string(runs) + " runs, ms";
  std::printf("    %-28s %-24s %s\n", head.c_str(), "wall (min..max)", "CPU (min..max)");
  auto row = [](const char* name, const std::vector<double>& v, const std::vector<double>& c) {
    auto range = [](const std::vector<double>& x) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "(%.1f..%.1f)", *std::min_element(x.begin(), x.end()),
                    *std::max_element(x.begin(), x.end()));
      return std::string(buf);
    };
    std::printf("    %-28s %8.1f %-15s %8.1f %s\n", name, median(v), range(v).c_str(), median(c),
                range(c).c_str());
  };

  row("read", read, read_cpu);
  row("parse (+ std.vn)", parse, parse_cpu);
  row("check", check, check_cpu);
  row("read + parse + check", total, total_cpu);
  row("driver::compile end to end", driver, driver_cpu);
  std::printf(
      "  procedures per second: %.0f (phases, wall), %.0f (phases, CPU), %.0f "
      "(driver::compile, wall)\n",
      static_cast<double>(last.procedures) / (t / 1000),
      static_cast<double>(last.procedures) / (tc / 1000),
      static_cast<double>(last.procedures) / (d / 1000));
  if (last.errors != 0 || last.driver_errors != 0) {
    std::fprintf(stderr, "bench_check: %s does not check clean (%zu errors)\n", dir.c_str(),
                 std::max(last.errors, last.driver_errors));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 7;
  std::string rules = std::string(HOSO_SOURCE_DIR) + "/rules";
  std::string corpus = HOSO_BENCH_CORPUS_DIR;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rules" && i + 1 < argc) {
      rules = argv[++i];
    } else if (a == "--corpus" && i + 1 < argc) {
      corpus = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_check [--runs N] [--rules DIR] [--corpus DIR]\n");
      return 2;
    }
  }
  bool ok = bench("rules", rules, runs);
  if (!std::filesystem::exists(corpus)) {
    std::fprintf(stderr,
                 "bench_check: no generated corpus at %s; build the `bench_check_corpus` target or "
                 "run bench/check/gen_corpus.py %s\n",
                 corpus.c_str(), corpus.c_str());
    return 1;
  }
  ok = bench("generated", corpus, runs) && ok;
  return ok ? 0 : 1;
}
