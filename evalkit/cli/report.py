"""``evalkit report``: the HTML report of a scoring or comparison run, or one of its charts as a file.

The inputs are those of ``score`` (one system) or ``compare`` (a baseline and systems), read and scored by
the same code, or a finished run's ``-o json`` output (``--json FILE``). The run's numbers go through the
very JSON document that ``-o json`` prints, so the page and the JSON agree.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import numpy as np

import evalkit.cli.common as common
from evalkit.cli.compare import DEFAULT_N, TESTS, paired_options, paired_results
from evalkit.cli.io import DataError
from evalkit.cli.output import Scored, render_compare, render_scores
from evalkit.core.errors import EvalkitError
from evalkit.core.rows import Rows
from evalkit.report import FIGURES, ReportData, Segments, figure, render, save
from evalkit.report.figures import check_name, check_suffix
from evalkit.stats.significance import bootstrap_ci


@click.command(short_help="A self-contained HTML report of a run (or one of its charts as PNG/SVG/PDF).")
@common.metric_option
@common.common_options
@click.option(
    "-b",
    "--baseline",
    type=click.Path(dir_okay=False),
    help="The baseline system's file: the report compares every SYSTEM with it, as `evalkit compare` does. "
    "Without it, several SYSTEMS are compared with the first.",
)
@paired_options
@common.draw_options("every draw (the CIs, the paired tests, the sample of segments shown)")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Build the report from the output of `evalkit score -o json` or `evalkit compare -o json` instead of "
    "the input files (tables and score charts only: the per-segment views need the inputs).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    help="The file to write. [default: report.html; with --figure NAME: NAME.png]",
)
@click.option(
    "--figure",
    "figure_name",
    type=click.Choice(FIGURES),
    help="Write only this chart, in the format of --out's suffix (.png, .svg or .pdf).",
)
@click.option(
    "--sample",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Segments the page's browsable view holds (a seeded random sample beyond it).",
)
@click.option(
    "--top",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Segments in the view of the largest differences (one system: its lowest scores).",
)
@click.argument("systems", nargs=-1, type=click.Path(dir_okay=False))
def report(
    metric_specs: tuple[str, ...],
    refs: tuple[str, ...],
    true_path: str | None,
    task: str | None,
    encoding_errors: str,
    quiet: bool,
    baseline: str | None,
    test: str,
    n_samples: int,
    ci_resamples: int,
    confidence: float,
    seed: int,
    json_path: str | None,
    out: str | None,
    figure_name: str | None,
    sample: int,
    top: int,
    systems: tuple[str, ...],
) -> None:
    """Write an HTML report of SYSTEMS (one: a score run with CIs; several: a comparison), or of a JSON run.

    \b
      evalkit report -m bleu -m chrf -r ref.txt hyp.txt
      evalkit report -m bleu -r ref.txt -b baseline.txt system1.txt system2.txt --out cmp.html
      evalkit report -m f1 --true y_true.txt y_pred.txt
      evalkit compare -m bleu -r ref.txt -b base.txt sys.txt -o json > run.json; evalkit report --json run.json
      evalkit report -m bleu -r ref.txt -b base.txt sys.txt --figure distribution --out fig.pdf

    The page is one file with every asset inline (no request is made when it opens): the scores with CIs
    and signatures, the paired differences, the per-segment score distributions, the segments where the
    systems differ most with the matched n-grams highlighted, confusion matrices and per-class bars
    (classification) or residual plots (regression). Charts need matplotlib: pip install 'evalkit[plot]'.
    """
    if figure_name is not None:
        out = out or f"{figure_name}.png"
        _usage(check_suffix, out)
    out = out or "report.html"
    if json_path is not None:
        if systems or metric_specs or refs or true_path or baseline:
            raise click.UsageError("--json reads a finished run: give no metric, reference or system with it.")
        data = _from_json(json_path)
    else:
        data = _from_inputs(
            metric_specs, refs, true_path, task, encoding_errors, quiet, baseline, test, n_samples, ci_resamples,
            confidence, seed, systems,
        )  # fmt: skip
    with common.data_errors():
        if figure_name is not None:
            _usage(check_name, data, figure_name)
            save(figure(data, figure_name), out)
        else:
            Path(out).write_text(render(data, sample=sample, top=top, seed=seed), encoding="utf-8")
    click.echo(f"wrote {out} ({Path(out).stat().st_size / 1024:,.0f} KiB)")


# the report writes a file, not a table: the output-format option that score and compare share has no use
report.params = [p for p in report.params if p.name != "output_format"]


def _usage(check: Any, *args: Any) -> Any:
    """Run a check whose failure is the user's choice of option: a usage error (exit 2)."""
    try:
        return check(*args)
    except EvalkitError as exc:
        raise click.UsageError(str(exc)) from None


