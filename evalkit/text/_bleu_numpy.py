"""BLEU statistics of a whole corpus, vectorized: the ``backend="numpy"`` of :mod:`evalkit.text.bleu`.

Equal, integer for integer, to sacrebleu's per-segment statistics (``BLEU._extract_corpus_statistics``:
``_preprocess_segment``, ``_extract_reference_info``, ``_compute_segment_statistics``) and to the python
backend. The corpus is tokenized in one pass, its tokens mapped to integer ids in one pass, and the
n-grams of every segment counted and clipped by :func:`evalkit.text.ngrams.clipped_ngram_matches`: no
Python loop runs per n-gram or per token. Where evalkit's C kernels were built, they read the ids and
count the n-grams (:func:`evalkit.text.ngrams.use_compiled`): the same numbers, faster.

Segments are independent, so a large corpus is split into contiguous shards of whole segments, one per
core (:mod:`evalkit.core.shards`): each forked process tokenizes and counts its shard, and the rows are
concatenated in order (exact by construction; the tests compare it with the one-process result and with
sacrebleu).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from itertools import chain

import numpy as np

from evalkit.core.shards import auto_processes, sharded_rows
from evalkit.text.ngrams import clipped_ngram_matches, line_token_ids, segment_lines, token_ids, use_compiled
from evalkit.tokenizers.base import Tokenizer


def _tokens(
    lines: list, tokenizer: Tokenizer, lowercase: bool, pretokenized: bool, compiled: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of all lines, flat, and each line's length."""
    if pretokenized:
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        flat = list(chain.from_iterable(lines))
        ids, _ = token_ids(list(map(str.lower, flat)) if lowercase else flat)
        return ids, lengths
    # sacrebleu's _preprocess_segment: lowercase, strip trailing whitespace, tokenize
    if lowercase:
        lines = list(map(str.lower, lines))
    return line_token_ids(tokenizer, list(map(str.rstrip, lines)), compiled=compiled)


def _closest_ref_len(hyp_len: np.ndarray, ref_lens: np.ndarray, ref_segment: np.ndarray) -> np.ndarray:
    """The reference length closest to the hypothesis length, ties to the shorter (sacrebleu's rule);
    -1 for a segment without references, as sacrebleu."""
    out = np.full(hyp_len.size, -1, dtype=np.int64)
    if ref_lens.size == 0:
        return out
    scale = int(ref_lens.max()) + 1
    # (distance, length) ordered as one integer: the minimum is the closest, then the shorter
    key = np.abs(ref_lens - hyp_len[ref_segment]) * scale + ref_lens
    first = np.flatnonzero(np.r_[True, ref_segment[1:] != ref_segment[:-1]])
    out[ref_segment[first]] = np.minimum.reduceat(key, first) % scale
    return out


def corpus_stats(
    hyps: Sequence[str] | Sequence[Sequence[str]],
    refs: Sequence[Sequence[str]] | Sequence[Sequence[Sequence[str]]],
    *,
    tokenizer: Tokenizer,
    lowercase: bool,
    max_order: int,
    processes: int | None = None,
) -> np.ndarray:
    """Per-segment BLEU statistics ``[hyp_len, ref_len, correct_1..N, total_1..N]``, int64, shape
    ``(len(hyps), 2 + 2 * max_order)``.

    ``hyps[i]`` is a string and ``refs[i]`` the list of its references (their number may vary), as
    :func:`evalkit.core.validate.text_pairs` returns them; or, pre-tokenized, ``hyps[i]`` a token list and
    ``refs[i]`` a list of token lists (then ``tokenizer`` is not used). As sacrebleu: lines are lowercased
    (if asked), stripped of trailing whitespace and tokenized; ``correct_n`` clips the hypothesis' n-gram
    counts by their maximum count in any one reference; ``ref_len`` is the closest reference length, ties
    to the shorter; ``total_n = max(0, hyp_len - n + 1)``. Raw counts: conventions such as nltk's
    ``max(1, total_n)`` are the caller's.

    ``processes``: how many processes share the work (forked, each counting a contiguous shard of
    segments). None chooses: for strings, one per available core, at most one per 100,000 lines, and
    only where forking is safe (Linux, no other thread running in this process); for token lists, one.
    1 keeps everything in-process.

    Example:
        >>> from evalkit.tokenizers import get_tokenizer
        >>> corpus_stats(["the cat sat"], [["the cat sat down", "a cat"]],
        ...              tokenizer=get_tokenizer("13a"), lowercase=False, max_order=2).tolist()
        [[3, 2, 3, 2, 3, 2]]

        (References of 4 and 2 tokens are both 1 away from the hypothesis' 3: the shorter wins.)
    """
    if len(hyps) == 0:
        return np.zeros((0, 2 + 2 * max_order), dtype=np.int64)
    pretokenized = not isinstance(hyps[0], str)
    if processes is None:
        # a forked child touching millions of token objects copies their pages: no gain for lists of tokens
        processes = 1 if pretokenized else auto_processes(len(hyps) + sum(map(len, refs)), _LINES_PER_PROCESS)
    # decided (and the kernels loaded) once, here, before any fork
    compiled = use_compiled()
    options = {"tokenizer": tokenizer, "lowercase": lowercase, "max_order": max_order, "compiled": compiled}
    return sharded_rows(partial(_stats, **options), (hyps, refs), processes)


# below this many lines per process, the fork and the transfer of rows cost more than they save
_LINES_PER_PROCESS = 100_000


def _stats(
    hyps: Sequence, refs: Sequence, *, tokenizer: Tokenizer, lowercase: bool, max_order: int, compiled: bool
) -> np.ndarray:
    n_segments = len(hyps)
    stats = np.zeros((n_segments, 2 + 2 * max_order), dtype=np.int64)
    if n_segments == 0:
        return stats
    pretokenized = not isinstance(hyps[0], str)
    lines, line_segment, line_role = segment_lines(hyps, refs)
    ids, lengths = _tokens(lines, tokenizer, lowercase, pretokenized, compiled)

    is_hyp = line_role == 0
    hyp_len = lengths[is_hyp]
    stats[:, 0] = hyp_len
    stats[:, 1] = _closest_ref_len(hyp_len, lengths[~is_hyp], line_segment[~is_hyp])

    line_of_token = np.repeat(np.arange(lengths.size), lengths)
    stats[:, 2 : 2 + max_order] = clipped_ngram_matches(
        ids,
        line_segment[line_of_token],
        line_role[line_of_token],
        np.cumsum(lengths)[line_of_token],
        n_segments=n_segments,
        max_order=max_order,
        compiled=compiled,
    )
    stats[:, 2 + max_order :] = np.maximum(hyp_len[:, None] - np.arange(max_order), 0)
    return stats
