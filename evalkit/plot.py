"""Charts of evaluation results, for a notebook and for ``evalkit report``: one function per chart.

Each function draws one panel on ``ax`` (a new figure's axes when ``ax`` is ``None``) and returns the axes,
so that charts compose (``fig.subplots`` and one call per panel) and save as any format matplotlib writes
(``ax.figure.savefig("fig.pdf")``). The figures are built with :class:`matplotlib.figure.Figure`, not
pyplot: no global state and no display backend, so the same code runs in a notebook, a server and a test.
matplotlib is imported on the first call; without it the call raises
:class:`~evalkit.core.errors.MissingDependencyError` naming the ``plot`` extra
(``pip install 'evalkit[plot]'``).

Scores are drawn times their ``display_scale`` (BLEU x100), as the human-facing tables show them.

Example:
    >>> import evalkit, evalkit.plot
    >>> refs = [["the cat sat on the mat"], ["a dog ran in the park"]]
    >>> base = evalkit.bleu(["the cat sat on a mat", "a dog ran"], refs)
    >>> system = evalkit.bleu(["the cat sat on the mat", "a dog ran in a park"], refs)
    >>> ax = evalkit.plot.scores({"baseline": base, "system": system})
    >>> ax.get_xlabel()
    'BLEU (x100)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.optional import require
from evalkit.core.result import Result
from evalkit.stats.significance import PairedTest

#: above this many points a scatter is drawn as one embedded image, so that an SVG stays small
RASTER_POINTS = 2000

# colour-blind-safe (Okabe-Ito) colours, one per system in the order given
_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_BETTER, _WORSE = "#009E73", "#D55E00"


def color(i: int) -> str:
    """The colour of the ``i``-th system in every chart (and in the report's tables)."""
    return _COLORS[i % len(_COLORS)]


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    figure = require("matplotlib.figure", "plot", "evalkit.plot")
    return figure.Figure(figsize=size, layout="constrained").add_subplot()


def _mapping(owner: str, param: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputTypeError(
            f"The {param!r} parameter of {owner} must be a mapping of system name to value, got {type(value).__name__}."
        )
    if not value:
        raise InputError(f"The {param!r} parameter of {owner} must hold at least one system, got an empty mapping.")
    return value


def _vector(owner: str, param: str, value: Any) -> np.ndarray:
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"The {param!r} parameter of {owner} must hold numbers, got {value!r:.60}.") from None
    if out.ndim != 1:
        raise InputError(f"The {param!r} parameter of {owner} must be 1-D, got shape {out.shape}.")
    return out


def _scale_label(name: str, scale: float) -> str:
    return name if scale == 1 else f"{name} (x{scale:g})"


def scores(results: Mapping[str, Result], *, ax: Any = None) -> Any:
    """Each system's score of one metric as a dot, with its confidence interval (``Result.ci``) as a bar.

    Example:
        >>> import evalkit, evalkit.plot
        >>> r = evalkit.Result("accuracy", 0.75, ci=(0.70, 0.80))
        >>> [t.get_text() for t in evalkit.plot.scores({"model": r}).get_yticklabels()]
        ['model']
    """
    owner = "evalkit.plot.scores"
    results = _mapping(owner, "results", results)
    for name, r in results.items():
        if not isinstance(r, Result):
            raise InputTypeError(
                f"The 'results' parameter of {owner} must map names to Result, got {type(r).__name__} for {name!r}."
            )
    first = next(iter(results.values()))
    scale = first.display_scale
    ax = _axes(ax, (6.0, 0.6 + 0.45 * len(results)))
    for i, r in enumerate(results.values()):
        y = len(results) - 1 - i
        value = r.score * scale
        if r.ci is not None:
            # a percentile interval need not hold the point (a biased statistic such as NIST or CIDEr-D,
            # whose resamples repeat references), so it is drawn as a segment of its own, not error bars
            lo, hi = (c * scale for c in r.ci)
            ax.plot([lo, hi], [y, y], "|-", color=color(i), markersize=10)
        ax.plot([value], [y], "o", color=color(i))
        ax.annotate(f"{value:.2f}" if scale != 1 else f"{value:.4f}", (value, y), xytext=(0, 7),
                    textcoords="offset points", ha="center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(results)), list(results)[::-1])
    ax.set_ylim(-0.6, len(results) - 0.4)
    ax.set_xlabel(_scale_label(first.name, scale))
    ax.grid(axis="x", alpha=0.3)
    return ax


def distribution(segment_scores: Mapping[str, Any], *, scale: float = 1.0, label: str = "score", ax: Any = None) -> Any:
    """Histograms of each system's per-segment scores (sentence-level, times ``scale``), one outline each,
    with each system's mean as a dashed line.

    Example:
        >>> import evalkit.plot
        >>> ax = evalkit.plot.distribution({"a": [0.1, 0.5, 0.9], "b": [0.2, 0.2, 0.4]}, scale=100, label="BLEU")
        >>> ax.get_xlabel(), len(ax.get_legend().get_texts())
        ('BLEU (x100)', 2)
    """
    owner = "evalkit.plot.distribution"
    values = {
        k: _vector(owner, "segment_scores", v) * scale
        for k, v in _mapping(owner, "segment_scores", segment_scores).items()
    }
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 31)
    ax = _axes(ax, (6.0, 3.2))
    for i, (name, v) in enumerate(values.items()):
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, histtype="step", linewidth=1.6, color=color(i), label=f"{name} (n={len(v):,})")
        if v.size:
            ax.axvline(float(v.mean()), color=color(i), linestyle="--", linewidth=1)
    ax.set_xlabel(_scale_label(label, scale))
    ax.set_ylabel("segments")
    ax.legend(fontsize=8)
    return ax


