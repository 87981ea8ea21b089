"""Classification metrics with scikit-learn's names, arguments, results and edge-case policies.

Everything is computed from confusion counts (:mod:`evalkit._labels`): a K x K matrix for class labels,
per-label (tp, predicted, true) counts for multilabel indicators, and per-sample sums for
``average="samples"``. The sklearn-named functions build the counts of their input once and score them;
the classes (:class:`F1`, :class:`Accuracy`, ...) add the counts of each ``update`` batch, so their
memory does not grow with the number of samples, and score the sum on ``compute``. Both go through the
same private functions, so a class over any split of the data gives the function's number.

Reference: scikit-learn 1.9 ``sklearn.metrics``; the cross-checks in ``tests/test_classification*.py``
compare every function, average and ``zero_division`` with it, warnings included.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalkit._labels import (
    Counts,
    MultilabelCounts,
    as_array,
    check_some_weight,
    check_targets,
    confusion_counts,
    multilabel_counts,
)
from evalkit.core.errors import InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import check_choice, check_int, check_number

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

_AVERAGES = (None, "binary", "micro", "macro", "weighted", "samples")
_ALL_WARN = ("precision", "recall", "f-score")
AnyCounts = Counts | MultilabelCounts


# -- option checks ----------------------------------------------------------------------------------
def _check_zero_division(owner: str, zero_division: Any) -> Any:
    if isinstance(zero_division, str) and zero_division == "warn":
        return zero_division
    if isinstance(zero_division, numbers.Real) and (zero_division in (0, 1) or zero_division != zero_division):
        return zero_division
    raise InvalidOptionError(
        f"The 'zero_division' parameter of {owner} must be one of 'warn', 0, 1, nan. Got {zero_division!r} instead."
    )


def _zero_division_value(zero_division: Any) -> float:
    return 0.0 if isinstance(zero_division, str) else float(zero_division)


def _check_prf_options(owner: str, beta: float, average: Any, zero_division: Any) -> None:
    check_choice(owner, "average", average, _AVERAGES)
    _check_zero_division(owner, zero_division)
    check_number(owner, "beta", beta, low=0)


# -- counts --------------------------------------------------------------------------------------------
def _counts(
    owner: str,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any,
    *,
    samples_beta: float | None = None,
    labels: Any = None,
    functional: bool = True,
) -> AnyCounts:
    """Check the inputs and count them: the one entry point of every metric here.

    ``samples_beta``: also sum the per-sample scores that ``average="samples"`` needs (over the columns
    in ``labels``). ``functional``: refuse all-zero weights, as scikit-learn does for one call.
    """
    kind, t, p, w = check_targets(owner, y_true, y_pred, sample_weight)
    if functional:
        check_some_weight(owner, w)
    if kind == "multilabel":
        cols = None if labels is None or samples_beta is None else _label_columns(owner, labels, t.shape[1])
        return multilabel_counts(t, p, w, samples_beta, cols)
    return confusion_counts(t, p, w)


def _label_counts(owner: str, c: AnyCounts) -> Counts:
    if isinstance(c, MultilabelCounts):
        raise InputError(f"{owner}: multilabel indicator targets are not supported; pass 1-D class labels.")
    return c


# -- precision, recall, F-beta -------------------------------------------------------------------------
def _warn_prf(average: Any, modifier: str, msg_start: str, result_size: int) -> None:
    # scikit-learn's wording, so that filters written for it keep working
    axis0, axis1 = ("label", "sample") if average == "samples" else ("sample", "label")
    where = "due to" if result_size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        f"Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=4,
    )


def _divide(num, den, metric, modifier, average, warn_for, zero_division) -> np.ndarray:
    """``num / den``, with ``zero_division`` where ``den == 0`` (and a warning under ``"warn"``)."""
    mask = den == 0
    result = np.asarray(num, dtype=np.float64) / np.where(mask, 1, den).astype(np.float64)
    if mask.any():
        result[mask] = _zero_division_value(zero_division)
        if isinstance(zero_division, str) and metric in warn_for:
            _warn_prf(average, modifier, f"{metric.capitalize()} is", len(result))
    return result


def _nanaverage(a: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted mean ignoring NaN; unweighted when the weights sum to zero (scikit-learn's rule)."""
    mask = np.isnan(a)
    if len(a) == 0 or mask.all():
        return float("nan")
    a = a[~mask]
    if weights is None:
        return float(np.mean(a))
    weights = np.asarray(weights, dtype=np.float64)[~mask]
    return float(np.mean(a)) if weights.sum() == 0 else float(np.average(a, weights=weights))


