"""The WER family's options, text transforms, types and formulas: what the python and fast backends share.

Neither backend imports the other; both import this module. It holds:

- :class:`WerOptions`, the one declaration of the options of WER, MER, WIL and WIP: ``units``,
  ``transform``, ``backend`` (and :class:`CerOptions`, CER's, whose units are characters);
- the **transforms**, jiwer 4's string transformations under names (``"lowercase"``,
  ``"remove_punctuation"``, ...), each giving exactly the string jiwer's class gives, and the presets
  ``"default"`` (jiwer's ``wer_default`` / ``cer_default``), ``"standardize"`` (``wer_standardize``) and
  ``"none"``; then the split into **units**: words (jiwer's ``ReduceToListOfListOfWords``: split on
  ``" "``, empty strings dropped) or characters (``ReduceToListOfListOfChars``);
- the alignment of one pair as :func:`evalkit.text.wer.align_words` returns it (:class:`Alignment`,
  :class:`Opcode`), whichever backend aligned it;
- the **scores** of statistics rows ``[hits, substitutions, deletions, insertions]``, vectorized, with
  jiwer's ``process_words`` operations in jiwer's order (so the floats are jiwer's, bit for bit), its
  empty-reference cases included.

A row's counts give every length: reference units ``N = H + S + D``, hypothesis units ``M = H + S + I``.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, choice, option

#: the columns of a statistics row
LAYOUT = ("hits", "substitutions", "deletions", "insertions")
MEASURES = ("wer", "cer", "mer", "wil", "wip")
UNITS = ("words", "chars")

# -- transforms ----------------------------------------------------------------------------------
# Each is the process_string of the jiwer 4 class named beside it (jiwer/transforms.py).

_MULTIPLE_SPACES = re.compile(r"\s\s+")  # RemoveMultipleSpaces: Unicode whitespace runs of two or more
_KALDI_NON_WORDS = re.compile(r"[<\[][^>\]]*[>\]]")  # RemoveKaldiNonWords: [laugh], <unk>
# ExpandCommonEnglishContractions, in jiwer's order (the specific words first)
_CONTRACTIONS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"won't", "will not"),
        (r"can\'t", "can not"),
        (r"let\'s", "let us"),
        (r"n\'t", " not"),
        (r"\'re", " are"),
        (r"\'s", " is"),
        (r"\'d", " would"),
        (r"\'ll", " will"),
        (r"\'t", " not"),
        (r"\'ve", " have"),
        (r"\'m", " am"),
    )
)
# RemoveWhiteSpace removes (or replaces by a space) Python's string.whitespace: ASCII only
_ASCII_WHITESPACE = " \t\n\r\x0b\x0c"
_DELETE_WHITESPACE = str.maketrans("", "", _ASCII_WHITESPACE)
_WHITESPACE_TO_SPACE = str.maketrans(_ASCII_WHITESPACE, " " * len(_ASCII_WHITESPACE))


@functools.lru_cache(maxsize=1)
def _punctuation_table() -> dict[int, None]:
    """RemovePunctuation's characters: every code point whose Unicode category starts with ``P``.

    jiwer removes them one ``str.replace`` at a time; deleting them in one ``translate`` gives the same
    string (removing a character cannot form another), some hundred times faster.
    """
    return {c: None for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c))[0] == "P"}


def _remove_punctuation(s: str) -> str:
    return s.translate(_punctuation_table())


def _expand_contractions(s: str) -> str:
    for pattern, replacement in _CONTRACTIONS:
        s = pattern.sub(replacement, s)
    return s


@functools.cache
def _whisper_normalizer(kind: str) -> Callable[[str], str]:
    """Whisper's ``BasicTextNormalizer`` or ``EnglishTextNormalizer`` (:mod:`evalkit.tokenizers.whisper`),
    built on first use: the English one reads its spelling list."""
    from evalkit.tokenizers import whisper

    return whisper.EnglishTextNormalizer() if kind == "english" else whisper.BasicTextNormalizer()


#: the named steps, in jiwer's terms (its class in the comment)
STEPS: dict[str, Callable[[str], str]] = {
    "lowercase": str.lower,  # ToLowerCase
    "uppercase": str.upper,  # ToUpperCase
    "remove_punctuation": _remove_punctuation,  # RemovePunctuation
    "remove_multiple_spaces": lambda s: _MULTIPLE_SPACES.sub(" ", s),  # RemoveMultipleSpaces
    "strip": str.strip,  # Strip
    "remove_whitespace": lambda s: s.translate(_DELETE_WHITESPACE),  # RemoveWhiteSpace()
    "whitespace_to_space": lambda s: s.translate(_WHITESPACE_TO_SPACE),  # RemoveWhiteSpace(replace_by_space=True)
    "expand_contractions": _expand_contractions,  # ExpandCommonEnglishContractions
    "remove_kaldi_non_words": lambda s: _KALDI_NON_WORDS.sub("", s),  # RemoveKaldiNonWords
    # Whisper's normalisers, equal to the whisper-normalizer package's (whisper_normalizer.basic / .english)
    "whisper_basic": lambda s: _whisper_normalizer("basic")(s),  # BasicTextNormalizer()
    "whisper_english": lambda s: _whisper_normalizer("english")(s),  # EnglishTextNormalizer()
}

_STANDARDIZE = (
    "lowercase",
    "expand_contractions",
    "remove_kaldi_non_words",
    "whitespace_to_space",
    "remove_multiple_spaces",
    "strip",
)
#: the presets, by units: jiwer's wer_default / cer_default, wer_standardize, and no step at all
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "default": {"words": ("remove_multiple_spaces", "strip"), "chars": ("strip",)},
    "standardize": {"words": _STANDARDIZE, "chars": _STANDARDIZE},
    "none": {"words": (), "chars": ()},
}

# a line with no whitespace but " " splits by str.split() exactly as wer_default splits it
_OTHER_WHITESPACE = re.compile(r"[^\S ]")
_ASCII_OTHER_WHITESPACE = tuple(c for c in map(chr, range(128)) if c.isspace() and c != " ")


def apply_steps(line: str, steps: Sequence[str]) -> str:
    """``line`` through the named steps, in order.

    Example:
        >>> apply_steps("  Hello,   World! ", ("lowercase", "remove_punctuation", "remove_multiple_spaces", "strip"))
        'hello world'
    """
    for step in steps:
        line = STEPS[step](line)
    return line


def split_units(line: str, units: str) -> list[str]:
    """jiwer's reduction of a transformed line: words split on ``" "`` (empty strings dropped), or its
    characters (spaces included).

    Example:
        >>> split_units("a  b\\tc", "words"), split_units("a b", "chars")
        (['a', 'b\\tc'], ['a', ' ', 'b'])
    """
    if units == "words":
        return [w for w in line.split(" ") if w]
    return list(line)


def plain_spaces(lines: Sequence[str]) -> bool:
    """Whether no line holds whitespace other than ``" "`` (then ``str.split()`` gives wer_default's words).

    Example:
        >>> plain_spaces(["a b", "c  d"]), plain_spaces(["a\\tb"]), plain_spaces(["a\\u3000b"])
        (True, False, False)
    """
    text = "".join(lines)
    if text.isascii():  # a few substring searches, where a regular expression would visit every character
        return not any(c in text for c in _ASCII_OTHER_WHITESPACE)
    return _OTHER_WHITESPACE.search(text) is None


# -- options -------------------------------------------------------------------------------------


def _qualified_name(fn: Callable) -> str:
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"{module}.{name}" if module and module != "builtins" else name


def _checked_transform(owner: str, name: str, value: Any) -> Any:
    """A preset or step name as it is, a sequence of them as a tuple, or a callable; else an error."""
    if callable(value):
        return value
    names = [value] if isinstance(value, str) else value
    allowed = (*PRESETS, *STEPS)
    if (
        isinstance(names, (bytes, dict, set, frozenset))
        or not isinstance(names, Sequence)
        or not all(isinstance(n, str) and n in allowed for n in names)
    ):
        raise InvalidOptionError(
            f"The '{name}' parameter of {owner} must be a preset ({', '.join(map(repr, PRESETS))}), "
            f"a sequence of step names and presets (steps: {', '.join(map(repr, STEPS))}), or a callable "
            f"str -> list[str]. Got {value!r} instead."
        )
    return value if isinstance(value, str) else tuple(names)


@dataclass(frozen=True)
class CerOptions(Options):
    """CER's options, declared once: the transform and the backend; its units are characters (CER takes no
    ``units``; ``WER(units="chars")`` is the same number). :class:`WerOptions` adds ``units``."""

    #: the units aligned (an option of :class:`WerOptions`)
    units: ClassVar[str] = "chars"

    transform: str | tuple[str, ...] | Callable[[str], Sequence[str]] = option(
        "default",
        _checked_transform,
        "a preset ('default': jiwer's wer_default, on characters cer_default; 'standardize': jiwer's "
        "wer_standardize; 'none'), a sequence of step names (STEPS) and presets applied in order, or a callable "
        "str -> list[str] returning the units itself (a merge then takes only metrics with the same object)",
        sig="transform",
    )
    backend: str = backend_option("rapidfuzz")

    def signature_items(self) -> dict[str, Any]:
        # a callable transform makes its own units; the transform shows as its preset, steps or name
        units = "custom" if self.custom is not None else self.units
        items = {key: value for key, value in super().signature_items().items() if key != "units"}
        return {"units": units, **items, "transform": self.transform_label}

    @functools.cached_property
    def steps(self) -> tuple[str, ...] | None:
        """The named steps, presets expanded (``None`` for a callable transform)."""
        if callable(self.transform):
            return None
        names = (self.transform,) if isinstance(self.transform, str) else self.transform
        return tuple(step for name in names for step in (PRESETS[name][self.units] if name in PRESETS else (name,)))

    @property
    def custom(self) -> Callable[[str], Sequence[str]] | None:
        """The user's callable transform, or ``None``."""
        return self.transform if self.steps is None else None

    @property
    def transform_label(self) -> str:
        """The transform as the signature shows it: a preset's name where the steps are a preset's,
        the steps joined by ``+``, or ``custom(module.name)``."""
        if self.steps is None:
            return f"custom({_qualified_name(self.transform)})"
        for name, by_units in PRESETS.items():
            if self.steps == by_units[self.units]:
                return name
        return "+".join(self.transform if isinstance(self.transform, tuple) else (self.transform,))

    @property
    def default_words(self) -> bool:
        """Whether the transform is jiwer's wer_default on words (the fast ``str.split`` path may apply)."""
        return self.units == "words" and self.steps == PRESETS["default"]["words"]

    def tokens(self, line: str, owner: str = "wer") -> list[str]:
        """The units of one line, as jiwer's transform gives them (the readable path, one line at a time);
        ``owner`` is the name an error of a callable transform gives."""
        if self.steps is None:
            return custom_tokens(owner, self.transform, line)
        return split_units(apply_steps(line, self.steps), self.units)


