"""NIST (Doddington, 2002), exact to nltk's ``corpus_nist`` / ``sentence_nist`` (one reference per segment).

NIST weighs each matched n-gram by its information in the references of the whole corpus::

    Info(w_1..w_k) = log2( count(w_1..w_{k-1}) / count(w_1..w_k) )     (k = 1: the number of reference words)
    NIST = sum over k = 1..n of ( sum of Info(g) * matches(g) over the n-grams g of order k )
                                 / (number of hypothesis k-grams)
           * exp(beta * log(min(hyp_len / ref_len, 1))^2),   beta = log(0.5) / log(1.5)^2

``count`` runs over every reference n-gram of the corpus and ``matches(g)`` is ``min(count in the
hypothesis, count in its reference)``, per segment, summed over the corpus.

**A corpus-level statistic.** The weights come from the references of the *whole* corpus, so a segment's
contribution is unknown until every reference has been seen. The rows therefore carry what the weights
need, and the weights are computed by the formula, from the total:

- dense columns ``[hyp_len, ref_len, hyp_ngrams_1 .. hyp_ngrams_n]`` (summed);
- a frame (``space``): the distinct reference n-grams seen, as a trie of token indices (the sorted distinct
  tokens; per n-gram the place of its prefix and of its last token: :mod:`evalkit.text._nist_common`),
  and two summed cells per n-gram, its count in the references and its matched count.

**Merge** is then exact: frames are joined by a sorted union, order by order (each total scattered into
the joined frame) and cells and columns are summed, so the merged total is the total of the concatenated corpus and
its score is nltk's ``corpus_nist`` of that corpus. A row scored alone (``sentence_nist``) takes the weights
of its own reference, as nltk's ``sentence_nist`` does; a bootstrap resample takes the weights of the
resampled references. The frame grows with the distinct reference n-grams (about ``n`` per reference word).

**One reference per segment.** With several references nltk keeps, per segment and per order, the
reference of the highest information-weighted precision, a choice that depends on the weights of the whole
corpus, which no row can know before the corpus ends: NIST refuses segments with more than one reference.

**Defined values where nltk raises.** nltk divides by zero where no hypothesis has an n-gram of some order
(every hypothesis shorter than ``n`` words) and where the references have no words: evalkit counts such
an order's precision as 0 and scores a corpus without reference words 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InputError
from evalkit.core.options import Options, integer, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import text_pairs
from evalkit.text import _nist_common as frames
from evalkit.text._base import TextMetric
from evalkit.text._references import nrefs_extras
from evalkit.text.ngrams import MAX_ORDER
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer

_BETA = np.log(0.5) / np.log(1.5) ** 2


@dataclass(frozen=True)
class NistOptions(Options):
    """NIST's options, declared once (nltk's ``corpus_nist`` defaults).

    Example:
        >>> str(NistOptions.parse("nist", {"n": 4}).signature("nist")).split("|")[:2]
        ['n:4', 'tok:none']
    """

    n: int = option(5, integer(minimum=1, maximum=MAX_ORDER), "the highest n-gram order", sig="n")
    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "none", check_tokenize, "how strings are split; token lists are used as given", sig="tok"
    )
    backend: str = backend_option(auto=" (numpy from 8 segments on)")

    def signature_items(self) -> dict[str, Any]:
        return {**super().signature_items(), **self.tokenizer.signature_items()}

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer of string input."""
        return get_tokenizer(self.tokenize)


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """The n-grams of orders 1..n of ``tokens`` and their counts."""
    return Counter(tuple(tokens[i : i + k]) for k in range(1, n + 1) for i in range(len(tokens) - k + 1))


