"""Top-k accuracy, hinge loss, the label-set scores (Hamming, zero-one, Jaccard, specificity, NPV) and the
multilabel ranking metrics against scikit-learn (and torchmetrics where scikit-learn has none): its doc
examples, random data with ties and weights; merges and batching; bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit import UndefinedMetricWarning
from evalkit.core import EvalkitError

sk = pytest.importorskip("sklearn.metrics")


def _labels(seed: int, n: int = 300, k: int = 4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.5, y, rng.integers(0, k, n))
    return y, p, rng.random(n) * 2


def _indicators(seed: int, n: int = 300, n_labels: int = 5):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 2, (n, n_labels)), rng.integers(0, 2, (n, n_labels))
    y[:4], p[:2], y[4:6] = 0, 0, 1  # samples without labels, and with every label
    return y, p, rng.random(n) * 2


# -- top-k accuracy ----------------------------------------------------------------------------------------------
def test_top_k_on_scikit_learns_example():
    y_true = np.array([0, 1, 2, 2])
    y_score = np.array([[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]])
    assert evalkit.top_k_accuracy_score(y_true, y_score, k=2) == sk.top_k_accuracy_score(y_true, y_score, k=2) == 0.75
    kwargs = {"k": 2, "normalize": False}
    assert evalkit.top_k_accuracy_score(y_true, y_score, **kwargs) == sk.top_k_accuracy_score(y_true, y_score, **kwargs)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_top_k_equals_scikit_learn_with_ties_and_weights(k):
    rng = np.random.default_rng(k)
    y = rng.integers(0, 5, 400)
    scores = rng.integers(0, 4, (400, 5)).astype(float)  # many ties: the later column ranks higher
    w = rng.random(400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # k = 5 classes: evalkit and scikit-learn warn
        for kwargs in ({}, {"sample_weight": w}, {"normalize": False}, {"normalize": False, "sample_weight": w}):
            expected = sk.top_k_accuracy_score(y, scores, k=k, **kwargs)
            assert evalkit.top_k_accuracy_score(y, scores, k=k, **kwargs) == pytest.approx(expected, rel=1e-12)
        labels = ["a", "b", "c", "d", "e"]
        named = np.array(labels)[y]
        expected = sk.top_k_accuracy_score(named, scores, k=k, labels=labels)
        assert evalkit.top_k_accuracy_score(named, scores, k=k, labels=labels) == expected
    m = evalkit.TopKAccuracy(k=k)
    for i in range(0, 400, 90):
        m.update(y[i : i + 90], scores[i : i + 90], sample_weight=w[i : i + 90])
    assert m.compute().score == pytest.approx(sk.top_k_accuracy_score(y, scores, k=k, sample_weight=w), rel=1e-12)


def test_binary_top_1_thresholds_over_all_the_data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    margins = rng.normal(size=300)
    for scores in (margins, 1 / (1 + np.exp(-margins)) - 0.2):  # decision values; values in [0, 1] mostly
        expected = sk.top_k_accuracy_score(y, scores, k=1)
        assert evalkit.top_k_accuracy_score(y, scores, k=1) == expected
        # the first batch lies in [0, 1]; scikit-learn's threshold follows every score, and so does the state
        order = np.argsort((scores < 0) | (scores > 1), kind="stable")
        m = (
            evalkit.TopKAccuracy(k=1)
            .update(y[order][:100], scores[order][:100])
            .update(y[order][100:], scores[order][100:])
        )
        assert m.compute().score == expected


def test_top_k_warns_as_scikit_learn_where_k_covers_every_class():
    with pytest.warns(UndefinedMetricWarning, match="'k' \\(3\\) greater than or equal to 'n_classes' \\(3\\)"):
        evalkit.top_k_accuracy_score([0, 1, 2], [[0.2, 0.3, 0.5]] * 3, k=3)


# -- hinge loss --------------------------------------------------------------------------------------------------
def test_hinge_loss_on_scikit_learns_examples():
    y, d = [-1, 1, 1], [-2.18, 2.36, 0.09]
    assert evalkit.hinge_loss(y, d) == sk.hinge_loss(y, d)
    d4 = np.array([[1.27, 0.034, -0.68, -1.40], [-1.45, -0.58, -0.38, -0.17], [-2.36, -0.79, -0.27, 0.24]])
    kwargs = {"labels": [0, 1, 2, 3]}
    assert evalkit.hinge_loss([0, 2, 3], d4, **kwargs) == pytest.approx(
        sk.hinge_loss([0, 2, 3], d4, **kwargs), rel=1e-15
    )


@pytest.mark.parametrize("seed", range(3))
def test_hinge_loss_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y, d, w = rng.integers(0, 4, 300), rng.normal(size=(300, 4)).round(1), rng.random(300)
    for kwargs in ({}, {"sample_weight": w}):
        assert evalkit.hinge_loss(y, d, **kwargs) == pytest.approx(sk.hinge_loss(y, d, **kwargs), rel=1e-12)
    yb, db = rng.integers(0, 2, 300), rng.normal(size=300)
    for labels in (yb, yb * 2 - 1, np.where(yb == 1, "spam", "ham"), np.ones(300, dtype=int)):
        assert evalkit.hinge_loss(labels, db, sample_weight=w) == pytest.approx(
            sk.hinge_loss(labels, db, sample_weight=w), rel=1e-12
        )
    m = evalkit.HingeLoss().update(y[:100], d[:100]).update(y[100:], d[100:])
    assert m.compute().score == pytest.approx(sk.hinge_loss(y, d), rel=1e-12)
    m = evalkit.HingeLoss().update(yb[:100] * 2 - 1, db[:100]).update(yb[100:] * 2 - 1, db[100:])
    assert m.compute().score == pytest.approx(sk.hinge_loss(yb, db), rel=1e-12)


# -- Hamming, zero-one, Jaccard ----------------------------------------------------------------------------------
def test_label_set_scores_on_scikit_learns_examples():
    assert evalkit.hamming_loss([2, 2, 3, 4], [1, 2, 3, 4]) == sk.hamming_loss([2, 2, 3, 4], [1, 2, 3, 4]) == 0.25
    y, p = np.array([[0, 1], [1, 1]]), np.zeros((2, 2))
    assert evalkit.hamming_loss(y, p) == sk.hamming_loss(y, p) == 0.75
    assert evalkit.zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4]) == sk.zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4])
    assert evalkit.zero_one_loss(y, np.ones((2, 2)), normalize=False) == sk.zero_one_loss(
        y, np.ones((2, 2)), normalize=False
    )
    y_true, y_pred = np.array([[0, 1, 1], [1, 1, 0]]), np.array([[1, 1, 1], [1, 0, 0]])
    assert evalkit.jaccard_score(y_true[0], y_pred[0]) == sk.jaccard_score(y_true[0], y_pred[0])
    for average in ("micro", "samples", "macro"):
        assert evalkit.jaccard_score(y_true, y_pred, average=average) == sk.jaccard_score(
            y_true, y_pred, average=average
        )
    assert np.array_equal(
        evalkit.jaccard_score(y_true, y_pred, average=None), sk.jaccard_score(y_true, y_pred, average=None)
    )
    got = evalkit.jaccard_score([0, 1, 2, 2], [0, 2, 1, 2], average=None)
    assert np.array_equal(got, sk.jaccard_score([0, 1, 2, 2], [0, 2, 1, 2], average=None))


@pytest.mark.parametrize("seed", range(2))
def test_hamming_and_zero_one_equal_scikit_learn(seed):
    for y, p, w in (_labels(seed), _indicators(seed)):
        for f in ("hamming_loss", "zero_one_loss"):
            for kwargs in ({}, {"sample_weight": w}):
                expected = getattr(sk, f)(y, p, **kwargs)
                assert getattr(evalkit, f)(y, p, **kwargs) == pytest.approx(expected, rel=1e-12)
        assert evalkit.zero_one_loss(y, p, normalize=False, sample_weight=w) == pytest.approx(
            sk.zero_one_loss(y, p, normalize=False, sample_weight=w), rel=1e-12
        )
        m = evalkit.HammingLoss().update(y[:100], p[:100], sample_weight=w[:100])
        assert m.update(y[100:], p[100:], sample_weight=w[100:]).compute().score == pytest.approx(
            sk.hamming_loss(y, p, sample_weight=w), rel=1e-12
        )


@pytest.mark.parametrize("average", [None, "binary", "micro", "macro", "weighted", "samples"])
@pytest.mark.parametrize("zero_division", ["warn", 0, 1])
def test_jaccard_equals_scikit_learn_with_its_warnings(average, zero_division):
    y, p, w = _labels(1)
    Y, P, W = _indicators(1)
    Y[:, 4], P[:, 4] = 0, 0  # a label never true nor predicted: undefined
    binary = (y % 2, p % 2, w)
    cases = [(Y, P, W)] if average in ("samples", "binary") else [(y, p, w), (Y, P, W), binary]
    if average == "binary":
        cases = [binary]
    for a, b, weights in cases:
        for kwargs in ({}, {"sample_weight": weights}):
            kwargs |= {"average": average, "zero_division": zero_division}
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                expected = sk.jaccard_score(a, b, **kwargs)
            with warnings.catch_warnings(record=True) as ours:
                warnings.simplefilter("always")
                got = evalkit.jaccard_score(a, b, **kwargs)
            np.testing.assert_allclose(got, expected, rtol=1e-12)
            assert [str(x.message) for x in ours] == [str(x.message) for x in theirs]


def test_a_running_jaccard_over_batches_equals_scikit_learn():
    Y, P, W = _indicators(4)
    for average in ("macro", "samples", "weighted", "micro"):
        m = evalkit.Jaccard(average=average)
        for i in range(0, len(Y), 70):
            m.update(Y[i : i + 70], P[i : i + 70], sample_weight=W[i : i + 70])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # samples without labels: both warn (tested above)
            expected = sk.jaccard_score(Y, P, average=average, sample_weight=W)
            assert m.compute().score == pytest.approx(expected, rel=1e-12)


# -- specificity and NPV -----------------------------------------------------------------------------------------
def test_specificity_and_npv_are_the_negative_class_recall_and_precision():
    # two classes: specificity is the recall of the negative class, NPV its precision (scikit-learn)
    y, p, w = _labels(2, k=2)
    for kwargs in ({}, {"sample_weight": w}):
        assert evalkit.specificity_score(y, p, **kwargs) == pytest.approx(sk.recall_score(y, p, pos_label=0, **kwargs))
        assert evalkit.npv_score(y, p, **kwargs) == pytest.approx(sk.precision_score(y, p, pos_label=0, **kwargs))
    # one-vs-rest per class: the recall and precision of "not this class"
    y, p, w = _labels(3)
    per_class = evalkit.Specificity(average=None)(y, p, sample_weight=w).components["per_label"]
    for c, value in enumerate(per_class):
        assert value == pytest.approx(sk.recall_score(y != c, p != c, sample_weight=w))
    per_class = evalkit.NegativePredictiveValue(average=None)(y, p, sample_weight=w).components["per_label"]
    for c, value in enumerate(per_class):
        assert value == pytest.approx(sk.precision_score(y != c, p != c, sample_weight=w))


@pytest.mark.parametrize("average", ["micro", "macro", "weighted"])
def test_specificity_and_npv_equal_torchmetrics(average):
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import (
        multiclass_negative_predictive_value,
        multiclass_specificity,
        multilabel_negative_predictive_value,
        multilabel_specificity,
    )

    y, p, _ = _labels(5)
    t, q = torch.tensor(y), torch.tensor(p)
    # torchmetrics counts in float32
    assert evalkit.specificity_score(y, p, average=average) == pytest.approx(
        multiclass_specificity(q, t, num_classes=4, average=average).item(), rel=1e-6
    )
    assert evalkit.npv_score(y, p, average=average) == pytest.approx(
        multiclass_negative_predictive_value(q, t, num_classes=4, average=average).item(), rel=1e-6
    )
    Y, P, _ = _indicators(5)
    T, Q = torch.tensor(Y), torch.tensor(P)
    assert evalkit.specificity_score(Y, P, average=average) == pytest.approx(
        multilabel_specificity(Q, T, num_labels=5, average=average).item(), rel=1e-6
    )
    assert evalkit.npv_score(Y, P, average=average) == pytest.approx(
        multilabel_negative_predictive_value(Q, T, num_labels=5, average=average).item(), rel=1e-6
    )


def test_specificity_without_negatives_warns_and_takes_zero_division():
    with pytest.warns(UndefinedMetricWarning, match="Specificity is ill-defined"):
        assert evalkit.specificity_score([1, 1], [1, 0]) == 0.0
    assert evalkit.specificity_score([1, 1], [1, 0], zero_division=1) == 1.0


# -- multilabel ranking ------------------------------------------------------------------------------------------
RANKING = ("coverage_error", "label_ranking_average_precision_score", "label_ranking_loss")


def test_ranking_metrics_on_scikit_learns_examples():
    y_true, y_score = np.array([[1, 0, 0], [0, 0, 1]]), np.array([[0.75, 0.5, 1], [1, 0.2, 0.1]])
    for f in RANKING:
        assert getattr(evalkit, f)(y_true, y_score) == getattr(sk, f)(y_true, y_score)


@pytest.mark.parametrize("n_labels", [2, 3, 7])
def test_ranking_metrics_equal_scikit_learn_with_ties_and_weights(n_labels):
    rng = np.random.default_rng(n_labels)
    y, _, w = _indicators(n_labels, n_labels=n_labels)
    scores = rng.integers(0, 4, y.shape).astype(float)  # ties count against the ranking
    for f in RANKING:
        for kwargs in ({}, {"sample_weight": w}):
            assert getattr(evalkit, f)(y, scores, **kwargs) == pytest.approx(
                getattr(sk, f)(y, scores, **kwargs), rel=1e-12
            )


def test_ranking_metrics_in_blocks_equal_one_pass(monkeypatch):
    import evalkit.classification.label_ranking as ranking

    y, _, _ = _indicators(9, n_labels=6)
    scores = np.random.default_rng(9).random(y.shape).round(1)
    whole = [getattr(evalkit, f)(y, scores) for f in RANKING]
    monkeypatch.setattr(ranking, "_BLOCK_CELLS", 50)  # blocks of one sample
    assert [getattr(evalkit, f)(y, scores) for f in RANKING] == whole


# -- merging and batching ----------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.floats(0.1, 3)), min_size=2, max_size=40), st.data())
def test_merge_of_parts_is_the_whole(items, data):
    y = np.array([a for a, _, _ in items])
    p = np.array([b for _, b, _ in items])
    w = np.array([c for _, _, c in items])
    cut = data.draw(st.integers(1, len(y) - 1))
    for cls, kwargs in ((evalkit.HammingLoss, {}), (evalkit.Jaccard, {}), (evalkit.Specificity, {"average": "micro"})):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            whole = cls(**kwargs).update(y, p, sample_weight=w).compute().score
            left = cls(**kwargs).update(y[:cut], p[:cut], sample_weight=w[:cut])
            merged = left.merge(cls(**kwargs).update(y[cut:], p[cut:], sample_weight=w[cut:])).compute().score
        assert merged == pytest.approx(whole, rel=1e-12, abs=1e-15)
    scores = np.eye(4)[p] * 0.5 + 0.1 * np.eye(4)[(p + 1) % 4]
    whole = evalkit.TopKAccuracy(k=1)(y, scores).score
    left = evalkit.TopKAccuracy(k=1).update(y[:cut], scores[:cut])
    assert left.merge(evalkit.TopKAccuracy(k=1).update(y[cut:], scores[cut:])).compute().score == whole


# -- bad input ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: evalkit.top_k_accuracy_score([0, 1, 2], [[0.2, 0.8], [0.5, 0.5], [0.1, 0.9]]), r"number of classes \(3"),
        (lambda: evalkit.top_k_accuracy_score([0, 1], [[0.2, 0.8, 0.0], [0.5, 0.5, 0.0]]), r"binary while y_score is 2-D"),
        (lambda: evalkit.top_k_accuracy_score([0, 1], [[0.2, 0.8]], k=1), r"same number of samples"),
        (lambda: evalkit.top_k_accuracy_score([0, 1], [0.2, float("nan")]), r"finite"),
        (lambda: evalkit.top_k_accuracy_score([0, 1], [0.2, 0.3], k=0), r"'k'"),
        (lambda: evalkit.top_k_accuracy_score([0, 5], [[0.2, 0.8, 0], [0.5, 0.5, 0]], labels=[0, 1, 2]), r"\['5'\]"),
        (lambda: evalkit.top_k_accuracy_score([0, 1], [[0.2, 0.8, 0], [0.5, 0.5, 0]], labels=[2, 1, 0]), r"sorted"),
        (lambda: evalkit.hinge_loss([0, 1, 2], [0.1, 0.2, 0.3]), r"\(n_samples, n_classes\)"),
        (lambda: evalkit.hinge_loss([0, 1], [[0.1, 0.2], [0.3, 0.4]]), r"1-D for a binary target"),
        (lambda: evalkit.hinge_loss([0, 1], ["a", "b"]), r"pred_decision must be"),
        (lambda: evalkit.jaccard_score([0, 1, 2], [0, 1, 1]), r"average='binary'"),
        (lambda: evalkit.jaccard_score([0, 1], [0, 1], average="mean"), r"'average'"),
        (lambda: evalkit.specificity_score([[0, 1]], [[0, 1]], average="samples"), r"'average'"),
        (lambda: evalkit.hamming_loss([0, 1], [0.5, 1]), r"continuous"),
        (lambda: evalkit.coverage_error([[0, 2]], [[0.1, 0.2]]), r"0 and 1 only"),
        (lambda: evalkit.coverage_error([[0, 1]], [[0.1, 0.2, 0.3]]), r"same shape"),
        (lambda: evalkit.label_ranking_loss([0, 1], [0.1, 0.2]), r"2-D indicator matrix"),
        (lambda: evalkit.label_ranking_loss([[0, 1]], [[0.1, float("inf")]]), r"finite"),
        (lambda: evalkit.coverage_error([[1], [0]], [[0.3], [0.2]]), r"at least two labels"),  # scikit-learn: "binary"
        (lambda: evalkit.label_ranking_average_precision_score([[0, 1], [1, 0]], [[0.1, 0.2]]), r"same number"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EvalkitError, match=match):
            call()


def test_jaccard_and_specificity_of_chosen_labels():
    Y, P, W = _indicators(6)
    y, p, _ = _labels(6, k=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for average in ("samples", "macro", "micro", "weighted", None):
            kwargs = {"average": average, "labels": [0, 3], "sample_weight": W}
            np.testing.assert_allclose(
                evalkit.jaccard_score(Y, P, **kwargs), sk.jaccard_score(Y, P, **kwargs), rtol=1e-12
            )
        for average in ("macro", "micro", "weighted", None):
            kwargs = {"average": average, "labels": [1, 3, 7]}  # 7: no sample has it
            np.testing.assert_allclose(
                evalkit.jaccard_score(y, p, **kwargs), sk.jaccard_score(y, p, **kwargs), rtol=1e-12
            )
    # specificity of label 3 alone: the recall of "not 3", scikit-learn's
    assert evalkit.specificity_score(y, p, labels=[3], average="macro") == pytest.approx(
        sk.recall_score(y != 3, p != 3)
    )
