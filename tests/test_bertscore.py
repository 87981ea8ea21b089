"""BERTScore against bert-score and torchmetrics on tiny random models saved to a folder (no download).

The models (evalkit.models.tiny): a BERT with a WordPiece vocabulary and a RoBERTa with a byte-level BPE,
both learnt from the bundled WordNet glosses; 2 layers, hidden size 32.
"""

from __future__ import annotations

import itertools
import pickle
import random
import shutil
import warnings
from collections import defaultdict

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

import evalkit
from evalkit.core import EvalkitError, InputError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.models import files_digest, load_model
from evalkit.models.tiny import tiny_model
from evalkit.text.bertscore import (
    BERTScore,
    EmptySentenceWarning,
    TruncationWarning,
    bertscore,
    encode,
    sentence_bertscore,
)

TOL = 1e-6


@pytest.fixture(scope="module")
def bert(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("bert"), kind="bert")


@pytest.fixture(scope="module")
def roberta(tmp_path_factory):
    return tiny_model(tmp_path_factory.mktemp("roberta"), kind="roberta")


@pytest.fixture(scope="module")
def pairs():
    return perturbed_pairs(40, seed=5, max_refs=3)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    path = tmp_path_factory.mktemp("baseline") / "tiny.tsv"
    path.write_text("LAYER,P,R,F\n0,0.50,0.40,0.45\n1,0.61,0.60,0.62\n2,0.70,0.72,0.71\n", encoding="utf-8")
    return path


def _parts(metric, hyps, refs):
    """P, R, F per segment, from evalkit's rows (each row is [1, P, R, F])."""
    rows = metric.rows(hyps, refs).dense
    return rows[:, 1], rows[:, 2], rows[:, 3]


def _bert_score(hyps, refs, folder, layer, **kw):
    bert_score = pytest.importorskip("bert_score")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw.setdefault("lang", None)
        p, r, f = bert_score.score(hyps, refs, model_type=str(folder), num_layers=layer, nthreads=0, **kw)
    return p.numpy(), r.numpy(), f.numpy()


# -- cross-checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "idf"),
    [("bert", False), ("roberta", True), pytest.param("bert", True, marks=pytest.mark.slow),
     pytest.param("roberta", False, marks=pytest.mark.slow)],
)  # fmt: skip
def test_equals_bert_score_with_several_references(request, pairs, kind, idf):
    folder = request.getfixturevalue(kind)
    hyps, refs = pairs
    for layer in (1, 2):
        theirs = _bert_score(hyps, refs, folder, layer, idf=idf)
        metric = BERTScore(model=folder, layer=layer, idf=idf)
        mine = _parts(metric.fresh().fit_idf(refs) if idf else metric, hyps, refs)
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
        assert bertscore(hyps, refs, model=folder, layer=layer, idf=idf).score == pytest.approx(
            float(theirs[2].mean()), abs=TOL
        )


def test_equals_bert_score_on_one_reference_each_and_an_idf_mapping(bert, pairs):
    hyps, refs = pairs
    first = [r[0] for r in refs]
    bert_score = pytest.importorskip("bert_score")
    from bert_score.utils import get_idf_dict, get_tokenizer

    weights = get_idf_dict(first, get_tokenizer(str(bert)), nthreads=0)  # a defaultdict, as bert-score builds it
    theirs = _bert_score(hyps, first, bert, 2, idf=weights)
    before = dict(weights)
    mine = _parts(BERTScore(model=bert, layer=2, idf=weights), hyps, first)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    assert dict(weights) == before  # the user's defaultdict gains no keys
    assert bert_score.__version__


def test_equals_bert_score_rescaled_with_a_local_baseline(roberta, pairs, baseline):
    hyps, refs = pairs
    # bert-score asks for lang with rescaling; with baseline_path given it reads that file only
    p, r, f = _bert_score(hyps, refs, roberta, 2, rescale_with_baseline=True, baseline_path=str(baseline), lang="en")
    result = bertscore(hyps, refs, model=roberta, layer=2, rescale_with_baseline=True, baseline_path=baseline)
    assert result.score == pytest.approx(float(f.mean()), abs=TOL)
    assert result.components["precision"] == pytest.approx(float(p.mean()), abs=TOL)
    assert result.components["recall"] == pytest.approx(float(r.mean()), abs=TOL)
    segments = sentence_bertscore(
        hyps, refs, model=roberta, layer=2, rescale_with_baseline=True, baseline_path=baseline
    )
    np.testing.assert_allclose(segments, f, rtol=0, atol=TOL)
    assert "rescale:tiny.tsv@" in str(result.signature)


