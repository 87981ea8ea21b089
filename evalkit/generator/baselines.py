"""Two baselines a definition model must beat, scored exactly as the model.

- **most frequent**: every word gets the definition seen most often in training (ties: the first seen);
- **nearest spelling**: a word gets the first definition of the training word whose spelling is most
  similar: the highest Dice coefficient of character trigrams of ``#word#`` (ties: the shorter length
  difference, then alphabetical), found through an inverted index of trigrams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def most_frequent_definition(train: dict[str, list[str]]) -> str:
    """The definition that occurs most often among training pairs.

    Example:
        >>> most_frequent_definition({"a": ["x", "y"], "b": ["y"], "c": ["z"]})
        'y'
    """
    counts = Counter(d for defs in train.values() for d in defs)
    return max(counts, key=counts.__getitem__)  # max keeps the first of equal counts (insertion order)


def _trigrams(word: str) -> set[str]:
    padded = f"#{word.lower()}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def nearest_spelling(train_words: Sequence[str], queries: Sequence[str]) -> list[str]:
    """For each query, the training word with the most similar spelling (trigram Dice; see module doc).

    Example:
        >>> nearest_spelling(["kindness", "dog", "quickly"], ["darkness", "slowly"])
        ['kindness', 'quickly']
    """
    words = sorted(train_words)
    grams = [_trigrams(w) for w in words]
    sizes = np.array([len(g) for g in grams], dtype=np.float64)
    lengths = np.array([len(w) for w in words])
    index: dict[str, list[int]] = {}
    for i, g in enumerate(grams):
        for t in g:
            index.setdefault(t, []).append(i)
    postings = {t: np.array(ids, dtype=np.int64) for t, ids in index.items()}
    out = []
    for q in queries:
        qg = _trigrams(q)
        hits = [postings[t] for t in qg if t in postings]
        shared = np.bincount(np.concatenate(hits), minlength=len(words)) if hits else np.zeros(len(words))
        dice = 2.0 * shared / (sizes + len(qg))
        tied = np.flatnonzero(dice == dice.max())
        # argmin takes the first of equal length differences: words are sorted, so alphabetical
        out.append(words[tied[np.argmin(np.abs(lengths[tied] - len(q)))]])
    return out
