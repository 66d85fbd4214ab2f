// The dossier fuzzer's oracle, shared by the libFuzzer target and by the
// regression test that replays its seeds and findings in every build.
#pragma once

#include <string>
#include <string_view>

namespace hoso::fuzz {

// Runs one input, taken as a JSON dossier, against the shipped rules
// (rules/): rules::marshal, then, for a dossier it accepts, the reference
// interpreter, the due dates on the working calendar and the decision's JSON
// (with the explanation). Returns "" when every property holds, else what
// went wrong:
// - a refused dossier gets a message that names the field or the part of
//   the dossier at fault;
// - an accepted dossier's record reads back the slot values marshal gave;
// - its rendered decision is valid JSON that names the same procedure.
// Crashes, hangs and sanitizer reports are the fuzzer's to catch.
std::string run_dossier(std::string_view input);

}  // namespace hoso::fuzz
