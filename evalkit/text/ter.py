"""TER, translation edit rate (Snover et al., 2006), exact to sacrebleu 2.x's ``TER`` (tercom-compatible).

TER counts the fewest edits that turn the hypothesis into a reference, where an edit is inserting,
deleting or substituting one word, or **shifting** a block of words to another place (one edit, whatever
the block's length), and divides by the reference length::

    TER = sum_segments(num_edits) / sum_segments(ref_length)

Finding the fewest edits with shifts is NP-hard; tercom, and sacrebleu after it, search greedily. Per
hypothesis-reference pair, each round (:func:`_best_shift`):

1. aligns the hypothesis to the reference with a Levenshtein matrix computed only in a band of
   ``BEAM_WIDTH = 25`` columns either side of its length-scaled diagonal (:func:`_edit_distance`; the band
   is not always wide enough for the true minimum, and the band's number is the one that counts);
2. takes every block of 1 to ``MAX_SHIFT_SIZE = 10`` words that the hypothesis and the reference share,
   starting at most ``MAX_SHIFT_DIST = 50`` positions apart, in which both sides have an error, and
   moves it next to each aligned position of the reference block;
3. keeps the move that lowers the banded edit distance the most (ties: the longer block, then the
   earlier hypothesis position, then the earlier target); it stops when no move lowers it.

The edits are the shifts made plus the banded edit distance of the shifted hypothesis. After
``MAX_SHIFT_CANDIDATES = 1000`` moves tried (all rounds together), the round that reached the limit is
dropped and the search stops there, as in sacrebleu. An empty reference costs one edit per hypothesis
word; an empty hypothesis one per reference word.

Per segment the statistics row is ``[num_edits, ref_length]`` (float64): the fewest edits over the
segment's references and the **average** length of its references (sacrebleu's choice, also tercom's).
The corpus score divides the column sums; with no reference words it is 1.0 if there are edits, else 0.
Words come from sacrebleu's ``TercomTokenizer`` (:class:`evalkit.text._ter_common.TercomTokenizer`):
lowercased unless ``case_sensitive``, split on whitespace, optionally normalized and stripped of
punctuation.

``backend="python"`` (:func:`_python_stats`) is sacrebleu's algorithm as written and the oracle;
``backend="numpy"`` (:mod:`evalkit.text._ter_numpy`) gives the same rows faster (integer-coded words,
an exact C++ Levenshtein where it provably equals the banded one, one alignment per round). sacrebleu
caches matrix rows by hypothesis prefix; that changes no number (a row depends only on the prefix and on
the two lengths, fixed within a pair), so the reference recomputes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import InputTypeError
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import stat_rows
from evalkit.text._base import TextMetric
from evalkit.text._ter_common import (
    LAYOUT,
    MAX_SHIFT_CANDIDATES,
    MAX_SHIFT_DIST,
    MAX_SHIFT_SIZE,
    TEROptions,
    beam_width,
    perform_shift,
    ter_scores,
)

# edit operations of the Levenshtein matrix, sacrebleu's letters. The matrix rewrites the hypothesis
# (rows) into the reference (columns): DEL consumes a hypothesis word, INS a reference word.
_NOP, _SUB, _INS, _DEL, _UNDEF = " ", "s", "i", "d", "x"
_INF = 10**16  # sacrebleu's _INT_INFINITY: the value of cells outside the band
_OUTSIDE = (_INF, _UNDEF)


# -- the reference algorithm (sacrebleu.metrics.lib_ter, written out) ----------------------------


def _edit_distance(hyp: Sequence[str], ref: Sequence[str]) -> tuple[int, str]:
    """``(distance, trace)``: sacrebleu's banded Levenshtein ``BeamEditDistance`` (without its row cache).

    The trace spells the operations from the start, one letter per step (``_NOP``, ``_SUB``, ``_INS``,
    ``_DEL``). Ties prefer a match or substitution, then a deletion, then an insertion.
    """
    n_hyp, n_ref = len(hyp), len(ref)
    ratio, beam = beam_width(n_hyp, n_ref)
    # row i is (first column, cells); row 0, every column, is the cost of inserting reference words
    rows: list[tuple[int, list[tuple[int, str]]]] = [(0, [(j, _INS) for j in range(n_ref + 1)])]

    def cell(i: int, j: int) -> tuple[int, str]:
        first, cells = rows[i]
        return cells[j - first] if first <= j < first + len(cells) else _OUTSIDE

    for i in range(1, n_hyp + 1):
        diagonal = math.floor(i * ratio)
        low = max(0, diagonal - beam)
        high = n_ref + 1 if i == n_hyp else min(n_ref + 1, diagonal + beam)
        cells: list[tuple[int, str]] = []
        rows.append((low, cells))
        for j in range(low, high):
            if j == 0:
                cells.append((cell(i - 1, 0)[0] + 1, _DEL))
                continue
            same = hyp[i - 1] == ref[j - 1]
            options = (
                (cell(i - 1, j - 1)[0] + (0 if same else 1), _NOP if same else _SUB),
                (cell(i - 1, j)[0] + 1, _DEL),
                ((cells[-1] if cells else _OUTSIDE)[0] + 1, _INS),
            )
            best = _OUTSIDE
            for option in options:
                if option[0] < best[0]:  # strict: the earlier option wins a tie
                    best = option
            cells.append(best)

    trace = []
    i, j = n_hyp, n_ref
    while i > 0 or j > 0:
        op = cell(i, j)[1]
        if op == _UNDEF:  # sacrebleu raises here too; the widened beam keeps it from happening
            raise RuntimeError(f"TER: the banded alignment of {n_hyp} and {n_ref} words has no path.")
        trace.append(op)
        if op in (_NOP, _SUB):
            i, j = i - 1, j - 1
        elif op == _INS:
            j -= 1
        else:
            i -= 1
    return rows[n_hyp][1][-1][0], "".join(reversed(trace))


def _alignment(trace: str) -> tuple[dict[int, int], list[int], list[int]]:
    """``(align, ref_err, hyp_err)`` of sacrebleu's ``trace_to_alignment`` applied to the flipped trace.

    ``align[r]`` is the hypothesis position reference word ``r`` is aligned to (for a reference word the
    hypothesis lacks, the last hypothesis position before it, -1 at the start); ``ref_err`` and
    ``hyp_err`` mark the words that are not matched.
    """
    pos_hyp = pos_ref = -1
    align: dict[int, int] = {}
    ref_err: list[int] = []
    hyp_err: list[int] = []
    for op in trace:
        if op in (_NOP, _SUB):
            pos_hyp += 1
            pos_ref += 1
            align[pos_ref] = pos_hyp
            hyp_err.append(int(op == _SUB))
            ref_err.append(int(op == _SUB))
        elif op == _INS:  # (flipped) a hypothesis word with no reference word
            pos_hyp += 1
            hyp_err.append(1)
        else:  # (flipped) a reference word with no hypothesis word
            pos_ref += 1
            align[pos_ref] = pos_hyp
            ref_err.append(1)
    return align, ref_err, hyp_err


def _shared_blocks(hyp: Sequence[str], ref: Sequence[str]):
    """``(start_h, start_r, length)`` of every block ``hyp[start_h:start_h+length] ==
    ref[start_r:start_r+length]`` of at most MAX_SHIFT_SIZE words, starts at most MAX_SHIFT_DIST apart."""
    for start_h in range(len(hyp)):
        for start_r in range(len(ref)):
            if abs(start_r - start_h) > MAX_SHIFT_DIST:
                continue
            length = 0
            while (
                start_h + length < len(hyp)
                and start_r + length < len(ref)
                and length < MAX_SHIFT_SIZE
                and hyp[start_h + length] == ref[start_r + length]
            ):
                length += 1
                yield start_h, start_r, length


def _best_shift(hyp: list[str], ref: list[str], checked: int) -> tuple[int, list[str], int]:
    """``(gain, shifted, checked)``: sacrebleu's ``_shift``, one greedy round.

    ``gain`` is how much the best move lowers the edit distance (0 with no move), ``checked`` the
    number of moves tried so far, this round's included.
    """
    distance, trace = _edit_distance(hyp, ref)
    # sacrebleu aligns the reference to the hypothesis: the trace with insertions and deletions swapped
    align, ref_err, hyp_err = _alignment(trace.translate(str.maketrans(_INS + _DEL, _DEL + _INS)))
    best: tuple[int, int, int, int] | None = None
    best_words = hyp
    for start_h, start_r, length in _shared_blocks(hyp, ref):
        # only a block wrong on both sides, and not moved onto itself
        if sum(hyp_err[start_h : start_h + length]) == 0 or sum(ref_err[start_r : start_r + length]) == 0:
            continue
        if start_h <= align[start_r] < start_h + length:
            continue
        previous = -1
        for offset in range(-1, length):
            # before the hypothesis word aligned to each reference word from the one before the block
            target = 0 if start_r + offset == -1 else align[start_r + offset] + 1
            if target == previous:
                continue
            previous = target
            shifted = perform_shift(hyp, start_h, length, target)
            checked += 1
            # the largest gain, then the longest block, the earliest start, the earliest target
            key = (distance - _edit_distance(shifted, ref)[0], length, -start_h, -target)
            if best is None or key > best:
                best, best_words = key, shifted
        if checked >= MAX_SHIFT_CANDIDATES:
            break
    if best is None:
        return 0, hyp, checked
    return best[0], best_words, checked


def _pair_edits(hyp: list[str], ref: list[str]) -> int:
    """sacrebleu's ``translation_edit_rate(hyp, ref)[0]``: shifts made plus the banded edit distance."""
    if not ref:
        return len(hyp)
    shifts, checked, words = 0, 0, hyp
    while True:
        gain, shifted, checked = _best_shift(words, ref, checked)
        if checked >= MAX_SHIFT_CANDIDATES or gain <= 0:  # a round that hits the limit is not applied
            break
        shifts += 1
        words = shifted
    return shifts + _edit_distance(words, ref)[0]


