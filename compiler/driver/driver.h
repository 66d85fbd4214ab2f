// The driver runs the pipeline on files and folders: read, parse, check.
// Later phases (IR, JIT, packs) start from a Compilation.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ast/ast.h"
#include "base/source.h"
#include "check/check.h"
#include "diagnostics/diagnostic.h"
#include "hoso/result.h"
#include "ir/ir.h"
#include "ir/lower.h"

namespace hoso::driver {

struct Options {
  bool check = true;        // false: parse only (fmt)
  bool auto_stdlib = true;  // load the embedded std.vn when a file uses it
  bool lower = true;        // build the IR and the tests when the check is clean
};

// Owns everything a check produced; the Program points into `files`.
struct Compilation {
  base::SourceManager sm;
  std::vector<ast::File> files;
  std::vector<bool> user_file;  // false for the embedded standard library
  diag::Diagnostics diags;
  check::Program program;
  std::unique_ptr<ir::Module> module;  // set when the rules checked clean
  std::vector<ir::TestCase> tests;

  Compilation() = default;
  Compilation(const Compilation&) = delete;
  Compilation& operator=(const Compilation&) = delete;
};

// Expands folders to their *.hoso files (recursively, sorted) and reads
// them. A missing or unreadable path is an Error; problems inside the files
// are diagnostics in the Compilation.
Result<std::vector<std::string>> expand_paths(const std::vector<std::string>& paths);
Result<std::unique_ptr<Compilation>> compile(const std::vector<std::string>& paths,
                                             const Options& options = {});
// Compiles in-memory sources (name, text), for tests and embedding.
std::unique_ptr<Compilation> compile_sources(
    const std::vector<std::pair<std::string, std::string>>& sources, const Options& options = {});

std::string_view embedded_stdlib();

}  // namespace hoso::driver
