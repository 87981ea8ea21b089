"""Every user-facing check and its message, in one place.

Messages follow one pattern: the function, the parameter, what is allowed, and what was given, e.g.
``The 'smooth' parameter of bleu must be one of 'none', 'floor', 'add-k', 'exp'. Got 'expo' instead
(did you mean 'exp'?).`` Checks raise; they never ``assert`` (asserts vanish under ``python -O``).
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Hashable, Iterable, Sequence, Sized
from itertools import chain
from typing import Any

import numpy as np

from evalkit.core.arrays import is_tensor, to_host
from evalkit.core.errors import EmptyInputError, InputError, InputTypeError, InvalidOptionError
from evalkit.core.gc_pause import gc_paused


def suggest(given: str, allowed: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the allowed name that ``given`` spells but for case, ``-`` and ``_``
    (``BLEU``, ``rouge-l``), else for the closest one, or an empty string.

    Example:
        >>> suggest("rouge-l", ["rouge1", "rougeL", "rougeLsum"]), suggest("smoth", ["smooth"]), suggest("x", ["y"])
        (" (did you mean 'rougeL'?)", " (did you mean 'smooth'?)", '')
    """
    names = [str(a) for a in allowed]
    folded: dict[str, str] = {}
    for name in names:
        folded.setdefault(_fold(name), name)
    same = folded.get(_fold(str(given)))
    close = [same] if same is not None else difflib.get_close_matches(str(given), names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fold(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _listing(allowed: Iterable[Any]) -> str:
    return ", ".join(repr(a) for a in allowed)


def check_choice(owner: str, param: str, value: Any, allowed: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values."""
    try:
        ok = value in allowed
    except TypeError:  # unhashable value against a set
        ok = False
    if not ok:
        hint = suggest(value, allowed) if isinstance(value, str) else ""
        raise InvalidOptionError(
            f"The {param!r} parameter of {owner} must be one of {_listing(allowed)}. Got {value!r} instead{hint}."
        )
    return value


def check_int(owner: str, param: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidOptionError(f"The {param!r} parameter of {owner} must be an int. Got {value!r} instead.")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            allowed = f">= {minimum}"
        else:
            allowed = f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]"
        raise InvalidOptionError(f"The {param!r} parameter of {owner} must be an int {allowed}. Got {value!r} instead.")
    return int(value)


def check_number(
    owner: str,
    param: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite real number within the given bounds (``allow_inf``:
    infinity too, where the formula defines it, as F-beta's beta)."""
    bounds = ""
    if low is not None or high is not None:
        left = ("(" if low_open else "[") + (f"{low:g}" if low is not None else "-inf")
        right = (f"{high:g}" if high is not None else "inf") + (
            ")" if high_open or (high is None and not allow_inf) else "]"
        )
        bounds = f" in {left}, {right}"
    bad = isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value
    if not bad and not allow_inf and value in (float("inf"), float("-inf")):
        bad = True
    if not bad:
        v = float(value)
        bad = (low is not None and (v <= low if low_open else v < low)) or (
            high is not None and (v >= high if high_open else v > high)
        )
    if bad:
        raise InvalidOptionError(f"The {param!r} parameter of {owner} must be a number{bounds}. Got {value!r} instead.")
    return float(value)


def check_same_length(owner: str, **sequences: Sized) -> int:
    """Return the common length of the named sequences, or raise naming each one and its length."""
    lengths = {name: len(seq) for name, seq in sequences.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise InputError(f"{owner}: inputs must have the same length, but {detail}.")
    return next(iter(lengths.values()), 0)


def _is_tokens(item: Any) -> bool:
    return isinstance(item, (list, tuple)) and all(isinstance(t, str) for t in item)


def _kind(item: Any) -> str:
    return type(item).__name__


def text_pairs(
    owner: str, hypotheses: Any, references: Any, *, allow_empty: bool = False
) -> tuple[list[Any], list[list[Any]]]:
    """Check and normalize ``(hypotheses, references)`` for a text metric.

    Accepted layouts (``references[i]`` holds the references of segment ``i``; their number may vary):

    - strings: ``hypotheses[i]`` a ``str``; ``references[i]`` a ``str`` or a list of ``str``;
    - pre-tokenized (nltk's layout): ``hypotheses[i]`` a list of tokens; ``references[i]`` a list of
      token lists.

    Returns ``(hypotheses, references)`` as new lists, ``references[i]`` always a list; the inputs are
    not changed. Raises :class:`InputError` / :class:`InputTypeError` naming the index at fault.
    """
    _check_text_sequences(owner, hypotheses, references)
    hyps = list(hypotheses)
    refs = list(references)
    if not hyps and not refs:
        if allow_empty:
            return [], []
        raise EmptyInputError(f"{owner}: the corpus is empty (no hypotheses); the score is undefined.")
    _check_text_lengths(owner, hyps, refs)
    if not isinstance(hyps[0], str):
        return _token_pairs(owner, hyps, refs)
    return _string_pairs(owner, hyps, refs)


def _check_text_sequences(owner: str, hypotheses: Any, references: Any) -> None:
    """Both inputs must be ordered sequences of segments (not a set, a dict, a string or a scalar)."""
    for param, value in (("hypotheses", hypotheses), ("references", references)):
        if isinstance(value, (set, frozenset, dict)):
            raise InputTypeError(
                f"{owner}: {param!r} must be an ordered sequence (a list); a {type(value).__name__} has no order, "
                f"so hypotheses and references could not be paired."
            )
    if isinstance(hypotheses, (str, bytes)) or not isinstance(hypotheses, Iterable):
        raise InputTypeError(f"{owner}: 'hypotheses' must be a list of segments, got a {_kind(hypotheses)}.")
    if isinstance(references, (str, bytes)) or not isinstance(references, Iterable):
        raise InputTypeError(
            f"{owner}: 'references' must be a list with one entry (a str or a list of str) per hypothesis, "
            f"got a {_kind(references)}."
        )


def _check_text_lengths(owner: str, hyps: list[Any], refs: list[Any]) -> None:
    """One entry of ``refs`` per hypothesis; sacrebleu's transposed "streams" layout gets its own message."""
    if len(hyps) == len(refs):
        return
    streams = refs and all(isinstance(r, (list, tuple)) and len(r) == len(hyps) for r in refs)
    if streams:
        raise InputError(
            f"{owner}: 'references' looks transposed: it holds {len(refs)} lists of {len(hyps)} references "
            f"(sacrebleu's 'streams' layout), but evalkit expects one entry per hypothesis. "
            f"Pass list(zip(*references)) instead."
        )
    raise InputError(
        f"{owner}: inputs must have the same length, but 'hypotheses' has {len(hyps)} and 'references' has {len(refs)}."
    )


def _token_pairs(owner: str, hyps: list[Any], refs: list[Any]) -> tuple[list[Any], list[list[Any]]]:
    """Pre-tokenized segments (nltk's layout) as new lists of token lists."""
    sequences = {list, tuple}
    if (
        set(map(type, hyps)) <= sequences
        and set(map(type, chain.from_iterable(hyps))) <= {str}
        and set(map(type, refs)) <= sequences
        and all(refs)
        and set(map(type, chain.from_iterable(refs))) <= sequences
        and set(map(type, chain.from_iterable(chain.from_iterable(refs)))) <= {str}
    ):
        with gc_paused():
            return list(map(list, hyps)), [list(map(list, r)) for r in refs]
    for i, h in enumerate(hyps):
        if not _is_tokens(h):
            raise InputTypeError(
                f"{owner}: hypotheses[{i}] must be a list of str tokens like hypotheses[0], got a {_kind(h)}."
            )
    out_refs = []
    for i, r in enumerate(refs):
        if not isinstance(r, (list, tuple)) or not r or not all(_is_tokens(x) for x in r):
            raise InputTypeError(
                f"{owner}: with pre-tokenized hypotheses, references[{i}] must be a non-empty list of token "
                f"lists (nltk's layout: [['the', 'cat'], ['a', 'cat']]), got {r!r:.60}."
            )
        out_refs.append([list(x) for x in r])
    return [list(h) for h in hyps], out_refs


def _string_pairs(owner: str, hyps: list[Any], refs: list[Any]) -> tuple[list[str], list[list[str]]]:
    """String segments, each segment's references as a new list."""
    # The common layouts, checked by C-level passes (type sets); anything else takes the loop below,
    # which finds the index at fault.
    if set(map(type, hyps)) == {str}:
        ref_types = set(map(type, refs))
        with gc_paused():
            if ref_types == {str}:
                return hyps, [[r] for r in refs]
            if ref_types == {list} and all(refs) and set(map(type, chain.from_iterable(refs))) == {str}:
                return hyps, list(map(list, refs))
    for i, h in enumerate(hyps):
        if not isinstance(h, str):
            raise InputTypeError(f"{owner}: hypotheses[{i}] must be a str, got a {_kind(h)}.")
    out_refs = []
    for i, r in enumerate(refs):
        if isinstance(r, str):
            out_refs.append([r])
            continue
        if not isinstance(r, (list, tuple)) or not r:
            raise InputTypeError(f"{owner}: references[{i}] must be a str or a non-empty list of str, got {r!r:.60}.")
        for j, x in enumerate(r):
            if not isinstance(x, str):
                raise InputTypeError(f"{owner}: references[{i}][{j}] must be a str, got a {_kind(x)}.")
        out_refs.append(list(r))
    return hyps, out_refs


def check_same_n_samples(owner: str, **arrays: Any) -> int:
    """Return the common number of samples (first axis) of the named arrays, or raise giving every shape.

    ``None`` entries (an omitted ``sample_weight``) are skipped.
    """
    shapes = {name: tuple(np.shape(a)) for name, a in arrays.items() if a is not None}
    lengths = {s[0] if s else 1 for s in shapes.values()}
    if len(lengths) > 1:
        detail = ", ".join(f"{name} has shape {s}" for name, s in shapes.items())
        raise InputError(f"{owner}: inputs must have the same number of samples, but {detail}.")
    return next(iter(lengths), 0)


def check_finite(owner: str, param: str, values: np.ndarray) -> None:
    """Raise if the float array ``values`` holds NaN or infinity, naming the first position at fault (a
    tensor is checked on its device: one sync, and a copy to the host only to name the fault)."""
    if is_tensor(values):
        if not values.is_floating_point() or bool(values.isfinite().all()):
            return
        values = to_host(values)
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        bad = np.argwhere(~np.isfinite(values))[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise InputError(
            f"{owner}: {param} must hold finite numbers, but {param}[{where}] is {values[tuple(bad)].item()!r}."
        )


def check_bool(owner: str, param: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (``numpy.bool_`` included); ``0``/``1``/``"yes"`` are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidOptionError(f"The {param!r} parameter of {owner} must be True or False. Got {value!r} instead.")
    return bool(value)


def check_labels(owner: str, param: str, labels: Any) -> list[Any] | None:
    """``labels`` as a list if it is ``None`` or a 1-D ordered sequence of unique, hashable labels.

    Sets and dicts are refused: their order is arbitrary, and the order of ``labels`` orders the output.
    """
    if labels is None:
        return None
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise InvalidOptionError(
                f"The {param!r} parameter of {owner} must be a 1-D list of labels. Got an array of shape {labels.shape}."
            )
        labels = labels.tolist()
    elif type(labels).__module__.split(".")[0] == "torch":
        labels = labels.tolist()
    if isinstance(labels, (str, bytes, set, frozenset, dict)) or not isinstance(labels, Sequence):
        why = " (its order is arbitrary)" if isinstance(labels, (set, frozenset, dict)) else ""
        raise InvalidOptionError(
            f"The {param!r} parameter of {owner} must be a list of labels, e.g. [0, 1, 2] or ['cat', 'dog']. "
            f"Got {labels!r:.80} of type {type(labels).__name__}{why} instead."
        )
    out = list(labels)
    for label in out:
        if isinstance(label, (list, tuple, set, dict, np.ndarray)) or not isinstance(label, Hashable):
            raise InvalidOptionError(
                f"The {param!r} parameter of {owner} must hold single labels (numbers or strings). "
                f"Got {label!r:.60} in {out!r:.80} instead."
            )
        if isinstance(label, float) and label != label:
            raise InvalidOptionError(f"The {param!r} parameter of {owner} holds NaN, which is no label.")
    if len(set(out)) != len(out):
        seen: set[Any] = set()
        twice = next(x for x in out if x in seen or seen.add(x))
        raise InvalidOptionError(f"The {param!r} parameter of {owner} must hold each label once; {twice!r} repeats.")
    return out


def count_matrix(owner: str, param: str, value: Any) -> np.ndarray:
    """``value`` as a 2-D int64 array of non-negative integer counts (a 1-D vector becomes one row).

    For summed statistics passed back in by a user (``bleu_from_stats``, bootstrap rows): refuses
    ragged, non-numeric, negative, fractional and non-finite values with a message, never a numpy error.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        arr = None
    if arr is None or arr.dtype.kind not in "iuf" or arr.ndim not in (1, 2) or arr.size == 0:
        shape = "" if arr is None else f" of dtype {arr.dtype} and shape {arr.shape}"
        raise InputError(
            f"{owner}: {param!r} must be a non-empty 1-D or 2-D array of counts, got a {_kind(value)}{shape}."
        )
    if arr.dtype.kind == "f" and not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
        raise InputError(
            f"{owner}: {param!r} must hold whole numbers (counts); it has fractional or non-finite values."
        )
    if (arr < 0).any():
        raise InputError(f"{owner}: {param!r} must hold non-negative counts; it has negative values.")
    return np.atleast_2d(arr).astype(np.int64)


def stat_rows(owner: str, param: str, value: Any, *, layout: Sequence[str]) -> np.ndarray:
    """``value`` as a 2-D float64 array of finite, non-negative statistics with one column per name in
    ``layout`` (a 1-D vector becomes one row).

    For summed statistics passed back in by a user (``score(total)``, bootstrap rows) that need not be
    whole numbers (sums of per-item scores; :func:`count_matrix` is for counts): refuses ragged,
    non-numeric, wrongly sized, negative and non-finite values with a message, never a numpy error.
    One check per call, vectorized, so a matrix of many rows costs a pass, not a loop.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        arr = None
    expected = f"{len(layout)} columns [{', '.join(layout)}]"
    if arr is None or arr.dtype.kind not in "iuf" or arr.ndim not in (1, 2) or arr.shape[-1] != len(layout):
        shape = "" if arr is None else f" of dtype {arr.dtype} and shape {arr.shape}"
        raise InputError(
            f"{owner}: {param!r} must be a 1-D or 2-D array of numbers with {expected}, got a {_kind(value)}{shape}."
        )
    arr = np.atleast_2d(arr).astype(np.float64)
    if not np.isfinite(arr).all():
        raise InputError(f"{owner}: {param!r} must hold finite numbers; it has NaN or infinite values.")
    if (arr < 0).any():
        raise InputError(f"{owner}: {param!r} must hold non-negative statistics; it has negative values.")
    return arr
