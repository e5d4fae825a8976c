#!/usr/bin/env bash
# The benchmarks' job inputs, made once and cached: a generated world of USERS
# users x ITEMS items and a precomputed model of seeded Gaussian embeddings
# (the job's cost does not depend on what the vectors mean).
#
#   scripts/make_bench_world.sh INVR WORLD_DIR MODEL_DIR USERS ITEMS DIM
set -euo pipefail
invr=$1 world=$2 model=$3 USERS=$4 ITEMS=$5 DIM=$6
if [[ ! -f "$world/world.inter" ]]; then
  "$invr" generate --out "$world" --users "$USERS" --items "$ITEMS" \
    --publishers $((ITEMS / 20)) --days 14 --impressions-per-user 20 >&2
fi
if [[ ! -f "$model/manifest.json" ]]; then
  # A precomputed model with seeded Gaussian embeddings: the job's cost does
  # not depend on what the vectors mean.
  /usr/bin/python3 - "$world" "$model" "$DIM" <<'PY'
import os, sys, json
import numpy as np
world, model, dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(model, exist_ok=True)
rng = np.random.default_rng(1)
def ids(path):
    with open(path) as f:
        next(f)
        return [line.split('\t', 1)[0].rstrip('\n') for line in f if line.strip()]
for kind, path in (("user", "world.user"), ("item", "world.item")):
    names = ids(os.path.join(world, path))
    np.save(os.path.join(model, f"{kind}_embeddings.npy"),
            rng.standard_normal((len(names), dim), dtype=np.float32))
    with open(os.path.join(model, f"{kind}_embeddings.ids"), "w") as f:
        f.write("\n".join(names) + "\n")
with open(os.path.join(model, "manifest.json"), "w") as f:
    json.dump({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": dim}, f)
PY
fi
