"""METEOR, exact to ``nltk.translate.meteor_score`` (cross-checked against nltk 3.10), with WordNet bundled.

For a hypothesis ``h`` and a reference ``r`` (tokens lowercased, as nltk's ``preprocess=str.lower``),
words are aligned in stages, each on the words the previous stages left unmatched:

1. ``exact``: equal words;
2. ``stem``: equal Porter stems (nltk's ``PorterStemmer()``: :mod:`evalkit.lexicon.porter`);
3. ``synonym``: the reference word is a WordNet synonym of the hypothesis word
   (:func:`evalkit.lexicon.wordnet.synonyms`).

Within a stage nltk walks the hypothesis from its last word to its first and gives each word the
*last* still unmatched reference position that qualifies (greedy; it does not minimise chunks). With
``m`` matches, ``c`` chunks (maximal runs of matches adjacent in both sentences, in hypothesis order)::

    P = m / |h|     R = m / |r|     Fmean = P * R / (alpha * P + (1 - alpha) * R)
    penalty = gamma * (c / m) ** beta           score = (1 - penalty) * Fmean

and 0 when ``m == 0``. With several references the segment takes the best score. The corpus score is
the mean of the segment scores; the statistics of a segment are ``(score, 1, matches, chunks,
hypothesis length, reference length)`` of its best reference, so corpora merge by summing.

This module is the metric and its reference backend (``backend="python"``); ``_meteor_numpy.py`` is the
vectorized one (nltk's stages in C where evalkit's kernels are built, else sort-based joins in numpy); ``backend="auto"`` takes numpy from 32 segments on (:func:`evalkit.core.backends.choose_backend`).
The options, the alignment and the arithmetic both run are in ``_meteor_common.py``, which imports
neither.

nltk quirks kept on purpose: the stem stage hands *stems* on to the synonym stage ("purchased" reaches
WordNet as "purchas", so it never meets "bought" or "buy"); WordNet lemma names keep their case, so
"thursday" never matches the synonym "Thursday"; the hypothesis word counts as its own synonym.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from itertools import chain
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import BACKENDS  # noqa: F401  (importable here as before)
from evalkit.core.gc_pause import gc_paused
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import stat_rows
from evalkit.text._base import TextMetric
from evalkit.text._meteor_common import (  # shared with the numpy backend; importable here as before
    MODULES,
    Aligner,
    MeteorOptions,
    fragment_score,
    match_synonyms,  # noqa: F401
    mean_scores,
)
from evalkit.text.ngrams import use_compiled
from evalkit.tokenizers.base import Tokenizer
from evalkit.tokenizers.none import WhitespaceTokenizer

# the columns of a statistics row (of the best reference of a segment)
_STATS_LAYOUT = ("score", "segments", "matches", "chunks", "hyp_len", "ref_len")


@register
class METEOR(TextMetric):
    """METEOR (Lavie & Agarwal, 2007) exactly as ``nltk.translate.meteor_score`` computes it.

    The segment score is ``(1 - gamma * (chunks / matches) ** beta) * P * R / (alpha * P + (1 - alpha) * R)``
    over the words aligned by the ``modules`` stages (see :mod:`evalkit.text.meteor`); with several
    references, the best; the corpus score is the mean over segments.

    Options (keyword-only), declared in :class:`~evalkit.text._meteor_common.MeteorOptions`:

    {options}

    METEOR's signature has the number of references (``nrefs``), then nltk's options.

    Example:
        >>> m = METEOR()
        >>> hyp = "it is a guide to action which ensures that the military always obeys the commands of the party"
        >>> ref = "it is a guide to action that ensures that the military will forever heed party commands"
        >>> round(float(m([hyp], [ref])), 4)
        0.6944
    """

    name: ClassVar[str] = "meteor"
    options_type: ClassVar[type[MeteorOptions]] = MeteorOptions
    options: MeteorOptions
    # below this many segments the set-up of the numpy backend costs more than it saves
    numpy_from: ClassVar[int] = 32

    def __init__(
        self,
        *,
        modules: Sequence[str] = MODULES,
        alpha: float = 0.9,
        beta: float = 3.0,
        gamma: float = 0.5,
        tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
        lowercase: bool = True,
        wordnet: Any = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    def _custom_objects(self) -> tuple[Any, ...]:
        # a user's tokenizer or synonym function: merges need those very objects
        o = self.options
        return tuple(x for x in (o.tokenize, o.wordnet) if x is not None and not isinstance(x, str))

    @cached_property
    def _aligner(self) -> Aligner:
        """The staged alignment, its caches of stems and synonyms kept across batches."""
        modules = self.options.modules
        return Aligner(modules, _synonym_source(self.options.wordnet) if "synonym" in modules else None)

    # -- statistics ---------------------------------------------------------------------------------
    def _tokens(self, hyps: list[Any], refs: list[list[Any]]) -> tuple[list[list[str]], list[list[list[str]]]]:
        """Token lists of checked inputs (as ``text_pairs`` returns them), lowercased if asked."""
        if hyps and isinstance(hyps[0], str):
            tok = self.options.tokenizer
            if self.options.lowercase and type(tok) is WhitespaceTokenizer:
                # the same tokens as lowercasing each token (no lowercase mapping creates or removes
                # whitespace, and whitespace ends the context of a final sigma), in one pass per line
                return [h.lower().split() for h in hyps], [[x.lower().split() for x in r] for r in refs]
            hyps = tok.tokenize_batch(hyps)
            refs = [tok.tokenize_batch(r) for r in refs]
        return self._lowercased(hyps, refs)

    def _lowercased(
        self, hyps: list[list[str]], refs: list[list[list[str]]]
    ) -> tuple[list[list[str]], list[list[list[str]]]]:
        if self.options.lowercase:
            hyps = [[t.lower() for t in h] for h in hyps]
            refs = [[[t.lower() for t in x] for x in r] for r in refs]
        return hyps, refs

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Per segment: ``score, 1, matches, chunks, hyp_len, ref_len`` (of the best reference)."""
        o = self.options
        options = (self._aligner, o.alpha, o.beta, o.gamma)
        # token lists and alignment tuples by the million, none in a reference cycle
        with gc_paused():
            if backend == "python":
                return _segment_stats(*self._tokens(hypotheses, references), *options)
            from evalkit.text import _meteor_numpy

            if not isinstance(hypotheses[0], str):
                tokens = self._lowercased(hypotheses, references)
                if use_compiled():
                    return _meteor_numpy.compiled_token_stats(*tokens, *options)
                return _meteor_numpy.segment_stats(*tokens, *options)
            if use_compiled():
                rows = self._compiled_rows(hypotheses, references, options)
                if rows is not None:
                    return rows
            # strings: one token stream per side, lines separated by a token that no line contains
            vocab = self._aligner.vocabulary()
            hyp_ids, hyp_len = _meteor_numpy.flat_ids(*self._stream(hypotheses), vocab)
            flat_refs = list(chain.from_iterable(references))
            ref_ids, ref_len = _meteor_numpy.flat_ids(*self._stream(flat_refs), vocab)
            n_refs = np.fromiter(map(len, references), dtype=np.int64, count=len(references))
            return _meteor_numpy.stream_stats(hyp_ids, hyp_len, ref_ids, ref_len, n_refs, *options)

    def _compiled_rows(self, hypotheses: list[str], references: list[list[str]], options: tuple) -> np.ndarray | None:
        """The rows by the compiled kernels, from one joined text of the hypotheses and references; None
        where the tokenizer cannot join them with a one-character separator."""
        from evalkit.text import _meteor_numpy

        joined = self.options.tokenizer._joined_text(hypotheses + list(chain.from_iterable(references)))
        if joined is None or len(joined[1]) != 1:
            return None
        text, sep = joined
        if self.options.lowercase:
            # the same words as lowercasing each word: lowercasing creates and removes no whitespace (nor
            # the separator, a control character), and whitespace ends the context of a final sigma
            text = text.lower()
        n_refs = np.fromiter(map(len, references), dtype=np.int64, count=len(references))
        return _meteor_numpy.compiled_stats(text, sep, n_refs, *options)

    def _stream(self, lines: list[str]) -> tuple[list[str], str]:
        """All tokens of ``lines`` (lowercased if asked) in one list, and the separator token between lines."""
        tok = self.options.tokenizer
        if self.options.lowercase and type(tok) is WhitespaceTokenizer:
            # the same tokens as lowercasing each token (see _tokens)
            lines = [line.lower() for line in lines]
            tokens, sep = tok.tokenize_joined(lines)
        else:
            tokens, sep = tok.tokenize_joined(lines)
            if self.options.lowercase:
                tokens = [t.lower() for t in tokens]  # the separator, a control character, stays itself
        return tokens, sep

    # -- scoring ------------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        return stat_rows(self._owner, param, totals, layout=_STATS_LAYOUT)

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return mean_scores(totals)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        components = {
            "segments": int(total[1]),
            "matches": int(total[2]),
            "chunks": int(total[3]),
            "hyp_len": int(total[4]),
            "ref_len": int(total[5]),
        }
        return Result("METEOR", float(self.formula(total[None, :])[0]), components, signature)


