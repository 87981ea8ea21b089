"""Regression metrics and training losses with scikit-learn's names, arguments and results.

Every metric here except :func:`median_absolute_error` is a function of weighted **moments** per output,
computed in one pass over a batch and merged across batches:

- sums: ``w = sum(w_i)``, ``sse = sum(w_i e_i²)``, ``sae = sum(w_i |e_i|)``,
  ``ape = sum(w_i |e_i| / max(|y_i|, eps))``, ``huber = sum(w_i huber(e_i))``;
- ``max = max |e_i|`` (merged by ``max``);
- for R² and explained variance, a weighted mean and sum of squared deviations, ``(mean_y, m2_y)`` and
  ``(mean_e, m2_e)``, merged by Chan's formula ``m2 = m2_a + m2_b + d² w_a w_b / w`` (``d`` the difference
  of the means). The textbook ``sum(w y²) - (sum(w y))² / w`` loses every digit when the mean is large
  against the spread; the merged form does not.

with ``e_i = y_true_i - y_pred_i``. The classes (:class:`MeanSquaredError`, :class:`R2Score`, ...) keep
only these moments (memory independent of the number of samples); the functions compute them once on
their input and score them with the same private code.

Reference: scikit-learn 1.9 ``sklearn.metrics`` (``huber_loss``: ``torch.nn.functional.huber_loss``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, UndefinedMetricWarning
from evalkit.core.inputs import as_array, as_weights, check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import (
    check_bool,
    check_choice,
    check_finite,
    check_number,
    check_same_n_samples,
)

__all__ = [
    "ExplainedVariance",
    "HuberLoss",
    "MaxError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "R2Score",
    "RootMeanSquaredError",
    "explained_variance_score",
    "huber_loss",
    "max_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "median_absolute_error",
    "r2_score",
    "root_mean_squared_error",
]

_MULTIOUTPUT = ("raw_values", "uniform_average", "variance_weighted")
_EPS = np.finfo(np.float64).eps


# -- inputs --------------------------------------------------------------------------------------------
def _targets(
    owner: str, y_true: Any, y_pred: Any, sample_weight: Any, *, keep_tensors: bool = False
) -> tuple[Any, Any, Any]:
    """Float ``(n, n_outputs)`` views of the targets, checked; weights as a 1-D array or ``None``. With
    ``keep_tensors``, tensor inputs stay tensors on their device (the other inputs are moved there)."""
    moved = None
    if keep_tensors and (arrays.is_tensor(y_true) or arrays.is_tensor(y_pred)):
        ref = y_pred if arrays.is_tensor(y_pred) else y_true
        moved = [None if y is None else arrays.moved_to(y, ref) for y in (y_true, y_pred, sample_weight)]
    if moved is not None and None not in moved[:2] and (sample_weight is None or moved[2] is not None):
        y_true, y_pred, sample_weight = moved
    else:  # arrays; or not numbers, or on another device: the host checks below name the fault
        y_true, y_pred, sample_weight = (arrays.to_host(y) for y in (y_true, y_pred, sample_weight))
    out = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        a = y if arrays.is_tensor(y) else as_array(owner, name, y)
        if arrays.dtype_kind(a) not in "biuf" or a.ndim not in (1, 2):
            raise InputError(
                f"{owner}: {name} must be a 1-D or 2-D array of numbers, got shape {tuple(a.shape)} and dtype "
                f"{a.dtype}."
            )
        out.append(arrays.as_float64(a))
    n = check_same_n_samples(owner, y_true=out[0], y_pred=out[1])
    t, p = (a.reshape(-1, 1) if a.ndim == 1 else a for a in out)
    if t.shape[1] != p.shape[1]:
        raise InputError(
            f"{owner}: y_true and y_pred must have the same number of outputs, but y_true has shape "
            f"{np.shape(y_true)} and y_pred has shape {np.shape(y_pred)}."
        )
    if n == 0:
        raise InputError(f"{owner}: y_true and y_pred are empty; at least one sample is needed.")
    return t, p, as_weights(owner, sample_weight, n)


def _check_multioutput(owner: str, multioutput: Any, n_outputs: int | None = None, *, variance: bool = False) -> Any:
    """``multioutput``: a name (``"variance_weighted"`` only for R² and explained variance) or weights."""
    if isinstance(multioutput, str) or multioutput is None:
        return check_choice(owner, "multioutput", multioutput, _MULTIOUTPUT if variance else _MULTIOUTPUT[:2])
    weights = np.asarray(multioutput, dtype=np.float64)
    if weights.ndim != 1:
        raise InputError(f"{owner}: multioutput weights must be 1-D, got shape {weights.shape}.")
    if n_outputs == 1:
        raise InputError(f"{owner}: custom multioutput weights are useful only with several outputs; there is one.")
    if n_outputs is not None and len(weights) != n_outputs:
        raise InputError(
            f"{owner}: there must be as many multioutput weights ({len(weights)}) as outputs ({n_outputs})."
        )
    return weights


# -- moments -------------------------------------------------------------------------------------------
# Sums over samples use einsum, not BLAS (np.dot, @): as fast on one core, no squared temporary, and no
# BLAS thread pool to fight torch's threads in a training loop (that fight made np.dot 30x slower).
def _sum_squares(d: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``sum(w d²)`` per column."""
    return np.einsum("ij,ij->j", d, d) if w is None else np.einsum("i,ij,ij->j", w, d, d)


