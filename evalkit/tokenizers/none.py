"""``none``: split on whitespace, nothing else (sacrebleu's ``tokenize="none"``)."""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.tokenizers._joined import join_lines
from evalkit.tokenizers.base import Tokenizer, register_tokenizer


@register_tokenizer
class WhitespaceTokenizer(Tokenizer):
    """Example:
    >>> WhitespaceTokenizer()("a  b\\tc ")
    ['a', 'b', 'c']
    """

    name = "none"

    def __call__(self, line: str) -> list[str]:
        return line.split()

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        return join_lines(lines, pad=" ")
