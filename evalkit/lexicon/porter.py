"""The Porter stemmer, exact to ``nltk.stem.porter.PorterStemmer`` in each of its three modes.

nltk is an optional dependency; METEOR's stem stage and rouge-score's ``use_stemmer=True`` both need
nltk's Porter stemmer, so evalkit carries its own copy of the algorithm (Porter, "An algorithm for suffix
stripping", Program 14.3, 1980) with nltk's mode switches:

- ``"NLTK_EXTENSIONS"`` (nltk's default; nltk's METEOR and rouge-score 0.1.2, which builds
  ``porter.PorterStemmer()``, both use it): Martin Porter's later changes plus nltk's
  own (an irregular-forms table, ``-ies``/``-ied`` on four-letter words, ``-alli`` first, ``-logi``,
  ``-fulli``, a two-letter ``*o`` condition, words of one or two characters left alone);
- ``"MARTIN_EXTENSIONS"``: the changes in the implementations on Martin Porter's site;
- ``"ORIGINAL_ALGORITHM"``: the 1980 paper as published.

Every quirk of nltk's implementation is kept on purpose, including that a rule whose suffix matches but
whose condition fails stops its step, and that characters outside ``a-z`` count as consonants. The
tests compare against nltk on every distinct word of WordNet's glosses in every mode.
"""

from __future__ import annotations

from collections.abc import Callable

from evalkit.core.validate import check_choice

MODES = ("NLTK_EXTENSIONS", "MARTIN_EXTENSIONS", "ORIGINAL_ALGORITHM")

_VOWELS = frozenset("aeiou")

# nltk's table of irregular forms (NLTK_EXTENSIONS only): form -> stem
_IRREGULAR = {
    form: stem
    for stem, forms in {
        "sky": ["sky", "skies"],
        "die": ["dying"],
        "lie": ["lying"],
        "tie": ["tying"],
        "news": ["news"],
        "inning": ["innings", "inning"],
        "outing": ["outings", "outing"],
        "canning": ["cannings", "canning"],
        "howe": ["howe"],
        "proceed": ["proceed"],
        "exceed": ["exceed"],
        "succeed": ["succeed"],
    }.items()
    for form in forms
}

_Rule = tuple[str, str, Callable[[str], bool] | None]


def _consonants(word: str) -> list[bool]:
    """``True`` where ``word[i]`` is a consonant: not a vowel, and a 'y' only after a vowel or first."""
    flags: list[bool] = []
    previous = False
    for i, ch in enumerate(word):
        if ch in _VOWELS:
            previous = False
        elif ch == "y":
            previous = True if i == 0 else not previous
        else:
            previous = True
        flags.append(previous)
    return flags


