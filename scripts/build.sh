#!/usr/bin/env bash
# Configures and builds invr (Release) into ./build. Usage: scripts/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# Two jobs: heavy translation units need memory and these machines have 2 cores.
ninja -C build -j "${INVR_BUILD_JOBS:-2}"
