"""Retrieval ranking metrics: nDCG@k, MRR@k, MAP(@k), P@k, R@k, hit rate and R-precision.

Each query is an item whose row ``[value, scored, 1]`` sums (:mod:`evalkit.retrieval._common`), so the
metrics merge, checkpoint, bootstrap and run in a training loop like every other; the state is three
numbers, whatever the number of queries. Inputs (:mod:`evalkit.retrieval._inputs`): pytrec_eval's
``(qrels, run)`` mappings, scikit-learn's ``(y_true, y_score)`` rows of queries, or torchmetrics'
flat ``(target, preds)`` with ``indexes=`` (tensors: rows and state on their device); TREC files through :func:`~evalkit.retrieval.trec.read_qrels`
and :func:`~evalkit.retrieval.trec.read_run`.

Conventions (``convention``): ``"trec_eval"`` (the default: pytrec_eval's ``ndcg_cut_k``,
``recip_rank``, ``map``/``map_cut_k``, ``P_k``, ``recall_k``, ``Rprec``), ``"sklearn"`` (nDCG:
``sklearn.metrics.ndcg_score``, tied scores share their gain) and ``"torchmetrics"`` (its
``Retrieval*`` metrics, quirks included). docs/metrics/retrieval.md lists their measured differences.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np

from evalkit.core.arrays import is_tensor, like, to_host
from evalkit.core.backends import choose_backend
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.metric import Metric
from evalkit.core.options import Options
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.retrieval._common import (
    NDCGOptions,
    PrecisionOptions,
    RankedOptions,
    RetrievalOptions,
    formula,
    query_values,
    rows_matrix,
)
from evalkit.retrieval._inputs import ranked_batch
from evalkit.retrieval._numpy import query_values as vectorized_query_values
from evalkit.retrieval._torch import query_values as device_query_values
from evalkit.retrieval._torch import ranked_batch as device_batch
from evalkit.retrieval._torch import rows_matrix as device_rows_matrix

__all__ = [
    "MAP",
    "MRR",
    "NDCG",
    "HitRate",
    "PrecisionAtK",
    "RPrecision",
    "RecallAtK",
    "RetrievalMetric",
    "hit_rate",
    "mean_average_precision",
    "mrr",
    "ndcg",
    "precision_at_k",
    "r_precision",
    "recall_at_k",
]

_NUMPY_FROM = 8  # queries; below, the reference's loop costs less than the vectorized set-up


class RetrievalMetric(Metric):
    """A retrieval metric: ``update(qrels, run)`` (or ``update(target, preds, indexes=...)``) adds one
    row per query; ``compute()`` averages the scored queries' values."""

    task = "retrieval"
    options_type: ClassVar[type[Options]] = RetrievalOptions
    options: Any

    def _values(self, target: Any, preds: Any, indexes: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
        o = self.options
        tensors = is_tensor(target) and is_tensor(preds) and (indexes is None or is_tensor(indexes))
        if o.backend == "torch" and not tensors:
            raise InputError(
                f"{self._owner}: backend='torch' scores torch tensors (target, preds and indexes); got "
                f"{type(target).__name__} and {type(preds).__name__}. Use backend='auto' for other inputs."
            )
        # numpy's sorts beat torch's on the host: torch's path is for tensors on an accelerator
        on_device = o.backend == "torch" or (o.backend == "auto" and tensors and target.device.type != "cpu")
        batch = (device_batch if on_device else ranked_batch)(self._owner, target, preds, indexes, o)
        if getattr(o, "gain", "linear") == "exponential" and len(batch.judged) and batch.judged.max() > 1023:
            raise InputError(
                f"{self._owner}: gain='exponential' takes relevances up to 1023 (2**r - 1 overflows float64 "
                f"beyond); got {float(batch.judged.max())!r}. Use gain='linear' or smaller grades."
            )
        if on_device:  # torch's vectorized path: the rows stay on the tensors' device
            values, empty = device_query_values(self.name, batch, o)
            return batch.qids, values, empty
        backend = choose_backend(self._owner, o.backend, len(batch), numpy_from=_NUMPY_FROM)
        values, empty = (vectorized_query_values if backend == "numpy" else query_values)(self.name, batch, o)
        return batch.qids, values, empty

    def _dense(self, target: Any, preds: Any, indexes: Any) -> tuple[Any, Any]:
        """``(qids, (n, 3) rows)``, on the tensors' device where tensors were given."""
        qids, values, empty = self._values(target, preds, indexes)
        if not isinstance(values, np.ndarray):
            return qids, device_rows_matrix(values, empty, self.options, self._owner, qids)
        dense = rows_matrix(values, empty, self.options, self._owner, qids)
        # host tensors were read as numpy arrays (no copy); their rows are tensors again, so that a
        # training loop's state lives where its tensors do
        return qids, like(dense, target) if is_tensor(target) else dense

    def rows(self, target: Any, preds: Any, indexes: Any = None) -> Rows:  # type: ignore[override]
        """One row ``[value, scored, 1]`` per query (see :mod:`evalkit.retrieval._common`)."""
        return Rows(self._dense(target, preds, indexes)[1], reductions=self.expected_reductions(3, None))

    def stats(self, target: Any, preds: Any, indexes: Any = None) -> Rows:
        """The rows of :meth:`rows`."""
        return self.rows(target, preds, indexes)

    def update(self, target: Any, preds: Any, *, indexes: Any = None) -> RetrievalMetric:  # type: ignore[override]
        """Add a batch of queries; returns ``self``."""
        return super().update(target, preds, indexes=indexes)  # type: ignore[return-value]

    def forward(self, target: Any, preds: Any, *, indexes: Any = None) -> Result:  # type: ignore[override]
        """Add a batch of queries and return the score of that batch alone."""
        return super().forward(target, preds, indexes=indexes)

    def __call__(self, target: Any, preds: Any, *, indexes: Any = None) -> Result:  # type: ignore[override]
        """Score one batch of queries without touching the running state."""
        return super().__call__(target, preds, indexes=indexes)

    def per_query(self, target: Any, preds: Any, *, indexes: Any = None) -> dict[Any, float]:
        """``{qid: value}`` of each query (NaN for one skipped by ``empty_target_action="skip"``); the
        qids of rows of queries are their positions. A median over queries is ``np.median`` of these."""
        qids, rows = self._dense(target, preds, indexes)
        qids, rows = to_host(qids).tolist() if is_tensor(qids) else qids, to_host(rows)
        return {q: float(v) if s else float("nan") for q, v, s in zip(qids, rows[:, 0], rows[:, 1])}

    # -- the state ------------------------------------------------------------------------------------
    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        """The value column reduces as ``aggregation`` says (sum for the mean); the counts sum."""
        aggregation = self.options.aggregation
        return ("sum" if aggregation == "mean" else aggregation, "sum", "sum")

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """Three numbers: a value within what the scored queries allow, whole counts, scored <= queries."""
        fault = ""
        if len(total) != 3:
            fault = "3 numbers (the values, the scored queries, the queries)"
        else:
            value, scored, queries = (float(x) for x in total)
            top = scored if self.options.aggregation == "mean" else 1.0
            if any(x < 0 or x != int(x) for x in (scored, queries)) or scored > queries:
                fault = "whole numbers of scored queries and queries, at most as many scored as queries"
            elif not 0 <= value <= top:
                fault = f"a value between 0 and {top}"
        if fault:
            raise InputError(f"{self.name}: load_state_dict(): 'total' must hold {fault}; got {total.tolist()!r}.")

    # -- scoring --------------------------------------------------------------------------------------
    def score(self, total: Any) -> Result:
        """The Result of a total: the score and the numbers of queries, scored and skipped."""
        total = np.asarray(total, dtype=np.float64)
        scored, queries = int(total[1]), int(total[2])
        if not scored:
            warnings.warn(
                f"{self.name}: no query was scored (every one was skipped); the score is 0.0, as torchmetrics'.",
                UndefinedMetricWarning,
                stacklevel=2,
            )
        value = float(formula(total, self.options.aggregation)[0])
        components = {"queries": queries, "scored": scored, "skipped": queries - scored}
        return Result(self.name, value, components, self.signature())

    def scores(self, totals: np.ndarray) -> np.ndarray:
        """The score of each total, vectorized."""
        return formula(totals, self.options.aggregation)


@register
class NDCG(RetrievalMetric):
    """nDCG@k: ``DCG@k / IDCG@k`` per query, ``DCG@k = sum_{i<k} gain(rel_i) / log2(i + 2)`` over the ranking
    and IDCG@k the same over the judged documents in ideal order (trec_eval ``ndcg_cut_k``,
    ``sklearn.metrics.ndcg_score``, torchmetrics ``RetrievalNormalizedDCG``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.NDCGOptions`:

    {options}

    Example:
        >>> qrels = {"q1": {"d1": 2, "d2": 0, "d3": 1}}
        >>> run = {"q1": {"d1": 0.9, "d2": 0.8, "d3": 0.1}}
        >>> round(NDCG(k=2).update(qrels, run).compute().score, 4)  # 2 / (2 + 1 / log2(3))
        0.7602
    """

    name = "ndcg"
    options_type = NDCGOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        convention: str = "trec_eval",
        gain: str = "linear",
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class MRR(RetrievalMetric):
    """MRR@k: the mean of ``1 / rank`` of each query's first relevant document in the top k (0 if none)
    (trec_eval ``recip_rank`` without k, torchmetrics ``RetrievalMRR``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.RankedOptions`:

    {options}

    Example:
        >>> MRR()({"q1": {"a": 1}, "q2": {"b": 1}}, {"q1": {"a": 0.2, "c": 0.9}, "q2": {"b": 0.5}}).score
        0.75
    """

    name = "mrr"
    options_type = RankedOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class MAP(RetrievalMetric):
    """MAP(@k): per query, the sum of the precision at each relevant document's rank (within the top k)
    over the number of relevant judged documents (trec_eval ``map``, ``map_cut_k``); torchmetrics'
    ``RetrievalMAP`` divides by the relevant documents retrieved in the top k instead.

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.RankedOptions`:

    {options}

    Example:
        >>> round(MAP()({"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.8, "b": 0.7}}).score, 4)  # (1 + 2/3) / 2
        0.8333
    """

    name = "map"
    options_type = RankedOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class PrecisionAtK(RetrievalMetric):
    """P@k: relevant documents in the top k over k (over the retrieved documents without k; with
    ``adaptive_k``, k at most their number) (trec_eval ``P_k``, torchmetrics ``RetrievalPrecision``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.PrecisionOptions`:

    {options}

    Example:
        >>> PrecisionAtK(k=4)({"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.8, "b": 0.7}}).score
        0.5
    """

    name = "precision_at_k"
    options_type = PrecisionOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        adaptive_k: bool = False,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class RecallAtK(RetrievalMetric):
    """R@k: relevant documents in the top k over the query's relevant judged documents (trec_eval
    ``recall_k``, torchmetrics ``RetrievalRecall``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.RankedOptions`:

    {options}

    Example:
        >>> RecallAtK(k=1)({"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.8, "b": 0.7}}).score
        0.5
    """

    name = "recall_at_k"
    options_type = RankedOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class HitRate(RetrievalMetric):
    """Hit rate@k: the share of queries with a relevant document in the top k (torchmetrics
    ``RetrievalHitRate``; trec_eval's ``success_k``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.RankedOptions`:

    {options}

    Example:
        >>> HitRate(k=1)({"q1": {"a": 1}, "q2": {"b": 1}}, {"q1": {"a": 0.2, "c": 0.9}, "q2": {"b": 0.5}}).score
        0.5
    """

    name = "hit_rate"
    options_type = RankedOptions

    def __init__(
        self,
        *,
        k: int | None = None,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


@register
class RPrecision(RetrievalMetric):
    """R-precision: the precision at rank R, R the query's number of relevant judged documents
    (trec_eval ``Rprec``, torchmetrics ``RetrievalRPrecision``).

    Options (keyword-only), declared in :class:`~evalkit.retrieval._common.RetrievalOptions`:

    {options}

    Example:
        >>> RPrecision()({"q": {"a": 1, "b": 1}}, {"q": {"a": 0.9, "c": 0.8, "b": 0.7}}).score
        0.5
    """

    name = "r_precision"
    options_type = RetrievalOptions

    def __init__(
        self,
        *,
        convention: str = "trec_eval",
        relevance_level: int = 1,
        empty_target_action: str = "neg",
        ignore_index: int | None = None,
        aggregation: str = "mean",
        complete: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())


# -- functional forms -------------------------------------------------------------------------------------
def ndcg(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    convention: str = "trec_eval",
    gain: str = "linear",
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """nDCG@k over the queries (see :class:`NDCG`).

    Example:
        >>> round(ndcg([[3, 2, 0]], [[0.1, 0.5, 0.9]], convention="sklearn").score, 4)  # sklearn's ndcg_score
        0.648
    """
    return NDCG.bound("ndcg", locals())(qrels, run, indexes=indexes)


def mrr(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """MRR@k over the queries (see :class:`MRR`).

    Example:
        >>> mrr([0, 1, 1, 0], [0.9, 0.8, 0.2, 0.1], indexes=[0, 0, 1, 1]).score  # torchmetrics' layout
        0.75
    """
    return MRR.bound("mrr", locals())(qrels, run, indexes=indexes)


def mean_average_precision(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """MAP(@k) over the queries (see :class:`MAP`).

    Example:
        >>> mean_average_precision([[1, 0, 1]], [[0.9, 0.8, 0.7]]).score == (1 + 2 / 3) / 2
        True
    """
    return MAP.bound("mean_average_precision", locals())(qrels, run, indexes=indexes)


def precision_at_k(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    adaptive_k: bool = False,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """P@k over the queries (see :class:`PrecisionAtK`).

    Example:
        >>> precision_at_k([[1, 0, 1]], [[0.9, 0.8, 0.7]], k=2).score
        0.5
    """
    return PrecisionAtK.bound("precision_at_k", locals())(qrels, run, indexes=indexes)


def recall_at_k(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """R@k over the queries (see :class:`RecallAtK`).

    Example:
        >>> recall_at_k([[1, 0, 1]], [[0.9, 0.8, 0.7]], k=2).score
        0.5
    """
    return RecallAtK.bound("recall_at_k", locals())(qrels, run, indexes=indexes)


def hit_rate(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    k: int | None = None,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """Hit rate@k over the queries (see :class:`HitRate`).

    Example:
        >>> hit_rate([[0, 0, 1], [1, 0, 0]], [[0.9, 0.8, 0.7], [0.1, 0.2, 0.3]], k=2).score
        0.0
    """
    return HitRate.bound("hit_rate", locals())(qrels, run, indexes=indexes)


def r_precision(
    qrels: Any,
    run: Any,
    *,
    indexes: Any = None,
    convention: str = "trec_eval",
    relevance_level: int = 1,
    empty_target_action: str = "neg",
    ignore_index: int | None = None,
    aggregation: str = "mean",
    complete: bool = False,
    backend: str = "auto",
) -> Result:
    """R-precision over the queries (see :class:`RPrecision`).

    Example:
        >>> r_precision([[1, 0, 1]], [[0.9, 0.8, 0.7]]).score
        0.5
    """
    return RPrecision.bound("r_precision", locals())(qrels, run, indexes=indexes)
