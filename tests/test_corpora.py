"""The bundled WordNet 3.0 (evalkit/data/wordnet30.txt.xz): what ``EVALKIT_WORDNET`` means, the synsets and
the nltk layout read from it, and, where Debian's WordNet 3.0 is installed (/usr/share/wordnet, or
$EVALKIT_WORDNET naming such a folder), that the bundle is a fresh build of Debian's files and answers as
they do: the same synsets, the same database lines for what is bundled, the same answers from nltk's reader.
"""

from __future__ import annotations

import lzma
import warnings
from pathlib import Path

import pytest

from evalkit.lexicon import corpora
from evalkit.lexicon.corpora import (
    BUNDLED,
    DEBIAN,
    POS_FILES,
    build_wordnet_bundle,
    holds_wordnet,
    nltk_wordnet_corpus,
    wordnet_database,
    wordnet_dir,
    wordnet_synsets,
    write_wordnet_database,
)


def _debian_dir() -> Path | None:
    return wordnet_dir() or (DEBIAN if holds_wordnet(DEBIAN) else None)


_DEBIAN_DIR = _debian_dir()  # before any test changes EVALKIT_WORDNET
needs_debian = pytest.mark.skipif(
    _DEBIAN_DIR is None,
    reason="Debian's WordNet 3.0 is not installed (apt-get install wordnet-base wordnet-sense-index)",
)


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_wordnet_database(tmp_path_factory.mktemp("wordnet"))


@pytest.fixture
def bundled(monkeypatch: pytest.MonkeyPatch) -> tuple[corpora.Synset, ...]:
    """The bundled copy's synsets, whatever ``EVALKIT_WORDNET`` says in this run."""
    monkeypatch.delenv("EVALKIT_WORDNET", raising=False)
    return wordnet_synsets()


# -- EVALKIT_WORDNET ------------------------------------------------------------------------------------
def test_evalkit_wordnet_names_an_override_only_where_it_holds_wordnet(monkeypatch, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "dict").mkdir()
    (tmp_path / "dict" / "data.noun").write_text("")
    monkeypatch.delenv("EVALKIT_WORDNET", raising=False)
    assert wordnet_dir() is None
    for value in ["", str(tmp_path / "missing"), str(tmp_path / "empty")]:
        monkeypatch.setenv("EVALKIT_WORDNET", value)
        assert wordnet_dir() is None, value
    with wordnet_database() as source:  # the bundled copy, laid out for the block
        assert (source / "data.noun").stat().st_size == 15_300_280 and not (tmp_path / "empty" / "data.noun").exists()
    assert not source.exists()
    monkeypatch.setenv("EVALKIT_WORDNET", str(tmp_path / "dict"))
    assert wordnet_dir() == tmp_path / "dict"
    with wordnet_database() as source:
        assert source == tmp_path / "dict"


def test_an_empty_folder_reads_the_bundled_copy(monkeypatch, tmp_path, bundled):
    monkeypatch.setenv("EVALKIT_WORDNET", str(tmp_path))
    assert wordnet_synsets() is bundled  # the same cached tuple
    assert corpora.wordnet_glosses()[0] == bundled[0].gloss


def test_an_explicit_root_must_hold_wordnet(tmp_path):
    with pytest.raises(ValueError, match=r"WordNet 3\.0 not found: .*data\.noun is missing"):
        wordnet_synsets(tmp_path)


# -- the bundled copy -----------------------------------------------------------------------------------
def test_bundle_is_compact_text_with_its_license():
    data = BUNDLED.read_bytes()
    assert data[:6] == b"\xfd7zXZ\x00" and len(data) < 5_000_000
    text = lzma.decompress(data).decode("utf-8")
    assert text.startswith("evalkit-wordnet30 1\n@data noun 1740 82115\n")
    assert "Princeton University" in (BUNDLED.parent / "WORDNET_LICENSE").read_text()


def test_bundled_synsets(bundled):
    # WordNet 3.0's synsets per file (wnstats(7WN): 82,115 nouns, 13,767 verbs, 18,156 adjectives, 3,621 adverbs)
    counts = {pos: 0 for pos in "nvasr"}
    for s in bundled:
        counts[s.pos] += 1
    assert counts == {"n": 82_115, "v": 13_767, "a": 7_463, "s": 10_693, "r": 3_621}
    first = bundled[0]
    assert (first.offset, first.pos, first.lemmas) == (1740, "n", ("entity",))
    assert first.gloss.startswith("that which is perceived or known or inferred to have its own distinct existence")
    dog = next(s for s in bundled if s.offset == 2084071 and s.pos == "n")
    assert dog.lemmas == ("dog", "domestic dog", "Canis familiaris")
    assert sum(len(s.lemmas) for s in bundled) == 206_978


def test_laid_out_database_reads_back_the_bundled_synsets(laid_out, bundled):
    assert wordnet_synsets(laid_out) == bundled
    for name in POS_FILES:  # every synset at its byte offset, as the index points
        with open(laid_out / f"data.{name}", "rb") as f:
            for offset in [
                o for offsets in corpora.index_offsets(laid_out / f"index.{name}").values() for o in offsets
            ][::997]:
                f.seek(offset)
                assert f.readline().startswith(b"%08d " % offset)


