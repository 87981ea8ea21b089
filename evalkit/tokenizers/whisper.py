"""Whisper's text normalisers, for WER and CER: ``BasicTextNormalizer`` and ``EnglishTextNormalizer``.

Equal, string for string, to the ``whisper-normalizer`` package (``whisper_normalizer.basic`` and
``whisper_normalizer.english``), which carries the normalisers of OpenAI's Whisper
(``whisper/normalizers``; Radford et al., 2022, appendix C). The code below is theirs, under the MIT
license (``evalkit/data/WHISPER_LICENSE``), adapted where it read a package file or a helper of another
package (the British-to-American spelling list is ``evalkit/data/whisper_english.json``, the same
1,700-odd entries as Whisper's ``english.json``; ``more_itertools.windowed`` is written out) and for
speed with the same output: patterns compiled once, a contraction rule skipped where its literal text is
absent, the per-character symbol rules as ``str.translate`` tables filled on first sight of a character,
each English step skipped where the line lacks a character or word that its pattern needs (one search for
the ignored and replaced words), and the number parser skipped for a line with no digit and no number word
but "and", and run only on the runs of words between plain words otherwise (each proof at its code).

Each normaliser is a ``str -> str`` function; the WER family takes them by name in ``transform=``
(``"whisper_basic"``, ``"whisper_english"``), and the signature records the name.

Example:
    >>> EnglishTextNormalizer()("Mr. Smith paid twenty-five dollars (cash) — colour me surprised!")
    'mister smith paid $25 color me surprised'
    >>> BasicTextNormalizer()("Hello, [noise] World!")
    'hello world '
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from fractions import Fraction
from functools import cache, lru_cache
from importlib.resources import files
from re import Match
from typing import Any

import regex


@lru_cache(maxsize=1)
def _spelling_mapping() -> dict[str, str]:
    """The British-to-American spellings, read once."""
    return json.loads(files("evalkit").joinpath("data/whisper_english.json").read_text(encoding="utf-8"))


# the patterns of EnglishTextNormalizer.__call__, compiled once (evalkit)
_BRACKETS = re.compile(r"[<\[][^>\]]*[>\]]")
_PARENTHESES = re.compile(r"\(([^)]+?)\)")
_SPACE_APOSTROPHE = re.compile(r"\s+'")
_DIGIT_COMMA_DIGIT = re.compile(r"(\d),(\d)")
_PERIOD = re.compile(r"\.([^0-9]|$)")
_LONE_SYMBOL = re.compile(r"[.$¢€£]([^0-9])")
_LONE_PERCENT = re.compile(r"([^0-9])%")
_WHITESPACE = re.compile(r"\s+")
_SYMBOL = re.compile("[.$¢€£%]")
# the patterns of EnglishNumberNormalizer, compiled once (evalkit)
_NUMERIC = re.compile(r"^\d+(\.\d+)?$")
_DIGIT = re.compile(r"\d")
_AND_A_HALF = re.compile(r"\band\s+a\s+half\b")
_LETTER_DIGIT = re.compile(r"([a-z])([0-9])")
_DIGIT_LETTER = re.compile(r"([0-9])([a-z])")
_DIGIT_SUFFIX = re.compile(r"([0-9])\s+(st|nd|rd|th|s)\b")
_CENTS = re.compile(r"([€£$])([0-9]+) (?:and )?¢([0-9]{1,2})\b")
_ZERO_CENTS = re.compile(r"[€£$]0.([0-9]{1,2})\b")
_ONE = re.compile(r"\b1(s?)\b")


def _windowed3(items: list) -> Iterator[tuple]:
    """``more_itertools.windowed(items, 3)``: every run of three consecutive items."""
    return zip(items, items[1:], items[2:])


# non-ASCII letters that are not separated by "NFKD" normalization
ADDITIONAL_DIACRITICS = {
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "ß": "ss",
    "ẞ": "SS",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "th",
    "ł": "l",
    "Ł": "L",
}


def _symbol_and_diacritic(c: str, keep: str) -> str:
    """What :func:`remove_symbols_and_diacritics` writes for one character (Whisper's rule)."""
    if c in keep:
        return c
    if c in ADDITIONAL_DIACRITICS:
        return ADDITIONAL_DIACRITICS[c]
    return "" if unicodedata.category(c) == "Mn" else " " if unicodedata.category(c)[0] in "MSP" else c


def _symbol(c: str, preserve_marks: bool) -> str:
    """What :func:`remove_symbols` writes for one character (Whisper's rule)."""
    return " " if unicodedata.category(c)[0] in ("SP" if preserve_marks else "MSP") else c


class _Table(dict):
    """A ``str.translate`` table filled on first sight of each character: Whisper's per-character rule,
    evaluated once per distinct character instead of once per character (the same output)."""

    def __init__(self, rule: Callable[[str, Any], str], option: Any) -> None:
        super().__init__()
        self.rule, self.option = rule, option

    def __missing__(self, code: int) -> str:
        value = self[code] = self.rule(chr(code), self.option)
        return value


@cache
def _table(rule: Callable[[str, Any], str], option: Any) -> _Table:
    return _Table(rule, option)


def remove_symbols_and_diacritics(s: str, keep=""):
    """
    Replace any other markers, symbols, and punctuations with a space,
    and drop any diacritics (category 'Mn' and some manual mappings)
    """
    return unicodedata.normalize("NFKD", s).translate(_table(_symbol_and_diacritic, keep))


def remove_symbols(s: str, preserve_marks: bool = False):
    """
    Replace symbols and punctuations with a space, optionally preserving Unicode marks
    """
    return unicodedata.normalize("NFKC", s).translate(_table(_symbol, preserve_marks))


class BasicTextNormalizer:
    """As per the text normalization/standardization approach mentioned in  Appendix Section C pp.21 in  the paper [Robust Speech Recognition via Large-Scale  Weak Supervision](https://cdn.openai.com/papers/whisper.pdf). The `BasicTextNormalizer` does the following functionality:

        1. Remove any phrases between matching brackets ([, ]).
        2. Remove any phrases between matching parentheses ((, )).
        3. Replace any markers, symbols, and punctuation characters with a space, i.e. when the Unicode category of each
        character in the NFKC-normalized string starts with M, S, or P.
        4. make the text lowercase.
        5. replace any successive whitespace characters with a space

    Note: The default behavior is not recommended for non-English languages because it may remove vowels, as identified by [Kavya in this tweet](https://twitter.com/kavya_manohar/status/1752574864618365059). For scripts that use Unicode Mark characters, set `preserve_marks=True` to retain combining marks such as Brahmic vowel signs and viramas.
    """

    def __init__(
        self,
        remove_diacritics: bool = False,
        split_letters: bool = False,
        preserve_marks: bool = False,
    ):
        r"""
        remove_diaciritics - Replace any other markers, symbols, and punctuations with a space and drop any diacritics
        split_letters  - It uses a regular expression \X to find all Unicode graphemes (extended grapheme clusters) in the string s and join them together by space
        preserve_marks - Keep Unicode Mark characters, such as Brahmic vowel signs and viramas
        """
        if remove_diacritics and preserve_marks:
            raise ValueError("preserve_marks cannot be used with remove_diacritics=True")

        self.clean = (
            remove_symbols_and_diacritics
            if remove_diacritics
            else lambda s: remove_symbols(s, preserve_marks=preserve_marks)
        )
        self.split_letters = split_letters

    def __call__(self, s: str):
        s = s.lower()
        s = re.sub(r"[<\[][^>\]]*[>\]]", "", s)  # remove words between brackets
        s = re.sub(r"\(([^)]+?)\)", "", s)  # remove words between parenthesis
        s = self.clean(s).lower()

        if self.split_letters:
            s = " ".join(regex.findall(r"\X", s, regex.U))

        s = re.sub(r"\s+", " ", s)  # replace any successive whitespace characters with a space

        return s


class EnglishNumberNormalizer:
    """
    Convert any spelled-out numbers into arabic numbers, while handling:

    - remove any commas
    - keep the suffixes such as: `1960s`, `274th`, `32nd`, etc.
    - spell out currency symbols after the number. e.g. `$20 million` -> `20000000 dollars`
    - spell out `one` and `ones`
    - interpret successive single-digit numbers as nominal: `one oh one` -> `101`
    """

    def __init__(self):
        super().__init__()

        self.zeros = {"o", "oh", "zero"}
        self.ones = {
            name: i
            for i, name in enumerate(
                [
                    "one",
                    "two",
                    "three",
                    "four",
                    "five",
                    "six",
                    "seven",
                    "eight",
                    "nine",
                    "ten",
                    "eleven",
                    "twelve",
                    "thirteen",
                    "fourteen",
                    "fifteen",
                    "sixteen",
                    "seventeen",
                    "eighteen",
                    "nineteen",
                ],
                start=1,
            )
        }
        self.ones_plural = {"sixes" if name == "six" else name + "s": (value, "s") for name, value in self.ones.items()}
        self.ones_ordinal = {
            "zeroth": (0, "th"),
            "first": (1, "st"),
            "second": (2, "nd"),
            "third": (3, "rd"),
            "fifth": (5, "th"),
            "twelfth": (12, "th"),
            **{
                name + ("h" if name.endswith("t") else "th"): (value, "th")
                for name, value in self.ones.items()
                if value > 3 and value != 5 and value != 12
            },
        }
        self.ones_suffixed = {**self.ones_plural, **self.ones_ordinal}

        self.tens = {
            "twenty": 20,
            "thirty": 30,
            "forty": 40,
            "fifty": 50,
            "sixty": 60,
            "seventy": 70,
            "eighty": 80,
            "ninety": 90,
        }
        self.tens_plural = {name.replace("y", "ies"): (value, "s") for name, value in self.tens.items()}
        self.tens_ordinal = {name.replace("y", "ieth"): (value, "th") for name, value in self.tens.items()}
        self.tens_suffixed = {**self.tens_plural, **self.tens_ordinal}

        self.multipliers = {
            "hundred": 100,
            "thousand": 1_000,
            "million": 1_000_000,
            "billion": 1_000_000_000,
            "trillion": 1_000_000_000_000,
            "quadrillion": 1_000_000_000_000_000,
            "quintillion": 1_000_000_000_000_000_000,
            "sextillion": 1_000_000_000_000_000_000_000,
            "septillion": 1_000_000_000_000_000_000_000_000,
            "octillion": 1_000_000_000_000_000_000_000_000_000,
            "nonillion": 1_000_000_000_000_000_000_000_000_000_000,
            "decillion": 1_000_000_000_000_000_000_000_000_000_000_000,
        }
        self.multipliers_plural = {name + "s": (value, "s") for name, value in self.multipliers.items()}
        self.multipliers_ordinal = {name + "th": (value, "th") for name, value in self.multipliers.items()}
        self.multipliers_suffixed = {
            **self.multipliers_plural,
            **self.multipliers_ordinal,
        }
        self.decimals = {*self.ones, *self.tens, *self.zeros}

        self.preceding_prefixers = {
            "minus": "-",
            "negative": "-",
            "plus": "+",
            "positive": "+",
        }
        self.following_prefixers = {
            "pound": "£",
            "pounds": "£",
            "euro": "€",
            "euros": "€",
            "dollar": "$",
            "dollars": "$",
            "cent": "¢",
            "cents": "¢",
        }
        self.prefixes = set(list(self.preceding_prefixers.values()) + list(self.following_prefixers.values()))
        self.suffixers = {
            "per": {"cent": "%"},
            "percent": "%",
        }
        self.specials = {"and", "double", "triple", "point"}

        self.words = set(
            [
                key
                for mapping in [
                    self.zeros,
                    self.ones,
                    self.ones_suffixed,
                    self.tens,
                    self.tens_suffixed,
                    self.multipliers,
                    self.multipliers_suffixed,
                    self.preceding_prefixers,
                    self.following_prefixers,
                    self.suffixers,
                    self.specials,
                ]
                for key in mapping
            ]
        )
        self.literal_words = {"one", "ones"}
        # evalkit: the words that stop a line from passing through unchanged (see __call__)
        self._not_passing = self.words - {"and"}

    def process_words(self, words: list[str]) -> Iterator[str]:
        prefix: str | None = None
        value: str | int | None = None
        skip = False

        def to_fraction(s: str):
            try:
                return Fraction(s)
            except ValueError:
                return None

        def output(result: str | int):
            nonlocal prefix, value
            result = str(result)
            if prefix is not None:
                result = prefix + result
            value = None
            prefix = None
            return result

        if len(words) == 0:
            return

        for prev, current, next in _windowed3([None, *words, None]):
            if skip:
                skip = False
                continue

            next_is_numeric = next is not None and _NUMERIC.match(next)
            has_prefix = current[0] in self.prefixes
            current_without_prefix = current[1:] if has_prefix else current
            if _NUMERIC.match(current_without_prefix):
                # arabic numbers (potentially with signs and fractions)
                f = to_fraction(current_without_prefix)
                assert f is not None
                if value is not None:
                    if isinstance(value, str) and value.endswith("."):
                        # concatenate decimals / ip address components
                        value = str(value) + str(current)
                        continue
                    else:
                        yield output(value)

                prefix = current[0] if has_prefix else prefix
                if f.denominator == 1:  # noqa: SIM108  (upstream shape kept)
                    value = f.numerator  # store integers as int
                else:
                    value = current_without_prefix
            elif current not in self.words:
                # non-numeric words
                if value is not None:
                    yield output(value)
                yield output(current)
            elif current in self.zeros:
                value = str(value or "") + "0"
            elif current in self.ones:
                ones = self.ones[current]

                if value is None:
                    value = ones
                elif isinstance(value, str) or prev in self.ones:
                    if prev in self.tens and ones < 10:  # replace the last zero with the digit
                        assert value[-1] == "0"
                        value = value[:-1] + str(ones)
                    else:
                        value = str(value) + str(ones)
                elif ones < 10:
                    if value % 10 == 0:
                        value += ones
                    else:
                        value = str(value) + str(ones)
                else:  # eleven to nineteen
                    if value % 100 == 0:
                        value += ones
                    else:
                        value = str(value) + str(ones)
            elif current in self.ones_suffixed:
                # ordinal or cardinal; yield the number right away
                ones, suffix = self.ones_suffixed[current]
                if value is None:
                    yield output(str(ones) + suffix)
                elif isinstance(value, str) or prev in self.ones:
                    if prev in self.tens and ones < 10:
                        assert value[-1] == "0"
                        yield output(value[:-1] + str(ones) + suffix)
                    else:
                        yield output(str(value) + str(ones) + suffix)
                elif ones < 10:
                    if value % 10 == 0:
                        yield output(str(value + ones) + suffix)
                    else:
                        yield output(str(value) + str(ones) + suffix)
                else:  # eleven to nineteen
                    if value % 100 == 0:
                        yield output(str(value + ones) + suffix)
                    else:
                        yield output(str(value) + str(ones) + suffix)
                value = None
            elif current in self.tens:
                tens = self.tens[current]
                if value is None:
                    value = tens
                elif isinstance(value, str):
                    value = str(value) + str(tens)
                else:
                    if value % 100 == 0:
                        value += tens
                    else:
                        value = str(value) + str(tens)
            elif current in self.tens_suffixed:
                # ordinal or cardinal; yield the number right away
                tens, suffix = self.tens_suffixed[current]
                if value is None:
                    yield output(str(tens) + suffix)
                elif isinstance(value, str):
                    yield output(str(value) + str(tens) + suffix)
                else:
                    if value % 100 == 0:
                        yield output(str(value + tens) + suffix)
                    else:
                        yield output(str(value) + str(tens) + suffix)
            elif current in self.multipliers:
                multiplier = self.multipliers[current]
                if value is None:
                    value = multiplier
                elif isinstance(value, str) or value == 0:
                    f = to_fraction(value)
                    p = f * multiplier if f is not None else None
                    if f is not None and p.denominator == 1:
                        value = p.numerator
                    else:
                        yield output(value)
                        value = multiplier
                else:
                    before = value // 1000 * 1000
                    residual = value % 1000
                    value = before + residual * multiplier
            elif current in self.multipliers_suffixed:
                multiplier, suffix = self.multipliers_suffixed[current]
                if value is None:
                    yield output(str(multiplier) + suffix)
                elif isinstance(value, str):
                    f = to_fraction(value)
                    p = f * multiplier if f is not None else None
                    if f is not None and p.denominator == 1:
                        yield output(str(p.numerator) + suffix)
                    else:
                        yield output(value)
                        yield output(str(multiplier) + suffix)
                else:  # int
                    before = value // 1000 * 1000
                    residual = value % 1000
                    value = before + residual * multiplier
                    yield output(str(value) + suffix)
                value = None
            elif current in self.preceding_prefixers:
                # apply prefix (positive, minus, etc.) if it precedes a number
                if value is not None:
                    yield output(value)

                if next in self.words or next_is_numeric:
                    prefix = self.preceding_prefixers[current]
                else:
                    yield output(current)
            elif current in self.following_prefixers:
                # apply prefix (dollars, cents, etc.) only after a number
                if value is not None:
                    prefix = self.following_prefixers[current]
                    yield output(value)
                else:
                    yield output(current)
            elif current in self.suffixers:
                # apply suffix symbols (percent -> '%')
                if value is not None:
                    suffix = self.suffixers[current]
                    if isinstance(suffix, dict):
                        if next in suffix:
                            yield output(str(value) + suffix[next])
                            skip = True
                        else:
                            yield output(value)
                            yield output(current)
                    else:
                        yield output(str(value) + suffix)
                else:
                    yield output(current)
            elif current in self.specials:
                if next not in self.words and not next_is_numeric:
                    # apply special handling only if the next word can be numeric
                    if value is not None:
                        yield output(value)
                    yield output(current)
                elif current == "and":
                    # ignore "and" after hundreds, thousands, etc.
                    if prev not in self.multipliers:
                        if value is not None:
                            yield output(value)
                        yield output(current)
                elif current == "double" or current == "triple":
                    if next in self.ones or next in self.zeros:
                        repeats = 2 if current == "double" else 3
                        ones = self.ones.get(next, 0)
                        value = str(value or "") + str(ones) * repeats
                        skip = True
                    else:
                        if value is not None:
                            yield output(value)
                        yield output(current)
                elif current == "point":
                    if next in self.decimals or next_is_numeric:
                        value = str(value or "") + "."
                else:
                    # should all have been covered at this point
                    raise ValueError(f"Unexpected token: {current}")
            else:
                # all should have been covered at this point
                raise ValueError(f"Unexpected token: {current}")

        if value is not None:
            yield output(value)

    def preprocess(self, s: str):
        # replace "<number> and a half" with "<number> point five"
        results = []

        segments = _AND_A_HALF.split(s)
        for i, segment in enumerate(segments):
            if len(segment.strip()) == 0:
                continue
            if i == len(segments) - 1:
                results.append(segment)
            else:
                results.append(segment)
                last_word = segment.rsplit(maxsplit=2)[-1]
                if last_word in self.decimals or last_word in self.multipliers:
                    results.append("point five")
                else:
                    results.append("and a half")

        s = " ".join(results)

        # put a space at number/letter boundary
        s = _LETTER_DIGIT.sub(r"\1 \2", s)
        s = _DIGIT_LETTER.sub(r"\1 \2", s)

        # but remove spaces which could be a suffix
        s = _DIGIT_SUFFIX.sub(r"\1\2", s)

        return s

    def postprocess(self, s: str):
        def combine_cents(m: Match):
            try:
                currency = m.group(1)
                integer = m.group(2)
                cents = int(m.group(3))
                return f"{currency}{integer}.{cents:02d}"
            except ValueError:
                return m.string

        def extract_cents(m: Match):
            try:
                return f"¢{int(m.group(1))}"
            except ValueError:
                return m.string

        # apply currency postprocessing; "$2 and ¢7" -> "$2.07"
        s = _CENTS.sub(combine_cents, s)
        s = _ZERO_CENTS.sub(extract_cents, s)

        # write "one(s)" instead of "1(s)", just for the readability
        s = _ONE.sub(r"one\1", s)

        return s

    def _process_words_in_runs(self, words: list[str]) -> list[str]:
        """``list(self.process_words(words))``, with process_words run only on the runs of words between
        plain words (letters only, not in ``self.words``), which are passed through as they are.

        The same output (evalkit): process_words yields a plain word as it is (after the value it holds, if
        any), and leaves no value, prefix or skip behind it; a plain word is never skipped (only a word in
        ``self.words`` is), and as the previous or next word of a run's first or last word it takes the
        branches that no word at all (None) takes, being neither numeric nor in any of the word tables. (A
        prefix is held without a value only right after a "minus"-like word followed by a number word or a
        numeral, never by a plain word, so a plain word never takes one.)
        """
        out: list[str] = []
        run: list[str] = []
        number_words = self.words
        for word in words:
            if word in number_words or not word.isalpha():
                run.append(word)
                continue
            if run:
                out.extend(self.process_words(run))
                run = []
            out.append(word)
        if run:
            out.extend(self.process_words(run))
        return out

    def _unchanged_words(self, s: str) -> list[str] | None:
        """``s.split()`` where this normaliser's output is those words joined by single spaces, else None.

        That holds for a line with no digit, no "and a half" and no number word but "and" (evalkit's fast
        path, the same output): each of preprocess's and postprocess's patterns needs a digit or "and a
        half", and process_words then never holds a value or a prefix, so it yields every word that is not
        in ``self.words`` as it is, and every "and" too (its previous word is never a multiplier).
        """
        if _DIGIT.search(s) is not None or ("half" in s and _AND_A_HALF.search(s) is not None):
            return None
        words = s.split()
        return words if self._not_passing.isdisjoint(words) else None

    def __call__(self, s: str):
        words = self._unchanged_words(s)
        if words is not None:
            return " ".join(words)
        s = self.preprocess(s)
        s = " ".join(word for word in self._process_words_in_runs(s.split()) if word is not None)
        s = self.postprocess(s)

        return s


class EnglishSpellingNormalizer:
    """
    Applies British-American spelling mappings as listed in [1].

    [1] https://web.archive.org/web/20230326222449/https://www.tysto.com/uk-us-spelling-list.html
    """

    def __init__(self):
        self.mapping = _spelling_mapping()

    def __call__(self, s: str):
        words = s.split()
        return " ".join(map(self.mapping.get, words, words))  # mapping.get(word, word) for each word


class EnglishTextNormalizer:
    """Applies all the rules for normalizing English text as mentioned in OpenAI whisper paper. As per the text normalization/standardization approach  Appendix Section C pp.21 the paper [Robust Speech Recognition via Large-Scale  Weak Supervision](https://cdn.openai.com/papers/whisper.pdf). The `EnglishTextNormalizer` does the following functionality:

    1. Remove any phrases between matching brackets ([, ]).
    2. Remove any phrases between matching parentheses ((, )).
    3. Remove any of the following words: hmm, mm, mhm, mmm, uh, um
    4. Remove whitespace characters that comes before an apostrophe ’
    5. Convert standard or informal contracted forms of English into the original form.
    6. Remove commas (,) between digits
    7. Remove periods (.) not followed by numbers
    8. Remove symbols as well as diacritics from the text, where symbols are the characters with the Unicode category
    starting with M, S, or P, except period, percent, and currency symbols that may be detected in the next step.
    9. Detect any numeric expressions of numbers and currencies and replace with a form using Arabic numbers, e.g. “Ten
    thousand dollars” → “$10000”.
    10. Convert British spellings into American spellings.
    11. Remove remaining symbols that are not part of any numeric expressions.
    12. Replace any successive whitespace characters with a space.
    """

    def __init__(self):
        self.ignore_patterns = r"\b(hmm|mm|mhm|mmm|uh|um)\b"
        self.replacers = {
            # common contractions
            r"\bwon't\b": "will not",
            r"\bcan't\b": "can not",
            r"\blet's\b": "let us",
            r"\bain't\b": "aint",
            r"\by'all\b": "you all",
            r"\bwanna\b": "want to",
            r"\bkinda\b": "kind of",
            r"\bsorta\b": "sort of",
            r"\bdunno\b": "do not know",
            r"\bgotta\b": "got to",
            r"\bgonna\b": "going to",
            r"\bi'ma\b": "i am going to",
            r"\bimma\b": "i am going to",
            r"\bwoulda\b": "would have",
            r"\bcoulda\b": "could have",
            r"\bshoulda\b": "should have",
            r"\bcause\b": "because",
            r"\bma'am\b": "madam",
            # contractions in titles/prefixes
            r"\bmr\b": "mister ",
            r"\bmrs\b": "missus ",
            r"\bst\b": "saint ",
            r"\bdr\b": "doctor ",
            r"\bprof\b": "professor ",
            r"\bcapt\b": "captain ",
            r"\bgov\b": "governor ",
            r"\bald\b": "alderman ",
            r"\bgen\b": "general ",
            r"\bsen\b": "senator ",
            r"\brep\b": "representative ",
            r"\bpres\b": "president ",
            r"\brev\b": "reverend ",
            r"\bhon\b": "honorable ",
            r"\basst\b": "assistant ",
            r"\bassoc\b": "associate ",
            r"\blt\b": "lieutenant ",
            r"\bcol\b": "colonel ",
            r"\bjr\b": "junior ",
            r"\bsr\b": "senior ",
            r"\besq\b": "esquire ",
            # prefect tenses, ideally it should be any past participles, but it's harder..
            r"'d been\b": " had been",
            r"'s been\b": " has been",
            r"'d gone\b": " had gone",
            r"'s gone\b": " has gone",
            r"'d done\b": " had done",  # "'s done" is ambiguous
            r"'s got\b": " has got",
            # general contractions
            r"n't\b": " not",
            r"'re\b": " are",
            r"'s\b": " is",
            r"'d\b": " would",
            r"'ll\b": " will",
            r"'t\b": " not",
            r"'ve\b": " have",
            r"'m\b": " am",
        }
        self.standardize_numbers = EnglishNumberNormalizer()
        self.standardize_spellings = EnglishSpellingNormalizer()
        # evalkit: each replacer compiled once, with the literal text it needs: a pattern (a literal between
        # word boundaries) can only match where that literal occurs, so the others are skipped (same output)
        self._replacers = []
        for pattern, replacement in self.replacers.items():
            literal = pattern.replace(r"\b", "")
            assert not set(literal) & set(".^$*+?{}[]\\|()"), pattern  # a literal, by construction
            self._replacers.append((re.compile(pattern), replacement, literal))
        self._ignore = re.compile(self.ignore_patterns)
        self._symbols_and_diacritics = _table(_symbol_and_diacritic, ".%$¢€£")
        # evalkit: each spelling of a word (a key without whitespace) is a non-empty word without whitespace,
        # so the spelling normaliser's output has no whitespace but single spaces between words
        assert all(
            value and not _WHITESPACE.search(value)
            for key, value in self.standardize_spellings.mapping.items()
            if not _WHITESPACE.search(key)
        )
        # evalkit: each ignored word, and each replacer without an apostrophe, is a word between word
        # boundaries: a line with no apostrophe and none of these words matches none of those patterns, and
        # is left as it is by the ignored words, the space before an apostrophe and every replacer; one search
        # for the words (an alternation grouped by first letter) tells
        assert self.ignore_patterns == r"\b(hmm|mm|mhm|mmm|uh|um)\b"
        words = ["hmm", "mm", "mhm", "mmm", "uh", "um"]
        for pattern in self.replacers:
            if "'" not in pattern:
                assert pattern.startswith(r"\b") and pattern.endswith(r"\b") and pattern[2:-2].isalpha(), pattern
                words.append(pattern[2:-2])
        by_first: dict[str, list[str]] = {}
        for word in words:
            by_first.setdefault(word[0], []).append(word[1:])
        self._any_word_rule = re.compile(
            r"\b(?:" + "|".join(f"{c}(?:{'|'.join(rests)})" for c, rests in by_first.items()) + r")\b"
        )

    def __call__(self, s: str):
        # evalkit: Whisper's steps in Whisper's order; a step is skipped where it provably changes nothing
        # (a substitution where the line lacks a character or word that every match of its pattern holds)
        s = s.lower()

        if "[" in s or "<" in s:
            s = _BRACKETS.sub("", s)  # remove words between brackets
        if "(" in s:
            s = _PARENTHESES.sub("", s)  # remove words between parenthesis
        # no ignored word and no replacer word: the next three steps change nothing (see __init__)
        if "'" in s or self._any_word_rule.search(s) is not None:
            s = self._ignore.sub("", s)
            if "'" in s:
                s = _SPACE_APOSTROPHE.sub("'", s)  # when there's a space before an apostrophe

            for pattern, replacement, literal in self._replacers:
                if literal in s:
                    s = pattern.sub(replacement, s)

        if "," in s:
            s = _DIGIT_COMMA_DIGIT.sub(r"\1\2", s)  # remove commas between digits
        if "." in s:
            s = _PERIOD.sub(r" \1", s)  # remove periods not followed by numbers
        # remove_symbols_and_diacritics(s, keep=".%$¢€£"): keep numeric symbols
        s = unicodedata.normalize("NFKD", s).translate(self._symbols_and_diacritics)

        numbers = self.standardize_numbers
        words = numbers._unchanged_words(s)
        if words is None:
            words = numbers(s).split()
        # EnglishSpellingNormalizer on the number normaliser's output, whose words these are
        s = " ".join(map(self.standardize_spellings.mapping.get, words, words))

        # now remove prefix/suffix symbols that are not preceded/followed by numbers
        if _SYMBOL.search(s) is not None:
            s = _LONE_SYMBOL.sub(r" \1", s)
            if "%" in s:
                s = _LONE_PERCENT.sub(r"\1 ", s)
            s = _WHITESPACE.sub(" ", s)  # replace any successive whitespaces with a space
        # else: s is words without whitespace joined by single spaces (see __init__), as that would leave it

        return s


__all__ = ["BasicTextNormalizer", "EnglishNumberNormalizer", "EnglishSpellingNormalizer", "EnglishTextNormalizer"]
