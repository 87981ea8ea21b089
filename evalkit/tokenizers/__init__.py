"""Named tokenizers. Importing this package registers every built-in one."""

from evalkit.tokenizers import char, mteval, none, zh  # noqa: F401  (register themselves)
from evalkit.tokenizers.base import Tokenizer, available_tokenizers, get_tokenizer, register_tokenizer

__all__ = ["Tokenizer", "available_tokenizers", "get_tokenizer", "register_tokenizer"]
