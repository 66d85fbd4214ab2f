#include "engines.h"

#include <cstdlib>

#include "ir/interp_decider.h"
#ifdef HOSO_DIFF_HAVE_JIT
#include "jit/jit.h"
#endif
#ifdef HOSO_DIFF_HAVE_PACK
#include "hoso/pack.h"
#endif

namespace hoso::difftest {

#ifdef HOSO_DIFF_HAVE_JIT
namespace {

// HOSO_DIFF_ENGINES=jit,pack restricts the compiled engines (to narrow a failure down).
bool wanted(const char* name) {
  const char* e = std::getenv("HOSO_DIFF_ENGINES");
  if (e == nullptr) return true;
  std::string list = std::string(",") + e + ",";
  return list.find(std::string(",") + name + ",") != std::string::npos;
}

}  // namespace
#endif

std::vector<Engine> make_engines(const ir::Module& m, const std::string& scratch_dir,
                                 std::string* error) {
  std::vector<Engine> out;
  out.push_back({"interp", std::make_unique<ir::InterpDecider>(m), nullptr});
#ifdef HOSO_DIFF_HAVE_JIT
  if (wanted("jit")) {
    jit::JitOptions options;
    options.cache_dir = scratch_dir + "/jit-cache";
    auto j = jit::make_decider(m, options);
    if (!j) {
      *error += "jit: " + j.error().message + "\n";
    } else {
      out.push_back({"jit", std::move(*j), nullptr});
    }
  }
#endif
#ifdef HOSO_DIFF_HAVE_PACK
  if (wanted("pack")) {
    static int counter = 0;
    std::string path = scratch_dir + "/diff-" + std::to_string(counter++) + ".pack";
    auto built = jit::build_pack(m, path);
    if (!built) {
      *error += "pack build: " + built.error().message + "\n";
    } else {
      auto pack = rules::load_pack(path);
      if (!pack) {
        *error += "pack load: " + pack.error().message + "\n";
      } else {
        out.push_back({"pack", std::move(*pack), nullptr});
      }
    }
  }
#endif
  (void)scratch_dir;
  (void)error;
  return out;
}

}  // namespace hoso::difftest
