"""The n-grams of many token lists as integer ids, vectorized: what NIST's and CIDEr's fast paths share.

The tokens of every line become integer ids in one pass; the n-grams of order ``k`` get ids by ranking the
pairs (id of the leading ``(k-1)``-gram, next token) with one ``np.unique`` per order, so equal n-grams of
any line share an id, without a Python object per n-gram.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from evalkit.text.ngrams import token_ids


def ngram_occurrences(lines: list[list[str]], n: int) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Every n-gram occurrence of orders 1..n of ``lines``: its line, its n-gram's id (equal n-grams, equal
    ids), the flat tokens, and per id ``(flat position of its first occurrence, order, id of its prefix or -1)``.

    Example:
        >>> line, gram, flat, first = ngram_occurrences([["a", "b"], ["b"]], 2)
        >>> line.tolist(), gram.tolist(), first.tolist()  # a, b, b; then the bigram "a b"
        ([0, 0, 1, 0], [0, 1, 1, 2], [[0, 1, -1], [1, 1, -1], [0, 2, 0]])
    """
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    flat = list(chain.from_iterable(lines))
    ids, _ = token_ids(flat)
    _, ids = np.unique(ids, return_inverse=True)
    width = int(ids.max()) + 1 if ids.size else 1  # (leading n-gram, next token) -> one integer, injective
    line = np.repeat(np.arange(len(lines)), lengths)
    remaining = np.repeat(lengths, lengths) - (np.arange(ids.size) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    out_line, out_gram, first = [], [], []
    previous, offset, previous_offset = ids, 0, 0
    for k in range(1, n + 1):
        at = np.flatnonzero(remaining >= k)
        if at.size == 0:
            break
        key = ids[at] if k == 1 else previous[at] * width + ids[at + k - 1]
        unique, where, inverse = np.unique(key, return_index=True, return_inverse=True)
        grams = np.full(ids.size, -1, dtype=np.int64)
        grams[at] = inverse
        out_line.append(line[at])
        out_gram.append(inverse + offset)
        prefix = np.full(len(unique), -1) if k == 1 else previous[at[where]] + previous_offset
        first.append(np.stack([at[where], np.full(len(unique), k), prefix], axis=1))
        previous, previous_offset, offset = grams, offset, offset + len(unique)
    if not out_line:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), flat, np.zeros((0, 3), dtype=np.int64)
    return np.concatenate(out_line), np.concatenate(out_gram), flat, np.concatenate(first)


__all__ = ["ngram_occurrences"]
