"""Log loss (cross-entropy) of predicted class probabilities, with scikit-learn's name, arguments and checks.

Its statistics are rows ``[w * -log p_true, w]`` per sample (:mod:`evalkit.classification._proba`),
summed; the score is their ratio (or, ``normalize=False``, the sum), for the function and the class alike.

Reference: scikit-learn 1.9 ``sklearn.metrics.log_loss``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._common import LogLossOptions, weighted_mean
from evalkit.classification._proba import log_loss_device_rows, log_loss_rows
from evalkit.core.errors import InputError
from evalkit.core.inputs import as_array
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result

__all__ = ["LogLoss", "log_loss"]


@register
class LogLoss(Metric):
    """Log loss in a training loop: rows ``[w * -log p_true, w]`` per sample.

    Its inputs are class labels and predicted probabilities (``task = "proba"``): ``y_proba`` is
    ``(n, n_classes)`` or, for two classes, ``(n,)``.

    A batch need not hold every class, so the classes are fixed up front: ``labels`` (the classes in the
    order of ``y_proba``'s columns, sorted), or, by default, ``y_true`` holds column indices 0..C-1.

    Options (keyword-only), declared in :class:`~evalkit.classification._common.LogLossOptions`:

    {options}

    Example:
        >>> m = LogLoss(labels=["ham", "spam"])
        >>> _ = m.update(["spam", "ham"], [[0.1, 0.9], [0.9, 0.1]]).update(["ham"], [[0.8, 0.2]])
        >>> round(m.compute().score, 4)
        0.1446
    """

    name = "log_loss"
    higher_is_better = False
    task = "proba"
    options_type: ClassVar[type[LogLossOptions]] = LogLossOptions
    options: LogLossOptions

    def __init__(self, *, labels: Any = None, normalize: bool = True) -> None:
        super().__init__(locals())

    def update(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> LogLoss:  # type: ignore[override]
        """Add a batch to the running sums; returns ``self``."""
        return super().update(y_true, y_proba, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_proba, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running sums."""
        return super().__call__(y_true, y_proba, sample_weight=sample_weight)

    def stats(self, y_true: Any, y_proba: Any, sample_weight: Any = None) -> np.ndarray:  # type: ignore[override]
        """Per-sample rows ``[w * -log p_true, w]`` (float64, on the device of a probability tensor)."""
        on_device = arrays.is_tensor(y_proba)
        labels = self.options.labels
        if labels is None:
            prob = y_proba if on_device else as_array(self._owner, "y_proba", y_proba)
            # one probability per sample (1-D, or one column) is the positive class's: two classes
            labels = list(range(2 if prob.ndim != 2 or prob.shape[1] == 1 else prob.shape[1]))
        # a tensor's rows stay on its device; what fails a check there takes the host path and its message
        rows = log_loss_device_rows(self._owner, y_true, y_proba, sample_weight, labels) if on_device else None
        return log_loss_rows(self._owner, y_true, y_proba, sample_weight, labels) if rows is None else rows

    def evaluate(self, y_true: Any, y_proba: Any, sample_weight: Any) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one call of :func:`log_loss`, from the sum of the same rows and the same
        formula (no running state, no Result). Without ``labels``, the classes are those of ``y_true``
        (scikit-learn's rule for one call; a running metric cannot see every class up front)."""
        rows = log_loss_rows(self._owner, y_true, y_proba, sample_weight, self.options.labels)
        return self._evaluate(rows.sum(axis=0))

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """``[sum(w * -log p), sum(w)]``: any two finite sums (sample weights may be negative)."""
        if space is not None or len(total) != 2:
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must be [sum(w * -log p), sum(w)] with no 'space'; got "
                f"{total.tolist()!r:.60} and {space!r:.40}."
            )

    def scores(self, totals: Any) -> np.ndarray:
        return weighted_mean(totals, self.options.normalize)

    def score(self, total: Any) -> Result:
        return Result(self.name, *self._evaluate(np.asarray(total)), signature=self.signature())

    def _evaluate(self, total: np.ndarray) -> tuple[float, dict[str, Any]]:
        if total[1] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        return float(weighted_mean(total[None, :], self.options.normalize)[0]), {"weight": float(total[1])}


def log_loss(
    y_true: Any, y_proba: Any, *, normalize: bool = True, sample_weight: Any = None, labels: Any = None
) -> float:
    """Log loss (cross-entropy) of predicted probabilities: ``-sum(w log p_true) / sum(w)``.

    ``y_proba`` is ``(n, n_classes)`` with columns in the sorted order of the classes (categorical
    cross-entropy), or ``(n,)``, the probability of the greater class (binary cross-entropy).
    Probabilities are clipped to ``[eps, 1 - eps]`` as scikit-learn clips them.

    Example:
        >>> round(log_loss(["spam", "ham", "ham", "spam"], [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]), 4)
        0.2162
    """
    return LogLoss.bound("log_loss", locals()).evaluate(y_true, y_proba, sample_weight)[0]
