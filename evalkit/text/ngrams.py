"""The one n-gram counter: every text metric that needs n-grams counts them here.

``ngram_counts`` is the readable form (a Counter per line); ``clipped_ngram_matches`` counts the n-grams
of a whole corpus at once with packed integer keys, for the vectorized backends. ``line_token_ids``
turns a corpus of lines into the integer ids those backends count.

Where evalkit was installed with a C compiler at hand, string inputs take compiled kernels
(:mod:`evalkit.text._compiled`) for the token ids and the clipped counts: the same numbers (the tests
compare the two paths), several times faster. ``EVALKIT_KERNELS=0`` in the environment turns them off.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections import Counter
from collections.abc import Sequence
from itertools import chain, count

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.tokenizers.base import Tokenizer

#: the highest n-gram order a metric accepts: rows keep columns per order, so a mistyped order would
#: allocate gigabytes before it failed
MAX_ORDER = 100


def ngram_counts(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """Multiset of the n-grams of ``tokens`` (order ``n`` only).

    Example:
        >>> sorted(ngram_counts(["a", "b", "a", "b"], 2).items())
        [(('a', 'b'), 2), (('b', 'a'), 1)]
    """
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


# -- vectorized counting over a whole corpus ------------------------------------------------------


def token_ids(tokens: Sequence[str]) -> tuple[np.ndarray, dict[str, int]]:
    """Integer ids of ``tokens``: each token's id is the position of its first occurrence (equal tokens,
    equal ids; ids below ``len(tokens)``), and the vocabulary mapping tokens to ids.

    One C-level pass (``map`` over ``dict.setdefault``) does it, far cheaper than sorting the strings.

    Example:
        >>> ids, vocab = token_ids(["b", "a", "b"])
        >>> ids.tolist(), vocab
        ([0, 1, 0], {'b': 0, 'a': 1})
    """
    vocab: dict[str, int] = {}
    ids = np.fromiter(map(vocab.setdefault, tokens, count()), dtype=np.int64, count=len(tokens))
    return ids, vocab


_COMPILED = "evalkit.text._compiled"


@functools.cache
def _kernels_built() -> bool:
    try:
        importlib.import_module(_COMPILED)
    except ImportError:  # installed without a C compiler: the numpy path
        return False
    return True


def use_compiled() -> bool:
    """Whether the n-gram counts take the compiled kernels: wherever they were built, unless
    ``EVALKIT_KERNELS=0`` is set in the environment. They load with the module (no compilation at run
    time), so they pay from the smallest input.

    Example:
        >>> import os
        >>> os.environ["EVALKIT_KERNELS"] = "0"
        >>> use_compiled()
        False
        >>> del os.environ["EVALKIT_KERNELS"]
    """
    return os.environ.get("EVALKIT_KERNELS", "1") != "0" and _kernels_built()


def line_token_ids(
    tokenizer: Tokenizer, lines: Sequence[str], *, compiled: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of every line, flat (equal tokens, equal ids; ids below the number of tokens), and each
    line's number of tokens: ``tokenizer`` run over the whole batch in one pass.

    ``compiled``: read the ids from the joined text's character codes with the compiled kernel, without
    building a Python string per token (see :func:`use_compiled`).

    Example:
        >>> from evalkit.tokenizers import get_tokenizer
        >>> ids, lengths = line_token_ids(get_tokenizer("13a"), ["a b.", "", "b"])
        >>> ids.tolist(), lengths.tolist()
        ([0, 1, 2, 1], [3, 0, 1])
    """
    joined = tokenizer._joined_text(lines) if compiled and len(lines) else None
    if joined is not None and len(joined[1]) == 1:  # the kernel reads a one-character separator
        from evalkit.text import _compiled

        return _compiled.text_token_ids(*joined, len(lines))
    tokens, sep = tokenizer.tokenize_joined(lines)
    ids, vocab = token_ids(tokens)
    if sep not in vocab:  # a single line
        return ids, np.array([ids.size], dtype=np.int64)
    is_sep = ids == vocab[sep]
    lengths = np.diff(np.concatenate(([-1], np.flatnonzero(is_sep), [ids.size]))) - 1
    return ids[~is_sep], lengths


