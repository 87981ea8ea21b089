"""The state of the ranking metrics: a table of distinct score values with their weighted counts per class.

Every threshold-free metric of scores (ROC-AUC, average precision, the ROC, precision-recall and DET curves,
the operating points, the equal-mass bins of calibration) is a function of how much weight of each class
sits at each distinct score. That table is the sum of one-hot rows, so it is a :class:`~evalkit.core.rows.Rows`
whose frame (``space``) is the sorted distinct scores seen: item ``i`` adds its weight ``w_i`` to the cell
``(index of its score, its class)``. Two tables join on the sorted union of their scores (a scatter into the
larger frame), exactly, however the items were batched or sharded; the table never holds more rows than
there are distinct scores (at most 65,536 for float16 scores, whatever the number of items).

Layout. A frame is ``(TAG, kind, n_classes, columns)``: ``columns`` holds one ascending float64 array of
distinct scores per score column (one column for binary scores; one per class or label otherwise), and
``n_classes`` (``K``) is how many classes an item of a column can have (2 for binary and multilabel
columns, the number of classes for multiclass scores, where one-vs-one needs the counts per true class).
The total is the columns' tables one after another, each ``(U_c, K)`` flattened row-major.

A binned frame (``thresholds=``, constant memory) is the same table over fixed edges ``[-inf, t_0, ...,
t_{m-1}]``: each score counts at the largest edge not above it, so every threshold's confusion counts are
exact and only the order within a bin is lost (see :func:`tie_bound`).

Example:
    >>> total, space = table_total(np.array([0.1, 0.4, 0.4, 0.8]), np.array([0, 0, 1, 1]), None, "binary", 2)
    >>> space[3][0].tolist(), total.tolist()
    ([0.1, 0.4, 0.8], [1, 0, 1, 1, 0, 1])
    >>> values, counts = columns_of(total, space)[0]
    >>> counts.tolist()
    [[1, 0], [1, 1], [0, 1]]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.rows import Rows

TAG = "scores"
KINDS = ("binary", "multiclass", "multilabel")
_F16_KEYS = 1 << 16


# -- frames ------------------------------------------------------------------------------------------------
def make_space(kind: str, n_classes: int, columns: Sequence[np.ndarray]) -> tuple:
    """A frame: ``(TAG, kind, n_classes, columns)`` (columns: ascending float64 arrays)."""
    return (TAG, kind, int(n_classes), tuple(np.asarray(c, dtype=np.float64) for c in columns))


def is_space(space: Any) -> bool:
    """Whether ``space`` is a frame of this module."""
    return isinstance(space, tuple) and len(space) == 4 and space[0] == TAG


def width(space: tuple) -> int:
    """Length of a total in frame ``space``."""
    return space[2] * sum(len(c) for c in space[3])


def restore_space(value: Any) -> Any:
    """A frame after a trip through plain values (JSON lists), or ``None``; anything else raises."""
    if value is None or (is_space(value) and all(isinstance(c, np.ndarray) for c in value[3])):
        return value
    bad = InputError(f"'space' must be ['{TAG}', kind, n_classes, [scores of each column]]; got {value!r:.80}.")
    if not isinstance(value, (list, tuple)) or len(value) != 4 or value[0] != TAG or value[1] not in KINDS:
        raise bad
    k, columns = value[2], value[3]
    if isinstance(k, bool) or not isinstance(k, int) or k < 2 or not isinstance(columns, (list, tuple)) or not columns:
        raise bad
    out = []
    for c in columns:
        try:
            a = np.asarray(c, dtype=np.float64)
        except (TypeError, ValueError):
            raise bad from None
        if a.ndim != 1 or np.isnan(a).any() or (a.size and (np.diff(a) <= 0).any()):
            raise InputError(f"'space' must hold each column's scores sorted, unique and not NaN; got {c!r:.80}.")
        out.append(a)
    return make_space(value[1], k, out)


def join_spaces(a: tuple, b: tuple) -> tuple:
    """The frame of both: each column's sorted union of scores (``a`` itself where it holds ``b``)."""
    return join_with_places(a, b)[0]


