"""Tokenizers: token-for-token identity with sacrebleu's own tokenizer objects.

sacrebleu's tokenizers return a space-joined string that BLEU splits on whitespace; evalkit's return the
token list, so every expected value below is ``sacrebleu_tokenizer(line).split()``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core.errors import InvalidOptionError
from evalkit.lexicon.corpora import wordnet_glosses
from evalkit.tokenizers import Tokenizer, available_tokenizers, get_tokenizer
from evalkit.tokenizers._joined import SEPARATORS

sacrebleu_tokenizers = pytest.importorskip("sacrebleu.tokenizers")
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a  # noqa: E402
from sacrebleu.tokenizers.tokenizer_char import TokenizerChar  # noqa: E402
from sacrebleu.tokenizers.tokenizer_intl import TokenizerV14International  # noqa: E402
from sacrebleu.tokenizers.tokenizer_none import NoneTokenizer  # noqa: E402
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh  # noqa: E402

REFERENCE = {
    "13a": Tokenizer13a,
    "intl": TokenizerV14International,
    "char": TokenizerChar,
    "zh": TokenizerZh,
    "none": NoneTokenizer,
}
NAMES = sorted(REFERENCE)


def _expected(name: str, lines: list[str]) -> list[list[str]]:
    reference = REFERENCE[name]()
    # sacrebleu caches each line's result; call the undecorated function so every line is recomputed
    call = getattr(type(reference).__call__, "__wrapped__", type(reference).__call__)
    return [call(reference, line).split() for line in lines]


def _flatten_with(batch: list[list[str]], sep: str) -> list[str]:
    out: list[str] = []
    for i, tokens in enumerate(batch):
        out += ([sep] if i else []) + tokens
    return out


def _check(name: str, lines: list[str]) -> None:
    tokenizer = get_tokenizer(name)
    expected = _expected(name, lines)
    assert [tokenizer(line) for line in lines] == expected
    assert tokenizer.tokenize_batch(lines) == expected
    tokens, sep = tokenizer.tokenize_joined(lines)
    assert tokens == _flatten_with(expected, sep)
    assert all(sep not in line for line in expected)


def test_every_builtin_is_registered():
    assert set(NAMES) <= set(available_tokenizers())


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_identity_on_every_wordnet_gloss(name):
    _check(name, wordnet_glosses())


_FRAGMENTS = [
    "&amp;", "&quot;", "&lt;", "&gt;", "&amp;lt;", "<skipped>", "-\n", "\n", "\r\n", "\t", " ", "  ", "\xa0",
    "\u2028", "\x1c", "\x85", "\u3000", "1,000.50", "3.14", "1-2", "-3", "5.", ".5", "...", ".,", ",.", "e.g.",
    "U.S.", "don't", "«", "»", "—", "–", "€", "$", "%", "(a)", "[b]", "{c}", "@", "#", "~", "^", "|", "\\",
    "中文", "我喜欢", "，", "。", "ｆｕｌｌ", "㐀", "\u2001", "\u2a6d", "\u2a6e", "\u2f81", "\u2fa1", "สวัสดี",
    "๓", "😀", "👍🏽", "ΟΔΟΣ", "σ", "٣", "²", "½", "İ", "ß", "\u0301", "\x00", "\x01",
]  # fmt: skip
_ALPHABET = st.characters(
    codec="utf-8", categories=["L", "M", "N", "P", "S", "Z", "Cc"], exclude_characters="\ud800"
) | st.sampled_from("0123456789.,-- ")
_LINE = st.lists(st.sampled_from(_FRAGMENTS) | st.text(_ALPHABET, max_size=6), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_LINE, max_size=8))
@pytest.mark.parametrize("name", NAMES)
def test_identity_on_generated_unicode(name, lines):
    _check(name, lines)


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.text(st.sampled_from("09.,- a&;"), max_size=12), min_size=1, max_size=6))
@pytest.mark.parametrize("name", ["13a", "zh", "intl"])
def test_identity_on_runs_of_digits_periods_commas_dashes(name, lines):
    # the subtle part of mteval's rules: which periods and commas stay attached to digits
    _check(name, lines)


@pytest.mark.parametrize("name", NAMES)
def test_batch_falls_back_when_every_separator_occurs(name):
    lines = ["a.b " + "".join(SEPARATORS), "1,000.5 €", "", "x" + SEPARATORS[0]]
    _check(name, lines)


def test_zh_chinese_ranges_match_sacrebleu_on_every_code_point():
    from evalkit.tokenizers.zh import _CHINESE

    is_chinese = TokenizerZh._is_chinese_char
    code_points = [*range(0x30000), *range(0xE0000, 0xE0100)]
    chars = [chr(c) for c in code_points if not 0xD800 <= c < 0xE000]
    assert [bool(_CHINESE.fullmatch(c)) for c in chars] == [is_chinese(c) for c in chars]


def test_unknown_tokenizer_names_the_allowed_ones():
    with pytest.raises(InvalidOptionError, match=r"'tokenize' parameter .* '13a'.*Got '13b' instead \(did you mean"):
        get_tokenizer("13b")


def test_custom_callable_and_instance():
    custom = get_tokenizer(lambda s: s.split("-"))
    assert isinstance(custom, Tokenizer)
    assert custom.tokenize_batch(["a-b", "c"]) == [["a", "b"], ["c"]]
    assert custom.tokenize_joined(["a-b", "\x00"]) == (["a", "b", "\x00\x00", "\x00"], "\x00\x00")
    instance = get_tokenizer("13a")
    assert get_tokenizer(instance) is instance
