"""BLEU on token ids (torch tensors or lists of id lists), counted on the tensor's device.

The statistics rows are BLEU's (:mod:`evalkit.text.bleu`), sacrebleu's layout::

    [hyp_len, ref_len, correct_1 .. correct_K, total_1 .. total_K]   (int64)

and they are **equal** to the rows of evalkit's string BLEU with ``tokenize="none"`` on the same tokens
(each id written as a token, ``str(id)``), in both conventions; the scores come from BLEU's own scoring of
those rows, so every smoothing and option scores as BLEU does. What differs is where and how the rows are
counted: on the device of the input tensor, for the whole batch at once, with no Python loop over
sentences:

1. every sequence is cut at its first ``eos_id`` (exclusive) and its ``pad_id`` positions are dropped; the
   kept tokens of all hypotheses and references lie in one flat int64 tensor, with each token's sequence;
2. each position gets a sort key: its item, then the ids of the K tokens from it on (``unfold``'s windows,
   taken as shifted slices; id + 1, and 0 past the end of its sequence), then its sequence's slot (0 the
   hypothesis, j the j-th reference). Ids in ``[0, 2^20)`` are used as they are, others are ranked first
   with ``torch.unique``; the fields are packed into as few 63-bit words as hold them (two for
   32,000 ids and K = 4), so nothing overflows whatever the vocabulary, and the positions are sorted by
   them, one stable ``torch.sort`` per word (least significant first);
3. in that order every n-gram of every item, for every n <= K, is a run of consecutive positions (those
   that start it): a run starts where the item or one of the first n tokens changes. One ``bincount``
   over (run, slot) counts the n-gram in the hypothesis and in each reference; the clipped count is
   ``min(hypothesis count, max over references)``, summed per item with ``index_add_``; a run whose n-th
   token is past its sequence's end is no n-gram and counts nothing;
4. the closest reference length (ties to the shorter) is one ``scatter_reduce("amin")`` over
   ``(|ref_len - hyp_len|, ref_len)`` keys.

Only the loop over the orders 1..K remains (and the scoring, which runs on the host on the
``(batch, 2 + 2K)`` rows, BLEU's own code). torch is imported when a function here is first called.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import EmptyInputError, InputError, InputTypeError, InvalidOptionError
from evalkit.core.metric import Metric
from evalkit.core.optional import require
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.text._references import nrefs_extras, nrefs_label
from evalkit.text.bleu import BLEU

_INT_TYPES = frozenset(
    {int, *(getattr(np, t) for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"))}
)
_SEQUENCES = (list, tuple)


def _torch():
    return require("torch", "torch", "token-id BLEU")


# -- options -------------------------------------------------------------------------------------


def _bleu_for(owner: str, options: dict[str, Any]) -> BLEU:
    """The string BLEU (``tokenize="none"``) whose option checks and scoring token-id BLEU reuses."""
    weights = options["weights"]
    if (
        weights is not None
        and not isinstance(weights, (str, bytes))
        and isinstance(weights, (Sequence, np.ndarray))
        and len(weights)
        and all(isinstance(w, (Sequence, np.ndarray)) and not isinstance(w, (str, bytes)) for w in weights)
    ):
        raise InvalidOptionError(
            f"The 'weights' parameter of {owner} takes one weight vector (its return type never changes with the "
            f"options); for several, count the rows once with TokenBLEU(...).stats(pred_ids, ref_ids) and score "
            f"them with TokenBLEU(weights=w).scores(rows) for each vector w. Got {weights!r}."
        )
    try:
        return BLEU(tokenize="none", backend="python", **options)
    except InvalidOptionError as exc:  # BLEU names itself; these are this function's parameters
        raise InvalidOptionError(str(exc).replace(" of bleu", f" of {owner}", 1)) from None


def _check_id(owner: str, param: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidOptionError(
            f"The {param!r} parameter of {owner} must be an int token id or None. Got {value!r} instead."
        )
    return int(value)


# -- inputs --------------------------------------------------------------------------------------


class _Batch:
    """Checked inputs: every sequence's ids in one flat int64 tensor (hypotheses first, then references)."""

    __slots__ = ("device", "flat", "lengths", "n_items", "owner")

    def __init__(self, flat: Any, lengths: Any, owner: Any, n_items: int, device: Any) -> None:
        self.flat, self.lengths, self.owner, self.n_items, self.device = flat, lengths, owner, n_items, device


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
    if isinstance(ref_ids, (str, bytes)) or not isinstance(ref_ids, Sequence):
        raise InputTypeError(
            f"{owner}: 'ref_ids' must be a tensor or a list with the references of each item, "
            f"got a {type(ref_ids).__name__}."
        )
    items = list(ref_ids)
    if len(items) != n_items:
        if items and all(_is_array(r, torch) and r.ndim == 2 and r.shape[0] == n_items for r in items):
            raise InputError(
                f"{owner}: 'ref_ids' looks transposed: it holds {len(items)} tensors of {n_items} references (one "
                f"tensor per reference, sacrebleu's 'streams' layout), but evalkit expects the "
                f"references of each item; pass torch.stack(ref_ids, dim=1) (a batch x refs x length tensor)."
            )
        if items and all(type(r) in _SEQUENCES and len(r) == n_items and n_items > 1 for r in items):
            raise InputError(
                f"{owner}: 'ref_ids' looks transposed: it holds {len(items)} lists of {n_items} references "
                f"(sacrebleu's 'streams' layout), but evalkit expects one entry per item; pass "
                f"list(zip(*ref_ids)) instead."
            )
        raise InputError(
            f"{owner}: inputs must have the same length, but 'pred_ids' has {n_items} and 'ref_ids' has {len(items)}."
        )
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
        if _is_array(refs, torch):
            if refs.ndim == 1:
                pending.append(refs)
                names.append(f"ref_ids[{i}]")
                counts.append(1)
            elif refs.ndim == 2 and refs.shape[0] > 0:  # refs x length: one chunk
                flush()
                ids = _tensor_ids(owner, f"ref_ids[{i}]", refs, torch).to(device)
                lengths = torch.full((ids.shape[0],), ids.shape[1], dtype=torch.int64, device=device)
                chunks.append((ids.reshape(-1), lengths))
                counts.append(ids.shape[0])
            else:
                raise InputError(
                    f"{owner}: ref_ids[{i}] must be one reference (1-D) or a refs x length tensor with at least "
                    f"one reference, got shape {tuple(refs.shape)}."
                )
        elif type(refs) in _SEQUENCES:
            if not refs and not one_each:
                raise InputError(
                    f"{owner}: ref_ids[{i}] is empty; give each item at least one reference (an empty "
                    f"reference is [[]])."
                )
            if not refs or _is_id(refs[0]):  # one reference, as a list of ids
                pending.append(refs)
                names.append(f"ref_ids[{i}]")
                counts.append(1)
            else:
                pending.extend(refs)
                names.extend(f"ref_ids[{i}][{j}]" for j in range(len(refs)))
                counts.append(len(refs))
        else:
            raise InputTypeError(
                f"{owner}: ref_ids[{i}] must be a list of id lists, an id list or a tensor, got a "
                f"{type(refs).__name__}."
            )
    flush()
    flat = torch.cat([c[0] for c in chunks]) if len(chunks) > 1 else chunks[0][0]
    lengths = torch.cat([c[1] for c in chunks]) if len(chunks) > 1 else chunks[0][1]
    owners = torch.repeat_interleave(
        torch.arange(n_items, device=device), torch.tensor(counts, dtype=torch.int64, device=device)
    )
    return flat, lengths, owners


