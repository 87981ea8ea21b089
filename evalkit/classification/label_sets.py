"""The other scores of confusion counts: Hamming loss, zero-one loss, the Jaccard index, specificity and
negative predictive value, with scikit-learn's names, arguments and rules.

Each reads the counts the label metrics already keep (:mod:`evalkit.classification._targets`): the K x K
confusion matrix of class labels, or per-label ``tp``, predicted and true counts of multilabel indicators
(plus, for Jaccard's ``average="samples"``, per-sample sums). With ``W`` the total weight and per label
``fp = predicted - tp``, ``fn = true - tp``, ``tn = W - predicted - true + tp``:

- Hamming loss: the share of wrong (sample, label) cells, ``sum(fp + fn) / (W * L)`` (class labels:
  ``1 - accuracy``); zero-one loss: ``1 - accuracy`` (multilabel: of whole label sets);
- Jaccard: ``tp / (tp + fp + fn)``; specificity: ``tn / (tn + fp)``; NPV: ``tn / (tn + fn)``, averaged as
  precision is (``binary``, ``micro``, ``macro``, ``weighted``, ``None``; Jaccard also ``samples``).

References: scikit-learn 1.9 ``hamming_loss``, ``zero_one_loss``, ``jaccard_score``; torchmetrics 1.9
``Specificity`` and ``NegativePredictiveValue`` (scikit-learn has neither); cross-checked in
``tests/test_multilabel.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from evalkit.classification._base import CountsMetric
from evalkit.classification._common import (
    AVERAGES,
    MultilabelTotals,
    _divide,
    _prf_labels,
    _shown,
    _zero_division,
    label_average,
    label_columns,
    labels_option,
    matrix_accuracy,
    selected_counts,
    warn_prf,
    zero_division_value,
)
from evalkit.classification.matrix import Accuracy
from evalkit.core.errors import InputError
from evalkit.core.options import Options, choice, option
from evalkit.core.registry import register

__all__ = [
    "HammingLoss",
    "Jaccard",
    "NegativePredictiveValue",
    "Specificity",
    "ZeroOneLoss",
    "hamming_loss",
    "jaccard_score",
    "npv_score",
    "specificity_score",
    "zero_one_loss",
]


@dataclass(frozen=True)
class SetOptions(Options):
    """Jaccard's options (specificity's and NPV's leave out ``average="samples"``)."""

    labels: tuple | None = labels_option("the labels to score (multilabel: column indices); default every label seen")
    pos_label: Any = option(1, None, "the class that average='binary' scores (any label)", sig="pos_label", show=_shown)
    average: str | None = option(
        "macro",
        choice(*AVERAGES),
        "None (per label; the score is their mean), 'binary' (pos_label's), 'micro', 'macro', 'weighted' or 'samples' (multilabel)",
        sig="average",
        show=_shown,
    )
    zero_division: Any = option(
        "warn",
        _zero_division,
        "the value of a division by zero: 'warn' (0.0 and a warning), 0, 1 or nan",
        sig="zero_division",
    )


@dataclass(frozen=True)
class RateOptions(SetOptions):
    average: str | None = option(
        "macro",
        choice(*(a for a in AVERAGES if a != "samples")),
        "None (per label; the score is their mean), 'binary' (pos_label's), 'micro', 'macro' or 'weighted' (by support)",
        sig="average",
        show=_shown,
    )


# -- Hamming and zero-one loss ---------------------------------------------------------------------------------
@register
class HammingLoss(CountsMetric):
    """The Hamming loss in a training loop, from the confusion counts (class labels: ``1 - accuracy``;
    multilabel indicators: the share of wrong cells).

    Example:
        >>> HammingLoss().update([[0, 1], [1, 1]], [[0, 0], [0, 0]]).compute().score
        0.75
    """

    name = "hamming_loss"
    higher_is_better = False

    def __init__(self) -> None:
        super().__init__()

    def formula(self, view: Any, check: bool) -> np.ndarray:
        if isinstance(view, MultilabelTotals):
            wrong = (view.pred + view.true - 2 * view.tp).sum(axis=1)
            cells = view.weight * view.tp.shape[1]
            return wrong / np.where(cells == 0, np.nan, cells)
        return 1 - matrix_accuracy(view.cm)


