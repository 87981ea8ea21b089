"""Correlation of two variables: Pearson's r and Lin's concordance correlation coefficient (from weighted
moments), Spearman's rho and Kendall's tau-b and tau-c (from a table of the distinct pairs), equal to
``scipy.stats`` (``pearsonr``, ``spearmanr``, ``kendalltau(variant="b" / "c")``), ties included.

Inputs are ``(y_true, y_pred)`` as the other regression metrics (the correlation is symmetric): two 1-D
arrays of finite numbers, and optional ``sample_weight``, read as **frequency weights** (a weight of 2 is
the pair given twice: integer weights give scipy's number on the repeated data).

- **Pearson, CCC**: the row of a pair is ``w, w dx, w dy, w dx², w dy², w dx dy, 1`` and ``x, x, y, y`` (reduced
  by ``min``/``max``: the extremes tell a constant input exactly) with ``dx = x - c_x``,
  ``dy = y - c_y`` about the first batch's weighted means (the frame); a later batch's sums move onto that
  shift exactly, as the other regression moments do. ``r = m_xy / sqrt(m_xx m_yy)`` with the centred sums
  ``m_xy = S_xy - S_x S_y / W``; CCC ``= 2 m_xy / (m_xx + m_yy + W (mean_x - mean_y)²)`` (Lin 1989: the
  population moments; ``ddof=1`` divides the variances and covariance by ``W - 1``, torchmetrics'
  ``ConcordanceCorrCoef``).
- **Spearman, Kendall**: ranks and pairs need every value, but no more than the **distinct** pairs: the
  state is the sorted table of distinct ``(x, y)`` with their summed weights (the frame, ``space``, grows
  with the data and merges by a sorted union; the totals are the weights). Spearman's rho is the weighted
  Pearson r of the midranks (a value's rank is the weight below it plus half its own). Kendall's tau counts
  weighted concordant and discordant pairs as scipy does (Knight's algorithm: sort by ``x`` then ``y``,
  count ``y``'s inversions by merging: log2(m) levels, each a linear merge of sorted runs, over the m distinct
  pairs here), with
  scipy's tie corrections: ``tau_b = (P - Q) / sqrt((n0 - n1)(n0 - n2))`` and
  ``tau_c = 2 (P - Q) / (n² (k - 1) / k)``, ``k`` the fewer of the distinct ``x`` and ``y`` values.

Undefined cases, a defined value and a warning (never an exception): fewer than two pairs or a constant
input give NaN and an :class:`~evalkit.core.errors.UndefinedMetricWarning` (scipy: ``pearsonr`` raises
below two pairs; ``spearmanr`` and ``pearsonr`` warn ``ConstantInputWarning`` and give NaN for a constant
input, ``kendalltau`` gives NaN). No p-values: the statistics only.

Reference: scipy 1.17 ``scipy.stats``; Lin, 1989, *A concordance correlation coefficient to evaluate
reproducibility*, Biometrics 45; Knight, 1966, *A computer method for calculating Kendall's tau with
ungrouped data*, JASA 61.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
import evalkit.regression._table as table
from evalkit.core.errors import InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.inputs import check_some_weight
from evalkit.core.metric import Metric
from evalkit.core.options import NoOptions, Options, choice, integer, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.regression._moments import check_targets_finite, targets

__all__ = [
    "ConcordanceCorrCoef",
    "KendallTau",
    "PearsonCorrCoef",
    "SpearmanCorrCoef",
    "concordance_corrcoef",
    "kendall_tau",
    "pearson_corrcoef",
    "spearman_corrcoef",
]


# -- options -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConcordanceOptions(Options):
    """Lin's CCC: population moments (``ddof=0``, Lin 1989) or sample moments (``ddof=1``, torchmetrics)."""

    ddof: int = option(0, integer(minimum=0), "0: Lin's population moments; 1: torchmetrics' (W - 1)", sig="ddof")

    def finish(self, owner: str) -> ConcordanceOptions:
        if self.ddof > 1:
            raise InvalidOptionError(f"The 'ddof' parameter of {owner} must be 0 or 1. Got {self.ddof!r} instead.")
        return self


@dataclass(frozen=True)
class KendallOptions(Options):
    """Kendall's tau: scipy's ``variant``, ``'b'`` (ties in either variable corrected) or ``'c'`` (Stuart's)."""

    variant: str = option("b", choice("b", "c"), "'b' (tau-b, scipy's default) or 'c' (Stuart's tau-c)", sig="variant")


_CONSTANT = "an input is constant (or there are fewer than two pairs of positive weight)"


