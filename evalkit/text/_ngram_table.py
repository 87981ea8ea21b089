"""The n-grams of many token lists as integer ids, vectorized: what NIST's and CIDEr's fast paths share.

The tokens of every line become their ranks in the sorted vocabulary (one Python pass, one sort of the
distinct tokens); the n-grams of order ``k`` get ids by ranking the pairs (id of the leading ``(k-1)``-gram,
next token) with one ``np.unique`` per order, so equal n-grams of any line share an id, without a Python
object per n-gram, and the ids of an order follow the lexicographic order of the n-grams' tokens.
"""

from __future__ import annotations

import numpy as np

import evalkit.core.arrays as arrays


def ngram_occurrences(
    first_ids: np.ndarray, vocab: dict[str, int], lengths: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Every n-gram occurrence of orders 1..n of the lines whose tokens follow each other, as the ids and
    vocabulary of :func:`evalkit.text.ngrams.token_ids` (line ``i`` has ``lengths[i]`` tokens): its line, its
    n-gram's id (equal n-grams, equal ids; the ids of order 1, then of order 2, ..., each order's in
    lexicographic order of the tokens), the sorted vocabulary, and per id ``(order, id of its prefix or -1,
    its last token's index in the vocabulary)``.

    Example:
        >>> from evalkit.text.ngrams import token_ids
        >>> line, gram, words, grams = ngram_occurrences(*token_ids(["b", "a", "a"]), np.array([2, 1]), 2)
        >>> line.tolist(), gram.tolist(), words, grams.tolist()  # b, a, a; then the bigram "b a"
        ([0, 0, 1, 0], [1, 0, 0, 2], ['a', 'b'], [[1, -1, 0], [1, -1, 1], [2, 1, 0]])
    """
    words = sorted(vocab)
    rank = np.empty(max(vocab.values(), default=0) + 1, dtype=np.int64)
    rank[np.fromiter(map(vocab.__getitem__, words), dtype=np.int64, count=len(words))] = np.arange(len(words))
    ids = rank[first_ids]
    width = max(len(words), 1)  # (leading n-gram, next token) -> one integer, injective and in order
    line = np.repeat(np.arange(len(lengths)), lengths)
    remaining = np.repeat(lengths, lengths) - (np.arange(ids.size) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    out_line, out_gram, grams = [], [], []
    previous, offset, previous_offset = ids, 0, 0
    for k in range(1, n + 1):
        at = np.flatnonzero(remaining >= k)
        if at.size == 0:
            break
        key = ids[at] if k == 1 else previous[at] * width + ids[at + k - 1]
        unique, inverse = _distinct(key)
        new = np.full(ids.size, -1, dtype=np.int64)
        new[at] = inverse
        out_line.append(line[at])
        out_gram.append(inverse + offset)
        prefix = np.full(len(unique), -1) if k == 1 else unique // width + previous_offset
        grams.append(np.stack([np.full(len(unique), k), prefix, unique % width], axis=1))
        previous, previous_offset, offset = new, offset, offset + len(unique)
    if not out_line:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), words, np.zeros((0, 3), dtype=np.int64)
    return np.concatenate(out_line), np.concatenate(out_gram), words, np.concatenate(grams)


def _distinct(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for non-negative int64 keys, by one packed sort."""
    ordered, order = arrays.sort_with_order(keys)
    new = np.ones(len(keys), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


__all__ = ["ngram_occurrences"]