def _batch(owner: str, pred_ids: Any, ref_ids: Any, pad_id: int | None, eos_id: int | None) -> _Batch:
    """Checked inputs, cut at the first ``eos_id`` and without ``pad_id`` positions."""
    torch = _torch()
    _refuse_unordered(owner, "pred_ids", pred_ids)
    _refuse_unordered(owner, "ref_ids", ref_ids)
    device = _device_of(owner, pred_ids, ref_ids, torch)
    hyp_flat, hyp_len = _hypotheses(owner, pred_ids, torch, device)
    n_items = len(hyp_len)
    if n_items == 0:
        raise EmptyInputError(f"{owner}: the batch is empty (no predictions); the score is undefined.")
    ref_flat, ref_len, owners = _references(owner, ref_ids, n_items, torch, device)
    flat = torch.cat([hyp_flat, ref_flat])
    lengths = torch.cat([hyp_len, ref_len])
    if pad_id is not None or eos_id is not None:
        n = flat.numel()
        seq = torch.repeat_interleave(torch.arange(len(lengths), device=device), lengths, output_size=n)
        keep = torch.ones(n, dtype=torch.bool, device=device)
        if eos_id is not None:
            is_eos = (flat == eos_id).to(torch.int64)
            seen = torch.cumsum(is_eos, 0)  # eos up to and including each position, over the whole batch
            starts = torch.cumsum(lengths, 0) - lengths
            before = (seen - is_eos)[starts.clamp(max=max(n - 1, 0))] if n else starts
            keep &= (seen - before[seq]) == 0  # no eos of its own sequence at or before this position
        if pad_id is not None:
            keep &= flat != pad_id
        flat, seq = flat[keep], seq[keep]
        lengths = torch.bincount(seq, minlength=len(lengths))
    return _Batch(flat, lengths, owners, n_items, device)


