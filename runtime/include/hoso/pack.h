// Ahead-of-time rule packs: shared libraries built by `hoso build`, loaded by
// the runtime without LLVM, ANTLR or any compiler library.
//
// A pack exports `hoso_decide_<i>` (a hoso_decide_fn per procedure), the data
// symbols hoso_pack_manifest / hoso_pack_manifest_size / hoso_pack_abi_version
// / hoso_pack_compiler_version, and the pointers hoso_pack_rt_* through which
// it calls the calendar's C ABI (the loader fills them in: a pack has no
// undefined symbol of its own). The manifest lives in the ELF section
// `.hoso_manifest`, so the loader checks it before dlopen runs anything:
//
//   hoso-pack 1 <FNV-1a 64 of everything after this line, 16 hex digits>\n
//   abi <HOSO_ABI_VERSION>\n
//   compiler <compiler_version()>\n   (names the release and the code generator)
//   target <triple> <cpu>\n
//   procedures <N>\n
//   manifest <bytes>\n
//   <rules::manifest_json(meta)>
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "hoso/result.h"
#include "hoso/rules.h"

namespace hoso::rules {

inline constexpr std::string_view kPackSection = ".hoso_manifest";

struct PackManifest {
  int32_t abi_version = HOSO_ABI_VERSION;
  std::string compiler_version;
  std::string target;
  uint32_t procedures = 0;
  std::string manifest_json;
};

std::string encode_pack_manifest(const PackManifest& m);
// Checks the format, the ABI and compiler versions, and the checksum.
Result<PackManifest> decode_pack_manifest(std::string_view text);

// Loads a pack built by `hoso build`. Refuses, with a message that says what
// to do and without running any of its code, a missing, truncated or non-ELF
// file, a pack for another ABI or compiler version, a tampered manifest and
// missing entry points.
Result<std::unique_ptr<Decider>> load_pack(const std::string& path);

}  // namespace hoso::rules
