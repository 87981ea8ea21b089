"""What the classification metrics share: their options, declared once, and their formulas.

Each formula maps a matrix of totals (one row per total: a running state's, or bootstrap resamples; the
layouts of :mod:`evalkit.classification._targets`) to one number per row, through a view of its layout
(:class:`LabelTotals`, :class:`MultilabelTotals`). A single score is the formula on one row, with
``check=True``: it then raises scikit-learn's errors and warns its warnings where that one total is
undefined, as a call of scikit-learn's function on the same rows does. Many rows are scored silently,
undefined values taking ``zero_division`` or NaN. The rules are scikit-learn 1.9's: ``_prf_divide`` and
``_warn_prf`` for zero division, ``_nanaverage`` for averages, ``confusion_matrix``'s label selection, and
the formulas of balanced accuracy, MCC and Cohen's kappa.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.classification._targets import family
from evalkit.core.errors import InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.options import Options, choice, flag, integer, number, option
from evalkit.core.validate import check_labels

AVERAGES = (None, "binary", "micro", "macro", "weighted", "samples")
#: what ``precision_recall_fscore_support`` warns about by default
ALL_WARN = ("precision", "recall", "f-score")


# -- options -------------------------------------------------------------------------------------------------
def _shown(value: Any) -> Any:
    return "none" if value is None else value


def _label_list(owner: str, name: str, value: Any) -> tuple | None:
    labels = check_labels(owner, name, value)
    return None if labels is None else tuple(labels)


def labels_option(doc: str) -> Any:
    """The ``labels`` option: ``None`` or a 1-D list of unique labels, kept as a tuple."""
    return option(None, _label_list, doc, sig="labels", show=_shown)


def _zero_division(owner: str, name: str, value: Any) -> Any:
    if isinstance(value, str) and value == "warn":
        return value
    if isinstance(value, numbers.Real) and (value in (0, 1) or value != value):
        return value
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be one of 'warn', 0, 1, nan. Got {value!r} instead."
    )


def zero_division_value(zero_division: Any) -> float:
    """The number a zero denominator gives (``"warn"``: 0.0)."""
    return 0.0 if isinstance(zero_division, str) else float(zero_division)


def _unit_or_nan(owner: str, name: str, value: Any) -> Any:
    """A number in [-1, 1] or NaN, as given (scikit-learn's warning prints it as given)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and (value != value or -1 <= value <= 1):
        return value
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be a number in [-1, 1] or nan. Got {value!r} instead."
    )


def _names(owner: str, name: str, value: Any) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, set, frozenset, dict)) or not hasattr(value, "__len__"):
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be a list of names, one per label. Got {value!r:.80} instead."
        )
    return tuple(value)


@dataclass(frozen=True)
class AccuracyOptions(Options):
    normalize: bool = option(
        True, flag(), "the fraction of samples right (False: their weighted number)", sig="normalize"
    )


@dataclass(frozen=True)
class ConfusionMatrixOptions(Options):
    labels: tuple | None = labels_option("the labels of the rows and columns, in order (default: every label seen)")
    normalize: str | None = option(
        None,
        choice(None, "true", "pred", "all"),
        "divide by the row sums ('true'), the column sums ('pred') or the total ('all')",
        sig="normalize",
        show=_shown,
    )


@dataclass(frozen=True)
class PRFOptions(Options):
    """Precision's, recall's and F1's options (F-beta's add ``beta``)."""

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
        "the value of a division by zero: 'warn' (0.0 and a warning), 0, 1 or nan (left out of averages)",
        sig="zero_division",
    )

    @property
    def f_beta(self) -> float:
        """The beta of the F-score (F1's, and of precision's and recall's components)."""
        return 1.0

    @property
    def samples_beta(self) -> float | None:
        """The beta of the per-sample sums that ``average="samples"`` counts (None: not counted)."""
        return self.f_beta if self.average == "samples" else None

    def signature_items(self) -> dict[str, Any]:
        items = super().signature_items()
        return {"average": items.pop("average"), "beta": self.f_beta, **items}


