"""The vectorized NER path: every sentence's entities at once, with the rules of
:mod:`evalkit.text._ner_common` as boolean arrays over all tokens (default and strict mode). It writes
the rows the readable reference in :mod:`evalkit.text.ner` writes."""

from __future__ import annotations

import itertools
from itertools import chain
from typing import Any

import numpy as np

from evalkit.core.errors import InputError
from evalkit.text._ner_common import LETTERS, Scheme, default_tag, strict_tag

_O, _B, _I, _E, _S = (LETTERS.index(c) for c in "OBIES")


def _codes(*sides: list[list[Any]]) -> tuple[dict[Any, int], list[np.ndarray]]:
    """``({tag: code}, codes of each side)``: each distinct tag numbered 0, 1, ... in order of first
    appearance, and the code of every tag of every side; one hashing pass over the tags (each tag keeps
    the position of its first appearance, then the positions become ranks)."""
    first: dict[Any, int] = {}
    counter = itertools.count()
    positions = [
        np.fromiter(
            map(first.setdefault, chain.from_iterable(side), counter), dtype=np.int64, count=sum(map(len, side))
        )
        for side in sides
    ]
    rank = np.zeros(next(counter) + 1, dtype=np.int64)
    rank[list(first.values())] = np.arange(len(first))
    return {t: i for i, t in enumerate(first)}, [rank[at] for at in positions]


