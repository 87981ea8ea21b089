"""What the ranking metrics share: their options, declared once, the reading of their inputs, and their
formulas on the score table (:mod:`evalkit.classification._score_table`).

Each formula maps tables of weighted counts per distinct score to numbers, vectorized over many totals (a
running state's one, or bootstrap resamples): counts are ``(m, U, K)`` per score column, ascending in the
score. The rules are scikit-learn 1.9's (``roc_auc_score``, ``average_precision_score``, ``roc_curve``,
``precision_recall_curve``, ``det_curve``) and torchmetrics 1.9's for the operating points
(``BinaryRecallAtFixedPrecision``, ``BinaryPrecisionAtFixedRecall``, ``BinarySensitivityAtSpecificity``).
"""

from __future__ import annotations

import numbers
import warnings
import zlib
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._common import labels_option
from evalkit.classification._score_table import clf_curve
from evalkit.core.errors import EmptyInputError, InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.inputs import as_array, as_weights
from evalkit.core.options import Options, choice, number, option
from evalkit.core.validate import check_finite, check_same_n_samples

AUC_AVERAGES = (None, "micro", "macro", "weighted", "samples")
#: the most fixed thresholds (a binned table of this many rows is already larger than most exact ones)
MAX_THRESHOLDS = 1 << 20
_ONE_CLASS_AUC = "Only one class is present in y_true. ROC AUC score is not defined in that case."  # scikit-learn's
_NO_POSITIVE_AP = "No positive class found in y_true, recall is set to one for all thresholds."  # scikit-learn's


# -- options -------------------------------------------------------------------------------------------------
def _shown(value: Any) -> Any:
    return "none" if value is None else value


