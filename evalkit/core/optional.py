"""Optional dependencies, imported lazily, with an error that names the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from evalkit.core.errors import MissingDependencyError


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``pip install 'evalkit[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {module.split('.')[0]!r}; "
            f"install it with: pip install 'evalkit[{extra}]'"
        ) from exc
