"""Log errors, pinball loss, Tweedie deviances and D² of the Tweedie deviance against scikit-learn 1.9, run
in the same test: its documentation examples, random weighted data, batches and merges, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.core import InputError, InvalidOptionError
from evalkit.core.errors import UndefinedMetricWarning

skm = pytest.importorskip("sklearn.metrics")

MULTI = [  # (evalkit function, class, scikit-learn function, options to try)
    (ek.mean_squared_log_error, ek.MeanSquaredLogError, "mean_squared_log_error", [{}]),
    (ek.root_mean_squared_log_error, ek.RootMeanSquaredLogError, "root_mean_squared_log_error", [{}]),
    (ek.mean_pinball_loss, ek.MeanPinballLoss, "mean_pinball_loss", [{"alpha": a} for a in (0.0, 0.1, 0.5, 0.9, 1.0)]),
]
POWERS = [-1.0, 0.0, 1.0, 1.5, 2.0, 3.0]
SINGLE = [  # single-output: (evalkit function, class, scikit-learn function, options)
    *[(ek.mean_tweedie_deviance, ek.MeanTweedieDeviance, "mean_tweedie_deviance", {"power": p}) for p in POWERS],
    *[(ek.d2_tweedie_score, ek.D2TweedieScore, "d2_tweedie_score", {"power": p}) for p in POWERS],
    (ek.mean_poisson_deviance, ek.MeanPoissonDeviance, "mean_poisson_deviance", {}),
    (ek.mean_gamma_deviance, ek.MeanGammaDeviance, "mean_gamma_deviance", {}),
]


def _data(n: int, k: int | None, seed: int):
    rng = np.random.default_rng(seed)
    shape = (n,) if k is None else (n, k)
    y_true = np.round(rng.gamma(2.0, size=shape), 1) + 0.1  # ties, all positive
    return y_true, y_true * rng.lognormal(sigma=0.4, size=shape), rng.random(n) * 3


# -- scikit-learn's documentation examples ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("mean_squared_log_error", ([3, 5, 2.5, 7], [2.5, 5, 4, 8]), {}),
        ("mean_squared_log_error", ([[0.5, 1], [1, 2], [7, 6]], [[0.5, 2], [1, 2.5], [8, 8]]), {}),
        (
            "mean_squared_log_error",
            ([[0.5, 1], [1, 2], [7, 6]], [[0.5, 2], [1, 2.5], [8, 8]]),
            {"multioutput": [0.3, 0.7]},
        ),
        ("root_mean_squared_log_error", ([3, 5, 2.5, 7], [2.5, 5, 4, 8]), {}),
        ("mean_pinball_loss", ([1, 2, 3], [0, 2, 3]), {"alpha": 0.1}),
        ("mean_pinball_loss", ([1, 2, 3], [1, 2, 4]), {"alpha": 0.1}),
        ("mean_pinball_loss", ([1, 2, 3], [0, 2, 3]), {"alpha": 0.9}),
        ("mean_pinball_loss", ([1, 2, 3], [1, 2, 3]), {"alpha": 0.9}),
        ("mean_tweedie_deviance", ([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0]), {"power": 1}),
        ("mean_poisson_deviance", ([2, 0, 1, 4], [0.5, 0.5, 2.0, 2.0]), {}),
        ("mean_gamma_deviance", ([2, 0.5, 1, 4], [0.5, 0.5, 2.0, 2.0]), {}),
        ("d2_tweedie_score", ([0.5, 1, 2.5, 7], [1, 1, 5, 3.5]), {}),
        ("d2_tweedie_score", ([0.5, 1, 2.5, 7], [1, 1, 5, 3.5]), {"power": 1}),
        ("d2_tweedie_score", ([0.5, 1, 2.5, 7], [1, 1, 5, 3.5]), {"power": 2}),
        ("d2_tweedie_score", ([0.5, 1, 2.5, 7], [0.5, 1, 2.5, 7]), {"power": 2}),
    ],
)
def test_the_documentation_examples_equal_sklearn(name, args, kwargs):
    ours, theirs = getattr(ek, name)(*args, **kwargs), getattr(skm, name)(*args, **kwargs)
    assert type(ours) is type(theirs) or isinstance(theirs, float)
    assert ours == pytest.approx(theirs, rel=1e-14, abs=1e-15)


# -- random weighted data ------------------------------------------------------------------------------
@pytest.mark.parametrize(("function", "cls", "reference", "options"), MULTI, ids=[m[2] for m in MULTI])
@pytest.mark.parametrize("multioutput", ["uniform_average", "raw_values", [0.2, 0.5, 0.3]])
def test_multioutput_errors_equal_sklearn_with_weights_and_batches(function, cls, reference, options, multioutput):
    y_true, y_pred, w = _data(400, 3, seed=1)
    for kw in options:
        want = getattr(skm, reference)(y_true, y_pred, sample_weight=w, multioutput=multioutput, **kw)
        np.testing.assert_allclose(function(y_true, y_pred, sample_weight=w, multioutput=multioutput, **kw), want,
                                   rtol=1e-13)  # fmt: skip
        m = cls(multioutput=multioutput, **kw)
        for i in range(0, 400, 37):
            m.update(y_true[i : i + 37], y_pred[i : i + 37], sample_weight=w[i : i + 37])
        result = m.compute()
        if multioutput == "raw_values":
            np.testing.assert_allclose(result.components["per_output"], want, rtol=1e-13)
        else:
            assert result.score == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize(("function", "cls", "reference", "options"), SINGLE, ids=[f"{s[2]}-{s[3]}" for s in SINGLE])
def test_deviances_equal_sklearn_with_weights_batches_and_merges(function, cls, reference, options):
    y_true, y_pred, w = _data(500, None, seed=2)
    if options.get("power", 1) < 1:  # y_true may be negative there (and zero at 1 <= power < 2)
        y_true = y_true - 0.5
    want = getattr(skm, reference)(y_true, y_pred, sample_weight=w, **options)
    assert function(y_true, y_pred, sample_weight=w, **options) == pytest.approx(want, rel=1e-12)
    assert function(y_true, y_pred, **options) == pytest.approx(
        getattr(skm, reference)(y_true, y_pred, **options), rel=1e-12
    )
    left, right = cls(**options), cls(**options)
    for i in range(0, 300, 30):
        left.update(y_true[i : i + 30], y_pred[i : i + 30], sample_weight=w[i : i + 30])
    right.update(y_true[300:], y_pred[300:], sample_weight=w[300:])
    assert left.merge(right).compute().score == pytest.approx(want, rel=1e-12)
    restored = cls(**options).load_state_dict(json.loads(json.dumps(left.state_dict())))
    assert restored.compute().score == left.compute().score


def test_d2_tweedie_keeps_its_digits_about_a_large_mean():
    # targets near 1e9 with a spread of 1e6: the deviance about the mean is a small difference of large
    # terms, for scikit-learn's per-sample formula as for the moments (both lose the same digits)
    rng = np.random.default_rng(0)
    y_true = rng.gamma(2.0, size=1000) * 1e6 + 1e9
    y_pred = y_true * rng.lognormal(sigma=0.01, size=1000)
    for power in (0, 1, 2, 3):
        m = ek.D2TweedieScore(power=power)
        for i in range(0, 1000, 32):
            m.update(y_true[i : i + 32], y_pred[i : i + 32])
        want = skm.d2_tweedie_score(y_true, y_pred, power=power)
        assert m.compute().score == pytest.approx(want, rel=1e-9)


@settings(max_examples=40, deadline=None)
@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@given(
    st.lists(st.tuples(st.integers(1, 50), st.integers(1, 50), st.integers(0, 3)), min_size=2, max_size=30),
    st.integers(1, 29),
    st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0]),
)
def test_d2_tweedie_merge_of_parts_is_the_whole(items, cut, power):
    y_true, y_pred, w = (np.array(c, dtype=float) for c in zip(*items))
    y_true, y_pred = y_true / 10, y_pred / 10
    if not w.any():
        w[0] = 1.0
    cut = min(cut, len(items) - 1)
    whole = ek.D2TweedieScore(power=power).update(y_true, y_pred, sample_weight=w).compute().score
    parts = ek.D2TweedieScore(power=power).update(y_true[cut:], y_pred[cut:], sample_weight=w[cut:])
    parts.merge(ek.D2TweedieScore(power=power).update(y_true[:cut], y_pred[:cut], sample_weight=w[:cut]))
    if np.ptp(y_true[w > 0]) == 0:  # a constant y_true: D² is 1 - x / 0 (see the test below)
        return
    try:
        want = skm.d2_tweedie_score(y_true, y_pred, sample_weight=w, power=power)
    except ZeroDivisionError:  # a constant y_true: scikit-learn divides Python floats by zero
        assert not np.isfinite(whole)
        return
    assert whole == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert parts.compute().score == pytest.approx(whole, rel=1e-9, abs=1e-9)


def test_tensor_inputs_give_the_numpy_numbers():
    torch = pytest.importorskip("torch")
    y_true, y_pred, w = _data(200, None, seed=3)
    for cls, options in (
        (ek.D2TweedieScore, {"power": 1.5}),
        (ek.MeanSquaredLogError, {}),
        (ek.MeanPinballLoss, {"alpha": 0.3}),
    ):
        on_host = cls(**options).update(y_true, y_pred, sample_weight=w).compute().score
        tensors = [torch.as_tensor(x) for x in (y_true, y_pred, w)]
        m = cls(**options).update(tensors[0][:90], tensors[1][:90], sample_weight=tensors[2][:90])
        m.update(tensors[0][90:], tensors[1][90:], sample_weight=tensors[2][90:])
        assert m.compute().score == pytest.approx(on_host, rel=1e-12)


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", [ek.mean_squared_log_error, ek.root_mean_squared_log_error])
def test_log_errors_refuse_values_at_or_below_minus_one(function):
    with pytest.raises(ValueError, match="less than or equal to -1"):
        getattr(skm, function.__name__)([1, -1], [1, 2])
    with pytest.raises(InputError, match=r"y_true must hold values greater than -1.*y_true\[1\] is -1\.0"):
        function([1, -1], [1, 2])
    with pytest.raises(InputError, match=r"y_pred\[0\] is -2\.0"):
        function([1, 1], [-2, 2])
    assert function([1, -0.5], [1, 2]) == pytest.approx(getattr(skm, function.__name__)([1, -0.5], [1, 2]))


@pytest.mark.parametrize(
    ("power", "y_true", "y_pred", "match"),
    [
        (-1, [1, 2], [1, 0], r"y_pred must hold strictly positive values.*y_pred\[1\] is 0\.0"),
        (1, [1, -2], [1, 1], r"y_true must hold non-negative values.*y_true\[1\] is -2\.0"),
        (1.5, [1, 2], [-1, 1], r"y_pred\[0\] is -1\.0"),
        (2, [0, 2], [1, 1], r"y_true must hold strictly positive values.*y_true\[0\] is 0\.0"),
        (3, [1, 2], [1, 0], r"y_pred\[1\]"),
    ],
)
def test_deviances_refuse_values_outside_their_domain_as_sklearn(power, y_true, y_pred, match):
    with pytest.raises(ValueError, match="can only be used on"):
        skm.mean_tweedie_deviance(y_true, y_pred, power=power)
    for call in (
        lambda: ek.mean_tweedie_deviance(y_true, y_pred, power=power),
        lambda: ek.d2_tweedie_score(y_true, y_pred, power=power),
        lambda: ek.MeanTweedieDeviance(power=power).update(y_true, y_pred),
    ):
        with pytest.raises(InputError, match=match):
            call()
    assert ek.mean_tweedie_deviance([-1, 2], [-3, 1], power=0) == skm.mean_tweedie_deviance([-1, 2], [-3, 1], power=0)


def test_options_are_checked_as_sklearn_checks_them():
    with pytest.raises(InvalidOptionError, match=r"'power' parameter of mean_tweedie_deviance.*\(-inf, 0.0\].*0.5"):
        ek.mean_tweedie_deviance([1, 2], [1, 2], power=0.5)
    with pytest.raises(InvalidOptionError, match="'power'"):
        ek.D2TweedieScore(power=float("nan"))
    with pytest.raises(InvalidOptionError, match="'alpha'"):
        ek.mean_pinball_loss([1, 2], [1, 2], alpha=1.5)
    with pytest.raises(InputError, match="single output"):
        ek.mean_tweedie_deviance([[1, 2], [1, 2]], [[1, 2], [1, 2]])
    with pytest.raises(InputError, match=r"y_pred\[1\] is nan"):
        ek.mean_poisson_deviance([1, 2], [1, float("nan")])
    with pytest.raises(InputError, match="same number of samples"):
        ek.mean_gamma_deviance([1, 2], [1, 2, 3])


def test_d2_of_fewer_than_two_samples_is_nan_with_sklearns_warning():
    from sklearn.exceptions import UndefinedMetricWarning as SklearnWarning

    with pytest.warns(SklearnWarning, match="less than two samples"):
        want = skm.d2_tweedie_score([1.0], [2.0], power=1)
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(ek.d2_tweedie_score([1.0], [2.0], power=1)) and np.isnan(want)


def test_a_constant_y_true_gives_a_non_finite_d2_with_a_warning_where_sklearn_raises():
    with pytest.raises(ZeroDivisionError):
        skm.d2_tweedie_score([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], power=1)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        assert ek.d2_tweedie_score([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], power=1) == -np.inf
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert np.isnan(ek.d2_tweedie_score([2.0, 2.0], [2.0, 2.0], power=1))  # 1 - 0 / 0


# -- D² of the pinball loss: the quantile of all of y_true, from the table of distinct values --------------
@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("d2_pinball_score", ([1, 2, 3], [1, 3, 3]), {}),
        ("d2_pinball_score", ([1, 2, 3], [1, 3, 3]), {"alpha": 0.9}),
        ("d2_pinball_score", ([1, 2, 3], [1, 3, 3]), {"alpha": 0.1}),
        ("d2_pinball_score", ([1, 2, 3], [1, 2, 3]), {"alpha": 0.1}),
        ("d2_absolute_error_score", ([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]), {}),
        ("d2_absolute_error_score", ([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]), {}),
        (
            "d2_absolute_error_score",
            ([[0.5, 1], [-1, 1], [7, -6]], [[0, 2], [-1, 2], [8, -5]]),
            {"multioutput": "raw_values"},
        ),
        ("d2_absolute_error_score", ([1, 2, 3], [2, 2, 2]), {}),
        ("d2_absolute_error_score", ([1, 2, 3], [3, 2, 1]), {}),
        ("d2_absolute_error_score", ([2, 2, 2], [2, 2, 2]), {}),  # constant y_true, perfect: 1.0
        ("d2_absolute_error_score", ([2, 2, 2], [2, 3, 2]), {}),  # constant y_true, imperfect: 0.0
    ],
)
def test_d2_pinball_documentation_examples_equal_sklearn(name, args, kwargs):
    np.testing.assert_allclose(getattr(ek, name)(*args, **kwargs), getattr(skm, name)(*args, **kwargs), rtol=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_d2_pinball_equals_sklearn_on_ties_zero_weights_and_outputs(alpha):
    rng = np.random.default_rng(int(alpha * 100))
    for n in (2, 3, 5, 40):
        for _ in range(8):
            k = int(rng.integers(1, 4))
            y_true = rng.integers(0, 5, (n, k)).astype(float)  # ties, and quantiles at exact boundaries
            y_pred = y_true + rng.integers(-2, 3, (n, k))
            w = rng.integers(0, 3, n).astype(float)
            if not w.any():
                continue
            for weights in (None, w):
                for multioutput in ("raw_values", "uniform_average"):
                    kw = {"alpha": alpha, "sample_weight": weights, "multioutput": multioutput}
                    want = skm.d2_pinball_score(y_true, y_pred, **kw)
                    np.testing.assert_allclose(ek.d2_pinball_score(y_true, y_pred, **kw), want, rtol=1e-12, atol=1e-14)


def test_d2_pinball_batches_merges_checkpoints_and_the_table():
    rng = np.random.default_rng(4)
    y_true, y_pred, w = rng.normal(size=(600, 2)), rng.normal(size=(600, 2)), rng.random(600)
    want = skm.d2_pinball_score(y_true, y_pred, alpha=0.3, sample_weight=w, multioutput="raw_values")
    left, right = (
        ek.D2PinballScore(alpha=0.3, multioutput="raw_values"),
        ek.D2PinballScore(alpha=0.3, multioutput="raw_values"),
    )
    for i in range(0, 400, 50):
        left.update(y_true[i : i + 50], y_pred[i : i + 50], sample_weight=w[i : i + 50])
    right.update(y_true[400:], y_pred[400:], sample_weight=w[400:])
    result = left.merge(right).compute()
    np.testing.assert_allclose(result.components["per_output"], want, rtol=1e-12)
    restored = ek.D2PinballScore(alpha=0.3, multioutput="raw_values").load_state_dict(
        json.loads(json.dumps(left.state_dict()))
    )
    assert restored.compute().score == result.score
    small = ek.D2AbsoluteErrorScore().update([3, 1, 3], [2, 2, 2]).update([1], [0])
    assert small.space[0] == 1 and small.space[1].tolist() == [[0.0, 1.0], [0.0, 3.0]]  # (output, y_true)
    assert small.total.tolist()[-2:] == [2.0, 2.0]  # the weights of y_true = 1 and 3: not the samples


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 2)), min_size=2, max_size=30),
    st.integers(1, 29),
    st.sampled_from([0.1, 0.5, 0.8]),
)
def test_d2_pinball_merge_of_parts_is_the_whole(items, cut, alpha):
    y_true, y_pred, w = (np.array(c, dtype=float) for c in zip(*items))
    if not w.any():
        w[0] = 1.0
    cut = min(cut, len(items) - 1)
    parts = ek.D2PinballScore(alpha=alpha).update(y_true[cut:], y_pred[cut:], sample_weight=w[cut:])
    parts.merge(ek.D2PinballScore(alpha=alpha).update(y_true[:cut], y_pred[:cut], sample_weight=w[:cut]))
    want = skm.d2_pinball_score(y_true, y_pred, alpha=alpha, sample_weight=w)
    assert parts.compute().score == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_d2_pinball_of_one_sample_and_bad_options():
    from sklearn.exceptions import UndefinedMetricWarning as SklearnWarning

    with pytest.warns(SklearnWarning):
        assert np.isnan(skm.d2_pinball_score([1.0], [2.0], multioutput="raw_values"))
    with pytest.warns(UndefinedMetricWarning, match="less than two samples"):
        assert np.isnan(ek.d2_pinball_score([1.0], [2.0], multioutput="raw_values"))
    with pytest.raises(InvalidOptionError, match="'alpha'"):
        ek.D2PinballScore(alpha=-0.1)
    with pytest.raises(InvalidOptionError, match="'multioutput'"):
        ek.d2_absolute_error_score([1, 2], [1, 2], multioutput="variance_weighted")
    with pytest.raises(InputError, match=r"y_true\[1\] is inf"):
        ek.d2_absolute_error_score([1, float("inf")], [1, 2])
    with pytest.raises(InputError, match="sample_weight"):
        ek.d2_pinball_score([1, 2], [1, 2], sample_weight=[0, 0])


def test_a_checkpoint_of_d2_tweedie_with_a_non_positive_shift_is_refused():
    state = json.loads(json.dumps(ek.D2TweedieScore(power=1).update([1.0, 2.0], [1.0, 1.5]).state_dict()))
    state["space"][1] = [-1.0]
    with pytest.raises(InputError, match="positive shift"):
        ek.D2TweedieScore(power=1).load_state_dict(state)


@pytest.mark.parametrize("power", [1.0, 1.2, 1.5, 1.9])
def test_d2_tweedie_after_a_first_batch_of_zeros(power):
    # the first batch's mean is 0, no shift for a deviance of power >= 1: the state falls back to 1, and
    # the next batches move onto it exactly
    rng = np.random.default_rng(1)
    y_true, y_pred, w = rng.poisson(1.0, 300).astype(float), rng.gamma(2.0, size=300) * 0.5 + 0.01, rng.random(300)
    m = ek.D2TweedieScore(power=power).update(np.zeros(5), y_pred[:5]).update(y_true, y_pred, sample_weight=w)
    want = skm.d2_tweedie_score(
        np.r_[np.zeros(5), y_true], np.r_[y_pred[:5], y_pred], power=power, sample_weight=np.r_[np.ones(5), w]
    )
    assert m.compute().score == pytest.approx(want, rel=1e-12)
