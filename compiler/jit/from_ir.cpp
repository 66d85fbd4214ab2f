// ir::Module -> llvm::Module. Mirrors compiler/ir/interp.cpp statement by
// statement: the same evaluation order, short-circuit And/Or, fixed-point
// Mul/Div (Div by zero is 0), the same rule loops; the decision is left in
// the state ir::decide leaves it in (every field written, unused step
// entries zero).
#include "jit/from_ir.h"

#include <cstddef>
#include <map>
#include <set>

#include "hoso/abi.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#pragma GCC diagnostic pop

namespace hoso::jit {
namespace {

using llvm::BasicBlock;
using llvm::Function;
using llvm::Value;

constexpr uint64_t kOffFailed = offsetof(hoso_decision, failed_requires);
constexpr uint64_t kOffArm = offsetof(hoso_decision, arm);
constexpr uint64_t kOffRule = offsetof(hoso_decision, rule);
constexpr uint64_t kOffUnit = offsetof(hoso_decision, unit);
constexpr uint64_t kOffDeadline = offsetof(hoso_decision, deadline_minutes);
constexpr uint64_t kOffFee = offsetof(hoso_decision, fee);
constexpr uint64_t kOffWarn = offsetof(hoso_decision, warn_minutes);
constexpr uint64_t kOffSteps = offsetof(hoso_decision, steps_included);
constexpr uint64_t kOffNsteps = offsetof(hoso_decision, nsteps);
constexpr uint64_t kOffOverflow = offsetof(hoso_decision, overflow);
constexpr uint64_t kOffStepRole = offsetof(hoso_decision, step_role);
constexpr uint64_t kOffStepRule = offsetof(hoso_decision, step_rule);
constexpr uint64_t kOffStepUnit = offsetof(hoso_decision, step_unit);
constexpr uint64_t kOffStepBudget = offsetof(hoso_decision, step_budget);
constexpr uint64_t kCtxProvinceOf = offsetof(hoso_rt_ctx, province_of);
constexpr uint64_t kCtxCommunes = offsetof(hoso_rt_ctx, communes);
constexpr uint64_t kCtxReceiptDate = offsetof(hoso_rt_ctx, receipt_date);
constexpr uint64_t kCtxReceiving = offsetof(hoso_rt_ctx, receiving_unit);
constexpr uint64_t kCtxCalendar = offsetof(hoso_rt_ctx, calendar);

void collect_calls(const ir::Module& m, const ir::Arena& a, std::set<int32_t>& out) {
  for (const auto& n : a.nodes) {
    if (n.op == ir::Op::Call && out.insert(n.index).second) {
      collect_calls(m, m.functions[static_cast<size_t>(n.index)].arena, out);
    }
  }
}

class Lowerer {
 public:
  Lowerer(const ir::Module& m, RuntimeCalls calls, llvm::Module& mod)
      : m_(m), calls_(calls), mod_(mod), c_(mod.getContext()), b_(c_) {
    i1_ = llvm::Type::getInt1Ty(c_);
    i32_ = llvm::Type::getInt32Ty(c_);
    i64_ = llvm::Type::getInt64Ty(c_);
    ptr_ = llvm::PointerType::get(c_, 0);
  }

  void procedure(uint32_t index);

 private:
  // One function body being emitted: a procedure's decide or a user function.
  struct Frame {
    const ir::Arena* arena = nullptr;
    Value* slots = nullptr;  // the dossier record
    // Where each slot sits in the record (a procedure's decide); user
    // functions take only their parameters, so they have none.
    const std::vector<rules::SlotLayout>* layout = nullptr;
    Value* ctx = nullptr;
    Value* overflow = nullptr;                   // an i1 in memory: set when arithmetic overflowed
    llvm::AllocaInst* competent_slot = nullptr;  // decide: the variable
    Value* competent = nullptr;                  // user functions: the argument
    std::vector<Value*> params;
  };

  Value* c64(int64_t v) { return b_.getInt64(static_cast<uint64_t>(v)); }
  Value* c32(int32_t v) { return b_.getInt32(static_cast<uint32_t>(v)); }
  Value* gep(Value* base, uint64_t off) { return b_.CreateConstGEP1_64(b_.getInt8Ty(), base, off); }
  Value* load64(Value* base, uint64_t off) { return b_.CreateLoad(i64_, gep(base, off)); }
  void store(Value* v, Value* base, uint64_t off) { b_.CreateStore(v, gep(base, off)); }
  Value* bool64(Value* i1v) { return b_.CreateZExt(i1v, i64_); }
  BasicBlock* block(const char* name) {
    return BasicBlock::Create(c_, name, b_.GetInsertBlock()->getParent());
  }

  Function* helper(const char* name, llvm::Type* ret, std::vector<llvm::Type*> args) {
    auto* fn = Function::Create(llvm::FunctionType::get(ret, args, false),
                                Function::InternalLinkage, name, mod_);
    fn->addFnAttr(llvm::Attribute::AlwaysInline);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    return fn;
  }
  // Emits `body` into a fresh helper; restores the builder afterwards.
  template <class F>
  Function* define(Function*& cache, const char* name, llvm::Type* ret,
                   std::vector<llvm::Type*> args, F body) {
    if (cache != nullptr) return cache;
    cache = helper(name, ret, std::move(args));
    llvm::IRBuilderBase::InsertPointGuard guard(b_);
    b_.SetInsertPoint(BasicBlock::Create(c_, "entry", cache));
    body(cache);
    return cache;
  }

