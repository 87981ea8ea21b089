"""Train the PyTorch definition model, with evalkit's metrics inside the loop (``pip install 'evalkit[torch]'``).

Each epoch: the training loss; the validation perplexity from the :class:`Perplexity` metric's statistics
(``nll_sum``, ``n_tokens``, summed over batches); definitions generated for ``eval_words`` validation words and
scored by every registered text metric among BLEU, ROUGE-L and METEOR through their stateful
``update()`` / ``compute()``. Each epoch appends one JSON line to ``log.jsonl`` and rewrites
``checkpoint.pt`` (model, optimizer, vocabulary, config, history), from which a run resumes.

torch is imported inside the functions, through :mod:`evalkit.generator.lstm_torch` (whose ``require`` names
the extra to install when it is missing), so importing this module stays light.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import evalkit
from evalkit.core.errors import InvalidOptionError
from evalkit.core.result import Result
from evalkit.core.validate import check_choice, check_int, check_number
from evalkit.generator.baselines import SpellingIndex, exemplar_words, most_frequent_definition
from evalkit.generator.config import WEIGHTS, TrainConfig
from evalkit.generator.data import (
    SPECIALS,
    Batch,
    Example,
    Splits,
    Vocab,
    batches,
    encode_pairs,
    reference_text,
    wordnet_splits,
)
from evalkit.generator.generate import STRATEGIES, beam_search, generate
from evalkit.generator.metrics import Perplexity
from evalkit.generator.rnn_numpy import ModelSpec

#: text metrics scored in the loop, each a family with the registry names it may have (first found wins)
TEXT_METRICS = {"bleu": ("bleu",), "rouge-l": ("rougeL", "rouge_l", "rouge-l", "rouge"), "meteor": ("meteor",)}

Log = Callable[[str], None]


def text_metric_names() -> list[str]:
    """The registry names of the text metrics that exist in this installation, in BLEU, ROUGE, METEOR order."""
    known = evalkit.available_metrics()
    return [next(n for n in names if n in known) for names in TEXT_METRICS.values() if any(n in known for n in names)]


def score_texts(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, batch_size: int = 256
) -> dict[str, Result]:
    """Every available text metric, fed batch by batch through ``update()`` and scored by ``compute()``."""
    metrics = {name: evalkit.get_metric(name) for name in text_metric_names()}
    for start in range(0, len(hypotheses), batch_size):
        hyps = list(hypotheses[start : start + batch_size])
        refs = [list(r) for r in references[start : start + batch_size]]
        for m in metrics.values():
            m.update(hyps, refs)
    return {name: m.compute() for name, m in metrics.items()}


def model_spec(cfg: TrainConfig, vocab: Vocab) -> ModelSpec:
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


def exemplars_of(
    cfg: TrainConfig, splits: Splits, words: Sequence[str], *, index: SpellingIndex | None = None
) -> dict[str, list[str]] | None:
    """``word -> the definitions put in its prompt``: the first definition of each of its ``cfg.exemplars``
    nearest-spelling training words (:func:`exemplar_words`); None when the config uses no exemplars."""
    if not cfg.exemplars:
        return None
    neighbours = exemplar_words(splits.train, words, k=cfg.exemplars, index=index)
    return {w: [splits.train[n][0] for n in near] for w, near in zip(words, neighbours)}


def validation_perplexity(model: Any, examples: Sequence[Example], vocab: Vocab, device: Any) -> Result:
    """Perplexity of ``examples``: the metric's statistics summed over batches, then scored once."""
    from evalkit.generator.lstm_torch import nll_sum, torch

    metric = Perplexity()
    model.eval()
    with torch.no_grad():
        for batch in batches(examples, 256, vocab.pad_id):
            inputs, targets, source = _tensors(batch, device)
            nll, n = nll_sum(model, inputs, targets, vocab.pad_id, source)
            metric.update(float(nll), int(n))
    return metric.compute()


def _tensors(batch: Batch, device: Any) -> tuple[Any, Any, Any]:
    """``(inputs, targets, source)`` of a batch as tensors on ``device`` (``source`` None without a pointer)."""
    from evalkit.generator.lstm_torch import torch

    inputs, targets, source = (None if a is None else torch.from_numpy(a).to(device) for a in batch)
    return inputs, targets, source


