"""What the retrieval metrics share: their options, declared once, the ranked batch, and the formulas.

Each query is an item. Its row is ``[value, scored, 1]``: the query's metric value (0 for a skipped
query), whether it counts in the average (0 for a query skipped by ``empty_target_action="skip"``) and
one query; the score is ``sum(value) / sum(scored)`` (``aggregation="mean"``), or the largest or
smallest value (``"max"``/``"min"``: the value column reduces by ``max``/``min``).

A batch of queries, whatever the input layout, becomes a :class:`Ranked`: each query's documents in rank
order (score descending, ties broken by the convention), their relevance and score, and the query's
judged documents (the qrels, or the documents given with their targets): how many are relevant, and
their gains in ideal order. The per-query value of each metric is then a pure function of a
:class:`Ranked` and the options: :func:`query_values` here (the readable reference, one query at a time)
and :func:`evalkit.retrieval._numpy.query_values` (vectorized over the queries; equal values).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, choice, flag, integer, option
from evalkit.core.validate import check_choice

CONVENTIONS = ("trec_eval", "torchmetrics")
NDCG_CONVENTIONS = ("trec_eval", "sklearn", "torchmetrics")
EMPTY_ACTIONS = ("neg", "pos", "skip", "error")
AGGREGATIONS = ("mean", "min", "max")
BACKENDS = ("auto", "python", "numpy", "torch")


def _aggregation(owner: str, name: str, value: Any) -> str:
    if value == "median":  # torchmetrics offers it; a median is no reduction of per-query rows
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be one of 'mean', 'min', 'max'. Got 'median' instead: a median "
            f"is no sum of per-query rows (it cannot merge); take numpy.median of metric.per_query(...) instead."
        )
    return check_choice(owner, name, value, AGGREGATIONS)


_K_DOC = "the rank cut-off (None: every retrieved document)"
_CONVENTION_DOC = (
    "'trec_eval' (ties by document id descending, the qrels' relevant documents) or 'torchmetrics' "
    "(its formulas, quirks included)"
)


@dataclass(frozen=True)
class _Shared(Options):
    convention: str = option("trec_eval", choice(*CONVENTIONS), _CONVENTION_DOC, sig="conv")
    empty_target_action: str = option(
        "neg",
        choice(*EMPTY_ACTIONS),
        "a query without a relevant document scores 0 ('neg'), 1 ('pos'), is skipped ('skip') or raises ('error')",
        sig="empty",
    )
    ignore_index: int | None = option(
        None, integer(optional=True), "judgments of this relevance are dropped, with their documents", sig="ignore",
        hide_default=True,
    )  # fmt: skip
    aggregation: str = option(
        "mean", _aggregation, "'mean' over the scored queries, or their 'min' or 'max'", sig="agg", hide_default=True
    )
    complete: bool = option(
        False, flag(), "qrels queries absent from the run score as empty rankings (trec_eval's -c)", sig="c",
        hide_default=True,
    )  # fmt: skip
    backend: str = option(
        "auto",
        choice(*BACKENDS),
        "'python' (the reference), 'numpy' (vectorized), 'torch' (vectorized on the tensors' device) or 'auto' "
        "(torch for tensors on an accelerator, else numpy from 8 queries); equal values",
    )


# k, adaptive_k, gain and relevance_level are declared in bases of their own so that they come first in the
# options' order (help(), the CLI listing), where the metric takes them
@dataclass(frozen=True)
class _Level(Options):
    relevance_level: int = option(
        1, integer(minimum=1), "a document is relevant from this relevance on (trec_eval's -l)", sig="level"
    )


@dataclass(frozen=True)
class _Cutoff(Options):
    k: int | None = option(None, integer(minimum=1, optional=True), _K_DOC, sig="k")


@dataclass(frozen=True)
class _PrecisionCutoff(_Cutoff):
    adaptive_k: bool = option(
        False, flag(), "a k beyond the retrieved documents becomes their number", sig="adaptive", hide_default=True
    )


@dataclass(frozen=True)
class _Gain(_Cutoff):
    gain: str = option(
        "linear", choice("linear", "exponential"), "the gain of relevance r: r, or 2**r - 1 (Burges et al.)", sig="gain"
    )


@dataclass(frozen=True)
class RetrievalOptions(_Shared, _Level):
    """The options of a metric of binary relevance without a cut-off (R-precision)."""


@dataclass(frozen=True)
class RankedOptions(_Shared, _Level, _Cutoff):
    """The options of a metric of binary relevance read at a rank cut-off ``k``."""


@dataclass(frozen=True)
class PrecisionOptions(_Shared, _Level, _PrecisionCutoff):
    """Precision at ``k``, with torchmetrics' ``adaptive_k``."""


