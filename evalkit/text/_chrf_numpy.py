"""chrF statistics of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.chrf`.

Equal, integer for integer, to sacrebleu's per-segment statistics (``CHRF._extract_corpus_statistics``)
and to the python backend, without a Python loop per n-gram, per character or per segment:

1. The lines (each hypothesis, then its references) are joined and read as one array of Unicode code
   points (``encode("utf-32-le")``); whitespace is dropped with a lookup table (the characters of
   :data:`~evalkit.text._chrf_common.SACREBLEU_SPACES` or ``NLTK_SPACES``). A code point is its own
   id: no vocabulary is built for characters.
2. For chrF++ the words are found in the same array: runs of characters ``str.split`` does not split
   on, a punctuation mark split off as sacrebleu's ``_remove_punctuation`` does, read from the code
   points of their first and last characters. A word of up to 62 bits of character ranks is its own
   integer key, numbered by ``np.unique`` (longer words take further rounds, :func:`_span_ids`). No
   Python string is built per word.
3. :func:`reference_matches` counts, for every reference line and order, ``sum_g min(count_hyp(g),
   count_ref(g))`` by sorting packed (n-gram prefix rank, next id, position) keys, as
   :func:`evalkit.core.arrays.sort_with_order` packs them, all references of a segment in one pass.
4. The hypothesis and reference n-gram counts follow from the line lengths; each segment keeps the
   reference with the best sentence score, compared as the python backend compares it (the same
   floats, :mod:`evalkit.text._chrf_common`), the first on a tie.

Large corpora are split into contiguous shards of whole segments counted in forked processes
(:mod:`evalkit.core.shards`), as BLEU's numpy backend does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import pairwise

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.shards import auto_processes, sharded_rows
from evalkit.text._chrf_common import (
    NLTK_SPACES,
    PUNCTUATION,
    SACREBLEU_SPACES,
    SPACE_LIMIT,
    ChrfOptions,
    nltk_row_f,
    nltk_sentences,
    sacrebleu_scores,
)
from evalkit.text.ngrams import segment_lines, use_compiled


def _table(chars: frozenset[str], size: int) -> np.ndarray:
    table = np.zeros(size + 1, dtype=bool)  # the last entry stands for every code point >= size
    table[[ord(c) for c in chars]] = True
    return table


_SACREBLEU_SPACE = _table(SACREBLEU_SPACES, SPACE_LIMIT)
_NLTK_SPACE = _table(NLTK_SPACES, SPACE_LIMIT)
_PUNCT = _table(frozenset(PUNCTUATION), 128)
# below this many lines per process, the fork and the transfer of rows cost more than they save
_LINES_PER_PROCESS = 100_000
# units (characters or words) per block of whole segments: small enough for each pass to stay in cache
_BLOCK_UNITS = 1 << 16


def _lookup(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    return table[np.minimum(codes, len(table) - 1)]


def corpus_stats(
    hyps: Sequence[str], refs: Sequence[Sequence[str]], *, options: ChrfOptions, processes: int | None = None
) -> np.ndarray:
    """Per-segment chrF statistics in the layout of ``options`` (:mod:`evalkit.text._chrf_common`).

    ``hyps[i]`` is a string and ``refs[i]`` the non-empty list of its references, as
    :func:`evalkit.core.validate.text_pairs` returns them (token lists already joined). ``processes``:
    how many forked processes share the work; None chooses (one per core from 100,000 lines each, where
    forking is safe), 1 keeps it in this process.

    Example:
        >>> corpus_stats(["ab a"], [["ab", "b"]], options=ChrfOptions.parse("chrf", {"char_order": 2})).tolist()
        [[3, 2, 2, 2, 1, 1]]

        (Against "ab": unigrams a, b, a meet a, b: 2 matches; bigrams "ab", "ba" meet "ab": 1. Against
        "b" the score is lower, and that reference has no bigram.)
    """
    if len(hyps) == 0:
        return np.zeros((0, options.width), dtype=np.float64 if options.convention == "nltk" else np.int64)
    if processes is None:
        processes = auto_processes(len(hyps) + sum(map(len, refs)), _LINES_PER_PROCESS)
    return sharded_rows(partial(_stats, options=options), (hyps, refs), processes)


def _stats(hyps: Sequence[str], refs: Sequence[Sequence[str]], *, options: ChrfOptions) -> np.ndarray:
    n_segments = len(hyps)
    lines, line_segment, line_role = segment_lines(hyps, refs)
    if options.lowercase:
        lines = list(map(str.lower, lines))
    joined = "".join(lines)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    ref_lines = np.flatnonzero(line_role > 0)
    ref_segment = line_segment[ref_lines]
    hyp_of_ref = np.flatnonzero(line_role == 0)[ref_segment]

    count = compiled_matches if use_compiled() else reference_matches
    columns: list[np.ndarray] = []
    # what str.split splits on (sacrebleu); nltk's whitespace under its convention, which has no words
    space = _lookup(_NLTK_SPACE if options.convention == "nltk" else _SACREBLEU_SPACE, codes)
    if options.char_order:
        chars, char_len = codes, lengths
        if not options.whitespace:
            line_of = np.repeat(np.arange(len(lines)), lengths)
            kept = ~space
            chars = np.compress(kept, codes)
            char_len = np.bincount(np.compress(kept, line_of), minlength=len(lines))
        matches = count(chars, char_len, line_segment, line_role, n_segments, options.char_order)
        columns += _order_columns(char_len, matches, ref_lines, hyp_of_ref, options.char_order)
    if options.word_order:
        words, word_len = _word_ids(codes, space, lengths)
        matches = count(words, word_len, line_segment, line_role, n_segments, options.word_order)
        columns += _order_columns(word_len, matches, ref_lines, hyp_of_ref, options.word_order)
    stats = np.stack(columns, axis=1)  # one row per reference line

    if options.convention == "nltk":
        order_f = nltk_row_f(stats, options.beta)
        best = _first_best(nltk_sentences(order_f), ref_segment)
        return np.column_stack([order_f[best], np.ones(n_segments)])
    best = _first_best(sacrebleu_scores(stats, options.beta, options.eps_smoothing)[1], ref_segment)
    return stats[best]


def _order_columns(
    lengths: np.ndarray, matches: np.ndarray, ref_lines: np.ndarray, hyp_of_ref: np.ndarray, max_order: int
) -> list[np.ndarray]:
    """``hyp_n, ref_n, match_n`` per order for every reference line: the n-gram counts are
    ``max(0, length - n + 1)``, the hypothesis' taken as 0 where the reference has no n-gram (sacrebleu)."""
    ref_len, hyp_len = lengths[ref_lines], lengths[hyp_of_ref]
    out = []
    for n in range(1, max_order + 1):
        ref_n = np.maximum(ref_len - n + 1, 0)
        out += [np.where(ref_n > 0, np.maximum(hyp_len - n + 1, 0), 0), ref_n, matches[ref_lines, n - 1]]
    return out


