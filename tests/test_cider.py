"""CIDEr-D: pycocoevalcap 1.2's ``Cider`` values (computed once from its code: tests/data/make_cider.py says
how), the readable reference, the frame of distinct segments (merge, checkpoints, bootstrap), bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.cider import CIDEr, cider, reference_scores, sentence_cider

DATA = json.loads((Path(__file__).parent / "data" / "cider_pycocoevalcap.json").read_text(encoding="utf-8"))


def _tokens(hyps, refs):
    return [(h.split(), [r.split() for r in rs]) for h, rs in zip(hyps, refs)]


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: f"{len(c['hypotheses'])}-{c['options']}")
def test_equals_pycocoevalcap(case):
    hyps, refs, options = case["hypotheses"], case["references"], case["options"]
    # corpus: the mean of the same per-segment floats
    assert cider(hyps, refs, **options).score == pytest.approx(case["score"], rel=1e-14)
    np.testing.assert_allclose(sentence_cider(hyps, refs, **options), case["scores"], rtol=1e-13, atol=1e-14)
    corpus, scores = reference_scores(_tokens(hyps, refs), **options)
    assert corpus == case["score"] and scores.tolist() == case["scores"]  # the readable reference: bit for bit


def test_vectorized_formula_equals_the_reference_on_other_options():
    hyps, refs = perturbed_pairs(150, seed=5, max_refs=4)
    for options in ({"n": 2}, {"n": 6, "sigma": 1.5}):
        corpus, scores = reference_scores(_tokens(hyps, refs), **options)
        assert cider(hyps, refs, **options).score == pytest.approx(corpus, rel=1e-13)
        np.testing.assert_allclose(sentence_cider(hyps, refs, **options), scores, rtol=1e-12, atol=1e-13)


def test_hand_computed():
    # two segments, each hypothesis equal to its one reference and sharing no n-gram with the other:
    # every df is 1 of 2, the TF-IDF vectors are equal, so each order's similarity is 1: 10 * mean(1, 1, 1, 1)
    assert cider(["a b c d", "e f g h"], ["a b c d", "e f g h"]).score == 10.0
    # one segment alone: log N = 0, every weight 0: nothing to score
    assert cider(["a b"], ["a b"]).score == 0.0


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 49), max_size=3, unique=True), seed=st.integers(0, 5))
def test_merge_of_parts_is_the_corpus(cuts, seed):
    hyps, refs = perturbed_pairs(50, seed=seed, max_refs=3)
    hyps[7], refs[7] = hyps[3], refs[3]  # a repeated segment: counted twice, as pycocoevalcap does
    bounds = [0, *sorted(cuts), 50]
    merged = CIDEr()
    for a, b in itertools.pairwise(bounds):
        merged.merge(CIDEr().update(hyps[a:b], refs[a:b]))
    assert merged.compute().score == pytest.approx(reference_scores(_tokens(hyps, refs))[0], rel=1e-13)


def test_checkpoint_and_bootstrap_resample():
    hyps, refs = perturbed_pairs(40, seed=2, max_refs=3)
    state = json.loads(json.dumps(CIDEr().update(hyps[:20], refs[:20]).state_dict()))
    resumed = CIDEr().load_state_dict(state).update(hyps[20:], refs[20:])
    assert resumed.compute().score == pytest.approx(cider(hyps, refs).score, rel=1e-14)
    with pytest.raises(InputError, match="sorted"):
        CIDEr().load_state_dict(dict(state, space=list(reversed(state["space"]))))
    with pytest.raises(InputError, match="whole"):  # a segment counted 1.5 times was restored and scored
        CIDEr().load_state_dict(dict(state, total=[1.5, *state["total"][1:]]))
    # a resample is the resampled corpus, its document frequencies included
    rows = CIDEr().rows(hyps, refs)
    picks = np.random.default_rng(1).integers(0, 40, size=(2, 40))
    counts = np.stack([np.bincount(p, minlength=40) for p in picks])
    expected = [reference_scores(_tokens([hyps[i] for i in p], [refs[i] for i in p]))[0] for p in picks]
    got = CIDEr().add_rows(rows).scores(rows.weighted_totals(counts))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_bad_input_has_defined_values():
    # empty hypothesis or reference, only punctuation, mixed newlines: pycocoevalcap's numbers (no traceback)
    hyps, refs = ["", ". , !", "a b\r\nc", "x y"], [["a b"], ["? ;"], ["a b\nc"], ["", "x y"]]
    expected = reference_scores(_tokens(hyps, refs))
    assert cider(hyps, refs).score == pytest.approx(expected[0], rel=1e-14)
    np.testing.assert_allclose(sentence_cider(hyps, refs), expected[1], rtol=1e-13, atol=1e-14)


def test_errors_are_named():
    with pytest.raises(InvalidOptionError, match="sigma"):
        CIDEr(sigma=0.0)
    with pytest.raises(InvalidOptionError, match="'n'"):
        cider(["a"], ["a"], n=0)
    with pytest.raises(InvalidOptionError, match="tokenize='none'"):
        cider([["a"]], [[["a"]]], tokenize="13a")
    with pytest.raises(InputError, match="U\\+001E"):
        cider([["a", ""]], [[["a"]]])
    with pytest.raises(InputError, match="count per distinct segment"):
        CIDEr().update(["a"], ["a"]).score([1, 2])
