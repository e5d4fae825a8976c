"""Shared fixtures of the Python tests (docs/python.md, "Tests").

ctest runs them with PYTHONPATH at build/python and INVR_CLI at the built
`invr` (tests/python/CMakeLists.txt); run by hand the same way:
  PYTHONPATH=build/python INVR_CLI=build/bin/invr python3 -m pytest tests/python
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_path():
    return os.environ.get("INVR_CLI", str(ROOT / "build" / "bin" / "invr"))


def run_cli(*args, check=True):
    """Runs the real invr binary; returns the CompletedProcess (text)."""
    proc = subprocess.run([cli_path(), "--quiet", *map(str, args)], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"invr {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def run_python(code, timeout=120):
    """Runs code in a fresh interpreter (so an abort there cannot take pytest down)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ))


def write_precomputed_model(path, dataset, dim, seed):
    """A "precomputed" model directory (docs/model.md) of random embeddings
    for the dataset's users and items; returns (item_embeddings, user_embeddings)."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True, exist_ok=True)
    items = rng.standard_normal((dataset.num_items, dim)).astype(np.float32)
    users = rng.standard_normal((dataset.num_users, dim)).astype(np.float32)
    np.save(path / "item_embeddings.npy", items)
    np.save(path / "user_embeddings.npy", users)
    (path / "item_embeddings.ids").write_text("".join(i + "\n" for i in dataset.item_ids))
    (path / "user_embeddings.ids").write_text("".join(u + "\n" for u in dataset.user_ids))
    (path / "manifest.json").write_text(json.dumps(
        {"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": dim}))
    return items, users


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """A small synthetic world from `invr generate` (atomic files + exposure log)."""
    out = tmp_path_factory.mktemp("world")
    run_cli("generate", "--out", out, "--users", 400, "--items", 300, "--publishers", 20,
            "--days", 7, "--impressions-per-user", 30, "--seed", 7)
    return out


def datasets_dir():
    return Path(os.environ.get("INVR_DATASETS", ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def shared_datasets(tmp_path_factory):
    """The public datasets converted to atomic files: {name: folder}. Skips,
    saying why, when ../shared/datasets (or $INVR_DATASETS) is absent."""
    src = datasets_dir()
    if not (src / "ml-latest-small").is_dir() or not (src / "lastfm-hetrec2011-2k").is_dir():
        pytest.skip(f"public datasets not found in {src} (set INVR_DATASETS)")
    out = tmp_path_factory.mktemp("datasets")
    run_cli("convert", "--from", "movielens", "--in", src / "ml-latest-small", "--out", out / "ml",
            "--producers", src / "hetrec2011-movielens-2k" / "movie_directors.dat", "--name", "ml")
    run_cli("convert", "--from", "lastfm", "--in", src / "lastfm-hetrec2011-2k", "--out", out / "lastfm",
            "--name", "lastfm")
    folders = {"ml": out / "ml", "lastfm": out / "lastfm"}
    if (src / "gowalla").is_dir():
        run_cli("convert", "--from", "gowalla", "--in", src / "gowalla", "--out", out / "gowalla",
                "--name", "gowalla")
        folders["gowalla"] = out / "gowalla"
    return folders
