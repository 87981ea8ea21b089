"""Retrieval metrics against their reference libraries, run in the same process: pytrec_eval (trec_eval's
code) for the default convention, scikit-learn's ndcg_score for convention="sklearn", torchmetrics'
Retrieval* metrics for convention="torchmetrics"; random data with tied scores and graded relevance."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import EvalkitError, InputError, InputTypeError, InvalidOptionError
from evalkit.core.errors import UndefinedMetricWarning
from evalkit.retrieval import read_qrels, read_run

K = 5
# evalkit's metric, its options, pytrec_eval's measure
TREC = [
    (evalkit.NDCG, {"k": K}, f"ndcg_cut_{K}"),
    (evalkit.NDCG, {}, "ndcg"),
    (evalkit.MRR, {}, "recip_rank"),
    (evalkit.MAP, {}, "map"),
    (evalkit.MAP, {"k": K}, f"map_cut_{K}"),
    (evalkit.PrecisionAtK, {"k": K}, f"P_{K}"),
    (evalkit.RecallAtK, {"k": K}, f"recall_{K}"),
    (evalkit.RPrecision, {}, "Rprec"),
    (evalkit.HitRate, {"k": K}, f"success_{K}"),
]


def _trec_data(seed: int, n_queries: int = 60) -> tuple[dict, dict]:
    """Graded qrels (some queries without a relevant document) and runs with many tied scores, some judged
    documents unretrieved and some retrieved ones unjudged."""
    rng = np.random.default_rng(seed)
    qrels, run = {}, {}
    for q in range(n_queries):
        pool = [f"d{i}" for i in rng.choice(50, 30, replace=False)]
        top = 1 if q % 7 == 0 else 4  # every 7th query: relevance 0 only
        qrels[f"q{q}"] = {d: int(rng.integers(0, top)) for d in pool[: int(rng.integers(1, 20))]}
        retrieved = rng.choice(pool, int(rng.integers(1, 30)), replace=False)
        run[f"q{q}"] = {str(d): float(rng.integers(0, 8)) / 8 for d in retrieved}  # 8 score levels: ties
    return qrels, run


@pytest.fixture(scope="module")
def trec_case():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = _trec_data(0)
    measures = {m for _, _, m in TREC}
    per_query = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    return qrels, run, per_query


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize(("cls", "options", "measure"), TREC, ids=[m for _, _, m in TREC])
def test_trec_eval_convention_equals_pytrec_eval(trec_case, cls, options, measure, backend):
    qrels, run, reference = trec_case
    metric = cls(backend=backend, **options)
    ours = metric.per_query(qrels, run)
    assert ours.keys() == reference.keys()
    for q in reference:
        assert ours[q] == pytest.approx(reference[q][measure], abs=1e-12), q
    expected = np.mean([reference[q][measure] for q in reference])
    assert metric(qrels, run).score == pytest.approx(expected, abs=1e-12)


def test_trec_eval_breaks_ties_by_document_id_descending():
    # three documents tied at 0.5: trec_eval ranks c, b, a (document id descending), so P@1 = rel(c)
    qrels = {"q": {"a": 1, "b": 0, "c": 0}}
    run = {"q": {"a": 0.5, "b": 0.5, "c": 0.5}}
    assert evalkit.precision_at_k(qrels, run, k=1).score == 0.0
    assert evalkit.mrr(qrels, run).score == pytest.approx(1 / 3)  # a is third
    pytrec_eval = pytest.importorskip("pytrec_eval")
    assert pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(run)["q"]["recip_rank"] == pytest.approx(
        1 / 3
    )


def test_ties_at_the_end_of_one_query_and_the_start_of_the_next_stay_apart():
    # q1's last documents and q2's first share a score: each query's tie is broken on its own
    qrels = {"q1": {"a": 1, "b": 0, "z": 1}, "q2": {"c": 1, "d": 0}}
    run = {"q1": {"z": 0.9, "a": 0.5, "b": 0.5}, "q2": {"c": 0.5, "d": 0.5}}
    # q1: z, b, a -> AP (1 + 2/3) / 2; q2: d, c -> AP 1/2
    assert evalkit.MAP().per_query(qrels, run) == pytest.approx({"q1": (1 + 2 / 3) / 2, "q2": 0.5})
    pytrec_eval = pytest.importorskip("pytrec_eval")
    reference = pytrec_eval.RelevanceEvaluator(qrels, {"map"}).evaluate(run)
    assert {q: v["map"] for q, v in reference.items()} == pytest.approx(evalkit.MAP().per_query(qrels, run))


def test_trec_files_read_as_pytrec_eval_reads_them(tmp_path):
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = _trec_data(1, 20)
    qrels_path, run_path = tmp_path / "qrels.txt", tmp_path / "run.txt"
    qrels_path.write_text("".join(f"{q} 0 {d} {r}\n" for q, js in qrels.items() for d, r in js.items()))
    run_path.write_text(
        "".join(f"{q} Q0 {d} {i + 1} {s} tag\n" for q, ds in run.items() for i, (d, s) in enumerate(ds.items()))
    )
    with open(qrels_path) as f:
        assert read_qrels(qrels_path) == pytrec_eval.parse_qrel(f)
    with open(run_path) as f:
        assert read_run(run_path) == pytrec_eval.parse_run(f)
    reference = pytrec_eval.RelevanceEvaluator(read_qrels(qrels_path), {"map"}).evaluate(read_run(run_path))
    expected = np.mean([r["map"] for r in reference.values()])
    assert evalkit.mean_average_precision(read_qrels(qrels_path), read_run(run_path)).score == pytest.approx(expected)


# -- scikit-learn -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [None, 1, 3, 10])
def test_sklearn_convention_equals_ndcg_score_with_ties(k):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(k or 0)
    y_true = rng.integers(0, 4, (50, 10))
    y_true[:3] = 0  # queries without a relevant document: 0 in scikit-learn (empty_target_action="neg")
    y_score = rng.integers(0, 4, (50, 10)) / 4  # four score levels: many ties, whose gains scikit-learn averages
    expected = sklearn_metrics.ndcg_score(y_true, y_score, k=k)
    for backend in ("python", "numpy"):
        assert evalkit.ndcg(y_true, y_score, k=k, convention="sklearn", backend=backend).score == pytest.approx(
            expected, abs=1e-12
        )
    # exponential gain is scikit-learn's linear gain of 2**r - 1
    expected_exp = sklearn_metrics.ndcg_score(2.0**y_true - 1, y_score, k=k)
    assert evalkit.ndcg(y_true, y_score, k=k, convention="sklearn", gain="exponential").score == pytest.approx(
        expected_exp, abs=1e-12
    )


def test_exponential_gain_by_hand():
    # ranking rel 1, 3: DCG = (2**1 - 1) / 1 + (2**3 - 1) / log2(3); ideal 3, 1: 7 / 1 + 1 / log2(3)
    dcg, ideal = 1 + 7 / np.log2(3), 7 + 1 / np.log2(3)
    assert evalkit.ndcg([[1, 3]], [[0.9, 0.1]], gain="exponential").score == pytest.approx(dcg / ideal, abs=1e-15)


def test_ties_measured_difference_between_conventions():
    # one relevant document among four tied: trec_eval's order (given order here: no document ids) vs
    # scikit-learn's average of the tied gains over the four discounts
    y_true, y_score = [[0, 0, 0, 1]], [[0.5, 0.5, 0.5, 0.5]]
    discounts = 1 / np.log2(np.arange(2, 6))
    assert evalkit.ndcg(y_true, y_score).score == pytest.approx(discounts[3])  # last of four, as given
    assert evalkit.ndcg(y_true, y_score, convention="sklearn").score == pytest.approx(discounts.sum() / 4)


# -- torchmetrics -----------------------------------------------------------------------------------------
def _flat_data(seed: int, n_queries: int = 40) -> tuple:
    """Flat torchmetrics-style arrays: distinct scores (float32-exact; some negative: torchmetrics' quirk of
    a positive score), binary and graded targets, some queries without a positive."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 15, n_queries)
    indexes = np.repeat(rng.permutation(n_queries) * 3, sizes)  # sparse, unordered query ids
    n = len(indexes)
    preds = (rng.permutation(n) - n // 5) / 1024  # distinct; exact in float32
    binary = (rng.random(n) < 0.3).astype(np.int64)
    graded = rng.integers(0, 4, n) * binary
    order = rng.permutation(n)  # entries of a query scattered
    as_t = lambda x: torch.as_tensor(x[order])  # noqa: E731
    return torch, as_t(indexes), as_t(preds).float(), as_t(binary), as_t(graded)


TORCHMETRICS = [
    ("RetrievalNormalizedDCG", evalkit.NDCG, {"top_k": 3}, {"k": 3}),
    ("RetrievalNormalizedDCG", evalkit.NDCG, {}, {}),
    ("RetrievalMRR", evalkit.MRR, {"top_k": 2}, {"k": 2}),
    ("RetrievalMRR", evalkit.MRR, {}, {}),
    ("RetrievalMAP", evalkit.MAP, {"top_k": 3}, {"k": 3}),
    ("RetrievalMAP", evalkit.MAP, {}, {}),
    ("RetrievalPrecision", evalkit.PrecisionAtK, {"top_k": 5}, {"k": 5}),
    ("RetrievalPrecision", evalkit.PrecisionAtK, {"top_k": 5, "adaptive_k": True}, {"k": 5, "adaptive_k": True}),
    ("RetrievalPrecision", evalkit.PrecisionAtK, {}, {}),
    ("RetrievalRecall", evalkit.RecallAtK, {"top_k": 3}, {"k": 3}),
    ("RetrievalHitRate", evalkit.HitRate, {"top_k": 2}, {"k": 2}),
    ("RetrievalRPrecision", evalkit.RPrecision, {}, {}),
]


@pytest.mark.parametrize("action", ["neg", "pos", "skip"])
@pytest.mark.parametrize(
    ("tm_name", "cls", "tm_options", "options"),
    TORCHMETRICS,
    ids=[f"{t}-{sorted(o.items())}" for t, _, o, _ in TORCHMETRICS],
)
def test_torchmetrics_convention_equals_torchmetrics(tm_name, cls, tm_options, options, action):
    retrieval = pytest.importorskip("torchmetrics.retrieval")
    _, indexes, preds, binary, graded = _flat_data(3)
    target = graded if cls is evalkit.NDCG else binary
    reference = getattr(retrieval, tm_name)(empty_target_action=action, **tm_options)
    expected = float(reference(preds, target, indexes=indexes))
    metric = cls(convention="torchmetrics", empty_target_action=action, **options)
    assert metric(target, preds, indexes=indexes).score == pytest.approx(expected, abs=1e-6)
    # batches of entries, as a training loop feeds torchmetrics (a query's entries in several batches are
    # not one query there either: evalkit's rows are per batch, so batches here hold whole queries)


@pytest.mark.parametrize("aggregation", ["min", "max"])
def test_torchmetrics_aggregation_and_ignore_index(aggregation):
    retrieval = pytest.importorskip("torchmetrics.retrieval")
    torch, indexes, preds, binary, _ = _flat_data(4)
    target = torch.where(torch.arange(len(binary)) % 9 == 0, torch.tensor(-100), binary)
    options = {"empty_target_action": "skip", "ignore_index": -100, "aggregation": aggregation}
    expected = float(retrieval.RetrievalMRR(**options)(preds, target, indexes=indexes))
    ours = evalkit.mrr(target, preds, indexes=indexes, convention="torchmetrics", **options).score
    assert ours == pytest.approx(expected, abs=1e-6)
    # merged halves (a max/min column, reduced as declared) give the same
    a, b = evalkit.MRR(convention="torchmetrics", **options), evalkit.MRR(convention="torchmetrics", **options)
    half = (indexes < 60).numpy()
    a.update(target[half], preds[half], indexes=indexes[half])
    b.update(target[~half], preds[~half], indexes=indexes[~half])
    assert a.merge(b).compute().score == pytest.approx(expected, abs=1e-6)


def test_torchmetrics_quirk_a_relevant_document_needs_a_positive_score():
    # torchmetrics' MRR ignores a relevant document scored <= 0; trec_eval ranks it
    retrieval = pytest.importorskip("torchmetrics.retrieval")
    torch = pytest.importorskip("torch")
    preds, target, indexes = torch.tensor([0.5, -0.1]), torch.tensor([0, 1]), torch.tensor([0, 0])
    assert float(retrieval.RetrievalMRR()(preds, target, indexes=indexes)) == 0.0
    assert evalkit.mrr(target, preds, indexes=indexes, convention="torchmetrics").score == 0.0
    assert evalkit.mrr(target, preds, indexes=indexes).score == 0.5


def test_median_aggregation_is_refused_with_the_way_to_get_it():
    with pytest.raises(InvalidOptionError, match=r"aggregation.*median.*per_query"):
        evalkit.MRR(aggregation="median")
    values = evalkit.MRR().per_query([[1, 0], [0, 1], [1, 0]], [[0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])
    assert np.median(list(values.values())) == 0.5  # 1, 0.5, 0.5


# -- layouts, backends, merging ---------------------------------------------------------------------------
def test_three_layouts_give_one_score():
    rng = np.random.default_rng(5)
    rel, score = rng.integers(0, 3, (30, 8)), rng.permutation(240).reshape(30, 8) / 240
    qrels = {f"q{i}": {f"d{j}": int(rel[i, j]) for j in range(8)} for i in range(30)}
    run = {f"q{i}": {f"d{j}": float(score[i, j]) for j in range(8)} for i in range(30)}
    indexes = np.repeat(np.arange(30), 8)
    for cls, options in [(c, o) for c, o, _ in TREC]:
        a = cls(**options)(qrels, run).score
        b = cls(**options)(rel, score).score
        c = cls(**options)(rel.ravel(), score.ravel(), indexes=indexes).score
        d = cls(**options)([list(r) for r in rel], [list(s) for s in score]).score
        assert a == pytest.approx(b, abs=1e-15) and b == c == d


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), min_size=0, max_size=9), min_size=1, max_size=12
    ),
    st.integers(1, 11),
    st.sampled_from(["neg", "pos", "skip"]),
)
def test_backends_equal_and_batches_merge(queries, cut, action):
    target = [[r for r, _ in q] for q in queries]
    preds = [[s / 5 for _, s in q] for q in queries]
    for cls, options in [(c, o) for c, o, _ in TREC]:
        options = {**options, "k": cut} if "k" in options else options
        python = cls(backend="python", empty_target_action=action, **options).rows(target, preds)
        vectorized = cls(backend="numpy", empty_target_action=action, **options).rows(target, preds)
        np.testing.assert_allclose(python.dense, vectorized.dense, rtol=0, atol=1e-12)
        whole = cls(empty_target_action=action, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            expected = whole(target, preds).score
            merged = cls(empty_target_action=action, **options)
            for i in range(0, len(target), 5):
                merged.merge(cls(empty_target_action=action, **options).update(target[i : i + 5], preds[i : i + 5]))
            assert merged.compute().score == pytest.approx(expected, abs=1e-12)


def test_tensor_inputs_are_scored_as_arrays():
    torch = pytest.importorskip("torch")
    rel, score = [[1, 0, 2], [0, 1, 0]], [[0.3, 0.2, 0.1], [0.9, 0.8, 0.7]]
    expected = evalkit.ndcg(rel, score).score
    assert evalkit.ndcg(torch.tensor(rel), torch.tensor(score)).score == expected
    assert evalkit.ndcg([torch.tensor(r) for r in rel], [torch.tensor(s) for s in score]).score == expected


# -- bad input ----------------------------------------------------------------------------------------------
def test_nan_scores_name_the_query_and_document():
    with pytest.raises(InputError, match=r"NaN.*'d2'.*'q1'"):
        evalkit.ndcg({"q1": {"d1": 1}}, {"q1": {"d1": 0.5, "d2": float("nan")}})
    with pytest.raises(InputError, match="NaN"):
        evalkit.mrr([[1, 0]], [[0.5, float("nan")]])
    with pytest.raises(InputError, match="NaN"):
        read_run(io.StringIO("q1 Q0 d1 1 nan x\n"))


def test_duplicate_documents_in_files_are_refused():
    with pytest.raises(InputError, match=r"line 2.*'d1'.*twice"):
        read_run(io.StringIO("q1 Q0 d1 1 0.5 x\nq1 Q0 d1 2 0.4 x\n"))
    with pytest.raises(InputError, match=r"line 2.*judged twice"):
        read_qrels(io.StringIO("q1 0 d1 1\nq1 0 d1 0\n"))
    with pytest.raises(InputError, match="qid Q0 docid rank score tag"):
        read_run(io.StringIO("q1 d1 0.5\n"))


def test_queries_missing_on_either_side_are_ignored_with_a_warning_as_trec_eval():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    run = {"q1": {"a": 1.0}, "q3": {"c": 1.0}}
    with pytest.warns(UndefinedMetricWarning) as caught:
        result = evalkit.mrr(qrels, run)
    messages = " ".join(str(w.message) for w in caught)
    assert "'q3'" in messages and "'q2'" in messages and "complete=True" in messages
    assert result.score == 1.0 and result.components["queries"] == 1
    with pytest.warns(UndefinedMetricWarning):  # trec_eval -c: q2 scores 0 as an empty ranking
        assert evalkit.mrr(qrels, run, complete=True).score == 0.5
    pytrec_eval = pytest.importorskip("pytrec_eval")
    assert pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(run).keys() == {"q1"}


def test_layout_and_shape_errors_are_clear():
    with pytest.raises(InputTypeError, match="both be mappings"):
        evalkit.ndcg({"q": {"a": 1}}, [[0.5]])
    with pytest.raises(InputError, match="query 1: target has 2 documents and preds has 1"):
        evalkit.ndcg([[1], [1, 0]], [[0.5], [0.5]])
    with pytest.raises(InputError, match="indexes="):
        evalkit.ndcg([1, 0, 1], [0.5, 0.2, 0.1])
    with pytest.raises(InputError, match="one shape"):
        evalkit.ndcg([1, 0], [0.5, 0.2], indexes=[0])
    with pytest.raises(InputError, match="indexes must be integers"):
        evalkit.mrr([1, 0], [0.5, 0.2], indexes=[True, False])
    with pytest.raises(InputError, match="up to 1023"):
        evalkit.ndcg([[2000, 1]], [[0.1, 0.9]], gain="exponential")
    with pytest.raises(EvalkitError, match="empty_target_action='error'"):
        evalkit.mrr([[0, 0]], [[0.5, 0.2]], empty_target_action="error")


def test_all_queries_skipped_scores_zero_with_a_warning():
    with pytest.warns(UndefinedMetricWarning, match="no query was scored"):
        result = evalkit.mrr([[0, 0]], [[0.5, 0.2]], empty_target_action="skip")
    assert result.score == 0.0 and result.components == {"queries": 1, "scored": 0, "skipped": 1}


def test_a_tampered_checkpoint_is_refused():
    m = evalkit.MAP().update([[1, 0]], [[0.5, 0.2]])
    state = m.state_dict()
    state["total"] = [3.0, 1.0, 1.0]  # a mean of 3: no average precision is above 1
    with pytest.raises(InputError, match="total"):
        evalkit.MAP().load_state_dict(state)


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_scores_and_compares_trec_files(tmp_path):
    import json

    from click.testing import CliRunner

    from evalkit.cli import cli

    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = _trec_data(2, 30)
    worse = {q: {d: -s for d, s in docs.items()} for q, docs in run.items()}  # the ranking reversed
    paths = {name: tmp_path / f"{name}.txt" for name in ("qrels", "run", "worse")}
    paths["qrels"].write_text("".join(f"{q} 0 {d} {r}\n" for q, js in qrels.items() for d, r in js.items()))
    for name, docs_of in (("run", run), ("worse", worse)):
        lines = [f"{q} Q0 {d} {i + 1} {s} x\n" for q, ds in docs_of.items() for i, (d, s) in enumerate(ds.items())]
        paths[name].write_text("".join(reversed(lines)))  # a query's lines need not be together or in order
    invoke = lambda *args: CliRunner().invoke(cli, [str(a) for a in args], prog_name="evalkit")  # noqa: E731
    result = invoke("score", "-m", "ndcg(k=5)", "-o", "json", "--qrels", paths["qrels"], paths["run"])
    assert result.exit_code == 0, result.output
    per_query = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut_5"}).evaluate(run)
    expected = np.mean([v["ndcg_cut_5"] for v in per_query.values()])
    assert json.loads(result.output)["results"][0]["score"] == pytest.approx(expected, abs=1e-12)
    result = invoke("compare", "-m", "mrr", "-o", "json", "--qrels", paths["qrels"], "-b", paths["run"], paths["worse"])
    assert result.exit_code == 0, result.output
    systems = json.loads(result.output)["systems"]
    for system, docs_of in zip(systems, (run, worse)):  # rows paired query by query (the qrels' order)
        per_query = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(docs_of)
        expected = np.mean([v["recip_rank"] for v in per_query.values()])
        assert system["scores"]["mrr"]["score"] == pytest.approx(expected, abs=1e-12)
    assert 0 < systems[1]["scores"]["mrr"]["p_value"] <= 1


@pytest.mark.parametrize(
    ("cls", "measure"), [(evalkit.MAP, "map"), (evalkit.RPrecision, "Rprec"), (evalkit.MRR, "recip_rank")]
)
def test_relevance_level_is_trec_evals(trec_case, cls, measure):
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run, _ = trec_case
    reference = pytrec_eval.RelevanceEvaluator(qrels, {measure}, relevance_level=2).evaluate(run)
    ours = cls(relevance_level=2).per_query(qrels, run)
    for q in reference:
        assert ours[q] == pytest.approx(reference[q][measure], abs=1e-12), q


# -- tensors: rows and state on their device ---------------------------------------------------------------
@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("action", ["neg", "pos", "skip"])
def test_tensor_path_equals_the_numpy_path_and_keeps_the_device(device, action):
    torch = pytest.importorskip("torch")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no GPU")
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 15, 50)
    indexes = np.repeat(rng.permutation(50) * 3, sizes)
    n = len(indexes)
    preds, rel = rng.integers(0, 6, n) / 6, rng.integers(0, 4, n) * (rng.random(n) < 0.5)  # ties, graded
    order = rng.permutation(n)
    indexes, preds, rel = indexes[order], preds[order], rel[order]
    on = lambda x: torch.as_tensor(x, device=device)  # noqa: E731
    cases = [(c, o) for c, o, _ in TREC] + [
        (evalkit.NDCG, {"convention": "sklearn", "k": 3}),
        (evalkit.NDCG, {"gain": "exponential"}),
        (evalkit.MAP, {"convention": "torchmetrics", "k": 3}),
        (evalkit.PrecisionAtK, {"k": 20, "adaptive_k": True}),
        (evalkit.MRR, {"relevance_level": 2, "aggregation": "max", "ignore_index": 3}),
    ]
    for cls, options in cases:
        m = cls(empty_target_action=action, **options)
        host = m.rows(rel, preds, indexes=indexes).dense
        auto = m.rows(on(rel), on(preds), indexes=on(indexes)).dense  # numpy's path on the host; torch's on a GPU
        assert auto.device.type == device
        np.testing.assert_allclose(auto.cpu().numpy(), host, rtol=0, atol=1e-12)
        m = cls(empty_target_action=action, backend="torch", **options)  # torch's path, on the CPU too
        rows = m.rows(on(rel), on(preds), indexes=on(indexes)).dense
        assert rows.device.type == device
        np.testing.assert_allclose(rows.cpu().numpy(), host, rtol=0, atol=1e-12)
        square = m.rows(on(rel[:40].reshape(8, 5)), on(preds[:40].reshape(8, 5))).dense.cpu().numpy()
        expected = cls(**options, empty_target_action=action).rows(rel[:40].reshape(8, 5), preds[:40].reshape(8, 5))
        np.testing.assert_allclose(square, expected.dense, atol=1e-12)
        state = m.fresh().update(on(rel), on(preds), indexes=on(indexes))
        assert state.device.type == device
        expected = cls(**options, empty_target_action=action)(rel, preds, indexes=indexes).score
        assert state.compute().score == pytest.approx(expected, abs=1e-12)
    with pytest.raises(InputError, match="backend='torch' scores torch tensors"):
        evalkit.mrr([[1, 0]], [[0.5, 0.2]], backend="torch")


@pytest.mark.slow
def test_trec_eval_convention_at_scale_and_more_cutoffs():
    pytrec_eval = pytest.importorskip("pytrec_eval")
    qrels, run = _trec_data(11, 2000)
    cases = [(evalkit.NDCG, {"k": k}, f"ndcg_cut_{k}") for k in (1, 10, 100)]
    cases += [(evalkit.PrecisionAtK, {"k": k}, f"P_{k}") for k in (1, 10, 100)]
    cases += [(evalkit.RecallAtK, {"k": k}, f"recall_{k}") for k in (1, 10, 100)]
    cases += [(evalkit.MAP, {"k": 10}, "map_cut_10"), (evalkit.HitRate, {"k": 1}, "success_1")]
    reference = pytrec_eval.RelevanceEvaluator(qrels, {m for _, _, m in cases}).evaluate(run)
    for cls, options, measure in cases:
        ours = cls(**options).per_query(qrels, run)
        worst = max(abs(ours[q] - reference[q][measure]) for q in reference)
        assert worst < 1e-12, (measure, worst)
