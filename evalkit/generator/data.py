"""Definition-modelling data from WordNet 3.0: (word, definition) pairs, vocabularies, length-bucketed batches.

The task (Noraset et al., AAAI 2017): given a word, generate its dictionary definition. Each WordNet synset
gives one pair per lemma; the target is the gloss **before its first ``;``** (the definition proper; what
follows is mostly quoted usage examples, which no model can guess from the word). Words are split into
train / validation / test by lemma with a seeded shuffle, so every test word is unseen in training, and a
word with several senses keeps all its definitions as references.

A training sequence is the word spelled in characters (so unseen words still carry their morphology:
``-ness``, ``-ly``, ``un-``), a separator, then the definition::

    <bos> d o g <sep> a member of the genus canis ... <eos>

With retrieved exemplars (retrieve-and-edit, Hashimoto et al., NeurIPS 2018), the definition of the training
word of most similar spelling (:func:`evalkit.generator.baselines.exemplar_words`) comes between the word and
the target, closed by a second ``<sep>``::

    <bos> d o g s <sep> a member of the genus canis ... <sep> ... <eos>

The loss covers the definition and ``<eos>`` only (targets of the prompt, exemplars included, are ``<pad>``,
the ignored id).

A pointer model (``ModelSpec.pointer``) may also copy a token of the word itself (``Bolivian monetary unit``:
*monetary unit in Bolivia*... ``motorcycle cop``: *a policeman who rides a motorcycle*) or of an exemplar,
including one outside the vocabulary. Its examples carry **copy ids** beside the input ids
(:meth:`Vocab.copy_ids`): a copyable in-vocabulary token keeps its id, the ``k``-th distinct
out-of-vocabulary one gets the extended id ``len(vocab) + k`` (See et al., ACL 2017), each closing
``<sep>`` stands for ``<eos>`` (the exemplar ends there), and a target token outside the vocabulary that
the prompt holds is that extended id, not ``<unk>``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import regex

from evalkit.core.validate import check_bool, check_choice, check_int, check_number
from evalkit.lexicon.corpora import wordnet_synsets

PAD, BOS, EOS, UNK, SEP = "<pad>", "<bos>", "<eos>", "<unk>", "<sep>"
SPECIALS = (PAD, BOS, EOS, UNK, SEP)
LEVELS = ("word", "char")

# words (with inner hyphens/apostrophes) or single punctuation marks
_TOKEN = regex.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def definition_of(gloss: str) -> str:
    """The definition proper: the gloss before its first ``;`` (quoted examples dropped).

    Example:
        >>> definition_of('a domestic animal; "the dog barked"')
        'a domestic animal'
    """
    return gloss.split(";", 1)[0].strip()


def tokenize(text: str, level: str = "word") -> list[str]:
    """Definition tokens: words and punctuation marks (``level="word"``) or characters (``"char"``).

    Example:
        >>> tokenize("(of a dog) well-bred, loyal")
        ['(', 'of', 'a', 'dog', ')', 'well-bred', ',', 'loyal']
    """
    return _TOKEN.findall(text) if level == "word" else list(text)


def detokenize(tokens: Sequence[str], level: str = "word") -> str:
    """Tokens back to the text the metrics score: space-joined words, or the characters joined."""
    return " ".join(tokens) if level == "word" else "".join(tokens)


@dataclass(frozen=True)
class Splits:
    """``word -> list of definition strings`` for each split (definitions deduplicated, in WordNet order)."""

    train: dict[str, list[str]]
    validation: dict[str, list[str]]
    test: dict[str, list[str]]


@lru_cache(maxsize=2)
def _definitions_by_word(root: str | None) -> dict[str, tuple[str, ...]]:
    """``word -> its distinct definitions``, words sorted (the order the seeded shuffle starts from)."""
    by_word: dict[str, list[str]] = {}
    for synset in wordnet_synsets(root):
        definition = definition_of(synset.gloss)
        if not definition:
            continue
        for lemma in synset.lemmas:
            defs = by_word.setdefault(lemma, [])
            if definition not in defs:
                defs.append(definition)
    return {w: tuple(by_word[w]) for w in sorted(by_word)}


def wordnet_splits(
    *,
    seed: int = 0,
    validation: float = 0.05,
    test: float = 0.05,
    unseen_definitions: bool = True,
    root: str | None = None,
) -> Splits:
    """Split WordNet 3.0's lemmas into train / validation / test (fractions of lemmas), seeded.

    Synonyms share their synset's gloss, so a held-out word's definition is usually also in training under
    another lemma (``colour`` / ``color``). ``unseen_definitions=True`` removes those pairs from training:
    the held-out definitions are then unseen too, and the score measures generation, not lookup of a
    similarly spelled synonym. ``False`` is the plain split by lemma.
    """
    owner = "wordnet_splits"
    check_number(owner, "validation", validation, low=0.0, high=0.5)
    check_number(owner, "test", test, low=0.0, high=0.5)
    check_bool(owner, "unseen_definitions", unseen_definitions)
    by_word = _definitions_by_word(root)
    words = list(by_word)
    random.Random(seed).shuffle(words)
    n_val, n_test = round(validation * len(words)), round(test * len(words))
    val, tst, train = (
        {w: list(by_word[w]) for w in part}
        for part in (words[:n_val], words[n_val : n_val + n_test], words[n_val + n_test :])
    )
    if unseen_definitions:
        held = {d for part in (val, tst) for defs in part.values() for d in defs}
        train = {w: kept for w, defs in train.items() if (kept := [d for d in defs if d not in held])}
    return Splits(train=train, validation=val, test=tst)


@dataclass
class Vocab:
    """Token ids: the specials, then the prompt characters, then the definition tokens.

    ``level`` is the unit of definitions (``"word"`` or ``"char"``); prompts are always characters.
    """

    level: str = "word"
    chars: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_choice("Vocab", "level", self.level, LEVELS)
        self._char_id = {c: len(SPECIALS) + i for i, c in enumerate(self.chars)}
        offset = len(SPECIALS) + len(self.chars)
        self._token_id = {t: offset + i for i, t in enumerate(self.tokens)}
        self.itos = [*SPECIALS, *(f"[{c}]" for c in self.chars), *self.tokens]

    @classmethod
    def build(
        cls, pairs: dict[str, list[str]], *, level: str = "word", min_count: int = 2, max_size: int = 20_000
    ) -> Vocab:
        """Characters of the words; definition tokens seen at least ``min_count`` times, the ``max_size``
        most frequent (ties broken alphabetically, so the vocabulary is deterministic)."""
        check_choice("Vocab.build", "level", level, LEVELS)
        check_int("Vocab.build", "min_count", min_count, minimum=1)
        check_int("Vocab.build", "max_size", max_size, minimum=1)
        chars = sorted({c for w in pairs for c in w})
        counts = Counter(t for defs in pairs.values() for d in defs for t in tokenize(d, level))
        ranked = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        return cls(level=level, chars=chars, tokens=ranked[:max_size])

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad_id(self) -> int:
        return SPECIALS.index(PAD)

    @property
    def bos_id(self) -> int:
        return SPECIALS.index(BOS)

    @property
    def eos_id(self) -> int:
        return SPECIALS.index(EOS)

    @property
    def unk_id(self) -> int:
        return SPECIALS.index(UNK)

    @property
    def sep_id(self) -> int:
        return SPECIALS.index(SEP)

    def prompt(self, word: str, exemplars: Sequence[str] = (), *, max_len: int | None = None) -> list[int]:
        """``<bos>``, the word's characters (unknown ones as ``<unk>``), ``<sep>``; then each exemplar
        definition's tokens followed by ``<sep>``, cut to the ``max_len`` ids the word's part leaves for a
        definition (an exemplar is as long as a target may be)."""
        ids = [self.bos_id, *(self._char_id.get(c, self.unk_id) for c in word), self.sep_id]
        room = None if max_len is None else max(max_len - len(ids), 0)
        for d in exemplars:
            ids += [*self.encode(d)[:-1][:room], self.sep_id]
        return ids

    def copy_ids(
        self, word: str, exemplars: Sequence[str] = (), *, max_len: int | None = None
    ) -> tuple[list[int], list[str]]:
        """What a pointer model may copy at each position of :meth:`prompt` (same arguments, same length):
        each token of the word itself at the position of its last character, each exemplar token at its
        position, ``<eos>`` at each closing ``<sep>``, ``-1`` elsewhere. A token's copy id is its id, or
        ``len(self) + k`` for the ``k``-th distinct token outside the vocabulary. Returns the ids and those
        out-of-vocabulary tokens.

        Example:
            >>> vocab = Vocab(chars=["a", "b"], tokens=["x"])  # 8 ids: 5 specials, [a], [b], x
            >>> vocab.copy_ids("ab", ["x Canis x"])  # prompt: <bos> a b <sep> x <unk> x <sep>
            ([-1, -1, 8, -1, 7, 9, 7, 2], ['ab', 'Canis'])
        """
        oov: list[str] = []

        def copy_id(token: str) -> int:
            if token in self._token_id:
                return self._token_id[token]
            if token not in oov:
                oov.append(token)
            return len(self) + oov.index(token)

        ids = [-1] * (len(word) + 2)
        for m in _TOKEN.finditer(word):
            ids[m.end()] = copy_id(m.group())  # prompt position 1 + i reads the word's character i
        room = None if max_len is None else max(max_len - len(ids), 0)
        for d in exemplars:
            ids += [*(copy_id(t) for t in tokenize(d, self.level)[:room]), self.eos_id]
        return ids, oov

    def encode(self, definition: str, oov: Sequence[str] = ()) -> list[int]:
        """The definition's token ids followed by ``<eos>``; a token outside the vocabulary is ``<unk>``,
        or ``len(self) + k`` if it is ``oov[k]`` (a pointer model's copy ids, :meth:`copy_ids`)."""
        extended = {t: len(self) + k for k, t in enumerate(oov)}
        ids = (self._token_id.get(t, extended.get(t, self.unk_id)) for t in tokenize(definition, self.level))
        return [*ids, self.eos_id]

    def decode(self, ids: Sequence[int], oov: Sequence[str] = ()) -> str:
        """Generated ids to text, stopping at ``<eos>``; ``len(self) + k`` is ``oov[k]`` (copied)."""
        out = []
        for i in ids:
            if i == self.eos_id:
                break
            out.append(self.itos[i] if i < len(self) else oov[i - len(self)])
        return detokenize(out, self.level)

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "chars": self.chars, "tokens": self.tokens}


