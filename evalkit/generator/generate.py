"""Decoding for both twins: greedy, temperature and top-k sampling, beam search; batched over prompts.

A step function ``step(tokens (B,), state) -> (logits (B, V) as numpy, state)`` hides which twin runs.
Prompts of different lengths run in one batch: at step ``t`` a row reads its own prompt token while it has
one, then its last generated token, so no row sees padding and each is decoded exactly as if alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from evalkit.core.validate import check_choice, check_int, check_number

STRATEGIES = ("greedy", "sample", "beam")
StepFn = Callable[[np.ndarray, Any], tuple[np.ndarray, Any]]


def pick_next(
    logits: np.ndarray,
    *,
    strategy: str = "greedy",
    temperature: float = 1.0,
    top_k: int = 0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Next token ids ``(B,)`` from logits ``(B, V)``: the argmax (``"greedy"``), or a draw from
    ``softmax(logits / temperature)`` restricted to the ``top_k`` largest logits (0: all).

    Example:
        >>> pick_next(np.array([[0.1, 2.0, 0.3]])).tolist()
        [1]
    """  # fmt: skip
    check_choice("pick_next", "strategy", strategy, ("greedy", "sample"))
    if strategy == "greedy":
        return logits.argmax(axis=-1)
    z = logits.astype(np.float64) / temperature
    if 0 < top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = rng or np.random.default_rng()
    # inverse-CDF draw per row, vectorised
    u = rng.random((p.shape[0], 1))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def generate(
    step: StepFn,
    prompts: Sequence[Sequence[int]],
    *,
    eos_id: int,
    max_len: int = 30,
    strategy: str = "greedy",
    temperature: float = 1.0,
    top_k: int = 0,
    seed: int = 0,
    banned: Sequence[int] = (),
    start: Callable[[list[Sequence[int]]], tuple[np.ndarray, Any]] | None = None,
) -> list[list[int]]:
    """Continue each prompt until ``eos_id`` or ``max_len`` new tokens; returns the new ids (``eos`` cut).

    ``banned`` ids (e.g. padding and the prompt-only symbols) are never produced. ``start`` reads all
    prompts at once, as in :func:`beam_search`; without it each row reads its prompt through ``step``.
    """
    check_choice("generate", "strategy", strategy, ("greedy", "sample"))  # "beam": see beam_search
    check_int("generate", "max_len", max_len, minimum=1)
    check_number("generate", "temperature", temperature, low=0.0, low_open=True)
    check_int("generate", "top_k", top_k, minimum=0)
    rng = np.random.default_rng(seed)
    n = len(prompts)
    if n == 0:
        return []
    lengths = np.array([len(p) for p in prompts])
    state = None
    if start:
        # every row then generates from its first step: as if each prompt were one token long
        logits, state = start(list(prompts))
        lengths[:] = 1
    width = int(lengths.max()) + max_len
    feed = np.zeros((n, width), dtype=np.int64)
    for b, p in enumerate(prompts):
        feed[b, : lengths[b]] = p[-lengths[b] :]
    done = np.zeros(n, dtype=bool)
    out: list[list[int]] = [[] for _ in range(n)]
    banned_ids = np.asarray(list(banned), dtype=np.int64)
    for t in range(width - 1):
        if t or not start:
            logits, state = step(feed[:, t], state)
        if banned_ids.size:
            logits = logits.copy()
            logits[:, banned_ids] = -np.inf
        nxt = pick_next(logits, strategy=strategy, temperature=temperature, top_k=top_k, rng=rng)
        writing = (t + 1 >= lengths) & ~done  # this row's prompt is consumed: its next token is generated
        for b in np.flatnonzero(writing):
            token = int(nxt[b])
            if token == eos_id or len(out[b]) >= max_len:
                done[b] = True
                continue
            out[b].append(token)
            feed[b, t + 1] = token
        if done.all():
            break
    return out


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def beam_search(
    step: StepFn,
    select: Callable[[Any, np.ndarray], Any],
    prompts: Sequence[Sequence[int]],
    *,
    eos_id: int,
    beam_size: int = 4,
    max_len: int = 30,
    length_penalty: float = 1.0,
    banned: Sequence[int] = (),
    start: Callable[[list[Sequence[int]]], tuple[np.ndarray, Any]] | None = None,
    no_repeat_ngram: int = 0,
) -> list[list[int]]:
    """The continuation of each prompt with the best ``log p / length ** length_penalty`` among ``beam_size``
    hypotheses kept per step (length counts ``<eos>``; ``length_penalty=0`` is the raw log-probability,
    which favours short outputs). ``select(state, rows)`` picks rows of a step state (the beams' parents).
    ``no_repeat_ngram=n`` forbids a hypothesis to hold any n-gram twice (Paulus et al., ICLR 2018; 0: off).

    ``start(prompts) -> (logits after each prompt, state)`` reads prompts of different lengths at once (a
    packed sequence in PyTorch); without it, prompts run through ``step`` in groups of equal length, so no
    row reads padding. ``beam_size=1`` is greedy decoding.
    """
    check_int("beam_search", "beam_size", beam_size, minimum=1)
    check_int("beam_search", "max_len", max_len, minimum=1)
    check_number("beam_search", "length_penalty", length_penalty, low=0.0)
    check_int("beam_search", "no_repeat_ngram", no_repeat_ngram, minimum=0)
    out: list[list[int]] = [[] for _ in prompts]
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault(0 if start else len(p), []).append(i)
    banned_ids = np.asarray(list(banned), dtype=np.int64)
    for rows in groups.values():
        logits, state = _read_prompts(step, start, [prompts[r] for r in rows])
        beams = _search(
            step, select, logits, state, beam_size=beam_size, eos_id=eos_id, max_len=max_len, banned_ids=banned_ids,
            no_repeat_ngram=no_repeat_ngram,
        )  # fmt: skip
        for r, seq in zip(rows, _winners(*beams, beam_size=beam_size, length_penalty=length_penalty)):
            out[r] = seq[: seq.index(eos_id)] if eos_id in seq else seq
    return out


