// Loading ahead-of-time rule packs: the manifest is read from the ELF file
// and checked before dlopen, so a pack that is refused never runs.
#include "hoso/pack.h"

#include <dlfcn.h>
#include <elf.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "hoso/calendar_abi.h"

namespace hoso::rules {
namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Reads "key value\n" from `text` at `pos`.
bool take_line(std::string_view text, size_t& pos, std::string_view key, std::string_view& value) {
  size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) return false;
  std::string_view line = text.substr(pos, nl - pos);
  if (line.size() < key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    return false;
  }
  value = line.substr(key.size() + 1);
  pos = nl + 1;
  return true;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

Error bad(const std::string& path, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, path + ": not a usable rule pack: " + what +
                                                     "; build it again with `hoso build RULES -o " +
                                                     path + "`");
}

// The contents of section `name` of a 64-bit little-endian ELF shared
// object, with every offset bounds-checked.
Result<std::string_view> elf_section(const std::string& path, std::string_view file,
                                     std::string_view name) {
  if (file.size() < sizeof(Elf64_Ehdr)) return bad(path, "the file is too short for ELF");
  Elf64_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return bad(path, "it is not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    return bad(path, "it is not a 64-bit little-endian ELF file");
  }
#if defined(__x86_64__)
  if (eh.e_machine != EM_X86_64) return bad(path, "it was built for another machine");
#elif defined(__aarch64__)
  if (eh.e_machine != EM_AARCH64) return bad(path, "it was built for another machine");
#endif
  if (eh.e_type != ET_DYN) return bad(path, "it is not a shared library");
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shstrndx >= eh.e_shnum) {
    return bad(path, "its section table is damaged");
  }
  uint64_t table_end = eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr);
  if (eh.e_shoff > file.size() || table_end > file.size() || table_end < eh.e_shoff) {
    return bad(path, "the file is truncated (section table past the end)");
  }
  auto shdr = [&](size_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, file.data() + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof sh);
    return sh;
  };
  auto in_file = [&](const Elf64_Shdr& sh) {
    return sh.sh_type != SHT_NOBITS && sh.sh_offset <= file.size() &&
           sh.sh_size <= file.size() - sh.sh_offset;
  };
  Elf64_Shdr strtab = shdr(eh.e_shstrndx);
  if (!in_file(strtab)) return bad(path, "the file is truncated (section names)");
  std::string_view names = file.substr(strtab.sh_offset, strtab.sh_size);
  for (size_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh = shdr(i);
    if (sh.sh_name >= names.size()) continue;
    std::string_view n = names.substr(sh.sh_name);
    n = n.substr(0, n.find('\0'));
    if (n != name) continue;
    if (!in_file(sh)) return bad(path, "the file is truncated (manifest past the end)");
    return file.substr(sh.sh_offset, sh.sh_size);
  }
  return bad(path, "it has no Hoso manifest (section .hoso_manifest)");
}

class PackDecider final : public Decider {
 public:
  PackDecider(void* handle, PackMeta meta, std::vector<hoso_decide_fn> entries)
      : handle_(handle), meta_(std::move(meta)), entries_(std::move(entries)) {}
  ~PackDecider() override { ::dlclose(handle_); }
  const PackMeta& meta() const override { return meta_; }
  void decide_record(uint32_t procedure, const void* record, const hoso_rt_ctx* ctx,
                     hoso_decision* out) const override {
    if (procedure >= entries_.size()) {
      no_decision(out);
      return;
    }
    entries_[procedure](record, ctx, out);
  }
  hoso_decide_fn entry(uint32_t procedure) const override {
    return procedure < entries_.size() ? entries_[procedure] : nullptr;
  }

 private:
  void* handle_;
  PackMeta meta_;
  std::vector<hoso_decide_fn> entries_;
};

}  // namespace

std::string encode_pack_manifest(const PackManifest& m) {
  std::string body = "abi " + std::to_string(m.abi_version) + "\ncompiler " + m.compiler_version +
                     "\ntarget " + m.target + "\nprocedures " + std::to_string(m.procedures) +
                     "\nmanifest " + std::to_string(m.manifest_json.size()) + "\n" +
                     m.manifest_json;
  return "hoso-pack 1 " + hex16(fnv1a(body)) + "\n" + body;
}