def _merge_column(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(union, where x's scores lie in it, where y's lie)`` of two ascending arrays of distinct scores,
    ``None`` where an array is the union itself; ``O(len(x) + len(y) log len(x))``, no sort of the union."""
    if x is y:
        return x, None, None
    at = np.searchsorted(x, y)
    inside = at < len(x)
    found = np.zeros(len(y), dtype=bool)
    found[inside] = x[at[inside]] == y[inside]
    if found.all():
        return x, None, None if len(y) == len(x) else at
    pos = at[~found]
    union = np.insert(x, pos, y[~found])
    # x[i] moves right by the number of new scores inserted before it (at an insertion point <= i)
    px = np.arange(len(x)) + np.cumsum(np.bincount(pos, minlength=len(x) + 1))[: len(x)]
    return union, px, np.searchsorted(union, y)


def _cells(places: list[np.ndarray], sizes: list[int], k: int) -> np.ndarray:
    parts, offset = [], 0
    for p, size in zip(places, sizes):
        parts.append(((offset + p * k)[:, None] + np.arange(k)[None, :]).ravel())
        offset += size * k
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)


def join_with_places(a: tuple, b: tuple) -> tuple[tuple, np.ndarray | None, np.ndarray | None]:
    """``(frame of both, where a total in a's cells lie in it, where b's lie)``, ``None`` for a frame that is
    the joined one: one merge of sorted arrays per column (a running state joins each batch this way)."""
    if a[1:3] != b[1:3] or len(a[3]) != len(b[3]):
        raise InputError(
            f"cannot combine score tables of {a[1]} scores over {len(a[3])} columns ({a[2]} classes) with tables "
            f"of {b[1]} scores over {len(b[3])} columns ({b[2]} classes)."
        )
    if a is b:
        return a, None, None
    merged = [_merge_column(x, y) for x, y in zip(a[3], b[3])]
    if all(m[1] is None for m in merged) and all(m[0] is x for m, x in zip(merged, a[3])):
        target = a
    else:
        target = make_space(a[1], a[2], [m[0] for m in merged])
    sizes = [len(m[0]) for m in merged]
    k = a[2]
    pa = (
        None
        if target is a
        else _cells([np.arange(len(x)) if m[1] is None else m[1] for m, x in zip(merged, a[3])], sizes, k)
    )
    if all(m[2] is None and len(y) == size for m, y, size in zip(merged, b[3], sizes)):
        pb = None
    else:
        pb = _cells([np.arange(len(y)) if m[2] is None else m[2] for m, y in zip(merged, b[3])], sizes, k)
    return target, pa, pb


def scatter(total: Any, places: np.ndarray | None, size: int) -> Any:
    """``total`` moved to ``places`` of ``size`` zeros (``None``: as it is); a tensor stays on its device."""
    if places is None:
        return total
    if hasattr(total, "new_zeros"):
        out = total.new_zeros(size)
        out[total.new_tensor(places, dtype=__import__("torch").int64)] = total
        return out
    out = np.zeros(size, dtype=total.dtype)
    out[places] = total
    return out


def _places(space: tuple, target: tuple) -> np.ndarray | None:
    """Where each entry of a total in ``space`` lies in a total in the larger ``target`` (``None``: same)."""
    if space is target or all(x is y or (x.shape == y.shape and (x == y).all()) for x, y in zip(space[3], target[3])):
        return None
    k, parts, offset = space[2], [], 0
    for mine, theirs in zip(space[3], target[3]):
        at = np.searchsorted(theirs, mine)
        parts.append(((offset + at * k)[:, None] + np.arange(k)[None, :]).ravel())
        offset += len(theirs) * k
    return np.concatenate(parts)


def align_total(total: Any, space: tuple, target: tuple) -> Any:
    """``total`` in frame ``space`` scattered into the larger frame ``target``."""
    return scatter(total, _places(space, target), width(target))


def realign_rows(rows: Rows, target: tuple) -> Rows:
    """Rows of frame ``rows.space`` with each cell moved to its place in the larger frame ``target``."""
    places = _places(rows.space, target)
    if places is None:
        return rows
    cells = places[np.asarray(rows.cells)]
    return Rows(cells=cells, values=rows.values, n_cells=width(target), space=target, extras=rows.extras)


def columns_of(total: np.ndarray, space: tuple) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(values, counts)]`` per column: ascending distinct scores and their ``(U, K)`` weights per class."""
    k, out, offset = space[2], [], 0
    for values in space[3]:
        size = len(values) * k
        out.append((values, np.asarray(total[offset : offset + size]).reshape(len(values), k)))
        offset += size
    return out


def columns_of_many(totals: np.ndarray, space: tuple) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`columns_of` of an ``(m, width)`` matrix of totals: counts ``(m, U, K)`` per column."""
    k, out, offset = space[2], [], 0
    for values in space[3]:
        size = len(values) * k
        out.append((values, np.asarray(totals[:, offset : offset + size]).reshape(len(totals), len(values), k)))
        offset += size
    return out


# -- counting ---------------------------------------------------------------------------------------------
def _f16_keys(x: np.ndarray) -> np.ndarray:
    """An order-preserving uint16 key of each float16 (-0.0 and +0.0 one key; NaN refused before)."""
    bits = (x + np.float16(0)).view(np.uint16)  # -0.0 + 0.0 is +0.0
    return np.where(bits & 0x8000, ~bits, bits | 0x8000).astype(np.int64)


def _f16_values(keys: np.ndarray) -> np.ndarray:
    bits = np.where(keys & 0x8000, keys & 0x7FFF, ~keys & 0xFFFF).astype(np.uint16)
    return bits.view(np.float16).astype(np.float64)


def _column_table(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None, k: int, edges: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``(values, counts)`` of one score column: its distinct scores, ascending, and the ``(U, K)`` weight
    of each class at each (float64 sums; whole counts stay int64)."""
    n = len(x)
    if edges is not None:  # binned: a fixed frame, each score at the largest edge not above it
        at = np.searchsorted(edges, x, side="right") - 1
        counts = np.bincount(at * k + y, weights=w, minlength=len(edges) * k)
        return edges, (counts if w is not None else counts.astype(np.int64)).reshape(len(edges), k)
    if x.dtype == np.float16 and n >= _F16_KEYS // 4:  # count instead of sort: 65,536 possible values
        keys = _f16_keys(x)
        counts = np.bincount(keys * k + y, weights=w, minlength=_F16_KEYS * k).reshape(_F16_KEYS, k)
        seen = np.flatnonzero(np.bincount(keys, minlength=_F16_KEYS) if w is not None else counts.any(axis=1))
        return _f16_values(seen), counts[seen] if w is not None else counts[seen].astype(np.int64)
    values, inverse = np.unique(x.astype(np.float64, copy=False), return_inverse=True)
    counts = np.bincount(inverse.reshape(n) * k + y, weights=w, minlength=len(values) * k)
    counts = counts if w is not None else counts.astype(np.int64)
    return values, counts.reshape(len(values), k)


def _split(scores: np.ndarray, classes: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Score columns and the class of each item in each column (one class vector for multiclass)."""
    if scores.ndim == 1:
        return [scores], [classes]
    cols = [scores[:, c] for c in range(scores.shape[1])]
    return cols, [classes[:, c] for c in range(scores.shape[1])] if classes.ndim == 2 else [classes] * len(cols)


def table_total(
    scores: np.ndarray,
    classes: np.ndarray,
    weights: np.ndarray | None,
    kind: str,
    n_classes: int,
    edges: np.ndarray | None = None,
) -> tuple[np.ndarray, tuple]:
    """``(total, space)`` of checked inputs, counted at once: ``scores`` ``(n,)`` or ``(n, C)`` (finite),
    ``classes`` int64 in ``[0, n_classes)``, ``(n,)`` or, per column, ``(n, C)``; ``edges``: a binned frame."""
    parts, columns = [], []
    for x, y in zip(*_split(scores, classes)):
        values, counts = _column_table(x, y, weights, n_classes, edges)
        columns.append(values)
        parts.append(counts.ravel())
    return np.concatenate(parts), make_space(kind, n_classes, columns)


def table_rows(
    scores: np.ndarray,
    classes: np.ndarray,
    weights: np.ndarray | None,
    kind: str,
    n_classes: int,
    edges: np.ndarray | None = None,
) -> Rows:
    """One row per item, whose sum is :func:`table_total`: item ``i`` puts ``w_i`` into the cell of
    ``(its score, its class)`` of each column."""
    n = len(scores)
    cells, columns, offset = [], [], 0
    for x, y in zip(*_split(scores, classes)):
        if edges is not None:
            values, at = edges, np.searchsorted(edges, x, side="right") - 1
        elif x.dtype == np.float16:
            keys = _f16_keys(x)
            seen, at = np.unique(keys, return_inverse=True)
            values = _f16_values(seen)
        else:
            values, at = np.unique(x.astype(np.float64, copy=False), return_inverse=True)
        cells.append(offset + at.reshape(n) * n_classes + y)
        columns.append(values)
        offset += len(values) * n_classes
    weight = np.ones(n, dtype=np.int64) if weights is None else weights
    cell = np.stack(cells, axis=1)
    values_ = np.repeat(weight[:, None], cell.shape[1], axis=1)
    return Rows(cells=cell, values=values_, n_cells=offset, space=make_space(kind, n_classes, columns))


def device_binary_total(
    y_true: Any, y_score: Any, weights: Any, pos_label: Any, edges: np.ndarray | None
) -> tuple[Any, tuple] | None:
    """:func:`table_total` of binary scores in a tensor, counted on its device: the table stays there and
    only its distinct scores (the frame) come to the host, after one sync for every check. ``None`` where
    an input fails a check or does not fit this path (another layout, labels not in {0, 1} / {-1, 1} without
    ``pos_label``): the host path then counts it, or raises its message."""
    torch = sys.modules["torch"]
    s = y_score.detach()
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    y = arrays.moved_to(y_true, s)
    w = None if weights is None else arrays.moved_to(weights, s)
    if s.ndim != 1 or s.is_complex() or y is None or y.ndim != 1 or y.shape[0] != s.shape[0] or s.shape[0] == 0:
        return None
    if weights is not None and (w is None or w.ndim != 1 or w.shape[0] != s.shape[0] or w.is_complex()):
        return None
    if not s.is_floating_point():
        s = s.double()
    elif s.dtype == torch.bfloat16:  # as the host path reads it: bfloat16 values are float32's exactly
        s = s.float()
    if y.dtype == torch.bool:
        y = y.long()
    if pos_label is not None:
        if isinstance(pos_label, str) or y.is_complex():
            return None
        # the host path's rule: at most two labels, pos_label among them when there are two
        low, high = y.min(), y.max()
        two = ((y == low) | (y == high)).all()
        labels_ok = two & ((low == high) | (low == pos_label) | (high == pos_label))
        positive = y == pos_label
    else:
        positive = y == 1
        labels_ok = ((y == 0) | positive).all() | ((y == -1) | positive).all()
    w64 = None if w is None else w.double()
    checks = [torch.isfinite(s).all(), labels_ok]
    if w64 is not None:
        checks.append(torch.isfinite(w64).all())
    if not all(torch.stack(checks).tolist()):  # the one sync
        return None
    return _device_count([s], [positive.long()], w64, 2, edges, "binary")


def _device_count(columns: list, classes: list, w64: Any, k: int, edges: np.ndarray | None, kind: str) -> tuple:
    """The table of checked score columns on their device: ``torch.unique`` per column, one ``index_add_``."""
    torch = sys.modules["torch"]
    cells, frames, offset = [], [], 0
    for s, cls in zip(columns, classes):
        if edges is not None:
            at = torch.bucketize(s.double().contiguous(), torch.as_tensor(edges, device=s.device), right=True) - 1
            values = edges
        else:
            distinct, at = torch.unique(s, sorted=True, return_inverse=True)
            values = distinct.double().cpu().numpy()
        cells.append(offset + at * k + cls)
        frames.append(values)
        offset += len(values) * k
    index = torch.cat(cells)
    ones = torch.ones_like(index) if w64 is None else w64.repeat(len(columns))
    return ones.new_zeros(offset).index_add_(0, index, ones), make_space(kind, k, frames)


def device_columns_total(
    y_true: Any, y_score: Any, weights: Any, edges: np.ndarray | None, sums_to_one: bool
) -> tuple[Any, tuple] | None:
    """:func:`table_total` of ``(n, C)`` scores in a tensor, counted on its device: multiclass (``y_true``:
    column indices 0..C-1) or multilabel (``y_true``: an ``(n, C)`` indicator matrix); ``None`` where an input
    fails a check or does not fit this path (the host path then counts it, or raises its message)."""
    torch = sys.modules["torch"]
    s = y_score.detach()
    y = arrays.moved_to(y_true, s)
    w = None if weights is None else arrays.moved_to(weights, s)
    if s.ndim != 2 or s.shape[1] < 2 or s.shape[0] == 0 or s.is_complex() or y is None or y.is_complex():
        return None
    n, c = s.shape
    if y.shape[0] != n or not (y.ndim == 1 or y.shape == s.shape):
        return None
    if weights is not None and (w is None or w.ndim != 1 or w.shape[0] != n or w.is_complex()):
        return None
    if not s.is_floating_point():
        s = s.double()
    elif s.dtype == torch.bfloat16:
        s = s.float()
    w64 = None if w is None else w.double()
    y64 = y.double()
    checks = [torch.isfinite(s).all(), (y64 == y64.round()).all()]
    if y.ndim == 1:  # multiclass: column indices, as a running metric reads them
        checks.append(((y64 >= 0) & (y64 < c)).all())
        if sums_to_one:  # numpy's allclose(1, row sums), as the host path's check
            total = s.double().sum(dim=1)
            checks.append(((1 - total).abs() <= 1e-8 + 1e-5 * total.abs()).all())
    else:
        checks.append(((y64 == 0) | (y64 == 1)).all())
    if w64 is not None:
        checks.append(torch.isfinite(w64).all())
    if not all(torch.stack(checks).tolist()):  # the one sync
        return None
    columns = [s[:, j] for j in range(c)]
    if y.ndim == 1:
        return _device_count(columns, [y.long()] * c, w64, c, edges, "multiclass")
    return _device_count(columns, [y[:, j].long() for j in range(c)], w64, 2, edges, "multilabel")


def binned_edges(thresholds: Sequence[float]) -> np.ndarray:
    """The edges of a binned frame: ``-inf`` (scores below every threshold), then the sorted thresholds."""
    return np.concatenate([[-np.inf], np.asarray(thresholds, dtype=np.float64)])


# -- cumulative counts --------------------------------------------------------------------------------------
def clf_curve(values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fps, tps, thresholds)`` at each distinct score, descending, as scikit-learn's
    ``confusion_matrix_at_thresholds``: cumulative weights at or above each threshold. Scores that hold no
    weight (zero-weight items, or another batch's frame) are left out, as scikit-learn drops zero weights."""
    keep = (pos != 0) | (neg != 0)
    values, pos, neg = values[keep][::-1], pos[keep][::-1], neg[keep][::-1]
    return np.cumsum(neg, dtype=np.float64), np.cumsum(pos, dtype=np.float64), values


def tie_bound(pos: np.ndarray, neg: np.ndarray) -> float:
    """The largest error of an AUROC computed from a table whose rows merge scores (a binned table):
    only the pairs of a positive and a negative in the same row lose their order, each counted as a half,
    so ``|AUROC_binned - AUROC_exact| <= sum_b P_b N_b / (2 P N)`` (on an exact table this is the share of
    the data's own ties, which both score 1/2: no error). NaN where a class has no weight."""
    p, n = float(np.sum(pos)), float(np.sum(neg))
    if p <= 0 or n <= 0:
        return float("nan")
    return float(np.dot(np.asarray(pos, dtype=np.float64), np.asarray(neg, dtype=np.float64)) / (2 * p * n))


__all__ = [
    "KINDS",
    "TAG",
    "align_total",
    "binned_edges",
    "clf_curve",
    "columns_of",
    "columns_of_many",
    "device_binary_total",
    "device_columns_total",
    "is_space",
    "join_spaces",
    "join_with_places",
    "make_space",
    "realign_rows",
    "restore_space",
    "scatter",
    "table_rows",
    "table_total",
    "tie_bound",
    "width",
]
