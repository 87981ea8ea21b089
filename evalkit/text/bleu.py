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
(:mod:`evalkit.text._bleu_numpy`) is vectorized over the corpus; both give identical integer rows.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import BACKENDS, choose_backend
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import check_bool, check_choice, check_int, check_number, count_matrix, text_pairs
from evalkit.text._references import nrefs_extras, nrefs_label
from evalkit.text.ngrams import ngram_counts
from evalkit.tokenizers import Tokenizer, get_tokenizer

SACREBLEU_SMOOTHING = ("none", "floor", "add-k", "exp")
NLTK_SMOOTHING = tuple(f"method{i}" for i in range(8))
SMOOTHING = SACREBLEU_SMOOTHING + NLTK_SMOOTHING
#: ``smooth_value`` when none is given: sacrebleu's floor and add-k values; nltk's ``SmoothingFunction``
#: epsilon (method1), k (method4, method7) and alpha (method6). Other methods take no value.
SMOOTH_DEFAULTS: dict[str, float] = {
    "floor": 0.1,
    "add-k": 1.0,
    "method1": 0.1,
    "method4": 5.0,
    "method6": 5.0,
    "method7": 5.0,
}
CONVENTIONS = ("sacrebleu", "nltk")

# nltk's method5 averages p_{n-1}, p_n, p_{n+1}; for the last order it reads the 5-gram precision
# (``modified_precision(..., 5)``, hard-coded), so its rows carry orders up to max(max_order, 5).
_ORDER5_METHODS = ("method5", "method7")
# sacrebleu's my_log(0)
_LOG_ZERO = -9999999999.0
# the numpy backend's fixed set-up outweighs its speed on a single segment only (measured with 13a:
# 0.9 ms python vs 1.3 ms numpy for 1 segment, 1.6 vs 1.3 for 2, 27 vs 7 for 64)
_AUTO_NUMPY_MIN_SEGMENTS = 2


# -- options -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scoring:
    """The options that turn summed statistics into a score."""

    max_order: int
    weights: tuple[float, ...] | None  # None: uniform, 1 / max_order each
    smooth: str
    smooth_value: float | None
    effective_order: bool
    convention: str

    @property
    def stat_order(self) -> int:
        """The number of n-gram orders the statistics rows must carry."""
        return max(self.max_order, 5) if self.smooth in _ORDER5_METHODS else self.max_order

    def signature_items(self) -> dict[str, Any]:
        """sacrebleu's ``eff`` and ``smooth`` (``floor[0.10]``), then evalkit's options when not default."""
        smooth = self.smooth if self.smooth_value is None else f"{self.smooth}[{self.smooth_value:.2f}]"
        items: dict[str, Any] = {"eff": self.effective_order, "smooth": smooth}
        if self.max_order != 4:
            items["order"] = self.max_order
        if self.weights is not None:
            items["weights"] = ",".join(f"{w:g}" for w in self.weights)
        if self.convention != "sacrebleu":
            items["conv"] = self.convention
        return items


def _weight_vectors(owner: str, weights: Any) -> tuple[list[tuple[float, ...]] | None, bool]:
    """``(vectors, several)``: one tuple per weight vector, and whether a list of vectors was given."""
    if weights is None:
        return None, False
    if isinstance(weights, np.ndarray):
        weights = weights.tolist()
    bad = InvalidOptionError(
        f"The 'weights' parameter of {owner} must be a sequence of non-negative numbers (one per n-gram order, "
        f"nltk-style, e.g. (0.25, 0.25, 0.25, 0.25)), a list of such sequences, or None. Got {weights!r} instead."
    )
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence) or not weights:
        raise bad
    several = all(isinstance(w, (Sequence, np.ndarray)) and not isinstance(w, (str, bytes)) for w in weights)
    vectors = []
    for vector in weights if several else [weights]:
        values = list(vector)
        if not values or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 for v in values
        ):
            raise bad
        vectors.append(tuple(float(v) for v in values))
    return vectors, several