def _is_consonant(word: str, i: int) -> bool:
    ch = word[i]
    if ch in _VOWELS:
        return False
    if ch == "y":
        # a run of 'y's alternates, starting from the letter before the run
        negate = False
        while i > 0 and word[i] == "y":
            negate = not negate
            i -= 1
        return (word[i] not in _VOWELS) != negate
    return True


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant transitions in ``[C](VC){m}[V]``."""
    m = 0
    previous_vowel = False
    for consonant in _consonants(stem):
        if consonant and previous_vowel:
            m += 1
        previous_vowel = not consonant
    return m


def _positive_measure(stem: str) -> bool:
    return _measure(stem) > 0


def _measure_gt_1(stem: str) -> bool:
    return _measure(stem) > 1


def _contains_vowel(stem: str) -> bool:
    return not all(_consonants(stem))


def _ends_double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _is_consonant(word, len(word) - 1)


def _replace_suffix(word: str, suffix: str, replacement: str) -> str:
    return word + replacement if suffix == "" else word[: -len(suffix)] + replacement


def _apply_rules(word: str, rules: list[_Rule]) -> str:
    """The first rule whose suffix matches decides: applied if its condition holds, else the word stays."""
    for suffix, replacement, condition in rules:
        # nltk's "*d" pseudo-suffix (a double consonant) falls through to a literal suffix test
        if suffix == "*d" and _ends_double_consonant(word):
            stem = word[:-2]
            return stem + replacement if condition is None or condition(stem) else word
        if word.endswith(suffix):
            stem = _replace_suffix(word, suffix, "")
            return stem + replacement if condition is None or condition(stem) else word
    return word


_STEP3: list[_Rule] = [
    ("icate", "ic", _positive_measure),
    ("ative", "", _positive_measure),
    ("alize", "al", _positive_measure),
    ("iciti", "ic", _positive_measure),
    ("ical", "ic", _positive_measure),
    ("ful", "", _positive_measure),
    ("ness", "", _positive_measure),
]

_STEP4: list[_Rule] = [
    *((suffix, "", _measure_gt_1) for suffix in ("al", "ance", "ence", "er", "ic", "able", "ible", "ant")),
    *((suffix, "", _measure_gt_1) for suffix in ("ement", "ment", "ent")),
    ("ion", "", lambda stem: _measure(stem) > 1 and stem[-1] in ("s", "t")),
    *((suffix, "", _measure_gt_1) for suffix in ("ou", "ism", "ate", "iti", "ous", "ive", "ize")),
]


class PorterStemmer:
    """Porter's suffix-stripping stemmer, exact to nltk's ``PorterStemmer(mode)``.

    Example:
        >>> stem = PorterStemmer().stem
        >>> [stem(w) for w in ["Running", "flies", "dying", "generously", "happy"]]
        ['run', 'fli', 'die', 'gener', 'happi']
        >>> PorterStemmer("ORIGINAL_ALGORITHM").stem("dying")
        'dy'
    """

    def __init__(self, mode: str = "NLTK_EXTENSIONS") -> None:
        self.mode = check_choice("PorterStemmer", "mode", mode, MODES)
        self._nltk = mode == "NLTK_EXTENSIONS"
        self._original = mode == "ORIGINAL_ALGORITHM"
        self._step2_rules = self._make_step2_rules()

    def __repr__(self) -> str:
        return f"PorterStemmer({self.mode!r})"

    def stem(self, word: str, *, to_lowercase: bool = True) -> str:
        """The stem of ``word`` (lowercased first unless ``to_lowercase=False``, as nltk)."""
        stem = word.lower() if to_lowercase else word
        if self._nltk and stem in _IRREGULAR:
            return _IRREGULAR[stem]
        # nltk tests the length of the word as given, not of its lowercased form
        if not self._original and len(word) <= 2:
            return stem
        stem = self._step1a(stem)
        stem = self._step1b(stem)
        stem = self._step1c(stem)
        stem = self._step2(stem)
        stem = _apply_rules(stem, _STEP3)
        stem = _apply_rules(stem, _STEP4)
        stem = self._step5a(stem)
        return self._step5b(stem)

    __call__ = stem

    # -- the steps of the paper, with nltk's mode switches ------------------------------------------
    def _ends_cvc(self, word: str) -> bool:
        n = len(word)
        if (
            n >= 3
            and _is_consonant(word, n - 3)
            and not _is_consonant(word, n - 2)
            and _is_consonant(word, n - 1)
            and word[-1] not in ("w", "x", "y")
        ):
            return True
        return self._nltk and n == 2 and not _is_consonant(word, 0) and _is_consonant(word, 1)

    def _step1a(self, word: str) -> str:
        if self._nltk and word.endswith("ies") and len(word) == 4:
            return _replace_suffix(word, "ies", "ie")
        return _apply_rules(word, [("sses", "ss", None), ("ies", "i", None), ("ss", "ss", None), ("s", "", None)])

    def _step1b(self, word: str) -> str:
        if self._nltk and word.endswith("ied"):
            return _replace_suffix(word, "ied", "ie" if len(word) == 4 else "i")
        if word.endswith("eed"):
            stem = _replace_suffix(word, "eed", "")
            return stem + "ee" if _measure(stem) > 0 else word
        for suffix in ("ed", "ing"):
            if word.endswith(suffix):
                stem = _replace_suffix(word, suffix, "")
                if _contains_vowel(stem):
                    break
        else:
            return word
        return _apply_rules(
            stem,
            [
                ("at", "ate", None),
                ("bl", "ble", None),
                ("iz", "ize", None),
                ("*d", stem[-1], lambda _: stem[-1] not in ("l", "s", "z")),
                ("", "e", lambda s: _measure(s) == 1 and self._ends_cvc(s)),
            ],
        )

    def _step1c(self, word: str) -> str:
        if self._nltk:
            # y -> i only after a consonant that is not the whole stem: 'happy' -> 'happi', 'enjoy' stays
            def condition(stem: str) -> bool:
                return len(stem) > 1 and _is_consonant(stem, len(stem) - 1)

        else:
            condition = _contains_vowel
        return _apply_rules(word, [("y", "i", condition)])

    def _make_step2_rules(self) -> list[_Rule]:
        rules: list[_Rule] = [
            ("ational", "ate", _positive_measure),
            ("tional", "tion", _positive_measure),
            ("enci", "ence", _positive_measure),
            ("anci", "ance", _positive_measure),
            ("izer", "ize", _positive_measure),
            ("abli", "able", _positive_measure) if self._original else ("bli", "ble", _positive_measure),
            ("alli", "al", _positive_measure),
            ("entli", "ent", _positive_measure),
            ("eli", "e", _positive_measure),
            ("ousli", "ous", _positive_measure),
            ("ization", "ize", _positive_measure),
            ("ation", "ate", _positive_measure),
            ("ator", "ate", _positive_measure),
            ("alism", "al", _positive_measure),
            ("iveness", "ive", _positive_measure),
            ("fulness", "ful", _positive_measure),
            ("ousness", "ous", _positive_measure),
            ("aliti", "al", _positive_measure),
            ("iviti", "ive", _positive_measure),
            ("biliti", "ble", _positive_measure),
        ]
        if self._nltk:
            rules.append(("fulli", "ful", _positive_measure))
        elif self.mode == "MARTIN_EXTENSIONS":
            rules.append(("logi", "log", _positive_measure))
        return rules

    def _step2(self, word: str) -> str:
        if not self._nltk:
            return _apply_rules(word, self._step2_rules)
        # nltk applies ALLI -> AL first and, if it fires, runs step 2 again on the result
        if word.endswith("alli") and _positive_measure(word[:-4]):
            return self._step2(word[:-4] + "al")
        # the 'l' of 'logi' stays with the stem, so that 'geo', 'theo' work like 'archaeo'
        logi: _Rule = ("logi", "log", lambda _: _positive_measure(word[:-3]))
        return _apply_rules(word, [*self._step2_rules, logi])

    def _step5a(self, word: str) -> str:
        # both rules share the suffix 'e', so the second is tried when the first condition fails
        if word.endswith("e"):
            stem = word[:-1]
            m = _measure(stem)
            if m > 1 or (m == 1 and not self._ends_cvc(stem)):
                return stem
        return word

    def _step5b(self, word: str) -> str:
        return _apply_rules(word, [("ll", "l", lambda _: _measure(word[:-1]) > 1)])
