"""The numpy backend of ROUGE: the same integer counts as ``rouge.py``, by bit-parallel LCS.

LCS (Allison & Dix 1986; Hyyro 2004): with ``M[t]`` the bitmask of the reference positions holding token
``t``, one hypothesis token updates the whole dynamic-programming column at once,

    u = v & M[t];  v = (v + u) | (v - u)

and after the last token, ``LCS = m - popcount(v)`` over the low ``m`` bits. Column ``j``'s vector has bit
``i - 1`` clear exactly where ``t[i][j] = t[i-1][j] + 1``, which is all rouge-score's backtrack reads: from
``(i, j)`` it walks up while there is no match and the cell above is equal, so in each column the next
stop is the highest set bit of ``(M[hyp[j]] | ~v_j)`` below row ``i``. The LCS positions that rougeLsum's
union needs thus cost one step per hypothesis token instead of the ``m x n`` table.

Bits above ``m`` collect carries that never flow down, and are masked off only when counting.

Two forms: over Python integers (any length; the reference for the vectorized form and its fallback),
and over numpy ``uint64``, one vector per (pair) for rougeL or per (pair, reference sentence,
hypothesis sentence) for rougeLsum, all advanced together by one numpy operation per column. rougeN
uses the shared counter :func:`evalkit.text.ngrams.clipped_ngram_matches`; rougeW and the skip-bigrams
run the reference formulas of ``_rouge_common.py``, which ``rouge.py`` runs too (this module imports
``_rouge_common.py`` only, never ``rouge.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.text._rouge_common import Tokenized, Variant, clipped_overlap, skip_bigram_counts, wlcs
from evalkit.text.ngrams import clipped_ngram_matches


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

    Only columns whose token occurs in the reference change the vector; a run of other columns keeps
    the vector of the matching column before it, and walking back through such a run does one thing:
    climb to the highest clear bit. So the backtrack visits matching columns only, with one climb for
    each run of other columns to their right.

    Example:
        >>> bin(lcs_position_mask(position_masks("abcb"), 4, "bab"))  # positions 0 and 3, as rouge.lcs_positions
        '0b1001'
    """
    v = (1 << m) - 1
    get = masks.get
    steps = []  # (column, vector after it, its match mask) for the columns whose token is in the reference
    for j, t in enumerate(hyp):
        x = get(t)
        if x:
            u = v & x
            v = (v + u) | (v - u)
            steps.append((j, v, x))
    out = 0
    i = m
    right = len(hyp)  # the column visited before this one
    for j, v, x in reversed(steps):
        below = (1 << i) - 1
        if right - j > 1:  # columns without a match lie between: climb to v's highest clear bit
            clear = ~v & below
            if not clear:
                break
            i = clear.bit_length()
            below = (1 << i) - 1
        right = j
        stops = (x | ~v) & below
        if not stops:
            break
        i = stops.bit_length()
        bit = 1 << (i - 1)
        if x & bit:
            out |= bit
            i -= 1
            if not i:
                break
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