  Function* fn_unit_province();
  Function* fn_unit_commune();
  Function* fn_unit_level();
  Function* fn_province_unit();
  Function* fn_commune_unit();
  Function* fn_unit_at();
  Function* fn_receiving();
  Function* fn_province_at();
  Function* fn_unit_at_ctx();
  Function* fn_mul();
  Function* fn_div();
  Function* fn_year();
  Function* fn_add_working();
  Function* user_function(int32_t index);

  Value* emit(Frame& f, ir::NodeId id);
  // x op y through an llvm.*.with.overflow intrinsic, noting the overflow.
  Value* checked(Frame& f, llvm::Intrinsic::ID id, Value* x, Value* y) {
    Value* r = b_.CreateBinaryIntrinsic(id, x, y);
    note_overflow(f.overflow, b_.CreateExtractValue(r, 1));
    return b_.CreateExtractValue(r, 0);
  }
  void note_overflow(Value* flag, Value* bit) {
    b_.CreateStore(b_.CreateOr(b_.CreateLoad(i1_, flag), bit), flag);
  }
  // An i128 as i64, noting when it does not fit.
  Value* to_i64(Value* wide, Value* flag) {
    Value* t = b_.CreateTrunc(wide, i64_);
    note_overflow(flag, b_.CreateICmpNE(b_.CreateSExt(t, wide->getType()), wide));
    return t;
  }
  Value* emit_branchy(Frame& f, const ir::Node& n);
  Value* competent(Frame& f) {
    return f.competent_slot != nullptr ? b_.CreateLoad(i64_, f.competent_slot) : f.competent;
  }
  Value* in_force(Value* ctx, const ir::Rule& r);