def _thresholds(owner: str, name: str, value: Any) -> tuple[float, ...] | None:
    """``None`` (exact), an int ``n >= 2`` (``n`` evenly spaced thresholds in [0, 1], as torchmetrics), or
    a list of finite thresholds (kept sorted and unique)."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if not 2 <= value <= MAX_THRESHOLDS:
            raise InvalidOptionError(
                f"The {name!r} parameter of {owner} must be None, an int in [2, {MAX_THRESHOLDS:,}] or a list of "
                f"numbers. Got {value!r} instead."
            )
        return tuple(np.linspace(0, 1, int(value)).tolist())
    try:
        a = np.asarray(arrays.to_host(value), dtype=np.float64)
    except (TypeError, ValueError):
        a = None
    if a is None or a.ndim != 1 or a.size == 0 or a.size > MAX_THRESHOLDS or not np.isfinite(a).all():
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be None, an int >= 2 or a 1-D list of at most {MAX_THRESHOLDS:,} "
            "finite numbers. "
            f"Got {value!r:.80} instead."
        )
    return tuple(arrays.unique(a).tolist())


def _show_thresholds(value: tuple[float, ...] | None) -> Any:
    if value is None:
        return "exact"
    if len(value) <= 4:
        return "[" + ",".join(f"{t:g}" for t in value) + "]"
    crc = zlib.crc32(np.asarray(value, dtype=np.float64).tobytes())
    return f"{len(value)}[{value[0]:g},{value[-1]:g}]#{crc:08x}"


def pos_label_option() -> Any:
    """The ``pos_label`` of the binary operating points."""
    return option(None, None, "the positive class (default: 1 of {0, 1} or {-1, 1})", sig="pos_label", show=_shown)


def thresholds_option() -> Any:
    return option(
        None,
        _thresholds,
        "None (exact: a table of the distinct scores), or fixed thresholds (an int n: n evenly spaced in [0, 1]; "
        "a list): constant memory (the AUROC states its largest error)",
        sig="thresholds",
        show=_show_thresholds,
    )


@dataclass(frozen=True)
class RocAucOptions(Options):
    average: str | None = option(
        "macro",
        choice(*AUC_AVERAGES),
        "None (per class; the score is their mean), 'micro', 'macro', 'weighted' (multiclass and multilabel) or 'samples' (multilabel)",
        sig="average",
        show=_shown,
    )
    max_fpr: float | None = option(
        None,
        number(low=0, high=1, low_open=True, optional=True),
        "the partial AUC up to this false positive rate, McClish-corrected (binary)",
        sig="max_fpr",
        show=_shown,
    )
    multi_class: str = option(
        "ovr",
        choice("raise", "ovr", "ovo"),
        "multiclass scores: 'ovr' (one class against the rest), 'ovo' (each pair of classes) or 'raise'",
        sig="multi_class",
    )
    labels: tuple | None = labels_option(
        "the classes in the order of y_score's columns (default: y_true's for one call, 0..C-1 for a running metric)"
    )
    pos_label: Any = option(
        None,
        None,
        "the positive class of binary labels (default: 1 of {0, 1} or {-1, 1}; one call: the greater label)",
        sig="pos_label",
        show=_shown,
    )
    thresholds: tuple | None = thresholds_option()

    def finish(self, owner: str) -> RocAucOptions:
        if self.thresholds is not None and self.max_fpr is not None:
            raise InvalidOptionError(f"{owner}: max_fpr is scored on the exact table; drop thresholds= or max_fpr=.")
        if self.average == "samples" and self.max_fpr is not None:
            raise InvalidOptionError(f"{owner}: max_fpr is not offered with average='samples'; drop one of them.")
        return self


@dataclass(frozen=True)
class AveragePrecisionOptions(Options):
    average: str | None = option(
        "macro",
        choice(*AUC_AVERAGES),
        "None (per class; the score is their mean), 'micro', 'macro', 'weighted' (multiclass and multilabel) or 'samples' (multilabel)",
        sig="average",
        show=_shown,
    )
    pos_label: Any = option(1, None, "the positive class of binary labels", sig="pos_label", show=_shown)
    labels: tuple | None = labels_option(
        "the classes in the order of y_score's columns (default: y_true's for one call, 0..C-1 for a running metric)"
    )
    thresholds: tuple | None = thresholds_option()


@dataclass(frozen=True)
class RecallAtPrecisionOptions(Options):
    min_precision: float = option(0.5, number(low=0, high=1), "the least precision allowed", sig="min_precision")
    pos_label: Any = pos_label_option()
    thresholds: tuple | None = thresholds_option()


@dataclass(frozen=True)
class PrecisionAtRecallOptions(Options):
    min_recall: float = option(0.5, number(low=0, high=1), "the least recall allowed", sig="min_recall")
    pos_label: Any = pos_label_option()
    thresholds: tuple | None = thresholds_option()


@dataclass(frozen=True)
class SensitivityAtSpecificityOptions(Options):
    min_specificity: float = option(0.5, number(low=0, high=1), "the least specificity allowed", sig="min_specificity")
    pos_label: Any = pos_label_option()
    thresholds: tuple | None = thresholds_option()


# -- inputs --------------------------------------------------------------------------------------------------
@dataclass
class ScoreInputs:
    """Checked inputs: ``scores`` ``(n,)`` or ``(n, C)`` (finite; float16 kept), ``classes`` int64 per item
    (``(n, C)`` for multilabel), float64 weights or ``None``, the table's ``kind`` and ``n_classes``."""

    kind: str
    scores: np.ndarray
    classes: np.ndarray
    weights: np.ndarray | None
    n_classes: int


def _scores_array(owner: str, y_score: Any) -> np.ndarray:
    s = as_array(owner, "y_score", y_score)
    if s.dtype.kind not in "biuf" or s.ndim not in (1, 2) or (s.ndim == 2 and s.shape[1] == 0):
        raise InputError(
            f"{owner}: y_score must be a 1-D array of scores or an (n_samples, n_classes) matrix of numbers, got "
            f"shape {s.shape} and dtype {s.dtype}."
        )
    if s.dtype.kind != "f":
        s = s.astype(np.float64)
    check_finite(owner, "y_score", s)
    return s[:, 0] if s.ndim == 2 and s.shape[1] == 1 else s


def _present(y: np.ndarray) -> np.ndarray:
    """The sorted distinct labels (integers counted, not sorted: a million labels in a few milliseconds)."""
    if y.dtype.kind in "iu" and len(y):
        low, high = y.min(), y.max()
        if int(high) - int(low) < 1 << 20:
            return (np.flatnonzero(np.bincount((y - low).astype(np.intp))) + low).astype(y.dtype)
    return arrays.unique(y)


