// The ORC LLJIT behind hoso::jit::Jit: one JITDylib and ResourceTracker per
// loaded pack, one lazy materialization unit per procedure, an on-disk
// object cache.
#include "jit/jit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "hoso/calendar_abi.h"
#include "jit/from_ir.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <llvm/ExecutionEngine/ObjectCache.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#pragma GCC diagnostic pop

// libgcc's 128-bit division, which LLVM calls for i128 division on x86-64
// (unsigned when it can prove the operands non-negative).
__extension__ extern "C" __int128 __divti3(__int128, __int128);
__extension__ extern "C" unsigned __int128 __udivti3(unsigned __int128, unsigned __int128);
__extension__ extern "C" __int128 __modti3(__int128, __int128);
__extension__ extern "C" unsigned __int128 __umodti3(unsigned __int128, unsigned __int128);

namespace hoso::jit {

std::string llvm_error_text(llvm::Error e) {
  return llvm::toString(std::move(e));
}

void init_llvm_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

namespace {

std::string default_cache_dir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    return std::string(x) + "/hoso";
  }
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    return std::string(h) + "/.cache/hoso";
  }
  return {};
}

bool make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty()) ::mkdir(cur.c_str(), 0755);
    }
    if (i < dir.size()) cur += dir[i];
  }
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Objects on disk, named by the module identifier (the cache key). Writes go
// through a temporary file and rename, so a concurrent reader never sees a
// partial object.
class DiskCache final : public llvm::ObjectCache {
 public:
  explicit DiskCache(std::string dir) : dir_(std::move(dir)) {}
  void notifyObjectCompiled(const llvm::Module* m, llvm::MemoryBufferRef obj) override {
    if (dir_.empty()) return;
    std::string path = file(m->getModuleIdentifier());
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    const char* p = obj.getBufferStart();
    size_t left = obj.getBufferSize();
    bool ok = true;
    while (left > 0) {
      ssize_t w = ::write(fd, p, left);
      if (w <= 0) {
        ok = false;
        break;
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    ok = ::close(fd) == 0 && ok;
    if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) {
      writes_.fetch_add(1);
    } else {
      ::unlink(tmp.c_str());
    }
  }
  std::unique_ptr<llvm::MemoryBuffer> getObject(const llvm::Module* m) override {
    return get(m->getModuleIdentifier());
  }
  std::unique_ptr<llvm::MemoryBuffer> get(const std::string& key) {
    if (dir_.empty()) return nullptr;
    auto buf = llvm::MemoryBuffer::getFile(file(key), /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!buf) return nullptr;
    return std::move(*buf);
  }
  const std::string& dir() const { return dir_; }
  uint64_t writes() const { return writes_.load(); }

 private:
  std::string file(const std::string& key) const { return dir_ + "/" + key + ".o"; }
  std::string dir_;
  std::atomic<uint64_t> writes_{0};
};

}  // namespace

struct Jit::Impl {
  JitOptions options;
  std::unique_ptr<DiskCache> cache;
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  llvm::orc::JITDylib* runtime = nullptr;  // the C ABI symbols compiled rules may call
  std::string target;                      // triple and CPU: part of the cache key
  std::atomic<uint64_t> compiled{0}, cache_hits{0};
  std::mutex mu;
  uint64_t next_id = 1;
  struct Pack {
    llvm::orc::JITDylib* jd = nullptr;
    llvm::orc::ResourceTrackerSP rt;
    std::shared_ptr<const ir::Module> module;
  };
  std::map<uint64_t, Pack> packs;

  std::string cache_key(const ir::Module& m, uint32_t proc) const {
    std::string salt = std::string(rules::compiler_version()) + "|" + target + "|O" +
                       std::to_string(options.opt_level);
    uint64_t h = fnv1a(salt.data(), salt.size(), procedure_hash(m, proc));
    char buf[32];
    std::snprintf(buf, sizeof buf, "p%u-%016llx", proc, static_cast<unsigned long long>(h));
    return buf;
  }
};

