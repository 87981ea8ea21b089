"""NIST's frame: the distinct reference n-grams of a corpus, kept as a trie of token indices, so that frames
are built, compared, merged and searched with integer arrays and one string per distinct token.

A frame is a tuple ``(tokens, parent, last)``:

- ``tokens``: the distinct reference tokens, sorted;
- ``parent``: per n-gram, the index in the frame of its prefix (its first ``k - 1`` tokens), -1 for a unigram;
- ``last``: per n-gram, the index in ``tokens`` of its last token.

The n-grams are ordered by order, then by their tokens (lexicographically): within an order, by
``(parent, last)``. So a frame is canonical (equal corpora of references, equal frames), a prefix always
comes before its n-grams, and a checkpoint saves it as three plain lists.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.errors import InputError

Frame = tuple[tuple[str, ...], np.ndarray, np.ndarray]

EMPTY: Frame = ((), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def orders(parent: np.ndarray) -> np.ndarray:
    """The 0-based order of each n-gram of a frame (its depth in the trie).

    Example:
        >>> orders(np.array([-1, -1, 0, 2])).tolist()  # a, b, a b, a b c
        [0, 0, 1, 2]
    """
    order = np.zeros(len(parent), dtype=np.int64)
    inner = parent >= 0
    while True:  # one pass per order: a prefix's order is final before its n-grams'
        deeper = np.where(inner, order[np.maximum(parent, 0)] + 1, 0)
        if np.array_equal(deeper, order):
            return order
        order = deeper


def same(a: Frame, b: Frame) -> bool:
    """Whether two frames are equal."""
    return a is b or (a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2]))


def join(a: Frame, b: Frame) -> tuple[Frame, np.ndarray, np.ndarray]:
    """The union of two frames, and where each n-gram of ``a`` and of ``b`` sits in it.

    Order by order, each n-gram becomes the integer ``(its prefix's place in the union) * V + (its last
    token's place)``; the union of an order is the sorted union of those keys.

    Example:
        >>> a = (("a", "b"), np.array([-1, -1, 0]), np.array([0, 1, 1]))  # a, b, a b
        >>> b = (("a", "c"), np.array([-1, -1]), np.array([0, 1]))  # a, c
        >>> (tokens, parent, last), in_a, in_b = join(a, b)
        >>> tokens, parent.tolist(), last.tolist(), in_a.tolist(), in_b.tolist()
        (('a', 'b', 'c'), [-1, -1, -1, 0], [0, 1, 2, 1], [0, 1, 3], [0, 2])
    """
    tokens = tuple(sorted(set(a[0]) | set(b[0])))
    where = {t: i for i, t in enumerate(tokens)}
    width = max(len(tokens), 1)
    frames = [(f, orders(f[1]), np.fromiter((where[t] for t in f[0]), dtype=np.int64, count=len(f[0]))) for f in (a, b)]
    places = [np.empty(len(f[1]), dtype=np.int64) for f in (a, b)]
    parent, last, size = [], [], 0
    for k in range(int(max((o.max() + 1 if o.size else 0) for _, o, _ in frames))):
        keys = []
        for (f, order, token), place in zip(frames, places):
            at = np.flatnonzero(order == k)
            up = place[f[1][at]] if k else np.zeros(len(at), dtype=np.int64)
            keys.append(up * width + token[f[2][at]])
        union = np.union1d(*keys)
        for (_, order, _), place, key in zip(frames, places, keys):
            place[order == k] = size + np.searchsorted(union, key)
        parent.append(union // width if k else np.full(len(union), -1))
        last.append(union % width)
        size += len(union)
    if not parent:
        return (tokens, EMPTY[1], EMPTY[2]), *places
    return (tokens, np.concatenate(parent), np.concatenate(last)), places[0], places[1]


def restore(owner: str, saved: Any, n: int) -> Frame:
    """A frame as a checkpoint saved it, checked: sorted distinct tokens, every n-gram of order at most ``n``
    after its prefix, the n-grams in the frame's order, distinct, every token used."""
    fault = None
    try:
        tokens, parent, last = saved
        if isinstance(tokens, (str, bytes)):  # a string of one-letter tokens is no list of them
            raise TypeError
        tokens = tuple(tokens)
        parent, last = np.asarray(parent), np.asarray(last)
        if any(x.ndim != 1 or (x.dtype.kind not in "iu" and x.size) for x in (parent, last)):
            raise TypeError
        parent, last = parent.astype(np.int64), last.astype(np.int64)
    except (TypeError, ValueError):
        fault = "a (tokens, parent, last) triple of a list of strings and two lists of ints"
    if fault is None:
        idx = np.arange(len(parent))
        order = orders(parent) if len(parent) == len(last) and (parent < idx).all() and (parent >= -1).all() else None
        if not all(isinstance(t, str) for t in tokens) or list(tokens) != sorted(set(tokens)):
            fault = "'tokens' sorted distinct strings"
        elif order is None:
            fault = "as many 'last' as 'parent' entries, each parent an earlier n-gram or -1"
        elif len(last) and (last.min() < 0 or last.max() >= len(tokens)):
            fault = "'last' indices of 'tokens'"
        else:
            key = (order * (len(parent) + 1) + parent + 1) * max(len(tokens), 1) + last
            if (np.diff(key) <= 0).any() or (len(order) and order.max() >= n):
                fault = f"distinct n-grams of orders 1..{n}, sorted by order, prefix and last token"
            elif set(last[order == 0].tolist()) != set(range(len(tokens))):
                fault = "a unigram for every token"
    if fault is not None:
        raise InputError(f"{owner}: load_state_dict(): 'space' must be the frame of reference n-grams: {fault}.")
    return tokens, parent, last


__all__ = ["EMPTY", "Frame", "join", "orders", "restore", "same"]
