"""``evalkit score``: stream the inputs, accumulate each metric's statistics, print the scores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib import resources
from itertools import chain
from typing import Any

import click

import evalkit.cli.common as common
import evalkit.cli.dask_engine as dask_engine
from evalkit.cli.output import Scored, render_scores, sentence_header, sentence_rows
from evalkit.core.metric import Metric
from evalkit.core.rows import Rows
from evalkit.stats.significance import bootstrap_ci

EXAMPLE = resources.files("evalkit") / "data" / "example"


@click.command(
    cls=common.OneFileCommand, short_help="Score a system with one or more metrics (corpus, per segment, with CIs)."
)
@common.metric_option
@common.common_options
@click.option(
    "--format",
    "input_format",
    type=click.Choice(["text", "jsonl", "tsv"]),
    default="text",
    show_default=True,
    help="Input format: text (one segment per line, references with -r), or one JSON Lines / TSV (with a "
    "header line) file holding both, read through --hyp-field and --ref-field.",
)
@click.option("--hyp-field", default="hypothesis", show_default=True, help="Hypothesis field (jsonl, tsv).")
@click.option(
    "--ref-field",
    "ref_fields",
    multiple=True,
    help="Reference field (jsonl, tsv), repeatable; a jsonl field may hold a list of references. [default: reference]",
)
@click.option(
    "--sentence-level",
    is_flag=True,
    help="Print one score per segment instead of the corpus score (each segment's statistics scored with the "
    "metric's options), written while reading.",
)
@click.option("--ci", is_flag=True, help="Add a bootstrap confidence interval to every corpus score.")
@click.option("--ci-resamples", default=1000, show_default=True, type=click.IntRange(min=1), help="Resamples for --ci.")
@common.draw_options("the resamples of --ci")
@click.option(
    "--engine",
    type=click.Choice(dask_engine.ENGINES),
    help="local reads the inputs in this process; dask reads them as partitions on Dask workers and sums their "
    "statistics (the same output; needs evalkit[dask]). [default: local]",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes of the local Dask cluster of --engine dask. [default: one per CPU core]",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="A running Dask scheduler (tcp://host:8786) to send the work to; implies --engine dask. Its workers read "
    "the input files at their absolute paths.",
)
@click.option("--example", is_flag=True, help="Score the bundled example corpus (1,000 WordNet glosses, 2 references).")
@click.argument("system", required=False, type=click.Path(dir_okay=False, allow_dash=True))
def score(
    metric_specs: tuple[str, ...],
    refs: tuple[str, ...],
    true_path: str | None,
    task: str | None,
    encoding_errors: str,
    output_format: str,
    quiet: bool,
    input_format: str,
    hyp_field: str,
    ref_fields: tuple[str, ...],
    sentence_level: bool,
    ci: bool,
    ci_resamples: int,
    confidence: float,
    seed: int,
    engine: str | None,
    workers: int | None,
    scheduler: str | None,
    example: bool,
    system: str | None,
) -> None:
    """Score SYSTEM (hypotheses or predictions, one per line; - reads stdin) with each -m metric.

    \b
    Text metrics compare SYSTEM with the references given by -r:
      evalkit score -m bleu -m "bleu(tokenize=intl,smooth=floor)" -r ref1.txt -r ref2.txt hyp.txt
    Classification and regression metrics compare it with --true (names: `evalkit metrics`):
      evalkit score -m f1 -m accuracy --task classification --true y_true.txt y_pred.txt

    Inputs are read in chunks of 10,000 lines and only statistics are kept, so memory does not grow
    with the corpus (--ci keeps the per-segment statistics, a few numbers per segment). With --engine
    dask (or --scheduler) Dask workers read and count the same chunks: the output is the same.
    Exit status: 0 success, 2 usage error, 1 data error.
    """
    system, refs = _inputs(example, system, refs)
    metrics = common.build_metrics(metric_specs)  # parse -> registry -> metric
    own = common.resolve_task(metrics, metric_specs, task, true_path is not None)
    _check_modes(own, sentence_level=sentence_level, ci=ci, output_format=output_format)
    p = common.plan(
        own, system, refs=refs, true_path=true_path, encoding_errors=encoding_errors, fmt=input_format,
        hyp_field=hyp_field, ref_fields=ref_fields or ("reference",),
    )  # fmt: skip
    engine = dask_engine.choose_engine(engine, workers, scheduler)
    if engine == "dask":
        dask_engine.refuse_unpartitioned(p, sentence_level=sentence_level, ci=ci)
    with common.data_errors():
        common.decide_labels([p])
        common.first_passes(p, metrics)
        if sentence_level:
            _print_sentence_scores(p, metrics, metric_specs, output_format, quiet)
            return
        if engine == "dask":  # the same chunks, read and counted on the workers, added in the same order
            dask_engine.update_with_dask(p, metrics, workers=workers, scheduler=scheduler)
            segments, rows = metrics[0].n_items, []
        else:
            segments, rows = _accumulate(p, metrics, quiet, keep_rows=ci)
        if segments == 0:
            raise common.no_segments(p)
        boot = {"n_resamples": ci_resamples, "confidence": confidence, "seed": seed}
        scored = _corpus_scores(metric_specs, metrics, rows, boot if ci else None)
    click.echo(render_scores(scored, output_format, segments=segments, inputs=p.inputs()))


def _inputs(example: bool, system: str | None, refs: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The file to score and the reference files: as given, or the bundled example corpus's."""
    if example:
        if system is not None or refs:
            raise click.UsageError("--example scores the bundled corpus: give no files with it.")
        return str(EXAMPLE / "hyp.txt"), (str(EXAMPLE / "ref1.txt"), str(EXAMPLE / "ref2.txt"))
    if system is None:
        raise click.UsageError("give the file to score (SYSTEM), or --example.")
    return system, refs


