"""Named tokenizers. Importing this package registers every built-in one."""

import evalkit.tokenizers.rouge  # noqa: F401  (registers rouge_score and unicode)
from evalkit.tokenizers import char, mecab, mteval, none, spm, zh  # noqa: F401  (register themselves)
from evalkit.tokenizers.base import Tokenizer, available_tokenizers, check_tokenize, get_tokenizer, register_tokenizer

__all__ = ["Tokenizer", "available_tokenizers", "check_tokenize", "get_tokenizer", "register_tokenizer"]
