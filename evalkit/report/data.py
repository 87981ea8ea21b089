"""What a report shows: the run's JSON document (``score`` or ``compare -o json``) and, when the report is
built from the input files, the per-segment data behind it.

The JSON document is the single source of every number in the report's tables, so that the page, the
JSON output and the LaTeX table of the same run agree by construction. The per-segment data (sentence
scores, the text, the labels) feeds the distributions, the segment views and the class and residual
charts; a report built from a JSON file alone has none and shows the tables and the score charts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification import confusion_matrix, precision_recall_fscore_support
from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.result import Result
from evalkit.stats.significance import PairedTest

#: the commands whose JSON output a report reads
COMMANDS = ("score", "compare")


@dataclass(frozen=True)
class Segments:
    """The per-segment data of a run: one entry per system (the baseline first) where it varies by system.

    ``scores[metric][i]`` holds system i's sentence-level scores of that metric (text tasks: each segment's
    statistics scored alone, as ``score --sentence-level``), ``higher_is_better[metric]`` its direction;
    ``hypotheses[i]`` system i's lines and ``references[k]`` the references of segment k (text);
    ``y_true`` and ``y_pred[i]`` the labels or values (classification, regression).
    """

    task: str
    scores: Mapping[str, Sequence[np.ndarray]] = field(default_factory=dict)
    higher_is_better: Mapping[str, bool] = field(default_factory=dict)
    hypotheses: Sequence[Sequence[str]] = ()
    references: Sequence[Sequence[str]] = ()
    y_true: Any = None
    y_pred: Sequence[Any] = ()

    def __len__(self) -> int:
        if self.task == "text":
            return len(self.references)
        return 0 if self.y_true is None else len(self.y_true)

    def labels(self) -> np.ndarray:
        """Every class label seen in the true labels or any system's predictions, sorted."""
        return arrays.unique(np.concatenate([np.asarray(self.y_true), *(np.asarray(p) for p in self.y_pred)]))

    def confusion(self, i: int) -> np.ndarray:
        """System i's confusion matrix over :meth:`labels` (rows: true, columns: predicted)."""
        return confusion_matrix(self.y_true, self.y_pred[i], labels=self.labels())

    def per_class(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """System i's precision, recall, F1 and support per label of :meth:`labels` (0 where undefined)."""
        p, r, f, s = precision_recall_fscore_support(
            self.y_true, self.y_pred[i], labels=self.labels(), average=None, zero_division=0.0
        )
        return np.asarray(p), np.asarray(r), np.asarray(f), np.asarray(s)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _interval(value: Any) -> tuple[float, float] | None:
    return None if value is None else (_number(value[0]), _number(value[1]))


@dataclass(frozen=True)
class ReportData:
    """A run as a report sees it: its JSON document and, optionally, its :class:`Segments`."""

    doc: Mapping[str, Any]
    segments: Segments | None = None

    def __post_init__(self) -> None:
        doc = self.doc
        if not isinstance(doc, Mapping):
            raise InputTypeError(
                f"a report reads the JSON object of evalkit score or compare, got {type(doc).__name__}."
            )
        command = doc.get("command")
        if command not in COMMANDS:
            raise InputError(
                "a report reads the output of `evalkit score -o json` or `evalkit compare -o json`: its 'command' "
                f"must be one of {', '.join(repr(c) for c in COMMANDS)}, got {command!r}."
            )
        need = ("results",) if command == "score" else ("metrics", "systems", "baseline", "test", "n", "seed")
        missing = [k for k in ("segments", *need) if k not in doc]
        if missing:
            raise InputError(
                f"the JSON of evalkit {command} lacks {', '.join(repr(k) for k in missing)}: is it complete?"
            )

    @property
    def command(self) -> str:
        return str(self.doc["command"])

    @property
    def systems(self) -> list[str]:
        """The systems' names, the baseline first."""
        if self.command == "compare":
            return [s["name"] for s in self.doc["systems"]]
        inputs = self.doc.get("inputs", {})
        return [str(inputs.get("hypotheses", inputs.get("y_pred", inputs.get("records", "system"))))]

    @property
    def metrics(self) -> list[dict[str, Any]]:
        """Per metric: ``metric`` (the -m text), ``name``, ``display_scale`` and ``signature``."""
        entries = self.doc["results"] if self.command == "score" else self.doc["metrics"]
        keys = ("metric", "name", "display_scale", "signature")
        return [{k: e.get(k, "") for k in keys} for e in entries]

    def results(self, metric: str) -> dict[str, Result]:
        """Each system's Result of one metric (the -m text), its CI attached where the run computed one."""
        if self.command == "score":
            (e,) = [e for e in self.doc["results"] if e["metric"] == metric]
            return {self.systems[0]: Result(e["name"], _number(e["score"]), ci=_interval(e.get("ci")),
                                            display_scale=e["display_scale"])}  # fmt: skip
        (m,) = [m for m in self.metrics if m["metric"] == metric]
        out = {}
        for s in self.doc["systems"]:
            v = s["scores"][metric]
            out[s["name"]] = Result(
                m["name"], _number(v["score"]), ci=_interval(v["ci"]), display_scale=m["display_scale"]
            )
        return out

    def components(self, metric: str) -> dict[str, dict[str, Any]]:
        """Each system's components of one metric, where the run wrote them (``score`` runs)."""
        if self.command != "score":
            return {}
        (e,) = [e for e in self.doc["results"] if e["metric"] == metric]
        return {self.systems[0]: e["components"]} if isinstance(e.get("components"), dict) else {}

    def identical(self, metric: str) -> set[str]:
        """The systems whose statistics equal the baseline's on every segment (``compare`` runs): their
        p-value tests no difference, so the report does not call them significant."""
        if self.command != "compare":
            return set()
        return {s["name"] for s in self.doc["systems"] if s["scores"][metric].get("identical")}

    def tests(self, metric: str) -> dict[str, PairedTest]:
        """Each non-baseline system's paired test of one metric against the baseline (``compare`` runs)."""
        if self.command != "compare":
            return {}
        systems = self.doc["systems"]
        base = next(s for s in systems if s["baseline"])["scores"][metric]["score"]
        return {
            s["name"]: PairedTest(
                self.doc["test"], _number(s["scores"][metric]["score"]), _number(base),
                _number(s["scores"][metric]["p_value"]), int(self.doc["n"]), self.doc["seed"],
            )
            for s in systems
            if not s["baseline"]
        }  # fmt: skip


__all__ = ["COMMANDS", "ReportData", "Segments"]
