"""`Result`: what every metric returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evalkit.core.signature import Signature


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


def format_score(value: float, scale: float = 1.0) -> str:
    """A score as shown to a reader: times ``scale`` with 2 decimals where the field shows percentages
    (``scale != 1``), else the fraction with 4 decimals.

    Example:
        >>> format_score(0.34125, 100), format_score(0.34125)
        ('34.12', '0.3412')
    """
    return f"{value * scale:.2f}" if scale != 1 else f"{value:.4f}"


def _short(value: Any) -> str | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return str(value)
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}" if math.isfinite(value) else str(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple: each part labelled (ROUGE's P/R/F)
        parts = [_short(v) for v in value]
        labelled = " ".join(f"{name[0].upper()}={part}" for name, part in zip(value._fields, parts))
        return None if None in parts else f"({labelled})"
    if isinstance(value, (list, tuple, np.ndarray)) and 0 < len(value) <= 9:
        parts = [_short(v) for v in value]
        return None if None in parts else "/".join(parts)  # type: ignore[arg-type]
    return None


@dataclass(frozen=True)
class Result:
    """A score with its components and its signature.

    ``score`` is a fraction (BLEU 0.341, not 34.1); ``display_scale`` is the factor a human-facing
    display multiplies it by where the field reports percentages (100 for BLEU and ROUGE).

    Example:
        >>> r = Result("accuracy", 0.75, {"correct": 3, "total": 4})
        >>> float(r), str(r)
        (0.75, 'accuracy = 0.7500 (correct=3 total=4)')
    """

    name: str
    score: float
    components: Mapping[str, Any] = field(default_factory=dict)
    signature: Signature | None = None
    ci: tuple[float, float] | None = None
    display_scale: float = 1.0

    def __post_init__(self) -> None:
        # numpy scalars print as np.float64(...) and do not serialize: keep a plain float
        object.__setattr__(self, "score", float(self.score))

    def __float__(self) -> float:
        return float(self.score)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; scores stay fractions."""
        out: dict[str, Any] = {"name": self.name, "score": float(self.score)}
        out["components"] = _jsonable(dict(self.components))
        if self.ci is not None:
            out["ci"] = [float(self.ci[0]), float(self.ci[1])]
        if self.signature is not None:
            out["signature"] = str(self.signature)
        return out

    def details(self) -> str:
        """The components that read as a short value, ``key=value`` separated by spaces (``str()``'s parenthesis)."""
        return " ".join(f"{k}={s}" for k, v in self.components.items() if (s := _short(v)) is not None)

    def __str__(self) -> str:
        scale = self.display_scale
        text = f"{self.name} = {format_score(self.score, scale)}"
        if self.ci is not None:
            lo, hi = self.ci
            text += f" [{format_score(lo, scale)}, {format_score(hi, scale)}]"
        if details := self.details():
            text += f" ({details})"
        if self.signature is not None:
            text += f" | {self.signature}"
        return text
