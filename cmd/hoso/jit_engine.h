// The JIT as a rules::Decider, when Hoso is built with LLVM.
#pragma once

#include <memory>

#include "hoso/result.h"
#include "hoso/rules.h"
#include "ir/ir.h"

namespace hoso::cli {

Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module& m);
// The module built into an ahead-of-time pack in a temporary file, exactly as
// `hoso build` does, and loaded as the runtime loads packs (the file is
// removed once loaded): `--engine pack` on rules sources.
Result<std::unique_ptr<rules::Decider>> make_pack_engine(const ir::Module& m);

}  // namespace hoso::cli
