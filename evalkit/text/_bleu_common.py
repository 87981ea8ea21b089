"""BLEU's options and formula: what string BLEU (both backends), ``bleu_from_stats`` and token-id BLEU share.

No backend imports another; each imports this module. It holds:

- :class:`BleuOptions`, the one declaration of the options that turn statistics into a score (what
  :func:`~evalkit.text.bleu.bleu_from_stats` takes), with its cross-field rules; :class:`TextBleuOptions`
  adds what BLEU on text needs (the tokenizer, lowercasing, the backend), and token-id BLEU's declaration
  (:class:`~evalkit.text.token_bleu.TokenBleuOptions`) adds its pad and eos ids;
- the formula: the score of each row of summed statistics ``[hyp_len, ref_len, correct_1..K, total_1..K]``,
  vectorized over rows (:func:`score_rows`; a single score is this formula applied to one row), with
  sacrebleu's smoothings (``BLEU.compute_bleu``) and nltk's ``SmoothingFunction`` methods, and the
  :class:`~evalkit.core.result.Result` of one row (:func:`bleu_result`).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, choice, flag, integer, number, option
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import check_number, count_matrix
from evalkit.text._base import ReferenceMetric, case_name
from evalkit.text.ngrams import MAX_ORDER
from evalkit.tokenizers import Tokenizer, check_tokenize, get_tokenizer

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
# method4/7 divide by k and method6 by alpha (when no n-gram of the order exists): their value is positive
_POSITIVE_VALUE_METHODS = ("method4", "method6", "method7")
# sacrebleu's my_log(0)
_LOG_ZERO = -9999999999.0


# -- options -------------------------------------------------------------------------------------


def weight_vectors(owner: str, weights: Any) -> tuple[list[tuple[float, ...]] | None, bool]:
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


def _weights(owner: str, name: str, weights: Any) -> tuple[Any, ...] | None:
    """The check of ``weights``: one vector as a tuple of floats; several (refused by
    :meth:`BleuOptions.finish`, which knows what to suggest instead) as a tuple of such tuples."""
    vectors, several = weight_vectors(owner, weights)
    if vectors is None:
        return None
    return tuple(vectors) if several else vectors[0]


def each_vector(owner: str, arguments: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``arguments`` once per weight vector of ``arguments["weights"]`` (nltk's list of ``weights``, one
    vector, or None), every vector with the ``max_order`` of the longest where none is given: the options
    of ``bleu_weights``, each vector parsed as :class:`BleuOptions`.

    Example:
        >>> [(a["weights"], a["max_order"]) for a in each_vector("f", {"weights": [(1,), (0.5, 0.5)], "max_order": None})]
        [((1.0,), 2), ((0.5, 0.5), 2)]
    """
    vectors, _ = weight_vectors(owner, arguments["weights"])
    if vectors is None:
        return [dict(arguments)]
    max_order = arguments["max_order"]
    if max_order is None:
        max_order = max(len(v) for v in vectors)
    return [{**arguments, "weights": v, "max_order": max_order} for v in vectors]


