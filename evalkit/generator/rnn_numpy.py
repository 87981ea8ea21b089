"""The numpy reference: a recurrent language model written as its equations, with full BPTT.

This module is the oracle the PyTorch twin (:mod:`evalkit.generator.lstm_torch`) is checked against, so it
favours the equations over speed. Parameters live in a flat dict named and laid out as PyTorch's
``state_dict`` of :class:`~evalkit.generator.lstm_torch.TorchRNNLM` (``rnn.weight_ih_l0`` of shape
``(G*H, in)`` with the gate blocks in PyTorch's order, ``i, f, g, o`` or ``r, z, n``, two bias vectors per layer), so
weights move between the twins unchanged.

Model (per time step ``t``, layer ``l``; ``x`` the layer input, ``h``/``c`` the previous state)::

    RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM:  [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
           i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
           c_t = f * c_{t-1} + i * g          h_t = o * tanh(c_t)
    GRU:   [u_r, u_z, u_n] = W_ih x_t + b_ih     [v_r, v_z, v_n] = W_hh h_{t-1} + b_hh
           r = sigmoid(u_r + v_r)  z = sigmoid(u_z + v_z)  n = tanh(u_n + r * v_n)
           h_t = (1 - z) * n + z * h_{t-1}

(the GRU as ``torch.nn.GRU``, Cho et al. 2014 with the reset gate applied after ``W_hn``: gate blocks
``r, z, n``, so its ``r * v_n`` needs the two bias vectors kept apart)

with an embedding lookup below the first layer, dropout on the embedding, between layers and on the top
layer's output (as pytorch/examples' word_language_model), and a linear decoder to vocabulary logits
(optionally tied to the embedding). The loss is the softmax cross-entropy averaged over the unmasked
target tokens.

A pointer model (``ModelSpec.pointer``; the pointer-generator of See et al., ACL 2017) attends to the
prompt's copyable tokens (the word's own and its exemplars'), may copy one, and decodes from the attention's
context too (Luong et al., EMNLP 2015). With ``q_t`` the top layer's output and ``s_j >= 0`` the copy id of
position ``j`` (``-1``: not copyable; :meth:`evalkit.generator.data.Vocab.copy_ids`)::

    a_tj  = softmax_j over copyable j of (W_copy q_t) . q_j        c_t = sum_j a_tj q_j
    p_gen = sigmoid(w_gate . [q_t; c_t] + b_gate)
    p(w)  = p_gen softmax(W_dec tanh(W_out [q_t; c_t]) + b_dec)[w] + (1 - p_gen) sum_{j: s_j = w} a_tj

where ``w`` may be an extended id past the vocabulary (an exemplar token the vocabulary lacks).

The training tools (SGD with momentum or Nesterov momentum, RMSProp, Adam, AdamW, coupled L2 or decoupled
weight decay, global-norm clipping) follow ``torch.optim``'s update rules, so a step here and a step there
give the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.core.errors import InvalidOptionError
from evalkit.core.validate import check_bool, check_choice, check_int, check_number

CELLS = ("rnn", "lstm", "gru")
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}

Params = dict[str, np.ndarray]


def check_tie_weights(owner: str, tie_weights: Any, emb_dim: int, hidden_dim: int) -> bool:
    """``tie_weights`` if it is a bool that the sizes allow: one matrix embeds and decodes, so
    ``emb_dim == hidden_dim``."""
    check_bool(owner, "tie_weights", tie_weights)
    if tie_weights and emb_dim != hidden_dim:
        raise InvalidOptionError(
            f"The 'tie_weights' parameter of {owner} needs emb_dim == hidden_dim. "
            f"Got emb_dim={emb_dim}, hidden_dim={hidden_dim} instead."
        )
    return bool(tie_weights)


@dataclass(frozen=True)
class ModelSpec:
    """The architecture; the same fields build the numpy and the PyTorch twin.

    Example:
        >>> ModelSpec(cell="lstm", vocab_size=10, emb_dim=4, hidden_dim=5, n_layers=2).gates
        4
    """

    cell: str = "lstm"
    vocab_size: int = 100
    emb_dim: int = 32
    hidden_dim: int = 64
    n_layers: int = 1
    dropout: float = 0.0
    tie_weights: bool = False
    pointer: bool = False  # attend to and copy the prompt's tokens (pointer-generator, See et al. 2017)

    def __post_init__(self) -> None:
        owner = "ModelSpec"
        check_choice(owner, "cell", self.cell, CELLS)
        for name in ("vocab_size", "emb_dim", "hidden_dim", "n_layers"):
            check_int(owner, name, getattr(self, name), minimum=1)
        check_number(owner, "dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_tie_weights(owner, self.tie_weights, self.emb_dim, self.hidden_dim)
        check_bool(owner, "pointer", self.pointer)

    @property
    def gates(self) -> int:
        """Rows of ``W_ih`` per hidden unit: 1 for the RNN, 4 for the LSTM, 3 for the GRU."""
        return _GATES[self.cell]


def init_params(spec: ModelSpec, *, seed: int = 0, dtype: Any = np.float32) -> Params:
    """Parameters initialised as :class:`~evalkit.generator.lstm_torch.TorchRNNLM` does:
    ``U(-1/sqrt(H), 1/sqrt(H))`` for the recurrent layers (PyTorch's default), ``U(-0.1, 0.1)`` for the
    embedding and decoder weights and a zero decoder bias (pytorch/examples' word_language_model)."""
    rng = np.random.default_rng(seed)
    k = 1.0 / np.sqrt(spec.hidden_dim)
    gh = spec.gates * spec.hidden_dim
    p: Params = {"embedding.weight": rng.uniform(-0.1, 0.1, (spec.vocab_size, spec.emb_dim))}
    for layer in range(spec.n_layers):
        n_in = spec.emb_dim if layer == 0 else spec.hidden_dim
        p[f"rnn.weight_ih_l{layer}"] = rng.uniform(-k, k, (gh, n_in))
        p[f"rnn.weight_hh_l{layer}"] = rng.uniform(-k, k, (gh, spec.hidden_dim))
        p[f"rnn.bias_ih_l{layer}"] = rng.uniform(-k, k, gh)
        p[f"rnn.bias_hh_l{layer}"] = rng.uniform(-k, k, gh)
    if not spec.tie_weights:
        p["decoder.weight"] = rng.uniform(-0.1, 0.1, (spec.vocab_size, spec.hidden_dim))
    p["decoder.bias"] = np.zeros(spec.vocab_size)
    if spec.pointer:
        h = spec.hidden_dim
        p["copy.weight"] = rng.uniform(-k, k, (h, h))
        p["gate.weight"] = rng.uniform(-1 / np.sqrt(2 * h), 1 / np.sqrt(2 * h), (1, 2 * h))
        p["gate.bias"] = np.zeros(1)
        p["out.weight"] = rng.uniform(-1 / np.sqrt(2 * h), 1 / np.sqrt(2 * h), (h, 2 * h))
    return {name: value.astype(dtype) for name, value in p.items()}


def _decoder_weight(spec: ModelSpec, params: Params) -> np.ndarray:
    return params["embedding.weight"] if spec.tie_weights else params["decoder.weight"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # the two branches avoid overflow in exp for large |x|
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def _dropout_mask(rng: np.random.Generator | None, p: float, shape: tuple[int, ...], dtype: Any) -> np.ndarray | None:
    """Inverted dropout: keep with probability ``1 - p`` and scale by ``1 / (1 - p)``; None when off."""
    if rng is None or p == 0.0:
        return None
    return (rng.random(shape) >= p).astype(dtype) / (1.0 - p)


def cell_step(
    spec: ModelSpec, params: Params, layer: int, x: np.ndarray, h: np.ndarray, c: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, tuple[np.ndarray, ...]]:
    """One time step of one layer: ``(h_t, c_t, cache)`` from the input ``x`` (B, in) and the state
    (``c`` is None but for the LSTM)."""
    u = x @ params[f"rnn.weight_ih_l{layer}"].T + params[f"rnn.bias_ih_l{layer}"]
    v = h @ params[f"rnn.weight_hh_l{layer}"].T + params[f"rnn.bias_hh_l{layer}"]
    if spec.cell == "rnn":
        h_new = np.tanh(u + v)
        return h_new, None, (x, h, h_new)
    if spec.cell == "gru":
        u_r, u_z, u_n = np.split(u, 3, axis=1)
        v_r, v_z, v_n = np.split(v, 3, axis=1)
        r, z = _sigmoid(u_r + v_r), _sigmoid(u_z + v_z)
        n = np.tanh(u_n + r * v_n)
        return (1.0 - z) * n + z * h, None, (x, h, r, z, n, v_n)
    i, f, g, o = np.split(u + v, 4, axis=1)
    i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    h_new = o * tanh_c
    return h_new, c_new, (x, h, c, i, f, g, o, tanh_c)


def cell_step_backward(
    spec: ModelSpec,
    params: Params,
    layer: int,
    cache: tuple[np.ndarray, ...],
    dh: np.ndarray,
    dc: np.ndarray | None,
    grads: Params,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Backward of :func:`cell_step`: accumulate parameter gradients into ``grads``; return
    ``(dx, dh_prev, dc_prev)``."""  # fmt: skip
    dc_prev = None
    dh_direct = 0.0  # the part of dh_prev that skips W_hh: the GRU's z * h_{t-1}
    if spec.cell == "rnn":
        x, h_prev, h_new = cache
        du = dv = dh * (1.0 - h_new**2)
    elif spec.cell == "gru":
        x, h_prev, r, z, n, v_n = cache
        da_n = dh * (1.0 - z) * (1.0 - n**2)  # through n = tanh(u_n + r * v_n)
        da_r = da_n * v_n * r * (1.0 - r)  # through r = sigmoid(u_r + v_r)
        da_z = dh * (h_prev - n) * z * (1.0 - z)  # through z = sigmoid(u_z + v_z)
        du = np.concatenate([da_r, da_z, da_n], axis=1)
        dv = np.concatenate([da_r, da_z, da_n * r], axis=1)  # v_n enters multiplied by r
        dh_direct = dh * z
    else:
        x, h_prev, c_prev, i, f, g, o, tanh_c = cache
        dc_total = dc + dh * o * (1.0 - tanh_c**2)
        du = dv = np.concatenate(
            [
                dc_total * g * i * (1.0 - i),  # through i = sigmoid(a_i)
                dc_total * c_prev * f * (1.0 - f),  # through f
                dc_total * i * (1.0 - g**2),  # through g = tanh(a_g)
                dh * tanh_c * o * (1.0 - o),  # through o
            ],
            axis=1,
        )
        dc_prev = dc_total * f
    grads[f"rnn.weight_ih_l{layer}"] += du.T @ x
    grads[f"rnn.weight_hh_l{layer}"] += dv.T @ h_prev
    grads[f"rnn.bias_ih_l{layer}"] += du.sum(axis=0)
    grads[f"rnn.bias_hh_l{layer}"] += dv.sum(axis=0)
    dx = du @ params[f"rnn.weight_ih_l{layer}"]
    dh_prev = dv @ params[f"rnn.weight_hh_l{layer}"] + dh_direct
    return dx, dh_prev, dc_prev


State = list[tuple[np.ndarray, np.ndarray | None]]


def zero_state(spec: ModelSpec, batch: int, dtype: Any) -> State:
    """``(h, c)`` of zeros for every layer (``c`` is None but for the LSTM)."""
    z = np.zeros((batch, spec.hidden_dim), dtype=dtype)
    return [(z, z if spec.cell == "lstm" else None) for _ in range(spec.n_layers)]


def forward(
    spec: ModelSpec,
    params: Params,
    tokens: np.ndarray,
    *,
    source: np.ndarray | None = None,
    state: State | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, State, dict[str, Any]]:
    """Logits ``(B, T, V)`` for the token ids ``tokens`` ``(B, T)``, the final state, and the cache for
    :func:`backward`. A pointer model also takes the copy ids ``source`` ``(B, T)``. ``rng`` switches
    dropout on (training); ``None`` is evaluation."""
    dtype = params["embedding.weight"].dtype
    batch, steps = tokens.shape
    state = zero_state(spec, batch, dtype) if state is None else state
    emb = params["embedding.weight"][tokens]
    mask_in = _dropout_mask(rng, spec.dropout, emb.shape, dtype)
    layer_in = emb if mask_in is None else emb * mask_in
    caches: list[list[tuple[np.ndarray, ...]]] = []
    masks = [mask_in]
    final: State = []
    for layer in range(spec.n_layers):
        h, c = state[layer]
        outs = np.empty((batch, steps, spec.hidden_dim), dtype=dtype)
        layer_caches = []
        for t in range(steps):
            h, c, cache = cell_step(spec, params, layer, layer_in[:, t], h, c)
            outs[:, t] = h
            layer_caches.append(cache)
        caches.append(layer_caches)
        final.append((h, c))
        # dropout after every layer: between layers (nn.LSTM's `dropout`) and on the top output
        mask = _dropout_mask(rng, spec.dropout, outs.shape, dtype)
        masks.append(mask)
        layer_in = outs if mask is None else outs * mask
    cache = {"tokens": tokens, "top": layer_in, "caches": caches, "masks": masks, "decoder_in": layer_in}
    if spec.pointer:
        if source is None:
            raise InvalidOptionError("A pointer model's forward needs the copy ids 'source'.")
        cache.update(_attend(params, layer_in, source))
    # 2-D products reach BLAS as one matrix multiply each (a 3-D @ 2-D loops over the batch)
    flat = cache["decoder_in"].reshape(batch * steps, -1)
    logits = (flat @ _decoder_weight(spec, params).T + params["decoder.bias"]).reshape(batch, steps, -1)
    return logits, final, cache


def _attend(params: Params, top: np.ndarray, source: np.ndarray) -> dict[str, np.ndarray]:
    """The pointer's attention of every position over the copyable ones (``source >= 0``) of its sequence:
    weights ``a`` ``(B, t, j)``, context ``c``, generation probability ``p_gen`` and the decoder's input
    ``tanh(W_out [q; c])``."""
    hidden = top.shape[-1]
    query = top @ params["copy.weight"].T
    copyable = source[:, None, :] >= 0
    # the dtype's lowest number, not -inf, then weights of 0: a row with nothing to copy attends to nothing
    scores = np.where(copyable, query @ top.transpose(0, 2, 1), np.finfo(top.dtype).min)
    attn = np.exp(scores - scores.max(axis=-1, keepdims=True))
    attn = attn / attn.sum(axis=-1, keepdims=True) * copyable
    mixed = np.concatenate([top, attn @ top], axis=-1)  # [q_t; c_t]
    # a row with nothing to copy generates: p_gen = sigmoid(inf) = 1
    gate = np.where(copyable.any(axis=-1), mixed @ params["gate.weight"][0] + params["gate.bias"][0], np.inf)
    return {
        "query": query,
        "attn": attn,
        "mixed": mixed,
        "gate": gate,
        "p_gen": _sigmoid(gate),
        "decoder_in": np.tanh(mixed.reshape(-1, 2 * hidden) @ params["out.weight"].T).reshape(top.shape),
    }


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``logits - logsumexp(logits)`` along the last axis, shifted by the max for stability."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _log(x: np.ndarray) -> np.ndarray:
    """``log x`` with ``log 0 = -inf`` and no warning."""
    return np.where(x > 0, np.log(np.maximum(x, np.finfo(x.dtype).tiny)), -np.inf)


def _mixture(
    logits: np.ndarray, cache: dict[str, Any], targets: np.ndarray, source: np.ndarray
) -> dict[str, np.ndarray]:
    """The pointer's ``log p(target) = log(p_gen p_vocab(target) + (1 - p_gen) p_copy(target))``, summed in
    log space (a saturated gate or an underflowing softmax leaves it finite), and the share ``r_gen`` of
    generating in ``p(target)``."""
    vocab = logits.shape[-1]
    log_vocab_all = log_softmax(logits)
    same = (source[:, None, :] == targets[:, :, None]).astype(logits.dtype)  # position j holds a copy of y_t
    p_copy = (cache["attn"] * same).sum(axis=-1)
    y = np.minimum(targets, vocab - 1)[..., None]
    log_vocab = np.where(targets < vocab, np.take_along_axis(log_vocab_all, y, -1)[..., 0], -np.inf)
    log_generate = log_vocab - np.logaddexp(0.0, -cache["gate"])  # log p_gen = -log(1 + e^-z)
    log_p = np.logaddexp(log_generate, _log(p_copy) - np.logaddexp(0.0, cache["gate"]))
    possible = np.isfinite(log_p)  # p(y) = 0 only for an extended id the prompt lacks: no share to speak of
    r_gen = np.exp(log_generate - np.where(possible, log_p, 0.0)) * possible
    return {"p_vocab_all": np.exp(log_vocab_all), "same": same, "p_copy": p_copy, "log_p": log_p, "r_gen": r_gen}


def target_log_probs(
    spec: ModelSpec, logits: np.ndarray, cache: dict[str, Any], targets: np.ndarray, source: np.ndarray | None = None
) -> np.ndarray:
    """``log p(target)`` ``(B, T)`` at every position, from :func:`forward`'s ``logits`` and ``cache``; a
    pointer model's targets may be extended ids and its copy ids ``source`` are needed."""
    if spec.pointer:
        return _mixture(logits, cache, targets, source)["log_p"]
    return np.take_along_axis(log_softmax(logits), targets[..., None], axis=-1)[..., 0]


def nll_stats(logp: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """``(sum of -log p(target), number of targets)`` over the unmasked positions: the perplexity statistics."""
    return float(-(logp * mask).sum()), int(mask.sum())


def _pointer_backward(
    params: Params,
    cache: dict[str, Any],
    mix: dict[str, np.ndarray],
    weight: np.ndarray,
    d_decoder_in: np.ndarray,
    grads: Params,
) -> np.ndarray:
    """Backward of the pointer's attention, gate and decoder input for the loss ``-sum weight * log p(y)``,
    given ``d loss / d decoder_in`` (through ``p_vocab``): accumulate the gradients of ``copy.weight``,
    ``gate.*`` and ``out.weight``; return ``d loss / d top``.

    With ``r_gen = p_gen p_vocab(y) / p(y)`` and ``r_copy = 1 - r_gen`` the shares of the two ways to ``y``:
    ``d/dz = -weight (r_gen (1 - p_gen) - r_copy p_gen)`` and ``d/da_j = -weight r_copy / p_copy(y)`` where
    position ``j`` holds ``y``; no ``1 / p(y)`` appears, so a vanishing ``p(y)`` cannot overflow."""
    top, attn, mixed, p_gen = cache["top"], cache["attn"], cache["mixed"], cache["p_gen"]
    hidden = top.shape[-1]
    r_gen = mix["r_gen"]
    dz = -weight * (r_gen * (1.0 - p_gen) - (1.0 - r_gen) * p_gen)  # through p_gen = sigmoid(z)
    d_pre = d_decoder_in * (1.0 - cache["decoder_in"] ** 2)  # through tanh(W_out [q; c])
    grads["gate.weight"][0] += np.einsum("bt,btk->k", dz, mixed)
    grads["gate.bias"][0] += dz.sum()
    grads["out.weight"] += d_pre.reshape(-1, hidden).T @ mixed.reshape(-1, 2 * hidden)
    d_mixed = dz[..., None] * params["gate.weight"][0] + d_pre @ params["out.weight"]
    d_context = d_mixed[..., hidden:]
    per_copy = -weight * (1.0 - r_gen) / np.where(mix["p_copy"] > 0, mix["p_copy"], 1.0)
    d_attn = per_copy[..., None] * mix["same"] + d_context @ top.transpose(0, 2, 1)
    d_scores = attn * (d_attn - (attn * d_attn).sum(axis=-1, keepdims=True))  # through the softmax over j
    d_query = d_scores @ top
    grads["copy.weight"] += d_query.reshape(-1, hidden).T @ top.reshape(-1, hidden)
    return (
        d_mixed[..., :hidden]  # q_t in [q_t; c_t]
        + attn.transpose(0, 2, 1) @ d_context  # the values q_j of c_t
        + d_scores.transpose(0, 2, 1) @ cache["query"]  # the keys q_j of the scores
        + d_query @ params["copy.weight"]  # the query W_copy q_t
    )


def backward(
    spec: ModelSpec,
    params: Params,
    logits: np.ndarray,
    cache: dict[str, Any],
    targets: np.ndarray,
    mask: np.ndarray,
    source: np.ndarray | None = None,
    *,
    hidden_grads: list[list[np.ndarray]] | None = None,
) -> Params:
    """Gradients of the mean cross-entropy over unmasked targets, by backpropagation through time.

    A list ``hidden_grads`` receives ``dL/dh_t`` ``(B, H)`` of every layer and step, the state's whole
    gradient (from the output at ``t`` and from step ``t + 1``): ``hidden_grads[layer][t]``
    (:mod:`evalkit.generator.gradients` reads how it vanishes with the distance to the loss)."""
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    n = mask.sum()
    if spec.pointer:
        mix = _mixture(logits, cache, targets, source)
        # d(-log p(y)) / d logits = r_gen (softmax - onehot(y)); r_gen = 0 when y is past the vocabulary
        coef = -mask / n * mix["r_gen"]
        dlogits = -coef[..., None] * mix["p_vocab_all"]
        y = np.minimum(targets, logits.shape[-1] - 1)[..., None]
        np.put_along_axis(dlogits, y, np.take_along_axis(dlogits, y, -1) + coef[..., None], -1)
    else:
        # d(mean NLL)/d logits = (softmax - onehot) / n at unmasked positions
        dlogits = np.exp(log_softmax(logits))
        y = targets[..., None]
        np.put_along_axis(dlogits, y, np.take_along_axis(dlogits, y, -1) - 1.0, -1)
        dlogits *= (mask / n)[..., None]
    top = cache["top"]
    dec = "embedding.weight" if spec.tie_weights else "decoder.weight"
    batch, steps, vocab = dlogits.shape
    flat_dlogits = dlogits.reshape(batch * steps, vocab)
    grads[dec] += flat_dlogits.T @ cache["decoder_in"].reshape(batch * steps, -1)
    grads["decoder.bias"] += flat_dlogits.sum(axis=0)
    d_in = (flat_dlogits @ _decoder_weight(spec, params)).reshape(batch, steps, -1)
    if spec.pointer:
        d_in = _pointer_backward(params, cache, mix, mask / n, d_in, grads)
    for layer in reversed(range(spec.n_layers)):
        if cache["masks"][layer + 1] is not None:
            d_in = d_in * cache["masks"][layer + 1]
        d_out = d_in
        n_in = spec.emb_dim if layer == 0 else spec.hidden_dim
        d_in = np.zeros((batch, steps, n_in), dtype=top.dtype)
        dh = np.zeros_like(d_out[:, 0])
        dc = np.zeros_like(dh) if spec.cell == "lstm" else None
        per_step = []
        for t in reversed(range(steps)):
            dh = d_out[:, t] + dh
            per_step.append(dh)
            dx, dh, dc = cell_step_backward(spec, params, layer, cache["caches"][layer][t], dh, dc, grads)
            d_in[:, t] = dx
        if hidden_grads is not None:
            hidden_grads.insert(0, per_step[::-1])  # layers are walked top down, steps backwards
    if cache["masks"][0] is not None:
        d_in = d_in * cache["masks"][0]
    np.add.at(grads["embedding.weight"], cache["tokens"], d_in)
    return grads


def loss_and_grads(
    spec: ModelSpec,
    params: Params,
    tokens: np.ndarray,
    targets: np.ndarray,
    mask: np.ndarray,
    *,
    source: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[float, Params]:
    """Mean cross-entropy over the unmasked targets and its gradient with respect to every parameter
    (a pointer model also takes the copy ids ``source``).

    Example:
        >>> spec = ModelSpec(cell="rnn", vocab_size=3, emb_dim=2, hidden_dim=2)
        >>> p = init_params(spec, dtype=np.float64)
        >>> loss, g = loss_and_grads(spec, p, np.array([[0, 1]]), np.array([[1, 2]]), np.ones((1, 2)))
        >>> bool(abs(loss - np.log(3)) < 0.2), sorted(g) == sorted(p)
        (True, True)
    """
    logits, _, cache = forward(spec, params, tokens, source=source, rng=rng)
    nll, count = nll_stats(target_log_probs(spec, logits, cache, targets, source), mask)
    return nll / count, backward(spec, params, logits, cache, targets, mask, source)


# -- training tools -------------------------------------------------------------------------------------


def clip_grad_norm(grads: Params, max_norm: float) -> tuple[Params, float]:
    """Scale all gradients by ``min(1, max_norm / ||g||)`` (global L2 norm), against exploding gradients
    in BPTT (Pascanu et al., 2013). Returns new arrays and the norm before clipping.

    Example:
        >>> g, norm = clip_grad_norm({"w": np.array([3.0, 4.0])}, 1.0)
        >>> float(norm), g["w"].round(6).tolist()
        (5.0, [0.6, 0.8])
    """
    norm = float(np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads.values())))
    # torch.nn.utils.clip_grad_norm_ adds 1e-6 to the norm; the same here so both twins clip alike
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {k: g * scale for k, g in grads.items()}, norm


class Optimizer:
    """Base of the step rules: ``step(params, grads)`` updates ``params`` in place (as ``torch.optim``),
    keeping per-parameter state (velocity, moments) between steps.

    ``weight_decay`` is coupled L2 regularisation, ``g <- g + weight_decay * p`` before the rule (the
    gradient of ``weight_decay / 2 * ||p||^2``); :class:`AdamW` decouples it instead.
    """

    def __init__(self, *, lr: float, weight_decay: float = 0.0) -> None:
        self.lr = check_number(type(self).__name__, "lr", lr, low=0.0, low_open=True)
        self.weight_decay = check_number(type(self).__name__, "weight_decay", weight_decay, low=0.0)
        self.state: dict[str, dict[str, Any]] = {}

    def step(self, params: Params, grads: Params) -> None:
        for name, p in params.items():
            p -= self._update(self.state.setdefault(name, {}), self._decay(p, grads[name]))

    def _decay(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The gradient the rule sees: here with the coupled L2 term."""
        return g + self.weight_decay * p if self.weight_decay else g

    def _update(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """SGD with momentum as ``torch.optim.SGD`` (dampening 0)::

        b <- momentum * b + g   (b = g on the first step)
        p <- p - lr * b                        (nesterov=False)
        p <- p - lr * (g + momentum * b)       (nesterov=True: Sutskever et al., ICML 2013)

    ``momentum=0`` is plain SGD, ``p <- p - lr * g``.

    Example:
        >>> p = {"w": np.array([1.0])}
        >>> opt = SGD(lr=0.1, momentum=0.9)
        >>> opt.step(p, {"w": np.array([1.0])}); opt.step(p, {"w": np.array([1.0])})
        >>> round(float(p["w"][0]), 6)  # 1 - 0.1 * 1 - 0.1 * (0.9 + 1)
        0.71
    """

    def __init__(self, *, lr: float, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(lr=lr, weight_decay=weight_decay)
        self.momentum = check_number("SGD", "momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)
        if nesterov and not momentum:
            raise InvalidOptionError(
                f"The 'nesterov' parameter of SGD needs a momentum above 0. Got momentum={momentum!r} instead."
            )

    def _update(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        if self.momentum:
            state["v"] = g.copy() if "v" not in state else self.momentum * state["v"] + g
            g = g + self.momentum * state["v"] if self.nesterov else state["v"]
        return self.lr * g


class RMSProp(Optimizer):
    """``s <- alpha * s + (1 - alpha) g^2``; ``p <- p - lr * g / (sqrt(s) + eps)`` (Tieleman & Hinton, 2012;
    ``torch.optim.RMSprop`` without centering or momentum)."""

    def __init__(self, *, lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(lr=lr, weight_decay=weight_decay)
        self.alpha = check_number("RMSProp", "alpha", alpha, low=0.0, high=1.0)
        self.eps = check_number("RMSProp", "eps", eps, low=0.0)

    def _update(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        state["s"] = self.alpha * state.get("s", 0.0) + (1.0 - self.alpha) * g * g
        return self.lr * g / (np.sqrt(state["s"]) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, as ``torch.optim.Adam``::

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    """

    def __init__(
        self,
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr=lr, weight_decay=weight_decay)
        self.b1 = check_number("Adam", "betas[0]", betas[0], low=0.0, high=1.0, high_open=True)
        self.b2 = check_number("Adam", "betas[1]", betas[1], low=0.0, high=1.0, high_open=True)
        self.eps = check_number("Adam", "eps", eps, low=0.0)

    def _update(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        t = state["t"] = state.get("t", 0) + 1
        state["m"] = self.b1 * state.get("m", 0.0) + (1.0 - self.b1) * g
        state["v"] = self.b2 * state.get("v", 0.0) + (1.0 - self.b2) * g * g
        m_hat = state["m"] / (1.0 - self.b1**t)
        v_hat = state["v"] / (1.0 - self.b2**t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019), as ``torch.optim.AdamW``: the
    parameters shrink by ``p <- p * (1 - lr * weight_decay)``, then take :class:`Adam`'s step on the plain
    gradient, so the decay is not rescaled by Adam's per-parameter step size as coupled L2 would be.

    Example:
        >>> p = {"w": np.array([2.0])}
        >>> AdamW(lr=0.1, weight_decay=0.5).step(p, {"w": np.array([3.0])})
        >>> round(float(p["w"][0]), 6)  # 2 * (1 - 0.1 * 0.5) - 0.1 * 1 (Adam's first step is lr * sign(g))
        1.8
    """

    def __init__(
        self,
        *,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        # in place, before the step, as torch.optim.AdamW; the rule then sees the gradient unchanged
        p *= 1.0 - self.lr * self.weight_decay
        return g


#: the step rules by name; ``momentum`` and ``nesterov`` are SGD's only
OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSProp, "adam": Adam, "adamw": AdamW}
