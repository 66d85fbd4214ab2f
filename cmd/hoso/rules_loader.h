// Shared by `hoso run`, `hoso test` and `hoso build`: compile rules files
// (printing diagnostics) and pick the engine that decides.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "hoso/rules.h"

namespace hoso::cli {

// Compiles `paths`; prints diagnostics to stderr. Null (after printing) when
// the rules have errors or cannot be read; `rc` then holds the exit code.
std::unique_ptr<driver::Compilation> load_rules(const std::vector<std::string>& paths,
                                                const char* command, int& rc);

// "interp" or "jit" over a compilation. Prints and returns null on failure.
std::unique_ptr<rules::Decider> make_engine(const std::string& engine, driver::Compilation& c,
                                            const char* command);

std::string read_file(const std::string& path, bool& ok);

}  // namespace hoso::cli