def _frame(ngrams: set[tuple[str, ...]]) -> tuple[frames.Frame, dict[tuple[str, ...], int]]:
    """The frame of a set of reference n-grams (sorted by order, then by tokens; each with the place of its
    prefix, -1 for a unigram, and of its last token among the sorted tokens) and each n-gram's place in it."""
    grams = sorted(ngrams, key=lambda g: (len(g), g))
    tokens = tuple(g[0] for g in grams if len(g) == 1)
    place, token = {g: i for i, g in enumerate(grams)}, {t: i for i, t in enumerate(tokens)}
    parent = np.array([place[g[:-1]] if len(g) > 1 else -1 for g in grams], dtype=np.int64)
    return (tokens, parent, np.array([token[g[-1]] for g in grams], dtype=np.int64)), place


def nist_scores(dense: np.ndarray, ref: np.ndarray, matched: np.ndarray, order: np.ndarray, prefix: np.ndarray, n: int):
    """NIST of each row of totals: ``dense`` ``(m, 2 + n)``, ``ref`` and ``matched`` ``(m, n_ngrams)`` per n-gram
    of a frame whose n-grams have the given ``order`` (0-based) and ``prefix`` index (-1 for unigrams)."""
    dense = dense.astype(np.float64)
    ref_words = dense[:, 1:2]
    # a prefix occurs at least as often as the n-gram (same references): its count is in the frame
    denominator = np.where(prefix >= 0, ref[:, np.maximum(prefix, 0)], ref_words)
    present = ref > 0
    safe = np.where(present, ref, 1.0)
    info = np.where(present, np.log(np.where(present, denominator, 1.0) / safe) / np.log(2), 0.0)
    numerator = np.zeros((len(dense), n))
    for k in range(n):
        at = order == k
        numerator[:, k] = (matched[:, at] * info[:, at]).sum(axis=1)
    hyp_ngrams = dense[:, 2 : 2 + n]
    precision = np.divide(numerator, hyp_ngrams, out=np.zeros_like(numerator), where=hyp_ngrams > 0)
    return precision.sum(axis=1) * length_penalty(dense[:, 0], dense[:, 1])


def length_penalty(hyp_len: np.ndarray, ref_len: np.ndarray) -> np.ndarray:
    """nltk's ``nist_length_penalty`` of each row (0 where there are no reference words).

    Example:
        >>> length_penalty(np.array([2.0, 3.0, 4.0]), np.array([3.0, 3.0, 0.0])).round(4).tolist()
        [0.5, 1.0, 0.0]
    """
    ratio = np.divide(hyp_len, ref_len, out=np.zeros(len(hyp_len)), where=ref_len > 0)
    inside = (ratio > 0) & (ratio < 1)
    log_ratio = np.log(np.where(inside, ratio, 1.0))
    return np.where(inside, np.exp(_BETA * log_ratio**2), np.clip(ratio, 0.0, 1.0))