@dataclass(frozen=True)
class BleuOptions(Options):
    """BLEU's scoring options, declared once: what turns summed statistics into a score.

    ``max_order``'s default (4, or the length of ``weights``), ``smooth_value``'s (its method's, see
    ``SMOOTH_DEFAULTS``) and the rules between options are applied by :meth:`finish`: after parsing,
    ``max_order`` is an int, ``weights`` a vector of ``max_order`` weights or None (uniform).

    Example:
        >>> o = BleuOptions.parse("bleu_from_stats", {"weights": (0.5, 0.5, 0), "smooth": "floor"})
        >>> o.max_order, o.weights, o.smooth_value
        (3, (0.5, 0.5, 0.0), 0.1)
        >>> str(o.signature("bleu")).rsplit("|", 1)[0]  # the version last
        'eff:no|smooth:floor[0.10]|order:3|weights:0.5,0.5,0'
    """

    signature_order: ClassVar[tuple[str, ...]] = ("effective_order", "smooth", "max_order", "weights", "convention")
    #: the refusal of several weight vectors (nltk's list of ``weights``): what to call instead
    several_weights: ClassVar[str] = (
        "The 'weights' parameter of {owner} takes one weight vector (its return type never changes with the "
        "options); for several vectors from one pass over the data use "
        "[bleu_from_stats(stats, weights=w) for w in vectors]."
    )

    max_order: int | None = option(
        None,
        integer(minimum=1, maximum=MAX_ORDER, optional=True),
        "the highest n-gram order (None: 4, or the length of weights)",
        sig="order",
    )
    weights: tuple[float, ...] | None = option(
        None, _weights, "one nltk-style weight per order (None: uniform 1/max_order)", sig="weights", hide_default=True
    )
    smooth: str = option(
        "exp",
        choice(*SMOOTHING),
        "'exp', 'none', 'floor', 'add-k' (sacrebleu) or 'method0' .. 'method7' (nltk's SmoothingFunction)",
        sig="smooth",
    )
    smooth_value: float | None = option(
        None,
        number(low=0, optional=True),  # whether smooth takes one, and whether 0 is allowed: checked by finish
        "floor's or add-k's value, nltk's epsilon (method1), k (method4, method7) or alpha (method6)",
    )
    effective_order: bool = option(
        False, flag(), "leave out the orders a short hypothesis has no n-grams of", sig="eff"
    )
    convention: str = option(
        "sacrebleu",
        choice(*CONVENTIONS),
        "how a hypothesis shorter than n counts its n-grams: 'sacrebleu' (0) or 'nltk' (at least 1)",
        sig="conv",
        hide_default=True,
    )

    def finish(self, owner: str) -> BleuOptions:
        if self.weights is not None and isinstance(self.weights[0], tuple):
            raise InvalidOptionError(self.several_weights.format(owner=owner, weights=list(self.weights)))
        longest = None if self.weights is None else len(self.weights)
        max_order = self.max_order if self.max_order is not None else longest or 4
        if longest is not None and longest > max_order:
            raise InvalidOptionError(
                f"The 'weights' parameter of {owner} has a vector of {longest} weights but max_order={max_order}; "
                f"give at most max_order weights per vector (missing ones count as 0) or leave max_order out."
            )
        return dataclasses.replace(
            self,
            max_order=max_order,
            weights=self._padded(owner, max_order),
            smooth_value=self._smooth_value(owner),
        )

    def _padded(self, owner: str, max_order: int) -> tuple[float, ...] | None:
        """The weights padded with zeros to ``max_order``; None for uniform weights (the default, and
        printed as it). ``effective_order`` re-weights uniformly, so it refuses other weights."""
        if self.weights is None:
            return None
        padded = self.weights + (0.0,) * (max_order - len(self.weights))
        if all(w == 1 / max_order for w in padded):
            return None
        if self.effective_order and len(set(padded)) > 1:
            raise InvalidOptionError(
                f"The 'effective_order' parameter of {owner} re-weights the orders that have n-grams uniformly, "
                f"so it needs uniform weights (weights=None); pass effective_order=False for custom weights. "
                f"Got weights={self.weights!r}."
            )
        return padded

    def _smooth_value(self, owner: str) -> float | None:
        """``smooth_value``, or its method's default; refused for a method that takes none."""
        if self.smooth_value is None:
            return SMOOTH_DEFAULTS.get(self.smooth)
        if self.smooth not in SMOOTH_DEFAULTS:
            takes = ", ".join(repr(s) for s in SMOOTH_DEFAULTS)
            raise InvalidOptionError(
                f"The 'smooth_value' parameter of {owner} applies to smooth in {takes}; smooth={self.smooth!r} "
                f"takes none. Got smooth_value={self.smooth_value!r}."
            )
        positive = self.smooth in _POSITIVE_VALUE_METHODS
        return check_number(owner, "smooth_value", self.smooth_value, low=0, low_open=positive)

    @property
    def stat_order(self) -> int:
        """The number of n-gram orders the statistics rows must carry."""
        return max(self.max_order, 5) if self.smooth in _ORDER5_METHODS else self.max_order

    def signature_items(self) -> dict[str, Any]:
        """sacrebleu's ``eff`` and ``smooth`` (``floor[0.10]``), then evalkit's options when not default."""
        items = super().signature_items()
        if self.smooth_value is not None:
            items["smooth"] = f"{self.smooth}[{self.smooth_value:.2f}]"
        if self.max_order == 4:
            del items["order"]
        return items


