"""EED, the Extended Edit Distance (Stanchev, Wang and Ney, 2019), exact to torchmetrics'
``ExtendedEditDistance`` / ``extended_edit_distance`` (itself the code of the authors' ``EED.py``).

Each string is preprocessed (``language="en"``: spaces before ``. ! ? ,``, whitespace runs to one space,
``Mr .`` back to ``Mr.``, a space added at both ends; ``"ja"``: NFKC), then aligned character by character
on CDER's grid: deletions cost ``deletion``, insertions ``insertion``, substitutions 1, and after each
blank of the reference the alignment may jump anywhere in the hypothesis for ``alpha``. ``visits`` counts
how often each hypothesis position was the cheapest of a reference step::

    EED(h, r) = min(1, (cost + rho * coverage) / (len(r) + rho * coverage)),
    coverage = sum over hypothesis positions of (visits - 1, or 1 for a position never visited)

With several references a segment keeps the lowest. The corpus score is the mean of the segment scores;
each segment's row is ``[score, 1]``, so corpora merge by summing rows.

torchmetrics stores each segment's score as a float32 tensor and averages in float32; evalkit keeps
float64, so its segment scores round to torchmetrics' exactly and its corpus score differs by float32
rounding (about 1e-7 relative).

``backend="python"`` is the per-pair loop as torchmetrics writes it (the oracle); ``backend="numpy"``
(:mod:`evalkit.text._eed_numpy`) runs the same arithmetic, in the same order, for many pairs at once, so
both give equal rows, bit for bit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from math import inf
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.options import Options, choice, number, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import stat_rows
from evalkit.text._base import TextMetric

STATS_LAYOUT = ("score", "segments")
LANGUAGES = ("en", "ja")


@dataclass(frozen=True)
class EedOptions(Options):
    """EED's options, declared once (torchmetrics' defaults).

    Example:
        >>> str(EedOptions.parse("eed", {"language": "ja"}).signature("eed")).split("|")[:2]
        ['lang:ja', 'alpha:2']
    """

    language: str = option("en", choice(*LANGUAGES), "the preprocessing: 'en' or 'ja' (NFKC)", sig="lang")
    alpha: float = option(2.0, number(low=0), "the cost of a jump after a reference blank", sig="alpha")
    rho: float = option(0.3, number(low=0), "the weight of the coverage penalty", sig="rho")
    deletion: float = option(0.2, number(low=0), "the cost of a deleted character", sig="del")
    insertion: float = option(1.0, number(low=0), "the cost of an inserted character", sig="ins")
    backend: str = backend_option("all pairs at once, the same arithmetic")


# -- preprocessing (torchmetrics' _preprocess_en / _preprocess_ja) ----------------------------------------

_EN_SPACE_BEFORE = ((".", " ."), ("!", " !"), ("?", " ?"), (",", " ,"))
_EN_RULES = (
    (re.compile(r"\s+"), r" "),
    (re.compile(r"(\d) ([.,]) (\d)"), r"\1\2\3"),
    (re.compile(r"(Dr|Jr|Prof|Rev|Gen|Mr|Mt|Mrs|Ms) ."), r"\1."),
)
_EN_ABBREVIATIONS = (("e . g .", "e.g."), ("i . e .", "i.e."), ("U . S .", "U.S."))


def preprocess(sentence: str, language: str) -> str:
    """The string EED aligns (torchmetrics' ``_preprocess_en`` / ``_preprocess_ja``).

    Example:
        >>> preprocess("Mr. Smith paid 3.5 dollars, e.g. today.  ", "en")  # "3 .5": torchmetrics' rules, as written
        ' Mr. Smith paid 3 .5 dollars , e .g . today . '
    """
    sentence = sentence.rstrip()
    if language == "ja":
        return unicodedata.normalize("NFKC", sentence)
    for pattern, replacement in _EN_SPACE_BEFORE:
        sentence = sentence.replace(pattern, replacement)
    for regex, replacement in _EN_RULES:
        sentence = regex.sub(replacement, sentence)
    for pattern, replacement in _EN_ABBREVIATIONS:
        sentence = sentence.replace(pattern, replacement)
    return " " + sentence + " "


# -- the reference backend -----------------------------------------------------------------------


def eed_pair(hyp: str, ref: str, alpha: float, rho: float, deletion: float, insertion: float) -> float:
    """EED of one preprocessed pair, torchmetrics' ``_eed_function`` written out.

    Example:
        >>> round(eed_pair(" a cat ", " the cat ", 2.0, 0.3, 0.2, 1.0), 4)
        0.4595
    """
    visits = [-1] * (len(hyp) + 1)
    row = [1.0] * (len(hyp) + 1)
    row[0] = 0.0  # CDER's start: (0, 0) costs nothing
    for w in range(1, len(ref) + 1):
        char = ref[w - 1]
        next_row = [row[0] + 1.0] + [inf] * len(hyp)
        for i in range(1, len(hyp) + 1):
            next_row[i] = min(next_row[i - 1] + deletion, row[i - 1] + (hyp[i - 1] != char), row[i] + insertion)
        cheapest = min(next_row)
        visits[next_row.index(cheapest)] += 1
        if char == " ":  # a long jump: anywhere in the hypothesis, after a blank of the reference
            jump = alpha + cheapest
            next_row = [min(x, jump) for x in next_row]
        row = next_row
    coverage = rho * sum(x if x >= 0 else 1 for x in visits)
    return min(1, (row[-1] + coverage) / (float(len(ref)) + coverage))


def _python_rows(hyps: list[str], refs: list[list[str]], o: EedOptions) -> np.ndarray:
    rows = np.ones((len(hyps), 2), dtype=np.float64)
    costs = (o.alpha, o.rho, o.deletion, o.insertion)
    for k, (hyp, segment_refs) in enumerate(zip(hyps, refs)):
        rows[k, 0] = min(eed_pair(hyp, ref, *costs) for ref in segment_refs)
    return rows


# -- the metric ----------------------------------------------------------------------------------


@register
class EED(TextMetric):
    """EED as torchmetrics' ``ExtendedEditDistance`` computes it: the mean over segments of the lowest
    extended edit distance to a reference (see :mod:`evalkit.text.eed`). Lower is better.

    Options (keyword-only; torchmetrics' names), declared in :class:`~evalkit.text.eed.EedOptions`:

    {options}

    Example:
        >>> m = EED()
        >>> round(m.update(["this is the prediction", "here is an other sample"],
        ...                ["this is the reference", "here is another one"]).compute().score, 4)
        0.3078
    """

    name: ClassVar[str] = "eed"
    higher_is_better: ClassVar[bool] = False
    options_type: ClassVar[type[EedOptions]] = EedOptions
    options: EedOptions
    numpy_from: ClassVar[int] = 4

    def __init__(
        self,
        *,
        language: str = "en",
        alpha: float = 2.0,
        rho: float = 0.3,
        deletion: float = 0.2,
        insertion: float = 1.0,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[score, 1]``: each segment's lowest EED to its references."""
        o = self.options
        if not isinstance(hypotheses[0], str):  # token lists: the words, joined by spaces
            hypotheses = [" ".join(h) for h in hypotheses]
            references = [[" ".join(r) for r in seg] for seg in references]
        hyps = [preprocess(h, o.language) for h in hypotheses]
        refs = [[preprocess(r, o.language) for r in seg] for seg in references]
        if backend == "numpy":
            from evalkit.text._eed_numpy import segment_rows

            return segment_rows(hyps, refs, o.alpha, o.rho, o.deletion, o.insertion)
        return _python_rows(hyps, refs, o)

    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        return stat_rows(self._owner, param, totals, layout=STATS_LAYOUT)

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return np.divide(totals[:, 0], totals[:, 1], out=np.zeros(len(totals)), where=totals[:, 1] > 0)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        return Result("EED", float(self.formula(total[None, :])[0]), {"segments": int(total[1])}, signature)


def eed(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    language: str = "en",
    alpha: float = 2.0,
    rho: float = 0.3,
    deletion: float = 0.2,
    insertion: float = 1.0,
    backend: str = "auto",
) -> Result:
    """Corpus EED, torchmetrics' ``extended_edit_distance`` (options as :class:`EED`).

    Example:
        >>> round(eed(["the cat sat"], [["a cat sat", "the cat sat down"]]).score, 4)
        0.2672
    """
    return EED.bound("eed", locals())(hypotheses, references)


def sentence_eed(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    language: str = "en",
    alpha: float = 2.0,
    rho: float = 0.3,
    deletion: float = 0.2,
    insertion: float = 1.0,
    backend: str = "auto",
) -> np.ndarray:
    """The EED of each segment (torchmetrics' ``return_sentence_level_score``), shape ``(n_segments,)``.

    Example:
        >>> sentence_eed(["the cat sat", "abc"], ["the cat sat", "xyz"]).round(4).tolist()
        [0.0226, 0.7183]
    """
    return EED.bound("sentence_eed", locals()).segment_scores(hypotheses, references)


__all__ = ["EED", "EedOptions", "eed", "sentence_eed"]
