// Ahead-of-time rule packs: the whole module at O2 to an object file with a
// TargetMachine for the host, linked into a shared library by the system C
// compiler driver, the manifest embedded in section .hoso_manifest.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "hoso/pack.h"
#include "jit/from_ir.h"
#include "jit/jit.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <llvm/IR/Constants.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#pragma GCC diagnostic pop

extern char** environ;

namespace hoso::jit {

std::string llvm_error_text(llvm::Error e);
void init_llvm_once();

namespace {

std::string find_cc(const std::string& preferred) {
  if (!preferred.empty()) return preferred;
  if (const char* cc = std::getenv("CC"); cc != nullptr && *cc != '\0') return cc;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (const char* name : {"cc", "gcc", "clang"}) {
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string cand = dirs.substr(start, end - start) + "/" + name;
      if (end > start && ::access(cand.c_str(), X_OK) == 0) return cand;
      start = end + 1;
    }
  }
  return {};
}

Result<void> run_tool(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc != 0) {
    return make_error(ErrorCode::kNotFound,
                      "cannot run `" + argv[0] + "`: install a C compiler (gcc) or set CC");
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return make_error(ErrorCode::kIo, "linking the pack failed: `" + cmd + "`");
  }
  return {};
}

llvm::GlobalVariable* data(llvm::Module& mod, const char* name, llvm::Constant* init) {
  return new llvm::GlobalVariable(mod, init->getType(), true, llvm::GlobalValue::ExternalLinkage,
                                  init, name);
}

}  // namespace

Result<void> build_pack(const ir::Module& m, const std::string& out_path,
                        const PackOptions& options) {
  init_llvm_once();
  std::string cc = find_cc(options.cc);
  if (cc.empty()) {
    return make_error(ErrorCode::kNotFound,
                      "no C compiler driver to link the pack: none of cc, gcc, clang is on PATH "
                      "(install gcc, or set CC)");
  }
  std::string triple = llvm::sys::getProcessTriple();
  std::string cpu = llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> host_features;
  std::string features;
  if (llvm::sys::getHostCPUFeatures(host_features)) {
    for (const auto& f : host_features) {
      features +=
          (features.empty() ? "" : ",") + std::string(f.second ? "+" : "-") + f.first().str();
    }
  }
  std::string err;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, err);
  if (target == nullptr) return make_error(ErrorCode::kInternal, "no LLVM target: " + err);
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
                                  std::nullopt, llvm::CodeGenOpt::Default));
  if (!tm) return make_error(ErrorCode::kInternal, "cannot create a TargetMachine for " + triple);

  llvm::LLVMContext ctx;
  llvm::Module mod("hoso.pack", ctx);
  mod.setTargetTriple(triple);
  mod.setDataLayout(tm->createDataLayout());
  std::vector<uint32_t> all;
  for (uint32_t p = 0; p < m.procedures.size(); ++p) all.push_back(p);
  lower_procedures(m, all, RuntimeCalls::kViaPointers, mod);
  auto* ptr = llvm::PointerType::get(ctx, 0);
  for (const char* name : {"hoso_pack_rt_add_working_minutes", "hoso_pack_rt_default_calendar"}) {
    if (mod.getNamedGlobal(name) == nullptr) {
      new llvm::GlobalVariable(mod, ptr, false, llvm::GlobalValue::ExternalLinkage,
                               llvm::ConstantPointerNull::get(ptr), name);
    }
  }
  optimise(mod, 2);

  rules::PackManifest pm;
  pm.abi_version = options.abi_version;
  pm.compiler_version = options.compiler_version.empty() ? std::string(rules::compiler_version())
                                                         : options.compiler_version;
  pm.target = triple + " " + cpu;
  pm.procedures = static_cast<uint32_t>(m.procedures.size());
  rules::PackMeta meta = m.meta;
  meta.compiler_version = pm.compiler_version;
  meta.abi_version = pm.abi_version;
  pm.manifest_json = rules::manifest_json(meta);
  std::string text = rules::encode_pack_manifest(pm);
  auto* manifest =
      data(mod, "hoso_pack_manifest", llvm::ConstantDataArray::getString(ctx, text, true));
  manifest->setSection(std::string(rules::kPackSection));
  manifest->setAlignment(llvm::Align(1));
  data(mod, "hoso_pack_manifest_size",
       llvm::ConstantInt::get(llvm::Type::getInt64Ty(ctx), text.size()));
  data(mod, "hoso_pack_abi_version",
       llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), static_cast<uint64_t>(pm.abi_version)));
  data(mod, "hoso_pack_compiler_version",
       llvm::ConstantDataArray::getString(ctx, pm.compiler_version, true));

  llvm::SmallVector<char, 0> obj;
  {
    llvm::raw_svector_ostream os(obj);
    llvm::legacy::PassManager pm_codegen;
    if (tm->addPassesToEmitFile(pm_codegen, os, nullptr, llvm::CGFT_ObjectFile)) {
      return make_error(ErrorCode::kInternal, "the target cannot emit object files");
    }
    pm_codegen.run(mod);
  }

  std::string obj_path = out_path + ".o.tmpXXXXXX";
  std::vector<char> tmpl(obj_path.begin(), obj_path.end());
  tmpl.push_back('\0');
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot write next to " + out_path);
  obj_path = tmpl.data();
  bool ok = ::write(fd, obj.data(), obj.size()) == static_cast<ssize_t>(obj.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(obj_path.c_str());
    return make_error(ErrorCode::kIo, "cannot write the object file " + obj_path);
  }
  // -x none: the temporary's name does not end in .o.
  std::string tmp_out = out_path + ".tmp";
  auto linked = run_tool({cc, "-shared", "-nostartfiles", "-o", tmp_out, "-x", "none", obj_path});
  ::unlink(obj_path.c_str());
  if (!linked) {
    ::unlink(tmp_out.c_str());
    return linked;
  }
  // A fresh file (new inode): a process that still has the old pack mapped
  // keeps it, and dlopen sees the new one.
  if (::rename(tmp_out.c_str(), out_path.c_str()) != 0) {
    ::unlink(tmp_out.c_str());
    return make_error(ErrorCode::kIo, "cannot write " + out_path);
  }
  return {};
}

}  // namespace hoso::jit
