"""``zh``: Chinese characters become single tokens, the rest is tokenized by mteval's rules.

sacrebleu's ``TokenizerZh``: strip the line, surround every character of its list of CJK ranges with
spaces, then apply mteval-v13a's four substitutions (without 13a's entity handling or space padding).

Two of sacrebleu's ranges are written as two-character strings (``'\\u20000'`` is U+2000 followed by
``'0'``); compared with one character they cover U+2001..U+2A6D and U+2F81..U+2FA1 (general punctuation,
arrows, mathematical operators and more). This tokenizer reproduces that exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from evalkit.tokenizers._joined import join_lines
from evalkit.tokenizers.base import Tokenizer, register_tokenizer
from evalkit.tokenizers.mteval import mteval_rules

# sacrebleu's _UCODE_RANGES as they behave under its string comparisons (see the module docstring)
_CHINESE = regex.compile(
    "(["
    "\u3400-\u4db5\u4e00-\u9fa5\u9fa6-\u9fbb\uf900-\ufa2d\ufa30-\ufa6a\ufa70-\ufad9"
    "\u2001-\u2a6d\u2f81-\u2fa1\uff00-\uffef\u2e80-\u2eff\u3000-\u303f\u31c0-\u31ef\u2f00-\u2fdf"
    "\u2ff0-\u2fff\u3100-\u312f\u31a0-\u31bf\ufe10-\ufe1f\ufe30-\ufe4f\u2600-\u26ff\u2700-\u27bf"
    "\u3200-\u32ff\u3300-\u33ff"
    "])"
)


@register_tokenizer
class TokenizerZh(Tokenizer):
    """Example:
    >>> TokenizerZh()("我喜欢 BLEU, 3.5分。")
    ['我', '喜', '欢', 'BLEU', ',', '3.5', '分', '。']
    """

    name = "zh"

    def __call__(self, line: str) -> list[str]:
        return mteval_rules(_CHINESE.sub(r" \1 ", line.strip())).split()

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        joined = join_lines(list(map(str.strip, lines)))
        if joined is None:
            return None
        text, sep = joined
        return mteval_rules(_CHINESE.sub(r" \1 ", text), sep).replace(sep, f" {sep} "), sep
