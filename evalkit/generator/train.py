"""Train the PyTorch definition model, with evalkit's metrics inside the loop (``pip install 'evalkit[torch]'``).

Each epoch: the training loss; the validation perplexity from the :class:`Perplexity` metric's statistics
(``nll_sum``, ``n_tokens``, summed over batches); definitions generated for ``eval_words`` validation words and
scored by every registered text metric among BLEU, ROUGE-L and METEOR through their stateful
``update()`` / ``compute()``. Each epoch appends one JSON line to ``log.jsonl`` and rewrites
``checkpoint.pt``: what :class:`~evalkit.generator.model.DefinitionModel` loads (weights, vocabulary, config,
exemplar index) plus the optimizer, the history, the best epoch's weights and every random state, from which
a run resumes exactly. Every checkpoint is read with ``torch.load(..., weights_only=True)``.

torch is imported inside the functions, through :mod:`evalkit.generator.lstm_torch` (whose ``require`` names
the extra to install when it is missing), so importing this module stays light.
"""

from __future__ import annotations

import json
import math
import random
import time
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.core.registry import available_metrics, get_metric
from evalkit.core.result import Result
from evalkit.core.validate import check_choice, check_int
from evalkit.generator.baselines import most_frequent_definition
from evalkit.generator.config import TrainConfig
from evalkit.generator.data import Batch, Example, Splits, Vocab, batches, encode_pairs, reference_text
from evalkit.generator.model import DefinitionModel, load_splits, model_spec, read_checkpoint, write_checkpoint
from evalkit.generator.progress import progress_bar
from evalkit.text import bleu, meteor, rouge  # noqa: F401  (the text metrics of TEXT_METRICS, registered by importing)
from evalkit.text.perplexity import Perplexity

#: text metrics scored in the loop, each a family with the registry names it may have (first found wins)
TEXT_METRICS = {"bleu": ("bleu",), "rouge-l": ("rougeL", "rouge_l", "rouge-l", "rouge"), "meteor": ("meteor",)}

Log = Callable[[str], None]


def text_metric_names() -> list[str]:
    """The registry names of the text metrics that exist in this installation, in BLEU, ROUGE, METEOR order."""
    known = available_metrics()
    return [next(n for n in names if n in known) for names in TEXT_METRICS.values() if any(n in known for n in names)]


def score_texts(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, batch_size: int = 256
) -> dict[str, Result]:
    """Every available text metric, fed batch by batch through ``update()`` and scored by ``compute()``."""
    metrics = {name: get_metric(name) for name in text_metric_names()}
    for start in range(0, len(hypotheses), batch_size):
        hyps = list(hypotheses[start : start + batch_size])
        refs = [list(r) for r in references[start : start + batch_size]]
        for m in metrics.values():
            m.update(hyps, refs)
    return {name: m.compute() for name, m in metrics.items()}


def validation_perplexity(
    model: Any, examples: Sequence[Example], vocab: Vocab, device: Any, *, progress: bool = False
) -> Result:
    """Perplexity of ``examples``: the metric's statistics summed over batches, then scored once."""
    from evalkit.generator.lstm_torch import nll_sum, torch

    metric = Perplexity()
    model.eval()
    n_batches = math.ceil(len(examples) / 256)
    with torch.no_grad():
        for batch in progress_bar(batches(examples, 256, vocab.pad_id), show=progress, desc="perplexity",
                                  total=n_batches, unit="batch"):  # fmt: skip
            inputs, targets, source = _tensors(batch, device)
            nll, n = nll_sum(model, inputs, targets, vocab.pad_id, source)
            metric.update(float(nll), int(n))
    return metric.compute()


def _tensors(batch: Batch, device: Any) -> tuple[Any, Any, Any]:
    """``(inputs, targets, source)`` of a batch as tensors on ``device`` (``source`` None without a pointer)."""
    from evalkit.generator.lstm_torch import torch

    inputs, targets, source = (None if a is None else torch.from_numpy(a).to(device) for a in batch)
    return inputs, targets, source


def references_of(pairs: dict[str, list[str]], words: Sequence[str], level: str) -> list[list[str]]:
    return [[reference_text(d, level) for d in pairs[w]] for w in words]


#: every name a text metric of :data:`TEXT_METRICS` may have: shown x100 to people, kept a fraction in JSON
_HUNDREDFOLD = {name for names in TEXT_METRICS.values() for name in names}