def _samples_average(c: MultilabelCounts, zero_division: Any, warn_for: Sequence[str]) -> list[float]:
    """Precision, recall, F-beta averaged over samples, from :data:`evalkit._labels.SAMPLE_SUMS`."""
    zd = _zero_division_value(zero_division)
    names = [("precision", "predicted"), ("recall", "true"), ("f-score", "true nor predicted")]
    if c.beta is not None and (np.isposinf(c.beta) or c.beta == 0):  # F is recall or precision: warned there
        names[2] = ("", "")
    out = []
    for (metric, modifier), (wsum, wdef, wundef, vsum, ndef, nundef) in zip(names, c.samples):  # type: ignore[arg-type]
        if nundef and isinstance(zero_division, str) and metric in warn_for:
            _warn_prf("samples", modifier, f"{metric.capitalize()} is", c.n)
        if zd != zd:  # nan: undefined samples are left out
            value = float("nan") if ndef == 0 else (vsum / ndef if wdef == 0 else wsum / wdef)
        elif wdef + wundef == 0:
            value = (vsum + zd * nundef) / (ndef + nundef)
        else:
            value = (wsum + zd * wundef) / (wdef + wundef)
        out.append(float(value))
    return out


def _contains(labels: np.ndarray, value: Any) -> bool:
    return any(v == value for v in labels.tolist())


