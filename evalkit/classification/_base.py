"""The bases of the classification metrics: one counting path and one formula for a class and its function.

A metric declares its options (``options_type``, :mod:`evalkit.classification._common`), the layout it
counts (``_rows`` and ``_total``, :mod:`evalkit.classification._targets`) and its formula. The bases own
the rest:

- ``update`` (and so ``__call__`` and ``forward``): a numpy batch's total counted at once (a bincount), a
  tensor batch's rows reduced on their device; ``stats``: one row per sample, in the same layout;
- ``score`` (a running state's total) and ``evaluate`` (what a functional form returns, from the total of
  its input: no running state, no Result, and scikit-learn's refusal of all-zero weights): both the formula
  on one total, raising and warning as scikit-learn's function does;
- for the confusion counts: frames (the labels seen, joined on their union), ``scores`` (the same formula
  on many totals at once, silent: bootstrap resamples), and the checks of a saved total.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._common import LabelTotals, MultilabelTotals, View
from evalkit.classification._targets import (
    SAMPLE_SUMS,
    align_label_total,
    join_labels,
    label_rows,
    label_total,
    multilabel_rows,
    multilabel_total,
    read_targets,
    realign_label_rows,
)
from evalkit.core.errors import InputError
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows, as_rows


class LabelMetric(Metric):
    """A classification metric: ``update(y_true, y_pred, sample_weight=...)`` per batch adds the batch's
    total (constant memory); ``compute()`` scores the sum; ``merge()`` adds another instance's. A zero-weight
    batch is allowed; ``compute`` refuses a total weight of zero."""

    task = "classification"
    #: whether multilabel indicator targets are scored (subset accuracy, P/R/F): the others refuse them
    multilabel: ClassVar[bool] = True

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> LabelMetric:  # type: ignore[override]
        """Add a batch (labels, or multilabel indicators) to the running counts; returns ``self``."""
        return self._add(y_true, y_pred, sample_weight)

    def forward(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_pred, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running counts."""
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:  # type: ignore[override]
        """Per-sample rows, whose sum is the total ``update`` adds (on the device of tensor inputs)."""
        return self._rows(*self._targets(y_true, y_pred, sample_weight))

    def evaluate(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one call of a functional form: the total of its input and the formula of
        ``update`` and ``score``, without a running state or a Result (their signature would cost as much as
        the whole call on a thousand samples)."""
        return self._evaluate(*self._call_total(y_true, y_pred, sample_weight))

    def score(self, total: Any) -> Result:
        return Result(self.name, *self._evaluate(np.asarray(total), self.space), signature=self.signature())

    def _targets(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[str, Any, Any, Any]:
        kind, t, p, w = read_targets(self._owner, y_true, y_pred, sample_weight)
        if kind == "multilabel" and not self.multilabel:
            raise InputError(f"{self._owner}: multilabel indicator targets are not supported; pass 1-D class labels.")
        return kind, t, p, w

    def _add(self, y_true: Any, y_pred: Any, sample_weight: Any) -> LabelMetric:
        kind, t, p, w = self._targets(y_true, y_pred, sample_weight)
        if arrays.is_tensor(t):  # rows reduced on their device: no copy to the host
            return self.add_rows(self._rows(kind, t, p, w))  # type: ignore[return-value]
        total, space = self._total(kind, t, p, w)
        return self.add_total(total, t.shape[0], space=space)  # type: ignore[return-value]

    def _call_total(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[np.ndarray, Any]:
        """``(total, space)`` of one functional call's input, on the host (scikit-learn refuses sample
        weights that are all zero; a running state adds such batches)."""
        kind, t, p, w = self._targets(y_true, y_pred, sample_weight)
        check_some_weight(self._owner, w)
        if arrays.is_tensor(t):
            rows = as_rows(self._rows(kind, t, p, w), owner=self._owner)
            return np.asarray(arrays.to_host(rows.total())), rows.space
        return self._total(kind, t, p, w)

    @abstractmethod
    def _evaluate(self, total: np.ndarray, space: Any) -> tuple[float, dict[str, Any]]:
        """``(score, components)`` of one total written in frame ``space``, raising and warning as
        scikit-learn's function does on the same rows."""

    @abstractmethod
    def _rows(self, kind: str, t: Any, p: Any, w: Any) -> Any:
        """The per-sample rows of checked targets (a matrix or :class:`Rows`)."""

    @abstractmethod
    def _total(self, kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, Any]:
        """``(total, space)``: the sum of :meth:`_rows` of checked numpy targets, counted at once."""