def define(
    model: Any,
    vocab: Vocab,
    words: Sequence[str],
    *,
    exemplars: dict[str, list[str]] | None = None,
    prompt_len: int | None = None,
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
) -> list[str]:
    """Generated definitions of ``words``: greedy, sampled (temperature / top-k) or beam search.

    ``exemplars`` (``word -> definitions``, see :func:`exemplars_of`) and ``prompt_len`` (the training
    ``max_len``) build the prompts as training did (:meth:`Vocab.prompt`). ``no_repeat_ngram=n`` keeps
    greedy and beam outputs from holding any n-gram twice (0: off). ``copy_bias`` is subtracted from a
    pointer model's gate logit: above 0 it copies more than it learnt to (0: as trained)."""
    from evalkit.generator.lstm_torch import torch

    check_choice("define", "strategy", strategy, STRATEGIES)
    check_int("define", "no_repeat_ngram", no_repeat_ngram, minimum=0)
    if no_repeat_ngram and strategy == "sample":
        raise InvalidOptionError("The 'no_repeat_ngram' option of define applies to greedy and beam decoding only.")
    check_number("define", "copy_bias", copy_bias)
    if copy_bias and not model.spec.pointer:
        raise InvalidOptionError("The 'copy_bias' option of define needs a pointer model (one that copies).")
    if no_repeat_ngram and strategy == "greedy":
        strategy, beam_size = "beam", 1  # one beam is greedy decoding, and beam search knows the constraint
    model.eval()

    pointer = model.spec.pointer
    copies: list[tuple[list[int], list[str]]] = []  # (copy ids, out-of-vocabulary tokens) per prompt
    n_extended = 0  # copy-only ids of the current batch of prompts

    def step(tokens: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        if not pointer:
            with torch.no_grad():
                logits, state = model(torch.from_numpy(tokens[:, None]).to(device), state)
            return logits[:, 0].float().cpu().numpy(), state
        rnn_state, keys, source = state
        # a copied token outside the vocabulary is read back as <unk>, as in training
        tokens = np.where(tokens >= len(vocab), vocab.unk_id, tokens)
        with torch.no_grad():
            out, rnn_state = model.rnn(model.embedding(torch.from_numpy(tokens[:, None]).to(device)), rnn_state)
            logp = model.next_log_probs(out[:, 0], keys, source, n_extended, copy_bias)
        return logp.double().cpu().numpy(), (rnn_state, keys, source)

    def select(state: Any, rows: np.ndarray) -> Any:
        index = torch.from_numpy(rows).to(device)
        rnn_state = state[0] if pointer else state
        # LSTM state is (h, c), RNN state is h; each (layers, batch, hidden)
        picked = tuple(s[:, index] for s in rnn_state) if isinstance(rnn_state, tuple) else rnn_state[:, index]
        return (picked, state[1][index], state[2][index]) if pointer else picked

    def read_prompts(prompts: list[Sequence[int]]) -> tuple[np.ndarray, Any]:
        # a packed batch runs each prompt to its own last token: one call for prompts of any lengths
        lengths = torch.tensor([len(p) for p in prompts])
        padded = torch.zeros(len(prompts), int(lengths.max()), dtype=torch.long)
        for i, p in enumerate(prompts):
            padded[i, : len(p)] = torch.tensor(p)
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            model.embedding(padded.to(device)), lengths, batch_first=True, enforce_sorted=False
        )
        with torch.no_grad():
            out, state = model.rnn(packed)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            last = out[torch.arange(len(prompts)), lengths - 1]
            if not pointer:
                return model.decoder(last).float().cpu().numpy(), state
            source = torch.full(padded.shape, -1, dtype=torch.long)
            for i, (ids, _) in enumerate(copies):
                source[i, : len(ids)] = torch.tensor(ids)
            source = source.to(device)
            logp = model.next_log_probs(last, out, source, n_extended, copy_bias)
        return logp.double().cpu().numpy(), (state, out, source)

    # a definition is made of definition tokens and <eos>: never <unk> (it scores nothing), padding, <bos>,
    # <sep> or a prompt letter
    banned = [vocab.pad_id, vocab.bos_id, vocab.sep_id, vocab.unk_id]
    banned += range(len(SPECIALS), len(SPECIALS) + len(vocab.chars))
    out: list[str] = []
    for first in range(0, len(words), batch_size):
        batch_words = words[first : first + batch_size]
        shown = [exemplars[w] if exemplars else () for w in batch_words]
        prompts = [vocab.prompt(w, ex, max_len=prompt_len) for w, ex in zip(batch_words, shown)]
        if pointer:
            copies[:] = [vocab.copy_ids(w, ex, max_len=prompt_len) for w, ex in zip(batch_words, shown)]
            n_extended = max(len(oov) for _, oov in copies)
        if strategy == "beam":
            ids = beam_search(
                step, select, prompts, eos_id=vocab.eos_id, beam_size=beam_size, max_len=max_len,
                length_penalty=length_penalty, banned=banned, start=read_prompts, no_repeat_ngram=no_repeat_ngram,
            )  # fmt: skip
        else:
            # the pointer needs each prompt's outputs at once (its keys): read them packed
            ids = generate(
                step, prompts, eos_id=vocab.eos_id, max_len=max_len, strategy=strategy, temperature=temperature,
                top_k=top_k, seed=seed + first, banned=banned, start=read_prompts if pointer else None,
            )  # fmt: skip
        out.extend(vocab.decode(x, copies[i][1] if pointer else ()) for i, x in enumerate(ids))
    return out