def differences(tests: Mapping[str, PairedTest], *, scale: float = 1.0, label: str = "score", alpha: float = 0.05,
                ax: Any = None) -> Any:  # fmt: skip
    """Each system's score minus the baseline's (``PairedTest.difference``, times ``scale``) as a bar, marked
    ``*`` when the paired test's p-value is below ``alpha``; green where the system is higher.

    Example:
        >>> import evalkit.plot
        >>> from evalkit.stats.significance import PairedTest
        >>> t = PairedTest("paired_bootstrap", score=0.40, baseline_score=0.35, p_value=0.001, n=1000, seed=1)
        >>> [x.get_text() for x in evalkit.plot.differences({"system": t}, scale=100).texts]
        ['+5.00*']
    """
    owner = "evalkit.plot.differences"
    tests = _mapping(owner, "tests", tests)
    for name, t in tests.items():
        if not isinstance(t, PairedTest):
            raise InputTypeError(
                f"The 'tests' parameter of {owner} must map names to PairedTest, got {type(t).__name__} for {name!r}."
            )
    ax = _axes(ax, (6.0, 0.6 + 0.45 * len(tests)))
    names = list(tests)
    for i, name in enumerate(names):
        t = tests[name]
        d = t.difference * scale
        y = len(names) - 1 - i
        ax.barh([y], [d], color=_BETTER if d >= 0 else _WORSE, alpha=0.8)
        mark = "*" if t.p_value < alpha else ""
        text = f"{d:+.2f}{mark}" if scale != 1 else f"{d:+.4f}{mark}"
        ax.annotate(text, (d, y), xytext=(4 if d >= 0 else -4, 0), textcoords="offset points",
                    ha="left" if d >= 0 else "right", va="center", fontsize=8)  # fmt: skip
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(names)), names[::-1])
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.margins(x=0.25)
    ax.set_xlabel(f"{_scale_label(label, scale)}: system - baseline (* p < {alpha:g})")
    return ax


