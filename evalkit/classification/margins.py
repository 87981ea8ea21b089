"""Scores of class scores: top-k accuracy and the hinge loss, with scikit-learn's names, arguments and rules.

Both are weighted means of one number per sample (:mod:`evalkit.classification._per_sample`): whether
the true class is among the ``k`` highest scores, and ``max(0, 1 - margin)``.

Reference: scikit-learn 1.9 ``top_k_accuracy_score`` and ``hinge_loss``; cross-checked in
``tests/test_multilabel.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._common import labels_option
from evalkit.classification._per_sample import SampleMeanMetric, class_index, n_samples, read_labels, read_scores
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.options import Options, flag, integer, option
from evalkit.core.registry import register

__all__ = ["HingeLoss", "TopKAccuracy", "hinge_loss", "top_k_accuracy_score"]


@dataclass(frozen=True)
class TopKOptions(Options):
    k: int = option(2, integer(minimum=1), "a sample is right when its class is among its k highest scores", sig="k")
    normalize: bool = option(
        True, flag(), "the fraction of samples right (False: their weighted number)", sig="normalize"
    )
    labels: tuple | None = labels_option(
        "the classes of y_score's columns, sorted (default: y_true's for one call, 0..C-1 for a running metric)"
    )


@dataclass(frozen=True)
class HingeOptions(Options):
    labels: tuple | None = labels_option(
        "every class, sorted (default: y_true's for one call; a running metric's: 0..C-1, or {-1, 1}/{0, 1} for 1-D)"
    )


def _classes(owner: str, y: np.ndarray, labels: tuple | None, n_columns: int, running: bool) -> np.ndarray:
    """The sorted classes of the score columns: ``labels`` (which must be sorted, as scikit-learn requires),
    the classes of ``y`` (one call) or the column indices (a running metric)."""
    if labels is not None:
        classes = np.asarray(labels)
        if not (arrays.unique(classes) == classes).all():
            raise InputError(
                f"{owner}: 'labels' must be sorted (the order of y_score's columns); got {list(labels)!r:.60}."
            )
        return classes
    return np.arange(n_columns) if running else arrays.unique(y)


def top_k_hits(scores: np.ndarray, at: np.ndarray, k: int) -> np.ndarray:
    """Whether column ``at[i]`` is among the ``k`` highest of row ``i``; of equal scores the later column
    ranks higher (scikit-learn reverses a stable ascending argsort)."""
    own = scores[np.arange(len(at)), at][:, None]
    later = np.arange(scores.shape[1])[None, :] > at[:, None]
    rank = (scores > own).sum(axis=1) + ((scores == own) & later).sum(axis=1)
    return rank < k


@register
class TopKAccuracy(SampleMeanMetric):
    """Top-k accuracy in a training loop: rows ``[w * hit, w, ...]`` per sample.

    ``y_score`` is ``(n, n_classes)`` (columns in the sorted order of the classes, by default the column
    indices 0..C-1) or, for two classes, ``(n,)``: the greater class's score. For 1-D scores and ``k=1`` a
    sample is predicted positive above 0.5 when every score lies in [0, 1], else above 0 (scikit-learn's
    rule, over all the data): the rows count hits at both thresholds and keep the least and greatest score.

    Options (keyword-only), declared in :class:`~evalkit.classification.margins.TopKOptions`:

    {options}

    Example:
        >>> m = TopKAccuracy(k=2).update([0, 1], [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2]]).update([2], [[0.2, 0.4, 0.3]])
        >>> m.compute().score
        1.0
    """

    name = "top_k_accuracy"
    higher_is_better = True
    options_type: ClassVar[type[TopKOptions]] = TopKOptions
    options: TopKOptions

    def __init__(self, *, k: int = 2, normalize: bool = True, labels: Any = None) -> None:
        super().__init__(locals())

    @property
    def normalize(self) -> bool:
        return self.options.normalize

    def values(self, y_true: Any, y_score: Any, sample_weight: Any, running: bool) -> tuple[Any, Any, Any]:
        o, owner = self.options, self._owner
        scores = read_scores(owner, "y_score", y_score)
        y = read_labels(owner, "y_true", y_true)
        _, w = n_samples(owner, sample_weight, y_true=y, y_score=scores)
        if running:
            binary = scores.ndim == 1 or scores.shape[1] == 1
        else:  # scikit-learn's type_of_target: two classes or fewer in y_true (and labels) is binary
            binary = len(arrays.unique(y)) <= 2 and (o.labels is None or len(o.labels) <= 2)
            if binary and scores.ndim == 2 and scores.shape[1] != 1:
                raise InputError(
                    f"{owner}: y_true is binary while y_score is 2-D with {scores.shape[1]} classes; if y_true does "
                    f"not hold every class, pass them through labels=."
                )
            if not binary and scores.ndim != 2:
                raise InputError(
                    f"{owner}: y_score must be (n_samples, n_classes) for multiclass y_true; got {scores.shape}."
                )
        n_columns = 2 if binary else scores.shape[1]
        classes = _classes(owner, y, o.labels, n_columns, running)
        if len(classes) != n_columns:
            raise InputError(
                f"{owner}: the number of classes ({len(classes)}: {classes.tolist()!r:.60}) is not the number of "
                f"classes in y_score ({n_columns}); pass every class through labels=."
            )
        if not running and o.k >= n_columns:
            warnings.warn(
                f"'k' ({o.k}) greater than or equal to 'n_classes' ({n_columns}) will result in a perfect score and "
                f"is therefore meaningless.",
                UndefinedMetricWarning,
                stacklevel=5,
            )
        at = class_index(owner, y, classes, "the classes")
        weights = np.ones(len(y)) if w is None else w
        if binary:
            s = scores.reshape(-1)
            if o.k == 1:
                hit, hit_at_zero = (s > 0.5) == (at == 1), (s > 0) == (at == 1)
            else:
                hit = hit_at_zero = np.ones(len(s), dtype=bool)
            low, high = s, s
        else:
            hit = hit_at_zero = top_k_hits(scores, at, o.k)
            low = high = np.full(len(y), 0.5)  # the threshold's range check is for 1-D scores only
        more = np.stack([weights * hit_at_zero, low, high], axis=1)
        return hit.astype(np.float64), w, (more, ("sum", "min", "max"))

    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        return ("sum", "sum", "sum", "min", "max")

    def scores(self, totals: Any) -> np.ndarray:
        totals = np.asarray(totals, dtype=np.float64)
        in_unit = (totals[:, 3] >= 0) & (totals[:, 4] <= 1)
        hits = np.where(in_unit, totals[:, 0], totals[:, 2])
        if not self.normalize:
            return hits
        return hits / np.where(totals[:, 1] == 0, np.nan, totals[:, 1])


def top_k_accuracy_score(
    y_true: Any, y_score: Any, *, k: int = 2, normalize: bool = True, sample_weight: Any = None, labels: Any = None
) -> float:
    """The fraction (``normalize=False``: the weighted number) of samples whose true class is among the ``k``
    classes of highest score; of equal scores the later column ranks higher, as in scikit-learn 1.9's
    ``top_k_accuracy_score``.

    Example:
        >>> top_k_accuracy_score([0, 1, 2, 2], [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]])
        0.75
    """
    return TopKAccuracy.bound("top_k_accuracy_score", locals()).evaluate(y_true, y_score, sample_weight)[0]


# -- hinge loss ------------------------------------------------------------------------------------------------
@register
class HingeLoss(SampleMeanMetric):
    """The hinge loss in a training loop: rows ``[w * max(0, 1 - margin), w]`` per sample.

    Binary (``pred_decision`` 1-D): the margin is ``y * d`` with ``y`` +1 for the greater class and -1 for
    the other. Multiclass (``(n, n_classes)``, columns in the sorted order of the classes): Crammer and
    Singer's margin, the true class's decision minus the greatest other one.

    Options (keyword-only), declared in :class:`~evalkit.classification.margins.HingeOptions`:

    {options}

    Example:
        >>> round(HingeLoss().update([-1, 1], [-2.18, 2.36]).update([1], [0.09]).compute().score, 4)
        0.3033
    """

    name = "hinge_loss"
    options_type: ClassVar[type[HingeOptions]] = HingeOptions
    options: HingeOptions

    def __init__(self, *, labels: Any = None) -> None:
        super().__init__(locals())

    def values(self, y_true: Any, y_score: Any, sample_weight: Any, running: bool) -> tuple[Any, Any, Any]:
        o, owner = self.options, self._owner
        decision = read_scores(owner, "pred_decision", y_score)
        y = read_labels(owner, "y_true", y_true)
        _, w = n_samples(owner, sample_weight, y_true=y, pred_decision=decision)
        if running:
            multiclass = decision.ndim == 2 and decision.shape[1] > 1
            if o.labels is not None:
                classes = arrays.unique(np.asarray(o.labels))
            elif multiclass:
                classes = np.arange(decision.shape[1])
            else:  # labels in {-1, 1} or {0, 1}: 1 is the positive class
                classes = np.array([-1, 1]) if (y == -1).any() else np.array([0, 1])
        else:
            classes = arrays.unique(np.asarray(o.labels if o.labels is not None else y))
            multiclass = len(classes) > 2
        if multiclass:
            if decision.ndim != 2 or decision.shape[1] != len(classes):
                raise InputError(
                    f"{owner}: pred_decision must be (n_samples, n_classes) = ({len(y)}, {len(classes)}) for the "
                    f"classes {classes.tolist()!r:.60}; got shape {decision.shape}. If y_true does not hold every "
                    f"class, pass them through labels=."
                )
            at = class_index(owner, y, classes, "the classes")
            rows = np.arange(len(y))
            own = decision[rows, at]
            others = decision.copy()
            others[rows, at] = -np.inf
            margin = own - others.max(axis=1)
        else:
            if decision.ndim == 2 and decision.shape[1] != 1:
                raise InputError(f"{owner}: pred_decision must be 1-D for a binary target; got shape {decision.shape}.")
            if running:
                class_index(owner, y, classes, "the classes")  # a label outside the two classes
            # scikit-learn's LabelBinarizer(neg_label=-1): the greater of two classes is +1, a single one -1
            sign = np.where(y == classes[1], 1.0, -1.0) if len(classes) == 2 else np.full(len(y), -1.0)
            margin = sign * decision.reshape(-1)
        return np.maximum(1 - margin, 0.0), w, None


def hinge_loss(y_true: Any, pred_decision: Any, *, labels: Any = None, sample_weight: Any = None) -> float:
    """The mean hinge loss ``max(0, 1 - margin)``: binary, ``margin = y * d`` (``y`` in {-1, +1}, the greater
    class +1); multiclass, Crammer and Singer's ``d[true] - max(d[other])``. scikit-learn 1.9's ``hinge_loss``.

    Example:
        >>> round(hinge_loss([-1, 1, 1], [-2.18, 2.36, 0.09]), 4)
        0.3033
    """
    return HingeLoss.bound("hinge_loss", locals()).evaluate(y_true, pred_decision, sample_weight)[0]
