#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds with
# warnings as errors, runs every test, checks formatting (C++ and rules),
# then runs the tests again under AddressSanitizer + UndefinedBehaviorSanitizer
# and the parser, dossier and calendar fuzzers for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n== %s (%ds)\n' "$1" $(( $(date +%s) - start )); }

step "dependencies"
./scripts/install-deps.sh

step "build (warnings are errors)"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc)"

step "tests"
ctest --preset ci -j "$(nproc)"

step "rules, stdlib and examples check clean and are formatted"
./build/ci/bin/hoso check rules stdlib examples
./build/ci/bin/hoso fmt --check rules stdlib examples

step "clang-format"
git ls-files '*.cpp' '*.h' | grep -v '^tests/fuzz/corpus' | xargs clang-format --dry-run --Werror

step "AddressSanitizer + UndefinedBehaviorSanitizer"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$(nproc)"

if [ -x scripts/fuzz.sh ]; then
  step "parser fuzzing (bounded)"
  ./scripts/fuzz.sh 60
  step "dossier fuzzing (bounded)"
  HOSO_FUZZ_TARGET=dossier ./scripts/fuzz.sh 30
  step "calendar fuzzing (bounded)"
  HOSO_FUZZ_TARGET=calendar ./scripts/fuzz.sh 30
fi

step "all passed"
