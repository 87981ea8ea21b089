"""What every adapter keeps of a metric: one named statistic per column of its total, with its dtype and
reduction, written back into the metric through its public state protocol (``rows``, ``state_dict`` /
``load_state_dict``, ``compute``).

A framework's metric object (torchmetrics, Keras, ignite) must declare its states before it sees data,
and its distributed reduction sums (or maxes) each state. So an adapter takes metrics whose total has a
fixed width and no data-dependent frame (text, token-id, logits and perplexity metrics); the width,
dtypes and extras are read once, from the rows of one tiny item of the metric's own task.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.metric import Metric

# one item of each task whose metrics have a fixed frame: what the layout is read from
_PROBES: dict[str, tuple[Any, ...]] = {
    "text": (["a"], [["a"]]),
    "logits": ([[[0.0, 0.0]]], [[0]]),
    "lm": ([1.0], [1]),
}


@dataclass(frozen=True)
class Layout:
    """The statistics of one metric as an adapter declares them."""

    names: tuple[str, ...]  # state names, unique to the metric's name and options
    integer: tuple[bool, ...]  # int64 (counts: exact past 2^24) or float64
    reductions: tuple[str, ...]  # "sum", "max", "min"
    extras: tuple[tuple[str, str], ...]  # (name, reduction) of the extras, each a float64 state
    extra_names: tuple[str, ...]
    n_items_name: str

    @property
    def width(self) -> int:
        return len(self.names)


def tag(metric: Metric) -> str:
    """``name_hash``: the metric's name and a hash of its class and signature options, so two configurations
    never share a state name (torchmetrics' compute groups merge metrics whose states look alike)."""
    key = f"{type(metric).__module__}.{type(metric).__qualname__}|{sorted(metric.options.signature_items().items())}"
    return f"{metric.name}_{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def check_metric(owner: str, metric: Any) -> Metric:
    if not isinstance(metric, Metric):
        raise InputError(
            f"{owner}: 'metric' must be an evalkit Metric (e.g. evalkit.BLEU()), got {type(metric).__name__}."
        )
    if not metric.reducible:
        raise InputError(f"{owner}: {metric.name} is no reduction of per-item rows; it cannot be accumulated.")
    return metric


def layout(owner: str, metric: Metric) -> Layout:
    """The layout of ``metric``'s statistics, read from one probe item; metrics whose frame grows with the
    data (labels discovered, regression shifts) are refused with the alternative named."""
    check_metric(owner, metric)
    probe = _PROBES.get(metric.task)
    if metric.task == "tokens":
        probe = ([[1]], [[[1]]])
    if probe is None:
        raise InputError(
            f"{owner}: {metric.name} is a {metric.task} metric, whose statistics' frame depends on the data "
            "(the labels seen, a regression shift); the adapters take metrics of a fixed frame (text, tokens, "
            "logits, lm). Use the metric itself in the loop: update(), then sync() or merge()."
        )
    rows = metric.fresh().rows(*probe)
    if rows.space is not None or rows.n_cells:
        raise InputError(f"{owner}: {metric.name}'s statistics have a data-dependent frame; use the metric itself.")
    prefix = tag(metric)
    kind = arrays.dtype_kind(rows.dense)
    width = rows.dense.shape[1]
    extras = tuple(sorted((k, r) for k, (r, _) in rows.extras.items()))
    return Layout(
        names=tuple(f"{prefix}_s{i}" for i in range(width)),
        integer=(kind in "iub",) * width,
        reductions=tuple(rows.reductions),
        extras=extras,
        extra_names=tuple(f"{prefix}_x_{k}" for k, _ in extras),
        n_items_name=f"{prefix}_n",
    )


def batch_total(metric: Metric, inputs: tuple[Any, ...]) -> tuple[Any, int, dict[str, float]]:
    """The total of one batch (an array, or a tensor on its inputs' device), its number of items and its
    extras, from ``metric.rows``."""
    rows = metric.rows(*inputs)
    extras = {k: float(arrays.to_host(v)) for k, (_, v) in rows.extras.items()}
    return rows.total(), len(rows), extras


def identity(reduction: str) -> float:
    """The starting value of a state reduced by ``reduction``."""
    return {"sum": 0.0, "max": -np.inf, "min": np.inf}[reduction]


def state_of(metric: Metric, spec: Layout, total: Any, n_items: int, extras: dict[str, float]) -> dict[str, Any]:
    """The ``state_dict`` of ``metric`` holding ``total`` (host values) for ``n_items`` items."""
    values = [int(v) if i else float(v) for v, i in zip(np.asarray(total).tolist(), spec.integer)]
    plain = {k: int(v) if float(v).is_integer() else float(v) for k, v in extras.items()}
    return {
        "metric": metric.name,
        "signature": str(metric.signature()),
        "total": values if n_items else None,
        "reductions": list(spec.reductions),
        "n_items": int(n_items),
        "space": None,
        "extras": {k: [r, plain[k]] for k, r in spec.extras},
    }


def compute(metric: Metric, spec: Layout, total: Any, n_items: int, extras: dict[str, float]) -> Any:
    """The metric's Result of a total (an EmptyInputError before any item, as ``Metric.compute``)."""
    return metric.fresh().load_state_dict(state_of(metric, spec, total, n_items, extras)).compute()


def as_float(result: Any) -> float:
    """The number of a Result (a multi-result metric's first: ROUGE's ``rouge1``)."""
    if isinstance(result, dict):
        result = next(iter(result.values()))
    return float(result)


__all__ = ["Layout", "as_float", "batch_total", "check_metric", "compute", "identity", "layout", "state_of", "tag"]