@dataclass(frozen=True)
class WerOptions(CerOptions):
    """The options of WER, MER, WIL and WIP, declared once: CER's, and the units.

    Example:
        >>> o = WerOptions.parse("wer", {"transform": ["lowercase", "default"]})
        >>> o.steps, o.transform_label
        (('lowercase', 'remove_multiple_spaces', 'strip'), 'lowercase+default')
    """

    units: str = option(  # type: ignore[misc]
        "words",
        choice(*UNITS),
        "the units aligned: 'words', or 'chars' (for languages written without spaces: Chinese, Japanese, Thai)",
        sig="units",
    )


def custom_tokens(owner: str, fn: Callable, line: str) -> list[str]:
    """``fn(line)``, checked to be a list (or tuple) of str."""
    out = fn(line)
    if not isinstance(out, (list, tuple)) or not all(isinstance(t, str) for t in out):
        raise InputError(
            f"{owner}: the 'transform' callable must return a list of str (the units to align) for each line; "
            f"for {line!r:.40} it returned {out!r:.60}."
        )
    return list(out)


# -- choosing among references -------------------------------------------------------------------


def best_reference(rows: Sequence[Sequence[int]]) -> int:
    """The index of the reference a segment keeps: the fewest errors ``S + D + I``, then the longest
    reference (the lower rate), then the first listed.

    Example:
        >>> best_reference([(3, 1, 0, 0), (2, 0, 0, 1), (4, 0, 1, 0)])  # 1 error each: the 5-word one
        2
    """
    best, key = 0, None
    for k, (h, s, d, i) in enumerate(rows):
        candidate = (s + d + i, -(h + s + d))
        if key is None or candidate < key:
            best, key = k, candidate
    return best