def references_of(pairs: dict[str, list[str]], words: Sequence[str], level: str) -> list[list[str]]:
    return [[reference_text(d, level) for d in pairs[w]] for w in words]


def _save(path: Path, payload: dict[str, Any]) -> None:
    from evalkit.generator.lstm_torch import torch

    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # a crash mid-write never leaves a broken checkpoint


def load_checkpoint(
    path: str | Path, *, device: str = "auto", weights: str = "best"
) -> tuple[Any, Vocab, TrainConfig, dict[str, Any]]:
    """``(model, vocab, config, checkpoint)`` from a ``checkpoint.pt`` written by :func:`train`, with the
    weights of the epoch of lowest validation perplexity (``weights="best"``) or of the last epoch."""
    from evalkit.generator.lstm_torch import TorchRNNLM, resolve_device, torch

    check_choice("load_checkpoint", "weights", weights, WEIGHTS)
    dev = resolve_device(device)
    ckpt = torch.load(Path(path), map_location=dev, weights_only=False)
    cfg = TrainConfig.from_dict(ckpt["config"])
    vocab = Vocab(**ckpt["vocab"])
    model = TorchRNNLM(model_spec(cfg, vocab)).to(dev)
    # checkpoints from before best-weight tracking hold the last weights only
    model.load_state_dict(ckpt["best"]["model"] if weights == "best" and ckpt.get("best") else ckpt["model"])
    return model, vocab, cfg, ckpt


