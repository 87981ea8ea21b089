"""Multilabel ranking metrics: coverage error, label ranking average precision and ranking loss, with
scikit-learn's names, arguments and rules.

Each is a weighted mean of one number per sample (:mod:`evalkit.classification._per_sample`), computed
from the sample's indicator row ``y`` (its relevant labels) and score row ``s``:

- coverage: how far down the ranking one must go to cover every relevant label,
  ``|{k : s_k >= min_{j relevant} s_j}|`` (0 for a sample without relevant labels);
- LRAP: the mean over relevant ``j`` of ``|{relevant k : s_k >= s_j}| / |{k : s_k >= s_j}|`` (1 for a sample
  whose labels are all relevant or all irrelevant);
- ranking loss: the share of (relevant, irrelevant) pairs ordered wrongly, ``s_irrelevant >= s_relevant``
  (0 for a sample whose labels are all relevant or all irrelevant).

Ties count against the ranking, as in scikit-learn. The comparisons run over blocks of samples
(``(block, L, L)`` booleans), so memory stays bounded for any number of samples.

Reference: scikit-learn 1.9 ``coverage_error``, ``label_ranking_average_precision_score``,
``label_ranking_loss``; cross-checked in ``tests/test_multilabel.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from evalkit.classification._per_sample import SampleMeanMetric, n_samples, read_indicators, read_scores
from evalkit.core.errors import InputError
from evalkit.core.registry import register

__all__ = [
    "CoverageError",
    "LabelRankingAveragePrecision",
    "LabelRankingLoss",
    "coverage_error",
    "label_ranking_average_precision_score",
    "label_ranking_loss",
]

_BLOCK_CELLS = 1 << 22  # booleans per block of pairwise comparisons


def _read(owner: str, y_true: Any, y_score: Any, sample_weight: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    y = read_indicators(owner, "y_true", y_true)
    s = read_scores(owner, "y_score", y_score, ndims=(2,))
    _, w = n_samples(owner, sample_weight, y_true=y, y_score=s)
    if y.shape != s.shape:
        raise InputError(f"{owner}: y_true and y_score must have the same shape; got {y.shape} and {s.shape}.")
    return y, s, w


def _blocks(n: int, n_labels: int) -> tuple[range, int]:
    """The starts of blocks of samples whose ``(block, L, L)`` comparisons fit :data:`_BLOCK_CELLS`, and
    the block's size."""
    step = max(1, _BLOCK_CELLS // max(1, n_labels * n_labels))
    return range(0, n, step), step


def coverage_values(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    lowest = np.where(y, s, np.inf).min(axis=1, keepdims=True)
    return np.where(y.any(axis=1), (s >= lowest).sum(axis=1), 0).astype(np.float64)


def lrap_values(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    n, n_labels = y.shape
    out = np.ones(n)
    starts, step = _blocks(n, n_labels)
    for start in starts:
        yb, sb = y[start : start + step], s[start : start + step]
        above = sb[:, None, :] >= sb[:, :, None]  # [i, j, k]: s_k >= s_j
        rank = above.sum(axis=2)
        relevant_rank = (above & yb[:, None, :]).sum(axis=2)
        n_rel = yb.sum(axis=1)
        ratio = np.where(yb, relevant_rank / rank, 0.0).sum(axis=1) / np.maximum(n_rel, 1)
        out[start : start + len(yb)] = np.where((n_rel == 0) | (n_rel == n_labels), 1.0, ratio)
    return out


def ranking_loss_values(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    n, n_labels = y.shape
    out = np.zeros(n)
    starts, step = _blocks(n, n_labels)
    for start in starts:
        yb, sb = y[start : start + step], s[start : start + step]
        wrong = (sb[:, None, :] >= sb[:, :, None]) & yb[:, :, None] & ~yb[:, None, :]  # [i, rel j, irr k]
        n_rel = yb.sum(axis=1)
        pairs = n_rel * (n_labels - n_rel)
        out[start : start + len(yb)] = np.where(pairs == 0, 0.0, wrong.sum(axis=(1, 2)) / np.maximum(pairs, 1))
    return out


class _RankingMetric(SampleMeanMetric):
    """A mean over samples of a number of their indicator and score rows (``task="multilabel_scores"``:
    ``y_true`` an ``(n, L)`` indicator matrix, ``y_score`` ``(n, L)`` scores)."""

    task = "multilabel_scores"
    _values: Any
    #: scikit-learn reads one column of indicators as a binary target, which only LRAP accepts
    _one_column: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()

    def values(self, y_true: Any, y_score: Any, sample_weight: Any, running: bool) -> tuple[Any, Any, Any]:
        y, s, w = _read(self._owner, y_true, y_score, sample_weight)
        if y.shape[1] < 2 and not self._one_column:
            raise InputError(
                f"{self._owner}: y_true must be a multilabel indicator matrix of at least two labels (columns); "
                f"got shape {y.shape}."
            )
        return type(self)._values(y, s), w, None


@register
class CoverageError(_RankingMetric):
    """Coverage error in a training loop: rows ``[w * coverage, w]`` per sample.

    Example:
        >>> CoverageError().update([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]]).compute().score
        2.5
    """

    name = "coverage_error"
    _values = staticmethod(coverage_values)


@register
class LabelRankingAveragePrecision(_RankingMetric):
    """Label ranking average precision in a training loop: rows ``[w * lrap, w]`` per sample.

    Example:
        >>> m = LabelRankingAveragePrecision().update([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]])
        >>> round(m.compute().score, 4)
        0.4167
    """

    name = "label_ranking_average_precision"
    higher_is_better = True
    _one_column = True
    _values = staticmethod(lrap_values)


@register
class LabelRankingLoss(_RankingMetric):
    """Label ranking loss in a training loop: rows ``[w * loss, w]`` per sample.

    Example:
        >>> LabelRankingLoss().update([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]]).compute().score
        0.75
    """

    name = "label_ranking_loss"
    _values = staticmethod(ranking_loss_values)


def coverage_error(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """The mean number of top-ranked labels needed to cover every relevant label (ties counted against the
    ranking; 0 for a sample without relevant labels), as scikit-learn 1.9's ``coverage_error``.

    Example:
        >>> coverage_error([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]])
        2.5
    """
    return CoverageError.bound("coverage_error", locals()).evaluate(y_true, y_score, sample_weight)[0]


def label_ranking_average_precision_score(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """Label ranking average precision: for each relevant label, the share of relevant labels among those
    ranked at or above it, averaged over the relevant labels and the samples, as scikit-learn 1.9's
    ``label_ranking_average_precision_score``.

    Example:
        >>> round(label_ranking_average_precision_score([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]]), 4)
        0.4167
    """
    owner = "label_ranking_average_precision_score"
    return LabelRankingAveragePrecision.bound(owner, locals()).evaluate(y_true, y_score, sample_weight)[0]


def label_ranking_loss(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """The mean share of (relevant, irrelevant) label pairs ranked wrongly (ties count as wrong), as
    scikit-learn 1.9's ``label_ranking_loss``.

    Example:
        >>> label_ranking_loss([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]])
        0.75
    """
    return LabelRankingLoss.bound("label_ranking_loss", locals()).evaluate(y_true, y_score, sample_weight)[0]
