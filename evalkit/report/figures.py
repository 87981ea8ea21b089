"""The report's charts by name: which a run has, each drawn as one figure (a panel per metric or per
system) with :mod:`evalkit.plot`, written inline as SVG for the page or alone as PNG, SVG or PDF.

| name           | panels     | needs                                   |
| -------------- | ---------- | --------------------------------------- |
| ``scores``       | per metric | always (the JSON's scores and CIs)      |
| ``differences``  | per metric | a comparison (2+ systems)               |
| ``distribution`` | per metric | the input files of a text run           |
| ``confusion``    | per system | the input files of a classification run |
| ``per-class``    | per system | the input files of a classification run |
| ``residuals``    | per system | the input files of a regression run     |
| ``reliability``  | per metric | a ``calibration_error`` of a score run  |
| ``roc``          | per metric | a ``roc_auc`` of binary scores, score run |
| ``pr``           | per metric | an ``average_precision`` of binary scores, score run |
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from evalkit import plot
from evalkit.core.errors import InvalidOptionError
from evalkit.core.optional import require
from evalkit.report.data import ReportData

#: every chart name, in the order the page shows them
FIGURES = ("scores", "differences", "distribution", "confusion", "per-class", "residuals", "reliability", "roc", "pr")
#: the file suffixes ``save`` writes, and matplotlib's format names for them
SUFFIXES = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_PER_METRIC = ("scores", "differences", "distribution", "reliability", "roc", "pr")
_HEIGHTS = {
    "distribution": 3.2, "confusion": 4.5, "per-class": 3.2, "residuals": 3.4, "reliability": 4.0, "roc": 4.0, "pr": 4.0,
}  # fmt: skip
#: the components a curve chart draws (the points a roc_auc or average_precision Result carries)
_CURVES = {"roc": ("fpr", "tpr"), "pr": ("recall", "precision")}


def available(data: ReportData) -> list[str]:
    """The charts this run has, in :data:`FIGURES` order."""
    seg = data.segments
    out = ["scores"]
    if data.command == "compare":
        out.append("differences")
    if seg is not None and seg.task == "text" and seg.scores:
        out.append("distribution")
    if seg is not None and seg.task == "classification":
        out += ["confusion", "per-class"]
    if seg is not None and seg.task == "regression":
        out.append("residuals")
    if _binned(data):
        out.append("reliability")
    out += [name for name in _CURVES if _with_curve(data, name)]
    return out


def _with_curve(data: ReportData, name: str) -> list[str]:
    """The metrics of the run whose results hold the points of a curve (binary roc_auc, average_precision)."""
    keys = _CURVES[name]
    return [  # the points are lists: a scalar precision and recall (NER's) are no curve
        m["metric"]
        for m in data.metrics
        if any(
            set(keys) <= set(c) and all(isinstance(c[k], list) for k in keys)
            for c in data.components(m["metric"]).values()
        )
    ]


def _binned(data: ReportData) -> list[str]:
    """The metrics of the run whose results hold calibration bins (a calibration_error of a score run)."""
    return [m["metric"] for m in data.metrics if any("confidence" in c for c in data.components(m["metric"]).values())]


def check_name(data: ReportData, name: str) -> str:
    """``name`` if this run has that chart, else an error listing the charts it has."""
    if name not in available(data):
        why = "" if name in FIGURES else f" (the charts are {', '.join(FIGURES)})"
        raise InvalidOptionError(
            f"The 'figure' parameter must be one of the charts this run has: {', '.join(available(data))}. "
            f"Got {name!r} instead{why}."
        )
    return name


def check_suffix(path: str | Path) -> str:
    """The matplotlib format of a figure file from its suffix, or an error listing the suffixes allowed."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidOptionError(
            f"The 'out' parameter of a figure must end in {', '.join(SUFFIXES)} (the format comes from the "
            f"suffix). Got {str(path)!r} instead."
        )
    return SUFFIXES[suffix]


def figure(data: ReportData, name: str) -> Any:
    """The chart ``name`` of this run as a matplotlib Figure, one panel per metric or per system."""
    check_name(data, name)
    figure_module = require("matplotlib.figure", "plot", "evalkit report's charts")
    keys = [m["metric"] for m in data.metrics] if name in _PER_METRIC else list(range(len(data.systems)))
    keys = _binned(data) if name == "reliability" else _with_curve(data, name) if name in _CURVES else keys
    fig = figure_module.Figure(figsize=(6.5, _panel_height(data, name) * len(keys)), layout="constrained")
    axes = fig.subplots(len(keys), 1, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys):
        _panel(data, name, key, ax)
    return fig


def _panel_height(data: ReportData, name: str) -> float:
    if name in ("scores", "differences"):  # a row per system (the baseline has no difference)
        return 1.0 + 0.45 * (len(data.systems) - (name == "differences"))
    return _HEIGHTS[name]


def _panel(data: ReportData, name: str, key: Any, ax: Any) -> None:
    seg = data.segments
    if name == "scores":
        plot.scores(data.results(key), ax=ax)
    elif name == "differences":
        m = _metric(data, key)
        plot.differences(data.tests(key), scale=m["display_scale"], label=m["name"], ax=ax)
    elif name == "distribution":
        m = _metric(data, key)
        plot.distribution(dict(zip(data.systems, seg.scores[key])), scale=m["display_scale"], label=m["name"], ax=ax)
        ax.set_title(f"{key}: per-segment scores", fontsize=9)
    elif name == "confusion":
        plot.confusion_matrix(seg.confusion(key), seg.labels(), ax=ax)
        ax.set_title(data.systems[key], fontsize=9)
    elif name == "reliability":
        plot.reliability(data.components(key), ax=ax)
        ax.set_title(f"{key}: reliability", fontsize=9)
    elif name in _CURVES:
        draw = plot.roc if name == "roc" else plot.precision_recall
        draw(data.components(key), ax=ax)
        ax.set_title(f"{key}: {'ROC' if name == 'roc' else 'precision-recall'} curve", fontsize=9)
    elif name == "per-class":
        p, r, f, _ = seg.per_class(key)
        plot.per_class(p, r, f, seg.labels(), ax=ax)
        ax.set_title(data.systems[key], fontsize=9)
    else:  # residuals
        plot.residuals(seg.y_true, seg.y_pred[key], ax=ax)
        ax.set_title(f"{data.systems[key]}\n{ax.get_title()}", fontsize=9)


def _metric(data: ReportData, key: str) -> dict[str, Any]:
    return next(m for m in data.metrics if m["metric"] == key)


def to_svg(fig: Any, salt: str = "evalkit") -> str:
    """The figure as an inline ``<svg>`` element: text drawn as paths (no font to fetch), no XML prologue.

    Element ids derive from ``salt`` (give each chart of a page its own) and the content, not from chance.
    """
    matplotlib = require("matplotlib", "plot", "evalkit report's charts")
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):  # fixed ids and no date: same run, same page
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg") :]


def save(fig: Any, path: str | Path) -> None:
    """Write the figure to ``path`` in the format its suffix names (``.png``, ``.svg``, ``.pdf``)."""
    fmt = check_suffix(path)
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(path, format=fmt, dpi=200, bbox_inches="tight", metadata=metadata)


__all__ = ["FIGURES", "SUFFIXES", "available", "check_name", "check_suffix", "figure", "save", "to_svg"]
