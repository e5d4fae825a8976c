#!/usr/bin/env bash
# Installs every Debian 12 package invr needs to build, test, benchmark and run its demo.
# Safe to run again: apt skips what is already there.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
packages=(
  build-essential cmake ninja-build pkg-config git procps time
  libopenblas-dev libfaiss-dev
  librocksdb-dev libhiredis-dev redis-server
  libboost-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-dev python3-numpy pybind11-dev python3-pytest python3-setuptools python3-wheel python3-pip python3-venv
  python3-jsonschema python3-yaml python3-pandas
  libopenmpi-dev openmpi-bin
  libtorch-dev python3-torch
  wrk chromium libjs-chart.js
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present" >&2
fi
