"""Metric specs: ``-m NAME`` or ``-m "NAME(option=value,option=value)"``, built through the registry.

Values are Python literals where they parse as one (``2``, ``0.1``, ``True``, ``None``, ``'13'``,
``[1,2]``), plus ``true``/``false``; anything else is a plain string (``tokenize=intl``,
``tokenize=none``). Option names are checked against the metric's options declaration
(:class:`~evalkit.core.options.Options`), values by the declaration's checks, whose message is shown as is.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import click

from evalkit.core.errors import EvalkitError
from evalkit.core.metric import Metric
from evalkit.core.registry import metric_class


@dataclass(frozen=True)
class MetricSpec:
    """A parsed ``-m`` value: the text as given, the registry name and the options."""

    text: str
    name: str
    options: dict[str, Any]


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_value(text: str) -> Any:
    """A CLI option value: a Python literal if it is one, ``true``/``false`` as booleans, else the string.

    Example:
        >>> [parse_value(v) for v in ("2", "0.5", "intl", "none", "true", "None", "'13'", "[1, 2]")]
        [2, 0.5, 'intl', 'none', True, None, '13', [1, 2]]
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_spec(text: str) -> MetricSpec:
    """Parse ``NAME`` or ``NAME(key=value,...)``; a malformed spec is a usage error.

    Example:
        >>> parse_spec("bleu(tokenize=intl,smooth=floor)").options
        {'tokenize': 'intl', 'smooth': 'floor'}
    """
    raw = text.strip()
    name, paren, rest = raw.partition("(")
    name = name.strip()
    if not name or (paren and not rest.endswith(")")) or (not paren and ")" in raw):
        raise click.UsageError(
            f"cannot read the metric {text!r}: write NAME or NAME(option=value,...), "
            f'e.g. -m bleu or -m "bleu(tokenize=intl,smooth=floor)".'
        )
    options: dict[str, Any] = {}
    for item in _split_top_level(rest[:-1]) if paren else []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key.isidentifier():
            raise click.UsageError(f"cannot read the option {item!r} of metric {text!r}: write option=value.")
        if key in options:
            raise click.UsageError(f"the option {key!r} is given twice in metric {text!r}.")
        options[key] = parse_value(value.strip())
    return MetricSpec(raw, name, options)


def metric_class_of(name: str) -> type[Metric]:
    """The class registered as ``name``, or a usage error whose did-you-mean forgives case, ``-`` and ``_``
    (``BLEU``: ``bleu``; ``rouge-l``: ``rougeL``) before it looks for a near spelling.

    Example:
        >>> metric_class_of("BLEU")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        click.exceptions.UsageError: Unknown metric 'BLEU' (did you mean 'bleu'?). Known metrics: ...
    """
    try:
        return metric_class(name)
    except EvalkitError as exc:
        raise click.UsageError(str(exc)) from None


def build(spec: MetricSpec) -> Metric:
    """The metric a spec names, built with its options; every mistake is a usage error (exit 2).

    The option names are checked against the metric's declaration (``options_type``), the values by the
    declaration's checks when the metric is built, whose message is shown as is.
    """
    cls = metric_class_of(spec.name)
    try:
        cls.options_type.check_names(spec.name, list(spec.options))
    except EvalkitError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        return cls(**spec.options)
    except EvalkitError as exc:
        raise click.UsageError(f"{spec.text}: {exc}") from None
    except (TypeError, ValueError) as exc:  # an option value the constructor could not use
        raise click.UsageError(f"{spec.text}: invalid option value: {exc}") from None


def option_list(cls: type[Metric]) -> dict[str, tuple[Any, str]]:
    """``{name: (default, doc)}`` of a metric's options, from its declaration."""
    return {name: (default, doc) for name, default, doc in cls.options_type.describe()}


def describe(name: str, *, verbose: bool = False) -> str:
    """``evalkit metrics``' entry of a metric: its name, its options with their defaults and its task on
    one line; ``verbose``: then one line per option with its documentation.

    Example:
        >>> print(describe("chrf", verbose=True).splitlines()[2])
            word_order: word n-gram orders; 2 gives chrF++
    """
    cls = metric_class(name)
    options = option_list(cls)
    shown = ", ".join(f"{key}={default!r}" for key, (default, _) in options.items())
    line = f"{name}({shown or 'no options'})  [{cls.task}]"
    if verbose:
        line += "".join(f"\n    {key}: {doc}" for key, (_, doc) in options.items())
    return line


__all__ = ["MetricSpec", "build", "describe", "metric_class_of", "option_list", "parse_spec", "parse_value"]
