"""Token-id BLEU's rows counted on the tensors' device: the vectorized backend of :mod:`evalkit.text.token_bleu`.

The input is a :class:`Batch`: the kept tokens of every hypothesis and reference in one flat int64 tensor
(hypotheses first, then the references in item order), each sequence's length and each reference's item
(:func:`cut` drops what follows a sequence's first ``eos_id`` and its ``pad_id`` positions). Then, for the
whole batch at once, with no Python loop over sentences:

1. each position gets a sort key: its item, then the ids of the K tokens from it on (``unfold``'s windows,
   taken as shifted slices; id + 1, and 0 past the end of its sequence), then its sequence's slot (0 the
   hypothesis, j the j-th reference). Ids in ``[0, 2^20)`` are used as they are, others are ranked first
   with ``torch.unique``; the fields are packed into as few 63-bit words as hold them (two for
   32,000 ids and K = 4), so nothing overflows whatever the vocabulary, and the positions are sorted by
   them, one stable ``torch.sort`` per word (least significant first);
2. in that order every n-gram of every item, for every n <= K, is a run of consecutive positions (those
   that start it): a run starts where the item or one of the first n tokens changes. One ``bincount``
   over (run, slot) counts the n-gram in the hypothesis and in each reference; the clipped count is
   ``min(hypothesis count, max over references)``, summed per item with ``index_add_``; a run whose n-th
   token is past its sequence's end is no n-gram and counts nothing;
3. the closest reference length (ties to the shorter) is one ``scatter_reduce("amin")`` over
   ``(|ref_len - hyp_len|, ref_len)`` keys.

Only the loop over the orders 1..K remains. torch is imported when a function here is first called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.errors import InputError
from evalkit.core.optional import require


def torch_module() -> Any:
    """torch, imported on first use (with an error naming the extra to install where it is missing)."""
    return require("torch", "torch", "token-id BLEU")


class Batch:
    """Checked inputs: every sequence's ids in one flat int64 tensor (hypotheses first, then references),
    each sequence's length, each reference's item (``owner``), the number of items and their device."""

    __slots__ = ("device", "flat", "lengths", "n_items", "owner")

    def __init__(self, flat: Any, lengths: Any, owner: Any, n_items: int, device: Any) -> None:
        self.flat, self.lengths, self.owner, self.n_items, self.device = flat, lengths, owner, n_items, device


def cut(batch: Batch, pad_id: int | None, eos_id: int | None) -> Batch:
    """``batch`` with every sequence cut at its first ``eos_id`` (exclusive) and without ``pad_id`` positions."""
    if pad_id is None and eos_id is None:
        return batch
    torch = torch_module()
    flat, lengths, device = batch.flat, batch.lengths, batch.device
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
    return Batch(flat, torch.bincount(seq, minlength=len(lengths)), batch.owner, batch.n_items, device)


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


def _fields(batch: Batch, max_order: int, torch: Any) -> tuple[list[tuple[Any, int]], int]:
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


def count_rows(batch: Batch, max_order: int, convention: str) -> Any:
    """The ``(n_items, 2 + 2 * max_order)`` int64 rows of a batch, on its device (see the module docstring)."""
    torch = torch_module()
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
