"""The tokenizer interface and the registry of tokenizers by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import ClassVar, TypeVar

from evalkit.core.errors import InvalidOptionError
from evalkit.core.validate import suggest


class Tokenizer(ABC):
    """Turns a line of text into a list of tokens.

    ``tokenize_batch`` exists so that a tokenizer can process a whole corpus in one pass of its regex
    engine; it must return exactly ``[self(line) for line in lines]``.
    """

    name: ClassVar[str]

    @abstractmethod
    def __call__(self, line: str) -> list[str]: ...

    def tokenize_batch(self, lines: Sequence[str]) -> list[list[str]]:
        return [self(line) for line in lines]

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
