"""Vectorized METEOR: the exact and stem stages of a whole batch as two sort-based joins.

The statistics equal those of :func:`evalkit.text.meteor._segment_stats`, the reference, exactly: both
run the alignment's synonym stage and nltk's arithmetic of ``_meteor_common.py`` (this module imports that,
never ``meteor.py``).

Why a join reproduces nltk's greedy stage: nltk walks the hypothesis from its last word and gives each
word the last free reference position holding the same word. So, for a word ``w`` occurring ``a`` times in
the hypothesis and ``b`` times in the reference, the ``k``-th occurrence from the end on one side is paired
with the ``k``-th from the end on the other, for ``k < min(a, b)``, whatever the other words do. Ranking
occurrences from the end within ``(hypothesis-reference unit, word, side)`` and joining on the rank gives
every pair of the stage at once.

The synonym stage is greedy across words (a word takes the last free reference position among *all* its
synonyms), so it runs in Python, but only for the units where some leftover reference word is a synonym of
some leftover hypothesis word; that test is vectorized too.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.text._meteor_common import Aligner, WordTables, fragment_scores, match_synonyms


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def _positions(lengths: np.ndarray) -> np.ndarray:
    """``0..n-1`` for each length ``n``, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(_offsets(lengths)[:-1], lengths)


