"""Classification metrics with scikit-learn's names, arguments, results and edge-case policies.

Everything is computed from confusion counts (:mod:`evalkit.classification._targets` makes them,
:mod:`evalkit.classification._confusion` scores them): a K x K matrix for class labels, per-label (tp, predicted,
true) counts for multilabel indicators, and per-sample sums for ``average="samples"``. The sklearn-named functions build the counts of their input once and score them;
the classes (:class:`F1`, :class:`Accuracy`, ...) add the counts of each ``update`` batch, so their
memory does not grow with the number of samples, and score the sum on ``compute``. Both go through the
same private functions, so a class over any split of the data gives the function's number.

Reference: scikit-learn 1.9 ``sklearn.metrics``; the cross-checks in ``tests/test_classification*.py``
compare every function, average and ``zero_division`` with it, warnings included.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._confusion import (
    ALL_WARN,
    AVERAGES,
    AnyCounts,
    accuracy_sums,
    balanced_accuracy,
    check_prf_options,
    check_zero_division,
    correct,
    count,
    kappa,
    label_columns,
    label_counts,
    mcc,
    normalized,
    prf_scores,
    prfs,
    select_matrix,
)
from evalkit.classification._targets import (
    MultilabelCounts,
    align_label_total,
    check_targets,
    check_tensor_targets,
    confusion_counts,
    counts_of_total,
    join_labels,
    label_rows,
    multilabel_counts,
    multilabel_counts_of_total,
    multilabel_rows,
    realign_label_rows,
)
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import as_array, check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import check_bool, check_choice, check_int, check_labels, check_number

__all__ = [
    "F1",
    "Accuracy",
    "BalancedAccuracy",
    "CohenKappa",
    "ConfusionMatrix",
    "FBeta",
    "MatthewsCorrCoef",
    "Precision",
    "Recall",
    "UndefinedMetricWarning",
    "accuracy_score",
    "balanced_accuracy_score",
    "classification_report",
    "cohen_kappa_score",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "matthews_corrcoef",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]


# -- precision, recall, F-beta -------------------------------------------------------------------------
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
    ``zero_division`` (``"warn"``: 0.0 and an :class:`UndefinedMetricWarning`; ``nan`` leaves the value
    out of averages).

    Example:
        >>> p, r, f, s = precision_recall_fscore_support([0, 1, 2, 2], [0, 2, 2, 1])
        >>> f.round(3).tolist(), s.tolist()
        ([1.0, 0.0, 0.5], [1, 1, 2])
    """
    return _prfs("precision_recall_fscore_support", y_true, y_pred, beta, labels, pos_label, average, warn_for,
                 sample_weight, zero_division)  # fmt: skip


def _prfs(owner, y_true, y_pred, beta, labels, pos_label, average, warn_for, sample_weight, zero_division):
    """Check the options, count the input once, and score the counts (every function of this family)."""
    check_prf_options(owner, beta, average, zero_division)
    labels = check_labels(owner, "labels", labels)
    c = count(owner, y_true, y_pred, sample_weight, samples_beta=beta if average == "samples" else None, labels=labels)
    options = {"beta": beta, "labels": labels, "pos_label": pos_label, "average": average}
    return prfs(owner, c, warn_for=warn_for, zero_division=zero_division, **options)


def _warn_for(which: int) -> tuple[str, ...]:
    """What the score ``which`` (0 precision, 1 recall, 2 F) warns about, as scikit-learn's single scores."""
    return ALL_WARN[which : which + 1]


def _prf_one(owner, which, y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division):
    out = _prfs(owner, y_true, y_pred, beta, labels, pos_label, average, _warn_for(which), sample_weight, zero_division)
    return out[which]


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
    return _prf_one("precision_score", 0, y_true, y_pred, 1.0, labels, pos_label, average, sample_weight, zero_division)


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
    return _prf_one("recall_score", 1, y_true, y_pred, 1.0, labels, pos_label, average, sample_weight, zero_division)


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
    return _prf_one("fbeta_score", 2, y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division)


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
    return _prf_one("f1_score", 2, y_true, y_pred, 1.0, labels, pos_label, average, sample_weight, zero_division)


