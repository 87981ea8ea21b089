"""The number of references per segment: an annotation of text rows, shown as sacrebleu's ``nrefs``.

It never changes a score, so it is no statistic to sum; it is kept as two extras of the rows (see
:class:`evalkit.core.rows.Rows`): the fewest and the most references of any segment, reduced by ``min``
and ``max``. Equal, they are the number; different, sacrebleu writes ``var``.

Example:
    >>> extras = nrefs_extras([["a"], ["b", "c"]])
    >>> extras, nrefs_label({name: value for name, (_, value) in extras.items()})
    ({'nrefs_min': ('min', 1), 'nrefs_max': ('max', 2)}, 'var')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def nrefs_extras(references: Sequence[Sequence[Any]]) -> dict[str, tuple[str, int]]:
    """The extras of a batch whose segment ``i`` has ``len(references[i])`` references."""
    counts = [len(r) for r in references]
    if not counts:
        return {}
    return {"nrefs_min": ("min", min(counts)), "nrefs_max": ("max", max(counts))}


def nrefs_label(extras: Mapping[str, Any]) -> int | str | None:
    """sacrebleu's ``nrefs`` field: the number, ``"var"``, or ``None`` before any segment."""
    low, high = extras.get("nrefs_min"), extras.get("nrefs_max")
    if low is None or high is None:
        return None
    return int(low) if low == high else "var"
