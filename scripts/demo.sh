#!/usr/bin/env bash
# The main job on the embedded defaults: installs what is missing, builds,
# checks the sample rules, runs their tests, routes every sample dossier with
# the compiled rules, then runs the dossier engine on a few of them through
# a deadline (warning, overdue, apology, escalation) and prints the KPIs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh dev
hoso=./build/dev/bin/hoso
engine=${HOSO_ENGINE:-jit}

echo "== hoso check rules/ stdlib/ examples/"
$hoso check rules stdlib examples && echo "clean"

echo
echo "== hoso test rules/ examples/ (the policy authors' own tests, $engine)"
$hoso test rules examples --engine "$engine" | tail -n 3

echo
echo "== routing every sample dossier ($engine): procedure -> competent unit, due"
$hoso run rules examples --engine "$engine" --summary $(printf -- "--dossier %s " examples/dossiers/*.json)

echo
echo "== one decision in full, with --explain"
$hoso run rules --dossier examples/dossiers/HousePermit_province.json --engine "$engine" --explain | head -n 40

echo
echo "== the dossier engine on a store: intake, steps, a missed deadline, KPIs"
store=$(mktemp -d)/demo.db
e() { $hoso engine --store "$store" --rules rules --engine "$engine" "$@"; }
desk="commune Bắc Hà/one_stop#nva"
e --at "2026-02-10 09:00" submit examples/dossiers/HousePermit_province.json --as "$desk" >/dev/null
e --at "2026-02-10 14:00" act HS00000001 complete --as "$desk" >/dev/null
echo "\$ hoso engine act HS00000001 complete --as \"$desk\"   (step 2 is the province's)"
e --at "2026-02-11 09:00" act HS00000001 complete --as "$desk" || echo "(refused, exit $?: recorded in the audit trail)"
echo "\$ hoso engine --at \"2026-03-13 09:00\" advance"
e --at "2026-03-13 09:00" advance
e kpi
$hoso audit verify "$store"
