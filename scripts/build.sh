#!/usr/bin/env bash
# Installs what is missing and builds Hoso. Usage: scripts/build.sh [preset]
# (presets: dev (default), ci, asan, fuzz; see CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
./scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
