"""The PyTorch twin of the numpy reference, on CPU or CUDA (``pip install 'evalkit[torch]'``).

Same architecture as :mod:`evalkit.generator.rnn_numpy` built from ``nn.Embedding``, ``nn.LSTM`` /
``nn.GRU`` / ``nn.RNN`` (tanh) and ``nn.Linear``; the parameter names and shapes of ``state_dict()`` are the keys of the
numpy parameter dict, so :func:`load_numpy_params` and :func:`numpy_params` move weights between the twins,
and the tests check that both give the same logits and gradients.

This is the only module of evalkit that imports torch at module level; import it lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalkit.core.errors import InvalidOptionError
from evalkit.core.optional import require
from evalkit.core.validate import check_choice
from evalkit.generator.rnn_numpy import OPTIMIZERS, ModelSpec, Params

torch = require("torch", "torch", "The PyTorch generator (evalkit.generator.lstm_torch)")
nn = torch.nn


def resolve_device(device: str = "auto") -> Any:
    """``"auto"`` is CUDA when a GPU is visible, else the CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"`` as given.

    Example:
        >>> str(resolve_device("cpu"))
        'cpu'
    """
    if not (isinstance(device, str) and device.startswith("cuda:") and device[5:].isdigit()):
        check_choice("resolve_device", "device", device, ("auto", "cpu", "cuda", "cuda:N"))
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidOptionError(
            f"The 'device' parameter of resolve_device asks for {device!r}, but torch sees no CUDA device; use 'cpu'."
        )
    return torch.device(device)


class TorchRNNLM(nn.Module):
    """Embedding -> dropout -> ``n_layers`` of RNN/LSTM/GRU (dropout between them) -> dropout -> linear decoder.

    ``forward(tokens, state)`` takes ids ``(B, T)`` and returns logits ``(B, T, V)`` and the final state,
    as :func:`evalkit.generator.rnn_numpy.forward`.
    """

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        self.embedding = nn.Embedding(spec.vocab_size, spec.emb_dim)
        self.drop = nn.Dropout(spec.dropout)
        kwargs = {"dropout": spec.dropout if spec.n_layers > 1 else 0.0, "batch_first": True}
        if spec.cell == "lstm":
            self.rnn = nn.LSTM(spec.emb_dim, spec.hidden_dim, spec.n_layers, **kwargs)
        elif spec.cell == "gru":
            self.rnn = nn.GRU(spec.emb_dim, spec.hidden_dim, spec.n_layers, **kwargs)
        else:
            self.rnn = nn.RNN(spec.emb_dim, spec.hidden_dim, spec.n_layers, nonlinearity="tanh", **kwargs)
        self.decoder = nn.Linear(spec.hidden_dim, spec.vocab_size)
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if spec.tie_weights:
            # Press & Wolf (2017): one matrix embeds and decodes, fewer parameters, often lower perplexity
            self.decoder.weight = self.embedding.weight
        if spec.pointer:
            self.copy = nn.Linear(spec.hidden_dim, spec.hidden_dim, bias=False)
            self.gate = nn.Linear(2 * spec.hidden_dim, 1)
            self.out = nn.Linear(2 * spec.hidden_dim, spec.hidden_dim, bias=False)

    def forward(self, tokens: Any, state: Any = None, source: Any = None) -> tuple[Any, Any]:
        """Vocabulary logits ``(B, T, V)`` and the final state; a pointer model also takes the copy ids
        ``source`` ``(B, T)`` and attends within ``tokens`` (so it reads whole sequences, not steps)."""
        out, state = self.rnn(self.drop(self.embedding(tokens)), state)
        top = self.drop(out)
        if self.spec.pointer:
            if source is None:
                raise InvalidOptionError("A pointer model's forward needs the copy ids 'source'.")
            top = self.attend(top, top, source)[2]
        return self.decoder(top), state

    def attend(self, query: Any, keys: Any, source: Any) -> tuple[Any, Any, Any]:
        """The pointer's copy weights, gate and decoder input for top-layer outputs ``query`` ``(B, Q, H)``
        over ``keys`` ``(B, S, H)`` (the same sequences' outputs), of which only positions with
        ``source >= 0`` may be copied::

            a = softmax_j((W_copy q) . k_j)    c = sum_j a_j k_j
            z = w_gate . [q; c] + b_gate (p_gen = sigmoid(z))    decoder input = tanh(W_out [q; c])

        Returns ``(a (B, Q, S), z (B, Q), decoder input (B, Q, H))``."""
        copyable = (source >= 0)[:, None, :]
        scores = torch.bmm(self.copy(query), keys.transpose(1, 2))
        # the dtype's lowest number, not -inf, then weights of 0: a row with nothing to copy attends to nothing
        attn = torch.softmax(scores.masked_fill(~copyable, torch.finfo(scores.dtype).min), dim=-1) * copyable
        mixed = torch.cat([query, torch.bmm(attn, keys)], dim=-1)
        # and generates: p_gen = sigmoid(inf) = 1
        gate = torch.where(copyable.any(dim=-1), self.gate(mixed)[..., 0], torch.inf)
        return attn, gate, torch.tanh(self.out(mixed))

    def next_log_probs(self, query: Any, keys: Any, source: Any, n_extended: int, copy_bias: float = 0.0) -> Any:
        """``log p(w)`` ``(B, V + n_extended)`` over the vocabulary and ``n_extended`` copy-only ids, for
        one output ``query`` ``(B, H)`` per sequence::

            p(w) = p_gen softmax(W_dec tanh(W_out [q; c]) + b_dec)[w] + (1 - p_gen) sum_{j: source_j = w} a_j

        with ``p_gen = sigmoid(z - copy_bias)``: a positive ``copy_bias`` favours copying (0: as trained)."""
        attn, gate, decoder_in = (x[:, 0] for x in self.attend(query[:, None], keys, source))
        gate = gate - copy_bias
        log_vocab = nn.functional.pad(torch.log_softmax(self.decoder(decoder_in), dim=-1), (0, n_extended),
                                      value=-torch.inf)  # fmt: skip
        p_copy = torch.zeros_like(log_vocab).scatter_add(1, source.clamp(min=0), attn)  # attn is 0 where source < 0
        return _log_mixture(gate[:, None], log_vocab, p_copy)


def _log_mixture(gate: Any, log_vocab: Any, p_copy: Any) -> Any:
    """``log(p_gen p_vocab + (1 - p_gen) p_copy)`` with ``p_gen = sigmoid(gate)``, summed in log space: a
    saturated gate or an underflowing softmax leaves it finite (and its gradient free of NaN)."""
    tiny = torch.finfo(p_copy.dtype).tiny
    log_copy = torch.where(p_copy > 0, p_copy.clamp(min=tiny).log(), -torch.inf)
    logsigmoid = nn.functional.logsigmoid
    return torch.logaddexp(logsigmoid(gate) + log_vocab, logsigmoid(-gate) + log_copy)


def torch_optimizer(name: str, parameters: Any, **options: Any) -> Any:
    """The ``torch.optim`` optimizer that :data:`evalkit.generator.rnn_numpy.OPTIMIZERS` names ``name``,
    built with the same keyword options (``lr``, ``weight_decay``; ``momentum``, ``nesterov`` for SGD):
    both twins then take equal steps.

    Example:
        >>> w = torch.zeros(2, requires_grad=True)
        >>> type(torch_optimizer("adamw", [w], lr=0.1, weight_decay=0.01)).__name__
        'AdamW'
    """
    check_choice("torch_optimizer", "name", name, tuple(OPTIMIZERS))
    optim = torch.optim
    classes = {"sgd": optim.SGD, "rmsprop": optim.RMSprop, "adam": optim.Adam, "adamw": optim.AdamW}
    return classes[name](parameters, **options)


def load_numpy_params(model: TorchRNNLM, params: Params) -> TorchRNNLM:
    """Copy the numpy reference's parameters into ``model`` (dtype and device of the model kept)."""
    sd = model.state_dict()
    new = {}
    for name, value in sd.items():
        source = params["embedding.weight"] if name == "decoder.weight" and model.spec.tie_weights else params[name]
        new[name] = torch.as_tensor(np.asarray(source), dtype=value.dtype, device=value.device)
    model.load_state_dict(new)
    return model


def numpy_params(model: TorchRNNLM) -> Params:
    """The model's parameters as the numpy reference's dict (the tied decoder weight appears once)."""
    return {
        name: value.detach().cpu().numpy().copy()
        for name, value in model.state_dict().items()
        if not (name == "decoder.weight" and model.spec.tie_weights)
    }


def nll_sum(model: TorchRNNLM, inputs: Any, targets: Any, pad_id: int, source: Any = None) -> tuple[Any, Any]:
    """``(sum of -log p(target), number of targets)`` over the targets that are not ``pad_id`` (tensors);
    a pointer model also takes the batch's copy ids ``source`` (:class:`evalkit.generator.data.Batch`).

    The decoder runs only at those positions: prompt and padding positions have no target, and the
    softmax over the vocabulary is most of the cost.
    """
    out, _ = model.rnn(model.drop(model.embedding(inputs)))
    keep = targets != pad_id
    y = targets[keep]
    if not model.spec.pointer:
        return nn.functional.cross_entropy(model.decoder(model.drop(out[keep])), y, reduction="sum"), keep.sum()
    top = model.drop(out)  # keys and values too, not only the target positions
    attn, gate, decoder_in = model.attend(top, top, source)  # every position at once: (B, T, T) costs little
    log_vocab = torch.log_softmax(model.decoder(decoder_in[keep]), dim=-1)
    vocab = log_vocab.shape[-1]
    # p_vocab is 0 past the vocabulary; p_copy is the attention on the copies of y
    log_vocab = torch.where(y < vocab, log_vocab.gather(1, y.clamp(max=vocab - 1)[:, None])[:, 0], -torch.inf)
    p_copy = (attn * (source[:, None, :] == targets[:, :, None])).sum(dim=-1)[keep]
    return -_log_mixture(gate[keep], log_vocab, p_copy).sum(), keep.sum()
