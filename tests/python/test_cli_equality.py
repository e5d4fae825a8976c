"""Python results equal the CLI's on the same inputs: `invr topk`, the
lists `invr job` commits, `invr metrics`. On a generated world always, and
on the public datasets when present (skipped, saying why, otherwise)."""
import json
import math

import numpy as np
import pytest

import invr
from conftest import run_cli, write_precomputed_model

# The CLI sets OpenBLAS's (process-wide) pool to 1 at start; the module leaves
# it to its caller, and sgemm's float sums depend on it, so the same here
# (docs/library.md, "Threads").
invr.set_blas_threads(1)


def check_topk(tmp_path, queries, base, k):
    np.save(tmp_path / "q.npy", queries)
    np.save(tmp_path / "b.npy", base)
    run_cli("topk", "--queries", tmp_path / "q.npy", "--base", tmp_path / "b.npy", "--k", k,
            "--out", tmp_path / "topk")
    ids, scores = invr.topk(queries, base, k)
    np.testing.assert_array_equal(ids, np.load(tmp_path / "topk" / "ids.npy"))
    np.testing.assert_array_equal(scores, np.load(tmp_path / "topk" / "scores.npy"))
    return ids


def test_topk_equals_cli(tmp_path):
    rng = np.random.default_rng(1)
    queries = rng.standard_normal((300, 24)).astype(np.float32)
    base = rng.standard_normal((2000, 24)).astype(np.float32)
    ids = check_topk(tmp_path, queries, base, 50)
    # And both are the exact answer (ties are measure-zero here).
    np.testing.assert_array_equal(ids[:, 0], np.argmax(queries @ base.T, axis=1))


def test_topk_converts_float64_and_fortran_order(tmp_path):
    rng = np.random.default_rng(2)
    queries = rng.standard_normal((40, 8)).astype(np.float32)
    base = rng.standard_normal((500, 8)).astype(np.float32)
    ids, scores = invr.topk(queries, base, 5)
    ids64, scores64 = invr.topk(queries.astype(np.float64), np.asfortranarray(base), 5)
    np.testing.assert_array_equal(ids, ids64)
    np.testing.assert_array_equal(scores, scores64)


