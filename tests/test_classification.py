"""Classification metrics against scikit-learn (values and warnings), edge cases, errors, and the
stateful classes (any batch split, merge of workers that saw different labels, permutation)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from _oracle import run_recording
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit
from evalkit import classification as ek
from evalkit.core import InputError, InvalidOptionError

skm = pytest.importorskip("sklearn.metrics")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AVERAGES = [None, "binary", "micro", "macro", "weighted", "samples"]
ZERO_DIVISION = ["warn", 0, 1, np.nan]


def _assert_same(expected, got):
    if isinstance(expected, Exception):
        assert isinstance(got, ValueError), f"scikit-learn raised {expected!r}, evalkit returned {got!r}"
        return
    assert not isinstance(got, Exception), f"evalkit raised {got!r}, scikit-learn returned {expected!r}"
    if isinstance(expected, tuple):
        for a, b in zip(expected, got, strict=True):
            _assert_same(a, b)
    elif isinstance(expected, dict):
        assert expected.keys() == got.keys()
        for key in expected:
            _assert_same(expected[key], got[key])
    elif expected is None or isinstance(expected, str):
        assert got == expected
    else:
        assert np.shape(got) == np.shape(expected)
        np.testing.assert_allclose(np.asarray(got, float), np.asarray(expected, float), rtol=1e-12, atol=1e-12)


def _compare(name, *args, drop_warning: str | None = None, **kwargs):
    """Call scikit-learn's and evalkit's ``name`` on the same input: equal values, equal warnings."""
    expected, sk_warnings = run_recording(getattr(skm, name), *args, **kwargs)
    got, ek_warnings = run_recording(getattr(ek, name), *args, **kwargs)
    _assert_same(expected, got)
    if not isinstance(expected, Exception):
        if drop_warning:
            sk_warnings = {w for w in sk_warnings if not w[1].startswith(drop_warning)}
        # two typos in scikit-learn's kappa messages ("the the", "`labels`.`cohen..."), fixed in evalkit's
        sk_warnings = {(c, m.replace("the the ", "the ").replace("`.`", "`. `")) for c, m in sk_warnings}
        assert ek_warnings == sk_warnings
    return got


# -- input strategies ---------------------------------------------------------------------------------
@st.composite
def label_pairs(draw):
    """Binary, multiclass with absent classes, string, boolean labels, or multilabel indicators."""
    n = draw(st.integers(1, 14))
    kind = draw(st.sampled_from(["binary", "multiclass", "strings", "bools", "multilabel"]))
    if kind == "multilabel":
        k = draw(st.integers(2, 4))
        cells = st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k)
        y_true = np.array(draw(cells)).reshape(n, k)
        y_pred = np.array(draw(cells)).reshape(n, k)
    else:
        pool = {
            "binary": [0, 1],
            "multiclass": [0, 1, 2, 4, 7],  # gaps, and classes a sample may never use
            "strings": ["ant", "bee", "cat", "dog"],
            "bools": [False, True],
        }[kind]
        y_true = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
        y_pred = np.array(draw(st.lists(st.sampled_from(pool[1:] or pool), min_size=n, max_size=n)))
    weights = draw(
        st.none() | st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.5, 0.125]), min_size=n, max_size=n).map(np.array)
    )
    return y_true, y_pred, weights


# -- cross-checks against scikit-learn ------------------------------------------------------------------
@SETTINGS
@given(data=label_pairs(), average=st.sampled_from(AVERAGES), zero_division=st.sampled_from(ZERO_DIVISION))
def test_prf_family_equals_sklearn(data, average, zero_division):
    y_true, y_pred, w = data
    options = {"average": average, "zero_division": zero_division, "sample_weight": w}
    for name in ("precision_score", "recall_score", "f1_score", "precision_recall_fscore_support"):
        _compare(name, y_true, y_pred, **options)
    _compare("fbeta_score", y_true, y_pred, beta=0.5, **options)
    _compare("fbeta_score", y_true, y_pred, beta=2.0, **options)


@SETTINGS
@given(data=label_pairs())
def test_matrix_scores_equal_sklearn(data):
    y_true, y_pred, w = data
    _compare("accuracy_score", y_true, y_pred, sample_weight=w)
    _compare("accuracy_score", y_true, y_pred, sample_weight=w, normalize=False)
    _compare("multilabel_confusion_matrix", y_true, y_pred, sample_weight=w)
    _compare("confusion_matrix", y_true, y_pred, sample_weight=w)
    _compare("confusion_matrix", y_true, y_pred, sample_weight=w, normalize="true")
    _compare("confusion_matrix", y_true, y_pred, sample_weight=w, normalize="all")
    # scikit-learn builds its confusion matrix inside these and passes on that matrix's shape warning;
    # the scores themselves are well defined, so evalkit does not repeat it
    single = "A single label was found"
    _compare("balanced_accuracy_score", y_true, y_pred, sample_weight=w, drop_warning=single)
    _compare("balanced_accuracy_score", y_true, y_pred, sample_weight=w, adjusted=True, drop_warning=single)
    _compare("matthews_corrcoef", y_true, y_pred, sample_weight=w, drop_warning=single)
    for weights in (None, "linear", "quadratic"):
        _compare("cohen_kappa_score", y_true, y_pred, weights=weights, sample_weight=w, drop_warning=single)


@SETTINGS
@given(data=label_pairs(), zero_division=st.sampled_from(ZERO_DIVISION))
def test_classification_report_equals_sklearn(data, zero_division):
    y_true, y_pred, w = data
    _compare("classification_report", y_true, y_pred, sample_weight=w, output_dict=True, zero_division=zero_division)
    if w is None:  # the text shows supports in full; weighted sums may differ in their last digit
        _compare("classification_report", y_true, y_pred, digits=3, zero_division=zero_division)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "labels"),
    [
        ([0, 1, 2, 2, 4], [0, 2, 2, 1, 4], [2, 0]),
        ([0, 1, 2, 2, 4], [0, 2, 2, 1, 4], [9, 2, 5]),
        (["a", "b", "c", "a"], ["b", "b", "a", "a"], ["c", "a"]),
        (["a", "b", "c", "a"], ["b", "b", "a", "a"], [1, 2]),  # a number among strings: simply absent
        ([[1, 0, 1], [0, 1, 1]], [[1, 1, 0], [0, 1, 1]], [2, 0]),
    ],
)
@pytest.mark.parametrize("average", AVERAGES)
def test_labels_selection_equals_sklearn(y_true, y_pred, labels, average):
    for name in ("f1_score", "precision_recall_fscore_support"):
        _compare(name, y_true, y_pred, labels=labels, average=average)
    _compare("multilabel_confusion_matrix", y_true, y_pred, labels=labels)
    _compare("confusion_matrix", y_true, y_pred, labels=labels)
    _compare("classification_report", y_true, y_pred, labels=labels, output_dict=True)


@pytest.mark.parametrize("pos_label", [1, 0, 2, "a", True])
def test_pos_label_equals_sklearn(pos_label):
    for y_true, y_pred in (([0, 1, 1, 0], [1, 1, 0, 0]), ([0, 0], [0, 0]), ([True, False], [True, True])):
        for average in ("binary", "macro"):
            _compare("f1_score", y_true, y_pred, pos_label=pos_label, average=average)


# -- edge cases (the list) ---------------------------------------------------------------------
def test_single_class():
    _compare("f1_score", [1, 1, 1], [1, 1, 1])
    _compare("f1_score", [0, 0, 0], [0, 0, 0])  # pos_label 1 absent, one class: 0.0 and a warning
    _compare("confusion_matrix", ["x", "x"], ["x", "x"])  # warns about the 1x1 shape
    _compare("matthews_corrcoef", [3, 3], [3, 3], drop_warning="A single label")
    _compare("cohen_kappa_score", [3, 3], [3, 3], drop_warning="A single label")


def test_all_predictions_wrong():
    y_true, y_pred = [0, 1, 2, 0], [1, 2, 0, 2]
    for average in ("micro", "macro", "weighted"):
        _compare("f1_score", y_true, y_pred, average=average)
    _compare("accuracy_score", y_true, y_pred)
    _compare("classification_report", y_true, y_pred)  # supports show as "2.0", as scikit-learn's


def test_empty_labels_intersection():
    _compare("f1_score", [0, 1, 2], [0, 1, 1], labels=[5, 6], average="macro")
    _compare("f1_score", [0, 1, 2], [0, 1, 1], labels=[5, 6], average=None)
    _compare("f1_score", [0, 1, 2], [0, 1, 1], labels=[], average="macro")
    with pytest.raises(InputError, match="at least one label in 'labels' must occur in y_true"):
        ek.confusion_matrix([0, 1, 2], [0, 1, 1], labels=[5, 6])
    with pytest.raises(InputError, match="at least one label"):
        ek.confusion_matrix([0, 1, 2], [0, 1, 1], labels=[])


def test_zero_weights():
    # some zero: the samples still count as present labels; a zero-weight multilabel sample is undefined
    _compare("f1_score", [0, 1, 2], [0, 2, 2], sample_weight=[1.0, 0.0, 2.0], average="macro")
    _compare("f1_score", [[1, 0], [0, 1]], [[1, 1], [0, 0]], average="samples", sample_weight=[0.0, 1.0])
    _compare("confusion_matrix", [0, 1, 2], [0, 2, 2], sample_weight=[1, 0, 2])  # integer weights: int matrix
    for name in ("accuracy_score", "f1_score", "matthews_corrcoef", "confusion_matrix"):
        with pytest.raises(InputError, match="at least one non-zero"):
            getattr(ek, name)([0, 1], [0, 1], sample_weight=[0.0, 0.0])


# -- errors --------------------------------------------------------------------------------------------
def test_error_messages_name_what_is_wrong():
    with pytest.raises(
        InputError, match=r"same number of samples, but y_true has shape \(3,\), y_pred has shape \(2,\)"
    ):
        ek.f1_score([0, 1, 1], [0, 1])
    with pytest.raises(InputError, match="mix of label types"):
        ek.accuracy_score(["a", "b"], [1, 0])
    with pytest.raises(InputError, match=r"continuous values \(e.g. 0.7\).*y_pred >= 0.5"):
        ek.f1_score([0, 1], [0.7, 0.2])
    with pytest.raises(InputError, match=r"y_true must hold finite numbers, but y_true\[1\] is nan"):
        ek.accuracy_score([0.0, np.nan], [0, 1])
    with pytest.raises(InputError, match=r"pos_label='yes' is not a valid label. It should be one of \['a', 'b'\]"):
        ek.f1_score(["a", "b"], ["a", "a"], pos_label="yes")
    with pytest.raises(InputError, match="target is multiclass but average='binary'"):
        ek.f1_score([0, 1, 2], [0, 1, 2])
    with pytest.raises(InvalidOptionError, match=r"'average' parameter of f1_score must be one of .*'mean'.*"):
        ek.f1_score([0, 1], [0, 1], average="mean")
    with pytest.raises(InvalidOptionError, match="did you mean 'macro'"):
        ek.F1(average="marco")
    with pytest.raises(InvalidOptionError, match="'zero_division' parameter of recall_score"):
        ek.recall_score([0, 1], [0, 1], zero_division=2)
    with pytest.raises(InputError, match="multilabel indicators"):
        ek.f1_score([[0, 1], [1, 1]], [0, 1])
    with pytest.raises(InputError, match="not supported"):
        ek.matthews_corrcoef([[0, 1], [1, 1]], [[0, 1], [1, 0]])
    with pytest.raises(InputError, match="needs multilabel indicator targets"):
        ek.f1_score([0, 1], [0, 1], average="samples")
    with pytest.raises(TypeError, match="array-like"):
        ek.accuracy_score("abc", "abd")


def test_warning_says_how_to_silence_it_and_option_silences_it():
    with pytest.warns(evalkit.UndefinedMetricWarning, match="zero_division"):
        ek.precision_score([0, 1], [0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ek.precision_score([0, 1], [0, 0], zero_division=0) == 0.0


def test_pure_functions_do_not_change_inputs():
    y_true, y_pred, w = np.array([3, 1, 2, 1]), np.array([1, 1, 2, 0]), np.array([1.0, 2.0, 0.5, 1.0])
    copies = [a.copy() for a in (y_true, y_pred, w)]
    ek.f1_score(y_true, y_pred, average="macro", sample_weight=w, zero_division=0)
    ek.classification_report(y_true, y_pred, sample_weight=w, zero_division=0)
    for a, b in zip((y_true, y_pred, w), copies):
        np.testing.assert_array_equal(a, b)


def test_torch_and_list_inputs():
    torch = pytest.importorskip("torch")
    y_true, y_pred = [0, 2, 1, 1, 0], [0, 1, 1, 1, 2]
    expected = skm.f1_score(y_true, y_pred, average="macro")
    assert ek.f1_score(torch.tensor(y_true), torch.tensor(y_pred), average="macro") == pytest.approx(expected, abs=0)
    assert ek.F1(average="macro").update(torch.tensor(y_true), torch.tensor(y_pred)).compute().score == expected


def test_import_is_light():
    code = "import sys, evalkit; assert not {'torch', 'sklearn'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- stateful: update over any split == one call; merge; permutation -----------------------------------
CLASSES = [
    (ek.Accuracy, {}, lambda t, p, w: skm.accuracy_score(t, p, sample_weight=w)),
    (ek.F1, {"average": "macro"}, lambda t, p, w: skm.f1_score(t, p, average="macro", sample_weight=w)),
    (ek.F1, {"average": "weighted"}, lambda t, p, w: skm.f1_score(t, p, average="weighted", sample_weight=w)),
    (ek.Precision, {"average": "micro"}, lambda t, p, w: skm.precision_score(t, p, average="micro", sample_weight=w)),
    (ek.Recall, {"average": "macro"}, lambda t, p, w: skm.recall_score(t, p, average="macro", sample_weight=w)),
    (ek.FBeta, {"beta": 2.0, "average": "macro"}, lambda t, p, w: skm.fbeta_score(t, p, beta=2.0, average="macro", sample_weight=w)),
    (ek.BalancedAccuracy, {}, lambda t, p, w: skm.balanced_accuracy_score(t, p, sample_weight=w)),
    (ek.MatthewsCorrCoef, {}, lambda t, p, w: skm.matthews_corrcoef(t, p, sample_weight=w)),
    (ek.CohenKappa, {"weights": "linear"}, lambda t, p, w: skm.cohen_kappa_score(t, p, weights="linear", sample_weight=w)),
]  # fmt: skip


@st.composite
def split_data(draw):
    n = draw(st.integers(2, 40))
    pool = draw(st.sampled_from([[0, 1, 2, 5], ["x", "y", "z"]]))
    y_true = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    w = draw(st.none() | st.lists(st.floats(0.25, 4.0), min_size=n, max_size=n).map(np.array))
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=4, unique=True)))
    return y_true, y_pred, w, cuts


@SETTINGS
@given(data=split_data(), which=st.sampled_from(range(len(CLASSES))))
def test_update_over_any_split_equals_sklearn_on_all(data, which):
    cls, options, reference = CLASSES[which]
    y_true, y_pred, w, cuts = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = reference(y_true, y_pred, w)
        m = cls(**options)
        for part in np.split(np.arange(len(y_true)), cuts):
            m.update(y_true[part], y_pred[part], sample_weight=None if w is None else w[part])
        # two workers, each with its own label set, merged
        order = np.argsort(y_true, kind="stable")
        a, b = cls(**options), cls(**options)
        half = len(order) // 2
        for part, worker in ((order[:half], a), (order[half:], b)):
            worker.update(y_true[part], y_pred[part], sample_weight=None if w is None else w[part])
        merged = a.merge(b).compute().score
        # permutation invariance
        perm = np.random.default_rng(len(y_true)).permutation(len(y_true))
        permuted = cls(**options)(y_true[perm], y_pred[perm], sample_weight=None if w is None else w[perm]).score
        whole = m.compute().score
    for value in (whole, merged, permuted):
        np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)


def test_multilabel_samples_average_over_batches():
    rng = np.random.default_rng(7)
    y_true, y_pred = rng.integers(0, 2, (50, 4)), rng.integers(0, 2, (50, 4))
    w = rng.random(50)
    m = ek.F1(average="samples", zero_division=1)
    for part in np.array_split(np.arange(50), 7):
        m.update(y_true[part], y_pred[part], sample_weight=w[part])
    expected = skm.f1_score(y_true, y_pred, average="samples", sample_weight=w, zero_division=1)
    np.testing.assert_allclose(m.compute().score, expected, rtol=1e-12)


@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
def test_samples_average_over_a_subset_of_labels_over_batches(zero_division):
    rng = np.random.default_rng(11)
    y_true, y_pred = rng.integers(0, 2, (30, 4)), rng.integers(0, 2, (30, 4))
    w = rng.random(30)
    w[::7] = 0.0  # zero-weight samples are undefined, as in scikit-learn
    m = ek.F1(average="samples", labels=[3, 1], zero_division=zero_division)
    for part in np.array_split(np.arange(30), 4):
        m.update(y_true[part], y_pred[part], sample_weight=w[part])
    expected = skm.f1_score(
        y_true, y_pred, average="samples", labels=[3, 1], sample_weight=w, zero_division=zero_division
    )
    np.testing.assert_allclose(m.compute().score, expected, rtol=1e-12)


def test_confusion_matrix_class_and_merge_of_different_labels():
    a = ek.ConfusionMatrix().update(["cat", "dog"], ["cat", "cat"])
    b = ek.ConfusionMatrix().update(["eel"], ["dog"])
    result = a.merge(b).compute()
    assert result.components["labels"] == ["cat", "dog", "eel"]
    expected = skm.confusion_matrix(["cat", "dog", "eel"], ["cat", "cat", "dog"])
    np.testing.assert_array_equal(result.components["matrix"], expected)
    with pytest.raises(InputError, match="strings or both numbers"):
        ek.ConfusionMatrix().update([1], [1]).merge(ek.ConfusionMatrix().update(["a"], ["a"])).compute()


def test_registry_builds_metrics_by_name():
    m = evalkit.get_metric("f1", average="macro")
    assert isinstance(m, ek.F1)
    assert str(m.signature()).startswith("average:macro|beta:1|labels:none|pos_label:1|zero_division:warn")
    assert {"accuracy", "f1", "precision", "recall", "mcc", "confusion_matrix"} <= set(evalkit.available_metrics())
    with pytest.raises(InputError, match="zero"):
        ek.Accuracy().update([0], [0], sample_weight=[0.0]).compute()


# -- one declaration, one counting path, one formula (issue 23) -----------------------------------------------
@pytest.mark.parametrize(
    ("function", "cls", "own"),
    [
        (ek.precision_score, ek.Precision, {"average": "binary"}),  # scikit-learn's default; the classes': macro
        (ek.recall_score, ek.Recall, {"average": "binary"}),
        (ek.f1_score, ek.F1, {"average": "binary"}),
        (ek.fbeta_score, ek.FBeta, {"average": "binary", "beta": inspect.Parameter.empty}),  # beta is required
        (ek.precision_recall_fscore_support, ek.FBeta, {"average": None}),
        (ek.accuracy_score, ek.Accuracy, {}),
        (ek.confusion_matrix, ek.ConfusionMatrix, {}),
        (ek.balanced_accuracy_score, ek.BalancedAccuracy, {}),
        (ek.matthews_corrcoef, ek.MatthewsCorrCoef, {}),
        (ek.cohen_kappa_score, ek.CohenKappa, {}),
        (ek.log_loss, ek.LogLoss, {}),
    ],
)
def test_functional_options_are_the_class_declaration(function, cls, own):
    params = inspect.signature(function).parameters.values()
    written = {p.name: p.default for p in params if p.kind == p.KEYWORD_ONLY}
    written = {k: v for k, v in written.items() if k not in ("sample_weight", "warn_for")}  # inputs, not options
    assert written == {**cls.options_type.defaults(), **own}


@SETTINGS
@given(data=label_pairs(), average=st.sampled_from(["macro", "samples"]))
def test_a_batch_total_is_the_sum_of_its_rows(data, average):
    y_true, y_pred, w = data
    if y_true.ndim == 1:
        average = "macro"
    for metric in (ek.F1(average=average), ek.Precision(average=average, labels=[1, 0]), ek.Accuracy()):
        if y_true.ndim == 1 and metric.options_type is not ek.Accuracy.options_type:
            metric = ek.F1()  # labels=[1, 0] are multilabel columns; class labels take every label seen
        rows = metric.rows(y_true, y_pred, sample_weight=w)
        batch = metric.fresh().update(y_true, y_pred, sample_weight=w)
        assert np.array_equal(np.asarray(rows.space, dtype=object), np.asarray(batch.space, dtype=object))
        assert rows.total().dtype == batch.total.dtype
        if w is None:  # counts: equal to the last digit
            np.testing.assert_array_equal(rows.total(), batch.total)
        else:
            np.testing.assert_allclose(rows.total(), batch.total, rtol=1e-12, atol=1e-12)


def _resampled(metric, y_true, y_pred, w=None, n=30):
    rows = metric.rows(y_true, y_pred, sample_weight=w)
    index = np.random.default_rng(3).integers(0, len(rows), (n, len(rows)))
    return metric.fresh().add_rows(rows), rows.drawn_totals(index)


@pytest.mark.parametrize(
    ("cls", "options", "multilabel"),
    [
        (ek.F1, {"average": "macro"}, False),
        (ek.F1, {"average": "weighted", "zero_division": np.nan}, False),
        (ek.Precision, {"average": "micro"}, False),
        (ek.Recall, {"average": None}, False),
        (ek.F1, {"average": "macro", "labels": [5, 1, 9]}, False),
        (ek.FBeta, {"beta": 0.5, "average": "samples", "zero_division": 1}, True),
        (ek.F1, {"average": "macro", "labels": [2, 0]}, True),
        (ek.FBeta, {"beta": np.inf, "average": "weighted"}, True),
        (ek.Accuracy, {}, False),
        (ek.Accuracy, {"normalize": False}, True),
        (ek.ConfusionMatrix, {}, False),
        (ek.ConfusionMatrix, {"labels": [1, 5, 9]}, False),
        (ek.BalancedAccuracy, {"adjusted": True}, False),
        (ek.MatthewsCorrCoef, {}, False),
        (ek.CohenKappa, {"weights": "quadratic"}, False),
        (ek.CohenKappa, {"weights": "linear", "labels": [9, 5, 1, 2]}, False),
    ],
)
def test_vectorized_scores_are_the_score_of_each_total(cls, options, multilabel):
    # bootstrap resamples (some without the rare labels) scored at once equal each resample scored alone
    rng = np.random.default_rng(5)
    if multilabel:
        y_true, y_pred = rng.integers(0, 2, (40, 4)), rng.integers(0, 2, (40, 4))
    else:
        y_true = rng.choice([1, 2, 5, 5, 5, 1, 1, 9], 40)
        y_pred = np.where(rng.random(40) < 0.6, y_true, rng.choice([1, 2, 5, 7], 40))
    w = rng.uniform(0.5, 2, 40)
    scorer, totals = _resampled(cls(**options), y_true, y_pred, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_by_one = [scorer.score(total).score for total in totals]
    np.testing.assert_allclose(scorer.scores(totals), one_by_one, rtol=1e-12, atol=1e-15)


def test_the_functions_are_their_class_on_the_same_rows():
    rng = np.random.default_rng(9)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    w = rng.uniform(0, 3, 200)
    for function, cls, options in [
        (ek.f1_score, ek.F1, {"average": "weighted"}),
        (ek.precision_score, ek.Precision, {"average": "micro", "labels": [4, 0]}),
        (ek.accuracy_score, ek.Accuracy, {"normalize": False}),
        (ek.balanced_accuracy_score, ek.BalancedAccuracy, {"adjusted": True}),
        (ek.cohen_kappa_score, ek.CohenKappa, {"weights": "linear"}),
        (ek.matthews_corrcoef, ek.MatthewsCorrCoef, {}),
    ]:
        assert (
            function(y_true, y_pred, sample_weight=w, **options)
            == cls(**options)(y_true, y_pred, sample_weight=w).score
        )


def test_per_label_scores_on_the_class_are_the_functions():
    y_true, y_pred = [0, 1, 2, 2, 1, 0, 2, 1], [0, 2, 2, 2, 1, 1, 0, 1]
    result = ek.Recall(average=None).update(y_true, y_pred).compute()
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, average=None)
    for name, expected in (("precision", p), ("recall", r), ("f_score", f), ("support", s)):
        np.testing.assert_array_equal(result.components[name], expected)
    assert result.score == pytest.approx(skm.recall_score(y_true, y_pred, average="macro"), abs=1e-15)  # their mean
    assert str(result.signature).startswith("average:none|beta:1|labels:none")


def test_log_loss_normalize_on_the_class_and_checked_on_every_path():
    y_true, proba = [0, 2, 1, 2], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]]
    expected = skm.log_loss(y_true, proba, normalize=False)
    assert ek.log_loss(y_true, proba, normalize=False) == pytest.approx(expected, rel=1e-15)
    assert ek.LogLoss(normalize=False).update(y_true[:2], proba[:2]).update(y_true[2:], proba[2:]).compute().score == (
        pytest.approx(expected, rel=1e-15)
    )
    assert str(ek.LogLoss().signature()).startswith("labels:none|version")  # the default is not printed
    for make in (lambda: ek.log_loss(y_true, proba, normalize="yes"), lambda: ek.LogLoss(normalize=1)):
        with pytest.raises(InvalidOptionError, match="'normalize' parameter of log_loss must be True or False"):
            make()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_log_loss_refuses_nan_and_infinite_labels(bad):
    # scikit-learn refuses them; without labels= a NaN was counted as a third class and scored (1.68)
    proba = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.6, 0.2, 0.2], [0.3, 0.4, 0.3]]
    with pytest.raises(ValueError, match="contains"):
        skm.log_loss([0, 1, bad, 0], proba)
    for f in (ek.log_loss, ek.LogLoss().update):
        with pytest.raises(InputError, match=r"y_true\[2\] is"):
            f([0, 1, bad, 0], proba)


# -- options checked on every path, labels exact, checkpoints as input (issue 24) -----------------------------
def test_kappa_replace_undefined_by_is_checked_on_every_path():
    with pytest.raises(ValueError, match="replace_undefined_by"):  # scikit-learn refuses it too
        skm.cohen_kappa_score([0, 1], [0, 1], replace_undefined_by="x")
    for bad in ("x", 1.5, True, None):
        with pytest.raises(
            InvalidOptionError, match=r"'replace_undefined_by' parameter of cohen_kappa_score .*\[-1, 1\]"
        ):
            ek.cohen_kappa_score([0, 1], [0, 1], replace_undefined_by=bad)
        with pytest.raises(InvalidOptionError, match="'replace_undefined_by' parameter of cohen_kappa"):
            ek.CohenKappa(replace_undefined_by=bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.cohen_kappa_score([3, 3], [3, 3], replace_undefined_by=-0.5)  # one label: undefined
        assert ek.cohen_kappa_score([3, 3], [3, 3], replace_undefined_by=-0.5) == expected
        assert ek.CohenKappa(replace_undefined_by=-0.5)([3, 3], [3, 3]).score == expected


def test_labels_that_name_the_data_in_another_type_are_refused():
    y_true, y_pred = [0, 1, 1, 0], [0, 1, 0, 0]
    # scikit-learn's f1_score reads labels=["0", "1"] as the integers, its confusion_matrix does not: evalkit
    # gave 0.0 silently; now it says what is wrong on every path
    assert skm.f1_score(y_true, y_pred, labels=["0", "1"], average="macro") == skm.f1_score(
        y_true, y_pred, average="macro"
    )
    np.testing.assert_array_equal(skm.confusion_matrix(y_true, y_pred, labels=["0", "1"]), [[0, 0], [0, 0]])
    calls = [
        lambda: ek.f1_score(y_true, y_pred, labels=["0", "1"], average="macro"),
        lambda: ek.precision_recall_fscore_support(y_true, y_pred, labels=["0", "1"]),
        lambda: ek.F1(labels=["0", "1"]).update(y_true, y_pred).compute(),
        lambda: ek.confusion_matrix(y_true, y_pred, labels=["0", "1"]),
        lambda: ek.ConfusionMatrix(labels=["1"]).update(y_true, y_pred).compute(),
        lambda: ek.cohen_kappa_score(y_true, y_pred, labels=["0", "1"]),
        lambda: ek.classification_report(y_true, y_pred, labels=["0", "1"]),
        lambda: ek.multilabel_confusion_matrix(y_true, y_pred, labels=["0", "1"]),
        lambda: ek.f1_score(["1", "2"], ["1", "1"], labels=[1, 2], average="macro"),  # numbers among strings
    ]
    for call in calls:
        with pytest.raises(InputError, match=r"labels=\[.*\] holds (string|number)s, but y_true and y_pred hold"):
            call()
    # a label of the other type that names no label of the data is simply absent, as in scikit-learn
    expected = skm.f1_score(y_true, y_pred, labels=["cat"], average="macro", zero_division=0)
    assert ek.f1_score(y_true, y_pred, labels=["cat"], average="macro", zero_division=0) == expected


def test_integer_labels_of_any_size_stay_exact():
    big_true, big_pred = [2**64, 2**64 + 1, 2**64], [2**64, 2**64, 2**64 + 1]
    small_true, small_pred = [0, 1, 0], [0, 0, 1]  # the same labels, renamed in order
    with pytest.raises(ValueError):  # scikit-learn refuses integers beyond 64 bits ("unknown" targets)
        skm.accuracy_score(big_true, big_pred)
    assert ek.accuracy_score(big_true, big_pred) == skm.accuracy_score(small_true, small_pred)  # was 1.0
    assert ek.f1_score(big_true, big_pred, average="macro") == skm.f1_score(small_true, small_pred, average="macro")
    np.testing.assert_array_equal(ek.confusion_matrix(big_true, big_pred), skm.confusion_matrix(small_true, small_pred))
    # ints from 2**63 beside smaller ones: numpy reads such a list as float64, which would merge neighbours
    assert ek.accuracy_score([2**63, 2**63 + 1, 5], [2**63 + 1, 2**63 + 1, 5]) == pytest.approx(2 / 3)
    # int64 beside uint64 (numpy joins them as float64)
    t, p = np.array([-1, 5, 7]), np.array([2**63 + 1, 5, 2**63 + 2], dtype=np.uint64)
    assert ek.ConfusionMatrix()(t, p).components["labels"] == [-1, 5, 7, 2**63 + 1, 2**63 + 2]
    # a running state keeps them through a checkpoint
    state = json.loads(json.dumps(ek.F1().update(big_true, big_pred).state_dict()))
    resumed = ek.F1().load_state_dict(state).update(big_true, big_pred).compute().score
    assert resumed == skm.f1_score(small_true * 2, small_pred * 2, average="macro")


def _tampered(state, change):
    state = json.loads(json.dumps(state))
    change(state)
    return state


def test_a_tampered_classification_checkpoint_is_refused():
    y_true, y_pred = [0, 1, 2, 2, 1, 0, 2, 1], [0, 2, 2, 2, 1, 1, 0, 1]
    saved = ek.F1().update(y_true, y_pred).state_dict()
    changes = {
        "negative": lambda s: s["total"].__setitem__(0, -1),  # the accuracy of -0.333
        "short space": lambda s: s.__setitem__("space", [0, 1]),  # the F1 of 0.333
        "unsorted space": lambda s: s.__setitem__("space", [2, 0, 1]),
        "counts disagree": lambda s: s["total"].__setitem__(9, 5),
        "fractional count": lambda s: s["total"].__setitem__(10, 2.5),
    }
    for change in changes.values():  # the keys say what each tampering is
        with pytest.raises(InputError, match="load_state_dict"):
            ek.F1().load_state_dict(_tampered(saved, change))
    accuracy = ek.Accuracy().update(y_true, y_pred).state_dict()
    for change in (lambda s: s["total"].__setitem__(0, -1), lambda s: s["total"].__setitem__(0, 99)):
        with pytest.raises(InputError, match="load_state_dict"):
            ek.Accuracy().load_state_dict(_tampered(accuracy, change))
    multilabel = ek.F1(average="samples").update([[1, 0], [1, 1]], [[1, 1], [0, 1]]).state_dict()
    for change in (lambda s: s["space"].__setitem__(1, 3), lambda s: s["space"].__setitem__(2, None)):
        with pytest.raises(InputError, match="load_state_dict"):
            ek.F1(average="samples").load_state_dict(_tampered(multilabel, change))


def test_states_of_negative_sample_weights_are_restored():
    # scikit-learn takes negative sample weights, so a weighted total may hold negative sums: not refused
    y_true, y_pred, w = [0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1], [1.0, -0.5, 2.0, 1.0, -1.0, 1.0]
    reference = {
        ek.F1: skm.f1_score(y_true, y_pred, average="macro", sample_weight=w),
        ek.Accuracy: skm.accuracy_score(y_true, y_pred, sample_weight=w),
        ek.BalancedAccuracy: skm.balanced_accuracy_score(y_true, y_pred, sample_weight=w),
    }
    for cls, expected in reference.items():
        m = cls().update(y_true, y_pred, sample_weight=w)
        restored = cls().load_state_dict(_tampered(m.state_dict(), lambda s: None))
        assert restored.compute().score == pytest.approx(expected, rel=1e-12)
    restored = ek.ConfusionMatrix().load_state_dict(
        ek.ConfusionMatrix().update(y_true, y_pred, sample_weight=w).state_dict()
    )
    np.testing.assert_allclose(
        restored.compute().components["matrix"], skm.confusion_matrix(y_true, y_pred, sample_weight=w), rtol=1e-12
    )


def test_log_loss_takes_one_minus_p_in_float64_whatever_the_input_dtype():
    # 1 - p of a float16 probability is exact in float64 but rounds in float16 (scikit-learn computes it in
    # the input's dtype: 0.2432 here); evalkit equals scikit-learn on the same values read as float64
    p16 = np.array([0.1, 0.7, 0.333, 0.9], dtype=np.float16)
    y = [0, 1, 0, 1]
    expected = skm.log_loss(y, p16.astype(np.float64))
    assert evalkit.log_loss(y, p16) == pytest.approx(expected, rel=1e-15)
    assert evalkit.LogLoss()(y, p16).score == pytest.approx(expected, rel=1e-15)
    torch = pytest.importorskip("torch")
    assert evalkit.LogLoss()(torch.tensor(y), torch.from_numpy(p16)).score == pytest.approx(expected, rel=1e-15)
