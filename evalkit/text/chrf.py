"""chrF (Popović, 2015) and chrF++ (Popović, 2017), exact to sacrebleu 2.x's ``CHRF``; and, by name,
nltk's macro-averaged ``corpus_chrf`` (``convention="nltk"``).

For order ``n`` of character n-grams (whitespace removed unless ``whitespace=True``) and, for chrF++,
of word n-grams (words split on whitespace, one punctuation mark split off a word's end or else its
start), a segment and one of its references give ``hyp_n`` (the hypothesis' n-grams; 0 where the
reference has none), ``ref_n`` (the reference's) and ``match_n = sum_g min(count_hyp(g), count_ref(g))``.
A segment keeps the counts of its reference with the best sentence score (the first on a tie), and
each segment's statistics row is, in sacrebleu's layout::

    [hyp_1, ref_1, match_1, ..., hyp_K, ref_K, match_K]    K = char_order + word_order

The corpus score is a function of the column sums (sacrebleu's ``CHRF._compute_f_score``)::

    P_n = match_n / hyp_n,   R_n = match_n / ref_n          over the orders with hyp_n > 0 and ref_n > 0
    P = mean P_n,  R = mean R_n,   chrF = (1 + beta^2) P R / (beta^2 P + R)     (0 if P + R == 0)

With ``eps_smoothing=True`` (chrF++.py, Moses, sacrebleu < 2.0's option) it is instead the mean over
all ``K`` orders of ``F_n = (1 + beta^2) P_n R_n / (beta^2 P_n + R_n)``, an undefined ``P_n`` or
``R_n`` counting as ``1e-16`` and an undefined ``F_n`` as ``1e-16``.

``convention="nltk"`` scores as ``nltk.translate.chrf_score.corpus_chrf``: the mean over segments of
each segment's mean over character orders of ``F_n`` (any division by zero giving ``1e-16``), so its
rows hold ``[F_1 .. F_N, 1]`` (float64) and the corpus score is their column sums' mean over orders
divided by the count. nltk takes one reference; with several, evalkit keeps the best one per segment.

``backend="python"`` (:func:`_python_stats`, with Counters, as sacrebleu) is the oracle;
``backend="numpy"`` (:mod:`evalkit.text._chrf_numpy`) counts the whole corpus at once. They share the
options, text rules and formulas of :mod:`evalkit.text._chrf_common` and give identical rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import InputError
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import count_matrix, stat_rows
from evalkit.text._base import TextMetric
from evalkit.text._chrf_common import (
    ChrfOptions,
    char_text,
    join_tokens,
    match_statistics,
    nltk_order_f,
    nltk_scores,
    nltk_sentence,
    sacrebleu_parts,
    sacrebleu_percent,
    sacrebleu_scores,
    split_punctuation,
)
from evalkit.text.ngrams import ngram_counts

# -- the reference backend -----------------------------------------------------------------------


def _ngrams(line: str, options: ChrfOptions) -> list[Counter]:
    """The n-gram Counters of one (lowercased) line: character orders, then word orders."""
    chars = char_text(line, options)
    out = [ngram_counts(chars, n) for n in range(1, options.char_order + 1)]
    if options.word_order:
        words = split_punctuation(line)
        out += [ngram_counts(words, n) for n in range(1, options.word_order + 1)]
    return out


def _segment_stats(hypothesis: str, references: Sequence[str], options: ChrfOptions) -> list[float]:
    """One statistics row, sacrebleu's ``CHRF._compute_segment_statistics`` written out."""
    hyp_ngrams = _ngrams(hypothesis, options)
    best: list[int] = []
    best_key = -1.0
    for reference in references:
        stats = [x for h, r in zip(hyp_ngrams, _ngrams(reference, options)) for x in match_statistics(h, r)]
        if options.convention == "nltk":
            key = nltk_sentence([nltk_order_f(*stats[i : i + 3], options.beta) for i in range(0, len(stats), 3)])
        else:
            key = sacrebleu_percent(stats, options.beta, options.eps_smoothing)
        if key > best_key:  # strictly better: the first reference wins a tie
            best, best_key = stats, key
    if options.convention == "nltk":
        return [nltk_order_f(*best[i : i + 3], options.beta) for i in range(0, len(best), 3)] + [1.0]
    return best


def _python_stats(hypotheses: Sequence[str], references: Sequence[Sequence[str]], options: ChrfOptions) -> np.ndarray:
    """Statistics rows of checked, lowercased (if asked) segments: the reference backend."""
    dtype = np.float64 if options.convention == "nltk" else np.int64
    rows = np.zeros((len(hypotheses), options.width), dtype=dtype)
    for i, (hypothesis, refs) in enumerate(zip(hypotheses, references)):
        rows[i] = _segment_stats(hypothesis, refs, options)
    return rows


# -- the metric ----------------------------------------------------------------------------------


