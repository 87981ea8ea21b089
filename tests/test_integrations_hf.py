"""The HF Trainer hooks: ``Trainer.evaluate()`` of a tiny randomly initialised causal LM (built from a config, no
download) gives the scores computed here from the model's own logits with PyTorch and sacrebleu.

The Trainer needs ``accelerate`` (a dev dependency); its evaluation loop is also replayed here step by step with
transformers' own containers (``EvalLoopContainer``: the concatenation that pads predictions and labels across
batches with -100), so the same path is checked where ``accelerate`` is absent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import evalkit

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
sacrebleu = pytest.importorskip("sacrebleu")

from evalkit.integrations.hf import TrainerMetrics, compute_metrics  # noqa: E402

VOCAB, PAD = 23, 0


def words(rows):
    """A batch_decode: id t is the word "w<t>" (the test's own decoding below drops -100 and PAD itself)."""
    return [" ".join(f"w{t}" for t in row) for row in rows]


def _data():
    rng = np.random.default_rng(4)
    items = []
    for n in (5, 8, 3, 7, 6, 4, 8):  # ragged: batches are padded to their own length, then across batches
        ids = rng.integers(1, VOCAB, n).tolist()
        labels = list(ids)
        labels[0] = -100  # a prompt token not scored
        items.append({"input_ids": ids, "labels": labels})
    return items


def collate(batch):
    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.tensor([b["input_ids"] + [PAD] * (width - len(b["input_ids"])) for b in batch])
    labels = torch.tensor([b["labels"] + [-100] * (width - len(b["labels"])) for b in batch])
    return {"input_ids": ids, "attention_mask": (ids != PAD).long(), "labels": labels}


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=VOCAB, n_positions=16, n_embd=16, n_layer=1, n_head=2)
    return transformers.GPT2LMHeadModel(config).eval()


def _expected(model):
    """Perplexity, token accuracy and BLEU of the whole set, each sequence run alone (no padding at all)."""
    nll, count, correct, hyps, refs = 0.0, 0, 0, [], []
    with torch.no_grad():
        for item in _data():
            ids = torch.tensor([item["input_ids"]])
            logits = model(ids).logits[0, :-1].double()
            labels = torch.tensor(item["labels"][1:])
            scored = labels != -100
            nll += float(torch.nn.functional.cross_entropy(logits, labels, ignore_index=-100, reduction="sum"))
            count += int(scored.sum())
            guess = logits.argmax(-1)
            correct += int((guess == labels)[scored].sum())
            hyps.append(" ".join(f"w{t}" for t in guess[scored].tolist()))
            refs.append(" ".join(f"w{t}" for t in labels[scored].tolist()))
    # teacher-forced guesses are read at the scored positions only (not the prompt, not the padding)
    return {"perplexity": np.exp(nll / count), "accuracy": correct / count, "bleu": (hyps, refs)}


def _replayed_evaluate(model, scoring, *, batch_eval, preprocess):
    """transformers' ``Trainer.evaluation_loop`` for one process, step by step (trainer.py, transformers 5)."""
    from transformers.trainer_pt_utils import EvalLoopContainer

    items = _data()
    batches = [collate(items[i : i + 3]) for i in range(0, len(items), 3)]
    all_preds, all_labels = EvalLoopContainer(True, padding_index=-100), EvalLoopContainer(True, padding_index=-100)
    metrics = None
    for step, batch in enumerate(batches):
        with torch.no_grad():
            logits, labels = model(**batch).logits, batch["labels"]
        if preprocess:
            logits = scoring.preprocess_logits_for_metrics(logits, labels)
        if batch_eval:
            prediction = transformers.EvalPrediction(predictions=logits, label_ids=labels)
            metrics = scoring.compute_metrics(prediction, compute_result=step == len(batches) - 1)
        else:
            all_preds.add(logits)
            all_labels.add(labels)
    if not batch_eval:
        prediction = transformers.EvalPrediction(predictions=all_preds.get_arrays(), label_ids=all_labels.get_arrays())
        metrics = scoring.compute_metrics(prediction)
    return {f"eval_{k}": v for k, v in metrics.items()}


def _trainer(model, tmp_path, scoring, *, batch_eval, preprocess, data=None):
    pytest.importorskip("accelerate")  # the Trainer's own requirement (a dev dependency)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), per_device_eval_batch_size=3, report_to="none", use_cpu=True,
        batch_eval_metrics=batch_eval,
    )  # fmt: skip
    return transformers.Trainer(
        model=model, args=args, data_collator=collate, eval_dataset=_data() if data is None else data,
        compute_metrics=scoring.compute_metrics,
        preprocess_logits_for_metrics=scoring.preprocess_logits_for_metrics if preprocess else None,
    )  # fmt: skip


