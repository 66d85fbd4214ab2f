// libFuzzer entry point: calendar files (HOSO_FUZZ_TARGET=calendar
// scripts/fuzz.sh runs it; findings go to tests/fuzz/calendar_regressions/).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "calendar_one.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string failure = hoso::fuzz::run_calendar(input);
  if (!failure.empty()) {
    std::fprintf(stderr, "hoso calendar fuzz oracle failed: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
