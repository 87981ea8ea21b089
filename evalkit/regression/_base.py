"""The base of the regression metrics: one counting path and one formula for the class and its function.

A metric declares its options (``options_type``, :mod:`evalkit.regression._common`) and its
:class:`~evalkit.regression._common.Formula` (columns and per-output formula). The base owns the rest:

- ``stats``: one row per sample (:func:`moment_rows`); ``update`` (and so ``__call__``, ``forward``) adds
  their sum, so that a state built by ``update``, by ``add_rows`` of kept rows (the CLI) or on Dask
  workers is the same to the last bit (a sum's value depends on the order of its additions);
- ``score``: the formula on one total, as a Result; ``scores``: the same formula on many totals at once;
- ``_value``: what the functional form returns, scikit-learn's type: the same formula on the batch's
  total in the same layout, summed by the fast path (:func:`moment_total`, no matrix of rows);
- frames: moments about the first batch's shift, later batches recentred onto it; checkpoint checks.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.regression._common import Formula, Moments, RegressionOptions, average_outputs
from evalkit.regression._moments import (
    check_outputs,
    moment_rows,
    moment_total,
    recentred,
    reductions,
    restored_space,
    targets,
)


class RegressionMetric(Metric):
    """A regression metric (see the module docstring): ``update(y_true, y_pred, sample_weight=...)`` adds
    a batch's weighted moments (constant memory), ``compute()`` scores them, ``merge()`` adds another
    instance's."""

    higher_is_better = False
    task = "regression"
    formula: ClassVar[Formula]
    options_type: ClassVar[type[RegressionOptions]] = RegressionOptions
    options: RegressionOptions

    # -- inputs and counting --------------------------------------------------------------------------
    def _check_outputs(self, k: int) -> None:
        """Refuse ``k`` outputs where the metric or its ``multioutput`` weights take another number."""
        if self.formula.max_outputs is not None and k > self.formula.max_outputs:
            raise InputError(f"{self._owner}: {self.name} supports a single output; y_true has {k}.")
        check_outputs(self._owner, k, self.options.multioutput)

    def _targets(self, y_true: Any, y_pred: Any, sample_weight: Any, keep_tensors: bool = False) -> tuple:
        t, p, w = targets(self._owner, y_true, y_pred, sample_weight, keep_tensors=keep_tensors)
        self._check_outputs(t.shape[1])
        if self.formula.domain is not None:
            self.formula.domain(self._owner, t, p, self.options)
        return t, p, w

    def _total(self, t: np.ndarray, p: np.ndarray, w: Any) -> tuple[np.ndarray, tuple]:
        return moment_total(self._owner, self.formula.columns, t, p, w, self.options)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """Per-sample rows of weighted moments, as :class:`~evalkit.core.rows.Rows` (on the device of
        tensor inputs); their sum is what ``update`` adds."""
        t, p, w = self._targets(y_true, y_pred, sample_weight, keep_tensors=True)
        return moment_rows(self._owner, self.formula.columns, t, p, w, self.options)

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> RegressionMetric:  # type: ignore[override]
        """Add a batch's rows to the running moments; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_pred, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running moments."""
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    # -- frames and checkpoints -----------------------------------------------------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if a[0] != b[0]:
            raise InputError(f"{self.name}: cannot add moments of {b[0]} outputs to moments of {a[0]} outputs.")
        return a  # the first batch's shifts serve the rest

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        return recentred(total, self.formula.columns, space, target, self.options.power)

    def restore_space(self, space: Any) -> Any:
        return restored_space(self.name, self.formula.columns, space)

    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        """Sums, but the largest error's columns (``max``)."""
        return tuple(reductions(self.formula.columns, space[0]))

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total must fit the frame's number of outputs and hold a whole, non-negative count of
        samples and non-negative largest errors (other moments may be any finite sum: weights may be
        negative)."""
        k = space[0]
        width = len(self.formula.columns) * k + 2
        fault = ""
        if len(total) != width:
            columns = ", ".join(self.formula.columns)
            fault = f"{width} numbers ({columns} for each of {k} outputs, the weight, the count)"
        elif total[-1] < 0 or total[-1] != np.floor(total[-1]):
            fault = "a whole, non-negative number of samples as its last number"
        elif "max" in self.formula.columns and (total[:-2] < 0).any():
            fault = "non-negative largest errors"
        if fault:
            raise InputError(f"{self.name}: load_state_dict(): 'total' must hold {fault}; got {total.tolist()!r}.")
        self._check_outputs(k)

    # -- scoring --------------------------------------------------------------------------------------
    def _evaluate(self, total: Any, space: tuple) -> tuple[float, np.ndarray]:
        """``(score, per-output values)`` of one total: the formula on a matrix of one row."""
        m = Moments(total, self.formula.columns, space[0], space[1])
        if m.w[0, 0] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        if m.n[0] < self.formula.min_samples:
            warnings.warn(self.formula.undefined, UndefinedMetricWarning, stacklevel=4)
            return float("nan"), np.full(space[0], np.nan)
        values, variance = self.formula.per_output(m, self.options)
        return float(average_outputs(values, self.options.multioutput, variance)[0]), values[0]

    def score(self, total: Any) -> Result:
        """The Result of a total: the score and the ``per_output`` values (read-only), and the weight."""
        score, per_output = self._evaluate(total, self.space)
        per_output = np.array(per_output, dtype=np.float64)
        per_output.flags.writeable = False
        weight = float(np.asarray(total, dtype=np.float64)[-2])
        return Result(self.name, score, {"per_output": per_output, "weight": weight}, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        """The score of each total, vectorized over the totals; NaN where undefined."""
        m = Moments(totals, self.formula.columns, self.space[0], self.space[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            values, variance = self.formula.per_output(m, self.options)
            out = average_outputs(values, self.options.multioutput, variance)
        return np.where((m.w[:, 0] == 0) | (m.n < self.formula.min_samples), np.nan, out)

    def _value(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        """What the functional form returns, scikit-learn's type: the per-output array for
        ``multioutput="raw_values"`` (but a float NaN where the score is undefined), else a float.

        The class's formula on the batch's total in the rows' layout, summed by the fast path
        (:func:`moment_total`), without a running state or a Result (a Result and its signature take 5 us,
        a tenth of a call on 10,000 samples)."""
        t, p, w = self._targets(y_true, y_pred, sample_weight)
        check_some_weight(self._owner, w)  # scikit-learn refuses all-zero weights (a running state adds them)
        total, space = self._total(t, p, w)
        score, per_output = self._evaluate(total, space)
        if self.options.multioutput == "raw_values" and len(t) >= self.formula.min_samples:
            return per_output
        return score
