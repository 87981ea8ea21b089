"""Perplexity and token accuracy from a model's logits and labels, with ``ignore_index`` (HF's ``-100``).

Each sequence of a batch is one item, and its row is what the score needs:

- ``average="token"`` (the default): ``[nll_sum, n_tokens]`` (float64) for perplexity,
  ``[n_correct, n_tokens]`` (int64) for token accuracy. Summed over every sequence, every scored token
  weighs the same: ``exp(sum nll / sum tokens)`` is ``exp(F.cross_entropy(logits, labels,
  ignore_index=-100))`` of the whole data set at once, and torchmetrics' ``Perplexity``. A mean of
  per-batch perplexities is not (meta-pytorch/torcheval#154): it weighs a short batch as a long one.
- ``average="sequence"``: ``[score of the sequence, 1]``, so the total is the mean of per-sequence scores
  (HF ``evaluate``'s ``mean_perplexity``). A sequence whose labels are all ``ignore_index`` adds
  ``[0, 0]``: it has no score, and is left out of the mean.

Positions whose label is ``ignore_index`` are not scored. ``shift=True`` is the causal-LM shift: the
logits at position ``t`` predict the label at ``t + 1`` (``logits[:, :-1]`` against ``labels[:, 1:]``),
which HF's ``*ForCausalLM`` models apply inside their loss. On torch tensors the rows are computed on the
tensors' device (``F.cross_entropy(..., reduction="none")`` in the logits' precision, half precision read
as float32, summed in float64; ``argmax(-1)`` there), and only ``compute`` reaches the host.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import EmptyInputError, InputError, InputTypeError
from evalkit.core.inputs import as_array
from evalkit.core.metric import Metric
from evalkit.core.options import Options, choice, flag, integer, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.validate import check_same_length, stat_rows

#: the smallest ``ignore_index`` taken: markers are small negatives (-100, -1) or token ids
IGNORE_MIN = -(2**15)


@dataclass(frozen=True)
class LogitsOptions(Options):
    """The options of the metrics scored from logits (or predicted ids) and labels."""

    ignore_index: int = option(
        -100,
        integer(minimum=IGNORE_MIN),
        f"labels equal to it are not scored (PyTorch's and HF's -100; an int >= {IGNORE_MIN})",
        sig="ignore",
    )
    shift: bool = option(
        False, flag(), "causal LM: logits at position t predict the label at t + 1 (logits[:, :-1], labels[:, 1:])",
        sig="shift",
    )  # fmt: skip
    average: str = option(
        "token",
        choice("token", "sequence"),
        "'token': every scored token weighs the same; 'sequence': the mean of the per-sequence scores",
        sig="avg",
    )


# -- inputs ---------------------------------------------------------------------------------------


def _torch() -> Any:
    return sys.modules["torch"]  # a tensor was given, so torch is loaded


def _prepared(owner: str, predictions: Any, labels: Any, options: LogitsOptions, *, ids: bool) -> tuple[Any, Any]:
    """``(predictions, labels)`` checked and shifted: labels ``(n, T)`` integers, predictions ``(n, T, V)``
    float logits (or, where ``ids``, ``(n, T)`` integer ids too), both numpy or both tensors on the
    predictions' device."""
    for name, value in (("predictions" if ids else "logits", predictions), ("labels", labels)):
        if isinstance(value, (set, frozenset, dict)):
            raise InputTypeError(f"{owner}: {name} must be an ordered array; a {type(value).__name__} has no order.")
    pname = "predictions" if ids else "logits"
    if arrays.is_tensor(predictions) or arrays.is_tensor(labels):
        torch = _torch()
        ref = predictions if arrays.is_tensor(predictions) else labels
        predictions = (
            predictions.detach() if arrays.is_tensor(predictions) else torch.as_tensor(np.asarray(predictions))
        )
        predictions = predictions.to(ref.device)
        labels = labels.detach().to(ref.device) if arrays.is_tensor(labels) else torch.as_tensor(np.asarray(labels))
        labels = labels.to(ref.device)
    else:
        predictions, labels = as_array(owner, pname, predictions), as_array(owner, "labels", labels)
    check_same_length(owner, **{pname: predictions, "labels": labels})
    if labels.shape[0] == 0:
        raise EmptyInputError(f"{owner}: no sequences were given; the score is undefined.")
    if labels.ndim != 2 or arrays.dtype_kind(labels) not in "iu":
        raise InputError(
            f"{owner}: labels must be a 2-D (n_sequences, length) array of integer token ids, got shape "
            f"{tuple(labels.shape)} and dtype {labels.dtype}."
        )
    kind = arrays.dtype_kind(predictions)
    is_ids = ids and kind in "iu" and tuple(predictions.shape) == tuple(labels.shape)
    if not is_ids and (kind != "f" or predictions.ndim != 3 or tuple(predictions.shape[:2]) != tuple(labels.shape)):
        allowed = "float logits (n, T, V)" + (" or integer ids (n, T)" if ids else "")
        raise InputError(
            f"{owner}: {pname} must be {allowed} for labels of shape {tuple(labels.shape)}, got shape "
            f"{tuple(predictions.shape)} and dtype {predictions.dtype}."
        )
    if options.shift:
        predictions, labels = predictions[:, :-1], labels[:, 1:]
    return predictions, labels


