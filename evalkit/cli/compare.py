"""``evalkit compare``: several systems on the same references, paired tests against a baseline."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import click
import numpy as np

import evalkit.cli.common as common
from evalkit.classification.scores import roc_items
from evalkit.cli.io import LineSource, lockstep
from evalkit.cli.output import Compared, render_compare
from evalkit.core.errors import InputError
from evalkit.core.rows import Rows
from evalkit.stats.delong import delong_test
from evalkit.stats.significance import compare_systems

#: the -t choices and the evalkit.stats.significance tests they run
TESTS = {"bs": "paired_bootstrap", "ar": "approximate_randomization", "delong": "delong"}
#: sacrebleu's numbers of resamples (bs) and trials (ar), taken for -n 0 (delong: the CIs' resamples)
DEFAULT_N = {"bs": 1000, "ar": 10_000, "delong": 1000}


def paired_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``-t``, ``-n`` and ``--ci-resamples`` of the paired tests (``compare`` and ``report``)."""
    options = [
        click.option(
            "-t",
            "--test",
            type=click.Choice(["bs", "ar", "delong"]),
            default="bs",
            show_default=True,
            help="bs: paired bootstrap resampling (Koehn 2004); ar: paired approximate randomization (Riezler & Maxwell 2005); "
            "delong: DeLong's test of two ROC-AUCs (-m roc_auc, binary scores), with bootstrap CIs.",
        ),
        click.option(
            "-n",
            "--n-samples",
            type=click.IntRange(min=0),
            default=0,
            help="Resamples (bs) or trials (ar); 0 takes sacrebleu's defaults: 1000 for bs, 10,000 for ar.",
        ),
        click.option(
            "--ci-resamples",
            type=click.IntRange(min=1),
            default=1000,
            show_default=True,
            help="Bootstrap resamples for each system's CI with -t ar (bs uses its own resamples).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@click.command(short_help="Paired significance tests of systems against a baseline.")
@common.metric_option
@common.common_options
@click.option(
    "-b",
    "--baseline",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The baseline system's file; every other system is tested against it.",
)
@paired_options
@common.draw_options("every draw")
@click.argument("systems", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
def compare(
    metric_specs: tuple[str, ...],
    refs: tuple[str, ...],
    true_path: str | None,
    task: str | None,
    encoding_errors: str,
    output_format: str,
    quiet: bool,
    baseline: str,
    test: str,
    n_samples: int,
    ci_resamples: int,
    confidence: float,
    seed: int,
    systems: tuple[str, ...],
) -> None:
    """Compare SYSTEMS with the --baseline system on the same references, with paired significance tests.

    \b
      evalkit compare -m bleu -r ref.txt -b baseline.txt system1.txt system2.txt
      evalkit compare -m bleu -t ar -r ref.txt -b baseline.txt system1.txt

    Each system gets its score, a bootstrap CI, and the p-value of the test against the baseline, with
    sacrebleu's semantics and defaults (--paired-bs / --paired-ar, seed 12345): the same seed gives the
    same numbers. Only per-segment statistics are kept, never the text.
    Exit status: 0 success, 2 usage error, 1 data error.
    """
    metrics = common.build_metrics(metric_specs)
    own = common.resolve_task(metrics, metric_specs, task, true_path is not None)
    names = [baseline, *systems]
    if len(set(names)) != len(names):
        raise click.UsageError("each system, the baseline included, must be a different file.")
    plans = [common.plan(own, s, refs=refs, true_path=true_path, encoding_errors=encoding_errors) for s in names]
    n = n_samples or DEFAULT_N[test]
    with common.data_errors():
        common.decide_labels(plans)
        common.first_passes(plans[0], metrics)  # the references are the baseline's, shared by all systems
        rows = _statistics(metrics, plans, quiet)  # rows[i][j]: system i, metric j
        if rows[0][0] is None or len(rows[0][0]) == 0:
            raise common.no_segments(plans[0])
        compared = paired_results(
            metrics, rows, [p.primary.name for p in plans], test=test, n=n, ci_resamples=ci_resamples,
            confidence=confidence, seed=seed,
        )  # fmt: skip
        results = [m.compute() for m in metrics]
    click.echo(
        render_compare(
            compared, metric_specs, results, output_format, test=TESTS[test], n=n, seed=seed,
            confidence=confidence, segments=len(rows[0][0]),
        )
    )  # fmt: skip


def paired_results(
    metrics: Sequence[common.Metric],
    rows: Sequence[Sequence[Rows]],
    names: Sequence[str],
    *,
    test: str,
    n: int,
    ci_resamples: int,
    confidence: float,
    seed: int,
) -> list[Compared]:
    """Each system's CIs and paired tests against the baseline (``rows[0]``, ``names[0]``); ``rows[i][j]``
    holds system i's per-segment statistics of metric j, ``test`` is a -t choice."""
    if test == "delong":
        return _delong(metrics, rows, names, n=n, confidence=confidence, seed=seed)
    per_metric = [
        compare_systems(
            m, rows[0][j], [r[j] for r in rows[1:]], test=TESTS[test], n_samples=n, n_ci_resamples=ci_resamples,
            confidence=confidence, seed=seed,
        )
        for j, m in enumerate(metrics)
    ]  # fmt: skip
    compared = [Compared(names[0], True, [ci for ci, _ in per_metric], [None] * len(metrics))]
    for i in range(1, len(names)):
        tests = [t[i - 1] for _, t in per_metric]
        same = [
            same_rows(rows[0][j], rows[i][j])
            and (
                _same_frame(rows[0][j].space, rows[i][j].space)
                or tests[j].ci.result.score == per_metric[j][0].result.score
            )
            for j in range(len(metrics))
        ]
        compared.append(Compared(names[i], False, [t.ci for t in tests], tests, same))
    return compared


def _delong(
    metrics: Sequence[common.Metric], rows: Sequence[Sequence[Rows]], names: Sequence[str], **draws: Any
) -> list[Compared]:
    """DeLong's paired test of each system's ROC-AUC against the baseline's (its p-values), with the paired
    bootstrap's CIs."""
    if any(m.name != "roc_auc" for m in metrics):
        raise InputError("-t delong tests ROC-AUC only: give -m roc_auc (binary scores).")
    compared = paired_results(metrics, rows, names, test="bs", ci_resamples=draws["n"], **draws)
    for j in range(len(metrics)):
        positive, baseline = roc_items(rows[0][j])
        for i, system in enumerate(compared[1:], start=1):
            other, scores = roc_items(rows[i][j])
            if not np.array_equal(positive, other):
                raise InputError("-t delong pairs the systems' items: their true labels must be the same.")
            p_value = delong_test(positive, baseline, scores, pos_label=True).p_value
            test = system.tests[j]
            system.tests[j] = dataclasses.replace(test, test="delong", p_value=p_value)  # type: ignore[arg-type]
    return compared


def same_rows(a: Rows, b: Rows) -> bool:
    """Whether two systems' per-segment statistics are equal on every segment (then a paired test has no
    difference to test: sacrebleu's p-value is its smallest, 1 / (n + 1), and means nothing), each in its
    own frame (see :func:`_same_frame`)."""
    return all(np.array_equal(x, y) for x, y in ((a.dense, b.dense), (a.cells, b.cells), (a.values, b.values)))


def _same_frame(a: Any, b: Any) -> bool:
    """Whether two rows' frames are equal. Equal cells in different frames (the ranks of two score tables'
    scores, two label sets) are the same statistics only where the metric reads no more than the cells:
    the caller then also asks for equal scores (a calibration error reads the confidences themselves)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same_frame(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    return type(a) is type(b) and a == b


def _statistics(metrics: list[common.Metric], plans: list[common.Plan], quiet: bool) -> list[list[Rows | None]]:
    """Per-segment statistics of every system and metric, read in one pass over all files in lockstep.

    The baseline also goes through ``update`` so that its metrics' results (and signatures, which may
    depend on the data, e.g. BLEU's number of references) are the ones ``score`` would print.
    """
    first = plans[0]
    shared = list(first.others)  # the references, or the true labels
    sources = [*shared, *(p.primary for p in plans)]
    k = len(shared)
    parts: list[list[list[Rows]]] = [[[] for _ in metrics] for _ in plans]
    if first.kind in ("trec", "conll", "squad"):  # whole files: a query's documents may lie anywhere in a run
        for i, p in enumerate(plans):
            for inputs in p.chunks():
                for j, m in enumerate(metrics):
                    parts[i][j].append(m.rows(*inputs))
                    if i == 0:
                        m.add_rows(parts[i][j][-1])
        return [[m.concat_rows(r) if r else None for m, r in zip(metrics, per_metric)] for per_metric in parts]
    with common.progress(first.primary, quiet, "reading systems") as bar:
        for chunk in lockstep(sources):
            for i, p in enumerate(plans):
                inputs = _inputs(p, shared, chunk[:k], chunk[k + i])
                for j, m in enumerate(metrics):
                    batch = m.rows(*inputs)
                    if i == 0:
                        m.add_rows(batch)
                    parts[i][j].append(batch)
            bar.update(first.primary.bytes - bar.n)
    return [[m.concat_rows(r) if r else None for m, r in zip(metrics, per_metric)] for per_metric in parts]


def _inputs(p: common.Plan, shared: list[LineSource], lines: list[list[str]], system: list[str]) -> tuple:
    if p.kind == "text":
        return system, [list(r) for r in zip(*lines)]
    return p.parse(lines[0], system)
