"""ROUGE's tokenizers: ``rouge_score`` (rouge-score's, exactly, with the Porter stemmer it applies) and
``unicode`` (words of every script).

``rouge_score``: rouge-score (``rouge_score/tokenize.py``, after Lin's ROUGE-1.5.5) lowercases the text, replaces every run
of characters outside ``[a-z0-9]`` by a space, splits on whitespace and, with ``use_stemmer=True``, stems
tokens longer than three characters with nltk's ``PorterStemmer()`` (its default mode,
``NLTK_EXTENSIONS``; evalkit's exact copy in :mod:`evalkit.lexicon.porter`). Everything outside ASCII letters and digits is dropped, so Thai, Russian or Chinese
text tokenizes to nothing; use the ``unicode`` tokenizer for those.

``unicode``: a token is a run of letters and digits (``\\p{L}``, ``\\p{N}``) of any script, each optionally followed by
combining marks (``\\p{M}``, the vowel signs of Thai or Devanagari). Chinese characters, Hiragana and
Katakana, written without spaces, are one token each (as sacrebleu's ``zh`` tokenizer splits Chinese).
Thai and Lao, also written without spaces, stay whole runs: splitting them into words needs a dictionary.
Punctuation, symbols and spaces separate tokens and are dropped.

On ASCII text this gives the same tokens as ``rouge_score``; unlike it, two identical Russian, Greek,
Thai or Chinese sentences share all their tokens.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import regex

from evalkit.core.gc_pause import gc_paused
from evalkit.lexicon.porter import PorterStemmer
from evalkit.tokenizers._joined import join_lines
from evalkit.tokenizers.base import Tokenizer, register_tokenizer

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VALID = re.compile(r"^[a-z0-9]+$")
# ASCII outside [a-z0-9] becomes a space, except the batch separator (a control character, see
# _joined.SEPARATORS); then every non-ASCII character does.
_ASCII_TO_SPACE = {c: " " for c in range(128) if not (chr(c).isdigit() or "a" <= chr(c) <= "z")}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# rouge-score 0.1.2 builds nltk's ``porter.PorterStemmer()``: the default mode, NLTK_EXTENSIONS
_STEMMER = PorterStemmer("NLTK_EXTENSIONS")


@lru_cache(maxsize=1 << 18)
def porter_stem(word: str) -> str:
    """nltk's ``PorterStemmer().stem(word)``, the stemmer rouge-score uses (its default ``NLTK_EXTENSIONS``
    mode), by evalkit's own exact copy (:mod:`evalkit.lexicon.porter`), memoized; nltk is not needed.

    Example:
        >>> [porter_stem(w) for w in ["running", "generously", "flies"]]
        ['run', 'gener', 'fli']
    """
    return _STEMMER.stem(word)


@lru_cache(maxsize=1 << 18)
def _rouge_stem(token: str) -> str | None:
    # rouge-score stems only tokens longer than 3 characters, then drops anything not [a-z0-9]+.
    out = porter_stem(token) if len(token) > 3 else token
    return out if _VALID.match(out) else None


@register_tokenizer
class RougeScoreTokenizer(Tokenizer):
    """rouge-score's ``tokenize.tokenize(text, stemmer)``, token for token.

    Args:
        stem: Porter-stem tokens longer than 3 characters (rouge-score's ``use_stemmer=True``).

    Example:
        >>> RougeScoreTokenizer()("The cat's 2 hats, Здравствуйте!")
        ['the', 'cat', 's', '2', 'hats']
    """

    name = "rouge_score"

    def __init__(self, *, stem: bool = False) -> None:
        self.stem = bool(stem)

    def __call__(self, line: str) -> list[str]:
        tokens = _NON_ALNUM.sub(" ", line.lower()).split()
        return self._stemmed(tokens) if self.stem else tokens

    def _joined_text(self, lines: Sequence[str]) -> tuple[str, str] | None:
        joined = None if self.stem else join_lines(lines, pad=" ")
        if joined is None:
            return None
        text, sep = joined
        # Lowercasing is per character, and every non-ASCII result is removed below, so lowercasing the
        # joined text gives each line's tokens; the separator, padded with spaces, stays a token.
        keep_sep = {**_ASCII_TO_SPACE}
        del keep_sep[ord(sep)]
        clean = text.lower().translate(keep_sep)
        return (clean if clean.isascii() else _NON_ASCII.sub(" ", clean)), sep

    def tokenize_batch(self, lines: Sequence[str]) -> list[list[str]]:
        if not self.stem:
            return super().tokenize_batch(lines)
        with gc_paused():
            return [self._stemmed(t) for t in RougeScoreTokenizer().tokenize_batch(lines)]

    @staticmethod
    def _stemmed(tokens: list[str]) -> list[str]:
        return [s for s in map(_rouge_stem, tokens) if s is not None]

    def __repr__(self) -> str:
        return f"RougeScoreTokenizer(stem={self.stem})"


_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_TOKEN = regex.compile(rf"[{_CJK}]\p{{M}}*|(?:(?![{_CJK}])[\p{{L}}\p{{N}}]\p{{M}}*)+")


@register_tokenizer
class UnicodeTokenizer(Tokenizer):
    """Letters and digits of every script; CJK characters one by one.

    Example:
        >>> UnicodeTokenizer()("Привет, мир! 東京タワー is 333m")
        ['привет', 'мир', '東', '京', 'タ', 'ワ', 'ー', 'is', '333m']
    """

    name = "unicode"

    def __call__(self, line: str) -> list[str]:
        return _TOKEN.findall(line.lower())

    def tokenize_batch(self, lines: Sequence[str]) -> list[list[str]]:
        with gc_paused():
            return [_TOKEN.findall(line.lower()) for line in lines]