@dataclass(frozen=True)
class FBetaOptions(PRFOptions):
    beta: float = option(1.0, number(low=0, allow_inf=True), "recall counts beta times as much as precision")

    @property
    def f_beta(self) -> float:
        return self.beta


@dataclass(frozen=True)
class BalancedAccuracyOptions(Options):
    adjusted: bool = option(False, flag(), "rescale so that chance scores 0 and a perfect prediction 1", sig="adjusted")


@dataclass(frozen=True)
class KappaOptions(Options):
    labels: tuple | None = labels_option("the labels of the confusion matrix, in order (default: every label seen)")
    weights: str | None = option(
        None, choice(None, "linear", "quadratic"), "disagreement weights: None, 'linear' or 'quadratic'", sig="weights",
        show=_shown,
    )  # fmt: skip
    replace_undefined_by: float = option(
        np.nan,
        _unit_or_nan,
        "the score where kappa is undefined: in [-1, 1] or nan",
        sig="undefined",
        hide_default=True,  # left out at nan, so that states saved before it entered the signature still load
    )


@dataclass(frozen=True)
class LogLossOptions(Options):
    labels: tuple | None = labels_option(
        "the classes in the order of y_proba's columns (default: y_true's for one call, 0..C-1 for a running metric)"
    )
    normalize: bool = option(
        True, flag(), "the mean loss per sample (False: the weighted sum)", sig="normalize", hide_default=True
    )


@dataclass(frozen=True)
class ReportOptions(Options):
    """``classification_report``'s own options (its ``labels`` and ``zero_division`` are F1's)."""

    target_names: tuple | None = option(None, _names, "display names of the labels, in the order of labels")
    digits: int = option(2, integer(minimum=0, maximum=30), "digits of the text report's numbers")
    output_dict: bool = option(False, flag(), "return a dict instead of the text")


@dataclass(frozen=True)
class MultilabelMatrixOptions(Options):
    labels: tuple | None = labels_option("the labels (multilabel: column indices) of the matrices, in order")
    samplewise: bool = option(False, flag(), "one matrix per sample (multilabel) instead of one per label")


