// The routing workload (../shared/bench/routing-workload.md, version 1):
// dossier generation, the slot layout of bench/routing/routing.hoso, the
// hand-written C++ floor and the verification of the outputs. Shared by
// bench_routing and the routing_checksum test.
#pragma once

#include <array>
#include <cstddef>
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

// Slot indexes of the RoutingWorkload procedure's fields, from its metadata,
// and its record layout (rules::lay_out).
struct Layout {
  uint32_t procedure = 0, area = 0, floors = 0, site = 0, has_dispute = 0, applicant_kind = 0,
           online = 0;
  std::vector<rules::SlotLayout> slots;  // per slot: offset and width in the record
  uint32_t record_size = 0;
};
Result<Layout> layout_of(const rules::ProcedureMeta& p);

// The records every engine reads: n records of layout.record_size bytes,
// written by rules::write_record from the slot values (fixed point x1000
// for area and floors, enum indexes, 0/1, commune number).
std::vector<uint64_t> records(const std::vector<Raw>& raw, const rules::ProcedureMeta& p,
                              const Layout& l);

// The record as the hand-written C++ sees it: the layout lay_out gives the
// workload's fields (checked by record_matches before the floor runs).
struct Record {
  int64_t area;    // m2 x1000
  int64_t floors;  // x1000
  int32_t site;    // commune number
  int8_t procedure, has_dispute, applicant_kind, online;
};
static_assert(sizeof(Record) == 24);
bool record_matches(const Layout& l);

// How many dossiers ahead every engine's loop prefetches the record by
// default (the harness's loops in bench_routing.cpp and the hand-written
// ones alike; `prefetch` below, 0 for none).
constexpr size_t kPrefetchAhead = 16;

// A prefetch of the bytes `ahead` past p, the address computed as an
// integer (for the last few dossiers it lies past the end of the array: a
// prefetch never faults, but such a pointer may not be formed).
inline void prefetch_ahead(const void* p, size_t ahead) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + ahead));
}

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

// The hand-written C++ rules (the floor), reading the same records as the
// compiled rules (Record).
void handwritten(const Record* records, size_t n, const int32_t* province_of, size_t prefetch,
                 Outputs& out);
// The same over the compact drawn records (16 bytes a dossier instead of
// 24): the workload's own natural form, to separate the record's memory
// traffic from the code.
void handwritten_raw(const Raw* raw, size_t n, const int32_t* province_of, size_t prefetch,
                     Outputs& out);
// The same rules behind the compiled-rules ABI (one indirect call per
// dossier, a hoso_decision written per call): what a perfect code generator
// would produce.
void handwritten_decide(const void* record, const hoso_rt_ctx* ctx, hoso_decision* out);
// The rule (0..11) of one dossier, for the rule-hit counts.
int handwritten_rule(const Raw& d);

}  // namespace hoso::bench::routing
