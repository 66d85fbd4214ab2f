// Shared by `hoso run`, `hoso test` and `hoso build`: compile rules files
// (printing diagnostics) and pick the engine that decides.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.h"
#include "hoso/rules.h"

namespace hoso::cli {

// Compiles `paths`; prints diagnostics to stderr. Null (after printing) when
// the rules have errors or cannot be read; `rc` then holds the exit code.
std::unique_ptr<driver::Compilation> load_rules(const std::vector<std::string>& paths,
                                                const char* command, int& rc);

// "interp", "jit" or "pack" (built into a temporary pack, as `hoso build`
// does) over a compilation. Prints and returns null on failure.
std::unique_ptr<rules::Decider> make_engine(const std::string& engine, driver::Compilation& c,
                                            const char* command);

// True when `path` is a file that starts like a shared object (a pack from
// `hoso build`), not rules sources.
bool is_pack_file(const std::string& path);

// Loads a pack built by `hoso build`. Prints the loader's refusal and returns
// null on failure.
std::unique_ptr<rules::Decider> load_pack_file(const std::string& path, const char* command);

// The rules a command runs on and the engine that decides them.
struct LoadedRules {
  std::unique_ptr<driver::Compilation> comp;  // null when a pack file was loaded
  std::unique_ptr<rules::Decider> decider;    // may refer to comp: keep both
};

// `--engine pack` with one path that is a pack file loads it as is; any
// other engine (or pack over sources) compiles `paths` and makes the engine
// over them. Prints and returns false on failure, with the exit code in rc.
bool load_decider(const std::string& engine, const std::vector<std::string>& paths,
                  const char* command, LoadedRules& out, int& rc);

// Reads a file named on the command line (a dossier...): a regular file of
// sensible size. Prints why not and returns nullopt on failure.
std::optional<std::string> read_input(const std::string& path, const char* command);

}  // namespace hoso::cli