def _spans(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For spans ``[starts[k], starts[k] + lengths[k])``: the span of each element and its flat index."""
    span = np.repeat(np.arange(len(lengths)), lengths)
    first = np.cumsum(lengths) - lengths
    return span, starts[span] + np.arange(int(lengths.sum())) - first[span]


_popcount = getattr(np, "bitwise_count", None)
if _popcount is None:  # numpy < 2.0

    def _popcount(x: np.ndarray) -> np.ndarray:
        return np.unpackbits(x.astype(np.uint64).view(np.uint8)).reshape(len(x), 64).sum(axis=1)


def _lcs_lengths_uint64(
    ids: np.ndarray, hyp_start: np.ndarray, hyp_len: np.ndarray, ref_start: np.ndarray, ref_len: np.ndarray
) -> np.ndarray:
    """LCS of many (hypothesis, reference) pairs at once, references of at most 64 tokens.

    Each pair's vector is one uint64; one numpy operation advances every pair by a hypothesis token
    (pairs sorted by hypothesis length, so the pairs still running are a prefix). ``M[t]`` for each
    hypothesis token is looked up from the sorted (pair, token) keys of the references.
    """
    n_pairs = len(ref_len)
    vocab = int(ids.max()) + 1 if len(ids) else 1
    pair, flat = _spans(ref_start, ref_len)
    keys = pair * vocab + ids[flat]
    bits = np.left_shift(np.uint64(1), (flat - ref_start[pair]).astype(np.uint64))
    keys, order = arrays.sort_with_order(keys)
    heads = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=np.int64)
    ukeys = keys[heads]
    masks = np.bitwise_or.reduceat(bits[order], heads) if len(heads) else np.zeros(0, dtype=np.uint64)

    rank = np.argsort(-hyp_len, kind="stable")  # longest hypotheses first
    lengths = hyp_len[rank]
    hpair, hflat = _spans(hyp_start[rank], lengths)
    column = hflat - hyp_start[rank][hpair]
    hkeys = rank[hpair] * vocab + ids[hflat]
    loc = np.minimum(np.searchsorted(ukeys, hkeys), max(len(ukeys) - 1, 0))
    x = np.where(ukeys[loc] == hkeys, masks[loc], np.uint64(0)) if len(ukeys) else np.zeros(len(hkeys), np.uint64)
    # column-major: the pairs still running at column j are ranks 0..active[j]-1
    active = np.bincount(column, minlength=int(lengths.max()) if len(lengths) else 0)
    by_column = np.empty_like(x)
    by_column[(np.cumsum(active) - active)[column] + hpair] = x
    x = by_column
    m = ref_len[rank]
    full = np.where(m >= 64, np.uint64(0xFFFFFFFFFFFFFFFF), (np.uint64(1) << np.minimum(m, 63).astype(np.uint64)) - 1)
    v = full.copy()
    pos = 0
    for count in active.tolist():
        u = v[:count] & x[pos : pos + count]
        v[:count] = (v[:count] + u) | (v[:count] - u)
        pos += count
    out = np.empty(n_pairs, dtype=np.int64)
    out[rank] = m - _popcount(v & full).astype(np.int64)
    return out


def _ngram_matches(
    ids: np.ndarray,
    hyp_start: np.ndarray,
    hyp_len: np.ndarray,
    ref_start: np.ndarray,
    ref_len: np.ndarray,
    max_order: int,
    compiled: bool,
) -> np.ndarray:
    """``(n_pairs, max_order)`` clipped n-gram overlaps, each pair a segment of one hypothesis and one
    reference for :func:`evalkit.text.ngrams.clipped_ngram_matches` (whose ``min(candidate, max over
    references)`` is then rouge-score's ``min(candidate, reference)``)."""
    starts = np.stack([hyp_start, ref_start], axis=1).ravel()
    lengths = np.stack([hyp_len, ref_len], axis=1).ravel()
    line, flat = _spans(starts, lengths)
    return clipped_ngram_matches(
        ids[flat],
        line >> 1,
        line & 1,
        np.cumsum(lengths)[line],
        n_segments=len(hyp_len),
        max_order=max_order,
        compiled=compiled,
    )


# uint64 elements per rougeLsum block (two arrays of them): bounds memory whatever the documents' length
_BLOCK = 1 << 21


def _lsum_counts(
    ids: np.ndarray, sent_len: np.ndarray, n_sents: np.ndarray, n_hyps: int, doc_of_pair: np.ndarray
) -> np.ndarray:
    """``(n_pairs, 3)`` rougeLsum counts from the sentences' token ids, flat (``sent_len`` per sentence,
    ``n_sents`` per text: the hypotheses, then one reference per pair). Vectorized where every reference
    sentence has at most 52 tokens; arbitrary-precision integers for the other pairs."""
    n_texts = len(n_sents)
    sent_start = np.cumsum(sent_len) - sent_len
    first = np.cumsum(n_sents) - n_sents
    text_of_sent = np.repeat(np.arange(n_texts), n_sents)
    text_len = np.bincount(text_of_sent, weights=sent_len, minlength=n_texts)
    longest = np.zeros(n_texts, dtype=np.int64)
    np.maximum.at(longest, text_of_sent, sent_len)
    long_ref = longest[n_hyps:] > 52
    out = np.zeros((len(doc_of_pair), 3))
    out[:, 1], out[:, 2] = text_len[doc_of_pair], text_len[n_hyps:]
    ref_first, ref_count = first[n_hyps:], np.where(long_ref, 0, n_sents[n_hyps:])
    # blocks of consecutive pairs holding at most _BLOCK hypothesis-sentence tokens over their triples
    work = np.cumsum(ref_count * text_len[doc_of_pair])
    cuts = np.searchsorted(work, np.arange(_BLOCK, work[-1] if len(work) else 0, _BLOCK), side="right")
    for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(doc_of_pair)]):
        if a == b:
            continue
        d0, d1 = int(doc_of_pair[a]), int(doc_of_pair[b - 1]) + 1
        out[a:b, 0] = _lsum_hits_uint64(
            ids,
            sent_start,
            sent_len,
            first[d0:d1],
            n_sents[d0:d1],
            ref_first[a:b],
            ref_count[a:b],
            doc_of_pair[a:b] - d0,
        )

    def sentences(text: int) -> list[list[int]]:
        return [
            ids[sent_start[k] : sent_start[k] + sent_len[k]].tolist()
            for k in range(first[text], first[text] + n_sents[text])
        ]

    for p in np.flatnonzero(long_ref).tolist():
        out[p, 0] = union_lcs_hits(sentences(n_hyps + p), sentences(int(doc_of_pair[p])))
    return out


