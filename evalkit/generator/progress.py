"""Progress bars for the generator's long steps (finding exemplars, training, decoding, scoring).

A bar is drawn only where someone watches: when the caller asks for it *and* stderr is a terminal
(tqdm's ``disable=None``). Tests, CI logs and files redirected from a run stay free of bar frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    show: bool,
    desc: str,
    total: int | None = None,
    unit: str = "it",
) -> Any:
    """A ``tqdm`` bar over ``iterable`` (or a manual one: ``update(n)``, ``set_postfix``), drawn only when
    ``show`` is true and stderr is a terminal; otherwise a silent pass-through.

    Example:
        >>> with progress_bar(range(3), show=False, desc="demo") as bar:
        ...     sum(bar)
        3
    """
    from tqdm import tqdm  # lazily: `import evalkit` stays light

    # leave=False: a finished bar is erased, so the log lines it interleaved with stay readable
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, dynamic_ncols=True,
                disable=None if show else True)  # fmt: skip
