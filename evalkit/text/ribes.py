"""RIBES (Isozaki et al., 2010), exact to nltk's ``sentence_ribes`` / ``corpus_ribes``.

For a hypothesis ``h`` and a reference ``r`` (token lists), nltk's ``word_rank_alignment`` gives each
hypothesis word that it can align one-to-one the reference position it aligns to (a word occurring once in
both; otherwise the shortest context n-gram, to the right then to the left, occurring once in both),
the list ``worder``; then::

    NKT = (tau + 1) / 2,  tau = 2 * (pairs i < j with worder[i] < worder[j]) / C(len(worder), 2) - 1
                          (NKT = 0 when fewer than 2 words align)
    P1  = len(worder) / len(h)          BP = min(1, exp(1 - len(r) / len(h)))
    RIBES(h, r) = NKT * P1 ** alpha * BP ** beta

A segment keeps its best reference (0 for an empty hypothesis, as nltk). The corpus score is the mean
of the segment scores; each segment's row is ``[score, 1]``, so corpora merge by summing rows.

Known differences. Older nltk releases counted only the increasing pairs *inside runs of consecutive
ranks* (``find_increasing_sequences``), so correctly ordered words with gaps between their ranks
scored as disordered (nltk/nltk#2529, fixed by nltk/nltk#3900); the official script (NTT's ``RIBES.py``)
and nltk from that fix count every increasing pair, and so does evalkit. nltk's word alignment is its own
re-implementation of the paper's heuristic and may align differently from the official script on
sentences with repeated words; evalkit follows nltk. nltk refuses sentences over 2,000 tokens
(``MAX_ALIGNMENT_LEN``); evalkit scores them.

``backend="python"`` is nltk's loop written out (the reference); ``backend="numpy"``
(:mod:`evalkit.text._ribes_numpy`) aligns every segment's words at once, window by window; equal rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.options import Options, number, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import stat_rows
from evalkit.text._base import TextMetric
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer

STATS_LAYOUT = ("score", "segments")


@dataclass(frozen=True)
class RibesOptions(Options):
    """RIBES's options, declared once (nltk's defaults).

    Example:
        >>> str(RibesOptions.parse("ribes", {"alpha": 0.5}).signature("ribes")).split("|")[:3]
        ['alpha:0.5', 'beta:0.1', 'tok:none']
    """

    alpha: float = option(0.25, number(low=0), "the exponent of the unigram precision", sig="alpha")
    beta: float = option(0.10, number(low=0), "the exponent of the brevity penalty", sig="beta")
    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "none", check_tokenize, "how strings are split; token lists are used as given", sig="tok"
    )
    backend: str = backend_option("every segment aligned at once, window by window")

    def signature_items(self) -> dict[str, Any]:
        return {**super().signature_items(), **self.tokenizer.signature_items()}

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer of string input."""
        return get_tokenizer(self.tokenize)


# -- the reference ---------------------------------------------------------------------------------------