# -- accuracy and the confusion matrix -----------------------------------------------------------------


def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """Fraction (or, with ``normalize=False``, weighted number) of samples predicted exactly right.

    ``sum(w_i [y_true_i == y_pred_i]) / sum(w_i)``; for multilabel targets a sample is right only when
    its whole label set is (subset accuracy).

    Example:
        >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
        0.5
    """
    normalize = check_bool("accuracy_score", "normalize", normalize)
    kind, t, p, w = check_targets("accuracy_score", y_true, y_pred, sample_weight)
    check_some_weight("accuracy_score", w)
    sums = accuracy_sums(kind, t, p, w)
    return float(sums[0] / sums[1]) if normalize else float(sums[0])


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
    owner = "confusion_matrix"
    check_choice(owner, "normalize", normalize, (None, "true", "pred", "all"))
    labels = check_labels(owner, "labels", labels)
    c = label_counts(owner, count(owner, y_true, y_pred, sample_weight))
    cm = select_matrix(owner, c, labels)
    w = None if sample_weight is None else as_array(owner, "sample_weight", sample_weight)
    if w is not None and w.dtype.kind in "biu":  # integer weights count in integers, as in scikit-learn
        cm = cm.astype(np.int64)
    if normalize is not None:
        cm = normalized(cm, normalize)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have the correct "
            "shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return cm


def multilabel_confusion_matrix(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, labels: Any = None, samplewise: bool = False
) -> np.ndarray:
    """One 2x2 matrix ``[[tn, fp], [fn, tp]]`` per label (one-vs-rest for class labels), or per sample.

    Example:
        >>> multilabel_confusion_matrix([[1, 0], [1, 1]], [[1, 1], [0, 1]]).tolist()
        [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]
    """
    owner = "multilabel_confusion_matrix"
    labels = check_labels(owner, "labels", labels)
    samplewise = check_bool(owner, "samplewise", samplewise)
    kind, t, p, w = check_targets(owner, y_true, y_pred, sample_weight)
    check_some_weight(owner, w)
    if kind == "labels":
        if samplewise:
            raise InputError(f"{owner}: samplewise=True needs multilabel indicator targets; these are class labels.")
        c = confusion_counts(t, p, w)
        tp, pred, true = c.per_label(None if labels is None else np.asarray(labels))
        total = c.n if w is None else w.sum()
    else:
        if labels is not None:
            cols = label_columns(owner, labels, t.shape[1])
            t, p = t[:, cols], p[:, cols]
        if samplewise:
            tp, pred, true = (x.sum(axis=1) if w is None else x.sum(axis=1) * w for x in (t & p, p, t))
            total = t.shape[1] if w is None else w * t.shape[1]
        else:
            m = multilabel_counts(t, p, w, None)
            tp, pred, true, total = m.tp, m.pred_sum, m.true_sum, m.weight
    fp, fn = pred - tp, true - tp
    tn = total - tp - fp - fn
    return np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)


def balanced_accuracy_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None, adjusted: bool = False) -> float:
    """Mean recall over the classes of ``y_true``; ``adjusted`` rescales chance level to 0.

    Example:
        >>> balanced_accuracy_score([0, 0, 0, 1], [0, 0, 1, 1])
        0.8333333333333333
    """
    owner = "balanced_accuracy_score"
    adjusted = check_bool(owner, "adjusted", adjusted)
    return balanced_accuracy(label_counts(owner, count(owner, y_true, y_pred, sample_weight)), adjusted)


