"""Entity-level NER scores: options, the tag rules of seqeval 1.2.2 (default and strict mode), the row
layout and the formulas. Shared by :mod:`evalkit.text.ner` (public faces, the readable reference) and
:mod:`evalkit.text._ner_numpy` (the vectorized path).

A sentence's row, in the frame of the entity types seen (sorted), is::

    [n_tokens, n_correct_tokens, tp_1, pred_1, true_1, ..., tp_K, pred_K, true_K]

every column summed.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InputError, InvalidOptionError, UndefinedMetricWarning
from evalkit.core.options import Options, choice, flag, option

SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")
AVERAGES = ("micro", "macro", "weighted")
HEAD = 2  # n_tokens, n_correct


def _zero_division(owner: str, name: str, value: Any) -> Any:
    if value == "warn" or (type(value) is int and value in (0, 1)):
        return value
    raise InvalidOptionError(f"The {name!r} parameter of {owner} must be one of 'warn', 0, 1. Got {value!r} instead.")


@dataclass(frozen=True)
class NerOptions(Options):
    mode: str = option(
        "default",
        choice("default", "strict"),
        "'default' (conlleval-compatible) or 'strict' (by the scheme)",
        sig="mode",
    )
    scheme: str | None = option(
        None,
        choice(None, *SCHEMES),
        "the tagging scheme of mode='strict': " + ", ".join(SCHEMES),
        sig="scheme",
        hide_default=True,
    )
    suffix: bool = option(False, flag(), "tags carry their prefix last ('PER-B')", sig="suffix", hide_default=True)
    average: str = option("micro", choice(*AVERAGES), "'micro', 'macro' or 'weighted' over entity types", sig="avg")
    zero_division: Any = option(
        "warn", _zero_division, "a 0/0 precision or recall: 0 with a warning ('warn'), 0 or 1", sig="zero_div"
    )
    backend: str = backend_option("every entity of either mode found at once, over all tokens")

    def finish(self, owner: str) -> NerOptions:
        if self.mode == "strict" and self.scheme is None:
            raise InvalidOptionError(
                f"The 'scheme' parameter of {owner} must name the tagging scheme with mode='strict' (one of "
                f"{', '.join(SCHEMES)}). Got None instead."
            )
        if self.mode == "default" and self.scheme is not None:
            raise InvalidOptionError(
                f"The 'scheme' parameter of {owner} applies to mode='strict' only (seqeval's f1_score ignores it in "
                f"its default mode). Got scheme={self.scheme!r} with mode='default'; pass mode='strict' too."
            )
        return self


# -- default mode (seqeval.metrics.sequence_labeling.get_entities, conlleval) ---------------------------

_NE_LETTERS = ("O", "B", "I", "E", "S")


def default_tag(owner: str, tag: Any, suffix: bool, where: str) -> tuple[str, str]:
    """``(letter, type)`` of one tag as seqeval's default mode reads it, or an error for a tag that seqeval
    only warns about ("seems not to be NE tag"): its entities would then depend on the sentence before."""
    if not isinstance(tag, str):
        raise InputError(f"{owner}: {where} must be a str tag, got a {type(tag).__name__}.")
    if tag in _NE_LETTERS:
        ok = True
    elif suffix:
        ok = tag.endswith(("-B", "-I", "-E", "-S"))
    else:
        ok = tag.startswith(("B-", "I-", "E-", "S-"))
    if not ok:
        form = "TYPE-B, TYPE-I, TYPE-E, TYPE-S" if suffix else "B-TYPE, I-TYPE, E-TYPE, S-TYPE"
        raise InputError(
            f"{owner}: {where} is {tag!r}, which the default mode with suffix={suffix} does not read (allowed: "
            f"O, {form}); seqeval warns and goes on. For IOB1, BILOU and other schemes pass mode='strict' and "
            f"the scheme."
        )
    if suffix:
        return tag[-1], tag[:-1].rsplit("-", maxsplit=1)[0] or "_"
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def end_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk ended at the previous token (seqeval's ``end_of_chunk``)."""
    return (
        prev_tag in ("E", "S")
        or (prev_tag in ("B", "I") and tag in ("B", "S", "O"))
        or (prev_tag not in ("O", ".") and prev_type != type_)
    )


