"""Compiled kernels (numba) for the two hot loops of the text metrics, used when numba is installed.

- :func:`text_token_ids`: the token ids of a joined, tokenized corpus, read from its character codes
  (no Python string per token, no dict): what :func:`evalkit.text.ngrams.line_token_ids` returns;
- :func:`clipped_matches`: :func:`evalkit.text.ngrams.clipped_ngram_matches`, segment by segment in one
  pass per order: the candidate's n-grams go into an open-addressing table, then each reference's n-grams
  are looked up and counted, keeping per n-gram the largest count in any one reference. Only n-grams
  shared at order n are extended to order n + 1.

Both hash (tokens by FNV-1a over their characters, n-grams by their ids) and confirm every hash hit by
comparing the characters or ids themselves: a collision costs time, never exactness. The tests compare
both kernels with the numpy path on real text and on generated Unicode corpora.
"""

from __future__ import annotations

import numba
import numpy as np

_SPREAD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a hash times this, top bits = the slot
_NGRAM_BASE = np.uint64(1_000_003)  # n-gram hash: h(n) = h(n - 1) * base + id + 1
_FNV_OFFSET, _FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)

# str.split's whitespace (str.isspace) as a table over code points; none is above U+3000
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)])


@numba.njit(cache=True, nogil=True)
def _same(values: np.ndarray, p: int, q: int, n: int) -> bool:
    for j in range(n):  # noqa: SIM110 (numba compiles the plain loop; all() over a generator is slower)
        if values[p + j] != values[q + j]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _slot(h: np.uint64, bits: int) -> int:
    return np.int64((h * _SPREAD) >> np.uint64(64 - bits))


def warm_up() -> None:
    """Load both kernels for the common argument types (ASCII text, int64 arrays) and run numba's first
    dispatch, about 0.3 s: done once, before a fork, it is not repeated in every child."""
    text_token_ids("a \x00 a", "\x00", 2)
    clipped_matches(np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), 1, 1)


# -- token ids -------------------------------------------------------------------------------------


