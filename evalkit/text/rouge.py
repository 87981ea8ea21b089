"""ROUGE (Lin 2004): n-gram, LCS, summary-level LCS, weighted LCS and skip-bigram recall/precision/F.

Exact to rouge-score 0.1.2 (``RougeScorer(...).score`` / ``.score_multi``) for ``rouge1``..``rouge9``,
``rougeL`` and ``rougeLsum`` with its tokenizer, with and without ``use_stemmer``; ``rougeW``, ``rougeS*``
and ``rougeSU*`` follow ROUGE-1.5.5 and Lin (2004). For one hypothesis ``X`` (length ``n``) and one
reference ``Y`` (length ``m``), each variant counts ``hits`` and the two totals, then

    P = hits / total(X),   R = hits / total(Y),   F = (1 + beta^2) P R / (beta^2 P + R)   (0 if P + R = 0)

- ``rougeN``: hits = clipped n-gram overlap ``sum_g min(c_X(g), c_Y(g))``; totals = n-gram counts.
- ``rougeL``: hits = LCS(X, Y); totals = n, m.
- ``rougeLsum``: text split on newlines into sentences; hits = sum over reference sentences of their
  union-LCS with all hypothesis sentences, each token counted at most as often as it occurs in both texts
  (ROUGE-1.5.5's and rouge-score's double-count prevention).
- ``rougeW``: hits = WLCS(X, Y) with ``f(k) = k^w``; ``P = (WLCS / f(n))^(1/w)``, ``R = (WLCS / f(m))^(1/w)``.
- ``rougeS<d>`` / ``rougeSU<d>``: ordered word pairs with at most ``d`` words between them (no digit: any
  gap); ``SU`` adds the unigrams. Clipped overlap as for n-grams.

The corpus score is the mean of the per-document P, R and F (as rouge-score's aggregators report).
Several references per document are combined by a named rule (``multi_ref``): ``max_f`` (rouge-score's
``score_multi``: the reference of highest F), ``mean`` (torchmetrics ``accumulate="avg"``), ``pooled``
(ROUGE-1.5.5 ``-f A``: hits and totals summed over references) and ``best_recall`` (``-f B``).

This module is the readable reference (``backend="python"``); ``_rouge_numpy.py`` computes the same
integer counts with bit-parallel LCS (``backend="numpy"``); ``backend="auto"`` (the default) takes numpy
except for one short document, where its set-up costs more than the dynamic programs
(:func:`evalkit.core.backends.choose_backend`, counting characters). What both backends share (the
options, the variant and text types, the counting formulas, the arithmetic from counts to P/R/F and from
summed statistics to scores) is in ``_rouge_common.py``, which imports neither.
"""

from __future__ import annotations

import inspect
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, ClassVar, NamedTuple

import numpy as np

from evalkit.core.backends import choose_backend
from evalkit.core.errors import InputError
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.shards import auto_processes, sharded_rows
from evalkit.core.signature import Signature
from evalkit.core.validate import check_int, stat_rows, text_pairs
from evalkit.text._base import TextMetric
from evalkit.text._rouge_common import (  # the options, types and formulas both backends share, importable here as before
    RougeOptions,
    RougeVariantOptions,
    Tokenized,
    Variant,
    clipped_overlap,
    combine_references,
    mean_prf,
    parse_variant,  # noqa: F401
    skip_bigram_counts,
    wlcs,
)
from evalkit.text.ngrams import line_token_ids, ngram_counts, token_ids, use_compiled
from evalkit.tokenizers.base import Tokenizer
from evalkit.tokenizers.rouge import porter_stem

# "auto" scores one document of fewer characters (hypothesis and references together) with python: measured
# on glosses, 0.3 ms python vs 1.0 ms numpy at ~50 characters, 0.5 vs 0.9 at ~250, 2.1 vs 0.8 at ~450; from
# two documents on numpy is as fast or faster
_AUTO_PYTHON_MAX_CHARS = 300
# below this many characters (hypotheses and references) per process, forking costs more than it saves:
# measured on glosses, two processes break even near 600,000 characters in all (4,000 single-reference pairs)
_CHARS_PER_PROCESS = 500_000


