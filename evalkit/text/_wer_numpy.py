"""WER-family statistics of a corpus with rapidfuzz's alignment: the ``backend="numpy"`` of
:mod:`evalkit.text.wer`.

jiwer 4 counts hits, substitutions, deletions and insertions from
``rapidfuzz.distance.Levenshtein.opcodes(reference_ids, hypothesis_ids)``, after mapping every word of
the corpus to an integer. Where several alignments have the fewest edits, their counts can differ
(``"a b"`` against ``"b c"``: two substitutions, or a deletion, a hit and an insertion), so the counts
are rapidfuzz's choice; this backend asks rapidfuzz the same question:

- the lines are transformed once (``str.split`` where the text holds no whitespace but spaces, which
  splits exactly as jiwer's ``wer_default``); the word lists go to rapidfuzz as they are where it tells
  every word of the corpus apart (:func:`_distinct_values`), else as integer ids (jiwer's mapping);
  characters (CER) go as the strings themselves (code points are what jiwer's ids stand for);
- ``Levenshtein.distance`` of each (reference, hypothesis) pair gives ``E = S + D + I`` (the length of
  rapidfuzz's ``editops`` list), and
  ``D - I = N - M`` follows from the lengths; when ``E - |N - M| < 2`` these two fix every count (no
  optimal alignment can trade a substitution for a deletion and an insertion), so the edit list is only
  read for the other pairs.

The counts equal the python backend's (which writes rapidfuzz's rule out) and jiwer's; the tests
check both.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from evalkit.core.errors import MissingDependencyError
from evalkit.core.gc_pause import gc_paused
from evalkit.text._wer_common import WerOptions, apply_steps, best_reference, custom_tokens, plain_spaces, split_units
from evalkit.text.ngrams import use_compiled


def _levenshtein():
    try:
        from rapidfuzz.distance import Levenshtein
    except ImportError:  # pragma: no cover - rapidfuzz is a dependency; the message says what to do
        raise MissingDependencyError(
            "wer: backend='numpy' aligns with rapidfuzz; install it (`pip install rapidfuzz`) or pass backend='python'."
        ) from None
    return Levenshtein


def available() -> bool:
    """Whether rapidfuzz can be imported."""
    try:
        _levenshtein()
    except MissingDependencyError:
        return False
    return True


def _distinct_values(token_lists: list[list[str]]) -> bool:
    """Whether rapidfuzz tells every word of the corpus from every other.

    rapidfuzz compares the items of a list by a 64-bit value: a one-character string's code point, any
    other string's ``hash()`` (``hash_sequence`` in its ``cpp_common.pxd``). Where no two words of the
    corpus share a value, handing it the words is handing it integer ids; otherwise (two words would
    have to collide in 64 bits) the words are mapped to ids, as jiwer maps them.
    """
    words = set().union(*token_lists)
    singles = [w for w in words if len(w) == 1]
    # hash() is a signed 64-bit value: distinct hashes are distinct unsigned values too
    hashes = set(map(hash, words.difference(singles)))
    return len(hashes) + len(singles) == len(words) and not any(ord(w) in hashes for w in singles)


def _units(lines: list[str], options: WerOptions, owner: str) -> list:
    """Each line's units as rapidfuzz compares them: a list of words (or word ids), or a string of
    characters (``owner``: the name an error of a callable transform gives)."""
    if options.custom is not None:
        token_lists = [custom_tokens(owner, options.custom, line) for line in lines]
    elif options.units == "chars":
        steps = options.steps
        return [apply_steps(line, steps) for line in lines] if steps else lines
    elif options.default_words and plain_spaces(lines):
        token_lists = [line.split() for line in lines]
    else:
        steps = options.steps
        token_lists = [split_units(apply_steps(line, steps), "words") for line in lines]
    if _distinct_values(token_lists):
        return token_lists
    vocabulary = {w: k for k, w in enumerate(dict.fromkeys(chain.from_iterable(token_lists)))}
    get = vocabulary.__getitem__
    return [list(map(get, tokens)) for tokens in token_lists]


def _counts(levenshtein, ref, hyp) -> tuple[int, int, int, int]:
    """``(hits, substitutions, deletions, insertions)`` of rapidfuzz's alignment of one pair."""
    n, m = len(ref), len(hyp)
    errors = levenshtein.distance(ref, hyp)  # the length of editops' list, without building it
    gap = n - m
    excess = errors - abs(gap)
    # below 2, no optimal alignment can trade a substitution for a deletion and an insertion
    subs = excess if excess < 2 else [op[0] for op in levenshtein.editops(ref, hyp).as_list()].count("replace")
    dels = (errors - subs + gap) // 2
    return n - subs - dels, subs, dels, errors - subs - dels


