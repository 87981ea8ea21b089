"""What both TER backends share: the options, tercom's limits, its tokenizer and the score of summed
statistics.

:class:`TEROptions` is the one declaration of TER's options. The constants are sacrebleu's
(``sacrebleu.metrics.lib_ter``), themselves tercom's limits; the tokenizer is sacrebleu's
``TercomTokenizer`` (a port of tercom's ``Normalizer.java``) with the same regular expressions, applied
after sacrebleu's ``TER._preprocess_segment`` strips trailing whitespace. Neither backend imports the
other; both import this module.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.options import Options, flag, option
from evalkit.text._base import case_name

#: the columns of a statistics row
LAYOUT = ("num_edits", "ref_length")

#: the longest block of words a shift moves (tercom's ``MAX_SHIFT_SIZE``)
MAX_SHIFT_SIZE = 10
#: the farthest apart the hypothesis and reference positions of a shifted block may start
MAX_SHIFT_DIST = 50
#: half-width of the band of the edit-distance matrix computed around its (length-scaled) diagonal
BEAM_WIDTH = 25
#: shift candidates evaluated per hypothesis-reference pair, over all shift rounds; the round that
#: reaches it is dropped (sacrebleu's own limit, not tercom's)
MAX_SHIFT_CANDIDATES = 1000


def beam_width(n_hyp: int, n_ref: int) -> tuple[float, int]:
    """``(length_ratio, beam)`` of sacrebleu's ``BeamEditDistance._edit_distance``.

    Row ``i`` of the matrix (``i`` hypothesis words) holds columns
    ``floor(i * ratio) - beam <= j < floor(i * ratio) + beam``; the last row holds every column. Very
    unequal lengths widen the beam so that consecutive rows still overlap.
    """
    ratio = n_ref / n_hyp if n_hyp else 1
    if ratio / 2 > BEAM_WIDTH:
        return ratio, math.ceil(ratio / 2 + BEAM_WIDTH)
    return ratio, BEAM_WIDTH


def perform_shift(words: Sequence, start: int, length: int, target: int) -> Sequence:
    """sacrebleu's ``_perform_shift``: ``words`` (a list, or a str of coded words) with the block
    ``words[start:start+length]`` moved before position ``target``.

    A target inside the block moves it right by ``target - start`` words (sacrebleu's third case).

    Example:
        >>> perform_shift("abcde", 3, 2, 0), perform_shift("abcde", 0, 2, 4), perform_shift("abcde", 0, 2, 1)
        ('deabc', 'cdabe', 'cabde')
    """
    block = words[start : start + length]
    if target < start:
        return words[:target] + block + words[target:start] + words[start + length :]
    if target > start + length:
        return words[:start] + words[start + length : target] + block + words[target:]
    return words[:start] + words[start + length : length + target] + block + words[length + target :]


# -- the tercom tokenizer ------------------------------------------------------------------------

_ASIAN_PUNCT = r"([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])"
_FULL_WIDTH_PUNCT = r"([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])"

# sacrebleu's rules in its order, each applied to the result of the one before. Its first ones are
# literal patterns (re.sub of a literal is str.replace), and its punctuation rule, r"([{-~[-` -&(-+:-@/])"
# -> r" \1 ", pads single characters: a translation table, without a Python call per match
_GENERAL_AND_WESTERN = [
    ("\n-", ""),  # end-of-line hyphenation
    ("\n", " "),
    ("&quot;", '"'),
    ("&amp;", "&"),
    ("&lt;", "<"),
    ("&gt;", ">"),
]
_PUNCTUATION = "{|}~" + "[\\]^_`" + ' !"#$%&' + "()*+" + ":;<=>?@" + "/"  # tercom's ASCII ranges
_PAD_PUNCTUATION = str.maketrans({c: f" {c} " for c in _PUNCTUATION})
_WESTERN_AFTER_PADDING = [
    (r"'s ", r" 's "),  # possessives
    (r"'s$", r" 's"),
    (r"([^0-9])([\.,])", r"\1 \2 "),  # period and comma unless preceded by a digit
    (r"([\.,])([^0-9])", r" \1 \2"),  # ... unless followed by a digit
    (r"([0-9])(-)", r"\1 \2 "),  # a dash after a digit
]
_ASIAN = [
    (r"([\u4e00-\u9fff\u3400-\u4dbf])", r" \1 "),  # CJK unified ideographs (and extension A)
    (r"([\u31c0-\u31ef\u2e80-\u2eff])", r" \1 "),  # CJK strokes, radicals
    (r"([\u3300-\u33ff\uf900-\ufaff\ufe30-\ufe4f])", r" \1 "),  # CJK compatibility blocks
    (r"([\u3200-\u3f22])", r" \1 "),  # enclosed CJK letters and months (and on, as sacrebleu's range)
    # Hiragana, Katakana, Katakana phonetic extensions. sacrebleu's patterns, kept as they are: "^" and
    # the lookahead's "$" only let them match a line that is kana from start to end, and the padding
    # spaces added above mean that never happens (kana stays unsplit, as in sacrebleu)
    (r"(^|^[\u3040-\u309f])([\u3040-\u309f]+)(?=$|^[\u3040-\u309f])", r"\1 \2 "),
    (r"(^|^[\u30a0-\u30ff])([\u30a0-\u30ff]+)(?=$|^[\u30a0-\u30ff])", r"\1 \2 "),
    (r"(^|^[\u31f0-\u31ff])([\u31f0-\u31ff]+)(?=$|^[\u31f0-\u31ff])", r"\1 \2 "),
    (_ASIAN_PUNCT, r" \1 "),
    (_FULL_WIDTH_PUNCT, r" \1 "),
]
_PUNCT = r"[\.,\?:;!\"\(\)]"


def _compiled(rules: list[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), r) for p, r in rules]


_WESTERN_RE = _compiled(_WESTERN_AFTER_PADDING)
_ASIAN_RE = _compiled(_ASIAN)
_PUNCT_RE = re.compile(_PUNCT)
_ASIAN_PUNCT_RE = [re.compile(_ASIAN_PUNCT), re.compile(_FULL_WIDTH_PUNCT)]


@dataclass(frozen=True)
class TercomTokenizer:
    """sacrebleu's ``TercomTokenizer`` (and ``TER._preprocess_segment``): a line to its words.

    Example:
        >>> TercomTokenizer(normalized=True)("The cat's hat, 3.5 &amp; more.  ")
        ['the', 'cat', "'s", 'hat', ',', '3.5', '&', 'more', '.']
        >>> TercomTokenizer(no_punct=True, case_sensitive=True)("Hello, (world)!")
        ['Hello', 'world']
    """

    normalized: bool = False
    no_punct: bool = False
    asian_support: bool = False
    case_sensitive: bool = False

    def __call__(self, line: str) -> list[str]:
        sent = line.rstrip()
        if not sent:
            return []
        if not self.case_sensitive:
            sent = sent.lower()
        if self.normalized:
            for literal, repl in _GENERAL_AND_WESTERN:
                sent = sent.replace(literal, repl)
            sent = f" {sent} ".translate(_PAD_PUNCTUATION)
            for pattern, repl in _WESTERN_RE:
                sent = pattern.sub(repl, sent)
            if self.asian_support:
                for pattern, repl in _ASIAN_RE:
                    sent = pattern.sub(repl, sent)
        if self.no_punct:
            sent = _PUNCT_RE.sub("", sent)
            if self.asian_support:
                for pattern in _ASIAN_PUNCT_RE:
                    sent = pattern.sub("", sent)
        # sacrebleu joins the words with single spaces and TER splits them again: the words are split()'s
        return sent.split()

    @property
    def plain(self) -> bool:
        """Whether the words are only the (lowercased) line's ``split()``: no regular expression applies."""
        return not (self.normalized or self.no_punct)

    def batch(self, lines: Sequence[str], *, references: bool = False) -> list[list[str]]:
        """``[self(line) for line in lines]``; without normalization or punctuation removal, in C loops.

        ``references``: sacrebleu's TER tokenizes each reference twice (``Metric._cache_references``, then
        ``TER._extract_reference_info``), and the second pass can split again what the first one joined
        (``a's我`` -> ``a's 我`` -> ``a 's 我``): the words of a reference are those of that second pass.
        """
        if not self.plain:
            if references:
                return [self(" ".join(self(line))) for line in lines]
            return [self(line) for line in lines]
        # rstrip() then split() is split(): trailing whitespace makes no word, and an empty line none
        if self.case_sensitive:
            return list(map(str.split, lines))
        return [line.lower().split() for line in lines]


# -- options -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TEROptions(Options):
    """TER's options, declared once (sacrebleu's ``TER`` names and defaults).

    Example:
        >>> o = TEROptions.parse("ter", {"no_punct": True})
        >>> o.tokenizer("Hello, world!"), str(o.signature("ter")).split("|version")[0]
        (['hello', 'world'], 'case:lc|tok:tercom|norm:no|punct:no|asian:no')
    """

    # sacrebleu's order of the signature's fields
    signature_order: ClassVar[tuple[str, ...]] = ("case_sensitive", "normalized", "no_punct", "asian_support")

    normalized: bool = option(
        False, flag(), "tercom's normalization: XML entities, punctuation split off, possessives", sig="norm"
    )
    no_punct: bool = option(
        False,
        flag(),
        'remove punctuation (. , ? : ; ! " ( ), and CJK punctuation with asian_support)',
        sig="punct",
        show=operator.not_,
    )
    asian_support: bool = option(
        False, flag(), "with normalized: CJK split into characters; with no_punct: CJK punctuation", sig="asian"
    )
    case_sensitive: bool = option(
        False,
        flag(),
        "keep case (default: lowercase first, as sacrebleu and tercom)",
        sig="case",
        show=lambda keep: case_name(not keep),
    )
    backend: str = backend_option("rapidfuzz alignments, batched shift search")

    def signature_items(self) -> dict[str, Any]:
        # sacrebleu's fixed tokenizer field sits after the case: nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no
        items = super().signature_items()
        return {"case": items.pop("case"), "tok": "tercom", **items}

    @cached_property
    def tokenizer(self) -> TercomTokenizer:
        """The tercom tokenizer these options describe."""
        return TercomTokenizer(self.normalized, self.no_punct, self.asian_support, self.case_sensitive)


# -- scoring -------------------------------------------------------------------------------------


def ter_scores(totals: np.ndarray) -> np.ndarray:
    """TER of each row ``[num_edits, ref_length]`` of summed statistics, as sacrebleu's
    ``TER._compute_score_from_stats``: ``edits / ref_length``; with no reference words, 1.0 if there are
    edits (words to delete) and 0.0 if not.

    Example:
        >>> ter_scores(np.array([[3.0, 6.0], [2.0, 0.0], [0.0, 0.0]])).tolist()
        [0.5, 1.0, 0.0]
    """
    edits, length = totals[:, 0].astype(np.float64), totals[:, 1].astype(np.float64)
    out = np.where(edits > 0, 1.0, 0.0)
    positive = length > 0
    np.divide(edits, length, out=out, where=positive)
    return out
