"""Inputs of the classification metrics: conversion, target types, and confusion counts.

Targets are read as scikit-learn reads them (``type_of_target``, ``unique_labels``, ``_check_targets``):
1-D class labels (integers, booleans, integral floats or strings; an ``(n, 1)`` column counts as 1-D)
or a 2-D multilabel indicator matrix with at most two distinct values (non-zero means "has the label").

Counting takes fewer passes than scikit-learn's ``unique``-based path:

- integer or boolean labels in a small range go straight to ``np.bincount(y_true * K + y_pred)``; the
  range comes from one ``max`` per array, read as unsigned so that a negative label appears as a huge
  value (and takes the general path) without a separate ``min`` pass;
- other labels (strings, floats, negative or far-apart integers) are encoded by one ``np.unique`` over
  both arrays.

The counts keep only the labels that occur (in ``y_true`` or ``y_pred``, whatever their weight), sorted
as ``unique_labels`` sorts them. Two counts over different label sets merge on the union of their labels:
each side's cells move to their label's row and column in the union, so a label one worker never saw
simply has zero counts from that worker, and the merge equals one pass over all the data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.inputs import as_array, as_weights
from evalkit.core.rows import Rows
from evalkit.core.validate import check_finite, check_same_n_samples


def _family(a: np.ndarray) -> str:
    return "string" if a.dtype.kind in "UO" else "number"


def _labels_1d(owner: str, name: str, y: np.ndarray) -> np.ndarray:
    """Check 1-D class labels; raise for continuous values, NaN, bytes and mixed types."""
    kind = y.dtype.kind
    if kind in "biu":
        return y
    if kind == "f":
        check_finite(owner, name, y)
        frac = y != np.floor(y)
        if frac.any():
            example = y[np.argmax(frac)].item()
            raise InputError(
                f"{owner}: {name} holds continuous values (e.g. {example!r}), but classification metrics need "
                f"class labels. Threshold or argmax the scores first (e.g. y_pred >= 0.5)."
            )
        return y
    if kind == "U":
        return y
    if kind == "O":
        is_str = [isinstance(v, str) for v in y]
        if all(is_str):
            return y
        if any(is_str):
            raise InputError(f"{owner}: {name} mixes string and non-string labels; use one type for all labels.")
        try:  # numbers held in an object array
            return _labels_1d(owner, name, y.astype(np.float64) if len(y) else y.astype(np.int64))
        except (TypeError, ValueError):
            pass
    raise InputTypeError(
        f"{owner}: {name} must hold class labels (integers, booleans, integral floats or strings), got dtype {y.dtype}."
    )


def check_targets(
    owner: str, y_true: Any, y_pred: Any, sample_weight: Any = None
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate a pair of targets; return ``(kind, y_true, y_pred, sample_weight)``.

    ``kind`` is ``"labels"`` (1-D class labels) or ``"multilabel"`` (2-D indicator matrices, returned as
    booleans). The inputs are not changed.
    """
    t = as_array(owner, "y_true", y_true)
    p = as_array(owner, "y_pred", y_pred)
    n = check_same_n_samples(owner, y_true=t, y_pred=p)
    if n == 0 or t.ndim == 0:
        raise InputError(f"{owner}: y_true and y_pred are empty; at least one sample is needed.")
    kinds = []
    checked = []
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim == 1:
            kinds.append("labels")
            checked.append(_labels_1d(owner, name, a))
        elif a.ndim == 2:
            if a.dtype.kind in "f":
                check_finite(owner, name, a)
            values = np.unique(a) if a.dtype.kind in "biuf" else None
            if values is not None and a.dtype.kind == "f" and (values != np.floor(values)).any():
                example = values[np.argmax(values != np.floor(values))].item()
                raise InputError(
                    f"{owner}: {name} of shape {a.shape} holds continuous values (e.g. {example!r}): scores or "
                    f"probabilities, not labels. Argmax them over the classes (y.argmax(axis=1)) or threshold "
                    f"them for multilabel indicators (y >= 0.5) first."
                )
            if values is None or len(values) > 2:
                raise InputError(
                    f"{owner}: {name} of shape {a.shape} is not a multilabel indicator matrix (at most two "
                    f"distinct numbers, e.g. 0 and 1); multiclass-multioutput and continuous targets are "
                    f"not supported."
                )
            kinds.append("multilabel")
            checked.append(a != 0)
        else:
            raise InputError(
                f"{owner}: {name} must be 1-D labels or a 2-D multilabel indicator matrix, got shape {a.shape}."
            )
    t, p = checked
    if kinds[0] != kinds[1]:
        raise InputError(
            f"{owner}: y_true and y_pred must be the same kind of target, but y_true has shape "
            f"{np.shape(y_true)} ({'class labels' if kinds[0] == 'labels' else 'multilabel indicators'}) and "
            f"y_pred has shape {np.shape(y_pred)} "
            f"({'class labels' if kinds[1] == 'labels' else 'multilabel indicators'})."
        )
    if kinds[0] == "multilabel" and t.shape[1] != p.shape[1]:
        raise InputError(
            f"{owner}: y_true and y_pred must have the same number of labels (columns), but y_true has shape "
            f"{t.shape} and y_pred has shape {p.shape}."
        )
    if kinds[0] == "labels" and _family(t) != _family(p):
        raise InputError(
            f"{owner}: mix of label types: y_true holds {_family(t)}s ({t.dtype}) and y_pred holds "
            f"{_family(p)}s ({p.dtype}); both must be strings or both numbers."
        )
    return kinds[0], t, p, as_weights(owner, arrays.to_host(sample_weight), n)


