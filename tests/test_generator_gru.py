"""The GRU cell of both twins (central differences, numpy against torch.nn.GRU) and the optimizers (SGD
momentum and Nesterov, AdamW's decoupled weight decay) against hand computations and torch.optim."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import central_difference_errors

from evalkit.core import InvalidOptionError
from evalkit.generator import rnn_numpy as rn
from evalkit.generator.config import TrainConfig

torch = pytest.importorskip("torch")

from evalkit.generator.lstm_torch import TorchRNNLM, load_numpy_params, nll_sum, numpy_params, torch_optimizer  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    # two test workers on two cores: more threads would only contend
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# -- GRU ----------------------------------------------------------------------------------------------------


def test_gru_step_by_hand():
    # one unit, one input, W_ih = [1, 2, 3] (r, z, n), W_hh = [0.5, -1, 2], biases b_ih = [0, 0, 0.1],
    # b_hh = [0, 0, -0.2]; x = 1, h = 0.5:
    #   r = sigmoid(1 + 0.25) = sigmoid(1.25); z = sigmoid(2 - 0.5) = sigmoid(1.5)
    #   n = tanh(3 + 0.1 + r * (2 * 0.5 - 0.2)) = tanh(3.1 + 0.8 r);  h' = (1 - z) n + z * 0.5
    spec = rn.ModelSpec(cell="gru", vocab_size=2, emb_dim=1, hidden_dim=1)
    params = {
        "rnn.weight_ih_l0": np.array([[1.0], [2.0], [3.0]]),
        "rnn.weight_hh_l0": np.array([[0.5], [-1.0], [2.0]]),
        "rnn.bias_ih_l0": np.array([0.0, 0.0, 0.1]),
        "rnn.bias_hh_l0": np.array([0.0, 0.0, -0.2]),
    }
    h_new, c_new, _ = rn.cell_step(spec, params, 0, np.array([[1.0]]), np.array([[0.5]]), None)
    r, z = 1 / (1 + math.exp(-1.25)), 1 / (1 + math.exp(-1.5))
    n = math.tanh(3.1 + 0.8 * r)
    assert c_new is None and h_new[0, 0] == pytest.approx((1 - z) * n + z * 0.5, rel=1e-14)


@pytest.mark.parametrize("tie", [False, True])
def test_gru_gradient_check_float64(tie):
    spec = rn.ModelSpec(cell="gru", vocab_size=6, emb_dim=4, hidden_dim=4, n_layers=2, dropout=0.3, tie_weights=tie)
    r = np.random.default_rng(3)
    # weights of O(1) (not the small init) so every gradient is far above finite-difference round-off
    params = {k: r.normal(0.0, 0.5, v.shape) for k, v in rn.init_params(spec, dtype=np.float64).items()}
    data = np.random.default_rng(0)
    tokens, targets = data.integers(0, 6, (3, 5)), data.integers(0, 6, (3, 5))
    mask = np.ones((3, 5))
    mask[1, 2:] = 0  # variable lengths
    mask[2, 4:] = 0

    def loss_grads():  # the same dropout masks on every call: a fixed function of the parameters
        return rn.loss_and_grads(spec, params, tokens, targets, mask, rng=np.random.default_rng(5))

    errors = central_difference_errors(params, loss_grads)
    assert max(errors.values()) < 1e-6, errors  # the LSTM's tolerance (tests/test_generator.py)


def test_gru_pointer_gradient_check_float64():
    v = 6
    spec = rn.ModelSpec(cell="gru", vocab_size=v, emb_dim=4, hidden_dim=4, pointer=True)
    r = np.random.default_rng(4)
    params = {k: r.normal(0.0, 0.5, x.shape) for k, x in rn.init_params(spec, dtype=np.float64).items()}
    tokens = np.random.default_rng(0).integers(0, v, (2, 6))
    source = np.full((2, 6), -1)
    source[:, 1:4] = [[2, v, 2], [v + 1, 3, v]]
    targets = np.zeros((2, 6), dtype=np.int64)
    targets[:, 4:] = [[2, v], [v + 1, 5]]
    mask = (targets != 0).astype(np.float64)
    errors = central_difference_errors(
        params, lambda: rn.loss_and_grads(spec, params, tokens, targets, mask, source=source)
    )
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize(("n_layers", "tie"), [(1, False), (3, False), (2, True)])
def test_gru_twins_give_equal_logits_and_gradients(n_layers, tie):
    spec = rn.ModelSpec(cell="gru", vocab_size=11, emb_dim=6, hidden_dim=6, n_layers=n_layers, tie_weights=tie)
    params = rn.init_params(spec, seed=2, dtype=np.float64)
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    assert isinstance(model.rnn, torch.nn.GRU)
    assert all(np.array_equal(numpy_params(model)[k], params[k]) for k in params)  # nn.GRU's layout, r|z|n
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 11, (4, 7))
    targets = rng.integers(1, 11, (4, 7))
    targets[1, 4:] = 0  # variable lengths (0 is padding) and a masked prefix, as a prompt
    targets[2, 2:] = 0
    targets[3, :3] = 0
    loss, grads = rn.loss_and_grads(spec, params, tokens, targets, (targets != 0).astype(np.float64))
    logits, final, _ = rn.forward(spec, params, tokens)

    t_logits, t_state = model(torch.from_numpy(tokens))
    nll, n = nll_sum(model, torch.from_numpy(tokens), torch.from_numpy(targets), 0)
    (nll / n).backward()
    assert np.abs(t_logits.detach().numpy() - logits).max() < 1e-6
    assert np.abs(t_state.detach().numpy() - np.stack([h for h, _ in final])).max() < 1e-6
    assert abs(float(nll.detach() / n) - loss) < 1e-6
    t_grads = {name: p.grad.numpy() for name, p in model.named_parameters()}
    assert set(t_grads) == set(grads)
    for name, g in grads.items():
        assert np.abs(t_grads[name] - g).max() < 1e-6, name


def test_gru_pointer_twins_give_equal_loss_and_gradients():
    v = 11
    spec = rn.ModelSpec(cell="gru", vocab_size=v, emb_dim=6, hidden_dim=6, n_layers=2, pointer=True)
    params = rn.init_params(spec, seed=2, dtype=np.float64)
    params["copy.weight"] *= 5  # a peaked attention, so that copying matters
    model = load_numpy_params(TorchRNNLM(spec).double(), params)
    rng = np.random.default_rng(1)
    tokens = rng.integers(1, v, (3, 8))
    source = np.full((3, 8), -1)
    source[:, 1:4] = [[3, v, 3], [v + 1, 4, v], [5, 6, 7]]
    targets = np.zeros((3, 8), dtype=np.int64)
    targets[:, 4:] = [[3, v, 8, 2], [v + 1, 4, v, 0], [5, 9, 0, 0]]
    mask = (targets != 0).astype(np.float64)
    loss, grads = rn.loss_and_grads(spec, params, tokens, targets, mask, source=source)
    nll, n = nll_sum(model, torch.from_numpy(tokens), torch.from_numpy(targets), 0, torch.from_numpy(source))
    (nll / n).backward()
    assert abs(float(nll.detach() / n) - loss) < 1e-6
    for name, p in model.named_parameters():
        assert np.abs(p.grad.numpy() - grads[name]).max() < 1e-6, name


def test_gru_is_a_cell_everywhere():
    assert "gru" in rn.CELLS and rn.ModelSpec(cell="gru").gates == 3
    assert TrainConfig(cell="gru").cell == "gru"
    with pytest.raises(InvalidOptionError, match=r"'cell' parameter of ModelSpec .*'gru'.* Got 'transformer'"):
        rn.ModelSpec(cell="transformer")


# -- optimizers: hand computations ------------------------------------------------------------------------


def _steps(opt, grads, p0=1.0):
    p = {"w": np.array([p0])}
    for g in grads:
        opt.step(p, {"w": np.array([g])})
    return float(p["w"][0])


def test_nesterov_rule():
    # b1 = 0.5: p = 1 - 0.1 * (0.5 + 0.9 * 0.5) = 0.905
    # b2 = 0.9 * 0.5 - 1 = -0.55: p = 0.905 - 0.1 * (-1 + 0.9 * -0.55) = 0.905 + 0.1495 = 1.0545
    assert _steps(rn.SGD(lr=0.1, momentum=0.9, nesterov=True), [0.5, -1.0]) == pytest.approx(1.0545, abs=1e-15)


def test_adamw_decays_the_parameters_not_the_gradient():
    # step 1: p = 1 * (1 - 0.1 * 0.5) = 0.95, then Adam's first step lr * m_hat / sqrt(v_hat) = 0.1 * sign(g)
    # step 2: p = 0.85 * 0.95 = 0.8075; m = 0.9*0.05 + 0.1*0.5 = 0.095, v = 0.999*0.00025 + 0.001*0.25
    b1, b2 = 0.9, 0.999
    m_hat, v_hat = 0.095 / (1 - b1**2), (0.999 * 0.00025 + 0.00025) / (1 - b2**2)
    expected = (0.95 - 0.1) * 0.95 - 0.1 * m_hat / math.sqrt(v_hat)
    assert _steps(rn.AdamW(lr=0.1, weight_decay=0.5, eps=0.0), [0.5, 0.5]) == pytest.approx(expected, abs=1e-12)
    # coupled decay instead: Adam of g + 0.5 p, whose first step is again lr * sign: 1 - 0.1, not 0.95 - 0.1
    assert _steps(rn.Adam(lr=0.1, weight_decay=0.5, eps=0.0), [0.5]) == pytest.approx(0.9, abs=1e-12)


# -- optimizers: several steps against torch.optim ----------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True},
        {"optimizer": "sgd", "lr": 0.05, "momentum": 0.5, "nesterov": True, "weight_decay": 0.01},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 0.1},
        {"optimizer": "adam", "lr": 0.01, "weight_decay": 0.1},
        {"optimizer": "adamw", "lr": 0.01, "weight_decay": 0.1},
        {"optimizer": "adamw", "lr": 0.01},
        {"optimizer": "rmsprop", "lr": 0.01, "weight_decay": 0.01},
    ],
)
def test_optimizers_step_like_torch_optim(options):
    cfg = TrainConfig(**options)
    rng = np.random.default_rng(0)
    p0 = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    grads = [{k: rng.normal(size=v.shape) for k, v in p0.items()} for _ in range(6)]
    params = {k: v.copy() for k, v in p0.items()}
    ours = rn.OPTIMIZERS[cfg.optimizer](**cfg.optimizer_options())
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in p0.items()}
    theirs = torch_optimizer(cfg.optimizer, list(tensors.values()), **cfg.optimizer_options())
    for step, g in enumerate(grads):
        if step == 3:  # the learning rate annealed mid-run, as train() does between epochs
            ours.lr *= 0.5
            for group in theirs.param_groups:
                group["lr"] *= 0.5
        ours.step(params, g)
        for k, t in tensors.items():
            t.grad = torch.from_numpy(g[k].copy())
        theirs.step()
    for k, t in tensors.items():
        assert np.abs(params[k] - t.detach().numpy()).max() < 1e-12, k


def test_every_optimizer_name_builds_in_both_twins():
    w = torch.zeros(2, requires_grad=True)
    for name in rn.OPTIMIZERS:
        opts = TrainConfig(optimizer=name).optimizer_options()
        assert type(torch_optimizer(name, [w], **opts)).__name__.lower() == name
        assert type(rn.OPTIMIZERS[name](**opts)).__name__.lower() == name
    with pytest.raises(InvalidOptionError, match="'name' parameter of torch_optimizer"):
        torch_optimizer("lbfgs", [w], lr=0.1)


def test_optimizer_options_are_checked():
    with pytest.raises(InvalidOptionError, match="'nesterov' parameter of SGD needs a momentum above 0"):
        rn.SGD(lr=0.1, nesterov=True)
    with pytest.raises(InvalidOptionError, match="'nesterov' parameter of SGD must be True or False"):
        rn.SGD(lr=0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(InvalidOptionError, match="'weight_decay' parameter of AdamW"):
        rn.AdamW(weight_decay=-1.0)
    with pytest.raises(InvalidOptionError, match=r"'momentum' and 'nesterov' parameters of TrainConfig apply to"):
        TrainConfig(optimizer="adam", momentum=0.9)
    with pytest.raises(InvalidOptionError, match="'nesterov' parameter of TrainConfig needs a momentum above 0"):
        TrainConfig(optimizer="sgd", nesterov=True)
    with pytest.raises(InvalidOptionError, match=r"'momentum' parameter of TrainConfig must be a number in \[0, 1\)"):
        TrainConfig(optimizer="sgd", momentum=1.0)
    assert TrainConfig(optimizer="adamw", weight_decay=0.01).optimizer_options() == {"lr": 2e-3, "weight_decay": 0.01}


def test_cli_flags_reach_the_config(tmp_path):
    from click.testing import CliRunner

    from evalkit.generator.cli import generator as main

    runner = CliRunner()
    # the config is built, and refuses the combination, before any data is read
    res = runner.invoke(main, ["train", "--out", str(tmp_path), "--optimizer", "adam", "--momentum", "0.9"])
    assert res.exit_code != 0 and "apply to optimizer='sgd' only" in res.output
    res = runner.invoke(main, ["train", "--out", str(tmp_path), "--optimizer", "sgd", "--nesterov"])
    assert res.exit_code != 0 and "'nesterov' parameter of TrainConfig needs a momentum" in res.output
    res = runner.invoke(main, ["train", "--out", str(tmp_path), "--weight-decay", "-1"])
    assert res.exit_code != 0 and "'weight_decay' parameter of TrainConfig" in res.output
    res = runner.invoke(main, ["train", "--out", str(tmp_path), "--cell", "lstm2"])
    assert res.exit_code != 0 and "'gru'" in res.output  # click lists the choices
