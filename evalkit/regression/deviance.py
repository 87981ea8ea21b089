"""Log errors, the pinball loss, Tweedie deviances and the D² scores (Tweedie, pinball, absolute error), with scikit-learn's names,
arguments, checks and results.

Each is a weighted mean of a per-sample term, summed per output (the layout and formulas:
:mod:`evalkit.regression._common`), so a running state keeps only sums and merges by adding them:

- ``sle = sum(w (log(1 + y) - log(1 + y_pred))²)``: mean squared log error and its root;
- ``pinball = sum(w rho_alpha(y - y_pred))`` with ``rho_alpha(e) = alpha e`` for ``e >= 0``, else
  ``(alpha - 1) e``;
- ``dev = sum(w D_p(y, y_pred))``, the unit Tweedie deviance of power ``p`` (0: squared error, 1: Poisson,
  2: gamma);
- ``d2_tweedie_score = 1 - mean D_p(y, y_pred) / mean D_p(y, mean_w(y))``: its reference predicts the
  weighted mean of *all* of y_true, unknown until the end; the deviance is a Bregman divergence, so
  ``sum w D(y, ybar) = sum w D(y, c) - W D(ybar, c)`` for any shift ``c``: the state keeps
  ``sum w D(y, c)`` and ``sum w (y - c)`` about the first batch's mean, and later batches are moved onto it
  exactly (``sum w D(y, c') = sum w D(y, c) + W D(c, c') + 2 (phi'(c) - phi'(c')) sum w (y - c)``);
- ``d2_pinball_score`` and ``d2_absolute_error_score``: ``1 - sum w rho(y - y_pred) / sum w rho(y - q)``,
  ``q`` the weighted ``alpha``-quantile of all of y_true: no function of sums, so the state keeps the
  numerator's sums and the **table of distinct** ``(output, y_true)`` values with their summed weights (a
  frame that grows with the distinct values and merges by a sorted union); the quantile and the
  denominator are exact from it at any time, and the rows still resample (bootstrap).

Reference: scikit-learn 1.9 ``sklearn.metrics`` (``_mean_tweedie_deviance``'s formula, to the letter).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

import evalkit.regression._table as table
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.regression._base import RegressionMetric
from evalkit.regression._common import (
    D2_TWEEDIE,
    D2_UNDEFINED,
    MEAN_SQUARED_LOG,
    PINBALL,
    ROOT_MEAN_SQUARED_LOG,
    TWEEDIE,
    ErrorOptions,
    GammaOptions,
    PinballOptions,
    PoissonOptions,
    TweedieOptions,
    average_outputs,
    fraction_explained,
    pinball,
)
from evalkit.regression._moments import check_outputs, check_targets_finite, targets

__all__ = [
    "D2AbsoluteErrorScore",
    "D2PinballScore",
    "D2TweedieScore",
    "MeanGammaDeviance",
    "MeanPinballLoss",
    "MeanPoissonDeviance",
    "MeanSquaredLogError",
    "MeanTweedieDeviance",
    "RootMeanSquaredLogError",
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "mean_gamma_deviance",
    "mean_pinball_loss",
    "mean_poisson_deviance",
    "mean_squared_log_error",
    "mean_tweedie_deviance",
    "root_mean_squared_log_error",
]


# -- classes -------------------------------------------------------------------------------------------
@register
class MeanSquaredLogError(RegressionMetric):
    """Mean squared logarithmic error in a training loop (see :func:`mean_squared_log_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> round(MeanSquaredLogError().update([3, 5], [2.5, 5]).update([2.5, 7], [4, 8]).compute().score, 4)
        0.0397
    """

    name = "msle"
    formula = MEAN_SQUARED_LOG
    options_type = ErrorOptions

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class RootMeanSquaredLogError(RegressionMetric):
    """Root mean squared logarithmic error in a training loop (see :func:`root_mean_squared_log_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> round(RootMeanSquaredLogError().update([3, 5], [2.5, 5]).update([2.5, 7], [4, 8]).compute().score, 4)
        0.1993
    """

    name = "rmsle"
    formula = ROOT_MEAN_SQUARED_LOG
    options_type = ErrorOptions

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class MeanPinballLoss(RegressionMetric):
    """Mean pinball (quantile) loss in a training loop (see :func:`mean_pinball_loss`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.PinballOptions`:

    {options}

    Example:
        >>> MeanPinballLoss(alpha=0.1).update([1, 2], [0, 2]).update([3], [4]).compute().score  # (0.1 + 0 + 0.9) / 3
        0.3333333333333333
    """

    name = "pinball"
    formula = PINBALL
    options_type = PinballOptions

    def __init__(self, *, alpha: float = 0.5, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class MeanTweedieDeviance(RegressionMetric):
    """Mean Tweedie deviance of a given ``power`` in a training loop (see :func:`mean_tweedie_deviance`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.TweedieOptions`:

    {options}

    Example:
        >>> round(MeanTweedieDeviance(power=1).update([2, 0], [0.5, 0.5]).update([1, 4], [2, 2]).compute().score, 4)
        1.426
    """

    name = "tweedie_deviance"
    formula = TWEEDIE
    options_type = TweedieOptions

    def __init__(self, *, power: float = 0.0) -> None:
        super().__init__(locals())


@register
class MeanPoissonDeviance(RegressionMetric):
    """Mean Poisson deviance (Tweedie power 1) in a training loop (see :func:`mean_poisson_deviance`).

    Example:
        >>> round(MeanPoissonDeviance().update([2, 0], [0.5, 0.5]).update([1, 4], [2, 2]).compute().score, 4)
        1.426
    """

    name = "poisson_deviance"
    formula = TWEEDIE
    options_type = PoissonOptions

    def __init__(self) -> None:
        super().__init__(locals())


@register
class MeanGammaDeviance(RegressionMetric):
    """Mean gamma deviance (Tweedie power 2) in a training loop (see :func:`mean_gamma_deviance`).

    Example:
        >>> round(MeanGammaDeviance().update([2, 0.5], [0.5, 0.5]).update([1, 4], [2, 2]).compute().score, 4)
        1.0569
    """

    name = "gamma_deviance"
    formula = TWEEDIE
    options_type = GammaOptions

    def __init__(self) -> None:
        super().__init__(locals())


@register
class D2TweedieScore(RegressionMetric):
    """D² of the Tweedie deviance in a training loop, exact and mergeable (see :func:`d2_tweedie_score`
    and the module docstring for how the reference's mean of y_true is handled).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.TweedieOptions`:

    {options}

    Example:
        >>> round(D2TweedieScore(power=1).update([2, 0], [0.5, 0.5]).update([1, 4], [1, 2]).compute().score, 4)
        0.1556
    """

    name = "d2_tweedie"
    higher_is_better = True
    formula = D2_TWEEDIE
    options_type = TweedieOptions

    def __init__(self, *, power: float = 0.0) -> None:
        super().__init__(locals())

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """As every regression total, and a positive shift where ``power != 0`` (the deviance about it)."""
        super().check_total(total, space)
        if self.options.power != 0 and min(space[1]) <= 0:
            raise InputError(f"{self.name}: load_state_dict(): 'space' must hold a positive shift; got {space!r}.")


def _weighted_percentile(values: np.ndarray, c: np.ndarray, alpha: float) -> float:
    """scikit-learn's ``_weighted_percentile(y, w, 100 alpha, average=True)`` on a sorted table of distinct
    ``values`` with summed weights ``c``: the first value whose cumulative weight reaches ``alpha W``, or,
    where it reaches it exactly (to machine epsilon), the mean of that value and the next of positive weight.
    On the table, a value's items count as one: their cumulative weight is the table's at their last item,
    where scikit-learn's search over items lands on the same value."""
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


class _D2Pinball(Metric):
    """D² of the pinball loss: ``1 - sum w rho(y - y_pred) / sum w rho(y - q)``, ``q`` the weighted
    ``alpha``-quantile of *all* of y_true, per output. The quantile is no function of sums: the state keeps
    the numerator's sums (``sum w rho_alpha(e)`` per output, ``W``, ``n``) and the table of distinct
    ``(output, y_true)`` values with their summed weights (the frame grows with the distinct values and
    merges by a sorted union), from which the quantile and the denominator are exact at any time."""

    higher_is_better = True
    task = "regression"
    options_type = PinballOptions
    options: PinballOptions
    #: the table of distinct values lives on the host (tensor inputs are read there)
    keeps_device: ClassVar[bool] = False

    def rows(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row per sample: ``w rho_alpha(e)`` per output, ``w``, 1; and, per output, its weight in the
        cell of its ``(output, y_true)`` among the batch's distinct ones."""
        t, p, w = targets(self._owner, y_true, y_pred, sample_weight)
        n, k = t.shape
        check_outputs(self._owner, k, self.options.multioutput)
        check_targets_finite(self._owner, t, p)
        weights = np.ones(n) if w is None else w
        dense = np.concatenate([weights[:, None] * pinball(t - p, self.options.alpha), weights[:, None],
                                np.ones((n, 1))], axis=1)  # fmt: skip
        # each output's distinct values in turn: the (output, value) table in its sorted order
        cells = np.empty((n, k), dtype=np.int64)
        parts, offset = [], 0
        for j in range(k):
            values, at = np.unique(t[:, j], return_inverse=True)
            cells[:, j] = at.reshape(-1) + offset
            parts.append(np.stack([np.full(len(values), float(j)), values], axis=1))
            offset += len(values)
        pairs = np.concatenate(parts)
        values = np.repeat(weights[:, None], k, axis=1)
        return Rows(dense, cells=cells, values=values, n_cells=len(pairs), space=(k, pairs))

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        return self.rows(y_true, y_pred, sample_weight)

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Metric:  # type: ignore[override]
        """Add a batch: its loss sums and its y_true values to the table; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)

    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        if a[0] != b[0]:
            raise InputError(f"{self.name}: cannot add a batch of {b[0]} outputs to a state of {a[0]} outputs.")
        return a if table.same(a[1], b[1]) else (a[0], table.join(a[1], b[1]))

    def align(self, total: Any, space: Any, target: Any) -> Any:
        return table.align(total, space[1], target[1], head=space[0] + 2)

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
        return int(k), table.restore(self.name, pairs)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        k, pairs = space
        if len(total) != k + 2 + len(pairs) or total[k + 1] < 0 or total[k + 1] != np.floor(total[k + 1]):
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {k + 2 + len(pairs)} numbers (the loss of each "
                f"of {k} outputs, the weight, a whole count, a weight per distinct value); got {len(total)}."
            )
        check_outputs(self.name, k, self.options.multioutput)

    def _per_output(self, total: np.ndarray) -> tuple[np.ndarray, float, float]:
        k, pairs = self.space
        total = np.asarray(total, dtype=np.float64)
        w, n, c = total[k], total[k + 1], total[k + 2 :]
        if w == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        alpha = self.options.alpha
        den = np.empty(k)
        for j in range(k):
            mine = pairs[:, 0] == j
            values, weights = pairs[mine, 1], c[mine]
            q = _weighted_percentile(values, weights, alpha)
            den[j] = weights @ pinball(values - q, alpha) / w
        return fraction_explained(total[:k] / w, den, True), w, n

    def score(self, total: Any) -> Result:
        """The Result of a total: the score, the ``per_output`` values (read-only) and the weight."""
        k = self.space[0]
        per_output, w, n = self._per_output(total)
        if n < 2:
            warnings.warn(D2_UNDEFINED, UndefinedMetricWarning, stacklevel=3)
            per_output = np.full(k, np.nan)
        score = float(average_outputs(per_output[None], self.options.multioutput, None)[0])
        per_output.flags.writeable = False
        return Result(self.name, score, {"per_output": per_output, "weight": w}, self.signature())

    def scores(self, totals: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return np.array([self.score(t).score for t in np.asarray(totals)], dtype=np.float64)

    def _value(self, y_true: Any, y_pred: Any, sample_weight: Any) -> Any:
        """scikit-learn's return: the per-output array for ``raw_values`` (a float NaN below two samples)."""
        rows = self.rows(y_true, y_pred, sample_weight)
        check_some_weight(self._owner, None if sample_weight is None else rows.dense[:, -2])
        result = self.fresh().add_rows(rows).compute()
        if self.options.multioutput == "raw_values" and len(rows) >= 2:
            return np.array(result.components["per_output"])
        return result.score


@register
class D2PinballScore(_D2Pinball):
    """D² of the pinball loss in a training loop, exact (see :func:`d2_pinball_score`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.PinballOptions`:

    {options}

    Example:
        >>> D2PinballScore(alpha=0.9).update([1, 2], [1, 3]).update([3], [3]).compute().score  # scikit-learn's 0.666...
        0.6666666666666667
    """

    name = "d2_pinball"

    def __init__(self, *, alpha: float = 0.5, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class D2AbsoluteErrorScore(_D2Pinball):
    """D² of the absolute error (the pinball loss at ``alpha=0.5``, against the weighted median) in a
    training loop (see :func:`d2_absolute_error_score`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> round(D2AbsoluteErrorScore().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.7647
    """

    name = "d2_absolute_error"
    options_type = ErrorOptions

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


# -- functions -----------------------------------------------------------------------------------------
def mean_squared_log_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w (log(1 + y_true) - log(1 + y_pred))²) / sum(w)`` per output, averaged as ``multioutput``
    says; values ``<= -1`` are refused, as scikit-learn refuses them.

    Example:
        >>> round(mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 4)  # scikit-learn's example
        0.0397
    """
    return MeanSquaredLogError.bound("mean_squared_log_error", locals())._value(y_true, y_pred, sample_weight)


def root_mean_squared_log_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """The square root of :func:`mean_squared_log_error` per output, then averaged.

    Example:
        >>> round(root_mean_squared_log_error([3, 5, 2.5, 7], [2.5, 5, 4, 8]), 4)  # scikit-learn's example
        0.1993
    """
    owner = "root_mean_squared_log_error"
    return RootMeanSquaredLogError.bound(owner, locals())._value(y_true, y_pred, sample_weight)


def mean_pinball_loss(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    alpha: float = 0.5,
    multioutput: Any = "uniform_average",
) -> Any:
    """``sum(w rho_alpha(y_true - y_pred)) / sum(w)``: ``alpha e`` where ``e >= 0``, else ``(alpha - 1) e``.

    Example:
        >>> round(mean_pinball_loss([1, 2, 3], [1, 2, 4], alpha=0.1), 4)  # scikit-learn's example: 0.9 / 3
        0.3
    """
    return MeanPinballLoss.bound("mean_pinball_loss", locals())._value(y_true, y_pred, sample_weight)


def mean_tweedie_deviance(y_true: Any, y_pred: Any, *, sample_weight: Any = None, power: float = 0.0) -> float:
    """Mean unit Tweedie deviance ``2 (max(y, 0)^(2-p) / ((1-p)(2-p)) - y m^(1-p) / (1-p) + m^(2-p) / (2-p))``
    (``m = y_pred``; the limits at p = 0, 1, 2: squared error, Poisson, gamma). Single output. Domains as
    scikit-learn's: y_pred > 0 unless p = 0; y_true >= 0 for 1 <= p < 2, y_true > 0 from p = 2 on.

    Example:
        >>> round(mean_tweedie_deviance([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0], power=1), 4)  # scikit-learn's: 1.4260...
        1.426
    """
    return MeanTweedieDeviance.bound("mean_tweedie_deviance", locals())._value(y_true, y_pred, sample_weight)


def mean_poisson_deviance(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Mean Poisson deviance ``2 (y log(y / m) - y + m)``: :func:`mean_tweedie_deviance` with power 1.

    Example:
        >>> round(mean_poisson_deviance([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0]), 4)  # scikit-learn's example
        1.426
    """
    return MeanPoissonDeviance.bound("mean_poisson_deviance", locals())._value(y_true, y_pred, sample_weight)


def mean_gamma_deviance(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Mean gamma deviance ``2 (log(m / y) + y / m - 1)``: :func:`mean_tweedie_deviance` with power 2.

    Example:
        >>> round(mean_gamma_deviance([2, 0.5, 1, 4], [0.5, 0.5, 2.0, 2.0]), 4)  # scikit-learn's example
        1.0569
    """
    return MeanGammaDeviance.bound("mean_gamma_deviance", locals())._value(y_true, y_pred, sample_weight)


def d2_tweedie_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None, power: float = 0.0) -> float:
    """D² of the Tweedie deviance: ``1 - mean D_p(y, y_pred) / mean D_p(y, mean_w(y))`` (single output;
    power 0 is R² without scikit-learn's ``force_finite``). Fewer than two samples: NaN and an
    :class:`UndefinedMetricWarning`, as scikit-learn.

    Example:
        >>> round(d2_tweedie_score([0.5, 1, 2.5, 7], [1, 1, 5, 3.5], power=1), 4)  # scikit-learn's: 0.487...
        0.4879
    """
    return D2TweedieScore.bound("d2_tweedie_score", locals())._value(y_true, y_pred, sample_weight)


def d2_pinball_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    alpha: float = 0.5,
    multioutput: Any = "uniform_average",
) -> Any:
    """D² of the pinball loss: ``1 - sum w rho_alpha(y - y_pred) / sum w rho_alpha(y - q)`` per output, ``q``
    the weighted ``alpha``-quantile of y_true (scikit-learn's ``_weighted_percentile``, averaging at an exact
    boundary); a constant y_true scores 1.0 if predicted exactly, else 0.0, as scikit-learn. Fewer than two
    samples: NaN and an :class:`UndefinedMetricWarning`.

    Example:
        >>> d2_pinball_score([1, 2, 3], [1, 3, 3]), round(d2_pinball_score([1, 2, 3], [1, 3, 3], alpha=0.1), 4)  # scikit-learn's: 0.5, -1.999...
        (0.5, -2.0)
    """
    return D2PinballScore.bound("d2_pinball_score", locals())._value(y_true, y_pred, sample_weight)


def d2_absolute_error_score(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """D² of the absolute error: :func:`d2_pinball_score` with ``alpha=0.5`` (against the weighted median).

    Example:
        >>> round(d2_absolute_error_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)  # scikit-learn's: 0.764...
        0.7647
    """
    return D2AbsoluteErrorScore.bound("d2_absolute_error_score", locals())._value(y_true, y_pred, sample_weight)