def _from_json(path: str) -> ReportData:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read {path!r} as JSON: {exc}") from None
    with common.data_errors():
        return ReportData(doc)


def _from_inputs(
    metric_specs: tuple[str, ...],
    refs: tuple[str, ...],
    true_path: str | None,
    task: str | None,
    encoding_errors: str,
    quiet: bool,
    baseline: str | None,
    test: str,
    n_samples: int,
    ci_resamples: int,
    confidence: float,
    seed: int,
    systems: tuple[str, ...],
) -> ReportData:
    """Read and score the inputs as ``score`` (one system) or ``compare`` (several) would."""
    metrics = common.build_metrics(metric_specs)
    own = common.resolve_task(metrics, metric_specs, task, true_path is not None)
    names = [*([baseline] if baseline else []), *systems]
    if not names:
        raise click.UsageError("give the system file(s) to report on (SYSTEMS), or --json FILE.")
    if len(set(names)) != len(names):
        raise click.UsageError("each system, the baseline included, must be a different file.")
    if "-" in [*names, *refs, true_path]:
        raise click.UsageError("evalkit report reads each reference file once per system: give files, not -.")
    plans = [common.plan(own, s, refs=refs, true_path=true_path, encoding_errors=encoding_errors) for s in names]
    with common.data_errors():
        common.decide_labels(plans)
        common.first_passes(plans[0], metrics)
        rows, segments = _read(metric_specs, metrics, plans, own, quiet)
        if len(segments) == 0:
            raise common.no_segments(plans[0])
        if len(plans) == 1:
            scored = []
            for spec, m, r in zip(metric_specs, metrics, rows[0]):
                b = bootstrap_ci(m, r, n_resamples=ci_resamples, confidence=confidence, seed=seed)
                scored.append(Scored(spec, replace(m.compute(), ci=b.ci), b))
            text = render_scores(scored, "json", segments=len(segments), inputs=plans[0].inputs())
        else:
            n = n_samples or DEFAULT_N[test]
            compared = paired_results(
                metrics, rows, names, test=test, n=n, ci_resamples=ci_resamples, confidence=confidence, seed=seed
            )
            results = [m.compute() for m in metrics]
            text = render_compare(
                compared, metric_specs, results, "json", test=TESTS[test], n=n, seed=seed, confidence=confidence,
                segments=len(segments),
            )  # fmt: skip
        return ReportData(json.loads(text), segments)


def _read(
    specs: tuple[str, ...], metrics: list[common.Metric], plans: list[common.Plan], task: str, quiet: bool
) -> tuple[list[list[Rows]], Segments]:
    """Every system's per-segment statistics (``rows[i][j]``: system i, metric j) and the segments' data.

    The baseline's rows also go through ``add_rows``, so that its metrics' results (and signatures, which
    may depend on the data) are the ones ``score`` prints.
    """
    parts: list[list[list[Rows]]] = [[[] for _ in metrics] for _ in plans]
    hyps: list[list[str]] = [[] for _ in plans]
    refs: list[Any] = []
    preds: list[list[Any]] = [[] for _ in plans]
    truth: list[Any] = []
    for i, p in enumerate(plans):
        with common.progress(p.primary, quiet, f"reading {p.primary.name}") as bar:
            for inputs in p.chunks():
                for j, m in enumerate(metrics):
                    batch = m.rows(*inputs)
                    if i == 0:
                        m.add_rows(batch)
                    parts[i][j].append(batch)
                if task == "text":
                    hyps[i].extend(inputs[0])
                    if i == 0:
                        refs.extend(inputs[1])
                elif task in ("tags", "qa"):  # sentences of tags, questions: counted, no labels to chart
                    if i == 0:
                        truth.extend([0] * len(parts[0][0][-1]))
                else:
                    preds[i].extend(np.asarray(inputs[1]).tolist())
                    if i == 0:
                        truth.extend(np.asarray(inputs[0]).tolist())
                bar.update(p.primary.bytes - bar.n)
    if not parts[0][0]:
        return [], Segments(task)
    rows = [[m.concat_rows(r) for m, r in zip(metrics, per_metric)] for per_metric in parts]
    if task != "text":
        return rows, Segments(task, y_true=np.asarray(truth), y_pred=[np.asarray(p) for p in preds])
    # each segment's statistics scored alone, as `score --sentence-level` does (and, where a segment's score
    # needs the corpus, the metric's own per-segment scores of the whole input)
    scores = {
        key: [
            m.segment_scores(hyps[i], refs)
            if m.segment_scores_need_corpus
            else m.fresh().add_rows(r[j]).scores(r[j].item_totals())
            for i, r in enumerate(rows)
        ]
        for j, (key, m) in enumerate(zip(specs, metrics))
    }
    better = {key: m.higher_is_better for key, m in zip(specs, metrics)}
    return rows, Segments(task, scores=scores, higher_is_better=better, hypotheses=hyps, references=refs)