# -- statistics ----------------------------------------------------------------------------------


def _bits(value: int) -> int:
    """The bits that hold every integer in ``[0, value]``."""
    return max(int(value).bit_length(), 1)


# ids in [0, 2^20) are n-gram components as they are (plus one); others are ranked first (one more sort)
_RAW_ID_LIMIT = 1 << 20
# up to this many slots per item (the hypothesis and its references), per-slot counts of runs are
# differences of running sums; above, a bincount over (run, slot) cells
_CUMSUM_SLOTS = 16
# that bincount is dense while it holds at most this many cells per token, else only the cells that occur
_DENSE_CELLS_PER_TOKEN = 8


def _sort_values(keys: Any, torch: Any) -> Any:
    """``keys`` sorted (int64, 1-D). numpy's sort on the CPU (zero-copy, several times torch's there)."""
    if keys.device.type == "cpu":
        return torch.from_numpy(np.sort(keys.numpy()))
    return torch.sort(keys).values


class _Sorted:
    """Positions in the lexicographic order of their fields (item, token 1 .. K, slot).

    The fields are packed, most significant first, into as few words as hold them next to the bits of a
    position, and sorted least significant word first (LSD radix over words): each pass sorts
    ``word << position_bits | position`` as plain values, so the positions come back with the words, ties
    in the order of the previous pass (a stable sort).
    """

    def __init__(self, fields: list[tuple[Any, int]], n: int, torch: Any) -> None:
        device = fields[0][0].device
        pos_bits = _bits(n - 1)
        room = 63 - pos_bits
        if max(width for _, width in fields) > room:
            raise InputError(
                f"token-id BLEU: a batch of {n:,} tokens is too large to sort in one pass; split it (the rows add up)."
            )
        self.words: list[Any] = []
        self.where: list[tuple[int, int, int]] = []  # per field: (word, shift, width)
        word, used, members = None, 0, []
        for values, width in fields:
            if word is not None and used + width > room:
                self._close(word, members)
                word, used, members = None, 0, []
            # in place, on a copy of the word's first field (a word is a few passes over the positions)
            word = values.clone() if word is None else word.bitwise_left_shift_(width).bitwise_or_(values)
            members = [(i, shift + width, w) for i, shift, w in members] + [(len(self.where) + len(members), 0, width)]
            used += width
        self._close(word, members)
        positions = torch.arange(n, device=device)
        mask = (1 << pos_bits) - 1
        order = None
        for k in reversed(range(len(self.words))):
            keys = self.words[k] << pos_bits if order is None else self.words[k][order].bitwise_left_shift_(pos_bits)
            keys = _sort_values(keys.bitwise_or_(positions), torch)
            by = keys & mask
            order = by if order is None else order[by]
            if k == 0:
                self.words[0] = keys.bitwise_right_shift_(pos_bits)
        for k in range(1, len(self.words)):
            self.words[k] = self.words[k][order]

    def _close(self, word: Any, members: list[tuple[int, int, int]]) -> None:
        k = len(self.words)
        self.words.append(word)
        self.where.extend((k, shift, width) for _, shift, width in members)

    def field(self, index: int, at: Any = None) -> Any:
        """Field ``index`` in sorted order (at the sorted positions ``at``, or everywhere)."""
        k, shift, width = self.where[index]
        word = self.words[k] if at is None else self.words[k][at]
        return (word >> shift) & ((1 << width) - 1)

    def agree(self, index: int, previous: Any) -> Any:
        """Whether each sorted position has the same fields 0 .. ``index`` as the one before it, given
        ``previous``: the same for fields 0 .. ``index - 1`` (None for index 0)."""
        k, shift, _ = self.where[index]
        word = self.words[k] >> shift
        same = word[1:] == word[:-1]
        if previous is None or k == 0:
            return same  # the shifted first word holds every earlier field as well
        return previous & same


