"""RIBES: cross-checks against nltk's corpus_ribes / sentence_ribes on real glosses, the paper's example,
merges, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.ribes import RIBES, kendall_tau, ribes, sentence_ribes, word_rank_alignment

nltk_ribes = pytest.importorskip("nltk.translate.ribes_score")


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    return perturbed_pairs(400, seed=29, max_refs=3)


def _split(hyps, refs):
    return [h.split() for h in hyps], [[r.split() for r in rs] for rs in refs]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize(("alpha", "beta"), [(0.25, 0.10), (0.5, 0.3)])
def test_equals_nltk(corpus, alpha, beta, backend):
    hyps, refs = corpus
    h, r = _split(hyps, refs)
    expected = [nltk_ribes.sentence_ribes(rs, hh, alpha=alpha, beta=beta) for hh, rs in zip(h, r)]
    np.testing.assert_array_equal(sentence_ribes(hyps, refs, alpha=alpha, beta=beta, backend=backend), expected)
    got = ribes(hyps, refs, alpha=alpha, beta=beta, backend=backend).score
    assert got == pytest.approx(nltk_ribes.corpus_ribes(r, h, alpha=alpha, beta=beta), rel=1e-14)


def test_alignment_equals_nltk(corpus):
    h, r = _split(*corpus)
    for hh, rs in zip(h[:300], r[:300]):
        assert word_rank_alignment(rs[0], hh) == nltk_ribes.word_rank_alignment(rs[0], hh)


def test_the_papers_example():
    # Isozaki et al. (2010): "Bob hit John yesterday" against "John hit Bob yesterday" has the increasing
    # pairs (3,4), (2,4), (1,4): tau = 2 * 3 / 6 - 1 = 0, normalised 0.5; every word aligns and the
    # lengths are equal, so P1 = BP = 1
    assert word_rank_alignment(["john", "hit", "bob", "yesterday"], ["bob", "hit", "john", "yesterday"]) == [2, 1, 0, 3]
    assert kendall_tau([2, 1, 0, 3]) == 0.5
    assert ribes(["bob hit john yesterday"], ["john hit bob yesterday"]).score == 0.5


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(1, 39), seed=st.integers(0, 5))
def test_merge_of_parts_is_the_whole(cut, seed):
    hyps, refs = perturbed_pairs(40, seed=seed, max_refs=2)
    merged = RIBES().update(hyps[:cut], refs[:cut]).merge(RIBES().update(hyps[cut:], refs[cut:]))
    assert merged.compute().score == pytest.approx(ribes(hyps, refs).score, rel=1e-14)


def test_bad_input_has_defined_values():
    # nltk returns 0 for an empty hypothesis; an empty reference aligns nothing
    assert ribes([""], ["a b"]).score == 0.0 == nltk_ribes.sentence_ribes([["a", "b"]], [])
    assert ribes(["a b"], [""]).score == 0.0 == nltk_ribes.sentence_ribes([[]], ["a", "b"])
    assert ribes([". , !"], ["? ;"]).score == 0.0
    assert ribes(["a b\r\nc"], ["a b\nc"]).score == 1.0


def test_errors_are_named():
    with pytest.raises(InvalidOptionError, match="alpha"):
        RIBES(alpha=-0.1)
    with pytest.raises(InvalidOptionError, match="tokenize='none'"):
        ribes([["a"]], [[["a"]]], tokenize="13a")
    with pytest.raises(InputError, match="columns"):
        RIBES().score([1.0, 2.0, 3.0])


def test_backends_have_equal_rows(corpus):
    hyps, refs = corpus
    one_each = perturbed_pairs(300, seed=1, max_refs=1)  # the one-reference layout
    for inputs in (corpus, _split(hyps, refs), one_each):
        python = RIBES(backend="python").stats(*inputs)
        np.testing.assert_array_equal(RIBES(backend="numpy").stats(*inputs), python)
    # repeated words from a vocabulary of 3: long context windows, ties in the alignment, empty sides
    rng = np.random.default_rng(3)
    h = [" ".join(rng.choice(list("abc"), rng.integers(0, 14))) for _ in range(600)]
    r = [[" ".join(rng.choice(list("abc"), rng.integers(0, 14))) for _ in range(rng.integers(1, 4))] for _ in h]
    np.testing.assert_array_equal(RIBES(backend="numpy").stats(h, r), RIBES(backend="python").stats(h, r))
    hh, rr = _split(h, r)
    expected = [nltk_ribes.sentence_ribes(rs, x) if x else 0.0 for x, rs in zip(hh, rr)]
    np.testing.assert_array_equal(sentence_ribes(h, r, backend="numpy"), expected)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.text("ab ", max_size=12), st.text("ab ", max_size=12)), min_size=1, max_size=8))
def test_backends_agree_on_any_text(pairs):
    h, r = [p[0] for p in pairs], [p[1] for p in pairs]
    assert sentence_ribes(h, r, backend="numpy").tolist() == sentence_ribes(h, r, backend="python").tolist()


def test_long_sentence_equals_nltk():
    # 450 aligned words in random order: most fall below an earlier one, so the numpy backend's Kendall
    # count compares nearly all of the 101,025 pairs one by one
    words = [f"w{i}" for i in range(450)]
    shuffled = list(np.random.default_rng(0).permutation(words))
    expected = nltk_ribes.sentence_ribes([words], shuffled)
    assert sentence_ribes([" ".join(shuffled)], [" ".join(words)], backend="numpy").tolist() == [expected]


def test_kendall_count_in_chunks_equals_nltk(monkeypatch):
    # the one-by-one comparisons split into chunks of at most 7 (a single longer run is a chunk of its
    # own): reversed, nearly sorted, tied and random orders across segments give nltk's scores
    from evalkit.text import _ribes_numpy

    monkeypatch.setattr(_ribes_numpy, "_COMPARE_CHUNK", 7)
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(30)]
    hyps = [words[::-1], words[:12] + words[13:15] + [words[12]] + words[15:], ["w1", "w0", "w1", "w0", "w2"]]
    hyps += [list(rng.permutation(words[: rng.integers(1, 30)])) for _ in range(40)]
    expected = [nltk_ribes.sentence_ribes([words], h) for h in hyps]
    got = sentence_ribes([" ".join(h) for h in hyps], [" ".join(words)] * len(hyps), backend="numpy")
    assert got.tolist() == expected
