"""DeLong's variance of the area under the ROC curve, its confidence interval, and the paired test of two
models' AUROC on the same items.

DeLong, DeLong and Clarke-Pearson (1988) write the empirical AUC of ``m`` positives ``X`` and ``n``
negatives ``Y`` as a two-sample U-statistic, ``A = (1/mn) sum_i sum_j psi(X_i, Y_j)`` with ``psi = 1`` when
the positive scores higher, ``1/2`` on a tie, and estimate its covariance from the structural components
(placement values)

    V10_i = (1/n) sum_j psi(X_i, Y_j),    V01_j = (1/m) sum_i psi(X_i, Y_j),

as ``S = S10 / m + S01 / n`` (``S10``, ``S01``: the sample covariances of the components over the models).
Sun and Xu (2014) compute the components from midranks in ``O(N log N)``: with ``T_z`` the midranks of
all scores, ``T_x`` those among the positives and ``T_y`` among the negatives,
``V10_i = (T_z(X_i) - T_x(X_i)) / n`` and ``V01_j = 1 - (T_z(Y_j) - T_y(Y_j)) / m``.

The paired test of two models on the same items: ``z = (A_1 - A_2) / sqrt(S_11 + S_22 - 2 S_12)``,
two-sided ``p = 2 (1 - Phi(|z|))``; the interval: ``A -+ z_{(1+c)/2} sqrt(S)``, clipped to [0, 1], as R's
pROC (``ci.auc``, ``roc.test(method="delong")``, ``var``). The numbers equal pROC's on its own ``aSAH``
example (see the tests).

Example:
    >>> r = delong_test([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7], [0.3, 0.2, 0.5, 0.6, 0.1, 0.4])
    >>> round(r.auc_a, 4), round(r.auc_b, 4)
    (0.8889, 1.0)
    >>> ci = delong_ci([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.7])
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.5809, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import EmptyInputError, InputError
from evalkit.core.inputs import as_array
from evalkit.core.validate import check_finite, check_number, check_same_n_samples

__all__ = ["DelongCI", "DelongTest", "delong_ci", "delong_covariance", "delong_roc_variance", "delong_test"]


@dataclass(frozen=True)
class DelongCI:
    """An AUROC with DeLong's variance and its normal interval at ``confidence``."""

    auc: float
    variance: float
    low: float
    high: float
    confidence: float


@dataclass(frozen=True)
class DelongTest:
    """DeLong's paired test of two AUROCs on the same items (two-sided)."""

    auc_a: float
    auc_b: float
    z: float
    p_value: float
    covariance: np.ndarray  # 2 x 2: the variances of A_a, A_b and their covariance


def _midranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, ties sharing the mean of their ranks."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)
    return ((last - counts + 1 + last) / 2.0)[inverse.reshape(-1)]


def _positive(owner: str, y_true: Any, pos_label: Any) -> np.ndarray:
    y = as_array(owner, "y_true", y_true)
    if y.ndim != 1:
        raise InputError(f"{owner}: y_true must be a 1-D array of binary labels, got shape {y.shape}.")
    check_finite(owner, "y_true", y)  # a NaN label would pass for the negative class
    present = arrays.unique(y)
    if pos_label is None:
        if present.dtype.kind not in "biuf" or not (
            set(present.tolist()) <= {0, 1} or set(present.tolist()) <= {-1, 1}
        ):
            raise InputError(
                f"{owner}: y_true must take values in {{0, 1}} or {{-1, 1}}, or pass pos_label; got "
                f"{present.tolist()!r:.60}."
            )
        positive = y == 1
    else:
        if len(present) > 2:
            raise InputError(f"{owner}: y_true must hold two classes; it holds {len(present)}.")
        positive = y == pos_label
    if positive.all() or not positive.any():
        raise InputError(
            f"{owner}: DeLong's variance needs both classes in y_true (positives and negatives); got "
            f"{int(positive.sum())} positives of {len(y)}."
        )
    return positive