def check_tensor_targets(owner: str, y_true: Any, y_pred: Any, sample_weight: Any = None) -> tuple[str, Any, Any, Any]:
    """:func:`check_targets` for torch tensors, on their device: ``(kind, y_true, y_pred, sample_weight)``
    as tensors on the device of the tensor given (the other side, a list or array, is moved there).

    Shapes and dtypes are read without touching the data. Float labels and float weights (integral and
    finite?) cost one device sync between them, an integer indicator matrix one more (at most two
    values?); integer and boolean labels cost none. Whatever fails these checks is checked
    again by :func:`check_targets` on the host, which raises the message it gives for arrays.
    """
    ref = y_pred if arrays.is_tensor(y_pred) else y_true
    t, p = (_column(arrays.moved_to(y, ref)) for y in (y_true, y_pred))
    w = None if sample_weight is None else arrays.moved_to(sample_weight, ref)
    if _device_checks(t, p, w, sample_weight is not None):
        kind = "labels" if t.ndim == 1 else "multilabel"
        if kind == "multilabel":
            t, p = t != 0, p != 0
        return kind, t, p, None if w is None else arrays.as_float64(w)
    host = (arrays.to_host(y) for y in (y_true, y_pred, sample_weight))
    return check_targets(owner, *host)  # raises the message, or (an odd valid input) counts on the host


def _column(a: Any) -> Any:
    """An ``(n, 1)`` column as 1-D labels, as scikit-learn reads it (``None`` stays ``None``)."""
    return a[:, 0] if a is not None and a.ndim == 2 and a.shape[1] == 1 else a


def _device_checks(t: Any, p: Any, w: Any, weighted: bool) -> bool:
    """Whether the tensor targets pass every check of :func:`check_targets` (a sync where said above)."""
    if any(a is None or a.is_complex() for a in (t, p)) or (weighted and w is None):
        return False
    # shapes, not len(): a tensor's __len__ is a Python call, and this runs at every update
    if t.ndim != p.ndim or t.ndim not in (1, 2) or t.shape[0] != p.shape[0] or t.shape[0] == 0:
        return False
    if t.ndim == 2 and t.shape[1] != p.shape[1]:
        return False
    if weighted and (w.ndim != 1 or w.shape[0] != t.shape[0] or w.is_complex()):
        return False
    torch = sys.modules["torch"]
    checks = []
    for a in (t, p):
        if a.is_floating_point():
            checks.append((~torch.isfinite(a) | (a != a.floor())).any())
        if a.ndim == 2 and a.dtype != torch.bool and torch.unique(a).numel() > 2:  # a sync of its own
            return False
    if weighted and w.is_floating_point():
        checks.append(~torch.isfinite(w).all())
    return not checks or not bool(torch.stack(checks).any())  # one sync for all the value checks


