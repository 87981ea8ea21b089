"""Whisper's normalisers: equal to the whisper-normalizer package on Whisper's own test sentences, on real
glosses and on generated text; selectable by name in the WER family's ``transform=``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs, wordnet_glosses
from evalkit.tokenizers.whisper import (
    BasicTextNormalizer,
    EnglishNumberNormalizer,
    EnglishSpellingNormalizer,
    EnglishTextNormalizer,
)

wn_basic = pytest.importorskip("whisper_normalizer.basic")
wn_english = pytest.importorskip("whisper_normalizer.english")

# the inputs of Whisper's tests/test_normalizer.py (numbers, spellings, contractions, titles)
WHISPER_TEST_INPUTS = [
    "two", "thirty one", "five twenty four", "nineteen ninety nine", "twenty nineteen", "two point five million",
    "four point two billions", "200 thousand", "200 thousand dollars", "$20 million", "€52.4 million",
    "£77 thousands", "two double o eight", "three thousand twenty nine", "forty three thousand two hundred sixty",
    "forty three thousand two hundred and sixty", "nineteen fifties", "thirty first",
    "thirty three thousand and three hundred and thirty third", "three billion", "millions",
    "july third twenty twenty", "august twenty sixth twenty twenty one", "3 14", "3.14", "3 point 2", "3 point 14",
    "fourteen point 4", "two point two five dollars", "two hundred million dollars", "$20.1 million",
    "ninety percent", "seventy six per cent", "double oh seven", "double zero seven", "nine one one",
    "nine double one", "one triple oh one", "two thousandth", "thirty two thousandth", "minus 500",
    "positive twenty thousand", "two dollars and seventy cents", "3 cents", "$0.36", "three euros and sixty five cents",
    "three and a half million", "forty eight and a half dollars", "b747", "10 th", "10th",
    "mobilisation", "cancelation", "Let's", "he's like", "she's been like", "10km", "10mm", "RC232",
    "Mr. Park visited Assoc. Prof. Kim Jr.", "[laughs] I (um) dunno, y'all — it's £3.50 + 20%!",
    "Ça coûte œuvre naïve — Straße, Łódź", "", "   ", "?!.,", "line one\r\nline two\rthree\n",
]  # fmt: skip


@pytest.mark.parametrize("text", WHISPER_TEST_INPUTS)
def test_whisper_test_sentences(text):
    assert EnglishTextNormalizer()(text) == wn_english.EnglishTextNormalizer()(text)
    assert EnglishNumberNormalizer()(text) == wn_english.EnglishNumberNormalizer()(text)
    assert EnglishSpellingNormalizer()(text) == wn_english.EnglishSpellingNormalizer()(text)
    assert BasicTextNormalizer()(text) == wn_basic.BasicTextNormalizer()(text)


# lines for each step the normaliser skips where it provably changes nothing (see the module's code):
# "and" as the only number word, "and a half" anywhere, digits of other scripts and from NFKD (², ①),
# plain words around number words (the runs of process_words), words that stop a run from passing
# ("point", "minus", "double", "per" next to "and"), the ignored and replaced words beside punctuation, and
# symbols left or removed at the end
SKIPPED_STEP_INPUTS = [
    "bread and butter", "and and and", "and", "one hundred and five", "hundred and x", "point and x", "x point and",
    "minus and x", "plus and and", "double and one", "triple and", "per and cent", "and a half cup",
    "x and a half y", "two and a half", "half and half", "and  a\thalf", "٣ apples", "x² y", "① thing",
    "١٢٣ and ٤", "he has one dog and two cats", "the first and second", "o my", "oh my god", "zero sum",
    "one", "ones and twos", "twenty something", "a thousand and one nights", "five percent of x", "per cent",
    "cents and dollars", "pound for pound", "minus x", "x minus", "negative one", "positive", "double trouble",
    "a_b st_x", "st.", "st", "mr.x", "mrs-y", "hmm.", "um,uh", "mm?", "x'", "x 's y", "don 't", "o'clock",
    "a . b", "100 %", "x % y", "$ x", "x $", "£", "3.", ".5", "a 1st b", "b 2nd", "x1 y", "cause",
    "colour and flavour", "flyer / flier", "  leading and trailing  ", "tab\tand\nnewline", "x\u00a0and y",
]  # fmt: skip


@pytest.mark.parametrize("text", SKIPPED_STEP_INPUTS)
def test_skipped_steps(text):
    assert EnglishTextNormalizer()(text) == wn_english.EnglishTextNormalizer()(text)
    for s in (text, text.lower()):
        assert EnglishNumberNormalizer()(s) == wn_english.EnglishNumberNormalizer()(s)


_NUMBER_WORDS = st.sampled_from(
    ["one", "two", "ten", "first", "twenty", "thirties", "hundred", "thousand", "millions", "oh", "o", "zero",
     "and", "a", "half", "point", "double", "triple", "minus", "plus", "dollars", "cent", "cents", "pound",
     "per", "percent", "ones", "3", "$3", "-2", "1.5", "x", "dog", "mr", "st", "um", "colour", "flyer", ".", "%"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(words=st.lists(_NUMBER_WORDS, max_size=10), sep=st.sampled_from([" ", "  ", "\t", ", ", ". "]))
def test_generated_number_lines(words, sep):
    text = sep.join(words)
    assert EnglishTextNormalizer()(text) == wn_english.EnglishTextNormalizer()(text)
    assert EnglishNumberNormalizer()(text) == wn_english.EnglishNumberNormalizer()(text)


@pytest.mark.parametrize(
    "options", [{}, {"remove_diacritics": True}, {"split_letters": True}, {"preserve_marks": True}]
)
def test_basic_options(options):
    text = "Ça coûte l'œuvre — naïve, नमस्ते (x) [y]"
    assert BasicTextNormalizer(**options)(text) == wn_basic.BasicTextNormalizer(**options)(text)


def test_real_glosses():
    glosses = wordnet_glosses()[::7][:6000]
    mine, theirs = EnglishTextNormalizer(), wn_english.EnglishTextNormalizer()
    basic, their_basic = BasicTextNormalizer(), wn_basic.BasicTextNormalizer()
    assert [mine(g) for g in glosses] == [theirs(g) for g in glosses]
    assert [basic(g) for g in glosses] == [their_basic(g) for g in glosses]


_WORDS = st.sampled_from(
    ["one", "two", "twenty", "hundred", "thousand", "point", "and", "a", "half", "double", "oh", "dollars", "cents",
     "percent", "per", "cent", "minus", "first", "colour", "Mr.", "$", "£3", "3.5", "1,000", "it's", "(x)", "[y]"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=12))
def test_generated_text(words):
    text = " ".join(words)
    assert EnglishTextNormalizer()(text) == wn_english.EnglishTextNormalizer()(text)
    assert BasicTextNormalizer()(text) == wn_basic.BasicTextNormalizer()(text)


@pytest.mark.parametrize("metric", ["wer", "cer", "mer"])
@pytest.mark.parametrize(("name", "normalizer"), [("whisper_english", "english"), ("whisper_basic", "basic")])
def test_selectable_in_transform_and_signed(metric, name, normalizer):
    jiwer = pytest.importorskip("jiwer")
    norm = wn_english.EnglishTextNormalizer() if normalizer == "english" else wn_basic.BasicTextNormalizer()
    hyps, refs = perturbed_pairs(200, seed=3, max_refs=1)
    refs = [r[0] for r in refs]
    result = getattr(evalkit, metric)(hyps, refs, transform=[name, "default"])
    # the usual recipe: normalise both sides, then jiwer with its default transform
    expected = getattr(jiwer, metric)([norm(r) for r in refs], [norm(h) for h in hyps])
    assert result.score == pytest.approx(expected, rel=1e-12)
    assert f"transform:{name}+default" in str(result.signature)
    assert f"transform:{name}|" in str(getattr(evalkit, metric)(hyps, refs, transform=name).signature)


def test_unknown_transform_names_the_new_steps():
    with pytest.raises(InvalidOptionError, match="whisper_english"):
        evalkit.wer(["a"], ["a"], transform="whisper_englsh")
