"""What METEOR's two backends share: its options (:class:`MeteorOptions`, declared once), the staged
alignment (:class:`Aligner`, its caches of stems and synonym sets, the greedy synonym stage both backends
run; :class:`WordTables`, the same caches by word id for the C stages) and nltk's arithmetic, from a
fragment's counts to its score (F-mean and fragmentation penalty, for one fragment and for arrays of
them) and from summed statistics to the corpus score.

``meteor.py`` (the metric and the python backend) and ``_meteor_numpy.py`` (the numpy backend) both import
this module; it imports neither of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain, count, pairwise
from typing import Any

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.backends import backend_option
from evalkit.core.errors import InvalidOptionError
from evalkit.core.options import Options, flag, number, option
from evalkit.core.validate import check_choice
from evalkit.lexicon.porter import PorterStemmer
from evalkit.tokenizers.base import Tokenizer, check_tokenize, get_tokenizer

_PORTER = PorterStemmer()
MODULES = ("exact", "stem", "synonym")


# -- options --------------------------------------------------------------------------------------------


def _modules(owner: str, name: str, value: Any) -> tuple[str, ...]:
    """The check of ``modules``: stages among :data:`MODULES`, ``"exact"`` among them, in nltk's order."""
    if isinstance(value, str):
        value = (value,)
    try:
        chosen = tuple(value)
    except TypeError:
        chosen = (value,)
    for module in chosen:
        check_choice(owner, name, module, MODULES)
    if "exact" not in chosen:
        # nltk always aligns equal words first; the later stages only see what it leaves
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must include 'exact' (allowed: {', '.join(map(repr, MODULES))}). "
            f"Got {chosen!r} instead."
        )
    return tuple(m for m in MODULES if m in chosen)


def _wordnet_name(wordnet: Any) -> str:
    """The signature's name of a synonym source."""
    if wordnet is None:
        return "3.0-bundled"
    return "nltk" if hasattr(wordnet, "synsets") else "custom"


def _wordnet(owner: str, name: str, value: Any) -> Any:
    """The check of ``wordnet``: None (the bundled WordNet 3.0), an nltk WordNet reader, or a function."""
    if value is None or hasattr(value, "synsets") or callable(value):
        return value
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be None (the bundled WordNet 3.0), an nltk WordNet corpus "
        f"reader, or a function word -> synonyms. Got {value!r:.60} instead."
    )


@dataclass(frozen=True)
class MeteorOptions(Options):
    """METEOR's options, declared once (nltk's ``meteor_score`` defaults).

    Example:
        >>> o = MeteorOptions.parse("meteor", {"modules": ("stem", "exact")})
        >>> o.modules, str(o.signature("meteor")).split("|")[-2]
        (('exact', 'stem'), 'wordnet:none')
    """

    modules: tuple[str, ...] = option(
        MODULES, _modules, "the matching stages among 'exact', 'stem', 'synonym' ('exact' always)", sig="modules"
    )
    alpha: float = option(0.9, number(low=0, high=1), "F-mean's weight of precision against recall", sig="alpha")
    beta: float = option(3.0, number(low=0), "the fragmentation penalty's exponent", sig="beta")
    gamma: float = option(0.5, number(low=0, high=1), "the fragmentation penalty's weight", sig="gamma")
    tokenize: str | Tokenizer | Callable[[str], list[str]] = option(
        "none",
        check_tokenize,
        "how strings are split: a tokenizer name, a Tokenizer or a callable; token lists are used as given",
        sig="tok",
    )
    lowercase: bool = option(True, flag(), "lowercase every token first (nltk's preprocess=str.lower)", sig="lc")
    wordnet: Any = option(
        None,
        _wordnet,
        "None (the bundled WordNet 3.0), an nltk WordNet reader, or a function word -> synonyms",
        sig="wordnet",
        show=_wordnet_name,
    )
    backend: str = backend_option(auto=" (numpy from 32 segments on)")

    def signature_items(self) -> dict[str, Any]:
        items = {**super().signature_items(), **self.tokenizer.signature_items()}
        if "synonym" not in self.modules:  # the synonym source changes the number only where that stage runs
            items["wordnet"] = "none"
        return items

    @cached_property
    def tokenizer(self) -> Tokenizer:
        """The tokenizer of string input."""
        return get_tokenizer(self.tokenize)


_Pairs = list[tuple[int, int]]
_Items = list[tuple[int, str]]


def _match_equal(hyp: _Items, ref: _Items, pairs: _Pairs) -> tuple[_Items, _Items]:
    """nltk's ``_match_enums``: hypothesis words, last first, take the last free equal reference word."""
    positions: dict[str, list[int]] = {}
    for j, (_, word) in enumerate(ref):
        positions.setdefault(word, []).append(j)
    rest: _Items = []
    used: set[int] = set()
    for i in range(len(hyp) - 1, -1, -1):
        free = positions.get(hyp[i][1])
        if free:
            j = free.pop()
            used.add(j)
            pairs.append((hyp[i][0], ref[j][0]))
        else:
            rest.append(hyp[i])
    rest.reverse()
    return rest, [item for j, item in enumerate(ref) if j not in used] if used else ref


