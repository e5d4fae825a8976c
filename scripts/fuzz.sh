#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (docs/fuzzing.md), each for SECONDS,
# starting from its checked-in seed corpus.
#
#   scripts/fuzz.sh SECONDS [TARGET...]     (targets: fuzz/fuzz_<TARGET>.cc; default all)
#
# Configures and builds ./build-fuzz (or $INVR_FUZZ_BUILD; clang,
# -fsanitize=fuzzer,address,undefined; INVR_FUZZ=ON builds nothing else) when
# needed. New inputs go to build-fuzz/corpus/<target>/ (kept between runs;
# fuzz/corpus/<target>/ is only read, so the checked-in seeds stay as they
# are), findings to build-fuzz/findings/<target>/. Prints executions, exec/s and the outcome per
# target, and exits 1 if any target found a crash, a sanitizer report, an
# unexpected exception, a leak, a timeout (FUZZ_TIMEOUT seconds for one input,
# default 20) or an out-of-memory (FUZZ_RSS_MB, default 2048).
# Environment: CXX (default clang++), INVR_BUILD_JOBS (default 2), FUZZ_JOBS
# (targets run at once, default 1), FUZZ_ARGS (more libFuzzer flags).
# Takes SECONDS per target plus, the first time, about 5 minutes to build on a
# 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
all_targets=()
for source in fuzz/fuzz_*.cc; do
  name=${source#fuzz/fuzz_}
  all_targets+=("${name%.cc}")
done
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  if [[ ! -f fuzz/fuzz_$target.cc ]]; then
    echo "scripts/fuzz.sh: no target '$target' (have: ${all_targets[*]})" >&2
    exit 2
  fi
done

build=${INVR_FUZZ_BUILD:-build-fuzz}
mkdir -p "$build"
# The build's output goes to a log, shown when the build fails (a compiler
# error must not end the run silently).
build_step() {
  if ! "$@" >"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    echo "scripts/fuzz.sh: the fuzz build failed (whole log: $build/build.log)" >&2
    exit 1
  fi
}
if [[ ! -f $build/build.ninja ]]; then
  build_step cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DINVR_FUZZ=ON
fi
build_step ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" "${targets[@]/#/fuzz/fuzz_}"

run_target() {
  local target=$1 work=$build/corpus/$1 findings=$build/findings/$1
  mkdir -p "$work" "$findings"
  # Findings of an earlier run stay for reading; a clean run removes them.
  local status=0
  "$build/fuzz/fuzz_$target" "$work" "fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
    -print_final_stats=1 -artifact_prefix="$findings/" ${FUZZ_ARGS:-} \
    >"$build/fuzz_$target.log" 2>&1 || status=$?
  local executions rate
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz_$target.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$build/fuzz_$target.log" | tail -1)
  if [[ $status -eq 0 ]]; then
    rm -f "$findings"/*
    printf '%-10s %12s executions %8s exec/s  ok\n' "$target" "${executions:-?}" "${rate:-?}"
  else
    local finding
    finding=$(ls -t "$findings" 2>/dev/null | head -1)
    printf '%-10s %12s executions %8s exec/s  FINDING (exit %s): %s\n' "$target" \
      "${executions:-?}" "${rate:-?}" "$status" "${finding:+$findings/$finding}"
    grep -m1 -E '^==[0-9]+==ERROR|SUMMARY|uncaught exception|runtime error|deadly signal' \
      "$build/fuzz_$target.log" | sed 's/^/    /' || true
    echo "    log: $build/fuzz_$target.log" \
      "(replay: $build/fuzz/fuzz_$target ${finding:+$findings/$finding})"
    return 1
  fi
}

export -f run_target
export build seconds FUZZ_TIMEOUT FUZZ_RSS_MB FUZZ_ARGS
failed=0
if [[ ${FUZZ_JOBS:-1} -le 1 ]]; then
  for target in "${targets[@]}"; do run_target "$target" || failed=1; done
else
  printf '%s\n' "${targets[@]}" | xargs -P "$FUZZ_JOBS" -I{} bash -c 'run_target "$@"' _ {} || failed=1
fi
if [[ $failed -ne 0 ]]; then
  echo "scripts/fuzz.sh: findings above" >&2
  exit 1
fi
echo "scripts/fuzz.sh: ${#targets[@]} targets, ${seconds} s each, no findings"