@dataclass(frozen=True)
class Counts:
    """Confusion counts of 1-D class labels.

    ``cm[i, j]`` is the (weighted) number of samples with true label ``labels[i]`` and predicted label
    ``labels[j]``; ``labels`` is sorted and holds exactly the labels seen; ``in_true[i]`` / ``in_pred[i]``
    tell whether ``labels[i]`` occurs in ``y_true`` / ``y_pred`` (at any weight, as scikit-learn checks).
    """

    labels: np.ndarray
    in_true: np.ndarray
    in_pred: np.ndarray
    cm: np.ndarray
    n: int

    def merged(self, other: Counts) -> Counts:
        """The counts of both inputs together (see the module docstring for different label sets)."""
        if _family(self.labels) != _family(other.labels):
            raise InputError(
                f"cannot merge confusion counts over {_family(self.labels)} labels with counts over "
                f"{_family(other.labels)} labels; both must be strings or both numbers."
            )
        n = self.n + other.n
        if self.labels.shape == other.labels.shape and (self.labels == other.labels).all():
            return Counts(
                self.labels, self.in_true | other.in_true, self.in_pred | other.in_pred, self.cm + other.cm, n
            )
        labels = np.union1d(self.labels, other.labels)
        k = len(labels)
        cm = np.zeros((k, k), dtype=np.result_type(self.cm, other.cm))
        in_true = np.zeros(k, dtype=bool)
        in_pred = np.zeros(k, dtype=bool)
        for part in (self, other):
            at = np.searchsorted(labels, part.labels)
            cm[np.ix_(at, at)] += part.cm
            in_true[at] |= part.in_true
            in_pred[at] |= part.in_pred
        return Counts(labels, in_true, in_pred, cm, n)

    def per_label(self, labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(tp, pred_sum, true_sum)`` for each of ``labels`` (default: every label seen); zero if unseen."""
        diag, cols, rows = np.diagonal(self.cm), self.cm.sum(axis=0), self.cm.sum(axis=1)
        if labels is None:
            return diag.copy(), cols, rows
        at, found = self.locate(labels)
        return tuple(np.where(found, x[at], 0) for x in (diag, cols, rows))  # type: ignore[return-value]

    def locate(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of each of ``labels`` in ``self.labels`` (clipped) and whether it is there; a label of the
        other type (a number among strings) is simply not there, as in scikit-learn."""
        if len(labels) and _family(labels) != _family(self.labels):
            return np.zeros(len(labels), dtype=np.intp), np.zeros(len(labels), dtype=bool)
        at = np.clip(np.searchsorted(self.labels, labels), 0, len(self.labels) - 1)
        return at, self.labels[at] == labels

    def matrix(self, labels: np.ndarray) -> np.ndarray:
        """The confusion matrix over ``labels`` (rows true, columns predicted); samples with another label
        on either side are left out, as scikit-learn's ``confusion_matrix`` leaves them out."""
        at, found = self.locate(labels)
        out = self.cm[np.ix_(at, at)]
        out[~found, :] = 0
        out[:, ~found] = 0
        return out


def _encoded(t: Any, p: Any) -> tuple[np.ndarray, Any, Any]:
    """``(labels, t_index, p_index)``: the sorted labels that occur in ``t`` or ``p`` (on the host) and
    each sample's index (on the inputs' device: a tensor's labels cost one sync, ``torch.unique``)."""
    n = t.shape[0]
    if arrays.is_tensor(t):
        torch = sys.modules["torch"]
        labels, inverse = torch.unique(torch.cat([t, p]), sorted=True, return_inverse=True)
        return arrays.to_host(labels), inverse[:n], inverse[n:]
    k = 0
    if t.dtype.kind in "biu" and p.dtype.kind in "biu":
        k = max(_max_unsigned(t), _max_unsigned(p)) + 1
    if k > 0 and k <= _dense_limit(n):
        present = (np.bincount(t.astype(np.intp), minlength=k) > 0) | (np.bincount(p.astype(np.intp), minlength=k) > 0)
        dtype = bool if t.dtype.kind == p.dtype.kind == "b" else np.int64
        labels = np.flatnonzero(present).astype(dtype)
        if len(labels) == k:
            return labels, t.astype(np.intp), p.astype(np.intp)
        lookup = np.cumsum(present) - 1
        return labels, lookup[t.astype(np.intp)], lookup[p.astype(np.intp)]
    try:
        labels, inv = np.unique(np.concatenate([t, p]), return_inverse=True)
    except TypeError:  # unorderable objects
        raise InputError("y_true and y_pred hold labels that cannot be sorted together.") from None
    inv = inv.reshape(-1)
    return labels, inv[:n], inv[n:]


def label_rows(t: Any, p: Any, w: Any) -> Rows:
    """One row per sample of checked 1-D labels, over the labels that occur (the rows' ``space``).

    With ``K`` labels the total has ``K*K + 2K`` cells: the confusion matrix (row-major, rows true), then
    how many samples have each label as true and as predicted label, at any weight (scikit-learn keeps a
    label that occurs with weight zero). A sample adds its weight to its cell and 1 to each count.
    """
    labels, ti, pi = _encoded(t, p)
    k = len(labels)
    cells = arrays.stack([ti * k + pi, k * k + ti, k * k + k + pi], axis=1)
    values = arrays.full(cells.shape, 1, cells, np.int64 if w is None else np.float64)
    if w is not None:
        values[:, 0] = w
    return Rows(cells=cells, values=values, n_cells=k * k + 2 * k, space=labels)


def counts_of_total(total: np.ndarray, labels: np.ndarray) -> Counts:
    """The :class:`Counts` of a :func:`label_rows` total over ``labels``; labels that no longer occur
    (left out of a resample) are dropped, as a count of those samples would not see them."""
    k = len(labels)
    cm = total[: k * k].reshape(k, k)
    true_n, pred_n = total[k * k : k * k + k], total[k * k + k : k * k + 2 * k]
    in_true, in_pred = true_n > 0, pred_n > 0
    keep = in_true | in_pred
    if not keep.all():
        labels, cm, in_true, in_pred = labels[keep], cm[np.ix_(keep, keep)], in_true[keep], in_pred[keep]
    return Counts(np.asarray(labels), in_true, in_pred, cm.copy(), int(true_n.sum()))


def join_labels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The union of two label sets, sorted (both strings or both numbers)."""
    if _family(a) != _family(b):
        raise InputError(
            f"cannot merge confusion counts over {_family(a)} labels with counts over {_family(b)} labels; "
            f"both must be strings or both numbers."
        )
    if a.shape == b.shape and (a == b).all():
        return a
    return np.union1d(a, b)


def align_label_total(total: Any, labels: np.ndarray, target: np.ndarray) -> Any:
    """A :func:`label_rows` total over ``labels`` rewritten over the larger label set ``target``: one
    scatter of every entry to its place in the larger layout (on the total's device)."""
    k, kt = len(labels), len(target)
    if labels is target or (k == kt and (labels == target).all()):
        return total
    at = np.searchsorted(target, labels)
    places = np.concatenate([(at[:, None] * kt + at[None, :]).ravel(), kt * kt + at, kt * kt + kt + at])
    out = total[:0].new_zeros(kt * kt + 2 * kt) if arrays.is_tensor(total) else np.zeros(kt * kt + 2 * kt, total.dtype)
    out[arrays.like(places, total)] = total
    return out


def realign_label_rows(rows: Rows, target: np.ndarray) -> Rows:
    """:func:`label_rows` over ``rows.space`` rewritten over the larger label set ``target``."""
    labels = rows.space
    k, kt = len(labels), len(target)
    at = np.searchsorted(target, labels)
    true, pred = rows.cells[:, 1] - k * k, rows.cells[:, 2] - k * k - k
    ti, pi = at[true], at[pred]
    cells = np.stack([ti * kt + pi, kt * kt + ti, kt * kt + kt + pi], axis=1)
    return Rows(cells=cells, values=rows.values, n_cells=kt * kt + 2 * kt, space=target, extras=rows.extras)


# Largest K for which the dense K x K bincount is used: small enough not to outweigh the data.
def _dense_limit(n: int) -> int:
    return max(1 << 16, n)


def _max_unsigned(a: np.ndarray) -> int:
    """The maximum of ``a`` read as unsigned: a negative integer shows as a value >= 2**(bits-1)."""
    if a.dtype.kind == "i":
        a = a.view(f"u{a.dtype.itemsize}")
    return int(a.max())


def confusion_counts(t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> Counts:
    """Confusion counts of checked 1-D labels ``t``, ``p`` with optional weights ``w``."""
    n = len(t)
    k = 0
    if t.dtype.kind in "biu" and p.dtype.kind in "biu":
        k = max(_max_unsigned(t), _max_unsigned(p)) + 1
    if k > 0 and k * k <= _dense_limit(n):
        idx = np.multiply(t, k, dtype=np.intp)
        np.add(idx, p, out=idx, dtype=np.intp, casting="unsafe")
        dtype = bool if t.dtype.kind == p.dtype.kind == "b" else np.int64
        labels = np.arange(k, dtype=dtype)
    else:
        try:
            labels, inv = np.unique(np.concatenate([t, p]), return_inverse=True)
        except TypeError:  # unorderable objects
            raise InputError("y_true and y_pred hold labels that cannot be sorted together.") from None
        k = len(labels)
        idx = np.multiply(inv[:n], k, dtype=np.intp)
        idx += inv[n:]
    cm = np.bincount(idx, weights=w, minlength=k * k).reshape(k, k)
    seen = cm if w is None or (w > 0).all() else np.bincount(idx, minlength=k * k).reshape(k, k)
    in_true, in_pred = seen.any(axis=1), seen.any(axis=0)
    if not (in_true | in_pred).all():  # integer labels with gaps: keep the labels that occur
        keep = np.flatnonzero(in_true | in_pred)
        labels, cm, in_true, in_pred = labels[keep], cm[np.ix_(keep, keep)], in_true[keep], in_pred[keep]
    return Counts(labels, in_true, in_pred, cm, n)


@dataclass(frozen=True)
class MultilabelCounts:
    """Per-label counts of multilabel indicators, and per-sample sums for ``average="samples"``.

    ``tp``, ``pred_sum`` and ``true_sum`` hold one (weighted) count per label (column); ``weight`` is the
    total sample weight (for true negatives). ``samples`` (present only when asked for) holds, for the
    per-sample precision, recall and F-beta (rows), the sums that their weighted mean needs under any
    ``zero_division`` (columns, see :data:`SAMPLE_SUMS`).
    """

    tp: np.ndarray
    pred_sum: np.ndarray
    true_sum: np.ndarray
    weight: float
    n: int
    samples: np.ndarray | None = None
    beta: float | None = None

    def merged(self, other: MultilabelCounts) -> MultilabelCounts:
        if len(self.tp) != len(other.tp):
            raise InputError(
                f"cannot merge multilabel counts over {len(self.tp)} labels with counts over {len(other.tp)} labels."
            )
        samples = None if self.samples is None or other.samples is None else self.samples + other.samples
        return MultilabelCounts(
            self.tp + other.tp,
            self.pred_sum + other.pred_sum,
            self.true_sum + other.true_sum,
            self.weight + other.weight,
            self.n + other.n,
            samples,
            self.beta,
        )


#: columns of ``MultilabelCounts.samples``: weighted sum of the defined values, their weight, the weight
#: of the undefined ones, and the same three unweighted (scikit-learn's fallback when weights sum to zero)
SAMPLE_SUMS = ("wsum_defined", "w_defined", "w_undefined", "sum_defined", "n_defined", "n_undefined")


def multilabel_counts(
    t: np.ndarray, p: np.ndarray, w: np.ndarray | None, beta: float | None, columns: np.ndarray | None = None
) -> MultilabelCounts:
    """Counts of boolean indicator matrices ``t``, ``p``; per-sample sums too when ``beta`` is given
    (over the label ``columns`` only, when given)."""
    both = t & p
    if w is None:
        tp, pred_sum, true_sum = both.sum(axis=0), p.sum(axis=0), t.sum(axis=0)
        weight: float = len(t)
    else:
        tp, pred_sum, true_sum = (np.einsum("i,ij->j", w, x.astype(w.dtype)) for x in (both, p, t))
        weight = w.sum()
    samples = None
    if beta is not None:
        if columns is not None:
            t, p, both = t[:, columns], p[:, columns], both[:, columns]
        samples = _sample_sums(both.sum(axis=1), p.sum(axis=1), t.sum(axis=1), w, beta)
    return MultilabelCounts(tp, pred_sum, true_sum, weight, len(t), samples, beta)


def multilabel_rows(t: Any, p: Any, w: Any, beta: float | None, columns: np.ndarray | None = None) -> Rows:
    """One row per sample of boolean indicator matrices over ``L`` labels: ``w*(t&p)``, ``w*p``, ``w*t``
    (``L`` each), ``w``, ``1``, then, when ``beta`` is given, the sample's precision, recall and F-beta
    sums of :data:`SAMPLE_SUMS` (over the label ``columns`` only, when given). Space: ``("multilabel", L, beta)``."""
    n, n_labels = t.shape
    both = t & p
    parts = [both, p, t]
    if w is None:
        dense = arrays.concat([*parts, arrays.full((n, 2), 1, t, np.int64)], axis=1)  # int64
    else:
        weights = w[:, None]
        dense = arrays.concat([x * weights for x in parts] + [weights, arrays.full((n, 1), 1.0, t)], axis=1)
    if beta is not None:
        if columns is not None:
            t, p, both = t[:, columns], p[:, columns], both[:, columns]
        samples = _sample_rows(both.sum(axis=1), p.sum(axis=1), t.sum(axis=1), w, beta)
        dense = arrays.concat([arrays.as_float64(dense), samples.reshape(n, -1)], axis=1)
    return Rows(dense, space=("multilabel", n_labels, beta))


def multilabel_counts_of_total(total: np.ndarray, n_labels: int, beta: float | None) -> MultilabelCounts:
    """The :class:`MultilabelCounts` of a :func:`multilabel_rows` total."""
    L = n_labels
    tp, pred, true = (total[i * L : (i + 1) * L].copy() for i in range(3))
    weight, n = total[3 * L], total[3 * L + 1]
    samples = total[3 * L + 2 :].reshape(3, len(SAMPLE_SUMS)).copy() if beta is not None else None
    return MultilabelCounts(tp, pred, true, weight.item(), int(n), samples, beta)


def _sample_rows(tp: Any, pred: Any, true: Any, w: Any, beta: float) -> Any:
    """``(n, 3, 6)``: each sample's precision, recall and F-beta terms of :data:`SAMPLE_SUMS`."""
    if w is not None:  # scikit-learn scales each sample's counts by its weight: a zero weight is undefined
        tp, pred, true = tp * w, pred * w, true * w
    weights = arrays.full(len(tp), 1.0, tp) if w is None else arrays.as_float64(w)
    tp, pred, true = (arrays.as_float64(x) for x in (tp, pred, true))
    fractions = [(tp, pred), (tp, true)]
    if np.isposinf(beta):
        fractions.append(fractions[1])
    elif beta == 0:
        fractions.append(fractions[0])
    else:
        b2 = beta**2
        fractions.append(((1 + b2) * tp, b2 * true + pred))
    out = []
    for num, den in fractions:
        defined = den != 0
        value = arrays.where(defined, num / arrays.where(defined, den, 1.0), 0.0)
        terms = [
            arrays.where(defined, weights * value, 0.0),
            weights * defined,
            weights * ~defined,
            value,
            defined,
            ~defined,
        ]
        out.append(arrays.stack([arrays.as_float64(x) for x in terms], axis=1))
    return arrays.stack(out, axis=1)


def _sample_sums(tp: np.ndarray, pred: np.ndarray, true: np.ndarray, w: np.ndarray | None, beta: float) -> np.ndarray:
    """Rows: precision, recall, F-beta of each sample, summed as :data:`SAMPLE_SUMS` says."""
    return _sample_rows(tp, pred, true, w, beta).sum(axis=0)
