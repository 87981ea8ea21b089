"""``none``: split on whitespace, nothing else (sacrebleu's ``tokenize="none"``)."""

from __future__ import annotations

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
