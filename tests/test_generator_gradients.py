"""Gradient diagnostics: ||dL/dh_t|| against torch autograd, the vanishing gradient as a property (the
LSTM keeps more of it than the tanh RNN), clipping's bookkeeping, and the figure."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from evalkit.core import InvalidOptionError
from evalkit.core.errors import MissingDependencyError
from evalkit.generator import rnn_numpy as rn
from evalkit.generator.cli import generator as main
from evalkit.generator.gradients import (
    gradient_study,
    hidden_gradient_norms,
    plot_gradient_study,
    recall_batch,
)


@pytest.mark.parametrize("cell", rn.CELLS)
@pytest.mark.parametrize("last", [1, 3])
def test_hidden_gradient_norms_equal_torch_autograd(cell, last):
    torch = pytest.importorskip("torch")
    from evalkit.generator.lstm_torch import TorchRNNLM, load_numpy_params

    spec = rn.ModelSpec(cell=cell, vocab_size=7, emb_dim=5, hidden_dim=6, n_layers=2)
    params = rn.init_params(spec, seed=1, dtype=np.float64)
    params = {k: v * 3 for k, v in params.items()}  # larger weights: norms that differ from step to step
    tokens, targets, _ = recall_batch(np.random.default_rng(2), 3, 9, 7)
    ours = hidden_gradient_norms(spec, params, tokens, targets, last=last)

    # the reference: torch's cells one step at a time, each state kept and its .grad read after backward
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    layer_in = model.embedding(torch.from_numpy(tokens))
    states = []
    for layer in range(spec.n_layers):
        cell_layer = getattr(torch.nn, cell.upper())(spec.emb_dim if layer == 0 else spec.hidden_dim, spec.hidden_dim,
                                                     batch_first=True).double()  # fmt: skip
        cell_layer.load_state_dict({k.replace(f"_l{layer}", "_l0"): v for k, v in model.rnn.state_dict().items()
                                    if k.endswith(f"_l{layer}")})  # fmt: skip
        state, kept = None, []
        for t in range(tokens.shape[1]):
            out, state = cell_layer(layer_in[:, t : t + 1], state)
            # one tensor for h_t, read by the layer above and by the next step, so its .grad is dL/dh_t
            h = out[:, 0]
            h.retain_grad()
            kept.append(h)
            state = (h[None], state[1]) if cell == "lstm" else h[None]
        states.append(kept)
        layer_in = torch.stack(kept, dim=1)
    logits = model.decoder(layer_in[:, -last:])
    y = torch.from_numpy(targets[:, -last:])
    torch.nn.functional.cross_entropy(logits.reshape(-1, 7), y.reshape(-1)).backward()
    theirs = np.array([[float(h.grad.norm()) for h in kept] for kept in states])
    assert np.allclose(ours, theirs, rtol=1e-10, atol=0)


def test_loss_at_the_last_step_only_and_the_gradient_vanishes_back_in_time():
    spec = rn.ModelSpec(cell="rnn", vocab_size=5, emb_dim=4, hidden_dim=4)
    params = rn.init_params(spec, seed=0, dtype=np.float64)
    tokens, targets, _ = recall_batch(np.random.default_rng(0), 4, 12, 5)
    norms = hidden_gradient_norms(spec, params, tokens, targets)[0]
    # targets before the last step do not matter: only the last one is read
    other = targets.copy()
    other[:, :-1] = (other[:, :-1] + 1) % 5
    assert np.array_equal(norms, hidden_gradient_norms(spec, params, tokens, other)[0])
    assert np.all(np.diff(norms) > 0)  # small initial weights: every step back shrinks it


def test_lstm_keeps_more_of_the_gradient_than_the_tanh_rnn():
    # the property, not a number: ||dL/dh_0|| / ||dL/dh_T|| over 30 steps is larger for the LSTM (forget gate
    # near sigmoid(1)) than for the plain RNN, for every one of several seeds of a tiny model
    for seed in range(4):
        rnn, lstm = gradient_study(cells=("rnn", "lstm"), hidden_dim=8, steps=30, train_steps=0, clips=(),
                                   seed=seed)  # fmt: skip
        assert lstm.init[0] / lstm.init[-1] > 10 * rnn.init[0] / rnn.init[-1], seed


def test_study_records_the_norm_before_clipping_and_clipping_changes_the_run():
    clipped = gradient_study(cells=("rnn",), hidden_dim=6, steps=8, train_steps=5, clips=(1e-3,))[0]
    plain = gradient_study(cells=("rnn",), hidden_dim=6, steps=8, train_steps=5, clips=(0.0,))[0]
    # the first step sees the same parameters and batch in both runs: the same norm, recorded before clipping
    assert clipped.step_norms[1e-3][0] == plain.step_norms[0.0][0] > 1e-3
    assert not np.array_equal(clipped.trained[1e-3], plain.trained[0.0])
    assert np.array_equal(clipped.init, plain.init)
    row = plain.summary()
    assert row["cell"] == "rnn" and row["no_clip"]["max_step_norm"] == plain.step_norms[0.0].max()
    assert set(clipped.summary()) == {"cell", "init_ratio", "clip_0.001"}


def test_study_options_are_checked():
    with pytest.raises(InvalidOptionError, match="'cells' parameter of gradient_study"):
        gradient_study(cells=("transformer",))
    with pytest.raises(InvalidOptionError, match="'clips' parameter of gradient_study"):
        gradient_study(clips=(-1.0,))
    with pytest.raises(InvalidOptionError, match="'optimizer' parameter of gradient_study"):
        gradient_study(optimizer="lbfgs")
    spec = rn.ModelSpec(cell="rnn", vocab_size=5, emb_dim=4, hidden_dim=4)
    tokens = np.zeros((1, 3), dtype=np.int64)
    with pytest.raises(InvalidOptionError, match="'last' parameter of hidden_gradient_norms must be at most T = 3"):
        hidden_gradient_norms(spec, rn.init_params(spec, dtype=np.float64), tokens, tokens, last=4)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_cli_writes_the_figure(tmp_path, suffix):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"grads{suffix}"
    args = ["gradients", "--out", str(out), "--hidden-dim", "4", "--steps", "6", "--train-steps", "3"]
    res = CliRunner().invoke(main, [*args, "--json", str(tmp_path / "g.json")])
    assert res.exit_code == 0, res.output
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in out.read_bytes()
    assert out.stat().st_size > 1000
    assert [line.split(":")[0] for line in res.output.splitlines()[:3]] == list(rn.CELLS)
    assert (tmp_path / "g.json").stat().st_size > 0


def test_figure_path_and_missing_matplotlib_are_clear_errors(tmp_path, monkeypatch):
    res = CliRunner().invoke(main, ["gradients", "--out", str(tmp_path / "g.pdf")])
    assert res.exit_code != 0 and "must end in one of .png, .svg" in res.output
    assert not (tmp_path / "g.pdf").exists()
    study = gradient_study(cells=("gru",), hidden_dim=3, steps=4, train_steps=0, clips=())
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an import of it now fails
    with pytest.raises(MissingDependencyError, match=r"pip install 'evalkit\[plot\]'"):
        plot_gradient_study(study, tmp_path / "g.png")