  const ir::Module& m_;
  RuntimeCalls calls_;
  llvm::Module& mod_;
  llvm::LLVMContext& c_;
  llvm::IRBuilder<> b_;
  llvm::Type *i1_, *i32_, *i64_, *ptr_;
  Function *unit_province_ = nullptr, *unit_commune_ = nullptr, *unit_level_ = nullptr,
           *province_unit_ = nullptr, *commune_unit_ = nullptr, *unit_at_ = nullptr,
           *receiving_ = nullptr, *province_at_ = nullptr, *unit_at_ctx_ = nullptr, *mul_ = nullptr,
           *div_ = nullptr, *year_ = nullptr, *add_working_ = nullptr;
  std::map<int32_t, Function*> user_;
};

// ------------------------------------------------------------ abi.h helpers

Function* Lowerer::fn_unit_province() {
  return define(unit_province_, "hoso.unit_province", i32_, {ptr_, i64_}, [&](Function* fn) {
    Value* ctx = fn->getArg(0);
    Value* unit = fn->getArg(1);
    BasicBlock* entry = b_.GetInsertBlock();
    BasicBlock* commune_agency = block("commune_agency");
    BasicBlock* not_ca = block("not_ca");
    BasicBlock* province = block("province");
    BasicBlock* commune = block("commune");
    BasicBlock* lookup = block("lookup");
    BasicBlock* none = block("none");
    (void)entry;
    b_.CreateCondBr(b_.CreateICmpSGE(unit, c64(HOSO_COMMUNE_AGENCY_BASE)), commune_agency, not_ca);
    b_.SetInsertPoint(commune_agency);
    Value* ca = b_.CreateSDiv(b_.CreateSub(unit, c64(HOSO_COMMUNE_AGENCY_BASE)), c64(100));
    b_.CreateBr(commune);
    b_.SetInsertPoint(not_ca);
    b_.CreateCondBr(b_.CreateICmpSGE(unit, c64(HOSO_PROVINCE_UNIT_BASE)), province, commune);
    b_.SetInsertPoint(province);
    b_.CreateRet(b_.CreateTrunc(
        b_.CreateSDiv(b_.CreateSub(unit, c64(HOSO_PROVINCE_UNIT_BASE)), c64(100)), i32_));
    b_.SetInsertPoint(commune);
    auto* u = b_.CreatePHI(i64_, 2);
    u->addIncoming(ca, commune_agency);
    u->addIncoming(unit, not_ca);
    Value* communes = b_.CreateSExt(b_.CreateLoad(i32_, gep(ctx, kCtxCommunes)), i64_);
    Value* bad = b_.CreateOr(b_.CreateICmpSLT(u, c64(0)), b_.CreateICmpSGE(u, communes));
    b_.CreateCondBr(bad, none, lookup);
    b_.SetInsertPoint(none);
    b_.CreateRet(c32(-1));
    b_.SetInsertPoint(lookup);
    Value* table = b_.CreateLoad(ptr_, gep(ctx, kCtxProvinceOf));
    b_.CreateRet(b_.CreateLoad(i32_, b_.CreateGEP(i32_, table, u)));
  });
}

Function* Lowerer::fn_unit_commune() {
  return define(unit_commune_, "hoso.unit_commune", i32_, {i64_}, [&](Function* fn) {
    Value* unit = fn->getArg(0);
    BasicBlock* ca = block("ca");
    BasicBlock* rest = block("rest");
    BasicBlock* none = block("none");
    BasicBlock* self = block("self");
    b_.CreateCondBr(b_.CreateICmpSGE(unit, c64(HOSO_COMMUNE_AGENCY_BASE)), ca, rest);
    b_.SetInsertPoint(ca);
    b_.CreateRet(b_.CreateTrunc(
        b_.CreateSDiv(b_.CreateSub(unit, c64(HOSO_COMMUNE_AGENCY_BASE)), c64(100)), i32_));
    b_.SetInsertPoint(rest);
    b_.CreateCondBr(b_.CreateOr(b_.CreateICmpSGE(unit, c64(HOSO_PROVINCE_UNIT_BASE)),
                                b_.CreateICmpSLT(unit, c64(0))),
                    none, self);
    b_.SetInsertPoint(none);
    b_.CreateRet(c32(-1));
    b_.SetInsertPoint(self);
    b_.CreateRet(b_.CreateTrunc(unit, i32_));
  });
}

Function* Lowerer::fn_unit_level() {
  return define(unit_level_, "hoso.unit_level", i32_, {i64_}, [&](Function* fn) {
    Value* unit = fn->getArg(0);
    Value* prov = b_.CreateAnd(b_.CreateICmpSGE(unit, c64(HOSO_PROVINCE_UNIT_BASE)),
                               b_.CreateICmpSLT(unit, c64(HOSO_COMMUNE_AGENCY_BASE)));
    Value* lvl = b_.CreateSelect(prov, c32(1), c32(2));
    b_.CreateRet(b_.CreateSelect(b_.CreateICmpSLT(unit, c64(0)), c32(0), lvl));
  });
}

Function* Lowerer::fn_province_unit() {
  return define(province_unit_, "hoso.province_unit", i64_, {i32_, i32_}, [&](Function* fn) {
    Value* p = fn->getArg(0);
    Value* a = fn->getArg(1);
    Value* bad = b_.CreateOr(b_.CreateICmpSLT(p, c32(0)), b_.CreateICmpSLT(a, c32(0)));
    Value* u = b_.CreateAdd(
        b_.CreateAdd(c64(HOSO_PROVINCE_UNIT_BASE), b_.CreateMul(b_.CreateSExt(p, i64_), c64(100))),
        b_.CreateSExt(a, i64_));
    b_.CreateRet(b_.CreateSelect(bad, c64(HOSO_NO_UNIT), u));
  });
}

Function* Lowerer::fn_commune_unit() {
  return define(commune_unit_, "hoso.commune_unit", i64_, {i32_, i32_}, [&](Function* fn) {
    Value* c = fn->getArg(0);
    Value* a = fn->getArg(1);
    Value* bad = b_.CreateOr(b_.CreateICmpSLT(c, c32(0)), b_.CreateICmpSLT(a, c32(0)));
    Value* c64v = b_.CreateSExt(c, i64_);
    Value* agency =
        b_.CreateAdd(b_.CreateAdd(c64(HOSO_COMMUNE_AGENCY_BASE), b_.CreateMul(c64v, c64(100))),
                     b_.CreateSExt(a, i64_));
    Value* u = b_.CreateSelect(b_.CreateICmpEQ(a, c32(0)), c64v, agency);
    b_.CreateRet(b_.CreateSelect(bad, c64(HOSO_NO_UNIT), u));
  });
}

Function* Lowerer::fn_unit_at() {
  return define(unit_at_, "hoso.unit_at", i64_, {ptr_, i64_, i32_, i32_}, [&](Function* fn) {
    Value* ctx = fn->getArg(0);
    Value* unit = fn->getArg(1);
    BasicBlock* prov = block("prov");
    BasicBlock* not_prov = block("not_prov");
    BasicBlock* comm = block("comm");
    BasicBlock* none = block("none");
    Value* level = b_.CreateCall(fn_unit_level(), {unit});
    b_.CreateCondBr(b_.CreateICmpEQ(level, c32(1)), prov, not_prov);
    b_.SetInsertPoint(prov);
    Value* p = b_.CreateCall(fn_unit_province(), {ctx, unit});
    b_.CreateRet(b_.CreateCall(fn_province_unit(), {p, fn->getArg(2)}));
    b_.SetInsertPoint(not_prov);
    b_.CreateCondBr(b_.CreateICmpEQ(level, c32(2)), comm, none);
    b_.SetInsertPoint(comm);
    Value* c = b_.CreateCall(fn_unit_commune(), {unit});
    b_.CreateRet(b_.CreateCall(fn_commune_unit(), {c, fn->getArg(3)}));
    b_.SetInsertPoint(none);
    b_.CreateRet(c64(HOSO_NO_UNIT));
  });
}

// ctx != NULL ? ctx->receiving_unit : HOSO_NO_UNIT
Function* Lowerer::fn_receiving() {
  return define(receiving_, "hoso.receiving", i64_, {ptr_}, [&](Function* fn) {
    BasicBlock* has = block("has");
    BasicBlock* none = block("none");
    b_.CreateCondBr(b_.CreateIsNull(fn->getArg(0)), none, has);
    b_.SetInsertPoint(has);
    b_.CreateRet(load64(fn->getArg(0), kCtxReceiving));
    b_.SetInsertPoint(none);
    b_.CreateRet(c64(HOSO_NO_UNIT));
  });
}

Function* Lowerer::fn_province_at() {
  return define(province_at_, "hoso.province_at", i64_, {ptr_, i64_, i32_}, [&](Function* fn) {
    BasicBlock* has = block("has");
    BasicBlock* none = block("none");
    b_.CreateCondBr(b_.CreateIsNull(fn->getArg(0)), none, has);
    b_.SetInsertPoint(has);
    Value* p = b_.CreateCall(fn_unit_province(), {fn->getArg(0), fn->getArg(1)});
    b_.CreateRet(b_.CreateCall(fn_province_unit(), {p, fn->getArg(2)}));
    b_.SetInsertPoint(none);
    b_.CreateRet(c64(HOSO_NO_UNIT));
  });
}

Function* Lowerer::fn_unit_at_ctx() {
  return define(unit_at_ctx_, "hoso.unit_at_ctx", i64_, {ptr_, i64_, i32_, i32_},
                [&](Function* fn) {
                  BasicBlock* has = block("has");
                  BasicBlock* none = block("none");
                  b_.CreateCondBr(b_.CreateIsNull(fn->getArg(0)), none, has);
                  b_.SetInsertPoint(has);
                  b_.CreateRet(b_.CreateCall(
                      fn_unit_at(), {fn->getArg(0), fn->getArg(1), fn->getArg(2), fn->getArg(3)}));
                  b_.SetInsertPoint(none);
                  b_.CreateRet(c64(HOSO_NO_UNIT));
                });
}

// Fixed-point (x1000) a * b / 1000 and a * 1000 / b, as interp.cpp's
// mul_fixed and div_fixed: exact whenever the result fits in 64 bits (the
// product goes through 128 bits when it does not fit in 64); a result that
// does not fit wraps modulo 2^64 and sets the overflow flag (the third
// argument); x / 0 is 0.
Function* Lowerer::fn_mul() {
  return define(mul_, "hoso.mul", i64_, {i64_, i64_, ptr_}, [&](Function* fn) {
    auto* i128 = b_.getInt128Ty();
    BasicBlock* narrow = block("narrow");
    BasicBlock* wide = block("wide");
    Value* a = fn->getArg(0);
    Value* b = fn->getArg(1);
    Value* r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smul_with_overflow, a, b);
    b_.CreateCondBr(b_.CreateExtractValue(r, 1), wide, narrow);
    b_.SetInsertPoint(narrow);
    b_.CreateRet(b_.CreateSDiv(b_.CreateExtractValue(r, 0), c64(1000)));
    b_.SetInsertPoint(wide);
    Value* p = b_.CreateMul(b_.CreateSExt(a, i128), b_.CreateSExt(b, i128));
    b_.CreateRet(to_i64(b_.CreateSDiv(p, llvm::ConstantInt::get(i128, 1000)), fn->getArg(2)));
  });
}

Function* Lowerer::fn_div() {
  return define(div_, "hoso.div", i64_, {i64_, i64_, ptr_}, [&](Function* fn) {
    auto* i128 = b_.getInt128Ty();
    BasicBlock* zero = block("zero");
    BasicBlock* notzero = block("notzero");
    BasicBlock* narrow = block("narrow");
    BasicBlock* wide = block("wide");
    Value* a = fn->getArg(0);
    Value* b = fn->getArg(1);
    b_.CreateCondBr(b_.CreateICmpEQ(b, c64(0)), zero, notzero);
    b_.SetInsertPoint(zero);
    b_.CreateRet(c64(0));
    b_.SetInsertPoint(notzero);
    Value* r = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smul_with_overflow, a, c64(1000));
    b_.CreateCondBr(b_.CreateExtractValue(r, 1), wide, narrow);
    // a * 1000 is never INT64_MIN (not a multiple of 1000), so / -1 is safe.
    b_.SetInsertPoint(narrow);
    b_.CreateRet(b_.CreateSDiv(b_.CreateExtractValue(r, 0), b));
    b_.SetInsertPoint(wide);
    Value* x = b_.CreateMul(b_.CreateSExt(a, i128), llvm::ConstantInt::get(i128, 1000));
    b_.CreateRet(to_i64(b_.CreateSDiv(x, b_.CreateSExt(b, i128)), fn->getArg(2)));
  });
}

