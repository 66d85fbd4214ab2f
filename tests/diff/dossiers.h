// Generated dossiers for the differential tests: random values of every
// field type mixed with the edge values the rules themselves name (the
// constants each slot is compared with, one milli and one unit either
// side), receipt dates on holidays and on the days rules take effect or
// end, receipt times at office-hour boundaries, receiving desks across
// provinces and communes.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "hoso/rules.h"
#include "ir/ir.h"

namespace hoso::difftest {

class DossierGen {
 public:
  DossierGen(const ir::Module& m, uint32_t proc, uint64_t seed);
  // Fills d (procedure, slots, received, receiving_unit).
  void next(rules::Dossier& d);
  // Edge values found for slot i (for tests of the generator itself).
  const std::vector<int64_t>& edges(uint32_t slot) const { return edges_[slot]; }
  const std::vector<int32_t>& rule_dates() const { return rule_dates_; }

 private:
  int64_t value(uint32_t slot);
  int64_t pick(const std::vector<int64_t>& v);
  int64_t uniform(int64_t lo, int64_t hi);
  bool chance(int percent) { return uniform(0, 99) < percent; }

  const ir::Module& m_;
  const rules::ProcedureMeta& p_;
  uint32_t proc_;
  std::mt19937_64 rng_;
  std::vector<std::vector<int64_t>> edges_;  // per slot
  std::vector<int32_t> rule_dates_;          // effective/until of the rules, +-1
};

}  // namespace hoso::difftest
