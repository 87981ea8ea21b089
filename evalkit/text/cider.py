"""CIDEr-D (Vedantam, Zitnick and Parikh, 2015), exact to pycocoevalcap 1.2's ``Cider`` on pre-tokenised text.

pycocoevalcap's ``Cider`` is CIDEr-D: clipped n-gram matches, a Gaussian length penalty (``sigma = 6``)
and a factor 10. With ``N`` segments (images), ``df(g)`` the number of segments whose references contain
the n-gram ``g``, and for each sentence the TF-IDF vector of its n-grams of order ``k``,
``v_k(g) = tf(g) * (log N - log max(1, df(g)))``::

    sim_k(h, r) = sum over g of min(v_k^h(g), v_k^r(g)) * v_k^r(g) / (|v_k^h| * |v_k^r|)
                  * exp(-(len_h - len_r)^2 / (2 sigma^2))
    CIDEr-D(h) = 10 * mean over k = 1..n of ( sum over the segment's references r of sim_k(h, r) / #refs )
    corpus score = mean over segments

``len`` is pycocoevalcap's: the number of *bigrams* of the sentence (its ``counts2vec`` counts the
n-grams of index 1), and a norm of 0 leaves the sum undivided (it is 0 then).

**A corpus-level statistic.** The document frequencies come from the references of the whole corpus and
enter every segment's score non-linearly (through the norms and the clipping), so no fixed set of sums
can stand for a segment. The metric's frame (``space``) is therefore the sorted list of the distinct
segments seen (hypothesis and references, tokens joined by U+001F, sentences by U+001E), and a row is one
cell, the segment's count. **Merge** joins the frames (a sorted union) and adds the counts: exact, since
equal segments contribute equally; the merged score is pycocoevalcap's score of the concatenated corpus.
A bootstrap resample's counts give the resampled corpus, its document frequencies included. The frame
holds the corpus's distinct segments, so memory and merges grow with them (declared: the text itself is
the statistic).

``sentence_cider`` gives pycocoevalcap's per-segment ``scores``: each segment under the document
frequencies of the corpus it came with (a segment alone would have ``log N = 0``).

pycocoevalcap counts 4-grams whatever its ``n`` (``cook_refs`` and ``cook_test`` take no ``n``), so its
``Cider(n=...)`` runs only at ``n=4``; evalkit's ``n`` counts orders ``1..n``, pycocoevalcap's at 4.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import methodcaller
from typing import Any, ClassVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.options import Options, integer, number, option
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import text_pairs
from evalkit.text._base import TextMetric
from evalkit.text._ngram_table import ngram_occurrences
from evalkit.text._references import nrefs_extras
from evalkit.text.ngrams import MAX_ORDER, token_ids
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer

TOKEN_SEP, LINE_SEP = "\x1f", "\x1e"


@dataclass(frozen=True)
class CiderOptions(Options):
    """CIDEr-D's options, declared once (pycocoevalcap's ``Cider`` defaults).

    Example:
        >>> str(CiderOptions.parse("cider", {"sigma": 3.0}).signature("cider")).split("|")[:3]
        ['n:4', 'sigma:3', 'tok:none']
    """

    n: int = option(4, integer(minimum=1, maximum=MAX_ORDER), "the highest n-gram order", sig="n")
    sigma: float = option(6.0, number(low=0, low_open=True), "the width of the Gaussian length penalty", sig="sigma")
    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "none", check_tokenize, "how strings are split (pre-tokenised text: 'none'); token lists are used as given",
        sig="tok",
    )  # fmt: skip

    def signature_items(self) -> dict[str, Any]:
        return {**super().signature_items(), **self.tokenizer.signature_items()}

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer of string input."""
        return get_tokenizer(self.tokenize)


# -- the reference: pycocoevalcap's CiderScorer written out ---------------------------------------------


def _precook(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + k]) for k in range(1, n + 1) for i in range(len(tokens) - k + 1))