def entities(
    owner: str, y_true: list[list[Any]], y_pred: list[list[Any]], lengths: np.ndarray, suffix: bool, scheme: str | None
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """``(sentence, type id, kind, correct tokens per sentence, ...)`` of every entity: ``kind`` 0 for a
    true positive, 1 predicted, 2 true; returns ``(sentence, type, kind, type names, correct per sentence)``.
    Raises (through the reference's checks) on a tag the mode does not read."""
    vocabulary, (ct, cp) = _codes(y_true, y_pred)
    n_tokens = len(ct)
    n = len(lengths)
    sentence_of_token = np.repeat(np.arange(n), lengths)
    correct = np.bincount(sentence_of_token, weights=ct == cp, minlength=n).astype(np.int64)
    # each distinct tag read once; an unreadable one raises, named by its first place (found only then)
    starts = np.concatenate([[0], np.cumsum(lengths)])

    def place(tag: Any) -> str:
        for side, sentences in (("y_true", y_true), ("y_pred", y_pred)):
            flat = list(chain.from_iterable(sentences))
            if tag in flat:
                k = flat.index(tag)
                s = int(np.searchsorted(starts, k, side="right")) - 1
                return f"{side}[{s}][{k - starts[s]}]"
        return "a tag"  # unreachable: every tag comes from one side

    if scheme is None:
        parsed = [_read(lambda w, t=tag: default_tag(owner, t, suffix, w), place, tag) for tag in vocabulary]
        letters = np.array([LETTERS.index(letter) for letter, _ in parsed], dtype=np.int64)
    else:
        table = Scheme.of(scheme)
        parsed_strict = [
            _read(lambda w, t=tag: strict_tag(owner, t, suffix, table, w), place, tag) for tag in vocabulary
        ]
        letters = np.array([letter for letter, _ in parsed_strict], dtype=np.int64)
        parsed = [(None, type_) for _, type_ in parsed_strict]
    names = sorted({type_ for _, type_ in parsed} | {"_"})
    type_of = np.searchsorted(names, [type_ for _, type_ in parsed]).astype(np.int64)
    blank = names.index("_")
    sides = []
    for c in (ct, cp):
        if scheme is None:
            sides.append(_default_side(letters[c], type_of[c], lengths, blank))
        else:
            sides.append(_strict_side(letters[c], type_of[c], lengths, table, blank))
    (s_t, y_t, b_t, e_t), (s_p, y_p, b_p, e_p) = sides
    span = int(n_tokens + n + 1)
    key_t = (b_t * span + e_t) * len(names) + y_t
    key_p = (b_p * span + e_p) * len(names) + y_p
    hit = np.isin(key_t, key_p, assume_unique=True)
    sentence = np.concatenate([s_t[hit], s_p, s_t])
    type_ = np.concatenate([y_t[hit], y_p, y_t])
    kind = np.concatenate([np.zeros(hit.sum(), np.int64), np.ones(len(s_p), np.int64), np.full(len(s_t), 2)])
    return sentence, type_, kind, names, correct


def _read(parse: Any, place: Any, tag: Any) -> Any:
    """``parse(where)`` of one distinct tag; where it fails, again with the tag's first place named."""
    try:
        return parse("")
    except InputError:
        parse(place(tag))
        raise


def _default_side(
    letter: np.ndarray, type_: np.ndarray, lengths: np.ndarray, blank: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """seqeval's get_entities over the sentences joined by ``O`` (as seqeval joins them), vectorized:
    ``(sentence, type, start, end)`` of each chunk, positions in the joined sequence."""
    n = len(lengths)
    total = len(letter) + n
    at = np.arange(len(letter)) + np.repeat(np.arange(n), lengths)  # each sentence is followed by an O
    cur = np.full(total, _O)
    cur[at] = letter
    cur_type = np.full(total, blank)
    cur_type[at] = type_
    prev = np.concatenate([[_O], cur[:-1]])
    prev_type = np.concatenate([[blank], cur_type[:-1]])
    differ = prev_type != cur_type
    end = (
        (prev == _E)
        | (prev == _S)
        | (((prev == _B) | (prev == _I)) & ((cur == _B) | (cur == _S) | (cur == _O)))
        | ((prev != _O) & differ)
    )
    start = (
        (cur == _B)
        | (cur == _S)
        | (((prev == _E) | (prev == _S) | (prev == _O)) & ((cur == _E) | (cur == _I)))
        | ((cur != _O) & differ)
    )
    last_start = np.maximum.accumulate(np.where(start, np.arange(total), 0))
    ends = np.flatnonzero(end)
    sentence_of = np.repeat(np.arange(n), lengths + 1)
    return sentence_of[ends - 1], prev_type[ends], last_start[ends - 1], ends - 1


def _strict_side(
    letter: np.ndarray, type_: np.ndarray, lengths: np.ndarray, scheme: Scheme, blank: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """seqeval.scheme's ``Tokens.entities`` over the sentences joined by ``O``, vectorized.

    Its scan compares each token with the one before it only (the sentence starts after an ``O``), so each
    pair's start, inside and end tests are arrays. A "segment" is a token that is not inside the one
    before it, with the run of inside tokens after it: the scan starts a chunk at the first token of a
    segment that passes the start test (at most one per segment), runs to the segment's end, and keeps
    the chunk if the end test passes there. ``(sentence, type, start, end)`` of each, end exclusive.
    """
    n = len(lengths)
    total = len(letter) + n
    at = np.arange(len(letter)) + np.repeat(np.arange(n), lengths)  # each sentence is followed by an O
    cur = np.full(total, _O)
    cur[at] = letter
    cur_type = np.full(total, blank)
    cur_type[at] = type_
    prev = np.concatenate([[_O], cur[:-1]])
    same = (np.concatenate([[blank], cur_type[:-1]]) == cur_type).astype(np.int64)
    start_ok = np.asarray(scheme.start)[prev, cur, same]
    inside = np.asarray(scheme.inside)[prev, cur, same]
    heads = np.flatnonzero(~inside)  # position 0 and every separator are heads: segments stay in a sentence
    segment = np.cumsum(~inside) - 1
    candidates = np.flatnonzero(start_ok)
    first = candidates[np.unique(segment[candidates], return_index=True)[1]]
    stop = heads[segment[first] + 1]  # the next head (an O ends every sentence, so there is one)
    end_ok = np.asarray(scheme.end)[cur[stop - 1], cur[stop], (cur_type[stop - 1] == cur_type[stop]).astype(np.int64)]
    first, stop = first[end_ok], stop[end_ok]
    sentence_of = np.repeat(np.arange(n), lengths + 1)
    return sentence_of[first], cur_type[first], first, stop


__all__ = ["entities"]