def train(cfg: TrainConfig, out_dir: str | Path, *, resume: bool = False, log: Log = print) -> dict[str, Any]:
    """Train per ``cfg``, writing ``log.jsonl`` and ``checkpoint.pt`` under ``out_dir``; returns the last
    epoch's record. ``resume`` continues from the checkpoint there (its config wins)."""
    from evalkit.generator.lstm_torch import TorchRNNLM, nll_sum, resolve_device, torch, torch_optimizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    ckpt = None
    if resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        # the run's data, model and optimiser are the checkpoint's; how long and where to go on are the caller's
        keep = ("epochs", "max_minutes", "device", "threads")
        cfg = TrainConfig.from_dict({**ckpt["config"], **{k: getattr(cfg, k) for k in keep}})
    splits = load_splits(cfg)
    vocab = (
        Vocab(**ckpt["vocab"])
        if ckpt
        else Vocab.build(splits.train, level=cfg.level, min_count=cfg.min_count, max_size=cfg.max_vocab)
    )
    index = SpellingIndex(list(splits.train)) if cfg.exemplars else None
    train_exemplars = exemplars_of(cfg, splits, list(splits.train), index=index)
    val_exemplars = exemplars_of(cfg, splits, list(splits.validation), index=index)
    train_ex = encode_pairs(vocab, splits.train, max_len=cfg.max_len, exemplars=train_exemplars, pointer=cfg.pointer)
    val_ex = encode_pairs(vocab, splits.validation, max_len=cfg.max_len, exemplars=val_exemplars, pointer=cfg.pointer)
    eval_words = list(splits.validation)[: cfg.eval_words]
    eval_refs = references_of(splits.validation, eval_words, cfg.level)

    torch.manual_seed(cfg.seed)
    model = TorchRNNLM(model_spec(cfg, vocab)).to(device)
    optimizer = torch_optimizer(cfg.optimizer, model.parameters(), **cfg.optimizer_options())
    history: list[dict[str, Any]] = []
    first_epoch = 1
    best: dict[str, Any] = {}  # the weights of the epoch with the lowest validation perplexity
    if ckpt:
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        history = ckpt["history"]
        first_epoch = ckpt["epoch"] + 1
        best = ckpt.get("best", {})
    log(
        f"device={device} words: train={len(splits.train)} validation={len(splits.validation)} "
        f"test={len(splits.test)} pairs={len(train_ex)} vocab={len(vocab)} "
        f"params={sum(p.numel() for p in model.parameters())} metrics={text_metric_names()}"
    )
    budget = cfg.max_minutes * 60 or math.inf
    spent = sum(r["train_seconds"] for r in history)
    record: dict[str, Any] = history[-1] if history else {}
    for epoch in range(first_epoch, cfg.epochs + 1):
        if spent >= budget:
            break
        model.train()
        start = time.perf_counter()
        loss_sum, n_tok, stopped = 0.0, 0, False
        for batch in batches(train_ex, cfg.batch_size, vocab.pad_id, seed=cfg.seed * 1000 + epoch):
            inputs, targets, source = _tensors(batch, device)
            nll, n = nll_sum(model, inputs, targets, vocab.pad_id, source)
            optimizer.zero_grad(set_to_none=True)
            (nll / n).backward()
            if cfg.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            optimizer.step()
            loss_sum += float(nll.detach())
            n_tok += int(n)
            if spent + time.perf_counter() - start >= budget:
                stopped = True
                break
        seconds = time.perf_counter() - start
        spent += seconds
        ppl = validation_perplexity(model, val_ex, vocab, device)
        record = {
            "epoch": epoch,
            "train_loss": loss_sum / max(n_tok, 1),
            "train_tokens": n_tok,
            "train_seconds": seconds,
            "tokens_per_s": n_tok / seconds,
            "stopped_by_budget": stopped,
            "val_perplexity": float(ppl),
        }
        if not best or record["val_perplexity"] < best["val_perplexity"]:
            weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            best = {"epoch": epoch, "val_perplexity": record["val_perplexity"], "model": weights}
        elif not stopped:
            for group in optimizer.param_groups:  # saved with the optimizer: a resumed run keeps it
                group["lr"] *= cfg.lr_decay
        record["best_epoch"] = best["epoch"]
        record["lr"] = optimizer.param_groups[0]["lr"]
        if eval_words:
            hyps = define(
                model, vocab, eval_words, exemplars=val_exemplars, prompt_len=cfg.max_len, device=device,
                max_len=cfg.gen_max_len,
            )  # fmt: skip
            for name, result in score_texts(hyps, eval_refs).items():
                record[f"val_{name}"] = float(result)
            record["example"] = f"{eval_words[0]} : {hyps[0]}"
        history.append(record)
        with open(out / "log.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        _save(
            ckpt_path,
            {"config": cfg.to_dict(), "vocab": vocab.to_dict(), "model": model.state_dict(),
             "optimizer": optimizer.state_dict(), "epoch": epoch, "history": history, "best": best},
        )  # fmt: skip
        log(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()))
    return record


