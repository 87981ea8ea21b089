"""Regression metrics and log loss against scikit-learn (Huber against torch), edge cases, errors, and
the stateful classes (any batch split, merge, permutation)."""

from __future__ import annotations

import copy
import inspect
import json
import warnings

import numpy as np
import pytest
from _oracle import run_recording
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit import regression as ek
from evalkit.classification import LogLoss, log_loss
from evalkit.core import InputError, InvalidOptionError
from evalkit.regression import _moments

skm = pytest.importorskip("sklearn.metrics")

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEANS = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error"]


def _compare(name, *args, **kwargs):
    expected, sk_warnings = run_recording(getattr(skm, name), *args, **kwargs)
    got, ek_warnings = run_recording(log_loss if name == "log_loss" else getattr(ek, name), *args, **kwargs)
    if isinstance(expected, Exception):
        assert isinstance(got, ValueError), f"scikit-learn raised {expected!r}, evalkit returned {got!r}"
        return
    assert not isinstance(got, Exception), f"evalkit raised {got!r}"
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert ek_warnings == sk_warnings


@st.composite
def targets(draw):
    n = draw(st.integers(1, 12))
    k = draw(st.sampled_from([None, 1, 3]))
    shape = (n,) if k is None else (n, k)
    size = n * (k or 1)
    values = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 2))
    y_true = np.array(draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)
    noise = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, -2.0, 0.01]), min_size=size, max_size=size)))
    if draw(st.booleans()):
        y_true = np.full(shape, draw(values))  # constant y_true: R2's undefined case
    y_pred = y_true + noise.reshape(shape)
    w = draw(st.none() | st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=n, max_size=n).map(np.array))
    return y_true, y_pred, w


@SETTINGS
@given(data=targets(), custom=st.booleans())
def test_functions_equal_sklearn(data, custom):
    y_true, y_pred, w = data
    k = 1 if y_true.ndim == 1 else y_true.shape[1]
    choices = ["raw_values", "uniform_average"] + ([np.linspace(0.5, 2, k)] if custom and k > 1 else [])
    for multioutput in choices:
        for name in [*MEANS, "median_absolute_error"]:
            _compare(name, y_true, y_pred, sample_weight=w, multioutput=multioutput)
        for multi in (multioutput, "variance_weighted"):
            for force_finite in (True, False):
                for name in ("r2_score", "explained_variance_score"):
                    _compare(name, y_true, y_pred, sample_weight=w, multioutput=multi, force_finite=force_finite)
    _compare("max_error", y_true, y_pred)


@SETTINGS
@given(
    n=st.integers(2, 30),
    n_classes=st.integers(2, 4),
    seed=st.integers(0, 2**16),
    weighted=st.booleans(),
    extreme=st.booleans(),
)
def test_log_loss_equals_sklearn(n, n_classes, seed, weighted, extreme):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    proba = rng.random((n, n_classes))
    if extreme:  # exact 0 and 1 probabilities: clipped to [eps, 1 - eps]
        proba = (proba > 0.5).astype(float)
        proba[proba.sum(axis=1) == 0, 0] = 1.0
    proba /= proba.sum(axis=1, keepdims=True)
    w = rng.random(n) if weighted else None
    labels = list(range(n_classes))
    _compare("log_loss", y_true, proba, sample_weight=w, labels=labels)
    _compare("log_loss", y_true % 2, proba[:, 0], sample_weight=w)  # binary: probability of class 1
    _compare("log_loss", np.array(["no", "yes"])[y_true % 2], proba[:, 0], sample_weight=w, normalize=False)


def test_log_loss_class_takes_one_probability_column_as_the_positive_class():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y_true, p1 = [0, 1, 1, 0, 1], [0.2, 0.7, 0.9, 0.4, 0.55]
    expected = sklearn_metrics.log_loss(y_true, p1)  # 1-D: the probability of class 1
    column = np.array(p1)[:, None]  # as the CLI reads a file of one probability per line
    assert LogLoss()(y_true, column).score == pytest.approx(expected, rel=1e-15)
    assert LogLoss()(y_true, p1).score == pytest.approx(expected, rel=1e-15)


