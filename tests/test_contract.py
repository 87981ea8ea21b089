"""The statistics contract's promises on bad input, one test per kind of defect (each case is one example
of its kind; the registry-driven tests in test_common.py run the kinds over every metric)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import evalkit
from evalkit.core import EvalkitError, InputError, InvalidOptionError


def test_float16_weights_count_in_float64():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    t, p = np.tile([0, 1, 1, 0], 25_000), np.tile([0, 1, 0, 0], 25_000)
    w = np.ones(100_000, np.float16)
    want = sklearn_metrics.accuracy_score(t, p, sample_weight=w.astype(np.float64))
    assert want == 0.75
    assert evalkit.accuracy_score(t, p, sample_weight=w) == want
    # float32 weights lose counts past 2**24 when summed in float32
    big = np.full(3, 2.0**24, np.float32)
    assert evalkit.accuracy_score([1, 1, 0], [1, 1, 1], sample_weight=big) == 2 / 3


def test_unordered_hypotheses_are_refused():
    with pytest.raises(EvalkitError, match="order"):
        evalkit.bleu({"a b", "c d"}, ["a b", "c d"])
    with pytest.raises(EvalkitError, match="order"):
        evalkit.f1_score({0, 1}, [0, 1])


def test_flags_are_booleans_not_truthy_strings():
    with pytest.raises(InvalidOptionError, match="'normalize' parameter of accuracy_score must be True or False"):
        evalkit.accuracy_score([0, 1], [0, 1], normalize="false")
    with pytest.raises(InvalidOptionError, match="'adjusted'"):
        evalkit.BalancedAccuracy(adjusted="no")


def test_label_lists_are_checked_where_given():
    with pytest.raises(InvalidOptionError, match="'labels' parameter of f1_score must be a list of labels"):
        evalkit.f1_score([0, 1, 2], [0, 1, 1], labels=5, average="macro")
    with pytest.raises(InvalidOptionError, match="each label once"):
        evalkit.F1(labels=[0, 1, 1])
    with pytest.raises(InvalidOptionError, match="its order is arbitrary"):
        evalkit.ConfusionMatrix(labels={0, 1})


def test_merge_refuses_none_and_other_tokenizer_objects():
    with pytest.raises(InputError, match="merge"):
        evalkit.BLEU().merge(None)

    def split(line):  # the same name as str.split: the signatures agree, the objects do not
        return line.split()

    a = evalkit.BLEU(tokenize=str.split).update(["a b"], ["a b"])
    b = evalkit.BLEU(tokenize=split).update(["a b"], ["a b"])
    assert str(a.signature()) == str(b.signature())
    with pytest.raises(InputError, match="custom"):
        a.merge(b)
    same = evalkit.BLEU(tokenize=str.split).update(["a c"], ["a b"])
    assert a.merge(same).n_items == 2


def test_results_and_totals_cannot_change_a_later_result():
    m = evalkit.ConfusionMatrix().update([0, 1, 1], [0, 1, 0])
    matrix = m.compute().components["matrix"]
    with pytest.raises(ValueError):
        matrix[0, 0] = 99
    total = evalkit.F1().update([0, 1], [0, 0]).total
    total[:] = 0
    f1 = evalkit.F1().update([0, 1], [0, 0])
    f1.total[:] = 0
    assert f1.compute().score == evalkit.f1_score([0, 1], [0, 0], average="macro")


def test_state_dict_is_plain_and_resumes():
    bleu = evalkit.BLEU().update(["the cat sat"], [["the cat sat", "a cat sat"]])
    state = json.loads(json.dumps(bleu.state_dict(), default=lambda x: x.tolist()))
    resumed = evalkit.BLEU().load_state_dict(state)
    assert str(resumed.compute()) == str(bleu.compute())  # nrefs:2 included
    with pytest.raises(InvalidOptionError, match="options it was saved with"):
        evalkit.BLEU(lowercase=True).load_state_dict(state)


def test_forward_returns_the_batch_score():
    m = evalkit.Accuracy()
    assert m.forward([0, 1], [0, 0]).score == 0.5
    assert m.forward([1, 1], [1, 1]).score == 1.0
    assert m.compute().score == 0.75


def test_a_metric_that_is_no_reduction_is_refused_by_the_row_paths():
    from evalkit.stats.significance import bootstrap_ci

    class Median(evalkit.Accuracy):
        name = "toy_median"
        reducible = False

    with pytest.raises(InputError, match="no reduction of per-item rows"):
        bootstrap_ci(Median(), Median().stats([0, 1], [0, 1]))