def _parse_scoring(
    owner: str,
    *,
    max_order: Any,
    weights: Any,
    smooth: Any,
    smooth_value: Any,
    effective_order: Any,
    convention: Any,
) -> tuple[list[_Scoring], bool]:
    """Check the scoring options; one :class:`_Scoring` per weight vector, and whether there were several."""
    vectors, several = _weight_vectors(owner, weights)
    longest = max(len(v) for v in vectors) if vectors else None
    if max_order is None:
        max_order = longest or 4
    max_order = check_int(owner, "max_order", max_order, minimum=1)
    if longest is not None and longest > max_order:
        raise InvalidOptionError(
            f"The 'weights' parameter of {owner} has a vector of {longest} weights but max_order={max_order}; "
            f"give at most max_order weights per vector (missing ones count as 0) or leave max_order out."
        )
    check_choice(owner, "smooth", smooth, SMOOTHING)
    if smooth_value is None:
        smooth_value = SMOOTH_DEFAULTS.get(smooth)
    elif smooth not in SMOOTH_DEFAULTS:
        takes = ", ".join(repr(s) for s in SMOOTH_DEFAULTS)
        raise InvalidOptionError(
            f"The 'smooth_value' parameter of {owner} applies to smooth in {takes}; smooth={smooth!r} takes none. "
            f"Got smooth_value={smooth_value!r}."
        )
    else:
        # method4/7 divide by k and method6 by alpha (when no n-gram of the order exists): keep them positive
        positive = smooth in ("method4", "method6", "method7")
        smooth_value = check_number(owner, "smooth_value", smooth_value, low=0, low_open=positive)
    effective_order = check_bool(owner, "effective_order", effective_order)
    check_choice(owner, "convention", convention, CONVENTIONS)
    out = []
    for vector in vectors or [None]:
        padded = None if vector is None else vector + (0.0,) * (max_order - len(vector))
        if padded is not None and all(w == 1 / max_order for w in padded):
            padded = None  # explicit uniform weights are the default, and print as it
        if effective_order and padded is not None and len(set(padded)) > 1:
            raise InvalidOptionError(
                f"The 'effective_order' parameter of {owner} re-weights the orders that have n-grams uniformly, "
                f"so it needs uniform weights (weights=None); pass effective_order=False for custom weights. "
                f"Got weights={vector!r}."
            )
        out.append(_Scoring(max_order, padded, smooth, smooth_value, effective_order, convention))
    return out, several


# -- statistics ----------------------------------------------------------------------------------


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


def _apply_convention(rows: np.ndarray, stat_order: int, convention: str) -> np.ndarray:
    """nltk counts at least one n-gram per order and segment; sacrebleu counts what is there."""
    if convention == "nltk":
        rows = rows.copy()
        np.maximum(rows[:, 2 + stat_order :], 1, out=rows[:, 2 + stat_order :])
    return rows


# -- scoring -------------------------------------------------------------------------------------


def _brevity_penalty(hyp_len: np.ndarray, ref_len: np.ndarray) -> np.ndarray:
    short = hyp_len < ref_len
    bp = np.ones(hyp_len.shape)
    ok = short & (hyp_len > 0)
    bp[ok] = np.exp(1.0 - ref_len[ok] / hyp_len[ok])
    bp[short & (hyp_len == 0)] = 0.0
    return bp


def _sacrebleu_scores(correct: np.ndarray, total: np.ndarray, s: _Scoring) -> tuple[np.ndarray, np.ndarray]:
    """``(log-mean, precisions)`` per row, as sacrebleu's ``BLEU.compute_bleu``."""
    n = s.max_order
    c, t = correct[:, :n].copy(), total[:, :n].copy()
    if s.smooth == "add-k":
        c[:, 1:] += s.smooth_value
        t[:, 1:] += s.smooth_value
    # sacrebleu stops at the first order without hypothesis n-grams: it and every later order stay 0
    reached = np.cumprod(t > 0, axis=1).astype(bool)
    zero = reached & (c == 0)
    safe_t = np.where(reached, t, 1.0)
    p = np.where(reached, c / safe_t, 0.0)
    if s.smooth == "exp":  # 1/2, 1/4, ... of a count for each successive order without a match
        p = np.where(zero, 1.0 / (2.0 ** np.cumsum(zero, axis=1) * safe_t), p)
    elif s.smooth == "floor":
        p = np.where(zero, s.smooth_value / safe_t, p)
    log_p = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), _LOG_ZERO)
    if s.weights is not None:
        return log_p @ np.asarray(s.weights), p
    eff = reached.sum(axis=1) if s.effective_order else np.full(len(p), n)
    eff = np.where(eff == 0, n, eff)  # nothing reached: sacrebleu keeps max_order
    used = np.arange(n) < eff[:, None]
    return np.where(used, log_p, 0.0).sum(axis=1) / eff, p


