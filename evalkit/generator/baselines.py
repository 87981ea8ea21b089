"""Two baselines a definition model must beat, scored exactly as the model.

- **most frequent**: every word gets the definition seen most often in training (ties: the first seen);
- **nearest spelling**: a word gets the first definition of the training word whose spelling is most
  similar: the highest Dice coefficient of character trigrams of ``#word#`` (ties: the shorter length
  difference, then alphabetical), found through an inverted index of trigrams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from evalkit.generator.progress import progress_bar


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


class SpellingIndex:
    """Words indexed by their character trigrams, ranked for a query by spelling similarity: the highest
    Dice coefficient ``2 |T(q) ∩ T(w)| / (|T(q)| + |T(w)|)`` of the trigram sets of ``#word#``, ties by the
    shorter length difference, then alphabetically.

    Only the words sharing a trigram with the query are scored (an inverted index), so a query costs its
    postings, not the vocabulary: ranking all ~118k WordNet training words takes seconds.

    Example:
        >>> index = SpellingIndex(["kindness", "dog", "darkness"])
        >>> index.nearest("darkness"), index.nearest("darkness", skip=lambda w: w == "darkness")
        ('darkness', 'kindness')
    """

    def __init__(self, words: Sequence[str]) -> None:
        self.words = sorted(words)
        grams = [_trigrams(w) for w in self.words]
        self._sizes = np.array([len(g) for g in grams], dtype=np.float64)
        self._lengths = np.array([len(w) for w in self.words])
        index: dict[str, list[int]] = {}
        for i, g in enumerate(grams):
            for t in g:
                index.setdefault(t, []).append(i)
        self._postings = {t: np.array(ids, dtype=np.int64) for t, ids in index.items()}

    def ranked(self, query: str) -> Iterator[str]:
        """Every indexed word, most similar to ``query`` first (lazily: stop early, pay little)."""
        qg = _trigrams(query)
        hits = [self._postings[t] for t in qg if t in self._postings]
        # the words sharing a trigram and how many: sorting the postings is cheaper than a vocabulary-long count
        ids = np.sort(np.concatenate(hits)) if hits else np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else ids
        shared, ids = np.diff(np.r_[starts, ids.size]), ids[starts]
        yield from self._best_first(ids, 2.0 * shared / (self._sizes[ids] + len(qg)), len(query))
        # then the words sharing nothing (Dice 0), only if the caller asks for that many
        rest = np.ones(len(self.words), dtype=bool)
        rest[ids] = False
        rest_ids = np.flatnonzero(rest)
        yield from self._best_first(rest_ids, np.zeros(rest_ids.size), len(query))

    def _best_first(self, ids: np.ndarray, dice: np.ndarray, length: int) -> Iterator[str]:
        gap = np.abs(self._lengths[ids] - length)
        while ids.size:
            tied = np.flatnonzero(dice == dice.max())
            # words are sorted, so the index order is alphabetical
            for i in tied[np.lexsort((ids[tied], gap[tied]))]:
                yield self.words[ids[i]]
            keep = np.ones(ids.size, dtype=bool)
            keep[tied] = False
            ids, dice, gap = ids[keep], dice[keep], gap[keep]

    def nearest(self, query: str, *, skip: Callable[[str], bool] | None = None) -> str | None:
        """The most similar word for which ``skip`` is false (None when every word is skipped)."""
        return next((w for w in self.ranked(query) if skip is None or not skip(w)), None)


def nearest_spelling(train_words: Sequence[str], queries: Sequence[str]) -> list[str]:
    """For each query, the training word with the most similar spelling (trigram Dice; see module doc).

    Example:
        >>> nearest_spelling(["kindness", "dog", "quickly"], ["darkness", "slowly"])
        ['kindness', 'quickly']
    """
    index = SpellingIndex(train_words)
    return [next(index.ranked(q)) for q in queries]


def exemplar_words(
    train: dict[str, list[str]],
    queries: Sequence[str],
    *,
    k: int = 1,
    index: SpellingIndex | None = None,
    progress: bool = False,
) -> list[list[str]]:
    """For each query, the ``k`` training words of most similar spelling that are neither the query itself
    nor share a definition with it: the retrieved exemplars of retrieve-and-edit (Hashimoto et al., 2018).

    A held-out word is in no training pair, so its exemplars are its nearest-spelling neighbours (the
    baseline's choice first). A training word's own definitions and its synonyms' (which share the synset's
    gloss) are excluded, as the unseen-definitions split excludes them for held-out words: otherwise
    training would teach copying the exemplar verbatim, which never pays on unseen words.

    Example:
        >>> train = {"colour": ["a hue"], "color": ["a hue"], "colourless": ["lacking hue"]}
        >>> exemplar_words(train, ["colour", "colors"])
        [['colourless'], ['color']]

    ``progress=True`` draws a bar on a terminal (all ~118k training words take about half a minute).
    """
    index = index or SpellingIndex(list(train))
    out = []
    for q in progress_bar(queries, show=progress, desc="finding exemplars", unit="word"):
        own = set(train.get(q, ()))
        picked = []
        for w in index.ranked(q):
            if w != q and own.isdisjoint(train[w]):
                picked.append(w)
                if len(picked) == k:
                    break
        out.append(picked)
    return out


def exemplar_definitions(
    train: dict[str, list[str]],
    queries: Sequence[str],
    *,
    k: int,
    index: SpellingIndex | None = None,
    progress: bool = False,
) -> dict[str, list[str]]:
    """``query -> the definitions put in its prompt``: the first definition of each of its ``k``
    :func:`exemplar_words`, nearest first (what training and decoding both show the model).

    Example:
        >>> train = {"colour": ["a hue"], "color": ["a hue"], "colourless": ["lacking hue"]}
        >>> exemplar_definitions(train, ["colors"], k=2)
        {'colors': ['a hue', 'a hue']}
    """
    neighbours = exemplar_words(train, queries, k=k, index=index, progress=progress)
    return {q: [train[n][0] for n in near] for q, near in zip(queries, neighbours)}
