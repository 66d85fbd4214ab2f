// libFuzzer entry point, built once per oracle (HOSO_FUZZ_ORACLE, see
// CMakeLists.txt): rules text, JSON dossiers or calendar files. scripts/fuzz.sh
// runs them; what they find goes to the oracle's regressions folder.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "calendar_one.h"
#include "dossier_one.h"
#include "fuzz_one.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string failure = HOSO_FUZZ_ORACLE(input);
  if (!failure.empty()) {
    std::fprintf(stderr, "hoso fuzz oracle failed: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