def _column_sums(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``sum(w x)`` per column."""
    return x.sum(axis=0) if w is None else np.einsum("i,ij->j", w, x)


def _mean_m2(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if w is not None and w.sum() == 0:  # a zero-weight batch of a running metric: nothing to add
        return np.zeros(x.shape[1]), np.zeros(x.shape[1])
    mean = np.average(x, axis=0, weights=w)
    return mean, _sum_squares(x - mean, w)


def _moments(
    owner: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None, needs: tuple[str, ...], delta: float
) -> dict:
    """The moments in ``needs`` of one batch (see the module docstring).

    NaN or infinity in the input makes some moment non-finite; only then are the inputs scanned for the
    position to report, which saves two passes over valid input."""
    with np.errstate(invalid="ignore"):  # inf - inf: reported below as the bad input it is
        m = _raw_moments(t, p, w, needs, delta)
    if not all(np.isfinite(v).all() for v in m.values()):
        check_finite(owner, "y_true", t[:, 0] if t.shape[1] == 1 else t)
        check_finite(owner, "y_pred", p[:, 0] if p.shape[1] == 1 else p)
    return m


def _raw_moments(t: np.ndarray, p: np.ndarray, w: np.ndarray | None, needs: tuple[str, ...], delta: float) -> dict:
    m: dict[str, Any] = {"w": float(len(t)) if w is None else float(w.sum()), "n": len(t)}
    e = t - p  # the one temporary as large as the input
    if "sse" in needs:
        m["sse"] = _sum_squares(e, w)
    if "mean_e" in needs:
        m["mean_e"], m["m2_e"] = _mean_m2(e, w)
    if {"max", "sae", "huber", "ape"} & set(needs):
        np.abs(e, out=e)
    if "max" in needs:
        m["max"] = e.max(axis=0)
    if "sae" in needs:
        m["sae"] = _column_sums(e, w)
    if "huber" in needs:
        quad = e <= delta
        h = np.where(quad, 0.5 * e * e, delta * (e - 0.5 * delta))
        m["huber"] = _column_sums(h, w)
    if "ape" in needs:
        e /= np.maximum(np.abs(t), _EPS)
        m["ape"] = _column_sums(e, w)
    del e
    if "mean_y" in needs:
        m["mean_y"], m["m2_y"] = _mean_m2(t, w)
    return m


def _merge(a: dict, b: dict) -> dict:
    """Moments of two batches together: sums add, maxima take the max, means and m2 merge by Chan."""
    out = {"w": a["w"] + b["w"], "n": a["n"] + b["n"]}
    for key in a:
        if key in ("w", "n", "mean_y", "mean_e", "m2_y", "m2_e"):
            continue
        out[key] = np.maximum(a[key], b[key]) if key == "max" else a[key] + b[key]
    for mean, m2 in (("mean_y", "m2_y"), ("mean_e", "m2_e")):
        if mean not in a:
            continue
        if a["w"] == 0 or b["w"] == 0:  # a zero-weight side adds nothing (and has no defined mean)
            out[mean], out[m2] = (b[mean], b[m2]) if a["w"] == 0 else (a[mean], a[m2])
            continue
        d = b[mean] - a[mean]
        out[mean] = a[mean] + d * (b["w"] / out["w"])
        out[m2] = a[m2] + b[m2] + d * d * (a["w"] * b["w"] / out["w"])
    return out


def _average_outputs(scores: np.ndarray, multioutput: Any, variance: np.ndarray | None = None) -> Any:
    if isinstance(multioutput, str) and multioutput == "raw_values":
        return scores
    weights = None
    if isinstance(multioutput, np.ndarray):
        weights = multioutput
    elif multioutput == "variance_weighted" and variance is not None and (variance != 0).any():
        weights = variance
    return float(np.average(scores, weights=weights))


def _fraction_explained(num: np.ndarray, den: np.ndarray, multioutput: Any, force_finite: bool) -> Any:
    """``1 - num / den`` per output; with ``force_finite``, 1.0 for a perfect fit and 0.0 where only the
    denominator is zero (constant ``y_true``), as scikit-learn."""
    if not force_finite:  # numpy warns of 0/0 here, as it does under scikit-learn
        scores = 1 - num / den
    else:
        scores = np.ones(len(num))
        valid = (den != 0) & (num != 0)
        scores[valid] = 1 - num[valid] / den[valid]
        scores[(num != 0) & (den == 0)] = 0.0
    return _average_outputs(scores, multioutput, den)


def _score(owner: str, metric: str, m: dict, multioutput: Any, force_finite: bool = True) -> Any:
    """The value of ``metric`` from moments ``m`` (the pure scoring step of every function and class)."""
    if m["w"] == 0:
        raise InputError(f"{owner}: the total sample weight is zero; the score is undefined.")
    if metric == "max_error":
        if len(m["max"]) > 1:
            raise InputError(f"{owner}: max_error supports a single output; y_true has {len(m['max'])}.")
        return float(m["max"][0])
    if metric == "r2":
        if m["n"] < 2:
            warnings.warn(
                "R^2 score is not well-defined with less than two samples.", UndefinedMetricWarning, stacklevel=3
            )
            return float("nan")
        return _fraction_explained(m["sse"], m["m2_y"], multioutput, force_finite)
    if metric == "explained_variance":
        return _fraction_explained(m["m2_e"] / m["w"], m["m2_y"] / m["w"], multioutput, force_finite)
    key = {"mse": "sse", "rmse": "sse", "mae": "sae", "mape": "ape", "huber": "huber"}[metric]
    per_output = m[key] / m["w"]
    if metric == "rmse":
        per_output = np.sqrt(per_output)
    return _average_outputs(per_output, multioutput)


_NEEDS = {
    "mse": ("sse",),
    "rmse": ("sse",),
    "mae": ("sae",),
    "mape": ("ape",),
    "max_error": ("max",),
    "huber": ("huber",),
    "r2": ("sse", "mean_y"),
    "explained_variance": ("mean_e", "mean_y"),
}


def _inputs(owner: str, y_true: Any, y_pred: Any, sample_weight: Any, multioutput: Any, variance: bool) -> tuple:
    """``(y_true, y_pred, weights, multioutput)`` of one functional call, checked: the option first, then
    the targets, then the option against their number of outputs."""
    multioutput = _check_multioutput(owner, multioutput, variance=variance)
    t, p, w = _targets(owner, y_true, y_pred, sample_weight)
    check_some_weight(owner, w)
    return t, p, w, _check_multioutput(owner, multioutput, t.shape[1], variance=variance)


def _functional(owner, metric, y_true, y_pred, sample_weight, multioutput, force_finite=True, delta=1.0):
    variance = metric in ("r2", "explained_variance")
    t, p, w, multioutput = _inputs(owner, y_true, y_pred, sample_weight, multioutput, variance)
    return _score(owner, metric, _moments(owner, t, p, w, _NEEDS[metric], delta), multioutput, force_finite)


# -- functions -----------------------------------------------------------------------------------------
def mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w e²) / sum(w)`` per output, averaged as ``multioutput`` says.

    Example:
        >>> mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
        0.375
    """
    return _functional("mean_squared_error", "mse", y_true, y_pred, sample_weight, multioutput)


def root_mean_squared_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sqrt(sum(w e²) / sum(w))`` per output, then averaged.

    Example:
        >>> round(root_mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.6124
    """
    return _functional("root_mean_squared_error", "rmse", y_true, y_pred, sample_weight, multioutput)


def mean_absolute_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w |e|) / sum(w)`` per output, then averaged.

    Example:
        >>> mean_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
        0.5
    """
    return _functional("mean_absolute_error", "mae", y_true, y_pred, sample_weight, multioutput)


def mean_absolute_percentage_error(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, multioutput: Any = "uniform_average"
) -> Any:
    """``sum(w |e| / max(|y_true|, eps)) / sum(w)`` (a fraction, not a percentage), then averaged.

    Example:
        >>> round(mean_absolute_percentage_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.3274
    """
    return _functional("mean_absolute_percentage_error", "mape", y_true, y_pred, sample_weight, multioutput)


def max_error(y_true: Any, y_pred: Any) -> float:
    """``max |e|`` (single output).

    Example:
        >>> max_error([3, 2, 7, 1], [4, 2, 7, 1])
        1.0
    """
    return _functional("max_error", "max_error", y_true, y_pred, None, "uniform_average")


def r2_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
) -> Any:
    """Coefficient of determination ``1 - sum(w e²) / sum(w (y - mean_w(y))²)`` per output.

    With ``force_finite`` (default), a constant ``y_true`` scores 1.0 if predicted exactly, else 0.0
    (instead of NaN / -inf). ``multioutput="variance_weighted"`` weights outputs by their variance.
    Fewer than two samples: NaN and an :class:`UndefinedMetricWarning`.

    Example:
        >>> round(r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.9486
    """
    return _functional("r2_score", "r2", y_true, y_pred, sample_weight, multioutput, force_finite)


def explained_variance_score(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
    force_finite: bool = True,
) -> Any:
    """``1 - Var_w(y_true - y_pred) / Var_w(y_true)`` per output (``force_finite`` as :func:`r2_score`).

    Example:
        >>> round(explained_variance_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), 4)
        0.9572
    """
    owner = "explained_variance_score"
    return _functional(owner, "explained_variance", y_true, y_pred, sample_weight, multioutput, force_finite)


def huber_loss(
    y_true: Any,
    y_pred: Any,
    *,
    delta: float = 1.0,
    sample_weight: Any = None,
    multioutput: Any = "uniform_average",
) -> Any:
    """Mean Huber loss: ``0.5 e²`` where ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``.

    The definition of ``torch.nn.functional.huber_loss`` (mean reduction), with sample weights and
    ``multioutput`` as the other metrics here.

    Example:
        >>> huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -3.0])
        1.375
    """
    delta = check_number("huber_loss", "delta", delta, low=0, low_open=True)
    return _functional("huber_loss", "huber", y_true, y_pred, sample_weight, multioutput, delta=delta)


def _weighted_median(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """scikit-learn's ``_weighted_percentile(a, w, 50, average=True)`` per column."""
    n = len(a)
    out = np.empty(a.shape[1])
    for j in range(a.shape[1]):
        order = np.argsort(a[:, j])
        col, cdf = a[order, j], np.cumsum(w[order])
        rank = 0.5 * cdf[-1]
        if rank == 0:
            rank = np.nextafter(rank, rank + 1)
        i = min(int(np.searchsorted(cdf, rank)), n - 1)
        if cdf[i] - rank > _EPS:
            out[j] = col[i]
            continue
        nxt = min(i + 1, n - 1)
        if w[order[nxt]] == 0:  # skip zero-weight neighbours
            nxt = int(np.searchsorted(cdf, cdf[i], side="right"))
            nxt = i if nxt > n - 1 else nxt
        out[j] = (col[i] + col[nxt]) / 2
    return out


def median_absolute_error(
    y_true: Any, y_pred: Any, *, multioutput: Any = "uniform_average", sample_weight: Any = None
) -> Any:
    """Median of ``|e|`` per output (weighted median with ``sample_weight``), then averaged.

    A median is not a function of sums, so there are no moments and no stateful class: it needs every
    error at once, and it is offered only as this function (no running approximation either).

    Example:
        >>> median_absolute_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])
        0.5
    """
    owner = "median_absolute_error"
    t, p, w, multioutput = _inputs(owner, y_true, y_pred, sample_weight, multioutput, variance=False)
    check_finite(owner, "y_true", t)
    check_finite(owner, "y_pred", p)
    e = np.abs(p - t)
    errors = np.median(e, axis=0) if w is None else _weighted_median(e, w.astype(np.float64))
    return _average_outputs(errors, multioutput)


# -- stateful metrics ----------------------------------------------------------------------------------
#: the per-output columns of a regression row, for each metric (see :func:`_rows`)
_COLUMNS = {
    "mse": ("sse",),
    "rmse": ("sse",),
    "mae": ("sae",),
    "mape": ("ape",),
    "max_error": ("max",),
    "huber": ("huber",),
    "r2": ("sse", "s1_y", "s2_y"),
    "explained_variance": ("s1_e", "s2_e", "s1_y", "s2_y"),
}


def _shift_of(x: Any, w: Any) -> Any:
    """The point moments are taken about: the batch's weighted mean (its plain mean at zero weight)."""
    if w is None:
        return x.mean(0)
    if not arrays.is_tensor(x):
        return x.mean(axis=0) if w.sum() == 0 else np.average(x, axis=0, weights=w)
    weight = w.sum()  # on the device: a zero weight is taken care of without reading it
    return arrays.where(weight == 0, x.mean(0), (w[:, None] * x).sum(0) / arrays.where(weight == 0, 1.0, weight))


def _rows(owner: str, metric: str, t: Any, p: Any, w: Any, delta: float) -> Rows:
    """One row per sample: for each column of :data:`_COLUMNS` one value per output, then ``w`` and ``1``.

    ``s1_y = w (y - c_y)`` and ``s2_y = w (y - c_y)²`` are moments about a shift ``c_y`` (likewise for the
    error ``e``): the rows' ``space``, the batch's weighted mean, so that their sums hold the squared
    deviations as the two-pass formula does; :func:`_recentred` moves a total to another shift exactly.
    Tensors stay on their device, their shifts too (no sync).
    """
    check_finite(owner, "y_true", t[:, 0] if t.shape[1] == 1 else t)
    check_finite(owner, "y_pred", p[:, 0] if p.shape[1] == 1 else p)
    weights = arrays.full(len(t), 1.0, t) if w is None else w
    wc = weights[:, None]
    e = t - p
    columns = _COLUMNS[metric]
    shift_y = _shift_of(t, w) if "s1_y" in columns else None
    shift_e = _shift_of(e, w) if "s1_e" in columns else None
    blocks = []
    for name in columns:
        if name == "sse":
            blocks.append(wc * e * e)
        elif name == "sae":
            blocks.append(wc * abs(e))
        elif name == "ape":
            blocks.append(wc * abs(e) / arrays.maximum(abs(t), _EPS))
        elif name == "huber":
            a = abs(e)
            blocks.append(wc * arrays.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta)))
        elif name == "max":
            blocks.append(abs(e))
        else:
            d = (t - shift_y) if name.endswith("_y") else (e - shift_e)
            blocks.append(wc * d if name.startswith("s1") else wc * d * d)
    dense = arrays.concat([*blocks, wc, arrays.full((len(t), 1), 1.0, t)], axis=1)
    k = t.shape[1]
    reductions = [("max" if name == "max" else "sum") for name in columns for _ in range(k)] + ["sum", "sum"]
    space = (k, _frame(shift_y), _frame(shift_e))
    return Rows(dense, reductions=reductions, space=space)


