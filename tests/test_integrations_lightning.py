"""The torchmetrics adapter (Lightning): its score is the metric's own, exact across batches, resets,
compute groups, processes and counts past float32's 2^24."""

from __future__ import annotations

import random

import pytest

import evalkit
from evalkit.lexicon.corpora import perturbed_pairs

torch = pytest.importorskip("torch")
torchmetrics = pytest.importorskip("torchmetrics")
sacrebleu = pytest.importorskip("sacrebleu")

from evalkit.integrations.lightning import EvalkitMetric  # noqa: E402

HYPS, REFS = perturbed_pairs(60, seed=11, max_refs=1)
REFS = [r[0] for r in REFS]


def _batches(k, order=None):
    idx = list(range(len(HYPS))) if order is None else order
    size = -(-len(idx) // k)
    return [
        ([HYPS[i] for i in idx[j : j + size]], [REFS[i] for i in idx[j : j + size]]) for j in range(0, len(idx), size)
    ]


def test_bleu_equals_sacrebleu_and_the_metric_in_1_k_and_permuted_batches():
    expected = sacrebleu.corpus_bleu(HYPS, [REFS]).score / 100
    order = list(range(len(HYPS)))
    random.Random(5).shuffle(order)
    for batches in (_batches(1), _batches(7), _batches(7, order)):
        adapter = EvalkitMetric(evalkit.BLEU())
        for hyps, refs in batches:
            adapter.update(hyps, refs)
        score = adapter.compute()
        assert score.dtype == torch.float64
        assert float(score) == pytest.approx(expected, rel=1e-12)
        assert float(score) == evalkit.BLEU()(HYPS, REFS).score
        assert float(adapter.compute()) == float(score)  # computing twice never double-counts
        assert str(adapter.last_result.signature).startswith("nrefs:1|")


@pytest.mark.filterwarnings("ignore:The ``compute`` method")
def test_reset_between_epochs_and_forward_gives_the_batch():
    adapter = EvalkitMetric(evalkit.CHRF())
    for _epoch in range(2):
        batch_scores = [float(adapter(h, r)) for h, r in _batches(3)]  # forward: the batch's own score
        assert batch_scores == [evalkit.CHRF()(h, r).score for h, r in _batches(3)]
        assert float(adapter.compute()) == evalkit.CHRF()(HYPS, REFS).score
        adapter.reset()
    with pytest.raises(evalkit.EmptyInputError):
        adapter.compute()  # nothing since the reset: evalkit's error, never a stale score


def test_a_collection_of_two_bleu_configurations_scores_each_exactly():
    # torchmetrics 1.9 merges metrics whose states look alike after the first update ("compute groups")
    collection = torchmetrics.MetricCollection(
        {"bleu": EvalkitMetric(evalkit.BLEU()), "bleu_char": EvalkitMetric(evalkit.BLEU(tokenize="char"))}
    )
    for hyps, refs in _batches(4):
        collection.update(hyps, refs)
    out = collection.compute()
    assert float(out["bleu"]) == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score / 100, rel=1e-12)
    char = sacrebleu.corpus_bleu(HYPS, [REFS], tokenize="char").score / 100
    assert float(out["bleu_char"]) == pytest.approx(char, rel=1e-12)
    assert float(out["bleu"]) != pytest.approx(char)
    names = [set(m.metric_state) for m in collection.values()]
    assert not names[0] & names[1]  # the names carry each configuration's hash


def test_logit_metrics_equal_cross_entropy_and_torchmetrics_perplexity():
    g = torch.Generator().manual_seed(3)
    logits, labels = torch.randn(12, 9, 17, generator=g), torch.randint(0, 17, (12, 9), generator=g)
    labels[labels % 5 == 0] = -100
    ppl, acc, ref = EvalkitMetric(evalkit.LogitPerplexity()), EvalkitMetric(evalkit.TokenAccuracy()), None
    ref = torchmetrics.text.Perplexity(ignore_index=-100)
    for i in range(0, 12, 5):
        ppl.update(logits[i : i + 5], labels[i : i + 5])
        acc.update(logits[i : i + 5], labels[i : i + 5])
        ref.update(logits[i : i + 5], labels[i : i + 5])
    ce = torch.nn.functional.cross_entropy(logits.flatten(0, 1).double(), labels.flatten(), ignore_index=-100)
    assert float(ppl.compute()) == pytest.approx(float(ce.exp()), rel=1e-6)  # float32 logits, float64 sums
    assert float(ppl.compute()) == pytest.approx(float(ref.compute()), rel=1e-5)
    mask = labels != -100
    assert float(acc.compute()) == float((logits.argmax(-1) == labels)[mask].sum()) / float(mask.sum())


def test_counts_above_2_to_the_24_stay_exact():
    # torchmetrics' BLEU keeps float32 counters: 2^24 + 1 reads back as 2^24
    adapter = EvalkitMetric(evalkit.TokenAccuracy())
    big = 2**24 + 1
    for _ in range(3):
        adapter.update(torch.zeros(1, big, dtype=torch.int64), torch.zeros(1, big, dtype=torch.int64))
    state = [getattr(adapter, n) for n in adapter._spec.names]
    assert [int(s) for s in state] == [3 * big, 3 * big] and state[0].dtype == torch.int64
    assert adapter.last_result is None and float(adapter.compute()) == 1.0
    assert adapter.last_result.components["n_tokens"] == 3 * big


def test_metrics_whose_frame_grows_with_the_data_are_refused_with_the_alternative():
    with pytest.raises(evalkit.InputError, match="sync"):
        EvalkitMetric(evalkit.F1())
    with pytest.raises(evalkit.InputError, match="evalkit Metric"):
        EvalkitMetric("bleu")


def test_the_adapter_pickles_and_copies_with_its_state():
    # DDP's spawn and Lightning's checkpoints pickle or deep-copy modules, their metrics included
    import copy
    import pickle

    adapter = EvalkitMetric(evalkit.BLEU())
    adapter.update(HYPS[:10], REFS[:10])
    expected = evalkit.BLEU()(HYPS[:10], REFS[:10]).score
    for other in (pickle.loads(pickle.dumps(adapter)), copy.deepcopy(adapter)):
        assert type(other) is EvalkitMetric and float(other.compute()) == expected
