#!/usr/bin/env bash
# Implicit ALS (docs/model.md, "The als kind"). Builds bench_als and invr, then:
#  1. bench_als: one user's fold-in (d = 64, 50 history items) against the
#     training half-sweep's cost per user, measured in the same run;
#  2. with the shared datasets ($INVR_DATASETS, default ../shared/datasets):
#     `invr train --kind als --threads ${BENCH_ALS_THREADS:-2}` wall time on
#     ml-latest-small and Gowalla, and `invr evaluate` (als, most_popular,
#     item_knn, ease) on ml-latest-small and Last.fm.
# Converted data is kept in ${INVR_BENCH_DIR:-/tmp/invr-bench-als} and reused.
# About 2-4 minutes on 2 cores. Extra arguments go to bench_als.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${INVR_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" bench_als invr_cli
"$build/bench/bench_als" "$@"

datasets="${INVR_DATASETS:-../shared/datasets}"
work="${INVR_BENCH_DIR:-/tmp/invr-bench-als}"
threads="${BENCH_ALS_THREADS:-2}"
invr="$build/bin/invr"
if [ ! -d "$datasets/ml-latest-small" ]; then
  echo "no shared datasets at $datasets: skipping the dataset timings"
  exit 0
fi
mkdir -p "$work"
convert() {  # FROM DIR NAME
  [ -d "$work/$3" ] || "$invr" --quiet convert --from "$1" --in "$datasets/$2" --out "$work/$3" >/dev/null
}
convert movielens ml-latest-small ml
convert gowalla gowalla gowalla
convert lastfm lastfm-hetrec2011-2k lastfm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for data in ml gowalla; do
  start=$(date +%s.%N)
  "$invr" --quiet train --kind als --data "$work/$data" --out "$work/model-$data" --threads "$threads" \
    > "$work/train-$data.json"
  end=$(date +%s.%N)
  echo "$data: invr train --kind als --threads $threads: $(echo "$end - $start" | bc) s wall;" \
    "validation $(python3 -c "import json,sys; r=json.load(open('$work/train-$data.json')); print('recall', r['best_recall'], 'most popular', r['popularity_recall'])")"
done
for data in ml lastfm; do
  "$invr" --quiet evaluate --data "$work/$data" --k 20 --methods als,most_popular,item_knn,ease \
    > "$work/evaluate-$data.json"
  python3 - "$work/evaluate-$data.json" "$data" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for m in ["als", "most_popular", "item_knn", "ease"]:
    if "skipped" in r[m]:
        print(f"{sys.argv[2]} {m}: skipped"); continue
    o = r[m]["overall"]
    print(f"{sys.argv[2]} {m}: recall@20 {o['recall@20']:.4f} ndcg@20 {o['ndcg@20']:.4f} ({r[m]['seconds']:.1f} s)")
PY
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
