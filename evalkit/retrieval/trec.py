"""TREC qrels and run files as the mappings the retrieval metrics take (pytrec_eval's layout).

A qrels line is ``qid iteration docid relevance`` and a run line ``qid Q0 docid rank score tag``, fields
separated by whitespace (trec_eval's formats). A run's rank field is not read: the ranking is by score,
ties by document id descending, as trec_eval ranks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import IO, Any

from evalkit.core.errors import InputError

__all__ = ["read_qrels", "read_run"]


Source = str | os.PathLike | IO[str] | Iterable[str]


def _lines(source: Source) -> Any:
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as f:
            yield from enumerate(f, 1)
        return
    yield from enumerate(source, 1)  # an open text stream, or lines


def _number(text: str, kind: type, where: str) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a{'n integer' if kind is int else ' number'}.") from None
    if kind is float and math.isnan(value):
        raise InputError(f"{where}: the score is NaN; give the document a number or drop its line.")
    return value


def read_qrels(source: Source) -> dict[str, dict[str, int]]:
    """``{qid: {docid: relevance}}`` of a TREC qrels file (a path, an open text stream or lines).

    A document judged twice for one query is an error (trec_eval refuses it too), as is a line without
    four fields or a relevance that is not an integer.

    Example:
        >>> import io
        >>> read_qrels(io.StringIO("q1 0 d1 1\\nq1 0 d2 0\\n"))
        {'q1': {'d1': 1, 'd2': 0}}
    """
    out: dict[str, dict[str, int]] = {}
    name = getattr(source, "name", source if isinstance(source, (str, os.PathLike)) else "<lines>")
    for number, line in _lines(source):
        fields = line.split()
        if not fields:
            continue
        where = f"read_qrels: {name}, line {number}"
        if len(fields) != 4:
            raise InputError(f"{where}: a qrels line is 'qid iteration docid relevance'; got {line.rstrip()!r}.")
        qid, _, docid, rel = fields
        judged = out.setdefault(qid, {})
        if docid in judged:
            raise InputError(f"{where}: document {docid!r} of query {qid!r} is judged twice.")
        judged[docid] = _number(rel, int, where)
    return out


def read_run(source: Source) -> dict[str, dict[str, float]]:
    """``{qid: {docid: score}}`` of a TREC run file (a path, an open text stream or lines).

    A document retrieved twice for one query is an error (trec_eval refuses such a run), as is a line
    without six fields or a score that is not a number (NaN included).

    Example:
        >>> import io
        >>> read_run(io.StringIO("q1 Q0 d1 1 0.9 bm25\\nq1 Q0 d2 2 0.5 bm25\\n"))
        {'q1': {'d1': 0.9, 'd2': 0.5}}
    """
    out: dict[str, dict[str, float]] = {}
    name = getattr(source, "name", source if isinstance(source, (str, os.PathLike)) else "<lines>")
    for number, line in _lines(source):
        fields = line.split()
        if not fields:
            continue
        where = f"read_run: {name}, line {number}"
        if len(fields) != 6:
            raise InputError(f"{where}: a run line is 'qid Q0 docid rank score tag'; got {line.rstrip()!r}.")
        qid, _, docid, _, score, _ = fields
        ranked = out.setdefault(qid, {})
        if docid in ranked:
            raise InputError(f"{where}: document {docid!r} of query {qid!r} is retrieved twice (duplicate doc id).")
        ranked[docid] = _number(score, float, where)
    return out
