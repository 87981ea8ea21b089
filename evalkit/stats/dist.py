"""Scoring beyond one process, on existing engines: torch.distributed and Dask.

A metric's state is a reduction of per-item rows, so a distributed score is a distributed reduction.
Both engines go through the metric's public state protocol only (``state_dict``, ``load_state_dict``,
``merge``, ``fresh``):

- :func:`all_reduce` reduces every rank's state with ``torch.distributed``: summed columns by one
  ``all_reduce(SUM)`` (int64 counts stay exact), ``max``/``min`` columns by ``MAX``/``MIN``; states in
  different frames (label sets that grew differently on each rank) are gathered and merged instead.
  After it, ``compute()`` on any rank gives the score of the whole data;
- :func:`update_from_dask` (and :func:`update_all_from_dask`, several metrics in one pass) maps each
  partition of a ``dask.bag`` to a state and folds them by ``merge``, so a corpus too big for one machine
  is scored exactly (``evalkit score --engine dask`` reads its input files so, see evalkit.cli.dask_engine).

torch and dask are optional extras (``evalkit[torch]``, ``evalkit[dask]``), imported here only when used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.core.collective import merged_state
from evalkit.core.errors import InputError
from evalkit.core.metric import Metric
from evalkit.core.optional import require


def _refuse_unreducible(metric: Metric, owner: str) -> None:
    if not isinstance(metric, Metric):
        raise InputError(f"{owner}: 'metric' must be an evalkit Metric, got a {type(metric).__name__}.")
    if not metric.reducible:
        raise InputError(
            f"{owner}: {metric.name} is no reduction of per-item rows; it cannot be reduced across workers."
        )


def all_reduce(metric: Metric, *, group: Any = None) -> Metric:
    """Reduce ``metric``'s state over every process of the ``torch.distributed`` group, in place.

    The same call as ``metric.sync(group=group)``. Every rank must call it (it is a collective). A rank that saw no data contributes nothing. Metrics
    with different options on different ranks raise the same error on every rank (no rank is left
    waiting). Returns ``metric``.

    Example (on each rank of a job started with ``torchrun``)::

        m = BLEU()
        for hyps, refs in my_shard:
            m.update(hyps, refs)
        all_reduce(m)
        print(m.compute())          # the same global score on every rank
    """
    _refuse_unreducible(metric, "all_reduce")
    return metric.sync(group=group)


def unpadded_sampler(
    n_items: int, *, rank: int | None = None, world_size: int | None = None, shuffle: bool = False, seed: int = 0
) -> Any:
    """A ``torch.utils.data.Sampler`` that gives each of ``n_items`` to exactly one rank.

    ``torch.utils.data.DistributedSampler`` pads the last round by repeating items, so that every rank
    gets as many: evaluated through it, 5 segments on 2 ranks are scored as 6, the first one twice, and
    the corpus score is wrong (BLEU 44.77 instead of 41.81 on the five pairs of ``tests/test_dist.py``). This
    sampler gives rank ``r`` the items ``r, r + world_size, ...`` (after a seeded shuffle of all items, if
    asked), so ranks may get one item more or less; :func:`all_reduce` then sums every item exactly once.
    ``rank`` and ``world_size`` default to the current process group's.
    """
    torch = require("torch", "torch", "evalkit.dist.unpadded_sampler")
    if rank is None or world_size is None:
        dist = torch.distributed
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError("unpadded_sampler: give rank and world_size, or initialize torch.distributed.")
        rank, world_size = dist.get_rank(), dist.get_world_size()
    order = list(range(n_items))
    if shuffle:
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(n_items, generator=generator).tolist()
    mine = order[rank::world_size]

    class _Unpadded(torch.utils.data.Sampler):
        def __iter__(self):
            return iter(mine)

        def __len__(self) -> int:
            return len(mine)

    return _Unpadded()


def update_from_dask(metric: Metric, bag: Any) -> Metric:
    """Add every item of a ``dask.bag.Bag`` to ``metric`` and return it.

    Each item is the tuple of one item's inputs, e.g. ``(hypothesis, references)`` for a text metric or
    ``(y_true, y_pred)`` for a label. Each partition is scored into a state by a fresh copy of ``metric``
    (same options); the states are merged, so the result equals one ``update`` over all the items.
    The bag is computed by the current Dask scheduler (a ``distributed.Client``, when one is active).

    Example::

        import dask.bag as db
        items = db.from_sequence(zip(hypotheses, references), npartitions=64)
        print(update_from_dask(BLEU(), items).compute())
    """
    return update_all_from_dask([metric], bag)[0]


def update_all_from_dask(metrics: Sequence[Metric], bag: Any) -> list[Metric]:
    """:func:`update_from_dask` for several metrics at once: each partition is read once and its items
    added to a fresh copy of every metric. Returns ``metrics`` (as a list), updated in place.

    The partition states are merged one after the other, in partition order, so that each metric adds the
    same partial totals in the same order as a loop of ``update`` calls over the partitions: float totals
    (regression moments, ROUGE's sums of document scores) then agree to the last bit, not only integer
    counts (the CLI's ``--engine dask`` relies on it).

    Example::

        import dask.bag as db
        items = db.from_sequence(zip(hypotheses, references), npartitions=64)
        bleu, chrf = update_all_from_dask([BLEU(), CHRF()], items)
    """
    metrics = list(metrics)
    if not metrics:
        raise InputError("update_all_from_dask: 'metrics' must hold at least one evalkit Metric, got none.")
    for metric in metrics:
        _refuse_unreducible(metric, "update_all_from_dask")
    require("dask.bag", "dask", "evalkit.dist.update_all_from_dask")
    dask = require("dask", "dask", "evalkit.dist.update_all_from_dask")
    blanks = [m.fresh() for m in metrics]

    def partition_states(items: Any) -> list[dict[str, Any]] | None:
        columns = [list(column) for column in zip(*items)]
        if not columns:
            return None
        return [blank.fresh().update(*columns).state_dict() for blank in blanks]

    def fold(acc: list[dict[str, Any]] | None, states: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        if acc is None or states is None:
            return states if acc is None else acc
        return [merged_state(blank, [a, s]) for blank, a, s in zip(blanks, acc, states)]

    # A chain of merges in partition order: a tree of merges would regroup float sums, and one merge of
    # every state at once would hold them all in memory (a K x K confusion matrix each). The partitions'
    # states are still computed in parallel; each is merged, then dropped, once those before it are.
    folded: Any = None
    for part in bag.map_partitions(partition_states).to_delayed():
        folded = dask.delayed(fold)(folded, part)
    # computed as the bag would be: by the active distributed Client, else by dask.bag's process pool
    folded = None if folded is None else folded.compute(scheduler=dask.base.get_scheduler(collections=[bag]))
    if folded is not None:
        for metric, blank, state in zip(metrics, blanks, folded):
            metric.merge(blank.fresh().load_state_dict(state))
    return metrics