def _fields(batch: _Batch, max_order: int, torch: Any) -> tuple[list[tuple[Any, int]], int]:
    """Per position, the fields of its sort key with their bit widths: the item, the ids of the n-grams'
    1st .. K-th tokens (id + 1; 0 past the end of its sequence) and the slot of its sequence (0 the
    hypothesis, j the j-th reference of the item); and the number of slots."""
    device, b = batch.device, batch.n_items
    flat, lengths, owners = batch.flat, batch.lengths, batch.owner
    n_seq, n = len(lengths), flat.numel()
    seq = torch.repeat_interleave(torch.arange(n_seq, device=device), lengths, output_size=n)
    starts = torch.cumsum(lengths, 0) - lengths
    remaining = lengths[seq] - (torch.arange(n, device=device) - starts[seq])  # tokens from here to the end
    per_item = torch.bincount(owners, minlength=b)
    first_ref = torch.cumsum(per_item, 0) - per_item  # owners are in item order
    slot_of_seq = torch.cat(
        [
            torch.zeros(b, dtype=torch.int64, device=device),
            torch.arange(len(owners), device=device) - first_ref[owners] + 1,
        ]
    )
    item_of_seq = torch.cat([torch.arange(b, device=device), owners])
    low, high = (int(v) for v in torch.aminmax(flat))
    if low >= 0 and high < _RAW_ID_LIMIT:
        value, top = flat + 1, high + 1
    else:  # ids of any size or sign: their ranks in the batch
        tokens, rank = torch.unique(flat, return_inverse=True)
        value, top = rank + 1, len(tokens)
    slots = int(per_item.max()) + 1
    slot = slot_of_seq[seq]
    # past the end of its sequence a hypothesis reads 0 and a reference top + 1: a window that runs past
    # the end is then never the same in a hypothesis and a reference, so such runs match nothing
    past_end = torch.where(slot == 0, 0, top + 1)
    fields = [(item_of_seq[seq], _bits(b - 1))]
    for order in range(1, max_order + 1):
        # the id of the order-th token of the n-gram starting here: unfold's window, as a shifted slice
        if order == 1:
            shifted = value
        else:
            tail = torch.zeros(min(order - 1, n), dtype=torch.int64, device=device)
            shifted = torch.where(remaining < order, past_end, torch.cat([value[order - 1 :], tail]))
        fields.append((shifted, _bits(top + 1)))
    fields.append((slot, _bits(slots - 1)))
    return fields, slots