def delong_covariance(y_true: Any, *y_scores: Any, pos_label: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``(aucs, covariance)`` of one or more models' scores of the same items: each model's AUROC and
    DeLong's ``k x k`` covariance matrix of them (Sun and Xu's midrank algorithm, ``O(k N log N)``)."""
    owner = "delong_covariance"
    if not y_scores:
        raise InputError(f"{owner}: give the scores of at least one model.")
    positive = _positive(owner, y_true, pos_label)
    scores = []
    for i, s in enumerate(y_scores):
        a = as_array(owner, f"y_score[{i}]", s)
        if a.ndim != 1 or a.dtype.kind not in "biuf":
            raise InputError(f"{owner}: each model's scores must be a 1-D array of numbers, got shape {a.shape}.")
        a = a.astype(np.float64)
        check_finite(owner, "y_score", a)
        check_same_n_samples(owner, y_true=positive, y_score=a)
        scores.append(a)
    if not len(positive):
        raise EmptyInputError(f"{owner}: y_true is empty.")
    m, n = int(positive.sum()), int((~positive).sum())
    aucs, v10, v01 = [], [], []
    for s in scores:
        tz = _midranks(s)
        tx, ty = _midranks(s[positive]), _midranks(s[~positive])
        aucs.append((tz[positive].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((tz[positive] - tx) / n)
        v01.append(1.0 - (tz[~positive] - ty) / m)
    s10 = np.atleast_2d(np.cov(np.array(v10))) if m > 1 else np.zeros((len(scores), len(scores)))
    s01 = np.atleast_2d(np.cov(np.array(v01))) if n > 1 else np.zeros((len(scores), len(scores)))
    return np.array(aucs), s10 / m + s01 / n


def delong_roc_variance(y_true: Any, y_score: Any, *, pos_label: Any = None) -> tuple[float, float]:
    """``(auc, variance)``: a model's AUROC and DeLong's estimate of its variance (pROC's ``var``).

    Example:
        >>> auc, var = delong_roc_variance([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> auc, round(var, 6)
        (0.75, 0.125)
    """
    aucs, cov = delong_covariance(y_true, y_score, pos_label=pos_label)
    return float(aucs[0]), float(cov[0, 0])


def delong_ci(y_true: Any, y_score: Any, *, confidence: float = 0.95, pos_label: Any = None) -> DelongCI:
    """DeLong's normal interval of a model's AUROC, ``A -+ z sqrt(S)`` clipped to [0, 1] (pROC's
    ``ci.auc(method="delong")``)."""
    confidence = check_number("delong_ci", "confidence", confidence, low=0, high=1, low_open=True, high_open=True)
    auc, var = delong_roc_variance(y_true, y_score, pos_label=pos_label)
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * math.sqrt(max(var, 0.0))
    return DelongCI(auc, var, max(0.0, auc - half), min(1.0, auc + half), confidence)


def delong_test(y_true: Any, y_score_a: Any, y_score_b: Any, *, pos_label: Any = None) -> DelongTest:
    """DeLong's paired test of two models' AUROC on the same items (pROC's
    ``roc.test(method="delong", paired=TRUE)``): ``z`` and the two-sided p-value. Equal AUROCs with a zero
    variance of their difference give ``z = 0``, ``p = 1``."""
    aucs, cov = delong_covariance(y_true, y_score_a, y_score_b, pos_label=pos_label)
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    diff = aucs[0] - aucs[1]
    # a zero variance of the difference: equal AUROCs are no evidence either way, unequal ones are certain
    z = float(diff / math.sqrt(var)) if var > 0 else 0.0 if diff == 0 else math.copysign(math.inf, diff)
    p = math.erfc(abs(z) / math.sqrt(2))
    return DelongTest(float(aucs[0]), float(aucs[1]), z, p, cov)
