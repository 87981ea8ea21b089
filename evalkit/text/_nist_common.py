"""What NIST's two backends share: the layout of a frame of reference n-grams (each n-gram's order and
the place of its prefix), read from the frame's strings, or remembered from the numpy backend, which
knows it without parsing them."""

from __future__ import annotations

import numpy as np

#: joins the tokens of an n-gram in the frame (no tokenizer's token contains it; token lists are checked)
SEP = "\x1f"

# the last frames' layouts, by identity of the frame (a state keeps the very tuple its rows were written in)
_RECENT: list[tuple[tuple[str, ...], np.ndarray, np.ndarray]] = []


def remember_layout(space: tuple[str, ...], order: np.ndarray, prefix: np.ndarray) -> None:
    """Keep the layout of a frame just built (a few at most)."""
    _RECENT.insert(0, (space, order, prefix))
    del _RECENT[4:]


def frame_layout(space: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Per n-gram of a frame: its order (0-based) and the index of its prefix (-1 for a unigram).

    Example:
        >>> order, prefix = frame_layout(("a", "a" + SEP + "b", "b"))
        >>> order.tolist(), prefix.tolist()
        ([0, 1, 0], [-1, 0, -1])
    """
    for known, order, prefix in _RECENT:
        if known is space:
            return order, prefix
    order = np.fromiter((g.count(SEP) for g in space), dtype=np.int64, count=len(space))
    where = {g: i for i, g in enumerate(space)}
    prefix = np.fromiter(
        (where.get(g.rsplit(SEP, 1)[0], -2) if SEP in g else -1 for g in space), dtype=np.int64, count=len(space)
    )
    remember_layout(space, order, prefix)
    return order, prefix
