// check::Program -> ir::Module (and the tests of the rules files).
#pragma once

#include "check/check.h"
#include "ir/ir.h"

namespace hoso::ir {

Module lower(const check::Program& p, const base::SourceManager& sm, diag::Diagnostics& diags,
             const rules::Registry& registry);

struct Expectation {
  uint32_t line = 0;
  std::string text;
  // Over the dossier's slots (n = rules::slot_count), then n+0 competent,
  // n+1 due, n+2 valid, n+3 fee, n+4+i: require i failed.
  NodeId node;
};

// A `test` block, ready to run on any engine.
struct TestCase {
  std::string name, file;
  uint32_t line = 0;
  uint32_t procedure = 0;
  int64_t received = 0;
  int64_t receiving = HOSO_NO_UNIT;
  std::vector<int64_t> slots;  // values given; defaults fill the rest when run
  std::vector<bool> set;
  Arena arena;
  std::vector<Expectation> expects;
};

std::vector<TestCase> lower_tests(const check::Program& p, const base::SourceManager& sm,
                                  diag::Diagnostics& diags, const rules::Registry& registry,
                                  Module& module);

}  // namespace hoso::ir
