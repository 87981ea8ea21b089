"""Real English text for tests, benchmarks and the generator: WordNet 3.0's glosses, bundled.

``evalkit/data/wordnet30.txt.xz`` (about 3.4 MB) holds what evalkit reads of WordNet 3.0 (Princeton
University's license beside it in ``evalkit/data/WORDNET_LICENSE``): for every synset of ``data.noun``,
``data.verb``, ``data.adj`` and ``data.adv`` its lexicographer file, type, lemmas (with their lex ids and
sense numbers), the head of an adjective satellite, its gloss and the length of its line in the database
(so that byte offsets come out as in the original), and the four exception lists. Nothing is downloaded;
no system package is needed. :func:`build_wordnet_bundle` makes it from the database files, as
``scripts/build_wordnet_resource.py`` does; ``tests/test_corpora.py`` checks it against Debian's files
(``wordnet-base``, ``wordnet-sense-index``) where they are installed.

``EVALKIT_WORDNET``: a WordNet 3.0 ``dict`` directory to read instead of the bundled copy, such as Debian's
``/usr/share/wordnet``. It is used where it holds the database (a ``data.noun`` file); unset, empty, or a
folder without the database (an empty folder, for one) means the bundled copy, so pointing it at an empty
folder is the way to make sure the bundled copy is read. An explicit ``root`` argument of the helpers below
is read as given (and must hold the database).

Each line of ``data.noun/verb/adj/adv`` holds a synset: its offset, lexicographer file, type, lemmas, then
``| `` and the gloss (a definition, often followed by quoted examples).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from evalkit.core.errors import InputError

POS_FILES = ("noun", "verb", "adj", "adv")
_POS_LETTER = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
_SS_TYPE = {"n": 1, "v": 2, "a": 3, "r": 4, "s": 5}  # the synset type's number in a sense key
_DATA = Path(__file__).resolve().parent.parent / "data"
BUNDLED = _DATA / "wordnet30.txt.xz"
"""The bundled WordNet 3.0 (xz-compressed text; see :func:`build_wordnet_bundle`)."""
DEBIAN = Path("/usr/share/wordnet")
"""Where Debian's ``wordnet-base`` installs WordNet 3.0 (read only when asked for)."""
_MAGIC = "evalkit-wordnet30 1"