@dataclass(frozen=True)
class NDCGOptions(_Shared, _Gain):
    """nDCG's options: graded gains (no relevance level); the convention may also be scikit-learn's."""

    convention: str = option(
        "trec_eval",
        choice(*NDCG_CONVENTIONS),
        "'trec_eval' (ties by document id descending), 'sklearn' (ndcg_score: tied scores share their gain) or "
        "'torchmetrics' (as 'sklearn')",
        sig="conv",
    )


# -- the ranked batch -------------------------------------------------------------------------------------
def order_within(qidx: np.ndarray, counts: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The stable order of entries grouped by query (``qidx`` non-decreasing, ``counts`` per query) that
    puts each query's entries by ``key`` descending, ties in the given order."""
    total = len(key)
    if not total:
        return np.zeros(0, dtype=np.int64)
    n, width = len(counts), int(counts.max())
    if n * width > 2 * total + 1024:  # very uneven queries: one sort of (query, -key) pairs
        return np.lexsort((-key, qidx))
    # one row per query, padded after its entries with +inf (sorted last, after any -key = +inf: stable):
    # sorting many short rows is faster than one long lexsort
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if (counts == width).all():
        table = -key.reshape(n, width)
    else:
        table = np.full((n, width), np.inf)
        table[qidx, np.arange(total) - starts[qidx]] = -key
    inner = np.argsort(table, axis=1, kind="stable")
    return (inner + starts[:, None])[np.arange(width) < counts[:, None]]


@dataclass
class Ranked:
    """A batch of queries in rank order (see the module docstring); flat arrays with per-query offsets.

    - ``qids``: the query ids, one per query (its row);
    - ``offsets`` (n + 1): query ``i``'s retrieved documents are ``rel[offsets[i]:offsets[i+1]]``, in rank order;
    - ``rel``, ``score``: their relevance (0 where unjudged) and score, float64;
    - ``n_rel``: each query's number of relevant judged documents (relevance ``>= relevance_level``);
    - ``judged``, ``ideal_offsets``: each query's judged relevances, grouped by query; :attr:`ideal` has
      them largest first (nDCG's ideal ranking), sorted when first read.
    """

    qids: list[Any]
    offsets: np.ndarray
    rel: np.ndarray
    score: np.ndarray
    n_rel: np.ndarray
    judged: np.ndarray
    ideal_offsets: np.ndarray

    @functools.cached_property
    def ideal(self) -> np.ndarray:
        """The judged relevances of each query, largest first."""
        counts = np.diff(self.ideal_offsets)
        return self.judged[order_within(np.repeat(np.arange(len(counts)), counts), counts, self.judged)]

    def __len__(self) -> int:
        return len(self.qids)

    def query(self, i: int) -> tuple[list[float], list[float], int, list[float]]:
        """``(relevances in rank order, scores in rank order, number relevant, ideal relevances)`` of query ``i``."""
        a, b = self.offsets[i], self.offsets[i + 1]
        c, d = self.ideal_offsets[i], self.ideal_offsets[i + 1]
        return self.rel[a:b].tolist(), self.score[a:b].tolist(), int(self.n_rel[i]), self.ideal[c:d].tolist()


# -- the formulas, one query at a time (the reference) ----------------------------------------------------
def gain(relevance: float, kind: str) -> float:
    """A document's gain: its relevance (``"linear"``, trec_eval and scikit-learn) or ``2**r - 1``
    (``"exponential"``); a relevance below zero gains nothing (trec_eval)."""
    if relevance <= 0:
        return 0.0
    return relevance if kind == "linear" else 2.0**relevance - 1.0


def _discount(position: int) -> float:
    return 1.0 / math.log2(position + 2)  # position 0-based: rank 1 is not discounted


def _dcg(gains: list[float], scores: list[float], k: int, tie_average: bool) -> float:
    if not tie_average:
        return sum(g * _discount(i) for i, g in enumerate(gains[:k]))
    # scikit-learn's _tie_average_dcg: the documents of a tie group share its mean gain over its positions
    total, start = 0.0, 0
    while start < len(gains):
        end = start
        while end + 1 < len(gains) and scores[end + 1] == scores[start]:
            end += 1
        mean_gain = sum(gains[start : end + 1]) / (end + 1 - start)
        total += mean_gain * sum(_discount(i) for i in range(start, min(end + 1, k)))
        start = end + 1
    return total


def query_value(metric: str, rel: list[float], scores: list[float], n_rel: int, ideal: list[float], o: Any) -> float:
    """The value of one query that has a relevant document (the empty case is ``empty_target_action``'s).

    ``rel`` and ``scores`` are its retrieved documents in rank order, ``n_rel`` its number of relevant
    judged documents and ``ideal`` its judged relevances, largest first.
    """
    torchmetrics = o.convention == "torchmetrics"
    n = len(rel)
    k = getattr(o, "k", None)
    cut = n if k is None else k
    if metric == "ndcg":
        gains = [gain(r, o.gain) for r in rel]
        ideal_gains = [gain(r, o.gain) for r in ideal]
        tie_average = o.convention != "trec_eval"
        best = _dcg(ideal_gains, ideal_gains, len(ideal) if k is None else k, False)
        return _dcg(gains, scores, cut, tie_average) / best if best > 0 else 0.0
    relevant = [r >= o.relevance_level for r in rel]
    if torchmetrics and metric in ("mrr", "map", "precision_at_k", "recall_at_k"):
        # torchmetrics counts a document as relevant only if its score is positive
        relevant = [y and s > 0 for y, s in zip(relevant, scores)]
    if metric == "mrr":
        first = next((i for i, y in enumerate(relevant[:cut]) if y), None)
        return 0.0 if first is None else 1.0 / (first + 1)
    if metric == "map":
        hits, precisions = 0, []
        for i, y in enumerate(relevant[:cut]):
            if y:
                hits += 1
                precisions.append(hits / (i + 1))
        if torchmetrics:  # the mean over the relevant documents retrieved in the top k
            return sum(precisions) / len(precisions) if precisions else 0.0
        return sum(precisions) / n_rel
    if metric == "precision_at_k":
        if o.adaptive_k or k is None:
            cut = min(cut, n)
        return sum(relevant[:cut]) / cut if cut else 0.0
    if metric == "recall_at_k":
        return sum(relevant[:cut]) / n_rel
    if metric == "hit_rate":
        return float(any(relevant[:cut]))
    if metric == "r_precision":
        return sum(relevant[:n_rel]) / n_rel
    raise AssertionError(metric)


def is_empty(metric: str, n_rel: int, ideal: list[float], o: Any) -> bool:
    """Whether a query has no relevant document: for nDCG, no judged document of positive gain."""
    if metric == "ndcg":
        return not any(r > 0 for r in ideal)
    return n_rel == 0


def query_values(metric: str, ranked: Ranked, o: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(value, empty)`` of each query of ``ranked``, one query at a time (the reference)."""
    values = np.zeros(len(ranked))
    empty = np.zeros(len(ranked), dtype=bool)
    for i in range(len(ranked)):
        rel, scores, n_rel, ideal = ranked.query(i)
        if is_empty(metric, n_rel, ideal, o):
            empty[i] = True
        else:
            values[i] = query_value(metric, rel, scores, n_rel, ideal, o)
    return values, empty


def rows_matrix(values: np.ndarray, empty: np.ndarray, o: Any, owner: str, qids: list[Any]) -> np.ndarray:
    """The ``(n, 3)`` rows ``[value, scored, 1]`` of queries of ``values``, ``empty_target_action`` applied."""
    if empty.any() and o.empty_target_action == "error":
        first = qids[int(np.flatnonzero(empty)[0])]
        raise InputError(
            f"{owner}: query {first!r} has no relevant document and empty_target_action='error'; choose 'neg', "
            f"'pos' or 'skip' for such queries."
        )
    out = np.ones((len(values), 3))
    out[:, 0] = values
    if o.empty_target_action == "pos":
        out[empty, 0] = 1.0
    elif o.empty_target_action == "neg":
        out[empty, 0] = 0.0
    else:  # skip: the row counts no scored query; its value never wins a min or max
        out[empty, 0] = 1.0 if o.aggregation == "min" else 0.0
        out[empty, 1] = 0.0
    return out


def formula(totals: np.ndarray, aggregation: str) -> np.ndarray:
    """The score of each row of a ``(m, 3)`` matrix of totals: ``value / scored`` (mean), or the
    reduced value (min, max); 0 where no query was scored (torchmetrics' value)."""
    totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
    value, scored = totals[:, 0], totals[:, 1]
    if aggregation != "mean":
        return np.where(scored > 0, value, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scored > 0, value / np.where(scored > 0, scored, 1.0), 0.0)