# -- views of totals -------------------------------------------------------------------------------------------
def locate(owner: str, frame: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each of ``labels`` in the sorted ``frame`` (clipped) and whether it is there.

    A label of the other kind than the data's (a number among strings) is not there, as in scikit-learn,
    unless its text is the text of a label of the data (``labels=["0", "1"]`` for integer labels): such
    labels are refused (scikit-learn's P/R/F read them as that label, its confusion matrix does not).
    """
    if len(labels) and family(labels) != family(frame):
        by_text = {str(v): v for v in frame.tolist()}
        meant = [by_text[str(v)] for v in labels.tolist() if str(v) in by_text]
        if meant:
            raise InputError(
                f"{owner}: labels={labels.tolist()!r:.80} holds {family(labels)}s, but y_true and y_pred hold "
                f"{family(frame)}s; pass the labels as the data holds them (e.g. {meant!r:.60})."
            )
        return np.zeros(len(labels), dtype=np.intp), np.zeros(len(labels), dtype=bool)
    at = np.clip(np.searchsorted(frame, labels), 0, len(frame) - 1)
    return at, np.asarray(frame[at] == labels, dtype=bool)


def contains(labels: np.ndarray, value: Any) -> bool:
    return any(v == value for v in labels.tolist())


@dataclass(frozen=True)
class LabelTotals:
    """Totals of the class-label layout over the frame ``labels`` (``K``), with a leading axis over totals."""

    labels: np.ndarray  # (K,)
    cm: np.ndarray  # (m, K, K), rows true
    n_true: np.ndarray  # (m, K): samples with each true label, at any weight
    n_pred: np.ndarray  # (m, K)

    @classmethod
    def of(cls, totals: np.ndarray, labels: np.ndarray) -> LabelTotals:
        k, m = len(labels), totals.shape[0]
        return cls(labels, totals[:, : k * k].reshape(m, k, k), totals[:, k * k : k * k + k], totals[:, k * k + k :])

    @functools.cached_property
    def present(self) -> np.ndarray:
        """``(m, K)``: the labels each total has seen (as true or predicted label, at any weight)."""
        return (self.n_true > 0) | (self.n_pred > 0)

    @property
    def weight(self) -> np.ndarray:
        return self.cm.sum(axis=(1, 2))

    def per_label(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(tp, predicted, true)``, each ``(m, K)``."""
        return np.diagonal(self.cm, axis1=1, axis2=2), self.cm.sum(axis=1), self.cm.sum(axis=2)

    def matrix(self, owner: str, labels: Sequence | None, check: bool) -> np.ndarray:
        """The confusion matrices over ``labels`` (``(m, K', K')``; default: the frame's), samples with
        another label on either side left out, as scikit-learn's ``confusion_matrix`` leaves them out."""
        if labels is None:
            return self.cm
        labels = np.asarray(labels)
        if check and labels.size == 0:
            raise InputError(f"{owner}: 'labels' should contain at least one label; got an empty list.")
        at, found = locate(owner, self.labels, labels)
        if check and not (found & (self.n_true[0, at] > 0)).any():
            raise InputError(
                f"{owner}: at least one label in 'labels' must occur in y_true; labels={labels.tolist()!r:.80} and "
                f"y_true holds {self.labels[self.n_true[0] > 0].tolist()!r:.80}."
            )
        return self.cm[:, at[:, None], at[None, :]] * (found[:, None] & found[None, :])

    def positions(self, labels: Sequence | None) -> np.ndarray:
        """``(m, K')``: each label's place among those of :meth:`matrix` that each total holds (without
        ``labels``: among the labels it has seen)."""
        if labels is None:
            return np.cumsum(self.present, axis=1) - 1
        return np.broadcast_to(np.arange(len(labels)), (self.cm.shape[0], len(labels)))


@dataclass(frozen=True)
class MultilabelTotals:
    """Totals of the multilabel layout over ``L`` labels (columns), with a leading axis over totals."""

    tp: np.ndarray  # (m, L)
    pred: np.ndarray  # (m, L)
    true: np.ndarray  # (m, L)
    weight: np.ndarray  # (m,)
    n: np.ndarray  # (m,) samples
    samples: np.ndarray | None  # (m, 3, len(SAMPLE_SUMS)): precision, recall, F-beta of each sample, summed
    beta: float | None

    @classmethod
    def of(cls, totals: np.ndarray, n_labels: int, beta: float | None) -> MultilabelTotals:
        L, m = n_labels, totals.shape[0]
        tp, pred, true = (totals[:, i * L : (i + 1) * L] for i in range(3))
        samples = totals[:, 3 * L + 2 :].reshape(m, 3, -1) if beta is not None else None
        return cls(tp, pred, true, totals[:, 3 * L], totals[:, 3 * L + 1], samples, beta)


View = LabelTotals | MultilabelTotals


# -- precision, recall, F-beta ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PRF:
    """Precision, recall and F-beta of each total: averaged, ``(m,)`` each, or per label (``average=None``:
    ``(m, K')`` each, with their ``support``), over ``labels``, of which ``keep`` says which each total scores."""

    values: tuple[np.ndarray, np.ndarray, np.ndarray]
    support: np.ndarray | None
    labels: np.ndarray
    keep: np.ndarray

    def score(self, which: int) -> np.ndarray:
        """Precision (0), recall (1) or F (2) of each total; per label (``average=None``): their mean."""
        value = self.values[which]
        return value if value.ndim == 1 else label_average(value, self.keep, None)


def warn_prf(average: Any, modifier: str, msg_start: str, result_size: int) -> None:
    # scikit-learn's wording, so that filters written for it keep working
    axis0, axis1 = ("label", "sample") if average == "samples" else ("sample", "label")
    where = "due to" if result_size == 1 else f"in {axis1}s with"
    warnings.warn(
        f"{msg_start} ill-defined and being set to 0.0 {where} no {modifier} {axis0}s. "
        f"Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=7,  # the caller of f1_score(), or of compute()
    )


def _prf_labels(view: View, o: PRFOptions, owner: str, check: bool) -> tuple | None:
    """The labels P/R/F score (``None``: every label seen), after scikit-learn's checks of ``average``."""
    multilabel = isinstance(view, MultilabelTotals)
    if o.average == "binary":
        seen = np.arange(view.tp.shape[1]) if multilabel else view.labels[view.present.any(axis=0)]
        if multilabel or len(seen) > 2:
            options = [None, "micro", "macro", "weighted", *(["samples"] if multilabel else [])]
            kind = "multilabel-indicator" if multilabel else "multiclass"
            raise InputError(
                f"{owner}: target is {kind} but average='binary'. Choose another average, one of {options}."
            )
        if not contains(seen, o.pos_label) and len(seen) >= 2:
            raise InputError(
                f"{owner}: pos_label={o.pos_label!r} is not a valid label. It should be one of {seen.tolist()}."
            )
        return (o.pos_label,)
    if check and o.pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {o.pos_label!r}) is ignored when average != 'binary' (got {o.average!r}). "
            f"You may use labels=[pos_label] to specify a single positive class.",
            UserWarning,
            stacklevel=6,
        )
    if o.average == "samples" and not multilabel:
        raise InputError(f"{owner}: average='samples' needs multilabel indicator targets; these are class labels.")
    return o.labels


