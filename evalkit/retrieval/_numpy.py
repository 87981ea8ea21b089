"""The per-query values of :mod:`evalkit.retrieval._common`, vectorized over the queries of a batch.

Every document carries its query (``qidx``) and its 0-based position in that query's ranking; a
per-query sum is a ``bincount`` over ``qidx``. The values equal the reference's (a test compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.retrieval._common import Ranked


def _gains(rel: np.ndarray, kind: str) -> np.ndarray:
    positive = rel > 0
    if kind == "linear":
        return np.where(positive, rel, 0.0)
    with np.errstate(over="ignore"):
        return np.where(positive, np.exp2(np.where(positive, rel, 0.0)) - 1.0, 0.0)


def _positions(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(qidx, position)`` of each flat entry of queries delimited by ``offsets``."""
    counts = np.diff(offsets)
    qidx = np.repeat(np.arange(len(counts)), counts)
    return qidx, np.arange(offsets[-1]) - offsets[:-1][qidx]


def _per_query(qidx: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(qidx, weights=weights, minlength=n) if len(qidx) else np.zeros(n)


def _dcg(gains: np.ndarray, qidx: np.ndarray, pos: np.ndarray, cut: np.ndarray, n: int) -> np.ndarray:
    discount = np.where(pos < cut[qidx], 1.0 / np.log2(pos + 2.0), 0.0)
    return _per_query(qidx, gains * discount, n)


def _tie_average_dcg(gains, score, qidx, pos, cut, n):  # type: ignore[no-untyped-def]
    if not len(gains):
        return np.zeros(n)
    start = np.ones(len(gains), dtype=bool)
    start[1:] = (score[1:] != score[:-1]) | (qidx[1:] != qidx[:-1])
    group = np.cumsum(start) - 1
    size = np.bincount(group)
    mean_gain = np.bincount(group, weights=gains) / size
    discount = np.where(pos < cut[qidx], 1.0 / np.log2(pos + 2.0), 0.0)
    discount_sum = np.bincount(group, weights=discount)
    return _per_query(qidx[start], mean_gain * discount_sum, n)


def query_values(metric: str, ranked: Ranked, o: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(value, empty)`` of each query of ``ranked`` (see :func:`evalkit.retrieval._common.query_values`)."""
    n = len(ranked)
    qidx, pos = _positions(ranked.offsets)
    retrieved = np.diff(ranked.offsets)
    n_rel = ranked.n_rel
    k = getattr(o, "k", None)
    cut = retrieved if k is None else np.full(n, k)
    torchmetrics = o.convention == "torchmetrics"
    if metric == "ndcg":
        iq, ipos = _positions(ranked.ideal_offsets)
        ideal_gains = _gains(ranked.ideal, o.gain)
        empty = _per_query(iq, (ideal_gains > 0).astype(np.float64), n) == 0
        ideal_cut = np.diff(ranked.ideal_offsets) if k is None else np.full(n, k)
        best = _dcg(ideal_gains, iq, ipos, ideal_cut, n)
        gains = _gains(ranked.rel, o.gain)
        if o.convention == "trec_eval":
            dcg = _dcg(gains, qidx, pos, cut, n)
        else:
            dcg = _tie_average_dcg(gains, ranked.score, qidx, pos, cut, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(best > 0, dcg / np.where(best > 0, best, 1.0), 0.0), empty
    empty = n_rel == 0
    relevant = ranked.rel >= o.relevance_level
    if torchmetrics and metric in ("mrr", "map", "precision_at_k", "recall_at_k"):
        relevant &= ranked.score > 0  # torchmetrics: a relevant document counts only with a positive score
    if metric == "r_precision":
        cut = n_rel
    top = relevant & (pos < cut[qidx])
    hits = _per_query(qidx, top.astype(np.float64), n)
    safe_rel = np.maximum(n_rel, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "mrr":
            first = np.full(n, np.inf)
            at = np.flatnonzero(top)  # ranked entries: a query's first one is its first relevant
            leads = np.ones(len(at), dtype=bool)
            leads[1:] = qidx[at[1:]] != qidx[at[:-1]]
            first[qidx[at[leads]]] = pos[at[leads]]
            values = np.where(np.isfinite(first), 1.0 / (first + 1.0), 0.0)
        elif metric == "map":
            running = np.cumsum(relevant) - np.concatenate([[0], np.cumsum(relevant)])[ranked.offsets[:-1]][qidx]
            precision_sum = _per_query(qidx, np.where(top, running / (pos + 1.0), 0.0), n)
            denominator = hits if torchmetrics else safe_rel.astype(np.float64)
            values = np.where(denominator > 0, precision_sum / np.where(denominator > 0, denominator, 1.0), 0.0)
        elif metric == "precision_at_k":
            if o.adaptive_k or k is None:
                cut = np.minimum(cut, retrieved)
            values = np.where(cut > 0, hits / np.maximum(cut, 1), 0.0)
        elif metric in ("recall_at_k", "r_precision"):
            values = hits / safe_rel
        elif metric == "hit_rate":
            values = (hits > 0).astype(np.float64)
        else:
            raise AssertionError(metric)
    return np.where(empty, 0.0, values), empty