def test_log_loss_reads_a_column_of_labels_and_names_bad_shapes_and_dtypes():
    y_true, proba = [0, 1, 1], np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    expected = skm.log_loss(y_true, proba)  # scikit-learn reads an (n, 1) column of labels as 1-D
    assert log_loss(np.array(y_true)[:, None], proba) == pytest.approx(expected, rel=1e-15)
    assert LogLoss()(np.array(y_true)[:, None], proba).score == pytest.approx(expected, rel=1e-15)
    with pytest.raises(InputError, match=r"y_true must be a 1-D array of class labels, got shape \(3, 2\)"):
        log_loss(np.zeros((3, 2), dtype=int), proba)
    with pytest.raises(InputError, match=r"y_proba must be a 1-D or 2-D array of probabilities.*dtype complex128"):
        log_loss([0, 1], np.array([0.5, 0.5]) + 0j)


def test_huber_equals_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.normal(size=(200, 3)), rng.normal(size=(200, 3)) * 2
    for delta in (0.1, 1.0, 2.5):
        expected = torch.nn.functional.huber_loss(torch.tensor(y_pred), torch.tensor(y_true), delta=delta).item()
        np.testing.assert_allclose(ek.huber_loss(y_true, y_pred, delta=delta), expected, rtol=1e-12)
    # by hand: errors 0.5 (quadratic: 0.125), 2 (linear: 1.5), 3 (2.5); mean 4.125 / 3
    assert ek.huber_loss([0.0, 0.0, 0.0], [0.5, 2.0, -3.0]) == pytest.approx(4.125 / 3, abs=1e-15)


# -- edge cases ----------------------------------------------------------------------------------------
def test_constant_y_true_r2_policy():
    _compare("r2_score", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0])  # perfect: 1.0
    _compare("r2_score", [2.0, 2.0, 2.0], [2.0, 2.5, 2.0])  # imperfect: 0.0
    _compare("r2_score", [2.0, 2.0, 2.0], [2.0, 2.5, 2.0], force_finite=False)  # -inf, numpy warns
    _compare("r2_score", [0.1, 0.1, 0.1], [0.2, 0.2, 0.2])  # a mean with rounding error: same number
    _compare("r2_score", [1.0], [2.0])  # one sample: nan with a warning


def test_zero_weights():
    _compare("mean_squared_error", [1.0, 2.0, 4.0], [1.0, 3.0, 0.0], sample_weight=[1.0, 0.0, 2.0])
    _compare("median_absolute_error", [1.0, 2.0, 4.0, 7.0], [1.0, 3.0, 0.0, 7.0], sample_weight=[1.0, 0.0, 2.0, 1.0])
    for fn in (ek.mean_squared_error, ek.r2_score, ek.median_absolute_error):
        with pytest.raises(InputError, match="at least one non-zero"):
            fn([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0])
    m = ek.R2Score().update([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0])  # a zero-weight batch is fine
    m.update([1.0, 2.0, 4.0], [1.5, 2.0, 3.0])
    np.testing.assert_allclose(m.compute().score, skm.r2_score([1.0, 2.0, 4.0], [1.5, 2.0, 3.0]), rtol=1e-12)