// The civil year of a day count, as interp.cpp's year_of.
Function* Lowerer::fn_year() {
  return define(year_, "hoso.year", i64_, {i64_}, [&](Function* fn) {
    Value* z = b_.CreateAdd(fn->getArg(0), c64(719468));
    Value* zz = b_.CreateSelect(b_.CreateICmpSGE(z, c64(0)), z, b_.CreateSub(z, c64(146096)));
    Value* era = b_.CreateSDiv(zz, c64(146097));
    Value* doe = b_.CreateSub(z, b_.CreateMul(era, c64(146097)));
    Value* yoe =
        b_.CreateSDiv(b_.CreateSub(b_.CreateAdd(b_.CreateSub(doe, b_.CreateSDiv(doe, c64(1460))),
                                                b_.CreateSDiv(doe, c64(36524))),
                                   b_.CreateSDiv(doe, c64(146096))),
                      c64(365));
    Value* doy = b_.CreateSub(
        doe, b_.CreateSub(b_.CreateAdd(b_.CreateMul(yoe, c64(365)), b_.CreateSDiv(yoe, c64(4))),
                          b_.CreateSDiv(yoe, c64(100))));
    Value* mp = b_.CreateSDiv(b_.CreateAdd(b_.CreateMul(doy, c64(5)), c64(2)), c64(153));
    Value* mon = b_.CreateSelect(b_.CreateICmpSLT(mp, c64(10)), b_.CreateAdd(mp, c64(3)),
                                 b_.CreateSub(mp, c64(9)));
    Value* y = b_.CreateAdd(b_.CreateAdd(yoe, b_.CreateMul(era, c64(400))),
                            b_.CreateSelect(b_.CreateICmpSLE(mon, c64(2)), c64(1), c64(0)));
    b_.CreateRet(y);
  });
}