namespace {

// A chunk of a pack's procedures. When entries are looked up, the requested
// procedures are lowered and compiled (or fetched from the object cache) and
// the rest of the chunk goes back, unmaterialized, into a smaller unit:
// procedures compile lazily, one at a time, while load() defines only one
// unit per kChunk procedures.
constexpr uint32_t kChunk = 64;

class ProcedureUnit final : public llvm::orc::MaterializationUnit {
 public:
  ProcedureUnit(Jit::Impl& jit, std::shared_ptr<const ir::Module> m,
                llvm::orc::SymbolFlagsMap flags)
      : MaterializationUnit(Interface(std::move(flags), nullptr)), jit_(jit), m_(std::move(m)) {}

  llvm::StringRef getName() const override { return "hoso.procedures"; }

  void materialize(std::unique_ptr<llvm::orc::MaterializationResponsibility> r) override {
    llvm::orc::SymbolNameSet requested = r->getRequestedSymbols();
    llvm::orc::SymbolFlagsMap rest;
    for (const auto& [name, flags] : r->getSymbols()) {
      if (requested.count(name) == 0) rest[name] = flags;
    }
    if (!rest.empty()) {
      if (auto err = r->replace(std::make_unique<ProcedureUnit>(jit_, m_, std::move(rest)))) {
        jit_.lljit->getExecutionSession().reportError(std::move(err));
        r->failMaterialization();
        return;
      }
    }
    std::vector<llvm::orc::SymbolStringPtr> names(requested.begin(), requested.end());
    for (size_t i = 0; i < names.size(); ++i) {
      std::unique_ptr<llvm::orc::MaterializationResponsibility> one;
      if (i + 1 == names.size()) {
        one = std::move(r);
      } else {
        auto d = r->delegate({names[i]});
        if (!d) {
          jit_.lljit->getExecutionSession().reportError(d.takeError());
          continue;
        }
        one = std::move(*d);
      }
      std::string_view sym = *names[i];
      uint32_t proc = static_cast<uint32_t>(
          std::strtoul(std::string(sym.substr(sym.rfind('_') + 1)).c_str(), nullptr, 10));
      emit_one(std::move(one), proc);
    }
  }

 private:
  void emit_one(std::unique_ptr<llvm::orc::MaterializationResponsibility> r, uint32_t proc) {
    std::string key = jit_.cache_key(*m_, proc);
    if (jit_.options.use_cache) {
      if (auto obj = jit_.cache->get(key)) {
        jit_.cache_hits.fetch_add(1);
        jit_.lljit->getObjLinkingLayer().emit(std::move(r), std::move(obj));
        return;
      }
    }
    auto ctx = std::make_unique<llvm::LLVMContext>();
    auto mod = std::make_unique<llvm::Module>(key, *ctx);
    mod->setDataLayout(jit_.lljit->getDataLayout());
    mod->setTargetTriple(jit_.lljit->getTargetTriple().str());
    lower_procedures(*m_, {proc}, RuntimeCalls::kDirect, *mod);
    optimise(*mod, jit_.options.opt_level);
    jit_.compiled.fetch_add(1);
    jit_.lljit->getIRCompileLayer().emit(
        std::move(r), llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx)));
  }
  void discard(const llvm::orc::JITDylib&, const llvm::orc::SymbolStringPtr&) override {}
  Jit::Impl& jit_;
  std::shared_ptr<const ir::Module> m_;
};

}  // namespace

