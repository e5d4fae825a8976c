#!/usr/bin/env bash
# Load benchmark of `invr serve` with wrk (docs/serving_http.md, "Benchmark"):
# builds the invr CLI (Release) in $INVR_BUILD_DIR (default build/) and runs
# bench/bench_serve.sh, which generates a world, writes a deterministic random
# model, runs `invr job`, starts `invr serve` and prints the latency table.
#
#   scripts/bench_serve.sh                                   # 1M users x 100k items
#   BENCH_USERS=100000 BENCH_ITEMS=10000 scripts/bench_serve.sh   # smaller world
#
# Every knob is an environment variable listed at the top of bench/bench_serve.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" invr_cli bench_store >&2
INVR="$build/bin/invr" exec "$root/bench/bench_serve.sh" "$@"
