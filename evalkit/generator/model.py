"""A trained definition model as one object and one file: :class:`DefinitionModel`.

A network alone defines nothing well: it needs the vocabulary it was trained with, the prompt layout of
its config (how many exemplar definitions, cut to which length) and the training words those exemplars
come from. :class:`DefinitionModel` keeps the four together, saves them as one checkpoint that
``torch.load(path, weights_only=True)`` reads (tensors, lists, dicts, strings and numbers only: no pickled
class, nothing runs on load), and builds every prompt exactly as training did. The low-level decoder
:func:`define` checks the exemplars it is given against the config, so a prompt unlike training's is an
error, not a silently worse definition.

Example (needs torch; ``checkpoint.pt`` as :func:`evalkit.generator.train.train` writes it)::

    model = DefinitionModel.load("runs/defs/checkpoint.pt")
    model.define(["dog", "happiness"], strategy="beam", beam_size=4)
    model.save("defs.pt")  # weights, vocabulary, config and exemplar index; no optimizer

torch is imported inside the functions (through :mod:`evalkit.generator.lstm_torch`, whose ``require``
names the extra to install), so importing this module stays light.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.validate import check_choice, check_int, check_number
from evalkit.generator.baselines import SpellingIndex, exemplar_definitions
from evalkit.generator.config import WEIGHTS, TrainConfig
from evalkit.generator.data import SPECIALS, Splits, Vocab, wordnet_splits
from evalkit.generator.generate import STRATEGIES, beam_search, generate
from evalkit.generator.progress import progress_bar
from evalkit.generator.rnn_numpy import ModelSpec

#: the ``format`` entry of every checkpoint this module writes (a training checkpoint adds to it)
FORMAT = "evalkit.generator.DefinitionModel/1"


def model_spec(cfg: TrainConfig, vocab: Vocab) -> ModelSpec:
    """The network architecture that ``cfg`` trains on ``vocab``."""
    return ModelSpec(
        cell=cfg.cell,
        vocab_size=len(vocab),
        emb_dim=cfg.emb_dim,
        hidden_dim=cfg.hidden_dim,
        n_layers=cfg.n_layers,
        dropout=cfg.dropout,
        tie_weights=cfg.tie_weights,
        pointer=cfg.pointer,
    )


def load_splits(cfg: TrainConfig) -> Splits:
    """The train / validation / test words of the run ``cfg`` describes (seed, fractions, ``limit``)."""
    splits = wordnet_splits(
        seed=cfg.seed,
        validation=cfg.validation,
        test=cfg.test,
        unseen_definitions=cfg.unseen_definitions,
        root=cfg.data or None,
    )
    if cfg.limit:
        train = dict(list(splits.train.items())[: cfg.limit])
        # a smoke run also keeps validation and test small and in proportion
        small = max(1, cfg.limit // 10)
        return Splits(train, dict(list(splits.validation.items())[:small]), dict(list(splits.test.items())[:small]))
    return splits


def read_checkpoint(path: str | Path, *, device: Any = "cpu") -> dict[str, Any]:
    """A checkpoint's contents, read with ``torch.load(..., weights_only=True)`` onto ``device``."""
    from evalkit.generator.lstm_torch import torch

    try:
        return torch.load(Path(path), map_location=device, weights_only=True)
    except pickle.UnpicklingError as exc:
        raise InputError(
            f"{path} holds objects other than tensors and plain values, so it is not read (weights_only=True); "
            f"it is not a checkpoint that evalkit.generator wrote. torch said: {str(exc).splitlines()[0]}"
        ) from exc


def write_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Save ``payload`` with ``torch.save``, atomically: a crash mid-write never leaves a broken file."""
    from evalkit.generator.lstm_torch import torch

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def _pack_pairs(pairs: dict[str, list[str]]) -> dict[str, Any]:
    """The training pairs as two newline-joined strings and two id tensors: a 118k-word index loads in a
    fraction of the time of as many small lists, and synonyms' shared definitions are stored once."""
    from evalkit.generator.lstm_torch import torch

    ids: dict[str, int] = {}
    for text in (*pairs, *(d for defs in pairs.values() for d in defs)):
        if "\n" in text:
            raise InputError(f"DefinitionModel: a training word or definition holds a line break: {text!r}.")
    per_word = [[ids.setdefault(d, len(ids)) for d in defs] for defs in pairs.values()]
    return {
        "words": "\n".join(pairs),
        "definitions": "\n".join(ids),
        "n_definitions": torch.tensor([len(d) for d in per_word], dtype=torch.int64),
        "definition_ids": torch.tensor([i for d in per_word for i in d], dtype=torch.int64),
    }


