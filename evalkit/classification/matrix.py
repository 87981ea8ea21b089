"""Accuracy and the scores of the confusion matrix (the matrix itself, balanced accuracy, Matthews
correlation, Cohen's kappa), with scikit-learn's names, arguments, results and edge-case policies.

Each function is its class on the total of its input: accuracy counts ``[sum(w * correct), sum(w)]``, the
others the confusion matrix over the labels seen (:mod:`evalkit.classification._targets`), and one formula
(:mod:`evalkit.classification._common`) scores a total, whether it comes from one call, a running state
or bootstrap resamples.

Reference: scikit-learn 1.9 ``sklearn.metrics``; cross-checked in ``tests/test_classification.py``.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from evalkit.classification._base import ClassLabelMetric, LabelMetric
from evalkit.classification._common import (
    AccuracyOptions,
    BalancedAccuracyOptions,
    ConfusionMatrixOptions,
    KappaOptions,
    balanced_accuracy,
    kappa,
    matrix_accuracy,
    mcc,
    normalized,
    weighted_mean,
)
from evalkit.classification._targets import accuracy_rows, accuracy_total
from evalkit.core.errors import InputError
from evalkit.core.inputs import as_array
from evalkit.core.registry import register

__all__ = [
    "Accuracy",
    "BalancedAccuracy",
    "CohenKappa",
    "ConfusionMatrix",
    "MatthewsCorrCoef",
    "accuracy_score",
    "balanced_accuracy_score",
    "cohen_kappa_score",
    "confusion_matrix",
    "matthews_corrcoef",
]


# -- accuracy ------------------------------------------------------------------------------------------------
@register
class Accuracy(LabelMetric):
    """Accuracy in a training loop: statistics ``[w * correct, w]`` per sample (int64 ``[correct, 1]``
    unweighted).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.AccuracyOptions`:

    {options}

    Example:
        >>> m = Accuracy()
        >>> m.update([0, 1, 2], [0, 1, 1]).update([2], [2]).compute().score
        0.75
    """

    name = "accuracy"
    options_type: ClassVar[type[AccuracyOptions]] = AccuracyOptions
    options: AccuracyOptions

    def __init__(self, *, normalize: bool = True) -> None:
        super().__init__(locals())

    def _rows(self, kind: str, t: Any, p: Any, w: Any) -> Any:
        return accuracy_rows(kind, t, p, w)

    def _total(self, kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, Any]:
        return accuracy_total(kind, t, p, w), None

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """``[correct, total]``: unweighted (integers), counts of samples, the right ones among them; weighted,
        any finite sums (sample weights may be negative)."""
        fault = ""
        if space is not None or len(total) != 2:
            fault = f"'total' must be [correct, total] with no 'space'; got {total.tolist()!r:.60} and {space!r:.40}"
        elif total.dtype.kind in "iu" and total.min() < 0:
            fault = f"'total' holds a negative count of samples ({total.min()})"
        elif total.dtype.kind in "iu" and total[0] > total[1]:
            fault = f"'total' counts more samples right ({total[0]}) than samples ({total[1]})"
        if fault:
            raise InputError(f"{self.name}: load_state_dict(): {fault}.")

    def _evaluate(self, total: np.ndarray, space: Any) -> tuple[float, dict[str, Any]]:
        if total[1] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; accuracy is undefined.")
        value = weighted_mean(total[None, :], self.options.normalize)[0]
        return float(value), {"correct": float(total[0]), "total": float(total[1])}

    def scores(self, totals: Any) -> np.ndarray:
        return weighted_mean(totals, self.options.normalize)


def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """Fraction (or, with ``normalize=False``, weighted number) of samples predicted exactly right.

    ``sum(w_i [y_true_i == y_pred_i]) / sum(w_i)``; for multilabel targets a sample is right only when
    its whole label set is (subset accuracy).

    Example:
        >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
        0.5
    """
    return Accuracy.bound("accuracy_score", locals()).evaluate(y_true, y_pred, sample_weight)[0]


# -- the confusion matrix ------------------------------------------------------------------------------------
@register
class ConfusionMatrix(ClassLabelMetric):
    """The confusion matrix in a training loop; ``score`` is the accuracy over ``labels``.

    Components: ``labels`` and ``matrix`` (rows true, columns predicted, ``normalize`` applied).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.ConfusionMatrixOptions`:

    {options}

    Example:
        >>> m = ConfusionMatrix().update(["a", "b"], ["a", "a"]).update(["c"], ["c"])
        >>> m.compute().components["matrix"].tolist()
        [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    """

    name = "confusion_matrix"
    options_type: ClassVar[type[ConfusionMatrixOptions]] = ConfusionMatrixOptions
    options: ConfusionMatrixOptions

    def __init__(self, *, labels: Any = None, normalize: str | None = None) -> None:
        super().__init__(locals())

    def formula(self, view: Any, check: bool) -> np.ndarray:
        return matrix_accuracy(view.matrix(self._owner, self.options.labels, check))

    def components(self, view: Any) -> dict[str, Any]:
        cm = view.matrix(self._owner, self.options.labels, True)[0]
        labels = self.options.labels
        if labels is None:  # the labels this total has seen
            seen = view.present[0]
            cm, labels = (cm, view.labels) if seen.all() else (cm[np.ix_(seen, seen)], view.labels[seen])
        matrix = np.array(normalized(cm, self.options.normalize) if self.options.normalize else cm)
        matrix.flags.writeable = False
        return {"labels": list(labels.tolist() if isinstance(labels, np.ndarray) else labels), "matrix": matrix}


def confusion_matrix(
    y_true: Any, y_pred: Any, *, labels: Any = None, sample_weight: Any = None, normalize: str | None = None
) -> np.ndarray:
    """``C[i, j]``: the (weighted) number of samples of true class ``labels[i]`` predicted as ``labels[j]``.

    ``labels`` defaults to every label seen, sorted; samples whose true or predicted label is not in
    ``labels`` are left out. ``normalize`` divides by the row sums (``"true"``), column sums (``"pred"``)
    or the total (``"all"``); 0/0 gives 0.

    Example:
        >>> confusion_matrix(["cat", "dog", "dog"], ["cat", "cat", "dog"]).tolist()
        [[1, 0], [1, 1]]
    """
    metric = ConfusionMatrix.bound("confusion_matrix", locals())
    return _as_returned(
        metric.components(metric.counts(y_true, y_pred, sample_weight))["matrix"], sample_weight, normalize
    )


def _as_returned(matrix: np.ndarray, sample_weight: Any, normalize: str | None) -> np.ndarray:
    """scikit-learn's return: a new array, integer weights counted in integers, and its warning about a
    1 x 1 matrix."""
    cm = np.array(matrix)
    integer_weights = (
        sample_weight is not None and as_array("confusion_matrix", "sample_weight", sample_weight).dtype.kind in "biu"
    )
    if normalize is None and integer_weights:
        cm = cm.astype(np.int64)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have the correct "
            "shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=3,
        )
    return cm


# -- scores of the confusion matrix --------------------------------------------------------------------------
@register
class BalancedAccuracy(ClassLabelMetric):
    """Balanced accuracy in a training loop (options as :func:`balanced_accuracy_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.BalancedAccuracyOptions`:

    {options}

    Example:
        >>> round(BalancedAccuracy().update([0, 0, 0, 1], [0, 0, 1, 1]).compute().score, 4)
        0.8333
    """

    name = "balanced_accuracy"
    options_type: ClassVar[type[BalancedAccuracyOptions]] = BalancedAccuracyOptions
    options: BalancedAccuracyOptions

    def __init__(self, *, adjusted: bool = False) -> None:
        super().__init__(locals())

    def formula(self, view: Any, check: bool) -> np.ndarray:
        return balanced_accuracy(view, self.options.adjusted, check)


def balanced_accuracy_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None, adjusted: bool = False) -> float:
    """Mean recall over the classes of ``y_true``; ``adjusted`` rescales chance level to 0.

    Example:
        >>> balanced_accuracy_score([0, 0, 0, 1], [0, 0, 1, 1])
        0.8333333333333333
    """
    return BalancedAccuracy.bound("balanced_accuracy_score", locals()).evaluate(y_true, y_pred, sample_weight)[0]


@register
class MatthewsCorrCoef(ClassLabelMetric):
    """Matthews correlation coefficient in a training loop (see :func:`matthews_corrcoef`).

    Example:
        >>> round(MatthewsCorrCoef().update([1, 1, 1, 0], [1, 0, 1, 1]).compute().score, 4)
        -0.3333
    """

    name = "mcc"

    def __init__(self) -> None:
        super().__init__()

    def formula(self, view: Any, check: bool) -> np.ndarray:
        return mcc(view)


def matthews_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Matthews correlation coefficient (Gorodkin's K-class form) from the confusion matrix ``C``.

    ``(c s - t·p) / sqrt((s² - p·p)(s² - t·t))`` with ``c = trace C``, ``s`` the total, ``t`` and ``p``
    the row and column sums; 0.0 when a factor of the denominator is zero.

    Example:
        >>> round(matthews_corrcoef([1, 1, 1, 0], [1, 0, 1, 1]), 4)
        -0.3333
    """
    return MatthewsCorrCoef.bound("matthews_corrcoef", locals()).evaluate(y_true, y_pred, sample_weight)[0]


@register
class CohenKappa(ClassLabelMetric):
    """Cohen's kappa in a training loop (options as :func:`cohen_kappa_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.KappaOptions`:

    {options}

    Example:
        >>> CohenKappa().update(["a", "a", "b", "b"], ["a", "b", "b", "b"]).compute().score
        0.5
    """

    name = "cohen_kappa"
    options_type: ClassVar[type[KappaOptions]] = KappaOptions
    options: KappaOptions

    def __init__(self, *, labels: Any = None, weights: str | None = None, replace_undefined_by: Any = np.nan) -> None:
        super().__init__(locals())

    def formula(self, view: Any, check: bool) -> np.ndarray:
        return kappa(view, self.options, self._owner, check)


def cohen_kappa_score(
    y1: Any,
    y2: Any,
    *,
    labels: Any = None,
    weights: str | None = None,
    sample_weight: Any = None,
    replace_undefined_by: Any = np.nan,
) -> float:
    """Cohen's kappa, agreement of two annotators beyond chance: ``1 - sum(W * C) / sum(W * E)``.

    ``C`` is the confusion matrix, ``E`` the one expected by chance (outer product of its marginals over
    the total), ``W`` 0 on the diagonal and 1 elsewhere (``weights=None``), ``|i - j|`` (``"linear"``) or
    ``(i - j)²`` (``"quadratic"``). Undefined cases give ``replace_undefined_by`` (a number in [-1, 1], or
    nan) and a warning.

    Example:
        >>> round(cohen_kappa_score(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
        0.5
    """
    return CohenKappa.bound("cohen_kappa_score", locals()).evaluate(y1, y2, sample_weight)[0]
