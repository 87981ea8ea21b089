"""The PyTorch twin against the numpy reference, the training loop, and the CLI (CPU)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evalkit.core import InvalidOptionError
from evalkit.generator import rnn_numpy as rn

torch = pytest.importorskip("torch")

from evalkit.generator.lstm_torch import (  # noqa: E402
    TorchRNNLM,
    load_numpy_params,
    nll_sum,
    numpy_params,
    resolve_device,
)


@pytest.fixture(autouse=True)
def _one_thread():
    # two test workers on two cores: more threads would only contend
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize(("n_layers", "tie"), [(1, False), (3, False), (2, True)])
def test_twins_give_equal_logits_and_gradients(cell, n_layers, tie):
    spec = rn.ModelSpec(cell=cell, vocab_size=11, emb_dim=6, hidden_dim=6, n_layers=n_layers, tie_weights=tie)
    params = rn.init_params(spec, seed=2, dtype=np.float64)
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 11, (4, 7))
    targets = rng.integers(1, 11, (4, 7))
    targets[1, 4:] = 0  # variable lengths (0 is padding) and a masked prefix, as a prompt
    targets[2, 2:] = 0
    targets[3, :3] = 0
    loss, grads = rn.loss_and_grads(spec, params, tokens, targets, (targets != 0).astype(np.float64))
    logits, _, _ = rn.forward(spec, params, tokens)

    t_logits, _ = model(torch.from_numpy(tokens))
    nll, n = nll_sum(model, torch.from_numpy(tokens), torch.from_numpy(targets), 0)
    (nll / n).backward()
    assert np.abs(t_logits.detach().numpy() - logits).max() < 1e-6
    assert abs(float(nll.detach() / n) - loss) < 1e-6
    t_grads = {name: p.grad.numpy() for name, p in model.named_parameters()}
    assert set(t_grads) == set(grads)  # the tied decoder weight is one parameter in both
    for name, g in grads.items():
        assert np.abs(t_grads[name] - g).max() < 1e-6, name


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_pointer_twins_give_equal_loss_and_gradients(cell, n_layers):
    v = 11
    spec = rn.ModelSpec(cell=cell, vocab_size=v, emb_dim=6, hidden_dim=6, n_layers=n_layers, pointer=True)
    params = rn.init_params(spec, seed=2, dtype=np.float64)
    params["copy.weight"] *= 5  # a peaked attention, so that copying matters
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, v, (5, 8))
    source = np.full((5, 8), -1)  # row 4: nothing to copy
    source[:4, 1:4] = [[3, v, 3], [v + 1, 4, v], [5, 6, 7], [v, v, 2]]
    source[2, 3] = -1  # rows of different exemplar lengths
    targets = np.zeros((5, 8), dtype=np.int64)  # 0 is padding
    targets[:, 4:] = [[3, v, 8, 2], [v + 1, 4, v, 0], [5, 9, 0, 0], [v, 2, 2, 2], [3, 2, 0, 0]]
    mask = (targets != 0).astype(np.float64)
    loss, grads = rn.loss_and_grads(spec, params, tokens, targets, mask, source=source)
    logits, _, cache = rn.forward(spec, params, tokens, source=source)
    logp = rn.target_log_probs(spec, logits, cache, targets, source)

    nll, n = nll_sum(model, torch.from_numpy(tokens), torch.from_numpy(targets), 0, torch.from_numpy(source))
    (nll / n).backward()
    assert abs(float(nll.detach() / n) - loss) < 1e-6
    with torch.no_grad():
        assert np.abs(model(torch.from_numpy(tokens), source=torch.from_numpy(source))[0].numpy() - logits).max() < 1e-6
    with pytest.raises(InvalidOptionError, match="needs the copy ids"):
        model(torch.from_numpy(tokens))
    t_grads = {name: p.grad.numpy() for name, p in model.named_parameters()}
    assert set(t_grads) == set(grads)
    for name, g in grads.items():
        assert np.abs(t_grads[name] - g).max() < 1e-6, name
    # the decoding distribution at position 4: torch's next_log_probs against numpy's p(y), y over every id
    with torch.no_grad():
        out, _ = model.rnn(model.embedding(torch.from_numpy(tokens)))
        theirs = model.next_log_probs(out[:, 4], out, torch.from_numpy(source), 2).numpy()
    with np.errstate(divide="ignore"):  # p(y) = 0 for an extended id that a row's exemplar lacks
        ours = np.stack(
            [rn.target_log_probs(spec, logits, cache, np.full_like(targets, y), source)[:, 4] for y in range(v + 2)],
            axis=1,
        )
    assert np.array_equal(np.isfinite(ours), np.isfinite(theirs)) and not np.isfinite(ours[0, v + 1])
    finite = np.isfinite(ours)
    assert np.abs(ours[finite] - theirs[finite]).max() < 1e-6
    assert np.exp(ours).sum(axis=1) == pytest.approx(np.ones(5), abs=1e-12)
    assert np.array_equal(np.take_along_axis(ours, targets[:, 4:5], 1)[:, 0], logp[:, 4])


def test_pointer_loss_stays_finite_when_the_gate_saturates():
    # p_gen = sigmoid(±40) is exactly 1 or 0 in float32; the loss is summed in log space, so a target that
    # only copying (or only generating) can produce still has a finite loss and gradient
    v = 11
    spec = rn.ModelSpec(cell="lstm", vocab_size=v, emb_dim=6, hidden_dim=6, pointer=True)
    tokens = np.random.default_rng(1).integers(1, v, (2, 6))
    source = np.full((2, 6), -1)
    source[:, 1:3] = [[v, 3], [4, v + 1]]
    targets = np.zeros((2, 6), dtype=np.int64)
    targets[:, 3:] = [[v, 7, 2], [v + 1, 4, 9]]  # copy-only, generate-only, both
    mask = (targets != 0).astype(np.float64)
    for bias in (40.0, -40.0):
        params = rn.init_params(spec, seed=2, dtype=np.float64)
        params["gate.bias"][0] = bias
        loss, _ = rn.loss_and_grads(spec, params, tokens, targets, mask, source=source)
        model = load_numpy_params(TorchRNNLM(spec), params)  # float32
        nll, n = nll_sum(model, torch.from_numpy(tokens), torch.from_numpy(targets), 0, torch.from_numpy(source))
        (nll / n).backward()
        assert math.isfinite(loss) and float((nll / n).detach()) == pytest.approx(loss, rel=1e-5)
        assert all(torch.isfinite(p.grad).all() for p in model.parameters())


def test_weights_round_trip_and_eval_mode_ignores_dropout():
    spec = rn.ModelSpec(cell="lstm", vocab_size=9, emb_dim=4, hidden_dim=5, n_layers=2, dropout=0.5)
    params = rn.init_params(spec, seed=1, dtype=np.float64)
    model = load_numpy_params(TorchRNNLM(spec).double(), params).eval()
    back = numpy_params(model)
    assert all(np.array_equal(back[k], params[k]) for k in params)
    tokens = np.random.default_rng(3).integers(0, 9, (2, 5))
    logits, _, _ = rn.forward(spec, params, tokens)  # rng=None: evaluation, no dropout
    with torch.no_grad():
        assert np.abs(model(torch.from_numpy(tokens))[0].numpy() - logits).max() < 1e-12


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: rn.SGD(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
        (lambda: rn.SGD(lr=0.1, momentum=0.9, weight_decay=0.01), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01)),
        (lambda: rn.RMSProp(lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8)),
        (lambda: rn.Adam(lr=0.01, weight_decay=0.1), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1)),
    ],
)  # fmt: skip
def test_optimizers_step_like_torch_optim(ours, theirs):
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(3)]
    params = {"w": p0.copy()}
    opt = ours()
    w = torch.tensor(p0.copy(), requires_grad=True)
    topt = theirs([w])
    for g in grads:
        opt.step(params, {"w": g})
        w.grad = torch.from_numpy(g.copy())
        topt.step()
    assert np.abs(params["w"] - w.detach().numpy()).max() < 1e-12


def test_clip_matches_torch():
    rng = np.random.default_rng(1)
    grads = {"a": rng.normal(size=(3, 3)), "b": rng.normal(size=5)}
    tensors = [
        torch.zeros(3, 3, dtype=torch.float64, requires_grad=True),
        torch.zeros(5, dtype=torch.float64, requires_grad=True),
    ]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    norm = torch.nn.utils.clip_grad_norm_(tensors, 0.5)
    clipped, ours = rn.clip_grad_norm(grads, 0.5)
    assert ours == pytest.approx(float(norm), rel=1e-12)
    for t, name in zip(tensors, grads):
        assert np.abs(t.grad.numpy() - clipped[name]).max() < 1e-12


def test_beam_search_reads_packed_prompts_as_one_at_a_time():
    from evalkit.generator.config import TrainConfig
    from evalkit.generator.data import Vocab
    from evalkit.generator.model import define

    vocab = Vocab(level="word", chars=list("abcdefg"), tokens=[f"w{i}" for i in range(12)])
    spec = rn.ModelSpec(cell="lstm", vocab_size=len(vocab), emb_dim=6, hidden_dim=8, n_layers=2)
    params = rn.init_params(spec, seed=3, dtype=np.float64)
    params["decoder.weight"] *= 10
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    words = ["abc", "g", "fedcba", "bad", "cafe"]
    kw = {"config": TrainConfig(exemplars=0, pointer=False), "max_len": 5}
    together = define(model, vocab, words, strategy="beam", beam_size=3, **kw)
    alone = [define(model, vocab, [w], strategy="beam", beam_size=3, **kw)[0] for w in words]
    assert together == alone and any(together)
    greedy = define(model, vocab, words, **kw)
    assert define(model, vocab, words, strategy="beam", beam_size=1, **kw) == greedy


def test_pointer_decoding_copies_words_outside_the_vocabulary():
    from evalkit.generator.config import TrainConfig
    from evalkit.generator.data import Vocab
    from evalkit.generator.model import define

    vocab = Vocab(level="word", chars=list("abcdefg"), tokens=[f"w{i}" for i in range(12)])
    spec = rn.ModelSpec(cell="lstm", vocab_size=len(vocab), emb_dim=6, hidden_dim=8, pointer=True)
    params = rn.init_params(spec, seed=3, dtype=np.float64)
    params["decoder.weight"] *= 10
    words = ["abc", "g", "fedcba", "bad", "cafe"]
    exemplars = {w: [f"w{i} Canis w{i + 1} lupus{i}"] for i, w in enumerate(words)}
    for copy_bias, check in ((-30.0, "copies"), (0.0, "mixes")):
        params["gate.bias"][0] = copy_bias  # p_gen = sigmoid(-30): the model copies
        model = load_numpy_params(TorchRNNLM(spec).double(), params)
        kw = {"exemplars": exemplars, "config": TrainConfig(exemplars=1, max_len=20), "max_len": 6}
        together = define(model, vocab, words, strategy="beam", beam_size=3, **kw)
        alone = [define(model, vocab, [w], strategy="beam", beam_size=3, **kw)[0] for w in words]
        greedy = define(model, vocab, words, **kw)
        assert together == alone and define(model, vocab, words, strategy="beam", beam_size=1, **kw) == greedy
        if check == "copies":  # every word comes from the exemplar, those outside the vocabulary included
            assert all(set(out.split()) <= set(exemplars[w][0].split()) for w, out in zip(words, greedy))
            assert any("Canis" in out or "lupus" in out for out in greedy + together), greedy
        sampled = define(model, vocab, words, strategy="sample", seed=1, **kw)
        assert sampled == define(model, vocab, words, strategy="sample", seed=1, **kw)
        # greedy without a repeated bigram is one beam without one
        plain = define(model, vocab, words, no_repeat_ngram=2, **kw)
        assert plain == define(model, vocab, words, strategy="beam", beam_size=1, no_repeat_ngram=2, **kw)
        assert all(len(set(zip(t.split(), t.split()[1:]))) == len(t.split()) - 1 for t in plain if t)
    with pytest.raises(InvalidOptionError, match="'no_repeat_ngram' option of define"):
        define(model, vocab, words, strategy="sample", no_repeat_ngram=2, **kw)
    # copy_bias b decodes as a gate bias lowered by b: sigmoid(z - 30) is the gate of bias -30
    params["gate.bias"][0] = -30.0
    forced = load_numpy_params(TorchRNNLM(spec).double(), params)
    for strategy in ("greedy", "beam"):
        assert define(model, vocab, words, strategy=strategy, copy_bias=30.0, **kw) == define(
            forced, vocab, words, strategy=strategy, **kw
        )
    plain_spec = rn.ModelSpec(cell="lstm", vocab_size=len(vocab), emb_dim=6, hidden_dim=8)  # no copying
    plain = load_numpy_params(TorchRNNLM(plain_spec), rn.init_params(plain_spec))
    with pytest.raises(InvalidOptionError, match="'copy_bias' option of define needs a pointer model"):
        define(plain, vocab, words, config=TrainConfig(exemplars=0, pointer=False), copy_bias=1.0)


def test_resolve_device():
    assert str(resolve_device("cpu")) == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="'device' parameter of resolve_device"):
        resolve_device("gpu")


def test_import_evalkit_and_numpy_reference_do_not_import_torch():
    code = (
        "import sys, evalkit, evalkit.cli, evalkit.generator.rnn_numpy, evalkit.generator.train; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_short_training_lowers_validation_perplexity_and_resumes(tmp_path):
    from evalkit.generator.config import TrainConfig
    from evalkit.generator.train import train

    cfg = TrainConfig(
        limit=300, emb_dim=16, hidden_dim=32, max_vocab=300, epochs=2, eval_words=0, lr=1e-2, dropout=0.0,
        threads=1, device="cpu",
    )  # fmt: skip
    lines: list[str] = []
    train(cfg, tmp_path, log=lines.append)
    history = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    vocab_size = int(lines[0].split("vocab=")[1].split()[0])
    # an untrained model is near-uniform: perplexity ~ vocabulary size; training must beat that, then improve
    assert history[0]["val_perplexity"] < 0.5 * vocab_size
    assert history[1]["val_perplexity"] < history[0]["val_perplexity"]
    # resuming a finished run to a later epoch continues the history
    record = train(TrainConfig(**{**cfg.to_dict(), "epochs": 3}), tmp_path, resume=True, log=lines.append)
    assert record["epoch"] == 3 and len((tmp_path / "log.jsonl").read_text().splitlines()) == 3


def test_best_weights_are_those_of_the_lowest_validation_perplexity(tmp_path, monkeypatch):
    from evalkit.generator import train as train_module
    from evalkit.generator.config import TrainConfig
    from evalkit.generator.model import DefinitionModel, read_checkpoint
    from evalkit.generator.train import train

    # scripted perplexities: the best epoch is the second
    scripted = iter([5.0, 3.0, 4.0, 3.5])
    monkeypatch.setattr(train_module, "validation_perplexity", lambda *a, **k: next(scripted))
    cfg = TrainConfig(
        limit=60, emb_dim=8, hidden_dim=8, max_vocab=50, epochs=2, eval_words=0, threads=1, device="cpu",
    )  # fmt: skip
    train(cfg, tmp_path, log=lambda _: None)
    second = DefinitionModel.load(tmp_path / "checkpoint.pt", device="cpu", weights="last").network
    record = train(TrainConfig(**{**cfg.to_dict(), "epochs": 3}), tmp_path, resume=True, log=lambda _: None)
    assert record["best_epoch"] == 2
    best = DefinitionModel.load(tmp_path / "checkpoint.pt", device="cpu").network
    ckpt = read_checkpoint(tmp_path / "checkpoint.pt")
    last = DefinitionModel.load(tmp_path / "checkpoint.pt", device="cpu", weights="last").network
    assert ckpt["best"]["epoch"] == 2 and ckpt["epoch"] == 3
    for name, value in best.state_dict().items():
        assert torch.equal(value, second.state_dict()[name])
    assert not torch.equal(last.embedding.weight, second.embedding.weight)
    # the learning rate: kept while the perplexity falls (5, 3), then annealed after each epoch that does not
    # beat the best (4, 3.5), across resumes
    lrs = [json.loads(line)["lr"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert lrs == [cfg.lr, cfg.lr, cfg.lr * cfg.lr_decay]
    record = train(TrainConfig(**{**cfg.to_dict(), "epochs": 4}), tmp_path, resume=True, log=lambda _: None)
    assert record["lr"] == pytest.approx(cfg.lr * cfg.lr_decay**2) and record["best_epoch"] == 2


def test_a_checkpoint_from_before_copying_loads_and_resumes_as_it_was_trained(tmp_path):
    from evalkit.generator.config import TrainConfig
    from evalkit.generator.model import DefinitionModel
    from evalkit.generator.train import train

    cfg = TrainConfig(
        limit=60, emb_dim=8, hidden_dim=8, max_vocab=50, epochs=1, eval_words=0, threads=1, device="cpu",
        exemplars=0, pointer=False, lr_decay=1.0,
    )  # fmt: skip
    train(cfg, tmp_path, log=lambda _: None)
    ckpt = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    for field in ("exemplars", "pointer", "lr_decay"):  # not saved by the versions before them
        del ckpt["config"][field]
    for key in ("exemplar_index", "rng", "format"):  # nor these, by the versions before DefinitionModel
        del ckpt[key]
    torch.save(ckpt, tmp_path / "checkpoint.pt")
    model = DefinitionModel.load(tmp_path / "checkpoint.pt", device="cpu")
    assert not model.network.spec.pointer and (model.config.exemplars, model.config.lr_decay) == (0, 1.0)
    # without a saved index, the training words are rebuilt from WordNet by the config
    assert len(model.train_pairs) == 60 and model.define(["dog"], max_len=3)
    # resuming keeps the checkpoint's model and data, whatever today's defaults are, and says so
    with pytest.warns(UserWarning, match=r"ignores pointer=True \(the checkpoint's: False\)"):
        record = train(TrainConfig(**{**cfg.to_dict(), "epochs": 2, "pointer": True}), tmp_path, resume=True,
                       log=lambda _: None)  # fmt: skip
    assert record["epoch"] == 2


def test_cli_dry_run_end_to_end(tmp_path):
    from click.testing import CliRunner

    from evalkit.generator.cli import generator as main
    from evalkit.generator.model import read_checkpoint

    runner = CliRunner()
    # the dry run shrinks only what was not given: these flags are kept
    flags = ["--dry-run", "--device", "cpu", "--epochs", "2", "--tie-weights", "--hidden-dim", "24", "--limit", "80"]
    res = runner.invoke(main, ["train", *flags, "--out", str(tmp_path), "--log-every", "1"])
    assert res.exit_code == 0, res.output
    assert "val_perplexity=" in res.output and (tmp_path / "checkpoint.pt").exists()
    cfg = read_checkpoint(tmp_path / "checkpoint.pt")["config"]
    # given: kept; not given: the dry run's small sizes (the embedding follows the hidden size, tied)
    assert (cfg["epochs"], cfg["tie_weights"], cfg["hidden_dim"], cfg["emb_dim"], cfg["limit"]) == (2, True, 24, 24, 80)
    assert (cfg["max_vocab"], cfg["eval_words"]) == (500, 8)
    # a line every batch with the gradient norm; text metrics x100 and labelled so, fractions in the JSON log
    assert "epoch 2 batch 1/" in res.output and "grad_norm=" in res.output and "val_bleu(x100)=" in res.output
    assert 0 <= json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])["val_bleu"] <= 1
    # resume: --epochs may change; --dropout cannot, and is named; what the user did not set is not
    resume = ["train", "--dry-run", "--device", "cpu", "--epochs", "3", "--out", str(tmp_path), "--resume"]
    with pytest.warns(UserWarning, match=r"ignores dropout=0\.5 \(the checkpoint's: 0\.2\)") as caught:
        res = runner.invoke(main, [*resume, "--dropout", "0.5"])
    assert res.exit_code == 0, res.output
    assert not any("hidden_dim" in str(w.message) or "limit" in str(w.message) for w in caught)
    assert read_checkpoint(tmp_path / "checkpoint.pt")["epoch"] == 3
    ckpt = str(tmp_path / "checkpoint.pt")
    res = runner.invoke(
        main, ["define", "dog", "kindness", "--checkpoint", ckpt, "--device", "cpu", "--weights", "last"]
    )
    assert res.exit_code == 0, res.output
    assert res.output.startswith("dog : ") and "\nkindness : " in res.output
    res = runner.invoke(
        main,
        [
            "evaluate",
            "--checkpoint",
            ckpt,
            "--device",
            "cpu",
            "--json",
            str(tmp_path / "t.json"),
            "--save",
            str(tmp_path / "s"),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "t.json").read_text())
    assert [r["system"] for r in rows][1:] == ["baseline: most frequent definition", "baseline: nearest spelling"]
    assert len((tmp_path / "s" / "model.txt").read_text().splitlines()) == len(
        rows and (tmp_path / "s" / "words.txt").read_text().splitlines()
    )
    res = runner.invoke(main, ["rescore", str(tmp_path / "s")])
    assert res.exit_code == 0, res.output
    assert [line.split(" | ")[0] for line in res.output.splitlines()] == [
        "model",
        "baseline: most frequent definition",
        "baseline: nearest spelling",
    ]
    # without --out the run directory is temporary, and its removal is said
    res = runner.invoke(main, ["train", "--dry-run", "--device", "cpu", "--limit", "30", "--quiet"])
    assert res.exit_code == 0, res.output
    assert not Path(res.output.split("removed its run directory ")[1].split()[0]).exists()
    res = runner.invoke(main, ["train", "--out", str(tmp_path / "x"), "--lr", "-1", "--limit", "5"])
    assert res.exit_code != 0 and "'lr' parameter of TrainConfig" in res.output
    res = runner.invoke(main, ["train", "--out", str(tmp_path / "x"), "--exemplars", "-1", "--limit", "5"])
    assert res.exit_code != 0 and "'exemplars' parameter of TrainConfig" in res.output
