"""TER statistics, fast: the ``backend="numpy"`` of :mod:`evalkit.text.ter`, equal to its rows.

The same greedy tercom search as sacrebleu's ``lib_ter`` (see :mod:`evalkit.text.ter`), made cheaper
without changing a number:

- **words as characters.** Every word of the corpus gets a code point, so a line is a ``str`` of one
  character per word: comparisons, slices and the shifted copies are C operations.
- **one alignment per round, for all pairs at once.** The banded Levenshtein matrix with its operations
  (which decides the candidate moves) is computed once per round; sacrebleu recomputes it, from its row
  cache, for every candidate. The searches of all pairs advance in lockstep, so each round aligns the
  pairs still searching together, vectorized with numpy over pairs of similar lengths, and lists their
  candidate moves with array operations too (:func:`_batch_rounds`); long lines and small batches take
  the same steps one pair at a time (:func:`_alignment`, :func:`_candidates`).
- **an exact C++ distance where it provably equals the banded one.** A candidate move only needs the
  banded edit distance of the shifted hypothesis. If the true Levenshtein distance ``d`` is at most
  ``beam - 2``, some optimal path stays inside the band: along a path of cost ``d`` the column is within
  ``d`` of ``i * n_ref / n_hyp`` (it needs ``|j - i|`` indels to get there and ``|(n_ref - j) - (n_hyp -
  i)|`` more to finish, and ``j - i * ratio`` lies between ``j - i`` and ``(j - i) - (n_ref - n_hyp)``),
  while the band spans ``floor(i * ratio) - beam <= j < floor(i * ratio) + beam`` (one column kept for
  rounding). Then the banded distance is ``d``. rapidfuzz's ``Levenshtein.distance`` (bit-parallel)
  gives ``d`` with a cut-off at the current distance (a move that does not lower the distance is never
  taken, and the banded distance is never below the true one); the rare candidates with
  ``beam - 2 < d < current`` get the banded distance itself, computed for all of them at once with
  numpy (:func:`_banded_distances`). Without rapidfuzz every candidate takes that numpy path.
- **nothing to gain, nothing to search.** No move can take the distance below ``|n_hyp - n_ref|``;
  at that distance the round would end without a move (or at the candidate limit, with the same
  number), so it ends at once. Equal pairs cost 0 edits; repeated pairs are looked up.
- **in C where the kernels are built.** :func:`_compiled_pair_edits` runs each pair's search in
  ``_kernels.ter_edits`` (sacrebleu's steps, ties and limits, the matrix rows reused across the prefix
  consecutive hypotheses share); the numpy search above is the path without a compiler, or with
  ``EVALKIT_KERNELS=0``, and the tests compare both with sacrebleu.
- **candidates counted before they are tried.** The round that reaches the 1000-candidate limit is
  dropped by sacrebleu whatever its moves give, so the candidates are listed (each distinct move once)
  and counted first, and tried only when the round counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from evalkit.text._ter_common import (
    BEAM_WIDTH,
    MAX_SHIFT_CANDIDATES,
    MAX_SHIFT_DIST,
    MAX_SHIFT_SIZE,
    TercomTokenizer,
    beam_width,
    perform_shift,
)
from evalkit.text.ngrams import use_compiled

try:  # an optional accelerator: the same numbers without it
    from rapidfuzz.distance.Levenshtein import distance as _levenshtein
except ImportError:  # pragma: no cover - exercised by forcing _levenshtein = None in the tests
    _levenshtein = None

_INF = 1 << 40  # the value of cells outside the band (sacrebleu: 10**16); any bound above real costs
# operations of the banded matrix (rows: hypothesis words, columns: reference words)
_NOP, _SUB, _DEL, _INS, _UNDEF = 0, 1, 2, 3, 4  # DEL consumes a hypothesis word, INS a reference word
# the code points a word may take: a line is a str; beyond this many distinct words a new table starts
_CODES = 0x110000


def _alignment(h: Sequence, r: Sequence, ratio: float, beam: int) -> tuple[int, list[int], list[int], list[int]]:
    """The banded distance of ``h`` to ``r`` and what sacrebleu's ``_shift`` reads off its trace:
    ``(distance, align, hyp_err, ref_err)``, the error marks as prefix sums (``hyp_err[k]``: errors among
    the first ``k`` hypothesis words)."""
    distance, lows, op_rows = _banded_operations(h, r, ratio, beam)
    align, hyp_err, ref_err = _trace(op_rows, lows, len(h), len(r))
    return distance, align, list(accumulate(hyp_err, initial=0)), list(accumulate(ref_err, initial=0))


def _banded_operations(h: Sequence, r: Sequence, ratio: float, beam: int) -> tuple[int, list[int], list[list[int]]]:
    """``(distance, lows, op_rows)``: the banded matrix's last cell, and row ``i``'s operations from column
    ``lows[i]`` on.

    The matrix and its tie-breaking are sacrebleu's ``BeamEditDistance._edit_distance`` (a match or
    substitution, then a deletion, then an insertion); cells outside the band are infinite.
    """
    n_h, n_r = len(h), len(r)
    inf = _INF
    prev = list(range(n_r + 1))  # row 0: reference words inserted
    prev_lo = 0
    lows = [0]
    op_rows: list[list[int]] = [[_INS] * (n_r + 1)]
    for i in range(1, n_h + 1):
        diagonal = int(i * ratio)  # floor: the ratio is positive
        lo = diagonal - beam if diagonal > beam else 0
        hi = n_r + 1 if i == n_h else min(n_r + 1, diagonal + beam)
        # the previous row, padded with infinity so that column j is ext[j - base] for lo - 1 <= j < hi
        base = prev_lo - 1
        ext = [inf, *prev]
        if hi - base > len(ext):
            ext.extend([inf] * (hi - base - len(ext)))
        word = h[i - 1]
        cur: list[int] = []
        ops: list[int] = []
        left = inf
        first = lo
        if lo == 0:
            left = ext[-base] + 1  # column 0: only a deletion reaches it
            cur.append(left)
            ops.append(_DEL)
            first = 1
        for j in range(first, hi):
            k = j - base
            ref_word = r[j - 1]
            a = ext[k - 1] if word == ref_word else ext[k - 1] + 1
            b = ext[k] + 1
            c = left + 1
            if a <= b:
                if a <= c:
                    v, op = a, (_NOP if word == ref_word else _SUB)
                else:
                    v, op = c, _INS
            elif b <= c:
                v, op = b, _DEL
            else:
                v, op = c, _INS
            if v >= inf:  # no path reaches the cell: sacrebleu leaves it infinite and undefined
                v, op = inf, _UNDEF
            cur.append(v)
            ops.append(op)
            left = v
        prev, prev_lo = cur, lo
        lows.append(lo)
        op_rows.append(ops)
    return prev[n_r - prev_lo], lows, op_rows


def _trace(op_rows: list[list[int]], lows: list[int], n_h: int, n_r: int) -> tuple[list[int], list[int], list[int]]:
    """``(align, hyp_err, ref_err)`` of the path traced back from the last cell: the hypothesis position
    each reference word is aligned to, and the words with an error on each side."""
    align = [0] * n_r
    hyp_err = [0] * n_h
    ref_err = [0] * n_r
    i, j = n_h, n_r
    while i > 0 or j > 0:
        op = op_rows[i][j - lows[i]]
        if op <= _SUB:
            i -= 1
            j -= 1
            align[j] = i
            if op == _SUB:
                hyp_err[i] = ref_err[j] = 1
        elif op == _INS:
            j -= 1
            align[j] = i - 1
            ref_err[j] = 1
        elif op == _DEL:
            i -= 1
            hyp_err[i] = 1
        else:
            raise RuntimeError(f"TER: the banded alignment of {n_h} and {n_r} words has no path.")
    return align, hyp_err, ref_err


def _banded_distances(candidates: list, r: Sequence, ratio: float, beam: int) -> list[int]:
    """sacrebleu's banded edit distance of each candidate (all as long as each other) to ``r``, vectorized
    over the candidates: one pass of numpy operations per matrix row.

    Within a row the insertions chain left to right; ``min_{k<=j}(m_k + j - k)`` is that chain in one
    cumulative minimum, where ``m`` is the best of the diagonal and vertical moves.
    """
    n_h, n_r = len(candidates[0]), len(r)
    inf = _INF
    hyp = np.array([[ord(c) for c in s] if isinstance(s, str) else list(s) for s in candidates], dtype=np.int64)
    ref = np.array([ord(c) for c in r] if isinstance(r, str) else list(r), dtype=np.int64)
    k = len(candidates)
    prev = np.broadcast_to(np.arange(n_r + 1, dtype=np.int64), (k, n_r + 1))
    prev_lo = 0
    for i in range(1, n_h + 1):
        diagonal = int(i * ratio)
        lo = diagonal - beam if diagonal > beam else 0
        hi = n_r + 1 if i == n_h else min(n_r + 1, diagonal + beam)
        # previous row on columns lo-1 .. hi-1 (infinite outside its band)
        ext = np.full((k, hi - lo + 1), inf, dtype=np.int64)
        a, b = max(lo - 1, prev_lo), min(hi, prev_lo + prev.shape[1])
        if a < b:
            ext[:, a - (lo - 1) : b - (lo - 1)] = prev[:, a - prev_lo : b - prev_lo]
        up = ext[:, 1:] + 1
        if lo == 0:
            diag = ext[:, :-1][:, 1:] + (hyp[:, i - 1, None] != ref[None, : hi - 1])
            best = np.concatenate([up[:, :1], np.minimum(diag, up[:, 1:])], axis=1)
        else:
            diag = ext[:, :-1] + (hyp[:, i - 1, None] != ref[None, lo - 1 : hi - 1])
            best = np.minimum(diag, up)
        np.minimum(best, inf, out=best)
        columns = np.arange(lo, hi, dtype=np.int64)
        prev = np.minimum.accumulate(best - columns, axis=1) + columns
        prev_lo = lo
    return prev[:, n_r - prev_lo].tolist()


def _candidates(
    h: Sequence, r: Sequence, where: dict, align: list[int], hyp_err: list[int], ref_err: list[int]
) -> tuple[list[tuple[int, int, int]], int]:
    """The distinct moves ``(start_h, length, target)`` of one round and how many sacrebleu counts.

    sacrebleu's ``_shift`` tries, for each shared block (:func:`evalkit.text.ter._shared_blocks`) wrong
    on both sides and not aligned into itself, the targets after each aligned position from the one
    before the block (consecutive repeats skipped); every try counts towards the limit, including the
    same move reached from another reference position.
    """
    n_h, n_r = len(h), len(r)
    moves: dict[tuple[int, int, int], None] = {}
    count = 0
    for start_h in range(n_h):
        positions = where.get(h[start_h])
        if positions is None:
            continue
        for start_r in positions:
            if start_r - start_h > MAX_SHIFT_DIST:
                break  # positions are increasing
            if start_h - start_r > MAX_SHIFT_DIST:
                continue
            # the longest shared block here
            longest = 1
            while (
                longest < MAX_SHIFT_SIZE
                and start_h + longest < n_h
                and start_r + longest < n_r
                and h[start_h + longest] == r[start_r + longest]
            ):
                longest += 1
            aligned = align[start_r]
            if aligned >= start_h:  # a block reaching the hypothesis word aligned to its start is skipped
                longest = min(longest, aligned - start_h)
            previous = 0 if start_r == 0 else align[start_r - 1] + 1
            targets = [previous]  # the targets of offset -1 .. length-1, consecutive repeats dropped
            for length in range(1, longest + 1):
                target = align[start_r + length - 1] + 1
                if target != targets[-1]:
                    targets.append(target)
                if hyp_err[start_h + length] == hyp_err[start_h] or ref_err[start_r + length] == ref_err[start_r]:
                    continue  # no error inside the block on one side
                count += len(targets)
                for target in targets:
                    moves[(start_h, length, target)] = None
    return list(moves), count


# -- many rounds at once ------------------------------------------------------------------------

# pairs this short take their rounds together in numpy (full rows: at most a few columns beyond the
# band); longer ones one by one in the band (:func:`_alignment`), which never builds a full matrix
_BATCH_MAX_WORDS = 120
# a numpy batch costs about 2 ms of fixed work per round, a pair of glosses alone 0.2 ms: fewer pairs
# than this go one by one
_BATCH_MIN_PAIRS = 12
# cells (pairs x hypothesis words x reference words) of one numpy batch
_BATCH_CELLS = 1 << 21
# infinity of the batches' int16 matrices: above any cost of two lines of _BATCH_MAX_WORDS words
_INF16 = 1 << 13
_FAR = 1 << 12  # "no error after this position"


def _padded(lines: list[Sequence], lengths: np.ndarray, width: int, pad: int) -> np.ndarray:
    """The coded lines as rows of an int64 matrix, padded with ``pad``."""
    out = np.full((len(lines), width), pad, dtype=np.int64)
    if all(isinstance(line, str) for line in lines):
        ids = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    else:
        ids = np.fromiter((x for line in lines for x in (map(ord, line) if isinstance(line, str) else line)), np.int64)
    starts = np.cumsum(lengths) - lengths
    row = np.repeat(np.arange(len(lines)), lengths)
    out[row, np.arange(len(ids)) - starts[row]] = ids
    return out


def _batch_rounds(pairs: list[tuple[Sequence, Sequence]]) -> list[tuple[int, int, list[tuple[int, int, int]]]]:
    """One round of many short pairs, vectorized over the pairs: ``(distance, count, moves)`` each, as
    :func:`_alignment` followed by :func:`_candidates`, in three steps: the banded matrices
    (:func:`_batch_matrices`), their backtrack (:func:`_batch_trace`) and the candidate moves
    (:func:`_batch_candidates`)."""
    n = len(pairs)
    n_h = np.fromiter((len(h) for h, _ in pairs), dtype=np.int64, count=n)
    n_r = np.fromiter((len(r) for _, r in pairs), dtype=np.int64, count=n)
    hyp = _padded([h for h, _ in pairs], n_h, int(n_h.max()), -1)
    ref = _padded([r for _, r in pairs], n_r, int(n_r.max()), -2)
    match = hyp[:, :, None] == ref[:, None, :]  # (pair, hypothesis word, reference word)
    ops, distance = _batch_matrices(match, n_h, n_r)
    align, hyp_err, ref_err = _batch_trace(ops, n_h, n_r)
    count, moves = _batch_candidates(match, align, hyp_err, ref_err)
    dist_l, count_l = distance.tolist(), count.tolist()
    return [(dist_l[k], count_l[k], moves[k]) for k in range(n)]


def _batch_matrices(match: np.ndarray, n_h: np.ndarray, n_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ops, distance)``: the operations of every pair's banded matrix, ``ops[i, pair, j]``, and its
    last cell.

    One pass of numpy operations per row, the cells outside each pair's band set to infinity. Within a
    row the insertions chain left to right; ``min_{k<=j}(m_k + j - k)``, a cumulative minimum, is that
    chain (``m``: the better of the diagonal and the vertical move, the diagonal winning ties; an
    insertion only where strictly better, as in sacrebleu's order).
    """
    n, h_max, r_max = match.shape
    inf = _INF16
    ratio = n_r / n_h
    half = ratio / 2
    beam = np.where(half > BEAM_WIDTH, np.ceil(half + BEAM_WIDTH), BEAM_WIDTH).astype(np.int64)  # beam_width
    cols = np.arange(r_max + 1, dtype=np.int16)
    prev = np.where(cols <= n_r[:, None], cols, inf).astype(np.int16)
    ops = np.empty((h_max + 1, n, r_max + 1), dtype=np.int8)
    ops[0] = _INS
    distance = np.zeros(n, dtype=np.int64)
    for i in range(1, h_max + 1):
        diagonal = np.floor(i * ratio).astype(np.int64)
        lo = np.maximum(0, diagonal - beam)
        hi = np.where(n_h == i, n_r + 1, np.minimum(n_r + 1, diagonal + beam))
        band = (cols >= lo[:, None]) & (cols < hi[:, None])
        same = match[:, i - 1, :]
        sub = prev[:, :-1] + ~same
        best = prev + np.int16(1)  # deletion
        sub_wins = sub <= best[:, 1:]
        op = np.full((n, r_max + 1), _DEL, dtype=np.int8)
        op[:, 1:] = np.where(sub_wins, np.where(same, _NOP, _SUB), _DEL)
        np.minimum(best[:, 1:], sub, out=best[:, 1:])
        best = np.where(band, np.minimum(best, inf), inf).astype(np.int16)
        cur = np.minimum.accumulate(best - cols, axis=1) + cols
        op[cur < best] = _INS
        cur[~band] = inf
        op[cur >= inf] = _UNDEF
        ops[i] = op
        last = n_h == i
        distance[last] = cur[last, n_r[last]]
        prev = cur
    return ops, distance


