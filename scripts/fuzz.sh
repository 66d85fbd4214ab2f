#!/usr/bin/env bash
# Parser fuzzing for a bounded time: ./scripts/fuzz.sh SECONDS [extra libFuzzer flags]
# Builds the `fuzz` preset (clang, libFuzzer, ASan, UBSan) and runs
# hoso_parse_fuzzer on a copy of tests/fuzz/corpus/ and tests/fuzz/regressions/
# in a temporary folder, so the repository is never modified. Exits non-zero
# on any crash, hang, sanitizer report or failed oracle; the reproducer is
# left in the printed artifact folder. Save it (minimised) to
# tests/fuzz/regressions/ once the bug is fixed. One fuzzing process, one
# core: no -jobs/-workers (they fork and write fuzz-N.log into the cwd).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target hoso_parse_fuzzer -j "${HOSO_FUZZ_BUILD_JOBS:-2}"

work=$(mktemp -d "${TMPDIR:-/tmp}/hoso-fuzz.XXXXXX")
mkdir -p "$work/corpus" "$work/artifacts"
cp tests/fuzz/corpus/* "$work/corpus/"
if compgen -G "tests/fuzz/regressions/*.hoso" >/dev/null; then
  cp tests/fuzz/regressions/*.hoso "$work/corpus/"
fi

echo "fuzzing for ${seconds}s; corpus and artifacts in $work"
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  ./build/fuzz/bin/hoso_parse_fuzzer "$work/corpus" \
    -artifact_prefix="$work/artifacts/" \
    -dict=tests/fuzz/hoso.dict \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 "$@"
rc=$?
set -e
if [ "$rc" -ne 0 ] || compgen -G "$work/artifacts/*" >/dev/null; then
  echo "fuzz.sh: the fuzzer found a problem (exit $rc); reproducers:" >&2
  ls -l "$work/artifacts" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz.sh: no findings in ${seconds}s"
