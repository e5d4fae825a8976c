#!/usr/bin/env bash
# The assignment stage (docs/assignment.md, "Measurements"). Builds
# bench_assign, then times assign_targets against the baselines of the same
# run (the job's retrieve stage, exact top-N users per item, on the same
# random embeddings, and a std::sort of all pairs), at 100k users × 2k items ×
# N = 100 and at the job's scale, 1M users × 20k items × N = 500 (about
# 2-5 minutes on 2 cores, most of it the retrieval; ~0.6 GiB peak).
# BENCH_ASSIGN_THREADS (default 2) sets the threads; BENCH_ASSIGN_SMALL_ONLY=1
# skips the large run. Extra arguments replace both runs by one:
# USERS ITEMS N THREADS TARGET DIM SOLVER (bench/bench_assign.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${INVR_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" bench_assign
threads="${BENCH_ASSIGN_THREADS:-2}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $# -gt 0 ]; then
  "$build/bench/bench_assign" "$@"
else
  "$build/bench/bench_assign" 100000 2000 100 "$threads" 20
  [ "${BENCH_ASSIGN_SMALL_ONLY:-0}" = 1 ] || "$build/bench/bench_assign" 1000000 20000 500 "$threads" 10
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