def test_token_ids_are_bert_scores(bert, roberta, pairs):
    pytest.importorskip("bert_score")
    from bert_score.utils import get_tokenizer, sent_encode

    hyps, refs = pairs
    sentences = [*hyps, *(r for seg in refs for r in seg), "  padded  ", "UPPER Case, punctuation!"]
    for folder in (bert, roberta):
        theirs = [sent_encode(get_tokenizer(str(folder)), s) for s in sentences]
        assert encode(load_model(folder, owner="test"), sentences, "test") == theirs


@pytest.mark.parametrize(("idf", "rescale"), [(False, False), (True, False), (True, True)])
def test_equals_torchmetrics(bert, pairs, baseline, idf, rescale):
    # torchmetrics 1.9 sorts each side by token length and indexes the embeddings by that sort again instead
    # of undoing it (embeddings[sorting_indices]), so its batch output pairs a hypothesis with another
    # segment's reference unless both sides are already in increasing length: the pairs here are
    tm_text = pytest.importorskip("torchmetrics.text")
    hyps, refs = pairs
    local = load_model(bert, owner="test")
    lengths = sorted(
        (len(encode(local, [h], "t")[0]), len(encode(local, [seg[0]], "t")[0]), h, seg[0]) for h, seg in zip(hyps, refs)
    )
    chosen, last = [], (0, 0)
    for n_h, n_r, h, r in lengths:
        if n_h > last[0] and n_r > last[1]:
            chosen.append((h, r))
            last = (n_h, n_r)
    assert len(chosen) >= 6
    h, r = [c[0] for c in chosen], [c[1] for c in chosen]
    options = {"rescale_with_baseline": rescale, "baseline_path": str(baseline) if rescale else None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = tm_text.BERTScore(model_name_or_path=str(bert), num_layers=2, idf=idf, max_length=128, **options)(h, r)
    metric = BERTScore(model=bert, layer=2, idf=idf, special_tokens="exclude", **options)
    results = (metric.fresh().fit_idf(r) if idf else metric).sentence_scores(h, r)
    for key in ("precision", "recall", "f1"):
        np.testing.assert_allclose([x.components[key] for x in results], theirs[key].numpy(), rtol=0, atol=TOL)


def test_the_batched_matching_equals_the_written_out_reference(bert, pairs):
    import torch

    from evalkit.text.bertscore import _python_pair, _torch_pairs

    hyps, refs = pairs
    local = load_model(bert, owner="test")
    sentences = [*hyps[:10], *(seg[0] for seg in refs[:10])]
    ids = encode(local, sentences, "test")
    emb = [e.double() / e.double().norm(dim=-1, keepdim=True) for e in local.embed(ids, layer=2, batch_size=4)]
    rng = np.random.default_rng(0)
    weights = [torch.as_tensor(rng.uniform(0, 2, len(s))) for s in ids]
    keep = [torch.as_tensor(rng.random(len(s)) < 0.8) | torch.arange(len(s)).eq(1) for s in ids]
    pairs_ = [(i, 10 + j) for i in range(10) for j in (i, (i + 3) % 10)]
    p, r = _torch_pairs(pairs_, emb, weights, keep, chunk=7)
    for k, (i, j) in enumerate(pairs_):
        args = (
            emb[i].numpy(),
            emb[j].numpy(),
            weights[i].numpy(),
            weights[j].numpy(),
            keep[i].numpy(),
            keep[j].numpy(),
        )
        assert (p[k], r[k]) == pytest.approx(_python_pair(*args), abs=1e-12)


# -- properties --------------------------------------------------------------------------------------


def test_a_sentence_against_itself_scores_the_maximum(bert, pairs):
    hyps, _ = pairs
    for special in ("match", "exclude"):
        rows = BERTScore(model=bert, special_tokens=special, idf=True).fresh().fit_idf(hyps).rows(hyps, hyps).dense
        np.testing.assert_allclose(rows[:, 1:], 1.0, rtol=0, atol=1e-12)


def test_batch_size_and_order_do_not_change_the_numbers(bert, pairs):
    hyps, refs = (x[:16] for x in pairs)
    whole = BERTScore(model=bert).rows(hyps, refs).dense
    np.testing.assert_allclose(BERTScore(model=bert, batch_size=1).rows(hyps, refs).dense, whole, atol=TOL, rtol=0)
    order = list(range(len(hyps)))
    random.Random(2).shuffle(order)
    shuffled = BERTScore(model=bert, batch_size=7).rows([hyps[i] for i in order], [refs[i] for i in order]).dense
    np.testing.assert_allclose(shuffled, whole[order], atol=TOL, rtol=0)


def test_float64_weights_make_the_rows_batch_invariant_to_float64_rounding(pairs):
    hyps, refs = (x[:20] for x in pairs)
    folder = tiny_model(dtype="float64")
    whole = BERTScore(model=folder).rows(hyps, refs).dense
    alone = np.vstack(
        [BERTScore(model=folder, batch_size=3).rows(hyps[i : i + 5], refs[i : i + 5]).dense for i in range(0, 20, 5)]
    )
    np.testing.assert_allclose(alone, whole, atol=1e-13, rtol=0)


def test_merge_of_parts_equals_the_whole(bert, pairs):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    hyps, refs = (x[:20] for x in pairs)
    whole = BERTScore(model=bert, idf=True).fresh().fit_idf(refs)
    expected = whole.fresh().update(hyps, refs).compute()

    @hypothesis.settings(max_examples=5, deadline=None)
    @hypothesis.given(st.lists(st.integers(1, len(hyps) - 1), min_size=1, max_size=3, unique=True))
    def check(cuts):
        edges = [0, *sorted(cuts), len(hyps)]
        parts = [whole.fresh().update(hyps[a:b], refs[a:b]) for a, b in itertools.pairwise(edges)]
        merged = parts[0]
        for part in parts[1:]:
            merged.merge(part)
        result = merged.compute()
        assert result.score == pytest.approx(expected.score, abs=TOL)
        assert result.components["segments"] == len(hyps)
        assert str(result.signature) == str(expected.signature)

    check()


# -- the model: loaded once, pinned, never pickled -------------------------------------------------


def test_the_model_loads_once_and_a_second_call_reuses_it(bert, pairs):
    hyps, refs = pairs
    metric = BERTScore(model=bert)
    first = metric.loaded()
    metric(hyps, refs)
    metric(hyps[:5], refs[:5])
    assert metric.loaded() is first and metric.fresh().loaded() is first
    assert BERTScore(model=bert).loaded() is first  # a folder is read once per process


def test_the_signature_pins_the_files_layer_idf_and_versions(bert, roberta, pairs):
    import torch
    import transformers

    hyps, refs = pairs
    signature = str(bertscore(hyps, refs, model=bert, layer=1).signature)
    assert f"model:{bert.name}@{files_digest(bert)[:12]}" in signature
    assert "|layer:1|idf:no|" in signature
    assert f"torch:{torch.__version__}" in signature and f"transformers:{transformers.__version__}" in signature
    assert files_digest(bert) != files_digest(roberta)
    fitted = BERTScore(model=bert, idf=True).fit_idf(refs)
    other = BERTScore(model=bert, idf=True).fit_idf(refs[:10])
    assert str(fitted.signature()) != str(other.signature())
    with pytest.raises(InputError, match="cannot merge"):
        fitted.fresh().update(hyps, refs).merge(other.fresh().update(hyps, refs))


def test_device_and_dtype_are_options_and_dtype_is_signed(bert, pairs):
    hyps, refs = (x[:10] for x in pairs)
    metric = BERTScore(model=bert, device="cpu", dtype="float64", special_tokens="exclude")
    result = metric(hyps, refs)
    assert str(metric.loaded().dtype) == "torch.float64" and metric.loaded().device.type == "cpu"
    assert "|special:exclude|dtype:float64|" in str(result.signature)
    as_saved = BERTScore(model=bert, special_tokens="exclude")(hyps, refs)
    assert result.score == pytest.approx(as_saved.score, abs=TOL)  # float32 weights computed in float64
    with pytest.raises(InvalidOptionError, match="'device' parameter of bertscore"):
        BERTScore(model=bert, device="no-such-device")(hyps, refs)


def test_idf_true_needs_its_first_pass_before_an_update(bert, pairs):
    hyps, refs = pairs
    metric = BERTScore(model=bert, idf=True)
    with pytest.raises(InputError, match="fit_idf"):
        metric.update(hyps, refs)
    running = metric.fit_idf(refs).update(hyps[:20], refs[:20]).update(hyps[20:], refs[20:]).compute()
    # float32 hidden states: batches of other sentences move them by float32 rounding
    assert running.score == pytest.approx(bertscore(hyps, refs, model=bert, idf=True).score, abs=TOL)
    again = BERTScore(model=bert, idf=dict(metric.idf_table.weights)).update(hyps, refs).compute()
    assert again.score == pytest.approx(running.score, abs=TOL)  # no default needed: every token is in it
    saved = metric.state_dict()
    with pytest.raises(InvalidOptionError, match="build the metric with the options it was saved with"):
        BERTScore(model=bert, idf=True).load_state_dict(saved)  # its idf not yet given: another signature
    assert BERTScore(model=bert, idf=True).fit_idf(refs).load_state_dict(saved).compute().score == running.score


def test_the_command_line_makes_the_idf_pass_itself(bert, pairs, tmp_path):
    # evalkit score / compare read the references once for idf=True before scoring (stdin kept to be
    # read again); the numbers are bert-score's with idf over those references
    import json

    from click.testing import CliRunner

    from evalkit.cli import cli

    hyps, refs = pairs
    first = [r[0] for r in refs]
    (tmp_path / "hyp.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp_path / "ref.txt").write_text("\n".join(first) + "\n", encoding="utf-8")
    spec = f"bertscore(model={bert},idf=true)"
    theirs = float(_bert_score(hyps, first, bert, 2, idf=True)[2].mean())
    for system, stdin in ((tmp_path / "hyp.txt", None), ("-", "\n".join(hyps) + "\n")):
        args = ["score", "-m", spec, "-r", tmp_path / "ref.txt", "-o", "json", system]
        result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["results"][0]["score"] == pytest.approx(theirs, abs=TOL)
    (tmp_path / "other.txt").write_text("\n".join(reversed(hyps)) + "\n", encoding="utf-8")
    args = ["compare", "-m", spec, "-r", tmp_path / "ref.txt", "-o", "json", "-n", "50",
            "-b", tmp_path / "hyp.txt", tmp_path / "other.txt"]  # fmt: skip
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    baseline = json.loads(result.stdout)["systems"][0]["scores"][spec]
    assert baseline["score"] == pytest.approx(theirs, abs=TOL)


def test_pickling_leaves_the_model_out_and_the_worker_reloads_it(bert, pairs):
    hyps, refs = pairs
    metric = BERTScore(model=bert).update(hyps[:20], refs[:20])
    blob = pickle.dumps(metric)
    assert len(blob) < 20_000  # options and statistics, not weights
    restored = pickle.loads(blob)
    assert restored.update(hyps[20:], refs[20:]).compute().score == pytest.approx(
        bertscore(hyps, refs, model=bert).score, abs=TOL
    )
    assert "model" not in str(metric.state_dict().keys())


def test_a_loaded_pair_scores_as_its_folder(bert, pairs):
    import transformers

    hyps, refs = pairs
    model = transformers.AutoModel.from_pretrained(bert)
    tokenizer = transformers.AutoTokenizer.from_pretrained(bert)
    result = bertscore(hyps, refs, model=(model, tokenizer))
    assert result.score == pytest.approx(bertscore(hyps, refs, model=bert).score, abs=TOL)
    assert "model:BertModel@" in str(result.signature)


def test_the_environment_variable_names_the_default_folder(bert, pairs, monkeypatch):
    hyps, refs = pairs
    monkeypatch.delenv("EVALKIT_BERTSCORE_MODEL", raising=False)
    with pytest.raises(InvalidOptionError, match="'model' parameter of bertscore is required"):
        bertscore(hyps, refs)
    monkeypatch.setenv("EVALKIT_BERTSCORE_MODEL", str(bert))
    assert bertscore(hyps, refs).score == bertscore(hyps, refs, model=bert).score
    assert evalkit.get_metric("bertscore")(hyps, refs).score == bertscore(hyps, refs, model=bert).score


def test_a_hub_name_resolves_from_the_local_cache_only(bert, tmp_path, monkeypatch, pairs):
    constants = pytest.importorskip("huggingface_hub.constants")
    # the local cache's layout: models--org--name/refs/main names a snapshot folder holding the files
    repo = tmp_path / "models--evalkit-test--tiny"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    for path in bert.iterdir():
        shutil.copy(path, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    hyps, refs = pairs
    result = bertscore(hyps, refs, model="evalkit-test/tiny")
    assert f"model:evalkit-test/tiny@{files_digest(bert)[:12]}" in str(result.signature)
    assert result.score == bertscore(hyps, refs, model=bert).score
    with pytest.raises(InputError, match="local Hugging Face cache"):
        bertscore(hyps, refs, model="evalkit-test/not-cached")


# -- bad input ---------------------------------------------------------------------------------------


def test_a_missing_folder_says_how_to_place_the_files(tmp_path, pairs):
    hyps, refs = pairs
    with pytest.raises(InputError, match=r"does not exist.*never downloads.*save_pretrained"):
        bertscore(hyps, refs, model=tmp_path / "no-such-model")
    with pytest.raises(
        InputError, match=r"neither a folder nor a model in the local Hugging Face cache.*never downloads"
    ):
        bertscore(hyps, refs, model="evalkit-no-such-org/no-such-model")


def test_a_folder_without_tokenizer_or_weights_is_named(bert, tmp_path, pairs):
    hyps, refs = pairs
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(bert / "config.json", bare)
    with pytest.raises(InputError, match=r"no config\.json and weights"):
        bertscore(hyps, refs, model=bare)
    shutil.copy(bert / "model.safetensors", bare)
    with pytest.raises(InputError, match=r"no tokenizer files.*tokenizer.save_pretrained"):
        bertscore(hyps, refs, model=bare)


def test_a_layer_out_of_range_is_named(bert, pairs):
    hyps, refs = pairs
    with pytest.raises(InvalidOptionError, match=r"'layer' parameter of bertscore must be in 0\.\.2"):
        bertscore(hyps, refs, model=bert, layer=3)
    with pytest.raises(InvalidOptionError, match="'layer'"):
        bertscore(hyps, refs, model=bert, layer=-1)
    assert bertscore(hyps, refs, model=bert, layer=0).score > 0  # the embeddings: bert-score allows 0


def test_baseline_options_are_checked(bert, pairs, tmp_path, baseline):
    hyps, refs = pairs
    with pytest.raises(InvalidOptionError, match="'baseline_path' parameter of bertscore is required"):
        bertscore(hyps, refs, model=bert, rescale_with_baseline=True)
    with pytest.raises(InvalidOptionError, match="rescale_with_baseline=False"):
        bertscore(hyps, refs, model=bert, baseline_path=baseline)
    with pytest.raises(InvalidOptionError, match="must name a file"):
        bertscore(hyps, refs, model=bert, rescale_with_baseline=True, baseline_path=tmp_path / "none.tsv")
    short = tmp_path / "short.tsv"
    short.write_text("LAYER,P,R,F\n0,0.5,0.4,0.45\n", encoding="utf-8")
    with pytest.raises(InvalidOptionError, match="layer 2 has none"):
        bertscore(hyps, refs, model=bert, rescale_with_baseline=True, baseline_path=short)


def test_empty_strings_score_zero_with_a_warning(bert):
    # bert-score's value (its greedy_cos_idf sets P and R of an empty side to 0, and F's NaN to 0); bert-score
    # 0.3.12 itself cannot encode "" with transformers 5 (no build_inputs_with_special_tokens)
    with pytest.warns(EmptySentenceWarning, match="2 pair"):
        rows = BERTScore(model=bert).rows(["", "a cat", "a cat"], ["a cat", "   ", "a cat"]).dense
    np.testing.assert_array_equal(rows[:2, 1:], 0.0)
    assert rows[2, 3] == pytest.approx(1.0, abs=1e-12)


def test_too_long_texts_are_cut_as_bert_score_cuts_them(bert, pairs):
    hyps, refs = pairs
    long = " ".join(hyps[:12])  # well over the tiny model's 128 tokens
    with pytest.warns(TruncationWarning, match="maximum of 128 tokens"):
        mine = _parts(BERTScore(model=bert), [long, hyps[0]], [refs[0][0], long])
    theirs = _bert_score([long, hyps[0]], [refs[0][0], long], bert, 2)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL)


def test_bad_options_and_inputs_are_evalkit_errors(bert):
    for bad in (
        {"model": 3},
        {"idf": "yes"},
        {"idf": {"a": 1.0}},
        {"device": 1},
        {"dtype": "float8"},
        {"batch_size": 0},
    ):
        with pytest.raises(EvalkitError, match=next(iter(bad))):
            BERTScore(**{"model": bert, **bad})
    metric = BERTScore(model=bert, idf={5: 1.0})
    with pytest.raises(InputError, match="no weight for token id"):
        metric(["a cat"], ["a cat"])
    with pytest.raises(InvalidOptionError, match="fit_idf"):
        BERTScore(model=bert).fit_idf(["a cat"])
    with pytest.raises(InputError, match=r"length|has"):
        BERTScore(model=bert)(["a", "b"], ["a"])
    weights = defaultdict(lambda: 1.0)
    assert BERTScore(model=bert, idf=weights)(["a cat"], ["a cat"]).score == pytest.approx(1.0, abs=1e-12)
