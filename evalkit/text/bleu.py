"""BLEU (Papineni et al., 2002), exact to sacrebleu 2.x and to nltk's ``translate.bleu_score``.

Each segment becomes one row of integer **statistics**, sacrebleu's layout::

    [hyp_len, ref_len, correct_1 .. correct_K, total_1 .. total_K]

``hyp_len`` is the number of hypothesis tokens, ``ref_len`` the length of the reference closest to it
(ties go to the shorter reference), ``correct_n`` the clipped n-gram matches (each hypothesis n-gram
counts at most as often as it occurs in any single reference) and ``total_n`` the hypothesis n-grams.
The corpus score is a pure function of the column sums::

    BLEU = BP * exp(sum_n w_n * log p_n),   p_n = correct_n / total_n (then smoothed)
    BP   = 1 if hyp_len >= ref_len, 0 if hyp_len == 0, else exp(1 - ref_len / hyp_len)

Smoothing comes in two families, each scoring exactly as its library does:

- sacrebleu's ``none``, ``floor``, ``add-k``, ``exp`` (``BLEU.compute_bleu``): orders after the first
  one without hypothesis n-grams get precision 0, ``log 0`` is floored at -9999999999, and
  ``effective_order`` averages over the orders that have n-grams;
- nltk's ``method0`` .. ``method7`` (``SmoothingFunction`` applied as ``corpus_bleu`` applies it, to the
  summed counts), orders with precision 0 left out of the sum, ``effective_order`` as nltk's
  ``auto_reweigh``. Methods 5, 6 and 7 read per-hypothesis information; see ``docs/metrics/bleu.md``
  for how evalkit takes it from the statistics and where that differs from nltk's ``corpus_bleu``.

``convention`` says how a hypothesis shorter than ``n`` counts: sacrebleu's ``total_n = 0`` or nltk's
``total_n = max(1, total_n)`` (``modified_precision`` divides by at least one), applied row by row.

``backend="python"`` (:func:`_python_stats`) is the formula as written and the oracle; ``backend="numpy"``
(:mod:`evalkit.text._bleu_numpy`) is vectorized over the corpus; both give identical integer rows. The
options (:class:`~evalkit.text._bleu_common.TextBleuOptions`) and the scoring formula are in
:mod:`evalkit.text._bleu_common`, shared with token-id BLEU (:mod:`evalkit.text.token_bleu`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.text._base import TextMetric
from evalkit.text._bleu_common import (
    BleuOptions,
    BleuScoring,
    TextBleuOptions,
    apply_convention,
    bleu_result,
    check_totals,
    each_vector,
)
from evalkit.text.ngrams import ngram_counts
from evalkit.tokenizers import Tokenizer

# -- the reference backend -----------------------------------------------------------------------


def _segment_stats(hypothesis: Sequence[str], references: Sequence[Sequence[str]], max_order: int) -> list[int]:
    """One statistics row, sacrebleu's ``_compute_segment_statistics`` written out."""
    hyp_len = len(hypothesis)
    # the closest reference length; on a tie the shorter reference
    ref_len = min((len(r) for r in references), key=lambda length: (abs(length - hyp_len), length))
    correct, total = [], []
    for n in range(1, max_order + 1):
        hyp_counts = ngram_counts(hypothesis, n)
        max_ref_counts: Counter[tuple[str, ...]] = Counter()
        for reference in references:
            max_ref_counts |= ngram_counts(reference, n)  # | keeps the larger count
        correct.append(sum((hyp_counts & max_ref_counts).values()))  # & clips to the smaller count
        total.append(sum(hyp_counts.values()))
    return [hyp_len, ref_len, *correct, *total]


def _python_stats(hypotheses: Sequence[Sequence[str]], references: Sequence[Sequence[Sequence[str]]], max_order: int):
    """Statistics rows of tokenized segments, ``(n, 2 + 2 * max_order)`` int64: the reference backend."""
    rows = np.zeros((len(hypotheses), 2 + 2 * max_order), dtype=np.int64)
    for i, (hypothesis, refs) in enumerate(zip(hypotheses, references)):
        rows[i] = _segment_stats(hypothesis, refs, max_order)
    return rows