def _count_rows(batch: _Batch, max_order: int, convention: str) -> Any:
    """The ``(n_items, 2 + 2 * max_order)`` int64 rows of a batch, on its device (see the module docstring)."""
    torch = _torch()
    device, b = batch.device, batch.n_items
    lengths, owners = batch.lengths, batch.owner
    hyp_len, ref_len = lengths[:b], lengths[b:]

    # the closest reference length, ties to the shorter one: the least (|r - h|, r), packed in one int64
    distance = (ref_len - hyp_len[owners]).abs()
    packed = torch.full((b,), torch.iinfo(torch.int64).max, dtype=torch.int64, device=device)
    packed.scatter_reduce_(0, owners, (distance << 32) | ref_len, reduce="amin")
    closest = packed & 0xFFFFFFFF

    orders = torch.arange(max_order, device=device)
    total = (hyp_len[:, None] - orders[None, :]).clamp(min=0)
    correct = torch.zeros((b, max_order), dtype=torch.int64, device=device)
    n = batch.flat.numel()
    if n:
        fields, slots = _fields(batch, max_order, torch)
        ordered = _Sorted(fields, n, torch)
        del fields
        slot = ordered.field(max_order + 1)
        # running sums over the sorted positions: a run's count in a slot is the difference of two of them
        in_hyp = torch.zeros(n + 1, dtype=torch.int64, device=device)
        torch.cumsum(slot == 0, 0, out=in_hyp[1:])
        if 2 < slots <= _CUMSUM_SLOTS:  # several references: one running sum per reference slot
            in_ref = torch.zeros((n + 1, slots - 1), dtype=torch.int64, device=device)
            at_ref = torch.nonzero(slot).squeeze(1)
            in_ref[1:].index_put_((at_ref, slot[at_ref] - 1), torch.ones_like(at_ref))
            in_ref = torch.cumsum(in_ref, 0, out=in_ref)
        # the sorted positions where each item's positions start (items are the first field), and the end
        agree = ordered.agree(0, None)  # the same item as the position before
        bound = torch.ones(1, dtype=torch.bool, device=device)
        item_starts = torch.nonzero(torch.cat([bound, ~agree])).squeeze(1)
        items = ordered.field(0, item_starts)
        item_bounds = torch.cat([item_starts, torch.tensor([n], device=device)])
        end = torch.tensor([n], device=device)
        for order in range(1, max_order + 1):
            # a run: consecutive sorted positions that start the same n-gram of the same item
            agree = ordered.agree(order, agree)
            first = torch.nonzero(torch.cat([bound, ~agree])).squeeze(1)
            ends = torch.cat([first[1:], end])
            hyp = in_hyp[ends] - in_hyp[first]
            if slots == 2:  # one reference: the rest of the run
                ref_max = (ends - first) - hyp
            elif slots <= _CUMSUM_SLOTS:  # only the runs the hypothesis has need their references' counts
                live = torch.nonzero(hyp).squeeze(1)
                ref_max = torch.zeros_like(hyp)
                ref_max[live] = (in_ref[ends[live]] - in_ref[first[live]]).amax(dim=1)
            else:
                ref_max = _cell_ref_max(first, slot, slots, n, torch)
            # runs are in item order: each item's sum is a difference of the running sum of clipped counts
            summed = torch.zeros(len(first) + 1, dtype=torch.int64, device=device)
            torch.cumsum(torch.minimum(hyp, ref_max), 0, out=summed[1:])
            at = torch.searchsorted(first, item_bounds)
            correct[items, order - 1] = summed[at[1:]] - summed[at[:-1]]
    if convention == "nltk":  # nltk's modified_precision divides by at least one n-gram per segment
        total = total.clamp(min=1)
    return torch.cat([hyp_len[:, None], closest[:, None], correct, total], dim=1)


