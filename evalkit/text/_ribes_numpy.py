"""RIBES rows of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.ribes`.

Every (hypothesis, reference) pair is scored on its own. nltk's alignment tries, for each hypothesis word
that its reference contains, the window sizes ``w = 0, 1, 2, ...`` in turn (the word alone; then the
``w + 1``-gram starting at the word, then the one ending at it) until an n-gram occurs exactly once in both
sentences. Here the window is the outer loop over the whole corpus: at window ``w`` the
``w + 1``-grams that can equal a waiting word's context get a dense id (one sort: the ``w``-gram's id and
the next token; right contexts chained by first position, left ones by last position, each keeping only
the positions whose ``w``-gram was asked for at window ``w - 1``), their counts in the hypothesis and the
reference, and the reference position of their last occurrence; every waiting word reads its two
n-grams at once. A context the reference lacks is dropped (each longer one contains it). Kendall's tau counts the increasing
pairs of each pair's aligned positions with array operations, and the exponentials and powers are taken
with Python's ``math`` on the distinct lengths only, so each float is the reference's float.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain

import numpy as np

from evalkit.text.ngrams import line_token_ids, sort_with_order, token_ids, use_compiled
from evalkit.tokenizers.base import Tokenizer

# above this many aligned words, a pair's tau is counted on its own (the all-pairs arrays grow as k ** 2)
_PAIRWISE_MAX = 400


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(s, s + n)`` for each start ``s`` and length ``n``."""
    total = int(lengths.sum())
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + shift


def _tokens(lines: list, tokenizer: Tokenizer) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of all lines, flat, and each line's length."""
    if lines and not isinstance(lines[0], str):
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        return token_ids(list(chain.from_iterable(lines)))[0], lengths
    return line_token_ids(tokenizer, lines, compiled=use_compiled())