def _segment_stats(
    hyps: list[list[str]], refs: list[list[list[str]]], aligner: Aligner, alpha: float, beta: float, gamma: float
) -> np.ndarray:
    """The reference implementation: each segment aligned against each reference, the best kept."""
    rows = np.zeros((len(hyps), 6), dtype=np.float64)
    for k, (hyp, segment_refs) in enumerate(zip(hyps, refs)):
        best = None
        for ref in segment_refs:
            matches, chunks = aligner.align(hyp, ref)
            value = fragment_score(matches, chunks, len(hyp), len(ref), alpha, beta, gamma)
            if best is None or value > best[0]:
                best = (value, 1, matches, chunks, len(hyp), len(ref))
        rows[k] = best
    return rows


def _synonym_source(wordnet: Any) -> Callable[[str], Iterable[str]]:
    """The synonym stage's ``word -> synonyms`` of a checked ``wordnet`` option (the bundled WordNet is read
    on the first lookup)."""
    from evalkit.lexicon import wordnet as bundled

    if wordnet is None:
        return bundled.synonyms
    if hasattr(wordnet, "synsets"):
        return bundled.nltk_synonyms(wordnet)
    return wordnet


def meteor(
    hypotheses: Any,
    references: Any,
    *,
    modules: Sequence[str] = MODULES,
    alpha: float = 0.9,
    beta: float = 3.0,
    gamma: float = 0.5,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    lowercase: bool = True,
    wordnet: Any = None,
    backend: str = "auto",
) -> Result:
    """Corpus METEOR: the mean of nltk's segment scores (options as :class:`METEOR`).

    Example:
        >>> r = meteor(["the cat sat on the mat"], [["a cat sat on the mat", "the cat is on a mat"]])
        >>> round(r.score, 4), r.components["matches"], r.components["chunks"]
        (0.83, 5, 1)
    """
    return METEOR.bound("meteor", locals())(hypotheses, references)


def sentence_meteor(
    hypotheses: Any,
    references: Any,
    *,
    modules: Sequence[str] = MODULES,
    alpha: float = 0.9,
    beta: float = 3.0,
    gamma: float = 0.5,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    lowercase: bool = True,
    wordnet: Any = None,
    backend: str = "auto",
) -> np.ndarray:
    """nltk's ``meteor_score`` of each segment, as a float array of shape ``(n_segments,)`` (options as
    :class:`METEOR`).

    Example:
        >>> sentence_meteor(["the cat sat", "purchased a car"], [["the cat sat"], ["bought a car"]]).tolist()
        [0.9814814814814815, 0.625]
    """
    return METEOR.bound("sentence_meteor", locals()).segment_scores(hypotheses, references)
