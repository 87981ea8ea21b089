"""GLEU rows of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.gleu`.

Every (hypothesis, reference) pair becomes a segment of its own: the lines are laid out pair by pair
(the hypothesis, then the reference), tokenized and mapped to token ids in one pass
(:func:`evalkit.text.ngrams.line_token_ids`), and the clipped n-gram matches of every order counted at
once (:func:`evalkit.text.ngrams.clipped_ngram_matches`; the compiled kernels where built). ``tp`` sums
the orders ``min_len .. max_len``, the n-gram totals follow from the lengths, and each segment keeps the
pair of the highest ``tp / n_all`` (the first of equals, as nltk's ``max``), all with array operations.
Only what GLEU needs is computed (no closest reference length, no per-order totals), and with one
reference per segment the choice of a reference is skipped. Large corpora are counted in forked shards
of whole segments (:mod:`evalkit.core.shards`), as BLEU's.
"""

from __future__ import annotations

from functools import partial
from itertools import chain

import numpy as np

from evalkit.core.shards import auto_processes, sharded_rows
from evalkit.text.ngrams import clipped_ngram_matches, line_token_ids, token_ids, use_compiled
from evalkit.tokenizers.base import Tokenizer

# below this many lines per process, the fork and the transfer of rows cost more than they save (as BLEU)
_LINES_PER_PROCESS = 100_000


def _ngram_totals(lengths: np.ndarray, min_len: int, max_len: int) -> np.ndarray:
    """The number of n-grams of orders ``min_len .. max_len`` of sequences of the given lengths."""
    orders = np.arange(min_len, max_len + 1)
    return np.maximum(lengths[:, None] - orders[None, :] + 1, 0).sum(axis=1)


def _pair_rows(
    hyps: list, refs: list, *, tokenizer: Tokenizer, min_len: int, max_len: int, compiled: bool
) -> np.ndarray:
    """``[tp, n_all]`` of each pair ``(hyps[i], refs[i])`` (a string or a token list each), int64."""
    n = len(hyps)
    if n == 0:
        return np.zeros((0, 2), dtype=np.int64)
    lines: list = [None] * (2 * n)
    lines[0::2], lines[1::2] = hyps, refs
    if isinstance(hyps[0], str):
        if tokenizer.name != "none":  # trailing whitespace is nothing to str.split, maybe something to others
            lines = list(map(str.rstrip, lines))
        ids, lengths = line_token_ids(tokenizer, lines, compiled=compiled)
    else:
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        ids, _ = token_ids(list(chain.from_iterable(lines)))
    line_of_token = np.repeat(np.arange(2 * n, dtype=np.int64), lengths)
    matches = clipped_ngram_matches(
        ids,
        line_of_token >> 1,
        line_of_token & 1,
        None if compiled else np.cumsum(lengths)[line_of_token],
        n_segments=n,
        max_order=max_len,
        compiled=compiled,
    )
    tp = matches[:, min_len - 1 :].sum(axis=1)
    n_all = np.maximum(_ngram_totals(lengths[0::2], min_len, max_len), _ngram_totals(lengths[1::2], min_len, max_len))
    return np.stack([tp, n_all], axis=1)


def corpus_rows(hyps: list, refs: list[list], tokenizer: Tokenizer, min_len: int, max_len: int) -> np.ndarray:
    """``[matches, n_all]`` per segment, int64, equal to :func:`evalkit.text.gleu.segment_row` of each.

    Example:
        >>> from evalkit.tokenizers import get_tokenizer
        >>> corpus_rows(["the cat sat"], [["the cat", "a cat sat"]], get_tokenizer("none"), 1, 2).tolist()
        [[3, 5]]
    """
    n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
    single = bool((n_refs == 1).all())
    if single:  # one reference each: the segments are the pairs
        pair_hyps, pair_refs = hyps, [seg[0] for seg in refs]
    else:
        pair_hyps = list(chain.from_iterable([h] * k for h, k in zip(hyps, n_refs.tolist())))
        pair_refs = list(chain.from_iterable(refs))
    pretokenized = len(hyps) > 0 and not isinstance(hyps[0], str)
    # a forked child touching millions of token objects copies their pages: no gain for lists of tokens
    processes = 1 if pretokenized else auto_processes(2 * len(pair_hyps), _LINES_PER_PROCESS)
    compiled = use_compiled()  # decided (and the kernels loaded) once, here, before any fork
    rows_of = partial(_pair_rows, tokenizer=tokenizer, min_len=min_len, max_len=max_len, compiled=compiled)
    pairs = sharded_rows(rows_of, (pair_hyps, pair_refs), processes)
    tp, n_all = pairs[:, 0], pairs[:, 1]
    if single:  # nltk skips a reference with n_all = 0: the segment scores [0, 0]
        return np.where((n_all > 0)[:, None], pairs, 0)
    # nltk compares the floats tp / n_all and skips references with n_all = 0
    key = np.divide(tp, n_all, out=np.full(len(tp), -1.0), where=n_all > 0)
    segment = np.repeat(np.arange(len(hyps)), n_refs)
    order = np.lexsort((np.arange(len(key)), -key, segment))  # per segment: the highest, then the first
    first = order[np.r_[True, segment[order][1:] != segment[order][:-1]]]
    rows = np.zeros((len(hyps), 2), dtype=np.int64)
    keep = first[n_all[first] > 0]
    rows[segment[keep]] = pairs[keep]
    return rows