def selected_counts(view: View, labels: tuple | None, owner: str) -> tuple[np.ndarray, ...]:
    """``(tp, predicted, true, keep, labels)`` of the labels scored: ``(m, K')`` each but ``labels``."""
    if isinstance(view, MultilabelTotals):
        tp, pred, true = view.tp, view.pred, view.true
        columns = np.arange(tp.shape[1]) if labels is None else label_columns(owner, labels, tp.shape[1])
        keep = np.ones((tp.shape[0], len(columns)), dtype=bool)
        return tp[:, columns], pred[:, columns], true[:, columns], keep, columns
    tp, pred, true = view.per_label()
    if labels is None:
        return tp, pred, true, view.present, view.labels
    asked = np.asarray(labels)
    at, found = locate(owner, view.labels, asked)
    keep = np.ones((tp.shape[0], len(asked)), dtype=bool)
    return (*(np.where(found, x[:, at], 0) for x in (tp, pred, true)), keep, asked)


def _divide(num, den, keep, name, modifier, o, warn_for) -> np.ndarray:
    """``num / den``, ``zero_division`` where ``den == 0`` (and scikit-learn's warning for a kept label)."""
    zero = den == 0
    if not zero.any():
        return np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)
    result = np.asarray(num, dtype=np.float64) / np.where(zero, 1, den).astype(np.float64)
    result[zero] = zero_division_value(o.zero_division)
    if isinstance(o.zero_division, str) and name in warn_for and (zero & keep).any():
        warn_prf(o.average, modifier, f"{name.capitalize()} is", int(keep[0].sum()))
    return result


