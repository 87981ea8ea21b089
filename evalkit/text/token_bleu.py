"""BLEU on token ids (torch tensors or lists of id lists), counted on the tensor's device.

The statistics rows are BLEU's (:mod:`evalkit.text.bleu`), sacrebleu's layout::

    [hyp_len, ref_len, correct_1 .. correct_K, total_1 .. total_K]   (int64)

and they are **equal** to the rows of evalkit's string BLEU with ``tokenize="none"`` on the same tokens
(each id written as a token, ``str(id)``), in both conventions. The options are BLEU's own declaration
(:class:`~evalkit.text._bleu_common.BleuOptions`, extended by :class:`TokenBleuOptions` with the pad and
eos ids) and the scores come from BLEU's formula (:mod:`evalkit.text._bleu_common`), so every smoothing
and option scores as BLEU does. What differs is where and how the rows are counted: every sequence is cut
at its first ``eos_id`` (exclusive) and its ``pad_id`` positions are dropped, then the rows of the whole
batch are counted at once on the device of the input tensor, with no Python loop over sentences
(:mod:`evalkit.text._token_bleu_torch`). The scoring runs on the host on the ``(batch, 2 + 2K)`` rows.
torch is imported when a function here is first called.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import EmptyInputError, InputError, InputTypeError, InvalidOptionError
from evalkit.core.options import option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.text._base import rows_with_nrefs
from evalkit.text._bleu_common import BleuOptions, BleuScoring
from evalkit.text._token_bleu_torch import Batch, count_rows, cut, torch_module

_INT_TYPES = frozenset(
    {int, *(getattr(np, t) for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"))}
)
_SEQUENCES = (list, tuple)


# -- options -------------------------------------------------------------------------------------


def _token_id(owner: str, param: str, value: Any) -> int | None:
    """The check of ``pad_id`` and ``eos_id``: an int token id, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidOptionError(
            f"The {param!r} parameter of {owner} must be an int token id or None. Got {value!r} instead."
        )
    return int(value)


@dataclass(frozen=True)
class TokenBleuOptions(BleuOptions):
    """Token-id BLEU's options: BLEU's scoring options, and the ids that end or pad a sequence.

    Example:
        >>> o = TokenBleuOptions.parse("token_bleu", {"pad_id": 0, "smooth": "floor"})
        >>> str(o.signature("token_bleu")).rsplit("|", 1)[0]  # the version last
        'eff:no|tok:ids|smooth:floor[0.10]|pad:0'
    """

    signature_order: ClassVar[tuple[str, ...]] = (*BleuOptions.signature_order, "pad_id", "eos_id")
    several_weights: ClassVar[str] = (
        "The 'weights' parameter of {owner} takes one weight vector (its return type never changes with the "
        "options); for several, count the rows once with TokenBLEU(...).stats(pred_ids, ref_ids) and score "
        "them with TokenBLEU(weights=w).scores(rows) for each vector w. Got {weights!r}."
    )

    pad_id: int | None = option(
        None, _token_id, "the id of padding, dropped from every sequence (None: none)", sig="pad", hide_default=True
    )
    eos_id: int | None = option(
        None, _token_id, "the id that ends a sequence, cut there (exclusive; None: none)", sig="eos", hide_default=True
    )

    def signature_items(self) -> dict[str, Any]:
        # sacrebleu's order of fields, with tok:ids (the ids are the tokens) and no case
        items = super().signature_items()
        return {"eff": items.pop("eff"), "tok": "ids", **items}


# -- inputs --------------------------------------------------------------------------------------


