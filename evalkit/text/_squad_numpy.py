"""The vectorized SQuAD path: the tokens of every normalised answer from a few passes over one joined
string, each token an integer code, then exact match and the bags of tokens of every (prediction, gold
answer) pair compared at once (sorted keys ``pair * n_codes + code``). It writes the rows of
:func:`evalkit.text._squad_common.question_row` (the reference), number for number: the same float64
operations in the same order."""

from __future__ import annotations

import numpy as np

from evalkit.text._squad_common import SEPARATOR, joined_tokens, normalize_answer


def _coded(texts: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """``(codes, lengths, n_codes)``: the normalised tokens of all texts as integer codes, text after
    text, and each text's number of tokens."""
    tokens = joined_tokens(texts)
    separator: object = SEPARATOR
    if tokens is None:  # a text holds the joining character: one at a time, joined by a fresh object
        separator, tokens = object(), []
        for i, text in enumerate(texts):
            tokens += [separator, *normalize_answer(text).split()] if i else normalize_answer(text).split()
    vocabulary = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    codes = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    is_separator = codes == vocabulary.get(separator, -1)
    bounds = np.concatenate([[-1], np.flatnonzero(is_separator), [len(codes)]])
    return codes[~is_separator], np.diff(bounds) - 1, max(len(vocabulary), 1)


def _segments(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + lengths[i] - 1`` of every segment, one after another."""
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def question_rows(
    preds: list[str], answers: list[list[str]], probs: list[float] | None, thresh: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, gains)``: the :data:`SQUAD_LAYOUT` row and the (exact, F1) gains of every question."""
    n = len(preds)
    k = np.fromiter(map(len, answers), dtype=np.int64, count=n)
    codes, lengths, v = _coded(preds + [a for gold in answers for a in gold])
    p_len, g_len = lengths[:n], lengths[n:]
    m = len(g_len)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    p_start, g_start = starts[:n], starts[n:]
    owner = np.repeat(np.arange(n), k)  # the question of each gold answer: the pairs
    kept = g_len > 0  # 2.0 drops the gold answers normalised to nothing
    n_kept = np.bincount(owner[kept], minlength=n)
    pair_p_len = p_len[owner]
    pair = np.arange(m)

    # exact match: the same tokens in the same order (normalised texts are their tokens joined by spaces)
    equal_length = kept & (pair_p_len == g_len)
    chosen = pair[equal_length]
    differ = codes[_segments(p_start[owner[chosen]], g_len[chosen])] != codes[_segments(g_start[chosen], g_len[chosen])]
    mismatches = np.bincount(np.repeat(chosen, g_len[chosen]), weights=differ, minlength=m)
    pair_exact = equal_length & (mismatches == 0)
    pred_empty = p_len == 0
    exact = np.where(n_kept > 0, np.bincount(owner[pair_exact], minlength=n) > 0, pred_empty).astype(np.float64)

    # token F1: the intersection of two bags of tokens, from the sorted keys of each pair's tokens
    p_keys, p_counts = np.unique(np.repeat(pair, pair_p_len) * v + codes[_segments(p_start[owner], pair_p_len)],
                                 return_counts=True)  # fmt: skip
    g_keys, g_counts = np.unique(np.repeat(pair, g_len) * v + codes[_segments(g_start, g_len)], return_counts=True)
    common, gi, pi = np.intersect1d(g_keys, p_keys, assume_unique=True, return_indices=True)
    same = np.bincount(common // v, weights=np.minimum(g_counts[gi], p_counts[pi]), minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = 1.0 * same / pair_p_len
        recall = 1.0 * same / g_len
        pair_f1 = (2 * precision * recall) / (precision + recall)
    pair_f1 = np.where((pair_p_len == 0) | (same == 0), 0.0, pair_f1)
    best = np.full(n, -np.inf)
    np.maximum.at(best, owner[kept], pair_f1[kept])
    f1 = np.where(n_kept > 0, best, pred_empty.astype(np.float64))

    has = k > 0
    answered = np.ones(n, dtype=bool) if probs is None else np.asarray(probs, dtype=np.float64) <= thresh
    rows = np.zeros((n, 9), dtype=np.float64)
    rows[:, 0] = 1
    rows[:, 1] = np.where(has, (exact > 0) | ((n_kept < k) & pred_empty), 0)
    rows[:, 2] = np.where(has & (n_kept > 0), f1, 0)
    rows[:, 3] = has
    rows[:, 4] = np.where(has & answered, exact, 0)
    rows[:, 5] = np.where(has & answered, f1, 0)
    rows[:, 6] = ~has
    rows[:, 7] = np.where(has, 0, np.where(answered, exact, 1))
    rows[:, 8] = np.where(has, 0, np.where(answered, f1, 1))
    predicted = np.fromiter(map(bool, preds), dtype=bool, count=n)  # the script's `if preds[qid]`: raw text
    no_gain = np.where(predicted, -1.0, 0.0)
    gains = np.stack([np.where(has, exact, no_gain), np.where(has, f1, no_gain)], axis=1)
    return rows, gains


__all__ = ["question_rows"]
