"""NIST rows of a whole batch, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.nist`.

The tokens of every line (references first, then hypotheses) become their ranks in the sorted vocabulary;
the n-grams of order ``k`` get ids by ranking the pairs (id of the leading ``(k-1)``-gram, next token) with
one ``np.unique`` per order, shared by references and hypotheses, so the ids already run in the frame's
order (:mod:`evalkit.text._nist_common`); counts per (segment, n-gram) come from one more ``np.unique``
each, and the matches from a sorted search. No string is built but the frame's distinct tokens. The rows
equal the python backend's.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from evalkit.core.rows import Rows
from evalkit.text._ngram_table import ngram_occurrences
from evalkit.text.ngrams import token_ids


def nist_rows(hyps: list[list[str]], refs: list[list[str]], n: int) -> Rows:
    """The rows of :meth:`evalkit.text.nist.NIST.segment_rows` for token lists, one reference per segment."""
    n_seg = len(hyps)
    lines = [*refs, *hyps]
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    line, gram, words, grams = ngram_occurrences(*token_ids(list(chain.from_iterable(lines))), lengths, n)
    n_grams = len(grams)
    is_ref = line < n_seg
    segment = np.where(is_ref, line, line - n_seg)
    ref_keys, ref_counts = np.unique(segment[is_ref] * n_grams + gram[is_ref], return_counts=True)
    hyp_keys, hyp_counts = np.unique(segment[~is_ref] * n_grams + gram[~is_ref], return_counts=True)
    at = np.searchsorted(hyp_keys, ref_keys)
    found = at < hyp_keys.size
    found[found] = hyp_keys[at[found]] == ref_keys[found]
    matched = np.where(found, np.minimum(ref_counts, hyp_counts[np.minimum(at, max(hyp_keys.size - 1, 0))]), 0)
    ref_seg, ref_gram = ref_keys // n_grams, ref_keys % n_grams
    # the frame: the reference n-grams, in the order of their ids (by order, then by tokens); a prefix of a
    # reference n-gram is one, and every reference token a reference unigram
    used = np.bincount(ref_gram, minlength=n_grams) > 0
    rank = np.cumsum(used) - 1
    order, prefix, last = grams[used].T
    tokens_used = np.flatnonzero(np.bincount(last[order == 1], minlength=len(words)))
    token_rank = np.cumsum(np.bincount(tokens_used, minlength=len(words))) - 1
    space = (
        tuple(words[i] for i in tokens_used.tolist()),
        np.where(prefix >= 0, rank[np.maximum(prefix, 0)], -1),
        token_rank[last],
    )
    # two cells per (segment, reference n-gram): its count, its matches
    per_segment = np.bincount(ref_seg, minlength=n_seg)
    width = 2 * int(per_segment.max()) if n_seg else 0
    slot = np.arange(ref_seg.size) - np.repeat(np.cumsum(per_segment) - per_segment, per_segment)
    cells = np.zeros((n_seg, width), dtype=np.int64)
    values = np.zeros((n_seg, width), dtype=np.int64)
    place = 2 * rank[ref_gram]
    cells[ref_seg, 2 * slot], cells[ref_seg, 2 * slot + 1] = place, place + 1
    values[ref_seg, 2 * slot], values[ref_seg, 2 * slot + 1] = ref_counts, matched
    hyp_len = np.fromiter(map(len, hyps), dtype=np.int64, count=n_seg)
    dense = np.zeros((n_seg, 2 + n), dtype=np.int64)
    dense[:, 0], dense[:, 1] = hyp_len, np.fromiter(map(len, refs), dtype=np.int64, count=n_seg)
    dense[:, 2:] = np.maximum(hyp_len[:, None] - np.arange(n), 0)
    return Rows(dense, cells=cells, values=values, n_cells=2 * len(space[1]), space=space)
