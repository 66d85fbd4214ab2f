// libFuzzer entry point: JSON dossiers against the shipped rules
// (HOSO_FUZZ_TARGET=dossier scripts/fuzz.sh runs it; findings go to
// tests/fuzz/dossier_regressions/).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "dossier_one.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string failure = hoso::fuzz::run_dossier(input);
  if (!failure.empty()) {
    std::fprintf(stderr, "hoso dossier fuzz oracle failed: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
