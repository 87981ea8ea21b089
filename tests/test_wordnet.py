"""The bundled WordNet 3.0 synonym resource: reproducible from Debian's WordNet, and answering exactly as
nltk's WordNet reader does (synsets(word) and their single-word lemma names, as nltk's METEOR uses them).

The check on every word of the METEOR cross-check corpus is in tests/test_meteor.py."""

from __future__ import annotations

import gzip

from evalkit.lexicon import wordnet
from evalkit.lexicon.corpora import wordnet_dir


def _nltk_synonyms(reader, word: str) -> frozenset[str]:
    # the expression inside nltk.translate.meteor_score._enum_wordnetsyn_match
    names = {lemma.name() for synset in reader.synsets(word) for lemma in synset.lemmas() if "_" not in lemma.name()}
    return frozenset(names | {word})


def test_committed_resource_is_a_fresh_build():
    committed = wordnet.RESOURCE.read_bytes()
    # the content is compared (compressed bytes may differ between zlib builds); the header has no timestamp
    assert gzip.decompress(committed).decode("utf-8") == wordnet.build_resource(wordnet_dir())
    assert committed[:2] == b"\x1f\x8b" and committed[4:8] == b"\x00\x00\x00\x00"
    assert len(committed) < 5_000_000
    assert "Princeton University" in (wordnet.RESOURCE.parent / "WORDNET_LICENSE").read_text()


# exception-list words, regular inflections of every part of speech, case, and forms that are not words
_INFLECTED = [
    "geese", "went", "mice", "children", "feet", "oxen", "better", "best", "worse", "ran", "saw", "women",
    "dogs", "churches", "boxes", "buzzes", "wolves", "knives", "bushes", "ladies", "glasses", "firemen",
    "walked", "walking", "tries", "tried", "making", "made", "hoped", "hoping", "stopped", "bigger", "biggest",
    "nicer", "nicest", "happier", "quickly", "purchased", "bought", "Geese", "GOOSE", "Dog", "s", "es", "ies",
    "men", "", "'hood", "hot_dog", "ice-cream", "abaci", "aardwolves", "thursday", "Thursday", "purchas", "gener",
]  # fmt: skip


def test_inflected_forms_match_nltk(nltk_wordnet):
    for word in _INFLECTED:
        assert wordnet.synonyms(word) == _nltk_synonyms(nltk_wordnet, word), word


def test_hand_checked_entries():
    # WordNet 3.0: noun.exc lists "geese goose"; verb.exc lists "went go"; "auto" shares car.n.01
    assert {"goose", "geese"} <= wordnet.synonyms("geese")
    assert "go" in wordnet.synonyms("went")
    assert "auto" in wordnet.synonyms("cars") and "automobile" in wordnet.synonyms("car")
    # multi-word lemmas (underscored) are never synonyms; the word itself always is
    assert not any("_" in w for w in wordnet.synonyms("car"))
    assert wordnet.synonyms("qwxzv") == {"qwxzv"}
