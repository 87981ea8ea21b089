"""What training frameworks hand over, turned into clean id lists or strings (no framework imported).

The traps it removes: a model's output is a tuple (``(logits, past_key_values)``), so ``[0]`` is taken;
logits are reduced by ``argmax(-1)`` where they are (on the device, before anything is gathered); the
``-100`` that HF's Trainer and collators put in labels, and in predictions padded across batches, is
mapped to the pad id before any ``batch_decode`` sees it (huggingface/transformers#22634, #27714);
sequences are cut at their first ``eos``; a causal LM's predictions are shifted against their labels
(``preds[:, :-1]`` against ``labels[:, 1:]``).

Example:
    >>> ids = np.array([[5, 6, 2, 0], [7, -100, -100, -100]])
    >>> clean_ids(ids, pad_id=0, eos_id=2)
    [[5, 6], [7]]
    >>> decode(ids, lambda batch: [" ".join(map(str, s)) for s in batch], pad_id=0, eos_id=2)
    ['5 6', '7']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError

IGNORE_INDEX = -100


def first(output: Any) -> Any:
    """``output[0]`` of a tuple or list of arrays (a model's ``(logits, past_key_values, ...)``), else
    ``output``; a mapping's ``"logits"``."""
    if isinstance(output, dict) or (hasattr(output, "logits") and not arrays.is_tensor(output)):
        return output["logits"] if isinstance(output, dict) else output.logits
    if (
        isinstance(output, (tuple, list))
        and output
        and (arrays.is_tensor(output[0]) or isinstance(output[0], np.ndarray))
    ):
        return output[0]
    return output


def to_ids(predictions: Any) -> Any:
    """Token ids: ``argmax(-1)`` of float logits (a tensor stays on its device), integer ids as they are.

    Example:
        >>> to_ids(np.array([[[0.1, 0.9], [0.8, 0.2]]])).tolist()
        [[1, 0]]
    """
    predictions = first(predictions)
    if not arrays.is_tensor(predictions):
        predictions = np.asarray(predictions)
    return predictions.argmax(-1) if arrays.dtype_kind(predictions) == "f" else predictions


def replace_ignored(ids: Any, pad_id: int, ignore_index: int = IGNORE_INDEX) -> Any:
    """``ids`` with ``ignore_index`` (``-100``) replaced by ``pad_id`` (a new array or tensor)."""
    if not arrays.is_tensor(ids):
        ids = np.asarray(ids)
    return arrays.where(ids == ignore_index, ids * 0 + pad_id, ids)


def causal_shift(predictions: Any, labels: Any) -> tuple[Any, Any]:
    """``(predictions[:, :-1], labels[:, 1:])``: a causal LM's output at ``t`` predicts the token at ``t + 1``."""
    return predictions[:, :-1], labels[:, 1:]


def clean_ids(
    ids: Any, *, pad_id: int | None = None, eos_id: int | None = None, ignore_index: int = IGNORE_INDEX
) -> list[list[int]]:
    """Each row of ``ids`` (logits are reduced by :func:`to_ids`) as a list of ints: cut at the first
    ``eos_id`` (exclusive), ``ignore_index`` and ``pad_id`` positions dropped."""
    ids = np.asarray(arrays.to_host(to_ids(ids)))
    if ids.ndim != 2:
        raise InputError(f"clean_ids: ids must be a 2-D (n_sequences, length) array, got shape {ids.shape}.")
    out = []
    for row in ids.tolist():
        if eos_id is not None and eos_id in row:
            row = row[: row.index(eos_id)]
        out.append([t for t in row if t != ignore_index and t != pad_id])
    return out


def decode(
    ids: Any,
    batch_decode: Callable[..., Sequence[str]] | Any,
    *,
    pad_id: int | None = None,
    eos_id: int | None = None,
    ignore_index: int = IGNORE_INDEX,
    **decode_kwargs: Any,
) -> list[str]:
    """Strings of ``ids``: each row cleaned by :func:`clean_ids`, then decoded by ``batch_decode`` (a
    function of a list of id lists, or an object with a ``batch_decode`` method: a HF tokenizer, called
    with ``skip_special_tokens=True`` unless ``decode_kwargs`` say otherwise). Each string is stripped."""
    rows = clean_ids(ids, pad_id=pad_id, eos_id=eos_id, ignore_index=ignore_index)
    if hasattr(batch_decode, "batch_decode"):
        decode_kwargs.setdefault("skip_special_tokens", True)
        texts = batch_decode.batch_decode(rows, **decode_kwargs)
    elif callable(batch_decode):
        texts = batch_decode(rows, **decode_kwargs)
    else:
        raise InputError(
            f"decode: batch_decode must be a function of id lists or a tokenizer, got {type(batch_decode).__name__}."
        )
    return [t.strip() for t in texts]


__all__ = ["IGNORE_INDEX", "causal_shift", "clean_ids", "decode", "first", "replace_ignored", "to_ids"]
