"""``char``: every non-whitespace character is a token (sacrebleu's ``char``).

sacrebleu joins the characters with spaces and BLEU splits the result on whitespace, so whitespace
characters (as ``str.isspace`` defines them) never become tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.core.gc_pause import gc_paused
from evalkit.tokenizers._joined import join_lines
from evalkit.tokenizers.base import Tokenizer, register_tokenizer


@register_tokenizer
class TokenizerChar(Tokenizer):
    """Example:
    >>> TokenizerChar()("a b\\u00a0c!")
    ['a', 'b', 'c', '!']
    """

    name = "char"

    def __call__(self, line: str) -> list[str]:
        return list("".join(line.split()))

    def _characters(self, lines: Sequence[str]) -> tuple[str, str] | None:
        joined = join_lines(lines) if len(lines) else None
        if joined is None:
            return None
        text, sep = joined
        return "".join(text.split()), sep

    def tokenize_batch(self, lines: Sequence[str]) -> list[list[str]]:
        joined = self._characters(lines)
        if joined is None:
            return [self(line) for line in lines]
        text, sep = joined
        with gc_paused():
            return list(map(list, text.split(sep)))

    def tokenize_joined(self, lines: Sequence[str]) -> tuple[list[str], str]:
        joined = self._characters(lines)
        if joined is None:
            return super().tokenize_joined(lines)
        text, sep = joined
        return list(text), sep