def _increasing_pairs(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For consecutive groups of ``counts`` values: the number of index pairs ``a < b`` with
    ``values[a] < values[b]`` in each group."""
    out = np.zeros(counts.size, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    large = counts > _PAIRWISE_MAX
    for g in np.flatnonzero(large).tolist():
        w = values[starts[g] : starts[g] + counts[g]]
        out[g] = sum(int(np.count_nonzero(w[a] < w[a + 1 :])) for a in range(w.size - 1))
    small = np.flatnonzero(~large & (counts > 1))
    idx = _ranges(starts[small], counts[small])
    after = np.repeat((starts + counts)[small], counts[small]) - idx - 1  # the partners b > a of each a
    first = np.cumsum(after) - after
    b = np.arange(int(after.sum()), dtype=np.int64) + np.repeat(idx + 1 - first, after)
    v = values.astype(np.int32 if values.size and values.max() < 2**31 else np.int64)
    inc = np.repeat(v[idx], after) < v[b]
    # each group's pairs are one run of ``inc``
    group_pairs = counts[small] * (counts[small] - 1) // 2
    run_start = np.cumsum(group_pairs) - group_pairs
    out[small] = np.add.reduceat(inc, run_start, dtype=np.int64) if inc.size else 0
    return out


def _gram_counts(key: np.ndarray, is_ref: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, ...]:
    """Dense ids of ``key``, each id's count in the hypothesis and in the reference, whether it occurs once
    in each, and the reference position of its last occurrence there (read only where it occurs there)."""
    sorted_key, order = sort_with_order(key * 2 + is_ref)  # of equal n-grams, the reference's last
    new = np.empty(key.size, dtype=bool)
    new[:1] = True
    np.not_equal(sorted_key[1:] >> 1, sorted_key[:-1] >> 1, out=new[1:])
    run = np.cumsum(new) - 1
    dense = np.empty(key.size, dtype=np.int64)
    dense[order] = run
    n_grams = int(run[-1]) + 1 if key.size else 0
    counts = np.bincount(run * 2 + (sorted_key & 1), minlength=2 * n_grams).reshape(n_grams, 2)
    once = (counts[:, 0] == 1) & (counts[:, 1] == 1)
    ends = np.append(np.flatnonzero(new[1:]), key.size - 1) if key.size else np.zeros(0, dtype=np.int64)
    last_r = pos[order[ends]]
    return dense, counts, once, last_r


def _alignment(
    ids: np.ndarray, pair: np.ndarray, role: np.ndarray, pos: np.ndarray, h_len: np.ndarray, r_len: np.ndarray
) -> np.ndarray:
    """The aligned reference position of each token (-1 where none or on the reference side); the tokens
    of each pair are its hypothesis (``role`` 0) then its reference (``role`` 1)."""
    n = ids.size
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    vocab = int(ids.max()) + 1
    # window 0: the word alone, (pair, word) ids
    is_ref = role == 1
    dense, counts, once, last_r = _gram_counts(pair * vocab + ids, is_ref, pos)
    hyp = np.flatnonzero(~is_ref)
    g = dense[hyp]
    in_ref = counts[g, 1] > 0
    hit = once[g]
    out[hyp[hit]] = last_r[g[hit]]
    waiting = hyp[in_ref & ~hit]
    # a side whose n-gram the reference lacks stays so at every longer window (its n-grams contain it),
    # as does one that runs past the hypothesis: a word with neither side left never aligns
    alive = np.ones((waiting.size, 2), dtype=bool)  # the right context, the left context
    # two chains of n-gram ids: by first position (right contexts) and by last position (left contexts).
    # An occurrence of a context n-gram starts (ends) with its previous window's n-gram, which was asked
    # for then: each window keeps only the positions holding one of the n-grams asked for last time.
    every = np.arange(n, dtype=np.int64)
    chains = [[every, dense, 1], [every, dense, -1]]
    window = 0
    while True:
        window += 1
        # nltk's windows: range(1, min(max(i, len(h) - i + 1), len(r)))
        i, p = pos[waiting], pair[waiting]
        alive[:, 0] &= i + window < h_len[p]
        alive[:, 1] &= window <= i
        go = (window < np.minimum(np.maximum(i, h_len[p] - i + 1), r_len[p])) & alive.any(axis=1)
        waiting, alive = waiting[go], alive[go]
        if waiting.size == 0:
            return out
        done = np.zeros(waiting.size, dtype=bool)
        for side, links in enumerate(chains):
            idx, prev, step = links
            ask = np.flatnonzero(alive[:, side] & ~done)
            asked = np.zeros(int(prev.max(initial=-1)) + 1, dtype=bool)
            asked[prev[np.searchsorted(idx, waiting[ask])]] = True
            keep = asked[prev]
            idx, prev = idx[keep], prev[keep]
            # the n-gram stays inside its line
            if step == 1:
                p = pair[idx]
                keep = pos[idx] + window < np.where(is_ref[idx], r_len[p], h_len[p])
            else:
                keep = pos[idx] >= window
            idx, prev = idx[keep], prev[keep]
            key = prev * vocab + ids[idx + step * window]
            dense, counts, once, last_r = _gram_counts(key, is_ref[idx], pos[idx])
            links[0], links[1] = idx, dense
            g = dense[np.searchsorted(idx, waiting[ask])]
            hit = once[g]
            out[waiting[ask[hit]]] = last_r[g[hit]]
            done[ask[hit]] = True
            alive[ask[counts[g, 1] == 0], side] = False
        waiting, alive = waiting[~done], alive[~done]


def corpus_rows(hyps: list, refs: list[list], tokenizer: Tokenizer, alpha: float, beta: float) -> np.ndarray:
    """Rows ``[score, 1]`` per segment, equal to :func:`evalkit.text.ribes.sentence_score` of each.

    Example:
        >>> from evalkit.tokenizers import get_tokenizer
        >>> corpus_rows(["bob hit john yesterday", ""], [["john hit bob yesterday"], ["a"]],
        ...             get_tokenizer("none"), 0.25, 0.10).tolist()
        [[0.5, 1.0], [0.0, 1.0]]
    """
    n_segments = len(hyps)
    rows = np.ones((n_segments, 2))
    rows[:, 0] = 0.0
    if n_segments == 0:
        return rows
    # the hypotheses, then every reference: pair j is reference line n_segments + j and its hypothesis
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=n_segments)
    segment = np.repeat(np.arange(n_segments, dtype=np.int64), n_refs)
    ids, lengths = _tokens([*hyps, *chain.from_iterable(refs)], tokenizer)
    offsets = np.cumsum(lengths) - lengths
    n_pairs = segment.size
    hyp_line, ref_line = segment, n_segments + np.arange(n_pairs, dtype=np.int64)
    h_len, r_len = lengths[hyp_line], lengths[ref_line]
    if n_pairs == 0:
        return rows
    if n_pairs == n_segments:  # one reference each: the lines as they are, pair j is segment j
        line = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
        role = (line >= n_segments).astype(np.int64)
        pair = line - role * n_segments
        pos = np.arange(ids.size, dtype=np.int64) - offsets[line]
    else:  # each pair's tokens: its hypothesis, then its reference
        starts = np.stack([offsets[hyp_line], offsets[ref_line]], axis=1).ravel()
        sizes = np.stack([h_len, r_len], axis=1).ravel()
        take = _ranges(starts, sizes)
        ids = ids[take]
        pair = np.repeat(np.arange(n_pairs, dtype=np.int64), h_len + r_len)
        role = np.repeat(np.tile(np.array([0, 1], dtype=np.int64), n_pairs), sizes)
        pos = np.arange(take.size, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    aligned = _alignment(ids, pair, role, pos, h_len, r_len)

    found = aligned >= 0
    k = np.bincount(pair[found], minlength=n_pairs)
    increasing = _increasing_pairs(aligned[found], k)
    nkt = np.zeros(n_pairs)
    many = k >= 2
    tau = 2 * increasing[many] / (k[many] * (k[many] - 1) // 2) - 1
    nkt[many] = (tau + 1) / 2
    # the powers and exponentials in Python's math (the reference's floats), once per distinct length pair
    scored = h_len > 0
    p1a, bpb = np.zeros(n_pairs), np.zeros(n_pairs)
    kk, hh, rr = k[scored], h_len[scored], r_len[scored]
    scale_h, scale_r = int(hh.max(initial=0)) + 1, int(rr.max(initial=0)) + 1
    distinct, inverse = np.unique((kk * scale_h + hh) * scale_r + rr, return_inverse=True)
    triples = [(c // scale_r // scale_h, c // scale_r % scale_h, c % scale_r) for c in distinct.tolist()]
    p1a[scored] = np.array([(kk / hh) ** alpha for kk, hh, _ in triples], dtype=np.float64)[inverse.ravel()]
    bpb[scored] = np.array([min(1.0, math.exp(1.0 - rr / hh)) ** beta for _, hh, rr in triples])[inverse.ravel()]
    score = np.where(scored, nkt * p1a * bpb, 0.0)  # the reference's order of products
    # each segment keeps its best pair (all of a segment's pairs share its hypothesis)
    if n_pairs == n_segments:  # one reference each
        rows[:, 0] = score
        return rows
    best = np.full(n_segments, -np.inf)
    np.maximum.at(best, segment, score)
    has = np.isfinite(best)
    rows[has, 0] = best[has]
    return rows


__all__: Sequence[str] = ["corpus_rows"]
