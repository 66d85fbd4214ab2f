#!/usr/bin/env bash
# The main job on the embedded defaults: installs what is missing, builds,
# checks the sample rules and runs them on the sample dossiers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh dev
hoso=./build/dev/bin/hoso
echo "== hoso check rules/ stdlib/ examples/"
$hoso check rules stdlib examples && echo "clean"
echo
echo "== a deadline on the Vietnamese working calendar (Tết 2026 is skipped)"
echo "\$ hoso due --from \"2026-02-10 09:00\" --working-days 15"
$hoso due --from "2026-02-10 09:00" --working-days 15
if $hoso run --help >/dev/null 2>&1; then
  echo
  echo "== routing the sample dossiers with the compiled rules"
  for d in examples/dossiers/*.json; do
    echo "\$ hoso run rules --dossier $d"
    $hoso run rules --dossier "$d"
  done
fi
