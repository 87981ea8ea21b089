"""The signature of a score: every option that changes the number, plus the evalkit version.

Printed as ``key:value|key:value|version:X`` (sacrebleu's convention), so a number in a paper can be
reproduced from its signature alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalkit._version import __version__


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return ",".join(_fmt(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Signature:
    """Options that determine a score, in a fixed order.

    Example:
        >>> str(Signature.of("bleu", nrefs=1, case="mixed", tok="13a"))[:28]
        'nrefs:1|case:mixed|tok:13a|v'
    """

    metric: str
    options: tuple[tuple[str, str], ...]
    version: str

    @classmethod
    def of(cls, metric: str, **options: Any) -> Signature:
        return cls(metric, tuple((k, _fmt(v)) for k, v in options.items()), __version__)

    def __str__(self) -> str:
        return "|".join([*(f"{k}:{v}" for k, v in self.options), f"version:{self.version}"])

    def to_dict(self) -> dict[str, str]:
        return {"metric": self.metric, **dict(self.options), "version": self.version}