def _tensor_ids(owner: str, param: str, value: Any, torch: Any) -> Any:
    """An integer tensor (or numpy array) as an int64 tensor; floats, bools and complex are refused."""
    if isinstance(value, np.ndarray):
        if value.size == 0:
            value = value.astype(np.int64)
        if value.dtype.kind not in "iu":
            raise InputTypeError(
                f"{owner}: {param!r} must hold integer token ids, got a numpy array of dtype {value.dtype}"
                + (
                    " (logits or probabilities? take argmax over the vocabulary first)."
                    if value.dtype.kind == "f"
                    else "."
                )
            )
        if value.dtype == np.uint64 and value.size and value.max() > np.iinfo(np.int64).max:
            raise InputError(f"{owner}: {param!r} holds ids above 2^63 - 1, which int64 cannot hold.")
        value = torch.from_numpy(np.ascontiguousarray(value.astype(np.int64, copy=False)))
    dtype = value.dtype
    if value.numel() == 0:  # torch.tensor([]) is float32: an empty sequence all the same
        return value.to(torch.int64)
    if dtype == torch.bool or dtype.is_floating_point or dtype.is_complex:
        hint = " (logits or probabilities? take argmax over the vocabulary first)" if dtype.is_floating_point else ""
        raise InputTypeError(f"{owner}: {param!r} must hold integer token ids, got a tensor of dtype {dtype}{hint}.")
    return value.to(torch.int64)


def _is_array(value: Any, torch: Any) -> bool:
    return isinstance(value, (torch.Tensor, np.ndarray))


def _is_id(value: Any) -> bool:
    return type(value) in _INT_TYPES


def _flat_lists(owner: str, items: list[Any], name: Callable[[int], str], torch: Any, device: Any) -> tuple[Any, Any]:
    """``(flat ids, lengths)`` of sequences given as lists of ints, 1-D tensors or 1-D arrays;
    ``name(k)``: how an error names sequence ``k`` (``pred_ids[3]``)."""
    if all(type(x) in _SEQUENCES for x in items):
        flat = list(chain.from_iterable(items))
        if not set(map(type, flat)) <= _INT_TYPES:
            for k, seq in enumerate(items):
                for t, token in enumerate(seq):
                    if not _is_id(token):
                        raise InputTypeError(
                            f"{owner}: {name(k)}[{t}] must be an int token id, got a {type(token).__name__} "
                            f"({token!r:.40})."
                        )
        try:
            ids = torch.tensor(flat, dtype=torch.int64, device=device)
        except (OverflowError, RuntimeError, ValueError) as exc:
            raise InputError(f"{owner}: the token ids hold a value that int64 cannot hold ({exc}).") from None
        return ids, torch.tensor([len(x) for x in items], dtype=torch.int64, device=device)
    parts = []
    for k, seq in enumerate(items):
        if _is_array(seq, torch):
            if seq.ndim != 1:
                raise InputError(f"{owner}: {name(k)} must be one sequence of ids (1-D), got shape {tuple(seq.shape)}.")
            parts.append(_tensor_ids(owner, name(k), seq, torch).to(device))
        elif type(seq) in _SEQUENCES:
            parts.append(_flat_lists(owner, [seq], lambda _, k=k: name(k), torch, device)[0])
        else:
            raise InputTypeError(
                f"{owner}: {name(k)} must be a sequence of int token ids (a list or a 1-D tensor), "
                f"got a {type(seq).__name__}."
            )
    lengths = torch.tensor([len(p) for p in parts], dtype=torch.int64, device=device)
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.int64, device=device), lengths


def _refuse_unordered(owner: str, param: str, value: Any) -> None:
    if isinstance(value, (set, frozenset, dict)):
        raise InputTypeError(
            f"{owner}: {param!r} must be an ordered sequence (a tensor or a list); a {type(value).__name__} has "
            f"no order, so predictions and references could not be paired."
        )


def _device_of(owner: str, pred_ids: Any, ref_ids: Any, torch: Any) -> Any:
    """The device of the input tensors (the CPU for lists); tensors on two devices are refused."""
    found = []
    for value in (pred_ids, ref_ids, *(ref_ids if isinstance(ref_ids, _SEQUENCES) else ())):
        if isinstance(value, torch.Tensor) and value.device not in found:
            found.append(value.device)
    if len(found) > 1:
        raise InputError(
            f"{owner}: the input tensors are on different devices ({', '.join(map(str, found))}); "
            f"move them to one device (the counting runs there)."
        )
    return found[0] if found else torch.device("cpu")