def _batch_trace(ops: np.ndarray, n_h: np.ndarray, n_r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(align, hyp_err, ref_err)`` of every pair (padded to the longest), the backtrack taking one step
    of every pair at a time (a finished pair stays at (0, 0))."""
    h_max, n, r_max = ops.shape[0] - 1, ops.shape[1], ops.shape[2] - 1
    rows = np.arange(n)
    i, j = n_h.copy(), n_r.copy()
    align = np.zeros((n, r_max + 1), dtype=np.int64)  # column r_max: where finished pairs write
    hyp_err = np.zeros((n, h_max + 1), dtype=bool)  # likewise column h_max
    ref_err = np.zeros((n, r_max + 1), dtype=bool)
    for _ in range(h_max + r_max):
        active = (i > 0) | (j > 0)
        if not active.any():
            break
        op = np.where(active, ops[i, rows, j], -1)
        if (op == _UNDEF).any():
            raise RuntimeError("TER: a banded alignment has no path.")
        diag = (op == _NOP) | (op == _SUB)
        to_ref = diag | (op == _INS)
        to_hyp = diag | (op == _DEL)
        col = np.where(to_ref, j - 1, r_max)
        align[rows, col] = i - 1  # the hypothesis word a diagonal step consumes, or the one before
        ref_err[rows, col] = (op == _SUB) | (op == _INS)
        hyp_err[rows, np.where(to_hyp, i - 1, h_max)] = (op == _SUB) | (op == _DEL)
        i = i - to_hyp
        j = j - to_ref
    return align[:, :r_max], hyp_err, ref_err


def _next_error(err: np.ndarray) -> np.ndarray:
    """Per row, the position of the first error at or after each position (``_FAR``: none)."""
    at = np.where(err, np.arange(err.shape[1]), _FAR)
    return np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1]


def _batch_candidates(
    match: np.ndarray, align: np.ndarray, hyp_err: np.ndarray, ref_err: np.ndarray
) -> tuple[np.ndarray, list[list[tuple[int, int, int]]]]:
    """``(count, moves)`` of every pair: the candidates as sacrebleu counts them, and the distinct moves.

    They are counted for all ``(start_h, start_r)`` at once: for a shared block there, the lengths that
    count run from the first that holds an error on both sides to the last that neither outgrows the
    shared run nor reaches the hypothesis word aligned to ``start_r``, and a length ``l`` counts the
    distinct targets among ``l + 1`` aligned positions.
    """
    n, h_max, r_max = match.shape
    # every (start_h, start_r) where the words match, as flat arrays
    p, sh, sr = np.nonzero(match)
    near = np.abs(sr - sh) <= MAX_SHIFT_DIST
    p, sh, sr = p[near], sh[near], sr[near]
    # the shared run from there, at most MAX_SHIFT_SIZE words (padding never matches)
    longest = np.ones(len(p), dtype=np.int64)
    running = np.ones(len(p), dtype=bool)
    for k in range(1, MAX_SHIFT_SIZE):
        running &= (sh + k < h_max) & (sr + k < r_max)
        running[running] = match[p[running], sh[running] + k, sr[running] + k]
        if not running.any():
            break
        longest += running
    # the shortest length with an error on both sides; the longest not reaching align[start_r]
    first = np.maximum(_next_error(hyp_err)[p, sh] - sh, _next_error(ref_err)[p, sr] - sr) + 1
    aligned = align[p, sr] - sh
    last = np.minimum(longest, np.where(aligned >= 0, aligned, MAX_SHIFT_SIZE))
    valid = first <= last
    p, sh, sr, lo_l, hi_l = p[valid], sh[valid], sr[valid], first[valid], last[valid]
    # targets: t[0] = 0 (before the start) and t[q + 1] = align[q] + 1; the run count of t[s .. s + l]
    # is 1 + changes[s + l] - changes[s], where changes are the cumulative count of t[k] != t[k - 1]
    targets = np.zeros((n, r_max + 1), dtype=np.int64)
    targets[:, 1:] = align + 1
    changes = np.zeros((n, r_max + 1), dtype=np.int64)
    np.cumsum(targets[:, 1:] != targets[:, :-1], axis=1, out=changes[:, 1:])
    sums = np.zeros((n, r_max + 2), dtype=np.int64)
    np.cumsum(changes, axis=1, out=sums[:, 1:])  # sums[k] = changes[0] + ... + changes[k - 1]
    # sum over l in [lo_l, hi_l] of (1 - changes[sr]) + changes[sr + l]  (sr + hi_l <= n_r)
    counted = (hi_l - lo_l + 1) * (1 - changes[p, sr]) + sums[p, sr + hi_l + 1] - sums[p, sr + lo_l]
    count = np.bincount(p, weights=counted, minlength=n).astype(np.int64)
    moves: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    if len(p):
        targets_l = targets.tolist()
        seen: dict[tuple[int, int, int, int], None] = {}
        for q, a, b, l0, l1 in zip(p.tolist(), sh.tolist(), sr.tolist(), lo_l.tolist(), hi_l.tolist()):
            t = targets_l[q]
            for length in range(l0, l1 + 1):
                for target in set(t[b : b + length + 1]):
                    seen[(q, a, length, target)] = None
        for q, a, length, target in seen:
            moves[q].append((a, length, target))
    return count, moves


def _scalar_round(s: _Search) -> tuple[int, int, list]:
    """One round of one pair: ``(distance, count, moves)`` of :func:`_alignment` and :func:`_candidates`."""
    distance, align, hyp_err, ref_err = _alignment(s.h, s.r, s.ratio, s.beam)
    moves, count = _candidates(s.h, s.r, s.where, align, hyp_err, ref_err)
    return distance, count, moves


def _rounds(searches: list[_Search]) -> list[tuple[int, int, list]]:
    """One round of every search: short pairs in numpy batches of similar sizes, long ones alone."""
    out: list = [None] * len(searches)
    short = [k for k, s in enumerate(searches) if max(len(s.h), len(s.r)) <= _BATCH_MAX_WORDS]
    short = short if len(short) >= _BATCH_MIN_PAIRS else []
    for k in set(range(len(searches))).difference(short):
        out[k] = _scalar_round(searches[k])
    # batches of similar lengths: a batch runs to its longest hypothesis and reference, so it is cut
    # where padding would add more than a third to the cells (small batches are merged anyway, as each
    # costs a fixed number of numpy calls per row)
    short.sort(key=lambda k: (len(searches[k].h), len(searches[k].r)))
    start = 0
    while start < len(short):
        h_max = r_max = real = 0
        stop = start
        while stop < len(short):
            s = searches[short[stop]]
            h_max2, r_max2 = max(h_max, len(s.h)), max(r_max, len(s.r))
            padded = (stop + 1 - start) * (h_max2 + 1) * (r_max2 + 1)
            real2 = real + (len(s.h) + 1) * (len(s.r) + 1)
            if stop > start and (padded > _BATCH_CELLS or padded > 1.34 * real2 + 50_000):
                break
            h_max, r_max, real = h_max2, r_max2, real2
            stop += 1
        batch = short[start:stop]
        for k, result in zip(batch, _batch_rounds([(searches[k].h, searches[k].r) for k in batch])):
            out[k] = result
        start = stop
    return out


# -- the search ----------------------------------------------------------------------------------


class _Search:
    """One hypothesis-reference pair's greedy shift search (sacrebleu's ``translation_edit_rate``),
    advanced one round at a time by :meth:`step` so that the alignments of all pairs are batched."""

    __slots__ = ("_where", "beam", "checked", "exact_up_to", "floor", "h", "r", "ratio", "shifts")

    def __init__(self, h: Sequence, r: Sequence) -> None:
        self.h, self.r = h, r
        self.ratio, self.beam = beam_width(len(h), len(r))
        self.exact_up_to = self.beam - 2  # a true distance this small is the banded one (module docstring)
        self.floor = abs(len(h) - len(r))  # no shift takes the distance below it
        self.shifts = self.checked = 0
        self._where: dict | None = None

    @property
    def where(self) -> dict:
        """The positions of each reference word (for :func:`_candidates`)."""
        if self._where is None:
            self._where = {}
            for j, word in enumerate(self.r):
                self._where.setdefault(word, []).append(j)
        return self._where

    def step(self, distance: int, count: int, moves: list[tuple[int, int, int]]) -> int | None:
        """One round from the current hypothesis's distance and candidate moves (and their count as
        sacrebleu counts them): the edits when the search ends, else None (the best move was made)."""
        done = self.shifts + distance
        if distance <= self.floor:
            return done
        h, r = self.h, self.r
        self.checked += count
        if self.checked >= MAX_SHIFT_CANDIDATES or not moves:
            return done  # a round that reaches the limit is dropped, as sacrebleu does
        best_key, best = None, None
        banded = []
        exact_up_to = self.exact_up_to
        for move in moves:
            shifted = perform_shift(h, *move)
            if _levenshtein is None:
                banded.append((move, shifted))
                continue
            d = _levenshtein(shifted, r, score_cutoff=distance - 1)
            if d >= distance:
                continue  # the true distance, hence the banded one, is not below the current one
            if d > exact_up_to:
                banded.append((move, shifted))
                continue
            key = (distance - d, move[1], -move[0], -move[2])
            if best_key is None or key > best_key:
                best_key, best = key, shifted
        if banded:
            exact = _banded_distances([s for _, s in banded], r, self.ratio, self.beam)
            for (move, shifted), d in zip(banded, exact):
                key = (distance - d, move[1], -move[0], -move[2])
                if best_key is None or key > best_key:
                    best_key, best = key, shifted
        if best_key is None or best_key[0] <= 0:
            return done
        self.shifts += 1
        self.h = best
        return None


def _trivial_edits(h: Sequence, r: Sequence) -> int | None:
    """The edits of a pair that needs no search: an empty side, or equal sides."""
    if not r:
        return len(h)
    if h == r:
        return 0
    if not h:
        return len(r)
    return None


def _many_pair_edits(pairs: list[tuple[Sequence, Sequence]]) -> list[int]:
    """Tercom edits of each hypothesis-reference pair (coded words): sacrebleu's
    ``translation_edit_rate(h, r)[0]``, the search of :func:`evalkit.text.ter._pair_edits`. The pairs'
    searches advance round by round together, so that each round's alignments are batched."""
    out: list[int | None] = [_trivial_edits(h, r) for h, r in pairs]
    searches = {k: _Search(*pairs[k]) for k, e in enumerate(out) if e is None}
    while searches:
        keys = list(searches)
        for k, result in zip(keys, _rounds([searches[k] for k in keys])):
            edits = searches[k].step(*result)
            if edits is not None:
                out[k] = edits
                del searches[k]
    return out  # type: ignore[return-value]


