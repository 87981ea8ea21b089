"""Classification and regression states on the tensors' device: checks, exact counts, host copies.

The registry-wide equality of tensor and numpy inputs is in test_common; here are the cases around it.
Expected values come from scikit-learn on the same data, or are computed by hand in the test.
"""

from __future__ import annotations

import numpy as np
import pytest

import evalkit as ek
from evalkit.core import InputError
from evalkit.stats.significance import bootstrap_ci

torch = pytest.importorskip("torch")
metrics = pytest.importorskip("sklearn.metrics")

DEVICES = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def _labels(device, n=500, k=5, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.7, t, rng.integers(0, k, n))
    return t, p, torch.as_tensor(t, device=device), torch.as_tensor(p, device=device)


def test_batches_missing_labels_join_on_the_device_and_equal_sklearn(device):
    t, p, tt, pt = _labels(device)
    m = ek.F1(average="macro")
    m.update(tt[:10][tt[:10] < 2], pt[:10][tt[:10] < 2])  # a batch that sees few labels
    m.update(tt[10:], pt[10:])
    keep = np.concatenate([np.flatnonzero(t[:10] < 2), np.arange(10, len(t))])
    assert m.device.type == device
    assert m.compute().score == pytest.approx(metrics.f1_score(t[keep], p[keep], average="macro"), rel=1e-15)
    cm = ek.ConfusionMatrix().update(tt, pt)
    assert cm.total.dtype == np.int64
    np.testing.assert_array_equal(cm.compute().components["matrix"], metrics.confusion_matrix(t, p))


def test_counts_beyond_float32_stay_exact_on_the_device(device):
    # torchmetrics' float32 counters stop at 2**24; int64 counts do not: 2**24 + 3 by hand
    m = ek.Accuracy()
    m.load_state_dict({**ek.Accuracy().update([1], [1]).state_dict(), "total": [2.0**24, 2.0**24]})
    m.update(torch.tensor([1, 0, 1], device=device), torch.tensor([1, 1, 1], device=device))
    assert m.device.type == device
    assert m.total.tolist() == [2**24 + 2, 2**24 + 3]
    c = ek.ConfusionMatrix()
    big = 2**24
    c.load_state_dict(
        {**ek.ConfusionMatrix().update([0, 1], [0, 1]).state_dict(), "total": [big, 0, 0, big, big, big, big, big]}
    )
    c.update(torch.tensor([0, 1, 1], device=device), torch.tensor([0, 1, 0], device=device))
    assert c.total.tolist() == [big + 1, 0, 1, big + 1, big + 1, big + 2, big + 2, big + 1]


def test_weighted_tensor_updates_equal_sklearn(device):
    t, p, tt, pt = _labels(device, seed=1)
    w = np.random.default_rng(2).uniform(0, 3, len(t))
    wt = torch.as_tensor(w, dtype=torch.float16, device=device)  # half weights accumulate in float64
    w16 = wt.cpu().double().numpy()
    for cls, fn in [
        (ek.Accuracy, metrics.accuracy_score),
        (ek.BalancedAccuracy, metrics.balanced_accuracy_score),
        (ek.MatthewsCorrCoef, metrics.matthews_corrcoef),
    ]:
        m = cls().update(tt[:200], pt[:200], sample_weight=wt[:200]).update(tt[200:], pt[200:], sample_weight=wt[200:])
        assert m.compute().score == pytest.approx(fn(t, p, sample_weight=w16), rel=1e-12)


def test_multilabel_indicator_tensors(device):
    rng = np.random.default_rng(3)
    t, p = rng.random((300, 4)) < 0.4, rng.random((300, 4)) < 0.4
    for average in ("samples", "macro", "micro"):
        m = ek.F1(average=average, zero_division=0)
        m.update(torch.as_tensor(t[:100], device=device), torch.as_tensor(p[:100], device=device))
        m.update(torch.as_tensor(t[100:] * 1, device=device), torch.as_tensor(p[100:] * 1, device=device))  # 0/1 ints
        assert m.device.type == device
        assert m.compute().score == pytest.approx(metrics.f1_score(t, p, average=average, zero_division=0), rel=1e-12)
    acc = ek.Accuracy().update(torch.as_tensor(t, device=device), torch.as_tensor(p, device=device))
    assert acc.compute().score == metrics.accuracy_score(t, p)


