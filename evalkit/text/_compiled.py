"""Compiled kernels (C, :file:`_kernels.c`) for the two hot loops of the n-gram metrics.

- :func:`text_token_ids`: the token ids of a joined, tokenized corpus, read from its character codes
  (no Python string per token, no dict): what :func:`evalkit.text.ngrams.line_token_ids` returns;
- :func:`clipped_matches`: :func:`evalkit.text.ngrams.clipped_ngram_matches`, segment by segment in one
  pass per order: the candidate's n-grams go into an open-addressing table, then each reference's n-grams
  are looked up and counted, keeping per n-gram the largest count in any one reference. Only n-grams
  shared at order n are extended to order n + 1.

Both hash (tokens by FNV-1a over their characters, n-grams by their ids) and confirm every hash hit by
comparing the characters or ids themselves: a collision costs time, never exactness. The extension is
built when evalkit is installed, where a C compiler is found; importing this module fails without it,
and the numpy path counts instead. The tests compare both kernels with the numpy path on real text and
on generated Unicode corpora.
"""

from __future__ import annotations

import numpy as np

import evalkit.text._kernels as _kernels  # ImportError where it was not built

# str.split's whitespace (str.isspace) as a table over code points; none is above U+3000
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.uint8)


def text_token_ids(text: str, sep: str, n_lines: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and line lengths of ``text.split()``, where the token ``sep`` (one character) separates
    ``n_lines`` lines and is not counted: equal tokens get equal ids, numbered by first occurrence from 0.

    Example:
        >>> ids, lengths = text_token_ids("a b \\x00 b c", "\\x00", 2)
        >>> ids.tolist(), lengths.tolist()
        ([0, 1, 1, 2], [2, 2])
    """
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ids = np.empty(codes.size // 2 + 1, dtype=np.int64)  # a token and the space after it: 2 codes at least
    lengths = np.zeros(n_lines, dtype=np.int64)
    n_tokens = _kernels.token_ids(codes, codes.itemsize, _IS_SPACE, ord(sep), ids, lengths)
    return ids[:n_tokens].copy(), lengths


def clipped_matches(
    ids: np.ndarray, segment: np.ndarray, role: np.ndarray, n_segments: int, max_order: int
) -> np.ndarray:
    """``clipped_ngram_matches(ids, segment, role, ...)``; the lines are read from ``segment`` and ``role``.

    Example:
        >>> ids = np.array([0, 1, 0, 1, 0, 1, 2])  # candidate "a b a", reference "b a b c"
        >>> seg, role = np.zeros(7, dtype=np.int64), np.array([0, 0, 0, 1, 1, 1, 1])
        >>> clipped_matches(ids, seg, role, 1, 3).tolist()
        [[2, 2, 0]]
    """
    out = np.empty((n_segments, max_order), dtype=np.int64)
    as_int64 = [np.require(a, np.int64, "CA") for a in (ids, segment, role)]  # contiguous and aligned, as C reads
    _kernels.clipped_matches(*as_int64, n_segments, max_order, out)
    return out


def text_token_words(text: str, sep: str, n_lines: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`text_token_ids` and the distinct tokens themselves, in id order: one string per distinct
    token (made in C from its first occurrence), not one per token.

    Example:
        >>> ids, lengths, words = text_token_words("a b \\x00 b c", "\\x00", 2)
        >>> ids.tolist(), lengths.tolist(), words
        ([0, 1, 1, 2], [2, 2], ['a', 'b', 'c'])
    """
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ids = np.empty(codes.size // 2 + 1, dtype=np.int64)
    lengths = np.zeros(n_lines, dtype=np.int64)
    n_tokens, words = _kernels.token_words(codes, codes.itemsize, _IS_SPACE, ord(sep), ids, lengths)
    return ids[:n_tokens].copy(), lengths, words


# meteor_align's stages (bits)
METEOR_EXACT, METEOR_STEM, METEOR_SYNONYM, METEOR_COUNT, METEOR_STEM_KEYS = 1, 2, 4, 8, 16


def meteor_align(
    h_ids: np.ndarray,
    h_offsets: np.ndarray,
    r_ids: np.ndarray,
    r_offsets: np.ndarray,
    unit_seg: np.ndarray,
    tables: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    stages: int,
    h_match: np.ndarray,
    r_used: np.ndarray,
) -> np.ndarray:
    """nltk's METEOR stages on each unit ``u`` (hypothesis ``unit_seg[u]``, reference ``u``), and with
    :data:`METEOR_COUNT` each unit's ``(matches, chunks)`` (shape ``(n_units, 2)``; zeros otherwise).

    Words are ids below ``len(stem_of)`` for ``tables = (stem_of, syn_start, syn_len, syn_pool)``: a word's
    stem id, and the sorted synonym ids of a key ``k`` at ``syn_pool[syn_start[k]:][:syn_len[k]]``. The
    stages start from the state in ``h_match`` (each unit's hypothesis words in turn: the reference position
    taken, -1 for none) and ``r_used``, unless :data:`METEOR_EXACT` starts afresh; so a caller can look up
    the synonyms of only the words the first stages leave.

    Example:
        >>> stem_of, syn = np.array([0, 1, 2]), np.array([0, 2, 1, 0, 2])  # words 0, 1, 2; 0 and 2 synonyms
        >>> tables = (stem_of, np.array([0, 2, 3]), np.array([2, 1, 2]), syn)
        >>> h, r = np.array([0, 1]), np.array([1, 2])  # "a b" against "b c"
        >>> off = np.array([0, 2])
        >>> state = np.empty(2, dtype=np.int64), np.empty(2, dtype=np.uint8)
        >>> meteor_align(h, off, r, off, np.zeros(1, dtype=np.int64), tables, 15, *state).tolist()
        [[2, 2]]
    """
    out = np.zeros((len(unit_seg), 2), dtype=np.int64)
    arrays = [np.require(a, np.int64, "CA") for a in (h_ids, h_offsets, r_ids, r_offsets, unit_seg, *tables)]
    _kernels.meteor_align(*arrays, stages, h_match, r_used, out)
    return out
