"""Gradient diagnostics: how ``||dL/dh_t||`` vanishes (or explodes) with the distance to the loss.

For a loss ``L`` read at the last step ``T`` of a sequence, backpropagation through time gives the
gradient with respect to every earlier state as a product of step Jacobians (Bengio et al., 1994;
Pascanu et al., ICML 2013)::

    dL/dh_t = (dh_{t+1}/dh_t)^T ... (dh_T/dh_{T-1})^T dL/dh_T

For the tanh RNN each factor is ``W_hh^T diag(1 - h^2)``: with ``W_hh``'s largest singular value below 1
the product shrinks geometrically (the vanishing gradient), above 1 it may grow (the exploding gradient,
which clipping the global norm bounds). The LSTM's cell ``c_t = f c_{t-1} + i g`` adds a path whose
factor is the forget gate ``f`` itself, and the GRU's ``h_t = (1 - z) n + z h_{t-1}`` one whose factor is
``z``: gates near 1 carry the gradient over many steps (Hochreiter & Schmidhuber, 1997; Cho et al., 2014).

:func:`hidden_gradient_norms` measures ``||dL/dh_t||`` for every ``t`` with the numpy reference's BPTT
(float64). :func:`gradient_study` compares RNN, GRU and LSTM of one size on a task that needs the whole
sequence, the recall of its first token at the last step (:func:`recall_batch`), at initialisation and
after a short training with and without clipping; :func:`plot_gradient_study` draws it
(``pip install 'evalkit[plot]'``; the CLI is ``evalkit generator gradients --out fig.png``).

PyTorch initialises the LSTM's forget-gate bias like every other bias, so ``f`` starts near
``sigmoid(0) = 1/2`` and its cell path halves the gradient at every step, about as fast as the RNN loses
it. ``forget_bias=1`` (Gers et al., 2000; Jozefowicz et al., ICML 2015) starts ``f`` near 0.73; the study
applies it by default and ``forget_bias=0`` is PyTorch's initialisation.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.core.errors import InvalidOptionError
from evalkit.core.optional import require
from evalkit.core.validate import check_choice, check_int, check_number
from evalkit.generator.rnn_numpy import (
    CELLS,
    OPTIMIZERS,
    ModelSpec,
    Params,
    backward,
    clip_grad_norm,
    forward,
    init_params,
    loss_and_grads,
)


def hidden_gradient_norms(
    spec: ModelSpec, params: Params, tokens: np.ndarray, targets: np.ndarray, *, last: int = 1
) -> np.ndarray:
    """``||dL/dh_t||`` ``(n_layers, T)`` for every layer and step, ``L`` the mean cross-entropy of the last
    ``last`` targets of each sequence (no dropout); the norm is over the batch and the hidden units.

    Example:
        >>> spec = ModelSpec(cell="rnn", vocab_size=4, emb_dim=3, hidden_dim=3)
        >>> tokens = np.array([[0, 1, 2, 3, 1, 2]])
        >>> norms = hidden_gradient_norms(spec, init_params(spec, dtype=np.float64), tokens, tokens)
        >>> norms.shape, bool(norms[0, 0] < norms[0, -1])  # six steps back from the loss it is smaller
        ((1, 6), True)
    """
    owner = "hidden_gradient_norms"
    if spec.pointer:
        raise InvalidOptionError(f"{owner} measures a model without copying; got a ModelSpec with pointer=True.")
    steps = np.shape(tokens)[1]
    check_int(owner, "last", last, minimum=1)
    if last > steps:
        raise InvalidOptionError(f"The 'last' parameter of {owner} must be at most T = {steps}. Got {last} instead.")
    mask = np.zeros(np.shape(tokens))
    mask[:, steps - last :] = 1.0
    logits, _, cache = forward(spec, params, tokens)
    per_step: list[list[np.ndarray]] = []
    backward(spec, params, logits, cache, targets, mask, hidden_grads=per_step)
    return np.array([[np.linalg.norm(g) for g in layer] for layer in per_step])


def recall_batch(rng: np.random.Generator, batch: int, steps: int, vocab_size: int) -> tuple[np.ndarray, ...]:
    """``(tokens, targets, mask)`` of the recall task: random tokens ``1 .. vocab_size - 1``, the one target
    at the last step is the first token. Nothing but the first step helps, so a model can only learn it
    through a gradient that reaches back ``steps - 1`` steps; chance is ``log(vocab_size - 1)`` nats.

    Example:
        >>> tokens, targets, mask = recall_batch(np.random.default_rng(0), 2, 5, 4)
        >>> bool((targets[:, -1] == tokens[:, 0]).all()), mask.sum(axis=1).tolist()
        (True, [1.0, 1.0])
    """
    tokens = rng.integers(1, vocab_size, (batch, steps))
    targets = np.zeros_like(tokens)
    targets[:, -1] = tokens[:, 0]
    mask = np.zeros(tokens.shape)
    mask[:, -1] = 1.0
    return tokens, targets, mask


@dataclass(frozen=True)
class CellGradients:
    """One cell's measurements: ``init`` and ``trained[clip]`` are ``||dL/dh_t||`` ``(T,)`` on the same
    held-out batch; ``step_norms[clip]`` the global gradient norm before clipping at every training step
    and ``losses[clip]`` the training loss (``clip = 0``: no clipping)."""

    cell: str
    init: np.ndarray
    trained: dict[float, np.ndarray]
    step_norms: dict[float, np.ndarray]
    losses: dict[float, np.ndarray]

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``||dL/dh_0|| / ||dL/dh_T||`` at initialisation and, per clipping threshold, after
        training, with the largest step norm and the mean loss of the last tenth of the training steps."""
        row: dict[str, Any] = {"cell": self.cell, "init_ratio": float(self.init[0] / self.init[-1])}
        for clip, norms in self.trained.items():
            key = f"clip_{clip:g}" if clip else "no_clip"
            tail = max(1, len(self.losses[clip]) // 10)
            row[key] = {
                "trained_ratio": float(norms[0] / norms[-1]),
                "max_step_norm": float(self.step_norms[clip].max(initial=0.0)),
                "final_loss": float(self.losses[clip][-tail:].mean()) if len(self.losses[clip]) else None,
            }
        return row

    def describe(self) -> str:
        """:meth:`summary` as one line."""
        parts = [f"{self.cell}: ||dL/dh_0|| / ||dL/dh_T|| {self.init[0] / self.init[-1]:.2g} at initialisation"]
        for key, run in self.summary().items():
            if isinstance(run, dict) and run["final_loss"] is not None:
                parts.append(
                    f"{key.replace('_', ' ')}: {run['trained_ratio']:.2g} after training, largest step norm "
                    f"{run['max_step_norm']:.3g}, final loss {run['final_loss']:.3f}"
                )
        return "; ".join(parts)


def _initial_params(spec: ModelSpec, seed: int, forget_bias: float) -> Params:
    params = init_params(spec, seed=seed, dtype=np.float64)
    if spec.cell == "lstm":
        h = spec.hidden_dim
        # the gate blocks are i, f, g, o: b_ih's second block is half of the forget gate's bias
        params["rnn.bias_ih_l0"][h : 2 * h] += forget_bias
    return params


def gradient_study(
    *,
    cells: Sequence[str] = CELLS,
    hidden_dim: int = 32,
    steps: int = 30,
    vocab_size: int = 5,
    batch_size: int = 32,
    train_steps: int = 400,
    clips: Sequence[float] = (1.0, 0.0),
    optimizer: str = "adam",
    lr: float = 0.01,
    forget_bias: float = 1.0,
    seed: int = 0,
) -> list[CellGradients]:
    """``||dL/dh_t||`` of one-layer RNN, GRU and LSTM of ``hidden_dim`` units (embedding of the same size)
    over the ``steps`` steps of the recall task, at initialisation and after ``train_steps`` Adam steps
    with each clipping threshold of ``clips`` (0: no clipping). Every cell starts from the same seed, sees
    the same training batches and is measured on the same held-out batch.

    Example:
        >>> study = gradient_study(cells=["rnn"], hidden_dim=4, steps=6, train_steps=2, clips=[0.0])
        >>> study[0].init.shape, study[0].step_norms[0.0].shape
        ((6,), (2,))
    """
    owner = "gradient_study"
    for cell in cells:
        check_choice(owner, "cells", cell, CELLS)
    for name, value in (("hidden_dim", hidden_dim), ("steps", steps), ("batch_size", batch_size)):
        check_int(owner, name, value, minimum=1)
    check_int(owner, "vocab_size", vocab_size, minimum=3)
    check_int(owner, "train_steps", train_steps, minimum=0)
    check_int(owner, "seed", seed, minimum=0)
    for clip in clips:
        check_number(owner, "clips", clip, low=0.0)
    check_choice(owner, "optimizer", optimizer, tuple(OPTIMIZERS))
    check_number(owner, "lr", lr, low=0.0, low_open=True)
    check_number(owner, "forget_bias", forget_bias)
    held_out = recall_batch(np.random.default_rng([seed, 1]), 4 * batch_size, steps, vocab_size)
    study = []
    for cell in cells:
        spec = ModelSpec(cell=cell, vocab_size=vocab_size, emb_dim=hidden_dim, hidden_dim=hidden_dim)
        start = _initial_params(spec, seed, forget_bias)
        init = hidden_gradient_norms(spec, start, held_out[0], held_out[1])[0]
        trained, step_norms, losses = {}, {}, {}
        for clip in clips:
            params = {name: value.copy() for name, value in start.items()}
            opt = OPTIMIZERS[optimizer](lr=lr)
            rng = np.random.default_rng([seed, 2])  # the same batches for every cell and threshold
            norms, loss_values = [], []
            for _ in range(train_steps):
                tokens, targets, mask = recall_batch(rng, batch_size, steps, vocab_size)
                loss, grads = loss_and_grads(spec, params, tokens, targets, mask)
                clipped, norm = clip_grad_norm(grads, clip or np.inf)
                opt.step(params, clipped)
                norms.append(norm)
                loss_values.append(loss)
            trained[clip] = hidden_gradient_norms(spec, params, held_out[0], held_out[1])[0]
            step_norms[clip], losses[clip] = np.array(norms), np.array(loss_values)
        study.append(CellGradients(cell, init, trained, step_norms, losses))
    return study


#: the options of a study run with none given, for the figure's title
_STUDY_DEFAULTS = {name: param.default for name, param in inspect.signature(gradient_study).parameters.items()}

#: the figure formats matplotlib writes by the file's suffix
FIGURE_FORMATS = (".png", ".svg")


def _check_figure_path(owner: str, path: str | Path) -> Path:
    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise InvalidOptionError(
            f"The 'path' parameter of {owner} must end in one of {', '.join(FIGURE_FORMATS)}. Got {str(path)!r} instead."
        )
    require("matplotlib", "plot", owner)
    return Path(path)


def plot_gradient_study(study: Sequence[CellGradients], path: str | Path, *, title: str = "") -> Path:
    """Three panels on log scales: ``||dL/dh_t|| / ||dL/dh_T||`` against the distance ``T - t`` at
    initialisation and after training (solid: clipped, dashed: not), and the global gradient norm of every
    training step before clipping. ``path`` ends in ``.png`` or ``.svg``."""
    path = _check_figure_path("plot_gradient_study", path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    colours = dict(zip(CELLS, ("tab:red", "tab:green", "tab:blue")))
    for result in study:
        colour = colours[result.cell]
        distance = np.arange(len(result.init))[::-1]  # T - t: 0 at the loss
        axes[0].semilogy(distance, result.init / result.init[-1], color=colour, label=result.cell)
        for clip, norms in result.trained.items():
            style = "-" if clip else "--"
            label = f"{result.cell}, " + (f"clip {clip:g}" if clip else "no clipping")
            axes[1].semilogy(distance, norms / norms[-1], style, color=colour, label=label)
            steps = np.arange(1, len(result.step_norms[clip]) + 1)
            axes[2].semilogy(steps, result.step_norms[clip], style, color=colour, label=label, linewidth=0.8)
    axes[0].set_title("at initialisation")
    axes[1].set_title("after training")
    for ax in axes[:2]:
        ax.set_xlabel("steps back from the loss, T - t")
        ax.set_ylabel("||dL/dh_t|| / ||dL/dh_T||")
    axes[2].set_title("gradient norm before clipping")
    axes[2].set_xlabel("training step")
    axes[2].set_ylabel("||dL/dθ||")
    for ax in axes:
        ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def gradient_figure(path: str | Path, **options: Any) -> list[CellGradients]:
    """:func:`gradient_study` with ``options``, drawn to ``path`` by :func:`plot_gradient_study` under a
    title that states the run; the path and matplotlib are checked before the study runs."""
    _check_figure_path("gradient_figure", path)
    study = gradient_study(**options)
    run = {**_STUDY_DEFAULTS, **options}
    title = (
        f"recall of the first of T={run['steps']} tokens (vocabulary {run['vocab_size']}), "
        f"{run['hidden_dim']} units, {run['train_steps']} {run['optimizer']} steps of lr {run['lr']:g}, "
        f"LSTM forget bias {run['forget_bias']:g}, seed {run['seed']}"
    )
    plot_gradient_study(study, path, title=title)
    return study
