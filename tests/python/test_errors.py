"""Every bad shape, dtype or argument raises a Python exception that names
it, and nothing aborts the interpreter: each case runs in a fresh
interpreter (an abort there shows as a signal exit, not a lost pytest)."""
import json
import textwrap

import pytest

from conftest import run_python

PRELUDE = """
import json, sys, numpy as np, invr
rng = np.random.default_rng(0)
q = rng.standard_normal((4, 8)).astype(np.float32)
b = rng.standard_normal((50, 8)).astype(np.float32)
def bad_rows(v):
    m = b.copy(); m[3, 2] = v; return m
"""

# (id, statement, exception every raise must be an instance of, text the message must hold)
CASES = [
    ("topk_k0", "invr.topk(q, b, 0)", ValueError, "k must be in"),
    ("topk_k_huge", "invr.topk(q, b, 1 << 21)", ValueError, "k must be in"),
    ("topk_dims", "invr.topk(q[:, :4].copy(), b, 2)", ValueError, "dimension"),
    ("topk_1d_queries", "invr.topk(q[0], b, 2)", ValueError, "queries: expected a 2-D array"),
    ("topk_3d_base", "invr.topk(q, b.reshape(5, 10, 8), 2)", ValueError, "base: expected a 2-D array"),
    ("topk_zero_cols", "invr.topk(np.zeros((3, 0), np.float32), np.zeros((5, 0), np.float32), 1)",
     ValueError, "queries: expected at least one column"),
    ("topk_str_dtype", "invr.topk(np.array([['a', 'b']]), b, 1)", ValueError, "queries: expected a numeric"),
    ("topk_object_dtype", "invr.topk(q.astype(object), b, 1)", ValueError, "queries: expected a numeric"),
    ("topk_bool_dtype", "invr.topk(q, b > 0, 1)", ValueError, "base: expected a numeric"),
    ("topk_not_array", "invr.topk(None, b, 1)", ValueError, "queries"),
    ("topk_nan", "invr.topk(q, bad_rows(np.nan), 1)", ValueError, "base:4:3"),
    ("topk_inf", "invr.topk(q, bad_rows(np.inf), 1)", ValueError, "base:4:3"),
    ("topk_huge_norm", "invr.topk(q, bad_rows(1e30), 1)", ValueError, "base:4"),
    ("topk_nan_ivf", "invr.topk(q, bad_rows(np.nan), 1, backend='ivf4')", ValueError, "base:4:3"),
    ("topk_unknown_knob", "invr.topk(q, b, 1, colour=3)", ValueError, "colour"),
    ("topk_negative_threads", "invr.topk(q, b, 1, threads=-1)", ValueError, "threads"),
    ("topk_bad_hnsw_m", "invr.topk(q, b, 1, backend='hnsw', hnsw_m=1)", ValueError, "hnsw_m"),
    ("topk_knob_type", "invr.topk(q, b, 1, nprobe='many')", ValueError, "nprobe"),
    ("topk_empty_backend", "invr.topk(q, b, 1, backend='')", ValueError, "backend"),
    ("topk_bogus_backend", "invr.topk(q, b, 1, backend='bogus')", ValueError, "bogus"),
    ("topk_ivf_too_few_rows", "invr.topk(q, b[:3], 1, backend='ivf64')", Exception, ""),
    ("inv_n0", "invr.inverse_retrieve(q, b, top_users_per_item=0)", ValueError, "top_users_per_item"),
    ("inv_m_negative", "invr.inverse_retrieve(q, b, max_candidates_per_user=-1)", ValueError,
     "max_candidates_per_user"),
    ("inv_unknown_setting", "invr.inverse_retrieve(q, b, colour=1)", ValueError, "colour"),
    ("inv_setting_type", "invr.inverse_retrieve(q, b, seed='x')", ValueError, "seed"),
    ("inv_seed_negative", "invr.inverse_retrieve(q, b, seed=-1)", ValueError, "seed"),
    ("inv_bad_ordering", "invr.inverse_retrieve(q, b, orderings=['best'])", ValueError, "orderings"),
    ("inv_ordering_str", "invr.inverse_retrieve(q, b, orderings='score')", ValueError, "orderings"),
    ("inv_dims", "invr.inverse_retrieve(q[:, :4].copy(), b)", ValueError, "dimension"),
    ("inv_nan_items", "invr.inverse_retrieve(bad_rows(np.nan), q)", ValueError, "item_embeddings:4:3"),
    ("inv_bad_index", "invr.inverse_retrieve(q, b, index='bogus')", ValueError, "index"),
    ("inv_seen_length", "invr.inverse_retrieve(q, b, seen=[[0]] * 3)", ValueError, "seen"),
    ("inv_seen_item_range", "invr.inverse_retrieve(q, b, seen=[[99]] + [[]] * 49)", ValueError, "seen items"),
    ("inv_seen_offsets", "invr.inverse_retrieve(q, b, seen=(np.zeros(10, np.int64), np.zeros(0, np.int64)))",
     ValueError, "seen offsets"),
    ("inv_seen_decreasing",
     "invr.inverse_retrieve(q, b, seen=(np.array([0, 2, 1] + [2] * 48), np.array([0, 1])))",
     ValueError, "seen offsets"),
    ("inv_seen_float", "invr.inverse_retrieve(q, b, seen=(np.zeros(51), np.zeros(0)))", ValueError, "seen"),
    ("metrics_lengths", "invr.exposure_metrics({'user': [0, 1], 'item': [0], 'clicked': [0]}, [0, 0])",
     ValueError, "lengths"),
    ("metrics_item_range", "invr.exposure_metrics({'user': [0], 'item': [5], 'clicked': [0]}, [0, 0])",
     ValueError, "item[0] = 5"),
    ("metrics_negative_user", "invr.exposure_metrics({'user': [-1], 'item': [0], 'clicked': [0]}, [0])",
     ValueError, "user[0]"),
    ("metrics_clicked", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [2]}, [0])",
     ValueError, "clicked[0]"),
    ("metrics_float_items", "invr.exposure_metrics({'user': [0], 'item': [0.5], 'clicked': [0]}, [0])",
     ValueError, "item: expected an integer"),
    ("metrics_producer", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [0]}, [-2])",
     ValueError, "item_producer[0]"),
    ("metrics_missing_column", "invr.exposure_metrics({'user': [0], 'item': [0]}, [0])", ValueError, "clicked"),
    ("metrics_popularity", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [0]}, [0, 0], popularity=[1])",
     ValueError, "popularity"),
    ("metrics_treated", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [0]}, [0], treated=[3])",
     ValueError, "treated[0]"),
    ("metrics_share", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [0]}, [0], short_head_share=2.0)",
     ValueError, "short_head_share"),
    ("metrics_sufficient", "invr.exposure_metrics({'user': [0], 'item': [0], 'clicked': [0]}, [0], sufficient=-1)",
     ValueError, "sufficient"),
    ("dataset_missing", "invr.Dataset.load('/nonexistent/invr-data')", ValueError, "/nonexistent/invr-data"),
    ("model_missing", "invr.Model.load('/nonexistent/invr-model')", Exception, "/nonexistent/invr-model"),
    ("store_none", "invr.CandidateStore('none')", ValueError, "none"),
    ("store_bad_redis", "invr.CandidateStore('redis://')", ValueError, "redis://"),
    ("store_unreachable_redis", "invr.CandidateStore('redis://127.0.0.1:1')", OSError, "127.0.0.1:1"),
    ("store_grace", "invr.CandidateStore('rocksdb:/tmp/x', grace_seconds=-1)", ValueError, "grace_seconds"),
    ("simulate_no_world", "invr.simulate('/tmp/invr-sim-out')", ValueError, "world"),
    ("simulate_unknown", "invr.simulate('/tmp/invr-sim-out', world='/tmp', colour=1)", ValueError, "colour"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_argument_raises_naming_it(case):
    _, statement, expected, text = case
    code = PRELUDE + textwrap.dedent(f"""
        try:
            {statement}
        except Exception as e:
            print(json.dumps({{"types": [t.__name__ for t in type(e).__mro__], "message": str(e)}}))
        else:
            print(json.dumps({{"types": [], "message": "no exception"}}))
    """)
    proc = run_python(code)
    assert proc.returncode == 0, f"interpreter died ({proc.returncode}):\n{proc.stderr[-2000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert expected.__name__ in result["types"], result
    assert text in result["message"], result


def test_store_errors_on_a_real_rocksdb(tmp_path):
    """Store misuse: unknown generation, a non-object manifest, a bad ordering."""
    code = PRELUDE + textwrap.dedent(f"""
        store = invr.CandidateStore('rocksdb:{tmp_path}/store')
        out = []
        for stmt in ["store.get('u1', generation='nope')", "store.manifest('nope')",
                     "store.begin_generation('bad id!')"]:
            try:
                eval(stmt); out.append('no exception')
            except ValueError as e:
                out.append('ValueError')
        w = store.begin_generation('g1')
        for stmt in ["w.put('u1', {{'best': [('i1', 1.0, 1)]}})", "w.put('u1', {{'score': [('i1', 1.0)]}})",
                     "w.commit('[1, 2]')"]:
            try:
                eval(stmt); out.append('no exception')
            except ValueError as e:
                out.append('ValueError')
        print(json.dumps(out))
    """)
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == ["ValueError"] * 6


def test_exception_hierarchy():
    import invr
    assert issubclass(invr.UsageError, invr.Error) and issubclass(invr.UsageError, ValueError)
    assert issubclass(invr.DataError, ValueError)
    assert issubclass(invr.IoError, OSError)
