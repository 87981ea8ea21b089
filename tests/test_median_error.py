"""The median absolute error as a stateful metric (MedianAbsoluteError: a table of the distinct errors)
against scikit-learn 1.9's ``median_absolute_error`` run in the same test: random data with ties, float and
zero weights, 1-3 outputs, every ``multioutput``; batches, merges, checkpoints, bootstrap, permutations."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.core import InputError, InvalidOptionError

skm = pytest.importorskip("sklearn.metrics")


def _data(rng: np.random.Generator, n: int, k: int, ties: bool):
    shape = (n,) if k == 1 and rng.random() < 0.5 else (n, k)
    if ties:  # few distinct errors: medians at exact boundaries, errors equal across samples
        y_true = rng.integers(-3, 4, shape).astype(float)
        return y_true, y_true + rng.integers(-3, 4, shape) * 0.5
    y_true = rng.normal(size=shape)
    return y_true, y_true + rng.normal(size=shape)


def _weightings(rng: np.random.Generator, n: int) -> list:
    zero = rng.random(n) * 3
    zero[rng.random(n) < 0.4] = 0.0  # zero weights: skipped by the weighted median
    if not zero.any():
        zero[0] = 1.0
    return [None, np.ones(n), rng.random(n) * 3, rng.integers(0, 3, n).astype(float) + (np.arange(n) == 0), zero]


def _multioutputs(rng: np.random.Generator, k: int) -> list:
    return ["raw_values", "uniform_average"] + ([rng.random(k) + 0.1] if k > 1 else [])


def test_equals_sklearn_on_ties_float_and_zero_weights_and_outputs():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 4, 7, 40):
        for k in (1, 2, 3):
            for ties in (True, False):
                y_true, y_pred = _data(rng, n, k, ties)
                for w in _weightings(rng, n):
                    for multioutput in _multioutputs(rng, k):
                        kw = {"sample_weight": w, "multioutput": multioutput}
                        want = skm.median_absolute_error(y_true, y_pred, **kw)
                        got = ek.median_absolute_error(y_true, y_pred, **kw)
                        assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray)
                        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
                        metric = ek.MedianAbsoluteError(multioutput=multioutput).update(y_true, y_pred, sample_weight=w)
                        result = metric.compute()
                        raw = skm.median_absolute_error(y_true, y_pred, sample_weight=w, multioutput="raw_values")
                        np.testing.assert_allclose(result.components["per_output"], raw, rtol=1e-13, atol=1e-15)
                        if not isinstance(want, np.ndarray):
                            np.testing.assert_allclose(result.score, want, rtol=1e-13, atol=1e-15)


def test_unit_weights_are_np_median():
    # scikit-learn takes np.median without weights and its weighted percentile with them: the same number
    # for unit weights (the middle error, or the mean of the two middle ones), which one table gives both
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 6, 51, 100):
        y_true, y_pred = rng.integers(0, 5, (n, 2)).astype(float), rng.normal(size=(n, 2)).round(1)
        want = np.median(np.abs(y_pred - y_true), axis=0)
        assert skm.median_absolute_error(y_true, y_pred, sample_weight=np.ones(n), multioutput="raw_values").tolist() \
            == want.tolist()  # fmt: skip
        for w in (None, np.ones(n)):
            got = ek.median_absolute_error(y_true, y_pred, sample_weight=w, multioutput="raw_values")
            assert got.tolist() == want.tolist()


def test_documentation_examples_equal_sklearn():
    cases = [
        (([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), {}),
        (([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]), {}),
        (([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]), {"multioutput": "raw_values"}),
        (([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]), {"multioutput": [0.3, 0.7]}),
    ]
    for args, kwargs in cases:
        np.testing.assert_allclose(ek.median_absolute_error(*args, **kwargs), skm.median_absolute_error(*args, **kwargs),
                                   rtol=1e-15)  # fmt: skip


def test_batches_merges_and_a_json_checkpoint_are_the_whole():
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.integers(0, 6, (500, 3)).astype(float), rng.integers(0, 6, (500, 3)) * 0.5
    w = rng.random(500) * (rng.random(500) < 0.8)
    for multioutput in ("raw_values", "uniform_average", [1.0, 2.0, 0.5]):
        want = skm.median_absolute_error(y_true, y_pred, sample_weight=w, multioutput="raw_values")
        parts = []
        for cuts in ((0, 100, 101, 350, 500), (0, 250, 500), (0, 7, 500)):
            metric = ek.MedianAbsoluteError(multioutput=multioutput)
            pieces = [ek.MedianAbsoluteError(multioutput=multioutput).update(y_true[a:b], y_pred[a:b], sample_weight=w[a:b])
                      for a, b in itertools.pairwise(cuts)]  # fmt: skip
            for piece in pieces[::-1]:  # merged in another order than the data's
                metric.merge(piece)
            np.testing.assert_allclose(metric.compute().components["per_output"], want, rtol=1e-13)
            parts.append(metric)
        stream = ek.MedianAbsoluteError(multioutput=multioutput)
        for i in range(0, 500, 37):
            stream.update(y_true[i : i + 37], y_pred[i : i + 37], sample_weight=w[i : i + 37])
        np.testing.assert_allclose(stream.compute().components["per_output"], want, rtol=1e-13)
        state = json.loads(json.dumps(stream.state_dict()))
        restored = ek.MedianAbsoluteError(multioutput=multioutput).load_state_dict(state)
        assert restored.compute().score == stream.compute().score
        restored.update(y_true[:10], y_pred[:10], sample_weight=w[:10])  # and goes on counting
        again = np.concatenate([w, w[:10]])
        want_more = skm.median_absolute_error(np.concatenate([y_true, y_true[:10]]), np.concatenate([y_pred, y_pred[:10]]),
                                              sample_weight=again, multioutput="raw_values")  # fmt: skip
        np.testing.assert_allclose(restored.compute().components["per_output"], want_more, rtol=1e-13)


def test_the_state_is_the_table_of_distinct_errors():
    # |e| = 0.5, 0.5, 0, 1, then 1: distinct (output, |e|) pairs with their summed weights, then W and n first
    metric = ek.MedianAbsoluteError().update([3, -0.5, 2, 7], [2.5, 0.0, 2, 8], sample_weight=[1, 2, 1, 1])
    metric.update([0], [1], sample_weight=[0.5])
    assert metric.space[0] == 1 and metric.space[1].tolist() == [[0.0, 0.0], [0.0, 0.5], [0.0, 1.0]]
    assert metric.total.tolist() == [5.5, 5.0, 1.0, 3.0, 1.5]
    # cdf 1, 4, 5.5 against half the weight, 2.75: the second error, 0.5
    assert metric.compute().score == 0.5 == skm.median_absolute_error([3, -0.5, 2, 7, 0], [2.5, 0, 2, 8, 1],
                                                                      sample_weight=[1, 2, 1, 1, 0.5])  # fmt: skip


def test_tampered_checkpoints_are_refused_by_name():
    metric = ek.MedianAbsoluteError(multioutput="raw_values").update([[1, 2], [3, 4]], [[1.5, 2], [3, 5]])
    good = json.loads(json.dumps(metric.state_dict()))
    for change, match in [
        (lambda s: (s["total"].pop(), s["reductions"].pop()), r"median_absolute_error: .*'total' must hold 6 numbers"),
        (lambda s: s["total"].__setitem__(1, 2.5), r"median_absolute_error: load_state_dict\(\): 'total'.*whole count"),
        (lambda s: s["space"].__setitem__(0, 0), r"median_absolute_error: load_state_dict\(\): 'space' must be"),
        (
            lambda s: s["space"][1].reverse(),
            r"median_absolute_error: load_state_dict\(\): 'space' must hold the sorted",
        ),
        (lambda s: s["space"][1][0].__setitem__(1, float("nan")), r"median_absolute_error: .*'space' must hold"),
        # a weight of a distinct error below zero (no sample gives one) moved the median: 1.0 for 0.25
        (lambda s: s["total"].__setitem__(-1, -5.0), r"median_absolute_error: .*'total'.*weight per distinct"),
        (lambda s: s["total"].__setitem__(0, -1.0), r"median_absolute_error: .*'total'.*weight per distinct"),
        # an absolute error below zero; pairs of an output the state has not, or of no whole output
        (
            lambda s: s["space"][1][0].__setitem__(1, -0.5),
            r"median_absolute_error: .*'space'.*absolute errors at least 0",
        ),
        (lambda s: s["space"][1][-1].__setitem__(0, 5), r"median_absolute_error: .*'space'.*outputs 0..1"),
        (lambda s: s["space"][1][-1].__setitem__(0, 1.5), r"median_absolute_error: .*'space'.*outputs 0..1"),
        (lambda s: s["space"].__setitem__(0, 3), r"median_absolute_error: .*'space'.*outputs 0..2"),
        (lambda s: s["space"].__setitem__(0, 2**70), r"median_absolute_error: .*'space'.*outputs 0.."),
    ]:
        state = json.loads(json.dumps(good))
        change(state)
        with pytest.raises(InputError, match=match):
            ek.MedianAbsoluteError(multioutput="raw_values").load_state_dict(state)
    with pytest.raises(InputError, match="median_absolute_error: cannot add a batch of 1 outputs to a state of 2"):
        # (batches are folded into the state lazily: the frames meet when the state is read)
        ek.MedianAbsoluteError(multioutput="raw_values").load_state_dict(good).update([1.0, 2.0], [1.0, 2.0]).compute()


def test_bootstrap_ci_resamples_the_samples():
    from evalkit.stats.significance import bootstrap_ci

    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 8, 120).astype(float), rng.integers(0, 8, 120).astype(float)
    metric = ek.MedianAbsoluteError()
    ci = bootstrap_ci(metric, metric.stats(y_true, y_pred), n_resamples=300, seed=5)
    # scikit-learn's score of the same resamples, drawn as evalkit draws them (rng.choice(n, (R, n)))
    draws = np.random.default_rng(5).choice(120, size=(300, 120), replace=True)
    scores = np.sort([skm.median_absolute_error(y_true[i], y_pred[i]) for i in draws])
    assert float(ci.result) == skm.median_absolute_error(y_true, y_pred)
    assert (ci.low, ci.high) == (scores[7], scores[300 - 7 - 1])  # floor(300 * 0.025) = 7


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from([0.0, 0.5, 1.0, 2.0])), min_size=2, max_size=25
    ),
    st.randoms(use_true_random=False),
    st.integers(1, 24),
)
def test_permutations_and_splits_are_the_whole(items, random, cut):
    y_true, y_pred, w = (np.array(c, dtype=float) for c in zip(*items))
    if not w.any():
        w[0] = 1.0
    want = skm.median_absolute_error(y_true, y_pred, sample_weight=w)
    order = np.array(random.sample(range(len(items)), len(items)))
    shuffled = ek.median_absolute_error(y_true[order], y_pred[order], sample_weight=w[order])
    cut = min(cut, len(items) - 1)  # an update takes at least one sample
    whole = ek.MedianAbsoluteError().update(y_true[order][:cut], y_pred[order][:cut], sample_weight=w[order][:cut])
    whole.merge(ek.MedianAbsoluteError().update(y_true[order][cut:], y_pred[order][cut:], sample_weight=w[order][cut:]))
    assert shuffled == pytest.approx(want, rel=1e-13, abs=1e-15)
    assert whole.compute().score == pytest.approx(want, rel=1e-13, abs=1e-15)


def test_bad_input_is_refused_as_before():
    with pytest.raises(InputError, match="median_absolute_error: sample_weight must contain at least one non-zero"):
        ek.median_absolute_error([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0])
    with pytest.raises(InputError, match=r"median_absolute_error: .*y_pred\[1\] is nan"):
        ek.median_absolute_error([1.0, 2.0], [1.0, float("nan")])
    with pytest.raises(InvalidOptionError, match="'multioutput' parameter of median_absolute_error"):
        ek.median_absolute_error([1.0, 2.0], [1.0, 3.0], multioutput="variance_weighted")
    with pytest.raises(InvalidOptionError, match="'multioutput' parameter of median_absolute_error must be"):
        ek.MedianAbsoluteError(multioutput="variance_weighted")
    with pytest.raises(InputError, match="median_absolute_error: the total sample weight is zero"):
        ek.MedianAbsoluteError().update([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0]).compute()
    # a running state takes an all-zero batch; the next batch's weights decide
    metric = ek.MedianAbsoluteError().update([1.0, 2.0], [1.0, 9.0], sample_weight=[0.0, 0.0])
    assert metric.update([1.0, 2.0, 4.0], [1.5, 2.0, 3.0]).compute().score == skm.median_absolute_error(
        [1.0, 2.0, 4.0], [1.5, 2.0, 3.0]
    )


@pytest.mark.parametrize("cls", [ek.MedianAbsoluteError, ek.D2PinballScore])
def test_the_functions_batch_total_is_the_rows_total(cls):
    # the functional form sums a batch without rows (one sort per output): the same frame, and the same
    # total but for the order of the additions
    rng = np.random.default_rng(6)
    for k, weighted in ((1, False), (1, True), (3, False), (3, True)):
        y_true, y_pred = rng.integers(0, 6, (300, k)).astype(float), rng.integers(0, 6, (300, k)) * 0.5
        w = rng.random(300) * (rng.random(300) < 0.8) if weighted else None
        metric = cls()
        total, space = metric._batch_total(*metric._checked(y_true, y_pred, w))
        state = cls().update(y_true, y_pred, sample_weight=w)
        assert space[0] == state.space[0] == k and space[1].tolist() == state.space[1].tolist()
        np.testing.assert_allclose(total, state.total, rtol=1e-13)