def _binary_positive(owner: str, y: np.ndarray, pos_label: Any, greater: bool) -> np.ndarray:
    """Whether each label is the positive class, by scikit-learn's rules: ``pos_label`` given, the label
    equal to it; else labels in {0, 1} or {-1, 1} (or one of them), 1; ``greater`` (roc_auc_score's one
    call): of two labels, the greater."""
    present = _present(y)
    if pos_label is not None:
        if len(present) > 2:
            raise InputError(
                f"{owner}: y_true must hold binary labels for binary scores; it holds {len(present)} labels "
                f"({present.tolist()!r:.60}). Pass an (n_samples, n_classes) y_score for multiclass scores."
            )
        if len(present) == 2 and not (present == pos_label).any():
            raise InputError(
                f"{owner}: pos_label={pos_label!r} is not a valid label. It should be one of {present.tolist()}."
            )
        return y == pos_label
    if len(present) > 2:
        raise InputError(
            f"{owner}: y_true must hold binary labels for binary scores; it holds {len(present)} labels "
            f"({present.tolist()!r:.60}). Pass an (n_samples, n_classes) y_score for multiclass scores."
        )
    if greater and len(present) == 2:
        return y == present[1]
    numeric = present.dtype.kind in "biuf"
    if not numeric or not (set(present.tolist()) <= {0, 1} or set(present.tolist()) <= {-1, 1}):
        shown = ", ".join(repr(c) for c in present.tolist())
        raise InputError(
            f"{owner}: y_true takes value in {{{shown}}} and pos_label is not specified: either make y_true take "
            "value in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return y == 1


def _multiclass_classes(owner: str, y: np.ndarray, n_columns: int, labels: Any, one_call: bool) -> np.ndarray:
    """The column index of each label: ``labels`` (sorted, one per column), or y_true's own classes for one
    call (scikit-learn's), or, for a running metric, y_true as column indices 0..C-1."""
    if labels is not None:
        classes = np.asarray(labels)
        if len(arrays.unique(classes)) != len(classes):
            raise InputError(f"{owner}: Parameter 'labels' must be unique; got {list(labels)!r:.80}.")
        if not (np.sort(classes) == classes).all():
            raise InputError(f"{owner}: Parameter 'labels' must be ordered; got {list(labels)!r:.80}.")
        if len(classes) != n_columns:
            raise InputError(
                f"{owner}: Number of given labels, {len(classes)}, not equal to the number of columns in 'y_score', "
                f"{n_columns}."
            )
        at = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        if (classes[at] != y).any():
            raise InputError(f"{owner}: 'y_true' contains labels not in parameter 'labels' ({list(labels)!r:.60}).")
        return at.astype(np.int64)
    if one_call:
        classes, inverse = np.unique(y, return_inverse=True)
        if len(classes) != n_columns:
            raise InputError(
                f"{owner}: Number of classes in y_true ({len(classes)}) not equal to the number of columns in "
                f"'y_score' ({n_columns}); pass every class through labels= in the order of the columns."
            )
        return inverse.reshape(-1).astype(np.int64)
    if y.dtype.kind not in "biu" and not (y.dtype.kind == "f" and (y == np.floor(y)).all()):
        raise InputError(
            f"{owner}: y_true must hold column indices 0..{n_columns - 1} of y_score (a running metric cannot see "
            f"every class up front), or pass labels=; got labels of dtype {y.dtype}."
        )
    if len(y) and (y.min() < 0 or y.max() >= n_columns):
        raise InputError(
            f"{owner}: y_true must hold column indices 0..{n_columns - 1} of y_score, or pass labels=; it holds "
            f"{(y.min() if y.min() < 0 else y.max()).item()!r}."
        )
    return y.astype(np.int64)


def read_scores(
    owner: str,
    y_true: Any,
    y_score: Any,
    sample_weight: Any,
    *,
    pos_label: Any = None,
    labels: Any = None,
    greater: bool = False,
    one_call: bool = False,
    binary_only: bool = False,
    multiclass_sums: bool = False,
) -> ScoreInputs:
    """Checked inputs of a ranking metric (see :class:`ScoreInputs`): binary scores ``(n,)`` with binary
    labels, multiclass scores ``(n, C)`` with 1-D labels, or multilabel scores with an ``(n, L)``
    indicator matrix; NaN or infinite scores, lengths that differ and empty inputs are refused."""
    s = _scores_array(owner, y_score)
    y = as_array(owner, "y_true", y_true)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2):
        raise InputError(f"{owner}: y_true must be 1-D labels or a 2-D indicator matrix, got shape {y.shape}.")
    n = check_same_n_samples(owner, y_true=y, y_score=s)
    if n == 0:
        raise EmptyInputError(f"{owner}: y_true and y_score are empty; at least one sample is needed.")
    check_finite(owner, "y_true", y)  # a NaN label would pass for a class of its own, or for no positive
    w = as_weights(owner, arrays.to_host(sample_weight), n)
    if y.ndim == 2:
        if binary_only:
            raise InputError(f"{owner}: binary labels and scores are needed; got a {y.shape} indicator matrix.")
        if s.shape != y.shape:
            raise InputError(
                f"{owner}: multilabel y_true of shape {y.shape} needs y_score of the same shape, got {s.shape}."
            )
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            raise InputError(f"{owner}: a 2-D y_true must be a multilabel indicator matrix of 0 and 1.")
        return ScoreInputs("multilabel", s, y.astype(np.int64), w, 2)
    if s.ndim == 1:
        positive = _binary_positive(owner, y, pos_label, greater)
        return ScoreInputs("binary", s, positive.astype(np.int64), w, 2)
    if binary_only:
        raise InputError(f"{owner}: binary scores are needed (one per sample); got y_score of shape {s.shape}.")
    if multiclass_sums and not np.allclose(1, s.sum(axis=1, dtype=np.float64)):
        raise InputError(
            f"{owner}: Target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to "
            "1.0 over classes."
        )
    classes = _multiclass_classes(owner, y, s.shape[1], labels, one_call)
    return ScoreInputs("multiclass", s, classes, w, s.shape[1])