def _hypotheses(owner: str, pred_ids: Any, torch: Any, device: Any) -> tuple[Any, Any]:
    _refuse_unordered(owner, "pred_ids", pred_ids)
    if _is_array(pred_ids, torch):
        ids = _tensor_ids(owner, "pred_ids", pred_ids, torch).to(device)
        if ids.ndim != 2:
            hint = " (for one sequence, pred_ids[None])" if ids.ndim == 1 else ""
            raise InputError(
                f"{owner}: 'pred_ids' must be a batch x length tensor of token ids{hint}, got shape {tuple(ids.shape)}."
            )
        b, length = ids.shape
        return ids.reshape(-1), torch.full((b,), length, dtype=torch.int64, device=device)
    if isinstance(pred_ids, (str, bytes)) or not isinstance(pred_ids, Sequence):
        raise InputTypeError(
            f"{owner}: 'pred_ids' must be a batch x length integer tensor or a list of id lists, "
            f"got a {type(pred_ids).__name__}."
        )
    return _flat_lists(owner, list(pred_ids), lambda k: f"pred_ids[{k}]", torch, device)


def _references(owner: str, ref_ids: Any, n_items: int, torch: Any, device: Any) -> tuple[Any, Any, Any]:
    """``(flat ids, lengths, owner)``: every reference in order, and the item each one belongs to."""
    _refuse_unordered(owner, "ref_ids", ref_ids)
    if _is_array(ref_ids, torch):
        return _reference_tensor(owner, ref_ids, n_items, torch, device)
    if isinstance(ref_ids, (str, bytes)) or not isinstance(ref_ids, Sequence):
        raise InputTypeError(
            f"{owner}: 'ref_ids' must be a tensor or a list with the references of each item, "
            f"got a {type(ref_ids).__name__}."
        )
    items = list(ref_ids)
    if len(items) != n_items:
        raise _length_error(owner, items, n_items, torch)
    return _reference_lists(owner, items, torch, device)


def _reference_tensor(owner: str, ref_ids: Any, n_items: int, torch: Any, device: Any) -> tuple[Any, Any, Any]:
    """:func:`_references` of a ``batch x length`` or ``batch x refs x length`` tensor."""
    ids = _tensor_ids(owner, "ref_ids", ref_ids, torch).to(device)
    if ids.ndim not in (2, 3):
        raise InputError(
            f"{owner}: 'ref_ids' must be a batch x length tensor (one reference per item) or a "
            f"batch x refs x length tensor, got shape {tuple(ids.shape)}."
        )
    if ids.shape[0] != n_items:
        raise InputError(
            f"{owner}: inputs must have the same length (batch size), but 'pred_ids' has {n_items} and "
            f"'ref_ids' has {ids.shape[0]}."
        )
    per_item = 1 if ids.ndim == 2 else ids.shape[1]
    if per_item == 0:
        raise InputError(f"{owner}: 'ref_ids' has 0 references per item (shape {tuple(ids.shape)}).")
    length = ids.shape[-1]
    n_refs = n_items * per_item
    lengths = torch.full((n_refs,), length, dtype=torch.int64, device=device)
    owners = torch.arange(n_items, device=device).repeat_interleave(per_item)
    return ids.reshape(-1), lengths, owners


