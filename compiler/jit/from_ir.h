// ir::Module -> llvm::Module: one function per procedure with the
// hoso_decide_fn signature, computing exactly what ir::decide computes.
// Internal to compiler/jit (forward declarations only: no LLVM header here).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace llvm {
class Module;
}  // namespace llvm

namespace hoso::jit {

// How compiled rules reach the runtime's C ABI (calendar_abi.h).
enum class RuntimeCalls {
  kDirect,       // calls to hoso_rt_* resolved by the JIT (only those symbols)
  kViaPointers,  // packs: calls through hoso_pack_rt_* pointers the loader fills in
};

std::string decide_symbol(uint32_t proc);

// Emits `hoso_decide_<i>` for each i in `procs` into `out`, with the user
// functions they call (transitively) as internal functions.
void lower_procedures(const ir::Module& m, const std::vector<uint32_t>& procs, RuntimeCalls calls,
                      llvm::Module& out);

// Runs the O0 (always-inline only) or O2 pipeline on `mod`.
void optimise(llvm::Module& mod, int opt_level);

// A structural hash of what lowering procedure `proc` reads (its IR, the
// functions it calls, its rules version): the object cache key with the
// compiler version, opt level and target.
uint64_t procedure_hash(const ir::Module& m, uint32_t proc);

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ULL);

}  // namespace hoso::jit
