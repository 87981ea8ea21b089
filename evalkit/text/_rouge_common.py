"""What ROUGE's two backends share: its options (:class:`RougeOptions`, declared once, and the variant
names they parse), the tokenized text both read, the counting formulas both run (clipped overlap, weighted
LCS, skip-bigrams), and the arithmetic from counts to scores (P, R and F of each pair, the rule combining a
document's references, the mean of summed statistics).

``rouge.py`` (the metric and the python backend) and ``_rouge_numpy.py`` (the numpy backend) both import
this module; it imports neither of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, NamedTuple

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InvalidOptionError
from evalkit.core.options import Options, choice, flag, number, option
from evalkit.core.validate import suggest
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer
from evalkit.tokenizers.rouge import RougeScoreTokenizer

MULTI_REF_RULES = ("max_f", "mean", "pooled", "best_recall")
_VARIANT = re.compile(r"rouge(?:(?P<n>[1-9])|(?P<lcs>L|Lsum|W)|(?P<skip>SU|S)(?P<gap>\d*))")


@dataclass(frozen=True)
class Variant:
    """A parsed variant name: ``kind`` is ``"n"``, ``"L"``, ``"Lsum"``, ``"W"``, ``"S"`` or ``"SU"``;
    ``n`` the n-gram order; ``gap`` the skip-bigram gap limit (``None``: any)."""

    name: str
    kind: str
    n: int = 0
    gap: int | None = None


def parse_variant(name: Any, *, owner: str = "rouge") -> Variant:
    """A :class:`Variant` from ``'rouge1'``..``'rouge9'``, ``'rougeL'``, ``'rougeLsum'``, ``'rougeW'``,
    ``'rougeS'``, ``'rougeS4'``, ``'rougeSU'``, ``'rougeSU4'``...

    Example:
        >>> parse_variant("rougeSU4")
        Variant(name='rougeSU4', kind='SU', n=0, gap=4)
    """
    m = _VARIANT.fullmatch(name) if isinstance(name, str) else None
    if m is None:
        hint = ""
        if isinstance(name, str):
            examples = ["rouge1", "rouge2", "rougeL", "rougeLsum", "rougeW", "rougeS4", "rougeSU4"]
            same_letters = [e for e in examples if e.lower() == name.lower()]
            hint = f" (did you mean {same_letters[0]!r}?)" if same_letters else suggest(name, examples)
        raise InvalidOptionError(
            f"The 'variants' parameter of {owner} must hold names among 'rouge1'..'rouge9', 'rougeL', "
            f"'rougeLsum', 'rougeW', 'rougeS<gap>', 'rougeSU<gap>' (gap optional). Got {name!r} instead{hint}."
        )
    if m["n"]:
        return Variant(name, "n", n=int(m["n"]))
    if m["lcs"]:
        return Variant(name, m["lcs"])
    return Variant(name, m["skip"], gap=int(m["gap"]) if m["gap"] else None)


def _variants(owner: str, name: str, value: Any) -> tuple[Variant, ...]:
    """The check of ``variants``: a name or a sequence of distinct names, parsed."""
    if not isinstance(value, (str, Sequence)) or isinstance(value, bytes):
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be a variant name or a list of them, e.g. "
            f"('rouge1', 'rougeL'). Got {value!r:.60} of type {type(value).__name__} instead."
        )
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names:
        raise InvalidOptionError(f"The {name!r} parameter of {owner} must name at least one variant. Got ().")
    variants = tuple(parse_variant(v, owner=owner) for v in names)
    if len({v.name for v in variants}) != len(variants):
        raise InvalidOptionError(f"The {name!r} parameter of {owner} names a variant twice: {names!r}.")
    return variants


@dataclass(frozen=True)
class RougeVariantOptions(Options):
    """The options of a one-variant metric (``rouge1``, ``rougeL``, ...): ROUGE's, less ``variants``,
    which a subclass names in ``variant``; :class:`RougeOptions` adds ``variants`` for ``rouge``."""

    #: the variant a one-variant metric computes
    variant: ClassVar[str] = "rouge1"

    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "rouge_score",
        check_tokenize,
        "a tokenizer name ('rouge_score': rouge-score's; 'unicode': every script), a Tokenizer or a callable",
        sig="tok",
    )
    use_stemmer: bool = option(
        False,
        flag(),
        "Porter-stem tokens longer than 3 characters (rouge-score's use_stemmer; ROUGE-1.5.5 -m)",
        sig="stem",
    )
    multi_ref: str = option(
        "max_f",
        choice(*MULTI_REF_RULES),
        "how a document's references combine: 'max_f', 'mean', 'pooled' (ROUGE-1.5.5 -f A) or 'best_recall' (-f B)",
        sig="multiref",
    )
    beta: float = option(
        1.0, number(low=0, low_open=True), "F weighs recall beta times as much as precision", sig="beta"
    )
    weight: float = option(1.2, number(low=1, low_open=True), "rougeW's w in f(k) = k^w (> 1)", sig="w")
    backend: str = backend_option("bit-parallel LCS", " (numpy but for one short document)")

    @cached_property
    def variants(self) -> tuple[Variant, ...]:
        """The variants computed, parsed (:class:`RougeOptions` declares them as an option)."""
        return (parse_variant(self.variant),)

    def signature_items(self) -> dict[str, Any]:
        items = {"variants": [v.name for v in self.variants], **super().signature_items()}
        items.update(self.tokenizer.signature_items())
        if not any(v.kind == "W" for v in self.variants):  # w changes rougeW's number only
            del items["w"]
        return items

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer; rouge-score's stems by itself (``use_stemmer``), others are stemmed after."""
        if self.tokenize == "rouge_score":
            return RougeScoreTokenizer(stem=self.use_stemmer)
        return get_tokenizer(self.tokenize)

    @property
    def stem_after(self) -> bool:
        """Tokens are Porter-stemmed after the tokenizer (any tokenizer but rouge-score's)."""
        return self.use_stemmer and self.tokenize != "rouge_score"

    @cached_property
    def inverse_power(self) -> np.ndarray:
        """``1/w`` for each rougeW variant, 1 for the others (P and R of rougeW are ``(hits/f(n))^(1/w)``)."""
        return np.array([1 / self.weight if v.kind == "W" else 1.0 for v in self.variants])

    @property
    def layout(self) -> list[str]:
        """The name of each column of a statistics row."""
        return [f"{v.name} {s}" for v in self.variants for s in ("P", "R", "F")] + ["documents"]