@register
class NIST(TextMetric):
    """NIST as nltk's ``corpus_nist`` computes it, with the information weights of the corpus's references
    (a corpus-level statistic: see :mod:`evalkit.text.nist` for its rows, frame and merge).

    Options (keyword-only; nltk's names), declared in :class:`~evalkit.text.nist.NistOptions`:

    {options}

    Example:
        >>> m = NIST(n=2)
        >>> round(m.update(["the cat sat on the mat"], ["the cat sat on a mat"]).compute().score, 4)
        2.1541
    """

    name: ClassVar[str] = "nist"
    options_type: ClassVar[type[NistOptions]] = NistOptions
    options: NistOptions
    #: one reference per segment (see the module docstring): more are refused
    max_references: ClassVar[int] = 1
    segment_scores_need_corpus: ClassVar[bool] = True
    numpy_from: ClassVar[int] = 8

    def __init__(
        self, *, n: int = 5, tokenize: str | Tokenizer | Callable[[str], list[str]] = "none", backend: str = "auto"
    ) -> None:
        super().__init__(locals())

    def _tokens(self, hyps: list[Any], refs: list[list[Any]]) -> tuple[list[list[str]], list[list[str]]]:
        more = next((i for i, seg in enumerate(refs) if len(seg) != 1), None)
        if more is not None:
            raise InputError(
                f"{self._owner}: 'references' must hold one reference per segment; segment {more} has "
                f"{len(refs[more])}. (nltk's choice among several references depends on the information weights "
                f"of the whole corpus, which no row can know.)"
            )
        flat = [seg[0] for seg in refs]
        if not self.pretokenized(hyps):
            tok = self.options.tokenizer
            return tok.tokenize_batch(hyps), tok.tokenize_batch(flat)
        return hyps, flat

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> Rows:
        """The rows of checked segments, in the frame of their reference n-grams (see the module)."""
        n = self.options.n
        hyps, refs = self._tokens(hypotheses, references)
        if backend == "numpy":
            from evalkit.text._nist_numpy import nist_rows

            return nist_rows(hyps, refs, n)
        dense = np.zeros((len(hyps), 2 + n), dtype=np.int64)
        per_segment = []
        for i, (hyp, ref) in enumerate(zip(hyps, refs)):
            dense[i, 0], dense[i, 1] = len(hyp), len(ref)
            dense[i, 2:] = np.maximum(len(hyp) - np.arange(n), 0)
            ref_counts, hyp_counts = _ngrams(ref, n), _ngrams(hyp, n)
            per_segment.append([(g, c, min(c, hyp_counts.get(g, 0))) for g, c in ref_counts.items()])
        space, where = _frame({g for seg in per_segment for g, _, _ in seg})
        width = 2 * max((len(seg) for seg in per_segment), default=0)
        cells = np.zeros((len(hyps), width), dtype=np.int64)
        values = np.zeros((len(hyps), width), dtype=np.int64)
        for i, seg in enumerate(per_segment):
            at = np.fromiter((where[g] for g, _, _ in seg), dtype=np.int64, count=len(seg))
            cells[i, : 2 * len(seg)] = (2 * at[:, None] + np.array([0, 1])).ravel()
            values[i, : 2 * len(seg)] = np.array([(c, m) for _, c, m in seg], dtype=np.int64).reshape(-1)
        return Rows(dense, cells=cells, values=values, n_cells=2 * len(space[1]), space=space)

    def _segments(self, hypotheses: Any, references: Any, **call: Any) -> tuple[Rows, list[int]]:
        hyps, refs = text_pairs(self._owner, hypotheses, references)
        return self.segment_rows(hyps, refs, self.backend_for(hyps, refs)), [len(seg) for seg in refs]

    def rows(self, hypotheses: Any, references: Any, **call: Any) -> Rows:
        rows, nrefs = self._segments(hypotheses, references)
        rows.extras = nrefs_extras([range(k) for k in nrefs])
        return rows

    def stats(self, hypotheses: Any, references: Any, **call: Any) -> Rows:
        """The per-segment :class:`Rows` (dense columns, cells in the frame of reference n-grams)."""
        return self.rows(hypotheses, references)

    def segment_scores(self, hypotheses: Any, references: Any) -> np.ndarray:
        """nltk's ``sentence_nist`` of every segment: each row with the weights of its own reference."""
        rows = self.rows(hypotheses, references)
        prefix = rows.space[1]
        order = frames.orders(prefix)
        out = np.empty(len(rows))
        for i in range(len(rows)):
            # the segment's own n-grams: a small frame of its cells, prefixes mapped into it
            keep = rows.values[i, 0::2] > 0
            mine = rows.cells[i, 0::2][keep] // 2
            by = np.argsort(mine)
            mine, ref, matched = mine[by], rows.values[i, 0::2][keep][by], rows.values[i, 1::2][keep][by]
            local = np.searchsorted(mine, prefix[mine]) if len(mine) else mine
            own_prefix = np.where(prefix[mine] >= 0, local, -1)
            out[i] = nist_scores(
                rows.dense[i : i + 1], ref[None, :], matched[None, :], order[mine], own_prefix, self.options.n
            )[0]
        return out

    def sentence_scores(self, hypotheses: Any, references: Any) -> list[Result]:
        scores = self.segment_scores(hypotheses, references)
        return [Result("NIST", float(s), {}, self._signature(1)) for s in scores]

    # -- frames: the distinct reference n-grams (see evalkit.text._nist_common) ----------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        return a if frames.same(a, b) else frames.join(a, b)[0]

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        if frames.same(space, target):
            return total
        head = 2 + self.options.n
        out = np.zeros(head + 2 * len(target[1]), dtype=np.asarray(total).dtype)
        out[:head] = total[:head]
        out[head:].reshape(-1, 2)[frames.join(space, target)[1]] = np.asarray(total[head:]).reshape(-1, 2)
        return out

    def realign(self, rows: Rows, target: Any) -> Rows:
        if frames.same(rows.space, target):
            return rows
        places = frames.join(rows.space, target)[1]
        cells = 2 * places[rows.cells // 2] + rows.cells % 2 if len(places) else rows.cells
        return Rows(
            rows.dense, cells=cells, values=rows.values, n_cells=2 * len(target[1]), space=target, extras=rows.extras
        )

    def restore_space(self, space: Any) -> Any:
        return frames.restore(self.name, space, self.options.n)

    def _frame(self) -> frames.Frame:
        """The running state's frame (on the host by construction), or an empty one."""
        return frames.EMPTY if self._state is None or self._state.space is None else self._state.space

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if (self.checked_totals(total, "total", space) % 1).any():
            raise InputError(
                f"{self._owner}: load_state_dict(): 'total' must hold whole counts; got {total.tolist()!r:.80}."
            )

    # -- scoring ------------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str, space: Any = None) -> np.ndarray:
        space = self._frame() if space is None else space
        head = 2 + self.options.n
        width = head + 2 * (0 if space is None else len(space[1]))
        try:
            arr = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim != 2 or arr.shape[1] != width:
            raise InputError(
                f"{self._owner}: {param!r} must have {width} columns (hyp_len, ref_len, the hypothesis n-grams of "
                f"{self.options.n} orders, then 2 cells per reference n-gram of the frame); got {np.shape(totals)}."
            )
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputError(f"{self._owner}: {param!r} must hold finite non-negative counts.")
        return arr

    def formula(self, totals: np.ndarray) -> np.ndarray:
        head = 2 + self.options.n
        prefix = self._frame()[1]
        order = frames.orders(prefix)
        cells = totals[:, head:].reshape(len(totals), -1, 2)
        return nist_scores(totals[:, :head], cells[:, :, 0], cells[:, :, 1], order, prefix, self.options.n)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        head = 2 + self.options.n
        components = {
            "hyp_len": int(total[0]),
            "ref_len": int(total[1]),
            "hyp_ngrams": [int(x) for x in total[2:head]],
            "ref_ngrams": len(self._frame()[1]),
        }
        return Result("NIST", float(self.formula(total[None, :])[0]), components, signature)


def nist(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    n: int = 5,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> Result:
    """Corpus NIST, nltk's ``corpus_nist`` (options as :class:`NIST`).

    Example:
        >>> round(nist(["the cat sat", "a dog barked"], ["the cat sat down", "the dog barked"], n=2).score, 4)
        2.1918
    """
    return NIST.bound("nist", locals())(hypotheses, references)


def sentence_nist(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    n: int = 5,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
    backend: str = "auto",
) -> np.ndarray:
    """nltk's ``sentence_nist`` of each segment, as a float array of shape ``(n_segments,)``.

    Example:
        >>> sentence_nist(["the cat sat", "a b"], ["the cat sat down", "c d"], n=2).round(4).tolist()
        [1.4109, 0.0]
    """
    return NIST.bound("sentence_nist", locals()).segment_scores(hypotheses, references)


__all__ = ["NIST", "NistOptions", "nist", "sentence_nist"]
