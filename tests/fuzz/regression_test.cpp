// Replays the fuzz corpus and every finding kept in tests/fuzz/regressions/
// through the parser fuzzer's oracle, and the dossier fuzzer's seeds
// (examples/dossiers/) and findings (tests/fuzz/dossier_regressions/)
// through its own, and the calendar fuzzer's (runtime/calendar/data/,
// tests/fuzz/calendar_regressions/) through its own, so the normal build
// checks them all.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "calendar_one.h"
#include "dossier_one.h"
#include "fuzz_one.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> out;
  for (const fs::path& root : dirs) {
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> inputs() {
  return files_in({fs::path(HOSO_FUZZ_DIR) / "corpus", fs::path(HOSO_FUZZ_DIR) / "regressions"});
}

std::vector<fs::path> dossier_inputs() {
  return files_in({fs::path(HOSO_SOURCE_DIR) / "examples" / "dossiers",
                   fs::path(HOSO_FUZZ_DIR) / "dossier_regressions"});
}

std::vector<fs::path> calendar_inputs() {
  return files_in({fs::path(HOSO_SOURCE_DIR) / "runtime" / "calendar" / "data",
                   fs::path(HOSO_FUZZ_DIR) / "calendar_regressions"});
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs every file through an oracle; each must give "".
void replay(const std::vector<fs::path>& paths, std::string (*oracle)(std::string_view)) {
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    EXPECT_EQ(oracle(read(path)), "");
  }
}

TEST(FuzzRegression, CorpusIsNotEmpty) {
  EXPECT_FALSE(inputs().empty());
}

TEST(FuzzRegression, EveryInputPassesTheOracle) {
  replay(inputs(), hoso::fuzz::run_one);
}

TEST(FuzzRegression, EveryDossierPassesTheDossierOracle) {
  const auto paths = dossier_inputs();
  EXPECT_GE(paths.size(), 20u);
  replay(paths, hoso::fuzz::run_dossier);
}

TEST(FuzzRegression, EveryCalendarPassesTheCalendarOracle) {
  const auto paths = calendar_inputs();
  EXPECT_GE(paths.size(), 3u);
  replay(paths, hoso::fuzz::run_calendar);
}

}  // namespace
