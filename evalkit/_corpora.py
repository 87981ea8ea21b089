"""Real English text for tests, benchmarks and the generator: WordNet 3.0's glosses.

Debian's ``wordnet-base`` package installs WordNet 3.0 under ``/usr/share/wordnet`` (override with the
``EVALKIT_WORDNET`` environment variable). Each line of ``data.noun/verb/adj/adv`` holds a synset: its
lemmas, then ``| `` and the gloss (a definition, often followed by quoted examples).
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from evalkit.core.errors import InputError

POS_FILES = ("noun", "verb", "adj", "adv")


def wordnet_dir() -> Path:
    """The WordNet 3.0 database directory."""
    return Path(os.environ.get("EVALKIT_WORDNET", "/usr/share/wordnet"))


@dataclass(frozen=True)
class Synset:
    """One line of a WordNet data file: offset, part of speech, lemmas (spaces, not underscores), gloss."""

    offset: int
    pos: str
    lemmas: tuple[str, ...]
    gloss: str


@lru_cache(maxsize=2)
def _read_synsets(root: str) -> tuple[Synset, ...]:
    out = []
    for name in POS_FILES:
        path = Path(root) / f"data.{name}"
        if not path.exists():
            raise InputError(
                f"WordNet 3.0 not found: {path} is missing. Install Debian's 'wordnet-base' package "
                f"or set EVALKIT_WORDNET to a WordNet 3.0 'dict' directory."
            )
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("  "):  # license header
                    continue
                head, _, gloss = line.partition(" | ")
                fields = head.split()
                n_words = int(fields[3], 16)
                words = fields[4 : 4 + 2 * n_words : 2]
                # adjective markers such as "(a)" or "(p)" are syntax, not part of the lemma
                lemmas = tuple(w.split("(")[0].replace("_", " ") for w in words)
                out.append(Synset(int(fields[0]), fields[2], lemmas, gloss.strip()))
    return tuple(out)


def wordnet_synsets(root: str | os.PathLike[str] | None = None) -> tuple[Synset, ...]:
    """Every synset of WordNet 3.0, in file order (noun, verb, adj, adv): about 117,000."""
    return _read_synsets(str(root or wordnet_dir()))


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
    """Lay out Debian's WordNet 3.0 as an nltk_data ``corpora/wordnet`` directory under ``target``.

    The database files are copied (nltk refuses links that leave its root); ``lexnames`` is written from
    :data:`LEXNAMES`. Returns
    ``target`` (put it on ``nltk.data.path``, or pass ``target/corpora/wordnet`` to
    ``nltk.corpus.reader.WordNetCorpusReader``). Nothing is downloaded.
    """
    source = Path(root or wordnet_dir())
    corpus = Path(target) / "corpora" / "wordnet"
    corpus.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        link = corpus / item.name
        if item.is_file() and not link.exists():
            shutil.copyfile(item, link)
    (corpus / "lexnames").write_text(
        "".join(f"{i:02d}\t{name}\t{_SYNTACTIC_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(LEXNAMES))
    )
    return Path(target)
