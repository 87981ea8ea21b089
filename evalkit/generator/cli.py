"""``evalkit generator ...``: train, define, evaluate the definition model. torch loads only inside commands."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from evalkit.core.errors import EvalkitError
from evalkit.generator.config import WEIGHTS, TrainConfig
from evalkit.generator.data import LEVELS
from evalkit.generator.generate import STRATEGIES
from evalkit.generator.rnn_numpy import CELLS, OPTIMIZERS

_WEIGHTS_HELP = "The epoch of lowest validation perplexity, or the last epoch."
# decoding options that `define` and `evaluate` share
_length_penalty = click.option(
    "--length-penalty", type=float, default=1.0, show_default=True, help="Beam score: log p / length**this."
)
_copy_bias = click.option(
    "--copy-bias",
    type=float,
    default=0.0,
    show_default=True,
    help="Subtracted from a copying model's gate logit: above 0 copies more (0: as trained).",
)
_no_repeat_ngram = click.option(
    "--no-repeat-ngram",
    type=int,
    default=0,
    show_default=True,
    help="No n-gram twice in an output (greedy, beam; 0: off).",
)

_quiet = click.option("--quiet", "-q", is_flag=True, help="No progress bars (they are drawn on a terminal only).")

# a model and data small enough to train, decode and score in seconds: checks the whole path, not quality
DRY_RUN = {
    "limit": 200,
    "emb_dim": 16,
    "hidden_dim": 32,
    "max_vocab": 500,
    "epochs": 1,
    "eval_words": 8,
    "gen_max_len": 8,
    "threads": 1,
}


def dry_run_options(options: dict[str, Any], given: Collection[str]) -> dict[str, Any]:
    """``options`` with the :data:`DRY_RUN` settings for those not in ``given`` (the ones the user set are
    kept: ``--dry-run --epochs 3`` runs 3 epochs). Tied weights need equal sizes, so with ``tie_weights``
    the embedding and hidden sizes the user did not set follow the one they set (both 32 otherwise).

    Example:
        >>> opts = dry_run_options({"epochs": 3, "emb_dim": 256, "hidden_dim": 512, "tie_weights": True}, {"epochs"})
        >>> opts["epochs"], opts["emb_dim"], opts["hidden_dim"], opts["limit"]
        (3, 32, 32, 200)
    """
    small = {k: v for k, v in DRY_RUN.items() if k not in given}
    if options.get("tie_weights"):
        chosen = [k for k in ("emb_dim", "hidden_dim") if k in given]
        size = options[chosen[0]] if chosen else DRY_RUN["hidden_dim"]
        small.update({k: size for k in ("emb_dim", "hidden_dim") if k not in given})
    return {**options, **small}


def _given(names: Collection[str]) -> set[str]:
    """The parameters of the running command that the user set (not left at their defaults)."""
    ctx = click.get_current_context()
    return {n for n in names if ctx.get_parameter_source(n) not in (None, ParameterSource.DEFAULT)}


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except (EvalkitError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.group("generator")
def generator() -> None:
    """Definition modelling on WordNet 3.0 with an RNN/LSTM (needs: pip install 'evalkit[torch]')."""


@generator.command("train")
@click.option(
    "--data",
    default="",
    help="WordNet 3.0 dict directory (default: $EVALKIT_WORDNET where it holds one, else the bundled copy).",
)
@click.option("--out", "out", type=click.Path(file_okay=False), help="Run directory (log.jsonl, checkpoint.pt).")
@click.option("--epochs", type=int, default=TrainConfig.epochs, show_default=True)
@click.option("--max-minutes", type=float, default=0.0, show_default=True, help="Training time budget (0: none).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--cell", type=click.Choice(CELLS), default=TrainConfig.cell, show_default=True)
@click.option("--level", type=click.Choice(LEVELS), default=TrainConfig.level, show_default=True)
@click.option("--emb-dim", type=int, default=TrainConfig.emb_dim, show_default=True)
@click.option("--hidden-dim", type=int, default=TrainConfig.hidden_dim, show_default=True)
@click.option("--layers", "n_layers", type=int, default=TrainConfig.n_layers, show_default=True)
@click.option("--dropout", type=float, default=TrainConfig.dropout, show_default=True)
@click.option("--tie-weights", is_flag=True, help="Share the embedding and decoder matrix (emb-dim == hidden-dim).")
@click.option("--max-vocab", type=int, default=TrainConfig.max_vocab, show_default=True)
@click.option("--optimizer", type=click.Choice(tuple(OPTIMIZERS)), default=TrainConfig.optimizer, show_default=True)
@click.option("--lr", type=float, default=TrainConfig.lr, show_default=True)
@click.option(
    "--lr-decay",
    type=float,
    default=TrainConfig.lr_decay,
    show_default=True,
    help="Multiply the learning rate by this after an epoch that does not lower validation perplexity.",
)
@click.option(
    "--weight-decay",
    type=float,
    default=TrainConfig.weight_decay,
    show_default=True,
    help="L2 added to the gradient; with --optimizer adamw decoupled (parameters shrink by lr * this).",
)
@click.option("--momentum", type=float, default=TrainConfig.momentum, show_default=True, help="SGD momentum.")
@click.option("--nesterov", is_flag=True, help="Nesterov momentum (--optimizer sgd, --momentum above 0).")
@click.option("--batch-size", type=int, default=TrainConfig.batch_size, show_default=True)
@click.option("--threads", type=int, default=0, show_default=True, help="torch CPU threads (0: torch's default).")
@click.option(
    "--seen-definitions",
    "unseen_definitions",
    flag_value=False,
    default=True,
    help="Keep held-out words' definitions in training under their synonyms (the plain split by lemma).",
)
@click.option(
    "--exemplars",
    type=int,
    default=TrainConfig.exemplars,
    show_default=True,
    help="Prompt with the definitions of this many nearest-spelling training words (retrieve-and-edit; 0: none).",
)
@click.option(
    "--pointer/--no-pointer",
    default=TrainConfig.pointer,
    show_default=True,
    help="Let the model copy the word's and the exemplars' tokens, rare ones included (pointer-generator).",
)
@click.option("--limit", type=int, default=0, show_default=True, help="Use only this many training words (0: all).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.pt.")
@click.option(
    "--plot", type=click.Path(dir_okay=False), help="Write the learning curves to this PNG (needs matplotlib)."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Tiny model, 200 words, one epoch, for each of those options not given: a smoke test of the whole path "
    "(without --out its run directory is removed at the end).",
)
@click.option(
    "--log-every", type=int, default=200, show_default=True, help="Log a line every N batches (0: per epoch only)."
)
@_quiet
def train_cmd(
    out: str | None, resume: bool, plot: str | None, dry_run: bool, log_every: int, quiet: bool, **options: Any
) -> None:
    """Train on WordNet's (word, definition) pairs; logs every --log-every batches and once per epoch."""
    given = _given(options)
    if dry_run:
        options = dry_run_options(options, given)
    if out is not None:
        _train(out, resume, plot, log_every, quiet, options, given)
        click.echo(f"checkpoint: {Path(out) / 'checkpoint.pt'}")
        return
    if not dry_run:
        raise click.UsageError("give --out DIR for the run (or --dry-run)")
    with tempfile.TemporaryDirectory(prefix="evalkit-generator-") as tmp:
        _train(tmp, resume, plot, log_every, quiet, options, given)
        click.echo(f"dry run: removed its run directory {tmp} (give --out DIR to keep the checkpoint)")