def _check_modes(task: str, *, sentence_level: bool, ci: bool, output_format: str) -> None:
    """Usage errors for the flags that do not go together."""
    if sentence_level and task != "text":
        raise click.UsageError("--sentence-level scores text segments; it does not apply to a label metric.")
    if sentence_level and ci:
        raise click.UsageError("--ci gives corpus scores an interval; --sentence-level prints no corpus score.")
    if sentence_level and output_format == "latex":
        raise click.UsageError(
            "-o latex writes a table of corpus scores; --sentence-level prints one line per segment: "
            "use -o table, json, csv or markdown with it."
        )


def _print_sentence_scores(
    p: common.Plan, metrics: Sequence[Metric], specs: Sequence[str], fmt: str, quiet: bool
) -> None:
    """Print each segment's score by every metric while reading (each chunk's rows scored on their own)."""
    header = sentence_header(specs, fmt)
    if header is not None:
        click.echo(header)
    scales: list[float] = []
    segments = 0
    chunks: Iterable[tuple[Any, ...]] = p.chunks()
    if any(m.segment_scores_need_corpus for m in metrics):  # one chunk: the whole input
        parts = list(chunks)
        chunks = [tuple(list(chain.from_iterable(c[k] for c in parts)) for k in range(len(parts[0])))] if parts else []
    with common.progress(p.primary, quiet, f"scoring {p.primary.name}") as bar:
        for inputs in chunks:
            chunk_rows = [m.rows(*inputs) for m in metrics]
            scorers = [m.fresh().add_rows(r) for m, r in zip(metrics, chunk_rows)]
            scales = scales or [s.compute().display_scale for s in scorers]
            scores = [
                m.segment_scores(*inputs) if m.segment_scores_need_corpus else s.scores(r.item_totals())
                for m, s, r in zip(metrics, scorers, chunk_rows)
            ]
            click.echo(sentence_rows(segments + 1, specs, scales, scores, fmt))
            segments += len(inputs[0])
            bar.update(p.primary.bytes - bar.n)
    if segments == 0:
        raise common.no_segments(p)


def _accumulate(p: common.Plan, metrics: Sequence[Metric], quiet: bool, *, keep_rows: bool) -> tuple[int, list]:
    """Add every chunk's rows to each metric's running total; ``(segments, rows)``, where ``rows[j]`` holds
    metric j's chunks of rows when ``keep_rows`` (what a CI resamples)."""
    rows: list[list[Rows]] = [[] for _ in metrics]
    segments = 0
    with common.progress(p.primary, quiet, f"scoring {p.primary.name}") as bar:
        for inputs in p.chunks():
            for j, m in enumerate(metrics):
                chunk = m.rows(*inputs)  # once: the running total, and the rows a CI resamples
                m.add_rows(chunk)
                if keep_rows:
                    rows[j].append(chunk)
            segments += len(inputs[0])
            bar.update(p.primary.bytes - bar.n)
    return segments, rows


def _corpus_scores(
    specs: Sequence[str], metrics: Sequence[Metric], rows: list[list[Rows]], boot: dict[str, Any] | None
) -> list[Scored]:
    """Each metric's corpus result; with ``boot`` (the bootstrap's options) a CI from its kept rows."""
    scored = []
    for j, (spec, m) in enumerate(zip(specs, metrics)):
        result = m.compute()
        if boot is None:
            scored.append(Scored(spec, result))
            continue
        data, rows[j] = m.concat_rows(rows[j]), []  # drop the chunks: one copy of the rows at a time
        b = bootstrap_ci(m, data, **boot)
        scored.append(Scored(spec, replace(result, ci=b.ci), b))
    return scored
