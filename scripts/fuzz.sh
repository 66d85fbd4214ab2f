#!/usr/bin/env bash
# Fuzzing for a bounded time: ./scripts/fuzz.sh SECONDS [extra libFuzzer flags]
# HOSO_FUZZ_TARGET picks what is fuzzed:
#   parse (default)  hoso_parse_fuzzer: rules text through the whole front end,
#                    seeds tests/fuzz/corpus/ and tests/fuzz/regressions/;
#   dossier          hoso_dossier_fuzzer: JSON dossiers against the shipped
#                    rules (marshal, interpreter, due dates, decision JSON),
#                    seeds examples/dossiers/ and tests/fuzz/dossier_regressions/;
#   calendar         hoso_calendar_fuzzer: calendar files (parser, builder,
#                    working-time arithmetic), seeds runtime/calendar/data/
#                    and tests/fuzz/calendar_regressions/.
# Builds the `fuzz` preset (clang, libFuzzer, ASan, UBSan) and runs the fuzzer
# on a copy of its seeds in a temporary folder, so the repository is never
# modified. Exits non-zero on any crash, hang, sanitizer report or failed
# oracle; the reproducer is left in the printed artifact folder. Save it
# (minimised) to the target's regressions folder once the bug is fixed. One
# fuzzing process, one core: no -jobs/-workers (they fork and write
# fuzz-N.log into the cwd).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true

target=${HOSO_FUZZ_TARGET:-parse}
case "$target" in
  parse)
    fuzzer=hoso_parse_fuzzer
    seeds=(tests/fuzz/corpus tests/fuzz/regressions)
    extra=(-dict=tests/fuzz/hoso.dict)
    ;;
  dossier)
    fuzzer=hoso_dossier_fuzzer
    seeds=(examples/dossiers tests/fuzz/dossier_regressions)
    extra=()
    ;;
  calendar)
    fuzzer=hoso_calendar_fuzzer
    seeds=(runtime/calendar/data tests/fuzz/calendar_regressions)
    extra=()
    ;;
  *)
    echo "fuzz.sh: HOSO_FUZZ_TARGET must be parse, dossier or calendar, not '$target'" >&2
    exit 2
    ;;
esac

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "$fuzzer" -j "${HOSO_FUZZ_BUILD_JOBS:-2}"

work=$(mktemp -d "${TMPDIR:-/tmp}/hoso-fuzz.XXXXXX")
mkdir -p "$work/corpus" "$work/artifacts"
for dir in "${seeds[@]}"; do
  if compgen -G "$dir/*" >/dev/null; then cp "$dir"/* "$work/corpus/"; fi
done

echo "fuzzing $target for ${seconds}s; corpus and artifacts in $work"
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "./build/fuzz/bin/$fuzzer" "$work/corpus" \
    -artifact_prefix="$work/artifacts/" \
    "${extra[@]}" \
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
echo "fuzz.sh: no findings in ${seconds}s ($target)"