def label_average(values: np.ndarray, keep: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """The mean over the kept labels (last axis) of ``values``, NaN left out, weighted by ``weights`` unless
    they sum to zero (scikit-learn's ``_nanaverage``); NaN where no value is left."""
    valid = keep & ~np.isnan(values)
    w = valid
    if weights is not None:
        w = valid * weights
        w = np.where((w.sum(axis=-1) == 0)[..., None], valid, w)
    total = w.sum(axis=-1)
    return np.where(total == 0, np.nan, (np.where(valid, values, 0.0) * w).sum(axis=-1) / _nonzero(total))


def prf(view: View, o: PRFOptions, owner: str, warn_for: Sequence[str] = (), check: bool = False) -> PRF:
    """scikit-learn's ``precision_recall_fscore_support`` of each total (warnings: those of ``warn_for``)."""
    labels = _prf_labels(view, o, owner, check)
    if o.average == "samples":
        return _samples_average(view, o, warn_for if check else ())  # type: ignore[arg-type]
    tp, pred, true, keep, scored = selected_counts(view, labels, owner)
    if isinstance(view, LabelTotals) and true.dtype.kind in "iu" and not np.trace(view.cm, axis1=1, axis2=2).any():
        # scikit-learn's counts turn float when no sample is predicted right (its report shows "2.0")
        tp, pred, true = (x.astype(np.float64) for x in (tp, pred, true))
    if o.average == "micro":
        tp, pred, true = (x.sum(axis=1, keepdims=True) for x in (tp, pred, true))
        keep = np.ones((len(tp), 1), dtype=bool)
    warn = warn_for if check else ()
    precision = _divide(tp, pred, keep, "precision", "predicted", o, warn)
    recall = _divide(tp, true, keep, "recall", "true", o, warn)
    if o.f_beta == math.inf:
        f_score = recall
    elif o.f_beta == 0:
        f_score = precision
    else:
        b2 = o.f_beta**2
        num = (1 + b2) * np.asarray(tp, dtype=np.float64)
        den = b2 * np.asarray(true, dtype=np.float64) + np.asarray(pred, dtype=np.float64)
        f_score = _divide(num, den, keep, "f-score", "true nor predicted", o, warn)
    if o.average is None:
        return PRF((precision, recall, f_score), true, scored, keep)
    averaged = label_average(np.stack([precision, recall, f_score]), keep, true if o.average == "weighted" else None)
    return PRF(tuple(averaged), None, scored, keep)  # type: ignore[arg-type]


def _samples_average(view: MultilabelTotals, o: PRFOptions, warn_for: Sequence[str]) -> PRF:
    """Precision, recall, F-beta averaged over samples, from the per-sample sums of :data:`SAMPLE_SUMS`."""
    zd = zero_division_value(o.zero_division)
    names = [("precision", "predicted"), ("recall", "true"), ("f-score", "true nor predicted")]
    if o.f_beta in (math.inf, 0):  # F is recall or precision: warned about there
        names[2] = ("", "")
    out = []
    for j, (metric, modifier) in enumerate(names):
        wsum, wdef, wundef, vsum, ndef, nundef = (view.samples[:, j, c] for c in range(6))  # type: ignore[index]
        if nundef[0] and isinstance(o.zero_division, str) and metric in warn_for:
            warn_prf("samples", modifier, f"{metric.capitalize()} is", int(view.n[0]))
        with np.errstate(divide="ignore", invalid="ignore"):
            if zd != zd:  # nan: undefined samples are left out
                value = np.where(ndef == 0, np.nan, np.where(wdef == 0, vsum / ndef, wsum / wdef))
            else:
                value = np.where(
                    wdef + wundef == 0, (vsum + zd * nundef) / (ndef + nundef), (wsum + zd * wundef) / (wdef + wundef)
                )
        out.append(value)
    return PRF(tuple(out), None, np.arange(view.tp.shape[1]), np.ones((len(view.n), 1), dtype=bool))  # type: ignore[arg-type]


def label_columns(owner: str, labels: Any, n_labels: int) -> np.ndarray:
    """``labels`` of multilabel targets: column indices in ``[0, n_labels)``."""
    cols = np.asarray(labels)
    if len(cols) and (cols.dtype.kind not in "iu" or cols.max() >= n_labels or cols.min() < 0):
        raise InputError(
            f"{owner}: for multilabel targets, labels must be column indices in [0, {n_labels}); "
            f"got {cols.tolist()!r:.80}."
        )
    return cols.astype(np.intp)


# -- the other scores ------------------------------------------------------------------------------------------
def weighted_mean(totals: np.ndarray, normalize: bool) -> np.ndarray:
    """``sum(w * x) / sum(w)`` of each ``[sum(w * x), sum(w)]`` total (``normalize=False``: the sum itself):
    accuracy (``x`` is 1 for a sample predicted right) and log loss (``x`` is ``-log p_true``)."""
    totals = np.asarray(totals, dtype=np.float64)
    if not normalize:
        return totals[:, 0].copy()
    weight = totals[:, 1]
    return totals[:, 0] / np.where(weight == 0, np.nan, weight)  # NaN where undefined (no weight)


def _nonzero(den: np.ndarray) -> np.ndarray:
    """``den`` with 1 for 0: a denominator whose zeros the caller replaces (no errstate to enter)."""
    return np.where(den == 0, 1, den)


def matrix_accuracy(cm: np.ndarray) -> np.ndarray:
    """The trace over the total of each ``(K, K)`` matrix of ``cm`` (NaN for an empty one)."""
    total = cm.sum(axis=(1, 2))
    return np.where(total == 0, np.nan, np.trace(cm, axis1=1, axis2=2) / _nonzero(total))


def normalized(cm: np.ndarray, normalize: str | None) -> np.ndarray:
    """One confusion matrix divided by its row sums, column sums or total (0/0 gives 0)."""
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
    return np.nan_to_num(cm)


def _rescaled(score: Any, chance: Any) -> Any:
    return (score - chance) / (1 - chance)


def balanced_accuracy(view: LabelTotals, adjusted: bool, check: bool) -> np.ndarray:
    """The mean recall over the classes each total has in ``y_true``; ``adjusted``: chance rescaled to 0."""
    rows, right = view.cm.sum(axis=2), np.diagonal(view.cm, axis1=1, axis2=2)
    # 0/0: a class not in y_true (or of no weight) has no recall; x/0 (negative weights) is infinite
    per_class = np.where(rows == 0, np.copysign(np.inf, right), right / _nonzero(rows))
    valid = view.present & ((rows != 0) | (right != 0))
    if check and valid.sum() != view.present.sum():
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=6)
    count = valid.sum(axis=1)
    score = np.where(count == 0, np.nan, np.where(valid, per_class, 0.0).sum(axis=1) / _nonzero(count))
    if not adjusted:
        return score
    if check:  # one total: numpy's scalar arithmetic, which warns where chance is 1, as scikit-learn's does
        return np.array([_rescaled(score[0], 1 / count[0])])
    with np.errstate(divide="ignore", invalid="ignore"):
        return _rescaled(score, 1 / count)