def _unpack_pairs(packed: dict[str, Any]) -> dict[str, list[str]]:
    words = packed["words"].split("\n") if packed["words"] else []
    definitions = packed["definitions"].split("\n") if packed["definitions"] else []
    ids = packed["definition_ids"].tolist()
    ends = np.cumsum(packed["n_definitions"].tolist())
    starts = ends - packed["n_definitions"].numpy()
    return {w: [definitions[i] for i in ids[a:b]] for w, a, b in zip(words, starts.tolist(), ends.tolist())}


def _check_context(config: TrainConfig, words: Sequence[str], exemplars: dict[str, Sequence[str]] | None) -> None:
    """The exemplars must be those of the prompts the network was trained on (``config.exemplars``)."""
    k = config.exemplars
    if k and exemplars is None:
        raise InputError(
            f"define: the model was trained with {k} exemplar definition(s) in every prompt (config.exemplars={k}) "
            f"but 'exemplars' is missing; without them it reads prompts it never saw. DefinitionModel.define "
            f"finds them, or pass exemplars=exemplar_definitions(train_pairs, words, k={k})."
        )
    if not k and exemplars:
        raise InputError(
            "define: the model was trained without exemplars (config.exemplars=0), but 'exemplars' was given."
        )
    if exemplars:
        missing = [w for w in words if w not in exemplars]
        if missing:
            raise InputError(f"define: 'exemplars' has no entry for {len(missing)} word(s), e.g. {missing[0]!r}.")
        over = [w for w in words if len(exemplars[w]) > k]
        if over:
            raise InputError(
                f"define: the model was trained with at most {k} exemplar(s) per prompt (config.exemplars); "
                f"'exemplars' gives {len(exemplars[over[0]])} for {over[0]!r}."
            )


def define(
    network: Any,
    vocab: Vocab,
    words: Sequence[str],
    *,
    config: TrainConfig,
    exemplars: dict[str, Sequence[str]] | None = None,
    device: Any = "cpu",
    max_len: int = 30,
    strategy: str = "greedy",
    temperature: float = 1.0,
    top_k: int = 0,
    beam_size: int = 4,
    length_penalty: float = 1.0,
    no_repeat_ngram: int = 0,
    copy_bias: float = 0.0,
    seed: int = 0,
    batch_size: int = 512,
    progress: bool = False,
) -> list[str]:
    """The low-level decoder: definitions of ``words`` by ``network`` (a :class:`TorchRNNLM`), greedy,
    sampled (temperature / top-k) or beam search. Prefer :meth:`DefinitionModel.define`, which supplies
    the context.

    The prompts are built as training built them (:meth:`Vocab.prompt`): ``config`` is the training config
    (its ``exemplars`` and ``max_len`` fix the layout), and ``exemplars`` (``word -> definitions``, see
    :func:`evalkit.generator.baselines.exemplar_definitions`) must be given exactly when the model was
    trained with exemplars; otherwise :class:`InputError` says what is missing. ``no_repeat_ngram=n`` keeps
    greedy and beam outputs from holding any n-gram twice (0: off). ``copy_bias`` is subtracted from a
    pointer model's gate logit: above 0 it copies more than it learnt to (0: as trained). ``progress``
    draws a bar on a terminal.
    """
    _check_define(network, vocab, words, config, exemplars, strategy, no_repeat_ngram, batch_size, copy_bias)
    if no_repeat_ngram and strategy == "greedy":
        strategy, beam_size = "beam", 1  # one beam is greedy decoding, and beam search knows the constraint
    network.eval()
    decoder = _Decoder(network, vocab, device, copy_bias)
    banned = decoder.banned()
    out: list[str] = []
    with progress_bar(total=len(words), show=progress, desc=f"decoding ({strategy})", unit="word") as bar:
        for first in range(0, len(words), batch_size):
            batch_words = words[first : first + batch_size]
            shown = [exemplars[w] if exemplars else () for w in batch_words]
            prompts = [vocab.prompt(w, ex, max_len=config.max_len) for w, ex in zip(batch_words, shown)]
            decoder.begin(batch_words, shown, config.max_len)
            if strategy == "beam":
                ids = beam_search(
                    decoder.step, decoder.select, prompts, eos_id=vocab.eos_id, beam_size=beam_size, max_len=max_len,
                    length_penalty=length_penalty, banned=banned, start=decoder.read_prompts,
                    no_repeat_ngram=no_repeat_ngram,
                )  # fmt: skip
            else:
                # the pointer needs each prompt's outputs at once (its keys): read them packed
                ids = generate(
                    decoder.step, prompts, eos_id=vocab.eos_id, max_len=max_len, strategy=strategy,
                    temperature=temperature, top_k=top_k, seed=seed + first, banned=banned,
                    start=decoder.read_prompts if decoder.pointer else None,
                )  # fmt: skip
            out.extend(decoder.decode(ids))
            bar.update(len(batch_words))
    return out


