"""Tokenizing a whole batch of lines in one pass of the regex engine.

The lines are joined with a separator character that occurs in none of them, every substitution runs
once over the joined text, and the result is split back at the separators. This is exact when no
substitution can match, consume or produce the separator: each tokenizer builds its patterns so that
the separator is outside every class they use, and picks a separator that is absent from the batch.
When every candidate occurs in the batch, the tokenizer falls back to one call per line.
"""

from __future__ import annotations

from collections.abc import Sequence

# Control characters: not whitespace for ``str.split`` (unlike \x1c-\x1f), not punctuation, symbols,
# digits or letters for any tokenizer, and practically never in text.
SEPARATORS = ("\x00", "\x01", "\x02", "\x03")


def join_lines(lines: Sequence[str], *, pad: str = "") -> tuple[str, str] | None:
    """``(text, sep)``: ``lines`` each wrapped in ``pad`` and joined with ``sep``; None if every
    separator candidate occurs in the lines."""
    for sep in SEPARATORS:
        text = pad + f"{pad}{sep}{pad}".join(lines) + pad
        if text.count(sep) == len(lines) - 1:
            return text, sep
    return None