@dataclass(frozen=True)
class TextBleuOptions(BleuOptions):
    """BLEU's options on text: the scoring options, and how lines become tokens (sacrebleu's names).

    Example:
        >>> o = TextBleuOptions.parse("bleu", {"tokenize": "intl", "lowercase": True})
        >>> o.tokenizer.name, str(o.signature("bleu")).rsplit("|", 1)[0]
        ('intl', 'case:lc|eff:no|tok:intl|smooth:exp')
    """

    signature_order: ClassVar[tuple[str, ...]] = (
        "lowercase", "effective_order", "tokenize", "smooth", "max_order", "weights", "convention"
    )  # fmt: skip
    several_weights: ClassVar[str] = (
        "The 'weights' parameter of {owner} takes one weight vector in a BLEU object; for several at once use "
        "bleu_weights(...) or sentence_bleu_weights(...), or one BLEU per vector (a return type never changes "
        "with the options)."
    )

    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "13a",
        check_tokenize,
        "a registered tokenizer name ('13a'), a Tokenizer or a str -> list[str] callable; 'none' for token lists",
        sig="tok",
    )
    lowercase: bool = option(False, flag(), "lowercase before tokenizing", sig="case", show=case_name)
    backend: str = backend_option()

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer that ``tokenize`` names (or is)."""
        return get_tokenizer(self.tokenize)

    def signature_items(self) -> dict[str, Any]:
        return {**super().signature_items(), **self.tokenizer.signature_items()}


# -- the formula ---------------------------------------------------------------------------------


def apply_convention(rows: np.ndarray, convention: str) -> np.ndarray:
    """nltk counts at least one n-gram per order and segment; sacrebleu counts what is there."""
    if convention == "nltk":
        rows = rows.copy()
        k = (rows.shape[1] - 2) // 2
        np.maximum(rows[:, 2 + k :], 1, out=rows[:, 2 + k :])
    return rows


def _brevity_penalty(hyp_len: np.ndarray, ref_len: np.ndarray) -> np.ndarray:
    short = hyp_len < ref_len
    bp = np.ones(hyp_len.shape)
    ok = short & (hyp_len > 0)
    bp[ok] = np.exp(1.0 - ref_len[ok] / hyp_len[ok])
    bp[short & (hyp_len == 0)] = 0.0
    return bp


def _sacrebleu_scores(correct: np.ndarray, total: np.ndarray, o: BleuOptions) -> tuple[np.ndarray, np.ndarray]:
    """``(log-mean, precisions)`` per row, as sacrebleu's ``BLEU.compute_bleu``."""
    n = o.max_order
    c, t = correct[:, :n].copy(), total[:, :n].copy()
    if o.smooth == "add-k":
        c[:, 1:] += o.smooth_value
        t[:, 1:] += o.smooth_value
    # sacrebleu stops at the first order without hypothesis n-grams: it and every later order stay 0
    reached = np.cumprod(t > 0, axis=1).astype(bool)
    zero = reached & (c == 0)
    safe_t = np.where(reached, t, 1.0)
    p = np.where(reached, c / safe_t, 0.0)
    if o.smooth == "exp":  # 1/2, 1/4, ... of a count for each successive order without a match
        p = np.where(zero, 1.0 / (2.0 ** np.cumsum(zero, axis=1) * safe_t), p)
    elif o.smooth == "floor":
        p = np.where(zero, o.smooth_value / safe_t, p)
    log_p = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), _LOG_ZERO)
    if o.weights is not None:
        return log_p @ np.asarray(o.weights), p
    eff = reached.sum(axis=1) if o.effective_order else np.full(len(p), n)
    eff = np.where(eff == 0, n, eff)  # nothing reached: sacrebleu keeps max_order
    used = np.arange(n) < eff[:, None]
    return np.where(used, log_p, 0.0).sum(axis=1) / eff, p


