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

from typing import Any

import numpy as np

from evalkit.core.errors import InputError
from evalkit.core.registry import register
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
    fraction_explained,
    pinball,
)
from evalkit.regression._quantile import QuantileTable, weighted_percentile

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


class _D2Pinball(QuantileTable):
    """D² of the pinball loss: ``1 - sum w rho(y - y_pred) / sum w rho(y - q)``, ``q`` the weighted
    ``alpha``-quantile of *all* of y_true, per output. The quantile is no function of sums: the state keeps
    the numerator's sums (``sum w rho_alpha(e)`` per output, ``W``, ``n``) and the table of distinct
    ``(output, y_true)`` values with their summed weights (:class:`~evalkit.regression._quantile.QuantileTable`),
    from which the quantile and the denominator are exact at any time."""

    higher_is_better = True
    options_type = PinballOptions
    options: PinballOptions
    min_samples = 2
    undefined = D2_UNDEFINED
    dense_doc = "the loss of each of {k} outputs, "

    def _head(self, k: int) -> int:
        return k + 2

    def _keyed(self, t: np.ndarray, p: np.ndarray) -> np.ndarray:
        return t

    def _dense(self, t: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.concatenate([weights[:, None] * pinball(t - p, self.options.alpha), weights[:, None],
                               np.ones((len(t), 1))], axis=1)  # fmt: skip

    def _dense_total(self, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
        return self._dense(t, p, np.ones(len(t)) if w is None else w).sum(axis=0)

    def _per_output(self, outputs: list[tuple[np.ndarray, np.ndarray]], dense: np.ndarray, w: float) -> np.ndarray:
        alpha = self.options.alpha
        den = np.empty(len(outputs))
        for j, (values, weights) in enumerate(outputs):
            q = weighted_percentile(values, weights, alpha)
            den[j] = weights @ pinball(values - q, alpha) / w
        return fraction_explained(dense / w, den, True)


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
