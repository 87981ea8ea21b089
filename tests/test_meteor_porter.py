"""evalkit's Porter stemmer against nltk's, in each mode, on every distinct word of WordNet's glosses."""

from __future__ import annotations

import pytest

from evalkit.core import InvalidOptionError
from evalkit.lexicon.porter import MODES, PorterStemmer

# words that reach nltk's corner cases: the irregular table, -ies/-ied on four letters, a literal "*d"
# suffix, runs of 'y', non-ASCII case mappings that change the length, one- and two-letter words
_CORNERS = [
    "", "a", "as", "is", "y", "yy", "yyyy", "syzygy", "skies", "dying", "Lying", "news", "innings", "proceed",
    "dies", "ties", "flies", "died", "spied", "feed", "agreed", "bled", "sing", "motoring", "hopping", "falling",
    "hissing", "fizzed", "failing", "filing", "x*ding", "generalli", "theologi", "geologi", "hopefulli", "controll",
    "roll", "probate", "rate", "cease", "İs", "ΑΣ", "ǅx", "ABLI", "conformabli", "feudalism", "électricité",
]  # fmt: skip


@pytest.fixture(scope="module")
def gloss_words() -> list[str]:
    from evalkit.lexicon.corpora import wordnet_glosses

    return sorted({w.lower() for g in wordnet_glosses() for w in g.split()})


@pytest.mark.parametrize("mode", MODES)
def test_corner_words_match_nltk(mode):
    porter = pytest.importorskip("nltk.stem.porter")
    ours, theirs = PorterStemmer(mode), porter.PorterStemmer(mode)
    for word in _CORNERS:
        assert ours.stem(word) == theirs.stem(word), word
        assert ours.stem(word, to_lowercase=False) == theirs.stem(word, to_lowercase=False), word


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_every_gloss_word_matches_nltk(mode, gloss_words):
    porter = pytest.importorskip("nltk.stem.porter")
    ours, theirs = PorterStemmer(mode), porter.PorterStemmer(mode)
    bad = [(w, ours.stem(w), theirs.stem(w)) for w in gloss_words if ours.stem(w) != theirs.stem(w)]
    assert len(gloss_words) > 50_000
    assert bad == []


def test_paper_examples():
    # Porter (1980), examples given with steps 1a, 1b, 2 and 4 (original algorithm)
    stem = PorterStemmer("ORIGINAL_ALGORITHM").stem
    assert [stem(w) for w in ["caresses", "ponies", "cats", "plastered", "motoring", "hopping"]] == [
        "caress", "poni", "cat", "plaster", "motor", "hop",
    ]  # fmt: skip
    assert [stem(w) for w in ["relational", "conditional", "adjustment", "adoption"]] == [
        "relat", "condit", "adjust", "adopt",
    ]  # fmt: skip


def test_unknown_mode_lists_the_modes():
    with pytest.raises(InvalidOptionError, match="'mode' parameter of PorterStemmer must be one of 'NLTK_EXTENSIONS'"):
        PorterStemmer("nltk")
