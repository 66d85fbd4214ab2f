#include "jit_engine.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "hoso/pack.h"

#ifdef HOSO_HAVE_JIT
#include "jit/jit.h"
#endif

namespace hoso::cli {

#ifdef HOSO_HAVE_JIT
Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module& m) {
  return jit::make_decider(m);
}

Result<std::unique_ptr<rules::Decider>> make_pack_engine(const ir::Module& m) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/hoso-pack-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return make_error(ErrorCode::kIo, "cannot create a temporary file for the pack in " + path);
  }
  ::close(fd);
  auto built = jit::build_pack(m, path);
  if (!built) {
    ::unlink(path.c_str());
    return built.error();
  }
  auto loaded = rules::load_pack(path);
  ::unlink(path.c_str());  // the loaded mapping stays valid
  return loaded;
}
#else
// Replaced by compiler/jit when HOSO_WITH_LLVM is on (see cmd/hoso/CMakeLists.txt).
Result<std::unique_ptr<rules::Decider>> make_jit_engine(const ir::Module&) {
  return make_error(ErrorCode::kFailedPrecondition,
                    "this hoso was built without LLVM (HOSO_WITH_LLVM=OFF); use --engine interp");
}
Result<std::unique_ptr<rules::Decider>> make_pack_engine(const ir::Module&) {
  return make_error(ErrorCode::kFailedPrecondition,
                    "this hoso was built without LLVM (HOSO_WITH_LLVM=OFF): it cannot build "
                    "packs; use --engine interp");
}
#endif

}  // namespace hoso::cli
