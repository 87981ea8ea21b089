"""METEOR, exact to ``nltk.translate.meteor_score`` (cross-checked against nltk 3.10), with WordNet bundled.

For a hypothesis ``h`` and a reference ``r`` (tokens lowercased, as nltk's ``preprocess=str.lower``),
words are aligned in stages, each on the words the previous stages left unmatched:

1. ``exact``: equal words;
2. ``stem``: equal Porter stems (nltk's ``PorterStemmer()``: :mod:`evalkit.text.porter`);
3. ``synonym``: the reference word is a WordNet synonym of the hypothesis word
   (:func:`evalkit.text.wordnet.synonyms`).

Within a stage nltk walks the hypothesis from its last word to its first and gives each word the
*last* still unmatched reference position that qualifies (greedy; it does not minimise chunks). With
``m`` matches, ``c`` chunks (maximal runs of matches adjacent in both sentences, in hypothesis order)::

    P = m / |h|     R = m / |r|     Fmean = P * R / (alpha * P + (1 - alpha) * R)
    penalty = gamma * (c / m) ** beta           score = (1 - penalty) * Fmean

and 0 when ``m == 0``. With several references the segment takes the best score. The corpus score is
the mean of the segment scores; the statistics of a segment are ``(score, 1, matches, chunks,
hypothesis length, reference length)`` of its best reference, so corpora merge by summing.

This module is the metric and its reference backend (``backend="python"``); ``_meteor_numpy.py`` is the
vectorized one. The alignment and the arithmetic both run are in ``_meteor_common.py``, which imports
neither.

nltk quirks kept on purpose: the stem stage hands *stems* on to the synonym stage ("purchased" reaches
WordNet as "purchas", so it never meets "bought" or "buy"); WordNet lemma names keep their case, so
"thursday" never matches the synonym "Thursday"; the hypothesis word counts as its own synonym.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.gc_pause import gc_paused
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import check_bool, check_choice, check_number, stat_rows, text_pairs
from evalkit.text._meteor_common import (  # shared with the numpy backend; importable here as before
    Aligner,
    fragment_score,
    match_synonyms,  # noqa: F401
    mean_scores,
)
from evalkit.tokenizers import get_tokenizer
from evalkit.tokenizers.base import Tokenizer
from evalkit.tokenizers.none import WhitespaceTokenizer

MODULES = ("exact", "stem", "synonym")
# the columns of a statistics row (of the best reference of a segment)
_STATS_LAYOUT = ("score", "segments", "matches", "chunks", "hyp_len", "ref_len")
BACKENDS = ("python", "numpy", "auto")
# below this many segments the set-up of the numpy backend costs more than it saves
_AUTO_NUMPY_MIN_SEGMENTS = 32


def _check_modules(owner: str, modules: Any) -> tuple[str, ...]:
    if isinstance(modules, str):
        modules = (modules,)
    try:
        chosen = tuple(modules)
    except TypeError:
        chosen = (modules,)
    for module in chosen:
        check_choice(owner, "modules", module, MODULES)
    if "exact" not in chosen:
        # nltk always aligns equal words first; the later stages only see what it leaves
        raise InvalidOptionError(
            f"The 'modules' parameter of {owner} must include 'exact' (allowed: {', '.join(map(repr, MODULES))}). "
            f"Got {chosen!r} instead."
        )
    return tuple(m for m in MODULES if m in chosen)


@register
class METEOR(Metric):
    """METEOR (Lavie & Agarwal, 2007) exactly as ``nltk.translate.meteor_score`` computes it.

    The segment score is ``(1 - gamma * (chunks / matches) ** beta) * P * R / (alpha * P + (1 - alpha) * R)``
    over the words aligned by the ``modules`` stages (see :mod:`evalkit.text.meteor`); with several
    references, the best; the corpus score is the mean over segments.

    Parameters:
        modules: the matching stages, among ``"exact"``, ``"stem"``, ``"synonym"`` (``"exact"`` always).
        alpha, beta, gamma: nltk's defaults ``0.9, 3.0, 0.5``; ``alpha`` and ``gamma`` in [0, 1].
        tokenize: how strings are split (a registered tokenizer name or a callable); token lists are
            used as given.
        lowercase: lowercase every token first (nltk's ``preprocess=str.lower``).
        wordnet: ``None`` for the bundled WordNet 3.0 (no download), an nltk WordNet corpus reader, or a
            function ``word -> iterable of synonyms``.
        backend: ``"python"`` (the reference), ``"numpy"`` (vectorized) or ``"auto"`` (numpy from 32
            segments on); all give equal statistics.

    Example:
        >>> m = METEOR()
        >>> hyp = "it is a guide to action which ensures that the military always obeys the commands of the party"
        >>> ref = "it is a guide to action that ensures that the military will forever heed party commands"
        >>> round(float(m([hyp], [ref])), 4)
        0.6944
    """

    name = "meteor"

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
        super().__init__()
        owner = self.name
        self.modules = _check_modules(owner, modules)
        self.alpha = check_number(owner, "alpha", alpha, low=0, high=1)
        self.beta = check_number(owner, "beta", beta, low=0)
        self.gamma = check_number(owner, "gamma", gamma, low=0, high=1)
        self.tokenizer = get_tokenizer(tokenize, owner=owner)
        self.lowercase = check_bool(owner, "lowercase", lowercase)
        self.backend = check_choice(owner, "backend", backend, BACKENDS)
        self._wordnet_name, self._synonyms = _synonym_source(owner, wordnet)
        self._cached_aligner: Aligner | None = None
        # a user's tokenizer or synonym function: merges need those very objects
        self._custom = tuple(x for x in (tokenize, wordnet) if x is not None and not isinstance(x, str))

    def _custom_objects(self) -> tuple[Any, ...]:
        return self._custom

    def signature(self) -> Signature:
        return Signature.of(
            self.name,
            modules=self.modules,
            alpha=self.alpha,
            beta=self.beta,
            gamma=self.gamma,
            tok=self.tokenizer.name,
            lc=self.lowercase,
            wordnet=self._wordnet_name if "synonym" in self.modules else "none",
        )

    # -- statistics ---------------------------------------------------------------------------------
    def _tokens(self, hyps: list[Any], refs: list[list[Any]]) -> tuple[list[list[str]], list[list[list[str]]]]:
        """Token lists of checked inputs (as ``text_pairs`` returns them), lowercased if asked."""
        if hyps and isinstance(hyps[0], str):
            if self.lowercase and type(self.tokenizer) is WhitespaceTokenizer:
                # the same tokens as lowercasing each token (no lowercase mapping creates or removes
                # whitespace, and whitespace ends the context of a final sigma), in one pass per line
                return [h.lower().split() for h in hyps], [[x.lower().split() for x in r] for r in refs]
            tok = self.tokenizer
            hyps = tok.tokenize_batch(hyps)
            refs = [tok.tokenize_batch(r) for r in refs]
        return self._lowercased(hyps, refs)

    def _lowercased(
        self, hyps: list[list[str]], refs: list[list[list[str]]]
    ) -> tuple[list[list[str]], list[list[list[str]]]]:
        if self.lowercase:
            hyps = [[t.lower() for t in h] for h in hyps]
            refs = [[[t.lower() for t in x] for x in r] for r in refs]
        return hyps, refs

    def stats(self, hypotheses: Any, references: Any) -> np.ndarray:
        """Per segment: ``score, 1, matches, chunks, hyp_len, ref_len`` (of the best reference)."""
        options = (self._aligner(), self.alpha, self.beta, self.gamma)
        # token lists and alignment tuples by the million, none in a reference cycle
        with gc_paused():
            hyps, refs = text_pairs(self.name, hypotheses, references)
            if self.backend == "python" or (self.backend == "auto" and len(hyps) < _AUTO_NUMPY_MIN_SEGMENTS):
                return _segment_stats(*self._tokens(hyps, refs), *options)
            from evalkit.text import _meteor_numpy

            if not isinstance(hyps[0], str):
                return _meteor_numpy.segment_stats(*self._lowercased(hyps, refs), *options)
            # strings: one token stream per side, lines separated by a token that no line contains
            vocab = options[0].vocabulary()
            hyp_ids, hyp_len = _meteor_numpy.flat_ids(*self._stream(hyps), vocab)
            flat_refs = list(chain.from_iterable(refs))
            ref_ids, ref_len = _meteor_numpy.flat_ids(*self._stream(flat_refs), vocab)
            n_refs = np.fromiter(map(len, refs), dtype=np.int64, count=len(refs))
            return _meteor_numpy.stream_stats(hyp_ids, hyp_len, ref_ids, ref_len, n_refs, *options)

    def _stream(self, lines: list[str]) -> tuple[list[str], str]:
        """All tokens of ``lines`` (lowercased if asked) in one list, and the separator token between lines."""
        if self.lowercase and type(self.tokenizer) is WhitespaceTokenizer:
            # the same tokens as lowercasing each token (see _tokens)
            lines = [line.lower() for line in lines]
            tokens, sep = self.tokenizer.tokenize_joined(lines)
        else:
            tokens, sep = self.tokenizer.tokenize_joined(lines)
            if self.lowercase:
                tokens = [t.lower() for t in tokens]  # the separator, a control character, stays itself
        return tokens, sep

    def _aligner(self) -> Aligner:
        if self._cached_aligner is None:
            synonyms = self._synonyms() if "synonym" in self.modules else None
            self._cached_aligner = Aligner(self.modules, synonyms)
        return self._cached_aligner

    def score(self, total: Any) -> Result:
        """The Result of summed statistics (a 1-D row, as :meth:`stats` rows summed). Pure."""
        rows = stat_rows(self.name, "total", total, layout=_STATS_LAYOUT)
        if len(rows) != 1:
            raise InputError(f"{self.name}: 'total' must be one summed row; got {len(rows)} rows.")
        total = rows[0]
        value = float(mean_scores(rows)[0])
        components = {
            "segments": int(total[1]),
            "matches": int(total[2]),
            "chunks": int(total[3]),
            "hyp_len": int(total[4]),
            "ref_len": int(total[5]),
        }
        return Result("METEOR", value, components, self.signature())

    def scores(self, totals: np.ndarray) -> np.ndarray:
        return mean_scores(stat_rows(self.name, "totals", totals, layout=_STATS_LAYOUT))


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


def _synonym_source(owner: str, wordnet: Any) -> tuple[str, Callable[[], Callable[[str], Iterable[str]]]]:
    """``(signature name, factory of the synonym function)``; the factory defers loading to first use."""
    from evalkit.text import wordnet as bundled

    if wordnet is None:
        return "3.0-bundled", lambda: bundled.synonyms
    if hasattr(wordnet, "synsets"):
        lookup = bundled.nltk_synonyms(wordnet)
        return "nltk", lambda: lookup
    if callable(wordnet):
        return "custom", lambda: wordnet
    raise InvalidOptionError(
        f"The 'wordnet' parameter of {owner} must be None (the bundled WordNet 3.0), an nltk WordNet corpus "
        f"reader, or a function word -> synonyms. Got {wordnet!r:.60} instead."
    )


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
    metric = METEOR(
        modules=modules,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        tokenize=tokenize,
        lowercase=lowercase,
        wordnet=wordnet,
        backend=backend,
    )
    return metric(hypotheses, references)


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
    metric = METEOR(
        modules=modules,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        tokenize=tokenize,
        lowercase=lowercase,
        wordnet=wordnet,
        backend=backend,
    )
    return metric.scores(metric.stats(hypotheses, references))
