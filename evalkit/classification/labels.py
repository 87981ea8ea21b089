"""Precision, recall, F-beta, the per-label confusion matrices they read, and the classification report,
with scikit-learn's names, arguments, results and edge-case policies.

Every number is one formula (:func:`evalkit.classification._common.prf`) applied to a total of confusion
counts (:mod:`evalkit.classification._targets`): a K x K matrix for class labels, per-label (tp, predicted,
true) counts for multilabel indicators, and per-sample sums for ``average="samples"``. The classes
(:class:`F1`, :class:`Precision`, ...) add the total of each ``update`` batch, so their memory does not grow
with the number of samples, and score the sum; each function is its class on the total of its input, so a
class over any split of the data gives the function's number.

Reference: scikit-learn 1.9 ``sklearn.metrics``; the cross-checks in ``tests/test_classification.py``
compare every function, average and ``zero_division`` with it, warnings included.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.classification._base import CountsMetric
from evalkit.classification._common import (
    ALL_WARN,
    PRF,
    FBetaOptions,
    MultilabelMatrixOptions,
    MultilabelTotals,
    PRFOptions,
    ReportOptions,
    label_columns,
    prf,
    selected_counts,
)
from evalkit.classification._targets import check_targets
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.registry import register

__all__ = [
    "F1",
    "FBeta",
    "Precision",
    "Recall",
    "UndefinedMetricWarning",
    "classification_report",
    "f1_score",
    "fbeta_score",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]


# -- the classes ---------------------------------------------------------------------------------------------
class _PRF(CountsMetric):
    """Precision, recall and F-beta of confusion counts; ``score`` is the one the class is named after.

    The classes default to ``average="macro"`` (defined for any number of classes, so a metric built by
    name works on any labels); the functions keep scikit-learn's default, ``"binary"``. The components hold
    what ``precision_recall_fscore_support`` returns (``precision``, ``recall``, ``f_score``, ``support``),
    the ``labels`` scored and a ``per_label`` breakdown; with ``average=None`` they hold one value per label
    and the score is their mean.
    """

    options_type: ClassVar[type[PRFOptions]] = PRFOptions
    options: PRFOptions
    #: the score the class is named after: precision (0), recall (1) or F (2)
    _which: ClassVar[int] = 2

    @property
    def _samples_beta(self) -> float | None:  # type: ignore[override]
        return self.options.samples_beta

    def _columns(self, n_labels: int) -> np.ndarray | None:
        o = self.options
        return None if o.labels is None or o.samples_beta is None else label_columns(self._owner, o.labels, n_labels)

    @property
    def _warns(self) -> tuple[str, ...]:
        """What the score warns about, as scikit-learn's single scores (``precision_score``: precision)."""
        return ALL_WARN[self._which : self._which + 1]

    def formula(self, view: Any, check: bool) -> np.ndarray:
        return prf(view, self.options, self._owner, self._warns, check).score(self._which)

    def evaluate(  # type: ignore[override]
        self, y_true: Any, y_pred: Any, sample_weight: Any, warn_for: Sequence[str] | None = None
    ) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one functional call, without the per-label breakdown of an average;
        ``warn_for``: what its warnings are about (default: the score's, as scikit-learn's single scores)."""
        return self._evaluate(*self._call_total(y_true, y_pred, sample_weight), warn_for, breakdown=False)

    def parts(self, counts: Any, average: str | None) -> PRF:
        """Precision, recall and F of ``counts`` (one total, read) under ``average``, warning as
        scikit-learn's ``precision_recall_fscore_support`` (the classification report's rows)."""
        return prf(counts, dataclasses.replace(self.options, average=average), self._owner, ALL_WARN, check=True)

    def _evaluate(  # type: ignore[override]
        self, total: np.ndarray, space: Any, warn_for: Sequence[str] | None = None, breakdown: bool = True
    ) -> tuple[float, dict[str, Any]]:
        o = self.options
        view = self._view(total[None, :], space, one=True)
        parts = prf(view, o, self._owner, self._warns if warn_for is None else warn_for, check=True)
        score = float(parts.score(self._which)[0])
        if o.average is None:
            components = _per_label(parts)
        else:
            components = {name: float(v[0]) for name, v in zip(("precision", "recall", "f_score"), parts.values)}
            components["support"] = None
        if breakdown:  # silent: warned about above
            per = parts if o.average is None else prf(view, dataclasses.replace(o, average=None), self._owner)
            components |= {"labels": per.labels[per.keep[0]].tolist(), "per_label": _per_label(per)}
        return score, components


def _per_label(per: PRF) -> dict[str, np.ndarray]:
    """The per-label arrays (``average=None``) of one total, over the labels it scores."""
    keep = per.keep[0]
    values = (*per.values, per.support)
    return {name: v[0][keep] for name, v in zip(("precision", "recall", "f_score", "support"), values)}  # type: ignore[index]


@register
class Precision(_PRF):
    """Precision in a training loop (options as :func:`precision_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.PRFOptions`:

    {options}

    Example:
        >>> Precision(average="macro").update([0, 1, 2], [0, 2, 1]).compute().score
        0.3333333333333333
    """

    name = "precision"
    _which = 0

    def __init__(
        self, *, labels: Any = None, pos_label: Any = 1, average: str | None = "macro", zero_division: Any = "warn"
    ):
        super().__init__(locals())


@register
class Recall(_PRF):
    """Recall in a training loop (options as :func:`recall_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.PRFOptions`:

    {options}

    Example:
        >>> Recall(average="micro").update([0, 1, 2], [0, 2, 2]).compute().score
        0.6666666666666666
    """

    name = "recall"
    _which = 1

    def __init__(
        self, *, labels: Any = None, pos_label: Any = 1, average: str | None = "macro", zero_division: Any = "warn"
    ):
        super().__init__(locals())


@register
class F1(_PRF):
    """F1 in a training loop (options as :func:`f1_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.PRFOptions`:

    {options}

    Example:
        >>> m = F1(average="macro")
        >>> for t, p in [([0, 1], [0, 2]), ([2, 2], [2, 1])]:
        ...     _ = m.update(t, p)
        >>> round(m.compute().score, 4)
        0.5
    """

    name = "f1"

    def __init__(
        self, *, labels: Any = None, pos_label: Any = 1, average: str | None = "macro", zero_division: Any = "warn"
    ):
        super().__init__(locals())


@register
class FBeta(_PRF):
    """F-beta in a training loop (options as :func:`fbeta_score`).

    Options (keyword-only), declared in :class:`~evalkit.classification._common.FBetaOptions`:

    {options}

    Example:
        >>> FBeta(beta=2.0).update([0, 1, 1, 0], [1, 1, 0, 0]).compute().score
        0.5
    """

    name = "fbeta"
    options_type: ClassVar[type[FBetaOptions]] = FBetaOptions
    options: FBetaOptions

    def __init__(
        self,
        *,
        beta: float = 1.0,
        labels: Any = None,
        pos_label: Any = 1,
        average: str | None = "macro",
        zero_division: Any = "warn",
    ) -> None:
        super().__init__(locals())


# -- the functions -------------------------------------------------------------------------------------------
def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    warn_for: Sequence[str] = ALL_WARN,
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> tuple[Any, Any, Any, Any]:
    """Precision, recall, F-beta and support, per label or averaged (scikit-learn's function).

    For each label, with weighted counts ``tp``, ``fp``, ``fn``:
    ``P = tp / (tp + fp)``, ``R = tp / (tp + fn)``,
    ``F_beta = (1 + beta²) tp / ((1 + beta²) tp + beta² fn + fp)``, support ``= tp + fn``.
    ``average``: ``None`` (per label), ``"binary"`` (the ``pos_label`` class), ``"micro"`` (from the summed
    counts), ``"macro"`` (plain mean over labels), ``"weighted"`` (mean weighted by support),
    ``"samples"`` (multilabel: mean over samples of each sample's score). A zero denominator gives
    ``zero_division`` (``"warn"``: 0.0 and an :class:`UndefinedMetricWarning` about the scores in
    ``warn_for``; ``nan`` leaves the value out of averages).

    Example:
        >>> p, r, f, s = precision_recall_fscore_support([0, 1, 2, 2], [0, 2, 2, 1])
        >>> f.round(3).tolist(), s.tolist()
        ([1.0, 0.0, 0.5], [1, 1, 2])
    """
    parts = FBeta.bound("precision_recall_fscore_support", locals()).evaluate(y_true, y_pred, sample_weight, warn_for)[
        1
    ]
    return tuple(parts[name] for name in ("precision", "recall", "f_score", "support"))  # type: ignore[return-value]


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Precision ``tp / (tp + fp)``: the fraction of predicted positives that are right.

    See :func:`precision_recall_fscore_support` for ``average`` and ``zero_division``.

    Example:
        >>> precision_score([0, 1, 1, 0], [1, 1, 1, 0])
        0.6666666666666666
    """
    return Precision.bound("precision_score", locals()).evaluate(y_true, y_pred, sample_weight)[1]["precision"]


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Recall ``tp / (tp + fn)``: the fraction of actual positives that are found.

    See :func:`precision_recall_fscore_support` for ``average`` and ``zero_division``.

    Example:
        >>> recall_score([0, 1, 1, 0], [1, 1, 0, 0])
        0.5
    """
    return Recall.bound("recall_score", locals()).evaluate(y_true, y_pred, sample_weight)[1]["recall"]


def fbeta_score(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F-beta ``(1 + beta²) tp / ((1 + beta²) tp + beta² fn + fp)``; beta > 1 favours recall.

    See :func:`precision_recall_fscore_support` for ``average`` and ``zero_division``.

    Example:
        >>> round(fbeta_score([0, 1, 1, 0], [1, 1, 0, 0], beta=2), 4)
        0.5
    """
    return FBeta.bound("fbeta_score", locals()).evaluate(y_true, y_pred, sample_weight)[1]["f_score"]


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F1 ``2 tp / (2 tp + fn + fp)``, the harmonic mean of precision and recall.

    See :func:`precision_recall_fscore_support` for ``average`` and ``zero_division``.

    Example:
        >>> f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average="macro")
        0.26666666666666666
    """
    return F1.bound("f1_score", locals()).evaluate(y_true, y_pred, sample_weight)[1]["f_score"]


def multilabel_confusion_matrix(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, labels: Any = None, samplewise: bool = False
) -> np.ndarray:
    """One 2x2 matrix ``[[tn, fp], [fn, tp]]`` per label (one-vs-rest for class labels), or per sample.

    Example:
        >>> multilabel_confusion_matrix([[1, 0], [1, 1]], [[1, 1], [0, 1]]).tolist()
        [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]
    """
    owner = "multilabel_confusion_matrix"
    o = MultilabelMatrixOptions.parse(owner, locals())
    if o.samplewise:
        tp, pred, true, total = _per_sample(owner, y_true, y_pred, sample_weight, o.labels)
    else:  # the per-label counts that P/R/F read, of the same total
        counts = F1.bound(owner, {"labels": o.labels}).counts(y_true, y_pred, sample_weight)
        tp, pred, true = (x[0] for x in selected_counts(counts, o.labels, owner)[:3])
        total = counts.weight[0]
    fp, fn = pred - tp, true - tp
    tn = total - tp - fp - fn
    return np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)


def _per_sample(owner: str, y_true: Any, y_pred: Any, sample_weight: Any, labels: tuple | None) -> tuple:
    """``(tp, predicted, true, total)`` of each sample of multilabel indicators (weighted), over ``labels``."""
    kind, t, p, w = check_targets(owner, y_true, y_pred, sample_weight)
    check_some_weight(owner, w)
    if kind == "labels":
        raise InputError(f"{owner}: samplewise=True needs multilabel indicator targets; these are class labels.")
    if labels is not None:
        cols = label_columns(owner, labels, t.shape[1])
        t, p = t[:, cols], p[:, cols]
    tp, pred, true = (x.sum(axis=1) if w is None else x.sum(axis=1) * w for x in (t & p, p, t))
    return tp, pred, true, t.shape[1] if w is None else w * t.shape[1]


# -- the report ------------------------------------------------------------------------------------------------
def classification_report(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    target_names: Sequence[str] | None = None,
    sample_weight: Any = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: Any = "warn",
) -> str | dict[str, Any]:
    """Precision, recall, F1 and support per label, plus accuracy and the averages (scikit-learn's text
    layout, or a dict with ``output_dict=True``), from one pass over the data.

    Example:
        >>> print(classification_report(["a", "b", "b"], ["a", "b", "a"]))
                      precision    recall  f1-score   support
        <BLANKLINE>
                   a       0.50      1.00      0.67         1
                   b       1.00      0.50      0.67         2
        <BLANKLINE>
            accuracy                           0.67         3
           macro avg       0.75      0.75      0.67         3
        weighted avg       0.83      0.67      0.67         3
        <BLANKLINE>
    """
    owner = "classification_report"
    o = ReportOptions.parse(owner, locals())
    # F1's options (labels, zero_division) and counts, with the per-sample sums of average="samples"
    f1 = F1.bound(owner, {**locals(), "average": "samples"})
    counts = f1.counts(y_true, y_pred, sample_weight)
    per = f1.parts(counts, None)
    multilabel = isinstance(counts, MultilabelTotals)
    scored = per.labels[per.keep[0]]
    seen = None if multilabel else counts.labels[counts.present[0]]
    micro_is_accuracy = not multilabel and (labels is None or set(scored.tolist()) >= set(seen.tolist()))
    names = _names(owner, scored, labels is not None, o.target_names)
    support = per.support[0][per.keep[0]]  # type: ignore[index]
    if multilabel and sample_weight is None:  # counts of samples, in a total made float by the per-sample sums
        support = support.astype(np.int64)
    rows = {"": [names, *(v[0][per.keep[0]] for v in per.values), support]}
    averages = ("micro", "macro", "weighted", "samples") if multilabel else ("micro", "macro", "weighted")
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        rows[heading] = [*(float(v[0]) for v in f1.parts(counts, average).values), np.sum(support)]
    return _report(rows, o.digits) if not o.output_dict else _report_dict(rows)


def _names(owner: str, labels: np.ndarray, labels_given: bool, target_names: tuple | None) -> list[str]:
    """The report's row names: the labels' texts, or ``target_names`` (scikit-learn's check of their number)."""
    if target_names is not None and len(labels) != len(target_names):
        if not labels_given:
            raise InputError(
                f"{owner}: number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter."
            )
        warnings.warn(
            f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
            UserWarning,
            stacklevel=3,
        )
    return [f"{label}" for label in labels] if target_names is None else list(target_names)


_HEADERS = ["precision", "recall", "f1-score", "support"]


def _report(rows: dict[str, list], digits: int) -> str:
    """scikit-learn's text layout of the report's rows (``rows[""]``: the per-label columns)."""
    names = rows[""][0]
    width = max(*(len(n) for n in names), len("weighted avg"), digits)
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    report = ("{:>{width}s} " + " {:>9}" * len(_HEADERS)).format("", *_HEADERS, width=width) + "\n\n"
    for row in zip(*rows[""]):
        report += row_fmt.format(*row, width=width, digits=digits)
    report += "\n"
    for heading, avg in list(rows.items())[1:]:
        if heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += fmt.format(heading, "", "", *avg[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *avg, width=width, digits=digits)
    return report


def _report_dict(rows: dict[str, list]) -> dict[str, Any]:
    """The report's rows as scikit-learn's ``output_dict=True`` gives them."""
    out = {row[0]: dict(zip(_HEADERS, [float(v) for v in row[1:]])) for row in zip(*rows[""])}
    for heading, avg in list(rows.items())[1:]:
        out[heading] = dict(zip(_HEADERS, [float(v) for v in avg]))
    if "accuracy" in out:
        out["accuracy"] = out["accuracy"]["precision"]
    return out