Jit::Jit(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Jit::~Jit() {
  if (impl_ && impl_->lljit) {
    if (auto err = impl_->lljit->getExecutionSession().endSession()) {
      llvm::consumeError(std::move(err));
    }
  }
}

Result<std::unique_ptr<Jit>> Jit::create(const JitOptions& options) {
  init_llvm_once();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.opt_level != 0) impl->options.opt_level = 2;
  std::string dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  if (!options.use_cache || dir.empty() || !make_dirs(dir)) {
    impl->options.use_cache = false;
    dir.clear();
  }
  impl->cache = std::make_unique<DiskCache>(dir);

  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return make_error(ErrorCode::kInternal, llvm_error_text(jtmb.takeError()));
  jtmb->setCodeGenOptLevel(impl->options.opt_level >= 2 ? llvm::CodeGenOpt::Default
                                                        : llvm::CodeGenOpt::None);
  impl->target = jtmb->getTargetTriple().str() + "|" + jtmb->getCPU();
  for (const auto& f : jtmb->getFeatures().getFeatures()) impl->target += f;
  impl->target = std::to_string(fnv1a(impl->target.data(), impl->target.size()));
  DiskCache* cache = impl->options.use_cache ? impl->cache.get() : nullptr;
  auto lljit =
      llvm::orc::LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(*jtmb))
          .setPlatformSetUp(llvm::orc::setUpInactivePlatform)
          .setCompileFunctionCreator(
              [cache](llvm::orc::JITTargetMachineBuilder b)
                  -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                auto tm = b.createTargetMachine();
                if (!tm) return tm.takeError();
                return std::make_unique<llvm::orc::TMOwningSimpleCompiler>(std::move(*tm), cache);
              })
          .create();
  if (!lljit) return make_error(ErrorCode::kInternal, llvm_error_text(lljit.takeError()));
  impl->lljit = std::move(*lljit);

  // The only symbols compiled rules can reach: the calendar's C ABI, and
  // memset for zeroing the decision.
  auto& es = impl->lljit->getExecutionSession();
  auto rt = es.createJITDylib("hoso.runtime");
  if (!rt) return make_error(ErrorCode::kInternal, llvm_error_text(rt.takeError()));
  impl->runtime = &*rt;
  auto sym = [&](const char* name, const void* addr) {
    return std::make_pair(impl->lljit->mangleAndIntern(name),
                          llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(addr),
                                                   llvm::JITSymbolFlags::Exported));
  };
  llvm::orc::SymbolMap syms;
  syms.insert(sym("hoso_rt_add_working_minutes",
                  reinterpret_cast<const void*>(&hoso_rt_add_working_minutes)));
  syms.insert(
      sym("hoso_rt_default_calendar", reinterpret_cast<const void*>(&hoso_rt_default_calendar)));
  syms.insert(sym("memset", reinterpret_cast<const void*>(&std::memset)));
  syms.insert(sym("memcpy", reinterpret_cast<const void*>(&std::memcpy)));
  // 128-bit division (libgcc), for fixed-point products and quotients whose
  // 64-bit intermediate would overflow (from_ir.cpp, hoso.mul and hoso.div).
  syms.insert(sym("__divti3", reinterpret_cast<const void*>(&__divti3)));
  syms.insert(sym("__udivti3", reinterpret_cast<const void*>(&__udivti3)));
  syms.insert(sym("__modti3", reinterpret_cast<const void*>(&__modti3)));
  syms.insert(sym("__umodti3", reinterpret_cast<const void*>(&__umodti3)));
  if (auto err = impl->runtime->define(llvm::orc::absoluteSymbols(std::move(syms)))) {
    return make_error(ErrorCode::kInternal, llvm_error_text(std::move(err)));
  }
  return std::unique_ptr<Jit>(new Jit(std::move(impl)));
}

Result<PackHandle> Jit::load(const ir::Module& m) {
  return load(std::make_shared<const ir::Module>(m));
}

Result<PackHandle> Jit::load(std::shared_ptr<const ir::Module> m) {
  if (!m) return make_error(ErrorCode::kInvalidArgument, "no module to load");
  std::lock_guard<std::mutex> lock(impl_->mu);
  uint64_t id = impl_->next_id++;
  auto& es = impl_->lljit->getExecutionSession();
  auto jd = es.createJITDylib("hoso.pack." + std::to_string(id));
  if (!jd) return make_error(ErrorCode::kInternal, llvm_error_text(jd.takeError()));
  jd->addToLinkOrder(*impl_->runtime);
  auto rt = jd->createResourceTracker();
  uint32_t n = static_cast<uint32_t>(m->procedures.size());
  for (uint32_t first = 0; first < n; first += kChunk) {
    llvm::orc::SymbolFlagsMap flags;
    for (uint32_t p = first; p < n && p < first + kChunk; ++p) {
      flags[impl_->lljit->mangleAndIntern(decide_symbol(p))] =
          llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
    }
    auto mu = std::make_unique<ProcedureUnit>(*impl_, m, std::move(flags));
    if (auto err = jd->define(std::move(mu), rt)) {
      return make_error(ErrorCode::kInternal, llvm_error_text(std::move(err)));
    }
  }
  impl_->packs[id] = Impl::Pack{&*jd, rt, std::move(m)};
  return PackHandle{id};
}

