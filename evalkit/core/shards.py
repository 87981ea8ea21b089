"""Per-item statistics of a large input computed in forked processes, one contiguous shard each.

Every metric's statistics are rows, one per item (segment, document), and an item's row depends on that
item alone: computing contiguous shards apart and concatenating their rows in order is exact by
construction. The first shard is computed in this process and the others in forked children, which
inherit their inputs without pickling and send back their rows (and any warnings they raised, which are
raised again here, in order).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np


def may_have_children() -> bool:
    """Whether this process may start processes: not a daemonic one (a ``multiprocessing.Pool`` worker, a
    torch ``DataLoader`` worker), which ``multiprocessing`` forbids to have children."""
    return not multiprocessing.current_process().daemon


def auto_processes(n_units: int, units_per_process: int) -> int:
    """How many processes to use for ``n_units`` of work: one per available core, at most one per
    ``units_per_process`` units, and 1 where forking is not safe (not Linux, another thread runs in this
    process: a forked child inherits only the calling thread, and locks held by the others) or not allowed
    (a daemonic process: :func:`may_have_children`).

    Example:
        >>> auto_processes(10, 100)
        1
    """
    if sys.platform != "linux" or threading.active_count() > 1 or not may_have_children():
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), n_units // units_per_process))


def _child(conn: Any, rows_of: Callable[..., np.ndarray], parts: tuple[Sequence, ...]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = rows_of(*parts)
    conn.send((rows, [(w.message, w.category) for w in caught]))
    conn.close()


def sharded_rows(rows_of: Callable[..., np.ndarray], inputs: Sequence[Sequence], processes: int) -> np.ndarray:
    """``rows_of(*inputs)``, computed as ``processes`` contiguous shards of the items.

    ``inputs`` are parallel sequences (e.g. hypotheses and their references) that ``rows_of`` reads
    item by item; it returns one row per item. A child that dies (killed, out of memory) has its shard
    computed here instead, and in a process that may not have children (:func:`may_have_children`: a
    ``Pool`` or ``DataLoader`` worker) every shard is computed here.

    Example:
        >>> sharded_rows(lambda xs, ys: np.array([[x + y] for x, y in zip(xs, ys)]), ([1, 2, 3], [10, 20, 30]), 2)
        array([[11],
               [22],
               [33]])
    """
    n = len(inputs[0])
    processes = min(processes, n)
    if processes <= 1 or not may_have_children():
        return rows_of(*inputs)
    bounds = np.linspace(0, n, processes + 1).astype(int).tolist()
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for a, b in pairwise(bounds[1:]):
            receive, send = context.Pipe(duplex=False)
            shard = tuple(x[a:b] for x in inputs)
            child = context.Process(target=_child, args=(send, rows_of, shard), daemon=True)
            child.start()
            send.close()
            children.append((child, receive, shard))
        parts = [rows_of(*(x[: bounds[1]] for x in inputs))]
        for _, receive, shard in children:
            try:
                rows, caught = receive.recv()
            except Exception:  # the child died (killed, out of memory) or sent what cannot be read back
                rows, caught = rows_of(*shard), []
            for message, category in caught:
                warnings.warn(message, category, stacklevel=2)
            parts.append(rows)
    finally:
        # also when this process fails or is interrupted: no child is left waiting to send its rows
        for child, receive, _ in children:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()
    return np.concatenate(parts)