def _train(
    out: str, resume: bool, plot: str | None, log_every: int, quiet: bool, options: dict[str, Any], given: set[str]
) -> None:
    from evalkit.generator.train import plot_history, train

    cfg = _run(TrainConfig, **options)
    record = _run(train, cfg, out, resume=resume, log=click.echo, progress=not quiet, log_every=log_every, given=given)
    if plot:
        history = [json.loads(line) for line in (Path(out) / "log.jsonl").read_text().splitlines()]
        click.echo(f"plot: {_run(plot_history, history, plot)}")
    if not record:
        click.echo("nothing to do: the checkpoint has already reached --epochs or the time budget")


@generator.command("define")
@click.argument("words", nargs=-1, required=True)
@click.option("--checkpoint", required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--strategy", type=click.Choice(STRATEGIES), default="greedy", show_default=True)
@click.option("--temperature", type=float, default=1.0, show_default=True)
@click.option("--top-k", type=int, default=0, show_default=True, help="Sample among the k likeliest tokens (0: all).")
@click.option("--beam-size", type=int, default=4, show_default=True, help="Hypotheses kept per step (--strategy beam).")
@_length_penalty
@_no_repeat_ngram
@_copy_bias
@click.option("--max-len", type=int, help="Tokens per definition at most (default: the training config's).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--weights", type=click.Choice(WEIGHTS), default="best", show_default=True, help=_WEIGHTS_HELP)
@_quiet
def define_cmd(words: tuple[str, ...], checkpoint: str, device: str, weights: str, quiet: bool, **options: Any) -> None:
    """Generate a definition for each WORD, prompted as in training (exemplars from the checkpoint's index)."""
    from evalkit.generator.model import DefinitionModel

    model = _run(DefinitionModel.load, checkpoint, device=device, weights=weights)
    texts = _run(model.define, list(words), progress=not quiet, **options)
    for word, text in zip(words, texts):
        click.echo(f"{word} : {text}")


@generator.command("evaluate")
@click.option("--checkpoint", required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--split", type=click.Choice(("validation", "test")), default="test", show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the rows as JSON here.")
@click.option("--save", "save_dir", type=click.Path(file_okay=False), help="Write words, references, hypotheses here.")
@click.option("--beam-size", type=int, default=1, show_default=True, help="1: greedy decoding; more: beam search.")
@_length_penalty
@_no_repeat_ngram
@_copy_bias
@click.option("--weights", type=click.Choice(WEIGHTS), default="best", show_default=True, help=_WEIGHTS_HELP)
@click.option("--limit", type=int, default=0, show_default=True, help="Score the split's first N words only (0: all).")
@_quiet
def evaluate_cmd(
    checkpoint: str, split: str, device: str, json_path: str | None, save_dir: str | None, quiet: bool, **decoding: Any
) -> None:
    """Score the model and the two baselines on a split (unseen words) and print the table (text metrics x100;
    --json keeps the fractions)."""
    from evalkit.generator.train import evaluate, shown_x100

    rows = _run(
        evaluate, checkpoint, device=device, split=split, save_dir=save_dir, log=lambda _: None,
        progress=not quiet, **decoding,
    )  # fmt: skip
    metrics = [k for k in rows[0] if k not in ("system", "perplexity") and not k.endswith("_signature")]
    click.echo(" | ".join(["system", "perplexity", *(f"{m} (x100)" if shown_x100(m) else m for m in metrics)]))
    for row in rows:
        ppl = f"{row['perplexity']:.2f}" if row["perplexity"] is not None else "-"
        cells = (f"{100 * row[m]:.2f}" if shown_x100(m) else f"{row[m]:.4g}" for m in metrics)
        click.echo(" | ".join([row["system"], ppl, *cells]))
    for m in metrics:
        click.echo(f"{m}: {rows[0][f'{m}_signature']}")
    if json_path:
        Path(json_path).write_text(json.dumps(rows, indent=2))


@generator.command("rescore")
@click.argument("save_dir", type=click.Path(file_okay=False, exists=True))
def rescore_cmd(save_dir: str) -> None:
    """Score the hypotheses saved by `evaluate --save SAVE_DIR` with every available text metric."""
    from evalkit.generator.train import format_record, rescore

    for row in _run(rescore, save_dir):
        click.echo(" | ".join([row["system"], format_record({k: v for k, v in row.items() if k != "system"})]))


@generator.command("gradients")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The figure: a .png or .svg path.")
@click.option("--cell", "cells", multiple=True, type=click.Choice(CELLS), help="Repeat for several (default: all).")
@click.option("--hidden-dim", type=int, default=32, show_default=True, help="Units of every cell and the embedding.")
@click.option("--steps", type=int, default=30, show_default=True, help="Sequence length T.")
@click.option("--train-steps", type=int, default=400, show_default=True, help="Adam steps (0: initialisation only).")
@click.option("--clip", type=float, default=1.0, show_default=True, help="Threshold of the clipped run.")
@click.option("--lr", type=float, default=0.01, show_default=True)
@click.option("--forget-bias", type=float, default=1.0, show_default=True, help="LSTM forget-gate bias (0: PyTorch's).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the summary rows as JSON here.")
def gradients_cmd(out: str, cells: tuple[str, ...], clip: float, json_path: str | None, **options: Any) -> None:
    """Plot ||dL/dh_t|| over the steps of a long sequence for RNN, GRU and LSTM, at initialisation and after
    training to recall its first token, clipped and not (needs matplotlib: pip install 'evalkit[plot]')."""
    from evalkit.generator.gradients import gradient_figure

    clips = (clip, 0.0) if clip else (0.0,)  # the unclipped run always, beside the clipped one
    study = _run(gradient_figure, out, cells=cells or CELLS, clips=clips, **options)
    for result in study:
        click.echo(result.describe())
    if json_path:
        Path(json_path).write_text(json.dumps([result.summary() for result in study], indent=2))
    click.echo(f"figure: {out}")