Result<PackManifest> decode_pack_manifest(std::string_view text) {
  auto damaged = [](const char* what) {
    return make_error(ErrorCode::kInvalidArgument, std::string("the pack's manifest is damaged (") +
                                                       what +
                                                       "); build the pack again with `hoso build`");
  };
  size_t pos = 0;
  std::string_view v;
  if (!take_line(text, pos, "hoso-pack", v) || v.size() != 18 || v.substr(0, 2) != "1 ") {
    return damaged("no `hoso-pack 1` header");
  }
  std::string_view checksum = v.substr(2);
  std::string_view body = text.substr(pos);
  PackManifest m;
  uint64_t n = 0;
  if (!take_line(text, pos, "abi", v) || !parse_u64(v, n)) return damaged("abi line");
  m.abi_version = static_cast<int32_t>(n);
  if (!take_line(text, pos, "compiler", v)) return damaged("compiler line");
  m.compiler_version = std::string(v);
  if (m.abi_version != HOSO_ABI_VERSION) {
    return make_error(ErrorCode::kVersionMismatch,
                      "the pack uses rules ABI " + std::to_string(m.abi_version) + " (built by " +
                          m.compiler_version + "); this runtime speaks ABI " +
                          std::to_string(HOSO_ABI_VERSION) + ": rebuild it with `hoso build`");
  }
  if (m.compiler_version != compiler_version()) {
    return make_error(ErrorCode::kVersionMismatch,
                      "the pack was built by " + m.compiler_version + ", this is " +
                          std::string(compiler_version()) + ": rebuild it with `hoso build`");
  }
  if (hex16(fnv1a(body)) != checksum) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the pack's manifest does not match its checksum (the file was modified "
                      "after `hoso build`); refusing to run it: build it again");
  }
  if (!take_line(text, pos, "target", v)) return damaged("target line");
  m.target = std::string(v);
  if (!take_line(text, pos, "procedures", v) || !parse_u64(v, n) || n > UINT32_MAX) {
    return damaged("procedures line");
  }
  m.procedures = static_cast<uint32_t>(n);
  if (!take_line(text, pos, "manifest", v) || !parse_u64(v, n) || n > text.size() - pos) {
    return damaged("manifest size");
  }
  m.manifest_json = std::string(text.substr(pos, n));
  return m;
}

Result<std::unique_ptr<Decider>> load_pack(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return make_error(ErrorCode::kNotFound, path + ": cannot read the rule pack (no such file?)");
  }
  if (!std::filesystem::is_regular_file(status)) {
    return bad(path, "it is not a file (a pack is the one file `hoso build -o` writes)");
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
  if (size < 0) {
    return make_error(ErrorCode::kNotFound, path + ": cannot read the rule pack (permissions?)");
  }
  // One read into a buffer of the file's size (a pack of 5,000 procedures
  // is 20 MB: a string stream would copy it twice).
  std::string file(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(file.data(), static_cast<std::streamsize>(file.size()))) {
    return bad(path, "it could not be read to the end");
  }
  auto section = elf_section(path, file, kPackSection);
  if (!section) return section.error();
  // The section is padded to alignment: the text ends at its first NUL.
  std::string_view text = *section;
  text = text.substr(0, text.find('\0'));
  auto man = decode_pack_manifest(text);
  if (!man) return make_error(man.error().code, path + ": " + man.error().message);
  auto meta = parse_manifest(man->manifest_json);
  if (!meta) return bad(path, "its manifest cannot be read: " + meta.error().message);
  if (meta->procedures.size() != man->procedures) {
    return bad(path, "the manifest lists a different number of procedures");
  }

  // Checked: only now does any of the pack's code get loaded.
  void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* e = ::dlerror();
    return bad(path, std::string("the system loader refused it: ") + (e != nullptr ? e : "?"));
  }
  auto fail = [&](const std::string& what) {
    ::dlclose(h);
    return bad(path, what);
  };
  const auto* abi = static_cast<const int32_t*>(::dlsym(h, "hoso_pack_abi_version"));
  if (abi == nullptr || *abi != HOSO_ABI_VERSION) return fail("its ABI version symbol disagrees");
  auto** add = static_cast<const void**>(::dlsym(h, "hoso_pack_rt_add_working_minutes"));
  auto** def = static_cast<const void**>(::dlsym(h, "hoso_pack_rt_default_calendar"));
  if (add == nullptr || def == nullptr) return fail("the runtime call table is missing");
  *add = reinterpret_cast<const void*>(&hoso_rt_add_working_minutes);
  *def = reinterpret_cast<const void*>(&hoso_rt_default_calendar);
  std::vector<hoso_decide_fn> entries;
  for (uint32_t p = 0; p < man->procedures; ++p) {
    std::string sym = "hoso_decide_" + std::to_string(p);
    void* fn = ::dlsym(h, sym.c_str());
    if (fn == nullptr) return fail("the entry point " + sym + " is missing");
    entries.push_back(reinterpret_cast<hoso_decide_fn>(fn));
  }
  return std::unique_ptr<Decider>(new PackDecider(h, std::move(*meta), std::move(entries)));
}

}  // namespace hoso::rules
