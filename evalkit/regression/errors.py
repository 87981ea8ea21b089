"""Errors and losses with scikit-learn's names, arguments and results: mean squared, root mean squared,
absolute and absolute percentage errors, the largest error, the Huber loss, and the median absolute error.

Each metric but the median is a function of weighted **moments** per output, summed over samples (the
layout and formulas: :mod:`evalkit.regression._common`): ``sse = sum(w e²)``, ``sae = sum(w |e|)``,
``ape = sum(w |e| / max(|y_true|, eps))``, ``huber = sum(w huber(|e|))``, and ``max = max |e|`` (merged by
``max``), with ``e = y_true - y_pred``, then the total weight. The classes (:class:`MeanSquaredError`, ...)
keep only these sums (memory independent of the number of samples); each function is its class's formula
on the total of its input (``mean_squared_error(...)`` is ``MeanSquaredError``'s score of one batch).

The median is no function of sums but one of the table of distinct ``(output, |e|)`` values with their
summed weights: :class:`MedianAbsoluteError` keeps that table
(:class:`~evalkit.regression._quantile.QuantileTable`, as D² of the pinball loss keeps y_true's), exact and
mergeable; its memory grows with the number of distinct errors.

Reference: scikit-learn 1.9 ``sklearn.metrics`` (``huber_loss``: ``torch.nn.functional.huber_loss``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.registry import register
from evalkit.regression._base import RegressionMetric
from evalkit.regression._common import (
    HUBER,
    MAX,
    MEAN_ABSOLUTE,
    MEAN_ABSOLUTE_PERCENTAGE,
    MEAN_SQUARED,
    ROOT_MEAN_SQUARED,
    ErrorOptions,
    HuberOptions,
)
from evalkit.regression._quantile import QuantileTable, weighted_percentile

__all__ = [
    "HuberLoss",
    "MaxError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MedianAbsoluteError",
    "RootMeanSquaredError",
    "huber_loss",
    "max_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "median_absolute_error",
    "root_mean_squared_error",
]


# -- classes -------------------------------------------------------------------------------------------
class _MeanError(RegressionMetric):
    """A weighted mean of a per-sample error, per output, averaged as ``multioutput`` says."""

    options_type = ErrorOptions

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class MeanSquaredError(_MeanError):
    """Mean squared error in a training loop (see :func:`mean_squared_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> MeanSquaredError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        0.375
    """

    name = "mse"
    formula = MEAN_SQUARED


@register
class RootMeanSquaredError(_MeanError):
    """Root mean squared error in a training loop (see :func:`root_mean_squared_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> round(RootMeanSquaredError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.6124
    """

    name = "rmse"
    formula = ROOT_MEAN_SQUARED


@register
class MeanAbsoluteError(_MeanError):
    """Mean absolute error in a training loop (see :func:`mean_absolute_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> MeanAbsoluteError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        0.5
    """

    name = "mae"
    formula = MEAN_ABSOLUTE


@register
class MeanAbsolutePercentageError(_MeanError):
    """Mean absolute percentage error (a fraction) in a training loop (see
    :func:`mean_absolute_percentage_error`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> round(MeanAbsolutePercentageError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.3274
    """

    name = "mape"
    formula = MEAN_ABSOLUTE_PERCENTAGE


@register
class MaxError(RegressionMetric):
    """Largest absolute error in a training loop (a running max; single output; see :func:`max_error`).

    Example:
        >>> MaxError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        1.0
    """

    name = "max_error"
    formula = MAX

    def __init__(self) -> None:
        super().__init__(locals())


@register
class HuberLoss(RegressionMetric):
    """Mean Huber loss in a training loop (see :func:`huber_loss`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.HuberOptions`:

    {options}

    Example:
        >>> HuberLoss(delta=0.5).update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score  # (0.125 + 0.125 + 0 + 0.375) / 4
        0.15625
    """

    name = "huber"
    formula = HUBER
    options_type = HuberOptions

    def __init__(self, *, delta: float = 1.0, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())


@register
class MedianAbsoluteError(QuantileTable):
    """Median absolute error in a training loop, exact and mergeable (see :func:`median_absolute_error`).

    The state is the table of distinct ``(output, |e|)`` values with their summed weights (and ``W``,
    ``n``); the score per output is the weighted median read off it (scikit-learn's
    ``_weighted_percentile(|e|, w, 50, average=True)``, ``np.median`` with unit weights).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ErrorOptions`:

    {options}

    Example:
        >>> MedianAbsoluteError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score  # |e|: 0.5, 0.5, 0, 1
        0.5
    """

    name = "median_absolute_error"
    higher_is_better = False
    options_type = ErrorOptions
    options: ErrorOptions
    least_value = 0.0
    values_doc = "absolute errors"

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__(locals())

    def _keyed(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.abs(p - t)

    def _per_output(self, outputs: list[tuple[np.ndarray, np.ndarray]], dense: np.ndarray, w: float) -> np.ndarray:
        return np.array([weighted_percentile(values, weights, 0.5) for values, weights in outputs])


# -- functions -----------------------------------------------------------------------------------------
def mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w e²) / sum(w)`` per output, averaged as ``multioutput`` says.

    Example:
        >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
        0.375
    """
    return MeanSquaredError.bound("mean_squared_error", locals())._value(y_true, y_pred, sample_weight)


def root_mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sqrt(sum(w e²) / sum(w))`` per output, then averaged.

    Example:
        >>> round(root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.6124
    """
    return RootMeanSquaredError.bound("root_mean_squared_error", locals())._value(y_true, y_pred, sample_weight)


def mean_absolute_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w |e|) / sum(w)`` per output, then averaged.

    Example:
        >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
        0.5
    """
    return MeanAbsoluteError.bound("mean_absolute_error", locals())._value(y_true, y_pred, sample_weight)


def mean_absolute_percentage_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w |e| / max(|y_true|, eps)) / sum(w)`` (a fraction, not a percentage), then averaged.

    Example:
        >>> round(mean_absolute_percentage_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.3274
    """
    owner = "mean_absolute_percentage_error"
    return MeanAbsolutePercentageError.bound(owner, locals())._value(y_true, y_pred, sample_weight)


def max_error(y_true: Any, y_pred: Any) -> float:
    """``max |e|`` (single output).

    Example:
        >>> max_error([3, 2, 7, 1], [4, 2, 7, 1])
        1.0
    """
    return MaxError.bound("max_error", locals())._value(y_true, y_pred, None)


def huber_loss(
    y_true: Any,
    y_pred: Any,
    *,
    delta: float = 1.0,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
) -> Any:
    """Mean Huber loss: ``0.5 e²`` where ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``.

    The definition of ``torch.nn.functional.huber_loss`` (mean reduction), with sample weights and
    ``multioutput`` as the other metrics here.

    Example:
        >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -3.0])
        1.375
    """
    return HuberLoss.bound("huber_loss", locals())._value(y_true, y_pred, sample_weight)


def median_absolute_error(
    y_true: Any, y_pred: Any, *, multioutput: Any = "uniform_average", sample_weight: Any = None
) -> Any:
    """Median of ``|e|`` per output (scikit-learn's weighted median with ``sample_weight``: the first
    ``|e|`` whose cumulative weight reaches half the total, or the mean of it and the next where it reaches
    it exactly), then averaged as ``multioutput`` says: :class:`MedianAbsoluteError`'s score of one batch.

    Example:
        >>> median_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])  # scikit-learn's example: |e| 0, 0.5, 0.5, 1
        0.5
    """
    return MedianAbsoluteError.bound("median_absolute_error", locals())._value(y_true, y_pred, sample_weight)