def holds_wordnet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a WordNet 3.0 ``dict`` directory (it has a ``data.noun``)."""
    return (Path(path) / "data.noun").is_file()


def wordnet_dir() -> Path | None:
    """The WordNet 3.0 directory that ``EVALKIT_WORDNET`` names, where it holds the database; ``None``
    means the bundled copy (the variable unset or empty, or naming a folder without the database)."""
    value = os.environ.get("EVALKIT_WORDNET", "")
    return Path(value) if value and holds_wordnet(value) else None


@dataclass(frozen=True)
class Synset:
    """One line of a WordNet data file: offset, part of speech, lemmas (spaces, not underscores), gloss."""

    offset: int
    pos: str
    lemmas: tuple[str, ...]
    gloss: str


def _parse_synset(line: str) -> Synset:
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    n_words = int(fields[3], 16)
    lemmas = tuple(_lemma_name(w) for w in fields[4 : 4 + 2 * n_words : 2])
    return Synset(int(fields[0]), fields[2], lemmas, gloss.strip())


def _lemma_name(word: str) -> str:
    # adjective markers such as "(a)" or "(p)" are syntax, not part of the lemma
    return word.split("(")[0].replace("_", " ")


@lru_cache(maxsize=2)
def _read_synsets(root: str) -> tuple[Synset, ...]:
    if not root:  # the bundled copy
        bundle = _bundle()
        return tuple(
            Synset(r.offset, r.ss_type, tuple(_lemma_name(w) for w in r.words[::3]), r.gloss.strip())
            for name in POS_FILES
            for r in bundle.records(name)
        )
    out = []
    for name in POS_FILES:
        path = Path(root) / f"data.{name}"
        if not path.exists():
            raise InputError(
                f"WordNet 3.0 not found: {path} is missing. Pass a WordNet 3.0 'dict' directory (such as "
                f"Debian's /usr/share/wordnet), or none for the bundled copy."
            )
        with open(path, encoding="utf-8") as f:
            out.extend(_parse_synset(line) for line in f if not line.startswith("  "))  # "  ": license header
    return tuple(out)


def wordnet_synsets(root: str | os.PathLike[str] | None = None) -> tuple[Synset, ...]:
    """Every synset of WordNet 3.0, in file order (noun, verb, adj, adv): about 117,000.

    ``root``: a WordNet 3.0 ``dict`` directory; by default ``EVALKIT_WORDNET`` where it holds one, else the
    bundled copy (the same synsets).
    """
    source = Path(root) if root else wordnet_dir()
    return _read_synsets(str(source) if source is not None else "")


def wordnet_glosses(root: str | os.PathLike[str] | None = None) -> list[str]:
    """The gloss of every synset: about 117,000 real English sentences."""
    return [s.gloss for s in wordnet_synsets(root)]


def perturb(tokens: list[str], rng: random.Random, vocabulary: list[str], rate: float = 0.15) -> list[str]:
    """A noisy copy of ``tokens``: each position is dropped, swapped with its neighbour, or substituted
    by a random vocabulary word, each with probability ``rate / 3``."""
    out = list(tokens)
    i = 0
    while i < len(out):
        r = rng.random()
        if r < rate / 3:
            del out[i]
            continue
        if r < 2 * rate / 3 and i + 1 < len(out):
            out[i], out[i + 1] = out[i + 1], out[i]
        elif r < rate:
            out[i] = rng.choice(vocabulary)
        i += 1
    return out


def perturbed_pairs(
    n: int, *, seed: int = 0, max_refs: int = 4, rate: float = 0.15, root: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """``n`` (hypothesis, references) pairs built from real glosses, seeded.

    Segment ``i`` takes a gloss; its references are the gloss and 0..``max_refs - 1`` perturbed copies;
    the hypothesis is another perturbed copy. Words are split on single spaces and rejoined, so the
    glosses' punctuation stays attached as in the source and tokenizers still have work to do.
    """
    glosses = wordnet_glosses(root)
    rng = random.Random(seed)
    picked = [glosses[rng.randrange(len(glosses))] for _ in range(n)]
    vocabulary = sorted({w for g in picked[:2000] for w in g.split(" ")})
    hyps, refs = [], []
    for gloss in picked:
        words = gloss.split(" ")
        hyps.append(" ".join(perturb(words, rng, vocabulary, rate)))
        k = rng.randint(1, max_refs)
        refs.append([gloss] + [" ".join(perturb(words, rng, vocabulary, rate)) for _ in range(k - 1)])
    return hyps, refs


# -- the bundled copy ----------------------------------------------------------------------------------
# nltk's reader takes a lemma's syntactic marker ("(a)", "(ip)") off its name with this expression
LEMMA_MARKER = re.compile(r"(.*?)(\([^()]*\))?$")


def _lemma_key(word: str) -> str:
    """The index key of a data-file word: marker off, lowercased (``Capital(a)`` -> ``capital``)."""
    if not word.endswith(")"):
        return word.lower()
    return LEMMA_MARKER.match(word).group(1).lower()  # type: ignore[union-attr]


def index_offsets(path: Path) -> dict[str, list[int]]:
    """lemma -> synset offsets of an ``index.*`` file, in its order (the order of the senses), parsed as
    nltk's ``_load_lemma_pos_offset_map`` does."""
    out: dict[str, list[int]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            n_synsets, n_pointers = int(fields[2]), int(fields[3])
            start = 4 + n_pointers + 2
            out[fields[0]] = [int(x) for x in fields[start : start + n_synsets]]
    return out


def build_wordnet_bundle(root: str | os.PathLike[str] = DEBIAN) -> str:
    """The text of :data:`BUNDLED`, distilled from the WordNet 3.0 database files at ``root``.

    Deterministic: the same database gives the same text. Line 1 is ``evalkit-wordnet30 1``; then, for
    each part of speech, ``@data <pos> <header bytes> <n>`` and ``n`` synset lines::

        <lex_filenum> <ss_type> <w_cnt> (<word> <lex_id> <sense number>)*w_cnt [<head offset>] | <gloss>

    (``<word>`` and ``<lex_id>`` as in the data file; the sense number is the word's rank among its
    lemma's synsets in ``index.<pos>``; the head offset, of an adjective satellite only, is its ``&``
    pointer), and ``@lengths <pos> <n>`` with the byte length of each synset's line in the data file.
    Last, ``@exceptions <pos> <n>`` and the ``<pos>.exc`` file's lines as they are. Pointers other than a
    satellite's head, verb frames and the other files are left out. Raises ``ValueError`` if the index
    that the sense numbers give back differs from ``index.<pos>``.
    """
    source = Path(root)
    out = [_MAGIC]
    for name in POS_FILES:
        out += _bundled_pos(source, name)
    for name in POS_FILES:
        rows = (source / f"{name}.exc").read_text(encoding="utf-8").splitlines()
        out += [f"@exceptions {name} {len(rows)}", *rows]
    return "\n".join(out) + "\n"


def _bundled_pos(source: Path, name: str) -> list[str]:
    """The ``@data`` and ``@lengths`` sections of part of speech ``name`` (``data.<name>`` read line by
    line), after checking that their sense numbers give ``index.<name>`` back."""
    index = index_offsets(source / f"index.{name}")
    rebuilt: dict[str, list[tuple[int, int]]] = {}
    header, lines, lengths = 0, [], []
    offset = 0
    with open(source / f"data.{name}", "rb") as f:
        for raw in f:
            if raw.startswith(b" "):
                if lines:
                    raise ValueError(f"data.{name}: a comment line after the first synset")
                header += len(raw)
                offset += len(raw)
                continue
            lines.append(_bundled_synset(raw, name, offset, index, rebuilt))
            lengths.append(str(len(raw)))
            offset += len(raw)
    again = {key: [o for _, o in sorted(set(pairs))] for key, pairs in rebuilt.items()}
    if again != index:
        bad = sorted(k for k in index.keys() | again.keys() if index.get(k) != again.get(k))
        raise ValueError(f"index.{name}: the sense numbers do not give it back ({len(bad)} lemmas: {bad[:5]})")
    return [f"@data {name} {header} {len(lines)}", *lines, f"@lengths {name} {len(lengths)}", *lengths]


def _bundled_synset(
    raw: bytes, name: str, offset: int, index: dict[str, list[int]], rebuilt: dict[str, list[tuple[int, int]]]
) -> str:
    """The bundle's line of the synset at byte ``offset`` of ``data.<name>`` (``raw``); each word's sense
    number comes from ``index`` and is noted in ``rebuilt`` (``lemma -> (sense, offset)``) for the check."""
    head, _, gloss = raw.decode("utf-8").partition(" | ")
    fields = head.split()
    if int(fields[0]) != offset:
        raise ValueError(f"data.{name}: the synset at byte {offset} says {fields[0]}")
    n_words = int(fields[3], 16)
    words = []
    for word, lex_id in zip(fields[4 : 4 + 2 * n_words : 2], fields[5 : 5 + 2 * n_words : 2]):
        key = _lemma_key(word)
        sense = index[key].index(offset) + 1
        rebuilt.setdefault(key, []).append((sense, offset))
        words.append(f"{word} {lex_id} {sense}")
    heads = []
    if fields[2] == "s":
        n_pointers = int(fields[4 + 2 * n_words])
        pointers = fields[5 + 2 * n_words : 5 + 2 * n_words + 4 * n_pointers]
        similar = [pointers[i + 1 : i + 4] for i in range(0, len(pointers), 4) if pointers[i] == "&"]
        if any(rest != ["a", "0000"] for _, *rest in similar):
            raise ValueError(f"data.{name}: satellite {fields[0]} has an '&' pointer not to an adjective")
        heads = [target for target, *_ in similar]
    return " ".join([fields[1], fields[2], fields[3], *words, *heads]) + " | " + gloss.strip()


def write_wordnet_bundle(path: str | os.PathLike[str] = BUNDLED, root: str | os.PathLike[str] = DEBIAN) -> Path:
    """Write :func:`build_wordnet_bundle` xz-compressed (the same bytes for the same text and liblzma)."""
    import lzma

    text = build_wordnet_bundle(root).encode("utf-8")
    Path(path).write_bytes(lzma.compress(text, format=lzma.FORMAT_XZ, preset=9 | lzma.PRESET_EXTREME))
    return Path(path)


class _Record(NamedTuple):
    """One synset of the bundle: offset, lex_filenum, ss_type, w_cnt (as written), words (word, lex_id,
    sense number: a flat list), heads (a satellite's head offsets), gloss."""

    offset: int
    lex_filenum: str
    ss_type: str
    w_cnt: str
    words: list[str]
    heads: list[str]
    gloss: str


class _Bundle:
    """The parsed bundle: per part of speech, the header size, synset records, line lengths, exceptions."""

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        if lines[0] != _MAGIC:
            raise ValueError(f"not an evalkit WordNet bundle (first line {lines[0]!r:.40})")
        self.header: dict[str, int] = {}
        self._records: dict[str, list[str]] = {}
        self.lengths: dict[str, list[int]] = {}
        self.exceptions: dict[str, list[str]] = {}
        self._parsed: dict[str, list[_Record]] = {}
        i = 1
        while i < len(lines) and lines[i]:
            kind, name, *rest = lines[i].split(" ")
            count = int(rest[-1])
            block = lines[i + 1 : i + 1 + count]
            if kind == "@data":
                self.header[name], self._records[name] = int(rest[0]), block
            elif kind == "@lengths":
                self.lengths[name] = [int(x) for x in block]
            else:
                self.exceptions[name] = block
            i += 1 + count

    def records(self, name: str) -> list[_Record]:
        """The synsets of ``data.<name>``, parsed on first use."""
        if name in self._parsed:
            return self._parsed[name]
        out = self._parsed[name] = []
        offset = self.header[name]
        for record, length in zip(self._records[name], self.lengths[name]):
            head, _, gloss = record.partition(" | ")
            fields = head.split(" ")
            end = 3 + 3 * int(fields[2], 16)
            out.append(_Record(offset, fields[0], fields[1], fields[2], fields[3:end], fields[end:], gloss))
            offset += length
        return out

    def data_lines(self, name: str) -> Iterator[tuple[int, str]]:
        """``(offset, line)`` of each synset of ``data.<name>``, in the database's layout (no padding,
        no newline): the fields nltk's reader parses, with no pointers but a satellite's head."""
        for r in self.records(name):
            words = r.words
            pairs = " ".join(f"{words[k]} {words[k + 1]}" for k in range(0, len(words), 3))
            pointers = "".join(f" & {h} a 0000" for h in r.heads)
            yield (
                r.offset,
                f"{r.offset:08d} {r.lex_filenum} {r.ss_type} {r.w_cnt} {pairs} {len(r.heads):03d}{pointers} | {r.gloss}",
            )

    def sense_keys(self) -> list[tuple[str, int, int]]:
        """``(sense key, synset offset, sense number)`` of every lemma of every synset (``index.sense``'s
        fields but the tag count), sorted by key. A satellite's key names its head's first lemma; a lemma
        spelled twice in a synset (``Earth``, ``earth``) has the first spelling's key."""
        first = {r.offset: (_lemma_key(r.words[0]), int(r.words[1], 16)) for r in self.records("adj")}
        rows = []
        for name in POS_FILES:
            for r in self.records(name):
                if r.heads:
                    head_word, head_id = first[int(r.heads[0])]
                    tail = f"{head_word}:{head_id:02d}"
                else:
                    tail = ":"
                prefix = f"%{_SS_TYPE[r.ss_type]}:{r.lex_filenum}:"
                seen = set()
                words = r.words
                for k in range(0, len(words), 3):
                    lemma = _lemma_key(words[k])
                    if lemma in seen:  # "Earth 0 earth 1": the first spelling's key only, as WordNet's file
                        continue
                    seen.add(lemma)
                    rows.append((f"{lemma}{prefix}{int(words[k + 1], 16):02d}:{tail}", r.offset, int(words[k + 2])))
        return sorted(rows)

    def index(self, name: str) -> dict[str, list[int]]:
        """lemma -> synset offsets, in sense order (``index.<name>``), lemmas sorted."""
        senses: dict[str, set[tuple[int, int]]] = {}
        for r in self.records(name):
            words = r.words
            for k in range(0, len(words), 3):
                senses.setdefault(_lemma_key(words[k]), set()).add((int(words[k + 2]), r.offset))
        return {key: [o for _, o in sorted(senses[key])] for key in sorted(senses)}


@lru_cache(maxsize=1)
def _bundle() -> _Bundle:
    try:
        import lzma
    except ImportError as exc:  # a Python built without liblzma
        raise InputError(
            "reading the bundled WordNet 3.0 needs Python's lzma module; or set EVALKIT_WORDNET to a "
            "WordNet 3.0 'dict' directory"
        ) from exc
    return _Bundle(lzma.decompress(BUNDLED.read_bytes()).decode("utf-8"))


def write_wordnet_database(target: str | os.PathLike[str]) -> Path:
    """Lay the bundled copy out under ``target`` as WordNet 3.0 database files: ``data.*`` (every synset
    at its original byte offset, with its lemmas, lex ids, a satellite's head and the gloss; no other
    pointers, no verb frames), ``index.*`` (each lemma's synsets in sense order), ``index.sense`` (every
    sense key with its synset and sense number; tag counts 0), the ``*.exc`` lists as they are, and
    ``LICENSE``. Enough for nltk's ``WordNetCorpusReader`` to answer ``synsets()``,
    ``lemmas()``, names, definitions and examples as over the original files. Returns ``target``."""
    bundle = _bundle()
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    # nltk's reader finds the version in data.adj's header: "WordNet 3.0 Copyright"
    note = "  WordNet 3.0 Copyright 2006 by Princeton University; laid out by evalkit from its bundled copy (LICENSE)"
    for name in POS_FILES:
        header = bundle.header[name]
        if header < len(note) + 1:
            raise ValueError(f"data.{name}: a header of {header} bytes is too short")
        parts = [note.ljust(header - 1) + "\n"]
        for (offset, line), length in zip(bundle.data_lines(name), bundle.lengths[name]):
            if len(line) + 1 > length:
                raise ValueError(f"data.{name}: the synset at {offset} does not fit its {length} bytes")
            parts.append(line.ljust(length - 1) + "\n")
        (out / f"data.{name}").write_text("".join(parts), encoding="utf-8", newline="\n")
        pos = _POS_LETTER[name]
        rows = [note + "\n"]
        for lemma, offsets in bundle.index(name).items():
            n = len(offsets)
            rows.append(f"{lemma} {pos} {n} 0 {n} 0 {' '.join(f'{o:08d}' for o in offsets)}  \n")
        (out / f"index.{name}").write_text("".join(rows), encoding="utf-8", newline="\n")
        (out / f"{name}.exc").write_text("".join(r + "\n" for r in bundle.exceptions[name]), encoding="utf-8")
    # nltk's reader reads index.sense when it starts (the tag counts are not bundled: 0)
    senses = "".join(f"{key} {offset:08d} {sense} 0\n" for key, offset, sense in bundle.sense_keys())
    (out / "index.sense").write_text(senses, encoding="utf-8", newline="\n")
    shutil.copyfile(_DATA / "WORDNET_LICENSE", out / "LICENSE")
    return out


@contextmanager
def wordnet_database(root: str | os.PathLike[str] | None = None) -> Iterator[Path]:
    """A directory of WordNet 3.0 database files for the ``with`` block: ``root`` if given, else
    ``EVALKIT_WORDNET`` where it holds one, else the bundled copy laid out in a temporary directory
    (:func:`write_wordnet_database`; removed afterwards)."""
    source = Path(root) if root else wordnet_dir()
    if source is not None:
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="evalkit-wordnet-") as tmp:
        yield write_wordnet_database(tmp)


