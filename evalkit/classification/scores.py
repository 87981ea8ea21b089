"""Metrics of scores, not labels: ROC-AUC, average precision, the ROC, precision-recall and DET curves, and
the operating points (recall at a fixed precision, precision at a fixed recall, sensitivity at a fixed
specificity), with scikit-learn's names, arguments and results (torchmetrics' for the operating points).

Their state is a table of the distinct scores with the weight of each class at each
(:mod:`evalkit.classification._score_table`): exact for any input, merged by a sorted union, and never
larger than the number of distinct scores (65,536 at most for float16 scores), whatever the number of
items. ``thresholds=`` fixes the table's rows instead (constant memory); the AUROC then states its largest
possible error (``error_bound``).

References: scikit-learn 1.9 ``sklearn.metrics`` (``roc_auc_score``, ``average_precision_score``,
``roc_curve``, ``precision_recall_curve``, ``det_curve``); torchmetrics 1.9 (``BinaryRecallAtFixedPrecision``,
``BinaryPrecisionAtFixedRecall``, ``BinarySensitivityAtSpecificity``); McClish (1989) for the partial AUC.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

import evalkit.classification._score_table as table
import evalkit.classification._scores_common as sc
import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.validate import check_bool

__all__ = [
    "AveragePrecision",
    "PrecisionAtFixedRecall",
    "RecallAtFixedPrecision",
    "RocAuc",
    "SensitivityAtSpecificity",
    "average_precision_score",
    "det_curve",
    "precision_at_fixed_recall",
    "precision_recall_curve",
    "recall_at_fixed_precision",
    "roc_auc_score",
    "roc_curve",
    "roc_items",
    "sensitivity_at_specificity",
]


class ScoreMetric(Metric):
    """A metric of a score table: ``update(y_true, y_score, sample_weight=...)`` adds each batch's table
    (distinct scores, weight per class) to the running one; ``compute()`` scores it; ``merge()`` joins
    tables on the union of their scores. A subclass gives ``_formula`` (many totals -> numbers, silent) and
    ``_evaluate`` (one total -> score and components, warning as the reference does)."""

    task = "proba"
    #: binary scores only (the operating points)
    _binary_only: ClassVar[bool] = False
    #: roc_auc_score's rule for one call: of two labels, the greater is positive
    _greater: ClassVar[bool] = False
    #: multiclass scores must sum to 1 (roc_auc_score's check)
    _sums_to_one: ClassVar[bool] = False

    def update(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> ScoreMetric:  # type: ignore[override]
        """Add a batch's score table to the running one; returns ``self``. Binary scores in a tensor are
        counted on its device, where the running table then stays."""
        if arrays.is_tensor(y_score):
            found = self._device_total(y_true, y_score, sample_weight)
            if found is not None:
                return self.add_total(found[0], y_score.shape[0], space=found[1])  # type: ignore[return-value]
        x = self._read(y_true, y_score, sample_weight, one_call=False)
        if self._per_item(x.kind):
            return self.add_total(self._item_rows(x).sum(axis=0), len(x.scores))  # type: ignore[return-value]
        total, space = table.table_total(x.scores, x.classes, x.weights, x.kind, x.n_classes, self._edges)
        return self.add_total(total, len(x.scores), space=space)  # type: ignore[return-value]

    def _per_item(self, kind: str) -> bool:
        """Whether this metric scores each item on its own (multilabel ``average="samples"``): rows
        ``[w * value, w, undefined]`` instead of a table."""
        return kind in self._per_item_kinds and getattr(self.options, "average", None) == "samples"

    #: the kinds of input average='samples' scores item by item (average precision: multiclass too, one-hot)
    _per_item_kinds: ClassVar[tuple[str, ...]] = ("multilabel",)

    def _item_rows(self, x: sc.ScoreInputs) -> np.ndarray:
        raise InputError(f"{self._owner}: average='samples' is not defined for this metric.")

    def _device_total(self, y_true: Any, y_score: Any, sample_weight: Any) -> tuple[Any, tuple] | None:
        """The batch's table counted on the tensor's device, or ``None`` where the host path counts it (a
        failed check, string labels, ``labels=``, the samples average)."""
        o = self.options
        if y_score.ndim == 1 or (y_score.ndim == 2 and y_score.shape[1] == 1):
            return table.device_binary_total(y_true, y_score, sample_weight, getattr(o, "pos_label", None), self._edges)
        if getattr(o, "labels", None) is not None or getattr(o, "average", None) == "samples":
            return None
        if getattr(o, "pos_label", None) not in (None, 1):  # average precision's: the host path's error
            return None
        return table.device_columns_total(y_true, y_score, sample_weight, self._edges, self._sums_to_one)

    def forward(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_score, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_score: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running table."""
        return super().__call__(y_true, y_score, sample_weight=sample_weight)

    def stats(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row per item: its weight in the cell of (its score, its class) of each score column."""
        x = self._read(y_true, y_score, sample_weight, one_call=False)
        if self._per_item(x.kind):
            return Rows(self._item_rows(x))
        return table.table_rows(x.scores, x.classes, x.weights, x.kind, x.n_classes, self._edges)

    def evaluate(self, y_true: Any, y_score: Any, sample_weight: Any) -> tuple[Any, dict[str, Any]]:
        """``(score, components)`` of one call of a functional form (the classes are y_true's own)."""
        x = self._read(y_true, y_score, sample_weight, one_call=True)
        check_some_weight(self._owner, x.weights)
        if self._per_item(x.kind):
            return self._evaluate(self._item_rows(x).sum(axis=0), None)
        total, space = table.table_total(x.scores, x.classes, x.weights, x.kind, x.n_classes, self._edges)
        return self._evaluate(total, space)

    def table(self, y_true: Any, y_score: Any, sample_weight: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """The score table of one call: ``[(distinct scores, (U, K) weights per class)]`` per column."""
        x = self._read(y_true, y_score, sample_weight, one_call=True)
        return table.columns_of(*table.table_total(x.scores, x.classes, x.weights, x.kind, x.n_classes, self._edges))

    def score(self, total: Any) -> Result:
        score, components = self._evaluate(np.asarray(total), self.space)
        if isinstance(score, np.ndarray):  # average=None: one value per class, scored as their mean
            components = {"per_class": score, **components}
            score = float(np.mean(score))
        return Result(self.name, score, {**components, **self._curve(np.asarray(total))}, signature=self.signature())

    def _curve(self, total: np.ndarray) -> dict[str, Any]:
        """Points of the curve behind the score of binary scores, for a chart (``evalkit report``): at most
        :data:`CURVE_POINTS`, evenly spaced along the curve (none by default)."""
        return {}

    def scores(self, totals: Any) -> np.ndarray:
        """The score of each total (bootstrap resamples), vectorized where the formula allows; silent."""
        totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        if self.space is None and self.n_items:  # average="samples": per-item rows
            return sc.sample_average(totals)
        return self._formula(totals, self._space_of(self.space))

    # -- frames ------------------------------------------------------------------------------------------
    @property
    def _edges(self) -> np.ndarray | None:
        t = self.options.thresholds  # type: ignore[attr-defined]
        return None if t is None else table.binned_edges(t)

    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        target, places_a, places_b = table.join_with_places(a, b)
        # the two aligns that follow a join (the state's, the batch's) reuse where their cells go: a running
        # state is then moved once per update, with no search of its scores in the union
        self._joined = (a, b, target, places_a, places_b)
        return target

    def align(self, total: Any, space: Any, target: Any) -> Any:
        if space is None or target is None:
            return super().align(total, space, target)
        joined = getattr(self, "_joined", None)
        if joined is not None and joined[2] is target and (space is joined[0] or space is joined[1]):
            places = joined[3] if space is joined[0] else joined[4]
            if space is joined[1]:
                self._joined = None  # used up: keep no reference to old frames
            return table.scatter(total, places, table.width(target))
        return table.align_total(total, space, target)

    def realign(self, rows: Rows, target: Any) -> Rows:
        return table.realign_rows(rows, target)

    def restore_space(self, space: Any) -> Any:
        try:
            return table.restore_space(space)
        except InputError as e:
            raise InputError(f"{self.name}: load_state_dict(): {e}") from None

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total is a table of weights in its frame: one number per (score, class) of each column; or,
        for ``average="samples"``, the sums ``[w * value, w, undefined items]``."""
        if space is None:
            if getattr(self.options, "average", None) != "samples" or len(total) != 3 or total[2] < 0:
                raise InputError(
                    f"{self.name}: load_state_dict(): 'total' must be a score table's, in its frame ('space'), or "
                    f"for average='samples' [sum(w * value), sum(w), undefined items]; got {total.tolist()!r:.60}."
                )
            return
        if len(total) != table.width(space):
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {table.width(space)} numbers for its frame; "
                f"got {len(total)}."
            )
        if total.dtype.kind in "iu" and (total < 0).any():
            raise InputError(f"{self.name}: load_state_dict(): 'total' holds a negative count of items.")
        if self._edges is not None and any(len(c) != len(self._edges) or (c != self._edges).any() for c in space[3]):
            raise InputError(f"{self.name}: load_state_dict(): 'space' must hold this metric's thresholds.")

    def _space_of(self, space: Any) -> tuple:
        if space is None:
            raise InputError(f"{self._owner}: no scores yet; update() before scoring a total.")
        return space

    def _read(self, y_true: Any, y_score: Any, sample_weight: Any, *, one_call: bool) -> sc.ScoreInputs:
        o = self.options
        return sc.read_scores(
            self._owner,
            y_true,
            y_score,
            sample_weight,
            pos_label=getattr(o, "pos_label", None),
            labels=getattr(o, "labels", None),
            greater=self._greater and one_call,
            one_call=one_call,
            binary_only=self._binary_only,
            multiclass_sums=self._sums_to_one,
        )

    def _formula(self, totals: np.ndarray, space: tuple) -> np.ndarray:
        """The score of each total of ``totals`` (``(m, width)``) written in ``space``, silent."""
        return np.array([float(np.mean(self._evaluate(t, space, check=False)[0])) for t in totals])

    def _evaluate(self, total: np.ndarray, space: Any, check: bool = True) -> tuple[Any, dict[str, Any]]:
        raise NotImplementedError


def _one_total(totals_cols: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(v, c[None]) for v, c in totals_cols]


#: the most points of a curve a Result carries for a chart
CURVE_POINTS = 201


def _thinned(*arrays_: np.ndarray) -> list[list[float]]:
    """The points of a curve, at most :data:`CURVE_POINTS` of them, evenly spaced along it (ends kept)."""
    n = len(arrays_[0])
    keep = arrays.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(int)) if n else np.zeros(0, int)
    return [a[keep].tolist() for a in arrays_]


class _Averaged(ScoreMetric):
    """ROC-AUC and average precision: one binary score per column, averaged (scikit-learn's
    ``_average_binary_score``)."""

    #: the binary score of tables ``(m, U)``: sc.auc_of or sc.ap_of
    _binary: ClassVar[Any]

    def _formula(self, totals: np.ndarray, space: tuple) -> np.ndarray:
        score = self._vector(table.columns_of_many(totals, space), space[1], check=False)
        return score if score.ndim == 1 else score.mean(axis=-1)

    def _vector(self, cols: list, kind: str, check: bool) -> np.ndarray:
        """``(m,)`` scores, or ``(m, C)`` per class for ``average=None``."""
        o = self.options
        columns = sc.binary_columns(kind, cols)
        if kind == "binary":
            _, pos, neg = columns[0]
            if check:
                self._warn(pos, neg)
            return type(self)._binary(pos, neg)
        if o.average == "micro":
            _, pos, neg = sc.pooled(columns)
            if check:
                self._warn(pos, neg)
            return type(self)._binary(pos, neg)
        per = np.stack([type(self)._binary(pos, neg) for _, pos, neg in columns], axis=-1)
        if check:
            for _, pos, neg in columns:
                self._warn(pos, neg)
        if o.average is None:
            return per
        weights = np.stack([pos.sum(axis=-1) for _, pos, _ in columns], axis=-1)
        return sc.averaged(per, weights, o.average)

    def _warn(self, pos: np.ndarray, neg: np.ndarray) -> None:
        raise NotImplementedError

    def _item_rows(self, x: sc.ScoreInputs) -> np.ndarray:
        labels = np.eye(x.n_classes, dtype=np.int64)[x.classes] if x.kind == "multiclass" else x.classes
        return sc.sample_rows(labels, x.scores, x.weights, "auc" if self.name == "roc_auc" else "ap")

    def _samples(self, total: np.ndarray, check: bool) -> tuple[float, dict[str, Any]]:
        """The score of ``[sum(w * value), sum(w), undefined items]`` (average='samples')."""
        if check and total[2] > 0:
            sc.warn_one_class(np.zeros(1), np.ones(1))  # an item with one class only: scikit-learn's warning
        if total[1] == 0:
            raise InputError(f"{self._owner}: the total sample weight is zero; the score is undefined.")
        return float(sc.sample_average(total)[0]), {"weight": float(total[1]), "undefined_items": int(total[2])}

    def _components(self, cols: list, space: tuple) -> dict[str, Any]:
        """Binary scores: the weight of each class; otherwise each class's (or label's) positive weight. And
        the table's rows: the distinct scores of every column."""
        columns = sc.binary_columns(space[1], cols)
        rows = {"distinct_scores": int(sum(len(v) for v, _ in cols))}
        if space[1] == "binary":
            _, pos, neg = columns[0]
            return {"positives": float(pos.sum()), "negatives": float(neg.sum()), **rows}
        return {"support": np.array([float(p.sum()) for _, p, _ in columns]), **rows}


@register
class RocAuc(_Averaged):
    """Area under the ROC curve (ROC-AUC) in a training loop, exact and mergeable: the state is a table of
    the distinct scores with the weight of each class at each.

    Binary scores ``(n,)``: the AUC of the positive class. Multiclass scores ``(n, C)`` (probabilities):
    one-vs-rest or one-vs-one (Hand & Till) AUCs averaged. Multilabel ``(n, L)`` indicators and scores:
    one AUC per label, averaged (``micro`` pools every label's decisions). ``average="samples"`` ranks
    each item's labels by its own scores: its rows are per-item sums, not a table. With ``thresholds=``,
    the table's rows are fixed (scores floored to the thresholds): constant memory, and the components
    state ``error_bound``, the largest possible difference from the exact AUROC, ``sum_b P_b N_b / (2 P N)``
    over the bins (averaged over classes as the score is).

    The class defaults to ``multi_class="ovr"`` (defined for any scores); the function keeps scikit-learn's
    ``"raise"``. A binary batch's labels must be in {0, 1} or {-1, 1}, or ``pos_label`` names the positive.

    Options (keyword-only), declared in :class:`~evalkit.classification._scores_common.RocAucOptions`:

    {options}

    Example:
        >>> m = RocAuc()
        >>> _ = m.update([0, 0, 1], [0.1, 0.4, 0.35]).update([1], [0.8])
        >>> m.compute().score
        0.75
    """

    name = "roc_auc"
    options_type: ClassVar[type[sc.RocAucOptions]] = sc.RocAucOptions
    options: sc.RocAucOptions
    _greater = True
    _sums_to_one = True
    _binary = staticmethod(sc.auc_of)

    def __init__(
        self,
        *,
        average: str | None = "macro",
        max_fpr: float | None = None,
        multi_class: str = "ovr",
        labels: Any = None,
        pos_label: Any = None,
        thresholds: Any = None,
    ) -> None:
        super().__init__(locals())

    def _warn(self, pos: np.ndarray, neg: np.ndarray) -> None:
        sc.warn_one_class(pos, neg)

    def _check_options(self, kind: str) -> None:
        o = self.options
        if kind == "multiclass":
            if o.average == "samples":
                raise InputError(
                    f"{self._owner}: average must be one of ('micro', 'macro', 'weighted', None) for multiclass "
                    "scores; 'samples' is for multilabel indicators."
                )
            if o.max_fpr is not None and o.max_fpr != 1:
                raise InputError(
                    f"{self._owner}: Partial AUC computation not available in multiclass setting, 'max_fpr' must be "
                    f"set to `None`, received `max_fpr={o.max_fpr}` instead."
                )
            if o.multi_class == "raise":
                raise InputError(f"{self._owner}: multi_class must be in ('ovo', 'ovr') for multiclass scores.")
            if o.multi_class == "ovo" and o.average not in ("macro", "weighted"):
                raise InputError(
                    f"{self._owner}: average must be 'macro' or 'weighted' for multi_class='ovo'; got {o.average!r}."
                )

    def evaluate(self, y_true: Any, y_score: Any, sample_weight: Any) -> tuple[Any, dict[str, Any]]:
        if self.options.multi_class == "ovo" and sample_weight is not None and np.ndim(y_score) == 2:
            raise InputError(
                f"{self._owner}: sample_weight is not supported for multiclass one-vs-one ROC AUC, 'sample_weight' "
                "must be None in this case."
            )
        return super().evaluate(y_true, y_score, sample_weight)

    def _formula(self, totals: np.ndarray, space: tuple) -> np.ndarray:
        o, kind = self.options, space[1]
        self._check_options(kind)
        if kind == "multiclass" and o.multi_class == "ovo":
            return sc.ovo_auc(table.columns_of_many(totals, space), o.average)
        if kind == "binary" and o.max_fpr is not None:
            return np.array([self._evaluate(t, space, check=False)[0] for t in totals])
        return super()._formula(totals, space)

    def _evaluate(self, total: np.ndarray, space: Any, check: bool = True) -> tuple[Any, dict[str, Any]]:
        if space is None and self.options.average == "samples" and len(total) == 3:
            return self._samples(total, check)
        o, space = self.options, self._space_of(space)
        kind = space[1]
        self._check_options(kind)
        cols = table.columns_of(total, space)
        components = self._components(cols, space)
        if kind == "multiclass" and o.multi_class == "ovo":
            return float(sc.ovo_auc(_one_total(cols), o.average)[0]), components
        if kind == "binary" and o.max_fpr is not None:
            values, counts = cols[0]
            if check:
                sc.warn_one_class(counts[:, 1], counts[:, 0])
            return sc.partial_auc(values, counts[:, 1], counts[:, 0], o.max_fpr), components
        score = self._vector(_one_total(cols), kind, check)[0]
        if self._edges is not None:
            components["error_bound"] = self._bound(cols, kind)
        return (score if isinstance(score, np.ndarray) else float(score)), components

    def _curve(self, total: np.ndarray) -> dict[str, Any]:
        space = self.space
        if space is None or space[1] != "binary":
            return {}
        values, counts = table.columns_of(total, space)[0]
        if not (counts[:, 1].sum() > 0 and counts[:, 0].sum() > 0):
            return {}
        fpr, tpr, _ = sc.roc_points(values, counts[:, 1], counts[:, 0], True, warn=False)
        fpr, tpr = _thinned(fpr, tpr)
        return {"fpr": fpr, "tpr": tpr}

    def _bound(self, cols: list, kind: str) -> float:
        """The largest possible difference of the binned AUROC from the exact one (see the class)."""
        columns = sc.binary_columns(kind, cols)
        if kind == "binary" or self.options.average == "micro":
            _, pos, neg = columns[0] if kind == "binary" else sc.pooled([(v, p[None], n[None]) for v, p, n in columns])
            return table.tie_bound(np.ravel(pos), np.ravel(neg))
        bounds = np.array([table.tie_bound(p, n) for _, p, n in columns])
        if self.options.average == "weighted":
            w = np.array([p.sum() for _, p, _ in columns])
            return float(np.sum(np.where(w > 0, bounds, 0) * w) / w.sum()) if w.sum() > 0 else 0.0
        return float(np.mean(bounds))


@register
class AveragePrecision(_Averaged):
    """Average precision (the area under the precision-recall curve as a step function, scikit-learn's,
    without interpolation) in a training loop, exact and mergeable.

    Binary scores ``(n,)`` of ``pos_label``; multiclass scores ``(n, C)``, each class against the rest;
    multilabel indicators ``(n, L)``. ``thresholds=`` fixes the table's rows (scores floored to them):
    precision and recall are then exact at each threshold, and the area is that of those points (no bound
    is stated).

    Options (keyword-only), declared in :class:`~evalkit.classification._scores_common.AveragePrecisionOptions`:

    {options}

    Example:
        >>> AveragePrecision()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).score  # doctest: +ELLIPSIS
        0.8333...
    """

    name = "average_precision"
    options_type: ClassVar[type[sc.AveragePrecisionOptions]] = sc.AveragePrecisionOptions
    options: sc.AveragePrecisionOptions
    _binary = staticmethod(sc.ap_of)
    _per_item_kinds = ("multilabel", "multiclass")

    def __init__(
        self, *, average: str | None = "macro", pos_label: Any = 1, labels: Any = None, thresholds: Any = None
    ) -> None:
        super().__init__(locals())

    def _warn(self, pos: np.ndarray, neg: np.ndarray) -> None:
        sc.warn_no_positive(pos)

    def _read(self, y_true: Any, y_score: Any, sample_weight: Any, *, one_call: bool) -> sc.ScoreInputs:
        x = super()._read(y_true, y_score, sample_weight, one_call=one_call)
        if x.kind != "binary" and self.options.pos_label != 1:
            raise InputError(
                f"{self._owner}: Parameter pos_label is fixed to 1 for {x.kind} y_true. Do not set pos_label or "
                "set pos_label to 1."
            )
        return x

    def _curve(self, total: np.ndarray) -> dict[str, Any]:
        space = self.space
        if space is None or space[1] != "binary":
            return {}
        values, counts = table.columns_of(total, space)[0]
        if not counts[:, 1].sum() > 0:
            return {}
        precision, recall, _ = sc.pr_points(values, counts[:, 1], counts[:, 0], False, warn=False)
        precision, recall = _thinned(precision, recall)
        return {"precision": precision, "recall": recall}

    def _evaluate(self, total: np.ndarray, space: Any, check: bool = True) -> tuple[Any, dict[str, Any]]:
        if space is None and self.options.average == "samples" and len(total) == 3:
            return self._samples(total, check)
        space = self._space_of(space)
        cols = table.columns_of(total, space)
        score = self._vector(_one_total(cols), space[1], check)[0]
        return (score if isinstance(score, np.ndarray) else float(score)), self._components(cols, space)


class _OperatingPoint(ScoreMetric):
    """An operating point: the best of one rate where another is at least a minimum, and its threshold
    (torchmetrics' rules and values). Multiclass scores ``(n, C)`` (y_true: column indices) and multilabel
    indicators give one point per class, each class against the rest, as torchmetrics' ``Multiclass*`` and
    ``Multilabel*`` classes; the score is then their mean, and ``per_class`` and ``threshold`` hold one
    value per class."""

    def _point(self, values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
        raise NotImplementedError

    def _evaluate(self, total: np.ndarray, space: Any, check: bool = True) -> tuple[Any, dict[str, Any]]:
        space = self._space_of(space)
        points = [self._point(*c) for c in sc.binary_columns(space[1], table.columns_of(total, space))]
        if space[1] == "binary":
            return points[0][0], {"threshold": points[0][1]}
        return np.array([p[0] for p in points]), {"threshold": np.array([p[1] for p in points])}


@register
class RecallAtFixedPrecision(_OperatingPoint):
    """The largest recall at a precision of at least ``min_precision``, and its threshold (torchmetrics'
    ``BinaryRecallAtFixedPrecision``: ties go to the higher precision, then the higher threshold; where no
    threshold reaches the precision, recall 0 and threshold NaN), exact and mergeable.

    Options (keyword-only), declared in :class:`~evalkit.classification._scores_common.RecallAtPrecisionOptions`:

    {options}

    Example:
        >>> r = RecallAtFixedPrecision(min_precision=0.6)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> r.score, r.components["threshold"]
        (1.0, 0.35)
    """

    name = "recall_at_fixed_precision"
    options_type: ClassVar[type[sc.RecallAtPrecisionOptions]] = sc.RecallAtPrecisionOptions
    options: sc.RecallAtPrecisionOptions

    def __init__(self, *, min_precision: float = 0.5, pos_label: Any = None, thresholds: Any = None) -> None:
        super().__init__(locals())

    def _point(self, values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
        return sc.recall_at_precision(values, pos, neg, self.options.min_precision)


@register
class PrecisionAtFixedRecall(_OperatingPoint):
    """The largest precision at a recall of at least ``min_recall``, and its threshold (torchmetrics'
    ``BinaryPrecisionAtFixedRecall``), exact and mergeable.

    Options (keyword-only), declared in :class:`~evalkit.classification._scores_common.PrecisionAtRecallOptions`:

    {options}

    Example:
        >>> r = PrecisionAtFixedRecall(min_recall=0.5)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> r.score, r.components["threshold"]
        (1.0, 0.8)
    """

    name = "precision_at_fixed_recall"
    options_type: ClassVar[type[sc.PrecisionAtRecallOptions]] = sc.PrecisionAtRecallOptions
    options: sc.PrecisionAtRecallOptions

    def __init__(self, *, min_recall: float = 0.5, pos_label: Any = None, thresholds: Any = None) -> None:
        super().__init__(locals())

    def _point(self, values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
        return sc.precision_at_recall(values, pos, neg, self.options.min_recall)


@register
class SensitivityAtSpecificity(_OperatingPoint):
    """The largest sensitivity (true positive rate) at a specificity of at least ``min_specificity``, and
    its threshold (torchmetrics' ``BinarySensitivityAtSpecificity``: where none reaches it, 0 and threshold
    1e6), exact and mergeable.

    Options (keyword-only), declared in :class:`~evalkit.classification._scores_common.SensitivityAtSpecificityOptions`:

    {options}

    Example:
        >>> r = SensitivityAtSpecificity(min_specificity=0.5)([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> r.score, r.components["threshold"]
        (1.0, 0.35)
    """

    name = "sensitivity_at_specificity"
    options_type: ClassVar[type[sc.SensitivityAtSpecificityOptions]] = sc.SensitivityAtSpecificityOptions
    options: sc.SensitivityAtSpecificityOptions

    def __init__(self, *, min_specificity: float = 0.5, pos_label: Any = None, thresholds: Any = None) -> None:
        super().__init__(locals())

    def _point(self, values: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
        return sc.sensitivity_at_specificity(values, pos, neg, self.options.min_specificity)


# -- functional forms ------------------------------------------------------------------------------------------
def roc_auc_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    sample_weight: Any = None,
    max_fpr: float | None = None,
    multi_class: str = "raise",
    labels: Any = None,
    pos_label: Any = None,
    thresholds: Any = None,
) -> float | np.ndarray:
    """Area under the ROC curve, as scikit-learn's ``roc_auc_score``: the weighted probability that a
    positive outscores a negative, ties counting one half,
    ``AUC = sum_s N_s (P_{>s} + P_s / 2) / (P N)`` over the distinct scores ``s``.

    Binary labels with scores ``(n,)`` (of two labels the greater is positive; one class only: NaN and an
    ``UndefinedMetricWarning``); multiclass labels with probabilities ``(n, C)`` and ``multi_class`` 'ovr'
    or 'ovo'; multilabel indicators ``(n, L)``. ``max_fpr``: the McClish-corrected partial AUC.

    Example:
        >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        0.75
        >>> round(roc_auc_score([0, 1, 2, 2], [[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6]],
        ...                     multi_class="ovr"), 4)
        1.0
    """
    return RocAuc.bound("roc_auc_score", locals()).evaluate(y_true, y_score, sample_weight)[0]


def average_precision_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    pos_label: Any = 1,
    sample_weight: Any = None,
    labels: Any = None,
    thresholds: Any = None,
) -> float | np.ndarray:
    """Average precision, as scikit-learn's ``average_precision_score``: ``AP = sum_t (R_t - R_{t-1}) P_t``
    over the thresholds, descending (no interpolation). No positive: 0.0 and a warning.

    Example:
        >>> round(average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
        0.8333
    """
    return AveragePrecision.bound("average_precision_score", locals()).evaluate(y_true, y_score, sample_weight)[0]


def recall_at_fixed_precision(
    y_true: Any,
    y_score: Any,
    *,
    min_precision: float = 0.5,
    pos_label: Any = None,
    thresholds: Any = None,
    sample_weight: Any = None,
) -> tuple[Any, Any]:
    """``(recall, threshold)``: the largest recall at a precision of at least ``min_precision``
    (torchmetrics' ``binary_recall_at_fixed_precision``); multiclass or multilabel scores: one array of each,
    per class, each class against the rest (its ``multiclass_*`` and ``multilabel_*`` forms).

    Example:
        >>> recall_at_fixed_precision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], min_precision=0.6)
        (1.0, 0.35)
    """
    score, components = RecallAtFixedPrecision.bound("recall_at_fixed_precision", locals()).evaluate(
        y_true, y_score, sample_weight
    )
    return score, components["threshold"]


def precision_at_fixed_recall(
    y_true: Any,
    y_score: Any,
    *,
    min_recall: float = 0.5,
    pos_label: Any = None,
    thresholds: Any = None,
    sample_weight: Any = None,
) -> tuple[Any, Any]:
    """``(precision, threshold)``: the largest precision at a recall of at least ``min_recall``
    (torchmetrics' ``binary_precision_at_fixed_recall``).

    Example:
        >>> precision_at_fixed_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], min_recall=1.0)
        (0.6666666666666666, 0.35)
    """
    score, components = PrecisionAtFixedRecall.bound("precision_at_fixed_recall", locals()).evaluate(
        y_true, y_score, sample_weight
    )
    return score, components["threshold"]


def sensitivity_at_specificity(
    y_true: Any,
    y_score: Any,
    *,
    min_specificity: float = 0.5,
    pos_label: Any = None,
    thresholds: Any = None,
    sample_weight: Any = None,
) -> tuple[Any, Any]:
    """``(sensitivity, threshold)``: the largest true positive rate at a specificity of at least
    ``min_specificity`` (torchmetrics' ``binary_sensitivity_at_specificity``).

    Example:
        >>> sensitivity_at_specificity([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], min_specificity=1.0)
        (0.5, 0.8)
    """
    score, components = SensitivityAtSpecificity.bound("sensitivity_at_specificity", locals()).evaluate(
        y_true, y_score, sample_weight
    )
    return score, components["threshold"]


def _curve_table(owner: str, y_true: Any, y_score: Any, pos_label: Any, sample_weight: Any) -> tuple:
    """``(values, pos, neg)`` of the one score column of a curve's inputs (scikit-learn's label rules: with
    ``pos_label``, any labels; without, {0, 1} or {-1, 1})."""
    x = sc.read_scores(owner, y_true, y_score, sample_weight, pos_label=pos_label, binary_only=True)
    check_some_weight(owner, x.weights)
    total, space = table.table_total(x.scores, x.classes, x.weights, x.kind, x.n_classes)
    values, counts = table.columns_of(total, space)[0]
    return values, counts[:, 1], counts[:, 0]


def roc_curve(
    y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None, drop_intermediate: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, tpr, thresholds)`` as scikit-learn's ``roc_curve``: one point per distinct score, descending,
    after a first point at threshold ``inf``; ``drop_intermediate`` drops points on a straight segment.

    Example:
        >>> fpr, tpr, thresholds = roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> fpr.tolist(), tpr.tolist(), thresholds.tolist()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], [inf, 0.8, 0.4, 0.35, 0.1])
    """
    _check_flag("roc_curve", drop_intermediate)
    return sc.roc_points(*_curve_table("roc_curve", y_true, y_score, pos_label, sample_weight), drop_intermediate)


def precision_recall_curve(
    y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None, drop_intermediate: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, thresholds)`` as scikit-learn's ``precision_recall_curve``: ascending
    thresholds, and a last point (precision 1, recall 0) without a threshold.

    Example:
        >>> p, r, t = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> p.round(4).tolist(), r.tolist(), t.tolist()
        ([0.5, 0.6667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])
    """
    _check_flag("precision_recall_curve", drop_intermediate)
    owner = "precision_recall_curve"
    return sc.pr_points(*_curve_table(owner, y_true, y_score, pos_label, sample_weight), drop_intermediate)


def det_curve(
    y_true: Any, y_score: Any, *, pos_label: Any = None, sample_weight: Any = None, drop_intermediate: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(fpr, fnr, thresholds)`` of the detection error tradeoff, as scikit-learn's ``det_curve``.

    Example:
        >>> fpr, fnr, t = det_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> fpr.tolist(), fnr.tolist(), t.tolist()
        ([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.35, 0.4, 0.8])
    """
    _check_flag("det_curve", drop_intermediate)
    values, pos, neg = _curve_table("det_curve", y_true, y_score, pos_label, sample_weight)
    return sc.det_points("det_curve", values, pos, neg, drop_intermediate)


def roc_items(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """``(positive, score)`` of each item of unweighted binary :class:`RocAuc` rows (``metric.rows(y, s)``),
    as DeLong's test reads them (``evalkit compare -t delong``).

    Example:
        >>> positive, score = roc_items(RocAuc().rows([0, 1, 1], [0.2, 0.9, 0.4]))
        >>> positive.tolist(), score.tolist()
        ([False, True, True], [0.2, 0.9, 0.4])
    """
    space = rows.space
    if not (table.is_space(space) and space[1] == "binary"):
        raise InputError("DeLong's test reads the rows of binary scores; these are not (multiclass or multilabel).")
    values = np.asarray(rows.values)
    if not (values == 1).all():
        raise InputError("DeLong's test takes unweighted items; these rows carry sample weights.")
    cells = np.asarray(rows.cells)[:, 0]
    return cells % 2 == 1, space[3][0][cells // 2]


def _check_flag(owner: str, value: Any) -> None:
    check_bool(owner, "drop_intermediate", value)
