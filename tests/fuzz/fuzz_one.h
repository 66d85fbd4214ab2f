// The parser fuzzer's oracle, shared by the libFuzzer target and by the
// regression test that replays the corpus and every saved finding in CI.
#pragma once

#include <string>
#include <string_view>

namespace hoso::fuzz {

// Runs one input through the whole front end: driver::compile_sources with
// the checker on (and std.vn when the input uses it), console and JSON
// rendering of the diagnostics, and, when the input parses without errors,
// `hoso fmt`'s canonical layout. Returns "" when every property holds, else
// what went wrong:
// - the formatted text parses without errors;
// - the layout is idempotent: format(parse(format(x))) == format(x);
// - checking format(x) reports the same diagnostic codes as checking x.
// Crashes, hangs and sanitizer reports are the fuzzer's to catch.
std::string run_one(std::string_view input);

}  // namespace hoso::fuzz
