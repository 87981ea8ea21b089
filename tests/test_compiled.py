"""The compiled kernels (C, evalkit/text/_kernels.c) give exactly what the numpy path gives, and sacrebleu's
statistics.

The numpy path is the reference here (itself checked against sacrebleu and rouge-score elsewhere); the
integration test at the end compares the compiled BLEU statistics with sacrebleu directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("evalkit.text._kernels", reason="evalkit was installed without a C compiler")

from evalkit.text._bleu_numpy import corpus_stats
from evalkit.text.ngrams import clipped_ngram_matches, line_token_ids, segment_lines, use_compiled
from evalkit.tokenizers import get_tokenizer

sacrebleu_metrics = pytest.importorskip("sacrebleu.metrics")


def first_occurrence_ranks(ids: np.ndarray) -> np.ndarray:
    """``ids`` renumbered 0, 1, 2, ... in order of first occurrence: equal exactly when two id arrays
    make the same tokens equal."""
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


def assert_same_ids(tokenizer, lines):
    want_ids, want_lengths = line_token_ids(tokenizer, lines)
    got_ids, got_lengths = line_token_ids(tokenizer, lines, compiled=True)
    np.testing.assert_array_equal(got_lengths, want_lengths)
    np.testing.assert_array_equal(first_occurrence_ranks(got_ids), first_occurrence_ranks(want_ids))


@pytest.mark.parametrize("tokenize", ["13a", "intl", "zh", "none", "char"])
def test_token_ids_equal_on_real_text(real_pairs, tokenize):
    hyps, refs = real_pairs
    lines = [line for h, r in zip(hyps[:3000], refs[:3000]) for line in (h, *r)]
    assert_same_ids(get_tokenizer(tokenize), lines)


# every character str.split treats as whitespace, some that it does not, and text of several scripts
_CHARS = st.sampled_from(
    list(" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000")
    + list("\u200b\ufeff\x00\x01abcxyz.,-'\"&;")
    + list("éßЖж中文字ไทย😀🙂\U0001f600")
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_CHARS, max_size=30), min_size=1, max_size=12), st.sampled_from(["none", "13a", "intl"]))
def test_token_ids_equal_on_generated_unicode(lines, tokenize):
    assert_same_ids(get_tokenizer(tokenize), lines)


def test_token_ids_past_the_initial_table_and_buffer():
    # 70,000 distinct tokens fill the 2**16-slot table past half (rehashes); one-character tokens
    # overflow the initial id buffer of a quarter of the characters
    lines = [" ".join(f"w{i}" for i in range(k, k + 700)) for k in range(0, 70_000, 700)]
    lines += [" ".join("abcdefghij" * 50)] * 20
    assert_same_ids(get_tokenizer("none"), lines)


def matches_both_ways(hyps, refs, max_order=4):
    lines, segment, role = segment_lines(hyps, refs)
    ids, lengths = line_token_ids(get_tokenizer("none"), lines)
    line = np.repeat(np.arange(lengths.size), lengths)
    args = (ids, segment[line], role[line], np.cumsum(lengths)[line])
    options = {"n_segments": len(hyps), "max_order": max_order}
    return clipped_ngram_matches(*args, **options), clipped_ngram_matches(*args, **options, compiled=True)


def test_clipped_matches_equal_on_real_text(real_pairs):
    hyps, refs = real_pairs
    want, got = matches_both_ways(hyps[:5000], refs[:5000], max_order=6)
    np.testing.assert_array_equal(got, want)


_WORDS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.lists(_WORDS, min_size=1, max_size=4)), min_size=1, max_size=8))
def test_clipped_matches_equal_on_repetitive_corpora(pairs):
    # four words: n-grams repeat within and across lines, the case that clipping is about
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    want, got = matches_both_ways(hyps, refs)
    np.testing.assert_array_equal(got, want)


def test_bleu_statistics_with_the_kernels_equal_sacrebleu(real_pairs):
    assert use_compiled()
    hyps, refs = real_pairs[0][:4000], real_pairs[1][:4000]
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(4)]
    for tokenize in ("13a", "intl"):
        expected = sacrebleu_metrics.BLEU(tokenize=tokenize)._extract_corpus_statistics(hyps, streams)
        got = corpus_stats(hyps, refs, tokenizer=get_tokenizer(tokenize), lowercase=False, max_order=4)
        np.testing.assert_array_equal(got, np.array(expected, dtype=np.int64).reshape(len(hyps), -1))


def test_the_environment_switches_the_kernels_off(monkeypatch, real_pairs):
    assert use_compiled()
    monkeypatch.setenv("EVALKIT_KERNELS", "0")
    assert not use_compiled()
    hyps, refs = real_pairs[0][:200], real_pairs[1][:200]
    options = {"tokenizer": get_tokenizer("13a"), "lowercase": False, "max_order": 4, "processes": 1}
    numpy_path = corpus_stats(hyps, refs, **options)
    monkeypatch.delenv("EVALKIT_KERNELS")
    np.testing.assert_array_equal(corpus_stats(hyps, refs, **options), numpy_path)


def test_token_ids_refuse_more_separators_than_lines():
    from evalkit.text._compiled import text_token_ids

    ids, lengths = text_token_ids("a \x00 b b", "\x00", 2)
    assert ids.tolist() == [0, 1, 1] and lengths.tolist() == [1, 2]
    with pytest.raises(ValueError, match="more line separators than lines"):
        text_token_ids("a \x00 b \x00 c", "\x00", 2)


def test_a_separator_of_several_characters_takes_the_numpy_path():
    from evalkit.tokenizers.base import Tokenizer

    class TwoCharSeparator(Tokenizer):
        name = "two-char-separator"

        def __call__(self, line):
            return line.split()

        def _joined_text(self, lines):
            return " \x00\x00 ".join(lines), "\x00\x00"

    ids, lengths = line_token_ids(TwoCharSeparator(), ["a b", "b"], compiled=True)
    assert first_occurrence_ranks(ids).tolist() == [0, 1, 1] and lengths.tolist() == [2, 1]
