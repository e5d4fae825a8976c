#!/usr/bin/env bash
# The sharded job against one process on the same files (docs/distributed.md):
# USERS users x ITEMS items, N users per item, d = DIM, every item queried,
# without the target ordering unless ASSIGN=true. For each rank
# count in RANKS (1 = the plain single-process job) prints wall time, the
# largest rank's peak RSS and its ratio to the single process's, and whether
# every user's lists equal the single process's (invr candidates --compare).
#
#   scripts/bench_sharded.sh                                  # 4M x 20k x N=500, ranks 1 2 4
#   USERS=200000 ITEMS=5000 RANKS="1 2" scripts/bench_sharded.sh
#   ASSIGN=true RANKS="1 4" scripts/bench_sharded.sh          # with the target ordering
#
# The world and model are cached in $OUT (default out/bench_job, shared with
# bench_job.sh); each run's store is $OUT/sharded-R.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
USERS=${USERS:-4000000}
ITEMS=${ITEMS:-20000}
N=${N:-500}
DIM=${DIM:-64}
RANKS=${RANKS:-"1 2 4"}
ASSIGN=${ASSIGN:-false}
OUT=${OUT:-$root/out/bench_job}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 invr_cli >&2
invr="$build/bin/invr"
world="$OUT/world-${USERS}x${ITEMS}"
model="$OUT/model-${USERS}x${ITEMS}x${DIM}"
"$root/scripts/make_bench_world.sh" "$invr" "$world" "$model" "$USERS" "$ITEMS" "$DIM"
# For this command only, let OpenBLAS pick its kernel (see bench_topk.sh).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
args=(job --model "$model" --data "$world" --all-items --top-users-per-item "$N" --active-days 0
      --grace-seconds 0 --assign-targets "$ASSIGN" --generation g)
for r in $RANKS; do
  store="$OUT/sharded-$ASSIGN-$r"
  rm -rf "$store"
  if [[ $r == 1 ]]; then
    cmd=("$invr" -q --no-load-cache "${args[@]}" --store "rocksdb:$store")
  else
    cmd=(mpirun --allow-run-as-root --oversubscribe -np "$r" "$invr" -q "${args[@]}" --distributed
         --store "rocksdb:$store")
  fi
  /usr/bin/time -f "%e" -o "$OUT/time-$ASSIGN-$r.txt" "${cmd[@]}" > "$OUT/summary-$ASSIGN-$r.json"
  if [[ $r != 1 ]]; then
    "$invr" -q candidates --store "rocksdb:$OUT/sharded-$ASSIGN-1" --compare "rocksdb:$store" --data "$world" \
      > "$OUT/compare-$ASSIGN-$r.json" || true
  fi
done
/usr/bin/python3 - "$OUT" "$ASSIGN" "$USERS" "$ITEMS" "$N" "$DIM" $RANKS <<'PY'
import json, os, sys
out, assign, users, items, n, dim, *ranks = sys.argv[1:]
print(f"InvR job: {users} users x {items} items, N={n}, d={dim}, --assign-targets {assign}")
print(f"{'ranks':>5} {'wall s':>8} {'largest rank RSS MB':>20} {'vs 1 rank':>10}  lists")
single = None
for r in ranks:
    s = json.load(open(os.path.join(out, f"summary-{assign}-{r}.json")))
    wall = float(open(os.path.join(out, f"time-{assign}-{r}.txt")).read().split()[-1])
    peak = max(s.get("rank_peak_rss_bytes", [s["peak_rss_bytes"]]))
    single = single or peak
    same = "reference"
    path = os.path.join(out, f"compare-{assign}-{r}.json")
    if os.path.exists(path) and r != "1":
        c = json.load(open(path))
        same = (f"identical ({c['users_with_lists']} users with lists)" if c["differing_users"] == 0
                else f"{c['differing_users']} users differ")
    print(f"{r:>5} {wall:>8.1f} {peak / 1e6:>20.0f} {peak / single:>10.2f}  {same}")
PY