def reference_text(definition: str, level: str = "word") -> str:
    """A definition as the metrics see it: tokenized as the model's output, then rejoined."""
    return detokenize(tokenize(definition, level), level)


Example = tuple  # (sequence ids, prompt length) or, for a pointer model, (ids, prompt length, copy ids)


def encode_pairs(
    vocab: Vocab,
    pairs: dict[str, list[str]],
    *,
    max_len: int = 64,
    exemplars: dict[str, Sequence[str]] | None = None,
    pointer: bool = False,
) -> list[Example]:
    """``(sequence ids, prompt length)`` per (word, definition): the definition is cut to the ``max_len``
    ids the word's prompt leaves, and so is each exemplar definition (``exemplars[word]``, placed after the
    word's ``<sep>``; see :meth:`Vocab.prompt`). ``pointer=True`` adds the copy ids of the whole sequence
    (:meth:`Vocab.copy_ids` for the prompt, then the target's ids with the exemplar's out-of-vocabulary tokens
    extended).

    Example:
        >>> vocab = Vocab(chars=["a"], tokens=["x", "y"])
        >>> encode_pairs(vocab, {"a": ["x y"]}, exemplars={"a": ["y"]})  # <bos> a <sep> y <sep> x y <eos>
        [([1, 5, 4, 7, 4, 6, 7, 2], 5)]
        >>> encode_pairs(vocab, {"a": ["x z"]}, exemplars={"a": ["z"]}, pointer=True)  # copy ids: a 8, z 9
        [([1, 5, 4, 3, 4, 6, 3, 2], 5, [-1, 8, -1, 9, 2, 6, 9, 2])]
    """
    out: list[Example] = []
    for word, defs in pairs.items():
        room = max(max_len - len(vocab.prompt(word)), 0)  # ids left for a definition
        shown = exemplars[word] if exemplars else ()
        prompt = vocab.prompt(word, shown, max_len=max_len)
        if not pointer:
            out.extend((prompt + vocab.encode(d)[:room], len(prompt)) for d in defs)
            continue
        copy, oov = vocab.copy_ids(word, shown, max_len=max_len)
        for d in defs:
            target = vocab.encode(d, oov)[:room]
            out.append((prompt + [vocab.unk_id if i >= len(vocab) else i for i in target], len(prompt),
                        copy + target))  # fmt: skip
    return out


