"""Toy metrics for the tests of the Metric mechanism itself (not registered)."""

from __future__ import annotations

import numpy as np

from evalkit.core import Metric, Result, Rows, Signature


class WordCounts(Metric):
    """A frame that grows with the data: counts of the words (labels) seen, one cell per word; the score
    is the share of the most frequent one."""

    name = "toy_word_counts"

    def stats(self, words):
        seen = tuple(sorted(set(words)))
        at = np.searchsorted(seen, words)[:, None]
        return Rows(cells=at, values=np.ones_like(at), n_cells=len(seen), space=seen)

    def join_spaces(self, a, b):
        return tuple(sorted(set(a) | set(b)))

    def align(self, total, space, target):
        out = np.zeros(len(target), dtype=total.dtype)
        out[np.searchsorted(target, space)] = total
        return out

    def score(self, total):
        return Result(self.name, total.max() / total.sum(), {}, self.signature())

    def signature(self):
        return Signature.of(self.name)
