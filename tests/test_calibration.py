"""Calibration: the Brier score and calibration_curve against scikit-learn, the calibration error against
torchmetrics, equal-mass bins against scikit-learn's quantile bins, merges and batching, bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import EvalkitError, InputError

sk = pytest.importorskip("sklearn.metrics")
sk_calibration = pytest.importorskip("sklearn.calibration")


def _data(seed: int, n: int = 400, classes: int = 2, decimals: int = 2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    # binary: rounded, so that probabilities tie and reach 0 and 1 themselves
    p = rng.random(n).round(decimals) if classes == 2 else rng.dirichlet(np.ones(classes), size=n)
    return y, p, rng.random(n) * 2


# -- Brier score -------------------------------------------------------------------------------------------------
def test_brier_score_on_scikit_learns_examples():
    y_true = np.array([0, 1, 1, 0])
    y_cat = np.array(["spam", "ham", "ham", "spam"])
    y_prob = np.array([0.1, 0.9, 0.8, 0.3])
    cases = [
        ((y_true, y_prob), {}),
        ((y_true, 1 - y_prob), {"pos_label": 0}),
        ((y_cat, y_prob), {"pos_label": "ham"}),
        ((y_true, y_prob > 0.5), {}),
        ((y_true, y_prob), {"scale_by_half": False}),
        ((["eggs", "ham", "spam"], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]]), {"labels": ["eggs", "ham", "spam"]}),
    ]  # fmt: skip
    for args, kwargs in cases:
        assert evalkit.brier_score_loss(*args, **kwargs) == sk.brier_score_loss(*args, **kwargs)


@pytest.mark.parametrize("seed", range(3))
def test_brier_score_equals_scikit_learn_on_random_data(seed):
    y, p, w = _data(seed)
    for kwargs in ({}, {"sample_weight": w}, {"pos_label": 0}, {"scale_by_half": False}):
        assert evalkit.brier_score_loss(y, p, **kwargs) == pytest.approx(sk.brier_score_loss(y, p, **kwargs), rel=1e-13)
    assert evalkit.brier_score_loss(y + 5, p) == sk.brier_score_loss(y + 5, p)  # the greater label is positive
    y3, p3, w3 = _data(seed, classes=4)
    for kwargs in ({}, {"sample_weight": w3}, {"scale_by_half": True}, {"labels": [0, 1, 2, 3]}):
        assert evalkit.brier_score_loss(y3, p3, **kwargs) == pytest.approx(
            sk.brier_score_loss(y3, p3, **kwargs), rel=1e-13
        )


def test_a_running_brier_score_over_batches_equals_scikit_learn():
    y, p, w = _data(5, classes=3)
    m = evalkit.BrierScoreLoss()
    for i in range(0, len(y), 64):  # most batches lack a class: the columns are the classes 0..2
        m.update(y[i : i + 64], p[i : i + 64], sample_weight=w[i : i + 64])
    assert m.compute().score == pytest.approx(sk.brier_score_loss(y, p, sample_weight=w), rel=1e-12)


# -- calibration error -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("n_bins", [1, 5, 15, 33])
def test_binary_calibration_error_equals_torchmetrics(norm, n_bins):
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import binary_calibration_error

    rng = np.random.default_rng(n_bins)
    y, p = rng.integers(0, 2, 500), rng.random(500)
    p[:5], p[5:10] = 1.0, 0.0  # torchmetrics gives confidences of exactly 1 a bin of their own
    expected = binary_calibration_error(torch.tensor(p), torch.tensor(y), n_bins=n_bins, norm=norm).item()
    assert evalkit.calibration_error(y, p, n_bins=n_bins, norm=norm) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    m = evalkit.CalibrationError(n_bins=n_bins, norm=norm).update(y[:123], p[:123]).update(y[123:], p[123:])
    assert m.compute().score == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
def test_multiclass_calibration_error_equals_torchmetrics(norm):
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import multiclass_calibration_error

    y, p, _ = _data(11, n=600, classes=4)
    expected = multiclass_calibration_error(torch.tensor(p), torch.tensor(y), num_classes=4, n_bins=10, norm=norm)
    # torchmetrics bins float32 copies of the probabilities: equal to float32's precision
    assert evalkit.calibration_error(y, p, n_bins=10, norm=norm) == pytest.approx(expected.item(), rel=1e-6)


def test_calibration_error_by_hand():
    # two bins of [0, 1]: [0, 0.5) holds 0.25 twice (one right), [0.5, 1) holds 0.75 twice (both right):
    # 0.5 * |0.5 - 0.25| + 0.5 * |1 - 0.75| = 0.25; max: 0.25; l2: sqrt(0.5 * 0.0625 * 2) = 0.25
    for norm in ("l1", "l2", "max"):
        assert evalkit.calibration_error([0, 1, 1, 1], [0.25, 0.25, 0.75, 0.75], n_bins=2, norm=norm) == 0.25
    result = evalkit.CalibrationError(n_bins=2)([0, 1, 1, 1], [0.25, 0.25, 0.75, 0.75])
    assert result.components == {
        "bins": [0, 1],
        "weight": [2.0, 2.0],
        "confidence": [0.25, 0.75],
        "accuracy": [0.5, 1.0],
    }


def test_weighted_calibration_error_is_the_repeated_samples_one():
    y, p, _ = _data(3)
    repeats = np.random.default_rng(3).integers(1, 4, len(y))
    weighted = evalkit.calibration_error(y, p, sample_weight=repeats.astype(float))
    assert weighted == pytest.approx(evalkit.calibration_error(np.repeat(y, repeats), np.repeat(p, repeats)), rel=1e-12)


@pytest.mark.parametrize("n_bins", [2, 5, 10])
def test_equal_mass_bins_are_scikit_learns_quantile_bins(n_bins):
    y, p, _ = _data(n_bins, n=701)
    # the bins of sklearn.calibration.calibration_curve(strategy="quantile"), written out
    edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    at = np.searchsorted(edges[1:-1], p)
    count, acc, conf = (np.bincount(at, weights=x, minlength=n_bins) for x in (np.ones(len(p)), y, p))
    kept = count > 0
    gap = np.abs(acc[kept] / count[kept] - conf[kept] / count[kept])
    share = count[kept] / len(p)
    prob_true, prob_pred = sk_calibration.calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    assert np.allclose(prob_true, acc[kept] / count[kept]) and np.allclose(prob_pred, conf[kept] / count[kept])
    for norm, expected in (("l1", (share * gap).sum()), ("max", gap.max()), ("l2", np.sqrt((share * gap**2).sum()))):
        got = evalkit.calibration_error(y, p, n_bins=n_bins, norm=norm, binning="equal_mass")
        assert got == pytest.approx(expected, rel=1e-12)


def test_equal_mass_bins_hold_as_many_samples_and_differ_from_equal_width():
    rng = np.random.default_rng(0)
    p = rng.beta(8, 2, 1000)  # confident scores: equal-width bins crowd at the top
    y = (rng.random(1000) < p**2).astype(int)
    mass = evalkit.CalibrationError(n_bins=10, binning="equal_mass")(y, p)
    assert mass.components["weight"] == [100.0] * 10
    width = evalkit.CalibrationError(n_bins=10)(y, p)
    assert width.components["weight"][-1] > 200 and mass.score != width.score


# -- calibration curve -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [1, 3, 5, 10])
def test_calibration_curve_equals_scikit_learn(strategy, n_bins):
    y, p, _ = _data(n_bins, n=257, decimals=1)  # many ties, and values on the edges
    got = evalkit.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    expected = sk_calibration.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    labels = np.where(y == 1, "yes", "no")
    got = evalkit.calibration_curve(labels, p, n_bins=n_bins, strategy=strategy, pos_label="yes")
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_calibration_curve_on_scikit_learns_example():
    y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])
    y_pred = np.array([0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0])
    got = evalkit.calibration_curve(y_true, y_pred, n_bins=3)
    assert all(np.array_equal(a, b) for a, b in zip(got, sk_calibration.calibration_curve(y_true, y_pred, n_bins=3)))


# -- merging and batching ----------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20)), min_size=2, max_size=60),
    st.integers(1, 59),
    st.sampled_from(["equal_width", "equal_mass"]),
)
def test_merge_of_parts_is_the_whole(items, cut, binning):
    y = np.array([a for a, _ in items])
    p = np.array([b / 20 for _, b in items])  # on the edges of 20 equal-width bins, with ties
    cut = min(cut, len(y) - 1)
    whole = evalkit.CalibrationError(n_bins=7, binning=binning).update(y, p)
    left = evalkit.CalibrationError(n_bins=7, binning=binning).update(y[:cut], p[:cut])
    right = evalkit.CalibrationError(n_bins=7, binning=binning).update(y[cut:], p[cut:])
    assert left.merge(right).compute().score == pytest.approx(whole.compute().score, rel=1e-12, abs=1e-15)
    order = np.random.default_rng(len(y)).permutation(len(y))
    shuffled = evalkit.CalibrationError(n_bins=7, binning=binning)(y[order], p[order]).score
    assert shuffled == pytest.approx(whole.compute().score, rel=1e-12, abs=1e-15)
    brier = evalkit.BrierScoreLoss()
    assert brier.update(y[:cut], p[:cut]).update(y[cut:], p[cut:]).compute().score == pytest.approx(
        sk.brier_score_loss(y, p), rel=1e-12, abs=1e-15
    )


def test_equal_mass_state_survives_a_checkpoint():
    y, p, _ = _data(8)
    m = evalkit.CalibrationError(binning="equal_mass").update(y[:200], p[:200])
    saved = json.loads(json.dumps(m.state_dict()))
    resumed = evalkit.CalibrationError(binning="equal_mass").load_state_dict(saved).update(y[200:], p[200:])
    assert resumed.compute().score == evalkit.calibration_error(y, p, binning="equal_mass")
    saved["total"][0] = -1
    with pytest.raises(InputError, match="non-negative"):
        evalkit.CalibrationError(binning="equal_mass").load_state_dict(saved)


# -- bad input ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: evalkit.brier_score_loss([0, 1], [0.2, 1.2]), r"y_proba must hold probabilities in \[0, 1\].*1\.2"),
        (lambda: evalkit.brier_score_loss([0, 1], [0.2, float("nan")]), r"y_proba must hold finite numbers"),
        (lambda: evalkit.brier_score_loss([0, 1, 2], [0.2, 0.3, 0.4]), r"3 classes"),
        (lambda: evalkit.brier_score_loss(["a", "b"], [0.2, 0.3]), r"pos_label"),
        (lambda: evalkit.brier_score_loss([0, 1], [0.2, 0.3, 0.4]), r"same number of samples"),
        (lambda: evalkit.brier_score_loss([0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), r"2 columns but there are 3"),
        (lambda: evalkit.calibration_error([0, 2], [0.2, 0.3]), r"y_true must hold 0 and 1"),
        (lambda: evalkit.calibration_error([0, 3], [[0.5, 0.5], [0.5, 0.5]]), r"column indices 0\.\.1"),
        (lambda: evalkit.calibration_error([0, 1], [-0.1, 0.3]), r"in \[0, 1\]"),
        (lambda: evalkit.calibration_error([0, 1], [0.1, 0.3], norm="l3"), r"'norm'"),
        (lambda: evalkit.calibration_error([0, 1], [0.1, 0.3], n_bins=0), r"'n_bins'"),
        (lambda: evalkit.calibration_error([0, 1], [0.1, 0.3], binning="equal_mass", sample_weight=[1, 2]), "sample_weight"),
        (lambda: evalkit.calibration_curve([0, 1], [0.1, 1.3]), r"y_prob must hold probabilities"),
        (lambda: evalkit.calibration_curve([0, 1, 2], [0.1, 0.3, 0.2]), r"3 classes"),
        (lambda: evalkit.calibration_curve([0, 1], [0.1, 0.3], strategy="kmeans"), r"'strategy'"),
        (lambda: evalkit.calibration_curve([], []), r"empty"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_error(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EvalkitError, match=match):
            call()


# -- the reliability diagram of evalkit report -------------------------------------------------------------------
def test_the_report_draws_the_reliability_diagram_of_a_score_run(tmp_path):
    pytest.importorskip("matplotlib")
    from click.testing import CliRunner

    import evalkit.plot
    from evalkit.cli import cli

    y, p, _ = _data(4, n=300)
    truth, proba = tmp_path / "y.txt", tmp_path / "p.txt"
    truth.write_text("".join(f"{v}\n" for v in y))
    proba.write_text("".join(f"{v!r}\n" for v in p.tolist()))
    page, png = tmp_path / "report.html", tmp_path / "reliability.png"
    args = ["report", "-m", "calibration_error(n_bins=7)", "--true", str(truth), str(proba)]
    assert CliRunner().invoke(cli, [*args, "--out", str(page)]).exit_code == 0
    assert 'id="reliability-section"' in page.read_text()
    assert CliRunner().invoke(cli, [*args, "--figure", "reliability", "--out", str(png)]).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the points drawn are the bins' mean confidence and accuracy, as computed here from the bins themselves
    result = evalkit.CalibrationError(n_bins=7)(y, p)
    at = (p * 7).astype(int)  # [k/7, (k+1)/7), and 1.0 alone: no probability of two decimals lies on an edge
    count = np.bincount(at, minlength=8)
    kept = count > 0
    conf = np.bincount(at, weights=p, minlength=8)[kept] / count[kept]
    acc = np.bincount(at, weights=y, minlength=8)[kept] / count[kept]
    points = evalkit.plot.reliability({"model": result}).collections[0].get_offsets()
    np.testing.assert_allclose(points, np.stack([conf, acc], axis=1), rtol=1e-12)
    with pytest.raises(EvalkitError, match="components"):
        evalkit.plot.reliability({"model": evalkit.BrierScoreLoss()(y, p)})


def test_float16_probabilities_are_read_in_float64():
    # a network's float16 outputs: the number is the float64 one of the same values (no float16 sums)
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import binary_calibration_error

    rng = np.random.default_rng(16)
    y, p16 = rng.integers(0, 2, 5000), rng.random(5000).astype(np.float16)
    p64 = p16.astype(np.float64)
    assert evalkit.brier_score_loss(y, p16) == sk.brier_score_loss(y, p64)
    expected = binary_calibration_error(torch.tensor(p64), torch.tensor(y), n_bins=10).item()
    assert evalkit.calibration_error(y, p16, n_bins=10) == pytest.approx(expected, rel=1e-12)
    assert evalkit.calibration_error(y, torch.tensor(p16), n_bins=10) == pytest.approx(expected, rel=1e-12)


def test_brier_warns_as_scikit_learn_where_probabilities_do_not_sum_to_one():
    rows = np.array([[0.5, 0.3, 0.3], [0.2, 0.7, 0.1], [0.2, 0.7, 0.1]])
    with pytest.warns(UserWarning, match="do not sum to one") as theirs:
        expected = sk.brier_score_loss([0, 1, 2], rows)
    with pytest.warns(UserWarning, match="do not sum to one") as ours:
        assert evalkit.brier_score_loss([0, 1, 2], rows) == expected
    assert str(ours[0].message) == str(theirs[0].message) and ours[0].filename == __file__
    float32 = np.random.default_rng(0).dirichlet(np.ones(10), 1000).astype(np.float32)  # sums round in float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert evalkit.brier_score_loss(np.arange(1000) % 10, float32) == pytest.approx(
            sk.brier_score_loss(np.arange(1000) % 10, float32), rel=1e-6
        )


def test_compare_calls_systems_identical_only_where_their_confidences_are(tmp_path):
    # p and p**2 rank the samples alike, so their score tables have equal cells in different frames: the
    # same ROC-AUC (identical), not the same calibration (a difference to test)
    from click.testing import CliRunner

    from evalkit.cli import cli

    y, p, _ = _data(12, n=200, decimals=3)
    files = {name: tmp_path / f"{name}.txt" for name in ("y", "base", "squared", "copy")}
    for name, values in (("y", y.tolist()), ("base", p.tolist()), ("squared", (p**2).tolist()), ("copy", p.tolist())):
        files[name].write_text("".join(f"{v!r}\n" for v in values))
    args = ["compare", "-m", "calibration_error(binning=equal_mass,n_bins=5)", "-m", "roc_auc", "-o", "json"]
    args += [
        "-n",
        "200",
        "--true",
        str(files["y"]),
        "-b",
        str(files["base"]),
        str(files["squared"]),
        str(files["copy"]),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    systems = json.loads(result.output)["systems"]
    squared, copy = systems[1]["scores"], systems[2]["scores"]
    ece, auc = "calibration_error(binning=equal_mass,n_bins=5)", "roc_auc"
    assert not squared[ece].get("identical") and squared[auc].get("identical")
    assert copy[ece].get("identical") and copy[auc].get("identical")
    assert squared[ece]["score"] == evalkit.calibration_error(y, p**2, n_bins=5, binning="equal_mass")


def _devices():
    try:
        import torch
    except ImportError:
        return []
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


@pytest.mark.parametrize("device", _devices())
@pytest.mark.parametrize("classes", [2, 4])
def test_equal_width_state_stays_on_the_tensors_device(device, classes):
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import binary_calibration_error, multiclass_calibration_error

    y, p, w = _data(21, n=900, classes=classes)
    to = lambda x: torch.as_tensor(x, device=device)  # noqa: E731
    on_device, on_host = evalkit.CalibrationError(n_bins=10), evalkit.CalibrationError(n_bins=10)
    for i in range(0, len(y), 250):
        on_device.update(to(y[i : i + 250]), to(p[i : i + 250]), sample_weight=to(w[i : i + 250]))
        on_host.update(y[i : i + 250], p[i : i + 250], sample_weight=w[i : i + 250])
    assert on_device.device.type == device and on_host.device is None
    np.testing.assert_allclose(on_device.total, on_host.total, rtol=1e-12, atol=1e-12)
    assert on_device.compute().score == pytest.approx(on_host.compute().score, rel=1e-12)
    resumed = evalkit.CalibrationError(n_bins=10).load_state_dict(json.loads(json.dumps(on_device.state_dict())))
    assert resumed.compute().score == on_device.compute().score
    # unweighted, against torchmetrics on the same device
    plain = evalkit.CalibrationError(n_bins=10).update(to(y), to(p)).compute().score
    if classes == 2:
        expected = binary_calibration_error(to(p), to(y), n_bins=10).item()
    else:
        expected = multiclass_calibration_error(to(p), to(y), num_classes=classes, n_bins=10).item()
    assert plain == pytest.approx(expected, rel=1e-12 if classes == 2 else 1e-6)
    with pytest.raises(InputError, match=r"in \[0, 1\]"):  # a fault on the device is named by the host's check
        evalkit.CalibrationError().update(to(y[:2]), to(p[:2] + 2))