class Batch(NamedTuple):
    """Padded int64 arrays ``(B, T)``: ``inputs``; ``targets`` (``targets[t]`` is the id after
    ``inputs[t]``, ``pad_id`` on the prompt and on padding); for a pointer model ``source``, the copy id of
    each input position (``-1`` where nothing may be copied), else None."""

    inputs: np.ndarray
    targets: np.ndarray
    source: np.ndarray | None = None


def make_batch(examples: Sequence[Example], pad_id: int) -> Batch:
    """The padded batch of ``examples`` (:func:`encode_pairs`); targets are the copy ids when given."""
    steps = max(len(ex[0]) for ex in examples) - 1
    inputs = np.full((len(examples), steps), pad_id, dtype=np.int64)
    targets = np.full((len(examples), steps), pad_id, dtype=np.int64)
    pointer = len(examples[0]) == 3
    source = np.full((len(examples), steps), -1, dtype=np.int64) if pointer else None
    for b, (seq, n_prompt, *copy) in enumerate(examples):
        inputs[b, : len(seq) - 1] = seq[:-1]
        # position n_prompt - 1 reads <sep> and predicts the first definition token
        targets[b, n_prompt - 1 : len(seq) - 1] = (copy[0] if pointer else seq)[n_prompt:]
        if pointer:
            # a prompt cut to max_len may leave no target: then its last <sep> is not an input
            read = min(n_prompt, len(seq) - 1)
            source[b, :read] = copy[0][:read]
    return Batch(inputs, targets, source)


def batches(examples: Sequence[Example], batch_size: int, pad_id: int, *, seed: int | None = None) -> Iterator[Batch]:
    """Batches of similar length (little padding): sort by length, cut, then shuffle the batch order
    (``seed=None`` keeps it, for evaluation)."""
    order = list(range(len(examples)))
    if seed is not None:
        random.Random(seed).shuffle(order)  # a different grouping of equal lengths each epoch
    order.sort(key=lambda i: len(examples[i][0]))
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if seed is not None:
        random.Random(seed + 1).shuffle(chunks)
    for chunk in chunks:
        yield make_batch([examples[i] for i in chunk], pad_id)