def _nltk_scores(
    correct: np.ndarray, total: np.ndarray, hyp_len: np.ndarray, o: BleuOptions
) -> tuple[np.ndarray, np.ndarray]:
    """``(log-mean, precisions)`` per row, as nltk's ``corpus_bleu`` with ``SmoothingFunction().<method>``."""
    n = o.max_order
    c = correct[:, :n]
    # nltk's denominators are never 0 (max(1, count) per segment); a summed total of 0 under sacrebleu's
    # convention (every hypothesis shorter than the order) divides by 1, as nltk's convention would
    den = np.maximum(total, 1.0)
    zero = c == 0
    p = c / den[:, :n]
    method = o.smooth
    if method == "method0":  # nltk keeps a zero precision as the smallest float, so log() stays finite
        p = np.where(zero, sys.float_info.min, p)
    elif method == "method1":
        p = np.where(zero, o.smooth_value / den[:, :n], p)
    elif method == "method2":  # add one to numerator and denominator, unigrams excepted
        p[:, 1:] = (c[:, 1:] + 1.0) / (total[:, 1:n] + 1.0)
    elif method == "method3":
        p = np.where(zero, 1.0 / (2.0 ** np.cumsum(zero, axis=1) * den[:, :n]), p)
    if method in ("method4", "method7"):
        # shorter hypotheses get smaller smoothed counts: 1 / (2^k * K / ln(hyp_len)); none for hyp_len <= 1
        applies = zero & (hyp_len > 1)[:, None]
        log_len = np.log(np.where(hyp_len > 1, hyp_len, 2.0))[:, None]
        smoothed = 1.0 / (2.0 ** np.cumsum(applies, axis=1) * o.smooth_value / log_len) / den[:, :n]
        p = np.where(applies, smoothed, p)
    if method in ("method5", "method7"):
        p = _nltk_method5(p, correct, den)
    elif method == "method6":
        p = _nltk_method6(p, c, total, hyp_len, o.smooth_value)
    log_p = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)), 0.0)  # nltk leaves p_n = 0 out of the sum
    weights = np.full(n, 1.0 / n) if o.weights is None else np.asarray(o.weights)
    weighted = np.broadcast_to(weights, p.shape)
    if o.effective_order:  # nltk's auto_reweigh: a hypothesis shorter than max_order counts its own orders
        h = hyp_len[:, None]
        weighted = np.where((h < n) & (h > 0), np.where(np.arange(n) < h, 1.0 / np.maximum(h, 1), 0.0), weighted)
    return (weighted * log_p).sum(axis=1), p


def _nltk_method5(p: np.ndarray, correct: np.ndarray, den: np.ndarray) -> np.ndarray:
    """nltk's method5: the average of the (already smoothed) n-1, n and n+1 precisions; before order 1
    stands p_1 + 1, after the last order nltk's 5-gram precision."""
    following = np.concatenate([p, (correct[:, 4] / den[:, 4])[:, None]], axis=1)
    previous = p[:, 0] + 1.0
    p = p.copy()
    for i in range(p.shape[1]):
        p[:, i] = (previous + following[:, i] + following[:, i + 1]) / 3.0
        previous = p[:, i]
    return p


