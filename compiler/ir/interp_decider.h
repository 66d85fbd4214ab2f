// The reference interpreter as a rules::Decider.
#pragma once

#include <memory>

#include "ir/interp.h"

namespace hoso::ir {

class InterpDecider final : public rules::Decider {
 public:
  explicit InterpDecider(const Module& m) : m_(m) {}
  const rules::PackMeta& meta() const override { return m_.meta; }
  void decide_record(uint32_t procedure, const void* record, const hoso_rt_ctx* ctx,
                     hoso_decision* out) const override {
    if (procedure >= m_.procedures.size()) {
      rules::no_decision(out);
      return;
    }
    ir::decide(m_, procedure, record, ctx, out);
  }
  hoso_decide_fn entry(uint32_t) const override { return nullptr; }

 private:
  const Module& m_;
};

}  // namespace hoso::ir
