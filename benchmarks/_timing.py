"""Timing helpers the benchmarks share (imported as ``from _timing import ...``: each benchmark runs as a
script from this folder, which is then first on ``sys.path``)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float, float]:
    """``(result, wall seconds, cpu seconds of this process)``, the best of ``repeat`` runs. On a shared
    machine the CPU time is the steadier measure."""
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return out, best_wall, best_cpu


def reference_streams(refs: list[list[str]]) -> list[list[str | None]]:
    """References segment by segment (evalkit's layout) as sacrebleu's streams: stream ``j`` holds each
    segment's ``j``-th reference, ``None`` where a segment has fewer."""
    k = max(map(len, refs))
    return [[seg[j] if j < len(seg) else None for seg in refs] for j in range(k)]
