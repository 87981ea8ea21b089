"""chrF statistics of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.chrf`.

Equal, integer for integer, to sacrebleu's per-segment statistics (``CHRF._extract_corpus_statistics``)
and to the python backend, without a Python loop per n-gram, per character or per segment:

1. The lines (each hypothesis, then its references) are joined and read as one array of Unicode code
   points (``encode("utf-32-le")``); whitespace is dropped with a lookup table (the characters of
   :data:`~evalkit.text._chrf_formula.SACREBLEU_SPACES` or ``NLTK_SPACES``). A code point is its own
   id: no vocabulary is built for characters.
2. For chrF++ the words come from one ``str.split`` of the corpus; which words lose a punctuation mark
   (sacrebleu's ``_remove_punctuation``) is read from the code points of their first and last
   characters, and only those words are sliced in Python. Words get ids from
   :func:`evalkit.text.ngrams.token_ids`.
3. :func:`reference_matches` counts, for every reference line and order, ``sum_g min(count_hyp(g),
   count_ref(g))`` by sorting packed (n-gram prefix rank, next id) keys
   (:func:`evalkit.text.ngrams.sort_with_order`), all references of a segment in one pass.
4. The hypothesis and reference n-gram counts follow from the line lengths; each segment keeps the
   reference with the best sentence score, compared as the python backend compares it (the same
   floats, :mod:`evalkit.text._chrf_formula`), the first on a tie.

Large corpora are split into contiguous shards of whole segments counted in forked processes
(:mod:`evalkit.core.shards`), as BLEU's numpy backend does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import compress, count, pairwise
from operator import itemgetter

import numpy as np

from evalkit.core.gc_pause import gc_paused
from evalkit.core.shards import auto_processes, sharded_rows
from evalkit.text._bleu_numpy import _layout
from evalkit.text._chrf_formula import (
    NLTK_SPACES,
    PUNCTUATION,
    SACREBLEU_SPACES,
    SPACE_LIMIT,
    ChrfOptions,
    nltk_row_f,
    nltk_sentences,
    sacrebleu_scores,
)
from evalkit.text.ngrams import sort_with_order, token_ids


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
    """Per-segment chrF statistics in the layout of ``options`` (:mod:`evalkit.text._chrf_formula`).

    ``hyps[i]`` is a string and ``refs[i]`` the non-empty list of its references, as
    :func:`evalkit.core.validate.text_pairs` returns them (token lists already joined). ``processes``:
    how many forked processes share the work; None chooses (one per core from 100,000 lines each, where
    forking is safe), 1 keeps it in this process.

    Example:
        >>> corpus_stats(["ab a"], [["ab", "b"]], options=ChrfOptions("chrf", char_order=2)).tolist()
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
    lines, line_segment, line_role = _layout(hyps, refs)
    if options.lowercase:
        lines = list(map(str.lower, lines))
    joined = "".join(lines)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    ref_lines = np.flatnonzero(line_role > 0)
    ref_segment = line_segment[ref_lines]
    hyp_of_ref = np.flatnonzero(line_role == 0)[ref_segment]

    columns: list[np.ndarray] = []
    if options.char_order:
        chars, char_len = codes, lengths
        if not options.whitespace:
            space = _lookup(_NLTK_SPACE if options.convention == "nltk" else _SACREBLEU_SPACE, codes)
            line_of = np.repeat(np.arange(len(lines)), lengths)
            chars = codes[~space]
            char_len = np.bincount(line_of[~space], minlength=len(lines))
        matches = reference_matches(chars, char_len, line_segment, line_role, n_segments, options.char_order)
        columns += _order_columns(char_len, matches, ref_lines, hyp_of_ref, options.char_order)
    if options.word_order:
        with gc_paused():  # a million word strings, none in a cycle
            words, word_len = _word_ids(lines, codes, lengths)
        matches = reference_matches(words, word_len, line_segment, line_role, n_segments, options.word_order)
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


