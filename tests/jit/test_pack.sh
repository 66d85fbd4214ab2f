#!/bin/sh
# test_pack.sh HOSO SOURCE_DIR SCRATCH: `hoso test` on ahead-of-time packs.
#  - --engine pack builds the rules into a pack and passes their tests;
#  - --pack FILE runs the tests on a pack built earlier by `hoso build`;
#  - a pack built from other sources is refused (exit 2, says so);
#  - a failing expectation still fails on a pack (exit 1, expected/actual);
#  - `hoso run RULES --engine pack` on sources prints what the built pack does;
#  - `hoso engine --engine pack --rules rules.pack` runs the dossier engine on
#    the pack, with the same outcome as on the sources with the JIT.
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
desk="commune Bắc Hà/one_stop#nva"
for e in pack jit; do
  rules="$src/rules"
  [ $e = pack ] && rules="$scratch/rules.pack"
  store="$scratch/engine-$e.db"
  rm -f "$store"*
  eng() { "$hoso" engine --store "$store" --rules "$rules" --engine $e "$@"; }
  eng --at "2026-02-10 09:00" submit "$d" --as "$desk" >/dev/null 2>"$scratch/engine-$e.err" \
    || fail "hoso engine --engine $e submit: $(cat "$scratch/engine-$e.err")"
  eng --at "2026-02-10 14:00" act HS00000001 complete --as "$desk" >/dev/null \
    || fail "hoso engine --engine $e act"
  eng --at "2026-02-10 15:00" show HS00000001 --as "$desk" >"$scratch/engine-$e.show" \
    || fail "hoso engine --engine $e show"
done
cmp -s "$scratch/engine-pack.show" "$scratch/engine-jit.show" \
  || fail "hoso engine on the pack and on the sources differ"
grep -q '"step"' "$scratch/engine-pack.show" || fail "show: $(cat "$scratch/engine-pack.show")"
echo "ok"
