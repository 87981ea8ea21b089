"""The pytorch-ignite adapter: an Engine with the metric attached gives the exact corpus score, epoch after epoch."""

from __future__ import annotations

import pytest

import evalkit
from evalkit.lexicon.corpora import perturbed_pairs

torch = pytest.importorskip("torch")
ignite_engine = pytest.importorskip("ignite.engine")
sacrebleu = pytest.importorskip("sacrebleu")

from evalkit.integrations.ignite import EvalkitIgniteMetric  # noqa: E402

HYPS, REFS = perturbed_pairs(40, seed=12, max_refs=1)
REFS = [r[0] for r in REFS]
BATCHES = [(HYPS[i : i + 6], REFS[i : i + 6]) for i in range(0, len(HYPS), 6)]


def test_an_engine_gives_the_exact_corpus_score_each_epoch():
    engine = ignite_engine.Engine(lambda engine, batch: batch)  # the "model" hands over (hypotheses, references)
    bleu = EvalkitIgniteMetric(evalkit.BLEU())
    ter = EvalkitIgniteMetric(evalkit.TER(), output_transform=lambda out: (out[0], out[1]))
    bleu.attach(engine, "bleu")
    ter.attach(engine, "ter")
    for _run in range(2):  # the metric resets at each epoch's start: the second run scores the same
        state = engine.run(BATCHES, max_epochs=1)
        assert state.metrics["bleu"] == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score / 100, rel=1e-12)
        assert state.metrics["ter"] == pytest.approx(sacrebleu.corpus_ter(HYPS, [REFS]).score / 100, rel=1e-12)
        assert state.metrics["bleu"] == evalkit.BLEU()(HYPS, REFS).score


def test_update_compute_reset_and_computing_twice():
    m = EvalkitIgniteMetric(evalkit.TokenAccuracy())
    logits = torch.tensor([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [1.0, 0.0]]])
    m.update((logits, torch.tensor([[1, 1], [0, -100]])))  # 1 right, 1 wrong, 1 right, 1 ignored
    assert m.compute() == 2 / 3 and m.compute() == 2 / 3
    m.update((logits[:1], torch.tensor([[0, 0]])))
    assert m.compute() == 3 / 5
    assert m.last_result.components == {"n_correct": 3, "n_tokens": 5}
    m.reset()
    with pytest.raises(evalkit.EmptyInputError):
        m.compute()


def test_the_metric_pickles():
    import pickle

    m = EvalkitIgniteMetric(evalkit.BLEU())
    m.update((HYPS, REFS))
    assert pickle.loads(pickle.dumps(m)).compute() == evalkit.BLEU()(HYPS, REFS).score