def _frame(shift: Any) -> Any:
    """A shift as a frame holds it: a tuple of floats, or the tensor itself (reading it would sync)."""
    return shift if shift is None or arrays.is_tensor(shift) else tuple(shift.tolist())


def _recentred(total: Any, columns: tuple[str, ...], space: tuple, target: tuple) -> Any:
    """A total (or rows: the last axis) of moments about ``space``'s shifts rewritten about ``target``'s:
    with ``d = c - c'``, ``S1' = S1 + W d`` and ``S2' = S2 + 2 d S1 + W d²``."""
    k = space[0]
    out = arrays.copy(arrays.as_float64(total))
    w = out[..., len(columns) * k, None]
    for suffix, at in (("_y", 1), ("_e", 2)):
        if space[at] is None or space[at] is target[at] or (isinstance(space[at], tuple) and space[at] == target[at]):
            continue
        d = arrays.like(space[at], out) - arrays.like(target[at], out)
        i1, i2 = columns.index("s1" + suffix) * k, columns.index("s2" + suffix) * k
        s1 = arrays.copy(out[..., i1 : i1 + k])
        out[..., i2 : i2 + k] += 2 * d * s1 + w * d * d
        out[..., i1 : i1 + k] = s1 + w * d
    return out


def _moments_of(totals: np.ndarray, columns: tuple[str, ...], space: tuple) -> dict:
    """The moments :func:`_score` reads, from totals (one per row of ``totals``, or a single 1-D total)."""
    k = space[0]
    t = np.atleast_2d(totals).astype(np.float64)
    w = t[:, len(columns) * k]
    m: dict[str, Any] = {"w": w, "n": t[:, len(columns) * k + 1]}
    blocks = {name: t[:, i * k : (i + 1) * k] for i, name in enumerate(columns)}
    m.update({name: blocks[name] for name in ("sse", "sae", "ape", "huber", "max") if name in blocks})
    for suffix, at in (("_y", 1), ("_e", 2)):
        if "s1" + suffix in blocks:
            s1, s2 = blocks["s1" + suffix], blocks["s2" + suffix]
            safe = np.where(w == 0, 1.0, w)[:, None]
            m["mean" + suffix] = np.asarray(space[at]) + s1 / safe
            m["m2" + suffix] = s2 - s1 * s1 / safe
    return m


