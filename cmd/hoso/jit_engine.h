// The JIT as a rules::Decider, when Hoso is built with LLVM.
#pragma once

#include <memory>

#include "hoso/result.h"
#include "hoso/rules.h"
#include "ir/ir.h"

namespace hoso::cli {

Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module& m);

}  // namespace hoso::cli
