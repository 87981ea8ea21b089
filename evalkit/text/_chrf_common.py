"""chrF's options, text preparation and formulas: what the python and numpy backends share.

Neither backend imports the other; both import this module. It holds:

- :class:`ChrfOptions`, the one declaration of chrF's options;
- the text preparation both backends must agree on: which characters count as whitespace
  (sacrebleu's ``str.split``, nltk's ``regex`` ``\\s``) and sacrebleu's punctuation split for word n-grams;
- the scores of statistics rows, each in two forms giving bit-identical floats: a scalar loop written
  as the reference library writes it (the python backend's oracle) and a vectorized form over many rows
  (the numpy backend, ``score``/``scores``, the bootstrap). The best reference of a segment is chosen by
  comparing these floats, so the two forms repeat the reference's operations in the reference's order.

Statistics rows (one per segment, of its best reference):

- ``convention="sacrebleu"``: sacrebleu's layout, ``[hyp_1, ref_1, match_1, hyp_2, ref_2, match_2, ...]``
  for the character orders ``1..char_order`` then the word orders ``1..word_order``, int64;
- ``convention="nltk"``: nltk's ``corpus_chrf`` is a mean of sentence scores, so a row holds the
  segment's F-score of each character order and a count of 1, ``[f_1 .. f_N, 1]``, float64.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InvalidOptionError
from evalkit.core.options import Options, choice, flag, integer, number, option
from evalkit.text._base import case_name
from evalkit.text.ngrams import MAX_ORDER

#: sacrebleu's ``CHRF._PUNCTS`` (``string.punctuation``): split off the start or end of a word for chrF++
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
#: sacrebleu's and nltk's fallback for an undefined precision, recall or F-score
EPS = 1e-16
CONVENTIONS = ("sacrebleu", "nltk")

# Every character str.isspace() accepts (what str.split() splits on) lies below U+3001; the tests check
# it over all of Unicode. nltk >= 3.10 removes whitespace with the `regex` engine's \s, which leaves out
# U+001C..U+001F (file, group, record and unit separators) that str.split() treats as whitespace.
SPACE_LIMIT = 0x3001
SACREBLEU_SPACES = frozenset(chr(c) for c in range(SPACE_LIMIT) if chr(c).isspace())
NLTK_SPACES = SACREBLEU_SPACES - {chr(c) for c in range(0x1C, 0x20)}
_NLTK_DELETE = str.maketrans("", "", "".join(sorted(NLTK_SPACES)))


# -- options -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChrfOptions(Options):
    """chrF's options, declared once (sacrebleu's names and defaults).

    Example:
        >>> o = ChrfOptions.parse("chrf", {"word_order": 2})
        >>> o.order, o.width, o.name
        (8, 24, 'chrF2++')
    """

    signature_order: ClassVar[tuple[str, ...]] = (
        "lowercase", "eps_smoothing", "char_order", "word_order", "whitespace", "beta", "convention"
    )  # fmt: skip

    char_order: int = option(
        6, integer(minimum=0, maximum=MAX_ORDER), "character n-gram orders 1..char_order (0: none)", sig="nc"
    )
    word_order: int = option(0, integer(minimum=0, maximum=MAX_ORDER), "word n-gram orders; 2 gives chrF++", sig="nw")
    beta: float = option(
        2.0,
        number(low=0),
        "recall counts beta times as much as precision (nltk's default is 3)",
        sig="beta",
        hide_default=True,
    )
    lowercase: bool = option(False, flag(), "lowercase hypotheses and references first", sig="case", show=case_name)
    whitespace: bool = option(
        False, flag(), "keep whitespace in character n-grams (sacrebleu removes it by default)", sig="space"
    )
    eps_smoothing: bool = option(
        False,
        flag(),
        "average per-order F-scores with epsilons (chrF++.py, Moses) instead of sacrebleu 2's effective order",
        sig="eff",
    )
    convention: str = option(
        "sacrebleu",
        choice(*CONVENTIONS),
        "'sacrebleu' (corpus statistics summed per order) or 'nltk' (nltk's corpus_chrf: the mean of sentence "
        "scores; character orders only)",
        sig="conv",
        hide_default=True,
    )
    backend: str = backend_option()

    def signature_items(self) -> dict[str, Any]:
        # sacrebleu's eff:yes is its effective-order averaging; nltk's rule is epsilon smoothing
        return {**super().signature_items(), "eff": self.convention == "sacrebleu" and not self.eps_smoothing}

    def finish(self, owner: str) -> ChrfOptions:
        if self.char_order + self.word_order == 0:
            raise InvalidOptionError(
                f"The 'char_order' and 'word_order' parameters of {owner} must count at least one n-gram order "
                f"together. Got char_order=0 and word_order=0 instead."
            )
        if self.convention == "nltk":
            if self.word_order:
                raise InvalidOptionError(
                    f"The 'word_order' parameter of {owner} must be 0 with convention='nltk' (nltk's corpus_chrf "
                    f"counts character n-grams only). Got {self.word_order!r} instead."
                )
            if self.char_order == 0:
                raise InvalidOptionError(
                    f"The 'char_order' parameter of {owner} must be an int >= 1 with convention='nltk'. Got 0 instead."
                )
            if self.eps_smoothing:
                raise InvalidOptionError(
                    f"The 'eps_smoothing' parameter of {owner} must be False with convention='nltk' (nltk's "
                    f"corpus_chrf has its own epsilon rule, always applied). Got True instead."
                )
        return self

    @property
    def order(self) -> int:
        """Character plus word orders."""
        return self.char_order + self.word_order

    @property
    def width(self) -> int:
        """Columns of a statistics row."""
        return self.char_order + 1 if self.convention == "nltk" else 3 * self.order

    @property
    def layout(self) -> tuple[str, ...]:
        """The name of each column of a statistics row."""
        if self.convention == "nltk":
            return (*(f"f_char{n}" for n in range(1, self.char_order + 1)), "segments")
        names = [f"char{n}" for n in range(1, self.char_order + 1)] + [
            f"word{n}" for n in range(1, self.word_order + 1)
        ]
        return tuple(f"{kind}_{name}" for name in names for kind in ("hyp", "ref", "match"))

    @property
    def name(self) -> str:
        """sacrebleu's ``CHRFScore`` name: ``chrF2``, ``chrF2++`` (a ``+`` per word order)."""
        return f"chrF{self.beta:g}" + "+" * self.word_order

    @property
    def spaces(self) -> frozenset[str]:
        """The characters removed when ``whitespace=False``."""
        return NLTK_SPACES if self.convention == "nltk" else SACREBLEU_SPACES


