"""The torch.distributed reduction of a metric's state (:meth:`Metric.sync` and ``evalkit.stats.dist.all_reduce``).

It goes through the state protocol only (``state_dict``, ``load_state_dict``, ``merge``, ``fresh``):
summed columns by one ``all_reduce(SUM)`` (int64 counts stay exact), ``max``/``min`` columns by
``MAX``/``MIN``; states in different frames (label sets that grew differently on each rank) are gathered
and merged instead. Every rank first shares its metric's name and options, so that a mismatch raises the
same error on every rank instead of leaving one waiting in a collective.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.errors import InputError
from evalkit.core.optional import require

_IDENTITY = {"sum": 0, "max": -np.inf, "min": np.inf}


def merged_state(metric: Any, states: list[dict[str, Any]]) -> dict[str, Any]:
    """The state of every state in ``states`` merged, in order, into a fresh copy of ``metric``."""
    out = metric.fresh()
    for state in states:
        out.merge(metric.fresh().load_state_dict(state))
    return out.state_dict()


def all_reduce_state(metric: Any, group: Any = None) -> None:
    """Replace ``metric``'s state by the reduction of every rank's (a collective: every rank calls it)."""
    torch = require("torch", "torch", "a metric's sync() over torch.distributed")
    dist = torch.distributed
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError(
            "sync() and all_reduce need an initialized torch.distributed process group (init_process_group)."
        )
    state = metric.state_dict()
    total = state.pop("total")
    world = dist.get_world_size(group)
    described: list[Any] = [None] * world
    shape = None if total is None else (np.shape(total), np.asarray(total).dtype.str)
    dist.all_gather_object(described, (state, shape), group=group)
    signatures = {(s["metric"], s["signature"]) for s, _ in described}
    if len(signatures) > 1:
        listing = "; ".join(f"rank {r}: {s['metric']} [{s['signature']}]" for r, (s, _) in enumerate(described))
        raise InputError(f"all_reduce: every rank must hold the same metric with the same options; {listing}.")
    full = [(s, d) for s, d in described if d is not None]
    if not full:
        return
    frames = [s for s, _ in full]
    same_frame = all(
        s["reductions"] == frames[0]["reductions"] and d == full[0][1] and _equal(s["space"], frames[0]["space"])
        for s, d in full
    )
    if not same_frame:
        states: list[Any] = [None] * world
        dist.all_gather_object(states, None if total is None else {**state, "total": total}, group=group)
        metric.load_state_dict(merged_state(metric, [s for s in states if s is not None]))
        return
    reference, (shape, dtype) = frames[0], full[0][1]
    reductions = reference["reductions"]
    local = np.asarray(total) if total is not None else np.array([_IDENTITY[r] for r in reductions], dtype=dtype)
    out = local.astype(dtype, copy=True)
    for name, op in (("sum", dist.ReduceOp.SUM), ("max", dist.ReduceOp.MAX), ("min", dist.ReduceOp.MIN)):
        columns = [j for j, r in enumerate(reductions) if r == name]
        if not columns:
            continue
        # gloo and nccl reduce int64 and float64 exactly as numpy does
        tensor = torch.from_numpy(np.ascontiguousarray(out[columns]))
        if dist.get_backend(group) == "nccl":
            tensor = tensor.cuda()
        dist.all_reduce(tensor, op=op, group=group)
        out[columns] = tensor.cpu().numpy()
    extras = metric.fresh()
    for s, _ in full:  # the extras (BLEU's numbers of references) reduce as they declare
        extras.merge(metric.fresh().load_state_dict({**s, "total": np.zeros(shape, dtype)}))
    merged = extras.state_dict()
    merged.update(total=out.reshape(shape), n_items=sum(s["n_items"] for s in frames))
    metric.load_state_dict(merged)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool((a == b).all())
    return a == b


__all__ = ["all_reduce_state", "merged_state"]