Result<void> Jit::unload(PackHandle pack) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->packs.find(pack.id);
  if (it == impl_->packs.end()) {
    return make_error(ErrorCode::kNotFound, "no loaded pack " + std::to_string(pack.id));
  }
  Impl::Pack p = std::move(it->second);
  impl_->packs.erase(it);
  if (auto err = p.rt->remove()) {
    return make_error(ErrorCode::kInternal, llvm_error_text(std::move(err)));
  }
  if (auto err = impl_->lljit->getExecutionSession().removeJITDylib(*p.jd)) {
    return make_error(ErrorCode::kInternal, llvm_error_text(std::move(err)));
  }
  return {};
}

Result<hoso_decide_fn> Jit::lookup(PackHandle pack, uint32_t proc) {
  llvm::orc::JITDylib* jd = nullptr;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto it = impl_->packs.find(pack.id);
    if (it == impl_->packs.end()) {
      return make_error(ErrorCode::kNotFound, "no loaded pack " + std::to_string(pack.id));
    }
    if (proc >= it->second.module->procedures.size()) {
      return make_error(ErrorCode::kNotFound, "no procedure " + std::to_string(proc));
    }
    jd = it->second.jd;
  }
  auto addr = impl_->lljit->lookup(*jd, decide_symbol(proc));
  if (!addr) return make_error(ErrorCode::kInternal, llvm_error_text(addr.takeError()));
  return addr->toPtr<hoso_decide_fn>();
}

JitStats Jit::stats() const {
  JitStats s;
  s.compiled = impl_->compiled.load();
  s.cache_hits = impl_->cache_hits.load();
  s.cache_writes = impl_->cache->writes();
  return s;
}

const std::string& Jit::cache_dir() const {
  return impl_->cache->dir();
}

// ------------------------------------------------------------------ decider

namespace {

class JitDecider final : public rules::Decider {
 public:
  JitDecider(std::shared_ptr<Jit> jit, std::shared_ptr<const ir::Module> m, PackHandle pack)
      : jit_(std::move(jit)), m_(std::move(m)), pack_(pack), entries_(m_->procedures.size()) {}
  ~JitDecider() override { (void)jit_->unload(pack_); }

  const rules::PackMeta& meta() const override { return m_->meta; }
  void decide_record(uint32_t procedure, const void* record, const hoso_rt_ctx* ctx,
                     hoso_decision* out) const override {
    hoso_decide_fn fn = entry(procedure);
    if (fn == nullptr) {
      rules::no_decision(out);
      return;
    }
    fn(record, ctx, out);
  }
  hoso_decide_fn entry(uint32_t procedure) const override {
    if (procedure >= entries_.size()) return nullptr;
    hoso_decide_fn fn = entries_[procedure].load(std::memory_order_acquire);
    if (fn != nullptr) return fn;
    auto r = jit_->lookup(pack_, procedure);
    if (!r) return nullptr;
    entries_[procedure].store(*r, std::memory_order_release);
    return *r;
  }

 private:
  std::shared_ptr<Jit> jit_;
  std::shared_ptr<const ir::Module> m_;
  PackHandle pack_;
  mutable std::vector<std::atomic<hoso_decide_fn>> entries_;
};

}  // namespace

Result<std::unique_ptr<rules::Decider>> make_decider(std::shared_ptr<Jit> jit,
                                                     const ir::Module& m) {
  auto shared = std::make_shared<const ir::Module>(m);
  auto h = jit->load(shared);
  if (!h) return h.error();
  return std::unique_ptr<rules::Decider>(new JitDecider(std::move(jit), shared, *h));
}

Result<std::unique_ptr<rules::Decider>> make_decider(const ir::Module& m,
                                                     const JitOptions& options) {
  auto j = Jit::create(options);
  if (!j) return j.error();
  return make_decider(std::shared_ptr<Jit>(std::move(*j)), m);
}

Result<std::string> emit_llvm(const ir::Module& m, int opt_level) {
  init_llvm_once();
  llvm::LLVMContext ctx;
  llvm::Module mod("hoso", ctx);
  std::vector<uint32_t> all;
  for (uint32_t p = 0; p < m.procedures.size(); ++p) all.push_back(p);
  lower_procedures(m, all, RuntimeCalls::kDirect, mod);
  optimise(mod, opt_level);
  std::string text;
  llvm::raw_string_ostream os(text);
  mod.print(os, nullptr);
  os.flush();
  return text;
}

}  // namespace hoso::jit