# -- text ----------------------------------------------------------------------------------------


def join_tokens(line: Any) -> str:
    """A line as text: a string as it is, a list of tokens joined by spaces (nltk's ``_preprocess``)."""
    return line if isinstance(line, str) else " ".join(line)


def char_text(line: str, options: ChrfOptions) -> str:
    """The characters whose n-grams count: whitespace removed unless ``whitespace=True``.

    sacrebleu's ``extract_all_char_ngrams`` removes what ``str.split`` splits on; nltk's ``_preprocess``
    what ``regex``'s ``\\s`` matches.

    Example:
        >>> sacrebleu, nltk = ChrfOptions.parse("chrf", {}), ChrfOptions.parse("chrf", {"convention": "nltk"})
        >>> char_text(" a b\\x1fc ", sacrebleu), char_text(" a b\\x1fc ", nltk)
        ('abc', 'ab\\x1fc')
    """
    if options.whitespace:
        return line
    if options.convention == "nltk":
        return line.translate(_NLTK_DELETE)
    return "".join(line.split())


def split_punctuation(line: str) -> list[str]:
    """sacrebleu's ``CHRF._remove_punctuation``: the words of ``line``, a punctuation mark split off the
    end of a word, or else off its start (one mark at most: ``(hi)`` gives ``(hi`` and ``)``).

    Example:
        >>> split_punctuation('He said: "(hi)" .')
        ['He', 'said', ':', '"(hi)', '"', '.']
    """
    tokens = []
    for word in line.split():
        if len(word) == 1:
            tokens.append(word)
        elif word[-1] in PUNCTUATION:
            tokens += [word[:-1], word[-1]]
        elif word[0] in PUNCTUATION:
            tokens += [word[0], word[1:]]
        else:
            tokens.append(word)
    return tokens


def match_statistics(hyp: Counter, ref: Counter) -> list[int]:
    """``[hyp, ref, match]`` of one order, sacrebleu's ``CHRF._get_match_statistics``.

    ``hyp`` is 0 when the reference has no n-gram of the order (sacrebleu: "don't count hits if no
    reference exists for that n-gram").
    """
    match = sum(min(count, ref[g]) for g, count in hyp.items() if g in ref)
    return [sum(hyp.values()) if ref else 0, sum(ref.values()), match]


# -- sacrebleu's score ---------------------------------------------------------------------------