def test_nltk_reads_the_bundled_copy(nltk_wordnet):
    wn = nltk_wordnet
    assert wn.get_version() == "3.0"
    dog = wn.synset("dog.n.01")
    assert dog.offset() == 2084071 and dog.lexname() == "noun.animal"
    assert dog.definition().startswith("a member of the genus Canis") and dog.examples() == ["the dog barked all night"]
    assert [lemma.key() for lemma in dog.lemmas()] == [
        "dog%1:05:00::",
        "domestic_dog%1:05:00::",
        "canis_familiaris%1:05:00::",
    ]
    # an adjective satellite: its head through the '&' pointer, in its lemmas' keys
    quick = wn.synset("quick.s.01")
    assert quick.similar_tos() == [wn.synset("fast.a.01")]
    assert [lemma.key() for lemma in quick.lemmas()] == ["quick%5:00:00:fast:01", "speedy%5:00:03:fast:01"]
    assert [s.name() for s in wn.synsets("geese")] == ["goose.n.01", "fathead.n.01", "goose.n.03"]
    assert wn.synset_from_pos_and_offset("n", 1740).name() == "entity.n.01"
    assert wn.lemma_from_key("quick%5:00:00:fast:01").synset() == quick  # index.sense


# -- against Debian's files -----------------------------------------------------------------------------
@needs_debian
def test_bundle_is_a_fresh_build_of_debians_files():
    assert lzma.decompress(BUNDLED.read_bytes()).decode("utf-8") == build_wordnet_bundle(_DEBIAN_DIR)


@needs_debian
def test_bundled_synsets_equal_debians(bundled):
    assert bundled == wordnet_synsets(_DEBIAN_DIR)


def _data_fields(line: bytes) -> tuple:
    """What the bundle keeps of a data line: offset, lex_filenum, ss_type, words with lex ids, a satellite's
    '&' pointers, the gloss."""
    head, _, gloss = line.decode("utf-8").partition(" | ")
    fields = head.split()
    n_words = int(fields[3], 16)
    pointers = fields[5 + 2 * n_words : 5 + 2 * n_words + 4 * int(fields[4 + 2 * n_words])]
    heads = [tuple(pointers[i : i + 4]) for i in range(0, len(pointers), 4) if pointers[i] == "&"]
    return (*fields[: 4 + 2 * n_words], heads if fields[2] == "s" else [], gloss.strip())


def _synset_lines(path: Path) -> dict[int, tuple]:
    out, offset = {}, 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.startswith(b" "):
                out[offset] = (len(raw), _data_fields(raw))
            offset += len(raw)
    return out


@needs_debian
def test_laid_out_files_equal_debians(laid_out):
    debian = _DEBIAN_DIR
    for name in POS_FILES:
        assert (laid_out / f"data.{name}").stat().st_size == (debian / f"data.{name}").stat().st_size
        assert _synset_lines(laid_out / f"data.{name}") == _synset_lines(debian / f"data.{name}"), name
        assert corpora.index_offsets(laid_out / f"index.{name}") == corpora.index_offsets(debian / f"index.{name}")
        assert (laid_out / f"{name}.exc").read_bytes() == (debian / f"{name}.exc").read_bytes()

    def senses(path: Path) -> list[tuple[str, str, str]]:  # key, offset, sense number (not the tag count)
        return [tuple(line.split()[:3]) for line in path.read_text(encoding="utf-8").splitlines()]

    if (debian / "index.sense").exists():  # Debian's wordnet-sense-index
        assert senses(laid_out / "index.sense") == senses(debian / "index.sense")


def _nltk_reader(root: Path, source: Path | None):
    nltk = pytest.importorskip("nltk")
    from nltk.corpus.reader import WordNetCorpusReader

    nltk_wordnet_corpus(root, source)
    nltk.data.path.append(str(root))  # nltk reads only below its data path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no multilingual (omw) data
        return WordNetCorpusReader(str(root / "corpora" / "wordnet"), None)


def _answers(reader, synsets) -> list[tuple]:
    return [
        (
            s.name(),
            s.offset(),
            s.pos(),
            s.lexname(),
            s.definition(),
            tuple(s.examples()),
            tuple((lemma.name(), lemma.key(), lemma.syntactic_marker()) for lemma in s.lemmas()),
            tuple(x.name() for x in s.similar_tos()) if s.pos() == "s" else (),
        )
        for s in synsets
    ]


@pytest.mark.slow
@needs_debian
def test_nltk_answers_from_the_bundle_as_from_debians_files(tmp_path, bundled):
    ours = _nltk_reader(tmp_path / "bundled", None)  # EVALKIT_WORDNET is unset here: the bundled copy
    theirs = _nltk_reader(tmp_path / "debian", _DEBIAN_DIR)
    assert sorted(ours.all_lemma_names()) == sorted(theirs.all_lemma_names())
    # one synset in eleven, and the words of one in eighty through synsets() as METEOR asks
    sample = [(s.pos if s.pos != "s" else "a", s.offset) for s in bundled[::11]]
    assert _answers(ours, [ours.synset_from_pos_and_offset(*k) for k in sample]) == _answers(
        theirs, [theirs.synset_from_pos_and_offset(*k) for k in sample]
    )
    words = sorted({w for s in bundled[::80] for lemma in s.lemmas for w in lemma.split()})
    words += ["geese", "went", "better", "purchased", "running", "ran", "mice", "Thursday", "ies", ""]
    for word in words:
        assert _answers(ours, ours.synsets(word)) == _answers(theirs, theirs.synsets(word)), word