def _check_define(
    network: Any,
    vocab: Vocab,
    words: Sequence[str],
    config: TrainConfig,
    exemplars: dict[str, Sequence[str]] | None,
    strategy: str,
    no_repeat_ngram: int,
    batch_size: int,
    copy_bias: float,
) -> None:
    """:func:`define`'s options, and the network, vocabulary and exemplars against each other."""
    check_choice("define", "strategy", strategy, STRATEGIES)
    check_int("define", "no_repeat_ngram", no_repeat_ngram, minimum=0)
    check_int("define", "batch_size", batch_size, minimum=1)
    if no_repeat_ngram and strategy == "sample":
        raise InvalidOptionError("The 'no_repeat_ngram' option of define applies to greedy and beam decoding only.")
    check_number("define", "copy_bias", copy_bias)
    if copy_bias and not network.spec.pointer:
        raise InvalidOptionError("The 'copy_bias' option of define needs a pointer model (one that copies).")
    if network.spec.vocab_size != len(vocab):
        raise InputError(
            f"define: the network has {network.spec.vocab_size} output ids but 'vocab' has {len(vocab)}: "
            f"they were not trained together."
        )
    _check_context(config, words, exemplars)


class _Decoder:
    """The network as the decoders of :mod:`evalkit.generator.generate` call it: ``step``, ``select`` and
    ``read_prompts`` over a batch of prompts, and the batch's copies (a pointer model's copy ids and
    out-of-vocabulary tokens per prompt), set by :meth:`begin`."""

    def __init__(self, network: Any, vocab: Vocab, device: Any, copy_bias: float) -> None:
        self.network, self.vocab, self.device, self.copy_bias = network, vocab, device, copy_bias
        self.pointer = network.spec.pointer
        self.copies: list[tuple[list[int], list[str]]] = []  # (copy ids, out-of-vocabulary tokens) per prompt
        self.n_extended = 0  # copy-only ids of the current batch of prompts

    def begin(self, words: Sequence[str], shown: Sequence[Sequence[str]], prompt_len: int) -> None:
        """A new batch of prompts: a pointer model's copies of each."""
        if self.pointer:
            self.copies = [self.vocab.copy_ids(w, ex, max_len=prompt_len) for w, ex in zip(words, shown)]
            self.n_extended = max(len(oov) for _, oov in self.copies)

    def banned(self) -> list[int]:
        """The ids never generated: a definition is made of definition tokens and <eos>, never <unk> (it
        scores nothing), padding, <bos>, <sep> or a prompt letter."""
        vocab = self.vocab
        return [
            vocab.pad_id,
            vocab.bos_id,
            vocab.sep_id,
            vocab.unk_id,
            *range(len(SPECIALS), len(SPECIALS) + len(vocab.chars)),
        ]

    def decode(self, ids: Sequence[Sequence[int]]) -> list[str]:
        """The text of each prompt's generated ids (a copied id read back as its word)."""
        return [self.vocab.decode(x, self.copies[i][1] if self.pointer else ()) for i, x in enumerate(ids)]

    def step(self, tokens: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        from evalkit.generator.lstm_torch import torch

        network = self.network
        if not self.pointer:
            with torch.no_grad():
                logits, state = network(torch.from_numpy(tokens[:, None]).to(self.device), state)
            return logits[:, 0].float().cpu().numpy(), state
        rnn_state, keys, source = state
        # a copied token outside the vocabulary is read back as <unk>, as in training
        tokens = np.where(tokens >= len(self.vocab), self.vocab.unk_id, tokens)
        with torch.no_grad():
            embedded = network.embedding(torch.from_numpy(tokens[:, None]).to(self.device))
            out, rnn_state = network.rnn(embedded, rnn_state)
            logp = network.next_log_probs(out[:, 0], keys, source, self.n_extended, self.copy_bias)
        return logp.double().cpu().numpy(), (rnn_state, keys, source)

    def select(self, state: Any, rows: np.ndarray) -> Any:
        from evalkit.generator.lstm_torch import torch

        index = torch.from_numpy(rows).to(self.device)
        rnn_state = state[0] if self.pointer else state
        # LSTM state is (h, c), RNN and GRU state is h; each (layers, batch, hidden)
        picked = tuple(s[:, index] for s in rnn_state) if isinstance(rnn_state, tuple) else rnn_state[:, index]
        return (picked, state[1][index], state[2][index]) if self.pointer else picked

    def read_prompts(self, prompts: list[Sequence[int]]) -> tuple[np.ndarray, Any]:
        # a packed batch runs each prompt to its own last token: one call for prompts of any lengths
        from evalkit.generator.lstm_torch import torch

        network = self.network
        lengths = torch.tensor([len(p) for p in prompts])
        padded = torch.zeros(len(prompts), int(lengths.max()), dtype=torch.long)
        for i, p in enumerate(prompts):
            padded[i, : len(p)] = torch.tensor(p)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            network.embedding(padded.to(self.device)), lengths, batch_first=True, enforce_sorted=False
        )
        with torch.no_grad():
            out, state = network.rnn(packed)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            last = out[torch.arange(len(prompts)), lengths - 1]
            if not self.pointer:
                return network.decoder(last).float().cpu().numpy(), state
            source = torch.full(padded.shape, -1, dtype=torch.long)
            for i, (ids, _) in enumerate(self.copies):
                source[i, : len(ids)] = torch.tensor(ids)
            source = source.to(self.device)
            logp = network.next_log_probs(last, out, source, self.n_extended, self.copy_bias)
        return logp.double().cpu().numpy(), (state, out, source)