def sacrebleu_percent(stats: Any, beta: float, eps_smoothing: bool) -> float:
    """sacrebleu's ``CHRF._compute_f_score`` of one row, on its 0..100 scale, written as sacrebleu writes
    it: the value sacrebleu compares to choose a segment's best reference.

    Example:
        >>> sacrebleu_percent([3, 4, 2], 2, False)  # P = 2/3, R = 1/2: 5PR / (4P + R)
        52.63157894736842
    """
    factor = beta**2
    score = avg_prec = avg_rec = 0.0
    effective_order = 0
    for i in range(len(stats) // 3):
        n_hyp, n_ref, n_match = (int(x) for x in stats[3 * i : 3 * i + 3])
        prec = n_match / n_hyp if n_hyp > 0 else EPS
        rec = n_match / n_ref if n_ref > 0 else EPS
        denom = factor * prec + rec
        score += ((1 + factor) * prec * rec / denom) if denom > 0 else EPS
        if n_hyp > 0 and n_ref > 0:
            avg_prec += prec
            avg_rec += rec
            effective_order += 1
    if eps_smoothing:
        return 100 * score / (len(stats) // 3)
    if effective_order == 0:
        avg_prec = avg_rec = 0.0
    else:
        avg_prec /= effective_order
        avg_rec /= effective_order
    if avg_prec + avg_rec:
        return 100 * ((1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec))
    return 0.0


def _columns(stats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stats = np.asarray(stats, dtype=np.float64)
    return stats[:, 0::3], stats[:, 1::3], stats[:, 2::3]


def sacrebleu_parts(stats: Any) -> dict[str, np.ndarray]:
    """Per row: the precisions and recalls of every order (``EPS`` where undefined), and the effective
    order's averages (the orders where hypothesis and reference both have n-grams), as sacrebleu."""
    hyp, ref, match = _columns(stats)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(hyp > 0, match / hyp, EPS)
        rec = np.where(ref > 0, match / ref, EPS)
    both = (hyp > 0) & (ref > 0)
    avg_prec = np.zeros(len(hyp))
    avg_rec = np.zeros(len(hyp))
    for i in range(hyp.shape[1]):  # one order after the other, as sacrebleu's loop adds them
        avg_prec = avg_prec + np.where(both[:, i], prec[:, i], 0.0)
        avg_rec = avg_rec + np.where(both[:, i], rec[:, i], 0.0)
    effective = both.sum(axis=1)
    safe = np.maximum(effective, 1)
    avg_prec = np.where(effective > 0, avg_prec / safe, 0.0)
    avg_rec = np.where(effective > 0, avg_rec / safe, 0.0)
    return {"prec": prec, "rec": rec, "avg_prec": avg_prec, "avg_rec": avg_rec, "effective": effective}


def sacrebleu_scores(stats: Any, beta: float, eps_smoothing: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(fraction, percent)`` per row: the chrF score in [0, 1], and :func:`sacrebleu_percent`'s value
    (bit for bit) for choosing a best reference."""
    factor = beta**2
    parts = sacrebleu_parts(stats)
    prec, rec = parts["prec"], parts["rec"]
    order = prec.shape[1]
    if eps_smoothing:
        denom = factor * prec + rec
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(denom > 0, (1 + factor) * prec * rec / np.where(denom > 0, denom, 1.0), EPS)
        score = np.zeros(len(prec))
        for i in range(order):
            score = score + f[:, i]
        return score / order, 100 * score / order
    p, r = parts["avg_prec"], parts["avg_rec"]
    defined = (p + r) != 0
    denom = np.where(defined, factor * p + r, 1.0)
    score = np.where(defined, (1 + factor) * p * r / denom, 0.0)
    return score, 100 * score


# -- nltk's score --------------------------------------------------------------------------------


def nltk_order_f(hyp: int, ref: int, match: int, beta: float) -> float:
    """nltk's ``chrf_precision_recall_fscore_support`` F-score of one order from its counts, written as
    nltk writes it (any division by zero gives ``EPS``).

    Example:
        >>> nltk_order_f(3, 4, 2, 3.0), nltk_order_f(3, 4, 0, 3.0)  # P 2/3, R 1/2: 10PR / (9P + R); no match
        (0.5128205128205128, 1e-16)
    """
    try:
        prec = match / hyp
        rec = match / ref
        factor = beta**2
        return (1 + factor) * (prec * rec) / (factor * prec + rec)
    except ZeroDivisionError:
        return EPS


def nltk_row_f(stats: Any, beta: float) -> np.ndarray:
    """nltk's per-order F-scores of many ``[hyp, ref, match]`` count rows, ``(m, orders)``, bit for bit
    :func:`nltk_order_f`."""
    hyp, ref, match = _columns(np.atleast_2d(stats))
    factor = beta**2
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = match / np.where(hyp > 0, hyp, 1.0)
        rec = match / np.where(ref > 0, ref, 1.0)
        denom = factor * prec + rec
        f = (1 + factor) * (prec * rec) / np.where(denom != 0, denom, 1.0)
    return np.where((hyp > 0) & (ref > 0) & (denom != 0), f, EPS)


def nltk_sentence(order_f: Any) -> float:
    """nltk's ``sentence_chrf`` of one segment from its per-order F-scores: their mean, as nltk sums."""
    return sum(float(f) for f in order_f) / len(order_f)


def nltk_sentences(order_f: np.ndarray) -> np.ndarray:
    """:func:`nltk_sentence` of many rows, bit for bit (the orders added one after the other)."""
    total = np.zeros(len(order_f))
    for i in range(order_f.shape[1]):
        total = total + order_f[:, i]
    return total / order_f.shape[1]


def nltk_scores(totals: np.ndarray) -> np.ndarray:
    """nltk's ``corpus_chrf`` of summed rows ``[sum f_1 .. sum f_N, segments]``: the mean over orders of
    the per-order sums, divided by the number of segments (0 for no segment)."""
    totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
    segments = totals[:, -1]
    mean = totals[:, :-1].sum(axis=1) / (totals.shape[1] - 1)
    return np.divide(mean, segments, out=np.zeros(len(totals)), where=segments > 0)
