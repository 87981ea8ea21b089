"""What the regression metrics share: their options, declared once, and their formulas.

A regression total (see :mod:`evalkit.regression._moments` for how rows and batch totals are counted) is a
flat vector of per-output blocks of weighted moments, one block of ``k`` values (one per output) for each
of the metric's columns, then the total weight and the number of samples::

    [column_1 (k values), ..., column_C (k values), sum(w), n]

The columns, with ``e = y_true - y_pred`` and moments about a shift ``c`` (the frame, see
:mod:`evalkit.regression._moments`), all summed but ``max``:

- ``sse = sum(w e²)``, ``sae = sum(w |e|)``, ``ape = sum(w |e| / max(|y_true|, eps))``,
  ``huber = sum(w huber_delta(|e|))``, and ``max = max |e|`` (reduced by ``max``);
- ``s1_y = sum(w (y_true - c_y))`` and ``s2_y = sum(w (y_true - c_y)²)``; ``s1_e``, ``s2_e`` likewise of ``e``.

A :class:`Formula` names a metric's columns and maps a matrix of totals to per-output values; the score
averages them over the outputs as ``multioutput`` says (:func:`average_outputs`). Every path (one call,
a running state, bootstrap resamples) applies the same formula to totals, vectorized over their rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InvalidOptionError
from evalkit.core.options import Check, Options, flag, number, option
from evalkit.core.validate import check_choice

_AVERAGES = ("raw_values", "uniform_average")
_VARIANCE_AVERAGES = (*_AVERAGES, "variance_weighted")


# -- options -------------------------------------------------------------------------------------------
def _multioutput(allowed: tuple[str, ...]) -> Check:
    """``multioutput``: one of ``allowed``, or per-output weights, checked as numbers here (1-D, finite,
    non-negative, a positive sum) and against the number of outputs when the data come."""

    def check(owner: str, name: str, value: Any) -> Any:
        if isinstance(value, str) or value is None:
            return check_choice(owner, name, value, allowed)
        try:
            weights = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            weights = None
        fault = _weights_fault(weights)
        if fault:
            names = ", ".join(repr(a) for a in allowed)
            raise InvalidOptionError(
                f"The {name!r} parameter of {owner} must be one of {names}, or a 1-D array of finite non-negative "
                f"weights with a positive sum, one per output. Got {value!r} instead ({fault})."
            )
        return tuple(weights.tolist())  # hashable and frozen, as the options are

    return check


def _weights_fault(weights: np.ndarray | None) -> str:
    """What makes ``weights`` no multioutput weights, or an empty string."""
    if weights is None:
        return "not numbers"
    if weights.ndim != 1 or weights.size == 0:
        return f"shape {weights.shape}"
    if not np.isfinite(weights).all():
        bad = int(np.flatnonzero(~np.isfinite(weights))[0])
        return f"weight {bad} is {float(weights[bad])!r}"
    if (weights < 0).any():
        return f"weight {int(np.flatnonzero(weights < 0)[0])} is negative"
    return "" if weights.sum() > 0 else "the weights sum to zero"


_MULTIOUTPUT_DOC = "'raw_values' (a score per output), 'uniform_average', or weights (one per output)"
_VARIANCE_DOC = "'raw_values', 'uniform_average', 'variance_weighted' (by the outputs' variances), or weights"


@dataclass(frozen=True)
class RegressionOptions(Options):
    """What every regression formula reads; a metric without the option (``max_error``: one output, no
    threshold) takes these constants, and the declarations below make them options."""

    multioutput: ClassVar[str | tuple[float, ...]] = "uniform_average"
    delta: ClassVar[float] = 1.0


@dataclass(frozen=True)
class ErrorOptions(RegressionOptions):
    """The options of the mean errors (MSE, RMSE, MAE, MAPE) and of ``median_absolute_error``.

    Example:
        >>> ErrorOptions.parse("mean_squared_error", {"multioutput": [1, 3]}).multioutput
        (1.0, 3.0)
    """

    multioutput: str | tuple[float, ...] = option(  # type: ignore[misc]
        "uniform_average", _multioutput(_AVERAGES), _MULTIOUTPUT_DOC, sig="multioutput"
    )


@dataclass(frozen=True)
class HuberOptions(ErrorOptions):
    """The Huber loss's options: the errors' ``multioutput`` and the threshold ``delta``."""

    signature_order: ClassVar[tuple[str, ...]] = ("delta", "multioutput")

    delta: float = option(  # type: ignore[misc]
        1.0, number(low=0, low_open=True), "errors up to delta count squared (halved), beyond it linearly", sig="delta"
    )


@dataclass(frozen=True)
class ExplainedOptions(RegressionOptions):
    """The options of R² and explained variance (scikit-learn's, ``variance_weighted`` included)."""

    multioutput: str | tuple[float, ...] = option(  # type: ignore[misc]
        "uniform_average", _multioutput(_VARIANCE_AVERAGES), _VARIANCE_DOC, sig="multioutput"
    )
    force_finite: bool = option(
        True,
        flag(),
        "a constant y_true scores 1.0 if predicted exactly, else 0.0 (not NaN or -inf)",
        sig="force_finite",
    )


# -- formulas ------------------------------------------------------------------------------------------
class Moments:
    """Named views of a matrix of totals (one total per row): each column's ``(m, k)`` block, the total
    weight ``w`` as an ``(m, 1)`` column and the number of samples ``n``."""

    def __init__(self, totals: Any, columns: tuple[str, ...], k: int) -> None:
        totals = np.asarray(totals, dtype=np.float64).reshape(-1, len(columns) * k + 2)
        self._blocks = {name: totals[:, i * k : (i + 1) * k] for i, name in enumerate(columns)}
        self.w = totals[:, -2:-1]
        self.n = totals[:, -1]

    def __getitem__(self, column: str) -> np.ndarray:
        return self._blocks[column]

    def mean(self, column: str) -> np.ndarray:
        """``column / w``: a weighted mean per output."""
        return self[column] / self.w

    def deviations(self, of: str) -> np.ndarray:
        """``sum(w (x - mean_w(x))²)`` of ``of`` (``"y"``: y_true, ``"e"``: the error), from the moments about
        the shift: ``s2 - s1² / w`` (exact when the shift is the mean, as two passes compute it)."""
        s1, s2 = self["s1_" + of], self["s2_" + of]
        return s2 - s1 * s1 / self.w


#: per-output values of a matrix of totals, and the per-output variances that ``variance_weighted`` takes
PerOutput = Callable[[Moments, Any], tuple[np.ndarray, np.ndarray | None]]


@dataclass(frozen=True)
class Formula:
    """A metric's columns and its formula; ``min_samples``: fewer samples leave the score undefined (NaN,
    with the ``undefined`` warning); ``max_outputs``: how many outputs it takes (None: any)."""

    columns: tuple[str, ...]
    per_output: PerOutput
    min_samples: int = 1
    undefined: str = ""
    max_outputs: int | None = None


def fraction_explained(num: np.ndarray, den: np.ndarray, force_finite: bool) -> np.ndarray:
    """``1 - num / den`` (numpy warns of a zero ``den`` here, as it does under scikit-learn); with
    ``force_finite``, 1.0 for a perfect fit and 0.0 where only ``den`` is zero (constant ``y_true``)."""
    if not force_finite:
        return 1 - num / den
    constant = den == 0
    return np.where(num == 0, 1.0, np.where(constant, 0.0, 1 - num / np.where(constant, 1.0, den)))


def huber(a: Any, delta: float) -> Any:
    """Huber's loss of absolute errors ``a``: ``0.5 a²`` up to ``delta``, then ``delta (a - 0.5 delta)``.

    ``a`` is a temporary, overwritten: the products are taken in place (the same numbers, fewer blocks of
    fresh memory, whose page faults cost more than the arithmetic)."""
    quadratic = a * a
    quadratic *= 0.5
    small = a <= delta
    a -= 0.5 * delta
    a *= delta
    return arrays.where(small, quadratic, a)


def _mean_of(column: str, root: bool = False) -> PerOutput:
    """The weighted mean of ``column`` per output (its square root with ``root``)."""

    def per_output(m: Moments, options: Any) -> tuple[np.ndarray, None]:
        mean = m.mean(column)
        return (np.sqrt(mean) if root else mean), None

    return per_output


def _r2(m: Moments, options: ExplainedOptions) -> tuple[np.ndarray, np.ndarray]:
    den = m.deviations("y")
    return fraction_explained(m["sse"], den, options.force_finite), den


def _explained_variance(m: Moments, options: ExplainedOptions) -> tuple[np.ndarray, np.ndarray]:
    den = m.deviations("y") / m.w
    return fraction_explained(m.deviations("e") / m.w, den, options.force_finite), den


MEAN_SQUARED = Formula(("sse",), _mean_of("sse"))
ROOT_MEAN_SQUARED = Formula(("sse",), _mean_of("sse", root=True))
MEAN_ABSOLUTE = Formula(("sae",), _mean_of("sae"))
MEAN_ABSOLUTE_PERCENTAGE = Formula(("ape",), _mean_of("ape"))
HUBER = Formula(("huber",), _mean_of("huber"))
MAX = Formula(("max",), lambda m, options: (m["max"], None), max_outputs=1)
R2 = Formula(
    ("sse", "s1_y", "s2_y"),
    _r2,
    min_samples=2,
    undefined="R^2 score is not well-defined with less than two samples.",  # scikit-learn's words
)
EXPLAINED_VARIANCE = Formula(("s1_e", "s2_e", "s1_y", "s2_y"), _explained_variance)


def average_outputs(values: np.ndarray, multioutput: Any, variance: np.ndarray | None) -> np.ndarray:
    """The score of each row of per-output ``values`` (``(m, k)``): their mean (``raw_values`` too: a
    Result's score), weighted by ``multioutput``'s weights or by the outputs' variances
    (``variance_weighted``; uniform in a row where every variance is zero), as scikit-learn's
    ``np.average`` computes it (its arithmetic, without its overhead)."""
    if isinstance(multioutput, tuple):
        weights = np.broadcast_to(np.array(multioutput), values.shape)
    elif multioutput == "variance_weighted" and variance is not None:
        weights = np.where((variance != 0).any(axis=1, keepdims=True), variance, 1.0)
    else:
        return np.add.reduce(values, axis=1) / values.shape[1]
    return np.add.reduce(values * weights, axis=1) / np.add.reduce(weights, axis=1)


__all__ = [
    "EXPLAINED_VARIANCE",
    "HUBER",
    "MAX",
    "MEAN_ABSOLUTE",
    "MEAN_ABSOLUTE_PERCENTAGE",
    "MEAN_SQUARED",
    "R2",
    "ROOT_MEAN_SQUARED",
    "ErrorOptions",
    "ExplainedOptions",
    "Formula",
    "HuberOptions",
    "Moments",
    "average_outputs",
    "fraction_explained",
    "huber",
]
