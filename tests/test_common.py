"""Invariances every registered metric must keep (scikit-learn's test_common idea, over the registry).

Each metric is built with its defaults and fed inputs of its ``task``: real glosses for text metrics,
labels for classification, values for regression.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
import random

import numpy as np
import pytest

import evalkit
from evalkit.core import EvalkitError, InputError, metric_class
from evalkit.lexicon.corpora import perturbed_pairs

METRICS = evalkit.available_metrics()
N = 240


def _inputs(task: str) -> tuple[list, list]:
    if task in ("text", "qa"):  # qa: predictions against lists of gold answers
        return perturbed_pairs(N, seed=7, max_refs=3)
    if task == "tokens":  # the same glosses as token ids, one id per distinct word
        hyps, refs = perturbed_pairs(N, seed=7, max_refs=3)
        vocabulary: dict[str, int] = {}
        ids = lambda line: [vocabulary.setdefault(w, len(vocabulary) + 1) for w in line.split()]  # noqa: E731
        return [ids(h) for h in hyps], [[ids(r) for r in rs] for rs in refs]
    rng = np.random.default_rng(7)
    if task == "lm":
        n_tokens = rng.integers(1, 30, N)
        return (n_tokens * rng.uniform(1, 6, N)).tolist(), n_tokens.tolist()
    if task == "logits":  # (N, 6, 5) logits and (N, 6) labels, some -100, every sequence with a scored token
        labels = rng.integers(0, 5, (N, 6))
        labels[:, 1:][rng.random((N, 5)) < 0.3] = -100
        return rng.normal(size=(N, 6, 5)).tolist(), labels.tolist()
    if task == "proba":
        y_true = rng.integers(0, 3, N)
        y_true[:3] = [0, 1, 2]  # every class in the first batch: a batch's labels index the columns
        return y_true.tolist(), rng.dirichlet(np.ones(3), size=N).tolist()
    if task == "classification":
        y_true = rng.integers(0, 4, N)
        y_pred = np.where(rng.random(N) < 0.6, y_true, rng.integers(0, 4, N))
        return y_true.tolist(), y_pred.tolist()
    if task == "regression":  # positive: in the domain of the log errors and the deviances too
        y_true = rng.gamma(2.0, size=N)
        return y_true.tolist(), (y_true * rng.lognormal(sigma=0.3, size=N)).tolist()
    if task == "retrieval":  # one row of 12 documents per query: graded relevance, some queries without any
        relevance = rng.integers(0, 3, (N, 12)) * (rng.random((N, 1)) < 0.9)
        return relevance.tolist(), rng.random((N, 12)).round(2).tolist()  # rounded: tied scores too
    if task == "multilabel_scores":  # indicator rows over 5 labels (some rows empty or full), tied scores
        return rng.integers(0, 2, (N, 5)).tolist(), rng.random((N, 5)).round(1).tolist()
    if task == "tags":  # sentences of 1-19 IOB-like tags; a fifth of the predicted tags changed
        names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
        y_true = [[names[k] for k in rng.integers(0, 7, n)] for n in rng.integers(1, 20, N)]
        y_pred = [[names[rng.integers(0, 7)] if rng.random() < 0.2 else t for t in s] for s in y_true]
        return y_true, y_pred
    raise AssertionError(f"no inputs for task {task!r}")


def _metric_inputs(cls) -> tuple[list, list]:
    """The inputs of ``cls``'s task as the metric takes them: one reference per segment where the class
    declares ``max_references = 1`` (NIST)."""
    a, b = _inputs(cls.task)
    if getattr(cls, "max_references", None) == 1:
        b = [refs[:1] for refs in b]
    return a, b


def _scores(result) -> list[float]:
    """The numbers of a Result, or of each Result a multi-result metric returns."""
    results = result.values() if isinstance(result, dict) else result if isinstance(result, list) else [result]
    return [float(r) for r in results]


@pytest.fixture(params=METRICS)
def case(request):
    cls = metric_class(request.param)
    if cls.task == "tokens":  # token-id BLEU counts on torch tensors (list inputs too)
        pytest.importorskip("torch")
    return cls, _metric_inputs(cls)


def test_registry_is_not_empty():
    assert {"bleu"} <= set(METRICS)


def test_batches_and_merge_equal_one_call(case):
    cls, (a, b) = case
    whole = _scores(cls()(a, b))
    batched = cls()
    for i in range(0, N, 70):
        batched.update(a[i : i + 70], b[i : i + 70])
    left, right = cls().update(a[:100], b[:100]), cls().update(a[100:], b[100:])
    assert _scores(batched.compute()) == pytest.approx(whole, rel=1e-12, abs=1e-12)
    assert _scores(left.merge(right).compute()) == pytest.approx(whole, rel=1e-12, abs=1e-12)
    assert batched.n_items == N


def test_permutation_invariance(case):
    cls, (a, b) = case
    order = list(range(N))
    random.Random(3).shuffle(order)
    shuffled = cls()([a[i] for i in order], [b[i] for i in order])
    assert _scores(shuffled) == pytest.approx(_scores(cls()(a, b)), rel=1e-12, abs=1e-12)


def test_a_metric_pickles_for_worker_processes(case):
    """multiprocessing, DataLoader workers and Dask send metrics (options and state) by pickle."""
    cls, (a, b) = case
    m = cls().update(a[:100], b[:100])
    restored = pickle.loads(pickle.dumps(m))
    assert type(restored) is cls
    assert _scores(restored.update(a[100:], b[100:]).compute()) == pytest.approx(_scores(cls()(a, b)), rel=1e-12)


def test_inputs_are_not_mutated(case):
    cls, (a, b) = case
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    cls()(a, b)
    assert (a, b) == (a0, b0)


def test_result_is_json_ready_and_signed(case):
    cls, (a, b) = case
    result = cls()(a, b)
    for r in result.values() if isinstance(result, dict) else [result]:
        d = r.to_dict()
        assert json.loads(json.dumps(d)) == d
        assert f"version:{evalkit.__version__}" in str(r.signature)
        assert "\n" not in str(r)


def test_mismatched_lengths_name_the_problem(case):
    cls, (a, b) = case
    with pytest.raises(InputError, match=r"length|has"):
        cls()(a, b[:-1])


def test_empty_input_is_an_evalkit_error(case):
    cls, _ = case
    with pytest.raises(EvalkitError):
        cls()([], [])


@pytest.mark.parametrize(
    ("function", "cls", "own"),
    [
        (evalkit.bleu, evalkit.BLEU, {}),
        (evalkit.sentence_bleu, evalkit.BLEU, {"effective_order": True}),  # sacrebleu.sentence_bleu's default
        (evalkit.meteor, evalkit.METEOR, {}),
        (evalkit.sentence_meteor, evalkit.METEOR, {}),
        (evalkit.rouge, evalkit.ROUGE, {}),
        (evalkit.sentence_rouge, evalkit.ROUGE, {}),
        (evalkit.bertscore, evalkit.BERTScore, {}),
        (evalkit.sentence_bertscore, evalkit.BERTScore, {}),
        (evalkit.chrf, evalkit.CHRF, {}),
        (evalkit.sentence_chrf, evalkit.CHRF, {}),
        *[(getattr(evalkit, f), getattr(evalkit, f.upper()), {}) for f in ("gleu", "nist", "ribes", "eed")],
        *[
            (getattr(evalkit, f"sentence_{f}"), getattr(evalkit, f.upper()), {})
            for f in ("gleu", "nist", "ribes", "eed")
        ],
        (evalkit.cider, evalkit.CIDEr, {}),
        (evalkit.sentence_cider, evalkit.CIDEr, {}),
        (evalkit.ter, evalkit.TER, {}),
        (evalkit.logit_perplexity, evalkit.LogitPerplexity, {}),
        (evalkit.token_accuracy, evalkit.TokenAccuracy, {}),
        (evalkit.sentence_ter, evalkit.TER, {}),
        (evalkit.squad, evalkit.Squad, {"na_prob": None}),  # na_prob: an input given by keyword
        (evalkit.sentence_squad, evalkit.Squad, {}),
        (evalkit.exact_match, evalkit.ExactMatch, {}),
        (evalkit.ner_f1, evalkit.NerF1, {}),
        *[  # scikit-learn's functions take sample_weight among their options; the classes take it per update
            (getattr(evalkit, f), getattr(evalkit, c), {"sample_weight": None, **own})
            for f, c, own in (
                ("brier_score_loss", "BrierScoreLoss", {}),
                ("calibration_error", "CalibrationError", {}),
                ("top_k_accuracy_score", "TopKAccuracy", {}),
                ("hinge_loss", "HingeLoss", {}),
                ("hamming_loss", "HammingLoss", {}),
                ("zero_one_loss", "ZeroOneLoss", {}),
                ("jaccard_score", "Jaccard", {"average": "binary"}),
                ("specificity_score", "Specificity", {"average": "binary"}),
                ("npv_score", "NegativePredictiveValue", {"average": "binary"}),
                ("coverage_error", "CoverageError", {}),
                ("label_ranking_average_precision_score", "LabelRankingAveragePrecision", {}),
                ("label_ranking_loss", "LabelRankingLoss", {}),
                ("roc_auc_score", "RocAuc", {"multi_class": "raise"}),
                ("average_precision_score", "AveragePrecision", {}),
                ("recall_at_fixed_precision", "RecallAtFixedPrecision", {}),
                ("precision_at_fixed_recall", "PrecisionAtFixedRecall", {}),
                ("sensitivity_at_specificity", "SensitivityAtSpecificity", {}),
            )
        ],
        *[  # the regression and correlation functions: sample_weight is an input given by keyword
            (getattr(evalkit, f), getattr(evalkit, c), {"sample_weight": None})
            for f, c in (
                ("mean_squared_log_error", "MeanSquaredLogError"),
                ("root_mean_squared_log_error", "RootMeanSquaredLogError"),
                ("mean_pinball_loss", "MeanPinballLoss"),
                ("mean_tweedie_deviance", "MeanTweedieDeviance"),
                ("mean_poisson_deviance", "MeanPoissonDeviance"),
                ("mean_gamma_deviance", "MeanGammaDeviance"),
                ("d2_tweedie_score", "D2TweedieScore"),
                ("pearson_corrcoef", "PearsonCorrCoef"),
                ("spearman_corrcoef", "SpearmanCorrCoef"),
                ("kendall_tau", "KendallTau"),
                ("concordance_corrcoef", "ConcordanceCorrCoef"),
                ("d2_pinball_score", "D2PinballScore"),
                ("d2_absolute_error_score", "D2AbsoluteErrorScore"),
                ("median_absolute_error", "MedianAbsoluteError"),
            )
        ],
        *[(getattr(evalkit, f), getattr(evalkit, f.upper()), {}) for f in ("wer", "cer", "mer", "wil", "wip")],
        *[
            (getattr(evalkit, f"sentence_{f}"), getattr(evalkit, f.upper()), {})
            for f in ("wer", "cer", "mer", "wil", "wip")
        ],
        *[
            (getattr(evalkit, f), getattr(evalkit, c), {"indexes": None})
            for f, c in (
                ("ndcg", "NDCG"),
                ("mrr", "MRR"),
                ("mean_average_precision", "MAP"),
                ("hit_rate", "HitRate"),
                ("precision_at_k", "PrecisionAtK"),
                ("recall_at_k", "RecallAtK"),
                ("r_precision", "RPrecision"),
            )
        ],
    ],
)
def test_functional_options_are_the_class_options(function, cls, own):
    # the functional forms spell out their options (help() and editors show them): keep them in step
    assert _written_options(function) == {**cls.options_type.defaults(), **own}


def _written_options(f) -> dict:
    params = inspect.signature(f).parameters.values()
    return {p.name: p.default for p in params if p.kind == p.KEYWORD_ONLY}


def test_the_class_signature_is_its_options_declaration(case):
    """Each option is written once, in the declaration; the written-out signature restates it for help()
    and editors, and must say the same (names and defaults)."""
    cls, _ = case
    assert _written_options(cls.__init__) == dict(cls.options_type.defaults())


# -- the state protocol, over every registered metric --------------------------------------------------
def _float_scores(values) -> list[float]:
    return [float(v) for v in np.atleast_1d(values)]


def test_rows_reduce_to_the_batch_total(case):
    cls, (a, b) = case
    m = cls()
    rows = m.rows(a, b)
    assert len(rows) == N
    updated = cls().update(a, b)
    np.testing.assert_allclose(rows.total(), updated.total, rtol=1e-12, atol=1e-12)
    assert _scores(m.fresh().add_rows(rows).compute()) == pytest.approx(_scores(updated.compute()), rel=1e-12)


def test_state_dict_round_trip_and_resume(case):
    cls, (a, b) = case
    saved = cls().update(a[:150], b[:150]).state_dict()
    saved = json.loads(json.dumps(saved, default=lambda x: x.tolist()))  # plain values survive a checkpoint file
    resumed = cls().load_state_dict(saved).update(a[150:], b[150:])
    assert _scores(resumed.compute()) == pytest.approx(_scores(cls()(a, b)), rel=1e-12, abs=1e-12)
    assert resumed.n_items == N
    with pytest.raises(EvalkitError):
        cls().load_state_dict({"metric": "no such metric", "signature": "x"})


def test_state_dict_loads_with_torch_weights_only(case):
    # torch.load's default (weights_only=True) refuses numpy arrays: a metric's state inside a model
    # checkpoint must be plain Python values
    torch = pytest.importorskip("torch")
    import io

    cls, (a, b) = case
    buffer = io.BytesIO()
    torch.save({"metric": cls().update(a[:150], b[:150]).state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)["metric"]
    resumed = cls().load_state_dict(saved).update(a[150:], b[150:])
    assert _scores(resumed.compute()) == pytest.approx(_scores(cls()(a, b)), rel=1e-12, abs=1e-12)


def test_forward_scores_the_batch_and_keeps_the_running_total(case):
    cls, (a, b) = case
    m = cls()
    first = m.forward(a[:120], b[:120])
    assert _scores(first) == pytest.approx(_scores(cls()(a[:120], b[:120])), rel=1e-12, abs=1e-12)
    m.forward(a[120:], b[120:])
    assert _scores(m.compute()) == pytest.approx(_scores(cls()(a, b)), rel=1e-12, abs=1e-12)


def test_bootstrap_ci_runs_and_is_seeded(case):
    from evalkit.stats.significance import bootstrap_ci

    cls, (a, b) = case
    m = cls()
    rows = m.rows(a, b)
    one = bootstrap_ci(m, rows, n_resamples=60, seed=3)
    two = bootstrap_ci(m, rows, n_resamples=60, seed=3)
    assert one.ci == two.ci and one.mean == two.mean
    assert one.low <= one.high
    assert one.result.score == pytest.approx(_scores(m(a, b))[0], rel=1e-12)


def test_merge_refuses_what_is_not_the_same_metric(case):
    cls, _ = case
    with pytest.raises(InputError):
        cls().merge(None)
    with pytest.raises(InputError):
        cls().merge(object())


def _converted(task, a, b, to):
    if task == "text":
        return a, b
    return to(a), to(b)


@pytest.mark.parametrize("container", ["tuple", "numpy", "torch"])
def test_list_tuple_numpy_and_tensor_inputs_agree(case, container):
    cls, (a, b) = case
    if cls.task in ("text", "tokens", "tags", "qa"):
        pytest.skip("strings (text, tags); token ids are ragged lists (their tensors are tested in test_token_bleu)")
    if container == "torch":
        torch = pytest.importorskip("torch")
        to = lambda x: torch.as_tensor(np.asarray(x))  # noqa: E731  (float64 stays float64)
    else:
        to = tuple if container == "tuple" else np.asarray
    assert _scores(cls()(*_converted(cls.task, a, b, to))) == pytest.approx(_scores(cls()(a, b)), rel=1e-12)


def _devices():
    try:
        import torch
    except ImportError:
        return ["cpu"]
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


@pytest.mark.parametrize("device", _devices())
def test_tensor_updates_keep_the_state_on_their_device(case, device):
    # a training loop's tensors: the statistics stay on the tensors' device (int64 counts, float64
    # moments) and only compute() and state_dict() reach the host; the numbers are the numpy path's
    cls, (a, b) = case
    if cls.task not in ("classification", "regression", "retrieval") or not getattr(cls, "keeps_device", True):
        pytest.skip("tensor states are for the classification and regression metrics (not host tables)")
    torch = pytest.importorskip("torch")
    to = lambda x: torch.as_tensor(np.asarray(x), device=device)  # noqa: E731
    on_device, on_host = cls(), cls()
    for i in range(0, N, 70):
        on_device.update(to(a[i : i + 70]), to(b[i : i + 70]))
        on_host.update(a[i : i + 70], b[i : i + 70])
    assert on_device.device.type == device and on_host.device is None
    assert on_device.n_items == on_host.n_items == N
    if cls.task == "classification":  # counts: exact
        assert np.array_equal(on_device.total, on_host.total)
    else:  # sums of float64 products, added in torch's order instead of numpy's
        np.testing.assert_allclose(on_device.total, on_host.total, rtol=1e-12, atol=1e-12)
    assert _scores(on_device.compute()) == pytest.approx(_scores(on_host.compute()), rel=1e-12, abs=1e-12)
    saved = json.loads(json.dumps(on_device.state_dict()))  # plain values on the host
    assert _scores(cls().load_state_dict(saved).compute()) == _scores(on_device.compute())
    batch = on_device.forward(to(a[:50]), to(b[:50]))
    assert _scores(batch) == pytest.approx(_scores(cls()(a[:50], b[:50])), rel=1e-12, abs=1e-12)
    resumed = cls().load_state_dict(on_host.state_dict()).update(to(a[:50]), to(b[:50]))  # host state joins
    assert resumed.device.type == device
    assert _scores(resumed.compute()) == pytest.approx(_scores(on_device.compute()), rel=1e-12, abs=1e-12)


def test_unordered_containers_are_refused(case):
    cls, (a, b) = case
    with pytest.raises(EvalkitError, match=r"(?i)order|set"):
        cls()(set(a[:5]) if cls.task == "text" else set(range(5)), b[:5])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_weights_accumulate_in_float64_whatever_their_dtype(dtype):
    # scikit-learn, in float64: 100,000 samples of weight 1, three quarters right
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    t = np.tile([0, 1, 1, 0], 25_000)
    p = np.tile([0, 1, 0, 0], 25_000)
    w = np.ones(len(t), dtype=dtype)
    assert evalkit.accuracy_score(t, p, sample_weight=w) == sklearn_metrics.accuracy_score(t, p)
    assert evalkit.Accuracy().update(t, p, sample_weight=w).compute().score == sklearn_metrics.accuracy_score(t, p)
    f1 = sklearn_metrics.f1_score(t, p, average="macro", sample_weight=w.astype(np.float64))
    assert evalkit.F1().update(t, p, sample_weight=w).compute().score == pytest.approx(f1, rel=1e-12)
    y = np.linspace(0, 1, len(t))
    mse = sklearn_metrics.mean_squared_error(y, y * 0.9, sample_weight=w.astype(np.float64))
    assert evalkit.MeanSquaredError().update(y, y * 0.9, sample_weight=w).compute().score == pytest.approx(mse)


def _bad_values(default):
    """Values no option with this default accepts: the wrong type, a string where a bool belongs, NaN."""
    if isinstance(default, bool):
        return ["false", 1, None]
    if isinstance(default, int):
        return ["3", 2.5, -(10**9), None]
    if isinstance(default, float):  # NaN unless it is the default itself (cohen_kappa's replace_undefined_by)
        return ["1.0", None] + ([] if default != default else [float("nan")])
    if isinstance(default, str):
        return ["no-such-choice", 3]
    return [{1, 2}, object()]


def _options(cls):
    # an option declared without a check takes any value on purpose (pos_label: any label, as scikit-learn)
    specs, defaults = cls.options_type.specs(), cls.options_type.defaults()
    return [(name, defaults[name]) for name, spec in specs.items() if spec.check is not None]


def test_bad_option_values_raise_an_error_naming_the_parameter(case):
    cls, (a, b) = case
    failures = []
    for name, default in _options(cls):
        for value in _bad_values(default):
            try:
                m = cls(**{name: value})
                m(a[:20], b[:20])
            except EvalkitError as e:
                if name not in str(e):
                    failures.append(f"{name}={value!r}: message without the name: {e}")
            except Exception as e:
                failures.append(f"{name}={value!r}: {type(e).__name__}: {e}")
            else:
                failures.append(f"{name}={value!r} accepted")
    assert not failures, "\n".join(failures)


def test_no_returned_value_changes_a_later_result(case):
    cls, (a, b) = case
    m = cls().update(a, b)
    before = _scores(m.compute())
    for value in (m.total, m.state_dict().get("total"), *m.compute().components.values(), m.space):
        if isinstance(value, np.ndarray) and value.flags.writeable and value.size:
            value[...] = 0
    assert _scores(m.compute()) == before