def mcc(view: LabelTotals) -> np.ndarray:
    """Matthews correlation coefficient (Gorodkin's K-class form) of each total; 0 where undefined."""
    t_sum = view.cm.sum(axis=2, dtype=np.float64)
    p_sum = view.cm.sum(axis=1, dtype=np.float64)
    n_correct = np.trace(view.cm, axis1=1, axis2=2, dtype=np.float64)
    n = p_sum.sum(axis=1)
    cov_tp = n_correct * n - (t_sum * p_sum).sum(axis=1)
    cov_pp = n**2 - (p_sum * p_sum).sum(axis=1)
    cov_tt = n**2 - (t_sum * t_sum).sum(axis=1)
    den = cov_pp * cov_tt
    return np.where(den == 0, 0.0, cov_tp / np.sqrt(_nonzero(den)))


def kappa(view: LabelTotals, o: KappaOptions, owner: str, check: bool) -> np.ndarray:
    """Cohen's kappa ``1 - sum(W * C) / sum(W * E)`` of each total; ``replace_undefined_by`` where undefined."""
    cm = view.matrix(owner, o.labels, check).astype(np.float64)
    sum0, sum1 = cm.sum(axis=1), cm.sum(axis=2)
    total = sum0.sum(axis=1)
    expected = sum0[:, :, None] * sum1[:, None, :] / _nonzero(total)[:, None, None]
    if o.weights is None:
        w_mat = 1.0 - np.eye(cm.shape[1])
    else:
        position = view.positions(o.labels)
        gap = position[:, None, :] - position[:, :, None]
        w_mat = np.abs(gap) if o.weights == "linear" else gap**2
    den = (w_mat * expected).sum(axis=(1, 2))
    message = "`cohen_kappa_score` is undefined and set to the value defined by the `replace_undefined_by` param"
    if check and total[0] == 0:
        cause = "`y2` contains no labels that are present in both `y1` and `labels`."
    elif check and den[0] == 0:
        cause = "`y1`, `y2` and `labels` have only one label in common."
    else:
        cause = ""
    if cause:
        warnings.warn(
            f"{cause} {message}, which is set to {o.replace_undefined_by}.", UndefinedMetricWarning, stacklevel=6
        )
    value = 1 - (w_mat * cm).sum(axis=(1, 2)) / _nonzero(den)
    return np.where((total == 0) | (den == 0), o.replace_undefined_by, value)
