"""CandidateStore on a real RocksDB folder and a real redis-server, Model
through the LibTorch plugin, and simulate() against the results.json the
CLI writes."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import invr
from conftest import ROOT, run_cli, write_precomputed_model


def roundtrip(store):
    lists = {"random": [("i2", 0.5, 2), ("i1", 0.25, 1)], "score": [("i2", 0.5, 2)], "user_rank": []}
    with store.begin_generation("g1") as writer:
        writer.put("u1", lists)
        assert writer.users_written == 1
        writer.commit(json.dumps({"source": "python test"}))
    assert store.current() == "g1"
    assert [g for g, _ in store.generations()] == ["g1"]
    assert json.loads(store.manifest("g1"))["source"] == "python test"
    assert store.get("u1") == lists
    assert store.get("nobody") is None
    # A writer left without commit is aborted: the served generation stays.
    with pytest.raises(RuntimeError):
        with store.begin_generation("g2") as writer:
            writer.put("u1", {"score": [("i9", 9.0, 1)]})
            raise RuntimeError("job failed")
    assert store.current() == "g1" and store.get("u1") == lists
    # inverse_retrieve's CSR output goes in whole.
    rng = np.random.default_rng(4)
    result = invr.inverse_retrieve(rng.standard_normal((30, 4)).astype(np.float32),
                                   rng.standard_normal((20, 4)).astype(np.float32),
                                   top_users_per_item=5, max_candidates_per_user=3)
    user_ids = [f"u{r}" for r in range(20)]
    item_ids = [f"i{r}" for r in range(30)]
    with store.begin_generation("g3") as writer:
        writer.put_csr(result, user_ids, item_ids)
        writer.commit("{}")
    assert store.current() == "g3"
    csr = result["user_rank"]
    for u in range(20):
        a, b = csr["offsets"][u], csr["offsets"][u + 1]
        got = store.get(user_ids[u])
        want = [(item_ids[i], float(s), int(r)) for i, s, r in
                zip(csr["items"][a:b], csr["scores"][a:b], csr["user_ranks"][a:b])]
        assert (got["user_rank"] if got else []) == want


def test_rocksdb_store_roundtrip(tmp_path):
    roundtrip(invr.CandidateStore(f"rocksdb:{tmp_path / 'store'}"))
    # The CLI reads what Python wrote.
    shown = json.loads(run_cli("candidates", "--store", f"rocksdb:{tmp_path / 'store'}").stdout)
    assert shown["current"] == "g3"


@pytest.fixture
def redis_uri(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"redis://127.0.0.1:{port}/0?prefix=pytest"
    try:
        for _ in range(100):
            try:
                invr.CandidateStore(uri)
                break
            except OSError:
                time.sleep(0.05)
        yield uri
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_redis_store_roundtrip(redis_uri):
    roundtrip(invr.CandidateStore(redis_uri))


def test_precomputed_model_embeds_by_id(world, tmp_path):
    dataset = invr.Dataset.load(str(world))
    items, users = write_precomputed_model(tmp_path / "model", dataset, dim=8, seed=1)
    model = invr.Model.load(str(tmp_path / "model"))
    assert model.kind == "precomputed" and model.dim == 8
    embedded = model.embed_users(dataset)
    assert embedded.dtype == np.float32 and embedded.flags.c_contiguous
    np.testing.assert_array_equal(embedded, users)
    with pytest.raises(ValueError, match="cold_start"):
        model.embed_items(dataset, cold_start="warm")


def test_import_maps_no_rocksdb_until_a_store_opens(tmp_path):
    """RocksDB is a plugin (docs/store.md, "Where RocksDB lives"): `import invr`
    maps no librocksdb; the first RocksDB store loads libinvr_rocksdb.so."""
    code = ("import invr\n"
            "def maps(): return open('/proc/self/maps').read()\n"
            "assert '/librocksdb.so' not in maps(), 'librocksdb mapped at import'\n"
            f"invr.CandidateStore({str(tmp_path / 'store')!r})\n"
            "assert '/libinvr_rocksdb.so' in maps() and '/librocksdb.so' in maps(), 'no plugin'\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]


def test_two_tower_model_matches_cli_embed(world, tmp_path):
    """A trained two-tower model goes through the LibTorch plugin, as `invr embed` does."""
    build = Path(os.environ.get("INVR_BUILD_DIR", ROOT / "build"))
    if not (build / "lib" / "libinvr_torch.so").exists():
        pytest.skip(f"no LibTorch plugin in {build}/lib (built with INVR_WITH_TORCH=OFF)")
    run_cli("train", "--data", world, "--out", tmp_path / "model", "--epochs", 1, "--dim", 8,
            "--threads", 1)
    run_cli("embed", "--model", tmp_path / "model", "--data", world, "--what", "items",
            "--out", tmp_path / "items.npy")
    dataset = invr.Dataset.load(str(world))
    model = invr.Model.load(str(tmp_path / "model"))
    assert model.kind == "two-tower"
    # LibTorch may sum in another order in another process (its thread pool):
    # equal up to float rounding, the bar docs/model.md sets for TorchScript.
    np.testing.assert_allclose(model.embed_items(dataset), np.load(tmp_path / "items.npy"),
                               rtol=1e-5, atol=1e-6)


def test_simulate_returns_what_the_cli_writes(world, tmp_path):
    """simulate() runs `invr simulate`'s code: same results.json from the same inputs."""
    model = tmp_path / "model"
    dataset = invr.Dataset.load(str(world))
    write_precomputed_model(model, dataset, dim=8, seed=2)
    settings = ["--days", "2", "--threads", "1", "--seed", "3", "--top-users-per-item", "20"]
    run_cli("simulate", "--world", world, "--model", model, "--out", tmp_path / "cli", *settings)
    result = invr.simulate(str(tmp_path / "py"), world=str(world), model=str(model), days=2, threads=1, seed=3,
                           top_users_variants="20")
    assert len(result["experiments"]) == 1, result.keys()
    assert result == json.loads((tmp_path / "cli" / "results.json").read_text())
    assert result == json.loads((tmp_path / "py" / "results.json").read_text())


def test_simulate_sweep_matches_the_cli_and_refuses_arms_beside_it(world, tmp_path):
    """sweep= is `invr simulate --sweep`: the same results.json, with the frontier and verdict."""
    model = tmp_path / "model"
    dataset = invr.Dataset.load(str(world))
    write_precomputed_model(model, dataset, dim=8, seed=2)
    spec = "invr-user-rank:n=5,20;xquad:lambda=0.3,0.6"
    settings = ["--days", "2", "--threads", "1", "--seed", "3"]
    run_cli("simulate", "--world", world, "--model", model, "--out", tmp_path / "cli", "--sweep", spec,
            *settings)
    result = invr.simulate(str(tmp_path / "py"), world=str(world), model=str(model), days=2, threads=1,
                           seed=3, sweep=spec)
    assert result == json.loads((tmp_path / "cli" / "results.json").read_text())
    assert [p["arm"] for p in result["sweep"]["points"]] == [
        "invr-user-rank:n=5", "invr-user-rank:n=20", "xquad:lambda=0.3", "xquad:lambda=0.6"]
    assert len(result["sweep"]["verdict"]) == 9
    with pytest.raises(ValueError, match="arms= or sweep="):
        invr.simulate(str(tmp_path / "both"), world=str(world), model=str(model), days=2,
                      arms="control,xquad", sweep=spec)
