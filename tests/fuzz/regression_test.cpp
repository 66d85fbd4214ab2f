// Replays the fuzz corpus and every finding kept in tests/fuzz/regressions/
// through the fuzzer's oracle, so the normal build checks them all.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_one.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs() {
  std::vector<fs::path> out;
  for (const char* dir : {"corpus", "regressions"}) {
    fs::path root = fs::path(HOSO_FUZZ_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FuzzRegression, CorpusIsNotEmpty) {
  EXPECT_FALSE(inputs().empty());
}

TEST(FuzzRegression, EveryInputPassesTheOracle) {
  for (const auto& path : inputs()) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << path;
    std::ostringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(hoso::fuzz::run_one(ss.str()), "");
  }
}

}  // namespace