class DefinitionModel:
    """A trained definition model: the network, its vocabulary, its training config and the exemplar
    index (the training words and their definitions, searched by spelling).

    ``train_pairs=None`` (a checkpoint written before the index was saved in it) rebuilds the training
    words from WordNet by the config on first use.

    Example (needs torch; a real model comes from :meth:`load`)::

        >>> from evalkit.generator.lstm_torch import TorchRNNLM
        >>> cfg = TrainConfig(emb_dim=8, hidden_dim=8, exemplars=1, max_len=20)
        >>> train = {"dog": ["a domestic canine"], "cat": ["a small feline"]}
        >>> vocab = Vocab.build(train, min_count=1)
        >>> model = DefinitionModel(TorchRNNLM(model_spec(cfg, vocab)), vocab, cfg, train)
        >>> model.exemplars(["dogs"])
        {'dogs': ['a domestic canine']}
        >>> len(model.define(["dogs"], max_len=3)) == 1
        True
    """

    def __init__(
        self, network: Any, vocab: Vocab, config: TrainConfig, train_pairs: dict[str, list[str]] | None = None
    ) -> None:
        self.network = network
        self.vocab = vocab
        self.config = config
        self._train = train_pairs
        self._index: SpellingIndex | None = None
        self._exemplars: dict[str, list[str]] = {}  # found once per word: a query costs its trigram postings
        self._packed: dict[str, Any] | None = None

    @property
    def train_pairs(self) -> dict[str, list[str]]:
        """``word -> definitions`` of the training split: where the exemplars and baselines come from."""
        if self._train is None:
            self._train = load_splits(self.config).train
        return self._train

    @property
    def index(self) -> SpellingIndex:
        """The training words indexed by spelling (built on first use: about a second for all of them)."""
        if self._index is None:
            self._index = SpellingIndex(list(self.train_pairs))
        return self._index

    @property
    def device(self) -> Any:
        return next(self.network.parameters()).device

    def exemplars(self, words: Sequence[str], *, progress: bool = False) -> dict[str, list[str]] | None:
        """``word -> the exemplar definitions of its prompt`` as training chose them, or None for a model
        trained without exemplars."""
        if not self.config.exemplars:
            return None
        todo = [w for w in dict.fromkeys(words) if w not in self._exemplars]
        if todo:
            found = exemplar_definitions(
                self.train_pairs, todo, k=self.config.exemplars, index=self.index, progress=progress
            )
            self._exemplars.update(found)
        return {w: self._exemplars[w] for w in words}

    def define(self, words: Sequence[str], *, max_len: int | None = None, **decoding: Any) -> list[str]:
        """Definitions of ``words``, prompted as in training; ``max_len`` tokens at most (default: the
        config's ``gen_max_len``); ``decoding``: the options of :func:`define` (``strategy``,
        ``beam_size``, ``length_penalty``, ``no_repeat_ngram``, ``copy_bias``, ``temperature``,
        ``top_k``, ``seed``, ``batch_size``, ``progress``)."""
        words = list(words)
        exemplars = self.exemplars(words, progress=decoding.get("progress", False))
        return define(
            self.network, self.vocab, words, config=self.config, exemplars=exemplars, device=self.device,
            max_len=self.config.gen_max_len if max_len is None else max_len, **decoding,
        )  # fmt: skip

    def payload(self) -> dict[str, Any]:
        """What :meth:`save` writes: plain values and tensors only (the weights on the CPU)."""
        if self._packed is None:
            self._packed = _pack_pairs(self.train_pairs)
        return {
            "format": FORMAT,
            "config": self.config.to_dict(),
            "vocab": self.vocab.to_dict(),
            "model": {k: v.detach().cpu().clone() for k, v in self.network.state_dict().items()},
            "exemplar_index": self._packed,
        }

    def save(self, path: str | Path) -> Path:
        """One file with the weights, vocabulary, config and exemplar index (no optimizer state)."""
        return write_checkpoint(path, self.payload())

    @classmethod
    def from_checkpoint(
        cls, checkpoint: dict[str, Any], *, device: str = "auto", weights: str = "best"
    ) -> DefinitionModel:
        """The model in a checkpoint's contents (:func:`read_checkpoint`): the weights of the epoch of
        lowest validation perplexity (``weights="best"``, where the checkpoint tracks them) or the last."""
        from evalkit.generator.lstm_torch import TorchRNNLM, resolve_device

        check_choice("DefinitionModel.load", "weights", weights, WEIGHTS)
        missing = [k for k in ("config", "vocab", "model") if k not in checkpoint]
        if missing:
            raise InputError(f"DefinitionModel.load: the checkpoint lacks {', '.join(missing)}.")
        dev = resolve_device(device)
        cfg = TrainConfig.from_dict(checkpoint["config"])
        vocab = Vocab(**checkpoint["vocab"])
        network = TorchRNNLM(model_spec(cfg, vocab)).to(dev)
        best = checkpoint.get("best") or {}
        network.load_state_dict(best["model"] if weights == "best" and best else checkpoint["model"])
        network.eval()
        packed = checkpoint.get("exemplar_index")
        return cls(network, vocab, cfg, _unpack_pairs(packed) if packed else None)

    @classmethod
    def load(cls, path: str | Path, *, device: str = "auto", weights: str = "best") -> DefinitionModel:
        """The model saved by :meth:`save`, or by :func:`evalkit.generator.train.train` in ``checkpoint.pt``
        (``weights``: ``"best"`` or ``"last"``, see :meth:`from_checkpoint`)."""
        return cls.from_checkpoint(read_checkpoint(path), device=device, weights=weights)