def _check(owner: str, labels: Any, mask: Any, n_classes: int, finite: Any = None) -> None:
    """Every scored label is a class of the logits, and ``finite`` (a sum over the logits) is finite: one
    read from the device for tensors."""
    out_of_range = ((labels < 0) | (labels >= n_classes)) & mask
    if arrays.is_tensor(labels):
        torch = _torch()
        flags = [out_of_range.any()] + ([] if finite is None else [~torch.isfinite(finite).all()])
        bad = torch.stack(flags).tolist()
    else:
        bad = [bool(out_of_range.any())] + ([] if finite is None else [not np.isfinite(finite).all()])
    if bad[0]:
        found = sorted({int(x) for x in arrays.to_host(labels[out_of_range])})[:5]
        raise InputError(
            f"{owner}: labels must be class ids in [0, {n_classes}) or ignore_index; got {found}. (Pass "
            f"ignore_index= the padding label, or logits with a column for every id.)"
        )
    if len(bad) > 1 and bad[1]:
        raise InputError(f"{owner}: logits must be finite; they hold NaN or infinite values.")


def _per_token_nll(logits: Any, targets: Any) -> Any:
    """``-log softmax(logits)[target]`` at each position, 0 where ``target`` is -1 (not scored), in the
    logits' precision (half precision as float32) for tensors, in float64 for numpy arrays."""
    if arrays.is_tensor(logits):
        torch = _torch()
        if logits.dtype in (torch.float16, torch.bfloat16):
            logits = logits.float()
        n, t, v = logits.shape
        # cross_entropy's own ignore_index gives 0 there: no mask pass over the (n, t) values
        nll = torch.nn.functional.cross_entropy(
            logits.reshape(n * t, v), targets.reshape(-1).long(), ignore_index=-1, reduction="none"
        )
        return nll.reshape(n, t)
    logits = logits.astype(np.float64, copy=False)
    top = logits.max(axis=-1, keepdims=True)
    lse = top[..., 0] + np.log(np.exp(logits - top).sum(axis=-1))
    scored = targets >= 0
    picked = np.take_along_axis(logits, np.where(scored, targets, 0)[..., None], axis=-1)[..., 0]
    return np.where(scored, lse - picked, 0.0)


def _rows_of(per_sequence: Any, counts: Any, average: str, *, exp: bool) -> Any:
    """``[value, count]`` per sequence: summed values and token counts, or the sequence's own score and 1."""
    if average == "token":
        return arrays.stack([per_sequence, counts], axis=1)
    counts = arrays.as_float64(counts)
    scored = counts > 0
    mean = arrays.as_float64(per_sequence) / arrays.where(scored, counts, counts * 0 + 1)
    with np.errstate(over="ignore"):
        value = mean.exp() if exp and arrays.is_tensor(mean) else np.exp(mean) if exp else mean
    zero = counts * 0
    return arrays.stack([arrays.where(scored, value, zero), arrays.where(scored, zero + 1, zero)], axis=1)


# -- the readable reference ----------------------------------------------------------------------


