"""EED of many pairs at once: the ``backend="numpy"`` of :mod:`evalkit.text.eed`.

The pairs are sorted by length and taken in blocks; within a block every pair advances through its own
grid in lockstep, one reference character and one hypothesis position at a time, with exactly the float
operations of the per-pair loop (each ``min`` of the same three sums, the same first cheapest position),
so the scores are equal bit for bit. Positions past a pair's own hypothesis are kept out of its cheapest
position, and a pair past the end of its reference stops changing.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

_BLOCK = 128


def _codes(lines: list[str], width: int, pad: int) -> np.ndarray:
    out = np.full((len(lines), width), pad, dtype=np.int64)
    for k, line in enumerate(lines):
        out[k, : len(line)] = np.frombuffer(line.encode("utf-32-le"), dtype=np.uint32)
    return out


def _block_scores(
    hyps: list[str], refs: list[str], alpha: float, rho: float, deletion: float, insertion: float
) -> np.ndarray:
    hyp_len = np.fromiter(map(len, hyps), dtype=np.int64, count=len(hyps))
    ref_len = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    n_pairs, width, steps = len(hyps), int(hyp_len.max()), int(ref_len.max())
    # positions first, pairs second: the sequential pass along the hypothesis reads contiguous rows
    hyp, ref = _codes(hyps, width, -1).T.copy(), _codes(refs, steps, -2).T.copy()
    row = np.ones((width + 1, n_pairs))
    row[0] = 0.0
    visits = np.full((width + 1, n_pairs), -1, dtype=np.int64)
    outside = np.arange(width + 1)[:, None] > hyp_len[None, :]
    pairs = np.arange(n_pairs)
    nxt = np.empty_like(row)
    for w in range(steps):
        active = w < ref_len
        char = ref[w]
        nxt[0] = row[0] + 1.0
        # the two terms that read the previous row, for every position at once
        diagonal_or_up = np.minimum(row[:-1] + (hyp != char[None, :]), row[1:] + insertion)
        for i in range(1, width + 1):
            np.minimum(nxt[i - 1] + deletion, diagonal_or_up[i - 1], out=nxt[i])
        masked = np.where(outside, np.inf, nxt)
        cheapest_at = masked.argmin(axis=0)  # the first cheapest, as list.index(min(...))
        cheapest = masked[cheapest_at, pairs]
        visits[cheapest_at[active], pairs[active]] += 1  # one position per pair: no repeated index
        jumps = active & (char == ord(" "))
        if jumps.any():
            nxt[:, jumps] = np.minimum(nxt[:, jumps], (alpha + cheapest[jumps])[None, :])
        row = np.where(active[None, :], nxt, row)
    coverage = rho * np.where(outside, 0, np.where(visits >= 0, visits, 1)).sum(axis=0)
    cost = row[hyp_len, pairs]
    return np.minimum(1, (cost + coverage) / (ref_len.astype(np.float64) + coverage))


def pair_scores(
    hyps: list[str], refs: list[str], alpha: float, rho: float, deletion: float, insertion: float
) -> np.ndarray:
    """EED of each preprocessed pair ``(hyps[k], refs[k])``, equal to :func:`evalkit.text.eed.eed_pair`.

    Example:
        >>> pair_scores([" a cat ", " x "], [" the cat ", " y "], 2.0, 0.3, 0.2, 1.0).round(4).tolist()
        [0.4595, 0.4872]
    """
    out = np.empty(len(hyps))
    order = sorted(range(len(hyps)), key=lambda k: (len(refs[k]), len(hyps[k])))
    for start in range(0, len(order), _BLOCK):
        block = order[start : start + _BLOCK]
        costs = (alpha, rho, deletion, insertion)
        out[block] = _block_scores([hyps[k] for k in block], [refs[k] for k in block], *costs)
    return out


def segment_rows(
    hyps: list[str], refs: list[list[str]], alpha: float, rho: float, deletion: float, insertion: float
) -> np.ndarray:
    """Rows ``[lowest EED over the segment's references, 1]`` of preprocessed segments."""
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    pair_hyps = list(chain.from_iterable([h] * k for h, k in zip(hyps, n_refs.tolist())))
    scores = pair_scores(pair_hyps, list(chain.from_iterable(refs)), alpha, rho, deletion, insertion)
    rows = np.ones((len(hyps), 2))
    rows[:, 0] = np.minimum.reduceat(scores, np.cumsum(n_refs) - n_refs)
    return rows
