#!/usr/bin/env bash
# Installs what Hoso needs from Debian's packages. Idempotent and quick when
# everything is already there: it asks dpkg first and calls apt only for what
# is missing.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build ccache pkg-config git
  default-jre-headless antlr4 libantlr4-runtime-dev
  llvm-16-dev
  libboost-dev libfmt-dev libxml2-dev libsqlite3-dev postgresql libpq-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev
  clang-14 libclang-rt-14-dev clang-format
)
missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
