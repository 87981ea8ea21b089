"""What the calibration metrics share: their options, declared once, the binning of confidences and the
formula of the calibration error.

Equal-width bins are fixed, so a batch's statistics are per-bin sums that add exactly: for each of the
``n_bins + 1`` bins, the weight of its samples, the weighted sum of their confidences and the weighted sum
of their accuracies. The edges are ``numpy.linspace(0, 1, n_bins + 1)``; bin ``b`` holds the confidences
``edges[b] <= c < edges[b + 1]`` and the last bin the confidences equal to 1, as torchmetrics'
``torch.bucketize(..., right=True) - 1`` places them (scikit-learn's ``calibration_curve`` closes its bins
on the right instead: :func:`bin_index` takes either rule).

References: torchmetrics 1.9 ``BinaryCalibrationError``/``MulticlassCalibrationError`` (``_ce_compute``);
scikit-learn 1.9 ``brier_score_loss`` and ``calibration_curve``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.classification._common import _shown, labels_option
from evalkit.classification._per_sample import class_index
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, choice, integer, option

NORMS = ("l1", "l2", "max")
BINNINGS = ("equal_width", "equal_mass")
#: the most bins: a state keeps three sums per bin, so a mistyped count would allocate gigabytes
MAX_BINS = 1_000_000


def _half(owner: str, name: str, value: Any) -> Any:
    if (isinstance(value, str) and value == "auto") or isinstance(value, (bool, np.bool_)):
        return value if isinstance(value, str) else bool(value)
    raise InvalidOptionError(f"The {name!r} parameter of {owner} must be 'auto', True or False. Got {value!r} instead.")


@dataclass(frozen=True)
class BrierOptions(Options):
    pos_label: Any = option(
        None, None, "the positive class of 1-D y_proba (default: 1 for {0, 1} or {-1, 1} labels)", sig="pos_label",
        show=_shown,
    )  # fmt: skip
    labels: tuple | None = labels_option(
        "the classes of 2-D y_proba's columns, sorted (default: y_true's for one call, 0..C-1 for a running metric)"
    )
    scale_by_half: Any = option(
        "auto", _half, "halve the score ('auto': for two classes, as customary, so that it lies in [0, 1])", sig="half"
    )


@dataclass(frozen=True)
class CalibrationErrorOptions(Options):
    n_bins: int = option(15, integer(minimum=1, maximum=MAX_BINS), "the number of bins", sig="bins")
    norm: str = option(
        "l1", choice(*NORMS), "'l1' (expected calibration error), 'l2' (its root mean square) or 'max'", sig="norm"
    )
    binning: str = option(
        "equal_width",
        choice(*BINNINGS),
        "'equal_width' bins of [0, 1] (per-bin sums), or 'equal_mass': n_bins bins of about as many samples each "
        "(edges at the confidences' quantiles; the state keeps a table of distinct confidences)",
        sig="binning",
        hide_default=True,
    )


# -- labels ----------------------------------------------------------------------------------------------------
def binary_positive(owner: str, y: np.ndarray, pos_label: Any, fallback: bool) -> np.ndarray:
    """Whether each label is the positive class (scikit-learn's ``_check_pos_label_consistency``): without
    ``pos_label``, labels in {0, 1} or {-1, 1} have 1 as positive class; otherwise (``fallback``, as
    ``brier_score_loss``) the greater of two numeric labels, or an error asking for ``pos_label``."""
    classes = arrays.unique(y)
    if len(classes) > 2:
        raise InputError(
            f"{owner}: y_true holds {len(classes)} classes ({classes.tolist()!r:.60}) but 1-D y_proba gives the "
            f"probability of one class; pass (n_samples, n_classes) probabilities for more than two classes."
        )
    if pos_label is not None:
        return y == pos_label
    numeric = classes.dtype.kind in "biuf"
    if numeric and (set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}):
        return y == 1
    if fallback and numeric:
        return y == classes[-1]
    raise InputError(
        f"{owner}: y_true takes values in {classes.tolist()!r:.60} and pos_label is not specified: either make "
        f"y_true take values in {{0, 1}} or {{-1, 1}} or pass pos_label explicitly."
    )


def one_hot(owner: str, y: np.ndarray, labels: tuple | None, n_columns: int, running: bool) -> np.ndarray:
    """``(n, n_columns)`` indicators of each sample's class among the sorted classes: ``labels``, or (one
    call) the classes of ``y``, or (a running metric) the column indices ``0..n_columns-1``."""
    if labels is not None:
        classes = arrays.unique(np.asarray(labels))
        if len(classes) and not (classes == np.asarray(labels)).all():
            warnings.warn(
                f"{owner}: labels={list(labels)!r:.60} are not sorted; the columns of y_proba are read as the classes "
                f"in sorted order, {classes.tolist()!r:.60}.",
                UserWarning,
                stacklevel=6,
            )
        where = "labels"
    elif running:
        classes, where = np.arange(n_columns), "the column indices"
    else:
        classes, where = arrays.unique(y), "the classes of y_true"
    if len(classes) < 2:
        raise InputError(
            f"{owner}: y_true holds a single class ({classes.tolist()!r:.40}); pass every class through labels=."
        )
    if len(classes) != n_columns:
        raise InputError(
            f"{owner}: y_proba has {n_columns} columns but there are {len(classes)} classes ({where}: "
            f"{classes.tolist()!r:.60}); pass every class through labels= in the order of the columns."
        )
    at = class_index(owner, y, classes, where)
    out = np.zeros((len(y), n_columns))
    out[np.arange(len(y)), at] = 1.0
    return out


# -- bins ------------------------------------------------------------------------------------------------------
def bin_edges(n_bins: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n_bins + 1)


def bin_index(confidence: np.ndarray, n_bins: int, closed: str = "left") -> np.ndarray:
    """The bin of each confidence: ``closed="left"``, ``[e_b, e_b+1)`` with a last bin ``n_bins`` for 1.0
    (torchmetrics); ``"right"``, ``(e_b, e_b+1]`` with 0 in the first of ``n_bins`` (scikit-learn)."""
    edges = bin_edges(n_bins)
    if closed == "left":
        return np.searchsorted(edges, confidence, side="right") - 1
    return np.searchsorted(edges[1:-1], confidence, side="left")


def bin_sums(
    index: np.ndarray, confidence: np.ndarray, accuracy: np.ndarray, w: np.ndarray | None, size: int
) -> np.ndarray:
    """``[weight, sum(w c), sum(w a)]`` of each of ``size`` bins, flat (``3 * size``)."""
    weights = np.ones(len(index)) if w is None else w
    return np.concatenate(
        [np.bincount(index, weights=x, minlength=size) for x in (weights, weights * confidence, weights * accuracy)]
    )


def quantile_edges(values: np.ndarray, counts: np.ndarray, n_bins: int) -> np.ndarray:
    """The ``n_bins + 1`` edges at the quantiles ``0, 1/n_bins, ..., 1`` of items whose distinct ``values``
    (ascending) occur ``counts`` times, as ``numpy.percentile(items, linspace(0, 1, n_bins + 1) * 100)``
    (its "linear" method, its interpolation to the last bit) computes them from the items themselves."""
    cumulative = np.cumsum(counts)
    q = np.true_divide(np.linspace(0, 1, n_bins + 1) * 100, 100)  # the percentages as numpy reads them back
    virtual = (cumulative[-1] - 1) * q
    below = np.floor(virtual)
    gamma = virtual - below
    order = below.astype(np.int64)
    a = values[np.searchsorted(cumulative, order, side="right")]
    b = values[np.searchsorted(cumulative, np.minimum(order + 1, cumulative[-1] - 1), side="right")]
    diff = b - a
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)  # numpy's _lerp


def equal_mass_sums(values: np.ndarray, counts: np.ndarray, n_bins: int) -> np.ndarray:
    """Per-bin ``[weight, sum(c), sum(a)]`` (flat, ``3 * n_bins``) of a table of distinct confidences
    ``values`` with ``(U, 2)`` counts of wrong and right items, over ``n_bins`` bins with edges at the
    confidences' quantiles, closed on the right as scikit-learn's ``calibration_curve(strategy="quantile")``."""
    items = counts.sum(axis=1)
    edges = quantile_edges(values, items, n_bins)
    index = np.searchsorted(edges[1:-1], values, side="left")
    sums = (items, items * values, counts[:, 1])
    return np.concatenate([np.bincount(index, weights=x, minlength=n_bins) for x in sums]).astype(np.float64)


def calibration_gap(totals: np.ndarray, norm: str) -> np.ndarray:
    """The calibration error of each total of per-bin sums (``(m, 3 * size)``), as torchmetrics'
    ``_ce_compute``: with ``p_b`` the share of the weight in bin ``b`` and ``acc_b``, ``conf_b`` its mean
    accuracy and confidence (0 for an empty bin), ``l1`` is ``sum_b p_b |acc_b - conf_b|``, ``l2``
    ``sqrt(sum_b p_b (acc_b - conf_b)^2)`` and ``max`` ``max_b |acc_b - conf_b|``; NaN without weight."""
    totals = np.asarray(totals, dtype=np.float64)
    size = totals.shape[1] // 3
    weight, conf, acc = totals[:, :size], totals[:, size : 2 * size], totals[:, 2 * size :]
    empty = weight == 0
    safe = np.where(empty, 1.0, weight)
    gap = np.where(empty, 0.0, (acc - conf) / safe)
    whole = weight.sum(axis=1, keepdims=True)
    share = weight / np.where(whole == 0, np.nan, whole)
    if norm == "l1":
        return (np.abs(gap) * share).sum(axis=1)
    if norm == "l2":
        return np.sqrt(np.maximum((gap**2 * share).sum(axis=1), 0.0))
    return np.where(whole[:, 0] == 0, np.nan, np.abs(gap).max(axis=1))
