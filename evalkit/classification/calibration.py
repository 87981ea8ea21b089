"""Calibration of predicted probabilities: the Brier score, the calibration error over equal-width bins
(expected, root-mean-square and maximum) and the calibration curve.

- Brier score: rows ``[w * sum_c (y_c - p_c)^2, w]``, their ratio (halved for two classes by default):
  scikit-learn 1.9 ``brier_score_loss``.
- Calibration error: per-bin sums of weight, confidence and accuracy (fixed bins: they add exactly, so a
  running metric over any batches equals one call): torchmetrics 1.9 ``BinaryCalibrationError`` and
  ``MulticlassCalibrationError``.
- ``calibration_curve``: scikit-learn 1.9's, from the same per-bin sums (``strategy="uniform"``) or from the
  quantiles of the scores (``"quantile"``).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, ClassVar

import numpy as np

import evalkit.classification._score_table as table
import evalkit.core.arrays as arrays
from evalkit.classification._calibration_common import (
    MAX_BINS,
    BrierOptions,
    CalibrationErrorOptions,
    bin_edges,
    bin_index,
    bin_sums,
    binary_positive,
    calibration_gap,
    equal_mass_sums,
    one_hot,
    quantile_edges,
)
from evalkit.classification._per_sample import (
    SampleMeanMetric,
    check_probabilities,
    n_samples,
    read_labels,
    read_scores,
)
from evalkit.classification._proba import _NOT_SUMMING_TO_ONE
from evalkit.core.errors import InputError
from evalkit.core.inputs import as_array, check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.options import choice, integer
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows

__all__ = [
    "BrierScoreLoss",
    "CalibrationError",
    "brier_score_loss",
    "calibration_curve",
    "calibration_error",
]


# -- Brier score -----------------------------------------------------------------------------------------------
@register
class BrierScoreLoss(SampleMeanMetric):
    """The Brier score in a training loop: rows ``[w * sum_c (y_c - p_c)^2, w]`` per sample.

    ``y_proba`` is ``(n,)`` (the positive class's probability) or ``(n, n_classes)``, columns in the sorted
    order of the classes. A running metric cannot see every class in its first batch, so the classes of 2-D
    probabilities are ``labels`` or, by default, the column indices 0..C-1; 1-D probabilities need labels in
    {0, 1} or {-1, 1}, or ``pos_label``.

    Options (keyword-only), declared in :class:`~evalkit.classification._calibration_common.BrierOptions`:

    {options}

    Example:
        >>> m = BrierScoreLoss().update([0, 1], [0.1, 0.9]).update([1, 0], [0.8, 0.3])
        >>> round(m.compute().score, 4)
        0.0375
    """

    name = "brier_score_loss"
    options_type: ClassVar[type[BrierOptions]] = BrierOptions
    options: BrierOptions

    def __init__(self, *, pos_label: Any = None, labels: Any = None, scale_by_half: Any = "auto") -> None:
        super().__init__(locals())

    def values(self, y_true: Any, y_score: Any, sample_weight: Any, running: bool) -> tuple[Any, Any, Any]:
        o, owner = self.options, self._owner
        given = as_array(owner, "y_proba", y_score)
        prob = read_scores(owner, "y_proba", given)
        y = read_labels(owner, "y_true", y_true)
        _, w = n_samples(owner, sample_weight, y_true=y, y_proba=prob)
        check_probabilities(owner, "y_proba", prob)
        if prob.ndim == 1 or prob.shape[1] == 1:
            positive = binary_positive(owner, y, o.pos_label, fallback=not running or o.pos_label is not None)
            p = prob.reshape(-1)  # both columns, [1 - p, p], as scikit-learn sums them (equal to the last bit)
            truth = positive.astype(np.float64)
            loss, n_classes = ((1 - truth) - (1 - p)) ** 2 + (truth - p) ** 2, 2
        else:
            n_classes = prob.shape[1]
            loss = ((one_hot(owner, y, o.labels, n_classes, running) - prob) ** 2).sum(axis=1)
            # scikit-learn's check, in the precision the probabilities came in (float32 sums round)
            eps = np.finfo(given.dtype if given.dtype.kind == "f" and given.itemsize >= 4 else np.float64).eps
            if not np.isclose(prob.sum(axis=1), 1, rtol=np.sqrt(eps)).all():
                warnings.warn(_NOT_SUMMING_TO_ONE, UserWarning, stacklevel=6 if running else 4)  # the caller
        half = o.scale_by_half if isinstance(o.scale_by_half, bool) else n_classes < 3
        return loss * 0.5 if half else loss, w, None


def brier_score_loss(
    y_true: Any,
    y_proba: Any,
    *,
    sample_weight: Any = None,
    pos_label: Any = None,
    labels: Any = None,
    scale_by_half: Any = "auto",
) -> float:
    """The Brier score: ``sum_i w_i sum_c (y_ic - p_ic)^2 / sum_i w_i``, halved for two classes (``"auto"``).

    For 1-D ``y_proba`` (the positive class's probability) this is ``mean((y - p)^2)``; for
    ``(n, n_classes)`` probabilities (columns in the sorted order of the classes) it lies in [0, 2].
    scikit-learn 1.9's ``brier_score_loss``, its arguments and defaults.

    Example:
        >>> round(brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]), 4)
        0.0375
        >>> round(brier_score_loss(["eggs", "ham", "spam"], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]]), 4)
        0.1467
    """
    return BrierScoreLoss.bound("brier_score_loss", locals()).evaluate(y_true, y_proba, sample_weight)[0]


# -- calibration error -----------------------------------------------------------------------------------------
def _confidences(owner: str, y_true: Any, y_proba: Any, sample_weight: Any) -> tuple[np.ndarray, ...]:
    """``(confidence, accuracy, w)`` of each sample, as torchmetrics reads them: for 1-D ``y_proba``, the
    positive class's probability and whether the label is 1; for 2-D, the top probability and whether its
    column (the first of equal ones) is the label."""
    prob = read_scores(owner, "y_proba", y_proba)
    y = read_labels(owner, "y_true", y_true)
    _, w = n_samples(owner, sample_weight, y_true=y, y_proba=prob)
    check_probabilities(owner, "y_proba", prob)
    if prob.ndim == 2 and prob.shape[1] == 1:
        prob = prob[:, 0]
    if prob.ndim == 1:
        if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
            bad = arrays.unique(y).tolist()
            raise InputError(f"{owner}: y_true must hold 0 and 1 for 1-D y_proba (binary); got labels {bad!r:.60}.")
        return prob, (y == 1).astype(np.float64), w
    n_classes = prob.shape[1]
    if y.dtype.kind not in "biuf" or (y < 0).any() or (y >= n_classes).any():
        raise InputError(
            f"{owner}: y_true must hold the column indices 0..{n_classes - 1} of y_proba's classes; got labels "
            f"{arrays.unique(y).tolist()!r:.60}."
        )
    top = prob.argmax(axis=1)
    return prob[np.arange(len(y)), top], (top == y).astype(np.float64), w


@register
class CalibrationError(Metric):
    """The calibration error in a training loop, over equal-width bins (per-bin sums of weight, confidence
    and accuracy, added exactly over batches) or equal-mass bins (a table of the distinct confidences with
    their counts of wrong and right samples, joined on the union of the confidences: exact too).

    ``y_proba`` is ``(n,)``, the probability of class 1 (binary; ``y_true`` in {0, 1}), or
    ``(n, n_classes)`` (``y_true``: column indices; the confidence is the top probability, right when its
    column is the label). The components give each non-empty bin's ``weight``, ``confidence`` and
    ``accuracy``.

    Options (keyword-only), declared in
    :class:`~evalkit.classification._calibration_common.CalibrationErrorOptions`:

    {options}

    Example:
        >>> m = CalibrationError(n_bins=2).update([0, 1], [0.25, 0.75]).update([1, 1], [0.25, 0.75])
        >>> m.compute().score
        0.25
    """

    name = "calibration_error"
    higher_is_better = False
    task = "proba"
    options_type: ClassVar[type[CalibrationErrorOptions]] = CalibrationErrorOptions
    options: CalibrationErrorOptions

    def __init__(self, *, n_bins: int = 15, norm: str = "l1", binning: str = "equal_width") -> None:
        super().__init__(locals())

    def update(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> CalibrationError:  # type: ignore[override]
        """Add a batch to the per-bin sums (or the table of confidences); returns ``self``."""
        return super().update(y_true, y_proba, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_proba, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_proba: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running sums."""
        return super().__call__(y_true, y_proba, sample_weight=sample_weight)

    @property
    def _mass(self) -> bool:
        return self.options.binning == "equal_mass"

    @property
    def _size(self) -> int:
        # equal-width: the last bin holds the confidences equal to 1 (torchmetrics' bucketize)
        return self.options.n_bins + (0 if self._mass else 1)

    def _read(self, y_true: Any, y_proba: Any, sample_weight: Any) -> tuple[np.ndarray, ...]:
        confidence, accuracy, w = _confidences(self._owner, y_true, y_proba, sample_weight)
        if self._mass and w is not None:
            raise InputError(
                f"{self._owner}: binning='equal_mass' puts as many samples in each bin, so it takes no "
                f"sample_weight; got sample_weight. Use binning='equal_width' for weighted samples."
            )
        return confidence, accuracy, w

    def stats(self, y_true: Any, y_proba: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row per sample: its weight, weighted confidence and weighted accuracy in its bin's cells
        (equal-mass: a count in the cell of its confidence and whether it is right). Equal-width rows of a
        probability tensor stay on its device, and so does the running state they add to."""
        if arrays.is_tensor(y_proba) and not self._mass:
            rows = self._device_rows(y_true, y_proba, sample_weight)
            if rows is not None:
                return rows
        confidence, accuracy, w = self._read(y_true, y_proba, sample_weight)
        if self._mass:
            return table.table_rows(confidence, accuracy.astype(np.int64), None, "binary", 2)
        index = bin_index(confidence, self.options.n_bins)
        weights = np.ones(len(index)) if w is None else w
        size = self._size
        cells = np.stack([index, size + index, 2 * size + index], axis=1)
        values = np.stack([weights, weights * confidence, weights * accuracy], axis=1)
        return Rows(cells=cells, values=values, n_cells=3 * size)

    def _device_rows(self, y_true: Any, y_proba: Any, sample_weight: Any) -> Rows | None:
        """:meth:`stats` of a probability tensor on its device, with one sync for every check; or ``None``
        where an input fails a check (or cannot live on the device), so that the host path raises its
        message. The same float64 numbers as the host path: the edges are numpy's, ``torch.bucketize``
        places a confidence as ``numpy.searchsorted`` does, and ``argmax`` takes the first of equal ones."""
        torch = sys.modules["torch"]
        prob = y_proba.detach()
        y = arrays.moved_to(y_true, prob)
        w = None if sample_weight is None else arrays.moved_to(sample_weight, prob)
        if y is None or prob.ndim not in (1, 2) or prob.is_complex() or y.is_complex() or y.ndim != 1:
            return None
        n = y.shape[0]
        if n == 0 or prob.shape[0] != n or (sample_weight is not None and (w is None or w.shape != (n,))):
            return None
        prob = prob.double() if prob.ndim == 1 or prob.shape[1] > 1 else prob[:, 0].double()
        if prob.ndim == 1:
            confidence, right, classes = prob, y == 1, 2
        else:
            top = prob.argmax(dim=1)
            confidence, right, classes = prob.gather(1, top[:, None])[:, 0], top == y, prob.shape[1]
        weights = torch.ones(n, dtype=torch.float64, device=prob.device) if w is None else w.double()
        fails = torch.stack(
            [
                ~torch.isfinite(prob).all() | (prob < 0).any() | (prob > 1).any(),
                ((y < 0) | (y >= classes) | ((y != torch.floor(y)) if y.is_floating_point() else (y < 0))).any(),
                ~torch.isfinite(weights).all(),
            ]
        ).tolist()  # the one sync
        if any(fails):
            return None
        edges = arrays.like(bin_edges(self.options.n_bins), prob)
        index = torch.bucketize(confidence, edges, right=True) - 1
        size = self._size
        cells = torch.stack([index, size + index, 2 * size + index], dim=1)
        values = torch.stack([weights, weights * confidence, weights * right.double()], dim=1)
        return Rows(cells=cells, values=values, n_cells=3 * size)

    def evaluate(self, y_true: Any, y_proba: Any, sample_weight: Any) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one call of :func:`calibration_error` (no running state)."""
        confidence, accuracy, w = self._read(y_true, y_proba, sample_weight)
        check_some_weight(self._owner, w)
        if self._mass:
            return self._evaluate(*table.table_total(confidence, accuracy.astype(np.int64), None, "binary", 2))
        index = bin_index(confidence, self.options.n_bins)
        return self._evaluate(bin_sums(index, confidence, accuracy, w, self._size), None)

    # -- frames: none for equal-width bins; the confidences seen for equal-mass ones --------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if not self._mass or a is None or b is None:
            return super().join_spaces(a, b) if not self._mass else (a if b is None else b)
        return table.join_spaces(a, b)

    def align(self, total: Any, space: Any, target: Any) -> Any:
        if not self._mass or space is None or target is None:
            return super().align(total, space, target)
        return table.align_total(total, space, target)

    def realign(self, rows: Rows, target: Any) -> Rows:
        return table.realign_rows(rows, target) if self._mass else super().realign(rows, target)

    def restore_space(self, space: Any) -> Any:
        if not self._mass:
            return space
        try:
            return table.restore_space(space)
        except InputError as e:
            raise InputError(f"{self.name}: load_state_dict(): {e}") from None

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """Equal-width: per-bin ``[weight, sum(w c), sum(w a)]`` for the ``n_bins + 1`` bins (finite sums);
        equal-mass: counts of wrong and right samples per distinct confidence, whole and non-negative."""
        if self._mass:
            ok = space is not None and space[1] == "binary" and space[2] == 2 and len(total) == table.width(space)
            fault = "" if ok else "'total' must hold counts of wrong and right samples per confidence of its 'space'"
            if ok and ((total < 0).any() or (total != np.floor(total)).any()):
                fault = "'total' must hold whole, non-negative counts of samples"
        else:
            ok = space is None and len(total) == 3 * self._size
            fault = "" if ok else f"'total' must hold {3 * self._size} per-bin sums for n_bins={self.options.n_bins}"
        if fault:
            raise InputError(f"{self.name}: load_state_dict(): {fault}; got {len(total)} numbers and {space!r:.40}.")

    # -- scoring -------------------------------------------------------------------------------------------------
    def _bins(self, totals: np.ndarray, space: Any) -> np.ndarray:
        """Per-bin ``[weight, sum(w c), sum(w a)]`` of each total (``(m, 3 * size)``)."""
        totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        if not self._mass:
            return totals
        if space is None:
            raise InputError(f"{self._owner}: no confidences yet; update() before scoring a total.")
        ((values, counts),) = table.columns_of_many(totals, space)
        return np.stack([equal_mass_sums(values, c, self.options.n_bins) for c in counts])

    def scores(self, totals: Any) -> np.ndarray:
        return calibration_gap(self._bins(totals, self.space), self.options.norm)

    def score(self, total: Any) -> Result:
        return Result(self.name, *self._evaluate(np.asarray(total), self.space), signature=self.signature())

    def _evaluate(self, total: np.ndarray, space: Any) -> tuple[float, dict[str, Any]]:
        empty = not total.any() if self._mass else total[: self._size].sum() == 0
        if empty:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        sums = self._bins(total, space)
        size = self._size
        weight = sums[0, :size]
        kept = weight != 0
        components = {
            "bins": np.flatnonzero(kept).tolist(),
            "weight": weight[kept].tolist(),
            "confidence": (sums[0, size : 2 * size][kept] / weight[kept]).tolist(),
            "accuracy": (sums[0, 2 * size :][kept] / weight[kept]).tolist(),
        }
        return float(calibration_gap(sums, self.options.norm)[0]), components


def calibration_error(
    y_true: Any,
    y_proba: Any,
    *,
    n_bins: int = 15,
    norm: str = "l1",
    binning: str = "equal_width",
    sample_weight: Any = None,
) -> float:
    """The calibration error of probabilities over ``n_bins`` equal-width bins of [0, 1].

    With ``p_b`` the share of the (weighted) samples in bin ``b`` and ``acc_b``, ``conf_b`` their mean
    accuracy and confidence: ``norm="l1"`` is the expected calibration error ``sum_b p_b |acc_b - conf_b|``,
    ``"l2"`` ``sqrt(sum_b p_b (acc_b - conf_b)^2)`` and ``"max"`` the maximum calibration error. Bins are
    ``[e_b, e_b+1)``, confidences of exactly 1 in a bin of their own, as torchmetrics 1.9's
    ``BinaryCalibrationError`` (1-D ``y_proba``, ``y_true`` in {0, 1}) and ``MulticlassCalibrationError``
    (2-D, the top probability and whether its class is ``y_true``'s column index) bin them.
    ``binning="equal_mass"``: ``n_bins`` bins of about as many samples each, their edges at the
    confidences' quantiles (``calibration_curve(strategy="quantile")``'s bins).

    Example:
        >>> calibration_error([0, 1, 1, 1], [0.25, 0.75, 0.25, 0.75], n_bins=2)
        0.25
    """
    return CalibrationError.bound("calibration_error", locals()).evaluate(y_true, y_proba, sample_weight)[0]


# -- calibration curve -----------------------------------------------------------------------------------------
def calibration_curve(
    y_true: Any, y_prob: Any, *, pos_label: Any = None, n_bins: int = 5, strategy: str = "uniform"
) -> tuple[np.ndarray, np.ndarray]:
    """``(prob_true, prob_pred)``: the fraction of positives and the mean predicted probability in each
    non-empty bin, as scikit-learn 1.9's ``calibration_curve``.

    ``strategy="uniform"``: ``n_bins`` equal-width bins ``(e_b, e_b+1]`` (0 in the first); ``"quantile"``:
    edges at the ``n_bins + 1`` quantiles of ``y_prob`` (numpy's linear percentiles), so that each bin holds
    about as many samples. ``y_true`` is binary; without ``pos_label`` its labels must be {0, 1} or {-1, 1}.

    Example:
        >>> prob_true, prob_pred = calibration_curve([0, 0, 0, 0, 1, 1, 1, 1, 1],
        ...                                          [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0], n_bins=3)
        >>> prob_true.tolist(), prob_pred.round(3).tolist()
        ([0.0, 0.5, 1.0], [0.2, 0.525, 0.85])
    """
    owner = "calibration_curve"
    n_bins = integer(minimum=1, maximum=MAX_BINS)(owner, "n_bins", n_bins)
    strategy = choice("uniform", "quantile")(owner, "strategy", strategy)
    prob = read_scores(owner, "y_prob", y_prob, ndims=(1,))
    y = read_labels(owner, "y_true", y_true)
    n_samples(owner, None, y_true=y, y_prob=prob)
    check_probabilities(owner, "y_prob", prob)
    positive = binary_positive(owner, y, pos_label, fallback=False).astype(np.float64)
    if strategy == "uniform":
        index = bin_index(prob, n_bins, closed="right")
    else:
        values, counts = np.unique(prob, return_counts=True)
        index = np.searchsorted(quantile_edges(values, counts, n_bins)[1:-1], prob)
    sums = bin_sums(index, prob, positive, None, n_bins)
    weight, conf, acc = sums[:n_bins], sums[n_bins : 2 * n_bins], sums[2 * n_bins :]
    kept = weight != 0
    return acc[kept] / weight[kept], conf[kept] / weight[kept]