# -- formulas ------------------------------------------------------------------------------------------------
def auc_of(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """The area under the ROC curve of tables ``(..., U)`` ascending in the score: the probability that a
    positive outranks a negative, ties counting one half (the trapezoids of scikit-learn's ``auc``); NaN
    where a class has no weight."""
    p, n = pos.sum(axis=-1), neg.sum(axis=-1)
    above = p[..., None] - np.cumsum(pos, axis=-1)
    area = (neg * (above + 0.5 * pos)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((p > 0) & (n > 0), area / np.where((p > 0) & (n > 0), p * n, 1), np.nan)


def ap_of(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Average precision of tables ``(..., U)`` ascending in the score: ``sum_t (R_t - R_{t-1}) P_t`` over
    the thresholds, descending (scikit-learn's, no interpolation); 0 where there is no positive."""
    pos_d, neg_d = pos[..., ::-1], neg[..., ::-1]
    tps, fps = np.cumsum(pos_d, axis=-1), np.cumsum(neg_d, axis=-1)
    p = tps[..., -1] if tps.shape[-1] else np.zeros(tps.shape[:-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tps + fps != 0, tps / np.where(tps + fps != 0, tps + fps, 1), 0.0)
        ap = (pos_d * precision).sum(axis=-1) / np.where(p > 0, p, 1)
    return np.where(p > 0, np.maximum(ap, 0.0), 0.0)


def pooled(columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables of several columns ``(values, pos (m, U), neg (m, U))`` pooled into one (the micro average:
    every item and column one binary decision)."""
    values = np.concatenate([c[0] for c in columns])
    order = np.argsort(values, kind="stable")
    v = values[order]
    starts = np.flatnonzero(np.concatenate([[True], v[1:] != v[:-1]]))
    pos = np.concatenate([c[1] for c in columns], axis=-1)[..., order]
    neg = np.concatenate([c[2] for c in columns], axis=-1)[..., order]
    return v[starts], np.add.reduceat(pos, starts, axis=-1), np.add.reduceat(neg, starts, axis=-1)


def binary_columns(
    kind: str, cols: list[tuple[np.ndarray, np.ndarray]]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(values, pos, neg)`` of each column's one-vs-rest decision (binary and multilabel: the column's
    labels; multiclass: its class against the others)."""
    out = []
    for c, (values, counts) in enumerate(cols):
        if kind == "multiclass":
            pos = counts[..., c]
            out.append((values, pos, counts.sum(axis=-1) - pos))
        else:
            out.append((values, counts[..., 1], counts[..., 0]))
    return out


def averaged(per: np.ndarray, weights: np.ndarray, average: str | None) -> np.ndarray:
    """``(m, C)`` per-column scores averaged as scikit-learn's ``_average_binary_score`` (macro: mean, NaN
    kept; weighted: by each column's positive weight, 0 where that is all zero; None: the mean)."""
    if average == "weighted":
        total = weights.sum(axis=-1)
        filled = np.where(weights == 0, 0.0, per)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (filled * weights).sum(axis=-1) / np.where(np.isclose(total, 0), 1, total)
        return np.where(np.isclose(total, 0), 0.0, out)
    return per.mean(axis=-1)


def ovo_auc(cols: list[tuple[np.ndarray, np.ndarray]], average: str | None) -> np.ndarray:
    """scikit-learn's one-vs-one AUC (Hand & Till 2001): over each pair of classes present, the mean of the
    AUC of column a (a against b) and of column b (b against a); ``weighted``: by the pair's prevalence."""
    support = cols[0][1].sum(axis=-2)  # (m, K): every item counts once in each column
    k = support.shape[-1]
    m = support.shape[0]
    out = np.empty(m)
    for r in range(m):
        present = [c for c in range(k) if support[r, c] > 0]
        scores, prevalence = [], []
        for a, b in combinations(present, 2):
            ca, cb = cols[a][1][r], cols[b][1][r]
            scores.append((auc_of(ca[:, a], ca[:, b]) + auc_of(cb[:, b], cb[:, a])) / 2)
            prevalence.append(support[r, a] + support[r, b])
        if not scores:
            out[r] = np.nan
        elif average == "weighted":
            out[r] = np.average(scores, weights=prevalence)
        else:
            out[r] = np.mean(scores)
    return out


def warn_one_class(pos: np.ndarray, neg: np.ndarray) -> None:
    if not (pos.sum() > 0 and neg.sum() > 0):
        warnings.warn(_ONE_CLASS_AUC, UndefinedMetricWarning, stacklevel=5)


def warn_no_positive(pos: np.ndarray) -> None:
    if not pos.sum() > 0:
        warnings.warn(_NO_POSITIVE_AP, UserWarning, stacklevel=5)


# -- average="samples": each item's labels ranked by its scores ------------------------------------------------------
def sample_rows(pos: np.ndarray, s: np.ndarray, weights: np.ndarray | None, which: str) -> np.ndarray:
    """Rows ``[w * value, w, undefined]`` per item of multilabel indicators ``pos`` and scores ``s``, ``(n,
    L)``: ``value`` is the item's AUROC (``which="auc"``: its positive labels outranking its negative ones,
    ties one half; undefined with one class, counted where ``w != 0``) or average precision (``"ap"``: the
    mean over its positive labels of the precision at their score; 0 without a positive), as scikit-learn's
    ``average="samples"`` scores each row."""
    n = len(pos)
    values = np.empty(n)
    step = max(1, (1 << 22) // max(1, pos.shape[1] ** 2))
    for start in range(0, n, step):  # (items, L, L) comparisons, a block at a time
        p, x = pos[start : start + step].astype(bool), s[start : start + step].astype(np.float64)
        if which == "auc":
            pair = p[:, :, None] & ~p[:, None, :]
            wins = (x[:, :, None] > x[:, None, :]) + 0.5 * (x[:, :, None] == x[:, None, :])
            den = p.sum(axis=1) * (~p).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                values[start : start + step] = np.where(den > 0, (wins * pair).sum(axis=(1, 2)) / den, np.nan)
        else:
            above = x[:, None, :] >= x[:, :, None]  # [i, a, b]: label b scores at least label a's score
            precision = (above & p[:, None, :]).sum(axis=2) / above.sum(axis=2)
            count = p.sum(axis=1)
            values[start : start + step] = np.where(count > 0, (precision * p).sum(axis=1) / np.maximum(count, 1), 0)
    w = np.ones(n) if weights is None else weights
    undefined = np.isnan(values) & (w != 0)
    return np.stack([np.where(np.isnan(values), 0.0, w * values), w, undefined.astype(np.float64)], axis=1)


def sample_average(totals: np.ndarray) -> np.ndarray:
    """The weighted mean of the items' values of :func:`sample_rows` totals (NaN where an item's is
    undefined, as scikit-learn's NaN propagates)."""
    totals = np.atleast_2d(totals)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = totals[:, 0] / totals[:, 1]
    return np.where(totals[:, 2] > 0, np.nan, out)


# -- curves --------------------------------------------------------------------------------------------------
def _drop(flags: np.ndarray, *arrays_: np.ndarray) -> list[np.ndarray]:
    keep = np.flatnonzero(np.concatenate([[True], flags, [True]]))
    return [a[keep] for a in arrays_]


def roc_points(
    values: np.ndarray, pos: np.ndarray, neg: np.ndarray, drop_intermediate: bool, warn: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` of one table, as scikit-learn's ``roc_curve``."""
    fps, tps, thr = clf_curve(values, pos, neg)
    if drop_intermediate and len(fps) > 2:
        fps, tps, thr = _drop(np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), fps, tps, thr)
    fps, tps = np.concatenate([[0.0], fps]), np.concatenate([[0.0], tps])
    thr = np.concatenate([[np.inf], thr])
    if fps[-1] <= 0:
        if warn:
            warnings.warn(
                "No negative samples in y_true, false positive value should be meaningless",
                UndefinedMetricWarning,
                stacklevel=4,
            )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        if warn:
            warnings.warn(
                "No positive samples in y_true, true positive value should be meaningless",
                UndefinedMetricWarning,
                stacklevel=4,
            )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thr


def partial_auc(values: np.ndarray, pos: np.ndarray, neg: np.ndarray, max_fpr: float) -> float:
    """scikit-learn's McClish-corrected partial AUC up to ``max_fpr`` (NaN where a class has no weight)."""
    if not (pos.sum() > 0 and neg.sum() > 0):
        return float("nan")
    fpr, tpr, _ = roc_points(values, pos, neg, True, warn=False)
    if max_fpr == 1:
        return float(np.trapezoid(tpr, fpr))
    stop = np.searchsorted(fpr, max_fpr, "right")
    x_interp, y_interp = [fpr[stop - 1], fpr[stop]], [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    area = float(np.trapezoid(tpr, fpr))
    min_area, max_area = 0.5 * max_fpr**2, max_fpr
    return 0.5 * (1 + (area - min_area) / (max_area - min_area))


def pr_points(
    values: np.ndarray, pos: np.ndarray, neg: np.ndarray, drop_intermediate: bool, warn: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)`` of one table, as scikit-learn's ``precision_recall_curve``."""
    fps, tps, thr = clf_curve(values, pos, neg)
    if drop_intermediate and len(fps) > 2:
        fps, tps, thr = _drop(np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), fps, tps, thr)
    ps = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(ps != 0, tps / np.where(ps != 0, ps, 1), 0.0)
    if not len(tps) or tps[-1] == 0:
        if warn:
            warnings.warn(_NO_POSITIVE_AP, UserWarning, stacklevel=4)
        recall = np.ones(tps.shape)
    else:
        recall = tps / tps[-1]
    return np.concatenate([precision[::-1], [1.0]]), np.concatenate([recall[::-1], [0.0]]), thr[::-1]


def det_points(
    owner: str, values: np.ndarray, pos: np.ndarray, neg: np.ndarray, drop_intermediate: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, fnr, thresholds)`` of one table, as scikit-learn's ``det_curve``."""
    fps, tps, thr = clf_curve(values, pos, neg)
    tps, fps = np.concatenate([[0.0], tps]), np.concatenate([[0.0], fps])
    thr = np.concatenate([[np.inf], thr])
    if drop_intermediate and len(fps) > 2:
        fps, tps, thr = _drop(np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), fps, tps, thr)
    if not (pos.sum() != 0 and neg.sum() != 0):
        raise InputError(
            f"{owner}: Only one class is present in y_true. Detection error tradeoff curve is not defined in that case."
        )
    fns = tps[-1] - tps
    first = np.searchsorted(fps, fps[0], side="right") - 1
    last = np.searchsorted(tps, tps[-1]) + 1
    sl = slice(first if first > 0 else None, last)
    return fps[sl][::-1] / fps[-1], fns[sl][::-1] / tps[-1], thr[sl][::-1]


# -- operating points (torchmetrics' rules) -------------------------------------------------------------------
def _torch_pr(values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torchmetrics' binary precision-recall curve at each distinct score, ascending thresholds (the extra
    end point left out, as its operating points leave it out)."""
    fps, tps, thr = clf_curve(values, pos, neg)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tps / (tps + fps)
        recall = tps / tps[-1] if len(tps) and tps[-1] > 0 else np.ones(tps.shape)
    return precision[::-1], recall[::-1], thr[::-1]


def recall_at_precision(
    values: np.ndarray, pos: np.ndarray, neg: np.ndarray, min_precision: float
) -> tuple[float, float]:
    """The largest recall whose precision is at least ``min_precision`` and its threshold (ties: the higher
    precision, then the higher threshold); ``(0, nan)`` where none reaches it."""
    precision, recall, thr = _torch_pr(values, pos, neg)
    ok = np.flatnonzero(precision >= min_precision)
    if not len(ok):
        return 0.0, float("nan")
    best = ok[np.lexsort((thr[ok], precision[ok], recall[ok]))[-1]]
    r = float(recall[best])
    return r, float(thr[best]) if r != 0 else float("nan")


def precision_at_recall(values: np.ndarray, pos: np.ndarray, neg: np.ndarray, min_recall: float) -> tuple[float, float]:
    """The largest precision whose recall is at least ``min_recall`` and its threshold (ties: the higher
    recall, then the higher threshold); ``(0, nan)`` where none reaches it."""
    precision, recall, thr = _torch_pr(values, pos, neg)
    ok = np.flatnonzero(recall >= min_recall)
    if not len(ok):
        return 0.0, float("nan")
    best = ok[np.lexsort((thr[ok], recall[ok], precision[ok]))[-1]]
    p = float(precision[best])
    return p, float(thr[best]) if p != 0 else float("nan")


def sensitivity_at_specificity(
    values: np.ndarray, pos: np.ndarray, neg: np.ndarray, min_specificity: float
) -> tuple[float, float]:
    """The largest sensitivity (TPR) whose specificity (1 - FPR) is at least ``min_specificity`` and its
    threshold (the highest of equal ones; the ROC's first point has threshold 1.0, as torchmetrics'); ``(0,
    1e6)`` where none reaches it."""
    fps, tps, thr = clf_curve(values, pos, neg)
    fps, tps = np.concatenate([[0.0], fps]), np.concatenate([[0.0], tps])
    thr = np.concatenate([[1.0], thr])
    fpr = fps / fps[-1] if fps[-1] > 0 else np.zeros(fps.shape)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.zeros(tps.shape)
    ok = np.flatnonzero(1 - fpr >= min_specificity)
    if not len(ok):
        return 0.0, 1e6
    best = ok[np.argmax(tpr[ok])]
    return float(tpr[best]), float(thr[best])


__all__ = [
    "AUC_AVERAGES",
    "AveragePrecisionOptions",
    "PrecisionAtRecallOptions",
    "RecallAtPrecisionOptions",
    "RocAucOptions",
    "ScoreInputs",
    "SensitivityAtSpecificityOptions",
    "ap_of",
    "auc_of",
    "averaged",
    "binary_columns",
    "det_points",
    "ovo_auc",
    "partial_auc",
    "pooled",
    "pr_points",
    "precision_at_recall",
    "read_scores",
    "recall_at_precision",
    "roc_points",
    "sample_average",
    "sample_rows",
    "sensitivity_at_specificity",
]
