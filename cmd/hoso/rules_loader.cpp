#include "rules_loader.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/source.h"
#include "hoso/pack.h"
#include "ir/interp_decider.h"
#include "jit_engine.h"

namespace hoso::cli {

std::optional<std::string> read_input(const std::string& path, const char* command) {
  std::string text, error;
  if (!base::read_text_file(path, text, error)) {
    std::fprintf(stderr, "hoso %s: %s\n", command, error.c_str());
    return std::nullopt;
  }
  return text;
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
  auto take = [&](Result<std::unique_ptr<rules::Decider>> r, const char* failed) {
    if (!r) {
      std::fprintf(stderr, "hoso %s: %s: %s\n", command, failed, r.error().message.c_str());
      return std::unique_ptr<rules::Decider>();
    }
    return std::move(*r);
  };
  if (engine == "interp") return std::make_unique<ir::InterpDecider>(*c.module);
  if (engine == "jit") return take(make_jit_engine(*c.module), "the JIT could not start");
  if (engine == "pack") {
    return take(make_pack_engine(*c.module), "the rules could not be built into a pack");
  }
  std::fprintf(stderr, "hoso %s: unknown engine `%s` (use interp, jit or pack)\n", command,
               engine.c_str());
  return nullptr;
}

bool is_pack_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, sizeof magic) && magic[0] == '\x7f' && magic[1] == 'E' && magic[2] == 'L' &&
         magic[3] == 'F';
}

std::unique_ptr<rules::Decider> load_pack_file(const std::string& path, const char* command) {
  auto p = rules::load_pack(path);
  if (!p) {
    std::fprintf(stderr, "hoso %s: %s\n", command, p.error().message.c_str());
    return nullptr;
  }
  return std::move(*p);
}

bool load_decider(const std::string& engine, const std::vector<std::string>& paths,
                  const char* command, LoadedRules& out, int& rc) {
  if (engine == "pack" && paths.size() == 1 && is_pack_file(paths[0])) {
    out.decider = load_pack_file(paths[0], command);
    rc = out.decider ? 0 : 2;
    return out.decider != nullptr;
  }
  out.comp = load_rules(paths, command, rc);
  if (!out.comp) return false;
  out.decider = make_engine(engine, *out.comp, command);
  rc = out.decider ? 0 : 2;
  return out.decider != nullptr;
}

}  // namespace hoso::cli
