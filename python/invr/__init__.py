"""invr: inverse retrieval for long-tail exposure, from Python.

The heavy lifting is the C++ library (the extension module invr._invr);
this file adds the Python-side conveniences. docs/python.md is the manual:
which inputs are used without a copy, where the GIL is released, and which
exceptions each call raises.
"""
from __future__ import annotations

import json as _json
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

import numpy as _np

from ._invr import (  # noqa: F401  (re-exported API)
    CandidateStore,
    DataError,
    Dataset,
    Error,
    GenerationWriter,
    IoError,
    Model,
    UsageError,
    __version__,
    blas_threads,
    set_blas_threads,
    set_progress,
    topk,
)
from . import _invr

ORDERINGS = ("random", "score", "user_rank")


def _seen_csr(seen: Any, users: int):
    """seen as (offsets, items) CSR arrays: a tuple of two numpy arrays is
    taken as CSR already; anything else is one iterable of item rows per user."""
    if seen is None:
        return None, None
    if isinstance(seen, tuple) and len(seen) == 2 and all(isinstance(a, _np.ndarray) for a in seen):
        return seen
    lists = list(seen)
    if len(lists) != users:
        raise ValueError(f"seen: expected one item list per user row ({users}), got {len(lists)}")
    offsets = _np.zeros(users + 1, dtype=_np.int64)
    offsets[1:] = _np.cumsum([len(x) for x in lists])
    items = _np.fromiter((i for x in lists for i in x), dtype=_np.int64, count=int(offsets[-1]))
    return offsets, items


def inverse_retrieve(item_embeddings, user_embeddings, *, top_users_per_item: int = 100,
                     seen: Any = None, orderings: Optional[Iterable[str]] = None,
                     **settings: Any) -> dict:
    """Inverse retrieval (InvR): each item's top-N users, inverted into per-user lists.

    item_embeddings (items x d) and user_embeddings (users x d): float32
    C-contiguous arrays are read in place, others converted once. Row r of
    each is item r / user r. seen: the items each user has already interacted
    with, dropped from their lists: a tuple (offsets, items) of
    numpy CSR arrays (Dataset.seen_items()) or one iterable of item rows per user. orderings:
    any of "random", "score", "user_rank" (default all). Other settings are
    the [retrieval] and [inversion] settings of docs/inverse.md
    (max_candidates_per_user, seed, index, item_block, ef_search, nprobe,
    retrieval_threads, inversion_threads; threads sets both). Returns {ordering: {"offsets", "items", "scores", "user_ranks"}}:
    user u's list is items[offsets[u]:offsets[u+1]]. The GIL is released
    while it runs.
    """
    if "threads" in settings:
        threads = settings.pop("threads")
        settings.setdefault("retrieval_threads", threads)
        settings.setdefault("inversion_threads", threads)
    users = getattr(user_embeddings, "shape", (len(user_embeddings),))[0]
    seen_offsets, seen_items = _seen_csr(seen, users)
    return _invr._inverse_retrieve(item_embeddings, user_embeddings, seen_offsets, seen_items,
                                   None if orderings is None else list(orderings),
                                   top_users_per_item=top_users_per_item, **settings)


def exposure_metrics(log: Mapping[str, Any], item_producer, *, treated=None,
                     sufficient: int = 100, popularity=None,
                     short_head_share: float = 0.8) -> dict:
    """Exposure metrics of an impression log: the numbers `invr metrics` prints.

    log: anything indexable by column name with integer columns "user",
    "item" (item indices) and "clicked" (0/1), one row per impression: a
    dict of arrays (Dataset.read_exposure_log) or a pandas DataFrame.
    item_producer: producer index per item (Dataset.item_producer); it sets
    the item population. treated: item indices PSEI is measured over
    (default all). popularity: per-item counts for APLT/ARP
    (Dataset.item_popularity; default: distinct clicking users in the log).
    """
    def column(name):
        try:
            values = log[name]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"log: no column '{name}' (needs user, item, clicked)") from None
        return _np.asarray(values)

    return _invr._exposure_metrics(column("user"), column("item"), column("clicked"),
                                   _np.asarray(item_producer), treated=treated,
                                   sufficient=sufficient, popularity=popularity,
                                   short_head_share=short_head_share)


def simulate(out: str, *, world: str = "", data: str = "", model: str = "",
             arms: str = "control,invr-random,invr-score,invr-user-rank",
             invr_slots: str = "3,8", salt: str = "invr", job_config: str = "",
             model_config: str = "", name: str = "", producer_column: str = "producer_id",
             all_items: bool = False, cold_start_variants: str = "", top_users_variants: str = "",
             slot_variants: str = "", sweep: str = "", **settings: Any) -> dict:
    """The A/B simulator (`invr simulate`): writes OUT/results.json and
    OUT/exposures.tsv and returns results.json as a dict. Give world= (a
    folder from `invr generate`) or data= (an atomic dataset). settings: the
    simulate settings of docs/simulation.md (days, seed, threads, ...).
    Experiment variants, as the CLI's flags: all_items (--all-items),
    cold_start_variants ("random,content", --cold-start), top_users_variants
    ("50,200", --top-users-per-item), slot_variants ("1,2;5,10", --slots).
    sweep: a knob sweep against one control instead of arms (--sweep,
    "METHOD:KNOB=v1,v2;..." or "default"; docs/methods.md); the result then
    has a "sweep" key with the frontier and the verdict.
    """
    text = _invr._simulate(out, world=world, data=data, name=name,
                           producer_column=producer_column, model=model, arms=arms,
                           invr_slots=invr_slots, salt=salt, job_config=job_config,
                           model_config=model_config, all_items=all_items,
                           cold_start_variants=cold_start_variants,
                           top_users_variants=top_users_variants, slot_variants=slot_variants,
                           sweep=sweep, **settings)
    return _json.loads(text)


__all__ = [
    "CandidateStore", "DataError", "Dataset", "Error", "GenerationWriter", "IoError", "Model",
    "ORDERINGS", "UsageError", "blas_threads", "exposure_metrics", "inverse_retrieve",
    "set_blas_threads", "set_progress",
    "simulate", "topk",
]
