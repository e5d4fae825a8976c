#!/usr/bin/env bash
# Builds and runs bench_load: loading a synthetic RecBole .inter file (~330 MB,
# 10M rows) against `cat FILE > /dev/null` on the same file, best of 3 warm
# runs, pinned to one CPU. Arguments go to bench_load (--rows N, --dir DIR,
# --repeats N); the file is kept in $INVR_BENCH_DIR (default: the system temp
# dir) and reused. See docs/formats.md, "Loading speed".
set -euo pipefail
cd "$(dirname "$0")/.."
build="${INVR_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" bench_load
# OpenBLAS settings mean nothing to a single-threaded loader; drop them for this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$build/bench/bench_load" "$@"