class _Grams:
    """Where each word of a token list occurs, to count a context n-gram from its first word's positions
    (most words occur once or twice: far fewer comparisons than nltk's scan of the whole list)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)
        self.at: dict[str, list[int]] = {}
        for j, word in enumerate(self.tokens):
            self.at.setdefault(word, []).append(j)

    def starts(self, ngram: tuple[str, ...]) -> list[int]:
        """The positions where ``ngram`` occurs as a contiguous run (overlaps counted), in order."""
        m, gram = len(ngram), list(ngram)
        return [j for j in self.at.get(ngram[0], ()) if self.tokens[j : j + m] == gram]


def word_rank_alignment(reference: Sequence[str], hypothesis: Sequence[str]) -> list[int]:
    """nltk's ``word_rank_alignment``: the reference position of each hypothesis word aligned one-to-one.

    Example:
        >>> word_rank_alignment("john hit bob yesterday".split(), "bob hit john yesterday".split())
        [2, 1, 0, 3]
    """
    worder: list[int] = []
    hyp_len = len(hypothesis)
    ref, hyp = _Grams(reference), _Grams(hypothesis)
    for i, word in enumerate(hypothesis):
        in_ref = ref.at.get(word)
        if not in_ref:
            continue
        if len(hyp.at[word]) == len(in_ref) == 1:
            worder.append(in_ref[0])
            continue
        for window in range(1, min(max(i, hyp_len - i + 1), len(reference))):
            if i + window < hyp_len:  # the right context
                right = tuple(hypothesis[i : i + window + 1])
                found = ref.starts(right)
                if len(found) == 1 and len(hyp.starts(right)) == 1:
                    worder.append(found[0])
                    break
            if window <= i:  # the left context
                left = tuple(hypothesis[i - window : i + 1])
                found = ref.starts(left)
                if len(found) == 1 and len(hyp.starts(left)) == 1:
                    worder.append(found[0] + len(left) - 1)
                    break
    return worder


def kendall_tau(worder: Sequence[int]) -> float:
    """Normalised Kendall's tau of ``worder``: the share of increasing pairs (0 for fewer than 2 words).

    Example:
        >>> kendall_tau([2, 1, 0, 3])  # (2, 3), (1, 3), (0, 3): 3 of 6 pairs
        0.5
    """
    k = len(worder)
    if k < 2:
        return 0.0
    w = np.asarray(worder)
    increasing = int(np.count_nonzero(np.triu(w[:, None] < w[None, :])))  # pairs a < b with w[a] < w[b]
    tau = 2 * increasing / (k * (k - 1) // 2) - 1
    return (tau + 1) / 2


def sentence_score(references: Sequence[Sequence[str]], hypothesis: Sequence[str], alpha: float, beta: float) -> float:
    """nltk's ``sentence_ribes`` of one hypothesis against its references."""
    if not references or not hypothesis:
        return 0.0
    best = -1.0
    for reference in references:
        worder = word_rank_alignment(reference, hypothesis)
        nkt = kendall_tau(worder)
        bp = min(1.0, math.exp(1.0 - len(reference) / len(hypothesis)))
        p1 = len(worder) / len(hypothesis)
        best = max(best, nkt * (p1**alpha) * (bp**beta))
    return best


# -- the metric ----------------------------------------------------------------------------------


@register
class RIBES(TextMetric):
    """RIBES as nltk's ``corpus_ribes`` computes it: the mean over segments of the best reference's
    ``NKT * P1 ** alpha * BP ** beta`` (see :mod:`evalkit.text.ribes`).

    Options (keyword-only; nltk's names), declared in :class:`~evalkit.text.ribes.RibesOptions`:

    {options}

    Example:
        >>> m = RIBES()
        >>> round(m.update(["bob hit john yesterday"], ["john hit bob yesterday"]).compute().score, 4)
        0.5
    """

    name: ClassVar[str] = "ribes"
    options_type: ClassVar[type[RibesOptions]] = RibesOptions
    options: RibesOptions

    def __init__(
        self,
        *,
        alpha: float = 0.25,
        beta: float = 0.10,
        tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[score, 1]``: each segment's nltk ``sentence_ribes``."""
        o = self.options
        pretokenized = self.pretokenized(hypotheses)
        if backend == "numpy":
            from evalkit.text._ribes_numpy import corpus_rows

            return corpus_rows(hypotheses, references, o.tokenizer, o.alpha, o.beta)
        if not pretokenized:
            tokenize = o.tokenizer.tokenize_batch
            hypotheses = tokenize(hypotheses)
            references = [tokenize(seg) for seg in references]
        rows = np.ones((len(hypotheses), 2))
        for k, (hyp, refs) in enumerate(zip(hypotheses, references)):
            rows[k, 0] = sentence_score(refs, hyp, o.alpha, o.beta)
        return rows

    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        return stat_rows(self._owner, param, totals, layout=STATS_LAYOUT)

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return np.divide(totals[:, 0], totals[:, 1], out=np.zeros(len(totals)), where=totals[:, 1] > 0)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        return Result("RIBES", float(self.formula(total[None, :])[0]), {"segments": int(total[1])}, signature)


def ribes(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    alpha: float = 0.25,
    beta: float = 0.10,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> Result:
    """Corpus RIBES, nltk's ``corpus_ribes`` (options as :class:`RIBES`).

    Example:
        >>> round(ribes(["the cat sat on the mat", "a b"], ["the cat sat on a mat", "b a"]).score, 4)
        0.4777
    """
    return RIBES.bound("ribes", locals())(hypotheses, references)


def sentence_ribes(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    alpha: float = 0.25,
    beta: float = 0.10,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> np.ndarray:
    """nltk's ``sentence_ribes`` of each segment, as a float array of shape ``(n_segments,)``.

    Example:
        >>> sentence_ribes(["a b c", "c b a"], ["a b c", "a b c"]).tolist()
        [1.0, 0.0]
    """
    return RIBES.bound("sentence_ribes", locals()).segment_scores(hypotheses, references)


__all__ = ["RIBES", "RibesOptions", "ribes", "sentence_ribes"]
