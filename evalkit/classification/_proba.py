"""The rows of log loss: ``[w * -log p_true, w]`` per sample, with scikit-learn's checks, on the host or,
for a probability tensor, on its device.

Reference: scikit-learn 1.9 ``sklearn.metrics.log_loss``.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import EmptyInputError, InputError
from evalkit.core.inputs import as_array, as_weights
from evalkit.core.validate import check_finite, check_same_n_samples

_NOT_SUMMING_TO_ONE = "The y_prob values do not sum to one. Make sure to pass probabilities."  # scikit-learn's


def _nll(picked: Any, eps: float) -> Any:
    """``-log p`` of each sample's probability of its true class (an array, or a tensor on its device): clipped
    to ``[eps, 1 - eps]`` in the probabilities' precision, as scikit-learn clips, and the log taken in float64
    (numpy's and torch's float32 logs differ in the last bit)."""
    if arrays.is_tensor(picked):
        return -sys.modules["torch"].log(picked.clamp(eps, 1 - eps).double())
    return -np.log(np.clip(picked, eps, 1 - eps).astype(np.float64))


def log_loss_rows(owner: str, y_true: Any, y_proba: Any, sample_weight: Any, labels: Any) -> np.ndarray:
    """``[w * -log(clip(p_true)), w]`` per sample, with scikit-learn's checks and clipping to
    ``[eps, 1 - eps]`` (eps of the probabilities' float type)."""
    prob = as_array(owner, "y_proba", y_proba)
    if prob.dtype.kind not in "biuf" or prob.ndim not in (1, 2):
        raise InputError(
            f"{owner}: y_proba must be a 1-D or 2-D array of probabilities, got shape {prob.shape} and dtype "
            f"{prob.dtype}."
        )
    if prob.dtype.kind != "f":
        prob = prob.astype(np.float64)
    check_finite(owner, "y_proba", prob)
    y = as_array(owner, "y_true", y_true)
    if y.ndim == 2 and y.shape[1] == 1:  # a column of labels, as scikit-learn reads it
        y = y[:, 0]
    if y.ndim != 1:
        raise InputError(f"{owner}: y_true must be a 1-D array of class labels, got shape {y.shape}.")
    n = check_same_n_samples(owner, y_true=y, y_proba=prob)
    check_finite(owner, "y_true", y)  # a NaN label would pass for a class of its own
    if n == 0:
        raise EmptyInputError(f"{owner}: y_true and y_proba are empty; at least one sample is needed.")
    w = as_weights(owner, arrays.to_host(sample_weight), n)
    if prob.max() > 1 or prob.min() < 0:
        bad = prob.max() if prob.max() > 1 else prob.min()
        raise InputError(f"{owner}: y_proba must hold probabilities in [0, 1], but it holds {bad.item()!r}.")
    classes = arrays.unique(y) if labels is None else arrays.unique(np.asarray(labels))
    if labels is not None and not np.isin(y, classes).all():
        raise InputError(
            f"{owner}: y_true holds labels {sorted(set(np.asarray(y).tolist()) - set(classes.tolist()))} "
            f"that are not in labels={list(labels)!r}."
        )
    if len(classes) < 2:
        raise InputError(
            f"{owner}: y_true holds a single label ({classes.tolist()}); pass every class through labels=."
        )
    eps = float(np.finfo(prob.dtype).eps)  # the clipping of the probabilities' own precision, as scikit-learn's
    if prob.ndim == 1 or prob.shape[1] == 1:
        # the negative class's probability in float64, where 1 - p is exact (float16's rounds it by up to 1e-4)
        prob = prob.reshape(-1, 1).astype(np.float64)
        prob = np.concatenate([1 - prob, prob], axis=1)
    if not np.allclose(prob.sum(axis=1), 1, rtol=np.sqrt(eps), atol=0):
        warnings.warn(_NOT_SUMMING_TO_ONE, UserWarning, stacklevel=4)
    if len(classes) != prob.shape[1]:
        raise InputError(
            f"{owner}: y_true has {len(classes)} classes ({classes.tolist()!r:.60}) but y_proba has "
            f"{prob.shape[1]} columns; pass every class through labels= in the order of the columns."
        )
    picked = prob[np.arange(n), np.searchsorted(classes, y)]
    loss = _nll(picked, eps)
    weights = np.ones(n) if w is None else w
    return np.stack([weights * loss, weights], axis=1)


def log_loss_device_rows(owner: str, y_true: Any, y_proba: Any, sample_weight: Any, labels: Any) -> Any:
    """:func:`log_loss_rows` of a probability tensor, on its device, with one sync for every check; or
    ``None`` where an input fails a check (or cannot live on the device: string labels), so that the host
    path raises its message (or, for an odd valid input, counts on the host)."""
    torch = sys.modules["torch"]
    classes = arrays.unique(np.asarray(labels))
    prob = y_proba.detach()
    y = arrays.moved_to(y_true, prob)
    w = None if sample_weight is None else arrays.moved_to(sample_weight, prob)
    if classes.dtype.kind not in "biuf" or len(classes) < 2 or y is None or prob.is_complex() or y.is_complex():
        return None
    n = y.shape[0] if y.ndim == 1 else -1
    if prob.ndim not in (1, 2) or n < 1 or prob.shape[0] != n or (sample_weight is not None and w is None):
        return None
    if w is not None and (w.ndim != 1 or w.shape[0] != n or w.is_complex()):
        return None
    if not prob.is_floating_point():
        prob = prob.to(torch.float64)
    elif prob.dtype == torch.bfloat16:  # as the host path reads it: numpy has no bfloat16
        prob = prob.float()
    finfo = torch.finfo(prob.dtype)  # the clipping of the probabilities' own precision, as the host path's
    if prob.ndim == 1 or prob.shape[1] == 1:  # the positive class's probability; 1 - p in float64, exact
        positive = prob.reshape(-1, 1).double()
        prob = torch.cat([1 - positive, positive], dim=1)
    if prob.shape[1] != len(classes):
        return None
    # integer labels compared as int64; any float among them, as float64 (1.5 must not pass for class 1),
    # where integers from 2**53 on would round together: those go the host path
    integers = classes.dtype.kind in "biu" and not (y.is_floating_point() or y.is_complex())
    if not integers and np.abs(classes.astype(np.float64)).max() >= 2**53:
        return None
    table = arrays.like(classes.astype(np.int64 if integers else np.float64), prob)
    y64 = y.to(table.dtype)
    at = torch.searchsorted(table, y64).clamp_(max=len(classes) - 1)
    w64 = torch.ones(n, dtype=torch.float64, device=prob.device) if w is None else w.to(torch.float64)
    fails = torch.stack(
        [
            ~torch.isfinite(prob).all() | (prob > 1).any() | (prob < 0).any(),
            (table[at] != y64).any(),
            ~torch.isfinite(w64).all(),
            ((prob.sum(dim=1) - 1).abs() > finfo.eps**0.5).any(),
        ]
    ).tolist()  # the one sync
    if any(fails[:3]):
        return None
    if fails[3]:
        warnings.warn(_NOT_SUMMING_TO_ONE, UserWarning, stacklevel=3)
    loss = _nll(prob.gather(1, at[:, None])[:, 0], finfo.eps)
    return torch.stack([w64 * loss, w64], dim=1)
