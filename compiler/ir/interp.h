// The reference interpreter over the IR: the oracle every compiled engine is
// tested against, and the speed baseline.
#pragma once

#include "hoso/abi.h"
#include "ir/ir.h"

namespace hoso::ir {

// Runs procedure `proc` of `m` on one dossier record (its layout is
// m.meta.procedures[proc].layout); same contract as a compiled hoso_decide_fn.
void decide(const Module& m, uint32_t proc, const void* record, const hoso_rt_ctx* ctx,
            hoso_decision* out);

// Evaluates a node of `arena` with the given slots (tests' expectations,
// constant defaults). `ctx` may be null when no unit or calendar is needed.
int64_t eval(const Module& m, const Arena& arena, NodeId n, const int64_t* slots,
             const hoso_rt_ctx* ctx);
int64_t eval_constant(const Module& m, const Arena& arena, NodeId n);

}  // namespace hoso::ir
