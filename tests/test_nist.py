"""NIST: cross-checks against nltk's corpus_nist / sentence_nist on real glosses, its corpus-level frame
(merge, checkpoints, bootstrap), defined values where nltk divides by zero, errors."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.nist import NIST, nist, sentence_nist

nltk_nist = pytest.importorskip("nltk.translate.nist_score")


def _pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    hyps, refs = perturbed_pairs(n, seed=seed, max_refs=1)
    return hyps, [r[0] for r in refs]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    return _pairs(500, 29)


@pytest.mark.parametrize("n", [5, 3, 1])
def test_corpus_nist_equals_nltk(corpus, n):
    hyps, refs = corpus
    expected = nltk_nist.corpus_nist([[r.split()] for r in refs], [h.split() for h in hyps], n=n)
    # the same counts; nltk adds its weighted matches segment by segment, evalkit n-gram by n-gram
    assert nist(hyps, refs, n=n).score == pytest.approx(expected, rel=1e-13)


def test_sentence_nist_equals_nltk(corpus):
    # nltk divides by zero for a hypothesis shorter than n: those are tested with the defined values below
    hyps, refs = zip(*[(h, r) for h, r in zip(*corpus) if len(h.split()) >= 5][:300])
    expected = [nltk_nist.sentence_nist([r.split()], h.split()) for h, r in zip(hyps, refs)]
    np.testing.assert_allclose(sentence_nist(list(hyps), list(refs)), expected, rtol=1e-13)
    results = NIST().sentence_scores(list(hyps[:5]), list(refs[:5]))
    assert [r.score for r in results] == pytest.approx(expected[:5], rel=1e-13)


def test_information_weights_by_hand():
    # references "a b" and "a c": count(a) = 2, count(b) = count(c) = 1, 4 reference words, count(a b) = 1.
    # hypothesis "a b" matches a, b and "a b": unigrams (log2(4/2) + log2(4/1)) / 2 = 1.5, bigram log2(2/1) / 1 = 1;
    # hypothesis "c" matches c: log2(4/1) / 1 = 2 more unigram information: unigram precision (1 + 2 + 2) / 3
    # and bigram 1 / 1 (the 1-word hypothesis has no bigram); lengths 3 and 4: ratio 3/4, penalty
    # exp(beta * log(3/4)^2) with beta = log(0.5) / log(1.5)^2
    beta = np.log(0.5) / np.log(1.5) ** 2
    expected = (5 / 3 + 1) * np.exp(beta * np.log(0.75) ** 2)
    assert nist(["a b", "c"], ["a b", "a c"], n=2).score == pytest.approx(expected, rel=1e-15)
    assert nltk_nist.corpus_nist([[["a", "b"]], [["a", "c"]]], [["a", "b"], ["c"]], n=2) == pytest.approx(expected)


@settings(max_examples=10, deadline=None)
@given(cuts=st.lists(st.integers(1, 59), max_size=3, unique=True), seed=st.integers(0, 5))
def test_merge_of_parts_is_the_corpus(cuts, seed):
    # the frames of the parts differ; their merge is the frame of the whole corpus, the score nltk's
    hyps, refs = _pairs(60, seed)
    bounds = [0, *sorted(cuts), 60]
    parts = [NIST().update(hyps[a:b], refs[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = parts[0]
    for part in parts[1:]:
        merged.merge(part)
    whole = NIST().update(hyps, refs)
    _assert_same_frame(merged.space, whole.space)
    np.testing.assert_array_equal(merged.total, whole.total)
    expected = nltk_nist.corpus_nist([[r.split()] for r in refs], [h.split() for h in hyps])
    assert merged.compute().score == pytest.approx(expected, rel=1e-13)


def test_checkpoint_round_trip_through_json(corpus):
    hyps, refs = corpus[0][:200], corpus[1][:200]
    m = NIST().update(hyps[:100], refs[:100])
    state = json.loads(json.dumps(m.state_dict()))
    resumed = NIST().load_state_dict(state).update(hyps[100:], refs[100:])
    assert resumed.compute().score == NIST().update(hyps, refs).compute().score
    tokens, parent, last = state["space"]
    tampered = {
        "sorted distinct strings": [list(reversed(tokens)), parent, last],
        "earlier n-gram": [tokens, [*parent[:-1], len(parent)], last],
        "sorted by order": [tokens, parent, last[:2][::-1] + last[2:]],
        "indices of 'tokens'": [tokens, parent, [*last[:-1], len(tokens)]],
        "two lists of ints": [tokens, [float(p) for p in parent], last],
        "a unigram for every token": [[*tokens, "~~~"], parent, last],
        "triple": tokens,
    }
    for fault, space in tampered.items():
        with pytest.raises(InputError, match=re.escape(fault)):
            NIST().load_state_dict(dict(state, space=space))


def test_checkpoint_of_wrong_types_is_refused():
    # tokens of one letter each: a string "abc" read as the token list, a nested list as a flat one, a
    # fractional count (nltk's counts are whole) were restored and scored (1.82, 1.82, 2.65)
    state = json.loads(json.dumps(NIST().update(["a b c a", "b c"], ["a b c", "c b a"]).state_dict()))
    tokens, parent, last = state["space"]
    for space in (["".join(tokens), parent, last], [tokens, [parent], last], [tokens, parent, [last]]):
        with pytest.raises(InputError, match=re.escape("a (tokens, parent, last) triple")):
            NIST().load_state_dict(dict(state, space=space))
    total = list(state["total"])
    total[3] = 1.5
    with pytest.raises(InputError, match="whole"):
        NIST().load_state_dict(dict(state, total=total))


def _assert_same_frame(a, b):
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])


def test_the_frame_by_hand():
    # references "b a b" and "a c": n-grams by order, then by tokens: a, b, c | a b, a c, b a | b a b
    rows = NIST(n=3).rows(["x", "y"], ["b a b", "a c"])
    tokens, parent, last = rows.space
    assert tokens == ("a", "b", "c")
    assert parent.tolist() == [-1, -1, -1, 0, 0, 1, 5]
    assert last.tolist() == [0, 1, 2, 1, 2, 0, 1]
    for backend in ("python", "numpy"):
        _assert_same_frame(NIST(n=3, backend=backend).rows(["x", "y"], ["b a b", "a c"]).space, rows.space)


def test_a_resample_is_scored_as_the_resampled_corpus():
    # the bootstrap sums resampled rows; for NIST that is the resampled corpus, references repeated, so its
    # information weights are those of the resample (repeated n-grams weigh less: NIST's bootstrap scores
    # sit below the full corpus's, see docs/metrics/nist.md)
    from evalkit.stats.significance import bootstrap_ci

    hyps, refs = _pairs(40, 3)
    rows = NIST().rows(hyps, refs)
    picks = np.random.default_rng(0).integers(0, 40, size=(3, 40))
    counts = np.stack([np.bincount(p, minlength=40) for p in picks])
    scorer = NIST().add_rows(rows)
    expected = [nltk_nist.corpus_nist([[refs[i].split()] for i in p], [hyps[i].split() for i in p]) for p in picks]
    np.testing.assert_allclose(scorer.scores(rows.weighted_totals(counts)), expected, rtol=1e-12)
    ci = bootstrap_ci(NIST(), rows, n_resamples=30, seed=0)
    assert float(ci.result) == pytest.approx(nist(hyps, refs).score, rel=1e-15)
    assert ci.low <= ci.high


def test_defined_values_where_nltk_divides_by_zero():
    # a hypothesis shorter than n has no n-gram of the higher orders: their precision counts 0
    with pytest.raises(ZeroDivisionError):
        nltk_nist.sentence_nist([["a", "b", "c"]], ["a", "b"], n=3)
    two_orders = nltk_nist.sentence_nist([["a", "b", "c"]], ["a", "b"], n=2)
    assert sentence_nist(["a b"], ["a b c"], n=3)[0] == pytest.approx(two_orders, rel=1e-15)
    # empty segments, only punctuation, mixed newlines: defined numbers, no traceback
    assert nist([""], [""]).score == 0.0
    assert nist([". , !"], ["? ;"]).score == 0.0
    assert nist(["a b\r\nc"], ["a b\nc"], n=3).score == nist(["a b c"], ["a b c"], n=3).score


def test_errors_are_named():
    with pytest.raises(InputError, match="one reference per segment"):
        nist(["a"], [["a", "b"]])
    with pytest.raises(InvalidOptionError, match="'n'"):
        NIST(n=0)
    with pytest.raises(InvalidOptionError, match="tokenize='none'"):
        nist([["a"]], [[["a"]]], tokenize="13a")
    # any token, control characters included, is a token (the frame keeps tokens, not joined strings)
    odd = [["a\x1fb", "c"]], [[["a\x1fb", "c"]]]
    assert nist(*odd, n=2).score == pytest.approx(nltk_nist.corpus_nist([[odd[0][0]]], odd[0], n=2), rel=1e-15)
    with pytest.raises(InputError, match="columns"):
        NIST().update(["a"], ["a"]).score([1, 2, 3])


def test_backends_write_equal_rows(corpus):
    hyps, refs = corpus
    python, numpy = NIST(backend="python").rows(hyps, refs), NIST(backend="numpy").rows(hyps, refs)
    _assert_same_frame(python.space, numpy.space)
    np.testing.assert_array_equal(python.dense, numpy.dense)
    np.testing.assert_array_equal(python.total(), numpy.total())  # cells in another order, equal sums
    # short corpora (empty segments, one word): both backends
    for hyps, refs in (([""], [""]), (["a", ""], ["a b", "c"])):
        assert nist(hyps, refs, backend="numpy").score == nist(hyps, refs, backend="python").score


@pytest.mark.slow
def test_20000_real_pairs_equal_nltk():
    hyps, refs = _pairs(20000, 3)
    expected = nltk_nist.corpus_nist([[r.split()] for r in refs], [h.split() for h in hyps])
    assert nist(hyps, refs).score == pytest.approx(expected, rel=1e-12)
