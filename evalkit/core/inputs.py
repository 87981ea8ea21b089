"""Array-like inputs shared by the metric families (classification, regression): conversion to numpy, sample
weights, and their checks."""

from __future__ import annotations

from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.validate import check_finite, check_same_n_samples


def as_array(owner: str, name: str, y: Any) -> np.ndarray:
    """``y`` (list, numpy array or torch tensor) as a numpy array, without copying where possible."""
    if arrays.is_tensor(y):  # no torch import: a tensor converts itself
        return arrays.to_host(y)
    if isinstance(y, (set, frozenset, dict)):
        raise InputTypeError(
            f"{owner}: {name} must be an ordered array-like (list, numpy array or torch tensor); a "
            f"{type(y).__name__} has no order, so its items cannot be paired with the other side's."
        )
    if isinstance(y, (str, bytes)) or not (hasattr(y, "__len__") or hasattr(y, "__array__")):
        raise InputTypeError(
            f"{owner}: {name} must be an array-like (list, numpy array or torch tensor), got a {type(y).__name__}."
        )
    try:
        return np.asarray(y)
    except ValueError:
        raise InputError(
            f"{owner}: {name} is ragged (rows of different lengths). For multilabel data pass a 2-D indicator "
            f"matrix of shape (n_samples, n_labels), e.g. from sklearn's MultiLabelBinarizer."
        ) from None


def as_weights(owner: str, sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a 1-D array of ``n`` finite numbers (or ``None``); a tensor stays a tensor."""
    if sample_weight is None:
        return None
    w = sample_weight if arrays.is_tensor(sample_weight) else as_array(owner, "sample_weight", sample_weight)
    if w.ndim != 1 or arrays.dtype_kind(w) not in "biuf":
        raise InputError(
            f"{owner}: sample_weight must be a 1-D array of numbers, got shape {w.shape} and dtype {w.dtype}."
        )
    check_same_n_samples(owner, y_true=np.empty(n), sample_weight=w)
    # float16 sums stop counting at 2048, float32 at 2**24: weights accumulate in float64 whatever their dtype
    w = arrays.copy(arrays.as_float64(w))
    check_finite(owner, "sample_weight", w)
    return w


def check_some_weight(owner: str, w: np.ndarray | None) -> None:
    """scikit-learn refuses sample weights that are all zero; so do the functional metrics."""
    if w is not None and len(w) and not w.any():
        raise InputError(f"{owner}: sample_weight must contain at least one non-zero number; all are zero.")
