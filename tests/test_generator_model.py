"""DefinitionModel (one loadable model), exact resume, the dry run's flags and the bounded example (CPU)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from evalkit.core import InputError

torch = pytest.importorskip("torch")

from evalkit.generator.config import TrainConfig  # noqa: E402
from evalkit.generator.model import DefinitionModel, define, read_checkpoint  # noqa: E402
from evalkit.generator.train import train  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# a copying model with two exemplars per prompt: the context a bare decoder call would miss
TINY = {"limit": 80, "emb_dim": 8, "hidden_dim": 16, "max_vocab": 200, "eval_words": 4, "gen_max_len": 6,
        "threads": 1, "device": "cpu", "exemplars": 2, "pointer": True}  # fmt: skip


@pytest.fixture(autouse=True)
def _one_thread():
    # two test workers on two cores: more threads would only contend
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    train(TrainConfig(**TINY, epochs=1), out, log=lambda _: None)
    return out


WORDS = ["dog", "happiness", "quickly", "unhappily", "motorcycle cop"]


def test_a_model_saved_and_loaded_defines_the_same(run_dir, tmp_path):
    model = DefinitionModel.load(run_dir / "checkpoint.pt", device="cpu")
    before = model.define(WORDS, strategy="beam", beam_size=3)
    path = model.save(tmp_path / "model.pt")
    # plain tensors and values only: the safe loader reads it, and it holds no optimizer
    raw = torch.load(path, weights_only=True)
    assert {"config", "vocab", "model", "exemplar_index"} <= set(raw) and "optimizer" not in raw
    again = DefinitionModel.load(path, device="cpu")
    assert again.define(WORDS, strategy="beam", beam_size=3) == before
    assert again.define(WORDS) == model.define(WORDS)
    assert again.train_pairs == model.train_pairs and again.config == model.config
    assert again.exemplars(WORDS) == model.exemplars(WORDS)
    for name, value in model.network.state_dict().items():
        assert torch.equal(value, again.network.state_dict()[name])


def test_the_exemplars_are_those_training_put_in_the_prompts(run_dir):
    from evalkit.generator.baselines import exemplar_words
    from evalkit.generator.model import load_splits

    model = DefinitionModel.load(run_dir / "checkpoint.pt", device="cpu")
    train_pairs = load_splits(model.config).train
    assert model.train_pairs == train_pairs  # the index in the checkpoint is the run's training split
    neighbours = exemplar_words(train_pairs, WORDS, k=2)
    assert model.exemplars(WORDS) == {w: [train_pairs[n][0] for n in near] for w, near in zip(WORDS, neighbours)}


def test_the_low_level_decoder_refuses_a_prompt_unlike_training(run_dir):
    model = DefinitionModel.load(run_dir / "checkpoint.pt", device="cpu")
    net, vocab, cfg = model.network, model.vocab, model.config
    with pytest.raises(InputError, match=r"trained with 2 exemplar.*'exemplars' is missing"):
        define(net, vocab, WORDS, config=cfg)
    shown = model.exemplars(WORDS)
    assert define(net, vocab, WORDS, config=cfg, exemplars=shown) == model.define(WORDS, max_len=30)
    with pytest.raises(InputError, match="no entry for 1 word"):
        define(net, vocab, [*WORDS, "cat"], config=cfg, exemplars=shown)
    with pytest.raises(InputError, match="at most 2 exemplar"):
        define(net, vocab, ["dog"], config=cfg, exemplars={"dog": ["a", "b", "c"]})
    plain = TrainConfig(**{**cfg.to_dict(), "exemplars": 0})
    with pytest.raises(InputError, match="trained without exemplars"):
        define(net, vocab, WORDS, config=plain, exemplars=shown)
    other = type(vocab)(level=vocab.level, chars=vocab.chars, tokens=vocab.tokens[:-1])
    with pytest.raises(InputError, match="not trained together"):
        define(net, other, WORDS, config=cfg, exemplars=shown)


def test_an_unsafe_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "bad.pt"
    torch.save({"config": {}, "thing": Path("x")}, path)  # a pickled class: weights_only refuses it
    with pytest.raises(InputError, match="weights_only=True"):
        read_checkpoint(path)


def _records(out: Path) -> list[dict]:
    # everything but the clock
    drop = {"train_seconds", "tokens_per_s"}
    return [
        {k: v for k, v in json.loads(x).items() if k not in drop} for x in (out / "log.jsonl").read_text().splitlines()
    ]


def test_resume_after_epoch_one_equals_the_uninterrupted_run_bit_for_bit(tmp_path, capsys):
    # dropout draws from torch's generator: a resume that lost its state would draw other masks
    cfg = TrainConfig(**{**TINY, "dropout": 0.3, "exemplars": 1, "pointer": False}, epochs=2)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train(cfg, whole, log=lambda _: None, progress=True)
    train(TrainConfig(**{**cfg.to_dict(), "epochs": 1}), parts, log=lambda _: None)
    # the process goes on drawing (or is a new one): the resumed run must not depend on it
    torch.manual_seed(123)
    random.seed(123)
    np.random.seed(123)
    train(cfg, parts, resume=True, log=lambda _: None)
    assert _records(whole) == _records(parts) and len(_records(parts)) == 2
    a, b = read_checkpoint(whole / "checkpoint.pt"), read_checkpoint(parts / "checkpoint.pt")
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name
    for key in ("python", "numpy", "torch"):
        assert key in a["rng"]
    assert torch.equal(a["rng"]["torch"], b["rng"]["torch"])
    # progress=True draws nothing where stderr is not a terminal
    assert "epoch 1" not in capsys.readouterr().err


@pytest.mark.slow
def test_the_example_runs_bounded(tmp_path, monkeypatch, capsys):
    import runpy

    # the example's own defaults take about 2 minutes on 2 cores (docs/generator.md): small flags here, and in
    # this process, whose WordNet and torch are loaded already
    argv = ["train_definition_model.py", "--out", str(tmp_path / "ex"), "--minutes", "0.05", "--limit", "100",
            "--eval-limit", "10", "--beam-size", "2", "--quiet"]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(ROOT / "examples" / "train_definition_model.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "dog : " in out and "baseline: nearest spelling | bleu(x100)=" in out
    rows = json.loads((tmp_path / "ex" / "test.json").read_text())
    assert [r["system"] for r in rows][1:] == ["baseline: most frequent definition", "baseline: nearest spelling"]
    assert all(0.0 <= r["bleu"] <= 1.0 for r in rows)  # fractions in JSON