def _nltk_method6(p: np.ndarray, c: np.ndarray, total: np.ndarray, hyp_len: np.ndarray, alpha: float) -> np.ndarray:
    """nltk's method6: interpolate with the prior p_{n-1}^2 / p_{n-2} (orders 3 and up, using already
    smoothed values); l is the number of n-grams in the hypothesis: 0 when it is shorter than n."""
    for i in range(2, p.shape[1]):
        prior = np.where(p[:, i - 2] == 0, 0.0, p[:, i - 1] ** 2 / np.where(p[:, i - 2] == 0, 1.0, p[:, i - 2]))
        length = np.where(hyp_len < i + 1, 0.0, total[:, i])
        p[:, i] = (c[:, i] + alpha * prior) / (length + alpha)
    return p


def score_rows(totals: np.ndarray, o: BleuOptions) -> dict[str, np.ndarray]:
    """Score, precisions and brevity penalty of each row of summed statistics (the one scoring code)."""
    k = (totals.shape[1] - 2) // 2
    f = totals.astype(np.float64)
    hyp_len, ref_len = f[:, 0], f[:, 1]
    correct, total = f[:, 2 : 2 + k], f[:, 2 + k :]
    bp = _brevity_penalty(hyp_len, ref_len)
    if o.smooth in SACREBLEU_SMOOTHING:
        log_mean, precisions = _sacrebleu_scores(correct, total, o)
        matched = (correct[:, : o.max_order] > 0).any(axis=1)
    else:
        log_mean, precisions = _nltk_scores(correct, total, hyp_len, o)
        matched = correct[:, 0] > 0
    # no unigram match: both libraries return 0 (and sacrebleu reports precisions of 0)
    score = np.where(matched, bp * np.exp(log_mean), 0.0)
    precisions = np.where(matched[:, None], precisions, 0.0)
    return {"score": score, "precisions": precisions, "bp": bp}


def check_totals(owner: str, totals: Any, o: BleuOptions, param: str) -> np.ndarray:
    """``totals`` as a 2-D matrix of counts with at least ``o.stat_order`` orders, or an error naming ``param``."""
    rows = count_matrix(owner, param, totals)
    width = rows.shape[1]
    k = (width - 2) // 2
    if width < 4 or width % 2 or k < o.stat_order:
        why = f" (smooth={o.smooth!r} reads the 5-gram precision)" if o.stat_order > o.max_order else ""
        raise InputError(
            f"{owner}: {param!r} must have 2 + 2*K columns [hyp_len, ref_len, correct_1..K, total_1..K] with "
            f"K >= {o.stat_order}{why}; got {width} columns. Pass max_order=K for statistics of K orders."
        )
    # clipped matches never outnumber the hypothesis' n-grams: a row where they do is no BLEU statistic
    over = rows[:, 2 : 2 + k] > rows[:, 2 + k :]
    if over.any():
        row, n = (int(i) for i in np.argwhere(over)[0])
        raise InputError(
            f"{owner}: {param!r} row {row} has correct_{n + 1} = {rows[row, 2 + n]} > total_{n + 1} = "
            f"{rows[row, 2 + k + n]}; clipped matches never outnumber the hypothesis' n-grams."
        )
    return rows


def bleu_result(total: np.ndarray, o: BleuOptions, signature: Signature, name: str = "BLEU") -> Result:
    """The Result of one checked row of summed statistics (its score: :func:`score_rows` of that row)."""
    k = (len(total) - 2) // 2
    scored = score_rows(total[None, :], o)
    n = o.max_order
    hyp_len, ref_len = int(total[0]), int(total[1])
    return Result(
        name,
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


class BleuScoring(ReferenceMetric):
    """BLEU's formula on summed statistics rows, the one scoring of :class:`~evalkit.text.bleu.BLEU` (text)
    and :class:`~evalkit.text.token_bleu.TokenBLEU` (token ids)."""

    options: BleuOptions
    #: the Result's name
    label: ClassVar[str] = "BLEU"

    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        return check_totals(self._owner, totals, self.options, param)

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return score_rows(totals, self.options)["score"]

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        return bleu_result(total, self.options, signature, name=self.label)
