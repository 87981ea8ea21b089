"""The one n-gram counter: every text metric that needs n-grams counts them here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def ngram_counts(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Multiset of the n-grams of ``tokens`` (order ``n`` only).

    Example:
        >>> sorted(ngram_counts(["a", "b", "a", "b"], 2).items())
        [(('a', 'b'), 2), (('b', 'a'), 1)]
    """
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def ngram_counts_upto(tokens: Sequence[str], max_order: int) -> list[Counter[tuple[str, ...]]]:
    """``[ngram_counts(tokens, 1), ..., ngram_counts(tokens, max_order)]``."""
    return [ngram_counts(tokens, n) for n in range(1, max_order + 1)]
