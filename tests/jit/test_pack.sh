#!/bin/sh
# test_pack.sh HOSO SOURCE_DIR SCRATCH: `hoso test` on ahead-of-time packs.
#  - --engine pack builds the rules into a pack and passes their tests;
#  - --pack FILE runs the tests on a pack built earlier by `hoso build`;
#  - a pack built from other sources is refused (exit 2, says so);
#  - a failing expectation still fails on a pack (exit 1, expected/actual);
#  - `hoso run RULES --engine pack` on sources prints what the built pack does.
set -u
hoso=$1 src=$2 scratch=$3
mkdir -p "$scratch"
export XDG_CACHE_HOME="$scratch/cache"
fail() { echo "FAIL: $*"; exit 1; }
"$hoso" test "$src/rules" --engine pack >"$scratch/pack.out" 2>&1 \
  || { cat "$scratch/pack.out"; fail "hoso test --engine pack on rules/"; }
grep -q " 0 failed" "$scratch/pack.out" || fail "no closing line: $(tail -1 "$scratch/pack.out")"
"$hoso" build "$src/rules" -o "$scratch/rules.pack" || fail "hoso build rules/"
"$hoso" test "$src/rules" --pack "$scratch/rules.pack" >"$scratch/file.out" 2>&1 \
  || { cat "$scratch/file.out"; fail "hoso test --pack"; }
cmp -s "$scratch/pack.out" "$scratch/file.out" || fail "--pack and --engine pack report differently"
"$hoso" build "$src/examples/starter.hoso" -o "$scratch/starter.pack" || fail "hoso build starter"
"$hoso" test "$src/rules" --pack "$scratch/starter.pack" >"$scratch/other.out" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "a pack of other sources: exit $rc, want 2"
grep -q "was not built from these sources" "$scratch/other.out" \
  || fail "a pack of other sources: $(cat "$scratch/other.out")"
"$hoso" test "$src/tests/rules_fail/fail_expectation.hoso" --engine pack >"$scratch/fail.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "a failing expectation on a pack: exit $rc, want 1"
grep -q "expected:" "$scratch/fail.out" || fail "no expected/actual: $(cat "$scratch/fail.out")"
d="$src/examples/dossiers/HousePermit_province.json"
"$hoso" run "$src/rules" --dossier "$d" --engine pack >"$scratch/run_src.out" 2>&1 \
  || fail "hoso run rules/ --engine pack: $(cat "$scratch/run_src.out")"
"$hoso" run "$scratch/rules.pack" --dossier "$d" --engine pack >"$scratch/run_pack.out" 2>&1 \
  || fail "hoso run rules.pack --engine pack"
cmp -s "$scratch/run_src.out" "$scratch/run_pack.out" || fail "run on sources and on the pack differ"
echo "ok"