def _nltk_scores(
    correct: np.ndarray, total: np.ndarray, hyp_len: np.ndarray, s: _Scoring
) -> tuple[np.ndarray, np.ndarray]:
    """``(log-mean, precisions)`` per row, as nltk's ``corpus_bleu`` with ``SmoothingFunction().<method>``."""
    n = s.max_order
    c = correct[:, :n]
    # nltk's denominators are never 0 (max(1, count) per segment); a summed total of 0 under sacrebleu's
    # convention (every hypothesis shorter than the order) divides by 1, as nltk's convention would
    den = np.maximum(total, 1.0)
    zero = c == 0
    p = c / den[:, :n]
    method = s.smooth
    if method == "method0":  # nltk keeps a zero precision as the smallest float, so log() stays finite
        p = np.where(zero, sys.float_info.min, p)
    elif method == "method1":
        p = np.where(zero, s.smooth_value / den[:, :n], p)
    elif method == "method2":  # add one to numerator and denominator, unigrams excepted
        p[:, 1:] = (c[:, 1:] + 1.0) / (total[:, 1:n] + 1.0)
    elif method == "method3":
        p = np.where(zero, 1.0 / (2.0 ** np.cumsum(zero, axis=1) * den[:, :n]), p)
    if method in ("method4", "method7"):
        # shorter hypotheses get smaller smoothed counts: 1 / (2^k * K / ln(hyp_len)); none for hyp_len <= 1
        applies = zero & (hyp_len > 1)[:, None]
        log_len = np.log(np.where(hyp_len > 1, hyp_len, 2.0))[:, None]
        smoothed = 1.0 / (2.0 ** np.cumsum(applies, axis=1) * s.smooth_value / log_len) / den[:, :n]
        p = np.where(applies, smoothed, p)
    if method in ("method5", "method7"):
        # average of the (already smoothed) n-1, n and n+1 precisions; before order 1 stands p_1 + 1,
        # after the last order nltk's 5-gram precision
        following = np.concatenate([p, (correct[:, 4] / den[:, 4])[:, None]], axis=1)
        previous = p[:, 0] + 1.0
        p = p.copy()
        for i in range(n):
            p[:, i] = (previous + following[:, i] + following[:, i + 1]) / 3.0
            previous = p[:, i]
    elif method == "method6":
        # interpolate with the prior p_{n-1}^2 / p_{n-2} (orders 3 and up, using already smoothed values);
        # l is the number of n-grams in the hypothesis: 0 when it is shorter than n
        alpha = s.smooth_value
        for i in range(2, n):
            prior = np.where(p[:, i - 2] == 0, 0.0, p[:, i - 1] ** 2 / np.where(p[:, i - 2] == 0, 1.0, p[:, i - 2]))
            length = np.where(hyp_len < i + 1, 0.0, total[:, i])
            p[:, i] = (c[:, i] + alpha * prior) / (length + alpha)
    log_p = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)  # nltk leaves p_n = 0 out of the sum
    weights = np.full(n, 1.0 / n) if s.weights is None else np.asarray(s.weights)
    weighted = np.broadcast_to(weights, p.shape)
    if s.effective_order:  # nltk's auto_reweigh: a hypothesis shorter than max_order counts its own orders
        h = hyp_len[:, None]
        weighted = np.where((h < n) & (h > 0), np.where(np.arange(n) < h, 1.0 / np.maximum(h, 1), 0.0), weighted)
    return (weighted * log_p).sum(axis=1), p


