"""Scoring beyond one process, on existing engines: torch.distributed and Dask.

A metric's state is a sum of statistics, so a distributed score is a distributed sum:

- :func:`all_reduce` sums every rank's statistics with ``torch.distributed`` (one ``all_reduce`` of the
  flat statistics vector), after which ``compute()`` on any rank gives the score of the whole data;
- :func:`update_from_dask` maps each partition of a ``dask.bag`` to its statistics and folds them with
  the metric's own addition, so a corpus too big for one machine is scored exactly.

torch and dask are optional extras (``evalkit[torch]``, ``evalkit[dask]``), imported here only when used.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from evalkit.core.metric import Metric
from evalkit.core.optional import require


def _describe(total: Any) -> tuple[Any, ...] | None:
    if total is None:
        return None
    if isinstance(total, np.ndarray) and total.dtype.kind in "iuf":
        return ("array", total.shape, total.dtype.str)
    return ("object",)


def all_reduce(metric: Metric, *, group: Any = None) -> Metric:
    """Sum ``metric``'s statistics over every process of the ``torch.distributed`` group, in place.

    Every rank must call it (it is a collective). Fixed-shape numeric statistics travel as one tensor
    through ``all_reduce(SUM)`` (int64 counts stay exact); statistics of another form (a label set that
    grew differently on each rank) are gathered as objects and folded with the metric's own addition.
    A rank that saw no data contributes nothing. Returns ``metric``.

    Example (on each rank of a job started with ``torchrun``)::

        m = BLEU()
        for hyps, refs in my_shard:
            m.update(hyps, refs)
        all_reduce(m)
        print(m.compute())          # the same global score on every rank
    """
    torch = require("torch", "torch", "evalkit.dist.all_reduce")
    dist = torch.distributed
    if not dist.is_available() or not dist.is_initialized():
        raise RuntimeError("all_reduce needs an initialized torch.distributed process group (init_process_group).")
    descriptions: list[Any] = [None] * dist.get_world_size(group)
    dist.all_gather_object(descriptions, (_describe(metric._total), metric.n_items, metric._side()), group=group)
    kinds = {d for d, _, _ in descriptions if d is not None}
    n_items = sum(n for _, n, _ in descriptions)
    if not kinds:
        return metric
    if len(kinds) == 1 and next(iter(kinds))[0] == "array":
        _, shape, dtype = next(iter(kinds))
        local = metric._total if metric._total is not None else np.zeros(shape, dtype=dtype)
        tensor = torch.from_numpy(np.ascontiguousarray(local))
        # gloo and nccl both reduce int64 and float64 exactly as numpy adds them
        if dist.get_backend(group) == "nccl":
            tensor = tensor.cuda()
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM, group=group)
        total = tensor.cpu().numpy().astype(dtype, copy=False).reshape(shape)
    else:
        totals: list[Any] = [None] * len(descriptions)
        dist.all_gather_object(totals, metric._total, group=group)
        total = None
        for part in totals:
            if part is not None:
                total = part if total is None else metric._add(total, part)
    metric.reset()._absorb(total, n_items)
    for _, _, side in descriptions:
        metric._add_side(side)
    return metric


def update_from_dask(metric: Metric, bag: Any) -> Metric:
    """Add every item of a ``dask.bag.Bag`` to ``metric`` and return it.

    Each item is the tuple of one item's inputs, e.g. ``(hypothesis, references)`` for a text metric or
    ``(y_true, y_pred)`` for a label. Each partition is scored into statistics by a fresh copy of
    ``metric`` (same options); the partial sums are folded with the metric's own addition, so the result
    equals one ``update`` over all the items.

    Example::

        import dask.bag as db
        items = db.from_sequence(zip(hypotheses, references), npartitions=64)
        print(update_from_dask(BLEU(), items).compute())
    """
    require("dask.bag", "dask", "evalkit.dist.update_from_dask")
    blank = copy.deepcopy(metric).reset()

    def partition_total(items: Any) -> tuple[Any, int, list[Any]] | None:
        columns = [list(column) for column in zip(*items)]
        if not columns:
            return None
        part = copy.deepcopy(blank).update(*columns)
        return part._total, part.n_items, [part._side()]

    def fold(parts: Any) -> tuple[Any, int, list[Any]] | None:
        out = None
        for part in parts:
            if part is not None:
                out = part if out is None else (blank._add(out[0], part[0]), out[1] + part[1], out[2] + part[2])
        return out

    folded = bag.reduction(partition_total, fold).compute()
    if folded is not None:
        total, n_items, sides = folded
        metric._absorb(total, n_items)
        for side in sides:
            metric._add_side(side)
    return metric
