#!/usr/bin/env bash
# One command: install dependencies, build, and run every test (CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd build
ctest --output-on-failure -j "${INVR_TEST_JOBS:-2}" --timeout 600