def _one(m: dict, i: int) -> dict:
    return {k: v[i] for k, v in m.items()}


class _RegressionMetric(Metric):
    """A regression metric for training loops: ``update(y_true, y_pred, sample_weight=...)`` adds a
    batch's rows of weighted moments (constant memory), ``compute()`` scores them, ``merge()`` adds
    another instance's."""

    higher_is_better = False
    task = "regression"
    _metric: str

    def __init__(self, *, multioutput: Any = "uniform_average") -> None:
        super().__init__()
        self.multioutput = _check_multioutput(
            type(self).__name__, multioutput, variance=self._metric in ("r2", "explained_variance")
        )
        self.force_finite = True
        self.delta = 1.0

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> _RegressionMetric:  # type: ignore[override]
        """Add a batch to the running moments; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)  # type: ignore[return-value]

    def forward(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Add a batch and return the score of that batch alone."""
        return super().forward(y_true, y_pred, sample_weight=sample_weight)

    def __call__(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Result:  # type: ignore[override]
        """Score one batch without touching the running moments."""
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """Per-sample rows of weighted moments (:func:`_rows`), as :class:`~evalkit.core.rows.Rows` (on
        the device of tensor inputs)."""
        t, p, w = _targets(self.name, y_true, y_pred, sample_weight, keep_tensors=True)
        return _rows(self.name, self._metric, t, p, w, self.delta)

    def join_spaces(self, a: Any, b: Any) -> Any:
        if a[0] != b[0]:
            raise InputError(f"{self.name}: cannot add moments of {b[0]} outputs to moments of {a[0]} outputs.")
        return a  # the first batch's shifts serve the rest

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        return _recentred(total, _COLUMNS[self._metric], space, target)

    def restore_space(self, space: Any) -> Any:
        k, shift_y, shift_e = space
        return (int(k), None if shift_y is None else tuple(shift_y), None if shift_e is None else tuple(shift_e))

    def _multioutput_for(self, n_outputs: int) -> Any:
        if isinstance(self.multioutput, np.ndarray):
            return _check_multioutput(self.name, self.multioutput, n_outputs, variance=True)
        return self.multioutput

    def score(self, total: Any) -> Result:
        space = self.space
        m = _one(_moments_of(np.asarray(total), _COLUMNS[self._metric], space), 0)
        multioutput = self._multioutput_for(space[0])
        value = _score(self.name, self._metric, m, multioutput, self.force_finite)
        if self._metric == "r2" and m["n"] < 2:  # undefined, warned about once above
            raw = np.full(space[0], np.nan)
        else:
            raw = _score(self.name, self._metric, m, "raw_values", self.force_finite)
        score = float(np.mean(value)) if np.ndim(value) else float(value)
        raw = np.atleast_1d(np.array(raw, dtype=np.float64))
        raw.flags.writeable = False
        return Result(self.name, score, {"per_output": raw, "weight": float(m["w"])}, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        """The score of each total, vectorized over the totals."""
        space = self.space
        m = _moments_of(np.asarray(totals), _COLUMNS[self._metric], space)
        return _vector_scores(self._metric, m, self._multioutput_for(space[0]), self.force_finite)

    def _multioutput_option(self) -> Any:
        """``multioutput`` as the signature shows it: the name, or the list of weights."""
        return self.multioutput if isinstance(self.multioutput, str) else self.multioutput.tolist()

    def signature(self) -> Signature:
        return Signature.of(self.name, multioutput=self._multioutput_option())


def _vector_scores(metric: str, m: dict, multioutput: Any, force_finite: bool) -> np.ndarray:
    """:func:`_score` of many moments at once (rows of every array in ``m``); NaN where undefined."""
    w = m["w"]
    safe_w = np.where(w == 0, 1.0, w)[:, None]
    den = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "max_error":
            values = m["max"]
        elif metric in ("r2", "explained_variance"):
            if metric == "r2":
                num, den = m["sse"], m["m2_y"]
            else:
                num, den = m["m2_e"] / safe_w, m["m2_y"] / safe_w
            if force_finite:
                values = np.where((den != 0) & (num != 0), 1 - num / np.where(den == 0, 1.0, den), 1.0)
                values = np.where((num != 0) & (den == 0), 0.0, values)
            else:
                values = 1 - num / den
        else:
            key = {"mse": "sse", "rmse": "sse", "mae": "sae", "mape": "ape", "huber": "huber"}[metric]
            values = m[key] / safe_w
            if metric == "rmse":
                values = np.sqrt(values)
    if isinstance(multioutput, np.ndarray):
        out = values @ multioutput / multioutput.sum()
    elif multioutput == "variance_weighted" and den is not None:
        weighted = (den != 0).any(axis=1)
        dw = np.where(weighted[:, None], den, 1.0)
        out = (values * dw).sum(axis=1) / dw.sum(axis=1)
    else:
        out = values.mean(axis=1)
    out = np.where(w == 0, np.nan, out)
    if metric == "r2":
        out = np.where(m["n"] < 2, np.nan, out)
    return out


@register
class MeanSquaredError(_RegressionMetric):
    """Mean squared error in a training loop (see :func:`mean_squared_error`).

    Example:
        >>> MeanSquaredError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        0.375
    """

    name = "mse"
    _metric = "mse"


@register
class RootMeanSquaredError(_RegressionMetric):
    """Root mean squared error in a training loop (see :func:`root_mean_squared_error`).

    Example:
        >>> round(RootMeanSquaredError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.6124
    """

    name = "rmse"
    _metric = "rmse"


@register
class MeanAbsoluteError(_RegressionMetric):
    """Mean absolute error in a training loop (see :func:`mean_absolute_error`).

    Example:
        >>> MeanAbsoluteError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        0.5
    """

    name = "mae"
    _metric = "mae"


@register
class MeanAbsolutePercentageError(_RegressionMetric):
    """Mean absolute percentage error (a fraction) in a training loop (see
    :func:`mean_absolute_percentage_error`).

    Example:
        >>> round(MeanAbsolutePercentageError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.3274
    """

    name = "mape"
    _metric = "mape"


@register
class MaxError(_RegressionMetric):
    """Largest absolute error in a training loop (moments: a running max; see :func:`max_error`).

    Example:
        >>> MaxError().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score
        1.0
    """

    name = "max_error"
    _metric = "max_error"


@register
class HuberLoss(_RegressionMetric):
    """Mean Huber loss in a training loop (see :func:`huber_loss`).

    Example:
        >>> HuberLoss(delta=0.5).update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score  # (0.125 + 0.125 + 0 + 0.375) / 4
        0.15625
    """

    name = "huber"
    _metric = "huber"

    def __init__(self, *, delta: float = 1.0, multioutput: Any = "uniform_average") -> None:
        super().__init__(multioutput=multioutput)
        self.delta = check_number("HuberLoss", "delta", delta, low=0, low_open=True)

    def signature(self) -> Signature:
        return Signature.of(self.name, delta=self.delta, multioutput=self._multioutput_option())


class _ExplainedFraction(_RegressionMetric):
    higher_is_better = True

    def __init__(self, *, multioutput: Any = "uniform_average", force_finite: bool = True) -> None:
        super().__init__(multioutput=multioutput)
        self.force_finite = check_bool(type(self).__name__, "force_finite", force_finite)

    def signature(self) -> Signature:
        return Signature.of(self.name, multioutput=self._multioutput_option(), force_finite=self.force_finite)


@register
class R2Score(_ExplainedFraction):
    """R² in a training loop, from merged means and squared deviations (see :func:`r2_score`).

    Example:
        >>> round(R2Score().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.9486
    """

    name = "r2"
    _metric = "r2"


@register
class ExplainedVariance(_ExplainedFraction):
    """Explained variance in a training loop (see :func:`explained_variance_score`).

    Example:
        >>> round(ExplainedVariance().update([3, -0.5], [2.5, 0.0]).update([2, 7], [2, 8]).compute().score, 4)
        0.9572
    """

    name = "explained_variance"
    _metric = "explained_variance"
