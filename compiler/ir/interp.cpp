#include "ir/interp.h"

#include "hoso/calendar.h"
#include "hoso/calendar_abi.h"

namespace hoso::ir {
namespace {

struct Frame {
  const Module& m;
  const Arena& arena;
  // The dossier: a record read through its layout when `layout` is set
  // (decide), else int64 slot values (eval: tests' expectations, defaults).
  const void* record;
  const rules::SlotLayout* layout;
  const int64_t* slots;
  const int64_t* params;
  const hoso_rt_ctx* ctx;
  int64_t competent;
  bool* overflow;  // set when an arithmetic result does not fit in 64 bits
};

// Integer arithmetic wraps (two's complement), as the LLVM back end's does,
// and records that it did: the decision then says a computation overflowed
// (hoso_decision::overflow) instead of passing a wrapped fee for a real one.
int64_t add(int64_t a, int64_t b, bool* overflow) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) *overflow = true;
  return r;
}
int64_t sub(int64_t a, int64_t b, bool* overflow) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) *overflow = true;
  return r;
}

// Fixed-point (x1000) product and quotient through a 128-bit intermediate,
// so they are exact whenever the result fits in 64 bits (a land fee of
// 200,000 m2 at 50 million VND/m2 overflows a 64-bit a*b, not the result); a
// result that does not fit wraps modulo 2^64, as in the LLVM back end, and
// is recorded as an overflow. x / 0 is 0.
__extension__ using i128 = __int128;
int64_t narrow(i128 v, bool* overflow) {
  if (v > INT64_MAX || v < INT64_MIN) *overflow = true;
  return static_cast<int64_t>(v);
}
int64_t mul_fixed(int64_t a, int64_t b, bool* overflow) {
  return narrow(static_cast<i128>(a) * b / 1000, overflow);
}
int64_t div_fixed(int64_t a, int64_t b, bool* overflow) {
  if (b == 0) return 0;
  return narrow(static_cast<i128>(a) * 1000 / b, overflow);
}

int64_t year_of(int64_t days) {
  return calendar::civil_from_days(static_cast<calendar::Date>(days)).year;
}

int64_t run(const Frame& f, NodeId id) {
  const Node& n = f.arena.at(id);
  auto a = [&]() { return run(f, n.args[0]); };
  auto b = [&]() { return run(f, n.args[1]); };
  switch (n.op) {
    case Op::Const:
      return n.imm;
    case Op::Slot:
      return f.layout != nullptr ? rules::read_slot(f.record, f.layout[n.index]) : f.slots[n.index];
    case Op::Param:
      return f.params[n.index];
    case Op::Competent:
      return f.competent;
    case Op::Receiving:
      return f.ctx != nullptr ? f.ctx->receiving_unit : HOSO_NO_UNIT;
    case Op::Not:
      return a() == 0 ? 1 : 0;
    case Op::Neg:
      return sub(0, a(), f.overflow);
    case Op::And:
      return a() != 0 && b() != 0 ? 1 : 0;
    case Op::Or:
      return a() != 0 || b() != 0 ? 1 : 0;
    case Op::Add:
      return add(a(), b(), f.overflow);
    case Op::Sub: {
      int64_t x = a();
      return sub(x, b(), f.overflow);
    }
    case Op::Mul: {
      int64_t x = a();
      return mul_fixed(x, b(), f.overflow);
    }
    case Op::Div: {
      int64_t x = a();
      return div_fixed(x, b(), f.overflow);
    }
    case Op::Eq:
      return a() == b() ? 1 : 0;
    case Op::Ne:
      return a() != b() ? 1 : 0;
    case Op::Lt:
      return a() < b() ? 1 : 0;
    case Op::Le:
      return a() <= b() ? 1 : 0;
    case Op::Gt:
      return a() > b() ? 1 : 0;
    case Op::Ge:
      return a() >= b() ? 1 : 0;
    case Op::Select:
      return a() != 0 ? b() : run(f, n.args[2]);
    case Op::Min: {
      int64_t x = a(), y = b();
      return x < y ? x : y;
    }
    case Op::Max: {
      int64_t x = a(), y = b();
      return x > y ? x : y;
    }
    case Op::Abs: {
      int64_t x = a();
      return x < 0 ? sub(0, x, f.overflow) : x;
    }
    case Op::Call: {
      const Function& fn = f.m.functions[static_cast<size_t>(n.index)];
      int64_t args[16] = {};
      for (size_t i = 0; i < n.args.size() && i < 16; ++i) args[i] = run(f, n.args[i]);
      Frame callee{f.m,  fn.arena, f.record,    f.layout,  f.slots,
                   args, f.ctx,    f.competent, f.overflow};
      return run(callee, fn.body);
    }
    case Op::DaysToInt:
      return a() / 1000;
    case Op::AddWorking: {
      int64_t t = a(), m = b();
      const void* cal = f.ctx != nullptr ? f.ctx->calendar : nullptr;
      return hoso_rt_add_working_minutes(cal != nullptr ? cal : hoso_rt_default_calendar(), t, m);
    }
    case Op::Year:
      return year_of(a()) * 1000;
    case Op::ProvinceAt: {
      int64_t u = a();
      if (f.ctx == nullptr) return HOSO_NO_UNIT;
      return hoso_province_unit(hoso_unit_province(f.ctx, u), n.index);
    }
    case Op::CommuneAt:
      return hoso_commune_unit(hoso_unit_commune(a()), n.index);
    case Op::UnitAt:
      if (f.ctx == nullptr) return HOSO_NO_UNIT;
      return hoso_unit_at(f.ctx, a(), n.index, n.index2);
    case Op::IsProvince:
      return hoso_unit_level(a()) == 1 ? 1 : 0;
  }
  return 0;
}

