"""The three input layouts of the retrieval metrics, each made a :class:`~evalkit.retrieval._common.Ranked`.

- ``(qrels, run)`` mappings, pytrec_eval's and ranx's: ``{qid: {docid: relevance}}`` and
  ``{qid: {docid: score}}``. The judged documents of a query are its qrels; ties of score are broken by
  document id descending (as strings), as trec_eval does. A run query without qrels is ignored, and a
  qrels query without a run is ignored unless ``complete`` (trec_eval without and with ``-c``); both
  with a warning naming how many and one of them.
- ``(target, preds)`` sequences of queries, scikit-learn's ``ndcg_score`` layout: a 2-D array (one row
  per query) or a list of per-query sequences of equal lengths (ragged across queries). The judged
  documents are the given ones; ties keep the given order.
- ``(target, preds)`` flat arrays with ``indexes=`` (the query of each entry), torchmetrics' layout.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from itertools import repeat
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, InputTypeError, UndefinedMetricWarning
from evalkit.core.inputs import as_array
from evalkit.retrieval._common import Ranked, order_within


def ranked_batch(owner: str, target: Any, preds: Any, indexes: Any, o: Any) -> Ranked:
    """The batch of any layout (see the module docstring) in rank order."""
    if isinstance(target, Mapping) or isinstance(preds, Mapping):
        if not (isinstance(target, Mapping) and isinstance(preds, Mapping)):
            raise InputTypeError(
                f"{owner}: qrels and run must both be mappings ({{qid: {{docid: relevance}}}} and "
                f"{{qid: {{docid: score}}}}) or both sequences; got a {type(target).__name__} and a "
                f"{type(preds).__name__}."
            )
        if indexes is not None:
            raise InputError(f"{owner}: indexes= is for flat target and preds arrays, not for qrels and run mappings.")
        return _from_mappings(owner, target, preds, o)
    if indexes is not None:
        return _from_indexes(owner, target, preds, indexes, o)
    return _from_sequences(owner, target, preds, o)


def _numbers(owner: str, name: str, values: Any, where: Any = None) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values  # float32 scores sort faster as they are; float64 holds them exactly after
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        place = "" if where is None else f" (query {where!r})"
        raise InputError(f"{owner}: {name} must hold numbers{place}; got {values!r:.80}.") from None
    return out


def _check_no_nan(owner: str, name: str, values: np.ndarray, describe: Any) -> None:
    bad = np.isnan(values)
    if bad.any():
        raise InputError(
            f"{owner}: {name} must be numbers, not NaN; {describe(int(np.flatnonzero(bad)[0]))} is NaN. "
            f"Drop the document or give it a score."
        )


def _sorted(owner: str, qidx: np.ndarray, rel: np.ndarray, score: np.ndarray, n_queries: int, docids: Any,
            judged: np.ndarray, judged_qidx: np.ndarray, o: Any, qids: list[Any]) -> Ranked:  # fmt: skip
    """The flat entries of ``n_queries`` queries (grouped: ``qidx`` non-decreasing) in rank order: score
    descending, then document id descending (``docids(i)``: query ``i``'s ids in the given order, trec_eval)
    or the given order (``docids is None``)."""
    counts = np.bincount(qidx, minlength=n_queries)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    order = order_within(qidx, counts, score)
    rel, score = rel[order], score[order]
    if docids is not None:
        tied = np.flatnonzero((score[1:] == score[:-1]) & (qidx[1:] == qidx[:-1]))
        if len(tied):  # trec_eval breaks ties by document id descending: re-sort only the tied stretches
            _break_ties_by_docid(tied, score, rel, order, qidx, offsets, docids)
    relevant = judged >= getattr(o, "relevance_level", 1)  # nDCG reads gains, not this count
    n_rel = np.bincount(judged_qidx[relevant], minlength=n_queries).astype(np.int64)
    ideal_offsets = np.concatenate([[0], np.cumsum(np.bincount(judged_qidx, minlength=n_queries))])
    return Ranked(qids, offsets, rel, score, n_rel, judged, ideal_offsets)


def _break_ties_by_docid(tied: np.ndarray, score: np.ndarray, rel: np.ndarray, order: np.ndarray, qidx: np.ndarray,
                         offsets: np.ndarray, docids: Any) -> None:  # fmt: skip
    starts = arrays.unique(np.concatenate([tied, tied + 1]))
    # consecutive positions of one query and equal score form one stretch (two tied stretches may touch,
    # within a query or across the end of one and the start of the next)
    split = (np.diff(starts) != 1) | (score[starts[1:]] != score[starts[:-1]]) | (qidx[starts[1:]] != qidx[starts[:-1]])
    breaks = np.flatnonzero(split) + 1
    ids: dict[int, list[str]] = {}
    for stretch in np.split(starts, breaks):
        a, b = int(stretch[0]), int(stretch[-1]) + 1
        q = int(qidx[a])
        if q not in ids:
            ids[q] = [str(d) for d in docids(q)]
        given = order[a:b] - offsets[q]  # the stretch's positions in the query's given order
        part = sorted(range(b - a), key=lambda i: ids[q][given[i]], reverse=True)
        rel[a:b] = rel[a:b][part]


def _from_mappings(owner: str, qrels: Mapping, run: Mapping, o: Any) -> Ranked:
    qids: list[Any] = []
    scores: list[Any] = []
    rels: list[Any] = []
    counts: list[int] = []
    judged: list[Any] = []
    judged_counts: list[int] = []
    ranked_docs: list[Mapping] = []  # each query's documents, in the given order (ties, messages)
    unjudged = [q for q in run if q not in qrels]
    missing = [q for q in qrels if q not in run]
    ignore = o.ignore_index
    # rows in the qrels' order: two runs judged by the same qrels give paired rows (compare, paired tests)
    for q, judgments in qrels.items():
        docs = run.get(q)
        if docs is None and not o.complete:
            continue
        docs = {} if docs is None else docs
        if not isinstance(docs, Mapping) or not isinstance(judgments, Mapping):
            bad, side = (docs, "run") if not isinstance(docs, Mapping) else (judgments, "qrels")
            raise InputTypeError(
                f"{owner}: {side}[{q!r}] must be a mapping {{docid: number}}; got a {type(bad).__name__}."
            )
        if ignore is not None:
            docs = {d: s for d, s in docs.items() if judgments.get(d) != ignore}
            judgments = {d: r for d, r in judgments.items() if r != ignore}
        qids.append(q)
        ranked_docs.append(docs)
        scores.extend(docs.values())
        rels.extend(map(judgments.get, docs, repeat(0)))
        counts.append(len(docs))
        judged.extend(judgments.values())
        judged_counts.append(len(judgments))
    if unjudged:
        warnings.warn(
            f"{owner}: {len(unjudged)} run queries have no qrels and are ignored, as trec_eval does "
            f"(e.g. {unjudged[0]!r}).",
            UndefinedMetricWarning,
            stacklevel=5,
        )
    if missing and not o.complete:
        warnings.warn(
            f"{owner}: {len(missing)} qrels queries are absent from the run and ignored, as trec_eval does "
            f"(e.g. {missing[0]!r}); complete=True scores them as empty rankings (trec_eval -c).",
            UndefinedMetricWarning,
            stacklevel=5,
        )
    n = len(qids)
    qidx = np.repeat(np.arange(n), counts)
    score = _numbers(owner, "run scores", scores)
    rel = _numbers(owner, "qrels relevances", rels)
    judged_rel = _numbers(owner, "qrels relevances", judged)
    judged_qidx = np.repeat(np.arange(n), judged_counts)

    def run_of(q: int) -> Mapping:
        return ranked_docs[q]

    def doc_at(i: int) -> str:
        q = int(qidx[i])
        return f"the score of document {list(run_of(q))[i - int(np.searchsorted(qidx, q))]!r} of query {qids[q]!r}"

    _check_no_nan(owner, "run scores", score, doc_at)
    _check_no_nan(owner, "qrels relevances", judged_rel, lambda i: f"a relevance of query {qids[judged_qidx[i]]!r}")
    by_docid = run_of if o.convention == "trec_eval" else None  # torchmetrics: ties in the given order
    return _sorted(owner, qidx, rel, score, n, by_docid, judged_rel, judged_qidx, o, qids)


def _from_sequences(owner: str, target: Any, preds: Any, o: Any) -> Ranked:
    t, p = _queries(owner, "target", target), _queries(owner, "preds", preds)
    if len(t) != len(p):
        raise InputError(f"{owner}: target has {len(t)} queries and preds has {len(p)}; give one of each per query.")
    if t.ndim == 2 and p.ndim == 2 and t.dtype != object and p.dtype != object:
        if t.shape != p.shape:
            raise InputError(f"{owner}: target has shape {t.shape} and preds {p.shape}; they must be equal.")
        counts = np.full(len(t), t.shape[1])
        rel, score = _numbers(owner, "target", t).ravel(), _numbers(owner, "preds", p).ravel()
    else:
        flat = any(x.ndim == 1 and x.dtype != object for x in (t, p) if len(x))  # numbers, not queries
        if flat or t.ndim > 2 or p.ndim > 2:
            raise InputError(
                f"{owner}: target and preds must hold one sequence of documents per query (a 2-D array or a "
                f"list of lists); for flat torchmetrics-style arrays pass indexes= (the query of each entry)."
            )
        parts_t = [_numbers(owner, "target", x, i).ravel() for i, x in enumerate(target)]
        parts_p = [_numbers(owner, "preds", x, i).ravel() for i, x in enumerate(preds)]
        for i, (a, b) in enumerate(zip(parts_t, parts_p)):
            if len(a) != len(b):
                raise InputError(f"{owner}: query {i}: target has {len(a)} documents and preds has {len(b)}.")
        counts = np.array([len(a) for a in parts_t], dtype=np.int64)
        rel = np.concatenate(parts_t) if parts_t else np.zeros(0)
        score = np.concatenate(parts_p) if parts_p else np.zeros(0)
    qidx = np.repeat(np.arange(len(counts)), counts)
    return _flat(owner, qidx, rel, score, list(range(len(counts))), o)


def _queries(owner: str, name: str, x: Any) -> Any:
    """``x`` as an array of queries: a 2-D array, or a 1-D object array of ragged per-query sequences."""
    if isinstance(x, (list, tuple)) and x and not all(np.ndim(row) == np.ndim(x[0]) for row in x):
        raise InputError(f"{owner}: {name} must hold one sequence of documents per query.")
    try:
        return as_array(owner, name, x)
    except InputError:  # ragged: queries with different numbers of documents
        out = np.empty(len(x), dtype=object)
        out[:] = [np.asarray(row) for row in x]
        return out


def _from_indexes(owner: str, target: Any, preds: Any, indexes: Any, o: Any) -> Ranked:
    t, p, q = (as_array(owner, name, x) for name, x in (("target", target), ("preds", preds), ("indexes", indexes)))
    if not t.shape == p.shape == q.shape:
        raise InputError(
            f"{owner}: indexes, preds and target must have one shape; got {q.shape}, {p.shape} and {t.shape}."
        )
    q, rel, score = q.ravel(), _numbers(owner, "target", t).ravel(), _numbers(owner, "preds", p).ravel()
    if q.dtype.kind not in "iu":
        raise InputError(f"{owner}: indexes must be integers (the query of each entry); got dtype {q.dtype}.")
    if o.ignore_index is not None:  # torchmetrics drops these entries before grouping by query
        keep = rel != o.ignore_index
        q, rel, score = q[keep], rel[keep], score[keep]
    qids, qidx = _group(q)
    if len(qidx) and (qidx[1:] < qidx[:-1]).any():  # a query's entries together, in their given order
        by_query = np.argsort(qidx, kind="stable")
        qidx, rel, score = qidx[by_query], rel[by_query], score[by_query]
    return _flat(owner, qidx, rel, score, qids, o, dropped=True)


def _group(q: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """``(sorted distinct query ids, each entry's query number)``; a bincount where the ids are dense."""
    if len(q) and q.min() >= 0 and q.max() < 4 * len(q) + 1024:
        present = np.bincount(q) > 0
        number = np.cumsum(present) - 1
        return np.flatnonzero(present).tolist(), number[q]
    ids, qidx = np.unique(q, return_inverse=True)  # sparse ids: no table as large as the largest id
    return ids.tolist(), qidx.ravel()


def _flat(
    owner: str, qidx: np.ndarray, rel: np.ndarray, score: np.ndarray, qids: list[Any], o: Any, dropped: bool = False
) -> Ranked:
    """Entries of known queries (``qidx``), whose given documents are all judged, in rank order."""
    _check_no_nan(owner, "preds", score, lambda i: f"the score of entry {i} (query {qids[qidx[i]]!r})")
    _check_no_nan(owner, "target", rel, lambda i: f"the target of entry {i} (query {qids[qidx[i]]!r})")
    if o.ignore_index is not None and not dropped:
        keep = rel != o.ignore_index
        qidx, rel, score = qidx[keep], rel[keep], score[keep]
    n = len(qids)
    return _sorted(owner, qidx, rel, score, n, None, rel, qidx, o, qids)
