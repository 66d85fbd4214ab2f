#include <fmt/format.h>

#include "hoso/rules.h"

namespace hoso::rules {

namespace {

// The 34 provinces and cities from 1 July 2025 (Resolution 202/2025/QH15).
const char* const kProvinces[] = {
    "Hà Nội",     "Huế",      "Lai Châu",  "Điện Biên", "Sơn La",      "Lạng Sơn",    "Quảng Ninh",
    "Thanh Hóa",  "Nghệ An",  "Hà Tĩnh",   "Cao Bằng",  "Tuyên Quang", "Lào Cai",     "Thái Nguyên",
    "Phú Thọ",    "Bắc Ninh", "Hưng Yên",  "Hải Phòng", "Ninh Bình",   "Quảng Trị",   "Đà Nẵng",
    "Quảng Ngãi", "Gia Lai",  "Khánh Hòa", "Lâm Đồng",  "Đắk Lắk",     "Hồ Chí Minh", "Đồng Nai",
    "Tây Ninh",   "Cần Thơ",  "Vĩnh Long", "Đồng Tháp", "Cà Mau",      "An Giang",
};
constexpr int32_t kCommunes = 3321;

// A few real commune-level units of Lào Cai (province 12) carry their names,
// so tests and sample dossiers can say `commune "Sa Pa"`.
struct Named {
  int32_t number;
  const char* name;
};
const Named kNamed[] = {
    {1173, "Sa Pa"},        {1174, "Bắc Hà"},  {1175, "Lào Cai"},   {1176, "Cam Đường"},
    {1177, "Mường Khương"}, {1178, "Bát Xát"}, {1179, "Si Ma Cai"}, {1180, "Yên Bái"},
};

}  // namespace

const Registry& Registry::default_registry() {
  static const Registry r = [] {
    Registry reg;
    for (const char* p : kProvinces) reg.province_names_.emplace_back(p);
    const auto np = static_cast<int64_t>(reg.province_names_.size());
    reg.province_of_.resize(kCommunes);
    reg.commune_names_.resize(kCommunes);
    for (int32_t c = 0; c < kCommunes; ++c) {
      reg.province_of_[static_cast<size_t>(c)] = static_cast<int32_t>(c * np / kCommunes);
    }
    for (const auto& n : kNamed) {
      reg.commune_names_[static_cast<size_t>(n.number)] = n.name;
      reg.commune_index_.emplace(n.name, n.number);
    }
    return reg;
  }();
  return r;
}

int32_t Registry::province_of(int32_t commune) const {
  if (commune < 0 || commune >= communes()) return -1;
  return province_of_[static_cast<size_t>(commune)];
}

std::optional<int32_t> Registry::find_commune(std::string_view name) const {
  auto it = commune_index_.find(name);
  if (it != commune_index_.end()) return it->second;
  // "Xã số 12" names an unnamed commune by number.
  constexpr std::string_view kPrefix = "Xã số ";
  if (name.substr(0, kPrefix.size()) == kPrefix) {
    int32_t n = 0;
    std::string_view digits = name.substr(kPrefix.size());
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') return std::nullopt;
      n = n * 10 + (ch - '0');
    }
    if (n < communes()) return n;
  }
  return std::nullopt;
}

std::optional<int32_t> Registry::find_province(std::string_view name) const {
  for (size_t i = 0; i < province_names_.size(); ++i) {
    if (province_names_[i] == name) return static_cast<int32_t>(i);
  }
  return std::nullopt;
}

std::string Registry::commune_name(int32_t c) const {
  if (c < 0 || c >= communes()) return "?";
  const std::string& n = commune_names_[static_cast<size_t>(c)];
  return n.empty() ? fmt::format("Xã số {}", c) : n;
}

std::string Registry::province_name(int32_t p) const {
  if (p < 0 || p >= provinces()) return "?";
  return province_names_[static_cast<size_t>(p)];
}

}  // namespace hoso::rules