def _undefined(owner: str, why: str) -> float:
    warnings.warn(f"{owner}: {why}; the correlation is not defined (NaN).", UndefinedMetricWarning, stacklevel=4)
    return float("nan")


def _pairs(owner: str, y_true: Any, y_pred: Any, sample_weight: Any, keep_tensors: bool) -> tuple:
    """``(x, y, w)``: the two variables as 1-D float64 (tensors kept where asked), checked finite."""
    t, p, w = targets(owner, y_true, y_pred, sample_weight, keep_tensors=keep_tensors)
    if t.shape[1] != 1:
        raise InputError(f"{owner}: a correlation takes two 1-D arrays; y_true has {t.shape[1]} columns.")
    check_targets_finite(owner, t, p)
    if w is not None and bool((w < 0).any()):  # frequency weights: a count of a pair is never negative
        at = int(np.flatnonzero(np.asarray(arrays.to_host(w)) < 0)[0])
        raise InputError(
            f"{owner}: sample_weight must hold non-negative frequency weights, but sample_weight[{at}] is "
            f"{float(w[at])!r}."
        )
    return t[:, 0], p[:, 0], w


# -- Pearson and CCC: moments --------------------------------------------------------------------------
_MOMENTS = ("w", "sx", "sy", "sxx", "syy", "sxy", "n", "x_min", "x_max", "y_min", "y_max")
#: the sums, then the extremes of x and y: a constant input is told exactly by them (the centred sums of a
#: constant about its rounded mean are a few ulps, not zero)
_REDUCTIONS = ("sum",) * 7 + ("min", "max", "min", "max")