def shown_x100(key: str) -> bool:
    """Whether a record or table field is a text metric (``bleu``, ``val_meteor`` ...), which human output
    shows x100 (as sacrebleu prints BLEU) while JSON keeps the fraction that the API returns.

    Example:
        >>> shown_x100("val_bleu"), shown_x100("meteor"), shown_x100("val_perplexity")
        (True, True, False)
    """
    return key.removeprefix("val_") in _HUNDREDFOLD


def format_record(record: dict[str, Any]) -> str:
    """One log line of ``key=value`` pairs; text metrics x100, labelled so (``val_bleu(x100)=4.82``).

    Example:
        >>> format_record({"epoch": 2, "val_perplexity": 19.6812, "val_bleu": 0.04823})
        'epoch=2 val_perplexity=19.68 val_bleu(x100)=4.82'
    """
    parts = []
    for k, v in record.items():
        if shown_x100(k) and isinstance(v, float):
            parts.append(f"{k}(x100)={100 * v:.2f}")
        else:
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return " ".join(parts)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


#: the fields of a config that ``resume`` takes from the caller: how long and where to go on, not what to train
RESUME_KEEPS = ("epochs", "max_minutes", "device", "threads")


def _warn_ignored(given: TrainConfig, saved: TrainConfig, fields: Collection[str] | None) -> None:
    """Warn about the fields of ``given`` that differ from the checkpoint's and that resume ignores (only
    those in ``fields``, the ones the caller set, when given)."""
    ignored = [
        f"{name}={getattr(given, name)!r} (the checkpoint's: {getattr(saved, name)!r})"
        for name in given.to_dict()
        if name not in RESUME_KEEPS
        and (fields is None or name in fields)
        and getattr(given, name) != getattr(saved, name)
    ]
    if ignored:
        warnings.warn(
            f"resume continues the checkpoint's run with its own data, model and optimiser, so it ignores "
            f"{'; '.join(ignored)}. Only {', '.join(RESUME_KEEPS)} can change on resume; start a new run "
            f"(another output directory) to change the others.",
            UserWarning,
            stacklevel=3,
        )


def _rng_states() -> dict[str, Any]:
    """Every random state a run draws from (python, numpy, torch, each CUDA device), as plain values and
    tensors (a ``weights_only`` checkpoint holds no numpy array)."""
    from evalkit.generator.lstm_torch import torch

    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    states: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), pos, has_gauss, gauss],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_rng_states(states: dict[str, Any]) -> None:
    from evalkit.generator.lstm_torch import torch

    random.setstate(states["python"])
    kind, keys, pos, has_gauss, gauss = states["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    # map_location may have moved them to a GPU: the setters take CPU byte tensors
    torch.set_rng_state(states["torch"].cpu())
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in states["cuda"]])