def _score_rows(totals: np.ndarray, s: _Scoring) -> dict[str, np.ndarray]:
    """Score, precisions and brevity penalty of each row of summed statistics (the one scoring code)."""
    k = (totals.shape[1] - 2) // 2
    f = totals.astype(np.float64)
    hyp_len, ref_len = f[:, 0], f[:, 1]
    correct, total = f[:, 2 : 2 + k], f[:, 2 + k :]
    bp = _brevity_penalty(hyp_len, ref_len)
    if s.smooth in SACREBLEU_SMOOTHING:
        log_mean, precisions = _sacrebleu_scores(correct, total, s)
        matched = (correct[:, : s.max_order] > 0).any(axis=1)
    else:
        log_mean, precisions = _nltk_scores(correct, total, hyp_len, s)
        matched = correct[:, 0] > 0
    # no unigram match: both libraries return 0 (and sacrebleu reports precisions of 0)
    score = np.where(matched, bp * np.exp(log_mean), 0.0)
    precisions = np.where(matched[:, None], precisions, 0.0)
    return {"score": score, "precisions": precisions, "bp": bp}


def _checked_totals(owner: str, stats: Any, s: _Scoring, *, param: str = "stats") -> np.ndarray:
    rows = count_matrix(owner, param, stats)
    width = rows.shape[1]
    k = (width - 2) // 2
    if width < 4 or width % 2 or k < s.stat_order:
        why = f" (smooth={s.smooth!r} reads the 5-gram precision)" if s.stat_order > s.max_order else ""
        raise InputError(
            f"{owner}: {param!r} must have 2 + 2*K columns [hyp_len, ref_len, correct_1..K, total_1..K] with "
            f"K >= {s.stat_order}{why}; got {width} columns. Pass max_order=K for statistics of K orders."
        )
    return rows