def test_regression_moments_about_a_large_mean_on_the_device(device):
    # the shift frame moves with the state: R² of values near 1e9 keeps its digits, as sklearn's two passes
    rng = np.random.default_rng(4)
    y = 1e9 + rng.normal(size=1000)
    pred = y + rng.normal(scale=0.3, size=1000)
    m = ek.R2Score()
    for i in range(0, 1000, 128):
        m.update(torch.as_tensor(y[i : i + 128], device=device), torch.as_tensor(pred[i : i + 128], device=device))
    assert m.compute().score == pytest.approx(metrics.r2_score(y, pred), rel=1e-9)
    ev = ek.ExplainedVariance().update(torch.as_tensor(y, device=device), torch.as_tensor(pred, device=device))
    assert ev.compute().score == pytest.approx(metrics.explained_variance_score(y, pred), rel=1e-9)


def test_a_list_beside_a_tensor_is_moved_to_its_device(device):
    t, p, tt, _ = _labels(device)
    m = ek.F1(average="micro").update(tt, p.tolist())
    assert m.device.type == device
    assert m.compute().score == pytest.approx(metrics.f1_score(t, p, average="micro"))
    r = ek.MeanAbsoluteError().update(tt.double(), p.tolist())
    assert r.device.type == device and r.compute().score == pytest.approx(metrics.mean_absolute_error(t, p))


@pytest.mark.parametrize(
    ("y_pred", "message"),
    [
        (lambda d: torch.tensor([0.2, 0.9, 0.4], device=d), r"continuous values \(e\.g\. 0\.2.*Threshold or argmax"),
        (lambda d: torch.tensor([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], device=d), r"probabilities, not labels.*argmax"),
        (lambda d: torch.tensor([0.0, float("nan"), 1.0], device=d), r"finite"),
        (lambda d: torch.tensor([[0, 1, 2], [2, 1, 0], [0, 0, 0]], device=d), r"not a multilabel indicator"),
        (lambda d: ["a", "b", "c"], r"mix of label types"),
        (lambda d: torch.tensor([0, 1], device=d), r"same number of samples"),
    ],
)
def test_bad_tensor_labels_give_the_array_message(device, y_pred, message):
    with pytest.raises(InputError, match=message):
        ek.F1(average="macro").update(torch.tensor([0, 1, 1], device=device), y_pred(device))


def test_bad_regression_tensors_name_the_fault(device):
    y = torch.tensor([1.0, 2.0, 3.0], device=device)
    with pytest.raises(InputError, match=r"y_pred\[1\] is nan"):
        ek.MeanSquaredError().update(y, torch.tensor([1.0, float("nan"), 3.0], device=device))
    with pytest.raises(InputError, match=r"sample_weight\[2\] is inf"):
        ek.MeanSquaredError().update(y, y, sample_weight=torch.tensor([1.0, 1.0, float("inf")], device=device))
    with pytest.raises(InputError, match=r"y_pred must be a 1-D or 2-D array of numbers"):
        ek.MeanSquaredError().update(y, torch.ones(3, 2, 2, device=device))


def test_device_rows_serve_the_host_paths(device):
    # rows kept for a bootstrap may come from tensors: the resampling runs on their host copy
    t, p, tt, pt = _labels(device, n=200)
    m = ek.F1(average="macro")
    on_device = bootstrap_ci(m, m.rows(tt, pt), n_resamples=50, seed=1)
    on_host = bootstrap_ci(m, m.rows(t, p), n_resamples=50, seed=1)
    assert on_device.ci == on_host.ci and on_device.result.score == on_host.result.score