def _compiled_pair_edits(pairs: list[tuple[Sequence, Sequence]]) -> list[int]:
    """:func:`_many_pair_edits` in C (``_kernels.ter_edits``): the same search, pair by pair, with the
    rows of each pair's edit-distance matrix reused across the prefix its hypotheses share."""
    from evalkit.text import _kernels

    lines = [line for pair in pairs for line in pair]
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    if all(isinstance(line, str) for line in lines):
        ids = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    else:  # a segment too large for one code table is a tuple of ints
        ids = np.fromiter((c for line in lines for c in (map(ord, line) if isinstance(line, str) else line)), np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out = np.empty(len(pairs), dtype=np.int64)
    _kernels.ter_edits(ids, offsets, out)
    return out.tolist()


def _encoded(lines: list[list[str]], ends: list[int]) -> list:
    """Each line as a ``str`` of one code point per word.

    The code table restarts between segments when the corpus has more distinct words than code points
    (codes only need to agree within a segment); a segment with that many words by itself is coded as
    a tuple of ints. A pair's edits depend only on which of its words are equal, which its codes keep
    in every table, so pairs with equal codes have equal edits, whatever their tables.
    """
    out: list = [None] * len(lines)
    codes: defaultdict[str, str] = defaultdict(lambda: chr(len(codes)))
    start = 0
    for stop in ends:
        part = lines[start:stop]
        n_words = sum(map(len, part))
        if len(codes) + n_words > _CODES:
            codes.clear()
        if n_words > _CODES:
            ids: dict[str, int] = {}
            out[start:stop] = [tuple(ids.setdefault(w, len(ids)) for w in words) for words in part]
        else:
            out[start:stop] = ["".join(map(codes.__getitem__, words)) for words in part]
        start = stop
    return out


def corpus_stats(hyps: Sequence[str], refs: Sequence[Sequence[str]], tokenizer: TercomTokenizer) -> np.ndarray:
    """Rows ``[num_edits, ref_length]`` (float64) of every segment, equal to the python backend's."""
    n_refs = np.array([len(seg) for seg in refs], dtype=np.int64)
    ends = np.cumsum(n_refs + 1).tolist()
    hyp_words = iter(tokenizer.batch(hyps))
    ref_words = iter(tokenizer.batch([r for seg in refs for r in seg], references=True))
    words = [w for seg in refs for w in (next(hyp_words), *(next(ref_words) for _ in seg))]
    coded = _encoded(words, ends)
    # each distinct pair of coded lines is searched once
    index: dict = {}
    pair_of_line = np.zeros(len(words), dtype=np.int64)
    start = 0
    for stop in ends:
        h = coded[start]
        for k in range(start + 1, stop):
            pair_of_line[k] = index.setdefault((h, coded[k]), len(index))
        start = stop
    search = _compiled_pair_edits if use_compiled() else _many_pair_edits
    edits = np.array(search(list(index)), dtype=np.int64)
    ref_lines = np.ones(len(words), dtype=bool)
    ref_lines[np.array([0, *ends[:-1]], dtype=np.int64)] = False
    line_edits = edits[pair_of_line[ref_lines]]
    line_lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))[ref_lines]
    # segments' reference lines are consecutive: the fewest edits and the summed length of each
    first = np.cumsum(n_refs) - n_refs
    rows = np.zeros((len(hyps), 2), dtype=np.float64)
    rows[:, 0] = np.minimum.reduceat(line_edits, first)
    rows[:, 1] = np.add.reduceat(line_lengths, first) / n_refs  # the average, as sacrebleu (a float)
    return rows
