#!/usr/bin/env bash
# The full InvR job at the issue's scale: USERS users x ITEMS items, N users
# per item, d = DIM; every item is queried (--all-items). Prints wall time and
# peak RSS per stage, and peak RSS against the bytes the job must hold
# (dataset, embeddings, item -> users lists, per-user lists).
#
#   scripts/bench_job.sh                         # 1M x 20k x N=500 x d=64
#   USERS=100000 ITEMS=5000 scripts/bench_job.sh # smaller
#   JOB_ARGS='--assign-targets false' scripts/bench_job.sh  # more invr job flags
#
# The world and the random model are cached in $OUT (default out/bench_job).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
USERS=${USERS:-1000000}
ITEMS=${ITEMS:-20000}
N=${N:-500}
DIM=${DIM:-64}
OUT=${OUT:-$root/out/bench_job}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 invr_cli >&2
invr="$build/bin/invr"
world="$OUT/world-${USERS}x${ITEMS}"
model="$OUT/model-${USERS}x${ITEMS}x${DIM}"
"$root/scripts/make_bench_world.sh" "$invr" "$world" "$model" "$USERS" "$ITEMS" "$DIM"
store="$OUT/store"
rm -rf "$store"
# For this command only, let OpenBLAS pick its kernel (see bench_topk.sh).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
summary=$(/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$invr" -q job --model "$model" --data "$world" \
  --store "rocksdb:$store" --all-items --top-users-per-item "$N" --active-days 0 --grace-seconds 0 \
  ${JOB_ARGS:-})
echo "$summary" > "$OUT/summary.json"
/usr/bin/python3 - "$OUT/summary.json" "$OUT/time.txt" "$USERS" "$ITEMS" "$N" "$DIM" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
wall, max_kb = open(sys.argv[2]).read().split()
users, items, n, dim = sys.argv[3:7]
print(f"InvR job: {users} users x {items} items, N={n}, d={dim}, {s['users_with_candidates']} users with candidates")
print(f"{'stage':<12} {'seconds':>9} {'peak RSS MB':>12}")
for stage, seconds in s["timings"].items():
    print(f"{stage:<12} {seconds:>9.2f} {s['peak_rss_bytes_after'][stage] / 1e6:>12.0f}")
peak = int(max_kb) * 1024
need = s["required_bytes"]
print(f"wall {float(wall):.1f} s; peak RSS {peak / 1e6:.0f} MB; must hold {need / 1e6:.0f} MB; "
      f"ratio {peak / need:.2f} (target <= 1.5)")
PY
