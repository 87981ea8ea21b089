"""The vectorized BLEU statistics equal sacrebleu's per-segment statistics, integer for integer.

sacrebleu's ``BLEU._extract_corpus_statistics`` (lowercasing, trailing-whitespace strip, tokenizer,
n-gram counting, clipping against the maximum count over references, closest reference length) is the
reference, run in the same test on the same input.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core.arrays import sort_with_order
from evalkit.text._bleu_numpy import corpus_stats
from evalkit.text.ngrams import clipped_ngram_matches
from evalkit.tokenizers import get_tokenizer

sacrebleu_metrics = pytest.importorskip("sacrebleu.metrics")

TOKENIZERS = ["13a", "intl", "char", "zh", "none"]


def sacrebleu_stats(hyps, refs, *, tokenize="13a", lowercase=False, max_order=4) -> np.ndarray:
    """sacrebleu's statistics; it takes references as streams, None where a segment has fewer."""
    n_streams = max(map(len, refs))
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(n_streams)]
    bleu = sacrebleu_metrics.BLEU(tokenize=tokenize, lowercase=lowercase, max_ngram_order=max_order)
    return np.array(bleu._extract_corpus_statistics(hyps, streams), dtype=np.int64).reshape(len(hyps), -1)


def ours(hyps, refs, *, tokenize="13a", lowercase=False, max_order=4) -> np.ndarray:
    return corpus_stats(hyps, refs, tokenizer=get_tokenizer(tokenize), lowercase=lowercase, max_order=max_order)


def orders(stats: np.ndarray, max_order: int, upto: int) -> np.ndarray:
    """The columns of a ``max_order`` statistics matrix for a smaller ``upto``: each order's counts do
    not depend on the others."""
    return np.hstack([stats[:, :2], stats[:, 2 : 2 + upto], stats[:, 2 + max_order : 2 + max_order + upto]])


@pytest.mark.slow
@pytest.mark.parametrize("lowercase", [False, True])
def test_real_pairs_13a_every_order(real_pairs, lowercase):
    hyps, refs = real_pairs
    expected = sacrebleu_stats(hyps, refs, lowercase=lowercase, max_order=6)
    for max_order in range(1, 7):
        got = ours(hyps, refs, lowercase=lowercase, max_order=max_order)
        np.testing.assert_array_equal(got, orders(expected, 6, max_order))


@pytest.mark.slow
@pytest.mark.parametrize("tokenize", ["intl", "char", "zh", "none"])
def test_real_pairs_other_tokenizers(real_pairs, tokenize):
    # every tokenizer is checked token for token on all WordNet glosses (test_tokenizers.py); here the
    # statistics on a quarter of the pairs keep sacrebleu's share of the test time in bounds
    hyps, refs = real_pairs[0][:5000], real_pairs[1][:5000]
    for lowercase in (False, True):
        expected = sacrebleu_stats(hyps, refs, tokenize=tokenize, lowercase=lowercase)
        np.testing.assert_array_equal(ours(hyps, refs, tokenize=tokenize, lowercase=lowercase), expected)


@pytest.mark.parametrize("max_order", [1, 2, 3, 4, 5, 6])
def test_every_max_order_against_its_own_sacrebleu_run(real_pairs, max_order):
    hyps, refs = real_pairs[0][:1500], real_pairs[1][:1500]
    np.testing.assert_array_equal(
        ours(hyps, refs, max_order=max_order), sacrebleu_stats(hyps, refs, max_order=max_order)
    )


