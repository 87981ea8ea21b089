"""EED: cross-checks against torchmetrics' extended_edit_distance on real glosses, backends bit for bit,
merges, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.eed import EED, eed, sentence_eed

tm_text = pytest.importorskip("torchmetrics.functional.text")


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    return perturbed_pairs(80, seed=29, max_refs=3)


def _torchmetrics(hyps, refs, **options):
    corpus_score, sentences = tm_text.extended_edit_distance(hyps, refs, return_sentence_level_score=True, **options)
    return float(corpus_score), sentences.numpy()


@pytest.mark.parametrize(
    "options", [{}, {"alpha": 1.0, "rho": 0.5, "deletion": 0.5, "insertion": 0.7}, {"language": "ja"}]
)
def test_equals_torchmetrics(corpus, options):
    hyps, refs = corpus
    expected_corpus, expected = _torchmetrics(hyps, refs, **options)
    got = sentence_eed(hyps, refs, **options)
    # torchmetrics keeps each segment's score as a float32 tensor: evalkit's float64 rounds to it exactly
    np.testing.assert_array_equal(got.astype(np.float32), expected)
    # and averages them in float32
    assert eed(hyps, refs, **options).score == pytest.approx(expected_corpus, rel=1e-6)


def test_backends_are_equal_bit_for_bit(corpus):
    hyps, refs = corpus
    python = EED(backend="python").stats(hyps, refs)
    np.testing.assert_array_equal(EED(backend="numpy").stats(hyps, refs), python)
    words = EED(backend="numpy").stats([h.split() for h in hyps], [[r.split() for r in rs] for rs in refs])
    np.testing.assert_array_equal(words, python)


def test_hand_computed():
    # identical strings, " abc " after preprocessing (5 characters): no edit, the diagonal is the cheapest
    # at every step, so positions 1..5 are visited once (coverage 0 each) and position 0 never (coverage 1):
    # (0 + 0.3 * 1) / (5 + 0.3 * 1)
    assert eed(["abc"], ["abc"]).score == 0.3 / 5.3
    # the lowest of several references is kept
    assert sentence_eed(["abc"], [["xyz", "abc"]])[0] == 0.3 / 5.3


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(1, 11), seed=st.integers(0, 5))
def test_merge_of_parts_is_the_whole(cut, seed):
    hyps, refs = perturbed_pairs(12, seed=seed, max_refs=2)
    a = EED().update(hyps[:cut], refs[:cut]).merge(EED().update(hyps[cut:], refs[cut:]))
    whole = EED().update(hyps, refs)
    assert a.compute().score == pytest.approx(whole.compute().score, rel=1e-15)
    assert a.total[1] == 12


def test_bad_input_has_defined_values():
    # an empty hypothesis against text: every reference character inserted, the score capped at 1
    assert eed([""], ["abc"]).score == pytest.approx(_torchmetrics([""], [["abc"]])[0], rel=1e-6)
    assert eed([""], [""]).score == pytest.approx(_torchmetrics([""], [[""]])[0], abs=1e-7)
    assert eed([". , !"], ["? ;"]).score == pytest.approx(_torchmetrics([". , !"], [["? ;"]])[0], rel=1e-6)
    mixed = eed(["a b\r\nc"], ["a b\nc"]).score  # whitespace runs become one space
    assert mixed == eed(["a b c"], ["a b c"]).score == 0.3 / 7.3  # " a b c ": 7 characters


def test_errors_are_named():
    with pytest.raises(InvalidOptionError, match="language"):
        EED(language="de")
    with pytest.raises(InvalidOptionError, match="alpha"):
        eed(["a"], ["a"], alpha=-1.0)
    with pytest.raises(InputError, match="columns"):
        EED().score([1.0, 2.0, 3.0])


def test_japanese_text_with_language_ja():
    # real Japanese (tests/data/ja.txt, public domain): references with every fifth character moved to the front,
    # every other hypothesis with full-width characters that NFKC folds
    from pathlib import Path

    lines = [x for x in (Path(__file__).parent / "data" / "ja.txt").read_text(encoding="utf-8").splitlines() if x]
    refs = [line[::5] + "".join(c for k, c in enumerate(line) if k % 5) for line in lines]
    hyps = [line + ("（第１条Ａ）" if k % 2 else "") for k, line in enumerate(lines)]
    expected_corpus, expected = _torchmetrics(hyps, refs, language="ja")
    got = sentence_eed(hyps, refs, language="ja")
    np.testing.assert_array_equal(got.astype(np.float32), expected)
    assert eed(hyps, refs, language="ja").score == pytest.approx(expected_corpus, rel=1e-6)
