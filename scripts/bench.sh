#!/usr/bin/env bash
# One command for every benchmark in bench/. Each prints its own table with
# ratios against a baseline measured in the same run (README.md, "Benchmarks";
# CONTRIBUTING.md, "Running the benchmarks").
# Benchmarks run one after another so they do not disturb each other.
set -euo pipefail
cd "$(dirname "$0")/.."
for script in scripts/bench_*.sh; do
  echo "==> $script" >&2
  "$script"
done