# -- alignments (align_words) -------------------------------------------------------------------


class Opcode(NamedTuple):
    """One run of the alignment, as jiwer's ``AlignmentChunk``: ``reference[ref_start:ref_end]`` and
    ``hypothesis[hyp_start:hyp_end]`` are equal, substituted, deleted (no hypothesis units) or inserted
    (no reference units)."""

    tag: str  # "equal", "substitute", "delete", "insert"
    ref_start: int
    ref_end: int
    hyp_start: int
    hyp_end: int


@dataclass(frozen=True)
class Alignment:
    """The alignment of one hypothesis with its reference: the units and the opcodes.

    ``str()`` draws it as jiwer's ``visualize_alignment`` draws a sentence (``REF:``, ``HYP:`` and a line
    marking ``S``, ``D``, ``I``); :meth:`pairs` lists it one aligned position at a time.
    """

    reference: tuple[str, ...]
    hypothesis: tuple[str, ...]
    opcodes: tuple[Opcode, ...]
    units: str

    def _count(self, tag: str) -> int:
        return sum(max(o.ref_end - o.ref_start, o.hyp_end - o.hyp_start) for o in self.opcodes if o.tag == tag)

    @property
    def hits(self) -> int:
        return self._count("equal")

    @property
    def substitutions(self) -> int:
        return self._count("substitute")

    @property
    def deletions(self) -> int:
        return self._count("delete")

    @property
    def insertions(self) -> int:
        return self._count("insert")

    def pairs(self) -> list[tuple[str, str | None, str | None]]:
        """``(tag, reference unit, hypothesis unit)`` for every aligned position (``None``: no unit)."""
        out: list[tuple[str, str | None, str | None]] = []
        for o in self.opcodes:
            refs, hyps = self.reference[o.ref_start : o.ref_end], self.hypothesis[o.hyp_start : o.hyp_end]
            for k in range(max(len(refs), len(hyps))):
                out.append((o.tag, refs[k] if k < len(refs) else None, hyps[k] if k < len(hyps) else None))
        return out

    def __str__(self) -> str:
        ref, hyp, marks = ["REF:"], ["HYP:"], ["    "]
        for tag, r, h in self.pairs():
            width = max(len(r or ""), len(h or ""), 1)
            ref.append("*" * width if r is None else f"{r:>{width}}")
            hyp.append("*" * width if h is None else f"{h:>{width}}")
            marks.append(f"{' ' if tag == 'equal' else tag[0].upper():>{width}}")
        sep = " " if self.units == "words" else ""
        lines = [
            ref[0] + " " + sep.join(ref[1:]),
            hyp[0] + " " + sep.join(hyp[1:]),
            marks[0] + " " + sep.join(marks[1:]),
        ]
        return "\n".join(line.rstrip() if k == 2 else line for k, line in enumerate(lines))