def _length_error(owner: str, items: list[Any], n_items: int, torch: Any) -> InputError:
    """The error for a list of references of another length than the batch (saying so where it looks
    transposed: sacrebleu's streams layout)."""
    if items and all(_is_array(r, torch) and r.ndim == 2 and r.shape[0] == n_items for r in items):
        return InputError(
            f"{owner}: 'ref_ids' looks transposed: it holds {len(items)} tensors of {n_items} references (one "
            f"tensor per reference, sacrebleu's 'streams' layout), but evalkit expects the "
            f"references of each item; pass torch.stack(ref_ids, dim=1) (a batch x refs x length tensor)."
        )
    if items and all(type(r) in _SEQUENCES and len(r) == n_items and n_items > 1 for r in items):
        return InputError(
            f"{owner}: 'ref_ids' looks transposed: it holds {len(items)} lists of {n_items} references "
            f"(sacrebleu's 'streams' layout), but evalkit expects one entry per item; pass "
            f"list(zip(*ref_ids)) instead."
        )
    return InputError(
        f"{owner}: inputs must have the same length, but 'pred_ids' has {n_items} and 'ref_ids' has {len(items)}."
    )


def _reference_lists(owner: str, items: list[Any], torch: Any, device: Any) -> tuple[Any, Any, Any]:
    """:func:`_references` of a list with the references of each item (their number may vary)."""
    # one reference per item (id lists or 1-D tensors): there an empty list is an empty reference
    one_each = any(
        (type(r) in _SEQUENCES and r and _is_id(r[0])) or (_is_array(r, torch) and r.ndim == 1) for r in items
    )
    chunks: list[tuple[Any, Any]] = []  # (flat ids, lengths) of the references, in order
    pending: list[Any] = []  # id lists and 1-D tensors not yet in a chunk
    names: list[str] = []  # how an error names each pending sequence

    def flush() -> None:
        if pending:
            chunks.append(_flat_lists(owner, pending, names.__getitem__, torch, device))
            pending.clear()
            names.clear()

    counts: list[int] = []
    for i, refs in enumerate(items):
        if _is_array(refs, torch) and refs.ndim == 2 and refs.shape[0] > 0:  # refs x length: one chunk
            flush()
            ids = _tensor_ids(owner, f"ref_ids[{i}]", refs, torch).to(device)
            lengths = torch.full((ids.shape[0],), ids.shape[1], dtype=torch.int64, device=device)
            chunks.append((ids.reshape(-1), lengths))
            counts.append(ids.shape[0])
            continue
        sequences = _item_references(owner, i, refs, one_each, torch)
        pending.extend(sequences)
        names.extend(f"ref_ids[{i}]" if s is refs else f"ref_ids[{i}][{j}]" for j, s in enumerate(sequences))
        counts.append(len(sequences))
    flush()
    flat = torch.cat([c[0] for c in chunks]) if len(chunks) > 1 else chunks[0][0]
    lengths = torch.cat([c[1] for c in chunks]) if len(chunks) > 1 else chunks[0][1]
    owners = torch.repeat_interleave(
        torch.arange(len(items), device=device), torch.tensor(counts, dtype=torch.int64, device=device)
    )
    return flat, lengths, owners


def _item_references(owner: str, i: int, refs: Any, one_each: bool, torch: Any) -> list[Any]:
    """The references of item ``i`` given as one id list or 1-D tensor (``[refs]``) or a list of them."""
    if _is_array(refs, torch):
        if refs.ndim == 1:
            return [refs]
        raise InputError(
            f"{owner}: ref_ids[{i}] must be one reference (1-D) or a refs x length tensor with at least "
            f"one reference, got shape {tuple(refs.shape)}."
        )
    if type(refs) not in _SEQUENCES:
        raise InputTypeError(
            f"{owner}: ref_ids[{i}] must be a list of id lists, an id list or a tensor, got a {type(refs).__name__}."
        )
    if not refs and not one_each:
        raise InputError(
            f"{owner}: ref_ids[{i}] is empty; give each item at least one reference (an empty reference is [[]])."
        )
    if not refs or _is_id(refs[0]):  # one reference, as a list of ids
        return [refs]
    return list(refs)


