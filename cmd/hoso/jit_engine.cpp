#include "jit_engine.h"

#ifdef HOSO_HAVE_JIT
#include "jit/jit.h"
#endif

namespace hoso::cli {

#ifdef HOSO_HAVE_JIT
Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module& m) {
  return jit::make_decider(m);
}
#else
// Replaced by compiler/jit when HOSO_WITH_LLVM is on (see cmd/hoso/CMakeLists.txt).
Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module&) {
  return make_error(ErrorCode::kFailedPrecondition,
                    "this hoso was built without LLVM (HOSO_WITH_LLVM=OFF); use --engine interp");
}
#endif

}  // namespace hoso::cli
