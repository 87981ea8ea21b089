"""The tokenizer interface and the registry of tokenizers by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any, ClassVar, TypeVar

from evalkit.core.errors import InvalidOptionError
from evalkit.core.gc_pause import gc_paused
from evalkit.core.validate import suggest


class Tokenizer(ABC):
    """Turns a line of text into a list of tokens.

    ``tokenize_batch`` and ``tokenize_joined`` exist so that a tokenizer can process a whole corpus in
    one pass of its regex engine; they must agree exactly with ``self(line)`` on every line. A
    tokenizer gets both by implementing ``_joined_text``.
    """

    name: ClassVar[str]

    @abstractmethod
    def __call__(self, line: str) -> list[str]: ...

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        """``(text, sep)`` such that ``text.split()`` is the tokens of every line, consecutive lines
        separated by the token ``sep``, which no line's tokens contain; None where that is not
        possible (then the batch methods call ``self`` line by line)."""
        return None

    def tokenize_batch(self, lines: Sequence[str]) -> list[list[str]]:
        """``[self(line) for line in lines]``, computed in one pass where the tokenizer allows."""
        joined = self._joined_text(lines) if len(lines) else None
        if joined is None:
            return [self(line) for line in lines]
        text, sep = joined
        with gc_paused():
            return list(map(str.split, text.split(sep)))

    def tokenize_joined(self, lines: Sequence[str]) -> tuple[list[str], str]:
        """``(tokens, sep)``: the tokens of every line in one list, consecutive lines separated by the
        token ``sep``, which no line's tokens contain. The cheapest form for corpus-level statistics.

        Example:
            >>> get_tokenizer("13a").tokenize_joined(["a b.", "", "c"])
            (['a', 'b', '.', '\\x00', '\\x00', 'c'], '\\x00')
        """
        joined = self._joined_text(lines) if len(lines) else None
        if joined is not None:
            text, sep = joined
            return text.split(), sep
        batch = self.tokenize_batch(lines)
        vocabulary = set(chain.from_iterable(batch))
        sep = "\x00"
        while sep in vocabulary:
            sep += "\x00"
        tokens: list[str] = []
        for i, line_tokens in enumerate(batch):
            if i:
                tokens.append(sep)
            tokens.extend(line_tokens)
        return tokens, sep

    def signature_items(self) -> dict[str, str]:
        """What a metric's signature records of this tokenizer: its name (``tok:13a``), and for a tokenizer
        whose words depend on more (a MeCab version, a SentencePiece model) that too."""
        return {"tok": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _CallableTokenizer(Tokenizer):
    name = "custom"

    def __init__(self, fn: Callable[[str], list[str]]) -> None:
        self._fn = fn
        self.name = getattr(fn, "__name__", "custom")  # type: ignore[misc]

    def __call__(self, line: str) -> list[str]:
        return list(self._fn(line))


_TOKENIZERS: dict[str, type[Tokenizer]] = {}
T = TypeVar("T", bound=type[Tokenizer])


def register_tokenizer(cls: T) -> T:
    """Class decorator: make ``cls`` reachable as ``get_tokenizer(cls.name)``."""
    _TOKENIZERS[cls.name] = cls
    return cls


def available_tokenizers() -> list[str]:
    """Names of every registered tokenizer, sorted."""
    return sorted(_TOKENIZERS)


def get_tokenizer(tokenizer: str | Tokenizer | Callable[[str], list[str]], *, owner: str = "tokenizer") -> Tokenizer:
    """A tokenizer from its registry name, a :class:`Tokenizer`, or any ``str -> list[str]`` callable."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer
    if isinstance(tokenizer, str):
        if tokenizer not in _TOKENIZERS:
            allowed = ", ".join(repr(n) for n in available_tokenizers())
            raise InvalidOptionError(
                f"The 'tokenize' parameter of {owner} must be one of {allowed} or a callable. "
                f"Got {tokenizer!r} instead{suggest(tokenizer, _TOKENIZERS)}."
            )
        return _TOKENIZERS[tokenizer]()
    if callable(tokenizer):
        return _CallableTokenizer(tokenizer)
    raise InvalidOptionError(
        f"The 'tokenize' parameter of {owner} must be a tokenizer name or a callable. Got {tokenizer!r} instead."
    )


def check_tokenize(owner: str, name: str, value: Any) -> Any:
    """The check of a metric's ``tokenize`` option (an :class:`~evalkit.core.options.Options` field): a
    registered name, a :class:`Tokenizer` or a callable, kept as given, since a user's object is what
    merges compare; :func:`get_tokenizer` makes the tokenizer itself."""
    get_tokenizer(value, owner=owner)
    return value
