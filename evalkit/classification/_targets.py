"""Inputs of the classification metrics, and the one way they are counted.

Targets are read as scikit-learn reads them (``type_of_target``, ``unique_labels``, ``_check_targets``):
1-D class labels (integers of any size, booleans, integral floats or strings; an ``(n, 1)`` column counts as
1-D) or a 2-D multilabel indicator matrix with at most two distinct values (non-zero means "has the label").
Integers stay exact: Python ints beyond int64 are kept as Python ints, never cast to float64.

Every metric here counts into one of three layouts of totals (a frame in brackets, the rows' ``space``):

- class labels [the sorted labels that occur, ``K``]: the confusion matrix ``cm`` (``K*K``, row-major, rows
  true, weighted), then how many samples have each label as true (``K``) and as predicted label (``K``), at
  any weight (scikit-learn keeps a label that occurs with weight zero);
- multilabel indicators [``("multilabel", L, beta)``]: per label the weighted ``tp``, predicted and true
  counts (``L`` each), the total weight, the number of samples and, when ``beta`` is given, the per-sample
  sums of :data:`SAMPLE_SUMS` that ``average="samples"`` needs;
- accuracy [no frame]: ``[sum(w * correct), sum(w)]``.

Unweighted totals are int64 counts, weighted ones float64. Each layout has per-sample rows (what bootstrap
resamples, and what a tensor batch reduces on its device) and a batch total of a numpy batch written in the
same layout at less cost (:func:`label_total`: one ``np.bincount`` over the label pairs), which is what
``update`` adds and the functional forms score.

Class labels are numbered in fewer passes than scikit-learn's ``unique``-based path: integer or boolean
labels in a small range go straight to ``np.bincount(y_true * K + y_pred)`` (the range from one ``max``
per array, read as unsigned so that a negative label shows as a huge value and takes the general path);
other labels (strings, floats, negative, far-apart or huge integers) are numbered by one ``np.unique``.
Totals over different label sets join on the union of their labels: each side's counts move to their
label's place in the union (:func:`align_label_total`), so a merge equals one pass over all the data.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.inputs import as_array, as_weights
from evalkit.core.rows import Rows
from evalkit.core.validate import check_finite, check_same_n_samples

#: columns of the per-sample sums of ``average="samples"`` (for precision, recall and F-beta each): weighted
#: sum of the defined values, their weight, the weight of the undefined ones, and the same three unweighted
#: (scikit-learn's fallback when the weights sum to zero)
SAMPLE_SUMS = ("wsum_defined", "w_defined", "w_undefined", "sum_defined", "n_defined", "n_undefined")


# -- reading the targets ----------------------------------------------------------------------------------
def family(a: np.ndarray) -> str:
    """``"string"`` or ``"number"``: the kind of labels an array holds (labels of two kinds never match)."""
    kind = a.dtype.kind
    if kind == "O":
        return "string" if a.size and isinstance(a.flat[0], str) else "number"
    return "string" if kind == "U" else "number"


def _is_integer(v: Any) -> bool:
    return isinstance(v, (int, np.integer))


def _exact(y: Any, a: np.ndarray) -> np.ndarray:
    """Labels given as Python ints, which numpy reads as float64 where ints of 2**63 and more sit beside
    smaller ones: the ints themselves (an object array), where float64 would merge neighbours."""
    if a.dtype.kind != "f" or a.ndim != 1 or isinstance(y, np.ndarray) or arrays.is_tensor(y):
        return a
    if not (np.abs(a) >= 2**53).any():
        return a
    items = np.empty(len(a), dtype=object)
    items[:] = list(y)
    return items if all(_is_integer(v) for v in items) else a


def _labels_1d(owner: str, name: str, y: np.ndarray) -> np.ndarray:
    """Check 1-D class labels; raise for continuous values, NaN, bytes and mixed types."""
    kind = y.dtype.kind
    if kind in "biuU":
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
    if kind == "O":
        is_str = [isinstance(v, str) for v in y]
        if all(is_str):
            return y
        if any(is_str):
            raise InputError(f"{owner}: {name} mixes string and non-string labels; use one type for all labels.")
        if len(y) and all(_is_integer(v) for v in y):
            try:
                return y.astype(np.int64)
            except OverflowError:  # beyond int64: the Python ints themselves, exact
                return y
        try:  # numbers held in an object array
            return _labels_1d(owner, name, y.astype(np.float64) if len(y) else y.astype(np.int64))
        except (TypeError, ValueError):
            pass
    raise InputTypeError(
        f"{owner}: {name} must hold class labels (integers, booleans, integral floats or strings), got dtype {y.dtype}."
    )


def _indicators(owner: str, name: str, a: np.ndarray) -> np.ndarray:
    """A 2-D multilabel indicator matrix as booleans; raise for scores and multiclass-multioutput targets."""
    if a.dtype.kind in "f":
        check_finite(owner, name, a)
    values = arrays.unique(a) if a.dtype.kind in "biuf" else None
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
    return a != 0


def _comparable(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed and unsigned integer labels side by side, in a type that holds both exactly (numpy would
    join int64 and uint64 as float64)."""
    if {t.dtype.kind, p.dtype.kind} != {"i", "u"}:
        return t, p
    if max(int(t.max()), int(p.max())) < 2**63:
        return t.astype(np.int64), p.astype(np.int64)
    return t.astype(object), p.astype(object)