_WORDS = [
    "the", "The", "cat", "CAT", "a", "sat", "on", "mat", "mat.", "3.5", "1,000", "1-2", "e.g.", "(", ")", ",", ".",
    "...", "!?", "&amp;", "&quot;", "<skipped>", "-", "--", "'s", "don't", "中文", "我", "喜欢", "。", "สวัสดี", "ครับ",
    "😀", "👍", "ΣΟΦΙΑ", "σοφία", "İstanbul", "Straße", "€5", "«", "»", "—",
]  # fmt: skip
_SEPARATOR = st.sampled_from([" ", " ", " ", "", "  ", "\t", "\n", "-\n", "\xa0"])
_LINE = st.lists(st.tuples(st.sampled_from(_WORDS), _SEPARATOR), max_size=14).map(
    lambda parts: "".join(w + s for w, s in parts)
)
_SEGMENTS = st.lists(st.tuples(_LINE, st.lists(_LINE, min_size=1, max_size=4)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(segments=_SEGMENTS, lowercase=st.booleans(), max_order=st.integers(1, 6))
@pytest.mark.parametrize("tokenize", TOKENIZERS)
def test_generated_segments(tokenize, segments, lowercase, max_order):
    hyps = [h for h, _ in segments]
    refs = [r for _, r in segments]
    kept = copy.deepcopy((hyps, refs))
    expected = sacrebleu_stats(hyps, refs, tokenize=tokenize, lowercase=lowercase, max_order=max_order)
    got = ours(hyps, refs, tokenize=tokenize, lowercase=lowercase, max_order=max_order)
    np.testing.assert_array_equal(got, expected)
    assert (hyps, refs) == kept


@pytest.mark.parametrize("tokenize", TOKENIZERS)
def test_edge_cases(tokenize):
    long_line = " ".join(f"w{i % 997}" for i in range(10_000))
    hyps = [
        "",  # empty hypothesis
        "a cat",  # empty reference beside a real one
        "hi",  # shorter than max_order
        "!!! ... ,,, ???",  # punctuation only
        "我喜欢猫。 สวัสดีครับ 😀😀",
        long_line,
        "the cat sat on the mat",
        "trailing dash-\n",
        "in 1999. ",
        "",
    ]
    refs = [
        ["the cat"],
        ["", "a cat"],
        ["hi there you"],
        ["... !!!", "?"],
        ["我喜欢狗。 สวัสดี 😀"],
        [long_line[: len(long_line) // 2], long_line],
        ["the cat is on the mat", "there is a cat on the mat", "a cat", "the mat"],
        ["trailing dash-"],
        ["in 1999."],
        [""],
    ]
    for max_order in (1, 4, 6):
        for lowercase in (False, True):
            expected = sacrebleu_stats(hyps, refs, tokenize=tokenize, lowercase=lowercase, max_order=max_order)
            got = ours(hyps, refs, tokenize=tokenize, lowercase=lowercase, max_order=max_order)
            np.testing.assert_array_equal(got, expected)


def test_hand_computed_row():
    # hyp "the the the cat" against "the cat" and "the the dog": unigram 'the' clipped to 2 (the second
    # reference), 'cat' 1; bigrams 'the the' 1 (second ref), 'the cat' 1 (first ref); no trigram.
    # Reference lengths 2 and 3 against 4: the closest is 3.
    got = ours(["the the the cat"], [["the cat", "the the dog"]], max_order=3)
    assert got.tolist() == [[4, 3, 3, 2, 0, 4, 3, 2]]


def test_pretokenized_layout_equals_sacrebleu_none(real_pairs):
    hyps, refs = real_pairs[0][:2000], real_pairs[1][:2000]
    tok_hyps = [h.split() for h in hyps]
    tok_refs = [[r.split() for r in seg] for seg in refs]
    for lowercase in (False, True):
        got = ours(tok_hyps, tok_refs, tokenize="none", lowercase=lowercase)
        np.testing.assert_array_equal(got, sacrebleu_stats(hyps, refs, tokenize="none", lowercase=lowercase))


def test_empty_corpus_gives_an_empty_matrix():
    assert ours([], [], max_order=4).shape == (0, 10)


def test_blocks_do_not_change_the_counts(real_pairs):
    hyps, refs = real_pairs[0][:1500], real_pairs[1][:1500]
    expected = sacrebleu_stats(hyps, refs)
    tokens = get_tokenizer("13a").tokenize_batch([x for h, r in zip(hyps, refs) for x in (h, *r)])
    ids = {t: i for i, t in enumerate({t for line in tokens for t in line})}
    flat, segment, role, end = [], [], [], []
    for i, r in enumerate(refs):
        lines = tokens[: 1 + len(r)]
        tokens = tokens[1 + len(r) :]
        for k, line in enumerate(lines):
            flat += [ids[t] for t in line]
            segment += [i] * len(line)
            role += [k] * len(line)
            end += [len(flat)] * len(line)
    arrays = [np.array(a, dtype=np.int64) for a in (flat, segment, role, end)]
    for block_tokens in (1, 7, 1000, 1 << 30):
        got = clipped_ngram_matches(*arrays, n_segments=len(hyps), max_order=4, block_tokens=block_tokens)
        np.testing.assert_array_equal(got, expected[:, 2:6])


def test_forked_shards_equal_one_process(real_pairs):
    hyps, refs = real_pairs[0][:3001], real_pairs[1][:3001]
    one = ours(hyps, refs)
    np.testing.assert_array_equal(one, sacrebleu_stats(hyps, refs))
    for processes in (2, 3):
        got = corpus_stats(
            hyps, refs, tokenizer=get_tokenizer("13a"), lowercase=False, max_order=4, processes=processes
        )
        np.testing.assert_array_equal(got, one)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**62), max_size=40), st.booleans())
def test_sort_with_order_is_a_stable_argsort(values, small):
    # small keys take the packed single sort; keys near 2**62 leave no low bits and take argsort
    keys = np.array([v % 7 for v in values] if small else values, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    got_keys, got_order = sort_with_order(keys)
    assert got_order.tolist() == order.tolist() and got_keys.tolist() == keys[order].tolist()
