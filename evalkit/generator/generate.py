"""Decoding for both twins: greedy, temperature and top-k sampling, batched over prompts of any length.

A step function ``step(tokens (B,), state) -> (logits (B, V) as numpy, state)`` hides which twin runs.
Prompts of different lengths run in one batch: at step ``t`` a row reads its own prompt token while it has
one, then its last generated token, so no row sees padding and each is decoded exactly as if alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from evalkit.core.validate import check_choice, check_int, check_number

STRATEGIES = ("greedy", "sample")
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
) -> list[list[int]]:
    """Continue each prompt until ``eos_id`` or ``max_len`` new tokens; returns the new ids (``eos`` cut).

    ``banned`` ids (e.g. padding and the prompt-only symbols) are never produced.
    """
    check_choice("generate", "strategy", strategy, STRATEGIES)
    check_int("generate", "max_len", max_len, minimum=1)
    check_number("generate", "temperature", temperature, low=0.0, low_open=True)
    check_int("generate", "top_k", top_k, minimum=0)
    rng = np.random.default_rng(seed)
    n = len(prompts)
    lengths = np.array([len(p) for p in prompts])
    width = int(lengths.max()) + max_len
    feed = np.zeros((n, width), dtype=np.int64)
    for b, p in enumerate(prompts):
        feed[b, : len(p)] = p
    done = np.zeros(n, dtype=bool)
    out: list[list[int]] = [[] for _ in range(n)]
    state = None
    banned_ids = np.asarray(list(banned), dtype=np.int64)
    for t in range(width - 1):
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
