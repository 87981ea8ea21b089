"""Calling a function the way a cross-check compares it with its reference library."""

from __future__ import annotations

import warnings


def run_recording(fn, *args, **kwargs):
    """``(result or the ValueError raised, {(warning class name, message)})`` of ``fn(*args, **kwargs)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
        except ValueError as exc:
            out = exc
    return out, {(w.category.__name__, str(w.message)) for w in caught}