class _MomentCorrelation(Metric):
    """A correlation from weighted moments about a shift (see the module docstring)."""

    task = "regression"

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row of moments per pair (on the device of tensor inputs), in the frame ``(c_x, c_y)``."""
        x, y, w = _pairs(self._owner, y_true, y_pred, sample_weight, keep_tensors=True)
        weights = arrays.full(len(x), 1.0, x) if w is None else w
        c = []
        for v in (x, y):
            total = weights.sum()
            mean = (weights * v).sum() / arrays.where(total == 0, 1.0 + 0 * total, total)
            c.append(mean if arrays.is_tensor(v) else float(mean))
        dx, dy = x - c[0], y - c[1]
        cols = [weights, weights * dx, weights * dy, weights * dx * dx, weights * dy * dy, weights * dx * dy]
        dense = arrays.stack([*cols, arrays.full(len(x), 1.0, x), x, x, y, y], axis=1)
        return Rows(dense, reductions=_REDUCTIONS, space=tuple(c))

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Metric:  # type: ignore[override]
        """Add a batch of pairs; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)

    def _value(self, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
        """The functional forms' fast path: the batch's sums and extremes at once (no matrix of rows),
        about its own weighted means, scored by the same formula."""
        x, y, w = _pairs(self._owner, y_true, y_pred, sample_weight, keep_tensors=False)
        check_some_weight(self._owner, w)
        weights = np.ones(len(x)) if w is None else w
        c = [float(np.average(v, weights=weights)) if weights.sum() else float(v.mean()) for v in (x, y)]
        dx, dy = x - c[0], y - c[1]
        wx, wy = weights * dx, weights * dy
        products = [np.einsum("i,i->", a, b) for a, b in ((wx, dx), (wy, dy), (wx, dy))]  # not BLAS: no threads
        total = np.array([weights.sum(), wx.sum(), wy.sum(), *products, len(x), x.min(), x.max(), y.min(), y.max()])
        return self.fresh().add_total(total, len(x), space=tuple(c)).compute().score

    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        """Sums, then the extremes of x and y (``min``, ``max``)."""
        return _REDUCTIONS

    def join_spaces(self, a: Any, b: Any) -> Any:
        return a  # the first batch's shifts serve the rest

    def align(self, total: Any, space: Any, target: Any) -> Any:
        """Moments about ``space``'s shifts rewritten about ``target``'s, exactly (last axis)."""
        if space is target:
            return total
        out = arrays.copy(arrays.as_float64(total))
        dx = arrays.like(space[0], out) - arrays.like(target[0], out)
        dy = arrays.like(space[1], out) - arrays.like(target[1], out)
        w, sx, sy = (arrays.copy(out[..., i]) for i in range(3))
        out[..., 5] = out[..., 5] + dx * sy + dy * sx + w * dx * dy
        out[..., 3] = out[..., 3] + 2 * dx * sx + w * dx * dx
        out[..., 4] = out[..., 4] + 2 * dy * sy + w * dy * dy
        out[..., 1] = sx + w * dx
        out[..., 2] = sy + w * dy
        return out

    def restore_space(self, space: Any) -> Any:
        try:
            c = tuple(float(v) for v in space)
        except (TypeError, ValueError):
            c = ()
        if len(c) != 2 or not np.isfinite(c).all():
            raise InputError(f"{self.name}: load_state_dict(): 'space' must be two finite shifts; got {space!r}.")
        return c

    def check_total(self, total: np.ndarray, space: Any) -> None:
        n = total[6] if len(total) == len(_MOMENTS) else -1
        if n < 0 or n != np.floor(n) or total[7] > total[8] or total[9] > total[10]:
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {', '.join(_MOMENTS)} (a whole count, "
                f"ordered extremes); got {total.tolist()!r}."
            )

    def _centred(self, totals: np.ndarray) -> tuple:
        t = np.asarray(totals, dtype=np.float64).reshape(-1, len(_MOMENTS))
        w, sx, sy, sxx, syy, sxy, n = t[:, :7].T
        with np.errstate(divide="ignore", invalid="ignore"):
            mxx, myy, mxy = sxx - sx * sx / w, syy - sy * sy / w, sxy - sx * sy / w
        return w, sx, sy, np.maximum(mxx, 0.0), np.maximum(myy, 0.0), mxy, n

    def _undefined_at(self, totals: np.ndarray) -> np.ndarray:
        """Where the score is undefined: fewer than two pairs, a constant input (exactly: its extremes), no weight."""
        t = np.asarray(totals, dtype=np.float64).reshape(-1, len(_MOMENTS))
        w, n, x_min, x_max, y_min, y_max = t[:, [0, 6, 7, 8, 9, 10]].T
        mxx, myy = self._centred(t)[3:5]
        return (n < 2) | (x_min == x_max) | (y_min == y_max) | (w == 0) | (mxx == 0) | (myy == 0)

    def scores(self, totals: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self._formula(*self._centred(totals))
        return np.where(self._undefined_at(totals), np.nan, out)

    def score(self, total: Any) -> Result:
        w, _, _, _, _, _, n = (float(v[0]) for v in self._centred(total))
        if self._undefined_at(total)[0]:
            value = _undefined(self._owner, _CONSTANT)
        else:
            value = float(self.scores(np.asarray(total, dtype=np.float64)[None])[0])
        return Result(self.name, value, {"n": int(n), "weight": w}, self.signature())

    def _formula(self, *m: np.ndarray) -> np.ndarray:
        """The score of each row of centred sums ``(w, sx, sy, mxx, myy, mxy, n)``."""
        raise NotImplementedError


@register
class PearsonCorrCoef(_MomentCorrelation):
    """Pearson's r in a training loop, from merged moments (see :func:`pearson_corrcoef`).

    Example:
        >>> round(PearsonCorrCoef().update([1, 2, 3], [1, 3, 2]).update([4, 5], [5, 4]).compute().score, 4)
        0.8
    """

    name = "pearson"
    options_type = NoOptions

    def __init__(self) -> None:
        super().__init__(locals())

    def _formula(self, *m: np.ndarray) -> np.ndarray:
        _, _, _, mxx, myy, mxy, _ = m
        return np.clip(mxy / np.sqrt(mxx * myy), -1.0, 1.0)  # scipy clips rounding beyond +-1 too


@register
class ConcordanceCorrCoef(_MomentCorrelation):
    """Lin's concordance correlation coefficient in a training loop (see :func:`concordance_corrcoef`).

    Options (keyword-only), declared in :class:`ConcordanceOptions`:

    {options}

    Example:
        >>> round(ConcordanceCorrCoef().update([1, 2, 3], [1, 3, 2]).update([4, 5], [5, 4]).compute().score, 4)
        0.8
    """

    name = "concordance"
    options_type = ConcordanceOptions

    def __init__(self, *, ddof: int = 0) -> None:
        super().__init__(locals())

    def _formula(self, *m: np.ndarray) -> np.ndarray:
        w, sx, sy, mxx, myy, mxy, _ = m
        cx, cy = self.space  # the moments' shifts: the means are c + s / W
        shift = ((cx - cy) + (sx - sy) / w) ** 2 * w
        if self.options.ddof:  # torchmetrics: variances and covariance over W - 1, the means' gap as it is
            scale = w / (w - 1)
            return 2 * mxy * scale / (mxx * scale + myy * scale + shift)
        return 2 * mxy / (mxx + myy + shift)


# -- Spearman and Kendall: the table of distinct pairs -------------------------------------------------
def _midranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted midrank of each of ``values`` (frequency weights: a value's rank is the weight of the
    values below it plus half its own, up to a constant that no correlation sees)."""
    distinct, at = np.unique(values, return_inverse=True)
    per_value = np.bincount(at.reshape(-1), weights=weights, minlength=len(distinct))
    below = np.cumsum(per_value) - per_value
    return (below + per_value / 2)[at.reshape(-1)]


def _weighted_inversions(order_y: np.ndarray, c: np.ndarray) -> float:
    """``sum c_i c_j`` over ``i < j`` with ``order_y[i] > order_y[j]`` (a weighted count of inversions), by
    bottom-up merge sort over a power-of-two length (padded with weightless items): at each level a block
    of ``2 width`` items, its left half's and right half's items each sorted by ``y`` from the level below,
    is merged (a stable sort of the two runs), and each right item meets the left weight above its ``y``."""
    m = len(order_y)
    size = 1 << max(0, (m - 1).bit_length())
    y = np.full(size, int(order_y.max()) + 1, dtype=np.int64)
    y[:m] = order_y
    w = np.zeros(size)
    w[:m] = c
    position = np.arange(size, dtype=np.int64)
    y_bits = int(y[-1] if m < size else y.max()).bit_length() + 1
    total = 0.0
    level = 0
    while (1 << level) < size:
        # by block, then y, then side: the left half's items first among equal y (ties are no inversion)
        key = ((position >> (level + 1)) << (y_bits + 1)) | (y << 1) | ((position >> level) & 1)
        s = arrays.sort_with_order(key)[1]  # stable: the position is packed into the key's low bits
        position, y, w = position[s], y[s], w[s]
        right = ((position >> level) & 1).astype(bool)
        left_w = np.where(right, 0.0, w).reshape(-1, 2 << level)
        right_w = np.where(right, w, 0.0).reshape(-1, 2 << level)
        at_or_below = np.cumsum(left_w, axis=1)  # each right item: the left weight at or below its y
        total += float(right_w.sum(axis=1) @ at_or_below[:, -1] - np.einsum("ij,ij->", right_w, at_or_below))
        level += 1
    return total


def _group_weights(values: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The summed weight of each run of equal ``values`` (sorted)."""
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    return np.add.reduceat(c, starts)


class _RankCorrelation(Metric):
    """A correlation of ranks or pairs, from the table of distinct pairs (see the module docstring)."""

    task = "regression"
    #: the table of distinct pairs lives on the host (tensor inputs are read there)
    keeps_device: ClassVar[bool] = False

    def rows(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        """One row per pair: its weight in the cell of its ``(x, y)`` among the batch's distinct pairs."""
        x, y, w = _pairs(self._owner, y_true, y_pred, sample_weight, keep_tensors=False)
        pairs, at = table.distinct(x, y)
        weights = np.ones(len(x)) if w is None else w
        return Rows(cells=at[:, None], values=weights[:, None], n_cells=len(pairs), space=pairs)

    def stats(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Rows:  # type: ignore[override]
        return self.rows(y_true, y_pred, sample_weight)

    def update(self, y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> Metric:  # type: ignore[override]
        """Add a batch of pairs to the table; returns ``self``."""
        return super().update(y_true, y_pred, sample_weight=sample_weight)

    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        return table.join(a, b)

    def align(self, total: Any, space: Any, target: Any) -> Any:
        return table.align(total, space, target)

    def realign(self, rows: Rows, target: Any) -> Rows:
        return rows if table.same(rows.space, target) else table.realign(rows, target, target)

    def restore_space(self, space: Any) -> Any:
        return table.restore(self.name, space)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if len(total) != len(space):
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold one weight per distinct pair ({len(space)}); "
                f"got {len(total)}."
            )

    def score(self, total: Any) -> Result:
        pairs, c = self.space, np.asarray(total, dtype=np.float64)
        keep = c != 0
        pairs, c = pairs[keep], c[keep]
        if len(c) < 2 or np.ptp(pairs[:, 0]) == 0 or np.ptp(pairs[:, 1]) == 0:
            value = _undefined(self._owner, _CONSTANT)
        else:
            value = self._formula(pairs[:, 0], pairs[:, 1], c)
        return Result(self.name, value, {"n_distinct": len(c), "weight": float(c.sum())}, self.signature())

    def scores(self, totals: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            return np.array([self.score(t).score for t in np.asarray(totals)], dtype=np.float64)

    def _formula(self, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> float:
        raise NotImplementedError


@register
class SpearmanCorrCoef(_RankCorrelation):
    """Spearman's rho in a training loop, from the table of distinct pairs (see :func:`spearman_corrcoef`).

    Example:
        >>> SpearmanCorrCoef().update([1, 2, 3], [1, 3, 2]).update([4, 5], [5, 4]).compute().score
        0.8
    """

    name = "spearman"
    options_type = NoOptions

    def __init__(self) -> None:
        super().__init__(locals())

    def _formula(self, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> float:
        rx, ry = _midranks(x, c), _midranks(y, c)
        w = c.sum()
        dx, dy = rx - (c @ rx) / w, ry - (c @ ry) / w
        return float(np.clip((c * dx) @ dy / np.sqrt(((c * dx) @ dx) * ((c * dy) @ dy)), -1.0, 1.0))


@register
class KendallTau(_RankCorrelation):
    """Kendall's tau-b or tau-c in a training loop, from the table of distinct pairs (see
    :func:`kendall_tau`).

    Options (keyword-only), declared in :class:`KendallOptions`:

    {options}

    Example:
        >>> KendallTau().update([1, 2, 3], [1, 3, 2]).update([4, 5], [5, 4]).compute().score
        0.6
    """

    name = "kendall"
    options_type = KendallOptions

    def __init__(self, *, variant: str = "b") -> None:
        super().__init__(locals())

    def _formula(self, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> float:
        # the table is sorted by x, then y: y's inversions are the discordant pairs (ties are neither)
        y_values, y_rank = np.unique(y, return_inverse=True)
        dis = _weighted_inversions(y_rank.reshape(-1), c)
        n = c.sum()
        tot = n * (n - 1) / 2
        tx, ty = _group_weights(x, c), np.bincount(y_rank.reshape(-1), weights=c)
        xtie, ytie = float(tx @ (tx - 1)) / 2, float(ty @ (ty - 1)) / 2
        ntie = float(c @ (c - 1)) / 2
        con_minus_dis = tot - xtie - ytie + ntie - 2 * dis
        if self.options.variant == "b":
            value = con_minus_dis / np.sqrt(tot - xtie) / np.sqrt(tot - ytie)
        else:
            k = min(len(tx), len(y_values))
            value = 2 * con_minus_dis / (n**2 * (k - 1) / k)
        return float(np.clip(value, -1.0, 1.0))


# -- functions -----------------------------------------------------------------------------------------
def _value(metric: Metric, y_true: Any, y_pred: Any, sample_weight: Any) -> float:
    if isinstance(metric, _MomentCorrelation):
        return metric._value(y_true, y_pred, sample_weight)
    if sample_weight is not None:
        check_some_weight(metric._owner, np.asarray(arrays.to_host(sample_weight), dtype=np.float64))
    return metric.fresh().update(y_true, y_pred, sample_weight=sample_weight).compute().score


def pearson_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Pearson's r: ``m_xy / sqrt(m_xx m_yy)`` from weighted centred sums; ``scipy.stats.pearsonr``'s statistic.

    Example:
        >>> round(pearson_corrcoef([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4]), 4)  # scipy's example: -0.7426
        -0.7426
    """
    return _value(PearsonCorrCoef.bound("pearson_corrcoef", locals()), y_true, y_pred, sample_weight)


def concordance_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None, ddof: int = 0) -> float:
    """Lin's CCC: ``2 s_xy / (s_x² + s_y² + (mean_x - mean_y)²)``, population moments (``ddof=1``: over W - 1,
    torchmetrics' ``concordance_corrcoef``).

    Example:
        >>> concordance_corrcoef([1, 2, 3], [1, 2, 3]), round(concordance_corrcoef([1, 2, 3], [2, 3, 4]), 4)  # 2 (2/3) / (4/3 + 1)
        (1.0, 0.5714)
    """
    return _value(ConcordanceCorrCoef.bound("concordance_corrcoef", locals()), y_true, y_pred, sample_weight)


def spearman_corrcoef(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Spearman's rho: Pearson's r of the midranks (ties share their mean rank); ``scipy.stats.spearmanr``'s
    statistic.

    Example:
        >>> round(spearman_corrcoef([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 4)  # scipy's example: 0.8208
        0.8208
    """
    return _value(SpearmanCorrCoef.bound("spearman_corrcoef", locals()), y_true, y_pred, sample_weight)


def kendall_tau(y_true: Any, y_pred: Any, *, sample_weight: Any = None, variant: str = "b") -> float:
    """Kendall's tau-b (or tau-c): ``scipy.stats.kendalltau(variant=...)``'s statistic, ties included.

    Example:
        >>> round(kendall_tau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), 4)  # scipy's example: -0.4714
        -0.4714
    """
    return _value(KendallTau.bound("kendall_tau", locals()), y_true, y_pred, sample_weight)