@dataclass(frozen=True)
class RougeOptions(RougeVariantOptions):
    """ROUGE's options, declared once (rouge-score's names and defaults where it has them).

    Example:
        >>> o = RougeOptions.parse("rouge", {"variants": "rougeW", "use_stemmer": True})
        >>> [v.kind for v in o.variants], o.tokenizer, o.inverse_power.tolist()
        (['W'], RougeScoreTokenizer(stem=True), [0.8333333333333334])
    """

    # a field here, after the inherited ones; the signature writes it first (RougeVariantOptions)
    variants: tuple[Variant, ...] = option(  # type: ignore[assignment]
        ("rouge1", "rouge2", "rougeL"),
        _variants,
        "variant names ('rouge1'..'rouge9', 'rougeL', 'rougeLsum', 'rougeW', 'rougeS<gap>', 'rougeSU<gap>'); "
        "the score is the first's F",
    )


class Tokenized(NamedTuple):
    """A text as the variants need it: all tokens, and the tokens of each newline-separated sentence."""

    tokens: list[str]
    sents: list[list[str]]


# -- the counting formulas of both backends (one hypothesis X, one reference Y) ------------------------


def clipped_overlap(hyp: Counter[Any], ref: Counter[Any]) -> int:
    """``sum_g min(hyp[g], ref[g])``: the matches of two multisets."""
    return sum(min(c, hyp[g]) for g, c in ref.items() if g in hyp)