def plot_history(history: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Training loss, validation perplexity and the validation text metrics per epoch, as a PNG
    (``pip install 'evalkit[plot]'``)."""
    from evalkit.core.optional import require

    require("matplotlib", "plot", "plot_history")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in history]
    keys = [
        "train_loss",
        "val_perplexity",
        *sorted({k for r in history for k in r if k.startswith("val_") and k != "val_perplexity"}),
    ]
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3))
    for ax, key in zip(np.atleast_1d(axes), keys):
        ax.plot(epochs, [r.get(key, np.nan) for r in history], marker="o")
        ax.set_title(key)
        ax.set_xlabel("epoch")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def evaluate(
    checkpoint: str | Path,
    *,
    device: str = "auto",
    split: str = "test",
    save_dir: str | Path | None = None,
    beam_size: int = 1,
    length_penalty: float = 1.0,
    no_repeat_ngram: int = 0,
    copy_bias: float = 0.0,
    weights: str = "best",
    limit: int = 0,
    log: Log = print,
) -> list[dict[str, Any]]:
    """The results table on a split: the model (greedy decoding, or beam search when ``beam_size > 1``;
    options as :func:`define`) and
    the two baselines, each scored by the same metrics; perplexity for the model. Returns one row per system.
    ``weights`` picks the checkpoint's best or last weights (:func:`load_checkpoint`); ``limit`` keeps the
    split's first words only (0: all), e.g. to choose decoding options on part of the validation split.

    ``save_dir`` receives ``words.txt``, ``references.jsonl`` and one ``<system>.txt`` of hypotheses per
    system, so the table can be re-scored later (e.g. by metrics added since) without the model."""
    check_int("evaluate", "limit", limit, minimum=0)
    model, vocab, cfg, _ = load_checkpoint(checkpoint, device=device, weights=weights)
    dev = next(model.parameters()).device
    splits = load_splits(cfg)
    pairs = getattr(splits, split)
    if limit:
        pairs = dict(list(pairs.items())[:limit])
    words = list(pairs)
    refs = references_of(pairs, words, cfg.level)
    index = SpellingIndex(list(splits.train))
    exemplars = exemplars_of(cfg, splits, words, index=index)
    examples = encode_pairs(vocab, pairs, max_len=cfg.max_len, exemplars=exemplars, pointer=cfg.pointer)
    ppl = validation_perplexity(model, examples, vocab, dev)
    decoding = "greedy" if beam_size == 1 else f"beam {beam_size}, length penalty {length_penalty:g}"
    if no_repeat_ngram:
        decoding += f", no repeated {no_repeat_ngram}-gram"
    if copy_bias:
        decoding += f", copy bias {copy_bias:g}"
    systems = {  # file name -> (table name, hypotheses)
        "model": (
            f"model ({decoding})",
            define(
                model,
                vocab,
                words,
                exemplars=exemplars,
                prompt_len=cfg.max_len,
                device=dev,
                max_len=cfg.gen_max_len,
                strategy="beam" if beam_size > 1 else "greedy",
                beam_size=beam_size,
                length_penalty=length_penalty,
                no_repeat_ngram=no_repeat_ngram,
                copy_bias=copy_bias,
            ),
        ),
        "most_frequent": (
            "baseline: most frequent definition",
            [reference_text(most_frequent_definition(splits.train), cfg.level)] * len(words),
        ),
        "nearest_spelling": (
            "baseline: nearest spelling",
            [reference_text(splits.train[index.nearest(w)][0], cfg.level) for w in words],
        ),
    }
    if save_dir is not None:
        folder = Path(save_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "words.txt").write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
        (folder / "references.jsonl").write_text("".join(json.dumps(r) + "\n" for r in refs), encoding="utf-8")
        for key, (_, hyps) in systems.items():
            (folder / f"{key}.txt").write_text("".join(f"{h}\n" for h in hyps), encoding="utf-8")
    rows = []
    for name, hyps in systems.values():
        row: dict[str, Any] = {"system": name, "perplexity": float(ppl) if name.startswith("model") else None}
        for metric, result in score_texts(hyps, refs).items():
            row[metric] = float(result)
            row[f"{metric}_signature"] = str(result.signature)
        rows.append(row)
        log(json.dumps(row))
    return rows


SYSTEM_FILES = {"model": "model", "most_frequent": "baseline: most frequent definition",
                "nearest_spelling": "baseline: nearest spelling"}  # fmt: skip


def rescore(save_dir: str | Path) -> list[dict[str, Any]]:
    """Score the hypotheses that :func:`evaluate` saved (``save_dir``) with every available text metric:
    the table again, e.g. with metrics installed since, without the model."""
    folder = Path(save_dir)
    refs = [json.loads(line) for line in (folder / "references.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = []
    for key, name in SYSTEM_FILES.items():
        path = folder / f"{key}.txt"
        if path.exists():
            hyps = path.read_text(encoding="utf-8").split("\n")[: len(refs)]
            row: dict[str, Any] = {"system": name}
            row.update({metric: float(result) for metric, result in score_texts(hyps, refs).items()})
            rows.append(row)
    return rows