# lexnames(5WN): the lexicographer files, numbered from 00 in this order. nltk's reader wants this
# file beside the database, and Debian's packages do not ship it.
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
    "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant",
    "noun.possession", "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state",
    "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
    "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
)  # fmt: skip
_SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


def nltk_wordnet_corpus(target: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> Path:
    """Lay out WordNet 3.0 as an nltk_data ``corpora/wordnet`` directory under ``target``.

    From ``root`` if given, else ``EVALKIT_WORDNET`` where it holds the database (its files are copied:
    nltk refuses links that leave its root), else the bundled copy (:func:`write_wordnet_database`).
    ``lexnames`` is written from :data:`LEXNAMES`. Returns ``target`` (put it on ``nltk.data.path``, or
    pass ``target/corpora/wordnet`` to ``nltk.corpus.reader.WordNetCorpusReader``). Nothing is downloaded.
    """
    source = Path(root) if root else wordnet_dir()
    corpus = Path(target) / "corpora" / "wordnet"
    corpus.mkdir(parents=True, exist_ok=True)
    if source is None:
        write_wordnet_database(corpus)
    else:
        for item in source.iterdir():
            link = corpus / item.name
            if item.is_file() and not link.exists():
                shutil.copyfile(item, link)
    (corpus / "lexnames").write_text(
        "".join(f"{i:02d}\t{name}\t{_SYNTACTIC_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))
    )
    return Path(target)
