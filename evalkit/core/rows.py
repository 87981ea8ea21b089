"""`Rows`: the per-item statistics of a batch, and how each statistic reduces.

Row ``i`` is the statistics vector of item ``i``. Its columns are two parts side by side:

- ``dense``, shape ``(n, d)``: one value per item and column (BLEU's n-gram counts, a regression
  item's weighted moments), each column reduced as ``reductions`` declares: ``"sum"``, or ``"max"`` /
  ``"min"`` where a metric truly needs it (the largest error of ``max_error``);
- ``cells``, ``values``, shape ``(n, k)``: a sparse part of ``n_cells`` columns, all summed, in which item
  ``i`` puts ``values[i, j]`` into column ``cells[i, j]`` (a labelled sample adds its weight to one cell of
  a K x K confusion matrix, so 100,000 samples over 1,000 classes need no 10^11 zeros).

The reduction of every row is the **total** ``reduce(rows)``, a flat vector ``dense part ++ cell part``
that a metric's pure ``score`` maps to a Result. Everything that sums (a training loop's ``update``,
``merge``, ``torch.distributed``, Dask, bootstrap resamples) works on that one layout.

Two annotations travel with the rows and are not numbers to resample:

- ``space``: the coordinate frame the columns are written in, when a metric's frame depends on the data
  (the sorted labels that classification discovers; the shift about which regression moments are taken).
  ``None`` for metrics with a fixed frame. A metric's ``align`` maps totals between frames.
- ``extras``: per-item facts that label the Result but do not change its number, each already reduced
  over the rows (BLEU's fewest and most references per segment, for its ``nrefs`` signature field),
  as ``{name: (reduction, value)}``.

Example:
    >>> rows = Rows(np.array([[1, 2], [3, 4]]), cells=np.array([[0], [2]]), values=np.array([[1.0], [5.0]]),
    ...             n_cells=3)
    >>> rows.total().tolist()
    [4.0, 6.0, 1.0, 0.0, 5.0]
    >>> rows.weighted_totals(np.array([[2, 0], [0, 1]])).tolist()  # item 0 twice; item 1 once
    [[2.0, 4.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0, 5.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, InputTypeError

REDUCTIONS = ("sum", "max", "min")


@lru_cache(maxsize=256)
def sums(width: int) -> tuple[str, ...]:
    """``("sum",) * width``, one object per width: a state of summed columns (a table of a million
    distinct scores) is then recognised by identity at every update, not by a scan of its columns."""
    return ("sum",) * width


_UFUNC = {"max": np.maximum, "min": np.minimum}
_EMPTY = {"sum": 0, "max": -np.inf, "min": np.inf}


def reduce_values(reduction: str, a: Any, b: Any) -> Any:
    """``a`` and ``b`` combined by one declared reduction (``None`` stands for no value yet)."""
    if a is None:
        return b
    if b is None:
        return a
    if reduction == "sum":
        return a + b
    return arrays.maximum(a, b) if reduction == "max" else arrays.minimum(a, b)


def _reduced(reductions: Sequence[str], dense: Any) -> Any:
    """Column-wise reduction of a ``(n, d)`` matrix (array or tensor); an empty matrix gives each
    reduction's identity."""
    out = arrays.full(dense.shape[1], 0.0, dense) if len(dense) == 0 else dense.sum(0)
    for name in ("max", "min"):
        columns = [j for j, r in enumerate(reductions) if r == name]
        if not columns:
            continue
        part = dense[:, columns]
        if len(part) == 0:
            out[columns] = _EMPTY[name]
        else:
            out[columns] = arrays.column_max(part) if name == "max" else arrays.column_min(part)
    return out