// hoso_rt_add_working_minutes(ctx && ctx->calendar ? ctx->calendar :
// hoso_rt_default_calendar(), t, m), through the C ABI only.
Function* Lowerer::fn_add_working() {
  return define(add_working_, "hoso.add_working", i64_, {ptr_, i64_, i64_}, [&](Function* fn) {
    auto* add_ty = llvm::FunctionType::get(i64_, {ptr_, i64_, i64_}, false);
    auto* def_ty = llvm::FunctionType::get(ptr_, {}, false);
    llvm::FunctionCallee add, def;
    if (calls_ == RuntimeCalls::kDirect) {
      add = mod_.getOrInsertFunction("hoso_rt_add_working_minutes", add_ty);
      def = mod_.getOrInsertFunction("hoso_rt_default_calendar", def_ty);
    } else {
      auto pointer = [&](const char* name) -> Value* {
        auto* gv = mod_.getNamedGlobal(name);
        if (gv == nullptr) {
          gv = new llvm::GlobalVariable(
              mod_, ptr_, false, llvm::GlobalValue::ExternalLinkage,
              llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(ptr_)), name);
        }
        return b_.CreateLoad(ptr_, gv);
      };
      add = llvm::FunctionCallee(add_ty, pointer("hoso_pack_rt_add_working_minutes"));
      def = llvm::FunctionCallee(def_ty, pointer("hoso_pack_rt_default_calendar"));
    }
    Value* ctx = fn->getArg(0);
    BasicBlock* has_ctx = block("has_ctx");
    BasicBlock* pick = block("pick");
    BasicBlock* fallback = block("fallback");
    BasicBlock* call = block("call");
    BasicBlock* entry = b_.GetInsertBlock();
    b_.CreateCondBr(b_.CreateIsNull(ctx), pick, has_ctx);
    b_.SetInsertPoint(has_ctx);
    Value* cal = b_.CreateLoad(ptr_, gep(ctx, kCtxCalendar));
    b_.CreateBr(pick);
    b_.SetInsertPoint(pick);
    auto* c = b_.CreatePHI(ptr_, 2);
    c->addIncoming(llvm::ConstantPointerNull::get(llvm::cast<llvm::PointerType>(ptr_)), entry);
    c->addIncoming(cal, has_ctx);
    b_.CreateCondBr(b_.CreateIsNull(c), fallback, call);
    b_.SetInsertPoint(fallback);
    Value* d = b_.CreateCall(def, {});
    b_.CreateBr(call);
    b_.SetInsertPoint(call);
    auto* cc = b_.CreatePHI(ptr_, 2);
    cc->addIncoming(c, pick);
    cc->addIncoming(d, fallback);
    b_.CreateRet(b_.CreateCall(add, {cc, fn->getArg(1), fn->getArg(2)}));
  });
}

// A user function: i64 (slots, ctx, competent, overflow flag, params...).
Function* Lowerer::user_function(int32_t index) {
  auto it = user_.find(index);
  if (it != user_.end()) return it->second;
  const ir::Function& uf = m_.functions[static_cast<size_t>(index)];
  std::vector<llvm::Type*> args = {ptr_, ptr_, i64_, ptr_};
  for (uint32_t i = 0; i < uf.params; ++i) args.push_back(i64_);
  auto* fn = helper(("hoso.fn." + uf.name).c_str(), i64_, args);
  user_[index] = fn;
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(BasicBlock::Create(c_, "entry", fn));
  Frame f;
  f.arena = &uf.arena;
  f.slots = fn->getArg(0);
  f.ctx = fn->getArg(1);
  f.competent = fn->getArg(2);
  f.overflow = fn->getArg(3);
  for (uint32_t i = 0; i < uf.params; ++i) f.params.push_back(fn->getArg(4 + i));
  b_.CreateRet(emit(f, uf.body));
  return fn;
}

// ------------------------------------------------------------ expressions

Value* Lowerer::emit_branchy(Frame& f, const ir::Node& n) {
  // And, Or, Select: only the operand the interpreter evaluates runs.
  Value* a = emit(f, n.args[0]);
  Value* a_true = b_.CreateICmpNE(a, c64(0));
  BasicBlock* from = b_.GetInsertBlock();
  BasicBlock* other = block("rhs");
  BasicBlock* join = block("join");
  BasicBlock* else_bb = nullptr;
  if (n.op == ir::Op::And) {
    b_.CreateCondBr(a_true, other, join);
  } else if (n.op == ir::Op::Or) {
    b_.CreateCondBr(a_true, join, other);
  } else {
    else_bb = block("else");
    b_.CreateCondBr(a_true, other, else_bb);
  }
  b_.SetInsertPoint(other);
  Value* bv = emit(f, n.args[1]);
  if (n.op != ir::Op::Select) bv = bool64(b_.CreateICmpNE(bv, c64(0)));
  BasicBlock* other_end = b_.GetInsertBlock();
  b_.CreateBr(join);
  Value* cv = nullptr;
  BasicBlock* else_end = nullptr;
  if (else_bb != nullptr) {
    b_.SetInsertPoint(else_bb);
    cv = emit(f, n.args[2]);
    else_end = b_.GetInsertBlock();
    b_.CreateBr(join);
  }
  b_.SetInsertPoint(join);
  auto* phi = b_.CreatePHI(i64_, 2);
  phi->addIncoming(bv, other_end);
  if (n.op == ir::Op::Select) {
    phi->addIncoming(cv, else_end);
  } else {
    phi->addIncoming(c64(n.op == ir::Op::And ? 0 : 1), from);
  }
  return phi;
}

