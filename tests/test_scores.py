"""Metrics of scores: ROC-AUC, average precision and the curves against scikit-learn (its own toy inputs and
random data with ties, weights, one class, all-equal scores), the operating points and the binned mode
against torchmetrics, the binned AUROC's error bound, the score table's merges (hypothesis), checkpoints,
bootstrap totals, bad input, and DeLong's variance, interval and test against pROC's published numbers."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit import UndefinedMetricWarning
from evalkit.core import EvalkitError, InputError, InvalidOptionError
from evalkit.stats.delong import delong_ci, delong_covariance, delong_roc_variance, delong_test

sk = pytest.importorskip("sklearn.metrics")

CURVES = ("roc_curve", "precision_recall_curve", "det_curve")


def _data(seed: int, n: int = 300, decimals: int = 2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = (rng.random(n) + 0.3 * y).round(decimals)  # rounded: ties within and across the classes
    w = rng.random(n) * (rng.random(n) > 0.2)  # some zero weights, which scikit-learn leaves out of curves
    return y, s, w


def _same(a, b, rel=1e-12):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=rel, atol=1e-14, equal_nan=True)


def _quiet(f, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def _all_binary(y, s, **kwargs):
    """Every binary function of both libraries on the same input."""
    weight = {"sample_weight": kwargs.get("sample_weight")}
    for name in ("roc_auc_score", "average_precision_score"):
        _same(_quiet(getattr(evalkit, name), y, s, **kwargs), _quiet(getattr(sk, name), y, s, **kwargs))
    for max_fpr in (0.05, 0.3, 1.0):
        _same(evalkit.roc_auc_score(y, s, max_fpr=max_fpr, **weight), sk.roc_auc_score(y, s, max_fpr=max_fpr, **weight))
    for name in CURVES:
        for drop in (True, False):
            ours = _quiet(getattr(evalkit, name), y, s, drop_intermediate=drop, **kwargs)
            theirs = _quiet(getattr(sk, name), y, s, drop_intermediate=drop, **kwargs)
            for a, b in zip(ours, theirs):
                _same(a, b)


# -- scikit-learn's own toy inputs (sklearn/metrics/tests/test_ranking.py) ------------------------------------------
SKLEARN_TOYS = [
    ([0, 1], [0, 1]),
    ([0, 1], [1, 0]),
    ([1, 0], [1, 1]),
    ([1, 0], [0.5, 0.5]),
    ([0, 0, 0, 0, 1, 1], [0.0, 0.2, 0.5, 0.6, 0.7, 1.0]),  # test_roc_curve_drop_intermediate
    ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0.0, 0.1, 0.6, 0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8]),
    ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),  # the docstrings' example
    ([1, 1, 0, 0, 1], [0.5, 0.5, 0.5, 0.5, 0.5]),  # all scores equal
    ([0, 1, 0, 1, 0, 1], [-3.0, 2.0, -1.0, 7.5, 0.0, 0.0]),  # scores, not probabilities
]


@pytest.mark.parametrize(("y", "s"), SKLEARN_TOYS)
def test_scikit_learns_toy_inputs(y, s):
    _all_binary(y, s)
    _all_binary(y, s, sample_weight=np.arange(1, len(y) + 1) / 3)


@pytest.mark.parametrize("seed", range(4))
def test_random_binary_data_with_ties_and_weights(seed):
    y, s, w = _data(seed)
    _all_binary(y, s)
    _all_binary(y, s, sample_weight=w)
    _all_binary(y * 2 - 1, s)  # labels in {-1, 1}
    for name in ("roc_curve", "precision_recall_curve", "det_curve"):  # string labels with pos_label
        ours = getattr(evalkit, name)(np.where(y == 1, "yes", "no"), s, pos_label="yes")
        for a, b in zip(ours, getattr(sk, name)(np.where(y == 1, "yes", "no"), s, pos_label="yes")):
            _same(a, b)
    assert evalkit.roc_auc_score(np.where(y == 1, "b", "a"), s) == pytest.approx(sk.roc_auc_score(y, s), rel=1e-12)


def test_float16_scores_are_counted_exactly():
    y, s, w = _data(7, n=2000, decimals=4)
    s16 = (s - 0.6).astype(np.float16)  # negative scores and -0.0 too
    s16[:5] = np.float16(-0.0)
    _all_binary(y, s16)
    _all_binary(y, s16, sample_weight=w)
    table = evalkit.RocAuc()
    assert np.array_equal(table.update(y, s16).space[3][0], np.unique(s16.astype(np.float64)))


# -- multiclass and multilabel --------------------------------------------------------------------------------
def _multiclass(seed: int, n: int = 300, classes: int = 4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    p = rng.dirichlet(np.ones(classes), size=n).round(2)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)  # rounded, ties, rows summing to 1
    return y, p, rng.random(n)


@pytest.mark.parametrize("seed", range(3))
def test_multiclass_equals_scikit_learn(seed):
    y, p, w = _multiclass(seed)
    for average in ("macro", "weighted", "micro", None):
        for weight in (None, w):
            kwargs = {"average": average, "sample_weight": weight}
            _same(
                evalkit.roc_auc_score(y, p, multi_class="ovr", **kwargs),
                sk.roc_auc_score(y, p, multi_class="ovr", **kwargs),
            )
            _same(evalkit.average_precision_score(y, p, **kwargs), sk.average_precision_score(y, p, **kwargs))
    for average in ("macro", "weighted"):
        _same(
            evalkit.roc_auc_score(y, p, multi_class="ovo", average=average),
            sk.roc_auc_score(y, p, multi_class="ovo", average=average),
        )
    names = np.array(["ant", "bee", "cat", "dog"])[y]
    labels = ["ant", "bee", "cat", "dog"]
    _same(
        evalkit.roc_auc_score(names, p, multi_class="ovr", labels=labels),
        sk.roc_auc_score(names, p, multi_class="ovr", labels=labels),
    )


@pytest.mark.parametrize("seed", range(3))
def test_multilabel_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, (200, 4))
    s = rng.random((200, 4)).round(1)
    w = rng.random(200)
    for average in ("macro", "weighted", "micro", None):
        for weight in (None, w):
            for name in ("roc_auc_score", "average_precision_score"):
                ours = getattr(evalkit, name)(y, s, average=average, sample_weight=weight)
                _same(ours, getattr(sk, name)(y, s, average=average, sample_weight=weight))


def test_the_samples_average_equals_scikit_learn():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, (150, 6))
    y[:, 0], y[:, 1] = 1, 0  # every item has both classes: its AUROC is defined
    s, w = rng.random((150, 6)).round(1), rng.random(150)
    w[:4] = 0
    for name in ("roc_auc_score", "average_precision_score"):
        for weight in (None, w):
            ours = getattr(evalkit, name)(y, s, average="samples", sample_weight=weight)
            assert ours == pytest.approx(getattr(sk, name)(y, s, average="samples", sample_weight=weight), rel=1e-12)
    undefined = y.copy()
    undefined[2] = 0  # an item with one class: NaN, unless its weight is zero (scikit-learn's rules)
    assert math.isnan(_quiet(evalkit.roc_auc_score, undefined, s, average="samples"))
    assert _quiet(evalkit.roc_auc_score, undefined, s, average="samples", sample_weight=w) == pytest.approx(
        _quiet(sk.roc_auc_score, undefined, s, average="samples", sample_weight=w), rel=1e-12
    )
    yc, pc, _ = _multiclass(5, n=100, classes=3)  # average precision of one-hot classes, as scikit-learn
    assert evalkit.average_precision_score(yc, pc, average="samples") == pytest.approx(
        sk.average_precision_score(yc, pc, average="samples"), rel=1e-12
    )
    with pytest.raises(InputError, match="multilabel"):
        evalkit.roc_auc_score(yc, pc, multi_class="ovr", average="samples")
    m = evalkit.RocAuc(average="samples")
    for i in range(0, 150, 40):
        m.update(y[i : i + 40], s[i : i + 40], sample_weight=w[i : i + 40])
    state = json.loads(json.dumps(m.state_dict()))
    expected = sk.roc_auc_score(y, s, average="samples", sample_weight=w)
    assert evalkit.RocAuc(average="samples").load_state_dict(state).compute().score == pytest.approx(
        expected, rel=1e-12
    )
    rows = m.rows(y, s)
    counts = np.random.default_rng(2).multinomial(150, np.ones(150) / 150, size=3)
    for c, value in zip(counts, m.fresh().add_rows(rows).scores(rows.weighted_totals(counts))):
        assert value == pytest.approx(sk.roc_auc_score(y, s, average="samples", sample_weight=c), rel=1e-12)


def test_micro_and_macro_on_the_documented_example():
    y = [[1, 0], [1, 0], [0, 1], [1, 0], [0, 1], [1, 1]]
    s = [[0.9, 0.2], [0.8, 0.7], [0.6, 0.4], [0.3, 0.1], [0.5, 0.9], [0.2, 0.3]]
    expected = {"micro": 0.642857, "macro": 0.638889, "weighted": 0.619048}  # docs/metrics/scores.md
    for average, value in expected.items():
        assert evalkit.roc_auc_score(y, s, average=average) == pytest.approx(sk.roc_auc_score(y, s, average=average))
        assert evalkit.roc_auc_score(y, s, average=average) == pytest.approx(value, abs=5e-7)


# -- one class, and the conventions --------------------------------------------------------------------------------
def test_one_class_gives_scikit_learns_values_and_warnings():
    for y in ([1, 1, 1], [0, 0, 0]):
        with pytest.warns(UndefinedMetricWarning, match="Only one class"):
            assert math.isnan(evalkit.roc_auc_score(y, [0.1, 0.2, 0.3]))
        with pytest.warns(pytest.importorskip("sklearn.exceptions").UndefinedMetricWarning):
            assert math.isnan(sk.roc_auc_score(y, [0.1, 0.2, 0.3]))
    with pytest.warns(UserWarning, match="No positive class"):
        assert evalkit.average_precision_score([0, 0, 0], [0.1, 0.2, 0.3]) == 0.0
    assert evalkit.average_precision_score([1, 1, 1], [0.1, 0.2, 0.3]) == sk.average_precision_score(
        [1, 1, 1], [0.1, 0.2, 0.3]
    )
    with pytest.raises(InputError, match="Only one class"):
        evalkit.det_curve([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.warns(UndefinedMetricWarning, match="No negative samples"):
        fpr, tpr, _ = evalkit.roc_curve([1, 1, 1], [0.1, 0.2, 0.3])
    assert np.isnan(fpr).all() and tpr.tolist() == _quiet(sk.roc_curve, [1, 1, 1], [0.1, 0.2, 0.3])[1].tolist()
    # a running metric whose state holds one class scores the same
    with pytest.warns(UndefinedMetricWarning):
        assert math.isnan(evalkit.RocAuc().update([1, 1], [0.2, 0.4]).compute().score)


def test_a_class_without_positives_in_an_average():
    y = np.array([0, 1, 1, 0, 1, 0])
    p = np.array([[0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [0.3, 0.3, 0.4], [0.7, 0.1, 0.2]])
    for average in ("macro", "weighted"):
        ours = _quiet(evalkit.roc_auc_score, y, p, multi_class="ovr", labels=[0, 1, 2], average=average)
        _same(ours, _quiet(sk.roc_auc_score, y, p, multi_class="ovr", labels=[0, 1, 2], average=average))


# -- the running metric: batches, merges, checkpoints, tensors ---------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_batches_merges_and_checkpoints_equal_one_call(kind):
    rng = np.random.default_rng(3)
    if kind == "binary":
        y, s, _ = _data(3)
        expected = sk.roc_auc_score(y, s)
    elif kind == "multiclass":
        y, s, _ = _multiclass(3)
        expected = sk.roc_auc_score(y, s, multi_class="ovr")
    else:
        y, s = rng.integers(0, 2, (300, 3)), rng.random((300, 3)).round(2)
        expected = sk.roc_auc_score(y, s)
    batched = evalkit.RocAuc()
    for i in range(0, 300, 37):
        batched.update(y[i : i + 37], s[i : i + 37])
    assert batched.compute().score == pytest.approx(expected, rel=1e-12)
    left, right = evalkit.RocAuc().update(y[:100], s[:100]), evalkit.RocAuc().update(y[100:], s[100:])
    assert right.merge(left).compute().score == pytest.approx(expected, rel=1e-12)
    state = json.loads(json.dumps(evalkit.RocAuc().update(y[:150], s[:150]).state_dict()))
    resumed = evalkit.RocAuc().load_state_dict(state).update(y[150:], s[150:])
    assert resumed.compute().score == pytest.approx(expected, rel=1e-12)


def test_tensor_inputs_and_bfloat16():
    torch = pytest.importorskip("torch")
    y, s, w = _data(4)
    m = evalkit.RocAuc().update(torch.tensor(y), torch.tensor(s), sample_weight=torch.tensor(w, dtype=torch.float16))
    w16 = torch.tensor(w, dtype=torch.float16).double().numpy()  # float16 weights, summed in float64
    assert m.compute().score == pytest.approx(sk.roc_auc_score(y, s, sample_weight=w16), rel=1e-12)
    b = torch.tensor(s).to(torch.bfloat16)
    assert evalkit.roc_auc_score(torch.tensor(y), b) == pytest.approx(sk.roc_auc_score(y, b.float().numpy()), rel=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "bfloat16", "int64"])
def test_tensor_batches_are_counted_on_their_device_as_on_the_host(dtype):
    torch = pytest.importorskip("torch")
    y, s, w = _data(6, n=400)
    scores = torch.tensor(s * 100 if dtype == "int64" else s).to(getattr(torch, dtype))
    host_scores = scores.float().numpy() if dtype == "bfloat16" else scores.numpy()
    for weights in (None, w):
        for thresholds in (None, 11):
            device, host = evalkit.RocAuc(thresholds=thresholds), evalkit.RocAuc(thresholds=thresholds)
            for part in (slice(0, 150), slice(150, 400)):
                tw = None if weights is None else torch.tensor(weights[part])
                device.update(torch.tensor(y[part]), scores[part], sample_weight=tw)
                host.update(y[part], host_scores[part], sample_weight=None if weights is None else weights[part])
            assert device.device is not None and host.device is None  # the table stayed with the tensors
            np.testing.assert_allclose(device.total, host.total, rtol=1e-15)
            assert device.compute().score == pytest.approx(host.compute().score, rel=1e-15)
    with pytest.raises(InputError, match=r"y_score\[1\]"):  # a failed check takes the host path's message
        evalkit.RocAuc().update(torch.tensor([0, 1]), torch.tensor([0.1, float("nan")]))
    with pytest.raises(InputError, match="pos_label=1 is not a valid label"):  # the host path's label rules
        evalkit.AveragePrecision().update(torch.tensor([0, 2, 0]), torch.tensor([0.1, 0.2, 0.3]))
    with pytest.raises(InputError, match="binary labels"):
        evalkit.AveragePrecision().update(torch.tensor([0, 1, 2]), torch.tensor([0.1, 0.2, 0.3]))


@pytest.mark.parametrize("layout", ["multiclass", "multilabel"])
def test_tensor_columns_are_counted_on_their_device_as_on_the_host(layout):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    if layout == "multiclass":
        y, s, w = _multiclass(8, n=300, classes=3)
    else:
        y, s, w = rng.integers(0, 2, (300, 4)), rng.random((300, 4)).round(2).astype(np.float32), rng.random(300)
    for cls, kwargs in ((evalkit.RocAuc, {}), (evalkit.RocAuc, {"thresholds": 11}), (evalkit.AveragePrecision, {})):
        for weights in (None, w):
            device, host = cls(**kwargs), cls(**kwargs)
            for part in (slice(0, 120), slice(120, 300)):
                tw = None if weights is None else torch.tensor(weights[part])
                device.update(torch.tensor(y[part]), torch.tensor(s[part]), sample_weight=tw)
                host.update(y[part], s[part], sample_weight=None if weights is None else weights[part])
            assert device.device is not None and host.device is None
            np.testing.assert_allclose(device.total, host.total, rtol=1e-15)
            assert _quiet(device.compute).score == pytest.approx(_quiet(host.compute).score, rel=1e-15, nan_ok=True)
    with pytest.raises(InputError, match="sum up to 1"):  # a failed check takes the host path's message
        evalkit.RocAuc().update(torch.tensor([0, 1]), torch.tensor([[0.5, 0.6], [0.5, 0.5]]))


def test_the_state_is_bounded_by_the_distinct_scores():
    rng = np.random.default_rng(0)
    m = evalkit.RocAuc()
    for _ in range(20):
        m.update(rng.integers(0, 2, 5000), rng.random(5000).astype(np.float16))
    assert m.n_items == 100_000 and len(m.total) <= 2 * 65_536


def test_bootstrap_totals_score_as_scikit_learn_on_the_resample():
    y, s, _ = _data(5, n=120)
    m = evalkit.RocAuc()
    rows = m.rows(y, s)
    counts = np.random.default_rng(0).multinomial(120, np.ones(120) / 120, size=5)
    scores = m.fresh().add_rows(rows).scores(rows.weighted_totals(counts))
    for c, value in zip(counts, scores):
        assert value == pytest.approx(_quiet(sk.roc_auc_score, y, s, sample_weight=c), rel=1e-12)
    ci = evalkit.significance.bootstrap_ci(m, rows, n_resamples=200)
    assert ci.low < sk.roc_auc_score(y, s) < ci.high


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_multiclass_bootstrap_totals_score_as_scikit_learn(average):
    y, p, _ = _multiclass(13, n=90, classes=3)
    counts = np.random.default_rng(1).multinomial(90, np.ones(90) / 90, size=3)
    for cls, reference, kwargs in (
        (evalkit.RocAuc, sk.roc_auc_score, {"multi_class": "ovr"}),
        (evalkit.AveragePrecision, sk.average_precision_score, {}),
    ):
        m = cls(average=average)
        rows = m.rows(y, p)
        scores = m.fresh().add_rows(rows).scores(rows.weighted_totals(counts))
        expected = [_quiet(reference, y, p, average=average, sample_weight=c, **kwargs) for c in counts]
        np.testing.assert_allclose(scores, expected, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(-20, 20), st.integers(0, 3)), min_size=2, max_size=60),
    st.integers(1, 59),
    st.randoms(use_true_random=False),
)
def test_merge_of_parts_and_permutations_equal_the_whole(items, cut, rnd):
    y = np.array([i[0] for i in items])
    s = np.array([i[1] / 8 for i in items], dtype=np.float16)  # exact in float16, many ties
    w = np.array([i[2] for i in items], dtype=np.float64)
    cut = min(cut, len(items) - 1)
    whole = evalkit.AveragePrecision(pos_label=1).update(y, s, sample_weight=w)
    parts = evalkit.AveragePrecision(pos_label=1).update(y[:cut], s[:cut], sample_weight=w[:cut])
    parts.merge(evalkit.AveragePrecision(pos_label=1).update(y[cut:], s[cut:], sample_weight=w[cut:]))
    np.testing.assert_array_equal(parts.total, whole.total)
    order = list(range(len(items)))
    rnd.shuffle(order)
    shuffled = evalkit.RocAuc().update(y[order], s[order].astype(np.float64), sample_weight=w[order])
    if (w * y).sum() > 0 and (w * (1 - y)).sum() > 0:
        expected = sk.roc_auc_score(y, s.astype(np.float64), sample_weight=w)
        assert shuffled.compute().score == pytest.approx(expected, rel=1e-12)
        assert _quiet(whole.compute).score == pytest.approx(
            _quiet(sk.average_precision_score, y, s, sample_weight=w), rel=1e-12
        )


# -- fixed thresholds: torchmetrics' binned mode and the stated error ----------------------------------------------
@pytest.mark.parametrize("thresholds", [5, 11, 101, [0.0, 0.1, 0.25, 0.5, 0.9, 1.0]])
def test_binned_auroc_and_ap_equal_torchmetrics(thresholds):
    torch = pytest.importorskip("torch")
    tmf = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(1)
    y, s = rng.integers(0, 2, 500), rng.random(500)
    ty, ts = torch.tensor(y), torch.tensor(s)
    t = thresholds if isinstance(thresholds, int) else torch.tensor(thresholds, dtype=torch.float64)
    # torchmetrics returns float32 numbers
    tm_auroc = float(tmf.binary_auroc(ts, ty, thresholds=t))
    assert evalkit.roc_auc_score(y, s, thresholds=thresholds) == pytest.approx(tm_auroc, rel=1e-6)
    tm_ap = float(tmf.binary_average_precision(ts, ty, thresholds=t))
    assert evalkit.average_precision_score(y, s, thresholds=thresholds) == pytest.approx(tm_ap, rel=1e-6)
    m = evalkit.RocAuc(thresholds=thresholds)
    for i in range(0, 500, 64):
        m.update(y[i : i + 64], s[i : i + 64])
    assert m.compute().score == pytest.approx(tm_auroc, rel=1e-6)
    assert len(m.total) == 2 * (len(m.options.thresholds) + 1)  # constant memory: one row per threshold


@pytest.mark.parametrize("seed", range(5))
def test_the_binned_error_bound_holds(seed):
    rng = np.random.default_rng(seed)
    n = 2000
    y = rng.integers(0, 2, n)
    s = 1 / (1 + np.exp(-(rng.normal(size=n) + y * rng.uniform(0, 2))))
    exact = sk.roc_auc_score(y, s)
    for thresholds in (3, 11, 101, 1001):
        r = evalkit.RocAuc(thresholds=thresholds)(y, s)
        assert abs(r.score - exact) <= r.components["error_bound"] + 1e-12
    # the bound is reached: every positive above every negative, all in one bin
    r = evalkit.RocAuc(thresholds=[0.0, 1.0])([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])
    assert (r.score, r.components["error_bound"], sk.roc_auc_score([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])) == (
        0.5,
        0.5,
        1.0,
    )


def test_the_binned_error_bound_holds_for_averages():
    y, p, _ = _multiclass(4, n=600, classes=3)
    rng = np.random.default_rng(4)
    yl, sl = rng.integers(0, 2, (600, 3)), rng.random((600, 3))
    for average in ("macro", "weighted", "micro"):
        for thresholds in (5, 21):
            r = evalkit.RocAuc(thresholds=thresholds, average=average)(y, p)
            exact = sk.roc_auc_score(y, p, multi_class="ovr", average=average)
            assert abs(r.score - exact) <= r.components["error_bound"] + 1e-12
            r = evalkit.RocAuc(thresholds=thresholds, average=average)(yl, sl)
            assert abs(r.score - sk.roc_auc_score(yl, sl, average=average)) <= r.components["error_bound"] + 1e-12


def test_the_documented_binned_numbers():
    torch = pytest.importorskip("torch")
    tmf = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 10_000)
    s = 1 / (1 + np.exp(-(rng.normal(size=10_000) + y)))
    assert sk.roc_auc_score(y, s) == pytest.approx(0.756024, abs=5e-7)
    for thresholds, score, bound in ((11, 0.751902, 0.0538), (101, 0.755792, 0.0054), (1001, 0.756019, 0.00054)):
        r = evalkit.RocAuc(thresholds=thresholds)(y, s)
        assert r.score == pytest.approx(score, abs=5e-7)
        assert r.components["error_bound"] == pytest.approx(bound, abs=5e-5)
        tm = float(tmf.binary_auroc(torch.tensor(s), torch.tensor(y), thresholds=thresholds))
        assert r.score == pytest.approx(tm, abs=1e-6)


# -- operating points: torchmetrics -----------------------------------------------------------------------------------
OPERATING = [
    ("recall_at_fixed_precision", "min_precision"),
    ("precision_at_fixed_recall", "min_recall"),
    ("sensitivity_at_specificity", "min_specificity"),
]


@pytest.mark.parametrize(("name", "option"), OPERATING)
@pytest.mark.parametrize("seed", range(3))
def test_operating_points_equal_torchmetrics(name, option, seed):
    torch = pytest.importorskip("torch")
    tmf = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(seed)
    y, s = rng.integers(0, 2, 150), rng.random(150).round(2)
    for minimum in (0.0, 0.3, 0.5, 0.8, 0.95, 1.0):
        value, threshold = getattr(tmf, f"binary_{name}")(torch.tensor(s), torch.tensor(y), minimum)
        ours = _quiet(getattr(evalkit, name), y, s, **{option: minimum})
        _same(ours, (float(value), float(threshold)), rel=1e-6)  # torchmetrics' float32 thresholds
    c = 3
    yc, pc = rng.integers(0, c, 150), rng.dirichlet(np.ones(c), size=150)
    values, thresholds = getattr(tmf, f"multiclass_{name}")(torch.tensor(pc), torch.tensor(yc), c, 0.5)
    ours_values, ours_thresholds = _quiet(getattr(evalkit, name), yc, pc, **{option: 0.5})
    _same(ours_values, values.numpy(), rel=1e-6)
    _same(ours_thresholds, thresholds.numpy(), rel=1e-6)


def test_operating_point_classes_over_batches():
    y, s, _ = _data(2)
    m = evalkit.RecallAtFixedPrecision(min_precision=0.7)
    for i in range(0, 300, 50):
        m.update(y[i : i + 50], s[i : i + 50])
    r = m.compute()
    assert (r.score, r.components["threshold"]) == evalkit.recall_at_fixed_precision(y, s, min_precision=0.7)


# -- bad input -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinite_scores_are_refused(bad):
    s = [0.1, 0.2, bad, 0.4]
    for f in (evalkit.roc_auc_score, evalkit.average_precision_score, evalkit.roc_curve, evalkit.RocAuc().update):
        with pytest.raises(InputError, match=r"y_score\[2\]"):
            f([0, 1, 0, 1], s)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_infinite_labels_are_refused(bad):
    # scikit-learn refuses them ("Input y_true contains NaN"); a NaN counted as a class, or as no positive,
    # gave a number: average_precision_score([nan, 1, 1, nan], s, pos_label=1) was 0.583
    s, proba = [0.1, 0.2, 0.3, 0.4], [[0.2, 0.3, 0.5]] * 4
    cases = [
        lambda: evalkit.average_precision_score([bad, 1, 1, bad], s, pos_label=1),
        lambda: evalkit.average_precision_score([1, bad, 1, bad], s),
        lambda: evalkit.roc_auc_score([0, bad, bad, 0], s),
        lambda: evalkit.roc_auc_score([0, 1, bad, 0], proba, multi_class="ovr"),
    ]
    for f in cases:
        with pytest.raises(InputError, match=r"y_true\[\d\] is"):
            f()


def test_bad_inputs_are_named():
    cases = [
        (lambda: evalkit.roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3]), "binary labels"),
        (lambda: evalkit.roc_curve(["a", "b"], [0.1, 0.2]), "pos_label is not specified"),
        (lambda: evalkit.RocAuc().update(["a", "b"], [0.1, 0.2]), "pos_label"),
        (lambda: evalkit.roc_auc_score([0, 1, 0], [0.1, 0.2]), "same number of samples"),
        (lambda: evalkit.roc_auc_score([0, 1], [0.1, 0.2], sample_weight=[1.0]), "same number of samples"),
        (lambda: evalkit.roc_auc_score([], []), "empty"),
        (lambda: evalkit.roc_auc_score([0, 1, 2], [[0.2, 0.8, 0.1]] * 3, multi_class="ovr"), "sum up to 1"),
        (lambda: evalkit.roc_auc_score([0, 1, 2], [[0.2, 0.7, 0.1]] * 3), "multi_class"),
        (lambda: evalkit.roc_auc_score([0, 1, 2], [[0.2, 0.7, 0.1]] * 3, multi_class="ovo", sample_weight=[1, 2, 3]), "sample_weight"),
        (lambda: evalkit.roc_auc_score([0, 1, 2], [[0.2, 0.7, 0.1]] * 3, multi_class="ovr", max_fpr=0.5), "max_fpr"),
        (lambda: evalkit.roc_auc_score([0, 1, 2], [[0.5, 0.5]] * 3, multi_class="ovr"), "columns"),
        (lambda: evalkit.RocAuc().update([0, 5], [[0.5, 0.5], [0.2, 0.8]]), "column indices"),
        (lambda: evalkit.average_precision_score([0, 1], [0.3, 0.5], pos_label=2), "pos_label=2"),
        (lambda: evalkit.roc_auc_score([[0, 2], [1, 0]], [[0.1, 0.2], [0.3, 0.4]]), "indicator"),
        (lambda: evalkit.roc_auc_score([0, 1], ["a", "b"]), "y_score"),
        (lambda: evalkit.roc_auc_score([0, 1], [0.2, 0.4], sample_weight=[0.0, 0.0]), "non-zero"),
    ]  # fmt: skip
    for call, message in cases:
        with pytest.raises(EvalkitError, match=message):
            call()


def test_bad_options_are_named():
    for kwargs, message in (
        ({"max_fpr": 0}, "max_fpr"),
        ({"max_fpr": 1.5}, "max_fpr"),
        ({"thresholds": 1}, "thresholds"),
        ({"thresholds": 10**20}, "thresholds"),  # refused before any array of that size is built
        ({"thresholds": [0.1, float("nan")]}, "thresholds"),
        ({"thresholds": "many"}, "thresholds"),
        ({"average": "sample"}, "average"),
        ({"average": "samples", "max_fpr": 0.5}, "max_fpr"),
        ({"multi_class": "ovo2"}, "multi_class"),
        ({"thresholds": 10, "max_fpr": 0.5}, "max_fpr"),
    ):
        with pytest.raises(InvalidOptionError, match=message):
            evalkit.RocAuc(**kwargs)
    with pytest.raises(InvalidOptionError, match="min_precision"):
        evalkit.recall_at_fixed_precision([0, 1], [0.1, 0.2], min_precision=1.5)


def test_float16_weights_accumulate_in_float64():
    y = np.array([1] * 3000 + [0] * 3000)
    s = np.concatenate([np.full(3000, 0.7), np.full(3000, 0.2)])
    w16 = np.ones(6000, dtype=np.float16)
    w16[0] = 0.5
    # float16 sums stop counting at 2048: an accumulation in float16 would lose most of the items
    assert evalkit.average_precision_score(y, s, sample_weight=w16) == sk.average_precision_score(
        y, s, sample_weight=w16.astype(np.float64)
    )
    assert evalkit.RocAuc().update(y, s, sample_weight=w16).total.sum() == pytest.approx(5999.5)


def test_tampered_frames_are_refused():
    state = evalkit.RocAuc().update([0, 1, 1], [0.2, 0.5, 0.9]).state_dict()
    bad = json.loads(json.dumps(state))
    bad["space"][3][0] = [0.9, 0.5, 0.2]
    with pytest.raises(InputError, match="sorted"):
        evalkit.RocAuc().load_state_dict(bad)
    binned = evalkit.RocAuc(thresholds=5).update([0, 1, 1], [0.2, 0.5, 0.9]).state_dict()
    binned["space"] = ["scores", "binary", 2, [[-1e300, 0.0, 0.25, 0.5, 0.75, 1.0]]]
    with pytest.raises(InputError, match="thresholds"):
        evalkit.RocAuc(thresholds=5).load_state_dict(binned)


# -- DeLong ------------------------------------------------------------------------------------------------------
# pROC's aSAH data (Turck et al. 2010, shipped with R's pROC): outcome "Poor" = 1, the s100b and wfns scores.
# pROC's documentation prints for roc.test(roc(outcome, s100b), roc(outcome, wfns)): "Z = -2.209, p-value =
# 0.02718", AUCs 0.7314 and 0.8237, and ci.auc(outcome, s100b): "95% CI: 0.6301-0.8326 (DeLong)".
ASAH_Y = [
    0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0,
    1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0,
    0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0,
]  # fmt: skip
ASAH_S100B = [
    0.13, 0.14, 0.1, 0.04, 0.13, 0.1, 0.47, 0.16, 0.18, 0.1, 0.12, 0.1, 0.44, 0.71, 0.04, 0.08, 0.49, 0.04, 0.07,
    0.33, 0.09, 0.09, 0.07, 0.11, 0.07, 0.17, 0.07, 0.11, 0.13, 0.19, 0.05, 0.16, 0.41, 0.14, 0.34, 0.35, 0.48,
    0.09, 0.96, 0.25, 0.5, 0.46, 0.16, 0.07, 0.43, 0.45, 0.11, 0.08, 0.09, 0.86, 0.52, 0.08, 0.06, 0.13, 2.07, 0.1,
    0.14, 0.15, 0.07, 0.06, 0.77, 0.05, 0.09, 0.3, 0.03, 0.09, 0.04, 0.23, 0.7, 0.09, 0.27, 0.71, 0.08, 0.26, 0.08,
    0.16, 0.09, 0.13, 0.1, 0.08, 0.11, 0.33, 0.11, 0.28, 0.07, 0.1, 0.32, 0.22, 0.07, 0.05, 0.24, 0.38, 0.1, 0.15,
    0.08, 0.14, 0.1, 0.07, 0.04, 0.19, 0.56, 0.14, 0.58, 0.32, 0.82, 0.74, 0.15, 0.47, 0.17, 0.44, 0.15, 0.5, 0.48,
]  # fmt: skip
ASAH_WFNS = [
    1, 1, 1, 1, 3, 2, 5, 4, 1, 2, 5, 2, 5, 5, 1, 2, 5, 2, 2, 5, 2, 1, 1, 1, 1, 2, 1, 2, 1, 1, 3, 4, 2, 1, 4, 5, 4, 1,
    4, 2, 5, 5, 1, 1, 2, 4, 1, 1, 2, 5, 5, 2, 1, 2, 5, 1, 2, 2, 2, 1, 5, 1, 1, 2, 5, 2, 1, 4, 5, 2, 4, 4, 1, 4, 1, 2,
    1, 4, 2, 1, 2, 3, 2, 4, 2, 1, 4, 5, 1, 1, 5, 4, 2, 2, 1, 1, 1, 3, 1, 2, 5, 2, 2, 5, 5, 5, 2, 4, 4, 5, 1, 1, 1,
]  # fmt: skip


def test_delong_equals_procs_published_asah_example():
    assert (len(ASAH_Y), sum(ASAH_Y)) == (113, 41)
    result = delong_test(ASAH_Y, ASAH_S100B, ASAH_WFNS)
    assert (round(result.auc_a, 4), round(result.auc_b, 4)) == (0.7314, 0.8237)
    assert round(result.z, 3) == -2.209
    assert round(result.p_value, 5) == 0.02718
    ci = delong_ci(ASAH_Y, ASAH_S100B)
    assert (round(ci.low, 4), round(ci.high, 4)) == (0.6301, 0.8326)
    assert result.auc_a == pytest.approx(sk.roc_auc_score(ASAH_Y, ASAH_S100B), rel=1e-12)


def _delong_by_definition(y, scores):
    """DeLong et al.'s structural components written out, O(m n): psi over every (positive, negative) pair."""
    y = np.asarray(y)
    pos = [np.asarray(s, dtype=float)[y == 1] for s in scores]
    neg = [np.asarray(s, dtype=float)[y == 0] for s in scores]
    m, n = len(pos[0]), len(neg[0])
    psi = [(x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :]) for x, z in zip(pos, neg)]
    aucs = np.array([p.mean() for p in psi])
    v10 = np.array([p.mean(axis=1) for p in psi])
    v01 = np.array([p.mean(axis=0) for p in psi])
    return aucs, np.cov(v10) / m + np.cov(v01) / n