class CountsMetric(LabelMetric):
    """A metric of confusion counts: a K x K matrix over the labels seen (the frame; totals over different
    label sets join on their union), or per-label counts of multilabel indicators. Subclasses give the
    ``formula`` (a view of ``m`` totals -> ``m`` numbers) and the ``components`` of one total."""

    #: the beta of the per-sample sums that ``average="samples"`` needs (None: not counted)
    _samples_beta: ClassVar[float | None] = None

    def _columns(self, n_labels: int) -> np.ndarray | None:
        """The label columns the per-sample sums cover (None: all)."""
        return None

    def _rows(self, kind: str, t: Any, p: Any, w: Any) -> Rows:
        if kind == "multilabel":
            return multilabel_rows(t, p, w, self._samples_beta, self._columns(t.shape[1]))
        return label_rows(t, p, w)

    def _total(self, kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, Any]:
        if kind == "multilabel":
            return multilabel_total(t, p, w, self._samples_beta, self._columns(t.shape[1]))
        return label_total(t, p, w)

    # -- frames ------------------------------------------------------------------------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
            return join_labels(a, b)
        if isinstance(a, np.ndarray) != isinstance(b, np.ndarray):
            raise InputError(
                f"{self.name}: cannot combine counts of class labels with counts of multilabel indicators."
            )
        if a != b:
            raise InputError(
                f"{self.name}: cannot combine multilabel counts over {a[1]} labels with counts over {b[1]} labels."
            )
        return a

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        if isinstance(space, np.ndarray):
            return align_label_total(total, space, target)
        return super().align(total, space, target)

    def realign(self, rows: Rows, target: Any) -> Rows:
        if isinstance(rows.space, np.ndarray) and isinstance(target, np.ndarray):
            return realign_label_rows(rows, target)
        return super().realign(rows, target)

    def restore_space(self, space: Any) -> Any:
        if isinstance(space, (list, tuple)) and len(space) == 3 and space[0] == "multilabel":
            return tuple(space)
        return space if space is None or isinstance(space, np.ndarray) else np.asarray(space)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total must fit its frame: the labels (sorted, unique) or the multilabel layout of this
        metric, with whole, non-negative counts of samples that agree with each other (and, unweighted,
        with the cells); weighted cells may be any finite sum (sample weights may be negative)."""
        if isinstance(space, np.ndarray):
            fault = _label_fault(total, space)
        else:
            fault = _multilabel_fault(total, space, self._samples_beta)
        if fault:
            raise InputError(f"{self.name}: load_state_dict(): {fault}.")

    # -- scoring -----------------------------------------------------------------------------------------
    def _view(self, totals: Any, space: Any, *, one: bool = False) -> View:
        """The totals (``(m, width)``) read in frame ``space``; ``one``: a single total to score, which must
        have some weight."""
        if space is None:
            raise InputError(f"{self._owner}: no labels yet; update() before scoring a total.")
        totals = np.asarray(totals)
        width = _width(space)
        if totals.ndim != 2 or totals.shape[1] != width:
            raise InputError(f"{self._owner}: a total in this frame has {width} numbers; got shape {totals.shape[1:]}.")
        view: View
        if isinstance(space, np.ndarray):
            view = LabelTotals.of(totals, space)
        else:
            view = MultilabelTotals.of(totals, space[1], space[2])
        if one and view.weight[0] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        return view

    def counts(self, y_true: Any, y_pred: Any, sample_weight: Any) -> View:
        """The confusion counts of one functional call's input (the total :meth:`evaluate` scores), read."""
        total, space = self._call_total(y_true, y_pred, sample_weight)
        return self._view(total[None, :], space, one=True)

    @abstractmethod
    def formula(self, view: Any, check: bool) -> np.ndarray:
        """The score of each total of ``view``; ``check``: one total, scored with scikit-learn's errors and
        warnings (else silent, NaN where undefined)."""

    def components(self, view: Any) -> dict[str, Any]:
        """The Result's components of one total (none by default)."""
        return {}

    def _evaluate(self, total: np.ndarray, space: Any) -> tuple[float, dict[str, Any]]:
        view = self._view(total[None, :], space, one=True)
        return float(self.formula(view, True)[0]), self.components(view)

    def scores(self, totals: Any) -> np.ndarray:
        """The score of each total, vectorized over the totals (bootstrap resamples): silent, NaN where
        undefined."""
        return self.formula(self._view(np.asarray(totals, dtype=np.float64), self.space), False)


