"""GLEU, Google-BLEU (Wu et al., 2016), exact to nltk's ``sentence_gleu`` / ``corpus_gleu`` and to Hugging Face
evaluate's ``google_bleu`` (which runs nltk's ``corpus_gleu`` on 13a tokens: ``tokenize="13a"``).

For a hypothesis ``h`` and a reference ``r``, with the n-grams of orders ``min_len .. max_len`` of each::

    tp = sum over n-grams g of min(count_h(g), count_r(g))      (the matches)
    n_all = max(number of n-grams of h, number of n-grams of r)
    GLEU(h, r) = tp / n_all = min(precision, recall)

With several references a segment keeps the reference with the highest ``tp / n_all`` (the first of
equals; references with ``n_all = 0`` are skipped, as nltk does). Each segment becomes one row
``[matches, n_all]`` of the chosen reference; the corpus score is ``sum(matches) / sum(n_all)`` (0 when
``sum(n_all)`` is 0), nltk's micro-average, so corpora merge by summing rows and a segment's own row
gives its ``sentence_gleu``.

``backend="python"`` is nltk's loop written out (the oracle); ``backend="numpy"``
(:mod:`evalkit.text._gleu_numpy`) counts the clipped n-grams of every (hypothesis, reference) pair of
the corpus at once and gives the same integer rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, integer, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import count_matrix
from evalkit.text._base import TextMetric
from evalkit.text.ngrams import MAX_ORDER
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer

#: the columns of a statistics row (of the chosen reference of a segment)
STATS_LAYOUT = ("matches", "n_all")


@dataclass(frozen=True)
class GleuOptions(Options):
    """GLEU's options, declared once (nltk's ``corpus_gleu`` defaults).

    Example:
        >>> str(GleuOptions.parse("gleu", {"max_len": 2}).signature("gleu")).split("|")[:3]
        ['min:1', 'max:2', 'tok:none']
    """

    min_len: int = option(1, integer(minimum=1, maximum=MAX_ORDER), "the lowest n-gram order counted", sig="min")
    max_len: int = option(4, integer(minimum=1, maximum=MAX_ORDER), "the highest n-gram order counted", sig="max")
    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "none",
        check_tokenize,
        "how strings are split ('13a' as Hugging Face's google_bleu); token lists are used as given",
        sig="tok",
    )
    backend: str = backend_option()

    def finish(self, owner: str) -> GleuOptions:
        if self.max_len < self.min_len:
            raise InvalidOptionError(
                f"The 'max_len' parameter of {owner} must be >= min_len ({self.min_len}). Got {self.max_len} instead."
            )
        return self

    def signature_items(self) -> dict[str, Any]:
        return {**super().signature_items(), **self.tokenizer.signature_items()}

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer of string input."""
        return get_tokenizer(self.tokenize)


# -- the reference backend -----------------------------------------------------------------------


def _everygrams(tokens: Sequence[str], min_len: int, max_len: int) -> Counter[tuple[str, ...]]:
    """The n-grams of orders ``min_len .. max_len`` and their counts (nltk's ``Counter(everygrams(...))``)."""
    return Counter(tuple(tokens[i : i + n]) for n in range(min_len, max_len + 1) for i in range(len(tokens) - n + 1))


def segment_row(
    hypothesis: Sequence[str], references: Sequence[Sequence[str]], min_len: int, max_len: int
) -> list[int]:
    """``[matches, n_all]`` of the reference nltk's ``corpus_gleu`` keeps for one segment.

    Example:
        >>> segment_row("the cat sat".split(), ["the cat".split(), "a cat sat".split()], 1, 2)
        [3, 5]
    """
    hyp = _everygrams(hypothesis, min_len, max_len)
    tpfp = sum(hyp.values())
    best: list[int] = [0, 0]
    for reference in references:
        ref = _everygrams(reference, min_len, max_len)
        n_all = max(tpfp, sum(ref.values()))
        if n_all == 0:
            continue
        tp = sum((ref & hyp).values())
        if best[1] == 0 or tp / n_all > best[0] / best[1]:  # max() keeps the first of equals
            best = [tp, n_all]
    return best


