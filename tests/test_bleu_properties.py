"""BLEU properties (hypothesis): statistics add up, order does not matter, backends agree, rows score alone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit import BLEU, bleu, bleu_from_stats, sentence_bleu

sacrebleu = pytest.importorskip("sacrebleu")

SMOOTHING = ["exp", "none", "floor", "add-k", *(f"method{i}" for i in range(8))]

# a small vocabulary makes matches, repeats (clipping) and ties in reference length frequent
words = st.sampled_from(["a", "b", "c", "the", "cat", "."])
line = st.lists(words, max_size=9).map(" ".join)
segment = st.tuples(line, st.lists(line, min_size=1, max_size=3))
corpus = st.lists(segment, min_size=1, max_size=12)

# for the tokenizers: letters, digits, punctuation, symbols, CJK, Thai, emoji, odd spaces
unicode_line = st.text(
    alphabet=st.sampled_from([*"ab cd.,!?-'\"$%&()1 2\t", "猫", "が", "。", "แ", "ม", "ว", "😀", "é", "\u00a0", "—"]),
    max_size=30,
)
unicode_corpus = st.lists(
    st.tuples(unicode_line, st.lists(unicode_line, min_size=1, max_size=3)), min_size=1, max_size=8
)


def split(pairs):
    return [h for h, _ in pairs], [r for _, r in pairs]


def streams(references):
    k = max(len(seg) for seg in references)
    return [[seg[j] if j < len(seg) else None for seg in references] for j in range(k)]


@settings(max_examples=60, deadline=None)
@given(corpus)
def test_python_statistics_are_sacrebleus(pairs):
    hyps, refs = split(pairs)
    expected = sacrebleu.metrics.BLEU(tokenize="none")._extract_corpus_statistics(hyps, streams(refs))
    assert BLEU(tokenize="none", backend="python").stats(hyps, refs).tolist() == expected


@settings(max_examples=40, deadline=None)
@given(unicode_corpus, st.sampled_from(["none", "13a", "intl", "char", "zh"]), st.booleans())
def test_statistics_are_sacrebleus_on_unicode(pairs, tok, lowercase):
    hyps, refs = split(pairs)
    metric = sacrebleu.metrics.BLEU(tokenize=tok, lowercase=lowercase)
    expected = metric._extract_corpus_statistics(hyps, streams(refs))
    assert BLEU(tokenize=tok, lowercase=lowercase, backend="python").stats(hyps, refs).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(corpus, st.data(), st.sampled_from(SMOOTHING), st.sampled_from(["sacrebleu", "nltk"]))
def test_merge_of_any_split_equals_whole(pairs, data, smooth, convention):
    hyps, refs = split(pairs)
    cuts = sorted(data.draw(st.lists(st.integers(1, len(hyps)), max_size=3)))
    options = {"tokenize": "none", "smooth": smooth, "convention": convention}
    whole = bleu(hyps, refs, **options)
    parts = []
    for a, b in zip([0, *cuts], [*cuts, len(hyps)]):
        if a < b:
            parts.append(BLEU(**options).update(hyps[a:b], refs[a:b]))
    merged = parts[0]
    for part in parts[1:]:
        merged.merge(part)
    assert np.array_equal(merged.total, BLEU(**options).stats(hyps, refs).sum(axis=0))
    assert merged.compute().score == whole.score
    assert merged.n_items == len(hyps)


@settings(max_examples=60, deadline=None)
@given(corpus, st.randoms(use_true_random=False), st.sampled_from(SMOOTHING))
def test_permutation_leaves_corpus_bleu_unchanged(pairs, rng, smooth):
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    a = bleu(*split(pairs), tokenize="none", smooth=smooth)
    b = bleu(*split(shuffled), tokenize="none", smooth=smooth)
    assert a.score == b.score and a.components == b.components


@settings(max_examples=40, deadline=None)
@given(unicode_corpus, st.sampled_from(["none", "13a", "intl", "char", "zh"]), st.booleans(), st.integers(1, 5))
def test_backends_give_identical_statistics(pairs, tok, lowercase, max_order):
    hyps, refs = split(pairs)
    options = {"tokenize": tok, "lowercase": lowercase, "max_order": max_order}
    python = BLEU(backend="python", **options).stats(hyps, refs)
    numpy = BLEU(backend="numpy", **options).stats(hyps, refs)
    assert python.dtype == numpy.dtype == np.int64
    assert np.array_equal(python, numpy)


@settings(max_examples=60, deadline=None)
@given(corpus, st.sampled_from(SMOOTHING), st.sampled_from(["sacrebleu", "nltk"]), st.booleans())
def test_sentence_scores_from_rows_equal_sentence_bleu(pairs, smooth, convention, eff):
    hyps, refs = split(pairs)
    options = {"tokenize": "none", "smooth": smooth, "convention": convention, "effective_order": eff}
    metric = BLEU(**options)
    rows = metric.stats(hyps, refs)
    expected = sentence_bleu(hyps, refs, **options)
    assert np.array_equal(metric.scores(rows), expected)
    for i, row in enumerate(rows):
        single = bleu([hyps[i]], [refs[i]], **options).score
        assert single == expected[i]
        assert bleu_from_stats(row, smooth=smooth, convention=convention, effective_order=eff).score == single
        # nltk's method5 averages with p_1 + 1 and method6 extrapolates p_{n-1}^2 / p_{n-2}: both can pass 1
        assert single >= 0.0 and (single <= 1.0 or smooth in ("method5", "method6", "method7"))


@settings(max_examples=40, deadline=None)
@given(corpus, st.sampled_from(SMOOTHING))
def test_nltk_convention_is_idempotent_on_rows(pairs, smooth):
    hyps, refs = split(pairs)
    raw = BLEU(tokenize="none", max_order=5).stats(hyps, refs)
    nltk_rows = BLEU(tokenize="none", max_order=5, convention="nltk").stats(hyps, refs)
    options = {"smooth": smooth, "convention": "nltk", "max_order": 4}
    a = bleu_from_stats(raw, **options)
    b = bleu_from_stats(nltk_rows, **options)
    assert a.score == b.score and a.components["totals"] == b.components["totals"]