def _compiled_units(lines: list[str], options: WerOptions) -> tuple[np.ndarray, np.ndarray] | None:
    """``(ids, lengths)``: every line's words as integers (equal words, equal ids), flat, read by the
    compiled tokenizer kernel without a Python object per word; None where the transform needs the
    line-by-line path. (Characters stay with rapidfuzz, whose bit-parallel distance beats a full matrix on
    lines of a hundred characters.)"""
    from evalkit.text import _compiled

    if options.default_words and plain_spaces(lines) and not any("\x00" in line for line in lines):
        return _compiled.text_token_ids(" \x00 ".join(lines), "\x00", len(lines))
    return None


def _compiled_stats(units: tuple[np.ndarray, np.ndarray], n_hyps: int, n_refs: np.ndarray) -> np.ndarray:
    """The rows of :func:`corpus_stats` from the C kernel ``_kernels.wer_counts`` (rapidfuzz's rule written
    out, as :func:`evalkit.text.wer._alignment`); the rare pair that rapidfuzz cuts in two (Hirschberg) is
    asked of rapidfuzz itself."""
    from evalkit.text import _kernels

    ids, lengths = units
    first = np.cumsum(lengths) - lengths
    ref_lines = n_hyps + np.arange(int(n_refs.sum()))
    hyp_lines = np.repeat(np.arange(n_hyps), n_refs)
    # each pair's reference, then its hypothesis, side by side
    sizes = np.stack([lengths[ref_lines], lengths[hyp_lines]], axis=1).ravel()
    starts = np.stack([first[ref_lines], first[hyp_lines]], axis=1).ravel()
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    pair_ids = np.take(ids, np.arange(int(offsets[-1])) - np.repeat(offsets[:-1] - starts, sizes))
    counts = np.empty((ref_lines.size, 4), dtype=np.int64)
    _kernels.wer_counts(pair_ids, offsets, counts)
    for k in np.flatnonzero(counts[:, 0] < 0).tolist():
        ref, hyp = (ids[first[i] : first[i] + lengths[i]].tolist() for i in (ref_lines[k], hyp_lines[k]))
        counts[k] = _counts(_levenshtein(), ref, hyp)
    if ref_lines.size == n_hyps:  # one reference each
        return counts
    # per segment, the fewest errors, then the longest reference, then the first listed
    errors, length = counts[:, 1:].sum(axis=1), counts[:, :3].sum(axis=1)
    key = errors * (int(length.max()) + 1) - length
    seg_first = np.cumsum(n_refs) - n_refs
    best = np.minimum.reduceat(key, seg_first)
    index = np.where(key == best[hyp_lines], np.arange(key.size), key.size)
    return counts[np.minimum.reduceat(index, seg_first)]


def corpus_stats(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], options: WerOptions, owner: str
) -> np.ndarray:
    """``(n_segments, 4)`` int64 rows ``[hits, substitutions, deletions, insertions]``, each of the
    segment's best reference (:func:`evalkit.text._wer_common.best_reference`); ``owner`` is the name
    errors give."""
    levenshtein = _levenshtein()
    n_refs = list(map(len, references))
    lines = list(chain(hypotheses, chain.from_iterable(references)))
    compiled = _compiled_units(lines, options) if use_compiled() and hypotheses else None
    if compiled is not None:
        return _compiled_stats(compiled, len(hypotheses), np.array(n_refs, dtype=np.int64))
    with gc_paused():  # millions of small lists without cycles: the collector's passes would dominate
        units = _units(lines, options, owner)
        hyp_units = units[: len(hypotheses)]
        ref_units = iter(units[len(hypotheses) :])
        rows = []
        for hyp, count in zip(hyp_units, n_refs):
            if count == 1:
                rows.append(_counts(levenshtein, next(ref_units), hyp))
            else:
                candidates = [_counts(levenshtein, next(ref_units), hyp) for _ in range(count)]
                rows.append(candidates[best_reference(candidates)])
        del units, hyp_units, ref_units  # freed while paused: no collector pass over them on resuming
    return np.array(rows, dtype=np.int64).reshape(len(rows), 4)


def opcodes(reference: Sequence, hypothesis: Sequence) -> list[tuple[str, int, int, int, int]]:
    """rapidfuzz's opcodes of one pair, as jiwer takes them (``"replace"`` written ``"substitute"``)."""
    try:
        from rapidfuzz.distance.Levenshtein import opcodes as _opcodes
    except ImportError:  # pragma: no cover
        raise MissingDependencyError(
            "align_words: backend='numpy' needs rapidfuzz (`pip install rapidfuzz`)."
        ) from None
    ids: dict = {}
    a = [ids.setdefault(t, len(ids)) for t in reference]
    b = [ids.setdefault(t, len(ids)) for t in hypothesis]
    return [
        ("substitute" if tag == "replace" else tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in _opcodes(a, b).as_list()
    ]


__all__ = ["available", "corpus_stats", "opcodes"]
