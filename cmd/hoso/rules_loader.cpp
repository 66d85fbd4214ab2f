#include "rules_loader.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "ir/interp_decider.h"
#include "jit_engine.h"

namespace hoso::cli {

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  if (!ok) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<driver::Compilation> load_rules(const std::vector<std::string>& paths,
                                                const char* command, int& rc) {
  auto c = driver::compile(paths);
  if (!c) {
    std::fprintf(stderr, "hoso %s: %s\n", command, c.error().message.c_str());
    rc = 2;
    return nullptr;
  }
  auto comp = std::move(*c);
  if (!comp->diags.all().empty()) {
    std::fputs(diag::render_console(comp->diags, comp->sm, isatty(fileno(stderr)) != 0).c_str(),
               stderr);
  }
  if (comp->diags.has_errors() || comp->module == nullptr) {
    std::fprintf(stderr, "hoso %s: the rules have errors; fix them first (`hoso check`)\n",
                 command);
    rc = 1;
    return nullptr;
  }
  rc = 0;
  return comp;
}

std::unique_ptr<rules::Decider> make_engine(const std::string& engine, driver::Compilation& c,
                                            const char* command) {
  if (engine == "interp") return std::make_unique<ir::InterpDecider>(*c.module);
  if (engine == "jit") {
    auto j = make_jit_engine(*c.module);
    if (!j) {
      std::fprintf(stderr, "hoso %s: the JIT could not start: %s\n", command,
                   j.error().message.c_str());
      return nullptr;
    }
    return std::move(*j);
  }
  if (engine == "pack") {
    auto p = make_pack_engine(*c.module);
    if (!p) {
      std::fprintf(stderr, "hoso %s: the rules could not be built into a pack: %s\n", command,
                   p.error().message.c_str());
      return nullptr;
    }
    return std::move(*p);
  }
  std::fprintf(stderr, "hoso %s: unknown engine `%s` (use interp, jit or pack)\n", command,
               engine.c_str());
  return nullptr;
}

}  // namespace hoso::cli