def pair_counts_numpy(
    variants: Sequence[Variant],
    texts: Sequence[Tokenized] | None,
    flat: tuple[np.ndarray, np.ndarray] | None,
    sentences: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    n_hyps: int,
    doc_of_pair: np.ndarray,
    weight: float,
    *,
    compiled: bool = False,
) -> np.ndarray:
    """``(n_pairs, variants, 3)`` counts: hits, hypothesis total, reference total (as ``pair_counts_python``).

    ``texts`` are the hypotheses then one reference per pair, tokenized (for rougeW and the skip-bigrams);
    ``flat`` their token ids, flat, and lengths (for rougeN and rougeL); ``sentences`` the token ids of
    their sentences, flat, each sentence's length and each text's number of sentences (for rougeLsum);
    ``compiled``: n-gram counts by the compiled kernel (:func:`evalkit.text.ngrams.use_compiled`).
    """
    out = np.zeros((len(doc_of_pair), len(variants), 3), dtype=np.float64)
    docs = doc_of_pair.tolist()
    if flat is not None:
        ids, lengths = flat
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        hyp_start, hyp_len = offsets[doc_of_pair], lengths[doc_of_pair]
        ref_start, ref_len = offsets[n_hyps:-1], lengths[n_hyps:]
        orders = [v.n for v in variants if v.kind == "n"]
        if orders:
            matches = _ngram_matches(ids, hyp_start, hyp_len, ref_start, ref_len, max(orders), compiled)
    if texts is not None:
        hyps, refs = texts[:n_hyps], texts[n_hyps:]
    for col, v in enumerate(variants):
        view = out[:, col, :]
        if v.kind == "n":
            view[:, 0] = matches[:, v.n - 1]
            view[:, 1] = np.maximum(hyp_len - v.n + 1, 0)
            view[:, 2] = np.maximum(ref_len - v.n + 1, 0)
        elif v.kind == "L":
            view[:, 0] = _lcs_hits(ids, hyp_start, hyp_len, ref_start, ref_len)
            view[:, 1], view[:, 2] = hyp_len, ref_len
        elif v.kind == "Lsum":
            view[:] = _lsum_counts(*sentences, n_hyps, doc_of_pair)  # type: ignore[misc]
        elif v.kind == "W":
            # no bit-parallel form: a run's weight depends on its length, not only on its cells
            view[:] = [
                (wlcs(r.tokens, hyps[d].tokens, weight), len(hyps[d].tokens) ** weight, len(r.tokens) ** weight)
                for d, r in zip(docs, refs)
            ]
        else:
            view[:] = _skip_bigram_counts(v, hyps, refs, docs)
    return out