Value* Lowerer::emit(Frame& f, ir::NodeId id) {
  const ir::Node& n = f.arena->at(id);
  auto a = [&]() { return emit(f, n.args[0]); };
  auto bin = [&](auto op) {
    Value* x = emit(f, n.args[0]);
    Value* y = emit(f, n.args[1]);
    return op(x, y);
  };
  switch (n.op) {
    case ir::Op::Const:
      return c64(n.imm);
    case ir::Op::Slot: {
      // A typed load at the slot's offset, sign-extended as the
      // interpreter's rules::read_slot does.
      if (f.layout == nullptr || static_cast<size_t>(n.index) >= f.layout->size()) return c64(0);
      const rules::SlotLayout l = (*f.layout)[static_cast<size_t>(n.index)];
      llvm::Type* t = b_.getIntNTy(l.width * 8);
      auto* load =
          b_.CreateAlignedLoad(t, b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), f.slots, l.offset),
                               llvm::Align(l.width));
      return l.width == 8 ? static_cast<Value*>(load) : b_.CreateSExt(load, i64_);
    }
    case ir::Op::Param:
      return static_cast<size_t>(n.index) < f.params.size() ? f.params[static_cast<size_t>(n.index)]
                                                            : c64(0);
    case ir::Op::Competent:
      return competent(f);
    case ir::Op::Receiving:
      return b_.CreateCall(fn_receiving(), {f.ctx});
    case ir::Op::Not:
      return bool64(b_.CreateICmpEQ(a(), c64(0)));
    case ir::Op::Neg:
      return checked(f, llvm::Intrinsic::ssub_with_overflow, c64(0), a());
    case ir::Op::And:
    case ir::Op::Or:
    case ir::Op::Select:
      return emit_branchy(f, n);
    case ir::Op::Add:
      return bin([&](Value* x, Value* y) {
        return checked(f, llvm::Intrinsic::sadd_with_overflow, x, y);
      });
    case ir::Op::Sub:
      return bin([&](Value* x, Value* y) {
        return checked(f, llvm::Intrinsic::ssub_with_overflow, x, y);
      });
    case ir::Op::Mul:
      return bin([&](Value* x, Value* y) -> Value* {
        // A constant multiple of 1000 (unit conversions: days to minutes)
        // is an exact integer factor: one multiply, same result.
        for (auto [v, k] : {std::pair{x, y}, std::pair{y, x}}) {
          if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(k); c != nullptr) {
            const int64_t kv = c->getSExtValue();
            if (kv % 1000 == 0) {
              return checked(f, llvm::Intrinsic::smul_with_overflow, v, c64(kv / 1000));
            }
          }
        }
        return b_.CreateCall(fn_mul(), {x, y, f.overflow});
      });
    case ir::Op::Div:
      return bin([&](Value* x, Value* y) { return b_.CreateCall(fn_div(), {x, y, f.overflow}); });
    case ir::Op::Eq:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpEQ(x, y)); });
    case ir::Op::Ne:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpNE(x, y)); });
    case ir::Op::Lt:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpSLT(x, y)); });
    case ir::Op::Le:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpSLE(x, y)); });
    case ir::Op::Gt:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpSGT(x, y)); });
    case ir::Op::Ge:
      return bin([&](Value* x, Value* y) { return bool64(b_.CreateICmpSGE(x, y)); });
    case ir::Op::Min:
      return bin([&](Value* x, Value* y) { return b_.CreateSelect(b_.CreateICmpSLT(x, y), x, y); });
    case ir::Op::Max:
      return bin([&](Value* x, Value* y) { return b_.CreateSelect(b_.CreateICmpSGT(x, y), x, y); });
    case ir::Op::Abs: {
      Value* x = a();
      note_overflow(f.overflow, b_.CreateICmpEQ(x, c64(INT64_MIN)));
      return b_.CreateSelect(b_.CreateICmpSLT(x, c64(0)), b_.CreateSub(c64(0), x), x);
    }
    case ir::Op::Call: {
      Function* fn = user_function(n.index);
      const ir::Function& uf = m_.functions[static_cast<size_t>(n.index)];
      std::vector<Value*> args = {f.slots, f.ctx, competent(f), f.overflow};
      std::vector<Value*> vals;
      for (size_t i = 0; i < n.args.size() && i < 16; ++i) vals.push_back(emit(f, n.args[i]));
      for (uint32_t i = 0; i < uf.params; ++i) args.push_back(i < vals.size() ? vals[i] : c64(0));
      return b_.CreateCall(fn, args);
    }
    case ir::Op::DaysToInt:
      return b_.CreateSDiv(a(), c64(1000));
    case ir::Op::AddWorking:
      return bin([&](Value* t, Value* mins) {
        return b_.CreateCall(fn_add_working(), {f.ctx, t, mins});
      });
    case ir::Op::Year:
      return b_.CreateMul(b_.CreateCall(fn_year(), {a()}), c64(1000));
    case ir::Op::ProvinceAt:
      return b_.CreateCall(fn_province_at(), {f.ctx, a(), c32(n.index)});
    case ir::Op::CommuneAt: {
      Value* c = b_.CreateCall(fn_unit_commune(), {a()});
      return b_.CreateCall(fn_commune_unit(), {c, c32(n.index)});
    }
    case ir::Op::UnitAt:
      return b_.CreateCall(fn_unit_at_ctx(), {f.ctx, a(), c32(n.index), c32(n.index2)});
    case ir::Op::IsProvince:
      return bool64(b_.CreateICmpEQ(b_.CreateCall(fn_unit_level(), {a()}), c32(1)));
  }
  return c64(0);
}

Value* Lowerer::in_force(Value* ctx, const ir::Rule& r) {
  Value* day = b_.CreateLoad(i32_, gep(ctx, kCtxReceiptDate));
  return b_.CreateAnd(b_.CreateICmpSLE(c32(r.effective), day), b_.CreateICmpSLE(day, c32(r.until)));
}

// ------------------------------------------------------------ decide

