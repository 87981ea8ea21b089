"""The metrics that are a weighted mean of one number per sample: rows ``[w * x, w]`` (and, where a metric
needs them, further columns with their own reductions), summed; the score is ``sum(w * x) / sum(w)``.

Brier score, top-k accuracy, hinge loss and the multilabel ranking metrics are such means. A subclass
gives :meth:`SampleMeanMetric.values`, the per-sample numbers of a checked batch, in one of two modes:
``running`` (a class's ``update``: what the batch cannot tell, such as the full set of classes, comes from
the options or a fixed rule) or a single call (scikit-learn's rules, which read the whole input).
The readers of scores and labels here are the one place these metrics check their inputs.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from evalkit.classification._common import weighted_mean
from evalkit.classification._targets import _labels_1d
from evalkit.core.errors import EmptyInputError, InputError
from evalkit.core.inputs import as_array, as_weights, check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.validate import check_finite, check_same_n_samples


# -- reading inputs --------------------------------------------------------------------------------------------
def read_scores(owner: str, name: str, y: Any, ndims: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """``y`` as a float64 array of finite numbers with one of ``ndims`` dimensions (a ``(n, 1)`` column stays
    2-D: the caller decides what one column means)."""
    a = as_array(owner, name, y)
    if a.dtype.kind not in "biuf" or a.ndim not in ndims:
        shapes = " or ".join(f"{d}-D" for d in ndims)
        raise InputError(
            f"{owner}: {name} must be a {shapes} array of numbers; got shape {a.shape} and dtype {a.dtype}."
        )
    a = a.astype(np.float64, copy=False)  # float16 and float32 scores are compared and summed in float64
    check_finite(owner, name, a)
    return a


def check_probabilities(owner: str, name: str, p: np.ndarray) -> None:
    """Raise unless every value of ``p`` lies in [0, 1], naming the first one outside."""
    if p.size and (p.min() < 0 or p.max() > 1):
        bad = p.flat[np.argmax((p < 0) | (p > 1))]
        raise InputError(f"{owner}: {name} must hold probabilities in [0, 1], but it holds {bad.item()!r}.")


def read_labels(owner: str, name: str, y: Any) -> np.ndarray:
    """1-D class labels (a ``(n, 1)`` column read as 1-D), checked as the label metrics check them."""
    a = as_array(owner, name, y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise InputError(f"{owner}: {name} must be a 1-D array of class labels; got shape {a.shape}.")
    return _labels_1d(owner, name, a)


def read_indicators(owner: str, name: str, y: Any) -> np.ndarray:
    """A 2-D multilabel indicator matrix of 0 and 1 (or booleans), as booleans."""
    a = as_array(owner, name, y)
    if a.ndim != 2 or a.dtype.kind not in "biuf":
        raise InputError(
            f"{owner}: {name} must be a 2-D indicator matrix (n_samples, n_labels) of 0 and 1; got shape {a.shape} "
            f"and dtype {a.dtype}."
        )
    if a.size and not np.isin(a, (0, 1)).all():
        bad = a.flat[np.argmax(~np.isin(a, (0, 1)))]
        raise InputError(f"{owner}: {name} must hold 0 and 1 only (multilabel indicators); it holds {bad.item()!r}.")
    return a.astype(bool)


def class_index(owner: str, y: np.ndarray, classes: np.ndarray, where: str) -> np.ndarray:
    """Each label's place among the sorted ``classes``; raise naming the labels that are not there."""
    try:
        at = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        found = classes[at] == y
    except TypeError:  # strings among numbers
        found = np.zeros(len(y), dtype=bool)
        at = np.zeros(len(y), dtype=np.intp)
    if not np.all(found):
        missing = sorted({str(v) for v in np.asarray(y)[~np.asarray(found, dtype=bool)].tolist()})[:5]
        raise InputError(f"{owner}: y_true holds labels {missing} that are not among {where} {classes.tolist()!r:.80}.")
    return at


def n_samples(owner: str, sample_weight: Any, **arrays: np.ndarray) -> tuple[int, np.ndarray | None]:
    """The common number of samples of the read ``arrays`` (at least one) and the checked weights."""
    n = check_same_n_samples(owner, **arrays)
    if n == 0:
        raise EmptyInputError(f"{owner}: {' and '.join(arrays)} are empty; at least one sample is needed.")
    return n, as_weights(owner, sample_weight, n)


# -- the metric ------------------------------------------------------------------------------------------------
class SampleMeanMetric(Metric):
    """A weighted mean of one number per sample: ``update(y_true, y_score, sample_weight=...)`` adds rows
    ``[w * x, w]`` (plus a subclass's :meth:`extra` columns); ``compute`` scores ``sum(w * x) / sum(w)``."""

    task = "proba"
    higher_is_better = False

    def update(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> SampleMeanMetric:  # type: ignore[override]
        """Add a batch to the running sums; returns ``self``."""
        return super().update(y_true, y_score, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_score, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running sums."""
        return super().__call__(y_true, y_score, sample_weight=sample_weight)

    @abstractmethod
    def values(self, y_true: Any, y_score: Any, sample_weight: Any, running: bool) -> tuple[Any, Any, Any]:
        """``(x, w, more)``: the number of each sample (float64), the checked weights (``None``: all 1), and
        ``None`` or ``(columns, reductions)``: further columns of the rows (weighted by the subclass) and
        how each reduces."""

    def stats(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """Per-sample rows ``[w * x, w, ...]`` (float64)."""
        x, w, more = self.values(y_true, y_score, sample_weight, True)
        w = np.ones(len(x)) if w is None else w
        dense, reductions = np.stack([w * x, w], axis=1), ("sum", "sum")
        if more is not None:
            dense, reductions = np.concatenate([dense, more[0]], axis=1), reductions + more[1]
        return Rows(dense, reductions=reductions)

    def evaluate(self, y_true: Any, y_score: Any, sample_weight: Any) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one functional call (scikit-learn's rules for the whole input)."""
        x, w, more = self.values(y_true, y_score, sample_weight, False)
        check_some_weight(self._owner, w)
        # numpy.average's sums, as scikit-learn's functions take them
        total = np.array([x.sum(), len(x)]) if w is None else np.array([(w * x).sum(), w.sum()])
        if more is not None:
            columns, reductions = more
            reduced = [getattr(columns[:, j], r)() for j, r in enumerate(reductions)]
            total = np.concatenate([total, reduced])
        return self._evaluate(total)

    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        return ("sum",) * width

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """``[sum(w * x), sum(w)]`` (and a subclass's columns): finite sums (sample weights may be negative)."""
        width = len(self.expected_reductions(2, space))
        if space is not None or len(total) != width:
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {width} numbers ([sum(w * x), sum(w), ...]) with "
                f"no 'space'; got {total.tolist()!r:.60} and {space!r:.40}."
            )

    @property
    def normalize(self) -> bool:
        return True

    def scores(self, totals: Any) -> np.ndarray:
        return weighted_mean(np.asarray(totals, dtype=np.float64)[:, :2], self.normalize)

    def score(self, total: Any) -> Result:
        return Result(self.name, *self._evaluate(np.asarray(total)), signature=self.signature())

    def _evaluate(self, total: np.ndarray) -> tuple[float, dict[str, Any]]:
        if total[1] == 0 and self.normalize:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        return float(self.scores(total[None, :])[0]), {"weight": float(total[1])}