def clipped_ngram_matches(
    ids: np.ndarray,
    segment: np.ndarray,
    role: np.ndarray,
    line_end: np.ndarray,
    *,
    n_segments: int,
    max_order: int,
    block_tokens: int = 1 << 15,
    compiled: bool = False,
) -> np.ndarray:
    """Clipped n-gram matches of every segment's candidate against its references, all orders at once.

    The corpus is one flat array of token ids, laid out segment by segment; within a segment the
    candidate line (``role`` 0) comes first, then its references (``role`` 1, 2, ...). ``segment``,
    ``role`` and ``line_end`` (the exclusive end position of the token's line) are given per token.
    Returns ``(n_segments, max_order)`` int64 with, for order ``n``,
    ``sum over distinct n-grams g of the candidate of min(count_cand(g), max_k count_ref_k(g))``,
    the clipped counts of BLEU's modified precision.

    How: an n-gram occurrence is identified by its group, the dense rank of (segment, first n-1
    tokens), and its last token id, packed into one int64 key; one sort per order brings equal
    n-grams of a segment together, in position order, so the candidate's occurrences and each
    reference's form consecutive runs, counted by their lengths. Only occurrences whose n-gram occurs
    in both the candidate and a reference can extend to a matching (n+1)-gram, so the others are
    dropped before the next order. Segments are independent, so the corpus is processed in blocks of
    whole segments of about ``block_tokens`` tokens, small enough for every pass to stay in cache.

    ``compiled``: count with the compiled kernel instead (see :func:`use_compiled`).

    Example:
        >>> ids = np.array([0, 1, 0, 1, 0, 1, 2])  # candidate "a b a", reference "b a b c"
        >>> # unigrams: a min(2, 1) + b min(1, 2); bigrams: "a b", "b a"; no trigram in common
        >>> seg, role = np.zeros(7, dtype=np.int64), np.array([0, 0, 0, 1, 1, 1, 1])
        >>> end = np.array([3, 3, 3, 7, 7, 7, 7])
        >>> clipped_ngram_matches(ids, seg, role, end, n_segments=1, max_order=3).tolist()
        [[2, 2, 0]]
    """
    if compiled:
        from evalkit.text import _compiled

        return _compiled.clipped_matches(ids, segment, role, n_segments, max_order)
    matches = np.zeros((n_segments, max_order), dtype=np.int64)
    if ids.size == 0:
        return matches
    vocab_size = int(ids.max()) + 1
    segment_start = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    at = np.searchsorted(segment_start, np.arange(0, ids.size, block_tokens))
    cuts = arrays.unique(segment_start[at[at < segment_start.size]])
    for a, b in zip(cuts.tolist(), [*cuts[1:].tolist(), ids.size]):
        first, last = int(segment[a]), int(segment[b - 1])
        matches[first : last + 1] = _block_matches(
            ids[a:b], segment[a:b] - first, role[a:b], line_end[a:b] - a, last - first + 1, max_order, vocab_size
        )
    return matches


def _block_matches(
    ids: np.ndarray,
    segment: np.ndarray,
    role: np.ndarray,
    line_end: np.ndarray,
    n_segments: int,
    max_order: int,
    vocab_size: int,
) -> np.ndarray:
    matches = np.zeros((n_segments, max_order), dtype=np.int64)
    pos = np.arange(ids.size, dtype=np.int64)
    group = segment.astype(np.int64)
    for n in range(1, max_order + 1):
        if n > 1:
            inside = pos + (n - 1) < line_end[pos]
            pos, group = pos[inside], group[inside]
        if pos.size == 0:
            break
        keys, order = arrays.sort_with_order(group * vocab_size + ids[pos + (n - 1)])
        pos = pos[order]
        new = np.empty(keys.size, dtype=bool)
        new[0] = True
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        gid = np.cumsum(new) - 1
        r = role[pos]
        # runs of one group and one line: the occurrences of an n-gram in the candidate or in one
        # reference; a group's runs are consecutive, the candidate's first
        run = new.copy()
        run[1:] |= r[1:] != r[:-1]
        starts = np.flatnonzero(run)
        run_len = np.diff(starts, append=keys.size)
        run_role = r[starts]
        group_first = np.flatnonzero(new[starts])
        cand_count = np.where(run_role[group_first] == 0, run_len[group_first], 0)
        max_ref = np.maximum.reduceat(np.where(run_role > 0, run_len, 0), group_first)
        clipped = np.minimum(cand_count, max_ref)
        # bincount's float64 sums are exact for any count below 2**53
        matches[:, n - 1] = np.bincount(segment[pos[new]], weights=clipped, minlength=n_segments).astype(np.int64)
        live = ((cand_count > 0) & (max_ref > 0))[gid]
        pos, group = pos[live], gid[live]
    return matches


def segment_lines(hyps: Sequence, refs: Sequence[Sequence]) -> tuple[list, np.ndarray, np.ndarray]:
    """Lines segment by segment (the hypothesis, then its references) with each line's segment and role
    (0 for the hypothesis, k for the k-th reference)."""
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    lines = list(chain.from_iterable(map(lambda h, r: (h, *r), hyps, refs)))
    per_segment = n_refs + 1
    line_segment = np.repeat(np.arange(len(hyps), dtype=np.int64), per_segment)
    first_line = np.cumsum(per_segment) - per_segment
    line_role = np.arange(len(lines), dtype=np.int64) - np.repeat(first_line, per_segment)
    return lines, line_segment, line_role
