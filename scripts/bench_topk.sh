#!/usr/bin/env bash
# Top-k retrieval benchmark: exact top-k vs bare sgemm vs FAISS IndexFlatIP,
# then FAISS HNSW/IVF recall and speed (docs/retrieval.md, "Benchmark").
#
#   scripts/bench_topk.sh                      # about 5 minutes on 2 cores
#   scripts/bench_topk.sh --threads 16 --large # extra arguments go to bench_topk
#
# Builds bench_topk (Release) in $INVR_BUILD_DIR (default build/) and writes
# JSON to out/bench_topk.json unless --json is given.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 bench_topk invr >&2

json=()
if [[ " $* " != *" --json "* ]]; then
  mkdir -p "$root/out"
  json=(--json "$root/out/bench_topk.json")
fi

# This environment pins OPENBLAS_CORETYPE=Haswell (AVX2 kernels) and a small
# L2 size. For this command only, let OpenBLAS detect the CPU: on AVX-512
# machines its own choice runs sgemm about twice as fast. The kernel used is
# printed first; BENCH_OPENBLAS_CORETYPE=SkylakeX (say) forces one instead.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
if [[ -n "${BENCH_OPENBLAS_CORETYPE:-}" ]]; then export OPENBLAS_CORETYPE=$BENCH_OPENBLAS_CORETYPE; fi
# `invr topk` end to end is timed beside the in-process methods (--cli).
exec "$build/bench/bench_topk" "${json[@]}" --cli "$build/bin/invr" "$@"