def _prfs(
    owner: str,
    c: AnyCounts,
    *,
    beta: float,
    labels: Any,
    pos_label: Any,
    average: Any,
    warn_for: Sequence[str],
    zero_division: Any,
) -> tuple[Any, Any, Any, Any]:
    """scikit-learn's ``precision_recall_fscore_support`` on counts."""
    multilabel = isinstance(c, MultilabelCounts)
    present = np.arange(len(c.tp)) if multilabel else c.labels
    if average == "binary":
        if multilabel or len(present) > 2:
            options = [None, "micro", "macro", "weighted", *(["samples"] if multilabel else [])]
            kind = "multilabel-indicator" if multilabel else "multiclass"
            raise InputError(
                f"{owner}: target is {kind} but average='binary'. Choose another average, one of {options}."
            )
        if not _contains(present, pos_label) and len(present) >= 2:
            raise InputError(
                f"{owner}: pos_label={pos_label!r} is not a valid label. It should be one of {present.tolist()}."
            )
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got {average!r}). "
            f"You may use labels=[pos_label] to specify a single positive class.",
            UserWarning,
            stacklevel=3,
        )
    if average == "samples" and not multilabel:
        raise InputError(f"{owner}: average='samples' needs multilabel indicator targets; these are class labels.")
    if multilabel:
        tp, pred, true = c.tp, c.pred_sum, c.true_sum
        if labels is not None:
            cols = _label_columns(owner, labels, len(tp))
            tp, pred, true = tp[cols], pred[cols], true[cols]
    else:
        tp, pred, true = c.per_label(None if labels is None else np.asarray(labels))
        if true.dtype.kind in "iu" and np.trace(c.cm) == 0:
            # scikit-learn's counts turn float when no sample is predicted right; its report shows "2.0"
            tp, pred, true = tp.astype(np.float64), pred.astype(np.float64), true.astype(np.float64)
    if average == "samples":
        return (*_samples_average(c, zero_division, warn_for), None)  # type: ignore[arg-type]
    if average == "micro":
        tp, pred, true = (np.array([x.sum()]) for x in (tp, pred, true))
    precision = _divide(tp, pred, "precision", "predicted", average, warn_for, zero_division)
    recall = _divide(tp, true, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        b2 = beta**2
        num = (1 + b2) * np.asarray(tp, dtype=np.float64)
        den = b2 * np.asarray(true, dtype=np.float64) + np.asarray(pred, dtype=np.float64)
        f_score = _divide(num, den, "f-score", "true nor predicted", average, warn_for, zero_division)
    if average is None:
        return precision, recall, f_score, true
    weights = true if average == "weighted" else None
    return _nanaverage(precision, weights), _nanaverage(recall, weights), _nanaverage(f_score, weights), None


def _label_columns(owner: str, labels: Any, n_labels: int) -> np.ndarray:
    cols = np.asarray(labels)
    if len(cols) and (cols.dtype.kind not in "iu" or cols.max() >= n_labels or cols.min() < 0):
        raise InputError(
            f"{owner}: for multilabel targets, labels must be column indices in [0, {n_labels}); "
            f"got {cols.tolist()!r:.80}."
        )
    return cols.astype(np.intp)


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    warn_for: Sequence[str] = _ALL_WARN,
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
    owner = "precision_recall_fscore_support"
    _check_prf_options(owner, beta, average, zero_division)
    c = _counts(
        owner, y_true, y_pred, sample_weight, samples_beta=beta if average == "samples" else None, labels=labels
    )
    return _prfs(
        owner,
        c,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
    )


def _prf_one(owner, which, y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division):
    _check_prf_options(owner, beta, average, zero_division)
    c = _counts(
        owner, y_true, y_pred, sample_weight, samples_beta=beta if average == "samples" else None, labels=labels
    )
    warn_for = ("f-score",) if which == 2 else _ALL_WARN[which : which + 1]
    out = _prfs(
        owner,
        c,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        zero_division=zero_division,
    )
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
def _accuracy_sums(kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``[sum(w * correct), sum(w)]``: the trace and total of the confusion matrix, without the matrix."""
    correct = (t == p).all(axis=1) if kind == "multilabel" else t == p
    if w is None:
        return np.array([np.count_nonzero(correct), len(correct)], dtype=np.float64)
    return np.array([np.sum(w, where=correct, dtype=np.float64), w.sum()], dtype=np.float64)


def accuracy_score(y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None) -> float:
    """Fraction (or, with ``normalize=False``, weighted number) of samples predicted exactly right.

    ``sum(w_i [y_true_i == y_pred_i]) / sum(w_i)``; for multilabel targets a sample is right only when
    its whole label set is (subset accuracy).

    Example:
        >>> accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
        0.5
    """
    kind, t, p, w = check_targets("accuracy_score", y_true, y_pred, sample_weight)
    check_some_weight("accuracy_score", w)
    sums = _accuracy_sums(kind, t, p, w)
    return float(sums[0] / sums[1]) if normalize else float(sums[0])


def _select_matrix(owner: str, c: Counts, labels: Any) -> np.ndarray:
    if labels is None:
        return c.cm
    labels = np.asarray(labels)
    if labels.size == 0:
        raise InputError(f"{owner}: 'labels' should contain at least one label; got an empty list.")
    at, found = c.locate(labels)
    if not (found & c.in_true[at]).any():
        raise InputError(
            f"{owner}: at least one label in 'labels' must occur in y_true; labels={labels.tolist()!r:.80} and "
            f"y_true holds {c.labels[c.in_true].tolist()!r:.80}."
        )
    return c.matrix(labels)


def _normalized(cm: np.ndarray, normalize: str | None) -> np.ndarray:
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


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
    c = _label_counts(owner, _counts(owner, y_true, y_pred, sample_weight))
    cm = _select_matrix(owner, c, labels)
    w = None if sample_weight is None else as_array(owner, "sample_weight", sample_weight)
    if w is not None and w.dtype.kind in "biu":  # integer weights count in integers, as in scikit-learn
        cm = cm.astype(np.int64)
    if normalize is not None:
        cm = _normalized(cm, normalize)
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
            cols = _label_columns(owner, labels, t.shape[1])
            t, p = t[:, cols], p[:, cols]
        axis = 1 if samplewise else 0
        if w is None:
            tp, pred, true = ((x).sum(axis=axis) for x in (t & p, p, t))
            total = t.shape[1] if samplewise else t.shape[0]
        elif samplewise:
            tp, pred, true = ((x).sum(axis=1) * w for x in (t & p, p, t))
            total = w * t.shape[1]
        else:
            tp, pred, true = (np.einsum("i,ij->j", w, x.astype(w.dtype)) for x in (t & p, p, t))
            total = w.sum()
    fp, fn = pred - tp, true - tp
    tn = total - tp - fp - fn
    return np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)


def _balanced_accuracy(c: Counts, adjusted: bool) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diagonal(c.cm) / c.cm.sum(axis=1)
    if np.isnan(per_class).any():
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=3)
        per_class = per_class[~np.isnan(per_class)]
    score = per_class.mean()
    if adjusted:
        chance = 1 / len(per_class)
        score = (score - chance) / (1 - chance)
    return float(score)


def balanced_accuracy_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None, adjusted: bool = False) -> float:
    """Mean recall over the classes of ``y_true``; ``adjusted`` rescales chance level to 0.

    Example:
        >>> balanced_accuracy_score([0, 0, 0, 1], [0, 0, 1, 1])
        0.8333333333333333
    """
    owner = "balanced_accuracy_score"
    return _balanced_accuracy(_label_counts(owner, _counts(owner, y_true, y_pred, sample_weight)), adjusted)


def _mcc(c: Counts) -> float:
    t_sum = c.cm.sum(axis=1, dtype=np.float64)
    p_sum = c.cm.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(c.cm, dtype=np.float64)
    n = p_sum.sum()
    cov_tp = n_correct * n - np.dot(t_sum, p_sum)
    cov_pp = n**2 - np.dot(p_sum, p_sum)
    cov_tt = n**2 - np.dot(t_sum, t_sum)
    return 0.0 if cov_pp * cov_tt == 0 else float(cov_tp / np.sqrt(cov_pp * cov_tt))


def matthews_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Matthews correlation coefficient (Gorodkin's K-class form) from the confusion matrix ``C``.

    ``(c s - t·p) / sqrt((s² - p·p)(s² - t·t))`` with ``c = trace C``, ``s`` the total, ``t`` and ``p``
    the row and column sums; 0.0 when a factor of the denominator is zero.

    Example:
        >>> round(matthews_corrcoef([1, 1, 1, 0], [1, 0, 1, 1]), 4)
        -0.3333
    """
    owner = "matthews_corrcoef"
    return _mcc(_label_counts(owner, _counts(owner, y_true, y_pred, sample_weight)))


def _kappa(confusion: np.ndarray, weights: str | None, replace_undefined_by: Any) -> float:
    confusion = confusion.astype(np.float64)
    k = len(confusion)
    sum0, sum1 = confusion.sum(axis=0), confusion.sum(axis=1)
    total = sum0.sum()
    message = "`cohen_kappa_score` is undefined and set to the value defined by the `replace_undefined_by` param"
    if total == 0:
        warnings.warn(
            f"`y2` contains no labels that are present in both `y1` and `labels`. {message}, which is set to "
            f"{replace_undefined_by}.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return replace_undefined_by
    expected = np.outer(sum0, sum1) / total
    if weights is None:
        w_mat = 1.0 - np.eye(k)
    else:
        grid = np.zeros((k, k)) + np.arange(k)
        w_mat = np.abs(grid - grid.T) if weights == "linear" else (grid - grid.T) ** 2
    den = np.sum(w_mat * expected)
    if den == 0:
        warnings.warn(
            f"`y1`, `y2` and `labels` have only one label in common. {message}, which is set to "
            f"{replace_undefined_by}.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return replace_undefined_by
    return float(1 - np.sum(w_mat * confusion) / den)


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
    c = _label_counts(owner, _counts(owner, y1, y2, sample_weight))
    return _kappa(_select_matrix(owner, c, labels), weights, replace_undefined_by)


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
    _check_zero_division(owner, zero_division)
    digits = check_int(owner, "digits", digits, minimum=0)
    c = _counts(owner, y_true, y_pred, sample_weight, samples_beta=1.0, labels=labels)
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
    options = {"beta": 1.0, "labels": labels, "pos_label": 1, "warn_for": _ALL_WARN, "zero_division": zero_division}
    p, r, f1, s = _prfs(owner, c, average=None, **options)
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
        avg = [*_prfs(owner, c, average=average, **options)[:3], np.sum(s)]
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
class _LabelMetric(Metric):
    """A classification metric for training loops: ``update(y_true, y_pred, sample_weight=...)`` per batch
    adds the batch's counts (constant memory); ``compute()`` scores the sum; ``merge()`` adds another
    instance's counts. A zero-weight batch is allowed; ``compute`` refuses a total weight of zero."""

    task = "classification"

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> _LabelMetric:  # type: ignore[override]
        """Add a batch (labels, or multilabel indicators) to the running counts; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight)  # type: ignore[return-value]

    def __call__(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running counts."""
        return super().__call__(y_true, y_pred, sample_weight)

    def stats(self, *inputs: Any) -> np.ndarray:
        """Per-sample rows exist only for :class:`Accuracy`; counts of discovered labels are not rows."""
        raise InputError(
            f"{self.name}: per-sample statistics are not available (the label set is discovered per batch); "
            f"use update()/compute(), or Accuracy for per-sample rows."
        )

    @property
    def total(self) -> Any:
        """The accumulated counts (immutable; merge them with ``merge``)."""
        return self._total

    def _signature(self, **options: Any) -> Signature:
        return Signature.of(self.name, **{k: "none" if v is None else v for k, v in options.items()})


@register
class Accuracy(_LabelMetric):
    """Accuracy in a training loop: statistics ``[sum(w * correct), sum(w)]`` per batch.

    Example:
        >>> m = Accuracy()
        >>> m.update([0, 1, 2], [0, 1, 1]).update([2], [2]).compute().score
        0.75
    """

    name = "accuracy"

    def __init__(self, *, normalize: bool = True) -> None:
        super().__init__()
        self.normalize = bool(normalize)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> np.ndarray:  # type: ignore[override]
        kind, t, p, w = check_targets(self.name, y_true, y_pred, sample_weight)
        correct = (t == p).all(axis=1) if kind == "multilabel" else t == p
        w = np.ones(len(correct)) if w is None else w.astype(np.float64)
        return np.stack([correct * w, w], axis=1)

    def _batch_total(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple[Any, int]:
        kind, t, p, w = check_targets(self.name, y_true, y_pred, sample_weight)
        return _accuracy_sums(kind, t, p, w), len(t)

    def score(self, total: Any) -> Result:
        if total[1] == 0:
            raise InputError(f"{self.name}: the total sample weight is zero; accuracy is undefined.")
        value = total[0] / total[1] if self.normalize else total[0]
        return Result(self.name, float(value), {"correct": float(total[0]), "total": float(total[1])}, self.signature())

    def signature(self) -> Signature:
        return self._signature(normalize=self.normalize)


class _CountsMetric(_LabelMetric):
    """Base of the metrics scored from confusion counts."""

    #: the beta whose per-sample sums ``average="samples"`` needs (None: not needed)
    _samples_beta: float | None = None

    #: the label columns the per-sample sums cover (None: all)
    labels: Any = None

    def _batch_total(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple[Any, int]:
        c = _counts(
            self.name,
            y_true,
            y_pred,
            sample_weight,
            samples_beta=self._samples_beta,
            labels=self.labels,
            functional=False,
        )
        return c, c.n

    @staticmethod
    def _add(a: Any, b: Any) -> Any:
        return a.merged(b)

    def _checked(self, total: AnyCounts) -> AnyCounts:
        weight = total.weight if isinstance(total, MultilabelCounts) else total.cm.sum()
        if weight == 0:
            raise InputError(f"{self.name}: the total sample weight is zero; the score is undefined.")
        return total


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
        self.labels = None if labels is None else list(labels)
        self.normalize = check_choice("ConfusionMatrix", "normalize", normalize, (None, "true", "pred", "all"))

    def score(self, total: Any) -> Result:
        c = _label_counts(self.name, self._checked(total))
        cm = _select_matrix(self.name, c, self.labels)
        labels = c.labels if self.labels is None else np.asarray(self.labels)
        accuracy = float(np.trace(cm) / cm.sum()) if cm.sum() else float("nan")
        if self.normalize is not None:
            cm = _normalized(cm, self.normalize)
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
        check_choice(owner, "average", average, _AVERAGES[1:])
        _check_zero_division(owner, zero_division)
        self.beta = check_number(owner, "beta", beta, low=0)
        self.labels = None if labels is None else list(labels)
        self.pos_label, self.average, self.zero_division = pos_label, average, zero_division
        self._samples_beta = self.beta if average == "samples" else None

    def score(self, total: Any) -> Result:
        c = self._checked(total)
        options = {"beta": self.beta, "labels": self.labels, "pos_label": self.pos_label}
        warn_for = ("f-score",) if self._which == 2 else _ALL_WARN[self._which : self._which + 1]
        p, r, f, _ = _prfs(
            self.name, c, average=self.average, warn_for=warn_for, zero_division=self.zero_division, **options
        )
        with warnings.catch_warnings():  # the per-label breakdown: warned about above where it matters
            warnings.simplefilter("ignore")
            per = _prfs(self.name, c, average=None, warn_for=(), zero_division=self.zero_division, **options)
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

    def signature(self) -> Signature:
        return self._signature(
            average=self.average,
            beta=self.beta,
            labels=self.labels,
            pos_label=self.pos_label,
            zero_division=self.zero_division,
        )


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
        self.adjusted = bool(adjusted)

    def score(self, total: Any) -> Result:
        c = _label_counts(self.name, self._checked(total))
        return Result(self.name, _balanced_accuracy(c, self.adjusted), {}, self.signature())

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
        return Result(self.name, _mcc(_label_counts(self.name, self._checked(total))), {}, self.signature())

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
        self.labels = None if labels is None else list(labels)
        self.weights = check_choice("CohenKappa", "weights", weights, (None, "linear", "quadratic"))
        self.replace_undefined_by = replace_undefined_by

    def score(self, total: Any) -> Result:
        c = _label_counts(self.name, self._checked(total))
        value = _kappa(_select_matrix(self.name, c, self.labels), self.weights, self.replace_undefined_by)
        return Result(self.name, float(value), {}, self.signature())

    def signature(self) -> Signature:
        return self._signature(labels=self.labels, weights=self.weights)
