"""One policy for ``backend="auto"``: the pure-Python reference or the vectorized numpy backend.

Every text metric has both. They give equal statistics (exact integer counts), so the choice is only a
matter of speed: the numpy backend's fixed set-up (building token-id arrays) outweighs its speed on a
handful of items, and each metric measures where that happens and passes it as ``numpy_from``.

Example:
    >>> choose_backend("bleu", "auto", n_items=1, numpy_from=2), choose_backend("bleu", "auto", 5, numpy_from=2)
    ('python', 'numpy')
"""

from __future__ import annotations

from typing import Any

from evalkit.core.options import choice, option
from evalkit.core.validate import check_choice

BACKENDS = ("auto", "python", "numpy")


def choose_backend(owner: str, backend: str, n_items: int, *, numpy_from: int) -> str:
    """``"python"`` or ``"numpy"``: ``backend`` as given, or for ``"auto"`` numpy from ``numpy_from`` items on."""
    check_choice(owner, "backend", backend, BACKENDS)
    if backend != "auto":
        return backend
    return "numpy" if n_items >= numpy_from else "python"


def backend_option(numpy: str = "vectorized", auto: str = "") -> Any:
    """The ``backend`` field of a metric's options declaration: what its numpy backend is, and when
    ``"auto"`` takes it where that is not from 2 segments on."""
    doc = f"'python' (the reference), 'numpy' ({numpy}) or 'auto'{auto}; equal statistics"
    return option("auto", choice(*BACKENDS), doc)


__all__ = ["BACKENDS", "backend_option", "choose_backend"]