void Lowerer::procedure(uint32_t index) {
  const ir::Procedure& p = m_.procedures[index];
  auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {ptr_, ptr_, ptr_}, false);
  auto* fn = Function::Create(fty, Function::ExternalLinkage, decide_symbol(index), mod_);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  b_.SetInsertPoint(BasicBlock::Create(c_, "entry", fn));
  Value* out = fn->getArg(2);
  Frame f;
  f.arena = &p.arena;
  f.slots = fn->getArg(0);
  f.layout = &m_.meta.procedures[index].layout;
  f.ctx = fn->getArg(1);
  auto var = [&](const char* name, llvm::Type* t, Value* init) {
    auto* slot = b_.CreateAlloca(t, nullptr, name);
    b_.CreateStore(init, slot);
    return slot;
  };
  f.competent_slot = var("competent", i64_, c64(HOSO_NO_UNIT));
  f.overflow = var("overflow", i1_, b_.getFalse());
  auto* unit = var("unit", i64_, c64(HOSO_NO_UNIT));
  auto* arm = var("arm", i32_, c32(-1));
  auto* rule = var("rule", i32_, c32(-1));
  auto* steps = var("steps", i64_, c64(0));
  auto* handler = var("handler", i64_, c64(HOSO_NO_UNIT));
  auto* role = var("role", i32_, c32(-1));

  // Requires: bit i when `require` i fails.
  Value* failed = c64(0);
  for (size_t i = 0; i < p.requires_.size() && i < 64; ++i) {
    Value* ok = emit(f, p.requires_[i].cond);
    Value* bit =
        b_.CreateSelect(b_.CreateICmpEQ(ok, c64(0)), c64(int64_t(uint64_t{1} << i)), c64(0));
    failed = b_.CreateOr(failed, bit);
  }
  store(failed, out, kOffFailed);

  // Route: the first arm whose condition holds.
  if (p.has_route) {
    BasicBlock* routed = block("routed");
    for (size_t i = 0; i < p.arms.size(); ++i) {
      const ir::Arm& a = p.arms[i];
      BasicBlock* take = block("arm");
      BasicBlock* next = block("next_arm");
      if (a.cond) {
        b_.CreateCondBr(b_.CreateICmpNE(emit(f, *a.cond), c64(0)), take, next);
      } else {
        b_.CreateBr(take);
      }
      b_.SetInsertPoint(take);
      b_.CreateStore(emit(f, a.target.unit), unit);
      b_.CreateStore(c32(static_cast<int32_t>(i)), arm);
      b_.CreateBr(routed);
      b_.SetInsertPoint(next);
    }
    b_.CreateBr(routed);
    b_.SetInsertPoint(routed);
  } else {
    b_.CreateStore(emit(f, p.default_unit.unit), unit);
  }

  // Decentralisation of the whole procedure's competence.
  BasicBlock* moved = block("competence");
  for (size_t i = 0; i < p.rules.size(); ++i) {
    const ir::Rule& r = p.rules[i];
    if (!r.decentralise || r.step >= 0) continue;
    BasicBlock* next = block("next_rule");
    BasicBlock* when = block("when");
    b_.CreateCondBr(in_force(f.ctx, r), when, next);
    b_.SetInsertPoint(when);
    if (r.when) {
      BasicBlock* from = block("from");
      b_.CreateCondBr(b_.CreateICmpNE(emit(f, *r.when), c64(0)), from, next);
      b_.SetInsertPoint(from);
    }
    Value* u = b_.CreateLoad(i64_, unit);
    b_.CreateStore(u, f.competent_slot);
    BasicBlock* take = block("take");
    b_.CreateCondBr(b_.CreateICmpEQ(emit(f, r.from.unit), u), take, next);
    b_.SetInsertPoint(take);
    b_.CreateStore(emit(f, r.to.unit), unit);
    b_.CreateStore(c32(static_cast<int32_t>(i)), rule);
    b_.CreateBr(moved);
    b_.SetInsertPoint(next);
  }
  b_.CreateBr(moved);
  b_.SetInsertPoint(moved);
  Value* u = b_.CreateLoad(i64_, unit);
  b_.CreateStore(u, f.competent_slot);
  store(u, out, kOffUnit);
  store(b_.CreateLoad(i32_, arm), out, kOffArm);
  store(b_.CreateLoad(i32_, rule), out, kOffRule);
  store(p.deadline ? emit(f, *p.deadline) : c64(0), out, kOffDeadline);
  store(p.fee ? emit(f, *p.fee) : c64(0), out, kOffFee);
  store(p.warn ? emit(f, *p.warn) : c64(HOSO_NO_UNIT), out, kOffWarn);
  store(c32(static_cast<int32_t>(p.steps.size())), out, kOffNsteps);

  size_t nsteps = std::min<size_t>(p.steps.size(), HOSO_MAX_STEPS);
  for (size_t s = 0; s < nsteps; ++s) {
    const ir::Step& st = p.steps[s];
    store(c32(-1), out, kOffStepRule + 4 * s);
    BasicBlock* done = block("step_done");
    if (st.cond) {
      BasicBlock* skip = block("step_skip");
      BasicBlock* run = block("step_run");
      b_.CreateCondBr(b_.CreateICmpEQ(emit(f, *st.cond), c64(0)), skip, run);
      b_.SetInsertPoint(skip);
      store(c32(st.handler.role), out, kOffStepRole + 4 * s);
      store(c64(HOSO_NO_UNIT), out, kOffStepUnit + 8 * s);
      store(c64(0), out, kOffStepBudget + 8 * s);
      b_.CreateBr(done);
      b_.SetInsertPoint(run);
    }
    b_.CreateStore(b_.CreateOr(b_.CreateLoad(i64_, steps), c64(int64_t(uint64_t{1} << s))), steps);
    b_.CreateStore(emit(f, st.handler.unit), handler);
    b_.CreateStore(c32(st.handler.role), role);
    // Decentralisation of this step, then delegation of whoever holds it.
    for (int pass = 0; pass < 2; ++pass) {
      BasicBlock* pass_done = block("pass_done");
      for (size_t i = 0; i < p.rules.size(); ++i) {
        const ir::Rule& r = p.rules[i];
        if (r.decentralise != (pass == 0) || r.step != static_cast<int32_t>(s)) continue;
        BasicBlock* next = block("next_rule");
        BasicBlock* when = block("when");
        b_.CreateCondBr(in_force(f.ctx, r), when, next);
        b_.SetInsertPoint(when);
        if (r.when) {
          BasicBlock* from = block("from");
          b_.CreateCondBr(b_.CreateICmpNE(emit(f, *r.when), c64(0)), from, next);
          b_.SetInsertPoint(from);
        }
        Value* h = b_.CreateLoad(i64_, handler);
        Value* match = b_.CreateICmpEQ(emit(f, r.from.unit), h);
        if (!r.decentralise) {
          match = b_.CreateAnd(match, b_.CreateICmpEQ(b_.CreateLoad(i32_, role), c32(r.from.role)));
        }
        BasicBlock* take = block("take");
        b_.CreateCondBr(match, take, next);
        b_.SetInsertPoint(take);
        b_.CreateStore(emit(f, r.to.unit), handler);
        b_.CreateStore(c32(r.to.role), role);
        store(c32(static_cast<int32_t>(i)), out, kOffStepRule + 4 * s);
        b_.CreateBr(pass_done);
        b_.SetInsertPoint(next);
      }
      b_.CreateBr(pass_done);
      b_.SetInsertPoint(pass_done);
    }
    store(b_.CreateLoad(i64_, handler), out, kOffStepUnit + 8 * s);
    store(b_.CreateLoad(i32_, role), out, kOffStepRole + 4 * s);
    store(st.budget ? emit(f, *st.budget) : c64(0), out, kOffStepBudget + 8 * s);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
  }
  store(b_.CreateLoad(i64_, steps), out, kOffSteps);
  store(b_.CreateZExt(b_.CreateLoad(i1_, f.overflow), i32_), out, kOffOverflow);
  // Entries past nsteps are not written (hoso/abi.h), as in ir::decide.
  b_.CreateRetVoid();
}

}  // namespace

