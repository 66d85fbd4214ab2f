// The routing workload (../shared/bench/routing-workload.md, version 1):
// dossier generation, the slot layout of bench/routing/routing.hoso, the
// hand-written C++ floor and the verification of the outputs. Shared by
// bench_routing and the routing_checksum test.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hoso/abi.h"
#include "hoso/result.h"
#include "hoso/rules.h"

namespace hoso::bench::routing {

constexpr uint32_t kSeed = 20250701u;
constexpr int kProcedures = 20;
constexpr int kRules = 12;

// Base deadlines in working days, by procedure index (section 2).
extern const std::array<int32_t, kProcedures> kBaseDays;
extern const std::array<const char*, kProcedures> kProcCodes;

// One dossier as drawn (section 1.2): 7 draws, in this order.
struct Raw {
  uint8_t procedure = 0;
  uint32_t area_centi = 0;  // area in centi-m2: 2000 .. 200000
  uint8_t floors = 0;
  uint16_t commune = 0;
  bool has_dispute = false;
  bool business = false;
  bool online = false;
};

static_assert(sizeof(Raw) == 16);

std::vector<Raw> generate(size_t n, uint32_t seed = kSeed);

// Slot indexes of the RoutingWorkload procedure's fields, from its metadata.
struct Layout {
  uint32_t procedure = 0, area = 0, floors = 0, site = 0, has_dispute = 0, applicant_kind = 0,
           online = 0;
  uint32_t nslots = 0;
};
Result<Layout> layout_of(const rules::ProcedureMeta& p);

// Row records: n * layout.nslots int64 slots in the procedure's layout
// (fixed point x1000 for area and floors, enum indexes, 0/1, commune number).
std::vector<int64_t> rows(const std::vector<Raw>& raw, const Layout& l);

// The three outputs of section 4, preallocated by the caller.
struct Outputs {
  std::vector<uint32_t> level, unit, deadline;
  explicit Outputs(size_t n) : level(n), unit(n), deadline(n) {}
  size_t size() const { return level.size(); }
};

struct Summary {
  uint32_t checksum = 0;
  uint64_t province = 0;
  uint64_t sum_deadline = 0;
  uint64_t sum_unit = 0;
};
Summary summarise(const Outputs& o);

// Reference figures of section 5 for a size, when the spec gives them.
struct Expected {
  uint32_t checksum = 0;
  uint64_t province = 0;
  bool has_sums = false;
  uint64_t sum_deadline = 0, sum_unit = 0;
  std::array<uint64_t, kRules> hits{};
};
bool expected_for(size_t n, Expected* e);

// The hand-written C++ rules (the floor), reading the row records whose
// layout must be the fixed one below (checked against the metadata).
constexpr Layout kFixedLayout{0, 1, 2, 3, 4, 5, 6, 7};
void handwritten(const int64_t* rows, size_t n, const int32_t* province_of, Outputs& out);
// The same over the compact drawn records (16 bytes a dossier instead of
// 64): the workload's own natural form, to separate the slot layout's memory
// traffic from the code.
void handwritten_raw(const Raw* raw, size_t n, const int32_t* province_of, Outputs& out);
// The same rules behind the compiled-rules ABI (one indirect call per
// dossier, a hoso_decision written per call): what a perfect code generator
// would produce.
void handwritten_decide(const int64_t* slots, const hoso_rt_ctx* ctx, hoso_decision* out);
// The rule (0..11) of one dossier, for the rule-hit counts.
int handwritten_rule(const Raw& d);

}  // namespace hoso::bench::routing