def _python_rows(hyps: list[list[str]], refs: list[list[list[str]]], min_len: int, max_len: int) -> np.ndarray:
    rows = np.zeros((len(hyps), 2), dtype=np.int64)
    for i, (hyp, segment_refs) in enumerate(zip(hyps, refs)):
        rows[i] = segment_row(hyp, segment_refs, min_len, max_len)
    return rows


# -- the metric ----------------------------------------------------------------------------------


@register
class GLEU(TextMetric):
    """GLEU (Google-BLEU) as nltk's ``corpus_gleu`` computes it: ``sum(matches) / sum(n_all)`` over the
    segments, each with its best reference (see :mod:`evalkit.text.gleu`).

    Options (keyword-only; nltk's names), declared in :class:`~evalkit.text.gleu.GleuOptions`:

    {options}

    Example:
        >>> m = GLEU()
        >>> round(m.update(["the cat sat on the mat"], [["the cat sat on a mat"]]).compute().score, 4)
        0.6111
    """

    name: ClassVar[str] = "gleu"
    options_type: ClassVar[type[GleuOptions]] = GleuOptions
    options: GleuOptions
    numpy_from: ClassVar[int] = 8

    def __init__(
        self,
        *,
        min_len: int = 1,
        max_len: int = 4,
        tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[matches, n_all]``, int64, of each segment's chosen reference."""
        o = self.options
        pretokenized = self.pretokenized(hypotheses)
        if backend == "numpy":
            from evalkit.text._gleu_numpy import corpus_rows

            return corpus_rows(hypotheses, references, o.tokenizer, o.min_len, o.max_len)
        if not pretokenized:
            tokenize = o.tokenizer.tokenize_batch
            hypotheses = tokenize([h.rstrip() for h in hypotheses])
            references = [tokenize([r.rstrip() for r in seg]) for seg in references]
        return _python_rows(hypotheses, references, o.min_len, o.max_len)

    # -- scoring ------------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        rows = count_matrix(self._owner, param, totals)
        if rows.shape[1] != len(STATS_LAYOUT):
            raise InputError(
                f"{self._owner}: {param!r} must have 2 columns [matches, n_all]; got {rows.shape[1]} columns."
            )
        if (rows[:, 0] > rows[:, 1]).any():
            raise InputError(f"{self._owner}: {param!r} has matches > n_all; matches never outnumber the n-grams.")
        return rows

    def formula(self, totals: np.ndarray) -> np.ndarray:
        matches, n_all = totals[:, 0].astype(np.float64), totals[:, 1].astype(np.float64)
        return np.divide(matches, n_all, out=np.zeros(len(totals)), where=n_all > 0)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        score = float(self.formula(total[None, :])[0])
        return Result("GLEU", score, {"matches": int(total[0]), "n_all": int(total[1])}, signature, display_scale=100)


def gleu(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    min_len: int = 1,
    max_len: int = 4,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> Result:
    """Corpus GLEU, nltk's ``corpus_gleu`` (options as :class:`GLEU`); ``tokenize="13a"`` gives Hugging Face's
    ``google_bleu``.

    Example:
        >>> r = gleu(["the cat sat", "a dog"], [["the cat sat down"], ["a dog barked", "the dog"]])
        >>> r.score, r.components  # (6 + 3) / (10 + 6): segment 2's first reference scores 3/6 > 1/3
        (0.5625, {'matches': 9, 'n_all': 16})
    """
    return GLEU.bound("gleu", locals())(hypotheses, references)


def sentence_gleu(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    min_len: int = 1,
    max_len: int = 4,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> np.ndarray:
    """nltk's ``sentence_gleu`` of each segment, as a float array of shape ``(n_segments,)``.

    Example:
        >>> sentence_gleu(["the cat sat", "a b"], ["the cat sat down", "c d"]).tolist()
        [0.6, 0.0]
    """
    return GLEU.bound("sentence_gleu", locals()).segment_scores(hypotheses, references)


__all__ = ["GLEU", "GleuOptions", "gleu", "sentence_gleu"]
