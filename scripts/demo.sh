#!/usr/bin/env bash
# One command: install dependencies, build, and run the main job on the
# built-in synthetic world. Extra arguments go to `invr demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./build/bin/invr demo --out "${INVR_DEMO_DIR:-out/demo}" "$@"