def matthews_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Matthews correlation coefficient (Gorodkin's K-class form) from the confusion matrix ``C``.

    ``(c s - t·p) / sqrt((s² - p·p)(s² - t·t))`` with ``c = trace C``, ``s`` the total, ``t`` and ``p``
    the row and column sums; 0.0 when a factor of the denominator is zero.

    Example:
        >>> round(matthews_corrcoef([1, 1, 1, 0], [1, 0, 1, 1]), 4)
        -0.3333
    """
    owner = "matthews_corrcoef"
    return mcc(label_counts(owner, count(owner, y_true, y_pred, sample_weight)))


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
    ``(i - j)²`` (``"quadratic"``). Undefined cases give ``replace_undefined_by`` and a warning.

    Example:
        >>> round(cohen_kappa_score(["a", "a", "b", "b"], ["a", "b", "b", "b"]), 4)
        0.5
    """
    owner = "cohen_kappa_score"
    check_choice(owner, "weights", weights, (None, "linear", "quadratic"))
    labels = check_labels(owner, "labels", labels)
    c = label_counts(owner, count(owner, y1, y2, sample_weight))
    return kappa(select_matrix(owner, c, labels), weights, replace_undefined_by)


# -- the report ----------------------------------------------------------------------------------------
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
    check_zero_division(owner, zero_division)
    digits = check_int(owner, "digits", digits, minimum=0)
    labels = check_labels(owner, "labels", labels)
    output_dict = check_bool(owner, "output_dict", output_dict)
    c = count(owner, y_true, y_pred, sample_weight, samples_beta=1.0, labels=labels)
    multilabel = isinstance(c, MultilabelCounts)
    present = np.arange(len(c.tp)) if multilabel else c.labels
    labels_given = labels is not None
    labels = np.asarray(labels) if labels_given else present
    micro_is_accuracy = not multilabel and (not labels_given or set(labels.tolist()) >= set(present.tolist()))
    if target_names is not None and len(labels) != len(target_names):
        if not labels_given:
            raise InputError(
                f"{owner}: number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter."
            )
        warnings.warn(
            f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
            UserWarning,
            stacklevel=2,
        )
    names = [f"{label}" for label in labels] if target_names is None else list(target_names)
    options = {"beta": 1.0, "labels": labels, "pos_label": 1, "warn_for": ALL_WARN, "zero_division": zero_division}
    p, r, f1, s = prfs(owner, c, average=None, **options)
    headers = ["precision", "recall", "f1-score", "support"]
    rows = list(zip(names, p, r, f1, s))
    averages = ("micro", "macro", "weighted", "samples") if multilabel else ("micro", "macro", "weighted")
    report_dict: dict[str, Any] = {}
    width = max(*(len(n) for n in names), len("weighted avg"), digits)
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    report = ("{:>{width}s} " + " {:>9}" * len(headers)).format("", *headers, width=width) + "\n\n"
    for row in rows:
        report_dict[row[0]] = dict(zip(headers, [float(v) for v in row[1:]]))
        report += row_fmt.format(*row, width=width, digits=digits)
    report += "\n"
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        avg = [*prfs(owner, c, average=average, **options)[:3], np.sum(s)]
        report_dict[heading] = dict(zip(headers, [float(v) for v in avg]))
        if heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += fmt.format(heading, "", "", *avg[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *avg, width=width, digits=digits)
    if not output_dict:
        return report
    if "accuracy" in report_dict:
        report_dict["accuracy"] = report_dict["accuracy"]["precision"]
    return report_dict


# -- stateful metrics ----------------------------------------------------------------------------------
def _targets(owner: str, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[str, Any, Any, Any]:
    """Checked targets: tensors stay on their device (their rows and running total too), others are arrays."""
    if arrays.is_tensor(y_true) or arrays.is_tensor(y_pred):
        return check_tensor_targets(owner, y_true, y_pred, sample_weight)
    return check_targets(owner, y_true, y_pred, sample_weight)


class _LabelMetric(Metric):
    """A classification metric for training loops: ``update(y_true, y_pred, sample_weight=...)`` per batch
    adds the batch's rows (constant memory); ``compute()`` scores the total; ``merge()`` adds another
    instance's. A zero-weight batch is allowed; ``compute`` refuses a total weight of zero."""

    task = "classification"

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> _LabelMetric:  # type: ignore[override]
        """Add a batch (labels, or multilabel indicators) to the running counts; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_pred, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running counts."""
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def _signature(self, **options: Any) -> Signature:
        return Signature.of(self.name, **{k: "none" if v is None else v for k, v in options.items()})


@register
class Accuracy(_LabelMetric):
    """Accuracy in a training loop: statistics ``[w * correct, w]`` per sample.

    Example:
        >>> m = Accuracy()
        >>> m.update([0, 1, 2], [0, 1, 1]).update([2], [2]).compute().score
        0.75
    """

    name = "accuracy"

    def __init__(self, *, normalize: bool = True) -> None:
        super().__init__()
        self.normalize = check_bool("Accuracy", "normalize", normalize)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.ndarray:  # type: ignore[override]
        """Per-sample rows ``[w * correct, w]`` (float64, on the device of tensor inputs)."""
        kind, t, p, w = _targets(self.name, y_true, y_pred, sample_weight)
        right = correct(kind, t, p)
        w = arrays.full(len(right), 1.0, right) if w is None else w
        return arrays.stack([right * w, w], axis=1)

    def score(self, total: Any) -> Result:
        if total[1] == 0:
            raise InputError(f"{self.name}: the total sample weight is zero; accuracy is undefined.")
        value = total[0] / total[1] if self.normalize else total[0]
        return Result(self.name, float(value), {"correct": float(total[0]), "total": float(total[1])}, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        if not self.normalize:
            return totals[:, 0].copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            return totals[:, 0] / totals[:, 1]

    def signature(self) -> Signature:
        return self._signature(normalize=self.normalize)


class _CountsMetric(_LabelMetric):
    """Base of the metrics scored from confusion counts.

    Rows (:func:`evalkit.classification._targets.label_rows`) put each sample's weight in one cell of the confusion matrix
    over the labels that occur (the rows' ``space``); totals over different label sets join on the union
    of their labels. Multilabel indicators give dense per-label rows instead.
    """

    #: the beta whose per-sample sums ``average="samples"`` needs (None: not needed)
    _samples_beta: float | None = None

    #: the label columns the per-sample sums cover (None: all)
    labels: Any = None

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """Per-sample rows (:class:`~evalkit.core.rows.Rows`) whose total holds the confusion counts."""
        kind, t, p, w = _targets(self.name, y_true, y_pred, sample_weight)
        if kind == "multilabel":
            columns = None
            if self.labels is not None and self._samples_beta is not None:
                columns = label_columns(self.name, self.labels, t.shape[1])
            return multilabel_rows(t, p, w, self._samples_beta, columns)
        return label_rows(t, p, w)

    def join_spaces(self, a: Any, b: Any) -> Any:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return join_labels(a, b)
        if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
            raise InputError(
                f"{self.name}: cannot combine counts of class labels with counts of multilabel indicators."
            )
        if a != b:
            raise InputError(
                f"{self.name}: cannot combine multilabel counts over {a[1]} labels with counts over {b[1]} labels."
            )
        return a

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        if isinstance(space, np.ndarray):
            return align_label_total(total, space, target)
        return super().align(total, space, target)

    def restore_space(self, space: Any) -> Any:
        if isinstance(space, (list, tuple)) and len(space) == 3 and space[0] == "multilabel":
            return tuple(space)
        return space if space is None or isinstance(space, np.ndarray) else np.asarray(space)

    def realign(self, rows: Rows, target: Any) -> Rows:
        if isinstance(rows.space, np.ndarray) and isinstance(target, np.ndarray):
            return realign_label_rows(rows, target)
        return super().realign(rows, target)

    def counts(self, total: Any) -> AnyCounts:
        """The confusion counts of a total in the running state's frame (its labels)."""
        space = self.space
        if space is None:
            raise InputError(f"{self.name}: no labels yet; update() before scoring a total.")
        if isinstance(space, tuple):
            counts: AnyCounts = multilabel_counts_of_total(np.asarray(total), space[1], space[2])
            weight = counts.weight
        else:
            counts = counts_of_total(np.asarray(total), np.asarray(space))
            weight = counts.cm.sum()
        if weight == 0:
            raise InputError(f"{self.name}: the total sample weight is zero; the score is undefined.")
        return counts


@register
class ConfusionMatrix(_CountsMetric):
    """The confusion matrix in a training loop; ``score`` is the accuracy over ``labels``.

    Components: ``labels`` and ``matrix`` (rows true, columns predicted, ``normalize`` applied).

    Example:
        >>> m = ConfusionMatrix().update(["a", "b"], ["a", "a"]).update(["c"], ["c"])
        >>> m.compute().components["matrix"].tolist()
        [[1, 0, 0], [1, 0, 0], [0, 0, 1]]
    """

    name = "confusion_matrix"

    def __init__(self, *, labels: Any = None, normalize: str | None = None) -> None:
        super().__init__()
        self.labels = check_labels("ConfusionMatrix", "labels", labels)
        self.normalize = check_choice("ConfusionMatrix", "normalize", normalize, (None, "true", "pred", "all"))

    def score(self, total: Any) -> Result:
        c = label_counts(self.name, self.counts(total))
        cm = select_matrix(self.name, c, self.labels)
        labels = c.labels if self.labels is None else np.asarray(self.labels)
        accuracy = float(np.trace(cm) / cm.sum()) if cm.sum() else float("nan")
        if self.normalize is not None:
            cm = normalized(cm, self.normalize)
        cm = np.array(cm)
        cm.flags.writeable = False
        return Result(self.name, accuracy, {"labels": labels.tolist(), "matrix": cm}, self.signature())

    def signature(self) -> Signature:
        return self._signature(labels=self.labels, normalize=self.normalize)


class _PRF(_CountsMetric):
    """Precision, recall and F-beta from counts; ``score`` is the one the class is named after.

    The classes default to ``average="macro"`` (defined for any number of classes, so a metric built by
    name works on any labels); the functions keep scikit-learn's default, ``"binary"``.
    """

    _which = 2

    def __init__(
        self,
        *,
        beta: float = 1.0,
        labels: Any = None,
        pos_label: Any = 1,
        average: str = "macro",
        zero_division: Any = "warn",
    ) -> None:
        super().__init__()
        owner = type(self).__name__
        check_choice(owner, "average", average, AVERAGES[1:])
        check_zero_division(owner, zero_division)
        self.beta = check_number(owner, "beta", beta, low=0, allow_inf=True)
        self.labels = check_labels(owner, "labels", labels)
        self.pos_label, self.average, self.zero_division = pos_label, average, zero_division
        self._samples_beta = self.beta if average == "samples" else None

    def _options(self) -> dict[str, Any]:
        return {"beta": self.beta, "labels": self.labels, "pos_label": self.pos_label}

    def score(self, total: Any) -> Result:
        c = self.counts(total)
        options = self._options()
        p, r, f, _ = prfs(
            self.name,
            c,
            average=self.average,
            warn_for=_warn_for(self._which),
            zero_division=self.zero_division,
            **options,
        )
        with warnings.catch_warnings():  # the per-label breakdown: warned about above where it matters
            warnings.simplefilter("ignore")
            per = prfs(self.name, c, average=None, warn_for=(), zero_division=self.zero_division, **options)
        labels = np.arange(len(c.tp)) if isinstance(c, MultilabelCounts) else c.labels
        if self.labels is not None:
            labels = np.asarray(self.labels)
        components = {
            "precision": p,
            "recall": r,
            "f_score": f,
            "labels": labels.tolist(),
            "per_label": {"precision": per[0], "recall": per[1], "f_score": per[2], "support": per[3]},
        }
        return Result(self.name, (p, r, f)[self._which], components, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        """The score of each total, vectorized over the totals for class labels and the macro, micro and
        weighted averages (no warnings: a resample's undefined values take ``zero_division``)."""
        space = self.space
        if not isinstance(space, np.ndarray) or self.labels is not None or self.average not in _VECTOR_AVERAGES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UndefinedMetricWarning)
                return super().scores(totals)
        return prf_scores(np.asarray(totals, dtype=np.float64), len(space), self.beta, self.average,
                          self.zero_division, self._which)  # fmt: skip

    def signature(self) -> Signature:
        return self._signature(
            average=self.average,
            beta=self.beta,
            labels=self.labels,
            pos_label=self.pos_label,
            zero_division=self.zero_division,
        )


_VECTOR_AVERAGES = ("macro", "micro", "weighted")


@register
class Precision(_PRF):
    """Precision in a training loop (options as :func:`precision_score`).

    Example:
        >>> Precision(average="macro").update([0, 1, 2], [0, 2, 1]).compute().score
        0.3333333333333333
    """

    name = "precision"
    _which = 0

    def __init__(self, *, labels: Any = None, pos_label: Any = 1, average: str = "macro", zero_division: Any = "warn"):
        super().__init__(labels=labels, pos_label=pos_label, average=average, zero_division=zero_division)


@register
class Recall(_PRF):
    """Recall in a training loop (options as :func:`recall_score`).

    Example:
        >>> Recall(average="micro").update([0, 1, 2], [0, 2, 2]).compute().score
        0.6666666666666666
    """

    name = "recall"
    _which = 1

    def __init__(self, *, labels: Any = None, pos_label: Any = 1, average: str = "macro", zero_division: Any = "warn"):
        super().__init__(labels=labels, pos_label=pos_label, average=average, zero_division=zero_division)


@register
class F1(_PRF):
    """F1 in a training loop (options as :func:`f1_score`).

    Example:
        >>> m = F1(average="macro")
        >>> for t, p in [([0, 1], [0, 2]), ([2, 2], [2, 1])]:
        ...     _ = m.update(t, p)
        >>> round(m.compute().score, 4)
        0.5
    """

    name = "f1"

    def __init__(self, *, labels: Any = None, pos_label: Any = 1, average: str = "macro", zero_division: Any = "warn"):
        super().__init__(labels=labels, pos_label=pos_label, average=average, zero_division=zero_division)


@register
class FBeta(_PRF):
    """F-beta in a training loop (options as :func:`fbeta_score`).

    Example:
        >>> FBeta(beta=2.0).update([0, 1, 1, 0], [1, 1, 0, 0]).compute().score
        0.5
    """

    name = "fbeta"


@register
class BalancedAccuracy(_CountsMetric):
    """Balanced accuracy in a training loop (options as :func:`balanced_accuracy_score`).

    Example:
        >>> round(BalancedAccuracy().update([0, 0, 0, 1], [0, 0, 1, 1]).compute().score, 4)
        0.8333
    """

    name = "balanced_accuracy"

    def __init__(self, *, adjusted: bool = False) -> None:
        super().__init__()
        self.adjusted = check_bool("BalancedAccuracy", "adjusted", adjusted)

    def score(self, total: Any) -> Result:
        c = label_counts(self.name, self.counts(total))
        return Result(self.name, balanced_accuracy(c, self.adjusted), {}, self.signature())

    def signature(self) -> Signature:
        return self._signature(adjusted=self.adjusted)


@register
class MatthewsCorrCoef(_CountsMetric):
    """Matthews correlation coefficient in a training loop (see :func:`matthews_corrcoef`).

    Example:
        >>> round(MatthewsCorrCoef().update([1, 1, 1, 0], [1, 0, 1, 1]).compute().score, 4)
        -0.3333
    """

    name = "mcc"

    def score(self, total: Any) -> Result:
        return Result(self.name, mcc(label_counts(self.name, self.counts(total))), {}, self.signature())

    def signature(self) -> Signature:
        return self._signature()


@register
class CohenKappa(_CountsMetric):
    """Cohen's kappa in a training loop (options as :func:`cohen_kappa_score`).

    Example:
        >>> CohenKappa().update(["a", "a", "b", "b"], ["a", "b", "b", "b"]).compute().score
        0.5
    """

    name = "cohen_kappa"

    def __init__(self, *, labels: Any = None, weights: str | None = None, replace_undefined_by: Any = np.nan) -> None:
        super().__init__()
        self.labels = check_labels("CohenKappa", "labels", labels)
        self.weights = check_choice("CohenKappa", "weights", weights, (None, "linear", "quadratic"))
        self.replace_undefined_by = replace_undefined_by

    def score(self, total: Any) -> Result:
        c = label_counts(self.name, self.counts(total))
        value = kappa(select_matrix(self.name, c, self.labels), self.weights, self.replace_undefined_by)
        return Result(self.name, float(value), {}, self.signature())

    def signature(self) -> Signature:
        return self._signature(labels=self.labels, weights=self.weights)