def _read_prompts(
    step: StepFn, start: Callable[[list[Sequence[int]]], tuple[np.ndarray, Any]] | None, prompts: list[Sequence[int]]
) -> tuple[np.ndarray, Any]:
    """``(logits after each prompt, state)``: by ``start`` (prompts of any lengths), else through ``step``
    (prompts of one length)."""
    if start:
        return start(prompts)
    feed = np.array(prompts, dtype=np.int64)
    state = None
    for t in range(feed.shape[1]):
        logits, state = step(feed[:, t], state)
    return logits, state


def _search(
    step: StepFn,
    select: Callable[[Any, np.ndarray], Any],
    logits: np.ndarray,
    state: Any,
    *,
    beam_size: int,
    eos_id: int,
    max_len: int,
    banned_ids: np.ndarray,
    no_repeat_ngram: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(seqs, score, lengths)`` of the ``beam_size`` beams of each of the prompts whose ``logits`` and
    ``state`` are given, row ``r * beam_size + j`` being beam j of prompt r: the search itself, one
    vectorized step over every beam of every prompt at a time."""
    n, k = len(logits), beam_size
    # every prompt repeated k times: row r * k + j is beam j of prompt r
    repeat = np.repeat(np.arange(n), k)
    logits, state = logits[repeat], select(state, repeat)
    score = np.tile(np.r_[0.0, np.full(k - 1, -np.inf)], n)  # one live beam per prompt at first
    seqs = np.zeros((n * k, 0), dtype=np.int64)
    finished = np.zeros(n * k, dtype=bool)
    lengths = np.zeros(n * k)
    for _ in range(max_len):
        logp = _log_softmax(logits)
        if banned_ids.size:
            logp[:, banned_ids] = -np.inf
        if no_repeat_ngram:
            logp[_repeating(seqs, no_repeat_ngram)] = -np.inf
        # a finished beam continues only by itself, at no cost
        logp[finished] = -np.inf
        logp[finished, eos_id] = 0.0
        vocab = logp.shape[1]
        cand = (score[:, None] + logp).reshape(n, k * vocab)
        top = np.argpartition(-cand, k - 1, axis=1)[:, :k] if k < cand.shape[1] else np.tile(np.arange(k), (n, 1))
        # order the k survivors by score (ties by index) so that beam 0 is the best
        best = np.take_along_axis(top, np.lexsort((top, -np.take_along_axis(cand, top, 1)), axis=1), 1)
        parent = (np.arange(n)[:, None] * k + best // vocab).ravel()
        token = (best % vocab).ravel()
        score = cand[np.arange(n)[:, None], best].ravel()
        was_finished = finished[parent]
        seqs = np.concatenate([seqs[parent], token[:, None]], axis=1)
        lengths = lengths[parent] + ~was_finished
        finished = was_finished | (token == eos_id)
        if finished.all():
            break
        state = select(state, parent)
        logits, state = step(np.where(finished, eos_id, token), state)
    return seqs, score, lengths


def _winners(
    seqs: np.ndarray, score: np.ndarray, lengths: np.ndarray, *, beam_size: int, length_penalty: float
) -> list[list[int]]:
    """Each prompt's beam of the best ``score / length ** length_penalty``, as a list of ids."""
    n = len(seqs) // beam_size
    norm = np.where(np.isfinite(score), score / np.maximum(lengths, 1.0) ** length_penalty, -np.inf)
    winners = norm.reshape(n, beam_size).argmax(axis=1) + np.arange(n) * beam_size
    return [seqs[w].tolist() for w in winners]


def _repeating(seqs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, tokens)``: the next tokens that would repeat an n-gram already in each row of ``seqs``
    ``(R, L)``, i.e. those that followed an earlier occurrence of the row's last ``n - 1`` tokens.

    Example:
        >>> _repeating(np.array([[5, 6, 7, 5, 6], [1, 2, 3, 4, 5]]), 3)  # row 0 ends with 5 6, once followed by 7
        (array([0]), array([7]))
    """
    if seqs.shape[1] < n:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(seqs, n, axis=1)  # (R, L - n + 1, n)
    # for n = 1 the prefix is empty and every earlier token matches
    match = (windows[:, :, :-1] == seqs[:, None, seqs.shape[1] - n + 1 :]).all(axis=-1)
    rows, where = np.nonzero(match)
    return rows, windows[rows, where, -1]
