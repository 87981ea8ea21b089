"""The ``evalkit`` command line: parse, look the metric up in the registry, score, print. Thin."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import click

import evalkit
from evalkit.core.errors import EvalkitError

EXAMPLE = resources.files("evalkit") / "data" / "example"


def _read_lines(path: str | Path) -> list[str]:
    if str(path) == "-":
        return sys.stdin.read().splitlines()
    return Path(path).read_text(encoding="utf-8").splitlines()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(evalkit.__version__, prog_name="evalkit")
def main() -> None:
    """evalkit: exact, fast, mergeable evaluation metrics."""


@main.command()
@click.option(
    "-m",
    "--metric",
    "metrics",
    multiple=True,
    default=("bleu",),
    show_default=True,
    help="Metric to compute (repeatable). Known: see `evalkit metrics`.",
)
@click.option(
    "-r",
    "--ref",
    "refs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Reference file, one segment per line (repeat for several references).",
)
@click.option("--example", is_flag=True, help="Score the bundled example corpus (1,000 WordNet glosses).")
@click.argument("hyp", required=False, type=click.Path(dir_okay=False, allow_dash=True))
def score(metrics: tuple[str, ...], refs: tuple[str, ...], example: bool, hyp: str | None) -> None:
    """Score the hypotheses in HYP (one segment per line; - reads stdin) against the references."""
    if example:
        hyp = str(EXAMPLE / "hyp.txt")
        refs = (str(EXAMPLE / "ref1.txt"), str(EXAMPLE / "ref2.txt"))
    if hyp is None or not refs:
        raise click.UsageError("give a hypothesis file and at least one -r reference file, or --example")
    try:
        hyps = _read_lines(hyp)
        streams = [_read_lines(r) for r in refs]
        for path, lines in zip(refs, streams):
            if len(lines) != len(hyps):
                raise click.ClickException(f"{path} has {len(lines)} lines but {hyp} has {len(hyps)}")
        references = [list(r) for r in zip(*streams)]
        for name in metrics:
            click.echo(str(evalkit.get_metric(name)(hyps, references)))
    except (EvalkitError, OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("metrics")
def list_metrics() -> None:
    """List the registered metrics."""
    for name in evalkit.available_metrics():
        click.echo(name)


from evalkit.generator.cli import generator as generator_group  # noqa: E402  (light: torch loads inside its commands)

main.add_command(generator_group)