def reference_scores(segments: Sequence[tuple[list[str], list[list[str]]]], n: int = 4, sigma: float = 6.0):
    """pycocoevalcap's ``CiderScorer.compute_score`` of ``(hypothesis tokens, [reference tokens])`` pairs:
    ``(corpus score, per-segment scores)``, with dictionaries as it computes them (the oracle).

    Example:
        >>> corpus, scores = reference_scores([("a cat".split(), ["a cat".split()]), ("a dog".split(), ["a dog".split()])])
        >>> corpus, scores.tolist()  # every n-gram's df is 1 of 2 segments: equal vectors, similarity 1 per order
        (5.0, [5.0, 5.0])
    """
    cooked = [(_precook(h, n), [_precook(r, n) for r in refs]) for h, refs in segments]
    df: Counter[tuple[str, ...]] = Counter()
    for _, refs in cooked:
        df.update({g for ref in refs for g in ref})
    log_n = np.log(float(len(cooked)))

    def vector(counts):
        vec: list[dict] = [{} for _ in range(n)]
        norm = [0.0] * n
        length = 0
        for g, tf in counts.items():
            k = len(g) - 1
            vec[k][g] = float(tf) * (log_n - np.log(max(1.0, df[g])))
            norm[k] += vec[k][g] ** 2
            if k == 1:
                length += tf
        return vec, [np.sqrt(x) for x in norm], length

    scores = []
    for hyp, refs in cooked:
        vec, norm, length = vector(hyp)
        score = np.zeros(n)
        for ref in refs:
            vec_r, norm_r, length_r = vector(ref)
            delta = float(length - length_r)
            val = np.zeros(n)
            for k in range(n):
                for g, value in vec[k].items():
                    val[k] += min(value, vec_r[k].get(g, 0.0)) * vec_r[k].get(g, 0.0)
                if norm[k] != 0 and norm_r[k] != 0:
                    val[k] /= norm[k] * norm_r[k]
                val[k] *= np.e ** (-(delta**2) / (2 * sigma**2))
            score += val
        scores.append(np.mean(score) / len(refs) * 10.0)
    return float(np.mean(np.array(scores))), np.array(scores)


# -- the frame's layout, vectorized ------------------------------------------------------------------------


