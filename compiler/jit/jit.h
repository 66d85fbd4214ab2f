// Compiled rules: LLVM 16 code generation for the IR, run by ORC LLJIT, and
// ahead-of-time rule packs. No LLVM type appears in this header; LLVM stays
// inside compiler/jit/*.cpp.
//
// Shape (KaleidoscopeJIT): a fallible create(), load() a rule pack, look up
// entries, unload(). Each loaded pack lives in its own JITDylib with its own
// ResourceTracker, so replacing the rules in a running engine is load new,
// swap, unload old. Procedures compile lazily: load() only registers one
// materialization unit per procedure; the procedure is lowered, optimised and
// compiled (or fetched from the object cache) when its entry is first looked
// up.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hoso/abi.h"
#include "hoso/result.h"
#include "hoso/rules.h"
#include "ir/ir.h"

namespace hoso::jit {

struct JitOptions {
  int opt_level = 2;  // 0 or 2
  // Compiled objects are kept in this directory, keyed by a hash of the
  // procedure's IR, its rules version, the compiler version, the opt level
  // and the target. Empty: $XDG_CACHE_HOME/hoso or ~/.cache/hoso.
  std::string cache_dir;
  bool use_cache = true;
};

struct PackHandle {
  uint64_t id = 0;
};

// Counters, for tests and benchmarks (timing-independent observations).
struct JitStats {
  uint64_t compiled = 0;    // procedures lowered and compiled by LLVM
  uint64_t cache_hits = 0;  // procedures loaded from the object cache
  uint64_t cache_writes = 0;
};

class Jit {
 public:
  static Result<std::unique_ptr<Jit>> create(const JitOptions& options = {});
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  // Registers the procedures of `m` (copied, so the caller's module may go
  // away). Nothing is compiled yet.
  Result<PackHandle> load(const ir::Module& m);
  Result<PackHandle> load(std::shared_ptr<const ir::Module> m);
  // Removes the pack's code and symbols. Entries from it must not be called
  // afterwards.
  Result<void> unload(PackHandle pack);
  // The entry of procedure `proc` of a loaded pack, compiling it on first use.
  Result<hoso_decide_fn> lookup(PackHandle pack, uint32_t proc);

  JitStats stats() const;
  const std::string& cache_dir() const;

  struct Impl;

 private:
  explicit Jit(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A rules::Decider backed by a Jit of its own (or a shared one): the JIT
// engine of `hoso run --engine jit`, the tests and the benchmarks.
Result<std::unique_ptr<rules::Decider>> make_decider(const ir::Module& m,
                                                     const JitOptions& options = {});
Result<std::unique_ptr<rules::Decider>> make_decider(std::shared_ptr<Jit> jit, const ir::Module& m);

// The textual LLVM IR of the whole module (all procedures), optimised at
// `opt_level`: `hoso check --emit-llvm` and the tests.
Result<std::string> emit_llvm(const ir::Module& m, int opt_level = 0);

// ------------------------------------------------------------------ packs

struct PackOptions {
  std::string cc;  // the C compiler driver that links; empty: $CC, cc, gcc on PATH
  // Overrides, for tests of the loader's refusals only.
  std::string compiler_version;  // empty: rules::compiler_version()
  int32_t abi_version = HOSO_ABI_VERSION;
};

// Compiles the whole module at O2 for the host into a shared library at
// `out_path` with the manifest embedded (section .hoso_manifest, see
// runtime/include/hoso/pack.h).
Result<void> build_pack(const ir::Module& m, const std::string& out_path,
                        const PackOptions& options = {});

}  // namespace hoso::jit