def check_targets(
    owner: str, y_true: Any, y_pred: Any, sample_weight: Any = None
) -> tuple[str, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate a pair of targets; return ``(kind, y_true, y_pred, sample_weight)``.

    ``kind`` is ``"labels"`` (1-D class labels) or ``"multilabel"`` (2-D indicator matrices, returned as
    booleans). The inputs are not changed.
    """
    t = _exact(y_true, as_array(owner, "y_true", y_true))
    p = _exact(y_pred, as_array(owner, "y_pred", y_pred))
    n = check_same_n_samples(owner, y_true=t, y_pred=p)
    if n == 0 or t.ndim == 0:
        raise InputError(f"{owner}: y_true and y_pred are empty; at least one sample is needed.")
    kinds = []
    checked = []
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim not in (1, 2):
            raise InputError(
                f"{owner}: {name} must be 1-D labels or a 2-D multilabel indicator matrix, got shape {a.shape}."
            )
        kinds.append("labels" if a.ndim == 1 else "multilabel")
        checked.append(_labels_1d(owner, name, a) if a.ndim == 1 else _indicators(owner, name, a))
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
    if kinds[0] == "labels":
        if family(t) != family(p):
            raise InputError(
                f"{owner}: mix of label types: y_true holds {family(t)}s ({t.dtype}) and y_pred holds "
                f"{family(p)}s ({p.dtype}); both must be strings or both numbers."
            )
        t, p = _comparable(t, p)
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


def read_targets(owner: str, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[str, Any, Any, Any]:
    """Checked targets: tensors stay on their device (their rows and running total too), others are arrays."""
    if arrays.is_tensor(y_true) or arrays.is_tensor(y_pred):
        return check_tensor_targets(owner, y_true, y_pred, sample_weight)
    return check_targets(owner, y_true, y_pred, sample_weight)


# -- accuracy -----------------------------------------------------------------------------------------------
def correct(kind: str, t: Any, p: Any) -> Any:
    """Whether each sample is predicted exactly (multilabel: its whole label set)."""
    return (t == p).all(axis=1) if kind == "multilabel" else t == p


def accuracy_rows(kind: str, t: Any, p: Any, w: Any) -> Any:
    """Per-sample rows ``[w * correct, w]`` (int64 ``[correct, 1]`` unweighted; on the device of tensors)."""
    right = correct(kind, t, p)
    if w is None:
        ones = arrays.full(right.shape[0], 1, right, np.int64)
        return arrays.stack([right * ones, ones], axis=1)
    return arrays.stack([right * w, w], axis=1)


def accuracy_total(kind: str, t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """The total of :func:`accuracy_rows` of a numpy batch, without the rows: the trace and the total of
    the confusion matrix, without the matrix."""
    right = correct(kind, t, p)
    if w is None:
        return np.array([np.count_nonzero(right), len(right)], dtype=np.int64)
    return np.array([np.sum(w, where=right, dtype=np.float64), w.sum()], dtype=np.float64)


# -- class labels -------------------------------------------------------------------------------------------
# Largest K for which the dense K x K bincount is used: small enough not to outweigh the data.
def _dense_limit(n: int) -> int:
    return max(1 << 16, n)


def _max_unsigned(a: np.ndarray) -> int:
    """The maximum of ``a`` read as unsigned: a negative integer shows as a value >= 2**(bits-1)."""
    if a.dtype.kind == "i":
        a = a.view(f"u{a.dtype.itemsize}")
    return int(a.max())


def _dense_size(t: np.ndarray, p: np.ndarray) -> int:
    """``K``, one more than the largest label, for integer or boolean labels (else 0)."""
    if t.dtype.kind in "biu" and p.dtype.kind in "biu":
        return max(_max_unsigned(t), _max_unsigned(p)) + 1
    return 0


def _dense_labels(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    return np.arange(k, dtype=bool if t.dtype.kind == p.dtype.kind == "b" else np.int64)


def _unique(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(labels, t_index, p_index)``: the sorted labels of both arrays and each sample's index in them."""
    n = t.shape[0]
    try:
        labels, inv = np.unique(np.concatenate([t, p]), return_inverse=True)
    except TypeError:  # unorderable objects
        raise InputError("y_true and y_pred hold labels that cannot be sorted together.") from None
    inv = inv.reshape(-1)
    return labels, inv[:n], inv[n:]


def _encoded(t: Any, p: Any) -> tuple[np.ndarray, Any, Any]:
    """``(labels, t_index, p_index)``: the sorted labels that occur in ``t`` or ``p`` (on the host) and
    each sample's index (on the inputs' device: a tensor's labels cost one sync, ``torch.unique``)."""
    n = t.shape[0]
    if arrays.is_tensor(t):
        torch = sys.modules["torch"]
        labels, inverse = torch.unique(torch.cat([t, p]), sorted=True, return_inverse=True)
        return arrays.to_host(labels), inverse[:n], inverse[n:]
    k = _dense_size(t, p)
    if k > 0 and k <= _dense_limit(n):
        present = (np.bincount(t.astype(np.intp), minlength=k) > 0) | (np.bincount(p.astype(np.intp), minlength=k) > 0)
        labels = _dense_labels(t, p, k)[present]
        if len(labels) == k:
            return labels, t.astype(np.intp), p.astype(np.intp)
        lookup = np.cumsum(present) - 1
        return labels, lookup[t.astype(np.intp)], lookup[p.astype(np.intp)]
    return _unique(t, p)


def label_rows(t: Any, p: Any, w: Any) -> Rows:
    """One row per sample of checked 1-D labels, over the labels that occur (the rows' ``space``): a sample
    adds its weight to its cell of the confusion matrix and 1 to its true and its predicted label's count."""
    labels, ti, pi = _encoded(t, p)
    k = len(labels)
    cells = arrays.stack([ti * k + pi, k * k + ti, k * k + k + pi], axis=1)
    values = arrays.full(cells.shape, 1, cells, np.int64 if w is None else np.float64)
    if w is not None:
        values[:, 0] = w
    return Rows(cells=cells, values=values, n_cells=k * k + 2 * k, space=labels)


def label_total(t: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``(total, labels)``: the total of :func:`label_rows` of a numpy batch, from one ``np.bincount`` over
    the label pairs (two when weighted: the counts at any weight), and its frame."""
    n = t.shape[0]
    k = _dense_size(t, p)
    if k > 0 and k * k <= _dense_limit(n):
        idx = np.multiply(t, k, dtype=np.intp)
        np.add(idx, p, out=idx, dtype=np.intp, casting="unsafe")
        labels = _dense_labels(t, p, k)
    else:
        labels, ti, pi = _unique(t, p)
        k = len(labels)
        idx = np.multiply(ti, k, dtype=np.intp)
        idx += pi
    cells = np.bincount(idx, weights=w, minlength=k * k)
    counts = (cells if w is None else np.bincount(idx, minlength=k * k)).reshape(k, k)
    cm, n_true, n_pred = cells.reshape(k, k), counts.sum(axis=1), counts.sum(axis=0)
    keep = (n_true > 0) | (n_pred > 0)
    if not keep.all():  # integer labels with gaps: the frame holds the labels that occur
        labels, cm, n_true, n_pred = labels[keep], cm[np.ix_(keep, keep)], n_true[keep], n_pred[keep]
    return np.concatenate([cm.ravel(), n_true, n_pred]), labels


def join_labels(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The union of two label sets, sorted (both strings or both numbers)."""
    if family(a) != family(b):
        raise InputError(
            f"cannot merge confusion counts over {family(a)} labels with counts over {family(b)} labels; "
            f"both must be strings or both numbers."
        )
    if a.shape == b.shape and (a == b).all():
        return a
    return np.union1d(a, b)


def _places(labels: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Where each entry of the :func:`label_rows` layout over ``labels`` lies in the layout over the larger
    label set ``target`` (the cells ``i*k + j``, then the true and the predicted counts)."""
    kt = len(target)
    at = np.searchsorted(target, labels)
    return np.concatenate([(at[:, None] * kt + at[None, :]).ravel(), kt * kt + at, kt * kt + kt + at])


def align_label_total(total: Any, labels: np.ndarray, target: np.ndarray) -> Any:
    """A :func:`label_rows` total over ``labels`` rewritten over the larger label set ``target``: one
    scatter of every entry to its place in the larger layout (on the total's device)."""
    k, kt = len(labels), len(target)
    if labels is target or (k == kt and (labels == target).all()):
        return total
    out = total[:0].new_zeros(kt * kt + 2 * kt) if arrays.is_tensor(total) else np.zeros(kt * kt + 2 * kt, total.dtype)
    out[arrays.like(_places(labels, target), total)] = total
    return out


def realign_label_rows(rows: Rows, target: np.ndarray) -> Rows:
    """:func:`label_rows` over ``rows.space`` rewritten over the larger label set ``target`` (each cell
    index moved to its place, on the rows' device)."""
    cells = arrays.like(_places(rows.space, target), rows.cells)[rows.cells]
    kt = len(target)
    return Rows(cells=cells, values=rows.values, n_cells=kt * kt + 2 * kt, space=target, extras=rows.extras)


# -- multilabel indicators -------------------------------------------------------------------------------
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


def multilabel_total(
    t: np.ndarray, p: np.ndarray, w: np.ndarray | None, beta: float | None, columns: np.ndarray | None = None
) -> tuple[np.ndarray, tuple]:
    """``(total, space)``: the total of :func:`multilabel_rows` of a numpy batch, from column sums."""
    n, n_labels = t.shape
    both = t & p
    if w is None:
        total = np.concatenate([both.sum(axis=0), p.sum(axis=0), t.sum(axis=0), [n, n]])
    else:
        sums = [np.einsum("i,ij->j", w, x.astype(w.dtype)) for x in (both, p, t)]
        total = np.concatenate([*sums, [w.sum(), n]])
    if beta is not None:
        if columns is not None:
            t, p, both = t[:, columns], p[:, columns], both[:, columns]
        samples = _sample_rows(both.sum(axis=1), p.sum(axis=1), t.sum(axis=1), w, beta).sum(axis=0)
        total = np.concatenate([total.astype(np.float64), samples.ravel()])
    return total, ("multilabel", n_labels, beta)


def _sample_rows(tp: Any, pred: Any, true: Any, w: Any, beta: float | str) -> Any:
    """``(n, 3, 6)``: each sample's precision, recall and F-beta (or, ``beta="jaccard"``, Jaccard) terms of
    :data:`SAMPLE_SUMS`."""
    if w is not None:  # scikit-learn scales each sample's counts by its weight: a zero weight is undefined
        tp, pred, true = tp * w, pred * w, true * w
    weights = arrays.full(len(tp), 1.0, tp) if w is None else arrays.as_float64(w)
    tp, pred, true = (arrays.as_float64(x) for x in (tp, pred, true))
    fractions = [(tp, pred), (tp, true)]
    if isinstance(beta, str):  # "jaccard": Jaccard's samples average, tp / (tp + fp + fn), in F-beta's place
        fractions.append((tp, pred + true - tp))
    elif np.isposinf(beta):
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
