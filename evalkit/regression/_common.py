"""What the regression metrics share: their options, declared once, and their formulas.

A regression total (see :mod:`evalkit.regression._moments` for how rows and batch totals are counted) is a
flat vector of per-output blocks of weighted moments, one block of ``k`` values (one per output) for each
of the metric's columns, then the total weight and the number of samples::

    [column_1 (k values), ..., column_C (k values), sum(w), n]

The columns, with ``e = y_true - y_pred`` and moments about a shift ``c`` (the frame, see
:mod:`evalkit.regression._moments`), all summed but ``max``:

- ``sse = sum(w e²)``, ``sae = sum(w |e|)``, ``ape = sum(w |e| / max(|y_true|, eps))``,
  ``huber = sum(w huber_delta(|e|))``, and ``max = max |e|`` (reduced by ``max``);
- ``s1_y = sum(w (y_true - c_y))`` and ``s2_y = sum(w (y_true - c_y)²)``; ``s1_e``, ``s2_e`` likewise of ``e``;
- ``sle = sum(w (log1p(y_true) - log1p(y_pred))²)``, ``pinball = sum(w rho_alpha(e))``,
  ``dev = sum(w D_p(y_true, y_pred))`` (the unit Tweedie deviance) and ``breg_y = sum(w D_p(y_true, c_y))``
  (D² of the Tweedie deviance, moved between shifts by :func:`bregman_recentred`).

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
from evalkit.core.errors import InputError, InvalidOptionError
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
    alpha: ClassVar[float] = 0.5
    power: ClassVar[float] = 0.0


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


_ALPHA_DOC = "the quantile level: under-predictions cost alpha, over-predictions 1 - alpha"


@dataclass(frozen=True)
class PinballOptions(ErrorOptions):
    """The pinball loss's options (scikit-learn's ``mean_pinball_loss`` and ``d2_pinball_score``)."""

    signature_order: ClassVar[tuple[str, ...]] = ("alpha", "multioutput")

    alpha: float = option(0.5, number(low=0, high=1), _ALPHA_DOC, sig="alpha")  # type: ignore[misc]


def _power(owner: str, name: str, value: Any) -> float:
    """A Tweedie power: ``power <= 0`` or ``power >= 1`` (no Tweedie distribution has one in (0, 1))."""
    power = number()(owner, name, value)
    if 0 < power < 1:
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be a float in the range (-inf, 0.0] or a float in the range "
            f"[1.0, inf). Got {value!r} instead."
        )
    return float(power)


@dataclass(frozen=True)
class TweedieOptions(RegressionOptions):
    """The Tweedie deviance's option (single output, as scikit-learn's): its ``power``."""

    power: float = option(  # type: ignore[misc]
        0.0, _power, "0: squared error, 1: Poisson, 2: gamma, 3: inverse Gaussian; (0, 1) is refused", sig="power"
    )


@dataclass(frozen=True)
class PoissonOptions(RegressionOptions):
    """``mean_poisson_deviance``: the Tweedie deviance of power 1, no options."""

    power: ClassVar[float] = 1.0


@dataclass(frozen=True)
class GammaOptions(RegressionOptions):
    """``mean_gamma_deviance``: the Tweedie deviance of power 2, no options."""

    power: ClassVar[float] = 2.0


# -- per-sample terms ----------------------------------------------------------------------------------
def _log(x: Any) -> Any:
    return x.log() if arrays.is_tensor(x) else np.log(x)


def tweedie_deviance(t: Any, p: Any, power: float) -> Any:
    """The unit Tweedie deviance of each sample, as scikit-learn's ``_mean_tweedie_deviance`` writes it
    (``0 log 0 = 0`` for Poisson). Arrays or tensors; ``p > 0`` where ``power != 0``."""
    if power == 0:
        e = t - p
        return e * e
    if power == 1:
        with np.errstate(divide="ignore", invalid="ignore"):  # y = 0: the 0 log 0 term is 0
            ylogy = arrays.where(t == 0, 0.0 * t, t * _log(t / p))
        return 2 * (ylogy - t + p)
    if power == 2:
        return 2 * (_log(p / t) + t / p - 1)
    base = arrays.maximum(t, 0.0 * t) if power < 0 else t
    return 2 * (base ** (2 - power) / ((1 - power) * (2 - power)) - t * p ** (1 - power) / (1 - power)
                + p ** (2 - power) / (2 - power))  # fmt: skip


def pinball(e: Any, alpha: float) -> Any:
    """The pinball loss of errors ``e = y_true - y_pred``: ``alpha e`` where ``e >= 0``, else ``(alpha - 1) e``
    (scikit-learn's ``alpha * sign * e - (1 - alpha) * (1 - sign) * e``)."""
    return arrays.where(e >= 0, alpha * e, (alpha - 1) * e)


def _phi_slope(c: Any, power: float) -> Any:
    """``phi'(c)`` of the Tweedie deviance's convex generator ``phi`` (``D(y, c) = 2 (phi(y) - phi(c) -
    phi'(c) (y - c))``, ``phi(y) = y^(2-p) / ((1-p)(2-p))``, ``y log y - y`` at p = 1), at shifts ``c > 0``."""
    return np.log(c) if power == 1 else c ** (1 - power) / (1 - power)


def bregman_recentred(b: Any, s1: Any, w: Any, c: Any, target: Any, power: float) -> Any:
    """``sum w D(y, target)`` from ``b = sum w D(y, c)`` and ``s1 = sum w (y - c)``, exactly:
    ``b + W D(c, target) + 2 (phi'(c) - phi'(target)) s1`` (small terms when the shifts are close)."""
    c, target = np.asarray(c, dtype=np.float64), np.asarray(target, dtype=np.float64)
    slope = _phi_slope(c, power) - _phi_slope(target, power)
    return b + w * tweedie_deviance(c, target, power) + 2 * slope * s1


# -- formulas ------------------------------------------------------------------------------------------
class Moments:
    """Named views of a matrix of totals (one total per row): each column's ``(m, k)`` block, the total
    weight ``w`` as an ``(m, 1)`` column and the number of samples ``n``."""

    def __init__(self, totals: Any, columns: tuple[str, ...], k: int, shift: Any = None) -> None:
        totals = np.asarray(totals, dtype=np.float64).reshape(-1, len(columns) * k + 2)
        #: the frame's shift of y_true's moments (one per output), where the columns have some
        self.shift = None if shift is None else np.asarray(shift, dtype=np.float64)
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
    #: ``check(owner, y_true, y_pred, options)``: refuses targets outside the formula's domain (log errors,
    #: deviances), as scikit-learn does, naming the first value at fault
    domain: Callable[[str, Any, Any, Any], None] | None = None


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


def _refuse(owner: str, name: str, y: Any, bad: Any, allowed: str) -> None:
    """Raise naming the first value of ``y`` where ``bad`` holds (a 1-D input's position as 1-D)."""
    if not bool(bad.any()):  # one sync for a tensor on a device
        return
    y, bad = np.asarray(arrays.to_host(y)), np.asarray(arrays.to_host(bad))
    if y.shape[1] == 1:
        y, bad = y[:, 0], bad[:, 0]
    at = np.argwhere(bad)[0]
    where = ", ".join(str(int(i)) for i in at)
    raise InputError(f"{owner}: {name} must hold {allowed}, but {name}[{where}] is {y[tuple(at)].item()!r}.")


def _log_domain(owner: str, t: Any, p: Any, options: Any) -> None:
    """scikit-learn: the log errors "cannot be used when targets contain values less than or equal to -1"."""
    for name, y in (("y_true", t), ("y_pred", p)):
        _refuse(owner, name, y, y <= -1, "values greater than -1 (the log errors take log(1 + y))")


def _tweedie_domain(owner: str, t: Any, p: Any, options: Any) -> None:
    """scikit-learn's domains: y_pred > 0 unless power = 0; y_true >= 0 for 1 <= power < 2, > 0 from 2 on."""
    power = options.power
    at = f" (the Tweedie deviance of power={power:g})"
    if 1 <= power < 2:
        _refuse(owner, "y_true", t, t < 0, "non-negative values" + at)
    elif power >= 2:
        _refuse(owner, "y_true", t, t <= 0, "strictly positive values" + at)
    if power != 0:
        _refuse(owner, "y_pred", p, p <= 0, "strictly positive values" + at)


MEAN_SQUARED_LOG = Formula(("sle",), _mean_of("sle"), domain=_log_domain)
ROOT_MEAN_SQUARED_LOG = Formula(("sle",), _mean_of("sle", root=True), domain=_log_domain)
PINBALL = Formula(("pinball",), _mean_of("pinball"))
TWEEDIE = Formula(("dev",), _mean_of("dev"), max_outputs=1, domain=_tweedie_domain)
D2_UNDEFINED = "D^2 score is not well-defined with less than two samples."  # scikit-learn's words


def _d2_tweedie(m: Moments, options: Any) -> tuple[np.ndarray, None]:
    """``1 - mean D(y, y_pred) / mean D(y, mean_w(y))``; the denominator from the deviance about the
    frame's shift ``c``: ``sum w D(y, ybar) = sum w D(y, c) - W D(ybar, c)`` (a Bregman divergence's
    identity, exact; close terms when ``c`` is the first batch's mean). scikit-learn gives NaN where the
    mean of y_true is negative (power < 0): so does this."""
    c = m.shift
    ybar = c + m["s1_y"] / m.w
    with np.errstate(invalid="ignore", divide="ignore"):
        den = (m["breg_y"] - m.w * tweedie_deviance(ybar, c, options.power)) / m.w
        den = np.where(ybar < 0, np.nan, den) if options.power < 0 else den
    # a constant y_true (den = 0): -inf, or NaN for a perfect fit, with numpy's warning (scikit-learn raises
    # ZeroDivisionError there: Python floats)
    return 1 - m.mean("dev") / den, None


D2_TWEEDIE = Formula(
    ("dev", "s1_y", "breg_y"),
    _d2_tweedie,
    min_samples=2,
    undefined=D2_UNDEFINED,
    max_outputs=1,
    domain=_tweedie_domain,
)


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
    "D2_TWEEDIE",
    "D2_UNDEFINED",
    "EXPLAINED_VARIANCE",
    "HUBER",
    "MAX",
    "MEAN_ABSOLUTE",
    "MEAN_ABSOLUTE_PERCENTAGE",
    "MEAN_SQUARED",
    "MEAN_SQUARED_LOG",
    "PINBALL",
    "R2",
    "ROOT_MEAN_SQUARED",
    "ROOT_MEAN_SQUARED_LOG",
    "TWEEDIE",
    "ErrorOptions",
    "ExplainedOptions",
    "Formula",
    "GammaOptions",
    "HuberOptions",
    "Moments",
    "PinballOptions",
    "PoissonOptions",
    "TweedieOptions",
    "average_outputs",
    "bregman_recentred",
    "fraction_explained",
    "huber",
    "pinball",
    "tweedie_deviance",
]