def confusion_matrix(matrix: Any, labels: Sequence[Any], *, ax: Any = None) -> Any:
    """A heatmap of a confusion matrix (rows: true labels, columns: predicted), cells shaded by their share
    of the row (recall), counts written in the cells where the matrix is small enough to read them.

    Example:
        >>> import evalkit, evalkit.plot
        >>> cm = evalkit.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2])
        >>> evalkit.plot.confusion_matrix(cm, [0, 1, 2]).get_ylabel()
        'true label'
    """
    owner = "evalkit.plot.confusion_matrix"
    m = np.asarray(matrix, dtype=np.float64)
    labels = list(labels)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] != len(labels):
        raise InputError(
            f"The 'matrix' parameter of {owner} must be square with one row per label ({len(labels)} labels), "
            f"got shape {m.shape}."
        )
    k = len(labels)
    rows = m.sum(axis=1, keepdims=True)
    share = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    ax = _axes(ax, (max(3.5, 0.5 * k + 2), max(3.0, 0.5 * k + 1.5)))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.figure.colorbar(image, ax=ax, label="share of the true label")
    if k <= 20:  # beyond that the numbers would overlap
        for i in range(k):
            for j in range(k):
                count = f"{m[i, j]:g}"
                ax.text(
                    j, i, count, ha="center", va="center", fontsize=8, color="white" if share[i, j] > 0.5 else "black"
                )
    names = [str(x) for x in labels]
    ax.set_xticks(range(k), names, rotation=45 if k > 6 else 0, ha="right" if k > 6 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    return ax


def per_class(precision: Any, recall: Any, f1: Any, labels: Sequence[Any], *, ax: Any = None) -> Any:
    """Precision, recall and F1 of each class as grouped bars (``precision_recall_fscore_support(...,
    average=None)``'s first three arrays).

    Example:
        >>> import evalkit, evalkit.plot
        >>> p, r, f, _ = evalkit.precision_recall_fscore_support([0, 1, 1], [0, 1, 0])
        >>> len(evalkit.plot.per_class(p, r, f, [0, 1]).patches)
        6
    """
    owner = "evalkit.plot.per_class"
    arrays = [_vector(owner, n, v) for n, v in (("precision", precision), ("recall", recall), ("f1", f1))]
    labels = list(labels)
    for name, a in zip(("precision", "recall", "f1"), arrays):
        if len(a) != len(labels):
            raise InputError(
                f"The {name!r} parameter of {owner} must hold one value per label ({len(labels)}), got {len(a)}."
            )
    k = len(labels)
    ax = _axes(ax, (max(4.0, 0.6 * k + 2), 3.2))
    x = np.arange(k)
    for i, (name, a) in enumerate(zip(("precision", "recall", "F1"), arrays)):
        ax.bar(x + (i - 1) * 0.27, a, width=0.27, label=name, color=color(i))
    ax.set_xticks(x, [str(v) for v in labels], rotation=45 if k > 6 else 0)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.legend(fontsize=8, ncols=3, loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    return ax


def reliability(bins: Mapping[str, Any], *, ax: Any = None) -> Any:
    """A reliability diagram: each system's mean accuracy against its mean confidence per bin, a marker's
    area proportional to the bin's weight, over the diagonal of perfect calibration. ``bins`` maps a system
    to a ``calibration_error`` Result (or its components: ``confidence``, ``accuracy``, ``weight``).

    Example:
        >>> import evalkit, evalkit.plot
        >>> result = evalkit.CalibrationError(n_bins=2)([0, 1, 1, 1], [0.25, 0.25, 0.75, 0.75])
        >>> len(evalkit.plot.reliability({"model": result}).lines)
        2
    """
    owner = "evalkit.plot.reliability"
    ax = _axes(ax, (4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
    for i, (name, value) in enumerate(_mapping(owner, "bins", bins).items()):
        parts = value.components if isinstance(value, Result) else value
        if not isinstance(parts, Mapping) or not {"confidence", "accuracy", "weight"} <= set(parts):
            raise InputError(
                f"The 'bins' parameter of {owner} must map each system to a calibration_error Result or its "
                f"components (confidence, accuracy, weight); {name!r} has {sorted(parts)!r:.80}."
            )
        conf, acc, weight = (_vector(owner, key, parts[key]) for key in ("confidence", "accuracy", "weight"))
        size = 400 * weight / max(float(weight.sum()), 1e-300)
        ax.plot(conf, acc, color=color(i), linewidth=1, label=str(name))
        ax.scatter(conf, acc, s=np.maximum(size, 4), color=color(i), alpha=0.7, edgecolors="none")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean confidence in the bin")
    ax.set_ylabel("accuracy in the bin")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return ax


def _curves(owner: str, curves: Mapping[str, Any], x: str, y: str, what: str, ax: Any) -> Any:
    for i, (name, value) in enumerate(_mapping(owner, "curves", curves).items()):
        parts = value.components if isinstance(value, Result) else value
        if not isinstance(parts, Mapping) or not {x, y} <= set(parts):
            raise InputError(
                f"The 'curves' parameter of {owner} must map each system to a {what} Result of binary scores or "
                f"its components ({x}, {y}); {name!r} has {sorted(parts) if isinstance(parts, Mapping) else parts!r:.80}."
            )
        label = f"{name} ({float(value):.4f})" if isinstance(value, Result) else str(name)
        ax.plot(_vector(owner, x, parts[x]), _vector(owner, y, parts[y]), color=color(i), linewidth=1.2, label=label)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(fontsize=8, loc="lower right" if x == "fpr" else "lower left")
    ax.grid(alpha=0.3)
    return ax


def roc(curves: Mapping[str, Any], *, ax: Any = None) -> Any:
    """ROC curves: each system's true positive rate against its false positive rate, over the diagonal of
    chance. ``curves`` maps a system to a ``roc_auc`` Result of binary scores (or its components: ``fpr``,
    ``tpr``), the legend showing its AUC.

    Example:
        >>> import evalkit, evalkit.plot
        >>> len(evalkit.plot.roc({"model": evalkit.RocAuc()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])}).lines)
        2
    """
    ax = _axes(ax, (4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
    _curves("evalkit.plot.roc", curves, "fpr", "tpr", "roc_auc", ax)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    return ax


def precision_recall(curves: Mapping[str, Any], *, ax: Any = None) -> Any:
    """Precision-recall curves: each system's precision against its recall. ``curves`` maps a system to an
    ``average_precision`` Result of binary scores (or its components: ``recall``, ``precision``), the
    legend showing its average precision.

    Example:
        >>> import evalkit, evalkit.plot
        >>> result = evalkit.AveragePrecision()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> len(evalkit.plot.precision_recall({"model": result}).lines)
        1
    """
    ax = _axes(ax, (4.2, 4.0))
    _curves("evalkit.plot.precision_recall", curves, "recall", "precision", "average_precision", ax)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    return ax


def residuals(y_true: Any, y_pred: Any, *, ax: Any = None) -> Any:
    """Residuals ``y_pred - y_true`` against the predictions, with the zero line: a pattern (a slope, a
    funnel) is a bias the summary errors hide. Beyond :data:`RASTER_POINTS` points the dots are one image.

    Example:
        >>> import evalkit.plot
        >>> evalkit.plot.residuals([1.0, 2.0, 3.0], [1.1, 1.8, 3.3]).get_ylabel()
        'residual (predicted - true)'
    """
    owner = "evalkit.plot.residuals"
    t, p = _vector(owner, "y_true", y_true), _vector(owner, "y_pred", y_pred)
    if len(t) != len(p):
        raise InputError(f"{owner}: 'y_true' and 'y_pred' must have the same length, got {len(t)} and {len(p)}.")
    ax = _axes(ax, (6.0, 3.2))
    e = p - t
    ax.scatter(p, e, s=6 if len(p) > RASTER_POINTS else 14, alpha=0.5 if len(p) > RASTER_POINTS else 0.8,
               color=color(0), rasterized=len(p) > RASTER_POINTS, linewidths=0)  # fmt: skip
    ax.axhline(0, color="black", linewidth=0.8)
    if len(e):
        rmse = math.sqrt(float(np.mean(e**2)))
        ax.set_title(f"n={len(e):,}  mean residual={float(e.mean()):+.4g}  RMSE={rmse:.4g}", fontsize=9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("residual (predicted - true)")
    return ax


__all__ = [
    "RASTER_POINTS",
    "color",
    "confusion_matrix",
    "differences",
    "distribution",
    "per_class",
    "precision_recall",
    "reliability",
    "residuals",
    "roc",
    "scores",
]
