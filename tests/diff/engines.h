// The engines the differential tests hold to the reference interpreter:
// the interpreter itself, the ORC JIT and an ahead-of-time pack, as far as
// this build has them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hoso/rules.h"
#include "ir/ir.h"

namespace hoso::difftest {

struct Engine {
  std::string name;
  std::unique_ptr<rules::Decider> decider;
  std::shared_ptr<void> keep;  // whatever the decider needs alive (a loaded pack)
};

// The interpreter first (the oracle), then every compiled engine built.
// Failing to make a compiled engine is a test failure: `error` says why.
std::vector<Engine> make_engines(const ir::Module& m, const std::string& scratch_dir,
                                 std::string* error);

}  // namespace hoso::difftest
