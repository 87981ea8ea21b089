"""The training configuration: one dataclass, every field with the reason for its default."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from evalkit.core.errors import InvalidOptionError
from evalkit.core.validate import check_bool, check_choice, check_int, check_number
from evalkit.generator.data import LEVELS
from evalkit.generator.rnn_numpy import CELLS, OPTIMIZERS, check_tie_weights

#: which weights of a checkpoint to use: the epoch of lowest validation perplexity, or the last epoch
WEIGHTS = ("best", "last")


@dataclass
class TrainConfig:
    """Everything that changes a training run; saved in every checkpoint and log.

    Example:
        >>> TrainConfig(epochs=2).hidden_dim
        512
    """

    seed: int = 0  # one seed drives the split, the initialisation, the batch order and sampling
    # -- data
    data: str = ""  # WordNet 3.0 'dict' directory ("": $EVALKIT_WORDNET where it holds one, else the bundled copy)
    level: str = "word"  # definition unit: words give BLEU-comparable output in few steps; "char" also works
    min_count: int = 2  # a definition token seen once in training is <unk>: it cannot be learnt anyway
    max_vocab: int = 10_000  # the softmax dominates CPU time; 10k words cover ~93% of definition tokens
    max_len: int = 48  # prompt + definition tokens; the 99th percentile of WordNet is 47
    validation: float = 0.05  # fraction of lemmas held out for validation (unseen words)
    test: float = 0.05  # fraction of lemmas held out for the final table (unseen words)
    # a held-out word's definition leaves training with it (no copying a synonym's gloss); False: plain split
    unseen_definitions: bool = True
    limit: int = 0  # train on the first `limit` training words only (0: all); for smoke runs
    # definitions of this many nearest-spelling training words go into the prompt (retrieve-and-edit; 0: none);
    # with copying, two gave higher BLEU than one in short CPU runs (docs/generator.md)
    exemplars: int = 2
    # attend to and copy the word's and the exemplars' tokens, rare ones included (pointer-generator, See et
    # al. 2017): the largest gain measured here, on every metric
    pointer: bool = True
    # -- model (see ModelSpec)
    cell: str = "lstm"  # the LSTM's gates keep gradients alive over the ~25 steps of a prompt + definition
    emb_dim: int = 256
    hidden_dim: int = 512
    n_layers: int = 1  # a second layer helps little at 15 CPU minutes and halves the throughput
    dropout: float = 0.2  # ~130k words of training data overfit a 512-unit LSTM in a few epochs
    tie_weights: bool = False  # needs emb_dim == hidden_dim
    # -- optimisation
    optimizer: str = "adam"  # adapts per-parameter step sizes; SGD needs a tuned schedule to match it
    lr: float = 2e-3
    # the learning rate is multiplied by this after an epoch that does not lower the validation perplexity
    # (annealing as pytorch/examples' word_language_model does; 1: constant)
    lr_decay: float = 0.25
    # coupled L2 (decoupled for adamw, where 0.01 is torch's default); dropout already regularises
    weight_decay: float = 0.0
    # SGD only: heavy-ball momentum (0: plain SGD; 0.9 the usual choice) and its Nesterov form
    momentum: float = 0.0
    nesterov: bool = False
    clip: float = 1.0  # global gradient-norm clip against exploding BPTT gradients
    batch_size: int = 64
    epochs: int = 10
    max_minutes: float = 0.0  # wall-clock budget for training (0: none); the run stops cleanly when spent
    # -- evaluation inside the loop
    eval_words: int = 300  # validation words decoded and scored with evalkit's text metrics every epoch
    gen_max_len: int = 30  # tokens generated per definition at most
    # -- where it runs
    device: str = "auto"  # CUDA when available, else CPU
    threads: int = 0  # torch CPU threads (0: torch's default)

    def __post_init__(self) -> None:
        owner = "TrainConfig"
        check_choice(owner, "level", self.level, LEVELS)
        check_bool(owner, "unseen_definitions", self.unseen_definitions)
        check_choice(owner, "cell", self.cell, CELLS)
        check_choice(owner, "optimizer", self.optimizer, tuple(OPTIMIZERS))
        for name in ("min_count", "max_vocab", "emb_dim", "hidden_dim", "n_layers", "batch_size", "gen_max_len"):
            check_int(owner, name, getattr(self, name), minimum=1)
        check_int(owner, "max_len", self.max_len, minimum=3)
        for name in ("seed", "limit", "exemplars", "epochs", "eval_words", "threads"):
            check_int(owner, name, getattr(self, name), minimum=0)
        check_number(owner, "dropout", self.dropout, low=0.0, high=1.0, high_open=True)
        check_number(owner, "lr", self.lr, low=0.0, low_open=True)
        check_number(owner, "lr_decay", self.lr_decay, low=0.0, high=1.0, low_open=True)
        for name in ("weight_decay", "clip", "max_minutes"):
            check_number(owner, name, getattr(self, name), low=0.0)
        for name in ("validation", "test"):
            check_number(owner, name, getattr(self, name), low=0.0, high=0.5)
        check_number(owner, "momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        check_bool(owner, "nesterov", self.nesterov)
        # refused, not ignored: a momentum that silently does nothing would mislead a comparison
        if self.optimizer != "sgd" and (self.momentum or self.nesterov):
            raise InvalidOptionError(
                f"The 'momentum' and 'nesterov' parameters of TrainConfig apply to optimizer='sgd' only. "
                f"Got momentum={self.momentum!r}, nesterov={self.nesterov!r} with optimizer={self.optimizer!r} instead."
            )
        if self.nesterov and not self.momentum:
            raise InvalidOptionError(
                "The 'nesterov' parameter of TrainConfig needs a momentum above 0. Got momentum=0.0 instead."
            )
        # here, not only when the model is built: that comes after loading the data
        check_tie_weights(owner, self.tie_weights, self.emb_dim, self.hidden_dim)
        check_bool(owner, "pointer", self.pointer)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def optimizer_options(self) -> dict[str, Any]:
        """The keyword options of the step rule ``optimizer`` (the same for
        :data:`~evalkit.generator.rnn_numpy.OPTIMIZERS` and ``torch.optim``).

        Example:
            >>> TrainConfig(optimizer="sgd", lr=0.1, momentum=0.9).optimizer_options()
            {'lr': 0.1, 'weight_decay': 0.0, 'momentum': 0.9, 'nesterov': False}
        """
        options: dict[str, Any] = {"lr": self.lr, "weight_decay": self.weight_decay}
        if self.optimizer == "sgd":
            options.update(momentum=self.momentum, nesterov=self.nesterov)
        return options

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """The config saved in a checkpoint; a field it lacks (saved before the field existed) takes the value
        that run used, not today's default."""
        known = {f.name for f in fields(cls)}
        return cls(**{**_BEFORE_THE_FIELD, **{k: v for k, v in d.items() if k in known}})


#: what a run saved before these fields existed did: no exemplars, no copying, a constant learning rate
_BEFORE_THE_FIELD = {"exemplars": 0, "pointer": False, "lr_decay": 1.0}
