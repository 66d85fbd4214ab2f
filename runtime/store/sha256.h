// SHA-256 from FIPS 180-4, written here so the audit chain needs no crypto
// dependency. Streaming: update() any number of times, then finish().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hoso::store {

class Sha256 {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  Sha256();
  // allow_hardware=false forces the portable code (tests compare both paths).
  explicit Sha256(bool allow_hardware);
  // Whether this machine has the x86 SHA extensions that Sha256 uses.
  static bool hardware_available();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  Digest finish();

  static Digest of(std::string_view s);
  static std::string hex(const Digest& d);

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buf_len_ = 0;
  bool hardware_ = true;
  std::uint64_t total_bits_ = 0;
};

}  // namespace hoso::store