def train(
    cfg: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    log: Log = print,
    progress: bool = False,
    log_every: int = 0,
    given: Collection[str] | None = None,
) -> dict[str, Any]:
    """Train per ``cfg``, writing ``log.jsonl`` and ``checkpoint.pt`` under ``out_dir``; returns the last
    epoch's record.

    ``resume`` continues from the checkpoint there, exactly: its config wins except for
    :data:`RESUME_KEEPS`, and every random state (python, numpy, torch, CUDA) is restored, so a resumed
    run equals the uninterrupted one bit for bit on the CPU. The fields of ``cfg`` that differ from the
    checkpoint's and that resume ignores are warned about (only those named in ``given``, the ones the
    caller set, when given). ``progress`` draws bars on a terminal (finding exemplars, each epoch's
    batches with loss, tokens/s and ETA, perplexity); ``log_every=N`` logs a line every N batches (0: per
    epoch only) with the gradient norm before clipping.
    """
    from evalkit.generator.lstm_torch import resolve_device, torch

    check_int("train", "log_every", log_every, minimum=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    cfg, ckpt = _resumed(cfg, out / "checkpoint.pt", device, resume=resume, given=given, log=log)
    prepared = time.perf_counter()
    run = _Run.prepare(cfg, ckpt, device, progress=progress)
    optimizer, history, best = run.optimiser(ckpt)
    log(run.summary(seconds=time.perf_counter() - prepared))
    budget = cfg.max_minutes * 60 or math.inf
    spent = sum(r["train_seconds"] for r in history)
    record: dict[str, Any] = history[-1] if history else {}
    for epoch in range(ckpt["epoch"] + 1 if ckpt else 1, cfg.epochs + 1):
        if spent >= budget:
            break
        trained = _train_epoch(run, optimizer, epoch, spent=spent, budget=budget, log=log, log_every=log_every,
                               progress=progress)  # fmt: skip
        spent += trained.seconds
        record, best = _epoch_record(run, optimizer, epoch, trained, best, progress=progress)
        history.append(record)
        with open(out / "log.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        write_checkpoint(
            out / "checkpoint.pt",
            {**run.model.payload(), "optimizer": optimizer.state_dict(), "epoch": epoch, "history": history,
             "best": best, "rng": _rng_states()},
        )  # fmt: skip
        log(format_record(record))
    return record


def _resumed(
    cfg: TrainConfig, ckpt_path: Path, device: Any, *, resume: bool, given: Collection[str] | None, log: Log
) -> tuple[TrainConfig, dict[str, Any] | None]:
    """The run's config and the checkpoint it resumes from (``None``: a new run)."""
    if resume and ckpt_path.exists():
        ckpt = read_checkpoint(ckpt_path, device=device)
        saved = TrainConfig.from_dict(ckpt["config"])
        _warn_ignored(cfg, saved, given)
        # the run's data, model and optimiser are the checkpoint's; how long and where to go on are the caller's
        return TrainConfig.from_dict({**saved.to_dict(), **{k: getattr(cfg, k) for k in RESUME_KEEPS}}), ckpt
    if resume:
        log(f"resume: no checkpoint at {ckpt_path} yet; starting a new run there")
    return cfg, None


@dataclass
class _Run:
    """What a training run works on: its config and device, the data encoded for it, the vocabulary, the
    network and the :class:`DefinitionModel` around it, and the validation words that are defined and
    scored after each epoch."""

    cfg: TrainConfig
    device: Any
    splits: Splits
    vocab: Vocab
    network: Any
    model: DefinitionModel
    train_ex: list[Example]
    val_ex: list[Example]
    eval_words: list[str]
    eval_refs: list[list[str]]

    @classmethod
    def prepare(cls, cfg: TrainConfig, ckpt: dict[str, Any] | None, device: Any, *, progress: bool) -> _Run:
        """The splits, the vocabulary (the checkpoint's when resuming), a network seeded by ``cfg.seed``,
        and the examples with their exemplars."""
        from evalkit.generator.lstm_torch import TorchRNNLM, torch

        splits = load_splits(cfg)
        vocab = (
            Vocab(**ckpt["vocab"])
            if ckpt
            else Vocab.build(splits.train, level=cfg.level, min_count=cfg.min_count, max_size=cfg.max_vocab)
        )
        torch.manual_seed(cfg.seed)
        network = TorchRNNLM(model_spec(cfg, vocab)).to(device)
        model = DefinitionModel(network, vocab, cfg, splits.train)
        train_exemplars = model.exemplars(list(splits.train), progress=progress)
        val_exemplars = model.exemplars(list(splits.validation), progress=progress)
        encode = {"max_len": cfg.max_len, "pointer": cfg.pointer}
        train_ex = encode_pairs(vocab, splits.train, exemplars=train_exemplars, **encode)
        val_ex = encode_pairs(vocab, splits.validation, exemplars=val_exemplars, **encode)
        eval_words = list(splits.validation)[: cfg.eval_words]
        eval_refs = references_of(splits.validation, eval_words, cfg.level)
        return cls(cfg, device, splits, vocab, network, model, train_ex, val_ex, eval_words, eval_refs)

    def optimiser(self, ckpt: dict[str, Any] | None) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
        """``(optimizer, history, best)``: new, or the checkpoint's (with the network's weights and every
        random state restored)."""
        from evalkit.generator.lstm_torch import torch_optimizer

        optimizer = torch_optimizer(self.cfg.optimizer, self.network.parameters(), **self.cfg.optimizer_options())
        if not ckpt:
            return optimizer, [], {}  # best: the weights of the epoch with the lowest validation perplexity
        self.network.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if "rng" in ckpt:  # checkpoints from before exact resume lack it, and resume close, not equal
            _set_rng_states(ckpt["rng"])
        return optimizer, ckpt["history"], ckpt.get("best", {})

    def summary(self, *, seconds: float) -> str:
        """The run's first log line: device, data sizes, parameters, metrics, preparation time."""
        splits = self.splits
        return (
            f"device={self.device} words: train={len(splits.train)} validation={len(splits.validation)} "
            f"test={len(splits.test)} pairs={len(self.train_ex)} vocab={len(self.vocab)} "
            f"params={sum(p.numel() for p in self.network.parameters())} metrics={text_metric_names()} "
            f"data_seconds={seconds:.1f}"
        )


@dataclass
class _Trained:
    """One epoch of training: summed loss and tokens, gradient norms, time, and whether the budget stopped it."""

    loss_sum: float
    n_tok: int
    norms: list[float]
    stopped: bool
    seconds: float


def _train_epoch(
    run: _Run, optimizer: Any, epoch: int, *, spent: float, budget: float, log: Log, log_every: int, progress: bool
) -> _Trained:
    """One pass over the training examples (shuffled by seed and epoch), stopped early when the time
    budget runs out; a log line every ``log_every`` batches."""
    from evalkit.generator.lstm_torch import nll_sum, torch

    cfg, network, pad_id = run.cfg, run.network, run.vocab.pad_id
    network.train()
    start = time.perf_counter()
    done = _Trained(0.0, 0, [], False, 0.0)
    n_batches = math.ceil(len(run.train_ex) / cfg.batch_size)
    bar = progress_bar(total=n_batches, show=progress, desc=f"epoch {epoch}", unit="batch")
    for i, batch in enumerate(batches(run.train_ex, cfg.batch_size, pad_id, seed=cfg.seed * 1000 + epoch), 1):
        inputs, targets, source = _tensors(batch, run.device)
        nll, n = nll_sum(network, inputs, targets, pad_id, source)
        optimizer.zero_grad(set_to_none=True)
        (nll / n).backward()
        # the global norm before clipping (clip 0: measured, never clipped; a factor of 1 changes nothing)
        done.norms.append(float(torch.nn.utils.clip_grad_norm_(network.parameters(), cfg.clip or math.inf)))
        optimizer.step()
        done.loss_sum += float(nll.detach())
        done.n_tok += int(n)
        elapsed = time.perf_counter() - start
        bar.update()
        bar.set_postfix(loss=f"{done.loss_sum / done.n_tok:.3f}", tok_s=f"{done.n_tok / elapsed:.0f}", refresh=False)
        if log_every and i % log_every == 0:
            eta = min(elapsed * (n_batches - i) / i, budget - spent - elapsed)
            log(
                f"epoch {epoch} batch {i}/{n_batches} loss={done.loss_sum / done.n_tok:.4f} "
                f"grad_norm={done.norms[-1]:.3g} (max {max(done.norms[-log_every:]):.3g}, before clipping at "
                f"{cfg.clip:g}) tokens/s={done.n_tok / elapsed:.0f} eta={_clock(eta)}"
            )
        if spent + elapsed >= budget:
            done.stopped = True
            break
    bar.close()
    done.seconds = time.perf_counter() - start
    return done


def _epoch_record(
    run: _Run, optimizer: Any, epoch: int, trained: _Trained, best: dict[str, Any], *, progress: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The epoch's log record (training figures, validation perplexity and text metrics) and the best
    epoch's weights so far; the learning rate decays after an epoch that did not improve."""
    ppl = validation_perplexity(run.network, run.val_ex, run.vocab, run.device, progress=progress)
    n_tok, norms = trained.n_tok, trained.norms
    record: dict[str, Any] = {
        "epoch": epoch,
        "train_loss": trained.loss_sum / max(n_tok, 1),
        "train_tokens": n_tok,
        "train_seconds": trained.seconds,
        "tokens_per_s": n_tok / trained.seconds,
        "stopped_by_budget": trained.stopped,
        "grad_norm_mean": float(np.mean(norms)) if norms else math.nan,
        "grad_norm_max": max(norms, default=math.nan),
        "val_perplexity": float(ppl),
    }
    if not best or record["val_perplexity"] < best["val_perplexity"]:
        weights = {k: v.detach().cpu().clone() for k, v in run.network.state_dict().items()}
        best = {"epoch": epoch, "val_perplexity": record["val_perplexity"], "model": weights}
    elif not trained.stopped:
        for group in optimizer.param_groups:  # saved with the optimizer: a resumed run keeps it
            group["lr"] *= run.cfg.lr_decay
    record["best_epoch"] = best["epoch"]
    record["lr"] = optimizer.param_groups[0]["lr"]
    if run.eval_words:
        hyps = run.model.define(run.eval_words, max_len=run.cfg.gen_max_len, progress=progress)
        for name, result in score_texts(hyps, run.eval_refs).items():
            record[f"val_{name}"] = float(result)
        record["example"] = f"{run.eval_words[0]} : {hyps[0]}"
    return record, best


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


SYSTEM_FILES = {"model": "model", "most_frequent": "baseline: most frequent definition",
                "nearest_spelling": "baseline: nearest spelling"}  # fmt: skip


@dataclass(frozen=True)
class SplitOutputs:
    """What :func:`decode_split` produced: the split's words, their references, and per system (a file
    key of :data:`SYSTEM_FILES`) its table name and hypotheses; the model's perplexity on the split."""

    words: list[str]
    references: list[list[str]]
    systems: dict[str, tuple[str, list[str]]]
    perplexity: float


def decode_split(
    model: DefinitionModel,
    split: str = "test",
    *,
    limit: int = 0,
    beam_size: int = 1,
    length_penalty: float = 1.0,
    no_repeat_ngram: int = 0,
    copy_bias: float = 0.0,
    baselines: bool = True,
    progress: bool = False,
) -> SplitOutputs:
    """The model's definitions of a split's words (greedy, or beam search when ``beam_size > 1``; options
    as :func:`evalkit.generator.model.define`), and with ``baselines`` those of the two baselines; the
    first ``limit`` words only (0: all)."""
    check_choice("decode_split", "split", split, ("validation", "test"))
    check_int("decode_split", "limit", limit, minimum=0)
    cfg, vocab = model.config, model.vocab
    pairs = getattr(load_splits(cfg), split)
    if limit:
        pairs = dict(list(pairs.items())[:limit])
    words = list(pairs)
    exemplars = model.exemplars(words, progress=progress)
    examples = encode_pairs(vocab, pairs, max_len=cfg.max_len, exemplars=exemplars, pointer=cfg.pointer)
    ppl = validation_perplexity(model.network, examples, vocab, model.device, progress=progress)
    decoding = "greedy" if beam_size == 1 else f"beam {beam_size}, length penalty {length_penalty:g}"
    if no_repeat_ngram:
        decoding += f", no repeated {no_repeat_ngram}-gram"
    if copy_bias:
        decoding += f", copy bias {copy_bias:g}"
    hyps = model.define(
        words, strategy="beam" if beam_size > 1 else "greedy", beam_size=beam_size, length_penalty=length_penalty,
        no_repeat_ngram=no_repeat_ngram, copy_bias=copy_bias, progress=progress,
    )  # fmt: skip
    systems = {"model": (f"model ({decoding})", hyps)}
    if baselines:
        train_pairs = model.train_pairs
        systems["most_frequent"] = (
            SYSTEM_FILES["most_frequent"],
            [reference_text(most_frequent_definition(train_pairs), cfg.level)] * len(words),
        )
        systems["nearest_spelling"] = (
            SYSTEM_FILES["nearest_spelling"],
            [reference_text(train_pairs[model.index.nearest(w)][0], cfg.level) for w in words],
        )
    return SplitOutputs(words, references_of(pairs, words, cfg.level), systems, float(ppl))


def evaluate(
    checkpoint: str | Path | DefinitionModel,
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
    progress: bool = False,
) -> list[dict[str, Any]]:
    """The results table on a split: the model (decoded by :func:`decode_split`) and the two baselines,
    each scored by the same metrics (fractions, as the API returns them); perplexity for the model.
    Returns one row per system. ``checkpoint`` is a path (its ``weights``, best or last, are loaded, see
    :meth:`DefinitionModel.load`) or a loaded model; ``limit`` keeps the split's first words only (0:
    all), e.g. to choose decoding options on part of the validation split.

    ``save_dir`` receives ``words.txt``, ``references.jsonl`` and one ``<system>.txt`` of hypotheses per
    system, so the table can be re-scored later (e.g. by metrics added since) without the model."""
    model = (
        checkpoint
        if isinstance(checkpoint, DefinitionModel)
        else DefinitionModel.load(checkpoint, device=device, weights=weights)
    )
    outputs = decode_split(
        model, split, limit=limit, beam_size=beam_size, length_penalty=length_penalty,
        no_repeat_ngram=no_repeat_ngram, copy_bias=copy_bias, progress=progress,
    )  # fmt: skip
    words, refs = outputs.words, outputs.references
    if save_dir is not None:
        folder = Path(save_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "words.txt").write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
        (folder / "references.jsonl").write_text("".join(json.dumps(r) + "\n" for r in refs), encoding="utf-8")
        for key, (_, hyps) in outputs.systems.items():
            (folder / f"{key}.txt").write_text("".join(f"{h}\n" for h in hyps), encoding="utf-8")
    rows = []
    for key, (name, hyps) in outputs.systems.items():
        row: dict[str, Any] = {"system": name, "perplexity": outputs.perplexity if key == "model" else None}
        for metric, result in score_texts(hyps, refs).items():
            row[metric] = float(result)
            row[f"{metric}_signature"] = str(result.signature)
        rows.append(row)
        log(json.dumps(row))
    return rows


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