@pytest.mark.parametrize("runner", ["replayed", "trainer"])
@pytest.mark.parametrize(("batch_eval", "preprocess"), [(False, True), (False, False), (True, True), (True, False)])
def test_trainer_evaluate_equals_the_model_scored_here(model, tmp_path, batch_eval, preprocess, runner):
    scoring = TrainerMetrics(
        [evalkit.LogitPerplexity(shift=True), evalkit.TokenAccuracy(shift=True), evalkit.BLEU(tokenize="none")],
        tokenizer=words, pad_id=PAD, shift=True,
    )  # fmt: skip
    if runner == "trainer":
        evaluate = _trainer(model, tmp_path, scoring, batch_eval=batch_eval, preprocess=preprocess).evaluate
    else:
        evaluate = lambda: _replayed_evaluate(model, scoring, batch_eval=batch_eval, preprocess=preprocess)  # noqa: E731
    expected = _expected(model)
    for _epoch in range(2):  # a second evaluation starts afresh (batch_eval_metrics resets its state)
        out = evaluate()
        assert out["eval_logit_perplexity"] == pytest.approx(expected["perplexity"], rel=1e-6)
        assert out["eval_token_accuracy"] == expected["accuracy"]
        hyps, refs = expected["bleu"]
        bleu = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score / 100
        assert out["eval_bleu"] == pytest.approx(bleu, rel=1e-12)


def test_tuple_predictions_ids_and_minus_100_in_predictions_and_labels():
    scoring = TrainerMetrics([evalkit.BLEU(tokenize="none"), evalkit.TokenAccuracy()], tokenizer=words, pad_id=PAD)
    # ids padded across batches with -100 (the Trainer's pad_index), inside a tuple (ids, extra output)
    preds = np.array([[3, 4, 5, -100], [6, 7, -100, -100]])
    labels = np.array([[3, 4, 9, -100], [6, 7, 8, -100]])
    out = scoring.compute_metrics(transformers.EvalPrediction(predictions=(preds, np.zeros(2)), label_ids=labels))
    expected = sacrebleu.corpus_bleu(["w3 w4 w5", "w6 w7"], [["w3 w4 w9", "w6 w7 w8"]], tokenize="none")
    assert out["bleu"] == pytest.approx(expected.score / 100, rel=1e-12)
    assert out["token_accuracy"] == 4 / 6  # 3, 4 and 6, 7 right; 9 and 8 missed (a -100 guess is wrong)
    # logits give the same as their argmax ids
    logits = np.eye(10)[np.where(preds < 0, 0, preds)]
    out_logits = scoring.compute_metrics(transformers.EvalPrediction(predictions=logits, label_ids=labels))
    assert out_logits["token_accuracy"] == out["token_accuracy"]


def test_perplexity_from_ids_names_the_fix_and_an_empty_set_is_nan_with_a_warning():
    cm, _ = compute_metrics([evalkit.LogitPerplexity()])
    with pytest.raises(evalkit.InputError, match="preprocess_logits_for_metrics"):
        cm(transformers.EvalPrediction(predictions=np.array([[1, 2]]), label_ids=np.array([[1, 2]])))
    with pytest.warns(RuntimeWarning, match="nan"):
        out = cm(transformers.EvalPrediction(predictions=np.zeros((0, 2, 3)), label_ids=np.zeros((0, 2), int)))
    assert np.isnan(out["logit_perplexity"])
    with pytest.raises(evalkit.InputError, match="dict"):
        TrainerMetrics([evalkit.BLEU(), evalkit.BLEU(tokenize="intl")], tokenizer=words)
    with pytest.raises(evalkit.InputError, match="tokenizer"):
        TrainerMetrics([evalkit.BLEU()])


def test_trainer_evaluate_of_an_empty_set_reports_no_metric(model, tmp_path):
    scoring = TrainerMetrics([evalkit.TokenAccuracy()])
    trainer = _trainer(model, tmp_path, scoring, batch_eval=False, preprocess=True, data=[])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = trainer.evaluate()
    assert "eval_token_accuracy" not in out  # the Trainer does not call compute_metrics without predictions


def test_token_bleu_gets_ids_with_minus_100_as_its_pad_id():
    scoring = TrainerMetrics({"ids_bleu": evalkit.TokenBLEU(pad_id=0)}, pad_id=0)
    preds = np.array([[3, 4, 5, 6, -100], [6, 7, 8, -100, -100]])
    labels = np.array([[3, 4, 5, 9, -100], [6, 7, 8, 2, -100]])
    out = scoring.compute_metrics(transformers.EvalPrediction(predictions=preds, label_ids=labels))
    expected = sacrebleu.corpus_bleu(["3 4 5 6", "6 7 8"], [["3 4 5 9", "6 7 8 2"]], tokenize="none")
    assert out == {"ids_bleu": pytest.approx(expected.score / 100, rel=1e-12)}


def test_generated_ids_are_decoded_whole_and_cut_at_eos():
    # Seq2SeqTrainer(predict_with_generate=True): ids start with the decoder's start (pad) token, end at eos,
    # are padded with pad and, across batches, with -100; their length is not the labels'
    eos = 2
    scoring = TrainerMetrics([evalkit.BLEU(tokenize="none")], tokenizer=words, pad_id=PAD, eos_id=eos)
    generated = np.array([[PAD, 5, 6, 7, eos, PAD, -100], [PAD, 8, 9, eos, 9, 9, 9]])
    labels = np.array([[5, 6, 7, eos], [8, 9, 10, eos]])
    out = scoring.compute_metrics(transformers.EvalPrediction(predictions=generated, label_ids=labels))
    expected = sacrebleu.corpus_bleu(["w5 w6 w7", "w8 w9"], [["w5 w6 w7", "w8 w9 w10"]], tokenize="none")
    assert out["bleu"] == pytest.approx(expected.score / 100, rel=1e-12)
    assert scoring.preprocess_logits_for_metrics(torch.zeros(1, 2, 3), None)[0].tolist() == [[0, 0]]  # predict()
