"""Scores from confusion counts: the private core shared by the classification functions and classes.

Everything here takes the counts of :mod:`evalkit.classification._targets` (never raw labels, except ``count`` which makes
them) and follows scikit-learn 1.9's rules: ``_prf_divide``/``_warn_prf`` for zero division and its
warnings, ``_nanaverage`` for the averages, ``confusion_matrix``'s label selection, and the formulas of
balanced accuracy, MCC and Cohen's kappa.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalkit.classification._targets import (
    Counts,
    MultilabelCounts,
    check_targets,
    confusion_counts,
    multilabel_counts,
)
from evalkit.core.errors import InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.validate import check_choice, check_number

AVERAGES = (None, "binary", "micro", "macro", "weighted", "samples")
ALL_WARN = ("precision", "recall", "f-score")
AnyCounts = Counts | MultilabelCounts


def check_zero_division(owner: str, zero_division: Any) -> Any:
    """``zero_division`` if it is ``"warn"``, 0, 1 or NaN; else an error naming the allowed values."""
    if isinstance(zero_division, str) and zero_division == "warn":
        return zero_division
    if isinstance(zero_division, numbers.Real) and (zero_division in (0, 1) or zero_division != zero_division):
        return zero_division
    raise InvalidOptionError(
        f"The 'zero_division' parameter of {owner} must be one of 'warn', 0, 1, nan. Got {zero_division!r} instead."
    )


def zero_division_value(zero_division: Any) -> float:
    """The number a zero denominator gives (``"warn"``: 0.0)."""
    return 0.0 if isinstance(zero_division, str) else float(zero_division)


def check_prf_options(owner: str, beta: float, average: Any, zero_division: Any) -> None:
    check_choice(owner, "average", average, AVERAGES)
    check_zero_division(owner, zero_division)
    check_number(owner, "beta", beta, low=0, allow_inf=True)


def count(
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
        cols = None if labels is None or samples_beta is None else label_columns(owner, labels, t.shape[1])
        return multilabel_counts(t, p, w, samples_beta, cols)
    return confusion_counts(t, p, w)


def label_counts(owner: str, c: AnyCounts) -> Counts:
    if isinstance(c, MultilabelCounts):
        raise InputError(f"{owner}: multilabel indicator targets are not supported; pass 1-D class labels.")
    return c


def warn_prf(average: Any, modifier: str, msg_start: str, result_size: int) -> None:
    # scikit-learn's wording, so that filters written for it keep working
    axis0, axis1 = ("label", "sample") if average == "samples" else ("sample", "label")
    where = "due to" if result_size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        f"Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=4,
    )


def divide(num, den, metric, modifier, average, warn_for, zero_division) -> np.ndarray:
    """``num / den``, with ``zero_division`` where ``den == 0`` (and a warning under ``"warn"``)."""
    mask = den == 0
    result = np.asarray(num, dtype=np.float64) / np.where(mask, 1, den).astype(np.float64)
    if mask.any():
        result[mask] = zero_division_value(zero_division)
        if isinstance(zero_division, str) and metric in warn_for:
            warn_prf(average, modifier, f"{metric.capitalize()} is", len(result))
    return result


def nanaverage(a: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted mean ignoring NaN; unweighted when the weights sum to zero (scikit-learn's rule)."""
    mask = np.isnan(a)
    if len(a) == 0 or mask.all():
        return float("nan")
    a = a[~mask]
    if weights is None:
        return float(np.mean(a))
    weights = np.asarray(weights, dtype=np.float64)[~mask]
    return float(np.mean(a)) if weights.sum() == 0 else float(np.average(a, weights=weights))


def samples_average(c: MultilabelCounts, zero_division: Any, warn_for: Sequence[str]) -> list[float]:
    """Precision, recall, F-beta averaged over samples, from :data:`evalkit.classification._targets.SAMPLE_SUMS`."""
    zd = zero_division_value(zero_division)
    names = [("precision", "predicted"), ("recall", "true"), ("f-score", "true nor predicted")]
    if c.beta is not None and (np.isposinf(c.beta) or c.beta == 0):  # F is recall or precision: warned there
        names[2] = ("", "")
    out = []
    for (metric, modifier), (wsum, wdef, wundef, vsum, ndef, nundef) in zip(names, c.samples):  # type: ignore[arg-type]
        if nundef and isinstance(zero_division, str) and metric in warn_for:
            warn_prf("samples", modifier, f"{metric.capitalize()} is", c.n)
        if zd != zd:  # nan: undefined samples are left out
            value = float("nan") if ndef == 0 else (vsum / ndef if wdef == 0 else wsum / wdef)
        elif wdef + wundef == 0:
            value = (vsum + zd * nundef) / (ndef + nundef)
        else:
            value = (wsum + zd * wundef) / (wdef + wundef)
        out.append(float(value))
    return out


def contains(labels: np.ndarray, value: Any) -> bool:
    return any(v == value for v in labels.tolist())


