#!/usr/bin/env bash
# A/B simulator benchmark (docs/simulation.md, "Speed"): 14 simulated days of
# 100k users and 20k items, the bar being <= 10 minutes on 2 cores.
#
#   scripts/bench_simulate.sh                 # threads = 2
#   THREADS=16 scripts/bench_simulate.sh      # extra arguments go to invr simulate
#
# Builds invr (Release) in $INVR_BUILD_DIR (default build/), generates the
# world once into $BENCH_DIR (default out/bench_simulate; reused when present)
# and times `invr simulate`, initial model training included. The world has
# 21 days so that 7 days of history precede the 14 simulated ones, and 75
# impressions per user, the default world's traffic per day (50 over 14 days).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
dir=${BENCH_DIR:-$root/out/bench_simulate}
threads=${THREADS:-2}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 invr_cli >&2
invr="$build/bin/invr"

# For this command only, let OpenBLAS detect the CPU (see bench_topk.sh).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

if [[ ! -f "$dir/world/world.truth" ]]; then
  echo "generating the world (100k users, 20k items, 1000 publishers, 21 days)" >&2
  "$invr" -q generate --out "$dir/world" --users 100000 --items 20000 --publishers 1000 \
    --days 21 --impressions-per-user 75 --threads "$threads"
fi

start=$(date +%s.%N)
/usr/bin/time -v "$invr" simulate --world "$dir/world" --out "$dir/simulation" --days 14 \
  --threads "$threads" "$@" >"$dir/simulate.out" 2>"$dir/simulate.err" || {
  tail -20 "$dir/simulate.err" >&2
  exit 1
}
end=$(date +%s.%N)
cat "$dir/simulate.out"
grep -E "Maximum resident|Elapsed" "$dir/simulate.err" || true
printf 'wall time: %.1f s (bar: 600 s on 2 cores), threads %s\n' "$(echo "$end - $start" | bc)" "$threads"