def _tokenized(lines: list[Any], options: TextBleuOptions, pretokenized: bool) -> list[list[str]]:
    lower = options.lowercase
    if pretokenized:
        return [[t.lower() for t in tokens] if lower else tokens for tokens in lines]
    # sacrebleu's _preprocess_segment: lowercase, strip trailing whitespace, tokenize (the strip
    # matters for intl, whose rules read the character after a punctuation mark)
    return options.tokenizer.tokenize_batch([(line.lower() if lower else line).rstrip() for line in lines])


# -- the metric ----------------------------------------------------------------------------------


@register
class BLEU(BleuScoring, TextMetric):
    """BLEU as a metric object: ``update`` / ``merge`` / ``compute``, or called on a corpus.

    Options (keyword-only; sacrebleu's names), declared in :class:`~evalkit.text._bleu_common.TextBleuOptions`:

    {options}

    Per-segment Results: :meth:`sentence_scores`; per-segment floats: :func:`sentence_bleu`.

    Example:
        >>> m = BLEU(tokenize="none")
        >>> round(m.update(["the cat sat on the mat"], [["the cat sat on a mat"]]).compute().score, 4)
        0.5373
    """

    name: ClassVar[str] = "bleu"
    options_type: ClassVar[type[TextBleuOptions]] = TextBleuOptions
    options: TextBleuOptions
    # the numpy backend's fixed set-up outweighs its speed on a single segment only (measured with 13a:
    # 0.9 ms python vs 1.3 ms numpy for 1 segment, 1.6 vs 1.3 for 2, 27 vs 7 for 64)
    numpy_from: ClassVar[int] = 2

    def __init__(
        self,
        *,
        max_order: int | None = None,
        weights: Sequence[float] | None = None,
        smooth: str = "exp",
        smooth_value: float | None = None,
        effective_order: bool = False,
        tokenize: str | Tokenizer | Callable[[str], list[str]] = "13a",
        lowercase: bool = False,
        convention: str = "sacrebleu",
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    # -- statistics ------------------------------------------------------------------------------
    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[hyp_len, ref_len, correct_1..K, total_1..K]``, int64, the convention applied.

        ``K`` is ``max_order`` (``max(max_order, 5)`` for method5/method7, which read 5-gram precision).
        """
        o = self.options
        pretokenized = self.pretokenized(hypotheses)
        if backend == "numpy":
            from evalkit.text._bleu_numpy import corpus_stats

            rows = corpus_stats(
                hypotheses, references, tokenizer=o.tokenizer, lowercase=o.lowercase, max_order=o.stat_order
            )
        else:
            flat = iter(_tokenized([r for seg in references for r in seg], o, pretokenized))
            tok_refs = [[next(flat) for _ in seg] for seg in references]
            rows = _python_stats(_tokenized(hypotheses, o, pretokenized), tok_refs, o.stat_order)
        return apply_convention(rows, o.convention)


def _per_vector(owner: str, arguments: dict[str, Any]) -> list[BLEU]:
    """One BLEU per weight vector of ``arguments["weights"]`` (:func:`each_vector`), errors naming ``owner``."""
    return [BLEU.bound(owner, vector_arguments) for vector_arguments in each_vector(owner, arguments)]


def bleu(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    max_order: int | None = None,
    weights: Any = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "13a",
    lowercase: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> Result:
    """Corpus BLEU: ``BP * exp(sum_n w_n log p_n)`` over the summed statistics of every segment.

    ``references[i]`` is a ``str`` or a list of ``str``: the references of segment ``i`` (their number
    may vary). The defaults give ``sacrebleu.corpus_bleu``'s number (13a, exp smoothing); nltk's
    ``corpus_bleu`` is ``tokenize="none"`` on its token lists, ``smooth="method0"`` (or its method),
    ``convention="nltk"``. Options as :class:`BLEU`. For several weight vectors at once (nltk's list of
    ``weights``) see :func:`bleu_weights`.

    Example:
        >>> r = bleu(["the cat sat on the mat"], [["the cat sat on a mat", "a cat sat there"]], tokenize="none")
        >>> round(r.score, 4), r.components["counts"]
        (0.5373, [5, 3, 2, 1])
    """
    return BLEU.bound("bleu", locals())(hypotheses, references)


def bleu_weights(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    weights: Sequence[Sequence[float]],
    max_order: int | None = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "13a",
    lowercase: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> list[Result]:
    """Corpus BLEU for each of several weight vectors, from one pass over the data (nltk's ``corpus_bleu``
    with a list of ``weights``): one Result per vector, in order. Options as :func:`bleu`.

    Example:
        >>> rs = bleu_weights(["a b c"], ["a b d"], weights=[(1.0,), (0.5, 0.5)], tokenize="none", smooth="none")
        >>> [round(r.score, 4) for r in rs]  # p1 = 2/3; sqrt(2/3 * 1/2)
        [0.6667, 0.5774]
    """
    metrics = _per_vector("bleu_weights", locals())
    rows = metrics[0].rows(hypotheses, references)
    return [m.add_rows(rows).compute() for m in metrics]


def sentence_bleu(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    max_order: int | None = None,
    weights: Any = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = True,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "13a",
    lowercase: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> np.ndarray:
    """BLEU of every segment on its own, as a float array of shape ``(n_segments,)``.

    Takes a corpus (same layout as :func:`bleu`) and scores each statistics row in one vectorized pass;
    ``out[i]`` equals ``sacrebleu.sentence_bleu(hypotheses[i], references[i])`` (whose default,
    ``effective_order=True``, is kept here). For several weight vectors see :func:`sentence_bleu_weights`.
    For one Result per segment (components and signature) use ``BLEU(...).sentence_scores``.

    Example:
        >>> sentence_bleu(["a b c d", "x y"], ["a b c d", "x z"], tokenize="none").round(4).tolist()
        [1.0, 0.5]
    """
    return BLEU.bound("sentence_bleu", locals()).segment_scores(hypotheses, references)


def sentence_bleu_weights(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    weights: Sequence[Sequence[float]],
    max_order: int | None = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = True,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "13a",
    lowercase: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> np.ndarray:
    """BLEU of every segment for each of several weight vectors: shape ``(n_segments, n_vectors)``.

    Example:
        >>> sentence_bleu_weights(["a b", "a c"], ["a b", "a b"], weights=[(1.0,), (0.5, 0.5)],
        ...                       tokenize="none", smooth="none", effective_order=False).round(4).tolist()
        [[1.0, 1.0], [0.5, 0.0]]
    """
    metrics = _per_vector("sentence_bleu_weights", locals())
    rows = metrics[0].stats(hypotheses, references)
    return np.column_stack([m.scores(rows) for m in metrics])


def bleu_from_stats(
    stats: Any,
    *,
    max_order: int | None = None,
    weights: Any = None,
    smooth: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    convention: str = "sacrebleu",
) -> Result:
    """BLEU of statistics rows ``[hyp_len, ref_len, correct_1..K, total_1..K]`` (sacrebleu's layout).

    ``stats`` is one row (or an already summed vector) or a matrix of per-segment rows, e.g. from
    ``BLEU().stats(...)`` or sacrebleu's ``_extract_corpus_statistics``. ``convention="nltk"`` raises each
    row's totals to at least 1 before the sum (idempotent, so rows that already follow it are unchanged).
    The score is ``BP * exp(sum_n w_n log p_n)`` with the options of :func:`bleu` (one weight vector).

    Example:
        >>> r = bleu_from_stats([4, 5, 3, 1, 0, 0, 4, 3, 2, 1], smooth="none", max_order=2)
        >>> round(r.score, 4), round(r.components["bp"], 4)  # exp(1 - 5/4) * sqrt(3/4 * 1/3)
        (0.3894, 0.7788)
    """
    o = BleuOptions.parse("bleu_from_stats", locals())
    rows = check_totals("bleu_from_stats", stats, o, "stats")
    return bleu_result(apply_convention(rows, o.convention).sum(axis=0), o, o.signature("bleu"))


__all__ = ["BLEU", "bleu", "bleu_from_stats", "bleu_weights", "sentence_bleu", "sentence_bleu_weights"]