@register
class CHRF(TextMetric):
    """chrF / chrF++ as a metric object: ``update`` / ``merge`` / ``compute``, or called on a corpus.

    Options (keyword-only; sacrebleu's names and defaults), declared in :class:`ChrfOptions`:

    {options}

    Pre-tokenized input (lists of tokens) is joined with spaces, as nltk does.

    Example:
        >>> m = CHRF()
        >>> round(m.update(["the cat sat on the mat"], [["the cat sat on a mat"]]).compute().score, 4)
        0.7208
    """

    name: ClassVar[str] = "chrf"
    options_type: ClassVar[type[ChrfOptions]] = ChrfOptions
    options: ChrfOptions
    # the numpy backend's fixed set-up (about 0.5 ms) outweighs its speed on a single segment only
    # (measured, CPU time: one 3-word segment 0.11 ms python vs 0.52 ms numpy; one real gloss with its
    # 2-3 references 1.2 vs 0.7 ms; 4 glosses 3.2 vs 0.8 ms)
    numpy_from: ClassVar[int] = 2

    def __init__(
        self,
        *,
        char_order: int = 6,
        word_order: int = 0,
        beta: float = 2.0,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        convention: str = "sacrebleu",
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    # -- statistics ------------------------------------------------------------------------------
    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[hyp_n, ref_n, match_n]`` per order (int64), or under ``convention="nltk"``
        ``[F_1 .. F_N, 1]`` (float64); see the module docstring."""
        o = self.options
        if not isinstance(hypotheses[0], str):  # nltk's layout: tokens joined by spaces
            hypotheses = [join_tokens(h) for h in hypotheses]
            references = [[join_tokens(r) for r in seg] for seg in references]
        if backend == "numpy":
            from evalkit.text._chrf_numpy import corpus_stats

            return corpus_stats(hypotheses, references, options=o)
        if o.lowercase:
            hypotheses = [h.lower() for h in hypotheses]
            references = [[r.lower() for r in seg] for seg in references]
        return _python_stats(hypotheses, references, o)

    # -- scoring ---------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        o = self.options
        if o.convention == "nltk":
            return stat_rows(self._owner, param, totals, layout=o.layout)
        rows = count_matrix(self._owner, param, totals)
        if rows.shape[1] != o.width:
            raise InputError(
                f"{self._owner}: {param!r} must have {o.width} columns (hyp, ref, match for each of the "
                f"{o.char_order} character and {o.word_order} word orders); got {rows.shape[1]} columns."
            )
        return rows

    def formula(self, totals: np.ndarray) -> np.ndarray:
        if self.options.convention == "nltk":
            return nltk_scores(totals)
        return sacrebleu_scores(totals, self.options.beta, self.options.eps_smoothing)[0]

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        row = total[None, :]
        if self.options.convention == "nltk":
            segments = float(total[-1])
            components: dict[str, Any] = {
                "order_f": [float(f / segments) if segments else 0.0 for f in total[:-1]],
                "segments": int(segments),
            }
        else:
            parts = sacrebleu_parts(row)
            components = {
                "precision": float(parts["avg_prec"][0]),
                "recall": float(parts["avg_rec"][0]),
                "effective_order": int(parts["effective"][0]),
                "counts": {
                    "hyp": [int(x) for x in total[0::3]],
                    "ref": [int(x) for x in total[1::3]],
                    "match": [int(x) for x in total[2::3]],
                },
            }
        score = float(self.formula(row)[0])
        return Result(self.options.name, score, components, signature, display_scale=100)


def chrf(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> Result:
    """Corpus chrF (``word_order=2``: chrF++) of the summed statistics of every segment.

    ``references[i]`` is a ``str`` or a list of ``str``: the references of segment ``i`` (their number
    may vary). The defaults give ``sacrebleu.corpus_chrf``'s number (as a fraction; ``str()`` shows it
    x100); ``convention="nltk", beta=3`` gives nltk's ``corpus_chrf``. Options as :class:`CHRF`.

    Example:
        >>> r = chrf(["the cat sat on the mat", "a dog"], [["the cat sat on a mat"], "xyz"])
        >>> round(r.score, 4), r.components["effective_order"]  # sacrebleu.corpus_chrf: 66.61
        (0.6661, 6)
    """
    return CHRF.bound("chrf", locals())(hypotheses, references)


def sentence_chrf(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    convention: str = "sacrebleu",
    backend: str = "auto",
) -> np.ndarray:
    """chrF of every segment on its own, as a float array of shape ``(n_segments,)``.

    ``out[i]`` is ``sacrebleu.sentence_chrf(hypotheses[i], references[i]).score / 100`` (nltk's
    ``sentence_chrf`` under ``convention="nltk"``), from one pass over the corpus. For one Result per
    segment use ``CHRF(...).sentence_scores``.

    Example:
        >>> sentence_chrf(["abc", "abc"], ["abc", "xyz"], char_order=3).round(4).tolist()
        [1.0, 0.0]
    """
    return CHRF.bound("sentence_chrf", locals()).segment_scores(hypotheses, references)


__all__ = ["CHRF", "chrf", "sentence_chrf"]
