"""Counting regression moments: the checked targets, one row per sample, and a batch's total.

The per-sample statistic of every column (the table in :mod:`evalkit.regression._common`) is written
once, in :func:`_term`. Two ways of summing it write the same layout:

- :func:`moment_rows`: one row per sample (bootstrap, sentence-level scores; tensors on their device);
- :func:`moment_total`: the total of a numpy batch (what the functional forms score), with no
  ``(n, width)`` matrix of rows: a large batch block by block, so that the temporaries stay in the cache.

Moments about a **shift** (the frame, the rows' ``space``): ``s1 = sum(w (x - c))`` and
``s2 = sum(w (x - c)²)`` with ``c`` the batch's weighted mean, so that ``s2 - s1² / w`` holds the squared
deviations as the two-pass formula does (the textbook ``sum(w x²) - sum(w x)² / w`` loses every digit
when the mean is large against the spread). :func:`recentred` moves a total to another shift exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.inputs import as_array, as_weights
from evalkit.core.rows import Rows
from evalkit.core.validate import check_finite, check_same_n_samples
from evalkit.regression._common import RegressionOptions, bregman_recentred, huber, pinball, tweedie_deviance

_EPS = np.finfo(np.float64).eps
#: :func:`moment_total` sums a batch of up to ``_ONE_BLOCK`` values (8 MiB) at once, larger ones block by
#: block of ``_BLOCK`` values (1 MiB temporaries, in the cache and reused from block to block: fresh memory's
#: page faults cost more than the sums). Measured at 10**7 samples: MSE and R² 1.8x, Huber 1.5x the
#: speed of whole arrays; at 10**6 one block is 1.1x eight
_ONE_BLOCK = 1 << 20
_BLOCK = 1 << 17


def targets(owner: str, y_true: Any, y_pred: Any, sample_weight: Any, *, keep_tensors: bool = False) -> tuple:
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


def check_outputs(owner: str, k: int, multioutput: Any) -> None:
    """Refuse ``multioutput`` weights (a tuple) whose number is not the ``k`` outputs of the data."""
    if not isinstance(multioutput, tuple):
        return
    if k == 1:
        raise InputError(f"{owner}: custom multioutput weights are useful only with several outputs; there is one.")
    if len(multioutput) != k:
        raise InputError(f"{owner}: there must be as many multioutput weights ({len(multioutput)}) as outputs ({k}).")


def check_targets_finite(owner: str, t: Any, p: Any) -> None:
    """Raise naming the first NaN or infinity of the targets (a 1-D input's position as 1-D)."""
    check_finite(owner, "y_true", t[:, 0] if t.shape[1] == 1 else t)
    check_finite(owner, "y_pred", p[:, 0] if p.shape[1] == 1 else p)


def reductions(columns: tuple[str, ...], k: int) -> list[str]:
    """Each column's reduction in the layout (``max`` for ``max``), then the weight's and the count's."""
    return [("max" if name == "max" else "sum") for name in columns for _ in range(k)] + ["sum", "sum"]


def _shift_of(x: Any, w: Any) -> Any:
    """The batch's weighted mean (its plain mean at zero weight) per output."""
    if w is None:
        return x.mean(0) if arrays.is_tensor(x) else np.add.reduce(x, axis=0) / len(x)  # x.mean(0), less overhead
    if not arrays.is_tensor(x):
        try:
            return np.average(x, axis=0, weights=w)
        except ZeroDivisionError:  # weights summing to zero
            return x.mean(axis=0)
    weight = w.sum()  # on the device: a zero weight is taken care of without reading it
    return arrays.where(weight == 0, x.mean(0), (w[:, None] * x).sum(0) / arrays.where(weight == 0, 1.0, weight))


def shifts(columns: tuple[str, ...], t: Any, p: Any, w: Any, options: RegressionOptions) -> tuple[Any, Any]:
    """The shifts ``(c_y, c_e)`` of a batch's moments, ``None`` where the metric has none: the weighted
    means of ``y_true`` and of the error, as scikit-learn's ``np.average`` computes them (a Tweedie
    deviance about the mean of y_true, power != 0, needs a positive shift: 1 where the mean is not)."""
    shift_y = _shift_of(t, w) if "s1_y" in columns else None
    if "breg_y" in columns and options.power != 0:
        shift_y = arrays.where(shift_y > 0, shift_y, 1.0 + 0.0 * shift_y)
    return shift_y, (_shift_of(t - p, w) if "s1_e" in columns else None)


def _abs(x: Any) -> Any:
    """``|x|`` in place, for a temporary ``x`` (one block of memory, not two: fresh memory costs page faults)."""
    return x.abs_() if arrays.is_tensor(x) else np.abs(x, out=x)


def _term(name: str, t: Any, p: Any, shift: tuple[Any, Any], options: RegressionOptions) -> tuple[Any, int]:
    """Column ``name``'s statistic of each sample, ``base ** power`` (unweighted): ``(base, power)``."""
    if name == "breg_y":
        return tweedie_deviance(t, shift[0], options.power), 1
    if name == "dev":
        return tweedie_deviance(t, p, options.power), 1
    if name == "sle":
        return (t.log1p() - p.log1p() if arrays.is_tensor(t) else np.log1p(t) - np.log1p(p)), 2
    if name.endswith("_y"):
        return t - shift[0], (1 if name.startswith("s1") else 2)
    e = t - p
    if name == "sse":
        return e, 2
    if name in ("sae", "max"):
        return _abs(e), 1
    if name == "ape":
        e = _abs(e)
        e /= arrays.maximum(abs(t), _EPS)
        return e, 1
    if name == "huber":
        return huber(_abs(e), options.delta), 1
    if name == "pinball":
        return pinball(e, options.alpha), 1
    e -= shift[1]
    return e, (1 if name.startswith("s1") else 2)


def moment_rows(owner: str, columns: tuple[str, ...], t: Any, p: Any, w: Any, options: RegressionOptions) -> Rows:
    """One row per sample: for each column one value per output (weighted, but for ``max``), then ``w`` and
    ``1``; in the frame ``(k, c_y, c_e)``. Tensors stay on their device, their shifts too (no sync)."""
    check_targets_finite(owner, t, p)
    weights = arrays.full(len(t), 1.0, t) if w is None else w
    wc = weights[:, None]
    shift = shifts(columns, t, p, w, options)
    blocks = []
    for name in columns:
        base, power = _term(name, t, p, shift, options)
        blocks.append(base if name == "max" else wc * base * base if power == 2 else wc * base)
    dense = arrays.concat([*blocks, wc, arrays.full((len(t), 1), 1.0, t)], axis=1)
    k = t.shape[1]
    return Rows(dense, reductions=reductions(columns, k), space=(k, _frame(shift[0]), _frame(shift[1])))


def _weighted_sum(base: np.ndarray, power: int, w: np.ndarray | None) -> np.ndarray:
    """``sum(w base**power)`` per output (column); ``base`` is a temporary of the block (squared in place).

    einsum and numpy's sums, not BLAS (np.dot, @): no BLAS thread pool to fight torch's threads in a training
    loop or other processes' (that fight made np.dot 30x slower). Measured at 10**6 samples: one column's
    square and pairwise sum 1.2x einsum's product-sum; down the rows of a matrix, einsum 2-4x numpy's sum."""
    if w is not None:
        return np.einsum("i,ij,ij->j", w, base, base) if power == 2 else np.einsum("i,ij->j", w, base)
    if base.shape[1] > 1:
        return np.einsum("ij,ij->j", base, base) if power == 2 else np.einsum("ij->j", base)
    if power == 2:
        np.multiply(base, base, out=base)
    return np.add.reduce(base, axis=0)


def moment_total(
    owner: str, columns: tuple[str, ...], t: np.ndarray, p: np.ndarray, w: Any, options: RegressionOptions
) -> tuple:
    """``(total, frame)`` of a numpy batch: the sum of its :func:`moment_rows`, block by block.

    The first moments about the batch's own weighted mean, ``s1 = sum(w (x - c))``, are zero: written as
    zero, so that the squared deviations are ``s2``, scikit-learn's two passes to the last bit (the rows
    hold ``w (x - c)``, whose sum is zero but for the rounding of ``c``).

    NaN or infinity in the input makes the total non-finite; only then are the inputs scanned for the
    position to report, which saves two passes over valid input."""
    n, k = t.shape
    shift = shifts(columns, t, p, w, options)
    step = n if n * k <= _ONE_BLOCK else max(1, _BLOCK // k)
    total = np.zeros(len(columns) * k + 2)
    with np.errstate(invalid="ignore"):  # inf - inf: reported below as the bad input it is
        for start in range(0, n, step):
            rows = slice(start, start + step)
            tb, pb, wb = t[rows], p[rows], None if w is None else w[rows]
            for i, name in enumerate(columns):
                if name.startswith("s1"):  # about the batch's own mean: zero (see above)
                    continue
                base, power = _term(name, tb, pb, shift, options)
                block = total[i * k : (i + 1) * k]
                if name == "max":  # |e| >= 0: the zeros are no maximum's floor
                    np.maximum(block, base.max(axis=0), out=block)
                else:
                    block += _weighted_sum(base, power, wb)
                del base  # its memory serves the next column: fresh memory costs page faults (2x the time)
    total[-2:] = (n if w is None else w.sum()), n
    if not math.isfinite(np.add.reduce(total)):  # a non-finite moment (or, rarely, an overflowing sum)
        check_targets_finite(owner, t, p)
    return total, (k, _frame(shift[0]), _frame(shift[1]))


def _frame(shift: Any) -> Any:
    """A shift as a frame holds it: a tuple of floats, or the tensor itself (reading it would sync)."""
    return shift if shift is None or arrays.is_tensor(shift) else tuple(shift.tolist())


def recentred(total: Any, columns: tuple[str, ...], space: tuple, target: tuple, power: float = 0.0) -> Any:
    """A total (or rows: the last axis) of moments about ``space``'s shifts rewritten about ``target``'s:
    with ``d = c - c'``, ``S1' = S1 + W d`` and ``S2' = S2 + 2 d S1 + W d²``; a Tweedie deviance about the
    shift (``breg_y``) by :func:`~evalkit.regression._common.bregman_recentred`."""
    k = space[0]
    out = arrays.copy(arrays.as_float64(total))
    w = out[..., len(columns) * k, None]
    for of, at in (("y", 1), ("e", 2)):
        if space[at] is None or space[at] is target[at] or (isinstance(space[at], tuple) and space[at] == target[at]):
            continue
        c, c2 = arrays.like(space[at], out), arrays.like(target[at], out)
        d = c - c2
        i1 = columns.index("s1_" + of) * k
        s1 = arrays.copy(out[..., i1 : i1 + k])
        if "s2_" + of in columns:
            i2 = columns.index("s2_" + of) * k
            out[..., i2 : i2 + k] += 2 * d * s1 + w * d * d
        if "breg_" + of in columns:
            ib = columns.index("breg_" + of) * k
            host = (arrays.to_host(x) for x in (out[..., ib : ib + k], s1, w))
            out[..., ib : ib + k] = arrays.like(bregman_recentred(*host, space[at], target[at], power), out)
        out[..., i1 : i1 + k] = s1 + w * d
    return out


def restored_space(owner: str, columns: tuple[str, ...], space: Any) -> tuple:
    """A frame as a checkpoint saved it (lists after JSON), checked: ``(k, c_y, c_e)`` with a positive
    int ``k`` and, where the columns have moments about a shift, ``k`` finite floats."""
    try:
        k, shift_y, shift_e = space
        k_ok = isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k > 0
        frame = (int(k), *(_checked_shift(s, int(k)) for s in (shift_y, shift_e)))
    except (TypeError, ValueError):
        k_ok, frame = False, None
    wanted = ("s1_y" in columns, "s1_e" in columns)
    if not k_ok or frame is None or (frame[1] is not None, frame[2] is not None) != wanted:
        expected = "[outputs, " + ", ".join("shifts" if x else "None" for x in wanted) + "]"
        raise InputError(
            f"{owner}: load_state_dict(): 'space' must be {expected} (a positive int, then one float per output "
            f"where the moments have a shift); got {space!r}."
        )
    return frame


def _checked_shift(shift: Any, k: int) -> tuple[float, ...] | None:
    if shift is None:
        return None
    values = np.asarray(shift, dtype=np.float64)
    if values.shape != (k,) or not np.isfinite(values).all():
        raise ValueError("not a shift")
    return tuple(values.tolist())