def test_errors_name_what_is_wrong():
    with pytest.raises(InputError, match=r"y_true has shape \(3,\), y_pred has shape \(2,\)"):
        ek.mean_squared_error([1, 2, 3], [1, 2])
    with pytest.raises(InputError, match=r"y_pred must hold finite numbers, but y_pred\[1\] is nan"):
        ek.mean_absolute_error([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(InputError, match=r"y_true\[0, 1\] is inf"):
        ek.r2_score([[1.0, np.inf]], [[1.0, 2.0]])
    with pytest.raises(InputError, match="same number of outputs"):
        ek.r2_score(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(InvalidOptionError, match="'multioutput' parameter of mean_squared_error must be one of"):
        ek.mean_squared_error([1.0], [1.0], multioutput="variance_weighted")
    with pytest.raises(InputError, match="as many multioutput weights"):
        ek.mean_squared_error(np.ones((3, 2)), np.ones((3, 2)), multioutput=[1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="single output"):
        ek.max_error(np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(InputError, match=r"probabilities in \[0, 1\]"):
        log_loss([0, 1], [0.5, 1.5])
    with pytest.raises(InvalidOptionError, match="'delta' parameter of huber_loss"):
        ek.huber_loss([0.0], [1.0], delta=0)


# -- stateful ------------------------------------------------------------------------------------------
CLASSES = [
    (ek.MeanSquaredError, {}, "mean_squared_error", {}),
    (ek.RootMeanSquaredError, {"multioutput": "raw_values"}, "root_mean_squared_error", {"multioutput": "raw_values"}),
    (ek.MeanAbsoluteError, {}, "mean_absolute_error", {}),
    (ek.MeanAbsolutePercentageError, {}, "mean_absolute_percentage_error", {}),
    (ek.R2Score, {}, "r2_score", {}),
    (ek.R2Score, {"multioutput": "variance_weighted"}, "r2_score", {"multioutput": "variance_weighted"}),
    (ek.ExplainedVariance, {}, "explained_variance_score", {}),
]


@SETTINGS
@given(
    n=st.integers(4, 60),
    seed=st.integers(0, 2**16),
    which=st.sampled_from(range(len(CLASSES))),
    # a large mean: values near 1e6 carry ~1e-10 absolute rounding of their own, so 1e-8 relative (and
    # 1e-9 absolute, for scores near 0) there; the textbook sum(y²) - sum(y)²/n formula would be off by ~1e-4
    offset=st.sampled_from([0.0, 1e6]),
    n_cuts=st.integers(0, 5),
)
def test_update_over_any_split_equals_sklearn_on_all(n, seed, which, offset, n_cuts):
    cls, options, name, sk_options = CLASSES[which]
    rng = np.random.default_rng(seed)
    y_true = offset + rng.normal(size=(n, 2))
    y_pred = y_true + rng.normal(size=(n, 2))
    w = rng.random(n) if seed % 2 else None
    expected = getattr(skm, name)(y_true, y_pred, sample_weight=w, **sk_options)
    cuts = np.sort(rng.choice(np.arange(1, n), size=min(n_cuts, n - 1), replace=False))
    m, a, b = cls(**options), cls(**options), cls(**options)
    for i, part in enumerate(np.split(np.arange(n), cuts)):
        m.update(y_true[part], y_pred[part], sample_weight=None if w is None else w[part])
        (a if i % 2 else b).update(y_true[part], y_pred[part], sample_weight=None if w is None else w[part])
    perm = rng.permutation(n)
    permuted = cls(**options)(y_true[perm], y_pred[perm], sample_weight=None if w is None else w[perm])
    key = "per_output" if options.get("multioutput") == "raw_values" else None
    for result in (m.compute(), a.merge(b).compute(), permuted):
        value = result.components[key] if key else result.score
        np.testing.assert_allclose(value, expected, rtol=1e-8 if offset else 1e-12, atol=1e-9 if offset else 1e-12)


def test_max_error_and_log_loss_classes():
    m = ek.MaxError().update([1.0, 2.0], [1.5, 2.0]).update([5.0], [3.0])
    assert m.compute().score == skm.max_error([1.0, 2.0, 5.0], [1.5, 2.0, 3.0])
    y, proba = ["b", "a", "c", "a"], np.array([[0.2, 0.5, 0.3], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    m = LogLoss(labels=["a", "b", "c"]).update(y[:2], proba[:2]).update(y[2:], proba[2:])
    np.testing.assert_allclose(m.compute().score, skm.log_loss(y, proba), rtol=1e-12)


def test_registry_and_torch_inputs():
    torch = pytest.importorskip("torch")
    m = evalkit.get_metric("mse")
    m.update(torch.tensor([1.0, 2.0]), torch.tensor([1.5, 2.0]))
    assert m.compute().score == skm.mean_squared_error([1.0, 2.0], [1.5, 2.0])
    assert {"mse", "rmse", "mae", "r2", "mape", "explained_variance", "huber"} <= set(evalkit.available_metrics())


def test_per_output_of_a_single_sample_is_per_output():
    m = ek.MeanSquaredError().update([[1.0, 2.0]], [[0.0, 0.5]])
    expected = skm.mean_squared_error([[1.0, 2.0]], [[0.0, 0.5]], multioutput="raw_values")
    np.testing.assert_array_equal(m.compute().components["per_output"], expected)
    with pytest.warns(evalkit.UndefinedMetricWarning):
        r2 = ek.R2Score().update([[1.0, 2.0]], [[0.0, 0.5]]).compute()
    assert np.isnan(r2.score) and r2.components["per_output"].shape == (2,)


def test_signature_shows_multioutput_weights_alike():
    for cls in (ek.MeanSquaredError, ek.HuberLoss, ek.R2Score):
        assert "multioutput:1,3|" in str(cls(multioutput=[1, 3]).signature())


# -- one declaration of options, checked on every path (function, class) --------------------------------
PAIRS = [
    (ek.mean_squared_error, ek.MeanSquaredError),
    (ek.root_mean_squared_error, ek.RootMeanSquaredError),
    (ek.mean_absolute_error, ek.MeanAbsoluteError),
    (ek.mean_absolute_percentage_error, ek.MeanAbsolutePercentageError),
    (ek.max_error, ek.MaxError),
    (ek.huber_loss, ek.HuberLoss),
    (ek.r2_score, ek.R2Score),
    (ek.explained_variance_score, ek.ExplainedVariance),
]
WEIGHTED = [(f, c) for f, c in PAIRS if f is not ek.max_error]


def _keyword_options(f):
    params = inspect.signature(f).parameters.values()
    return {p.name: p.default for p in params if p.kind == p.KEYWORD_ONLY and p.name != "sample_weight"}


def test_function_class_and_declaration_have_the_same_options():
    for function, cls in PAIRS:
        assert _keyword_options(function) == _keyword_options(cls.__init__) == cls.options_type.defaults()
    assert _keyword_options(ek.median_absolute_error) == ek.MeanSquaredError.options_type.defaults()


@SETTINGS
@given(data=targets(), which=st.sampled_from(range(len(WEIGHTED))), raw=st.booleans())
def test_a_function_is_its_class_score(data, which, raw):
    # the function sums the batch by blocks, the class adds its rows: the same layout and formula, sums
    # in another order; a constant y_true (or error) leaves R² and explained variance a ratio of rounding
    # errors, which the functions keep as scikit-learn's two passes do (see test_constant_y_true_r2_policy)
    function, cls = WEIGHTED[which]
    y_true, y_pred, w = data
    if w is not None and not w.any():
        w = None  # all-zero weights: the function refuses them (tested above)
    constant = (
        np.ptp(np.atleast_2d(y_true.T), axis=1).min() == 0
        or np.ptp(np.atleast_2d((y_true - y_pred).T), axis=1).min() == 0
    )
    assume(not (constant and cls in (ek.R2Score, ek.ExplainedVariance)))
    options = {"multioutput": "raw_values"} if raw else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R² of one sample warns on both paths
        result = cls(**options)(y_true, y_pred, sample_weight=w)
        value = function(y_true, y_pred, sample_weight=w, **options)
        reference = _reference(function, y_true, y_pred, w, options)
    undefined = cls is ek.R2Score and len(y_true) < 2  # scikit-learn's scalar NaN, whatever multioutput says
    expected = result.components["per_output"] if raw and not undefined else result.score
    assert np.shape(value) == np.shape(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    # and both are the reference's number (the class's moments are shifted, so to 1e-9)
    np.testing.assert_allclose(expected, reference, rtol=1e-9, atol=1e-12)


def _reference(function, y_true, y_pred, w, options):
    """scikit-learn's value, or for the Huber loss (not in scikit-learn) its formula written out:
    0.5 e^2 where |e| <= delta = 1, else |e| - 0.5, weighted mean per output."""
    if function is not ek.huber_loss:
        return getattr(skm, function.__name__)(y_true, y_pred, sample_weight=w, **options)
    a = np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))
    per_output = np.average(np.where(a <= 1.0, 0.5 * a * a, a - 0.5), axis=0, weights=w)
    return per_output if options else np.mean(per_output)


@pytest.mark.parametrize(
    "weights",
    [[np.nan, 1.0], [1.0, np.inf], [1.0, -1.0], [0.0, 0.0], [[1.0, 2.0]], [], ["a", "b"]],
    ids=["nan", "inf", "negative", "zero-sum", "2-D", "empty", "text"],
)
def test_bad_multioutput_weights_are_refused_on_every_path(weights):
    y_true, y_pred = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]), np.array([[1.5, 2.0], [3.0, 3.0], [4.0, 7.5]])
    for function, cls in WEIGHTED:
        with pytest.raises(InvalidOptionError, match=rf"'multioutput' parameter of {function.__name__} must be"):
            function(y_true, y_pred, multioutput=weights)
        with pytest.raises(InvalidOptionError, match=rf"'multioutput' parameter of {cls.name} must be"):
            cls(multioutput=weights)
    with pytest.raises(InvalidOptionError, match="'multioutput' parameter of median_absolute_error"):
        ek.median_absolute_error(y_true, y_pred, multioutput=weights)


def test_nan_and_inf_multioutput_weights_raise_as_in_sklearn():
    # scikit-learn raises for these too (evalkit gave a silent NaN); negative weights and a zero sum are
    # refused by evalkit's declaration as well (scikit-learn computes with the first, divides by zero with the second)
    y_true, y_pred = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [3.0, 3.0]])
    for name in ["mean_squared_error", "mean_absolute_error", "r2_score", "explained_variance_score"]:
        for weights in ([np.nan, 1.0], [1.0, np.inf]):
            with pytest.raises(ValueError):
                getattr(skm, name)(y_true, y_pred, multioutput=weights)
            with pytest.raises(InvalidOptionError, match=r"finite non-negative weights with a positive sum"):
                getattr(ek, name)(y_true, y_pred, multioutput=weights)


@pytest.mark.parametrize("value", ["False", "True", 0, 1, None])
def test_force_finite_must_be_a_bool_on_every_path(value):
    for function, cls in [(ek.r2_score, ek.R2Score), (ek.explained_variance_score, ek.ExplainedVariance)]:
        with pytest.raises(InvalidOptionError, match=rf"'force_finite' parameter of {function.__name__} must be True"):
            function([2.0, 2.0, 2.0], [2.0, 2.5, 2.0], force_finite=value)
        with pytest.raises(InvalidOptionError, match=rf"'force_finite' parameter of {cls.name} must be True or False"):
            cls(force_finite=value)
    # a numpy bool is a bool: False keeps scikit-learn's -inf for a constant y_true
    with np.errstate(divide="ignore"):
        expected = skm.r2_score([2.0, 2.0, 2.0], [2.0, 2.5, 2.0], force_finite=False)
        assert ek.r2_score([2.0, 2.0, 2.0], [2.0, 2.5, 2.0], force_finite=np.bool_(False)) == expected


@pytest.mark.parametrize("delta", [0, -1.0, float("nan"), float("inf"), "1.0", None, True])
def test_huber_delta_is_checked_on_every_path(delta):
    with pytest.raises(InvalidOptionError, match=r"'delta' parameter of huber_loss must be"):
        ek.huber_loss([0.0], [1.0], delta=delta)
    with pytest.raises(InvalidOptionError, match=r"'delta' parameter of huber must be"):
        ek.HuberLoss(delta=delta)


def test_the_number_of_outputs_is_checked_when_the_data_come():
    y = np.ones((3, 2))
    with pytest.raises(InputError, match=r"as many multioutput weights \(3\) as outputs \(2\)"):
        ek.MeanSquaredError(multioutput=[1.0, 2.0, 3.0]).update(y, y)
    with pytest.raises(InputError, match="useful only with several outputs"):
        ek.R2Score(multioutput=[1.0, 2.0]).update([1.0, 2.0], [1.0, 2.5])
    with pytest.raises(InputError, match="max_error supports a single output; y_true has 2"):
        ek.MaxError().update(y, y)
    with pytest.raises(InputError, match="as many multioutput weights"):
        ek.median_absolute_error(y, y, multioutput=[1.0, 2.0, 3.0])


# -- counting: one layout, summed by rows or by blocks ---------------------------------------------------
@pytest.mark.parametrize(("function", "cls"), PAIRS)
def test_block_totals_equal_the_rows_and_sklearn(function, cls, monkeypatch):
    # the functions' fast path sums a batch block by block (7 samples a block here): the rows' layout and,
    # but for the rounding of sums in another order, their total (the s1 columns about the batch's own
    # mean are written as the zero they are)
    rng = np.random.default_rng(11)
    k = 1 if cls is ek.MaxError else 3
    y_true = 1e3 + rng.normal(size=(50, k))
    y_pred = y_true + rng.normal(size=(50, k))
    w = None if cls is ek.MaxError else rng.random(50)
    columns, options = cls.formula.columns, cls().options
    one = _moments.moment_total("test", columns, y_true, y_pred, w, options)
    monkeypatch.setattr(_moments, "_ONE_BLOCK", 0)
    monkeypatch.setattr(_moments, "_BLOCK", 7 * k)
    blocks = _moments.moment_total("test", columns, y_true, y_pred, w, options)
    rows = _moments.moment_rows("test", columns, y_true, y_pred, w, options)
    assert one[1] == blocks[1] == rows.space
    scale = np.abs(one[0]).max()
    np.testing.assert_allclose(blocks[0], one[0], rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(rows.total(), one[0], rtol=1e-12, atol=1e-12 * scale)
    args = (y_true[:, 0], y_pred[:, 0]) if k == 1 else (y_true, y_pred)
    if cls is ek.MaxError:
        assert function(*args) == skm.max_error(*args)
    else:
        assert function(*args, sample_weight=w) == pytest.approx(_reference(function, *args, w, {}), rel=1e-12)


# -- checkpoints: a tampered regression state is refused --------------------------------------------------
@pytest.mark.parametrize(
    ("cls", "change", "field"),
    [
        (ek.R2Score, lambda s: s["total"].__setitem__(-1, -4.0), "total"),  # a negative number of samples
        (ek.R2Score, lambda s: s["total"].__setitem__(-1, 2.5), "total"),  # a fractional one
        (ek.MaxError, lambda s: s["total"].__setitem__(0, -1.0), "total"),  # a negative largest error
        (ek.R2Score, lambda s: s.update(space=[3, s["space"][1] * 3, None]), "total"),  # 3 outputs, 1 output's total
        (ek.R2Score, lambda s: s.update(space=[1, None, None]), "space"),  # R² without its shift
        (ek.R2Score, lambda s: s.update(space=[1, [float("nan")], None]), "space"),
        (ek.MeanSquaredError, lambda s: s.update(space=None), "space"),
        (ek.MeanSquaredError, lambda s: s.update(space=[0, None, None]), "space"),
        (ek.MeanSquaredError, lambda s: s.update(space=[True, None, None]), "space"),
    ],
)
def test_a_tampered_state_is_refused(cls, change, field):
    state = json.loads(json.dumps(cls().update([1.0, 2.0, 4.0], [1.5, 2.0, 3.0]).state_dict()))
    cls().load_state_dict(copy.deepcopy(state))  # untouched: restored
    change(state)
    with pytest.raises(InputError, match=rf"load_state_dict\(\): '{field}' must"):
        cls().load_state_dict(state)


def test_a_state_of_other_outputs_than_the_weights_is_refused():
    y, p = np.ones((3, 3)), np.zeros((3, 3))
    state = ek.MeanSquaredError(multioutput=[1.0, 2.0, 3.0]).update(y, p).state_dict()
    state["total"] = state["total"][:1] + state["total"][-2:]
    state["reductions"] = state["reductions"][:1] + state["reductions"][-2:]
    state["space"] = [1, None, None]
    with pytest.raises(InputError, match="multioutput weights"):
        ek.MeanSquaredError(multioutput=[1.0, 2.0, 3.0]).load_state_dict(state)