def start_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk starts at this token (seqeval's ``start_of_chunk``)."""
    return (
        tag in ("B", "S")
        or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
        or (tag not in ("O", ".") and prev_type != type_)
    )


def default_entities(owner: str, tags: list[str], suffix: bool, side: str, s: int) -> list[tuple[str, int, int]]:
    """``[(type, start, end)]`` (end inclusive) of one sentence, as seqeval's ``get_entities`` (the
    sentence followed by ``O``, as seqeval joins sentences)."""
    chunks = []
    prev_tag, prev_type, begin = "O", "_", 0
    for i, chunk in enumerate([*tags, "O"]):
        tag, type_ = default_tag(owner, chunk, suffix, f"{side}[{s}][{i}]")
        if end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if start_of_chunk(prev_tag, tag, prev_type, type_):
            begin = i
        prev_tag, prev_type = tag, type_
    return chunks


# -- strict mode (seqeval.scheme) ----------------------------------------------------------------------

LETTERS = "IOBESUL"
ANY = frozenset(LETTERS)
# (previous prefixes, current prefixes, type condition) of seqeval.scheme's classes
_SCHEME_PATTERNS: dict[str, tuple[str, tuple, tuple, tuple]] = {
    "IOB1": (
        "IOB",
        (("O", "I", "any"), ("I", "I", "diff"), ("B", "I", "any"), ("I", "B", "same"), ("B", "B", "same")),
        (("B", "I", "same"), ("I", "I", "same")),
        (
            ("I", "I", "diff"),
            ("I", "O", "any"),
            ("I", "B", "any"),
            ("B", "O", "any"),
            ("B", "I", "diff"),
            ("B", "B", "same"),
        ),
    ),
    "IOE1": (
        "IOE",
        (("O", "I", "any"), ("I", "I", "diff"), ("E", "I", "any"), ("E", "E", "same")),
        (("I", "I", "same"), ("I", "E", "same")),
        (("I", "I", "diff"), ("I", "O", "any"), ("I", "E", "diff"), ("E", "I", "same"), ("E", "E", "same")),
    ),
    "IOB2": (
        "IOB",
        ((LETTERS, "B", "any"),),
        (("B", "I", "same"), ("I", "I", "same")),
        (
            ("I", "O", "any"),
            ("I", "I", "diff"),
            ("I", "B", "any"),
            ("B", "O", "any"),
            ("B", "I", "diff"),
            ("B", "B", "any"),
        ),
    ),
    "IOE2": (
        "IOE",
        (
            ("O", "I", "any"),
            ("O", "E", "any"),
            ("E", "I", "any"),
            ("E", "E", "any"),
            ("I", "I", "diff"),
            ("I", "E", "diff"),
        ),
        (("I", "E", "same"), ("I", "I", "same")),
        (("E", LETTERS, "any"),),
    ),
    "IOBES": (
        "IOBES",
        ((LETTERS, "B", "any"), (LETTERS, "S", "any")),
        (("B", "I", "same"), ("B", "E", "same"), ("I", "I", "same"), ("I", "E", "same")),
        (("S", LETTERS, "any"), ("E", LETTERS, "any")),
    ),
    "BILOU": (
        "BILOU",
        ((LETTERS, "B", "any"), (LETTERS, "U", "any")),
        (("B", "I", "same"), ("B", "L", "same"), ("I", "I", "same"), ("I", "L", "same")),
        (("U", LETTERS, "any"), ("L", LETTERS, "any")),
    ),
}


@dataclass(frozen=True)
class Scheme:
    """One scheme's allowed prefixes and its start/inside/end patterns, as lookup tables
    ``table[previous letter][current letter][same type]`` over :data:`LETTERS`."""

    name: str
    allowed: str
    start: Any  # nested tuples: a Python loop indexes them faster than an array
    inside: Any
    end: Any

    @classmethod
    @functools.cache
    def of(cls, name: str) -> Scheme:
        allowed, *patterns = _SCHEME_PATTERNS[name]
        tables = []
        for pattern in patterns:
            table = np.zeros((len(LETTERS), len(LETTERS), 2), dtype=bool)
            for prev, cur, cond in pattern:
                for a in prev:
                    for b in cur:
                        for same in (0, 1):
                            if cond == "any" or (cond == "same") == bool(same):
                                table[LETTERS.index(a), LETTERS.index(b), same] = True
            tables.append(_nested(table.tolist()))
        return cls(name, allowed, *tables)


def _nested(x: Any) -> Any:
    return tuple(_nested(v) for v in x) if isinstance(x, list) else x


def strict_tag(owner: str, tag: Any, suffix: bool, scheme: Scheme, where: str) -> tuple[int, str]:
    """``(letter index, type)`` of one tag as seqeval.scheme's ``Token`` reads it (the type stripped of
    ``-``), or an error naming the tag and where it is when the scheme does not allow its prefix."""
    if not isinstance(tag, str):
        raise InputError(f"{owner}: {where} must be a str tag, got a {type(tag).__name__}.")
    letter = (tag[-1] if suffix else tag[0]) if tag else ""
    if letter not in scheme.allowed or not letter:
        raise InputError(
            f"{owner}: {where} is {tag!r}, whose prefix {letter!r} the {scheme.name} scheme does not allow "
            f"(allowed: {', '.join(scheme.allowed)})."
        )
    type_ = (tag[:-1] if suffix else tag[1:]).strip("-") or "_"
    return LETTERS.index(letter), type_


def strict_entities(
    letters: list[int], types: list[Any], scheme: Scheme, blank: Any = "_"
) -> list[tuple[Any, int, int]]:
    """``[(type, start, end)]`` (end exclusive) of one sentence of checked tags, as
    ``seqeval.scheme.Tokens.entities``: a chunk starts where the start patterns match, runs while the
    inside patterns do, and counts if the end patterns match where it stops. ``blank`` is the type of an
    ``O`` (seqeval's ``'_'``), which the sentence is taken to start after and end before."""
    o = LETTERS.index("O")
    letters, types = [*letters, o], [*types, blank]
    start, inside, end_ = scheme.start, scheme.inside, scheme.end
    out = []
    n = len(letters)
    i = 0
    prev_letter, prev_type = o, blank
    while i < n:
        letter, type_ = letters[i], types[i]
        if start[prev_letter][letter][prev_type == type_]:
            j, pl, pt = i + 1, letter, type_
            while j < n and inside[pl][letters[j]][pt == types[j]]:
                pl, pt = letters[j], types[j]
                j += 1
            if end_[letters[j - 1]][letters[j]][types[j - 1] == types[j]]:
                out.append((type_, i, j))
            i = j
        else:
            i += 1
        prev_letter, prev_type = letters[i - 1], types[i - 1]
    return out


# -- formula ------------------------------------------------------------------------------------------


def check_totals(owner: str, totals: Any, n_types: int) -> np.ndarray:
    totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
    if totals.shape[1] != HEAD + 3 * n_types:
        raise InputError(
            f"{owner}: a total for {n_types} entity types has {HEAD + 3 * n_types} numbers; got {totals.shape[1]}."
        )
    return totals


def per_type(totals: np.ndarray, zero_division: Any) -> tuple[np.ndarray, ...]:
    """``(precision, recall, f1, tp, pred, true)`` per total and type (``(m, K)`` each), as seqeval's
    ``_prf_divide``: a 0/0 is ``zero_division`` (0 for 'warn'); F1's 0/0 is 0."""
    counts = totals[:, HEAD:].reshape(len(totals), -1, 3)
    tp, pred, true = counts[..., 0], counts[..., 1], counts[..., 2]
    p, r, f = prf(tp, pred, true, zero_division)
    return p, r, f, tp, pred, true


def prf(tp: np.ndarray, pred: np.ndarray, true: np.ndarray, zero_division: Any) -> tuple[np.ndarray, ...]:
    undefined = 0.0 if zero_division in ("warn", 0) else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(pred == 0, undefined, tp / np.where(pred == 0, 1, pred))
        r = np.where(true == 0, undefined, tp / np.where(true == 0, 1, true))
        denom = p + r
        f = 2 * p * r / np.where(denom == 0, 1, denom)
    return p, r, f


def averaged(totals: np.ndarray, average: str, zero_division: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(precision, recall, f1)`` of each total averaged as seqeval's ``precision_recall_fscore_support``
    (macro over no type at all is NaN, as numpy's mean of nothing)."""
    p, r, f, tp, pred, true = per_type(totals, zero_division)
    if average == "micro":
        return prf(tp.sum(1), pred.sum(1), true.sum(1), zero_division)
    if average == "macro":
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return p.mean(1), r.mean(1), f.mean(1)
    support = true.sum(1)
    undefined = 0.0 if zero_division in ("warn", 0) else 1.0
    none_predicted = pred.sum(1) == 0
    with np.errstate(invalid="ignore", divide="ignore"):  # numpy's average: sum(x * w) / sum(w)
        out = [(x * true).sum(1) / np.where(support == 0, 1, support) for x in (p, r, f)]
    # seqeval's values where no entity is true
    empty = support == 0
    out[0] = np.where(empty, np.where(none_predicted, undefined, 0.0), out[0])
    out[1] = np.where(empty, undefined, out[1])
    out[2] = np.where(empty, np.where(none_predicted, undefined, 0.0), out[2])
    return out[0], out[1], out[2]


def warn_undefined(owner: str, total: np.ndarray, average: str) -> None:
    """seqeval's ``'warn'``: a precision or recall of no predicted or no true entity was set to 0."""
    *_, pred, true = per_type(total[None, :], "warn")
    if average == "micro":
        pred, true = pred.sum(1, keepdims=True), true.sum(1, keepdims=True)
    if (pred == 0).any() or (true == 0).any():
        warnings.warn(
            f"{owner}: precision or recall is ill-defined (no predicted or no true entity) for some type and set "
            f"to 0.0; use the zero_division parameter to control this.",
            UndefinedMetricWarning,
            stacklevel=4,
        )


__all__ = [
    "AVERAGES",
    "HEAD",
    "SCHEMES",
    "NerOptions",
    "Scheme",
    "averaged",
    "check_totals",
    "default_entities",
    "default_tag",
    "end_of_chunk",
    "per_type",
    "prf",
    "start_of_chunk",
    "strict_entities",
    "strict_tag",
]
