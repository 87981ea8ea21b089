"""``13a`` and ``intl``: the tokenizers of the mteval scripts, exactly as sacrebleu 2.x implements them.

``13a`` (the default for BLEU) is mteval-v13a's: unescape a few HTML entities, split off ASCII
punctuation and symbols, split periods and commas unless they sit between digits, split a dash that
follows a digit. ``intl`` is mteval-v14's international tokenizer: split Unicode punctuation unless it sits
between digits, split every Unicode symbol.

Both reproduce sacrebleu's ``Tokenizer13a`` and ``TokenizerV14International`` token for token, including
their quirks (sacrebleu's regexes apply in sequence, each consuming the characters it matches, so a
second period right after a first is treated differently from a lone one). The tests check identity on
every WordNet gloss and on generated Unicode text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import regex

from evalkit.tokenizers._joined import join_lines
from evalkit.tokenizers.base import Tokenizer, register_tokenizer

# sacrebleu's TokenizerRegexp, minus the space in the first class: padding a space with spaces changes
# no token, and skipping the millions of spaces makes the pass several times faster.
_PUNCT = r"\{-\~\[-\`\!-\&\(-\+\:-\@\/"


@lru_cache(maxsize=8)
def _mteval_rules(sep: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """mteval's four substitutions, with ``sep`` (when given) excluded from every negated class so that a
    batch joined with ``sep`` tokenizes line by line."""
    return (
        (re.compile(f"([{_PUNCT}])"), r" \1 "),
        # period and comma unless preceded by a digit
        (re.compile(f"([^0-9{sep}])([\\.,])"), r"\1 \2 "),
        # period and comma unless followed by a digit
        (re.compile(f"([\\.,])([^0-9{sep}])"), r" \1 \2"),
        # dash when preceded by a digit; the regex module finds the literal dash much faster than re
        (regex.compile(r"([0-9])(-)"), r"\1 \2 "),
    )


def mteval_rules(text: str, sep: str = "") -> str:
    """The language-dependent part of mteval-v13a (sacrebleu's ``TokenizerRegexp``) on ``text``, up to
    runs of spaces."""
    for pattern, repl in _mteval_rules(sep):
        text = pattern.sub(repl, text)
    return text


_PUNCT_TABLE = np.zeros(128, dtype=bool)
_PUNCT_TABLE[[ord(c) for c in '{|}~[\\]^_`!"#$%&()*+:;<=>?@/']] = True
_DASH, _PERIOD, _COMMA, _SPACE = 45, 46, 44, 32


def _is_digit(codes: np.ndarray) -> np.ndarray:
    return (codes >= 48) & (codes <= 57)  # ASCII 0-9 only, as the [0-9] of the rules


def _mteval_rules_numpy(text: str) -> str:
    """:func:`mteval_rules` on a text that starts and ends with a space (13a's padding), vectorized.

    The four substitutions only insert spaces, so the result is the text with spaces inserted before
    and after certain characters: every ASCII punctuation character of the first class; a dash that
    follows a digit; and periods and commas, which the second and third substitutions split apart
    according to the run of periods and commas they belong to. Their scans consume the characters they
    match, so within a run of length ``k`` preceded by ``y``, the second rule pairs (y, p1), (p2, p3), ...
    when ``y`` is not a digit and (p1, p2), (p3, p4), ... when it is; every paired character ends up a
    token of its own, and the one left unpaired stays attached to the digit that follows it, if any (and
    to ``y`` too when it is the only one).
    """
    if text.isascii():
        codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        encoding = "ascii"
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        encoding = "utf-32-le"
    ascii_codes = codes if codes.dtype == np.uint8 else np.where(codes < 128, codes, 0)
    # positions of the characters that get a space on both sides (or one side, for periods and commas)
    punct = np.flatnonzero(_PUNCT_TABLE[ascii_codes])
    dash = np.flatnonzero(codes == _DASH)
    dash = dash[_is_digit(codes[dash - 1])]
    stop = np.flatnonzero((codes == _PERIOD) | (codes == _COMMA))
    if stop.size:
        is_start = np.r_[True, stop[1:] != stop[:-1] + 1]
        run = np.cumsum(is_start) - 1
        starts = stop[is_start]
        is_end = np.r_[is_start[1:], True]
        ends = stop[is_end] + 1
        length = (ends - starts)[run]
        y_digit = _is_digit(codes[starts - 1])[run]
        z_digit = _is_digit(codes[ends])[run]
        # the unpaired last character of its run, followed by a digit
        attached = is_end & (y_digit == (length % 2 == 1)) & z_digit
        stop_before = stop[~attached | (length >= 2)]
        stop_after = stop[~attached]
    else:
        stop_before = stop_after = stop
    where = np.concatenate([punct, punct + 1, dash, dash + 1, stop_before, stop_after + 1])
    out = np.insert(codes, np.sort(where), _SPACE)
    return out.tobytes().decode(encoding, "surrogatepass")


_ENTITY = re.compile("&(?:quot|amp|lt|gt);")


def _unescape_13a(text: str) -> str:
    # sacrebleu's replacements, in its order; each is skipped where a one-character scan (or one regex
    # search for the four entities) shows that it cannot match: on a corpus of megabytes, each
    # str.replace is a full pass
    if "<" in text:
        text = text.replace("<skipped>", "")
    if "\n" in text:
        text = text.replace("-\n", "").replace("\n", " ")
    if _ENTITY.search(text):  # the entities are replaced in sequence ("&amp;lt;" becomes "<")
        text = text.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return text


@register_tokenizer
class Tokenizer13a(Tokenizer):
    """mteval-v13a, sacrebleu's default BLEU tokenizer.

    Example:
        >>> Tokenizer13a()("Hello, world: 3.14 &amp; 1-2 e.g.")
        ['Hello', ',', 'world', ':', '3.14', '&', '1', '-', '2', 'e', '.', 'g', '.']
    """

    name = "13a"

    def __call__(self, line: str) -> list[str]:
        return mteval_rules(f" {_unescape_13a(line)} ").split()

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        joined = join_lines(lines, pad=" ")
        if joined is None:
            return None
        text, sep = joined
        # The replacements hold no separator, so they cannot reach across lines; the separator, padded
        # with spaces like every line, is never next to a period, comma or dash.
        return _mteval_rules_numpy(_unescape_13a(text)), sep


@lru_cache(maxsize=8)
def _intl_rules(sep: str) -> tuple[tuple[regex.Pattern[str], str], ...]:
    return (
        # punctuation preceded by a non-digit
        (regex.compile(f"([^\\p{{N}}{sep}])(\\p{{P}})"), r"\1 \2 "),
        # punctuation followed by a non-digit
        (regex.compile(f"(\\p{{P}})([^\\p{{N}}{sep}])"), r" \1 \2"),
        # every symbol
        (regex.compile(r"(\p{S})"), r" \1 "),
    )


@register_tokenizer
class TokenizerIntl(Tokenizer):
    """mteval-v14's international tokenizer (sacrebleu's ``intl``).

    Like mteval-v14, a number followed by a period at the end of the line keeps the period
    (``"in 1999."`` gives ``'1999.'``): the line is not padded with spaces.

    Example:
        >>> TokenizerIntl()("«Bonjour», 3,5 € — 1999.")
        ['«', 'Bonjour', '»', ',', '3,5', '€', '—', '1999.']
    """

    name = "intl"

    def __call__(self, line: str) -> list[str]:
        for pattern, repl in _intl_rules(""):
            line = pattern.sub(repl, line)
        return line.split()

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        joined = join_lines(lines)
        if joined is None:
            return None
        text, sep = joined
        for pattern, repl in _intl_rules(sep):
            text = pattern.sub(repl, text)
        return text.replace(sep, f" {sep} "), sep
