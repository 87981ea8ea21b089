"""GLEU rows of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.gleu`.

Every (hypothesis, reference) pair becomes a segment of its own, whose clipped n-gram matches per order
BLEU's vectorized counting gives (:func:`evalkit.text._bleu_numpy.corpus_stats`: one tokenization pass,
token ids, one sort per order, the compiled kernels where built); ``tp`` sums the orders
``min_len .. max_len``, the n-gram totals follow from the lengths, and each segment keeps the pair of
the highest ``tp / n_all`` (the first of equals, as nltk's ``max``), all with array operations.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from evalkit.text._bleu_numpy import corpus_stats
from evalkit.tokenizers.base import Tokenizer


def _ngram_totals(lengths: np.ndarray, min_len: int, max_len: int) -> np.ndarray:
    """The number of n-grams of orders ``min_len .. max_len`` of sequences of the given lengths."""
    orders = np.arange(min_len, max_len + 1)
    return np.maximum(lengths[:, None] - orders[None, :] + 1, 0).sum(axis=1)


def corpus_rows(hyps: list, refs: list[list], tokenizer: Tokenizer, min_len: int, max_len: int) -> np.ndarray:
    """``[matches, n_all]`` per segment, int64, equal to :func:`evalkit.text.gleu.segment_row` of each.

    Example:
        >>> from evalkit.tokenizers import get_tokenizer
        >>> corpus_rows(["the cat sat"], [["the cat", "a cat sat"]], get_tokenizer("none"), 1, 2).tolist()
        [[3, 5]]
    """
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    if (n_refs == 1).all():  # one reference each: the segments are the pairs
        pair_hyps, pair_refs = hyps, refs
    else:
        pair_hyps = list(chain.from_iterable([h] * k for h, k in zip(hyps, n_refs.tolist())))
        pair_refs = [[r] for r in chain.from_iterable(refs)]
    stats = corpus_stats(pair_hyps, pair_refs, tokenizer=tokenizer, lowercase=False, max_order=max_len)
    tp = stats[:, 1 + min_len : 2 + max_len].sum(axis=1)
    n_all = np.maximum(_ngram_totals(stats[:, 0], min_len, max_len), _ngram_totals(stats[:, 1], min_len, max_len))
    # nltk compares the floats tp / n_all and skips references with n_all = 0
    key = np.divide(tp, n_all, out=np.full(len(tp), -1.0), where=n_all > 0)
    segment = np.repeat(np.arange(len(hyps)), n_refs)
    order = np.lexsort((np.arange(len(key)), -key, segment))  # per segment: the highest, then the first
    first = order[np.r_[True, segment[order][1:] != segment[order][:-1]]]
    rows = np.zeros((len(hyps), 2), dtype=np.int64)
    keep = first[n_all[first] > 0]
    rows[segment[keep]] = np.stack([tp[keep], n_all[keep]], axis=1)
    return rows
