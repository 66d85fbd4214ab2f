// hoso build: compile rules ahead of time into a rule pack the runtime loads
// without LLVM (see runtime/include/hoso/pack.h).
#include <cstdio>

#include "commands.h"
#include "rules_loader.h"

#ifdef HOSO_HAVE_JIT
#include "jit/jit.h"
#endif

namespace hoso::cli {
namespace {

struct BuildArgs {
  std::vector<std::string> rules;
  std::string out;
  std::string cc;
  bool emit_llvm = false;
  int opt = 2;
};

int run(const BuildArgs& a) {
#ifdef HOSO_HAVE_JIT
  int rc = 0;
  auto comp = load_rules(a.rules, "build", rc);
  if (!comp) return rc;
  if (a.emit_llvm) {
    auto text = jit::emit_llvm(*comp->module, a.opt);
    if (!text) {
      std::fprintf(stderr, "hoso build: %s\n", text.error().message.c_str());
      return 2;
    }
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  if (a.out.empty()) {
    std::fprintf(stderr, "hoso build: say where the pack goes: -o rules.pack\n");
    return 2;
  }
  jit::PackOptions opts;
  opts.cc = a.cc;
  auto r = jit::build_pack(*comp->module, a.out, opts);
  if (!r) {
    std::fprintf(stderr, "hoso build: %s\n", r.error().message.c_str());
    return 2;
  }
  std::fprintf(stderr, "hoso build: wrote %s (%zu procedures)\n", a.out.c_str(),
               comp->module->procedures.size());
  return 0;
#else
  (void)a;
  std::fprintf(stderr,
               "hoso build: this hoso was built without LLVM (HOSO_WITH_LLVM=OFF): it cannot "
               "compile rule packs\n");
  return 2;
#endif
}

}  // namespace

void add_build_commands(CLI::App& app, Registry& reg) {
  auto a = std::make_shared<BuildArgs>();
  auto* cmd = app.add_subcommand(
      "build",
      "Compile rules ahead of time into a rule pack (a shared library with its manifest) that\n"
      "`hoso run PACK --engine pack` and the runtime load without the compiler. Example:\n"
      "  hoso build rules -o rules.pack");
  cmd->add_option("rules", a->rules, "Rules files or folders")->required();
  cmd->add_option("-o,--output", a->out, "The pack to write");
  cmd->add_option("--cc", a->cc, "The C compiler driver that links (default: $CC, cc, gcc)");
  cmd->add_flag("--emit-llvm", a->emit_llvm,
                "Print the LLVM IR of every procedure instead of building a pack");
  cmd->add_option("--opt", a->opt, "Optimisation level of --emit-llvm: 0 or 2")
      ->check(CLI::IsMember({0, 2}));
  reg.add(cmd, [a] { return run(*a); });
}

}  // namespace hoso::cli