def match_synonyms(hyp: _Items, ref: _Items, pairs: _Pairs, synonyms: Callable[[str], frozenset[str]]) -> None:
    """nltk's ``_enum_wordnetsyn_match``: each hypothesis word, last first, takes the last free reference
    word among its synonyms."""
    positions: dict[str, list[int]] = {}
    for j, (_, word) in enumerate(ref):
        positions.setdefault(word, []).append(j)
    for i in range(len(hyp) - 1, -1, -1):
        syns = synonyms(hyp[i][1])
        # look up whichever side is smaller: the synonyms, or the distinct free reference words
        candidates = syns if len(syns) <= len(positions) else [w for w in positions if w in syns]
        best_j, best_word = -1, None
        for word in candidates:
            free = positions.get(word)
            if free and free[-1] > best_j:
                best_j, best_word = free[-1], word
        if best_word is not None:
            positions[best_word].pop()
            pairs.append((hyp[i][0], ref[best_j][0]))


def _chunks(pairs: _Pairs) -> int:
    """Runs of matches adjacent in both sentences, in hypothesis order (nltk's ``_count_chunks``)."""
    pairs.sort()
    chunks = 1
    for (h0, r0), (h1, r1) in pairwise(pairs):
        if h1 != h0 + 1 or r1 != r0 + 1:
            chunks += 1
    return chunks


_CACHE_SIZE = 1 << 20


@lru_cache(maxsize=_CACHE_SIZE)
def _porter_stem(word: str) -> str:
    """nltk's ``PorterStemmer().stem``, cached across calls: vocabularies are far smaller than corpora."""
    return _PORTER.stem(word)


