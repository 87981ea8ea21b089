"""The ``evalkit`` command line: parse -> registry -> metric -> Result. Thin: no metric has CLI code of its own.

Subcommands: ``score`` (corpus or sentence scores, bootstrap CIs, streaming), ``compare`` (paired
significance tests against a baseline), ``report`` (an HTML report of a run, or one of its charts),
``metrics`` (every registered metric and its options), ``schema`` (the JSON schemas of the outputs). Exit
status: 0 success, 2 usage error (unknown metric or option, bad flags), 1 data error (unreadable file,
invalid UTF-8, unequal line counts, input a metric rejects).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from typing import Any

import click

import evalkit
from evalkit.cli.compare import compare
from evalkit.cli.output import COMPARE_SCHEMA, SCORE_SCHEMA, SENTENCE_SCHEMA
from evalkit.cli.report import report
from evalkit.cli.score import score
from evalkit.cli.spec import describe
from evalkit.core.registry import available_metrics
from evalkit.generator.cli import generator as generator_group  # light: torch loads inside its commands


class _Commands(click.Group):
    """The command group, whose errors are one line on stderr (``Error: ...``), not click's usage block.

    Exit status 2 for usage errors, 1 for data errors; an interrupt (Ctrl-C) exits with 130 and no
    traceback; a warning is one line (``Warning: ...``), without the internal file and source line.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        if not standalone:
            return super().main(*args, standalone_mode=False, **kwargs)
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warning
            try:
                code = super().main(*args, standalone_mode=False, **kwargs)
            except click.ClickException as exc:
                click.echo(f"Error: {exc.format_message()}", err=True)
                sys.exit(exc.exit_code)
            except (KeyboardInterrupt, click.exceptions.Abort):
                click.echo("", err=True)
                sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line_warning(
    message: Any, category: type, filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    click.echo(f"Warning: {' '.join(str(message).split())}", err=True)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(evalkit.__version__, prog_name="evalkit")
def cli() -> None:
    """evalkit: exact, fast, mergeable evaluation metrics.

    \b
      evalkit score -m bleu -r ref.txt hyp.txt
      evalkit score --example -m bleu
      evalkit compare -m bleu -r ref.txt -b baseline.txt system.txt
      evalkit report -m bleu -r ref.txt -b baseline.txt system.txt --out report.html
      evalkit metrics -v
      evalkit schema score

    Run `evalkit COMMAND -h` for each command's options.
    """


@cli.command("metrics", short_help="List the registered metrics and their options.")
@click.option("-v", "--verbose", is_flag=True, help="Also say what each option does, one line per option.")
def list_metrics(verbose: bool) -> None:
    """List every registered metric with its task and its options (defaults shown), as each metric
    declares them; -v adds each option's documentation."""
    for name in available_metrics():
        click.echo(describe(name, verbose=verbose))


@cli.command("schema", short_help="Print the JSON schema of an output.")
@click.argument("output", type=click.Choice(["score", "sentence", "compare"]))
def schema(output: str) -> None:
    """Print the JSON schema of `score -o json`, `score --sentence-level -o json` (each line) or `compare -o json`."""
    click.echo(
        json.dumps({"score": SCORE_SCHEMA, "sentence": SENTENCE_SCHEMA, "compare": COMPARE_SCHEMA}[output], indent=2)
    )


cli.add_command(score)
cli.add_command(compare)
cli.add_command(report)
cli.add_command(generator_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``evalkit`` script."""
    try:
        cli.main(args=argv, prog_name="evalkit")
    except BrokenPipeError:
        # the reader went away (`evalkit score ... | head`): stop quietly, as a Unix filter does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


__all__ = ["cli", "main"]
