#include "dossiers.h"

#include <algorithm>
#include <set>

#include "hoso/calendar.h"

namespace hoso::difftest {
namespace {

using calendar::days_from_civil;
using rules::FieldType;

bool is_compare(ir::Op op) {
  return op == ir::Op::Eq || op == ir::Op::Ne || op == ir::Op::Lt || op == ir::Op::Le ||
         op == ir::Op::Gt || op == ir::Op::Ge;
}

// Adds to `out[slot]` the constants a slot (or a function parameter the
// slot is passed as) is compared with.
void collect(const ir::Module& m, const ir::Arena& arena, std::vector<std::set<int64_t>>& out) {
  for (const ir::Node& n : arena.nodes) {
    if (is_compare(n.op) && n.args.size() == 2) {
      const ir::Node& a = arena.at(n.args[0]);
      const ir::Node& b = arena.at(n.args[1]);
      if (a.op == ir::Op::Slot && b.op == ir::Op::Const &&
          static_cast<size_t>(a.index) < out.size()) {
        out[static_cast<size_t>(a.index)].insert(b.imm);
      }
      if (b.op == ir::Op::Slot && a.op == ir::Op::Const &&
          static_cast<size_t>(b.index) < out.size()) {
        out[static_cast<size_t>(b.index)].insert(a.imm);
      }
    }
    if (n.op == ir::Op::Call && static_cast<size_t>(n.index) < m.functions.size()) {
      const ir::Function& f = m.functions[static_cast<size_t>(n.index)];
      for (size_t i = 0; i < n.args.size(); ++i) {
        const ir::Node& arg = arena.at(n.args[i]);
        if (arg.op != ir::Op::Slot || static_cast<size_t>(arg.index) >= out.size()) continue;
        for (const ir::Node& fn : f.arena.nodes) {
          if (!is_compare(fn.op) || fn.args.size() != 2) continue;
          const ir::Node& x = f.arena.at(fn.args[0]);
          const ir::Node& y = f.arena.at(fn.args[1]);
          if (x.op == ir::Op::Param && x.index == static_cast<int32_t>(i) &&
              y.op == ir::Op::Const) {
            out[static_cast<size_t>(arg.index)].insert(y.imm);
          }
          if (y.op == ir::Op::Param && y.index == static_cast<int32_t>(i) &&
              x.op == ir::Op::Const) {
            out[static_cast<size_t>(arg.index)].insert(x.imm);
          }
        }
      }
    }
  }
}

const std::vector<int32_t>& holidays() {
  static const std::vector<int32_t> days = [] {
    std::vector<int32_t> v;
    for (int d = 14; d <= 23; ++d) v.push_back(days_from_civil(2026, 2, d));  // Tết 2026 16-20 Feb
    for (auto [mo, d] : std::vector<std::pair<int, int>>{{4, 29},
                                                         {4, 30},
                                                         {5, 1},
                                                         {5, 2},
                                                         {5, 4},
                                                         {9, 1},
                                                         {9, 2},
                                                         {9, 3},
                                                         {8, 21},
                                                         {8, 22},
                                                         {8, 23},
                                                         {1, 1},
                                                         {1, 2},
                                                         {12, 31}}) {
      v.push_back(days_from_civil(2026, mo, d));
    }
    v.push_back(days_from_civil(2025, 7, 1));
    v.push_back(days_from_civil(2025, 9, 2));
    v.push_back(days_from_civil(2027, 2, 28));
    v.push_back(days_from_civil(2027, 3, 1));
    return v;
  }();
  return days;
}

// Large magnitudes, kept where a product of two of them (a * b / 1000) stays
// inside int64, so most generated decisions are valid ones; beyond that the
// engines report an overflow (hoso_decision::overflow, compared too).
constexpr int64_t kBig = 2'000'000'000;
// And now and then a magnitude near the end of int64, so that sums and
// products overflow and the engines must agree on reporting it.
constexpr int64_t kHuge = INT64_MAX / 3;

// Office-hour boundaries: 07:29, 07:30, 11:30, 13:00, 15:00 (intake
// cut-off), 16:59, 17:00, and midnight, in minutes of the day.
const std::vector<int64_t> kBoundaries = {449, 450, 451,  690,  689,  780, 779,  900,
                                          899, 901, 1019, 1020, 1021, 0,   1439, 720};

}  // namespace

DossierGen::DossierGen(const ir::Module& m, uint32_t proc, uint64_t seed)
    : m_(m), p_(m.meta.procedures[proc]), proc_(proc), rng_(seed) {
  const uint32_t nslots = rules::slot_count(p_);
  std::vector<std::set<int64_t>> consts(nslots);
  collect(m, m.procedures[proc].arena, consts);
  edges_.resize(nslots);
  for (uint32_t s = 0; s < nslots; ++s) {
    std::set<int64_t> e;
    bool is_int = s < p_.fields.size() &&
                  (p_.fields[s].type == FieldType::Int || p_.fields[s].type == FieldType::Money);
    for (int64_t c : consts[s]) {
      for (int64_t d : {int64_t{-1}, int64_t{0}, int64_t{1}}) e.insert(c + d);
      if (is_int) {
        e.insert(c - 1000);
        e.insert(c + 1000);
      }
    }
    edges_[s].assign(e.begin(), e.end());
  }
  std::set<int32_t> rd;
  for (const auto& r : m.procedures[proc].rules) {
    for (int32_t d : {r.effective, r.until}) {
      if (d <= 0 || d == INT32_MAX) continue;
      rd.insert(d - 1);
      rd.insert(d);
      rd.insert(d + 1);
    }
  }
  rule_dates_.assign(rd.begin(), rd.end());
}

int64_t DossierGen::uniform(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
}

int64_t DossierGen::pick(const std::vector<int64_t>& v) {
  return v[static_cast<size_t>(uniform(0, static_cast<int64_t>(v.size()) - 1))];
}

int64_t DossierGen::value(uint32_t s) {
  if (!edges_[s].empty() && chance(20)) return pick(edges_[s]);
  const auto& reg = rules::Registry::default_registry();
  if (s >= p_.fields.size()) return uniform(0, 80) * 1000;  // a text length
  const rules::FieldMeta& f = p_.fields[s];
  if (f.has_default && chance(5)) return f.default_value;
  switch (f.type) {
    case FieldType::Int:
      if (chance(1)) return pick({-kHuge, kHuge});
      if (chance(2)) return pick({-kBig, kBig, 0});
      return uniform(-3, 45) * 1000;
    case FieldType::Money:
      if (chance(1)) return kHuge;
      if (chance(2)) return kBig;
      return uniform(0, 20'000'000) * 1000;
    case FieldType::Dec:
    case FieldType::Area:
    case FieldType::WorkingDays:
    case FieldType::WorkingHours:
    case FieldType::CalendarDays:
      if (chance(1)) return pick({-kHuge, kHuge});
      if (chance(2)) return pick({-kBig, kBig, 0, 1, -1});
      return chance(50) ? uniform(0, 3000) * 1000 : uniform(-1000, 3'000'000);
    case FieldType::Bool:
      return uniform(0, 1);
    case FieldType::Text:
    case FieldType::Person:
      return uniform(0, static_cast<int64_t>(m_.meta.strings.size()) + 2);
    case FieldType::Date:
      if (chance(40))
        return holidays()[static_cast<size_t>(
            uniform(0, static_cast<int64_t>(holidays().size()) - 1))];
      return uniform(days_from_civil(2024, 1, 1), days_from_civil(2027, 12, 31));
    case FieldType::DateTime: {
      int64_t day = chance(40)
                        ? holidays()[static_cast<size_t>(
                              uniform(0, static_cast<int64_t>(holidays().size()) - 1))]
                        : uniform(days_from_civil(2024, 1, 1), days_from_civil(2027, 12, 31));
      int64_t minute = chance(60) ? pick(kBoundaries) : uniform(0, 1439);
      return day * 1440 + minute;
    }
    case FieldType::Commune: {
      int64_t c = chance(20) ? pick({0, 97, 98, 3320, 3319, 1660}) : uniform(0, reg.communes() - 1);
      return c;
    }
    case FieldType::Province:
      return hoso_province_unit(static_cast<int32_t>(uniform(0, reg.provinces() - 1)), 0);
    case FieldType::Unit:
      switch (uniform(0, 3)) {
        case 0:
          return uniform(0, reg.communes() - 1);
        case 1:
          return hoso_province_unit(static_cast<int32_t>(uniform(0, reg.provinces() - 1)),
                                    static_cast<int32_t>(uniform(0, 8)));
        case 2:
          return hoso_commune_unit(static_cast<int32_t>(uniform(0, reg.communes() - 1)),
                                   static_cast<int32_t>(uniform(1, 8)));
        default:
          return hoso_province_unit(static_cast<int32_t>(uniform(0, reg.provinces() - 1)), 0);
      }
    case FieldType::Enum:
      return uniform(0, static_cast<int64_t>(f.enum_values.size()) - 1);
  }
  return 0;
}

void DossierGen::next(rules::Dossier& d) {
  const auto& reg = rules::Registry::default_registry();
  d.procedure = proc_;
  d.slots.resize(edges_.size());
  for (uint32_t s = 0; s < edges_.size(); ++s) {
    // Only what marshal can produce: a value that fits its slot's width.
    int64_t v = value(s);
    const rules::SlotLayout l = p_.layout[s];
    if (!rules::fits_slot(l, v)) {
      const int64_t limit = int64_t{1} << (l.width * 8 - 1);
      v = v < 0 ? -limit : limit - 1;
    }
    d.slots[s] = v;
  }
  int64_t day;
  int r = static_cast<int>(uniform(0, 99));
  if (r < 25 && !rule_dates_.empty()) {
    day =
        rule_dates_[static_cast<size_t>(uniform(0, static_cast<int64_t>(rule_dates_.size()) - 1))];
  } else if (r < 50) {
    day = holidays()[static_cast<size_t>(uniform(0, static_cast<int64_t>(holidays().size()) - 1))];
  } else {
    day = uniform(days_from_civil(2025, 6, 1), days_from_civil(2027, 6, 30));
  }
  int64_t minute = chance(60) ? pick(kBoundaries) : uniform(0, 1439);
  d.received = day * 1440 + minute;
  switch (uniform(0, 4)) {
    case 0:
      d.receiving_unit = hoso_province_unit(static_cast<int32_t>(uniform(0, reg.provinces() - 1)),
                                            static_cast<int32_t>(uniform(0, 8)));
      break;
    case 1:
      d.receiving_unit = hoso_commune_unit(static_cast<int32_t>(uniform(0, reg.communes() - 1)),
                                           static_cast<int32_t>(uniform(1, 2)));
      break;
    default:
      d.receiving_unit = uniform(0, reg.communes() - 1);
      break;
  }
}

}  // namespace hoso::difftest