@pytest.mark.parametrize("seed", range(3))
def test_delong_fast_algorithm_equals_the_definition(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    a, b, c = [(rng.random(80) + k * y).round(1) for k in (0.2, 0.5, 0.8)]
    aucs, cov = delong_covariance(y, a, b, c)
    ref_aucs, ref_cov = _delong_by_definition(y, [a, b, c])
    np.testing.assert_allclose(aucs, ref_aucs, rtol=1e-12)
    np.testing.assert_allclose(cov, ref_cov, rtol=1e-10, atol=1e-15)


def test_delong_by_hand_on_four_items():
    # positives 0.35 and 0.8, negatives 0.1 and 0.4: V10 = (1/2, 1), V01 = (1, 1/2); S10 = S01 = var = 1/8
    # (n - 1 divisor), so S = S10/2 + S01/2 = 1/8, and the AUC is 3/4
    assert delong_roc_variance([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == (0.75, 0.125)
    same = delong_test([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [0.1, 0.4, 0.35, 0.8])
    assert (same.z, same.p_value) == (0.0, 1.0)


def test_delong_refuses_bad_input():
    with pytest.raises(InputError, match="both classes"):
        delong_roc_variance([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="pos_label"):
        delong_roc_variance([1, 2, 0], [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="same number of samples"):
        delong_test([1, 0, 1], [0.1, 0.2, 0.3], [0.1, 0.2])
    with pytest.raises(InputError, match="finite"):
        delong_roc_variance([1, 0], [0.1, float("nan")])
    with pytest.raises(InputError, match=r"y_true\[1\] is nan"):  # a NaN passed for the negative class: (0.5, 0.25)
        delong_roc_variance([1.0, float("nan"), float("nan"), 1.0], [0.1, 0.2, 0.3, 0.4], pos_label=1)
    with pytest.raises(InvalidOptionError, match="confidence"):
        delong_ci([1, 0], [0.1, 0.2], confidence=1.5)


# -- the CLI ---------------------------------------------------------------------------------------------------
def _cli(*args):
    from click.testing import CliRunner

    from evalkit.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_cli_scores_and_compares_with_delong(tmp_path):
    y, s, _ = _data(8, n=150)
    other = (s + np.random.default_rng(1).random(150)).round(2)
    for name, values in (("y.txt", y), ("s.txt", s), ("o.txt", other)):
        (tmp_path / name).write_text("".join(f"{v}\n" for v in values))
    path = {n: str(tmp_path / f"{n}.txt") for n in ("y", "s", "o")}
    scored = json.loads(_cli("score", "-m", "roc_auc", "--true", path["y"], path["s"], "-o", "json").output)
    assert scored["results"][0]["score"] == pytest.approx(sk.roc_auc_score(y, s), rel=1e-12)
    out = _cli(
        "compare", "-m", "roc_auc", "-t", "delong", "--true", path["y"], "-b", path["o"], path["s"], "-o", "json"
    )
    doc = json.loads(out.output)
    assert doc["test"] == "delong"
    system = doc["systems"][1]["scores"]["roc_auc"]
    assert system["p_value"] == pytest.approx(delong_test(y, other, s).p_value, rel=1e-12)
    assert system["score"] == pytest.approx(sk.roc_auc_score(y, s), rel=1e-12)
    refused = _cli(
        "compare", "-m", "average_precision", "-t", "delong", "--true", path["y"], "-b", path["o"], path["s"]
    )
    assert refused.exit_code == 1 and "roc_auc" in refused.output
    (tmp_path / "bad.txt").write_text("0.5\nnan\n" + "0.1\n" * 148)
    bad = _cli("score", "-m", "roc_auc", "--true", path["y"], str(tmp_path / "bad.txt"))
    assert bad.exit_code == 1 and "finite" in bad.output


def test_roc_items_read_back_the_rows():
    y, s, w = _data(9, n=50)
    positive, scores = evalkit.classification.scores.roc_items(evalkit.RocAuc().rows(y, s))
    assert positive.tolist() == (y == 1).tolist() and scores.tolist() == s.tolist()
    with pytest.raises(InputError, match="weights"):
        evalkit.classification.scores.roc_items(evalkit.RocAuc().rows(y, s, sample_weight=w))


def test_distributed_and_dask_merges_equal_one_call():
    from evalkit.core.collective import merged_state

    y, s, _ = _data(10, n=240)
    # ranks with different frames (different distinct scores): torch.distributed's sync merges their states
    states = [evalkit.RocAuc().update(y[i : i + 80], s[i : i + 80]).state_dict() for i in range(0, 240, 80)]
    merged = evalkit.RocAuc().load_state_dict(merged_state(evalkit.RocAuc(), states))
    assert merged.compute().score == pytest.approx(sk.roc_auc_score(y, s), rel=1e-12)
    dask = pytest.importorskip("dask")
    bag = pytest.importorskip("dask.bag")
    with dask.config.set(scheduler="synchronous"):
        m = evalkit.dist.update_from_dask(evalkit.AveragePrecision(), bag.from_sequence(zip(y, s), npartitions=5))
    assert m.compute().score == pytest.approx(sk.average_precision_score(y, s), rel=1e-12)


# -- curves in evalkit report ------------------------------------------------------------------------------
def test_the_report_draws_the_roc_and_pr_curves(tmp_path):
    pytest.importorskip("matplotlib")
    import evalkit.plot

    y, s, _ = _data(11, n=120)
    (tmp_path / "y.txt").write_text("".join(f"{v}\n" for v in y))
    (tmp_path / "s.txt").write_text("".join(f"{v}\n" for v in s))
    args = [
        "report",
        "-m",
        "roc_auc",
        "-m",
        "average_precision",
        "--true",
        str(tmp_path / "y.txt"),
        str(tmp_path / "s.txt"),
    ]
    assert _cli(*args, "--out", str(tmp_path / "r.html")).exit_code == 0
    page = (tmp_path / "r.html").read_text()
    assert 'id="roc-section"' in page and 'id="pr-section"' in page
    assert _cli(*args, "--figure", "roc", "--out", str(tmp_path / "roc.png")).exit_code == 0
    assert (tmp_path / "roc.png").read_bytes()[:4] == b"\x89PNG"
    # the points drawn are scikit-learn's curves (under 201 points: all of them)
    fpr, tpr, _ = sk.roc_curve(y, s)
    line = evalkit.plot.roc({"model": evalkit.RocAuc()(y, s)}).lines[1]
    np.testing.assert_allclose(line.get_xydata(), np.stack([fpr, tpr], axis=1), rtol=1e-12)
    precision, recall, _ = sk.precision_recall_curve(y, s)
    line = evalkit.plot.precision_recall({"model": evalkit.AveragePrecision()(y, s)}).lines[0]
    np.testing.assert_allclose(line.get_xydata(), np.stack([recall, precision], axis=1), rtol=1e-12)
    with pytest.raises(EvalkitError, match="components"):
        evalkit.plot.roc({"model": evalkit.AveragePrecision()(y, s)})
    big = evalkit.RocAuc()(*_data(12, n=5000, decimals=4)[:2])
    assert len(big.components["fpr"]) == 201 and big.components["fpr"][0] == 0.0 and big.components["tpr"][-1] == 1.0