def check_metrics(exposures, items_dir, catalog, extra_cli=(), **kwargs):
    cli = json.loads(run_cli("metrics", "--exposures", exposures, "--items", items_dir, *extra_cli).stdout)
    log = catalog.read_exposure_log(str(exposures))
    py = invr.exposure_metrics(log, catalog.item_producer, **kwargs)
    assert list(py.keys()) == list(cli.keys())
    for key, value in cli.items():
        if isinstance(value, dict):
            assert py[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        elif isinstance(value, float):
            assert py[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        else:
            assert py[key] == value, key
    return py


def test_metrics_equal_cli_on_the_world_log(world, tmp_path):
    catalog = invr.Dataset.load(str(world))
    py = check_metrics(world / "world.exposures", world, catalog)
    assert py["impressions"] > 1000 and py["popularity"] == "clicks"
    # --treated, --sufficient and --interactions map to treated, sufficient, popularity.
    treated_ids = catalog.item_ids[::3]
    (tmp_path / "treated.txt").write_text("\n".join(treated_ids) + "\n")
    treated = catalog.read_item_list(str(tmp_path / "treated.txt"))
    check_metrics(world / "world.exposures", world, catalog,
                  ("--treated", tmp_path / "treated.txt", "--sufficient", 7, "--interactions", world),
                  treated=treated, sufficient=7, popularity=catalog.item_popularity(catalog))


def test_metrics_from_a_pandas_dataframe_equal_cli(world):
    # The documented DataFrame input: the same numbers as the dict of arrays
    # (and so as `invr metrics`), whatever the frame's column order and dtypes.
    pd = pytest.importorskip("pandas", reason="python3-pandas is not installed (scripts/install-deps.sh installs it)")
    catalog = invr.Dataset.load(str(world))
    log = catalog.read_exposure_log(str(world / "world.exposures"))
    frame = pd.DataFrame({"clicked": np.asarray(log["clicked"]).astype(np.int64),
                          "item": np.asarray(log["item"]), "user": np.asarray(log["user"]),
                          "extra": 1.5})
    assert invr.exposure_metrics(frame, catalog.item_producer) == invr.exposure_metrics(log, catalog.item_producer)
    cli = json.loads(run_cli("metrics", "--exposures", world / "world.exposures", "--items", world).stdout)
    assert invr.exposure_metrics(frame, catalog.item_producer)["impressions"] == cli["impressions"]
    with pytest.raises(ValueError, match="no column 'clicked'"):
        invr.exposure_metrics(frame.drop(columns=["clicked"]), catalog.item_producer)


def lists_by_user(csr, dataset):
    """{user_id: [(item_id, score, user_rank), ...]} from one ordering's CSR."""
    out = {}
    offsets, items, scores, ranks = csr["offsets"], csr["items"], csr["scores"], csr["user_ranks"]
    item_ids = dataset.item_ids
    for u, user in enumerate(dataset.user_ids):
        a, b = offsets[u], offsets[u + 1]
        if b > a:
            out[user] = [(item_ids[i], float(s), int(r)) for i, s, r in zip(items[a:b], scores[a:b], ranks[a:b])]
    return out


def check_job_lists(tmp_path, data_dir, top_users, max_candidates, sample_users=5):
    """`invr job` over every item and user with a precomputed model, against
    inverse_retrieve on the same embeddings with the dataset's seen items."""
    dataset = invr.Dataset.load(str(data_dir))
    items, users = write_precomputed_model(tmp_path / "model", dataset, dim=16, seed=3)
    store_uri = f"rocksdb:{tmp_path / 'store'}"
    run_cli("job", "--data", data_dir, "--model", tmp_path / "model", "--store", store_uri,
            "--generation", "g1", "--all-items", "--active-days", 0, "--min-interactions", 0,
            "--max-item-age-days", 0, "--top-users-per-item", top_users,
            "--max-candidates-per-user", max_candidates)
    model = invr.Model.load(str(tmp_path / "model"))
    np.testing.assert_array_equal(model.embed_items(dataset), items)
    np.testing.assert_array_equal(model.embed_users(dataset), users)
    result = invr.inverse_retrieve(items, users, top_users_per_item=top_users,
                                   max_candidates_per_user=max_candidates, seen=dataset.seen_items())
    store = invr.CandidateStore(store_uri, create_if_missing=False)
    assert store.current() == "g1"
    expected = {o: lists_by_user(result[o], dataset) for o in invr.ORDERINGS}
    stored_users = 0
    for user in dataset.user_ids:
        got = store.get(user)
        if got is not None:  # the job's target ordering has no inverse_retrieve counterpart
            got.pop("target", None)
            got = got or None
        want = {o: expected[o].get(user, []) for o in invr.ORDERINGS}
        if got is None:
            assert all(not v for v in want.values()), user
            continue
        stored_users += 1
        assert got == want, user
    assert stored_users > 0
    # And through the CLI's own reader, for a few users.
    some = [u for u in dataset.user_ids if u in expected["score"]][:sample_users]
    args = [a for u in some for a in ("--user", u)]
    shown = json.loads(run_cli("candidates", "--store", store_uri, *args).stdout)
    for user in some:
        for o in invr.ORDERINGS:
            rows = [(r["item"], r["score"], r["user_rank"]) for r in shown["users"][user][o]]
            assert [(i, pytest.approx(s, rel=1e-6), r) for i, s, r in expected[o][user]] == rows
    return dataset


def test_job_lists_equal_inverse_retrieve_on_the_world(world, tmp_path):
    check_job_lists(tmp_path, world, top_users=30, max_candidates=10)


@pytest.mark.parametrize("name", ["ml", "lastfm", "gowalla"])
def test_equal_cli_on_shared_datasets(shared_datasets, tmp_path, name):
    if name not in shared_datasets:
        pytest.skip(f"{name} not in the shared datasets folder")
    data_dir = shared_datasets[name]
    dataset = check_job_lists(tmp_path / "job", data_dir, top_users=50, max_candidates=20)
    # topk: users -> top items on the model's embeddings.
    model = invr.Model.load(str(tmp_path / "job" / "model"))
    check_topk(tmp_path, model.embed_users(dataset), model.embed_items(dataset), 20)
    # metrics: a seeded random impression log over the dataset's users and items.
    rng = np.random.default_rng(5)
    n = 20000
    rows = zip(rng.integers(0, dataset.num_users, n), rng.integers(0, dataset.num_items, n),
               rng.integers(0, 10, n), rng.random(n) < 0.1)
    user_ids, item_ids = dataset.user_ids, dataset.item_ids
    log = tmp_path / "log.tsv"
    log.write_text("user_id\titem_id\tposition\tclicked\n" + "".join(
        f"{user_ids[u]}\t{item_ids[i]}\t{p}\t{int(c)}\n" for u, i, p, c in rows))
    check_metrics(log, data_dir, dataset, ("--interactions", data_dir),
                  popularity=dataset.item_popularity(dataset))


def test_float32_c_contiguous_inputs_are_not_copied():
    """docs/python.md, "Copies": the caller's buffer is read in place; other layouts are converted once."""
    a = np.ones((10, 4), dtype=np.float32)
    copied, address = invr._invr._matrix_input(a)
    assert not copied and address == a.ctypes.data
    for other in (a.astype(np.float64), np.asfortranarray(a), a[:, ::2], a.astype(np.int32)):
        copied, address = invr._invr._matrix_input(other)
        assert copied and address != other.ctypes.data