def test_log_loss_tensors_stay_on_the_device_and_equal_sklearn(device):
    rng = np.random.default_rng(3)
    proba, y, w = rng.dirichlet([1, 1, 1], 300), rng.integers(0, 3, 300), rng.random(300).astype(np.float16)
    on = lambda x: torch.as_tensor(x, device=device)  # noqa: E731
    m = ek.LogLoss()  # classes 0..2, the columns of y_proba
    for i in range(0, 300, 70):
        m.update(on(y[i : i + 70]), on(proba[i : i + 70]), sample_weight=on(w[i : i + 70]))
    assert m.device.type == device
    expected = metrics.log_loss(y, proba, sample_weight=w.astype(np.float64))
    assert m.compute().score == pytest.approx(expected, rel=1e-12)
    # two classes: one probability per sample, the positive class's; the labels a list beside the tensor
    p, yb = rng.random(100), rng.integers(0, 2, 100)
    binary = ek.LogLoss(labels=[0, 1]).update(yb.tolist(), on(p))
    assert binary.device.type == device
    assert binary.compute().score == pytest.approx(metrics.log_loss(yb, p), rel=1e-12)
    # string classes cannot be tensors: those batches count on the host, as arrays do
    named = ek.LogLoss(labels=["ham", "spam"]).update(["spam", "ham"], on(np.array([[0.1, 0.9], [0.8, 0.2]])))
    assert named.device is None
    assert named.compute().score == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-12)


@pytest.mark.parametrize(
    ("y_true", "y_proba", "labels"),
    [
        ([0, 1], [[0.5, 0.5], [1.5, -0.5]], None),  # not probabilities
        ([0, 1], [[float("nan"), 1.0], [0.5, 0.5]], None),  # not finite
        ([0, 2], [[0.5, 0.5], [0.5, 0.5]], [0, 1]),  # a label outside labels=
        ([0.5, 1.0], [[0.5, 0.5], [0.5, 0.5]], [0, 1]),  # 0.5 is no class
        ([0, 1], [[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]], [0, 1]),  # three columns for two classes
    ],
)
def test_bad_log_loss_tensors_give_the_array_message(device, y_true, y_proba, labels):
    with pytest.raises(InputError) as on_host:
        ek.LogLoss(labels=labels).update(np.array(y_true), np.array(y_proba))
    with pytest.raises(InputError) as on_device:
        ek.LogLoss(labels=labels).update(torch.tensor(y_true, device=device), torch.tensor(y_proba, device=device))
    assert str(on_device.value) == str(on_host.value)


def test_log_loss_tensors_not_summing_to_one_warn_as_arrays(device):
    proba = [[0.5, 0.6], [0.5, 0.5]]
    with pytest.warns(UserWarning, match="do not sum to one"):
        m = ek.LogLoss().update(
            torch.tensor([0, 1], device=device), torch.tensor(proba, dtype=torch.float64, device=device)
        )
    assert m.device.type == device
    assert m.compute().score == pytest.approx(-np.log(0.5), rel=1e-12)  # p_true is 0.5 for both samples


@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")  # rounded to 8 or 11 bits, they need not
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_log_loss_of_low_precision_tensors_equals_sklearn_on_their_values(device, dtype):
    # the probabilities as stored (float16 and bfloat16 round them), read in float64 by scikit-learn: the log
    # is taken in float64 on every path, so the tensor, the array and scikit-learn agree to rounding
    rng = np.random.default_rng(5)
    y, proba = rng.integers(0, 3, 400), rng.dirichlet([2, 2, 2], 400)
    stored = torch.as_tensor(proba, device=device).to(getattr(torch, dtype))
    values = stored.float().cpu().numpy().astype(np.float64)
    expected = metrics.log_loss(y, values, labels=[0, 1, 2])
    m = ek.LogLoss().update(torch.as_tensor(y, device=device), stored)
    assert m.device.type == device
    assert m.compute().score == pytest.approx(expected, rel=1e-12)
    assert ek.log_loss(y, stored.cpu()) == pytest.approx(expected, rel=1e-12)


def test_log_loss_tensor_labels_beyond_float64_integers_stay_distinct(device):
    # 2**53 and 2**53 + 1 are one float64: compared as integers, the second is the second column
    classes = [2**53, 2**53 + 1]
    proba = [[0.9, 0.1]]
    on = lambda x: torch.tensor(x, dtype=torch.float64, device=device)  # noqa: E731
    m = ek.LogLoss(labels=classes).update(torch.tensor([2**53 + 1], device=device), on(proba))
    assert m.compute().score == pytest.approx(metrics.log_loss([2**53 + 1], proba, labels=classes), rel=1e-12)
    assert m.compute().score == pytest.approx(-np.log(0.1), rel=1e-12)