class ClassLabelMetric(CountsMetric):
    """A metric of the confusion matrix of class labels (multilabel indicators are refused)."""

    multilabel = False


def _width(space: Any) -> int:
    if isinstance(space, np.ndarray):
        return len(space) ** 2 + 2 * len(space)
    n_labels, beta = space[1], space[2]
    return 3 * n_labels + 2 + (0 if beta is None else 3 * len(SAMPLE_SUMS))


def _whole(x: np.ndarray) -> bool:
    return bool((x >= 0).all() and (x == np.floor(x)).all())


def _label_fault(total: np.ndarray, labels: np.ndarray) -> str:
    """What makes ``total`` no total of the class-label layout over ``labels``, or an empty string."""
    try:
        ordered = labels.ndim == 1 and len(labels) > 0 and bool((arrays.unique(labels) == labels).all())
    except (TypeError, ValueError):
        ordered = False
    if not ordered or labels.dtype.kind not in "biufUO":
        return f"'space' must be a non-empty list of sorted, unique labels; got {labels.tolist()!r:.80}"
    k = len(labels)
    if len(total) != k * k + 2 * k:
        return f"'total' must hold {k * k + 2 * k} numbers for the {k} labels of 'space'; got {len(total)}"
    cm, n_true, n_pred = total[: k * k].reshape(k, k), total[k * k : k * k + k], total[k * k + k :]
    if not (_whole(n_true) and _whole(n_pred)):
        return f"'total' must end in whole, non-negative counts of samples per label (none negative); got {total.tolist()!r:.80}"
    if n_true.sum() != n_pred.sum():
        return (
            f"'total' must count as many samples by true as by predicted label; got {n_true.sum()} and {n_pred.sum()}"
        )
    if total.dtype.kind in "iu":  # unweighted: the cells are counts of samples too
        if (cm < 0).any():
            return f"'total' holds a negative count of samples ({cm.min()})"
        if (cm.sum(axis=1) != n_true).any() or (cm.sum(axis=0) != n_pred).any():
            return "'total' holds a confusion matrix whose sums disagree with its counts of samples per label"
    elif (cm[(n_true == 0)[:, None] | (n_pred == 0)[None, :]] != 0).any():
        return "'total' holds weight in a cell of a label it counts no sample of"
    return ""


def _multilabel_fault(total: np.ndarray, space: Any, beta: float | None) -> str:
    """What makes ``total`` no total of this metric's multilabel layout in frame ``space``, or an empty string."""
    if not (isinstance(space, tuple) and len(space) == 3 and space[0] == "multilabel"):
        return f"'space' must be a list of labels or ['multilabel', n_labels, beta]; got {space!r:.80}"
    n_labels = space[1]
    if isinstance(n_labels, bool) or not isinstance(n_labels, int) or n_labels < 1 or space[2] != beta:
        return f"'space' must be ['multilabel', n_labels >= 1, {beta!r}] for this metric; got {list(space)!r:.80}"
    if len(total) != _width(space):
        return f"'total' must hold {_width(space)} numbers for {n_labels} multilabel columns; got {len(total)}"
    L = n_labels
    n = total[3 * L + 1]
    if not _whole(np.asarray([n])):
        return f"'total' must hold a whole, non-negative number of samples (none negative); got {n!r}"
    if total.dtype.kind in "iu":  # unweighted: every number is a count of samples
        tp, pred, true, weight = total[:L], total[L : 2 * L], total[2 * L : 3 * L], total[3 * L]
        if (total < 0).any():
            return f"'total' holds a negative count of samples ({total.min()})"
        if (tp > pred).any() or (tp > true).any() or (pred > n).any() or (true > n).any() or weight != n:
            return "'total' holds counts of samples per label that disagree with each other"
    return ""


__all__ = ["ClassLabelMetric", "CountsMetric", "LabelMetric"]