def _batch(owner: str, pred_ids: Any, ref_ids: Any, pad_id: int | None, eos_id: int | None) -> Batch:
    """Checked inputs, cut at the first ``eos_id`` and without ``pad_id`` positions."""
    torch = torch_module()
    _refuse_unordered(owner, "pred_ids", pred_ids)
    _refuse_unordered(owner, "ref_ids", ref_ids)
    device = _device_of(owner, pred_ids, ref_ids, torch)
    hyp_flat, hyp_len = _hypotheses(owner, pred_ids, torch, device)
    n_items = len(hyp_len)
    if n_items == 0:
        raise EmptyInputError(f"{owner}: the batch is empty (no predictions); the score is undefined.")
    ref_flat, ref_len, owners = _references(owner, ref_ids, n_items, torch, device)
    batch = Batch(torch.cat([hyp_flat, ref_flat]), torch.cat([hyp_len, ref_len]), owners, n_items, device)
    return cut(batch, pad_id, eos_id)


# -- the metric ----------------------------------------------------------------------------------


@register
class TokenBLEU(BleuScoring):
    """BLEU of token-id sequences, counted on the tensor's device; rows and scores equal to string BLEU's.

    Inputs of :meth:`update`, :meth:`stats` and the call:

    - ``pred_ids``: a ``batch x length`` integer tensor (or numpy array), or a list of id lists (any lengths);
    - ``ref_ids``: a ``batch x length`` tensor (one reference per item), a ``batch x refs x length`` tensor,
      or a list with the references of each item: an id list or 1-D tensor (one reference), a list of
      id lists / 1-D tensors, or a ``refs x length`` tensor (their number may vary).

    Every sequence is cut at its first ``eos_id`` (the eos and what follows are dropped) and loses its
    ``pad_id`` positions; in a ``batch x refs x length`` tensor each reference slot counts, so an all-pad
    slot is an empty reference (pass a list for a varying number of references).

    Options: ``max_order``, ``weights``, ``smooth``, ``smooth_value``, ``effective_order`` and
    ``convention`` as :class:`~evalkit.text.bleu.BLEU` (every smoothing of sacrebleu and nltk);
    ``pad_id`` and ``eos_id`` (ints, or None for none).

    Example:
        >>> m = TokenBLEU(pad_id=0)
        >>> r = m.update([[5, 6, 7, 8, 9, 4], [3, 4, 0, 0, 0, 0]], [[[5, 6, 7, 8, 9, 3]], [[3, 4, 5]]]).compute()
        >>> round(r.score, 4), r.components["counts"]  # as bleu(["5 6 7 8 9 4", "3 4"], ..., tokenize="none")
        (0.6857, [7, 5, 3, 2])
        >>> m.stats([[3, 4, 0]], [[3, 4, 5]]).tolist()  # [hyp_len, ref_len, correct_1..4, total_1..4]
        [[2, 3, 2, 1, 0, 0, 2, 1, 0, 0]]
    """

    name: ClassVar[str] = "token_bleu"
    #: token-id tensors from a model, in a training loop: no file form (as perplexity's ``lm``)
    task: ClassVar[str] = "tokens"

    label: ClassVar[str] = "TokenBLEU"
    options_type: ClassVar[type[TokenBleuOptions]] = TokenBleuOptions
    options: TokenBleuOptions

    def __init__(
        self,
        *,
        max_order: int | None = None,
        weights: Sequence[float] | None = None,
        smooth: str = "exp",
        smooth_value: float | None = None,
        effective_order: bool = False,
        convention: str = "sacrebleu",
        pad_id: int | None = None,
        eos_id: int | None = None,
    ) -> None:
        super().__init__(locals())

    # -- statistics ------------------------------------------------------------------------------
    def _tensor_rows(self, pred_ids: Any, ref_ids: Any) -> tuple[Any, Batch]:
        o = self.options
        batch = _batch(self._owner, pred_ids, ref_ids, o.pad_id, o.eos_id)
        return count_rows(batch, o.stat_order, o.convention), batch

    def tensor_stats(self, pred_ids: Any, ref_ids: Any) -> Any:
        """:meth:`stats` as an int64 tensor on the inputs' device (no host copy): e.g. to all-reduce."""
        return self._tensor_rows(pred_ids, ref_ids)[0]

    def stats(self, pred_ids: Any, ref_ids: Any) -> np.ndarray:  # type: ignore[override]
        """Per-item rows ``[hyp_len, ref_len, correct_1..K, total_1..K]``, int64 numpy, the convention applied.

        ``K`` is ``max_order`` (``max(max_order, 5)`` for method5/method7), as :meth:`BLEU.stats`.
        """
        return self.tensor_stats(pred_ids, ref_ids).cpu().numpy()

    def rows(self, pred_ids: Any, ref_ids: Any) -> Rows:  # type: ignore[override]
        """:meth:`stats` as :class:`Rows`, with the fewest and most references per item (``nrefs``)."""
        torch = torch_module()
        rows, batch = self._tensor_rows(pred_ids, ref_ids)
        nrefs = torch.bincount(batch.owner, minlength=batch.n_items).cpu().tolist()
        return rows_with_nrefs(rows.cpu().numpy(), nrefs)

    # -- scoring: BLEU's (BleuScoring), on the host ------------------------------------------------------
    def sentence_tensor(self, pred_ids: Any, ref_ids: Any) -> Any:
        """The BLEU of every item, a float64 tensor of shape ``(batch,)`` on the inputs' device."""
        torch = torch_module()
        rows, batch = self._tensor_rows(pred_ids, ref_ids)
        # the rows (batch x (2 + 2K) integers) go to the host for BLEU's scoring, and the scores come back
        return torch.from_numpy(self.scores(rows.cpu().numpy())).to(batch.device)


