"""The fast backend of ROUGE: the same integer counts as ``rouge.py``, by bit-parallel LCS.

LCS (Allison & Dix 1986; Hyyro 2004): with ``M[t]`` the bitmask of the reference positions holding token
``t``, one hypothesis token updates the whole dynamic-programming column at once,

    u = v & M[t];  v = (v + u) | (v - u)

and after the last token, ``LCS = m - popcount(v)`` over the low ``m`` bits. Column ``j``'s vector has bit
``i - 1`` clear exactly where ``t[i][j] = t[i-1][j] + 1``, which is all rouge-score's backtrack reads: from
``(i, j)`` it walks up while there is no match and the cell above is equal, so in each column the next
stop is the highest set bit of ``(M[hyp[j]] | ~v_j)`` below row ``i``. The LCS positions that rougeLsum's
union needs thus cost one step per hypothesis token instead of the ``m x n`` table.

Python integers are arbitrary-precision, so sentences of any length work; bits above ``m`` collect carries
that never flow down, and are masked off only when counting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from evalkit.text.ngrams import ngram_counts
from evalkit.text.rouge import Tokenized, Variant, clipped_overlap, skip_bigram_counts, wlcs


def position_masks(tokens: Sequence[str]) -> dict[str, int]:
    """``{token: bitmask of its positions}``."""
    masks: dict[str, int] = {}
    for i, t in enumerate(tokens):
        masks[t] = masks.get(t, 0) | (1 << i)
    return masks


def lcs_length(masks: dict[str, int], m: int, hyp: Sequence[str]) -> int:
    """LCS length of the reference behind ``masks`` (length ``m``) and ``hyp``.

    Example:
        >>> lcs_length(position_masks("abcbdab"), 7, "bdcaba")
        4
    """
    v = full = (1 << m) - 1
    get = masks.get
    for t in hyp:
        x = get(t)
        if x:
            u = v & x
            v = (v + u) | (v - u)
    return m - (v & full).bit_count()


def lcs_position_mask(masks: dict[str, int], m: int, hyp: Sequence[str]) -> int:
    """Bitmask of the reference positions of the LCS that rouge-score's backtrack reads out.

    Example:
        >>> bin(lcs_position_mask(position_masks("abcb"), 4, "bab"))  # positions 0 and 3, as rouge.lcs_positions
        '0b1001'
    """
    v = (1 << m) - 1
    get = masks.get
    columns = []
    for t in hyp:
        x = get(t)
        if x:
            u = v & x
            v = (v + u) | (v - u)
        columns.append(v)
    out = 0
    i = m
    for j in range(len(hyp) - 1, -1, -1):
        if i == 0:
            break
        match = get(hyp[j], 0)
        stops = (match | ~columns[j]) & ((1 << i) - 1)
        if not stops:
            break
        i = stops.bit_length()
        bit = 1 << (i - 1)
        if match & bit:
            out |= bit
            i -= 1
    return out


def union_lcs_hits(ref_sents: Sequence[Sequence[str]], hyp_sents: Sequence[Sequence[str]]) -> int:
    """rougeLsum's hits, as :func:`evalkit.text.rouge.union_lcs_hits`.

    Each occurrence in the union-LCS of a reference sentence hits while the token's counts in both texts
    last, so a token hits ``min(occurrences in the unions, count in the hypothesis)`` times in all (the
    unions are positions of the reference, so never exceed its count).
    """
    in_union: Counter[str] = Counter()
    hyp_sents = [h for h in hyp_sents if h]
    for r in ref_sents:
        masks = position_masks(r)
        union = 0
        for h in hyp_sents:
            union |= lcs_position_mask(masks, len(r), h)
        while union:
            low = union & -union
            in_union[r[low.bit_length() - 1]] += 1
            union ^= low
    if not in_union:
        return 0
    cnt_hyp = Counter(t for h in hyp_sents for t in h)
    return sum(min(c, cnt_hyp[t]) for t, c in in_union.items())


def pair_counts_fast(
    variants: Sequence[Variant],
    hyps: Sequence[Tokenized],
    refs: Sequence[Tokenized],
    doc_of_pair: np.ndarray,
    weight: float,
) -> np.ndarray:
    """``(n_pairs, variants, 3)`` counts: hits, hypothesis total, reference total (as ``pair_counts_python``)."""
    out = np.zeros((len(refs), len(variants), 3), dtype=np.float64)
    docs = doc_of_pair.tolist()
    for col, v in enumerate(variants):
        view = out[:, col, :]
        if v.kind == "n":
            hyp_grams = [ngram_counts(h.tokens, v.n) for h in hyps]
            hyp_totals = [max(len(h.tokens) - v.n + 1, 0) for h in hyps]
            rows = []
            for d, r in zip(docs, refs):
                g = ngram_counts(r.tokens, v.n)
                rows.append((clipped_overlap(hyp_grams[d], g), hyp_totals[d], max(len(r.tokens) - v.n + 1, 0)))
            view[:] = rows
        elif v.kind == "L":
            rows = []
            for d, r in zip(docs, refs):
                x, y = hyps[d].tokens, r.tokens
                rows.append((lcs_length(position_masks(y), len(y), x), len(x), len(y)))
            view[:] = rows
        elif v.kind == "Lsum":
            rows = []
            for d, r in zip(docs, refs):
                n_x, n_y = sum(map(len, hyps[d].sents)), sum(map(len, r.sents))
                rows.append((union_lcs_hits(r.sents, hyps[d].sents) if n_x and n_y else 0, n_x, n_y))
            view[:] = rows
        elif v.kind == "W":
            # no bit-parallel form: a run's weight depends on its length, not only on its cells
            view[:] = [
                (wlcs(r.tokens, hyps[d].tokens, weight), len(hyps[d].tokens) ** weight, len(r.tokens) ** weight)
                for d, r in zip(docs, refs)
            ]
        else:
            unigrams = v.kind == "SU"
            hyp_skips = [skip_bigram_counts(h.tokens, v.gap, unigrams=unigrams) for h in hyps]
            rows = []
            for d, r in zip(docs, refs):
                s = skip_bigram_counts(r.tokens, v.gap, unigrams=unigrams)
                rows.append((clipped_overlap(hyp_skips[d], s), hyp_skips[d].total(), s.total()))
            view[:] = rows
    return out