def _join(
    h_unit: np.ndarray, h_key: np.ndarray, r_unit: np.ndarray, r_key: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(hi, ri)`` of the hypothesis and reference entries one equal-key stage pairs.

    Entries are in (unit, position) order on each side. The k-th entry from the end of a (unit, key)
    group on one side pairs with the k-th from the end on the other.
    """
    nh = len(h_unit)
    if nh == 0 or len(r_unit) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_keys = int(max(h_key.max(), r_key.max())) + 1
    group = np.concatenate([h_unit * n_keys + h_key, r_unit * n_keys + r_key])
    side = np.concatenate([np.zeros(nh, dtype=np.int64), np.ones(len(r_unit), dtype=np.int64)])
    # a stable sort keeps each side in position order: a group is its hypothesis run, then its reference run
    order = np.argsort(group * 2 + side, kind="stable")
    g, s = group[order], side[order]
    n = len(order)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, n))
    n_hyp = np.add.reduceat((s == 0).astype(np.int64), starts)
    hi = starts.repeat(n_hyp) + _positions(n_hyp)  # sorted indices of the hypothesis entries
    n_hyp_of, n_ref_of = n_hyp.repeat(n_hyp), (sizes - n_hyp).repeat(n_hyp)
    stop_of = (starts + sizes).repeat(n_hyp)
    rank = starts.repeat(n_hyp) + n_hyp_of - 1 - hi  # from the end of the hypothesis run
    keep = rank < n_ref_of
    hi, rank, stop_of = hi[keep], rank[keep], stop_of[keep]
    return order[hi], order[stop_of - 1 - rank] - nh


def flat_ids(tokens: list[str], sep: str, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Ids of a token stream whose lines are separated by the token ``sep``, and the number of tokens of
    each line."""
    ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    is_sep = ids == vocab[sep]
    bounds = np.concatenate([[-1], np.flatnonzero(is_sep), [len(ids)]])
    return ids[~is_sep], np.diff(bounds) - 1


def segment_stats(
    hyps: list[list[str]], refs: list[list[list[str]]], aligner: Aligner, alpha: float, beta: float, gamma: float
) -> np.ndarray:
    """Rows ``score, 1, matches, chunks, hyp_len, ref_len`` per segment (best reference), as the reference."""
    vocab = aligner.vocabulary()
    intern = vocab.__getitem__
    flat_refs = list(chain.from_iterable(refs))
    hyp_ids = np.fromiter(map(intern, chain.from_iterable(hyps)), dtype=np.int64)
    r_key = np.fromiter(map(intern, chain.from_iterable(flat_refs)), dtype=np.int64)
    return stream_stats(
        hyp_ids,
        np.fromiter(map(len, hyps), dtype=np.int64, count=len(hyps)),
        r_key,
        np.fromiter(map(len, flat_refs), dtype=np.int64, count=len(flat_refs)),
        np.fromiter(map(len, refs), dtype=np.int64, count=len(refs)),
        aligner,
        alpha,
        beta,
        gamma,
    )


def stream_stats(
    hyp_ids: np.ndarray,
    hyp_len_seg: np.ndarray,
    r_key: np.ndarray,
    ref_len: np.ndarray,
    n_refs: np.ndarray,
    aligner: Aligner,
    alpha: float,
    beta: float,
    gamma: float,
) -> np.ndarray:
    """:func:`segment_stats` from token ids: the hypotheses' ids and lengths, the references' ids and
    lengths (all references of segment 0, then of segment 1, ...) and the number of references of each
    segment. Ids come from ``aligner.vocabulary()``."""
    vocab = aligner.vocabulary()
    n_seg = len(hyp_len_seg)
    unit_seg = np.repeat(np.arange(n_seg, dtype=np.int64), n_refs)
    n_units = len(unit_seg)

    # one hypothesis copy per (segment, reference) unit
    hyp_len = hyp_len_seg[unit_seg]
    h_pos = _positions(hyp_len)
    h_key = hyp_ids[np.repeat(_offsets(hyp_len_seg)[:-1][unit_seg], hyp_len) + h_pos]
    h_unit = np.repeat(np.arange(n_units, dtype=np.int64), hyp_len)
    r_pos = _positions(ref_len)
    r_unit = np.repeat(np.arange(n_units, dtype=np.int64), ref_len)

    pair_unit, pair_h, pair_r = [], [], []

    def stage(h_keys: np.ndarray, r_keys: np.ndarray, h_left: np.ndarray, r_left: np.ndarray):
        hi, ri = _join(h_unit[h_left], h_keys, r_unit[r_left], r_keys)
        hi, ri = h_left[hi], r_left[ri]
        pair_unit.append(h_unit[hi])
        pair_h.append(h_pos[hi])
        pair_r.append(r_pos[ri])
        keep_h = np.ones(len(h_unit), dtype=bool)
        keep_h[hi] = False
        keep_r = np.ones(len(r_unit), dtype=bool)
        keep_r[ri] = False
        return h_left[keep_h[h_left]], r_left[keep_r[r_left]]

    h_left, r_left = stage(h_key, r_key, np.arange(len(h_unit)), np.arange(len(r_unit)))
    if aligner.stem_stage and len(h_left) and len(r_left):
        h_key, r_key = _stemmed_keys(aligner, vocab, h_key, r_key, h_left, r_left)
        h_left, r_left = stage(h_key[h_left], r_key[r_left], h_left, r_left)
    if aligner.synonym_stage and len(h_left) and len(r_left):
        _synonym_stage(
            aligner, vocab, h_unit, h_pos, h_key, h_left, r_unit, r_pos, r_key, r_left, pair_unit, pair_h, pair_r
        )

    matches, chunks = _matches_and_chunks(pair_unit, pair_h, pair_r, n_units)
    return _best_rows(matches, chunks, hyp_len, ref_len, unit_seg, n_refs, alpha, beta, gamma)


def _best_rows(
    matches: np.ndarray,
    chunks: np.ndarray,
    hyp_len: np.ndarray,
    ref_len: np.ndarray,
    unit_seg: np.ndarray,
    n_refs: np.ndarray,
    alpha: float,
    beta: float,
    gamma: float,
) -> np.ndarray:
    """The rows of each segment's best unit from every unit's counts."""
    scores = fragment_scores(matches, chunks, hyp_len, ref_len, alpha, beta, gamma)
    if len(unit_seg) == len(n_refs):  # one reference per segment: each unit is its segment's best
        return np.column_stack((scores, np.ones(len(n_refs)), matches, chunks, hyp_len, ref_len))
    pick = _best_units(scores, unit_seg, n_refs)
    columns = (scores[pick], np.ones(len(n_refs)), matches[pick], chunks[pick], hyp_len[pick], ref_len[pick])
    return np.column_stack(columns)  # float64: the scores are


def compiled_stats(
    text: str, sep: str, n_refs: np.ndarray, aligner: Aligner, alpha: float, beta: float, gamma: float
) -> np.ndarray:
    """:func:`segment_stats` by the compiled kernels, from the tokenized text of the hypotheses and then
    of the references (all of segment 0, then of segment 1, ...) joined by the one-character token ``sep``
    (``text.split()`` are the words, lowercased if asked).

    The words get their ids in C (:func:`evalkit.text._compiled.text_token_words`), one Python string per
    distinct word; the stages run per unit in C (:func:`evalkit.text._compiled.meteor_align`), first the
    exact and stem stages, then, once the synonyms of the hypothesis words they leave are looked up, the
    synonym stage.
    """
    from evalkit.text import _compiled

    local, lengths, words = _compiled.text_token_words(text, sep, len(n_refs) + int(n_refs.sum()))
    tables = aligner.word_tables()  # once a batch: its ids stay valid to the end of the batch
    word_ids = tables.ids(words)
    return _compiled_rows(tables, word_ids, word_ids[local], lengths, n_refs, aligner, alpha, beta, gamma)


def compiled_token_stats(
    hyps: list[list[str]], refs: list[list[list[str]]], aligner: Aligner, alpha: float, beta: float, gamma: float
) -> np.ndarray:
    """:func:`segment_stats` of token lists by the compiled alignment (one dict lookup per token)."""
    flat_refs = list(chain.from_iterable(refs))
    lines = hyps + flat_refs
    tables = aligner.word_tables()
    ids = tables.ids(list(chain.from_iterable(lines)))
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    return _compiled_rows(tables, ids, ids, lengths, n_refs, aligner, alpha, beta, gamma)


def _compiled_rows(
    tables: WordTables,
    word_ids: np.ndarray,
    ids: np.ndarray,
    lengths: np.ndarray,
    n_refs: np.ndarray,
    aligner: Aligner,
    alpha: float,
    beta: float,
    gamma: float,
) -> np.ndarray:
    """The rows from the word ids of every token (hypotheses, then references; ``lengths`` per line);
    ``word_ids``: at least every distinct word among them (their stems are looked up)."""
    from evalkit.text import _compiled as c

    n_seg, n_units = len(n_refs), int(n_refs.sum())
    if aligner.stem_stage:
        tables.look_up_stems(word_ids, aligner.stem)
    hyp_len_seg, ref_len = lengths[:n_seg], lengths[n_seg:]
    h_off, r_off = _offsets(hyp_len_seg), _offsets(ref_len)
    h_ids, r_ids = ids[: h_off[-1]], ids[h_off[-1] :]
    unit_seg = np.repeat(np.arange(n_seg, dtype=np.int64), n_refs)
    hyp_len = hyp_len_seg[unit_seg]
    h_match = np.empty(int(hyp_len.sum()), dtype=np.int64)
    r_used = np.empty(len(r_ids), dtype=np.uint8)
    stages = c.METEOR_EXACT | (c.METEOR_STEM if aligner.stem_stage else 0)
    args = (h_ids, h_off, r_ids, r_off, unit_seg)
    if not aligner.synonym_stage:
        counts = c.meteor_align(*args, tables.arrays(), stages | c.METEOR_COUNT, h_match, r_used)
    else:
        c.meteor_align(*args, tables.arrays(), stages, h_match, r_used)
        # the keys of the hypothesis words left (their stems from the stem stage on, as nltk)
        left = h_match < 0
        if n_units != n_seg:  # each unit's copy of its hypothesis
            left = np.repeat(h_off[:-1][unit_seg], hyp_len)[left] + _positions(hyp_len)[left]
        keys = h_ids[left]
        if aligner.stem_stage:
            keys = tables.stem_of[keys]
        tables.look_up_synonyms(keys, aligner.synonyms)
        stages = c.METEOR_SYNONYM | c.METEOR_COUNT | (c.METEOR_STEM_KEYS if aligner.stem_stage else 0)
        counts = c.meteor_align(*args, tables.arrays(), stages, h_match, r_used)
    return _best_rows(counts[:, 0], counts[:, 1], hyp_len, ref_len, unit_seg, n_refs, alpha, beta, gamma)


def _stemmed_keys(
    aligner: Aligner,
    vocab: dict[str, int],
    h_key: np.ndarray,
    r_key: np.ndarray,
    h_left: np.ndarray,
    r_left: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The keys with the leftover words replaced by the ids of their stems (from the stem stage on, as nltk)."""
    strings = list(vocab)
    distinct = arrays.unique(np.concatenate([h_key[h_left], r_key[r_left]]))
    stem_of = np.zeros(len(strings), dtype=np.int64)
    stem, intern = aligner.stem, vocab.__getitem__
    stem_of[distinct] = np.fromiter((intern(stem(strings[k])) for k in distinct.tolist()), dtype=np.int64)
    h_key, r_key = h_key.copy(), r_key.copy()
    h_key[h_left] = stem_of[h_key[h_left]]
    r_key[r_left] = stem_of[r_key[r_left]]
    return h_key, r_key


def _best_units(scores: np.ndarray, unit_seg: np.ndarray, n_refs: np.ndarray) -> np.ndarray:
    """The unit of each segment's best reference: the first of equal scores, as ``max()`` over a generator."""
    best = np.maximum.reduceat(scores, _offsets(n_refs)[:-1])
    is_best = np.flatnonzero(scores == best[unit_seg])
    _, first = np.unique(unit_seg[is_best], return_index=True)
    return is_best[first]


def _matches_and_chunks(
    pair_unit: list[np.ndarray], pair_h: list[np.ndarray], pair_r: list[np.ndarray], n_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, the matches of the stages' pairs (unit, hypothesis position, reference position) and
    their chunks: runs adjacent in both sentences, in hypothesis order within a unit."""
    unit = np.concatenate(pair_unit)
    ph = np.concatenate(pair_h)
    pr = np.concatenate(pair_r)
    matches = np.bincount(unit, minlength=n_units)
    order = np.lexsort((ph, unit))
    unit, ph, pr = unit[order], ph[order], pr[order]
    starts_chunk = np.ones(len(unit), dtype=bool)
    starts_chunk[1:] = (unit[1:] != unit[:-1]) | (ph[1:] != ph[:-1] + 1) | (pr[1:] != pr[:-1] + 1)
    return matches, np.bincount(unit[starts_chunk], minlength=n_units)


def _synonym_stage(
    aligner, vocab, h_unit, h_pos, h_key, h_left, r_unit, r_pos, r_key, r_left, pair_unit, pair_h, pair_r
):
    """Python's greedy synonym stage on the units where some synonym pair exists among the leftovers."""
    strings = list(vocab)
    hk = h_key[h_left]
    distinct = arrays.unique(hk)
    # synonyms of each distinct leftover hypothesis word that are leftover reference words somewhere in the
    # batch (a set intersection in C, iterating over the smaller side); only those can match
    ref_words = frozenset(strings[k] for k in arrays.unique(r_key[r_left]).tolist())
    synonyms = aligner.synonyms
    syn_ids = [[vocab[w] for w in synonyms(strings[k]) & ref_words] for k in distinct.tolist()]
    sizes = np.fromiter(map(len, syn_ids), dtype=np.int64, count=len(syn_ids))
    flat = np.fromiter(chain.from_iterable(syn_ids), dtype=np.int64, count=int(sizes.sum()))
    which = np.searchsorted(distinct, hk)
    per_entry = sizes[which]
    n_keys = len(strings) + 1
    cand_codes = (
        np.repeat(h_unit[h_left], per_entry) * n_keys
        + flat[np.repeat(_offsets(sizes)[:-1][which], per_entry) + _positions(per_entry)]
    )
    ref_codes = r_unit[r_left] * n_keys + r_key[r_left]
    hits = np.isin(cand_codes, ref_codes)
    units = arrays.unique(np.repeat(h_unit[h_left], per_entry)[hits])
    if len(units) == 0:
        return
    hu, ru = h_unit[h_left], r_unit[r_left]
    h_lo, h_hi = np.searchsorted(hu, units), np.searchsorted(hu, units, side="right")
    r_lo, r_hi = np.searchsorted(ru, units), np.searchsorted(ru, units, side="right")
    hp, rp = h_pos[h_left].tolist(), r_pos[r_left].tolist()
    hw = [strings[k] for k in hk.tolist()]
    rw = [strings[k] for k in r_key[r_left].tolist()]
    out_u, out_h, out_r = [], [], []
    for u, a, b, c, d in zip(units.tolist(), h_lo.tolist(), h_hi.tolist(), r_lo.tolist(), r_hi.tolist()):
        pairs: list[tuple[int, int]] = []
        match_synonyms(list(zip(hp[a:b], hw[a:b])), list(zip(rp[c:d], rw[c:d])), pairs, aligner.synonyms)
        for i, j in pairs:
            out_u.append(u)
            out_h.append(i)
            out_r.append(j)
    pair_unit.append(np.array(out_u, dtype=np.int64))
    pair_h.append(np.array(out_h, dtype=np.int64))
    pair_r.append(np.array(out_r, dtype=np.int64))
