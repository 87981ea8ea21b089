"""The vectorized path on torch tensors, on their device: torchmetrics' flat ``(target, preds, indexes)``
and rows of queries given as tensors. The same steps as :mod:`evalkit.retrieval._inputs` (grouping, rank
order) and :mod:`evalkit.retrieval._numpy` (per-query values), in float64 on the tensors' device, so that
the rows, and the running state built from them, stay there; the one copy to the host is ``compute``'s.

Ties keep the given order (two stable sorts: by score, then by query), as the numpy path does for these
layouts. torch is imported here only, when tensors are given.
"""

from __future__ import annotations

from typing import Any

from evalkit.core.errors import InputError
from evalkit.retrieval._common import Ranked


def _torch() -> Any:
    import torch

    return torch


def _check(owner: str, name: str, x: Any) -> None:
    torch = _torch()
    if x.is_floating_point() and bool(torch.isnan(x).any()):
        at = int(torch.nonzero(torch.isnan(x))[0, 0])
        raise InputError(f"{owner}: {name} must be numbers, not NaN; entry {at} is NaN. Drop it or give it a number.")


def _stable_order(qidx: Any, key: Any) -> Any:
    """Entries grouped by query, each query's by ``key`` descending, ties in the given order."""
    torch = _torch()
    by_key = torch.sort(-key, stable=True).indices
    return by_key[torch.sort(qidx[by_key], stable=True).indices]


def ranked_batch(owner: str, target: Any, preds: Any, indexes: Any, o: Any) -> Ranked:
    """The batch of tensors in rank order (2-D rows of queries, or flat entries with ``indexes``)."""
    torch = _torch()
    qids: Any = ()  # distinct indexes, found below; None: rows of queries, numbered by position
    if indexes is None:
        if target.ndim != 2 or preds.shape != target.shape:
            raise InputError(
                f"{owner}: tensors of queries must be 2-D (queries x documents) and of one shape, or flat with "
                f"indexes=; got target {tuple(target.shape)} and preds {tuple(preds.shape)}."
            )
        n, width = target.shape
        indexes = torch.arange(n, device=target.device).repeat_interleave(width)
        qids = None
    elif not target.shape == preds.shape == indexes.shape:
        raise InputError(
            f"{owner}: indexes, preds and target must have one shape; got {tuple(indexes.shape)}, "
            f"{tuple(preds.shape)} and {tuple(target.shape)}."
        )
    elif indexes.is_floating_point() or indexes.is_complex() or indexes.dtype == torch.bool:
        raise InputError(f"{owner}: indexes must be integers (the query of each entry); got dtype {indexes.dtype}.")
    q = indexes.reshape(-1).to(target.device)
    rel = target.reshape(-1).to(torch.float64)
    score = preds.reshape(-1).to(target.device)
    score = score if score.is_floating_point() else score.to(torch.float64)
    _check(owner, "preds", score)
    _check(owner, "target", rel)
    if o.ignore_index is not None:  # dropped before grouping by query, as torchmetrics does
        keep = rel != o.ignore_index
        q, rel, score = q[keep], rel[keep], score[keep]
    if qids is None:
        qids = torch.arange(target.shape[0], device=target.device)
        qidx = q
    else:
        qids, qidx = torch.unique(q, return_inverse=True)
    n = len(qids)
    order = _stable_order(qidx, score)
    qidx, rel, score = qidx[order], rel[order], score[order]
    counts = torch.bincount(qidx, minlength=n)
    offsets = torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
    n_rel = torch.bincount(qidx[rel >= getattr(o, "relevance_level", 1)], minlength=n)
    return Ranked(qids, offsets, rel, score, n_rel, rel, offsets)


def ideal(ranked: Ranked) -> Any:
    """The judged relevances of each query, largest first (the entries are the judged documents)."""
    torch = _torch()
    counts = torch.diff(ranked.ideal_offsets)
    qidx = torch.arange(len(counts), device=counts.device).repeat_interleave(counts)
    return ranked.judged[_stable_order(qidx, ranked.judged)]


def _gains(torch: Any, rel: Any, kind: str) -> Any:
    positive = rel > 0
    zero = torch.zeros_like(rel)
    if kind == "linear":
        return torch.where(positive, rel, zero)
    return torch.where(positive, torch.exp2(torch.where(positive, rel, zero)) - 1.0, zero)


def _positions(torch: Any, offsets: Any) -> tuple[Any, Any]:
    counts = torch.diff(offsets)
    qidx = torch.arange(len(counts), device=offsets.device).repeat_interleave(counts)
    return qidx, torch.arange(int(offsets[-1]), device=offsets.device) - offsets[:-1][qidx]


def _per_query(torch: Any, qidx: Any, weights: Any, n: int) -> Any:
    return torch.bincount(qidx, weights=weights.to(torch.float64), minlength=n).to(torch.float64)


def _dcg(torch: Any, gains: Any, qidx: Any, pos: Any, cut: Any, n: int) -> Any:
    discount = torch.where(pos < cut[qidx], 1.0 / torch.log2(pos + 2.0), torch.zeros_like(gains))
    return _per_query(torch, qidx, gains * discount, n)


