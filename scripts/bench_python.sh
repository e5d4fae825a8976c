#!/usr/bin/env bash
# invr.inverse_retrieve against the same C++ calls in the same run, and peak
# RSS with float32 (read in place) and float64 (converted once) inputs
# (docs/python.md, "Benchmark"). About 1 minute on 2 cores at the defaults.
#
#   scripts/bench_python.sh                      # 200k users x 2k items, dim 64, N = 100
#   scripts/bench_python.sh --users 50000 --repeat 5   # extra arguments go to bench_python.py
#
# Builds the module and bench_inverse_call (Release) in $INVR_BUILD_DIR (default build/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 invr_python bench_inverse_call >&2
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 "$root/bench/bench_python.py" --baseline "$build/bench/bench_inverse_call" "$@"