def hamming_loss(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """The weighted share of wrong labels: ``sum_i w_i |y_i xor p_i| / (sum_i w_i * L)`` for multilabel
    indicators over ``L`` labels, ``1 - accuracy`` for class labels (scikit-learn 1.9's ``hamming_loss``).

    Example:
        >>> hamming_loss([2, 2, 3, 4], [1, 2, 3, 4])
        0.25
        >>> hamming_loss([[0, 1], [1, 1]], [[0, 0], [0, 0]])
        0.75
    """
    return HammingLoss.bound("hamming_loss", locals()).evaluate(y_true, y_pred, sample_weight)[0]


@register
class ZeroOneLoss(Accuracy):
    """The zero-one loss in a training loop: ``1 - accuracy`` from accuracy's counts ``[w * correct, w]``
    (multilabel: a sample is right only with its whole label set).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.AccuracyOptions`:

    {options}

    Example:
        >>> ZeroOneLoss().update([1, 2, 3, 4], [2, 2, 3, 4]).compute().score
        0.25
    """

    name = "zero_one_loss"
    higher_is_better = False

    def __init__(self, *, normalize: bool = True) -> None:
        super().__init__(normalize=normalize)

    def _evaluate(self, total: np.ndarray, space: Any) -> tuple[float, dict[str, Any]]:
        if total[1] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the loss is undefined.")
        return float(self.scores(total[None, :])[0]), {"wrong": float(total[1] - total[0]), "total": float(total[1])}

    def scores(self, totals: Any) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        wrong = totals[:, 1] - totals[:, 0]
        return wrong / np.where(totals[:, 1] == 0, np.nan, totals[:, 1]) if self.options.normalize else wrong


def zero_one_loss(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """The fraction (``normalize=False``: the weighted number) of samples predicted wrong: ``1 - accuracy``
    (multilabel: subset accuracy's), as scikit-learn 1.9's ``zero_one_loss``.

    Example:
        >>> zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4])
        0.25
        >>> zero_one_loss([[0, 1], [1, 1]], [[1, 1], [1, 1]], normalize=False)
        1.0
    """
    return ZeroOneLoss.bound("zero_one_loss", locals()).evaluate(y_true, y_pred, sample_weight)[0]


# -- the per-label ratios --------------------------------------------------------------------------------------
def _plain_average(values: np.ndarray, keep: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """``numpy.average`` over the kept labels (NaN stays NaN, as in scikit-learn's ``jaccard_score``), by
    ``weights`` unless they are all zero."""
    w = keep.astype(np.float64) if weights is None else keep * np.asarray(weights, dtype=np.float64)
    w = np.where((w.sum(axis=-1) == 0)[..., None], keep, w)
    total = w.sum(axis=-1)
    return np.where(total == 0, np.nan, (np.where(keep, values, 0.0) * w).sum(axis=-1) / np.where(total == 0, 1, total))


class _Ratio(CountsMetric):
    """A per-label ratio of confusion counts, averaged as precision is; ``average=None`` gives one value
    per label in the components (the score is their mean)."""

    options_type: ClassVar[type[SetOptions]] = RateOptions
    options: SetOptions
    #: the warning's wording: what the ratio is called, and what its undefined labels lack
    _called: ClassVar[tuple[str, str]]

    def ratio(self, view: Any, counts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        """``(numerator, denominator)`` per label of ``counts = (tp, predicted, true)``."""
        raise NotImplementedError

    def average(self, values: np.ndarray, keep: np.ndarray, true: np.ndarray) -> np.ndarray:
        return label_average(values, keep, true if self.options.average == "weighted" else None)

    def per_label(self, view: Any, check: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(values, keep, true, labels)``: each scored label's value (``(m, 1)`` for ``micro``)."""
        o = self.options
        labels = _prf_labels(view, o, self._owner, check)
        tp, pred, true, keep, scored = selected_counts(view, labels, self._owner)
        num, den = self.ratio(view, (tp, pred, true))
        if o.average == "micro":
            num, den = num.sum(axis=1, keepdims=True), den.sum(axis=1, keepdims=True)
            keep = np.ones((len(num), 1), dtype=bool)
        name, modifier = self._called
        values = _divide(num, den, keep, name, modifier, o, (name,) if check else ())
        return values, keep, true, scored

    def formula(self, view: Any, check: bool) -> np.ndarray:
        values, keep, true, _ = self.per_label(view, check)
        if self.options.average in (None, "micro"):
            return label_average(values, keep, None)
        return self.average(values, keep, true)

    def components(self, view: Any) -> dict[str, Any]:
        if self.options.average is not None:
            return {}
        with warnings.catch_warnings():  # warned about by the score
            warnings.simplefilter("ignore")
            values, keep, _, labels = self.per_label(view, False)
        return {"labels": np.asarray(labels)[keep[0]].tolist(), "per_label": values[0][keep[0]].tolist()}


@register
class Jaccard(_Ratio):
    """The Jaccard index in a training loop: ``tp / (tp + fp + fn)`` per label from the confusion counts
    (``average="samples"``: per-sample sums of multilabel indicators).

    The class defaults to ``average="macro"``; :func:`jaccard_score` keeps scikit-learn's ``"binary"``.

    Options (keyword-only), declared in :class:`~evalkit.classification.label_sets.SetOptions`:

    {options}

    Example:
        >>> round(Jaccard().update([0, 1, 2], [0, 2, 1]).update([2], [2]).compute().score, 4)
        0.4444
    """

    name = "jaccard"
    options_type: ClassVar[type[SetOptions]] = SetOptions
    _called = ("jaccard", "true or predicted")

    def __init__(
        self, *, labels: Any = None, pos_label: Any = 1, average: str | None = "macro", zero_division: Any = "warn"
    ) -> None:
        super().__init__(locals())

    @property
    def _samples_beta(self) -> Any:  # type: ignore[override]
        return "jaccard" if self.options.average == "samples" else None

    def _columns(self, n_labels: int) -> np.ndarray | None:
        o = self.options
        return None if o.labels is None or o.average != "samples" else label_columns(self._owner, o.labels, n_labels)

    def ratio(self, view: Any, counts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        tp, pred, true = counts
        return tp, pred + true - tp

    def average(self, values: np.ndarray, keep: np.ndarray, true: np.ndarray) -> np.ndarray:
        return _plain_average(values, keep, true if self.options.average == "weighted" else None)

    def formula(self, view: Any, check: bool) -> np.ndarray:
        o = self.options
        if o.average != "samples":
            return super().formula(view, check)
        _prf_labels(view, o, self._owner, check)  # scikit-learn's checks of average and pos_label
        # the per-sample sums of SAMPLE_SUMS, Jaccard's in F-beta's place
        wsum, wdef, wundef, vsum, ndef, nundef = (view.samples[:, 2, c] for c in range(6))
        if check and nundef[0] and isinstance(o.zero_division, str):
            warn_prf("samples", "true or predicted", "Jaccard is", int(view.n[0]))
        zd = zero_division_value(o.zero_division)
        with np.errstate(divide="ignore", invalid="ignore"):
            if zd != zd:  # nan: numpy's average of a NaN is NaN
                return np.where(nundef > 0, np.nan, np.where(wdef == 0, vsum / ndef, wsum / wdef))
            return np.where(
                wdef + wundef == 0, (vsum + zd * nundef) / (ndef + nundef), (wsum + zd * wundef) / (wdef + wundef)
            )


def jaccard_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """The Jaccard index ``|y ∩ p| / |y ∪ p|`` = ``tp / (tp + fp + fn)``, per label and averaged as
    scikit-learn 1.9's ``jaccard_score`` (``average=None``: an array of the per-label values).

    Example:
        >>> jaccard_score([[0, 1, 1], [1, 1, 0]], [[1, 1, 1], [1, 0, 0]], average="samples")
        0.5833333333333333
        >>> jaccard_score([0, 1, 2, 2], [0, 2, 1, 2], average=None).round(2).tolist()
        [1.0, 0.0, 0.33]
    """
    metric = Jaccard.bound("jaccard_score", locals())
    if average is None:
        view = metric.counts(y_true, y_pred, sample_weight)
        metric.formula(view, True)  # scikit-learn's checks and warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values, keep, _, _ = metric.per_label(view, False)
        return values[0][keep[0]]
    return metric.evaluate(y_true, y_pred, sample_weight)[0]


class _TrueNegativeRatio(_Ratio):
    def __init__(
        self, *, labels: Any = None, pos_label: Any = 1, average: str | None = "macro", zero_division: Any = "warn"
    ) -> None:
        super().__init__(locals())


@register
class Specificity(_TrueNegativeRatio):
    """Specificity (true negative rate) in a training loop: ``tn / (tn + fp)`` per label from the confusion
    counts, averaged as precision is.

    Options (keyword-only), declared in :class:`~evalkit.classification.label_sets.RateOptions`:

    {options}

    Example:
        >>> Specificity(average="binary").update([0, 0, 1, 1], [0, 1, 1, 1]).compute().score
        0.5
    """

    name = "specificity"
    _called = ("specificity", "negative")

    def ratio(self, view: Any, counts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        tp, pred, true = counts
        weight = view.weight[:, None]
        return weight - pred - true + tp, weight - true


@register
class NegativePredictiveValue(_TrueNegativeRatio):
    """Negative predictive value in a training loop: ``tn / (tn + fn)`` per label from the confusion counts,
    averaged as precision is.

    Options (keyword-only), declared in :class:`~evalkit.classification.label_sets.RateOptions`:

    {options}

    Example:
        >>> NegativePredictiveValue(average="binary").update([0, 0, 1, 1], [0, 0, 0, 1]).compute().score
        0.6666666666666666
    """

    name = "npv"
    _called = ("npv", "predicted negative")

    def ratio(self, view: Any, counts: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        tp, pred, true = counts
        weight = view.weight[:, None]
        return weight - pred - true + tp, weight - pred


def specificity_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> float:
    """Specificity, the true negative rate ``tn / (tn + fp)`` of each label (one-vs-rest), averaged as
    ``precision_score`` averages (``"weighted"``: by each label's support). torchmetrics 1.9's
    ``Specificity``; scikit-learn has no such function (it is the recall of the negative class).

    Example:
        >>> specificity_score([0, 0, 1, 1], [0, 1, 1, 1])
        0.5
    """
    return Specificity.bound("specificity_score", locals()).evaluate(y_true, y_pred, sample_weight)[0]


def npv_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> float:
    """Negative predictive value ``tn / (tn + fn)`` of each label (one-vs-rest), averaged as
    ``precision_score`` averages. torchmetrics 1.9's ``NegativePredictiveValue``; scikit-learn has no such
    function (it is the precision of the negative class).

    Example:
        >>> round(npv_score([0, 0, 1, 1], [0, 0, 0, 1]), 4)
        0.6667
    """
    return NegativePredictiveValue.bound("npv_score", locals()).evaluate(y_true, y_pred, sample_weight)[0]
