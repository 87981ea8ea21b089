"""GLEU: cross-checks against nltk's corpus_gleu / sentence_gleu on real glosses, backends, merges, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.gleu import GLEU, gleu, sentence_gleu

nltk_gleu = pytest.importorskip("nltk.translate.gleu_score")


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    return perturbed_pairs(1500, seed=29, max_refs=3)


def _split(hyps, refs):
    return [h.split() for h in hyps], [[r.split() for r in rs] for rs in refs]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize(("min_len", "max_len"), [(1, 4), (2, 3), (1, 1)])
def test_corpus_gleu_equals_nltk(corpus, backend, min_len, max_len):
    hyps, refs = corpus
    h, r = _split(hyps, refs)
    expected = nltk_gleu.corpus_gleu(r, h, min_len=min_len, max_len=max_len)
    got = gleu(hyps, refs, min_len=min_len, max_len=max_len, backend=backend)
    assert got.score == expected  # the same two integer sums divided once


def test_sentence_gleu_equals_nltk(corpus):
    hyps, refs = corpus[0][:300], corpus[1][:300]
    h, r = _split(hyps, refs)
    expected = [nltk_gleu.sentence_gleu(rs, hh) for hh, rs in zip(h, r)]
    np.testing.assert_array_equal(sentence_gleu(hyps, refs, backend="python"), expected)
    np.testing.assert_array_equal(sentence_gleu(hyps, refs, backend="numpy"), expected)


def test_backends_give_equal_rows(corpus):
    hyps, refs = corpus
    m = GLEU(max_len=5)
    python = GLEU(max_len=5, backend="python").stats(hyps, refs)
    np.testing.assert_array_equal(GLEU(max_len=5, backend="numpy").stats(hyps, refs), python)
    # token lists take the same path
    h, r = _split(hyps, refs)
    np.testing.assert_array_equal(m.stats(h, r), python)
    # one reference per segment (the segments are the pairs)
    single = [rs[:1] for rs in refs]
    expected = GLEU(max_len=5, backend="python").stats(hyps, single)
    np.testing.assert_array_equal(GLEU(max_len=5, backend="numpy").stats(hyps, single), expected)


def test_13a_is_hugging_face_google_bleu(corpus):
    # evaluate's google_bleu: nltk's corpus_gleu on Tokenizer13a tokens (sacrebleu's 13a)
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tok = Tokenizer13a()
    hyps, refs = corpus[0][:500], corpus[1][:500]
    expected = nltk_gleu.corpus_gleu([[tok(x).split() for x in rs] for rs in refs], [tok(h).split() for h in hyps])
    assert gleu(hyps, refs, tokenize="13a").score == pytest.approx(expected, abs=0, rel=1e-15)


def test_hand_computed():
    # "the cat sat" vs "the cat sat down", orders 1..4: hypothesis 3+2+1 = 6 n-grams, reference 4+3+2+1 = 10,
    # all 6 match: 6 / max(6, 10)
    assert gleu(["the cat sat"], ["the cat sat down"]).score == 0.6
    # a reference tied with a later one keeps the first (nltk's max): both 1/2 here, rows say which
    assert GLEU().stats(["a b"], [["a c", "c b"]]).tolist() == [[1, 3]]


def test_functional_is_the_class_and_registered():
    assert isinstance(evalkit.get_metric("gleu"), GLEU)
    assert evalkit.gleu is gleu and evalkit.sentence_gleu is sentence_gleu


@settings(max_examples=25, deadline=None)
@given(cut=st.integers(0, 60), seed=st.integers(0, 10))
def test_merge_of_parts_is_the_whole(cut, seed):
    hyps, refs = perturbed_pairs(60, seed=seed, max_refs=3)
    whole = GLEU().update(hyps, refs)
    a, b = GLEU().update(hyps[:cut] or [""], refs[:cut] or [""]), GLEU()
    if cut < 60:
        b.update(hyps[cut:], refs[cut:])
    a.merge(b)
    if cut == 0:  # the empty placeholder segment has no n-grams: it adds nothing
        assert a.total.tolist() == whole.total.tolist()
    else:
        assert a.compute().score == whole.compute().score


def test_bad_input_has_defined_values():
    # empty segments and segments of only punctuation: no n-grams, no match; nltk's corner case returns 0
    assert gleu([""], [""]).score == 0.0 == nltk_gleu.corpus_gleu([[[]]], [[]])
    assert gleu(["", "a b"], ["", "a b"]).score == 1.0 == nltk_gleu.corpus_gleu([[[]], [["a", "b"]]], [[], ["a", "b"]])
    assert gleu([". , !"], ["? ;"]).score == 0.0
    # mixed newlines are whitespace to the tokenizer
    assert gleu(["a b\r\nc"], ["a b\nc"]).score == 1.0


def test_bad_options_and_totals_are_named():
    with pytest.raises(InvalidOptionError, match="max_len"):
        GLEU(min_len=3, max_len=2)
    with pytest.raises(InvalidOptionError, match="min_len"):
        gleu(["a"], ["a"], min_len=0)
    with pytest.raises(InvalidOptionError, match="tokenize='none'"):
        gleu([["a"]], [[["a"]]], tokenize="13a")
    with pytest.raises(InputError, match="matches > n_all"):
        GLEU().score([5, 3])
    with pytest.raises(InputError, match="2 columns"):
        GLEU().score([1, 2, 3])


@pytest.mark.slow
def test_20000_real_pairs_equal_nltk():
    hyps, refs = perturbed_pairs(20000, seed=3, max_refs=2)
    h, r = _split(hyps, refs)
    assert gleu(hyps, refs).score == nltk_gleu.corpus_gleu(r, h)