def _python_stats(hyp_words: Sequence[list[str]], ref_words: Sequence[Sequence[list[str]]]) -> np.ndarray:
    """Rows ``[num_edits, ref_length]`` of tokenized segments (sacrebleu's ``_compute_segment_statistics``)."""
    rows = np.zeros((len(hyp_words), 2), dtype=np.float64)
    for i, (hyp, refs) in enumerate(zip(hyp_words, ref_words)):
        rows[i, 0] = min(_pair_edits(hyp, ref) for ref in refs)
        rows[i, 1] = sum(map(len, refs)) / len(refs)  # the average, as sacrebleu (a float)
    return rows


# -- the metric ----------------------------------------------------------------------------------


@register
class TER(TextMetric):
    """TER as a metric object: ``update`` / ``merge`` / ``compute``, or called on a corpus.

    Options (keyword-only; sacrebleu's ``TER`` names and defaults), declared in :class:`TEROptions`:

    {options}

    Lower is better; the score is a rate (edits per reference word) and exceeds 1 when the edits outnumber
    the reference words.

    Example:
        >>> m = TER()
        >>> r = m.update(["the cat sat on mat the"], [["the cat sat on the mat"]]).compute()
        >>> round(r.score, 4), r.components["num_edits"]  # one shift ("the" moved)
        (0.1667, 1)
    """

    name: ClassVar[str] = "ter"
    higher_is_better: ClassVar[bool] = False
    options_type: ClassVar[type[TEROptions]] = TEROptions
    options: TEROptions
    # the fast backend is faster from the first pair on (measured on glosses: 1 segment 5.0 ms python
    # against 1.1 ms numpy, 8 segments 39 against 8 ms), so "auto" always takes it
    numpy_from: ClassVar[int] = 1

    def __init__(
        self,
        *,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    # -- statistics ------------------------------------------------------------------------------
    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """Rows ``[num_edits, ref_length]``, float64 (``ref_length`` is an average); see the module docstring."""
        if not isinstance(hypotheses[0], str):
            raise InputTypeError(
                f"{self._owner}: TER tokenizes lines itself (tercom's tokenizer); pass strings, not token lists "
                f"(join pre-tokenized words with spaces: ' '.join(tokens))."
            )
        tokenizer = self.options.tokenizer
        if backend == "numpy":
            from evalkit.text._ter_numpy import corpus_stats

            return corpus_stats(hypotheses, references, tokenizer)
        hyp_words = tokenizer.batch(hypotheses)
        flat = iter(tokenizer.batch([r for seg in references for r in seg], references=True))
        return _python_stats(hyp_words, [[next(flat) for _ in seg] for seg in references])

    # -- scoring ---------------------------------------------------------------------------------
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        return stat_rows(self._owner, param, totals, layout=LAYOUT)

    def formula(self, totals: np.ndarray) -> np.ndarray:
        return ter_scores(totals)

    def result(self, total: np.ndarray, signature: Signature) -> Result:
        return Result(
            "TER",
            float(ter_scores(total[None, :])[0]),
            {"num_edits": int(total[0]), "ref_length": float(total[1])},
            signature,
            display_scale=100,
        )


def ter(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    backend: str = "auto",
) -> Result:
    """Corpus TER: summed edits over summed (average) reference lengths, as ``sacrebleu.corpus_ter``.

    ``references[i]`` is a ``str`` or a list of ``str``: the references of segment ``i`` (their number
    may vary); each segment takes the reference with the fewest edits. Options as :class:`TER`.

    Example:
        >>> r = ter(["a b c d", "x y"], [["a c b d", "a b c d"], "x y z"])
        >>> round(r.score, 4), r.components  # 0 edits + 1 insertion over (4 + 4) / 2 + 3 words
        (0.1429, {'num_edits': 1, 'ref_length': 7.0})
    """
    return TER.bound("ter", locals())(hypotheses, references)


def sentence_ter(
    hypotheses: Sequence[str],
    references: Sequence[Any],
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    backend: str = "auto",
) -> np.ndarray:
    """TER of every segment on its own, a float array of shape ``(n_segments,)``.

    ``out[i]`` equals ``sacrebleu.sentence_ter(hypotheses[i], references[i])`` (as a fraction).

    Example:
        >>> sentence_ter(["a b c d", "x y", ""], ["a c b d", "x y z", "p q"]).round(4).tolist()
        [0.25, 0.3333, 1.0]
    """
    return TER.bound("sentence_ter", locals()).segment_scores(hypotheses, references)


__all__ = ["TER", "TEROptions", "sentence_ter", "ter"]
