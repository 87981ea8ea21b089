"""R² and explained variance with scikit-learn's names, arguments and results.

Both are fractions of ``y_true``'s variance, from weighted moments per output about a shift (the
layout and formulas: :mod:`evalkit.regression._common`): ``sse = sum(w e²)`` and ``s1 = sum(w (x - c))``,
``s2 = sum(w (x - c)²)`` of ``y_true`` (and, for explained variance, of the error ``e``), with ``c`` the
first batch's weighted mean. A later batch's moments are moved onto that shift exactly
(``S2' = S2 + 2 d S1 + W d²``), so the squared deviations ``s2 - s1² / W`` keep the digits of
scikit-learn's two passes where the textbook ``sum(w y²) - (sum(w y))² / w`` loses every digit (a mean
large against the spread). Each function is its class's formula on the total of its input.

Reference: scikit-learn 1.9 ``sklearn.metrics.r2_score`` and ``explained_variance_score``.
"""

from __future__ import annotations

from typing import Any

from evalkit.core.registry import register
from evalkit.regression._base import RegressionMetric
from evalkit.regression._common import EXPLAINED_VARIANCE, R2, ExplainedOptions

__all__ = ["ExplainedVariance", "R2Score", "explained_variance_score", "r2_score"]


class _ExplainedFraction(RegressionMetric):
    """``1 - (unexplained) / (variance of y_true)`` per output; ``force_finite`` as scikit-learn."""

    higher_is_better = True
    options_type = ExplainedOptions

    def __init__(self, *, multioutput: Any = "uniform_average", force_finite: bool = True) -> None:
        super().__init__(locals())


@register
class R2Score(_ExplainedFraction):
    """R² in a training loop, from merged means and squared deviations (see :func:`r2_score`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ExplainedOptions`:

    {options}

    Example:
        >>> round(R2Score().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.9486
    """

    name = "r2"
    formula = R2


@register
class ExplainedVariance(_ExplainedFraction):
    """Explained variance in a training loop (see :func:`explained_variance_score`).

    Options (keyword-only), declared in :class:`~evalkit.regression._common.ExplainedOptions`:

    {options}

    Example:
        >>> round(ExplainedVariance().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.9572
    """

    name = "explained_variance"
    formula = EXPLAINED_VARIANCE


def r2_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
) -> Any:
    """Coefficient of determination ``1 - sum(w e²) / sum(w (y - mean_w(y))²)`` per output.

    With ``force_finite`` (default), a constant ``y_true`` scores 1.0 if predicted exactly, else 0.0
    (instead of NaN / -inf). ``multioutput="variance_weighted"`` weights outputs by their variance.
    Fewer than two samples: NaN and an :class:`UndefinedMetricWarning`.

    Example:
        >>> round(r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.9486
    """
    return R2Score.bound("r2_score", locals())._value(y_true, y_pred, sample_weight)


def explained_variance_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
) -> Any:
    """``1 - Var_w(y_true - y_pred) / Var_w(y_true)`` per output (``force_finite`` as :func:`r2_score`).

    Example:
        >>> round(explained_variance_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.9572
    """
    return ExplainedVariance.bound("explained_variance_score", locals())._value(y_true, y_pred, sample_weight)
