"""WER, CER, MER, WIL and WIP, exact to jiwer 4 (``jiwer.wer``, ``cer``, ``mer``, ``wil``, ``wip``).

**Argument order.** evalkit's functions take ``(hypotheses, references)``, like every evalkit text
metric; jiwer's take ``(reference, hypothesis)``. ``evalkit.wer(hyps, refs) == jiwer.wer(refs, hyps)``.

Each segment becomes one row of integer **statistics**, the counts of an alignment of its reference
and hypothesis units (words; characters for CER or ``units="chars"``)::

    [hits, substitutions, deletions, insertions]          H, S, D, I

from which ``N = H + S + D`` (reference units) and ``M = H + S + I`` (hypothesis units) follow. The corpus
score is a pure function of the column sums, as jiwer's ``process_words`` computes it over a list of
sentences (errors summed over the corpus, then divided; not the mean of sentence rates)::

    WER = (S + D + I) / N                 CER: the same over characters
    MER = (S + D + I) / (H + S + D + I)
    WIP = (H / N) * (H / M)               WIL = 1 - WIP

An empty reference side (``N = 0``) is no error: jiwer 4 returns WER ``= I`` (the number of inserted
units; 0 when the hypothesis is empty too), MER 1 or 0, WIP 0 or 1, and so does evalkit
(``WER = E / max(N, 1)``); see ``docs/metrics/wer.md``.

**The alignment.** Among the alignments with the fewest edits, the counts can differ (``"a b"`` against
``"b c"``: two substitutions, or one deletion, one hit and one insertion). jiwer's counts are those of
``rapidfuzz.distance.Levenshtein.opcodes(reference, hypothesis)``; :func:`_alignment` writes rapidfuzz's
choice out: the common prefix and suffix are hits; the rest is the Levenshtein matrix
``D[i][j] = lev(ref[:i], hyp[:j])`` traced back from the end, taking a deletion where
``D[i-1][j] = D[i][j] - 1``, else an insertion where ``D[i][j-1] < D[i-1][j-1]``, else the diagonal (a
hit or a substitution); and a pair too large for a full matrix (rapidfuzz's rule: ``2 * band * M / 8 >=
2**20`` with ``band = min(N, 2 * bound + 1)``, ``N >= 65``, ``M >= 10``) is first cut, as Hirschberg, at
the hypothesis' middle and the first reference position where the two halves' distances add up to the
least, each half aligned by the same rule.

**Several references.** jiwer takes one reference per segment. evalkit takes a list and keeps, per
segment, the reference with the fewest errors ``S + D + I`` (then the longest, then the first listed);
with one reference the number is jiwer's.

``backend="python"`` (:func:`_python_stats`) is that rule in plain Python, the oracle;
``backend="numpy"`` (:mod:`evalkit.text._wer_numpy`) asks rapidfuzz itself, as jiwer does. They share
the options, transforms and formulas of :mod:`evalkit.text._wer_common` and give identical rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import choose_backend
from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import count_matrix
from evalkit.text import _wer_numpy
from evalkit.text._base import TextMetric
from evalkit.text._wer_common import (
    LAYOUT,
    Alignment,
    CerOptions,
    Opcode,
    WerOptions,
    best_reference,
    measure_scores,
)

#: a transform as the options take it: a preset or step name, a sequence of them, or a callable
Transform = str | Sequence[str] | Callable[[str], Sequence[str]]

# rapidfuzz's threshold for cutting a pair in two (Levenshtein_impl.hpp, levenshtein_align_hirschberg)
_FULL_MATRIX_BYTES = 1024 * 1024


# -- the reference backend: rapidfuzz's alignment, written out -----------------------------------


def _common_affix(a: Sequence, b: Sequence) -> tuple[int, int]:
    """Lengths of the common prefix, then of the common suffix of what is left."""
    n = min(len(a), len(b))
    prefix = 0
    while prefix < n and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < n - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    return prefix, suffix


def _next_column(previous: list[int], a: Sequence, y: Any, j: int) -> list[int]:
    """``D[.][j]`` from ``D[.][j-1]``: the distances of every prefix of ``a`` to ``b[:j]`` (``y = b[j-1]``)."""
    column = [j]
    for i, x in enumerate(a, 1):
        column.append(min(previous[i] + 1, column[i - 1] + 1, previous[i - 1] + (x != y)))
    return column


def _last_column(a: Sequence, b: Sequence) -> list[int]:
    """``[lev(a[:i], b) for i in 0..len(a)]``, in O(len(a)) memory."""
    column = list(range(len(a) + 1))
    for j, y in enumerate(b, 1):
        column = _next_column(column, a, y, j)
    return column


def _trace_back(a: Sequence, b: Sequence, out: list[str]) -> None:
    """Append the steps of the full-matrix alignment of ``a`` (reference) and ``b`` (hypothesis)."""
    columns = [list(range(len(a) + 1))]  # columns[j][i] = lev(a[:i], b[:j])
    for j, y in enumerate(b, 1):
        columns.append(_next_column(columns[-1], a, y, j))
    i, j = len(a), len(b)
    steps = []
    while i and j:
        here = columns[j][i]
        if columns[j][i - 1] == here - 1:
            steps.append("delete")
            i -= 1
        elif columns[j - 1][i] < columns[j - 1][i - 1]:
            steps.append("insert")
            j -= 1
        else:
            i, j = i - 1, j - 1
            steps.append("equal" if a[i] == b[j] else "substitute")
    steps += ["delete"] * i + ["insert"] * j
    out.extend(reversed(steps))


def _alignment(a: Sequence, b: Sequence, bound: int | None = None, out: list[str] | None = None) -> list[str]:
    """The steps (``"equal"``, ``"substitute"``, ``"delete"``, ``"insert"``) of rapidfuzz's alignment of
    reference ``a`` and hypothesis ``b``; ``bound`` is an upper bound of their distance."""
    out = [] if out is None else out
    prefix, suffix = _common_affix(a, b)
    out += ["equal"] * prefix
    a, b = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    bound = max(len(a), len(b)) if bound is None else min(bound, max(len(a), len(b)))
    band = min(len(a), 2 * bound + 1)
    if 2 * band * len(b) // 8 < _FULL_MATRIX_BYTES or len(a) < 65 or len(b) < 10:
        _trace_back(a, b, out)
    else:  # Hirschberg: cut at the hypothesis' middle, where the halves' distances add up to the least
        middle = len(b) // 2
        left = _last_column(a, b[:middle])
        right = _last_column(a[::-1], b[middle:][::-1])[::-1]
        totals = [x + y for x, y in zip(left, right)]
        cut = totals.index(min(totals))
        _alignment(a[:cut], b[:middle], left[cut], out)
        _alignment(a[cut:], b[middle:], right[cut], out)
    out += ["equal"] * suffix
    return out


def _counts(reference: Sequence, hypothesis: Sequence) -> tuple[int, int, int, int]:
    steps = _alignment(reference, hypothesis)
    return steps.count("equal"), steps.count("substitute"), steps.count("delete"), steps.count("insert")


def _python_stats(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], options: WerOptions, owner: str
) -> np.ndarray:
    """Statistics rows ``(n, 4)`` int64, one line and one pair at a time: the reference backend (``owner``:
    the name an error of a callable transform gives)."""
    rows = np.zeros((len(hypotheses), len(LAYOUT)), dtype=np.int64)
    for k, (hypothesis, refs) in enumerate(zip(hypotheses, references)):
        hyp = options.tokens(hypothesis, owner)
        candidates = [_counts(options.tokens(r, owner), hyp) for r in refs]
        rows[k] = candidates[best_reference(candidates)]
    return rows


# -- inspection ----------------------------------------------------------------------------------


def _opcodes(steps: Sequence[str]) -> list[Opcode]:
    out: list[Opcode] = []
    i = j = 0
    for step in steps:
        di, dj = int(step != "insert"), int(step != "delete")
        if out and out[-1].tag == step:
            last = out[-1]
            out[-1] = last._replace(ref_end=last.ref_end + di, hyp_end=last.hyp_end + dj)
        else:
            out.append(Opcode(step, i, i + di, j, j + dj))
        i, j = i + di, j + dj
    return out


def align_words(
    hypothesis: str,
    reference: str,
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> Alignment:
    """The alignment whose counts the WER family sums, for one pair: which units were substituted,
    deleted or inserted (jiwer's ``process_words(reference, hypothesis).alignments[0]``).

    Note the order: ``(hypothesis, reference)``, evalkit's, where jiwer's is ``(reference, hypothesis)``.
    ``units`` and ``transform`` as :class:`WER`; ``backend="numpy"`` asks rapidfuzz, ``"python"`` runs
    :func:`_alignment`; the opcodes are the same.

    Example:
        >>> a = align_words("shoe order one", "short one here")
        >>> [tuple(o) for o in a.opcodes]
        [('insert', 0, 0, 0, 1), ('substitute', 0, 1, 1, 2), ('equal', 1, 2, 2, 3), ('delete', 2, 3, 3, 3)]
        >>> print(a)
        REF: **** short one here
        HYP: shoe order one ****
                I     S        D
    """
    options = WerOptions.parse("align_words", locals())
    for name, value in (("hypothesis", hypothesis), ("reference", reference)):
        if not isinstance(value, str):
            raise InputTypeError(f"align_words: {name!r} must be a str (one segment), got a {type(value).__name__}.")
    ref, hyp = options.tokens(reference, "align_words"), options.tokens(hypothesis, "align_words")
    if choose_backend("align_words", options.backend, 1, numpy_from=_numpy_from()) == "numpy":
        codes = [Opcode(*c) for c in _wer_numpy.opcodes(ref, hyp)]
    else:
        codes = _opcodes(_alignment(ref, hyp))
    return Alignment(tuple(ref), tuple(hyp), tuple(codes), "words" if options.custom else options.units)


# -- the metrics ---------------------------------------------------------------------------------


def _numpy_from() -> int:
    # the rapidfuzz backend is faster from the first pair on (measured: docs/metrics/wer.md); without
    # rapidfuzz, "auto" takes the python backend, which gives the same numbers
    return 1 if _wer_numpy.available() else sys.maxsize


class _EditRate(TextMetric):
    """The shared machinery of WER, CER, MER, WIL and WIP: one statistics row, five formulas."""

    higher_is_better: ClassVar[bool] = False
    options_type: ClassVar[type[WerOptions]] = WerOptions
    options: WerOptions
    #: the Result's name
    label: ClassVar[str]

    def __init__(self, *, units: str = "words", transform: Transform = "default", backend: str = "auto") -> None:
        super().__init__(locals())

    @property
    def numpy_from(self) -> int:  # type: ignore[override]  # decided when asked: rapidfuzz loads lazily
        return _numpy_from()

    def _custom_objects(self) -> tuple[Any, ...]:
        # a callable transform's output cannot be compared: merges need the very same object
        return () if self.options.custom is None else (self.options.custom,)

    # -- statistics ------------------------------------------------------------------------------
    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[hits, substitutions, deletions, insertions]`` (int64), each of the segment's best
        reference."""
        if not isinstance(hypotheses[0], str):
            raise InputTypeError(
                f"{self._owner}: takes strings (hypotheses[i] a str, references[i] a str or a list of str), got "
                f"token lists; join them with spaces, or pass transform=<callable str -> list[str]> to split."
            )
        if backend == "numpy":
            return _wer_numpy.corpus_stats(hypotheses, references, self.options, self._owner)
        return _python_stats(hypotheses, references, self.options, self._owner)

    # -- scoring ---------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        rows = count_matrix(self._owner, param, totals)
        if rows.shape[1] != len(LAYOUT):
            raise InputError(
                f"{self._owner}: {param!r} must have {len(LAYOUT)} columns [{', '.join(LAYOUT)}]; "
                f"got {rows.shape[1]} columns."
            )
        return rows

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return measure_scores(totals, self.name)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        h, s, d, i = (int(x) for x in total)
        components = {
            "hits": h,
            "substitutions": s,
            "deletions": d,
            "insertions": i,
            "ref_len": h + s + d,
            "hyp_len": h + s + i,
        }
        return Result(self.label, float(self.formula(total[None, :])[0]), components, signature)


@register
class WER(_EditRate):
    """Word error rate, ``(S + D + I) / N`` over the corpus, as ``jiwer.wer``.

    Options (keyword-only), declared in :class:`~evalkit.text._wer_common.WerOptions`:

    {options}

    Example:
        >>> m = WER()
        >>> m.update(["the cat sat on mat"], ["the cat sat on the mat"]).compute().score  # one deletion
        0.16666666666666666
    """

    name: ClassVar[str] = "wer"
    label: ClassVar[str] = "WER"


@register
class MER(_EditRate):
    """Match error rate, ``(S + D + I) / (H + S + D + I)``, as ``jiwer.mer``.

    Options (keyword-only), declared in :class:`~evalkit.text._wer_common.WerOptions`:

    {options}

    Example:
        >>> MER()(["the cat sat on mat"], ["the cat sat on the mat"]).score
        0.16666666666666666
    """

    name: ClassVar[str] = "mer"
    label: ClassVar[str] = "MER"


@register
class WIL(_EditRate):
    """Word information lost, ``1 - WIP``, as ``jiwer.wil``.

    Options (keyword-only), declared in :class:`~evalkit.text._wer_common.WerOptions`:

    {options}

    Example:
        >>> round(WIL()(["the cat sat on mat"], ["the cat sat on the mat"]).score, 6)  # 1 - (5/6)(5/5)
        0.166667
    """

    name: ClassVar[str] = "wil"
    label: ClassVar[str] = "WIL"


@register
class WIP(_EditRate):
    """Word information preserved, ``(H / N) * (H / M)``, as ``jiwer.wip``; higher is better.

    Options (keyword-only), declared in :class:`~evalkit.text._wer_common.WerOptions`:

    {options}

    Example:
        >>> round(WIP()(["the cat sat on mat"], ["the cat sat on the mat"]).score, 6)  # (5/6)(5/5)
        0.833333
    """

    name: ClassVar[str] = "wip"
    label: ClassVar[str] = "WIP"
    higher_is_better: ClassVar[bool] = True


@register
class CER(_EditRate):
    """Character error rate, ``(S + D + I) / N`` over characters (spaces included), as ``jiwer.cer``.

    Options (keyword-only), declared in :class:`~evalkit.text._wer_common.CerOptions` (its units are
    characters: ``WER(units="chars")`` gives the same number):

    {options}

    Inputs are evalkit's ``(hypotheses, references)``; jiwer's order is ``(reference, hypothesis)``.

    Example:
        >>> CER()(["kitten"], ["sitting"]).score  # 2 substitutions, 1 deletion over 7 characters
        0.42857142857142855
    """

    name: ClassVar[str] = "cer"
    label: ClassVar[str] = "CER"
    options_type: ClassVar[type[CerOptions]] = CerOptions

    def __init__(self, *, transform: Transform = "default", backend: str = "auto") -> None:
        TextMetric.__init__(self, locals())  # not _EditRate's, which takes units: CER's are characters


# -- functional forms ----------------------------------------------------------------------------


def wer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> Result:
    """Corpus word error rate: the errors of every segment summed, over the summed reference words.

    ``evalkit.wer(hypotheses, references)`` is ``jiwer.wer(references, hypotheses)`` (jiwer's argument
    order is the other way round). ``references[i]`` is a ``str`` or a list of ``str``; with several, the
    one with the fewest errors counts. Options as :class:`WER`.

    Example:
        >>> r = wer(["the cat sat on mat", "a dog"], ["the cat sat on the mat", "the dog"])
        >>> r.score, r.components["substitutions"], r.components["deletions"]  # 2 errors / 8 words
        (0.25, 1, 1)
    """
    return WER.bound("wer", locals())(hypotheses, references)


def mer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> Result:
    """Corpus match error rate, ``jiwer.mer(references, hypotheses)``. Options as :class:`WER`.

    Example:
        >>> mer(["the cat sat on mat", "a dog"], ["the cat sat on the mat", "the dog"]).score  # 2 / 8
        0.25
    """
    return MER.bound("mer", locals())(hypotheses, references)


def wil(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> Result:
    """Corpus word information lost, ``jiwer.wil(references, hypotheses)``. Options as :class:`WER`.

    Example:
        >>> round(wil(["the cat sat on mat", "a dog"], ["the cat sat on the mat", "the dog"]).score, 6)  # 1 - (6/8)(6/7)
        0.357143
    """
    return WIL.bound("wil", locals())(hypotheses, references)


def wip(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> Result:
    """Corpus word information preserved, ``jiwer.wip(references, hypotheses)``. Options as :class:`WER`.

    Example:
        >>> round(wip(["the cat sat on mat", "a dog"], ["the cat sat on the mat", "the dog"]).score, 6)  # (6/8)(6/7)
        0.642857
    """
    return WIP.bound("wip", locals())(hypotheses, references)


def cer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    transform: Transform = "default",
    backend: str = "auto",
) -> Result:
    """Corpus character error rate, ``jiwer.cer(references, hypotheses)``. Options as :class:`CER`.

    Example:
        >>> cer(["kitten", "ab"], ["sitting", "ab"]).score  # 3 edits / 9 characters
        0.3333333333333333
    """
    return CER.bound("cer", locals())(hypotheses, references)


def sentence_wer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> np.ndarray:
    """WER of every segment on its own, a float array of shape ``(n_segments,)``: ``out[i]`` is
    ``jiwer.wer(references[i], hypotheses[i])``. Their mean is not the corpus WER (see :func:`wer`).

    Example:
        >>> sentence_wer(["the cat sat on mat", "a dog"], ["the cat sat on the mat", "the dog"]).tolist()
        [0.16666666666666666, 0.5]
    """
    return WER.bound("sentence_wer", locals()).segment_scores(hypotheses, references)


def sentence_mer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> np.ndarray:
    """MER of every segment on its own (``jiwer.mer(references[i], hypotheses[i])``).

    Example:
        >>> sentence_mer(["a b", ""], ["a c", "x"]).tolist()
        [0.5, 1.0]
    """
    return MER.bound("sentence_mer", locals()).segment_scores(hypotheses, references)


def sentence_wil(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> np.ndarray:
    """WIL of every segment on its own (``jiwer.wil(references[i], hypotheses[i])``).

    Example:
        >>> sentence_wil(["a b", ""], ["a c", "x"]).tolist()
        [0.75, 1.0]
    """
    return WIL.bound("sentence_wil", locals()).segment_scores(hypotheses, references)


def sentence_wip(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    units: str = "words",
    transform: Transform = "default",
    backend: str = "auto",
) -> np.ndarray:
    """WIP of every segment on its own (``jiwer.wip(references[i], hypotheses[i])``).

    Example:
        >>> sentence_wip(["a b", ""], ["a c", "x"]).tolist()
        [0.25, 0.0]
    """
    return WIP.bound("sentence_wip", locals()).segment_scores(hypotheses, references)


def sentence_cer(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    transform: Transform = "default",
    backend: str = "auto",
) -> np.ndarray:
    """CER of every segment on its own (``jiwer.cer(references[i], hypotheses[i])``).

    Example:
        >>> sentence_cer(["kitten", "ab"], ["sitting", "ab"]).tolist()
        [0.42857142857142855, 0.0]
    """
    return CER.bound("sentence_cer", locals()).segment_scores(hypotheses, references)


__all__ = [
    "CER",
    "MER",
    "WER",
    "WIL",
    "WIP",
    "Alignment",
    "Opcode",
    "align_words",
    "cer",
    "mer",
    "sentence_cer",
    "sentence_mer",
    "sentence_wer",
    "sentence_wil",
    "sentence_wip",
    "wer",
    "wil",
    "wip",
]