def _n_chars(hyps: list[Any], refs: list[list[Any]]) -> int:
    """The characters of validated string input (hypotheses and references); 0 for token lists."""
    if not isinstance(hyps[0], str):
        return 0
    return sum(map(len, hyps)) + sum(map(len, chain.from_iterable(refs)))


def _plan(n_chars: int) -> tuple[int, bool]:
    """``(processes, compiled)`` for ``n_chars`` characters of strings (0: token lists): how many forked
    processes :meth:`ROUGE.stats` uses by default, and whether it takes the compiled kernels."""
    compiled = use_compiled()
    if not n_chars:  # a forked child touching every token object copies their pages: no gain for token lists
        return 1, compiled
    # the compiled kernels halve the work per character of rouge1+2+L (measured): forking pays from twice as many
    return auto_processes(n_chars, _CHARS_PER_PROCESS * (2 if compiled else 1)), compiled


# -- the reference computations (one hypothesis X, one reference Y) ------------------------------------


def lcs_table(ref: Sequence[str], hyp: Sequence[str]) -> list[list[int]]:
    """The dynamic-programming table ``t[i][j] = LCS(ref[:i], hyp[:j])`` (rouge-score's ``_lcs_table``)."""
    t = [[0] * (len(hyp) + 1) for _ in range(len(ref) + 1)]
    for i in range(1, len(ref) + 1):
        for j in range(1, len(hyp) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if ref[i - 1] == hyp[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t


def lcs_positions(ref: Sequence[str], hyp: Sequence[str]) -> list[int]:
    """Positions in ``ref`` of one LCS: the one rouge-score's backtrack picks (match first, then up
    unless left is strictly longer), since rougeLsum's union depends on which LCS is taken.

    Example:
        >>> lcs_positions("abcb", "bab")
        [0, 3]
    """
    t = lcs_table(ref, hyp)
    i, j, out = len(ref), len(hyp), []
    while i > 0 and j > 0:
        if ref[i - 1] == hyp[j - 1]:
            out.append(i - 1)
            i, j = i - 1, j - 1
        elif t[i][j - 1] > t[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return out[::-1]


def union_lcs_hits(ref_sents: Sequence[Sequence[str]], hyp_sents: Sequence[Sequence[str]]) -> int:
    """rougeLsum's hits: for each reference sentence, the union of its LCS positions with every hypothesis
    sentence; a token counts at most as many times as it occurs in the hypothesis and in the reference.

    Example:
        >>> union_lcs_hits([["a", "b", "c"]], [["a", "b"], ["b", "c"]])
        3
    """
    cnt_ref = Counter(t for s in ref_sents for t in s)
    cnt_hyp = Counter(t for s in hyp_sents for t in s)
    hits = 0
    for r in ref_sents:
        union = sorted(set().union(*(lcs_positions(r, h) for h in hyp_sents)))
        for token in (r[i] for i in union):
            if cnt_hyp[token] > 0 and cnt_ref[token] > 0:
                hits += 1
                cnt_hyp[token] -= 1
                cnt_ref[token] -= 1
    return hits


class Score(NamedTuple):
    """Precision, recall and F of one variant (rouge-score's ``Score``, in its order)."""

    precision: float
    recall: float
    fmeasure: float


def pair_counts_python(
    variants: Sequence[Variant], hyp: Tokenized, ref: Tokenized, weight: float
) -> list[tuple[float, float, float]]:
    """``(hits, hypothesis total, reference total)`` of each variant for one (hypothesis, reference)."""
    out: list[tuple[float, float, float]] = []
    x, y = hyp.tokens, ref.tokens
    for v in variants:
        if v.kind == "n":
            cx, cy = ngram_counts(x, v.n), ngram_counts(y, v.n)
            out.append((clipped_overlap(cx, cy), cx.total(), cy.total()))
        elif v.kind == "L":
            out.append((lcs_table(y, x)[-1][-1], len(x), len(y)))
        elif v.kind == "Lsum":
            n_x, n_y = sum(map(len, hyp.sents)), sum(map(len, ref.sents))
            out.append((union_lcs_hits(ref.sents, hyp.sents) if n_x and n_y else 0, n_x, n_y))
        elif v.kind == "W":
            out.append((wlcs(y, x, weight), len(x) ** weight, len(y) ** weight))
        else:
            sx = skip_bigram_counts(x, v.gap, unigrams=v.kind == "SU")
            sy = skip_bigram_counts(y, v.gap, unigrams=v.kind == "SU")
            out.append((clipped_overlap(sx, sy), sx.total(), sy.total()))
    return out


@dataclass(frozen=True)
class RougeResult(Result):
    """A :class:`~evalkit.Result` for one or several ROUGE variants.

    ``score`` is the mean F of the first variant; ``components[variant]`` is a :class:`Score`
    (precision, recall, fmeasure: means over documents), ``components["n_docs"]`` the number of
    documents; ``result[variant]`` is one variant as its own Result.
    """

    def __getitem__(self, variant: str) -> Result:
        comp = self.components[variant]
        return Result(variant, comp.fmeasure, comp._asdict(), self.signature, display_scale=self.display_scale)

    @property
    def variants(self) -> list[str]:
        """The variant names, in the order asked for."""
        return [k for k in self.components if k != "n_docs"]

    def __str__(self) -> str:
        s = self.display_scale
        parts = []
        for v in self.variants:
            p, r, f = self.components[v]
            parts.append(f"{v} = {f * s:.2f} (P {p * s:.2f} R {r * s:.2f})")
        n_docs = self.components["n_docs"]
        if len(parts) == 1:
            text = f"{parts[0]}, F mean of {n_docs} documents"
        else:
            text = f"{self.name} F (mean of {n_docs} documents): " + ", ".join(parts)
        if self.ci is not None:
            text += f", {self.variants[0]} {self.ci[0] * s:.2f}..{self.ci[1] * s:.2f} (CI)"
        if self.signature is not None:
            text += f" | {self.signature}"
        return text


_EMPTY_WARNING = (
    "{owner}: {count} non-empty text(s) tokenized to no tokens with tokenizer {tok!r} (e.g. {example!r}); "
    "they score 0. Text outside [a-z0-9] is dropped by 'rouge_score': pass tokenize='unicode' to keep "
    "letters and digits of every script."
)


@register
class ROUGE(TextMetric):
    """ROUGE recall, precision and F of each variant, averaged over documents (see the module docstring).

    Options (keyword-only), declared in :class:`~evalkit.text._rouge_common.RougeOptions`:

    {options}

    Statistics per document: P, R, F of each variant and a count of 1; their sum over documents, divided
    by the count, is the corpus score. ROUGE's signature has the number of references (``nrefs``), then
    rouge-score's options.

    Example:
        >>> m = ROUGE(variants=("rouge1", "rougeL"))
        >>> r = m(["the cat sat on the mat"], ["the cat was on the mat"])
        >>> round(r["rouge1"].score, 4), round(float(r), 4)
        (0.8333, 0.8333)
    """

    name: ClassVar[str] = "rouge"
    options_type: ClassVar[type[RougeVariantOptions]] = RougeOptions
    options: RougeVariantOptions

    def __init__(
        self,
        *,
        variants: str | Sequence[str] = ("rouge1", "rouge2", "rougeL"),
        tokenize: str | Tokenizer | Callable[[str], list[str]] = "rouge_score",
        use_stemmer: bool = False,
        multi_ref: str = "max_f",
        beta: float = 1.0,
        weight: float = 1.2,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    # -- tokenization ---------------------------------------------------------------------------------
    def _stemmed(self, batch: list[list[str]], *, pretokenized: bool = False) -> list[list[str]]:
        # the rouge_score tokenizer stems by itself; pre-tokenized input and other tokenizers are stemmed here
        if not (self.options.stem_after or (pretokenized and self.options.use_stemmer)):
            return batch
        return [[porter_stem(t) if len(t) > 3 else t for t in toks] for toks in batch]

    def _token_lists(self, texts: list[Any], pretokenized: bool) -> list[list[str]]:
        if pretokenized:
            return self._stemmed(texts, pretokenized=True)
        return self._stemmed(self.options.tokenizer.tokenize_batch(texts))

    @staticmethod
    def _split_sentences(texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Every text's sentences, flat, and their number per text. rouge-score splits on ``"\\n"`` only
        and drops empty strings (not sentences that tokenize to nothing)."""
        split = [[s for s in t.split("\n") if s] for t in texts]
        return list(chain.from_iterable(split)), np.fromiter(map(len, split), dtype=np.int64, count=len(split))

    def _sentences(self, texts: list[Any], pretokenized: bool) -> list[list[list[str]]]:
        if pretokenized:
            return [[t] for t in self._stemmed(texts, pretokenized=True)]
        flat_sents, n_sents = self._split_sentences(texts)
        flat = self._token_lists(flat_sents, False)
        ends = np.cumsum(n_sents).tolist()
        return [flat[e - n : e] for e, n in zip(ends, n_sents.tolist())]

    def _flat_ids(
        self, texts: list[Any], token_lists: list[list[str]] | None, compiled: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of all texts, flat, and each text's length: from the token lists if there are any,
        else from one pass of the tokenizer over the joined texts (``compiled``: by the compiled kernel,
        see :func:`evalkit.text.ngrams.use_compiled`)."""
        if token_lists is None and self.options.stem_after:
            token_lists = self._token_lists(texts, False)
        if token_lists is None:
            return line_token_ids(self.options.tokenizer, texts, compiled=compiled)
        ids, _ = token_ids(list(chain.from_iterable(token_lists)))
        return ids, np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))

    @staticmethod
    def _empty_columns(
        texts: list[Any], lengths: np.ndarray | None, n_hyps: int, doc_of_pair: np.ndarray
    ) -> np.ndarray:
        """``(n_docs, 2)``: per document, how many of its non-empty texts tokenized to nothing (``lengths``
        holds each text's token count; None: pre-tokenized, nothing to warn about), and the place of the
        first of them (0 the hypothesis, ``k`` its k-th reference; -1 none)."""
        out = np.zeros((n_hyps, 2))
        out[:, 1] = -1
        empty = [] if lengths is None else [i for i in np.flatnonzero(lengths == 0).tolist() if texts[i].strip()]
        if empty:
            first_pair = np.searchsorted(doc_of_pair, np.arange(n_hyps))
            for i in empty:
                if i < n_hyps:
                    doc, place = i, 0
                else:
                    doc = int(doc_of_pair[i - n_hyps])
                    place = i - n_hyps - int(first_pair[doc]) + 1
                out[doc, 0] += 1
                if out[doc, 1] < 0:
                    out[doc, 1] = place
        return out

    def _warn_empty(self, hyps: list[Any], refs: list[list[Any]], empty: np.ndarray) -> None:
        """One warning for the whole input, from :meth:`_empty_columns` of every document (of every shard);
        the example is the first such text in the order hypotheses, then references."""
        count = int(empty[:, 0].sum())
        if not count:
            return
        place = empty[:, 1].astype(np.int64)
        in_hyps = np.flatnonzero(place == 0)
        if len(in_hyps):
            example = hyps[in_hyps[0]]
        else:
            doc = int(np.flatnonzero(place > 0)[0])
            example = refs[doc][place[doc] - 1]
        msg = _EMPTY_WARNING.format(owner=self._owner, count=count, tok=self.options.tokenizer.name, example=example)
        warnings.warn(msg, UserWarning, stacklevel=3)

    # -- statistics -----------------------------------------------------------------------------------
    def backend_for(self, hyps: list[Any], refs: list[list[Any]]) -> str:
        """The backend for checked input: ``backend="auto"`` measured in characters, so python for one
        document of strings under ``_AUTO_PYTHON_MAX_CHARS`` characters and numpy otherwise."""
        one_document_of_text = len(hyps) == 1 and isinstance(hyps[0], str)
        size = _n_chars(hyps, refs) if one_document_of_text else _AUTO_PYTHON_MAX_CHARS
        return choose_backend(self._owner, self.options.backend, size, numpy_from=_AUTO_PYTHON_MAX_CHARS)

    def pair_counts(self, hypotheses: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
        """Per (document, reference) counts ``(n_pairs, variants, 3)`` = hits, hypothesis total,
        reference total; and the document of each pair."""
        hyps, refs = text_pairs(self._owner, hypotheses, references)
        backend = self.backend_for(hyps, refs)
        counts, doc_of_pair, empty = self._pair_counts(hyps, refs, backend=backend, compiled=use_compiled())
        self._warn_empty(hyps, refs, empty)
        return counts, doc_of_pair

    def _pair_counts(
        self, hyps: list[Any], refs: list[list[Any]], *, backend: str, compiled: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`pair_counts` of validated input by ``backend``, and the :meth:`_empty_columns` of its
        documents; ``compiled``: token ids and n-gram counts by the compiled kernels."""
        texts = [*hyps, *chain.from_iterable(refs)]
        n_hyps = len(hyps)
        doc_of_pair = np.repeat(np.arange(n_hyps), np.fromiter(map(len, refs), dtype=np.int64, count=n_hyps))
        variants, weight = self.options.variants, self.options.weight
        tokenized, flat, sent_ids, lengths = self._read(texts, backend == "python", compiled)
        empty = self._empty_columns(texts, lengths, n_hyps, doc_of_pair)
        if backend == "python":  # every variant of the python backend reads token lists or sentences
            hyp_t, ref_t = tokenized[:n_hyps], tokenized[n_hyps:]  # type: ignore[index]
            rows = [pair_counts_python(variants, hyp_t[d], r, weight) for d, r in zip(doc_of_pair, ref_t)]
            counts = np.array(rows, dtype=np.float64).reshape(len(ref_t), len(variants), 3)
        else:
            from evalkit.text._rouge_numpy import pair_counts_numpy

            counts = pair_counts_numpy(
                variants, tokenized, flat, sent_ids, n_hyps, doc_of_pair, weight, compiled=compiled
            )
        return counts, doc_of_pair, empty

    def _read(
        self, texts: list[Any], python: bool, compiled: bool
    ) -> tuple[list[Tokenized] | None, Any, Any, np.ndarray | None]:
        """What a backend reads of ``texts`` (hypotheses, then one per reference): ``(tokenized, flat,
        sent_ids, lengths)``, the :class:`Tokenized` texts, the token ids of every text (flat, and each
        text's length), of every sentence (flat, each sentence's length, each text's number of
        sentences), each text's number of tokens (None for token lists); None where not needed."""
        pretokenized = not isinstance(texts[0], str)
        kinds = {v.kind for v in self.options.variants}
        # the numpy backend needs token lists only for rougeW and the skip-bigrams; ids for the rest
        token_lists = None
        if (python and kinds - {"Lsum"}) or kinds & {"W", "S", "SU"} or pretokenized:
            token_lists = self._token_lists(texts, pretokenized)
        sents = sent_ids = None
        if "Lsum" in kinds and (python or pretokenized):
            sents = self._sentences(texts, pretokenized)
            if not python:
                sent_lists = list(chain.from_iterable(sents))
                n_sents = np.fromiter(map(len, sents), dtype=np.int64, count=len(sents))
                sent_ids = (*self._flat_ids(sent_lists, sent_lists), n_sents)
        elif "Lsum" in kinds:
            flat_sents, n_sents = self._split_sentences(texts)
            sent_ids = (*self._flat_ids(flat_sents, None, compiled), n_sents)
        flat = self._flat_ids(texts, token_lists, compiled) if not python and kinds & {"n", "L"} else None
        lengths = None if pretokenized else _token_counts(len(texts), flat, token_lists, sent_ids, sents)
        tokenized = None
        if token_lists is not None or sents is not None:
            tokenized = [
                Tokenized(token_lists[i] if token_lists is not None else [], sents[i] if sents is not None else [])
                for i in range(len(texts))
            ]
        return tokenized, flat, sent_ids, lengths

    def segment_rows(
        self, hypotheses: list[Any], references: list[list[Any]], backend: str, *, processes: int | None = None
    ) -> np.ndarray:
        """``(n_docs, 3 * variants + 1)``: P, R, F of each variant, then 1 (the document count), by
        ``backend``, with one warning for the texts of every shard that tokenized to nothing.

        ``processes`` (``stats(..., processes=k)``, ``update(..., processes=k)``): how many processes share
        the work, each computing the rows of a contiguous shard of documents (forked,
        :mod:`evalkit.core.shards`; exact, since a document's row depends on it alone). None chooses: for
        strings, one per available core, at most one per 500,000 characters (hypotheses and references),
        and only where forking is safe; for token lists, one. 1 keeps everything in-process. Where evalkit's
        C kernels were built, they read the token ids and count the n-grams
        (:func:`evalkit.text.ngrams.use_compiled`; same numbers), and then at most one process per
        1,000,000 characters.
        """
        if processes is not None:
            processes = check_int(self._owner, "processes", processes, minimum=1)
        # decided (and the kernels loaded) once, here, before any fork
        auto, compiled = _plan(_n_chars(hypotheses, references))
        shard_rows = partial(self._shard_rows, backend=backend, compiled=compiled)
        rows = sharded_rows(shard_rows, (hypotheses, references), processes or auto)
        # the empty-text columns of every shard make one warning with the total count
        self._warn_empty(hypotheses, references, rows[:, -2:])
        return rows[:, :-2].copy()

    def _shard_rows(self, hyps: list[Any], refs: list[list[Any]], *, backend: str, compiled: bool) -> np.ndarray:
        """:meth:`stats` rows of validated input, then its two :meth:`_empty_columns`."""
        counts, doc_of_pair, empty = self._pair_counts(hyps, refs, backend=backend, compiled=compiled)
        n_docs = len(hyps)
        o = self.options
        prf = combine_references(counts, doc_of_pair, n_docs, o.multi_ref, o.beta, o.inverse_power)
        return np.concatenate([prf.reshape(n_docs, -1), np.ones((n_docs, 1)), empty], axis=1)

    # -- scoring ---------------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        """Summed statistics rows as floats, checked once for the whole matrix (bootstrap: thousands of rows)."""
        rows = stat_rows(self._owner, param, totals, layout=self.options.layout)
        if (rows[:, -1] <= 0).any():
            raise InputError(
                f"{self._owner}: {param!r} must count at least one document (its last column); the mean over no "
                f"documents is undefined."
            )
        return rows

    def formula(self, totals: np.ndarray) -> np.ndarray:
        """The mean F of the first variant in each row of summed statistics."""
        return self._fmeasures(totals)[:, 0]

    def _fmeasures(self, totals: np.ndarray) -> np.ndarray:
        """``(rows, variants)``: the mean F of each variant in each row of summed statistics."""
        return np.ascontiguousarray(mean_prf(totals, len(self.options.variants))[..., 2])

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        variants = self.options.variants
        mean = mean_prf(total[None, :], len(variants))[0]
        comps: dict[str, Any] = {v.name: Score(*map(float, prf)) for v, prf in zip(variants, mean)}
        comps["n_docs"] = int(total[-1])
        name = "ROUGE" if len(variants) > 1 else variants[0].name
        return RougeResult(name, comps[variants[0].name].fmeasure, comps, signature, None, 100)

    def segment_scores(self, hypotheses: Any, references: Any) -> np.ndarray:
        """``(n_documents, n_variants)``: the F of every document and variant (``sentence_rouge``; the
        template's one score per segment would keep the first variant only)."""
        return self._fmeasures(self.stats(hypotheses, references))


def _token_counts(
    n_texts: int, flat: Any, token_lists: list[list[str]] | None, sent_ids: Any, sents: list[Any] | None
) -> np.ndarray:
    """Each text's number of tokens, from whichever of :meth:`ROUGE._read`'s forms was computed."""
    if flat is not None:
        return flat[1]
    if token_lists is not None:
        return np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    if sent_ids is not None:
        text_of_sent = np.repeat(np.arange(n_texts), sent_ids[2])
        return np.bincount(text_of_sent, weights=sent_ids[1], minlength=n_texts)
    return np.array([sum(map(len, ss)) for ss in sents or []], dtype=np.int64)


def _single_variant_metric(variant: str) -> type[ROUGE]:
    """ROUGE of one variant, registered as its name: ROUGE's options less ``variants``."""
    options_type = type(
        f"ROUGE_{variant[5:]}Options", (RougeVariantOptions,), {"variant": variant, "__module__": __name__}
    )

    def __init__(self: ROUGE, **options: Any) -> None:
        options_type.check_names(variant, list(options))  # **options would otherwise let a typo pass
        TextMetric.__init__(self, options)

    # ROUGE's written-out signature less 'variants', for help() and editors (the common test checks it)
    own = inspect.signature(ROUGE.__init__)
    __init__.__signature__ = own.replace(parameters=[p for n, p in own.parameters.items() if n != "variants"])  # type: ignore[attr-defined]
    doc = f"ROUGE with ``variants=({variant!r},)``; other options as :class:`ROUGE`."
    members = {
        "name": variant,
        "options_type": options_type,
        "__init__": __init__,
        "__doc__": doc,
        "__module__": __name__,
    }
    cls = register(type(f"ROUGE_{variant[5:]}", (ROUGE,), members))
    # module attributes, so that pickle finds both classes (a metric sent to a worker process, Dask)
    globals().update({cls.__name__: cls, options_type.__name__: options_type})
    return cls


for _v in ("rouge1", "rouge2", "rougeL", "rougeLsum"):
    _single_variant_metric(_v)


def rouge(
    hypotheses: Any,
    references: Any,
    *,
    variants: str | Sequence[str] = ("rouge1", "rouge2", "rougeL"),
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "rouge_score",
    use_stemmer: bool = False,
    multi_ref: str = "max_f",
    beta: float = 1.0,
    weight: float = 1.2,
    backend: str = "auto",
) -> Result:
    """Corpus ROUGE of ``hypotheses`` against ``references`` (``references[i]``: a str or a list of str).

    Options as :class:`ROUGE`. Returns a :class:`RougeResult`: ``float(result)`` is the mean F of the first
    variant, ``result["rougeL"]`` one variant as a Result.

    Example:
        >>> r = rouge(["the cat sat on the mat"], [["a cat sat on a mat", "the cat is on the mat"]])
        >>> [round(r[v].score, 4) for v in r.variants]
        [0.8333, 0.6, 0.8333]
    """
    return ROUGE.bound("rouge", locals())(hypotheses, references)


def sentence_rouge(
    hypotheses: Any,
    references: Any,
    *,
    variants: str | Sequence[str] = ("rouge1", "rouge2", "rougeL"),
    tokenize: str | Tokenizer | Callable[[str], list[str]] = "rouge_score",
    use_stemmer: bool = False,
    multi_ref: str = "max_f",
    beta: float = 1.0,
    weight: float = 1.2,
    backend: str = "auto",
) -> np.ndarray:
    """The F of every document on its own: ``rouge-score``'s ``score(...)[variant].fmeasure`` (or
    ``score_multi`` with several references) for each document, from one pass over the corpus.

    The shape is always ``(n_documents, n_variants)``, columns in the order asked for; one variant named
    by a string is a sequence of one (the return type never changes with the options). Options as
    :class:`ROUGE`.

    Example:
        >>> sentence_rouge(["the cat sat", "a dog"], ["the cat sat down", "the dog"], variants="rouge1").round(4).tolist()
        [[0.8571], [0.5]]
        >>> sentence_rouge(["the cat sat"], ["the cat sat down"], variants=("rouge1", "rouge2")).round(4).tolist()
        [[0.8571, 0.8]]
    """
    return ROUGE.bound("sentence_rouge", locals()).segment_scores(hypotheses, references)