def _lcs_hits(
    ids: np.ndarray, hyp_start: np.ndarray, hyp_len: np.ndarray, ref_start: np.ndarray, ref_len: np.ndarray
) -> np.ndarray:
    """rougeL's hits (LCS lengths) of every pair: uint64 vectors in lockstep for references of at most 64
    tokens, arbitrary-precision vectors for the longer ones."""
    hits = np.zeros(len(ref_len), dtype=np.int64)
    short = ref_len <= 64
    hits[short] = _lcs_lengths_uint64(ids, hyp_start[short], hyp_len[short], ref_start[short], ref_len[short])
    for p in np.flatnonzero(~short).tolist():
        y = ids[ref_start[p] : ref_start[p] + ref_len[p]].tolist()
        x = ids[hyp_start[p] : hyp_start[p] + hyp_len[p]].tolist()
        hits[p] = lcs_length(position_masks(y), len(y), x)
    return hits


def _skip_bigram_counts(
    v: Variant, hyps: Sequence[Tokenized], refs: Sequence[Tokenized], docs: list[int]
) -> list[tuple[int, int, int]]:
    """rougeS/rougeSU counts of every pair by the reference formulas (each hypothesis counted once)."""
    unigrams = v.kind == "SU"
    hyp_skips = [skip_bigram_counts(h.tokens, v.gap, unigrams=unigrams) for h in hyps]
    rows = []
    for d, r in zip(docs, refs):
        s = skip_bigram_counts(r.tokens, v.gap, unigrams=unigrams)
        rows.append((clipped_overlap(hyp_skips[d], s), hyp_skips[d].total(), s.total()))
    return rows


