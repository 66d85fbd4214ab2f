// Working-calendar throughput on one core: additions of working days per
// second through the precomputed tables, against a naive day-by-day walk
// measured in the same run, plus working-minute additions. Prints the median
// of several runs. Usage: hoso_calendar_bench [runs=7] [ops=4000000]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "hoso/calendar.h"

namespace {

using hoso::calendar::Calendar;
using hoso::calendar::Instant;
using Clock = std::chrono::steady_clock;

struct Input {
  Instant t;
  std::int32_t n;
};

// What a simulator without tables would do: round, then walk day by day.
Instant naive_add(const Calendar& c, Instant t, std::int32_t n) {
  const auto start = c.round(t, hoso::calendar::Rounding::kToOpening);
  hoso::calendar::Date d = hoso::calendar::date_of(*start);
  for (std::int32_t left = n; left > 0;) {
    ++d;
    if (c.is_working_day(d)) --left;
  }
  return hoso::calendar::make_instant(d, hoso::calendar::minute_of_day(*start));
}

template <class F>
double rate(const std::vector<Input>& in, F&& f, std::int64_t& sink) {
  const auto t0 = Clock::now();
  std::int64_t acc = 0;
  for (const Input& x : in) acc += f(x);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  sink += acc;
  return static_cast<double>(in.size()) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 7;
  const std::size_t ops = argc > 2 ? static_cast<std::size_t>(std::atoll(argv[2])) : 4000000;
  const Calendar& cal = hoso::calendar::default_calendar();

  // Starts spread over 2000-2100 at any minute (in and out of office hours),
  // 1 to 60 working days: the range of Vietnamese procedure deadlines.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<Instant> start(hoso::calendar::make_instant(10957),
                                               hoso::calendar::make_instant(47482));
  std::uniform_int_distribution<std::int32_t> days(1, 60);
  std::vector<Input> in(ops);
  for (Input& x : in) x = Input{start(rng), days(rng)};
  std::vector<Input> naive_in(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(ops / 10));

  std::int64_t sink = 0;
  std::vector<double> fast, naive, minutes;
  constexpr auto kOpen = hoso::calendar::Rounding::kToOpening;
  for (int r = 0; r < runs; ++r) {
    fast.push_back(rate(
        in, [&](const Input& x) { return *cal.add_working_days(x.t, x.n, kOpen); }, sink));
    naive.push_back(rate(
        naive_in, [&](const Input& x) { return naive_add(cal, x.t, x.n); }, sink));
    minutes.push_back(rate(
        in, [&](const Input& x) { return *cal.add_working_minutes(x.t, x.n * 97, kOpen); }, sink));
  }
  const double f = median(fast), n = median(naive), m = median(minutes);
  std::printf("runs=%d ops/run=%zu (naive: %zu), median of runs, one core\n", runs, ops,
              naive_in.size());
  std::printf("add_working_days (tables)      %8.1f M/s\n", f / 1e6);
  std::printf("add_working_days (naive walk)  %8.1f M/s\n", n / 1e6);
  std::printf("ratio tables / naive           %8.1f x\n", f / n);
  std::printf("add_working_minutes (bsearch)  %8.1f M/s\n", m / 1e6);
  std::printf("checksum %lld\n", static_cast<long long>(sink));
  return 0;
}