def _result(total: np.ndarray, s: _Scoring, signature: Signature) -> Result:
    k = (len(total) - 2) // 2
    scored = _score_rows(total[None, :], s)
    n = s.max_order
    hyp_len, ref_len = int(total[0]), int(total[1])
    return Result(
        "BLEU",
        float(scored["score"][0]),
        {
            "precisions": [float(p) for p in scored["precisions"][0]],
            "bp": float(scored["bp"][0]),
            "ratio": hyp_len / ref_len if ref_len else 0.0,
            "hyp_len": hyp_len,
            "ref_len": ref_len,
            "counts": [int(x) for x in total[2 : 2 + n]],
            "totals": [int(x) for x in total[2 + k : 2 + k + n]],
        },
        signature,
        display_scale=100,
    )


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
    scorings, several = _parse_scoring(
        "bleu_from_stats",
        max_order=max_order,
        weights=weights,
        smooth=smooth,
        smooth_value=smooth_value,
        effective_order=effective_order,
        convention=convention,
    )
    if several:
        raise _several_weights("bleu_from_stats", "[bleu_from_stats(stats, weights=w) for w in vectors]")
    rows = _checked_totals("bleu_from_stats", stats, scorings[0])
    total = _apply_convention(rows, (rows.shape[1] - 2) // 2, convention).sum(axis=0)
    return _result(total, scorings[0], Signature.of("bleu", **scorings[0].signature_items()))


def _several_weights(owner: str, instead: str) -> InvalidOptionError:
    return InvalidOptionError(
        f"The 'weights' parameter of {owner} takes one weight vector (its return type never changes with "
        f"the options); for several vectors from one pass over the data use {instead}."
    )


# -- the metric ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Config:
    owner: str
    scoring: _Scoring
    tokenizer: Tokenizer
    lowercase: bool
    backend: str
    custom: tuple[Any, ...]  # a user's tokenizer object: merges need that very object


def _parse(owner: str, options: dict[str, Any]) -> tuple[list[_Config], bool]:
    tokenize = options.pop("tokenize")
    lowercase = check_bool(owner, "lowercase", options.pop("lowercase"))
    backend = check_choice(owner, "backend", options.pop("backend"), BACKENDS)
    scorings, several = _parse_scoring(owner, **options)
    tokenizer = get_tokenizer(tokenize, owner=owner)
    custom = () if isinstance(tokenize, str) else (tokenize,)
    return [_Config(owner, s, tokenizer, lowercase, backend, custom) for s in scorings], several


@register
class BLEU(Metric):
    """BLEU as a metric object: ``update`` / ``merge`` / ``compute``, or called on a corpus.

    Options (keyword-only, checked here):

    - ``max_order`` (4, or the length of ``weights``): the highest n-gram order;
    - ``weights``: one nltk-style weight per order (None: uniform ``1/max_order``);
    - ``smooth``: ``"exp"`` (default), ``"none"``, ``"floor"``, ``"add-k"`` (sacrebleu) or ``"method0"`` ..
      ``"method7"`` (nltk); ``smooth_value``: floor's or add-k's value, nltk's epsilon / k / alpha;
    - ``effective_order``: leave out the orders a short hypothesis has no n-grams of;
    - ``tokenize``: a registered tokenizer name (``"13a"``), a :class:`Tokenizer` or a ``str -> list[str]``
      callable; pre-tokenized input (lists of tokens, nltk's layout) with ``tokenize="none"``;
    - ``lowercase``: lowercase before tokenizing;
    - ``convention``: ``"sacrebleu"`` or ``"nltk"`` counting of orders a hypothesis is too short for;
    - ``backend``: ``"python"`` (reference), ``"numpy"`` (vectorized) or ``"auto"``; equal statistics.

    Per-segment Results: :meth:`sentence_scores`; per-segment floats: :func:`sentence_bleu`.

    Example:
        >>> m = BLEU(tokenize="none")
        >>> round(m.update(["the cat sat on the mat"], [["the cat sat on a mat"]]).compute().score, 4)
        0.5373
    """

    name: ClassVar[str] = "bleu"

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
        options = {
            "max_order": max_order,
            "weights": weights,
            "smooth": smooth,
            "smooth_value": smooth_value,
            "effective_order": effective_order,
            "tokenize": tokenize,
            "lowercase": lowercase,
            "convention": convention,
            "backend": backend,
        }
        configs, several = _parse(self.name, options)
        if several:
            raise InvalidOptionError(
                f"The 'weights' parameter of {self.name} takes one weight vector in a BLEU object; for several at "
                "once use bleu_weights(...) or sentence_bleu_weights(...), or one BLEU per vector."
            )
        super().__init__()
        self._config = configs[0]

    @classmethod
    def _of(cls, config: _Config) -> BLEU:
        metric = cls.__new__(cls)
        Metric.__init__(metric)
        metric._config = config
        return metric

    def _custom_objects(self) -> tuple[Any, ...]:
        return self._config.custom

    # -- statistics ------------------------------------------------------------------------------
    def _tokenized(self, lines: list[Any], pretokenized: bool) -> list[list[str]]:
        lower = self._config.lowercase
        if pretokenized:
            return [[t.lower() for t in tokens] if lower else tokens for tokens in lines]
        # sacrebleu's _preprocess_segment: lowercase, strip trailing whitespace, tokenize (the strip
        # matters for intl, whose rules read the character after a punctuation mark)
        return self._config.tokenizer.tokenize_batch([(line.lower() if lower else line).rstrip() for line in lines])

    def _rows(self, hypotheses: Any, references: Any) -> tuple[np.ndarray, list[int]]:
        """Checked inputs to statistics rows (convention applied) and each segment's number of references."""
        cfg = self._config
        hyps, refs = text_pairs(cfg.owner, hypotheses, references)
        pretokenized = not isinstance(hyps[0], str)
        if pretokenized and cfg.tokenizer.name != "none":
            raise InvalidOptionError(
                f"{cfg.owner}: pre-tokenized input (lists of tokens) needs tokenize='none'; "
                f"got tokenize={cfg.tokenizer.name!r}, which would split the tokens again."
            )
        order = cfg.scoring.stat_order
        backend = choose_backend(cfg.owner, cfg.backend, len(hyps), numpy_from=_AUTO_NUMPY_MIN_SEGMENTS)
        if backend == "numpy":
            from evalkit.text._bleu_numpy import corpus_stats

            rows = corpus_stats(hyps, refs, tokenizer=cfg.tokenizer, lowercase=cfg.lowercase, max_order=order)
        else:
            flat = iter(self._tokenized([r for seg in refs for r in seg], pretokenized))
            tok_refs = [[next(flat) for _ in seg] for seg in refs]
            rows = _python_stats(self._tokenized(hyps, pretokenized), tok_refs, order)
        return _apply_convention(rows, order, cfg.scoring.convention), [len(seg) for seg in refs]

    def stats(self, hypotheses: Any, references: Any) -> np.ndarray:
        """Per-segment rows ``[hyp_len, ref_len, correct_1..K, total_1..K]``, int64, the convention applied.

        ``K`` is ``max_order`` (``max(max_order, 5)`` for method5/method7, which read 5-gram precision).
        """
        return self._rows(hypotheses, references)[0]

    def rows(self, hypotheses: Any, references: Any) -> Rows:
        """:meth:`stats` as :class:`Rows`, with the fewest and most references per segment (``nrefs``)."""
        rows, nrefs = self._rows(hypotheses, references)
        return Rows(rows, extras=nrefs_extras([range(k) for k in nrefs]))

    # -- scoring ---------------------------------------------------------------------------------
    def signature(self) -> Signature:
        """The options that change the number (``case``, ``eff``, ``tok``, ``smooth``, ...)."""
        return self._signature(None)

    def _signature(self, nrefs: Any) -> Signature:
        cfg = self._config
        head: dict[str, Any] = {} if nrefs is None else {"nrefs": nrefs}
        items = cfg.scoring.signature_items()
        return Signature.of(
            "bleu",
            **head,
            case="lc" if cfg.lowercase else "mixed",
            eff=items.pop("eff"),
            tok=cfg.tokenizer.name,
            **items,
        )

    def score(self, total: Any) -> Result:
        """The Result of summed statistics (a 1-D row). Pure: ``total`` is not changed."""
        rows = _checked_totals(self._config.owner, total, self._config.scoring, param="total")
        if len(rows) != 1:
            raise InputError(f"{self._config.owner}: 'total' must be one summed row; got {len(rows)} rows.")
        return _result(rows[0], self._config.scoring, self._signature(nrefs_label(self.extras)))

    def scores(self, totals: Any) -> np.ndarray:
        """``score(row).score`` for every row of ``totals``, vectorized (bootstrap, sentence-level)."""
        rows = _checked_totals(self._config.owner, totals, self._config.scoring, param="totals")
        return _score_rows(rows, self._config.scoring)["score"]

    def _result_of(self, other: BLEU) -> Result:
        """This metric's Result of ``other``'s statistics (same rows, other weights)."""
        return _result(other.total, self._config.scoring, self._signature(nrefs_label(other.extras)))

    def sentence_scores(self, hypotheses: Any, references: Any) -> list[Result]:
        """One Result per segment, each with its own ``nrefs`` in the signature."""
        rows, nrefs = self._rows(hypotheses, references)
        s = self._config.scoring
        return [_result(row, s, self._signature(k)) for row, k in zip(rows, nrefs)]


def _metrics(owner: str, options: dict[str, Any], *, instead: str | None = None) -> list[BLEU]:
    """One BLEU per weight vector; ``instead``: the function to name when several vectors are refused."""
    configs, several = _parse(owner, options)
    if several and instead is not None:
        raise _several_weights(owner, instead)
    return [BLEU._of(c) for c in configs]


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
    options = dict(locals())
    del options["hypotheses"], options["references"]
    return _metrics("bleu", options, instead="bleu_weights(...)")[0].update(hypotheses, references).compute()


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
    options = dict(locals())
    del options["hypotheses"], options["references"]
    metrics = _metrics("bleu_weights", options)
    first = metrics[0].update(hypotheses, references)
    return [m._result_of(first) for m in metrics]


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
    options = dict(locals())
    del options["hypotheses"], options["references"]
    (metric,) = _metrics("sentence_bleu", options, instead="sentence_bleu_weights(...)")
    return metric.scores(metric.stats(hypotheses, references))


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
    options = dict(locals())
    del options["hypotheses"], options["references"]
    metrics = _metrics("sentence_bleu_weights", options)
    rows = metrics[0].stats(hypotheses, references)
    return np.column_stack([m.scores(rows) for m in metrics])
