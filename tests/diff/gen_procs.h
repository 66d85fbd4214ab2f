// Random procedures for the differential tests: Hoso source text using as
// many IR operations as the language reaches (arithmetic on every quantity,
// min/max/abs, if, ranges and sets, year(), len(), date and date-time
// arithmetic on the working calendar, user functions, unit fields of every
// level, competent/receiving paths, conditional steps, decentralise and
// delegate rules with `when` and periods). Not every output checks clean
// (the checker's domain rules); the caller keeps those that do.
#pragma once

#include <cstdint>
#include <string>

namespace hoso::difftest {

// One module with `procedures` procedures, deterministic in `seed`.
std::string generate_module(uint64_t seed, int procedures);

}  // namespace hoso::difftest