class Rows:
    """Per-item statistics: a dense part with declared reductions and a summed sparse part (see module)."""

    __slots__ = ("_pattern_cache", "cells", "dense", "extras", "n_cells", "reductions", "space", "values")

    def __init__(
        self,
        dense: Any = None,
        *,
        reductions: Sequence[str] | None = None,
        cells: np.ndarray | None = None,
        values: np.ndarray | None = None,
        n_cells: int = 0,
        space: Any = None,
        extras: Mapping[str, tuple[str, Any]] | None = None,
    ) -> None:
        cells, values = (x if x is None or arrays.is_tensor(x) else np.asarray(x) for x in (cells, values))
        if dense is None:
            n = 0 if cells is None else cells.shape[0]
            dense = np.zeros((n, 0), dtype=np.int64)
        if not arrays.is_tensor(dense):
            dense = np.asarray(dense)
        if dense.ndim != 2:
            raise InputError(f"Rows: 'dense' must be an (n_items, n_stats) matrix, got shape {dense.shape}.")
        reductions = ("sum",) * dense.shape[1] if reductions is None else tuple(reductions)
        if len(reductions) != dense.shape[1] or not set(reductions) <= set(REDUCTIONS):
            raise InputError(
                f"Rows: 'reductions' must name one of {', '.join(REDUCTIONS)} for each of the {dense.shape[1]} "
                f"dense columns, got {reductions!r}."
            )
        if (cells is None) != (values is None) or (cells is not None and cells.shape != values.shape):
            raise InputError("Rows: 'cells' and 'values' must be given together, with the same (n_items, k) shape.")
        if cells is not None and cells.shape[0] != dense.shape[0]:
            raise InputError(f"Rows: {cells.shape[0]} rows of cells for {dense.shape[0]} dense rows.")
        self.dense = dense
        self.reductions = reductions
        self.cells = np.zeros((dense.shape[0], 0), dtype=np.int64) if cells is None else cells
        self.values = np.zeros((dense.shape[0], 0)) if values is None else values
        self.n_cells = int(n_cells)
        self.space = space
        self.extras = dict(extras or {})
        self._pattern_cache: Any = None

    # -- shape ---------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.dense.shape[0]  # a tensor's len() is a Python call

    @property
    def width(self) -> int:
        """Length of the total: dense columns plus sparse cells."""
        return self.dense.shape[1] + self.n_cells

    @property
    def all_sums(self) -> bool:
        """Whether every column is summed (then any weighted sum of rows is a total)."""
        return all(r == "sum" for r in self.reductions)

    @property
    def column_reductions(self) -> tuple[str, ...]:
        """The reduction of each column of the total."""
        if self.all_sums:
            return sums(len(self.reductions) + self.n_cells)
        return self.reductions + ("sum",) * self.n_cells

    def __repr__(self) -> str:
        return f"Rows(n={len(self)}, dense={self.dense.shape[1]}, cells={self.n_cells}, space={self.space!r})"

    # -- reductions ------------------------------------------------------------------------------------
    def total(self) -> np.ndarray:
        """The reduction of every row: ``dense part ++ cell part`` (float64 where there are cells)."""
        if not self.n_cells:
            return _reduced(self.reductions, self.dense)
        # integer counts stay integers (exact below 2**63, or 2**53 once weighted)
        cells = arrays.add_at(self.n_cells, self.cells.ravel(), self.values.ravel())
        if not self.dense.shape[1]:  # cells alone (confusion counts): nothing to reduce
            return cells
        return arrays.concat([_reduced(self.reductions, self.dense), cells])

    @property
    def on_device(self) -> bool:
        """Whether the rows are torch tensors (on the device their inputs came from)."""
        return arrays.is_tensor(self.dense) or arrays.is_tensor(self.cells)

    def host(self) -> Rows:
        """The rows as numpy arrays on the host (``self`` when they already are)."""
        if not self.on_device:
            return self
        dense, cells, values = (arrays.to_host(x) for x in (self.dense, self.cells, self.values))
        return Rows(dense, reductions=self.reductions, cells=cells, values=values, n_cells=self.n_cells,
                    space=self.space, extras=self.extras)  # fmt: skip

    def weighted_totals(self, counts: np.ndarray) -> np.ndarray:
        """The total of each row of ``counts``, an ``(m, n_items)`` matrix of how often each item is taken.

        Summed columns are ``counts @ rows``; a ``max``/``min`` column reduces over the items taken at least
        once. Bootstrap resamples and approximate-randomization swaps are such matrices.
        """
        if self.on_device:
            return self.host().weighted_totals(counts)
        counts = np.asarray(counts)
        m = len(counts)
        dense = np.empty((m, self.dense.shape[1]), dtype=np.float64)
        sums = [j for j, r in enumerate(self.reductions) if r == "sum"]
        if sums:
            part = self.dense[:, sums]
            dtype = np.result_type(counts.dtype, part.dtype, np.float32)
            dense[:, sums] = counts.astype(dtype, copy=False) @ part.astype(dtype, copy=False)
        taken = counts > 0
        for name in ("max", "min"):
            for j in (j for j, r in enumerate(self.reductions) if r == name):
                masked = np.where(taken, self.dense[:, j].astype(np.float64), _EMPTY[name])
                dense[:, j] = _UFUNC[name].reduce(masked, axis=1)
        if not self.n_cells:
            return dense
        patterns = self._patterns()
        if patterns is not None:
            # items with the same cells and values (an unweighted sample of a given true and predicted
            # label) add the same vector: count each pattern's items per row, then one small product
            inverse, totals = patterns
            u = len(totals)
            flat = inverse[None, :] + (np.arange(m) * u)[:, None]
            per_pattern = np.bincount(flat.ravel(), weights=counts.ravel(), minlength=m * u).reshape(m, u)
            return np.concatenate([dense, per_pattern @ totals], axis=1)
        out = np.zeros((m, self.n_cells))
        k = self.cells.shape[1]
        block = max(1, (1 << 22) // max(1, len(self) * max(k, 1)))
        for start in range(0, m, block):
            b = min(block, m - start)
            weights = counts[start : start + b, :, None] * self.values[None, :, :]
            flat = self.cells[None, :, :] + (np.arange(b) * self.n_cells)[:, None, None]
            out[start : start + b] = np.bincount(
                flat.ravel(), weights=weights.ravel(), minlength=b * self.n_cells
            ).reshape(b, self.n_cells)
        return np.concatenate([dense, out], axis=1)

    def drawn_totals(self, index: np.ndarray) -> np.ndarray:
        """The total of each row of ``index``, an ``(m, k)`` matrix of item indices drawn with replacement
        (a bootstrap resample per row): :meth:`weighted_totals` of the counts of each row's indices."""
        if self.on_device:
            return self.host().drawn_totals(index)
        index = np.asarray(index)
        m = len(index)
        patterns = self._patterns() if self.n_cells and not self.dense.shape[1] else None
        if patterns is None:
            counts = np.zeros((m, len(self)))
            np.add.at(counts, (np.arange(m)[:, None], index), 1.0)
            return self.weighted_totals(counts)
        inverse, totals = patterns
        u = len(totals)
        flat = inverse[index] + (np.arange(m) * u)[:, None]
        return np.bincount(flat.ravel(), minlength=m * u).reshape(m, u) @ totals

    def _patterns(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(pattern of each item, the cell totals of each pattern)`` when few distinct sparse rows make up
        the items (cached; ``None`` when they are many, or their totals would be too large to hold)."""
        if self._pattern_cache is None:
            found: Any = False
            n = len(self)
            code = _row_codes([*self.cells.T, *self.values.T]) if n >= 64 else None
            if code is not None:
                _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
                u = len(first)
                if u * 4 <= n and u * self.n_cells <= 1 << 24:
                    totals = np.zeros((u, self.n_cells))
                    np.add.at(totals, (np.arange(u)[:, None], self.cells[first]), self.values[first])
                    found = (inverse.reshape(-1), totals)
            self._pattern_cache = found
        return self._pattern_cache or None

    def toarray(self) -> np.ndarray:
        """The rows as a dense ``(n, width)`` numpy matrix (for small inputs and inspection)."""
        if self.on_device:
            return self.host().toarray()
        if not self.n_cells:
            return self.dense.copy()
        sparse = np.zeros((len(self), self.n_cells))
        np.add.at(sparse, (np.arange(len(self))[:, None], self.cells), self.values)
        return np.concatenate([self.dense.astype(np.float64), sparse], axis=1)

    def take(self, index: Any) -> Rows:
        """The rows at ``index`` (an integer array or a slice), same space and extras, on the host."""
        if self.on_device:
            return self.host().take(index)
        return Rows(
            self.dense[index],
            reductions=self.reductions,
            cells=self.cells[index],
            values=self.values[index],
            n_cells=self.n_cells,
            space=self.space,
            extras=self.extras,
        )

    def item_totals(self) -> np.ndarray:
        """Each row as its own total, ``(n, width)``: what sentence-level scores score."""
        return self.toarray()


def _row_codes(columns: Sequence[np.ndarray]) -> np.ndarray | None:
    """One int64 per row, equal exactly for equal rows (mixed radix over each column's distinct values);
    ``None`` when the codes would not fit in 62 bits."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    radix = 1
    for column in columns:
        distinct, inverse = np.unique(column, return_inverse=True)
        if radix * len(distinct) >= 1 << 62:
            return None
        code += inverse.reshape(-1).astype(np.int64) * radix
        radix *= len(distinct)
    return code


def concat(chunks: Sequence[Rows]) -> Rows:
    """The rows of several chunks in one frame, one after another (extras reduced over all)."""
    if not chunks:
        raise InputError("concat: no chunks of rows to join.")
    chunks = [c.host() for c in chunks]
    first = chunks[0]
    for c in chunks[1:]:
        if c.reductions != first.reductions or c.n_cells != first.n_cells or c.cells.shape[1] != first.cells.shape[1]:
            raise InputError(f"concat: rows of another layout ({c!r}) cannot follow {first!r}.")
    extras: dict[str, tuple[str, Any]] = {}
    for c in chunks:
        for key, (reduction, value) in c.extras.items():
            old = extras.get(key)
            extras[key] = (reduction, reduce_values(reduction, None if old is None else old[1], value))
    return Rows(
        np.concatenate([c.dense for c in chunks]),
        reductions=first.reductions,
        cells=np.concatenate([c.cells for c in chunks]),
        values=np.concatenate([c.values for c in chunks]),
        n_cells=first.n_cells,
        space=first.space,
        extras=extras,
    )


def as_rows(value: Any, *, owner: str = "rows", param: str = "rows") -> Rows:
    """``value`` as :class:`Rows`: a Rows object as it is, a numeric ``(n, n_stats)`` matrix as summed rows."""
    if isinstance(value, Rows):
        return value
    if arrays.is_tensor(value) and value.ndim == 2 and not value.is_complex():
        return Rows(value)
    try:
        a = np.asarray(value)
    except (TypeError, ValueError):
        a = np.asarray(None)
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    if a.dtype.kind not in "iuf":
        raise InputTypeError(
            f"{owner}: {param!r} must be a numeric (n_segments, n_stats) matrix from metric.stats(...) "
            f"(or the Rows of metric.rows(...)), got a {type(value).__name__}."
        )
    if a.ndim != 2:
        raise InputError(
            f"{owner}: {param!r} must be a non-empty (n_segments, n_stats) matrix from metric.stats(...), "
            f"got shape {a.shape}."
        )
    return Rows(a)


__all__ = ["REDUCTIONS", "Rows", "as_rows", "concat", "reduce_values"]