def reference_rows(name: str, predictions: Any, labels: Any, *, ignore_index: int = -100, shift: bool = False,
                   average: str = "token") -> list[list[float]]:  # fmt: skip
    """The rows of ``name`` (``"logit_perplexity"`` or ``"token_accuracy"``), written out with Python
    loops and ``math`` (the formula as PyTorch documents ``cross_entropy``): the oracle of the tests.

    Example:
        >>> reference_rows("token_accuracy", [[0, 2, 5]], [[0, 1, -100]])
        [[1, 2]]
        >>> [[round(x, 6) for x in r] for r in reference_rows("logit_perplexity", [[[0.0, 0.0]]], [[1]])]
        [[0.693147, 1]]
    """
    out = []
    for pred, label in zip(predictions, labels):
        pred, label = list(pred), list(label)
        if shift:
            pred, label = pred[:-1], label[1:]
        value, count = 0, 0
        for p, y in zip(pred, label):
            if y == ignore_index:
                continue
            count += 1
            if name == "token_accuracy":
                guess = max(range(len(p)), key=lambda j: (p[j], -j)) if isinstance(p, (list, tuple)) else p
                value += int(guess == y)
            else:
                top = max(p)
                value += top + math.log(sum(math.exp(x - top) for x in p)) - p[y]
        if average == "token":
            out.append([value, count])
        elif count:
            out.append([math.exp(value / count) if name == "logit_perplexity" else value / count, 1])
        else:
            out.append([0.0, 0])
    return out


# -- the metrics ----------------------------------------------------------------------------------


