"""A table of distinct pairs of numbers, the frame (``space``) of the metrics that need every value but no
more than the distinct ones: Spearman's and Kendall's ``(x, y)`` pairs, D² pinball's ``(output, y_true)``.

A table is an ``(m, 2)`` float64 array of distinct pairs sorted by the first number, then the second (a
checkpoint saves it as a list of ``[a, b]`` pairs). Numpy sorts and searches complex numbers that way,
so ``a + 1j b`` is each pair's key. Totals written in two tables merge in their sorted union.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.errors import InputError
from evalkit.core.rows import Rows


def keys(pairs: np.ndarray) -> np.ndarray:
    """``(m, 2)`` pairs as complex numbers, which numpy sorts and searches by the first, then the second."""
    return pairs[:, 0] + 1j * pairs[:, 1]


def distinct(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(the sorted distinct (a, b) pairs as an (m, 2) array, each item's index among them)``."""
    order = np.lexsort((b, a))
    sa, sb = a[order], b[order]
    new = np.ones(len(a), dtype=bool)
    new[1:] = (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1])
    at = np.empty(len(a), dtype=np.int64)
    at[order] = np.cumsum(new) - 1
    return np.stack([sa[new], sb[new]], axis=1), at


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return a is b or (len(a) == len(b) and bool((a == b).all()))


def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sorted union of two tables."""
    if same(a, b):
        return a
    union = np.union1d(keys(a), keys(b))
    return np.stack([union.real, union.imag], axis=1)


def align(total: Any, table: np.ndarray, target: np.ndarray, head: int = 0) -> Any:
    """A total (or totals: the last axis), ``head`` dense numbers then one per pair of ``table``, rewritten
    with one per pair of ``target`` (a superset: zeros for the pairs it adds)."""
    if same(table, target):
        return total
    total = np.asarray(total)
    out = np.zeros((*total.shape[:-1], head + len(target)))
    out[..., :head] = total[..., :head]
    out[..., head + np.searchsorted(keys(target), keys(table))] = total[..., head:]
    return out


def realign(rows: Rows, target: np.ndarray, space: Any) -> Rows:
    """``rows`` whose cells index ``rows``' table, rewritten to index ``target`` (the new frame ``space``)."""
    cells = np.searchsorted(keys(target), keys(_table(rows.space)))[rows.cells]
    return Rows(rows.dense, reductions=rows.reductions, cells=cells, values=rows.values, n_cells=len(target),
                space=space, extras=rows.extras)  # fmt: skip


def _table(space: Any) -> np.ndarray:
    return space if isinstance(space, np.ndarray) else space[-1]


def restore(owner: str, saved: Any) -> np.ndarray:
    """A table as a checkpoint saved it (a list of pairs), checked: finite, distinct and sorted."""
    try:
        pairs = np.asarray(saved, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        pairs = None
    k = None if pairs is None else keys(pairs)
    if pairs is None or not np.isfinite(pairs).all() or (len(k) > 1 and not (k[1:] > k[:-1]).all()):
        raise InputError(
            f"{owner}: load_state_dict(): 'space' must hold the sorted distinct pairs [a, b] (finite numbers); "
            f"got {str(saved)[:80]!r}."
        )
    return pairs


__all__ = ["align", "distinct", "join", "keys", "realign", "restore", "same"]