def _lsum_hits_uint64(
    ids: np.ndarray,
    sent_start: np.ndarray,
    sent_len: np.ndarray,
    hyp_first: np.ndarray,
    hyp_count: np.ndarray,
    ref_first: np.ndarray,
    ref_count: np.ndarray,
    doc_of_pair: np.ndarray,
) -> np.ndarray:
    """rougeLsum hits of many pairs at once (reference sentences of at most 52 tokens).

    Every (pair, reference sentence, hypothesis sentence) runs :func:`lcs_position_mask`'s recurrence and
    backtrack in lockstep, one uint64 per triple: forward over the hypothesis sentence's columns keeping
    each column's vector, then back over the columns, where each triple's row ``i`` drops to the highest
    match or clear bit at or below it (0: stopped). The masks of one reference sentence are OR-ed (the
    union), and each token hits ``min(occurrences in the unions, count in the hypothesis)`` times.
    Sentences are ``ids[sent_start[k] : sent_start[k] + sent_len[k]]``; document ``d``'s hypothesis has
    sentences ``hyp_first[d]`` .. ``+ hyp_count[d]``, pair ``p``'s reference ``ref_first[p]`` .. ``+ ref_count[p]``.
    """
    n_pairs = len(ref_count)
    vocab = int(ids.max()) + 1 if len(ids) else 1
    h_first, h_count = hyp_first[doc_of_pair], hyp_count[doc_of_pair]
    per_pair = ref_count * h_count
    pair = np.repeat(np.arange(n_pairs), per_pair)
    if len(pair) == 0:
        return np.zeros(n_pairs, dtype=np.int64)
    q = np.arange(len(pair)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    ref_sent = ref_first[pair] + q // h_count[pair]
    hyp_sent = h_first[pair] + q % h_count[pair]
    ukeys, masks = _sentence_masks(ids, sent_start, sent_len, ref_first, ref_count, vocab)
    out = _lcs_position_masks(ids, sent_start, sent_len, ref_sent, hyp_sent, ukeys, masks, vocab)

    # the union per (pair, reference sentence), whose triples are consecutive
    one = np.uint64(1)
    group = np.flatnonzero(np.r_[True, (pair[1:] != pair[:-1]) | (ref_sent[1:] != ref_sent[:-1])])
    union = np.bitwise_or.reduceat(out, group)
    g_pair, g_sent = pair[group], ref_sent[group]
    g, gflat = _spans(sent_start[g_sent], sent_len[g_sent])
    in_union = ((union[g] >> (gflat - sent_start[g_sent][g]).astype(np.uint64)) & one) == one
    u_keys, u_counts = np.unique(g_pair[g][in_union] * vocab + ids[gflat][in_union], return_counts=True)

    # the hypothesis' token counts, keyed by (document, token)
    doc_sent, sent_of_doc = _spans(hyp_first, hyp_count)
    w, wflat = _spans(sent_start[sent_of_doc], sent_len[sent_of_doc])
    h_keys, h_counts = np.unique(doc_sent[w] * vocab + ids[wflat], return_counts=True)
    p_of_key = u_keys // vocab
    wanted = doc_of_pair[p_of_key] * vocab + u_keys % vocab
    loc = np.minimum(np.searchsorted(h_keys, wanted), max(len(h_keys) - 1, 0))
    found = (h_keys[loc] == wanted) if len(h_keys) else np.zeros(len(wanted), dtype=bool)
    hits = np.where(found, np.minimum(u_counts, h_counts[loc] if len(h_keys) else 0), 0)
    return np.bincount(p_of_key, weights=hits, minlength=n_pairs).astype(np.int64)


def _sentence_masks(
    ids: np.ndarray,
    sent_start: np.ndarray,
    sent_len: np.ndarray,
    ref_first: np.ndarray,
    ref_count: np.ndarray,
    vocab: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``M[t]`` of every reference sentence: the OR of ``1 << position`` over its tokens ``t``, as sorted
    keys ``sentence * vocab + t`` and their masks."""
    _, sents = _spans(ref_first, ref_count)
    which, flat = _spans(sent_start[sents], sent_len[sents])
    sent = sents[which]
    keys, order = arrays.sort_with_order(sent * vocab + ids[flat])
    bits = np.left_shift(np.uint64(1), (flat - sent_start[sent]).astype(np.uint64))[order]
    heads = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
    return keys[heads], (np.bitwise_or.reduceat(bits, heads) if len(heads) else bits)


def _lcs_position_masks(
    ids: np.ndarray,
    sent_start: np.ndarray,
    sent_len: np.ndarray,
    ref_sent: np.ndarray,
    hyp_sent: np.ndarray,
    ukeys: np.ndarray,
    masks: np.ndarray,
    vocab: int,
) -> np.ndarray:
    """:func:`lcs_position_mask` of every (reference sentence, hypothesis sentence) triple, in lockstep:
    the forward recurrence over the columns keeping each column's vector, then the backtrack."""
    one = np.uint64(1)
    out = np.zeros(len(ref_sent), dtype=np.uint64)
    rank = np.argsort(-sent_len[hyp_sent], kind="stable")  # longest hypothesis sentences first
    lengths = sent_len[hyp_sent[rank]]
    if lengths[0] == 0 or not len(ukeys):
        return out
    tri, hflat = _spans(sent_start[hyp_sent[rank]], lengths)
    column = hflat - sent_start[hyp_sent[rank]][tri]
    hkeys = ref_sent[rank][tri] * vocab + ids[hflat]
    loc = np.minimum(np.searchsorted(ukeys, hkeys), len(ukeys) - 1)
    active = np.bincount(column, minlength=int(lengths[0]))
    col_start = np.cumsum(active) - active
    xc = np.empty(len(hkeys), dtype=np.uint64)  # column-major: column j holds ranks 0..active[j]-1
    xc[col_start[column] + tri] = np.where(ukeys[loc] == hkeys, masks[loc], np.uint64(0))
    m = sent_len[ref_sent[rank]]
    v = (one << m.astype(np.uint64)) - one
    vc = np.empty_like(xc)
    for j, count in enumerate(active.tolist()):
        c = slice(col_start[j], col_start[j] + count)
        u = v[:count] & xc[c]
        v[:count] = (v[:count] + u) | (v[:count] - u)
        vc[c] = v[:count]
    row = m.copy()
    got = np.zeros(len(rank), dtype=np.uint64)
    for j in range(len(active) - 1, -1, -1):
        count = int(active[j])
        c = slice(col_start[j], col_start[j] + count)
        below = (one << row[:count].astype(np.uint64)) - one
        xs = xc[c]
        stops = (xs | ~vc[c]) & below
        top = np.frexp(stops.astype(np.float64))[1].astype(np.int64)  # bit_length, exact below 2**53
        bit = np.where(top > 0, one << np.maximum(top - 1, 0).astype(np.uint64), np.uint64(0))
        matched = (xs & bit) != 0
        got[:count] |= np.where(matched, bit, np.uint64(0))
        row[:count] = top - matched
    out[rank] = got
    return out
