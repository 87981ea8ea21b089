"""Pearson, Spearman, Kendall's tau-b and tau-c against scipy.stats, run in the same test (its documentation
examples, random data with ties, integer weights as repeated pairs); Lin's CCC written out by hand and
against torchmetrics; merges, batching and permutations; undefined and bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.core import InputError
from evalkit.core.errors import UndefinedMetricWarning

ss = pytest.importorskip("scipy.stats")

CASES = {  # evalkit function, class, options, scipy's statistic
    "pearson": (ek.pearson_corrcoef, ek.PearsonCorrCoef, {}, lambda x, y: ss.pearsonr(x, y).statistic),
    "spearman": (ek.spearman_corrcoef, ek.SpearmanCorrCoef, {}, lambda x, y: ss.spearmanr(x, y).statistic),
    "tau-b": (ek.kendall_tau, ek.KendallTau, {}, lambda x, y: ss.kendalltau(x, y).statistic),
    "tau-c": (ek.kendall_tau, ek.KendallTau, {"variant": "c"}, lambda x, y: ss.kendalltau(x, y, variant="c").statistic),
}


def _tied(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 7, n).astype(float)
    return x, x + rng.integers(-2, 4, n), rng.integers(0, 4, n)


@pytest.mark.parametrize(
    ("name", "x", "y"),
    [
        ("pearson", [1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4]),  # scipy's pearsonr example
        ("spearman", [1, 2, 3, 4, 5], [5, 6, 7, 8, 7]),  # scipy's spearmanr example
        ("tau-b", [12, 2, 1, 12, 2], [1, 4, 7, 1, 0]),  # scipy's kendalltau example
        ("tau-c", [12, 2, 1, 12, 2], [1, 4, 7, 1, 0]),
    ],
)
def test_the_documentation_examples_equal_scipy(name, x, y):
    function, _, options, reference = CASES[name]
    assert function(x, y, **options) == pytest.approx(reference(x, y), rel=1e-14)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("n", [2, 3, 7, 60, 2000])
def test_random_data_with_ties_and_integer_weights_equal_scipy(name, n):
    function, _, options, reference = CASES[name]
    for seed in range(4):
        x, y, w = _tied(n, seed)
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        assert function(x, y, **options) == pytest.approx(reference(x, y), rel=1e-12, abs=1e-14)
        xr, yr = np.repeat(x, w), np.repeat(y, w)
        if len(xr) > 1 and np.ptp(xr) > 0 and np.ptp(yr) > 0:  # a weight is a count of the same pair
            assert function(x, y, sample_weight=w, **options) == pytest.approx(reference(xr, yr), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", CASES)
def test_batches_merges_and_checkpoints_give_the_whole(name):
    _, cls, options, reference = CASES[name]
    x, y, _ = _tied(900, 5)
    want = reference(x, y)
    left, right = cls(**options), cls(**options)
    for i in range(0, 500, 64):
        left.update(x[i : min(i + 64, 500)], y[i : min(i + 64, 500)])
    right.update(x[500:], y[500:])
    assert left.merge(right).compute().score == pytest.approx(want, rel=1e-12)
    restored = cls(**options).load_state_dict(json.loads(json.dumps(left.state_dict())))
    assert restored.compute().score == left.compute().score


def test_the_rank_state_is_the_table_of_distinct_pairs():
    m = ek.KendallTau().update([1, 2, 2, 1], [3, 3, 3, 3.5]).update([2], [3])
    assert m.space.tolist() == [[1.0, 3.0], [1.0, 3.5], [2.0, 3.0]]
    assert m.total.tolist() == [1.0, 1.0, 3.0]  # weights of the distinct pairs, not the pairs themselves


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=3, max_size=40),
    st.integers(1, 39),
    st.randoms(use_true_random=False),
    st.sampled_from(list(CASES)),
)
def test_merge_of_parts_and_permutation_are_the_whole(pairs, cut, rnd, name):
    function, cls, options, reference = CASES[name]
    x, y = (np.array(c, dtype=float) for c in zip(*pairs))
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return
    cut = min(cut, len(pairs) - 1)
    order = list(range(len(pairs)))
    rnd.shuffle(order)
    merged = cls(**options).update(x[cut:], y[cut:]).merge(cls(**options).update(x[:cut], y[:cut]))
    assert merged.compute().score == pytest.approx(reference(x, y), rel=1e-12, abs=1e-14)
    assert function(x[order], y[order], **options) == pytest.approx(reference(x, y), rel=1e-12, abs=1e-14)


def test_concordance_is_lins_formula_and_torchmetrics_with_ddof_1():
    x, y, w = _tied(300, 9)
    x, y = x + 0.5, 1.1 * y
    mx, my = x.mean(), y.mean()
    sxy, sxx, syy = ((x - mx) * (y - my)).mean(), ((x - mx) ** 2).mean(), ((y - my) ** 2).mean()
    assert ek.concordance_corrcoef(x, y) == pytest.approx(2 * sxy / (sxx + syy + (mx - my) ** 2), rel=1e-12)
    m = ek.ConcordanceCorrCoef()
    for i in range(0, 300, 70):
        m.update(x[i : i + 70], y[i : i + 70])
    assert m.compute().score == pytest.approx(ek.concordance_corrcoef(x, y), rel=1e-12)
    xr, yr = np.repeat(x, w), np.repeat(y, w)
    assert ek.concordance_corrcoef(x, y, sample_weight=w) == pytest.approx(ek.concordance_corrcoef(xr, yr), rel=1e-12)
    torch = pytest.importorskip("torch")
    tm = pytest.importorskip("torchmetrics.functional")
    want = float(tm.concordance_corrcoef(torch.as_tensor(y), torch.as_tensor(x)))
    assert ek.concordance_corrcoef(x, y, ddof=1) == pytest.approx(want, rel=1e-10)


def test_pearson_keeps_its_digits_about_a_large_mean():
    rng = np.random.default_rng(1)
    x = 1e9 + rng.normal(size=1000)
    y = x + rng.normal(size=1000)
    m = ek.PearsonCorrCoef()
    for i in range(0, 1000, 32):
        m.update(x[i : i + 32], y[i : i + 32])
    assert m.compute().score == pytest.approx(ss.pearsonr(x, y).statistic, rel=1e-9)


@pytest.mark.parametrize("name", CASES)
def test_constant_input_and_one_pair_are_nan_with_a_warning(name):
    function, _, options, reference = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(reference([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))  # scipy: NaN (pearsonr, spearmanr warn)
    with pytest.warns(UndefinedMetricWarning, match="constant"):
        assert np.isnan(function([1, 1, 1], [1, 2, 3], **options))
    with pytest.warns(UndefinedMetricWarning, match="fewer than two pairs"):
        assert np.isnan(function([1], [2], **options))  # scipy's pearsonr raises here; the others give NaN


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_named(name):
    function, _, options, _ = CASES[name]
    with pytest.raises(InputError, match=r"y_pred\[1\] is nan"):
        function([1, 2, 3], [1, float("nan"), 3], **options)
    with pytest.raises(InputError, match="same number of samples"):
        function([1, 2, 3], [1, 2], **options)
    with pytest.raises(InputError, match="1-D"):
        function([[1, 2], [3, 4]], [[1, 2], [3, 4]], **options)
    with pytest.raises(InputError, match="sample_weight"):
        function([1, 2, 3], [1, 2, 3], sample_weight=[0, 0, 0], **options)
    with pytest.raises(InputError, match=r"non-negative frequency weights.*sample_weight\[1\] is -1\.0"):
        function([1, 2, 3], [1, 2, 3], sample_weight=[1, -1, 1], **options)
    with pytest.raises(ek.InvalidOptionError, match="variant"):
        ek.kendall_tau([1, 2], [1, 2], variant="a")


def test_bootstrap_of_a_rank_correlation_resamples_the_pairs():
    from evalkit.stats.significance import bootstrap_ci

    x, y, _ = _tied(200, 3)
    metric = ek.KendallTau()
    ci = bootstrap_ci(metric, metric.stats(x, y), n_resamples=200, seed=1)
    assert float(ci.result) == pytest.approx(ss.kendalltau(x, y).statistic, rel=1e-12)
    assert ci.low < float(ci.result) < ci.high


def test_paired_tests_of_two_systems_read_their_own_tables():
    # two metrics' scores against the same human ratings: each system's table has its own distinct pairs,
    # and the swap test joins them (the frames' sorted union) to score each mixed assignment
    from evalkit.stats.significance import paired_approximate_randomization, paired_bootstrap

    rng = np.random.default_rng(0)
    human = rng.integers(1, 6, 300).astype(float)
    good, poor = ((human / 5 + rng.normal(0, s, 300)).round(1) for s in (0.2, 0.6))
    metric = ek.KendallTau()
    for test in (paired_bootstrap(metric, metric.stats(human, poor), metric.stats(human, good), n_resamples=200),
                 paired_approximate_randomization(metric, metric.stats(human, poor), metric.stats(human, good),
                                                  n_trials=200)):  # fmt: skip
        assert test.score == pytest.approx(ss.kendalltau(human, good).statistic, rel=1e-12)
        assert test.baseline_score == pytest.approx(ss.kendalltau(human, poor).statistic, rel=1e-12)
        assert test.p_value < 0.05  # tau-b 0.713 against 0.351 on 300 items


@pytest.mark.parametrize(("value", "n"), [(0.7, 3), (1 / 3, 10), (2.2, 6)])
def test_a_constant_whose_mean_rounds_is_still_constant(value, n):
    # np.full(n, value).mean() != value here: the centred sums of x are a few ulps, not zero; the extremes
    # kept beside the moments tell the constant exactly, as scipy's check of x == x[0] does
    x, y = np.full(n, value), np.arange(n, dtype=float)
    assert x.mean() != value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(ss.pearsonr(x, y).statistic)
    for function, cls in ((ek.pearson_corrcoef, ek.PearsonCorrCoef), (ek.concordance_corrcoef, ek.ConcordanceCorrCoef)):
        with pytest.warns(UndefinedMetricWarning, match="constant"):
            assert np.isnan(function(x, y))
        with pytest.warns(UndefinedMetricWarning, match="constant"):
            assert np.isnan(cls().update(x[:2], y[:2]).update(x[2:], y[2:]).compute().score)


def test_float16_inputs_and_weights_count_in_float64():
    # 3,000 pairs of weight 1 in float16 (whose sums stop counting at 2,048): the table's weights are float64
    rng = np.random.default_rng(2)
    x = rng.integers(0, 50, 3000).astype(np.float16)
    y = (x + rng.integers(0, 20, 3000)).astype(np.float16)
    w = np.ones(3000, dtype=np.float16)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    assert ek.spearman_corrcoef(x, y, sample_weight=w) == pytest.approx(ss.spearmanr(x64, y64).statistic, rel=1e-12)
    assert ek.kendall_tau(x, y, sample_weight=w) == pytest.approx(ss.kendalltau(x64, y64).statistic, rel=1e-12)
    assert ek.PearsonCorrCoef().update(x, y, sample_weight=w).compute().components["weight"] == 3000.0