bool in_force(const Rule& r, int32_t day) {
  return r.effective <= day && day <= r.until;
}

}  // namespace

int64_t eval(const Module& m, const Arena& arena, NodeId n, const int64_t* slots,
             const hoso_rt_ctx* ctx) {
  bool overflow = false;
  Frame f{m, arena, nullptr, nullptr, slots, nullptr, ctx, HOSO_NO_UNIT, &overflow};
  return run(f, n);
}

int64_t eval_constant(const Module& m, const Arena& arena, NodeId n) {
  return eval(m, arena, n, nullptr, nullptr);
}

void decide(const Module& m, uint32_t proc, const void* record, const hoso_rt_ctx* ctx,
            hoso_decision* out) {
  const Procedure& p = m.procedures[proc];
  bool overflow = false;
  Frame f{m,   p.arena,      record,   m.meta.procedures[proc].layout.data(), nullptr, nullptr,
          ctx, HOSO_NO_UNIT, &overflow};
  // Every field is written; the step arrays only up to nsteps (hoso/abi.h),
  // so deciding a dossier costs nothing for the steps it does not have.
  out->failed_requires = 0;
  out->arm = -1;
  out->rule = -1;
  out->unit = HOSO_NO_UNIT;
  out->deadline_minutes = 0;
  out->fee = 0;
  out->warn_minutes = -1;
  out->steps_included = 0;
  out->nsteps = 0;
  for (size_t i = 0; i < p.requires_.size(); ++i) {
    if (run(f, p.requires_[i].cond) == 0) out->failed_requires |= uint64_t{1} << i;
  }
  int64_t unit = HOSO_NO_UNIT;
  if (p.has_route) {
    for (size_t i = 0; i < p.arms.size(); ++i) {
      if (!p.arms[i].cond || run(f, *p.arms[i].cond) != 0) {
        unit = run(f, p.arms[i].target.unit);
        out->arm = static_cast<int32_t>(i);
        break;
      }
    }
  } else {
    unit = run(f, p.default_unit.unit);
  }
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const Rule& r = p.rules[i];
    if (!r.decentralise || r.step >= 0 || !in_force(r, ctx->receipt_date)) continue;
    if (r.when && run(f, *r.when) == 0) continue;
    f.competent = unit;
    if (run(f, r.from.unit) != unit) continue;
    unit = run(f, r.to.unit);
    out->rule = static_cast<int32_t>(i);
    break;
  }
  f.competent = unit;
  out->unit = unit;
  if (p.deadline) out->deadline_minutes = run(f, *p.deadline);
  if (p.fee) out->fee = run(f, *p.fee);
  if (p.warn) out->warn_minutes = run(f, *p.warn);
  out->nsteps = static_cast<int32_t>(p.steps.size());
  for (size_t s = 0; s < p.steps.size() && s < HOSO_MAX_STEPS; ++s) {
    const Step& st = p.steps[s];
    out->step_rule[s] = -1;
    out->step_role[s] = st.handler.role;
    if (st.cond && run(f, *st.cond) == 0) {
      out->step_unit[s] = HOSO_NO_UNIT;
      out->step_budget[s] = 0;
      continue;
    }
    out->steps_included |= uint64_t{1} << s;
    int64_t handler = run(f, st.handler.unit);
    int32_t role = st.handler.role;
    // Decentralisation of this step, then delegation of whoever holds it.
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < p.rules.size(); ++i) {
        const Rule& r = p.rules[i];
        if (r.decentralise != (pass == 0) || r.step != static_cast<int32_t>(s) ||
            !in_force(r, ctx->receipt_date)) {
          continue;
        }
        if (r.when && run(f, *r.when) == 0) continue;
        if (run(f, r.from.unit) != handler) continue;
        if (!r.decentralise && r.from.role != role) continue;
        handler = run(f, r.to.unit);
        role = r.to.role;
        out->step_rule[s] = static_cast<int32_t>(i);
        break;
      }
    }
    out->step_unit[s] = handler;
    out->step_role[s] = role;
    out->step_budget[s] = st.budget ? run(f, *st.budget) : 0;
  }
  out->overflow = overflow ? 1 : 0;
}

}  // namespace hoso::ir
