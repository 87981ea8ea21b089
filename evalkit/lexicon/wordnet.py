"""WordNet 3.0 synonyms for METEOR, bundled: no download, exact to nltk's WordNet reader.

nltk's METEOR asks, for a hypothesis word ``w``, for the set::

    {lemma.name() for synset in wordnet.synsets(w) for lemma in synset.lemmas() if "_" not in lemma.name()} | {w}

``wordnet.synsets(w)`` lowercases ``w``, then for each part of speech (noun, verb, adjective, adverb)
reduces it with *morphy*: if the lowercased word is on that part of speech's exception list, the
candidates are the word and its listed base forms; otherwise the word and the result of each detachment
rule whose suffix it ends with (nouns: ``-s``, ``-ses``, ``-ves``, ``-xes``, ``-zes``, ``-ches``,
``-shes``, ``-men``, ``-ies``; verbs: ``-s``, ``-ies``, ``-es``, ``-ed``, ``-ing``; adjectives:
``-er``, ``-est``). Every candidate that is a lemma of that part of speech contributes its synsets.

:func:`build_resource` distils exactly what this needs from WordNet 3.0's database files (Debian's
``wordnet-base``, ``/usr/share/wordnet``): the single-word lemma names of each synset, the index of each
part of speech (lemma -> synsets, keeping only lemmas whose synsets have a single-word name, since the
others add nothing to the set), and the four exception lists in full (a listed word skips the detachment
rules, even when its base forms add nothing). ``scripts/build_wordnet_resource.py`` writes it, gzipped,
to ``evalkit/data/wordnet30_synonyms.txt.gz``; WordNet's license is beside it in
``evalkit/data/WORDNET_LICENSE``. The file is read lazily on the first lookup.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from evalkit.lexicon.corpora import LEMMA_MARKER, index_offsets

RESOURCE = Path(__file__).resolve().parent.parent / "data" / "wordnet30_synonyms.txt.gz"

_MAGIC = "evalkit-wordnet-synonyms 1"
_POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}  # nltk's POS_LIST order

# morphy's detachment rules (nltk's MORPHOLOGICAL_SUBSTITUTIONS, WordNet's morph(7WN))
_DETACHMENT = {
    "n": (
        ("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
        ("men", "man"), ("ies", "y"),
    ),
    "v": (("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")),
    "a": (("er", ""), ("est", ""), ("er", "e"), ("est", "e")),
    "r": (),
}  # fmt: skip


# -- building the resource from the WordNet database ------------------------------------------------
def _data_lines(path: Path) -> Iterable[tuple[int, str]]:
    """``(byte offset, line)`` of each synset line of a ``data.*`` file (license lines skipped)."""
    offset = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.startswith(b" "):
                yield offset, raw.decode("utf-8")
            offset += len(raw)


def _synset_names(line: str) -> list[str]:
    fields = line.split("|", 1)[0].split()
    n_lemmas = int(fields[3], 16)
    names = [LEMMA_MARKER.match(word).group(1) for word in fields[4 : 4 + 2 * n_lemmas : 2]]  # type: ignore[union-attr]
    return [name for name in names if "_" not in name]


def build_resource(root: str | os.PathLike[str] | None = None) -> str:
    """The synonym resource (text) distilled from the WordNet 3.0 database at ``root``.

        Deterministic: the same database gives the same text. Sections, in order: ``@synsets`` (line ``k``
        holds the single-word lemma names of synset ``k``), ``@index <pos>`` (a line of lemmas, then a line
    of their synset ids, ``id,id,...`` each) and
        ``@exceptions <pos>`` (``form base ...``) for each part of speech.
    """
    if root is None:  # $EVALKIT_WORDNET where it holds WordNet, else the bundled copy laid out
        from evalkit.lexicon.corpora import wordnet_database

        with wordnet_database() as source:
            return build_resource(source)
    source = Path(root)
    synset_ids: dict[tuple[str, int], int] = {}
    synset_lines: list[str] = []
    for pos, name in _POS_FILES.items():
        for offset, line in _data_lines(source / f"data.{name}"):
            names = _synset_names(line)
            if names:
                synset_ids[pos, offset] = len(synset_lines)
                synset_lines.append(" ".join(names))
    out = [_MAGIC, f"@synsets {len(synset_lines)}", *synset_lines]
    for pos, name in _POS_FILES.items():
        lemmas, groups = [], []
        for lemma, offsets in index_offsets(source / f"index.{name}").items():
            ids = [str(synset_ids[pos, o]) for o in offsets if (pos, o) in synset_ids]
            if ids:
                lemmas.append(lemma)
                groups.append(",".join(ids))
        # two lines (the lemmas, then their synset ids) so that loading is one zip of two splits
        out += [f"@index {pos} 2", " ".join(lemmas), " ".join(groups)]
    for pos, name in _POS_FILES.items():
        with open(source / f"{name}.exc", encoding="utf-8") as f:
            rows = [" ".join(line.split()) for line in f if line.strip()]
        out += [f"@exceptions {pos} {len(rows)}", *rows]
    return "\n".join(out) + "\n"


def write_resource(path: str | os.PathLike[str] = RESOURCE, root: str | os.PathLike[str] | None = None) -> Path:
    """Write :func:`build_resource` gzipped (no timestamp, so the bytes are reproducible) to ``path``."""
    data = gzip.compress(build_resource(root).encode("utf-8"), compresslevel=9, mtime=0)
    Path(path).write_bytes(data)
    return Path(path)


# -- reading it ----------------------------------------------------------------------------------------
class _Resource:
    """The parsed resource. Index rows stay unparsed strings until a word asks for them."""

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        if lines[0] != _MAGIC:
            raise ValueError(f"not an evalkit WordNet resource (first line {lines[0]!r:.40})")
        self.synsets: list[str] = []
        self.index: dict[str, dict[str, str]] = {}
        self.exceptions: dict[str, dict[str, list[str]]] = {}
        i = 1
        while i < len(lines) and lines[i]:
            kind, *rest = lines[i].split()
            count = int(rest[-1])
            block = lines[i + 1 : i + 1 + count]
            if kind == "@synsets":
                self.synsets = block
            elif kind == "@index":
                self.index[rest[0]] = dict(zip(block[0].split(" "), block[1].split(" ")))
            else:
                table: dict[str, list[str]] = {}
                for row in block:
                    form, *bases = row.split(" ")
                    table[form] = bases
                self.exceptions[rest[0]] = table
            i += 1 + count

    def synonyms(self, word: str) -> frozenset[str]:
        lemma = word.lower()
        names = {word}
        for pos, rules in _DETACHMENT.items():
            listed = self.exceptions[pos].get(lemma)
            if listed is not None:
                forms = [lemma, *listed]
            else:
                forms = [lemma, *(lemma[: -len(old)] + new for old, new in rules if lemma.endswith(old))]
            index = self.index[pos]
            for form in forms:
                ids = index.get(form)
                if ids is not None:
                    for k in ids.split(","):
                        names.update(self.synsets[int(k)].split(" "))
        return frozenset(names)


@cache
def _resource(path: str = str(RESOURCE)) -> _Resource:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return _Resource(f.read())


@lru_cache(maxsize=1 << 18)
def synonyms(word: str) -> frozenset[str]:
    """The words nltk's METEOR accepts as synonyms of ``word``, from the bundled WordNet 3.0.

    The single-word lemma names (case as in WordNet) of every synset of ``word`` in any part of speech,
    after morphy's reduction, plus ``word`` itself.

    Example:
        >>> sorted(synonyms("geese"))[:4]
        ['bozo', 'cuckoo', 'fathead', 'geese']
        >>> "buy" in synonyms("purchased"), "bought" in synonyms("purchased")
        (True, False)
    """
    return _resource().synonyms(word)


def nltk_synonyms(reader: Any) -> Callable[[str], frozenset[str]]:
    """A synonym function that asks an nltk WordNet reader, exactly as nltk's METEOR does."""

    @lru_cache(maxsize=1 << 18)
    def lookup(word: str) -> frozenset[str]:
        names = {
            lemma.name() for synset in reader.synsets(word) for lemma in synset.lemmas() if "_" not in lemma.name()
        }
        names.add(word)
        return frozenset(names)

    return lookup