def _cell_ref_max(first: Any, slot: Any, slots: int, n: int, torch: Any) -> Any:
    """Per run: the most times any one reference holds it (many references per item)."""
    device = slot.device
    n_runs = len(first)
    starts = torch.zeros(n, dtype=torch.int64, device=device)
    starts[first] = 1
    cells = (torch.cumsum(starts, 0) - 1) * slots + slot
    if n_runs * slots <= _DENSE_CELLS_PER_TOKEN * n + 1024:
        return torch.bincount(cells, minlength=n_runs * slots).view(n_runs, slots)[:, 1:].amax(dim=1)
    keys, seen = torch.unique(cells, return_counts=True)
    ref_max = torch.zeros(n_runs, dtype=torch.int64, device=device)
    ref_max.scatter_reduce_(0, keys // slots, torch.where(keys % slots > 0, seen, 0), reduce="amax")
    return ref_max


# -- the metric ----------------------------------------------------------------------------------


@register
class TokenBLEU(Metric):
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
        options = {
            "max_order": max_order,
            "weights": weights,
            "smooth": smooth,
            "smooth_value": smooth_value,
            "effective_order": effective_order,
            "convention": convention,
        }
        self._setup(self.name, options, pad_id, eos_id)
        super().__init__()

    def _setup(self, owner: str, options: dict[str, Any], pad_id: Any, eos_id: Any) -> None:
        self._owner = owner
        self._bleu = _bleu_for(owner, options)
        self._convention = options["convention"]
        self._pad_id = _check_id(owner, "pad_id", pad_id)
        self._eos_id = _check_id(owner, "eos_id", eos_id)
        # the number of orders the rows carry (max(max_order, 5) for method5/method7), as BLEU's rows have
        probe = self._bleu.stats([["a"]], [[["a"]]])
        self._order = (probe.shape[1] - 2) // 2

    @classmethod
    def _of(cls, owner: str, options: dict[str, Any], pad_id: Any, eos_id: Any) -> TokenBLEU:
        metric = cls.__new__(cls)
        metric._setup(owner, options, pad_id, eos_id)
        Metric.__init__(metric)
        return metric

    # -- statistics ------------------------------------------------------------------------------
    def _tensor_rows(self, pred_ids: Any, ref_ids: Any) -> tuple[Any, Any]:
        batch = _batch(self._owner, pred_ids, ref_ids, self._pad_id, self._eos_id)
        return _count_rows(batch, self._order, self._convention), batch

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
        torch = _torch()
        rows, batch = self._tensor_rows(pred_ids, ref_ids)
        nrefs = torch.bincount(batch.owner, minlength=batch.n_items).cpu().tolist()
        return Rows(rows.cpu().numpy(), extras=nrefs_extras([range(k) for k in nrefs]))

    # -- scoring ---------------------------------------------------------------------------------
    def signature(self) -> Signature:
        """BLEU's options that change the number, ``tok:ids``, and ``pad``/``eos`` where given."""
        return self._signature(None)

    def _signature(self, nrefs: Any) -> Signature:
        items: dict[str, Any] = {} if nrefs is None else {"nrefs": nrefs}
        for key, value in self._bleu.signature().options:
            if key == "tok":
                items["tok"] = "ids"
            elif key != "case":
                items[key] = value
        if self._pad_id is not None:
            items["pad"] = self._pad_id
        if self._eos_id is not None:
            items["eos"] = self._eos_id
        return Signature.of(self.name, **items)

    def score(self, total: Any) -> Result:
        """The Result of summed statistics (a 1-D row), scored by BLEU. Pure: ``total`` is not changed."""
        try:
            result = self._bleu.score(total)
        except InputError as exc:
            raise type(exc)(str(exc).replace("bleu:", f"{self._owner}:", 1)) from None
        return dataclasses.replace(result, name="TokenBLEU", signature=self._signature(nrefs_label(self.extras)))

    def scores(self, totals: Any) -> np.ndarray:
        """``score(row).score`` for every row of ``totals``, vectorized (bootstrap, sentence-level)."""
        try:
            return self._bleu.scores(totals)
        except InputError as exc:
            raise type(exc)(str(exc).replace("bleu:", f"{self._owner}:", 1)) from None

    def sentence_tensor(self, pred_ids: Any, ref_ids: Any) -> Any:
        """The BLEU of every item, a float64 tensor of shape ``(batch,)`` on the inputs' device."""
        torch = _torch()
        rows, batch = self._tensor_rows(pred_ids, ref_ids)
        # the rows (batch x (2 + 2K) integers) go to the host for BLEU's scoring, and the scores come back
        return torch.from_numpy(self._bleu.scores(rows.cpu().numpy())).to(batch.device)


def _options(args: dict[str, Any]) -> tuple[dict[str, Any], Any, Any]:
    options = dict(args)
    for key in ("pred_ids", "ref_ids"):
        del options[key]
    return options, options.pop("pad_id"), options.pop("eos_id")


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
    options, pad, eos = _options(locals())
    metric = TokenBLEU._of("token_bleu", options, pad, eos)
    return metric.update(pred_ids, ref_ids).compute()


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
    options, pad, eos = _options(locals())
    return TokenBLEU._of("sentence_token_bleu", options, pad, eos).sentence_tensor(pred_ids, ref_ids)


__all__ = ["TokenBLEU", "sentence_token_bleu", "token_bleu"]