class _Layout:
    """The n-gram entries of a frame of distinct segments, as flat arrays (built once per frame, with one
    n-gram id per distinct n-gram of the whole frame: :func:`evalkit.text._ngram_table.ngram_occurrences`)."""

    def __init__(self, frame: tuple[str, ...], n: int) -> None:
        n_seg = len(frame)
        n_refs = np.fromiter(map(methodcaller("count", LINE_SEP), frame), dtype=np.int64, count=n_seg)
        # every line of every segment (a hypothesis, its references, the next hypothesis, ...) split at once:
        # each line break becomes a token of its own, and "" marks an empty line (no token is empty)
        tokens = LINE_SEP.join(frame).replace(LINE_SEP, TOKEN_SEP + LINE_SEP + TOKEN_SEP).split(TOKEN_SEP)
        ids, vocab = token_ids(tokens)
        breaks = np.flatnonzero(ids == vocab.get(LINE_SEP, -1))
        is_word = (ids != vocab.get(LINE_SEP, -1)) & (ids != vocab.get("", -1))
        lengths = np.diff(np.concatenate(([0], np.cumsum(is_word)[breaks], [is_word.sum()]))) if n_seg else breaks
        # the layout numbers lines hypotheses first, then references
        is_hyp = np.zeros(len(lengths), dtype=bool)
        is_hyp[np.cumsum(n_refs + 1) - (n_refs + 1)] = True
        layout_order = np.concatenate((np.flatnonzero(is_hyp), np.flatnonzero(~is_hyp)))
        rank = np.empty(len(lengths), dtype=np.int64)
        rank[layout_order] = np.arange(len(lengths))
        line, gram, _, first = ngram_occurrences(ids[is_word], vocab, lengths, n)
        line = rank[line]
        lengths = lengths[layout_order]
        n_grams = len(first)
        order = first[:, 0] - 1 if n_grams else np.zeros(0, dtype=np.int64)
        width = max(n_grams, 1)

        def counted(owner: np.ndarray, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """``(owner, gram, count)`` of each distinct (owner, n-gram), sorted by owner then gram."""
            keys, counts = np.unique(owner * width + grams, return_counts=True)
            return keys // width, keys % width, counts

        is_hyp = line < n_seg
        hyp_seg, self.hyp_gram, hyp_count = counted(line[is_hyp], gram[is_hyp])
        ref_pair, self.ref_gram, ref_count = counted(line[~is_hyp] - n_seg, gram[~is_hyp])
        self.pair_segment = np.repeat(np.arange(n_seg), n_refs)
        # the bins the formula sums into: (segment or pair, order)
        self.hyp_bin, self.ref_bin = hyp_seg * n + order[self.hyp_gram], ref_pair * n + order[self.ref_gram]
        self.hyp_count, self.ref_count = hyp_count.astype(np.float64), ref_count.astype(np.float64)
        # the matches: each reference n-gram that its segment's hypothesis has, with both counts
        hyp_keys = hyp_seg * width + self.hyp_gram
        ref_keys = self.pair_segment[ref_pair] * width + self.ref_gram
        at = np.minimum(np.searchsorted(hyp_keys, ref_keys), max(len(hyp_keys) - 1, 0))
        both = (at < len(hyp_keys)) & (hyp_keys[at] == ref_keys) if len(hyp_keys) else np.zeros(len(ref_keys), bool)
        self.match_bin, self.match_gram = self.ref_bin[both], self.ref_gram[both]
        self.match_hyp, self.match_ref = self.hyp_count[at[both]], self.ref_count[both]
        self.n, self.n_grams, self.n_refs = n, n_grams, n_refs
        # pycocoevalcap's length: the number of bigrams (of the orders counted)
        bigrams = np.maximum(lengths - 1, 0) if n >= 2 else np.zeros_like(lengths)
        self.delta = (bigrams[:n_seg][self.pair_segment] - bigrams[n_seg:]).astype(np.float64)
        # document frequency: each (segment, reference n-gram) once
        present = arrays.unique(ref_keys)
        self.present_segment, self.present_gram = present // width, present % width

    def scores(self, counts: np.ndarray, sigma: float) -> np.ndarray:
        """Every distinct segment's CIDEr-D in a corpus holding segment ``j`` ``counts[j]`` times."""
        n, n_segments = self.n, len(self.n_refs)
        total = counts.sum()
        if total <= 0:
            return np.zeros(n_segments)
        df = np.bincount(self.present_gram, weights=counts[self.present_segment], minlength=self.n_grams)
        idf = np.log(float(total)) - np.log(np.maximum(1.0, df))
        h = self.hyp_count * idf[self.hyp_gram]
        norm_h = np.sqrt(np.bincount(self.hyp_bin, weights=h**2, minlength=n_segments * n))
        r = self.ref_count * idf[self.ref_gram]
        n_pairs = len(self.pair_segment)
        norm_r = np.sqrt(np.bincount(self.ref_bin, weights=r**2, minlength=n_pairs * n))
        match_idf = idf[self.match_gram]
        mh, mr = self.match_hyp * match_idf, self.match_ref * match_idf
        val = np.bincount(self.match_bin, weights=np.minimum(mh, mr) * mr, minlength=n_pairs * n)
        val, norm_r = val.reshape(n_pairs, n), norm_r.reshape(n_pairs, n)
        norm_h = norm_h.reshape(n_segments, n)[self.pair_segment]
        both = (norm_h != 0) & (norm_r != 0)
        val = np.where(both, val / np.where(both, norm_h * norm_r, 1.0), val)
        val = val * np.e ** (-(self.delta[:, None] ** 2) / (2 * sigma**2))
        per_segment = np.zeros((n_segments, n))
        np.add.at(per_segment, self.pair_segment, val)
        return per_segment.mean(axis=1) / np.maximum(self.n_refs, 1) * 10.0


@lru_cache(maxsize=4)
def _layout(frame: tuple[str, ...], n: int) -> _Layout:
    return _Layout(frame, n)


# -- the metric ----------------------------------------------------------------------------------


@register
class CIDEr(TextMetric):
    """CIDEr-D as pycocoevalcap's ``Cider`` computes it, on pre-tokenised text, with the document
    frequencies of the references of the corpus (a corpus-level statistic: see :mod:`evalkit.text.cider`).

    Options (keyword-only), declared in :class:`~evalkit.text.cider.CiderOptions`:

    {options}

    Example:
        >>> m = CIDEr()
        >>> hyps = ["a cat sits on a mat", "a dog runs", "two birds fly"]
        >>> refs = [["a cat is on a mat", "the cat sits"], ["a dog is running"], ["birds fly over water"]]
        >>> round(m.update(hyps, refs).compute().score, 4)
        2.6001
    """

    name: ClassVar[str] = "cider"
    segment_scores_need_corpus: ClassVar[bool] = True
    options_type: ClassVar[type[CiderOptions]] = CiderOptions
    options: CiderOptions

    def __init__(
        self, *, n: int = 4, sigma: float = 6.0, tokenize: str | Tokenizer | Callable[[str], list[str]] = "none"
    ) -> None:
        super().__init__(locals())

    def backend_for(self, hypotheses: list[Any], references: list[list[Any]]) -> str:
        return "python"  # rows are the segments themselves; the formula is vectorized

    def _keys(self, hyps: list[Any], refs: list[list[Any]]) -> list[str]:
        """Each segment as one string: tokens joined by U+001F, hypothesis and references by U+001E."""
        if not self.pretokenized(hyps):
            tok = self.options.tokenizer
            flat = iter(tok.tokenize_batch([r for seg in refs for r in seg]))
            hyps, refs = tok.tokenize_batch(hyps), [[next(flat) for _ in seg] for seg in refs]
        else:
            bad = next((t for line in (*hyps, *(r for seg in refs for r in seg)) for t in line
                        if not t or TOKEN_SEP in t or LINE_SEP in t), None)  # fmt: skip
            if bad is not None:
                raise InputError(f"{self._owner}: tokens must be non-empty and free of U+001E and U+001F; got {bad!r}.")
        return [LINE_SEP.join(TOKEN_SEP.join(line) for line in (h, *seg)) for h, seg in zip(hyps, refs)]

    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> Rows:
        """One cell per segment, its place in the frame of the batch's distinct segments, value 1."""
        keys = self._keys(hypotheses, references)
        frame = tuple(sorted(set(keys)))
        where = {key: i for i, key in enumerate(frame)}
        cells = np.fromiter((where[k] for k in keys), dtype=np.int64, count=len(keys))[:, None]
        return Rows(cells=cells, values=np.ones_like(cells), n_cells=len(frame), space=frame)

    def _segments(self, hypotheses: Any, references: Any, **call: Any) -> tuple[Rows, list[int]]:
        hyps, refs = text_pairs(self._owner, hypotheses, references)
        return self.segment_rows(hyps, refs, "python"), [len(seg) for seg in refs]

    def rows(self, hypotheses: Any, references: Any, **call: Any) -> Rows:
        rows, nrefs = self._segments(hypotheses, references)
        rows.extras = nrefs_extras([range(k) for k in nrefs])
        return rows

    def stats(self, hypotheses: Any, references: Any, **call: Any) -> Rows:
        """The per-segment :class:`Rows` (one cell each, in the frame of distinct segments)."""
        return self.rows(hypotheses, references)

    def segment_scores(self, hypotheses: Any, references: Any) -> np.ndarray:
        """pycocoevalcap's per-segment ``scores``: each segment under the corpus's document frequencies."""
        rows = self.rows(hypotheses, references)
        counts = np.bincount(rows.cells[:, 0], minlength=rows.n_cells).astype(np.float64)
        return _layout(rows.space, self.options.n).scores(counts, self.options.sigma)[rows.cells[:, 0]]

    def sentence_scores(self, hypotheses: Any, references: Any) -> list[Result]:
        scores = self.segment_scores(hypotheses, references)
        return [Result("CIDEr-D", float(s), {}, self._signature(None)) for s in scores]

    # -- frames: the distinct segments ----------------------------------------------------------------
    def _frame(self) -> tuple[str, ...]:
        return () if self._state is None or self._state.space is None else self._state.space

    def join_spaces(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return a if b is None else b
        return a if a == b else tuple(sorted(set(a) | set(b)))

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        if space == target:
            return total
        where = {key: i for i, key in enumerate(target)}
        out = np.zeros(len(target), dtype=np.asarray(total).dtype)
        out[np.fromiter((where[k] for k in space), dtype=np.int64, count=len(space))] = total
        return out

    def realign(self, rows: Rows, target: Any) -> Rows:
        if rows.space == target:
            return rows
        where = {key: i for i, key in enumerate(target)}
        places = np.fromiter((where[k] for k in rows.space), dtype=np.int64, count=len(rows.space))
        return Rows(cells=places[rows.cells], values=rows.values, n_cells=len(target), space=target, extras=rows.extras)

    def restore_space(self, space: Any) -> Any:
        if not isinstance(space, (list, tuple)) or not all(isinstance(k, str) for k in space):
            raise InputError(f"{self.name}: load_state_dict(): 'space' must be the list of distinct segments.")
        space = tuple(space)
        if list(space) != sorted(set(space)):
            raise InputError(f"{self.name}: load_state_dict(): 'space' must be sorted distinct segments.")
        return space

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if (self.checked_totals(total, "total", space) % 1).any():
            raise InputError(
                f"{self._owner}: load_state_dict(): 'total' must hold whole counts; got {total.tolist()!r:.80}."
            )

    # -- scoring ------------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str, space: Any = None) -> np.ndarray:
        width = len(self._frame() if space is None else space)
        try:
            arr = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim != 2 or arr.shape[1] != width or width == 0:
            raise InputError(
                f"{self._owner}: {param!r} must hold one count per distinct segment of the frame ({width}); "
                f"got shape {np.shape(totals)}."
            )
        if not np.isfinite(arr).all() or (arr < 0).any():
            raise InputError(f"{self._owner}: {param!r} must hold finite non-negative counts.")
        return arr

    def formula(self, totals: np.ndarray) -> np.ndarray:
        layout = _layout(self._frame(), self.options.n)
        out = np.empty(len(totals))
        for i, counts in enumerate(totals):
            scores = layout.scores(counts, self.options.sigma)
            out[i] = scores @ counts / counts.sum() if counts.sum() > 0 else 0.0
        return out

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        components = {"segments": int(total.sum()), "distinct": int(np.count_nonzero(total))}
        return Result("CIDEr-D", float(self.formula(total[None, :])[0]), components, signature)


def cider(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    n: int = 4,
    sigma: float = 6.0,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
) -> Result:
    """Corpus CIDEr-D, pycocoevalcap's ``Cider().compute_score`` (options as :class:`CIDEr`).

    Example:
        >>> r = cider(["a cat sits", "a dog runs"], [["a cat sits down"], ["the dog runs"]])
        >>> round(r.score, 4), r.components
        (4.4042, {'segments': 2, 'distinct': 2})
    """
    return CIDEr.bound("cider", locals())(hypotheses, references)


def sentence_cider(
    hypotheses: Sequence[Any],
    references: Sequence[Any],
    *,
    n: int = 4,
    sigma: float = 6.0,
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "none",
) -> np.ndarray:
    """pycocoevalcap's per-segment ``scores`` (under the corpus's document frequencies), shape ``(n_segments,)``.

    Example:
        >>> sentence_cider(["a cat sits", "a dog runs"], [["a cat sits down"], ["the dog runs"]]).round(4).tolist()
        [5.8917, 2.9167]
    """
    return CIDEr.bound("sentence_cider", locals()).segment_scores(hypotheses, references)


__all__ = ["CIDEr", "CiderOptions", "cider", "reference_scores", "sentence_cider"]