def prfs(
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
        if not contains(present, pos_label) and len(present) >= 2:
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
            cols = label_columns(owner, labels, len(tp))
            tp, pred, true = tp[cols], pred[cols], true[cols]
    else:
        tp, pred, true = c.per_label(None if labels is None else np.asarray(labels))
        if true.dtype.kind in "iu" and np.trace(c.cm) == 0:
            # scikit-learn's counts turn float when no sample is predicted right; its report shows "2.0"
            tp, pred, true = tp.astype(np.float64), pred.astype(np.float64), true.astype(np.float64)
    if average == "samples":
        return (*samples_average(c, zero_division, warn_for), None)  # type: ignore[arg-type]
    if average == "micro":
        tp, pred, true = (np.array([x.sum()]) for x in (tp, pred, true))
    precision = divide(tp, pred, "precision", "predicted", average, warn_for, zero_division)
    recall = divide(tp, true, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        b2 = beta**2
        num = (1 + b2) * np.asarray(tp, dtype=np.float64)
        den = b2 * np.asarray(true, dtype=np.float64) + np.asarray(pred, dtype=np.float64)
        f_score = divide(num, den, "f-score", "true nor predicted", average, warn_for, zero_division)
    if average is None:
        return precision, recall, f_score, true
    weights = true if average == "weighted" else None
    return nanaverage(precision, weights), nanaverage(recall, weights), nanaverage(f_score, weights), None


def label_columns(owner: str, labels: Any, n_labels: int) -> np.ndarray:
    cols = np.asarray(labels)
    if len(cols) and (cols.dtype.kind not in "iu" or cols.max() >= n_labels or cols.min() < 0):
        raise InputError(
            f"{owner}: for multilabel targets, labels must be column indices in [0, {n_labels}); "
            f"got {cols.tolist()!r:.80}."
        )
    return cols.astype(np.intp)


def correct(kind: str, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Whether each sample is predicted exactly (multilabel: its whole label set)."""
    return (t == p).all(axis=1) if kind == "multilabel" else t == p


def accuracy_sums(kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``[sum(w * correct), sum(w)]``: the trace and total of the confusion matrix, without the matrix."""
    right = correct(kind, t, p)
    if w is None:
        return np.array([np.count_nonzero(right), len(right)], dtype=np.float64)
    return np.array([np.sum(w, where=right, dtype=np.float64), w.sum()], dtype=np.float64)


def select_matrix(owner: str, c: Counts, labels: Any) -> np.ndarray:
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


def normalized(cm: np.ndarray, normalize: str | None) -> np.ndarray:
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


def balanced_accuracy(c: Counts, adjusted: bool) -> float:
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


def mcc(c: Counts) -> float:
    t_sum = c.cm.sum(axis=1, dtype=np.float64)
    p_sum = c.cm.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(c.cm, dtype=np.float64)
    n = p_sum.sum()
    cov_tp = n_correct * n - np.dot(t_sum, p_sum)
    cov_pp = n**2 - np.dot(p_sum, p_sum)
    cov_tt = n**2 - np.dot(t_sum, t_sum)
    return 0.0 if cov_pp * cov_tt == 0 else float(cov_tp / np.sqrt(cov_pp * cov_tt))


def kappa(confusion: np.ndarray, weights: str | None, replace_undefined_by: Any) -> float:
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


def prf_scores(totals: np.ndarray, k: int, beta: float, average: str, zero_division: Any, which: int) -> np.ndarray:
    """Precision (``which=0``), recall (1) or F-beta (2) of many label-row totals over ``k`` labels at once.

    The same arithmetic as :func:`prfs` for the ``macro``, ``micro`` and ``weighted`` averages, with a
    leading axis over totals; labels that do not occur in a total are left out of its average, as a count
    of those samples would not see them. No warnings: undefined values take ``zero_division``.
    """
    m = len(totals)
    cm = totals[:, : k * k].reshape(m, k, k)
    present = (totals[:, k * k : k * k + k] > 0) | (totals[:, k * k + k : k * k + 2 * k] > 0)
    tp = np.diagonal(cm, axis1=1, axis2=2)
    pred, true = cm.sum(axis=1), cm.sum(axis=2)
    if average == "micro":
        tp, pred, true = (x.sum(axis=1, keepdims=True) for x in (tp, pred, true))
        present = np.ones((m, 1), dtype=bool)
    zd = zero_division_value(zero_division)

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.where(den == 0, zd, num / np.where(den == 0, 1.0, den))

    if which == 0 or (which == 2 and beta == 0):
        value = ratio(tp, pred)
    elif which == 1 or np.isposinf(beta):
        value = ratio(tp, true)
    else:
        b2 = beta**2
        value = ratio((1 + b2) * tp, b2 * true + pred)
    keep = present & ~np.isnan(value)
    weights = keep * (true if average == "weighted" else 1.0)
    unweighted = weights.sum(axis=1) == 0  # scikit-learn's rule: weights summing to zero count equally
    weights = np.where(unweighted[:, None], keep, weights)
    total_weight = weights.sum(axis=1)
    out = (np.where(keep, value, 0.0) * weights).sum(axis=1) / np.where(total_weight == 0, 1.0, total_weight)
    return np.where(total_weight == 0, np.nan, out)