def _tie_average_dcg(torch: Any, gains: Any, score: Any, qidx: Any, pos: Any, cut: Any, n: int) -> Any:
    if not len(gains):
        return torch.zeros(n, dtype=torch.float64, device=gains.device)
    start = torch.ones(len(gains), dtype=torch.bool, device=gains.device)
    start[1:] = (score[1:] != score[:-1]) | (qidx[1:] != qidx[:-1])
    group = torch.cumsum(start.long(), 0) - 1
    size = torch.bincount(group).to(torch.float64)
    mean_gain = torch.bincount(group, weights=gains) / size
    discount = torch.where(pos < cut[qidx], 1.0 / torch.log2(pos + 2.0), torch.zeros_like(gains))
    return _per_query(torch, qidx[start], mean_gain * torch.bincount(group, weights=discount), n)


def query_values(metric: str, ranked: Ranked, o: Any) -> tuple[Any, Any]:
    """``(value, empty)`` of each query, as :func:`evalkit.retrieval._numpy.query_values`, in torch."""
    torch = _torch()
    n = len(ranked)
    qidx, pos = _positions(torch, ranked.offsets)
    pos = pos.to(torch.float64)
    retrieved = torch.diff(ranked.offsets)
    n_rel = ranked.n_rel
    k = getattr(o, "k", None)
    cut = retrieved if k is None else torch.full_like(retrieved, k)
    torchmetrics = o.convention == "torchmetrics"
    zero = torch.zeros(n, dtype=torch.float64, device=ranked.rel.device)
    if metric == "ndcg":
        iq, ipos = _positions(torch, ranked.ideal_offsets)
        ideal_gains = _gains(torch, ideal(ranked), o.gain)
        empty = _per_query(torch, iq, (ideal_gains > 0), n) == 0
        ideal_cut = torch.diff(ranked.ideal_offsets) if k is None else torch.full_like(retrieved, k)
        best = _dcg(torch, ideal_gains, iq, ipos.to(torch.float64), ideal_cut, n)
        gains = _gains(torch, ranked.rel, o.gain)
        if o.convention == "trec_eval":
            dcg = _dcg(torch, gains, qidx, pos, cut, n)
        else:
            dcg = _tie_average_dcg(torch, gains, ranked.score, qidx, pos, cut, n)
        return torch.where(best > 0, dcg / torch.where(best > 0, best, zero + 1.0), zero), empty
    empty = n_rel == 0
    relevant = ranked.rel >= o.relevance_level
    if torchmetrics and metric in ("mrr", "map", "precision_at_k", "recall_at_k"):
        relevant &= ranked.score > 0
    if metric == "r_precision":
        cut = n_rel
    top = relevant & (pos < cut[qidx])
    hits = _per_query(torch, qidx, top, n)
    safe_rel = torch.clamp(n_rel, min=1).to(torch.float64)
    if metric == "mrr":
        first = torch.full((n,), float("inf"), dtype=torch.float64, device=zero.device)
        at = torch.nonzero(top).reshape(-1)
        leads = torch.ones(len(at), dtype=torch.bool, device=zero.device)
        leads[1:] = qidx[at[1:]] != qidx[at[:-1]]
        first[qidx[at[leads]]] = pos[at[leads]]
        values = torch.where(torch.isfinite(first), 1.0 / (first + 1.0), zero)
    elif metric == "map":
        running = torch.cumsum(relevant.long(), 0)
        before = torch.cat([running.new_zeros(1), running])[ranked.offsets[:-1]][qidx]
        precision = torch.where(top, (running - before) / (pos + 1.0), torch.zeros_like(pos))
        precision_sum = _per_query(torch, qidx, precision, n)
        denominator = hits if torchmetrics else safe_rel
        values = torch.where(denominator > 0, precision_sum / torch.where(denominator > 0, denominator, zero + 1), zero)
    elif metric == "precision_at_k":
        if o.adaptive_k or k is None:
            cut = torch.minimum(cut, retrieved)
        values = torch.where(cut > 0, hits / torch.clamp(cut, min=1), zero)
    elif metric in ("recall_at_k", "r_precision"):
        values = hits / safe_rel
    elif metric == "hit_rate":
        values = (hits > 0).to(torch.float64)
    else:
        raise AssertionError(metric)
    return torch.where(empty, zero, values), empty


def rows_matrix(values: Any, empty: Any, o: Any, owner: str, qids: Any) -> Any:
    """The ``(n, 3)`` rows ``[value, scored, 1]`` on the tensors' device (see ``_common.rows_matrix``)."""
    torch = _torch()
    if o.empty_target_action == "error" and bool(empty.any()):
        first = qids[int(torch.nonzero(empty)[0, 0])].item()
        raise InputError(
            f"{owner}: query {first!r} has no relevant document and empty_target_action='error'; choose 'neg', "
            f"'pos' or 'skip' for such queries."
        )
    out = torch.ones((len(values), 3), dtype=torch.float64, device=values.device)
    out[:, 0] = values
    if o.empty_target_action == "pos":
        out[empty, 0] = 1.0
    elif o.empty_target_action == "neg":
        out[empty, 0] = 0.0
    else:
        out[empty, 0] = 1.0 if o.aggregation == "min" else 0.0
        out[empty, 1] = 0.0
    return out