def text_token_ids(text: str, sep: str, n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and line lengths of ``text.split()``, where the token ``sep`` (one character) separates
    ``n_lines`` lines and is not counted: equal tokens get equal ids, numbered by first occurrence from 0."""
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _token_ids(codes, _IS_SPACE, ord(sep), n_lines)


@numba.njit(cache=True, nogil=True)
def _fnv(codes: np.ndarray, start: int, length: int) -> np.uint64:
    h = _FNV_OFFSET
    for j in range(start, start + length):
        h = (h ^ np.uint64(codes[j])) * _FNV_PRIME
    return h


@numba.njit(cache=True, nogil=True)
def _token_ids(codes: np.ndarray, is_space: np.ndarray, sep: int, n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.empty(codes.size // 4 + 16, dtype=np.int64)  # most text has tokens of 3 characters or more
    lengths = np.zeros(n_lines, dtype=np.int64)
    bits = 16
    slot_id = np.full(1 << bits, -1, dtype=np.int64)
    slot_hash = np.zeros(1 << bits, dtype=np.uint64)
    first = np.empty(1 << (bits - 1), dtype=np.int64)  # each vocabulary entry's first occurrence
    counts = np.zeros(3, dtype=np.int64)  # vocabulary size, tokens, lines ended
    p = 0
    while True:
        # the scan stops where the table or the ids are full; they are grown here, out of its loop
        p = _scan(codes, is_space, sep, p, bits, slot_id, slot_hash, first, ids, lengths, counts)
        if p >= codes.size:
            return ids[: counts[1]].copy(), lengths
        if counts[1] == ids.size:
            ids = np.concatenate((ids, np.empty_like(ids)))
        if 2 * (counts[0] + 1) > (1 << bits):
            bits += 1
            first = np.concatenate((first, np.empty_like(first)))
            slot_id = np.full(1 << bits, -1, dtype=np.int64)
            slot_hash = np.zeros(1 << bits, dtype=np.uint64)
            for v in range(counts[0]):
                start = first[v]
                end = start
                while end < codes.size and not (codes[end] < is_space.size and is_space[codes[end]]):
                    end += 1
                h = _fnv(codes, start, end - start)
                i = _slot(h, bits)
                while slot_id[i] >= 0:
                    i = (i + 1) & ((1 << bits) - 1)
                slot_id[i], slot_hash[i] = v, h


@numba.njit(cache=True, nogil=True)
def _scan(
    codes: np.ndarray,
    is_space: np.ndarray,
    sep: int,
    p: int,
    bits: int,
    slot_id: np.ndarray,
    slot_hash: np.ndarray,
    first: np.ndarray,
    ids: np.ndarray,
    lengths: np.ndarray,
    counts: np.ndarray,
) -> int:
    """Read tokens from ``p`` on; returns where it stopped: the end, or a token that found the table half
    full or ``ids`` full."""
    n = codes.size
    n_vocab, n_tokens, line = counts[0], counts[1], counts[2]
    mask = (1 << bits) - 1
    while p < n:
        if codes[p] < is_space.size and is_space[codes[p]]:
            p += 1
            continue
        start = p
        h = _FNV_OFFSET
        while p < n and not (codes[p] < is_space.size and is_space[codes[p]]):
            h = (h ^ np.uint64(codes[p])) * _FNV_PRIME
            p += 1
        length = p - start
        if length == 1 and codes[start] == sep:
            line += 1
            if line == lengths.size:  # the caller's invariant (sep only between lines) broken: never write past
                raise ValueError("more line separators than lines")
            continue
        if n_tokens == ids.size or 2 * (n_vocab + 1) > (1 << bits):
            p = start
            break
        i = _slot(h, bits)
        while slot_id[i] >= 0:
            v = slot_id[i]
            # the first occurrence is followed by a space or the end: equal characters, equal length
            a = first[v]
            if (
                slot_hash[i] == h
                and _same(codes, a, start, length)
                and (a + length == n or (codes[a + length] < is_space.size and is_space[codes[a + length]]))
            ):
                break
            i = (i + 1) & mask
        if slot_id[i] < 0:
            slot_id[i], slot_hash[i] = n_vocab, h
            first[n_vocab] = start
            n_vocab += 1
        ids[n_tokens] = slot_id[i]
        n_tokens += 1
        lengths[line] += 1
    counts[0], counts[1], counts[2] = n_vocab, n_tokens, line
    return p


# -- clipped n-gram matches --------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _find(ids: np.ndarray, slot_pos: np.ndarray, slot_hash: np.ndarray, h: np.uint64, p: int, n: int, bits: int) -> int:
    """The slot of the n-gram at ``p``: where it is, or the empty slot where it would go."""
    i = _slot(h, bits)
    while slot_pos[i] >= 0 and not (slot_hash[i] == h and _same(ids, slot_pos[i], p, n)):
        i = (i + 1) & ((1 << bits) - 1)
    return i


@numba.njit(cache=True, nogil=True)
def clipped_matches(
    ids: np.ndarray, segment: np.ndarray, role: np.ndarray, n_segments: int, max_order: int
) -> np.ndarray:
    """``clipped_ngram_matches(ids, segment, role, ...)``; the lines are read from ``segment`` and ``role``."""
    size = ids.size
    out = np.zeros((n_segments, max_order), dtype=np.int64)
    h = np.zeros(size, dtype=np.uint64)  # h[p]: hash of the n-gram starting at p, order by order
    # alive[p]: the (n-1)-gram at p is shared by the candidate and a reference; only those can extend
    alive = np.ones(size, dtype=np.bool_)
    # the tables are sized once, for the longest candidate: arrays reassigned inside the loop would cost
    # reference counting on every access
    longest, run = 0, 0
    for p in range(size):
        run = run + 1 if role[p] == 0 and (run > 0 or p == 0 or segment[p] != segment[p - 1]) else 0
        longest = max(longest, run)
    capacity = 2
    while capacity < 2 * longest:
        capacity *= 2
    # per table slot: the n-gram's first position, hash, count in the candidate, largest count in one
    # reference, count in the current reference and which reference that is
    slot_pos = np.empty(capacity, dtype=np.int64)
    slot_hash = np.empty(capacity, dtype=np.uint64)
    cand, best_ref = np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64)
    in_line, line_of = np.empty(capacity, dtype=np.int64), np.empty(capacity, dtype=np.int64)
    slot_of = np.empty(capacity, dtype=np.int64)  # the slot of each candidate position
    a = 0
    while a < size:
        s = segment[a]
        cand_end = a
        while cand_end < size and segment[cand_end] == s and role[cand_end] == 0:
            cand_end += 1
        end = cand_end
        while end < size and segment[end] == s:
            end += 1
        for n in range(1, max_order + 1):
            m = cand_end - a - n + 1  # the candidate's n-grams
            if m <= 0:
                break
            bits = 1
            while (1 << bits) < 2 * m:
                bits += 1
            for i in range(1 << bits):
                slot_pos[i] = -1
            for p in range(a, a + m):
                if not alive[p]:
                    continue
                h[p] = h[p] * _NGRAM_BASE + np.uint64(ids[p + n - 1] + 1)
                i = _find(ids, slot_pos, slot_hash, h[p], p, n, bits)
                if slot_pos[i] < 0:
                    slot_pos[i], slot_hash[i] = p, h[p]
                    cand[i] = best_ref[i] = 0
                    line_of[i] = -1
                cand[i] += 1
                slot_of[p - a] = i
            line_start = cand_end
            while line_start < end:
                line_end = line_start
                while line_end < end and role[line_end] == role[line_start]:
                    line_end += 1
                for p in range(line_start, line_end):
                    if not alive[p]:
                        continue
                    if p + n > line_end:
                        alive[p] = False
                        continue
                    h[p] = h[p] * _NGRAM_BASE + np.uint64(ids[p + n - 1] + 1)
                    i = _find(ids, slot_pos, slot_hash, h[p], p, n, bits)
                    if slot_pos[i] < 0:
                        alive[p] = False
                        continue
                    if line_of[i] != line_start:
                        line_of[i] = line_start
                        in_line[i] = 0
                    in_line[i] += 1
                    best_ref[i] = max(best_ref[i], in_line[i])
                line_start = line_end
            total = 0
            for i in range(1 << bits):
                if slot_pos[i] >= 0:
                    total += min(cand[i], best_ref[i])
            out[s, n - 1] = total
            for p in range(a, cand_end):
                alive[p] = alive[p] and p < a + m and best_ref[slot_of[p - a]] > 0
        a = end
    return out