class WordTables:
    """What the compiled alignment reads, per word id, kept across batches: the words (``strings``, ids
    in order of first appearance), each word's stem id (``stem_of``, -1 until looked up) and the sorted
    ids of a key's synonyms (``syn_pool[syn_start[k]:][:syn_len[k]]``, ``syn_len`` -1 until looked up).

    A word's stem and synonyms are looked up once, the first time a batch needs them; a batch then costs
    one dict lookup per *distinct* word.
    """

    def __init__(self) -> None:
        self.vocab: defaultdict[str, int] = defaultdict(count().__next__)
        self.strings: list[str] = []
        self.stem_of = np.full(1024, -1, dtype=np.int64)
        self.syn_start = np.full(1024, -1, dtype=np.int64)
        self.syn_len = np.full(1024, -1, dtype=np.int64)
        self.syn_pool = np.zeros(1024, dtype=np.int64)
        self.pool_size = 0

    def ids(self, words: list[str]) -> np.ndarray:
        """The ids of ``words``, new words added (the per-id arrays grown to hold them)."""
        n_old = len(self.strings)
        ids = np.fromiter(map(self.vocab.__getitem__, words), dtype=np.int64, count=len(words))
        if len(self.vocab) > n_old:
            new = np.flatnonzero(ids >= n_old)
            # new ids are numbered n_old, n_old + 1, ... in order of first appearance in words
            _, first = np.unique(ids[new], return_index=True)
            self.strings.extend(map(words.__getitem__, new[first].tolist()))
            capacity = len(self.stem_of)
            if len(self.strings) > capacity:
                grown = max(2 * capacity, len(self.strings))
                for name in ("stem_of", "syn_start", "syn_len"):
                    old = getattr(self, name)
                    setattr(self, name, np.concatenate([old, np.full(grown - capacity, -1, dtype=np.int64)]))
        return ids

    def look_up_stems(self, ids: np.ndarray, stem: Callable[[str], str]) -> None:
        """Fill ``stem_of`` for the word ids ``ids`` (any order, repeats allowed)."""
        missing = ids[self.stem_of[ids] < 0]
        if missing.size:
            missing = arrays.unique(missing)
            stems = self.ids([stem(self.strings[k]) for k in missing.tolist()])
            self.stem_of[missing] = stems

    def look_up_synonyms(self, keys: np.ndarray, synonyms: Callable[[str], frozenset[str]]) -> None:
        """Fill the synonym lists of the key ids ``keys`` (any order, repeats allowed); every synonym gets an
        id, so a word that first appears in a later batch is found."""
        missing = keys[self.syn_len[keys] < 0]
        if not missing.size:
            return
        missing = arrays.unique(missing)
        found = [synonyms(self.strings[k]) for k in missing.tolist()]
        sizes = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        ids = self.ids(list(chain.from_iterable(found)))
        owner = np.repeat(np.arange(len(found), dtype=np.int64), sizes)
        ids = ids[np.lexsort((ids, owner))]  # each key's synonyms sorted, for the kernel's binary search
        end = self.pool_size + ids.size
        if end > len(self.syn_pool):
            self.syn_pool = np.concatenate([self.syn_pool, np.zeros(max(end, 2 * len(self.syn_pool)), dtype=np.int64)])
        self.syn_pool[self.pool_size : end] = ids
        starts = np.zeros(len(found), dtype=np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        self.syn_start[missing] = self.pool_size + starts
        self.syn_len[missing] = sizes
        self.pool_size = end

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(stem_of, syn_start, syn_len, syn_pool)``, as the kernel reads them."""
        n = len(self.strings)
        return self.stem_of[:n], self.syn_start[:n], self.syn_len[:n], self.syn_pool[: self.pool_size]


class Aligner:
    """The staged alignment with per-word caches of stems and synonym sets, kept across batches."""

    def __init__(self, modules: Sequence[str], synonyms: Callable[[str], Iterable[str]] | None) -> None:
        self.stem_stage = "stem" in modules
        self.synonym_stage = "synonym" in modules
        self._syns: dict[str, frozenset[str]] = {}
        self._synonyms = synonyms
        self.stem = _porter_stem
        self._vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
        self._tables = WordTables()

    def word_tables(self) -> WordTables:
        """The compiled alignment's tables, kept across batches (reset when they grow too large)."""
        if len(self._tables.strings) >= 4 * _CACHE_SIZE:
            self._tables = WordTables()
        return self._tables

    def vocabulary(self) -> defaultdict[str, int]:
        """Word (and stem) -> integer id, ids in order of first appearance; kept across batches, since a
        corpus's vocabulary is far smaller than its token count (reset when it grows too large)."""
        if len(self._vocabulary) >= 4 * _CACHE_SIZE:
            self._vocabulary = defaultdict(count().__next__)
        return self._vocabulary

    def synonyms(self, word: str) -> frozenset[str]:
        syns = self._syns.get(word)
        if syns is None:
            found = self._synonyms(word)  # type: ignore[misc]
            syns = found if isinstance(found, frozenset) and word in found else frozenset(found) | {word}
            if len(self._syns) >= _CACHE_SIZE:  # a long stream of new words must not grow memory unboundedly
                self._syns.clear()
            self._syns[word] = syns
        return syns

    def align(self, hyp: list[str], ref: list[str]) -> tuple[int, int]:
        """``(matches, chunks)`` of one hypothesis against one reference."""
        pairs: _Pairs = []
        h, r = _match_equal(list(enumerate(hyp)), list(enumerate(ref)), pairs)
        if self.stem_stage and h and r:
            stem = self.stem
            h, r = _match_equal([(i, stem(w)) for i, w in h], [(j, stem(w)) for j, w in r], pairs)
        if self.synonym_stage and h and r:
            match_synonyms(h, r, pairs, self.synonyms)
        return len(pairs), (_chunks(pairs) if pairs else 0)


# -- nltk's arithmetic ------------------------------------------------------------------------------------


def _penalized_fmean(precision: Any, recall: Any, fragmentation: Any, alpha: float, gamma: float) -> Any:
    """``(1 - gamma * fragmentation) * Fmean`` with ``Fmean = P * R / (alpha * P + (1 - alpha) * R)`` and
    ``fragmentation = (chunks / matches) ** beta``: nltk's ``single_meteor_score``, operation for operation,
    on floats or elementwise on arrays (so the floats of both backends are identical)."""
    fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall)
    penalty = gamma * fragmentation
    return (1 - penalty) * fmean


def fragment_score(
    matches: int, chunks: int, hyp_len: int, ref_len: int, alpha: float, beta: float, gamma: float
) -> float:
    """nltk's score of one hypothesis against one reference from its alignment's counts; 0 without matches."""
    if matches == 0:
        return 0.0
    precision = float(matches) / hyp_len
    recall = float(matches) / ref_len
    return _penalized_fmean(precision, recall, (float(chunks) / matches) ** beta, alpha, gamma)


def fragment_scores(
    matches: np.ndarray,
    chunks: np.ndarray,
    hyp_len: np.ndarray,
    ref_len: np.ndarray,
    alpha: float,
    beta: float,
    gamma: float,
) -> np.ndarray:
    """:func:`fragment_score` elementwise; the power through Python's float pow (once per distinct
    fragmentation) so that every float equals the scalar one's."""
    out = np.zeros(len(matches), dtype=np.float64)
    ok = matches > 0
    m = matches[ok].astype(np.float64)
    precision = m / hyp_len[ok]
    recall = m / ref_len[ok]
    distinct, inverse = np.unique(chunks[ok] / m, return_inverse=True)
    powers = np.array([f**beta for f in distinct.tolist()], dtype=np.float64)
    out[ok] = _penalized_fmean(precision, recall, powers[inverse.reshape(-1)], alpha, gamma)
    return out


def mean_scores(totals: np.ndarray) -> np.ndarray:
    """The corpus score of each row of summed statistics (columns ``score, segments, ...``): the summed
    segment scores over the number of segments; 0 for no segments."""
    segments = totals[:, 1]
    return np.divide(totals[:, 0], segments, out=np.zeros(len(totals)), where=segments > 0)
