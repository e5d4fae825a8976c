#!/usr/bin/env bash
# Training-throughput benchmark: `invr train` against the same two-tower
# training step in Python PyTorch (bench/bench_train.py), on the same examples,
# batch size and thread count, interleaved in one run; then the wall time of a
# full default `invr train` on 2 threads (docs/model.md, "Training throughput").
#
#   scripts/bench_train.sh        # about 8 minutes on 2 shared cores
#
# Data: ml-latest-small from $INVR_DATASETS (default /work/shared/datasets),
# converted with `invr convert --from movielens`; without it, a synthetic
# world from `invr generate` (said so in the output). Builds invr in
# $INVR_BUILD_DIR (default build/); work files go to out/bench_train/.
# Environment: BENCH_TRAIN_ROUNDS (default 2) rounds per thread count,
# BENCH_TRAIN_THREADS (default "1 2"), PYTHON (default /usr/bin/python3, which
# must have torch and numpy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
datasets=${INVR_DATASETS:-/work/shared/datasets}
python=${PYTHON:-/usr/bin/python3}
rounds=${BENCH_TRAIN_ROUNDS:-2}
thread_counts=${BENCH_TRAIN_THREADS:-1 2}
work=$root/out/bench_train
invr=$build/bin/invr

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 invr invr_torch >&2
if ! "$python" -c 'import torch, numpy' 2>/dev/null; then
  echo "bench_train: $python has no torch/numpy (Debian: apt-get install python3-torch)" >&2
  exit 1
fi

# Both sides use the same OpenBLAS: let it detect the CPU for these commands
# only (this environment pins a core type and L2 size; see bench_topk.sh).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# invr chooses its own OpenMP wait policy (apps/invr/cmd_train.cc).
unset OMP_WAIT_POLICY

mkdir -p "$work"
if [[ -f $datasets/ml-latest-small/ratings.csv ]]; then
  data_name="ml-latest-small"
  data=$work/ml
  [[ -f $data/ml.inter ]] ||
    "$invr" --quiet convert --from movielens --in "$datasets/ml-latest-small" --out "$data" --name ml >&2
else
  echo "bench_train: $datasets/ml-latest-small not found; skipping it and using a synthetic world" >&2
  data_name="synthetic world (invr generate --users 3000 --items 1000)"
  data=$work/world
  [[ -f $data/world.inter ]] ||
    "$invr" --quiet generate --out "$data" --users 3000 --items 1000 --publishers 60 \
      --impressions-per-user 400 >&2
fi

# invr writes the examples it trains on; the PyTorch script reads them.
INVR_DUMP_TRAINING_DATA=$work/dump "$invr" --quiet train --data "$data" --out "$work/model-dump" \
  --epochs 1 --threads 2 >/dev/null

json_field() { "$python" -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)"; }
calc() { "$python" -c "print($1)"; }
batch=$("$python" -c "import tomllib;print(tomllib.load(open('$work/dump/config.toml','rb'))['batch_size'])")

# Two PyTorch baselines. "tuned" runs with the two process policies invr sets
# for itself (cmd_train.cc): freed memory kept (glibc's mmap threshold) and
# passive OpenMP waiting; the bar is against it. "as installed" is python3
# with glibc's and libgomp's defaults, timed on BENCH_TRAIN_DEFAULT_STEPS steps
# (default 40) because it is slow.
tuned=(env MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 OMP_WAIT_POLICY=PASSIVE)
default_steps=${BENCH_TRAIN_DEFAULT_STEPS:-40}
echo "# training throughput (examples/s) on $data_name, batch $batch, $(nproc) CPUs, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-6s %10s %14s %17s %12s\n' threads round invr "PyTorch tuned" "PyTorch installed" "invr/tuned"
for threads in $thread_counts; do
  best_invr=0 best_tuned=0 best_default=0
  for round in $(seq "$rounds"); do
    # Epoch 2's rate: epoch 1 warms up (the PyTorch side warms up too).
    invr_rate=$("$invr" --quiet train --data "$data" --out "$work/model-t$threads" --epochs 2 \
      --threads "$threads" | json_field 'd["epochs"][-1]["examples_per_second"]')
    tuned_rate=$("${tuned[@]}" "$python" "$root/bench/bench_train.py" --dump "$work/dump" \
      --threads "$threads" | json_field 'd["examples_per_second"]')
    default_rate=$("$python" "$root/bench/bench_train.py" --dump "$work/dump" --threads "$threads" \
      --steps "$default_steps" | json_field 'd["examples_per_second"]')
    printf '%-8s %-6s %10.0f %14.0f %17.0f %12.2f\n' "$threads" "$round" "$invr_rate" "$tuned_rate" \
      "$default_rate" "$(calc "$invr_rate / $tuned_rate")"
    best_invr=$(calc "max($best_invr, $invr_rate)")
    best_tuned=$(calc "max($best_tuned, $tuned_rate)")
    best_default=$(calc "max($best_default, $default_rate)")
  done
  printf '%-8s %-6s %10.0f %14.0f %17.0f %12.2f\n' "$threads" best "$best_invr" "$best_tuned" \
    "$best_default" "$(calc "$best_invr / $best_tuned")"
done

# The bar: a full default training run on 2 threads in under 2 minutes.
start=$(date +%s.%N)
summary=$("$invr" --quiet train --data "$data" --out "$work/model-full" --threads 2)
end=$(date +%s.%N)
echo "$summary" | json_field \
  "f'# full invr train on $data_name, default settings, --threads 2: {$end - $start:.1f} s wall, ' \
   f'{len(d[\"epochs\"])} epochs, best epoch {d[\"best_epoch\"]}, Recall@20 {d[\"best_recall\"]:.4f} ' \
   f'(most popular {d[\"popularity_recall\"]:.4f}), {d[\"train_examples\"]} examples'"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