def _word_ids(lines: list[str], codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The word ids of every line after sacrebleu's punctuation split, flat, and each line's count.

    ``codes`` are the code points of the lines joined without separators, ``lengths`` their lengths.
    """
    n_lines = len(lines)
    # word boundaries as str.split finds them, a line's start and end being boundaries too
    solid = ~_lookup(_SACREBLEU_SPACE, codes)
    line_start = np.zeros(codes.size + 1, dtype=bool)
    line_start[np.cumsum(lengths) - lengths] = True
    line_start[codes.size] = True
    before = np.r_[False, solid[:-1]] & ~line_start[:-1]  # the previous character is of the same word
    after = np.r_[solid[1:], False] & ~line_start[1:]
    starts = np.flatnonzero(solid & ~before)
    ends = np.flatnonzero(solid & ~after) + 1
    words = "\n".join(lines).split()  # the same words, in the same order
    word_line = np.repeat(np.arange(n_lines), lengths)[starts]

    ids, vocab = token_ids(words)
    length = ends - starts
    long = length >= 2
    last, first = codes[np.maximum(ends - 1, 0)], codes[starts]
    split_end = long & _lookup(_PUNCT, last)
    split_start = long & ~split_end & _lookup(_PUNCT, first)
    split = split_end | split_start
    width = 1 + split
    at = np.cumsum(width) - width  # where each word's first token goes
    out = np.empty(int(width.sum()), dtype=np.int64)
    out[at[~split]] = ids[~split]
    # ids for pieces that are no word of the corpus: above every word id. A split-off mark is one
    # character, its id read from a table; the rest of the word is sliced off in Python.
    fresh = count(len(words))
    mark_id = np.zeros(128, dtype=np.int64)
    mark_id[[ord(c) for c in PUNCTUATION]] = [vocab.setdefault(c, next(fresh)) for c in PUNCTUATION]

    def rest_ids(mask: np.ndarray, part: slice) -> np.ndarray:
        pieces = map(itemgetter(part), compress(words, mask.tolist()))
        return np.fromiter(map(vocab.setdefault, pieces, fresh), dtype=np.int64, count=int(mask.sum()))

    out[at[split_end]] = rest_ids(split_end, slice(None, -1))
    out[at[split_end] + 1] = mark_id[last[split_end]]
    out[at[split_start]] = mark_id[first[split_start]]
    out[at[split_start] + 1] = rest_ids(split_start, slice(1, None))
    return out, np.bincount(word_line, weights=width, minlength=n_lines).astype(np.int64)


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
    line_first = np.cumsum(lengths) - lengths
    segment_first_line = np.flatnonzero(np.r_[True, line_segment[1:] != line_segment[:-1]])
    segment_first_unit = line_first[segment_first_line]
    # cut between segments, about every block_units units
    at = np.searchsorted(segment_first_unit, np.arange(0, ids.size, block_units), side="right") - 1
    cut = np.unique(np.r_[0, at])
    bounds = [*segment_first_line[cut].tolist(), n_lines]
    for a, b in pairwise(bounds):
        u0 = int(line_first[a])
        u1 = int(line_first[b - 1] + lengths[b - 1])
        if u1 > u0:
            out[a:b] = _block_matches(
                ids[u0:u1], lengths[a:b], line_segment[a:b] - line_segment[a], line_role[a:b], max_order, vocab_size
            )
    return out


def _block_matches(
    ids: np.ndarray,
    lengths: np.ndarray,
    line_segment: np.ndarray,
    line_role: np.ndarray,
    max_order: int,
    vocab_size: int,
) -> np.ndarray:
    n_lines = lengths.size
    out = np.zeros((n_lines, max_order), dtype=np.int64)
    line_of = np.repeat(np.arange(n_lines), lengths)
    line_end = np.cumsum(lengths)[line_of]
    pos = np.arange(ids.size, dtype=np.int64)
    group = line_segment[line_of]
    for n in range(1, max_order + 1):
        keys, order = sort_with_order(group * vocab_size + ids[pos + (n - 1)])
        pos = pos[order]
        new = np.empty(keys.size, dtype=bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        gid = np.cumsum(new) - 1
        line = line_of[pos]
        # runs of one n-gram in one line; within an n-gram the hypothesis' run (if any) comes first,
        # its positions being the segment's smallest
        run = new.copy()
        run[1:] |= line[1:] != line[:-1]
        starts = np.flatnonzero(run)
        run_len = np.diff(starts, append=keys.size)
        run_line = line[starts]
        run_ref = line_role[run_line] > 0
        group_first = np.flatnonzero(new[starts])
        hyp_count = np.where(run_ref[group_first], 0, run_len[group_first])
        shared = np.minimum(hyp_count[gid[starts]], run_len)
        # bincount's float64 sums are exact for any count below 2**53
        out[:, n - 1] = np.bincount(run_line[run_ref], weights=shared[run_ref], minlength=n_lines).astype(np.int64)
        if n == max_order:
            break
        # on to the (n+1)-grams that can be shared: those extending an n-gram found in the hypothesis and
        # in some reference, and not running past the end of their line
        in_ref = np.logical_or.reduceat(run_ref, group_first)
        live = ((hyp_count > 0) & in_ref)[gid] & (pos + n < line_end[pos])
        pos, group = pos[live], gid[live]
        if pos.size == 0:
            break
    return out
