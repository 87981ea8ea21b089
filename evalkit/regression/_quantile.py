"""The base of the regression metrics that need a weighted quantile of all of a batch's values: D² of the
pinball loss (the ``alpha``-quantile of y_true) and the median absolute error (the median of ``|e|``).

A quantile is no function of sums, but it is one of the **table of distinct** ``(output, value)`` pairs
with their summed weights: each row puts its weight in the cell of its pair, the table is the rows' frame
(``space = (outputs, pairs)``, :mod:`evalkit.regression._table`), and totals written in two tables merge
in their sorted union. The quantile is then exact at any time, the state merges and checkpoints like any
other, and the rows still resample (bootstrap). Memory grows with the number of distinct values.

A subclass says which numbers each sample tabulates (:meth:`QuantileTable._keyed`), which dense sums it
keeps before the table (:meth:`QuantileTable._dense`: the weight and the count last), and its score per
output (:meth:`QuantileTable._per_output`).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, ClassVar

import numpy as np

import evalkit.regression._table as table
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.regression._common import RegressionOptions, average_outputs
from evalkit.regression._moments import check_outputs, check_targets_finite, targets


def weighted_percentile(values: np.ndarray, c: np.ndarray, alpha: float) -> float:
    """scikit-learn's ``_weighted_percentile(y, w, 100 alpha, average=True)`` on a sorted table of distinct
    ``values`` with summed weights ``c``: the first value whose cumulative weight reaches ``alpha W``, or,
    where it reaches it exactly (to machine epsilon), the mean of that value and the next of positive weight.
    On the table, a value's items count as one: their cumulative weight is the table's at their last item,
    where scikit-learn's search over items lands on the same value. With unit weights and ``alpha = 0.5``
    this is ``np.median``: the middle value, or the mean of the two middle ones.

    Example:
        >>> weighted_percentile(np.array([1.0, 2.0, 5.0]), np.array([1.0, 1.0, 2.0]), 0.5)  # cdf 1, 2, 4
        3.5
    """
    cdf = np.cumsum(c)
    rank = alpha * cdf[-1]
    if rank == 0:  # leading zero weights are skipped (scikit-learn #20528)
        rank = np.nextafter(rank, rank + 1)
    last = len(values) - 1
    i = min(int(np.searchsorted(cdf, rank)), last)
    if cdf[i] - rank > np.finfo(np.float64).eps:
        return float(values[i])
    nxt = min(i + 1, last)
    if c[nxt] == 0:  # the next value of positive weight
        nxt = int(np.searchsorted(cdf, cdf[i], side="right"))
        nxt = i if nxt > last else nxt
    return float((values[i] + values[nxt]) / 2)


def distinct(x: np.ndarray, w: np.ndarray | None, *, inverse: bool = False) -> tuple:
    """``(sorted distinct values of x, their summed weights (counts where w is None), each item's index among
    them or None)`` by one sort (a plain sort where no weights and no indices are asked for).

    Example:
        >>> [a.tolist() for a in distinct(np.array([2.0, 0.5, 2.0]), np.array([1.0, 3.0, 0.5]), inverse=True)]
        [[0.5, 2.0], [3.0, 1.5], [1, 0, 1]]
    """
    order = None if w is None and not inverse else np.argsort(x)
    s = np.sort(x) if order is None else x[order]
    new = np.empty(len(s), dtype=bool)
    new[:1] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    c = np.diff(np.append(starts, len(s))).astype(np.float64) if w is None else np.add.reduceat(w[order], starts)
    at = None
    if inverse:
        at = np.empty(len(s), dtype=np.int64)
        at[order] = np.cumsum(new) - 1
    return s[starts], c, at


class QuantileTable(Metric):
    """A regression metric whose state is dense sums (ending with the weight ``W`` and the count ``n``)
    and the table of distinct ``(output, value)`` pairs with their summed weights (see the module
    docstring)."""

    task = "regression"
    options_type: ClassVar[type[RegressionOptions]] = RegressionOptions
    options: Any
    #: the table of distinct values lives on the host (tensor inputs are read there)
    keeps_device: ClassVar[bool] = False
    #: below this many samples the score is NaN with ``undefined`` as an UndefinedMetricWarning
    min_samples: ClassVar[int] = 1
    undefined: ClassVar[str] = ""
    #: what the dense sums before the weight and the count are, for a checkpoint's error ("" for none)
    dense_doc: ClassVar[str] = ""
    #: the least value the table can hold (absolute errors: 0), or ``None``; and what the values are
    least_value: ClassVar[float | None] = None
    values_doc: ClassVar[str] = "values"

    # -- what a subclass says -------------------------------------------------------------------------
    def _head(self, k: int) -> int:
        """How many dense numbers come before the table for ``k`` outputs (the weight and count last)."""
        return 2

    def _keyed(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The ``(n, k)`` numbers whose distinct values per output the table keeps."""
        raise NotImplementedError

    def _dense(self, t: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The ``(n, head)`` dense part of the rows: by default the weight and 1."""
        return np.stack([weights, np.ones(len(weights))], axis=1)

    def _dense_total(self, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
        """The sum of :meth:`_dense`'s rows (``W`` and ``n`` by default), for a batch taken whole."""
        return np.array([len(t) if w is None else w.sum(), len(t)], dtype=np.float64)

    def _per_output(self, outputs: list[tuple[np.ndarray, np.ndarray]], dense: np.ndarray, w: float) -> np.ndarray:
        """The score of each output from its table (sorted distinct values, their weights) and the dense sums."""
        raise NotImplementedError

    # -- inputs and rows ------------------------------------------------------------------------------
    def _checked(self, y_true: Any, y_pred: Any, sample_weight: Any, *, some_weight: bool = False) -> tuple:
        t, p, w = targets(self._owner, y_true, y_pred, sample_weight)
        check_outputs(self._owner, t.shape[1], self.options.multioutput)
        if some_weight:  # scikit-learn refuses all-zero weights (a running state adds them)
            check_some_weight(self._owner, w)
        check_targets_finite(self._owner, t, p)
        return t, p, w

    def _rows(self, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> Rows:
        n, k = t.shape
        weights = np.ones(n) if w is None else w
        keyed = self._keyed(t, p)
        # each output's distinct values in turn: the (output, value) table in its sorted order
        cells = np.empty((n, k), dtype=np.int64)
        parts, offset = [], 0
        for j in range(k):
            values, _, at = distinct(keyed[:, j], None, inverse=True)
            cells[:, j] = at + offset
            parts.append(np.stack([np.full(len(values), float(j)), values], axis=1))
            offset += len(values)
        pairs = np.concatenate(parts)
        values = np.repeat(weights[:, None], k, axis=1)
        dense = self._dense(t, p, weights)
        return Rows(dense, cells=cells, values=values, n_cells=len(pairs), space=(k, pairs))

    def _batch_total(self, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, tuple]:
        """``(total, space)`` of one batch as its rows sum to, without the rows: the dense columns' sums and,
        per output, one sort for the distinct values and their summed weights (the functions' path)."""
        k = t.shape[1]
        keyed = self._keyed(t, p)
        parts, weights = [], []
        for j in range(k):
            values, c, _ = distinct(keyed[:, j], w)
            parts.append(np.stack([np.full(len(values), float(j)), values], axis=1))
            weights.append(c)
        return np.concatenate([self._dense_total(t, p, w), *weights]), (k, np.concatenate(parts))

    def rows(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row per sample: the dense sums' terms (the weight and 1 last); and, per output, its weight in
        the cell of its ``(output, value)`` among the batch's distinct ones."""
        return self._rows(*self._checked(y_true, y_pred, sample_weight))

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        return self.rows(y_true, y_pred, sample_weight)

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Metric:  # type: ignore[override]
        """Add a batch: its dense sums, and its values to the table; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)

    # -- frames and checkpoints -----------------------------------------------------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        if a[0] != b[0]:
            raise InputError(f"{self.name}: cannot add a batch of {b[0]} outputs to a state of {a[0]} outputs.")
        return a if table.same(a[1], b[1]) else (a[0], table.join(a[1], b[1]))

    def align(self, total: Any, space: Any, target: Any) -> Any:
        return table.align(total, space[1], target[1], head=self._head(space[0]))

    def realign(self, rows: Rows, target: Any) -> Rows:
        return rows if table.same(rows.space[1], target[1]) else table.realign(rows, target[1], target)

    def restore_space(self, space: Any) -> Any:
        try:
            k, pairs = space
            ok = isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(
                f"{self.name}: load_state_dict(): 'space' must be [outputs, pairs]; got {str(space)[:80]!r}."
            )
        k, pairs = int(k), table.restore(self.name, pairs)
        # the table is sorted by output: each of the k outputs, in turn, has its values (every sample has one
        # per output); this also bounds k by the table's length before any array of k is made
        steps = np.diff(pairs[:, 0])
        if len(pairs) < k or pairs[0, 0] != 0 or pairs[-1, 0] != k - 1 or ((steps != 0) & (steps != 1)).any():
            raise InputError(
                f"{self.name}: load_state_dict(): 'space' must hold pairs [output, value] of outputs 0..{k - 1}, "
                f"each with a value; got outputs {str(pairs[:, 0].tolist())[:80]}."
            )
        if self.least_value is not None and (pairs[:, 1] < self.least_value).any():
            raise InputError(
                f"{self.name}: load_state_dict(): 'space' must hold {self.values_doc} at least {self.least_value:g}; "
                f"got {float(pairs[:, 1].min())!r}."
            )
        return k, pairs

    def check_total(self, total: np.ndarray, space: Any) -> None:
        k, pairs = space
        head = self._head(k)
        n = total[head - 1] if len(total) >= head else 0
        if len(total) != head + len(pairs) or n < 0 or n != np.floor(n):
            dense = self.dense_doc.format(k=k)
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {head + len(pairs)} numbers ({dense}the weight, "
                f"a whole count, a weight per distinct value); got {len(total)}."
            )
        if total[head - 2] < 0 or (total[head:] < 0).any():  # sample weights are never negative
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold weights of at least 0 (the weight and a weight per "
                f"distinct value); got {float(min(total[head - 2], total[head:].min()))!r}."
            )
        check_outputs(self.name, k, self.options.multioutput)

    # -- scoring --------------------------------------------------------------------------------------
    def _evaluate(self, total: Any, space: tuple) -> tuple[float, np.ndarray, float]:
        """``(score, per-output scores, W)`` of a total in frame ``space``; a zero total weight is refused,
        fewer than ``min_samples`` samples give NaN and a warning."""
        k, pairs = space
        total = np.asarray(total, dtype=np.float64)
        head = self._head(k)
        w, n, c = total[head - 2], total[head - 1], total[head:]
        if w == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        ends = np.searchsorted(pairs[:, 0], np.arange(k + 1) - 0.5)  # the table is sorted by output first
        outputs = [(pairs[a:b, 1], c[a:b]) for a, b in itertools.pairwise(ends)]
        per_output = self._per_output(outputs, total[: head - 2], w)
        if n < self.min_samples:
            warnings.warn(self.undefined, UndefinedMetricWarning, stacklevel=4)
            per_output = np.full(k, np.nan)
        return float(average_outputs(per_output[None], self.options.multioutput, None)[0]), per_output, w

    def score(self, total: Any) -> Result:
        """The Result of a total: the score, the ``per_output`` values (read-only) and the weight."""
        score, per_output, w = self._evaluate(total, self.space)
        per_output.flags.writeable = False
        return Result(self.name, score, {"per_output": per_output, "weight": w}, self.signature())

    def scores(self, totals: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return np.array([self.score(t).score for t in np.asarray(totals)], dtype=np.float64)

    def _value(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        """scikit-learn's return: the per-output array for ``raw_values`` (a float NaN where undefined). The
        class's formula on the batch's total in the rows' layout (:meth:`_batch_total`: one sort per output,
        no rows, no running state)."""
        t, p, w = self._checked(y_true, y_pred, sample_weight, some_weight=True)
        score, per_output, _ = self._evaluate(*self._batch_total(t, p, w))
        if self.options.multioutput == "raw_values" and len(t) >= self.min_samples:
            return per_output
        return score


__all__ = ["QuantileTable", "distinct", "weighted_percentile"]
