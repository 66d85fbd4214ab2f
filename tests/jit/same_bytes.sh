#!/bin/sh
# same_bytes.sh HOSO SOURCE_DIR SCRATCH: `hoso build` the shipped rules, then
# run every examples/dossiers/*.json with --engine interp, jit and pack and
# require identical output bytes (and identical exit codes).
set -u
hoso=$1 src=$2 scratch=$3
mkdir -p "$scratch"
export XDG_CACHE_HOME="$scratch/cache"
"$hoso" build "$src/rules" -o "$scratch/rules.pack" || { echo "hoso build failed"; exit 1; }
fails=0 n=0
for d in "$src"/examples/dossiers/*.json; do
  n=$((n + 1))
  "$hoso" run "$src/rules" --dossier "$d" --engine interp >"$scratch/interp.out" 2>&1
  rc_i=$?
  "$hoso" run "$src/rules" --dossier "$d" --engine jit >"$scratch/jit.out" 2>&1
  rc_j=$?
  "$hoso" run "$scratch/rules.pack" --dossier "$d" --engine pack >"$scratch/pack.out" 2>&1
  rc_p=$?
  if [ $rc_i -ne $rc_j ] || [ $rc_i -ne $rc_p ] || ! cmp -s "$scratch/interp.out" "$scratch/jit.out" \
     || ! cmp -s "$scratch/interp.out" "$scratch/pack.out"; then
    echo "DIFFERENT: $d (exit interp $rc_i, jit $rc_j, pack $rc_p)"
    diff "$scratch/interp.out" "$scratch/pack.out" | head -20
    fails=$((fails + 1))
  fi
done
echo "$n dossiers, $fails different"
[ $fails -eq 0 ]
