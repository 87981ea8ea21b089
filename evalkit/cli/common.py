"""What ``score`` and ``compare`` share: options, metric resolution, input plans, progress, errors."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click

from evalkit.cli.io import (
    DataError,
    LineSource,
    label_kind,
    lockstep,
    parse_labels,
    parse_probabilities,
    record_chunks,
    text_chunks,
)
from evalkit.cli.output import FORMATS
from evalkit.cli.spec import build, parse_spec
from evalkit.core.errors import EvalkitError
from evalkit.core.metric import Metric
from evalkit.core.registry import available_metrics
from evalkit.retrieval.trec import read_qrels, read_run
from evalkit.stats.significance import DEFAULT_SEED
from evalkit.text.ner import read_conll
from evalkit.text.squad import read_json

TASKS = ("text", "classification", "regression", "proba", "retrieval", "multilabel_scores")


def metric_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "-m",
        "--metric",
        "metric_specs",
        multiple=True,
        metavar="SPEC",
        help='Metric to compute, repeatable: NAME or "NAME(option=value,...)", e.g. -m bleu '
        '-m "bleu(tokenize=intl,smooth=floor)". `evalkit metrics` lists every metric and its options.',
    )(f)


def draw_options(use: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--confidence`` and ``--seed`` of the random draws; ``use`` names what the seed drives, for the help."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--seed", default=DEFAULT_SEED, show_default=True, type=click.IntRange(min=0), help=f"Seed of {use}."
        )(f)
        return click.option(
            "--confidence",
            default=0.95,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            help="Confidence level of the CIs.",
        )(f)

    return decorate


def common_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options for reading inputs and writing output, shared by ``score`` and ``compare``."""
    options = [
        click.option(
            "-r",
            "--ref",
            "refs",
            multiple=True,
            type=click.Path(dir_okay=False, allow_dash=True),
            help="Reference file, one segment per line; repeat for several references per segment.",
        ),
        click.option(
            "--true",
            "--qrels",
            "true_path",
            type=click.Path(dir_okay=False, allow_dash=True),
            help="True labels (classification) or values (regression), one per line; the predictions are the argument. "
            "Retrieval: a TREC qrels file, and a TREC run file as the argument.",
        ),
        click.option(
            "--task",
            type=click.Choice(TASKS),
            help="What the inputs are; by default the metrics' own (text for BLEU, classification for f1 ...).",
        ),
        click.option(
            "--encoding-errors",
            type=click.Choice(["strict", "replace"]),
            default="strict",
            show_default=True,
            help="Invalid UTF-8: stop with its file, line and byte offset (strict), or read it as U+FFFD (replace).",
        ),
        click.option(
            "-o",
            "--output",
            "output_format",
            type=click.Choice(FORMATS),
            default="table",
            show_default=True,
            help="Output format. table and markdown show scores x100 where the metric does (labelled); json and "
            "csv keep fractions.",
        ),
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress bar (it is shown only on a terminal, after 2 seconds)."
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


class OneFileCommand(click.Command):
    """A command of one file argument whose extra files get a hint, not click's bare "Got unexpected extra
    argument": the usual cause is a forgotten ``-r`` before a reference file (or ``--true`` before labels)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.allow_extra_args = True  # kept in ctx.args, to be named below
        rest = super().parse_args(ctx, args)
        if ctx.args:
            files = [str(ctx.params.get("system")), *ctx.args]
            raise click.UsageError(
                f"{ctx.info_name} takes one file to score (SYSTEM), but got {len(files)}: {' '.join(files)}. "
                f"Give each reference file with -r (-r ref.txt hyp.txt), or the true labels with --true "
                f"(--true y_true.txt y_pred.txt).",
                ctx,
            )
        return rest


def build_metrics(specs: Sequence[str]) -> list[Metric]:
    if not specs:
        known = ", ".join(available_metrics())
        raise click.UsageError(f"give at least one metric with -m NAME. Known metrics: {known}.")
    return [build(parse_spec(s)) for s in specs]


def resolve_task(metrics: Sequence[Metric], specs: Sequence[str], task: str | None, has_true: bool) -> str:
    """The one task of the requested metrics, checked against ``--task`` and the inputs given."""
    kinds = {m.task for m in metrics}
    if len(kinds) > 1:
        detail = ", ".join(f"{s} is {m.task}" for s, m in zip(specs, metrics))
        raise click.UsageError(f"the metrics must all take the same inputs, but {detail}: run them separately.")
    own = kinds.pop()
    if own in ("lm", "logits"):
        what = "per-item log-likelihood sums" if own == "lm" else "logits (or predicted ids) and labels"
        raise click.UsageError(
            f"{specs[0]!r} scores a language model's {what} inside a training loop "
            f"(evalkit.{type(metrics[0]).__name__}); it has no file form."
        )
    if own == "tokens":
        raise click.UsageError(
            f"{specs[0]!r} scores token-id tensors inside a training loop (evalkit.TokenBLEU); it has no file "
            "form: files of space-separated ids score the same with -m 'bleu(tokenize=none)'."
        )
    if task is not None and task != own:
        raise click.UsageError(f"--task {task} does not fit metric {specs[0]!r}, which is a {own} metric.")
    if own == "text" and has_true:
        raise click.UsageError(
            f"--true is for classification and regression metrics; {specs[0]!r} compares text: give the "
            "references with -r FILE."
        )
    if own != "text" and not has_true:
        raise click.UsageError(
            f"{specs[0]!r} is a {own} metric, scored as (y_true, y_pred): give the true values with --true FILE "
            "and the predictions as the argument."
        )
    return own


@dataclass
class Plan:
    """How to read one system's inputs as chunks of metric arguments."""

    task: str
    kind: str  # "text", "records" (jsonl/tsv), or a label type: "number", "float", "str"
    primary: LineSource  # the file the progress bar follows and the sentence numbers count
    others: Sequence[LineSource]  # references (text), or the true labels (labels); empty for records
    fmt: str = "text"
    hyp_field: str = ""
    ref_fields: Sequence[str] = ()

    def chunks(self) -> Iterator[tuple[Any, ...]]:
        if self.kind == "text":
            yield from text_chunks(self.primary, self.others)
        elif self.kind == "records":
            yield from record_chunks(self.primary, self.fmt, self.hyp_field, self.ref_fields)
        elif self.kind == "trec":  # one chunk: a query's documents may lie anywhere in the run file
            yield read_qrels(_lines(self.others[0])), read_run(_lines(self.primary))
        elif self.kind == "conll":  # one chunk: the sentences of both files, tag columns last
            yield read_conll(_lines(self.others[0])), read_conll(_lines(self.primary))
        elif self.kind == "squad":  # one chunk: predictions {id: text}, the dataset JSON
            yield read_json(_lines(self.primary)), read_json(_lines(self.others[0]))
        else:
            (truth,) = self.others
            for y_true, y_pred in lockstep([truth, self.primary]):
                yield self.parse(y_true, y_pred)

    def parse(self, y_true: list[str], y_pred: list[str]) -> tuple[Any, Any]:
        """One chunk of label lines as metric arguments (``y_pred`` of the ``proba`` task: rows)."""
        truth, pred = self.others[0], self.primary
        if self.task == "proba":
            return parse_labels(y_true, self.kind, truth), parse_probabilities(y_pred, pred)
        if self.task == "multilabel_scores":  # a row of 0/1 indicators, and a row of label scores, per line
            return parse_probabilities(y_true, truth), parse_probabilities(y_pred, pred)
        return parse_labels(y_true, self.kind, truth), parse_labels(y_pred, self.kind, pred)

    def inputs(self) -> dict[str, Any]:
        if self.kind == "text":
            return {"hypotheses": self.primary.name, "references": [r.name for r in self.others]}
        if self.kind == "records":
            return {"records": self.primary.name, "format": self.fmt}
        if self.kind == "trec":
            return {"qrels": self.others[0].name, "run": self.primary.name}
        return {"y_true": self.others[0].name, "y_pred": self.primary.name}


def plan(
    task: str,
    system: str,
    *,
    refs: Sequence[str],
    true_path: str | None,
    encoding_errors: str,
    fmt: str = "text",
    hyp_field: str = "hypothesis",
    ref_fields: Sequence[str] = ("reference",),
    label_type: str | None = None,
) -> Plan:
    """Check the input options of one system and open nothing yet (beyond checking the files exist)."""
    primary = LineSource(system, encoding_errors=encoding_errors)
    if task == "text" and fmt != "text":
        if refs:
            raise click.UsageError(f"--format {fmt} reads hypotheses and references from one file: drop -r.")
        p = Plan(task, "records", primary, (), fmt, hyp_field, tuple(ref_fields) or ("reference",))
    elif task == "text":
        if not refs:
            raise click.UsageError("give at least one reference file with -r FILE (or --format jsonl|tsv).")
        p = Plan(task, "text", primary, [LineSource(r, encoding_errors=encoding_errors) for r in refs])
    else:
        if refs:
            raise click.UsageError("-r is for text metrics; for labels give --true FILE and the predictions.")
        if fmt != "text":
            raise click.UsageError(f"--format {fmt} is for text metrics; labels are read one per line.")
        truth = LineSource(str(true_path), encoding_errors=encoding_errors)
        whole = {"retrieval": "trec", "tags": "conll", "qa": "squad"}  # files read whole, not line by line
        p = Plan(task, whole.get(task, label_type or ""), primary, [truth])
    if sum(s.path == "-" for s in [p.primary, *p.others]) > 1:
        raise click.UsageError("only one input can be standard input (-).")
    for s in [p.primary, *p.others]:
        s.check()
    return p


def decide_labels(plans: Sequence[Plan]) -> None:
    """Give every label plan the same label type, from a first pass over all the label files."""
    if plans and plans[0].kind not in ("text", "records", "trec", "conll", "squad"):
        task = plans[0].task
        # probabilities are read as rows of floats; their true labels as classification labels
        sources = [plans[0].others[0]] if task == "proba" else [plans[0].others[0], *(p.primary for p in plans)]
        kind = label_kind(sources, "classification" if task == "proba" else task)
        for p in plans:
            p.kind = kind


def first_passes(p: Plan, metrics: Sequence[Metric]) -> None:
    """Give the metrics that weigh by the whole data (BERTScore's ``idf=True``) one read of it first
    (standard input is kept in a temporary file to be read again)."""
    waiting = [m for m in metrics if m.needs_first_pass()]
    if waiting:
        for source in (p.primary, *p.others):
            source.spool()
    for m in waiting:
        m.first_pass(p.chunks())


def _lines(source: LineSource) -> Iterator[str]:
    for chunk in source.chunks():
        yield from chunk


def progress(source: LineSource, quiet: bool, what: str) -> Any:
    """A progress bar over the bytes of ``source`` on stderr: only on a terminal, after 2 seconds of work."""
    from tqdm import tqdm

    return tqdm(
        total=source.size(),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=what,
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        delay=2,
        leave=False,
    )


@contextlib.contextmanager
def data_errors() -> Iterator[None]:
    """Errors raised while reading and scoring are data errors: message, exit status 1, no traceback."""
    try:
        yield
    except EvalkitError as exc:
        raise DataError(str(exc)) from None
    except BrokenPipeError:
        raise  # the reader of our output went away: main() stops quietly
    except OSError as exc:
        raise DataError(f"{exc.filename or 'input'}: {exc.strerror or exc}") from None


def no_segments(p: Plan) -> DataError:
    return DataError(f"{p.primary.name} holds no segments: nothing to score.")