def token_bleu(
    pred_ids: Any,
    ref_ids: Any,
    *,
    max_order: int | None = None,
    weights: Sequence[float] | None = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    convention: str = "sacrebleu",
    pad_id: int | None = None,
    eos_id: int | None = None,
) -> Result:
    """Corpus BLEU of token ids: ``BP * exp(sum_n w_n log p_n)`` over the summed rows of every item.

    Inputs and options as :class:`TokenBLEU`; the number equals ``evalkit.bleu`` with ``tokenize="none"``
    on the same tokens (``str(id)`` each), and its statistics too.

    Example:
        >>> r = token_bleu([[1, 2, 3, 4, 5, 6]], [[[1, 2, 3, 4, 5, 7], [9, 9]]])
        >>> round(r.score, 4), r.components["counts"]
        (0.7598, [5, 4, 3, 2])
    """
    return TokenBLEU.bound("token_bleu", locals())(pred_ids, ref_ids)


def sentence_token_bleu(
    pred_ids: Any,
    ref_ids: Any,
    *,
    max_order: int | None = None,
    weights: Sequence[float] | None = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = True,
    convention: str = "sacrebleu",
    pad_id: int | None = None,
    eos_id: int | None = None,
) -> Any:
    """BLEU of every item on its own: a float64 tensor of shape ``(batch,)`` on the inputs' device.

    A sentence-level reward (self-critical training, GRPO-style): counted on the device for the whole
    batch; ``out[i]`` equals ``evalkit.sentence_bleu(..., tokenize="none")`` on the same tokens, whose
    default ``effective_order=True`` (sacrebleu's ``sentence_bleu``) is kept here. Inputs and options
    as :class:`TokenBLEU`; ``.float()`` for a float32 reward.

    Example:
        >>> import torch
        >>> pred = torch.tensor([[1, 2, 3, 4, 0], [7, 8, 2, 0, 0]])
        >>> sentence_token_bleu(pred, torch.tensor([[1, 2, 3, 4, 2], [7, 8, 0, 0, 0]]), pad_id=0, eos_id=2)
        tensor([1., 1.], dtype=torch.float64)
    """
    return TokenBLEU.bound("sentence_token_bleu", locals()).sentence_tensor(pred_ids, ref_ids)


__all__ = ["TokenBLEU", "sentence_token_bleu", "token_bleu"]
