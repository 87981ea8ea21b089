"""A griffe extension for the API reference: reads evalkit's docstrings as the doctests and prose they are.

- evalkit's docstrings head their doctests ``Example:``; griffe's Google parser knows only ``Examples:`` as
  the section whose ``>>>`` lines are code, and renders an ``Example:`` section as an admonition of prose,
  where the prompts become nested quotes.
- They name objects with Sphinx roles (``:class:`Result```), which Markdown would print as written.
- A few are completed when their module is imported (the WER family's shared ``{options}`` paragraph);
  griffe reads the source, so those are read from the imported object instead.

The docstrings are rewritten before griffe parses them; the source files are left as they are (their
doctests run under pytest).
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

# "Example:" alone on its line (indentation kept): the doctest section
_EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
# a Sphinx role before an inline literal: the literal stays, the role goes
_SPHINX_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):(?=`)")
# a line that is only a str.format / str.replace placeholder: the text is filled in at import time
_PLACEHOLDER_LINE = re.compile(r"^\s*\{\w+\}\s*$", re.MULTILINE)


def _runtime_docstring(obj: griffe.Object) -> str | None:
    """The docstring of the imported object at ``obj``'s path, or None where it cannot be read."""
    target: Any = importlib.import_module(obj.module.path)
    for part in obj.path[len(obj.module.path) + 1 :].split("."):
        target = getattr(target, part, None)
    doc = getattr(target, "__doc__", None)
    return inspect.cleandoc(doc) if doc else None


class EvalkitDocstrings(griffe.Extension):
    """Rewrite every docstring loaded: ``Example:`` to ``Examples:``, no Sphinx roles, placeholders filled."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        text = obj.docstring.value
        if _PLACEHOLDER_LINE.search(text):
            text = _runtime_docstring(obj) or text
        text = _EXAMPLE_HEADING.sub(r"\1Examples:", text)
        obj.docstring.value = _SPHINX_ROLE.sub("", text)