def wlcs(ref: Sequence[str], hyp: Sequence[str], weight: float) -> float:
    """Weighted LCS (Lin 2004, section 3.3) with ``f(k) = k**weight``: a run of ``k`` consecutive matches
    scores ``f(k)``, so contiguous matches outweigh scattered ones.

    Example:
        >>> round(wlcs("abcd", "abxd", 2.0), 6)  # runs "ab" and "d": 2**2 + 1**2
        5.0
    """
    c = [[0.0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    w = [[0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    # Lin adds f(k + 1) - f(k) at each match; keeping the value before the run and adding f(k) once gives
    # the same number without the rounding of the telescoping sum, so identical texts score exactly 1.
    before_run = [[0.0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                k = w[i - 1][j - 1]
                base = before_run[i - 1][j - 1] if k else c[i - 1][j - 1]
                before_run[i][j] = base
                c[i][j] = base + (k + 1) ** weight
                w[i][j] = k + 1
            else:
                c[i][j] = max(c[i - 1][j], c[i][j - 1])
    return c[len(ref)][len(hyp)]


def skip_bigram_counts(tokens: Sequence[str], gap: int | None, *, unigrams: bool = False) -> Counter[Any]:
    """Ordered pairs ``(tokens[i], tokens[j])``, ``i < j``, with at most ``gap`` tokens between them
    (ROUGE-1.5.5 ``-2 gap``; ``None``: any gap); with ``unigrams``, each token as well (``-u``).

    Example:
        >>> sorted(skip_bigram_counts("abc", 0).items())
        [(('a', 'b'), 1), (('b', 'c'), 1)]
    """
    span = len(tokens) if gap is None else gap + 1
    out: Counter[Any] = Counter(
        (tokens[i], tokens[j]) for i in range(len(tokens)) for j in range(i + 1, min(i + span + 1, len(tokens)))
    )
    if unigrams:
        out.update((t,) for t in tokens)
    return out


# -- from counts to per-document P/R/F, and from summed statistics to scores ------------------------


def _prf(counts: np.ndarray, beta: float, inverse_power: np.ndarray) -> np.ndarray:
    """P, R, F from ``(..., variants, 3)`` counts; ``inverse_power`` is ``1/w`` for rougeW, else 1."""
    hits, tot_x, tot_y = counts[..., 0], counts[..., 1], counts[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(tot_x > 0, hits / np.where(tot_x > 0, tot_x, 1), 0.0)
        r = np.where(tot_y > 0, hits / np.where(tot_y > 0, tot_y, 1), 0.0)
    weighted = inverse_power != 1
    if weighted.any():
        p = np.where(weighted, p**inverse_power, p)
        r = np.where(weighted, r**inverse_power, r)
    b2 = beta * beta
    with np.errstate(divide="ignore", invalid="ignore"):
        # (1 + 1) * p * r / (1 * p + r) is rouge-score's 2 * p * r / (p + r), operation for operation.
        f = np.where(p + r > 0, (1 + b2) * p * r / (b2 * p + r), 0.0)
    return np.stack([p, r, f], axis=-1)


def combine_references(
    counts: np.ndarray, doc_of_pair: np.ndarray, n_docs: int, rule: str, beta: float, inverse_power: np.ndarray
) -> np.ndarray:
    """Per-document ``(n_docs, variants, 3)`` P/R/F from per-pair counts ``(n_pairs, variants, 3)``.

    Pairs of one document are consecutive, in reference order; ties in ``max_f`` and ``best_recall`` go
    to the first reference (``numpy.argmax``, as rouge-score; ROUGE-1.5.5 keeps the first strict maximum).
    """
    if len(doc_of_pair) == n_docs:  # one reference per document: every rule keeps its P/R/F
        return _prf(counts, beta, inverse_power)
    starts = np.searchsorted(doc_of_pair, np.arange(n_docs))
    if rule == "pooled":
        return _prf(np.add.reduceat(counts, starts, axis=0), beta, inverse_power)
    prf = _prf(counts, beta, inverse_power)
    if rule == "mean":
        n_refs = np.diff(np.append(starts, len(doc_of_pair)))
        return np.add.reduceat(prf, starts, axis=0) / n_refs[:, None, None]
    key = prf[..., 2] if rule == "max_f" else prf[..., 1]  # (n_pairs, variants)
    # first maximum per document and variant: sort by (document, -key, pair index), take each group's head
    n_pairs, n_var = key.shape
    best = np.empty((n_docs, n_var), dtype=np.int64)
    idx = np.arange(n_pairs)
    for v in range(n_var):
        order = np.lexsort((idx, -key[:, v], doc_of_pair))
        best[:, v] = order[starts]
    return prf[best, np.arange(n_var)[None, :]]


def mean_prf(totals: np.ndarray, n_variants: int) -> np.ndarray:
    """``(rows, variants, 3)``: the mean P, R and F over documents of each row of summed statistics
    (``3 * variants`` P/R/F columns, then the document count)."""
    return totals[:, :-1].reshape(len(totals), n_variants, 3) / totals[:, -1:, None]
