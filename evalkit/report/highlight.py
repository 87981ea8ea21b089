"""Which words of a hypothesis and its references belong to a matched n-gram, for the report's segment view.

Words are the whitespace-separated tokens as the reader sees them (no metric tokenizer: the marks must
fall on the words printed). A hypothesis n-gram is matched when it occurs in a reference, clipped as in
BLEU: an n-gram that occurs ``c`` times in the hypothesis and at most ``r`` times in any one reference has
its first ``min(c, r)`` occurrences matched. Each word gets the longest order of a matched n-gram that
covers it (0: none), so that a long shared phrase stands out from a shared function word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from evalkit.text.ngrams import ngram_counts

#: the longest n-gram order marked (BLEU's)
MAX_ORDER = 4


def _mark(tokens: Sequence[str], n: int, allowed: Counter, marks: list[int]) -> None:
    left = Counter(allowed)
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        if left[gram] > 0:
            left[gram] -= 1
            for j in range(i, i + n):
                marks[j] = max(marks[j], n)


def matched_orders(
    hypothesis: Sequence[str], references: Sequence[Sequence[str]], max_order: int = MAX_ORDER
) -> tuple[list[int], list[list[int]]]:
    """For each word of the hypothesis and of each reference, the longest matched n-gram order covering it.

    References are marked where they share an n-gram with the hypothesis, clipped the same way (an n-gram
    the hypothesis has once is marked once in each reference).

    Example:
        >>> hyp, ref = "the cat sat on a mat".split(), "the cat sat on the mat".split()
        >>> matched_orders(hyp, [ref])
        ([4, 4, 4, 4, 0, 1], [[4, 4, 4, 4, 0, 1]])
    """
    hyp_marks = [0] * len(hypothesis)
    ref_marks = [[0] * len(r) for r in references]
    for n in range(1, max_order + 1):
        hyp_counts = ngram_counts(hypothesis, n)
        ref_counts = [ngram_counts(r, n) for r in references]
        best: Counter = Counter()
        for counts in ref_counts:
            best |= counts  # the most occurrences in any one reference: BLEU's clip
        _mark(hypothesis, n, hyp_counts & best, hyp_marks)
        for r, counts, marks in zip(references, ref_counts, ref_marks):
            _mark(r, n, hyp_counts & counts, marks)
    return hyp_marks, ref_marks


__all__ = ["MAX_ORDER", "matched_orders"]
