"""``evalkit score --engine dask``: the input files read as partitions by Dask workers, their statistics folded.

The client reads each input file once for its line boundaries only (a scan for ``\\n``) and cuts the files
at the same line numbers, every ``CHUNK_LINES`` lines, so that a partition holds the same segments of the
hypotheses and of every reference (or of the true labels and the predictions). Each worker reads its byte
ranges, parses them as the local run parses a chunk (:meth:`evalkit.cli.common.Plan.chunks`, messages with
the file's own line numbers) and turns them into one state per metric; the states are merged in file
order (:func:`evalkit.stats.dist.update_all_from_dask`). The partitions are the local run's chunks and are
added in the same order, so every total, float sums included, and so the output, is the local run's.

The workers open the files by their absolute paths: against a running scheduler (``--scheduler``) the
files must be readable at the same paths on every worker, and evalkit installed there.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import click
import numpy as np

from evalkit.cli.common import Plan
from evalkit.cli.io import CHUNK_LINES, lockstep, starts_with_bom, warn_bom
from evalkit.core.metric import Metric
from evalkit.core.optional import require
from evalkit.stats.dist import update_all_from_dask

ENGINES = ("local", "dask")

#: bytes read at a time while looking for line ends
_SCAN_BYTES = 1 << 24
#: Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which returns freed memory to the system at
#: once; numpy's many short-lived arrays then fault their pages in again and again, and the statistics of a
#: partition took 2 to 4 times longer (BLEU, chrF). The local cluster keeps glibc's own threshold.
_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def choose_engine(engine: str | None, workers: int | None, scheduler: str | None) -> str:
    """The engine that ``--engine``, ``--workers`` and ``--scheduler`` ask for together (a usage error if
    they disagree): ``--scheduler`` implies ``dask``; ``--workers`` sizes a local Dask cluster."""
    if scheduler is not None and workers is not None:
        raise click.UsageError(
            f"--workers starts a local Dask cluster and --scheduler uses a running one ({scheduler}): give one."
        )
    if scheduler is not None:
        if engine == "local":
            raise click.UsageError("--scheduler sends the work to a Dask cluster: drop --engine local.")
        return "dask"
    if workers is not None and engine != "dask":
        raise click.UsageError(f"--workers {workers} sets the processes of a Dask cluster: add --engine dask.")
    return engine or "local"


def refuse_unpartitioned(plan: Plan, *, sentence_level: bool, ci: bool) -> None:
    """Usage errors for what ``--engine dask`` does not read as partitions."""
    if sentence_level:
        raise click.UsageError(
            "--sentence-level writes the segments in order from one process: drop --engine dask / --scheduler."
        )
    if ci:
        raise click.UsageError(
            "--ci resamples every segment's statistics in one process: drop --engine dask / --scheduler."
        )
    for source in [plan.primary, *plan.others]:
        if source.path == "-":
            raise click.UsageError(
                "Dask workers read files by byte ranges: give a file, not standard input (-), or drop --engine dask."
            )


def _dask() -> tuple[Any, Any, Any]:
    """``dask``, ``dask.bag`` and ``distributed``, or the error that names the ``dask`` extra."""
    purpose = "evalkit score --engine dask"
    bag = require("dask.bag", "dask", purpose)
    return require("dask", "dask", purpose), bag, require("distributed", "dask", purpose)


@contextlib.contextmanager
def client(workers: int | None, scheduler: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` of the running scheduler at ``scheduler``, or of a new local cluster of
    ``workers`` processes (one per CPU core by default), closed on exit."""
    dask, _, distributed = _dask()
    if scheduler is not None:
        try:
            c = distributed.Client(scheduler)
        except OSError as exc:  # distributed's own message says what failed and how long it waited
            raise click.ClickException(f"--scheduler {scheduler}: no Dask scheduler answered ({exc}).") from None
        with c:
            yield c
        return
    # one thread per process: the statistics are numpy and Python code, so processes give the parallelism
    with (
        dask.config.set({_TRIM: None}),
        distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def line_starts(path: str) -> tuple[list[int], int, int]:
    """``(starts, n_lines, size)`` of a file: the byte offsets of its lines ``0, CHUNK_LINES, 2 * CHUNK_LINES,
    ...``, its number of lines and its size.

    Lines end at ``\\n``, and a last line without one counts, as :class:`~evalkit.cli.io.LineSource`
    reads them.
    """
    starts, newlines, size, last = [0], 0, 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(_SCAN_BYTES):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
            # newline number k (from 1) ends line k - 1: line j * CHUNK_LINES starts after newline j * CHUNK_LINES
            first = CHUNK_LINES - 1 - newlines % CHUNK_LINES
            starts.extend((size + ends[first::CHUNK_LINES] + 1).tolist())
            newlines += len(ends)
            size += len(block)
            last = block[-1:]
    n_lines = newlines + (last != b"\n")
    return [s for s in starts if s < size], n_lines, size


def partitions(plan: Plan) -> list[tuple[int, list[tuple[int, int]]]]:
    """``(first_line, [(start, stop) per source])`` of each partition of ``plan``'s files, in file order.

    Files of unequal line counts raise the local run's error (read by :func:`~evalkit.cli.io.lockstep`).
    """
    sources = [plan.primary, *plan.others]
    scans = [line_starts(s.path) for s in sources]
    if len({n for _, n, _ in scans}) > 1:
        for _ in lockstep(sources):  # raises the error that names every file and its line count
            pass
    out = []
    for k, first_line in enumerate(range(0, scans[0][1], CHUNK_LINES)):
        ranges = [(starts[k], starts[k + 1] if k + 1 < len(starts) else size) for starts, _, size in scans]
        out.append((first_line, ranges))
    return out


def partition_items(parts: Sequence[tuple[int, list[tuple[int, int]]]], plan: Plan) -> list[tuple[Any, ...]]:
    """The items (one tuple of metric inputs each) of the partitions ``parts`` of ``plan``, read by a worker."""
    header = plan.kind == "records" and plan.fmt == "tsv"
    items: list[tuple[Any, ...]] = []
    for first_line, ranges in parts:
        primary, *others = (
            source.part(start, stop, first_line, header=header and first_line > 0)
            for source, (start, stop) in zip([plan.primary, *plan.others], ranges)
        )
        for inputs in replace(plan, primary=primary, others=others).chunks():
            items.extend(zip(*inputs))
    return items


def update_with_dask(plan: Plan, metrics: Sequence[Metric], *, workers: int | None, scheduler: str | None) -> None:
    """Add every segment of ``plan``'s files to each of ``metrics``, read and counted by Dask workers."""
    _, db, _ = _dask()
    parts = partitions(plan)  # before the cluster starts: unequal files fail at once
    for source in [plan.primary, *plan.others]:  # the workers drop a BOM silently: say so here, once
        if starts_with_bom(source.path):
            warn_bom(source.name)
    if not parts:
        return
    with client(workers, scheduler):
        bag = db.from_sequence(parts, npartitions=len(parts)).map_partitions(partition_items, plan)
        update_all_from_dask(metrics, bag)


__all__ = [
    "ENGINES",
    "choose_engine",
    "client",
    "line_starts",
    "partitions",
    "refuse_unpartitioned",
    "update_with_dask",
]