# -- scores --------------------------------------------------------------------------------------


def measure_scores(totals: np.ndarray, measure: str) -> np.ndarray:
    """The measure of each row of summed counts, as jiwer's ``process_words`` computes it.

    With ``N = H + S + D`` reference units, ``M = H + S + I`` hypothesis units, ``E = S + D + I``:

    - WER (and CER) ``= E / N``; with no reference unit at all jiwer returns ``E`` (the inserted units),
      so the value is ``E / max(N, 1)``;
    - MER ``= E / (H + S + D + I)``: 0 when there is nothing on either side;
    - WIP ``= (H / N) * (H / M)``: 0 when either side is empty, 1 when both are; WIL ``= 1 - WIP``.

    Example:
        >>> t = np.array([[5, 2, 1, 2], [0, 0, 0, 3], [0, 0, 0, 0]])  # WIP of row 0: (5/8)(5/9)
        >>> measure_scores(t, "wer").tolist(), measure_scores(t, "mer").tolist(), measure_scores(t, "wip").tolist()
        ([0.625, 3.0, 0.0], [0.5, 1.0, 0.0], [0.3472222222222222, 0.0, 1.0])
    """
    h, s, d, i = (totals[:, k].astype(np.float64) for k in range(4))
    n, m, e = h + s + d, h + s + i, s + d + i
    if measure in ("wer", "cer"):
        return e / np.maximum(n, 1.0)
    if measure == "mer":
        return e / np.maximum(n + i, 1.0)
    both = (n > 0) & (m > 0)
    # jiwer's (float(H) / N) * (float(H) / M): two divisions, then the product
    wip = np.where(both, (h / np.where(both, n, 1.0)) * (h / np.where(both, m, 1.0)), 0.0)
    wip = np.where((n == 0) & (m == 0), 1.0, wip)
    return wip if measure == "wip" else 1.0 - wip


__all__ = [
    "LAYOUT",
    "MEASURES",
    "PRESETS",
    "STEPS",
    "UNITS",
    "Alignment",
    "CerOptions",
    "Opcode",
    "WerOptions",
    "apply_steps",
    "best_reference",
    "custom_tokens",
    "measure_scores",
    "plain_spaces",
    "split_units",
]