std::string decide_symbol(uint32_t proc) {
  return "hoso_decide_" + std::to_string(proc);
}

void lower_procedures(const ir::Module& m, const std::vector<uint32_t>& procs, RuntimeCalls calls,
                      llvm::Module& out) {
  Lowerer l(m, calls, out);
  for (uint32_t p : procs) l.procedure(p);
}

void optimise(llvm::Module& mod, int opt_level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = opt_level >= 2
                                    ? pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2)
                                    : pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
  mpm.run(mod, mam);
}

uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

struct Hasher {
  uint64_t h = 1469598103934665603ULL;
  template <class T>
  void pod(const T& v) {
    h = fnv1a(&v, sizeof v, h);
  }
  void str(const std::string& s) {
    pod(s.size());
    h = fnv1a(s.data(), s.size(), h);
  }
  void arena(const ir::Arena& a) {
    pod(a.nodes.size());
    for (const auto& n : a.nodes) {
      pod(n.op);
      pod(n.imm);
      pod(n.index);
      pod(n.index2);
      pod(n.args.size());
      for (auto id : n.args) pod(id.v);
    }
  }
  void node(const std::optional<ir::NodeId>& id) { pod(id ? id->v : UINT32_MAX - 1); }
  void target(const ir::UnitTarget& t) {
    pod(t.unit.v);
    pod(t.role);
  }
};

}  // namespace

uint64_t procedure_hash(const ir::Module& m, uint32_t proc) {
  const ir::Procedure& p = m.procedures[proc];
  Hasher h;
  h.pod(proc);
  h.str(m.meta.procedures[proc].version);
  // The record layout the code reads: an enum declared elsewhere that grows
  // past 127 values widens a slot without changing the procedure's source.
  const rules::ProcedureMeta& meta = m.meta.procedures[proc];
  h.pod(meta.record_size);
  h.pod(meta.layout.size());
  for (const auto& l : meta.layout) {
    h.pod(l.offset);
    h.pod(l.width);
  }
  h.arena(p.arena);
  h.pod(p.requires_.size());
  for (const auto& r : p.requires_) h.pod(r.cond.v);
  h.pod(p.has_route);
  h.pod(p.arms.size());
  for (const auto& a : p.arms) {
    h.node(a.cond);
    h.target(a.target);
  }
  h.target(p.default_unit);
  h.pod(p.rules.size());
  for (const auto& r : p.rules) {
    h.pod(r.decentralise);
    h.pod(r.step);
    h.pod(r.effective);
    h.pod(r.until);
    h.target(r.from);
    h.target(r.to);
    h.node(r.when);
  }
  h.node(p.deadline);
  h.node(p.fee);
  h.node(p.warn);
  h.pod(p.steps.size());
  for (const auto& s : p.steps) {
    h.target(s.handler);
    h.node(s.budget);
    h.node(s.cond);
  }
  std::set<int32_t> called;
  collect_calls(m, p.arena, called);
  for (int32_t fi : called) {
    const ir::Function& fn = m.functions[static_cast<size_t>(fi)];
    h.pod(fi);
    h.str(fn.name);
    h.pod(fn.params);
    h.pod(fn.body.v);
    h.arena(fn.arena);
  }
  return h.h;
}

}  // namespace hoso::jit
