// libFuzzer entry point: the whole front end on arbitrary bytes
// (scripts/fuzz.sh runs it; tests/fuzz/regressions/ keeps what it found).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz_one.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string failure = hoso::fuzz::run_one(input);
  if (!failure.empty()) {
    std::fprintf(stderr, "hoso fuzz oracle failed: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