class _LogitsMetric(Metric):
    task = "logits"
    options_type = LogitsOptions
    _layout: tuple[str, str]

    def _totals(self, param: str, totals: Any) -> np.ndarray:
        rows = stat_rows(self.name, param, totals, layout=self._layout)
        if (rows[:, 1] != np.floor(rows[:, 1])).any():
            raise InputError(f"{self.name}: {param} must count whole {self._layout[1][2:]}; it holds fractions.")
        return rows

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total is ``[value, count]``, finite, non-negative, the count whole."""
        self._totals("total", total)

    def score(self, total: Any) -> Result:  # type: ignore[override]
        value, count = float(total[0]), float(total[1])
        if count <= 0:
            raise EmptyInputError(
                f"{self.name}: no token was scored (every label is ignore_index={self.options.ignore_index}); "
                "the score is undefined."
            )
        score = float(self.scores(np.array([[value, count]]))[0])
        return Result(self.name, score, self._components(value, count), self.signature())

    def _components(self, value: float, count: float) -> dict[str, Any]:
        whole = self._layout[0] == "n_correct"  # a count, shown as one
        return {self._layout[0]: int(value) if whole else value, self._layout[1]: int(count)}


@register
class LogitPerplexity(_LogitsMetric):
    """Perplexity of a language model from its logits and the labels, ``-100`` positions ignored.

    ``average="token"``: ``exp(sum of -log softmax(logits)[label] / number of scored tokens)``
    (natural log), as ``exp(F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100))``
    and torchmetrics' ``Perplexity(ignore_index=-100)`` compute it. ``average="sequence"``: the mean of
    the sequences' own perplexities (HF ``evaluate``'s ``mean_perplexity``). ``update(logits, labels)``
    takes ``(n, T, V)`` logits and ``(n, T)`` labels (numpy, lists or torch tensors).

    {options}

    Example:
        >>> m = LogitPerplexity()
        >>> logits = [[[0.0, 0.0], [2.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]
        >>> round(m(logits, [[0, 1], [1, -100]]).score, 6)  # exp((2 ln 2 + 2 + ln(1 + e^-2)) / 3)
        3.225455
    """

    name = "logit_perplexity"
    higher_is_better = False

    def __init__(self, *, ignore_index: int = -100, shift: bool = False, average: str = "token") -> None:
        super().__init__(locals())

    @property
    def _layout(self) -> tuple[str, str]:  # type: ignore[override]
        return ("nll_sum", "n_tokens") if self.options.average == "token" else ("perplexity_sum", "n_sequences")

    def stats(self, logits: Any, labels: Any) -> Any:  # type: ignore[override]
        o = self.options
        logits, labels = _prepared(self._owner, logits, labels, o, ids=False)
        mask = labels != o.ignore_index
        n_classes = int(logits.shape[-1])
        # out-of-range labels are not scored here and refused below, with the finiteness, in one read
        targets = arrays.where(mask & (labels >= 0) & (labels < n_classes), labels, labels * 0 - 1)
        per_sequence = arrays.as_float64(_per_token_nll(logits, targets)).sum(1)
        _check(self._owner, labels, mask, n_classes, finite=per_sequence)
        counts = mask.sum(1)
        return _rows_of(per_sequence, arrays.as_float64(counts), o.average, exp=True)

    def scores(self, totals: Any) -> np.ndarray:  # type: ignore[override]
        """The score of each ``[value, count]`` row (NaN without a count); ``inf`` past float64, warned."""
        totals = np.asarray(totals, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = totals[:, 0] / totals[:, 1]
            out = np.where(totals[:, 1] > 0, np.exp(ratio) if self.options.average == "token" else ratio, np.nan)
        if np.isinf(out).any():
            warnings.warn(
                f"{self.name}: the perplexity is beyond float64's range (nll per token > 709.78); it is inf.",
                RuntimeWarning,
                stacklevel=2,
            )
        return out

    def _components(self, value: float, count: float) -> dict[str, Any]:
        out = super()._components(value, count)
        if self.options.average == "token":
            out["nll_per_token"] = value / count
        return out


@register
class TokenAccuracy(_LogitsMetric):
    """The share of scored tokens whose predicted id (``argmax(-1)`` of the logits, or given ids) is the label.

    ``average="token"``: ``sum correct / sum scored tokens`` over the data, exact int64 counts;
    ``average="sequence"``: the mean of the sequences' own accuracies. Positions labelled
    ``ignore_index`` are not scored. Ties in the logits go to the first maximal id (numpy's and torch's
    ``argmax``).

    {options}

    Example:
        >>> token_accuracy([[3, 1, 2], [1, 1, 0]], [[3, 1, -100], [0, 1, 0]]).score  # 4 of 5 tokens
        0.8
    """

    name = "token_accuracy"

    def __init__(self, *, ignore_index: int = -100, shift: bool = False, average: str = "token") -> None:
        super().__init__(locals())

    @property
    def _layout(self) -> tuple[str, str]:  # type: ignore[override]
        return ("n_correct", "n_tokens") if self.options.average == "token" else ("accuracy_sum", "n_sequences")

    def stats(self, predictions: Any, labels: Any) -> Any:  # type: ignore[override]
        o = self.options
        predictions, labels = _prepared(self._owner, predictions, labels, o, ids=True)
        if predictions.ndim == 3:
            _check(self._owner, labels, labels != o.ignore_index, int(predictions.shape[-1]))
            predictions = predictions.argmax(-1)  # on the device: only ids travel
        mask = labels != o.ignore_index
        correct = ((predictions == labels) & mask).sum(1)
        counts = mask.sum(1)
        if arrays.is_tensor(correct):
            correct, counts = correct.long(), counts.long()
        else:
            correct, counts = correct.astype(np.int64), counts.astype(np.int64)
        return _rows_of(correct, counts, o.average, exp=False)

    def scores(self, totals: Any) -> np.ndarray:  # type: ignore[override]
        """``value / count`` of each row (NaN without a count)."""
        totals = np.asarray(totals, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(totals[:, 1] > 0, totals[:, 0] / totals[:, 1], np.nan)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """As the base's, and no more correct tokens than scored ones."""
        rows = self._totals("total", total)
        if (rows[:, 0] > rows[:, 1]).any():
            raise InputError(f"{self.name}: total counts more correct tokens than tokens: {rows[0].tolist()}.")


def logit_perplexity(
    logits: Any, labels: Any, *, ignore_index: int = -100, shift: bool = False, average: str = "token"
) -> Result:
    """The :class:`LogitPerplexity` of ``(n, T, V)`` logits against ``(n, T)`` labels.

    Example:
        >>> round(logit_perplexity([[[0.0, 0.0, 0.0]]], [[2]]).score, 12)  # a uniform guess over 3 ids
        3.0
    """
    return LogitPerplexity.bound("logit_perplexity", locals())(logits, labels)


def token_accuracy(
    predictions: Any, labels: Any, *, ignore_index: int = -100, shift: bool = False, average: str = "token"
) -> Result:
    """The :class:`TokenAccuracy` of logits ``(n, T, V)`` or predicted ids ``(n, T)`` against labels ``(n, T)``.

    Example:
        >>> token_accuracy([[5, 6, 7, 8]], [[9, 5, 6, 7]], shift=True).score  # each id predicts the next label
        1.0
    """
    return TokenAccuracy.bound("token_accuracy", locals())(predictions, labels)


__all__ = ["LogitPerplexity", "LogitsOptions", "TokenAccuracy", "logit_perplexity", "reference_rows", "token_accuracy"]
