#!/usr/bin/env bash
# One command: install dependencies, build, and run every test (CTest), then
# a short fuzzing run (scripts/fuzz.sh, INVR_FUZZ_SECONDS per target, default
# 10; 0 skips it): about 4 minutes on 2 cores, most of it the clang build;
# then the ASan + UBSan run of eight stages' tests (scripts/test_sanitize.sh,
# INVR_SANITIZE_TESTS=0 skips it): about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
(cd build && ctest --output-on-failure -j "${INVR_TEST_JOBS:-2}" --timeout 600)
if [[ "${INVR_FUZZ_SECONDS:-10}" != 0 ]]; then
  ./scripts/fuzz.sh "${INVR_FUZZ_SECONDS:-10}"
fi
if [[ "${INVR_SANITIZE_TESTS:-1}" != 0 ]]; then
  ./scripts/test_sanitize.sh
fi
