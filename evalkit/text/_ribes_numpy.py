"""RIBES rows of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.ribes`.

Every (hypothesis, reference) pair is scored on its own. nltk's alignment tries, for each hypothesis word
that its reference contains, the window sizes ``w = 0, 1, 2, ...`` in turn (the word alone; then the
``w + 1``-gram starting at the word, then the one ending at it) until an n-gram occurs exactly once in both
sentences. Here the window is the outer loop over the whole corpus: at window ``w`` the
``w + 1``-grams that can equal a waiting word's context get a dense id (one sort: the ``w``-gram's id and
the next token; right contexts chained by first position, left ones by last position, each keeping only
the positions whose ``w``-gram was asked for at window ``w - 1``), their counts in the hypothesis and the
reference, and the reference position of their last occurrence; every waiting word reads its two
n-grams at once. A context the reference lacks is dropped (each longer one contains it). Window 0 (the word
alone) reads a word's place in both sentences off one sort of every token by (pair, word, side); only the
words that are in both sentences but not once in each go on to the longer windows. Kendall's tau counts
the increasing pairs of each pair's aligned positions against a running maximum, comparing one by one only
the values that fall below an earlier one, and the exponentials and powers are taken with Python's
``math`` on the distinct lengths only, so each float is the reference's float.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.text.ngrams import line_token_ids, token_ids, use_compiled
from evalkit.tokenizers.base import Tokenizer

# at most this many one-by-one comparisons of Kendall's count at once (a reversed long sentence has k ** 2 / 2)
_COMPARE_CHUNK = 1 << 22


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


def _increasing_pairs(values: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """For consecutive groups of ``counts`` values (``group``: each value's group): the number of index
    pairs ``a < b`` with ``values[a] < values[b]`` in each group.

    Each value is compared only with the earlier values of its group that are not all below it: with
    ``top`` the running maximum, the values before the first place where ``top`` reaches ``values[b]`` are
    all below it (counted at once), so only the ones after that place are compared one by one. In a nearly
    increasing order (most aligned sentences) that is a few comparisons in all, instead of ``k ** 2 / 2``
    per group of ``k``; a reversed group still costs ``k ** 2 / 2``, in bounded chunks.
    """
    out = np.zeros(counts.size, dtype=np.int64)
    n = values.size
    if n == 0:
        return out
    starts = np.cumsum(counts) - counts
    # every group's values above all earlier groups' values: one running maximum serves every group
    u = values + group.astype(np.int64) * (int(values.max()) + 1)
    top = np.maximum.accumulate(u)
    first = starts[group]
    below = np.arange(n, dtype=np.int64) - first  # where u exceeds every earlier value of its group
    dirty = np.flatnonzero(u[1:] <= top[:-1]) + 1  # an earlier value of its own group is >= it
    if dirty.size:
        ub = u[dirty]
        # top first reaches u[b] at j, on u[j] itself (>= u[b]); everything before j in the group is below
        j = np.searchsorted(top, ub, side="left")
        below[dirty] = j - first[dirty]
        length = dirty - j - 1  # the values strictly between j and b, compared one by one
        ends = np.cumsum(length)
        lo = 0
        while lo < dirty.size:
            hi = max(lo + 1, int(np.searchsorted(ends, ends[lo] - length[lo] + _COMPARE_CHUNK, side="right")))
            size = length[lo:hi]
            less = u[_ranges(j[lo:hi] + 1, size)] < np.repeat(ub[lo:hi], size)
            below[dirty[lo:hi]] += np.bincount(np.repeat(np.arange(hi - lo), size)[less], minlength=hi - lo)
            lo = hi
    nonempty = counts > 0
    out[nonempty] = np.add.reduceat(below, starts[nonempty])
    return out


def _gram_counts(key: np.ndarray, is_ref: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, ...]:
    """Dense ids of ``key``, each id's count in the hypothesis and in the reference, whether it occurs once
    in each, and the reference position of its last occurrence there (read only where it occurs there)."""
    sorted_key, order = arrays.sort_with_order(key * 2 + is_ref)  # of equal n-grams, the reference's last
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
    ids: np.ndarray, pair: np.ndarray, is_ref: np.ndarray, pos: np.ndarray, h_len: np.ndarray, r_len: np.ndarray
) -> np.ndarray:
    """The aligned reference position of each token (-1 where none or on the reference side); the tokens
    of each pair are its hypothesis (``is_ref`` False) then its reference (``is_ref`` True)."""
    n = ids.size
    out = np.full(n, -1, dtype=pos.dtype)
    if n == 0:
        return out
    vocab = int(ids.max()) + 1
    # window 0, the word alone: one sort of (pair, word, side), the hypothesis's tokens first in each run;
    # the key (pair * vocab + word) * 2 + side built in place (fewer fresh arrays of every token)
    key = pair.astype(np.int64)
    key *= 2 * vocab
    key += ids
    key += ids
    key += is_ref
    sorted_key, order = arrays.sort_with_order(key)
    del key
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_key[1:] >> 1, sorted_key[:-1] >> 1, out=new[1:])
    starts = np.flatnonzero(new)
    size = np.diff(starts, append=n)
    # a run holds the word in both sentences where it starts in the hypothesis and ends in the reference
    in_both = (sorted_key[starts] & 1 == 0) & (sorted_key[starts + size - 1] & 1 == 1)
    once = in_both & (size == 2)  # once in each: the hypothesis's token, then the reference's
    first = starts[once]
    out[order[first]] = pos[order[first + 1]]
    # the words in both sentences but not once in each wait for a context, and only their n-grams are
    # extended: their tokens on both sides, numbered by word, in token order
    wait = in_both & (size > 2)
    tokens, by_token = arrays.sort_with_order(order[_ranges(starts[wait], size[wait])])
    word = np.repeat(np.arange(int(wait.sum()), dtype=np.int64), size[wait])[by_token]
    waiting = tokens[~is_ref[tokens]]
    # a side whose n-gram the reference lacks stays so at every longer window (its n-grams contain it),
    # as does one that runs past the hypothesis: a word with neither side left never aligns
    alive = np.ones((waiting.size, 2), dtype=bool)  # the right context, the left context
    # two chains of n-gram ids: by first position (right contexts) and by last position (left contexts).
    # An occurrence of a context n-gram starts (ends) with its previous window's n-gram, which was asked
    # for then: each window keeps only the positions holding one of the n-grams asked for last time.
    chains = [[tokens, word, 1], [tokens, word, -1]]
    window = 0
    while True:
        window += 1
        # nltk's windows: range(1, min(max(i, len(h) - i + 1), len(r)))
        i, p = pos[waiting], pair[waiting]
        alive[:, 0] &= i + window < h_len[p]
        alive[:, 1] &= window <= i
        go = (window < np.minimum(np.maximum(i, h_len[p] - i + 1), r_len[p])) & (alive[:, 0] | alive[:, 1])
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
    # the per-token pairs and positions in 32 bits where they fit: half the memory to fill and read
    small = np.int32 if max(ids.size, n_pairs) < 2**31 else np.int64
    if n_pairs == n_segments:  # one reference each: the lines as they are, pair j is segment j
        pair = np.repeat(np.tile(np.arange(n_segments, dtype=small), 2), lengths)
        is_ref = np.repeat(np.array([False, True]), [h_len.sum(), r_len.sum()])
        pos = np.arange(ids.size, dtype=small)
        pos -= np.repeat(offsets.astype(small), lengths)
    else:  # each pair's tokens: its hypothesis, then its reference
        starts = np.stack([offsets[hyp_line], offsets[ref_line]], axis=1).ravel()
        sizes = np.stack([h_len, r_len], axis=1).ravel()
        take = _ranges(starts, sizes)
        ids = ids[take]
        pair = np.repeat(np.arange(n_pairs, dtype=small), h_len + r_len)
        is_ref = np.repeat(np.tile(np.array([False, True]), n_pairs), sizes)
        pos = np.arange(take.size, dtype=small)
        pos -= np.repeat((np.cumsum(sizes) - sizes).astype(small), sizes)
    aligned = _alignment(ids, pair, is_ref, pos, h_len, r_len)

    found = aligned >= 0
    found_pair = pair[found]
    k = np.bincount(found_pair, minlength=n_pairs)
    increasing = _increasing_pairs(aligned[found], found_pair, k)
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
    d_k, d_h, d_r = distinct // scale_r // scale_h, distinct // scale_r % scale_h, distinct % scale_r
    factors = np.array(
        [
            ((a / h) ** alpha, min(1.0, math.exp(1.0 - r / h)) ** beta)
            for a, h, r in zip(d_k.tolist(), d_h.tolist(), d_r.tolist())
        ],
        dtype=np.float64,
    ).reshape(-1, 2)[inverse.ravel()]
    p1a[scored], bpb[scored] = factors[:, 0], factors[:, 1]
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
