#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of a subset of the test
# suite (issue 17; docs/fuzzing.md, "Sanitizers").
#
#   scripts/test_sanitize.sh [STAGE...]   (default: common data synth metrics baselines retrieval inverse store)
#
# Configures ./build-asan (or $INVR_SANITIZE_BUILD) with g++, -DINVR_SANITIZE=ON
# (cmake/InvrSanitize.cmake), -O1 -g, and without LibTorch, MPI and the
# benchmarks; builds invr_<STAGE>_tests for each stage and runs them through
# ctest by label, with leak detection on and UBSan aborting on the first report.
# Leaks inside uninstrumented third-party libraries are suppressed by
# scripts/lsan.supp (a leak in invr code is still reported).
# About 15 minutes on the 2-core development machine from an empty build-asan
# (13.5 min build, 1 to 2 min tests). Environment: CXX (default g++), INVR_BUILD_JOBS (default 2), INVR_TEST_JOBS
# (default 2). Exits non-zero on any failed test or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${INVR_SANITIZE_BUILD:-build-asan}
stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(common data synth metrics baselines retrieval inverse store)
for stage in "${stages[@]}"; do
  if [[ ! -d tests/$stage ]]; then
    echo "scripts/test_sanitize.sh: no test stage '$stage' (tests/<stage>/)" >&2
    exit 2
  fi
done

if [[ ! -f $build/build.ninja ]]; then
  mkdir -p "$build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="${CXX:-g++}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DINVR_SANITIZE=ON -DINVR_WITH_TORCH=OFF -DINVR_WITH_MPI=OFF -DINVR_BUILD_BENCH=OFF \
    >"$build/configure.log" 2>&1 || { tail -40 "$build/configure.log"; exit 1; }
fi
targets=()
labels=
for stage in "${stages[@]}"; do
  targets+=("invr_${stage}_tests")
  labels+="${labels:+|}^${stage}\$"
done
ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$build" && ctest --output-on-failure -j "${INVR_TEST_JOBS:-2}" --timeout 900 -L "$labels")