def _first_best(key: np.ndarray, ref_segment: np.ndarray) -> np.ndarray:
    """Per segment, the index of its first reference line with the largest ``key`` (sacrebleu keeps a
    reference only if it scores strictly better than the ones before). References are laid out segment
    by segment and every segment has one."""
    starts = np.flatnonzero(np.r_[True, ref_segment[1:] != ref_segment[:-1]])
    best = np.maximum.reduceat(key, starts)
    index = np.where(key == best[ref_segment], np.arange(key.size), key.size)
    return np.minimum.reduceat(index, starts)


def _word_ids(codes: np.ndarray, space: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The word ids of every line after sacrebleu's punctuation split, flat, and each line's count.

    ``codes`` are the code points of the lines joined without separators, ``space`` whether each is
    whitespace to ``str.split``, ``lengths`` the lines' lengths. Each word (a maximal run of characters ``str.split`` does not split on, within a
    line) and each piece of a split word is a span of ``codes``; :func:`_span_ids` numbers the spans.
    """
    n_lines = lengths.size
    solid = ~space
    line_start = np.zeros(codes.size + 1, dtype=bool)
    line_start[np.cumsum(lengths) - lengths] = True
    line_start[codes.size] = True
    before = np.r_[False, solid[:-1]] & ~line_start[:-1]  # the previous character is of the same word
    after = np.r_[solid[1:], False] & ~line_start[1:]
    starts = np.flatnonzero(solid & ~before)
    ends = np.flatnonzero(solid & ~after) + 1
    word_line = np.take(np.repeat(np.arange(n_lines), lengths), starts)

    long = ends - starts >= 2
    last, first = np.take(codes, ends - 1), np.take(codes, starts)
    split_end = long & _lookup(_PUNCT, last)
    split_start = long & ~split_end & _lookup(_PUNCT, first)
    split = split_end | split_start
    width = 1 + split
    at = np.cumsum(width) - width  # where each word's first token goes
    tok_start = np.empty(int(width.sum()), dtype=np.int64)
    tok_end = np.empty_like(tok_start)
    tok_start[at], tok_end[at] = starts, ends
    where, cut = np.compress(split_end, at), np.compress(split_end, ends) - 1  # "word," -> "word" ","
    tok_end[where], tok_start[where + 1], tok_end[where + 1] = cut, cut, cut + 1
    where, cut = np.compress(split_start, at), np.compress(split_start, starts) + 1  # "(word" -> "(" "word"
    tok_end[where], tok_start[where + 1], tok_end[where + 1] = cut, cut, np.compress(split_start, ends)
    ids = _span_ids(codes, tok_start, tok_end)
    return ids, np.bincount(word_line, weights=width, minlength=n_lines).astype(np.int64)


def _span_ids(codes: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Ids of the non-empty spans ``codes[start:end]``: equal spans, equal ids (not consecutive).

    Characters become their ranks among the corpus' characters (from 1, ``bits`` bits each). A first
    round packs each span's first few ranks, left-aligned, into one int64 (no rank is 0, so a shorter
    span never equals a longer one) and numbers the distinct keys; a span that ends there takes that
    number. Each further round packs the number of the part read so far with the next characters of the
    spans still going on, and numbers those in a range of its own above the earlier ones. The keys
    leave room for their positions, so that one quicksort numbers them (``np.unique``'s argsort costs
    several times as much). English words take one to three rounds; no Python string is built.
    """
    if start.size == 0:
        return np.zeros(0, dtype=np.int64)
    top = int(codes.max()) + 1
    if top <= 4 * codes.size:  # a table of every code point up to the largest: one pass
        present = np.zeros(top, dtype=bool)
        present[codes] = True
        rank = np.take(np.cumsum(present), codes)
    else:
        rank = np.unique(codes, return_inverse=True)[1].reshape(-1) + 1
    bits = int(rank.max()).bit_length()
    rank = np.concatenate([rank, np.zeros(62, dtype=np.int64)])  # reads past the last character see 0
    ids = np.empty(start.size, dtype=np.int64)
    active = np.arange(start.size)
    key_of_part = np.zeros(start.size, dtype=np.int64)  # the number of the part read so far
    part_bits = read = offset = 0
    while active.size:
        step = max(1, (62 - max(active.size - 1, 1).bit_length() - part_bits) // bits)
        length = np.take(end, active) - np.take(start, active)
        at = np.take(start, active) + read
        key = np.empty(active.size, dtype=np.int64)
        for a in range(0, active.size, _BLOCK_UNITS):  # in blocks that stay in cache
            part = slice(a, a + _BLOCK_UNITS)
            k, p, n = key_of_part[part], at[part], length[part] - read
            for i in range(step):
                k = (k << bits) | np.take(rank, p + i) * (n > i)
            key[part] = k
        sorted_keys, order = _sorted(key, 1 << (part_bits + bits * step), refine=False)
        new = np.empty(key.size, dtype=bool)
        new[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
        number = np.empty(key.size, dtype=np.int64)
        number[order] = np.cumsum(new) - 1
        distinct = int(number[order[-1]]) + 1
        ends = length <= read + step
        ids[np.compress(ends, active)] = offset + np.compress(ends, number)
        offset += distinct
        active, key_of_part = np.compress(~ends, active), np.compress(~ends, number)
        part_bits = max(distinct - 1, 1).bit_length()
        read += step
    return ids


def reference_matches(
    ids: np.ndarray,
    lengths: np.ndarray,
    line_segment: np.ndarray,
    line_role: np.ndarray,
    n_segments: int,
    max_order: int,
    *,
    block_units: int = _BLOCK_UNITS,
) -> np.ndarray:
    """``(n_lines, max_order)`` int64: for each reference line and order ``n``, the n-grams it shares
    with its segment's hypothesis, ``sum over n-grams g of min(count_hyp(g), count_ref(g))`` (0 in the
    rows of hypothesis lines).

    ``ids`` holds the unit ids (characters or words) of every line, flat; ``lengths`` each line's
    number of units; lines are laid out segment by segment, the hypothesis (``line_role`` 0) first,
    then its references (role 1, 2, ...).

    How: an n-gram occurrence is identified by its group, the dense rank of (segment, first n-1 units),
    and its last unit, packed into one int64 key; one stable sort per order brings equal n-grams of a
    segment together in position order, so the hypothesis' occurrences and each reference's form
    consecutive runs, counted by their lengths. Only occurrences of an n-gram found in the hypothesis
    and in some reference can extend to a shared (n+1)-gram; the others are dropped before the next
    order. Blocks of whole segments of about ``block_units`` units keep every pass in cache.

    Example:
        >>> ids = np.array([0, 1, 0, 1, 0, 1, 2, 0, 0])  # hypothesis "aba", references "babc" and "aa"
        >>> lengths, seg, role = np.array([3, 4, 2]), np.zeros(3, dtype=np.int64), np.array([0, 1, 2])
        >>> reference_matches(ids, lengths, seg, role, 1, 3).tolist()
        [[0, 0, 0], [2, 2, 0], [2, 0, 0]]

        ("babc": a min(2, 1), b min(1, 2); "ab" and "ba" once each. "aa": a min(2, 2).)
    """
    n_lines = lengths.size
    out = np.zeros((n_lines, max_order), dtype=np.int64)
    if ids.size == 0:
        return out
    vocab_size = int(ids.max()) + 1
    if vocab_size <= 4 * ids.size:  # ids ranked 0, 1, ... through a table (code points of a few scripts)
        present = np.zeros(vocab_size, dtype=bool)
        present[ids] = True
        ids = np.take(np.cumsum(present) - 1, ids)
        vocab_size = int(np.count_nonzero(present))
    line_first = np.cumsum(lengths) - lengths
    segment_first_line = np.flatnonzero(np.r_[True, line_segment[1:] != line_segment[:-1]])
    segment_first_unit = line_first[segment_first_line]
    # cut between segments, about every block_units units
    at = np.searchsorted(segment_first_unit, np.arange(0, ids.size, block_units), side="right") - 1
    cut = arrays.unique(np.r_[0, at])
    bounds = [*segment_first_line[cut].tolist(), n_lines]
    for a, b in pairwise(bounds):
        u0 = int(line_first[a])
        u1 = int(line_first[b - 1] + lengths[b - 1])
        if u1 > u0:
            out[a:b] = _block_matches(
                ids[u0:u1], lengths[a:b], line_segment[a:b] - line_segment[a], line_role[a:b], max_order, vocab_size
            )
    return out


def compiled_matches(
    ids: np.ndarray,
    lengths: np.ndarray,
    line_segment: np.ndarray,
    line_role: np.ndarray,
    n_segments: int,
    max_order: int,
) -> np.ndarray:
    """:func:`reference_matches` with the compiled kernel of BLEU's clipped matches: each reference line
    with a copy of its hypothesis is a segment of its own, whose one reference makes BLEU's clip (the
    largest count in any reference) chrF's ``min(count_hyp, count_ref)``. With one reference per segment
    the lines are laid out as they are (the copies are the hypotheses themselves).

    Example:
        >>> ids = np.array([0, 1, 0, 1, 0, 1, 2, 0, 0])  # hypothesis "aba", references "babc" and "aa"
        >>> lengths, seg, role = np.array([3, 4, 2]), np.zeros(3, dtype=np.int64), np.array([0, 1, 2])
        >>> compiled_matches(ids, lengths, seg, role, 1, 3).tolist()
        [[0, 0, 0], [2, 2, 0], [2, 0, 0]]
    """
    from evalkit.text import _compiled

    first = np.cumsum(lengths) - lengths
    ref_lines = np.flatnonzero(line_role > 0)
    hyp_lines = np.flatnonzero(line_role == 0)[line_segment[ref_lines]]
    sizes = np.stack([lengths[hyp_lines], lengths[ref_lines]], axis=1).ravel()
    offsets = np.cumsum(sizes) - sizes
    starts = np.stack([first[hyp_lines], first[ref_lines]], axis=1).ravel()
    units = np.take(ids, np.arange(int(sizes.sum())) - np.repeat(offsets - starts, sizes))
    pair = np.repeat(np.arange(ref_lines.size), lengths[ref_lines] + lengths[hyp_lines])
    role = np.repeat(np.tile(np.array([0, 1]), ref_lines.size), sizes)
    out = np.zeros((lengths.size, max_order), dtype=np.int64)
    out[ref_lines] = _compiled.clipped_matches(units, pair, role, ref_lines.size, max_order)
    return out


def _with_sentinels(ids: np.ndarray, lengths: np.ndarray, vocab_size: int) -> tuple[np.ndarray, ...]:
    """``(units, pos, line_of)``: the lines' units, each line followed by a unit of its own (ids from
    ``vocab_size`` on), the positions of the real units, and the line of every unit.

    An n-gram running past the end of its line holds its sentinel, so it occurs in that line only and is
    dropped with the other n-grams that no two lines share.
    """
    n_lines = lengths.size
    sentinel = np.cumsum(lengths + 1) - 1
    units = np.empty(ids.size + n_lines, dtype=np.int64)
    is_unit = np.ones(units.size, dtype=bool)
    is_unit[sentinel] = False
    pos = np.flatnonzero(is_unit)
    units[pos] = ids
    units[sentinel] = vocab_size + np.arange(n_lines)
    return units, pos, np.repeat(np.arange(n_lines), lengths + 1)


def _block_matches(
    ids: np.ndarray,
    lengths: np.ndarray,
    line_segment: np.ndarray,
    line_role: np.ndarray,
    max_order: int,
    vocab_size: int,
) -> np.ndarray:
    # numpy's fast primitives only: take, compress, repeat and comparisons; boolean-mask indexing,
    # cumsum, where and reduceat cost several times as much per element (measured)
    n_lines = lengths.size
    out = np.zeros((n_lines, max_order), dtype=np.int64)
    units, pos, line_of = _with_sentinels(ids, lengths, vocab_size)
    width = vocab_size + n_lines
    line_is_ref = line_role > 0
    group = np.take(line_segment, np.take(line_of, pos))
    groups = n_lines  # fewer than the number of groups: the first sort is no refinement
    for k in range(max_order):
        # occurrences are in (group, position) order: each (n-1)-gram's, and within it the hypothesis'
        # before each reference's; a sort by (group, next unit, position) refines that order
        keys = group * width
        keys += np.take(units, pos + k)
        keys, order = _sorted(keys, groups * width, refine=4 * groups >= pos.size)
        pos = np.take(pos, order)
        line = np.take(line_of, pos)
        new = np.empty(keys.size, dtype=bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        # runs of one n-gram in one line, the hypothesis' run (if any) first in each n-gram
        run = new.copy()
        run[1:] |= line[1:] != line[:-1]
        starts = np.flatnonzero(run)
        run_len = np.diff(starts, append=keys.size)
        run_line = np.take(line, starts)
        run_ref = np.take(line_is_ref, run_line)
        first = np.flatnonzero(np.take(new, starts))  # the runs that start an n-gram
        runs_of = np.diff(first, append=starts.size)
        hyp = np.take(run_len, first) * ~np.take(run_ref, first)
        shared = np.minimum(np.repeat(hyp, runs_of), run_len) * run_ref
        # bincount's float64 sums are exact for any count below 2**53
        out[:, k] = np.bincount(run_line, weights=shared, minlength=n_lines)
        if k + 1 == max_order:
            break
        # on to the (n+1)-grams that can be shared: those extending an n-gram of the hypothesis that has
        # a reference run too (the hypothesis' run being first, any further run is a reference's)
        live = (hyp > 0) & (runs_of > 1)
        size = np.diff(np.take(starts, first), append=keys.size)
        pos = np.compress(np.repeat(live, size), pos)
        if pos.size == 0:
            break
        group = np.repeat(np.flatnonzero(live), np.compress(live, size))
        groups = int(first.size)
    return out


def _sorted(keys: np.ndarray, bound: int, *, refine: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(keys[order], order)`` for a stable ascending ``order`` of the non-negative int64 ``keys``
    (below ``bound``; the array is reused), as :func:`evalkit.core.arrays.sort_with_order` gives it (the
    position packed into the low bits), with the sort chosen for the input: ``refine`` says that the
    keys are already in order but for small groups, where the merge sort (``kind="stable"``) takes a
    fraction of the time of the default quicksort (measured: 2-6 against 7-11 ns a key)."""
    size = keys.size
    bits = max(size - 1, 1).bit_length()
    if bound.bit_length() + bits > 63:
        order = np.argsort(keys, kind="stable")
        return np.take(keys, order), order
    keys <<= bits
    keys |= np.arange(size, dtype=np.int64)
    keys.sort(kind="stable" if refine else None)
    order = keys & ((1 << bits) - 1)
    keys >>= bits
    return keys, order
