"""METEOR's compiled path (the C kernels ``token_words`` and ``meteor_align``) against the numpy path
(``EVALKIT_KERNELS=0``) and the python reference backend: equal statistics rows, exactly.

The comparison with nltk itself is in test_meteor.py (its numpy backend takes the kernels where built).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text import _meteor_common
from evalkit.text.meteor import METEOR
from evalkit.text.ngrams import use_compiled

pytestmark = pytest.mark.skipif(not use_compiled(), reason="the C kernels are not built")

_MODULES = [("exact", "stem", "synonym"), ("exact",), ("exact", "stem"), ("exact", "synonym")]


def _rows(hyps, refs, monkeypatch, **options) -> dict[str, np.ndarray]:
    """Rows of the compiled path, the numpy path and the python backend, each from a fresh metric."""
    out = {"compiled": METEOR(backend="numpy", **options).stats(hyps, refs)}
    with monkeypatch.context() as m:
        m.setenv("EVALKIT_KERNELS", "0")
        out["numpy"] = METEOR(backend="numpy", **options).stats(hyps, refs)
    out["python"] = METEOR(backend="python", **options).stats(hyps, refs)
    return out


@pytest.mark.parametrize("max_refs", [1, 4])
@pytest.mark.parametrize("modules", _MODULES)
def test_real_pairs_equal_numpy_path_and_python_backend(monkeypatch, max_refs, modules):
    hyps, refs = perturbed_pairs(600, seed=3 + max_refs, max_refs=max_refs)
    # capitals in the hypotheses, so that lowercasing (or not) matters
    hyps = [h.title() if k % 5 == 0 else h for k, h in enumerate(hyps)]
    for lowercase in (True, False):
        rows = _rows(hyps, refs, monkeypatch, modules=modules, lowercase=lowercase)
        assert rows["compiled"][:, 2].sum() > 0
        assert np.array_equal(rows["compiled"], rows["numpy"])
        assert np.array_equal(rows["compiled"], rows["python"])


def test_other_tokenizers_and_custom_synonyms(monkeypatch):
    hyps, refs = perturbed_pairs(300, seed=5, max_refs=2)

    def synonyms(word):
        return {word[::-1], word + "s"}

    for options in ({"tokenize": "13a"}, {"tokenize": "intl"}, {"wordnet": synonyms}):
        rows = _rows(hyps, refs, monkeypatch, **options)
        assert np.array_equal(rows["compiled"], rows["numpy"]), options
        assert np.array_equal(rows["compiled"], rows["python"]), options


def test_pre_tokenized_input_equal_numpy_path_and_python_backend(monkeypatch):
    # nltk's layout: token lists, looked up token by token (a token may hold a space; a line may be empty)
    hyps, refs = perturbed_pairs(400, seed=9, max_refs=3)
    hyps = [h.split() for h in hyps]
    refs = [[r.split() for r in rs] for rs in refs]
    hyps[0], refs[1][0] = ["a b", "Car", "a b"], []
    refs[0] = [["a b", "auto", "x"], ["a", "b"]]
    for modules in _MODULES[:2]:
        rows = _rows(hyps, refs, monkeypatch, modules=modules)
        assert rows["compiled"][0, 2] == (2 if "synonym" in modules else 1)  # "a b"; car ~ auto
        assert np.array_equal(rows["compiled"], rows["numpy"])
        assert np.array_equal(rows["compiled"], rows["python"])


_WORDS = [
    "the", "a", "car", "cars", "auto", "automobile", "run", "running", "ran", "big", "large", "bigger",
    "happy", "glad", "Happy", "dog", "dogs", "canine", "ΑΣ", "σας", "Σ", "İstanbul", "i̇", "ǅ", "straße",
    "日本", "語", "🙂", "café", "cafe\u0301", "\ud800", "x\x1fy",
]  # fmt: skip
_SPACES = [" ", "  ", "\t", "\u3000", "\u00a0", "\x1c", "\u2028"]
_line = st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SPACES)), max_size=10).map(
    lambda ws: "".join(w + s for w, s in ws)
)


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(_line, st.lists(_line, min_size=1, max_size=3)), min_size=1, max_size=8))
def test_unicode_and_whitespace_equal_python_backend(pairs):
    # non-ASCII text takes the kernels' UTF-32 path; the joined text is lowercased at once, which must equal
    # lowercasing word by word (final sigma, dotted capital I, titlecase digraphs, lone surrogates)
    hyps = [h for h, _ in pairs]
    refs = [rs for _, rs in pairs]
    for lowercase in (True, False):
        compiled = METEOR(backend="numpy", lowercase=lowercase).stats(hyps, refs)
        assert np.array_equal(compiled, METEOR(backend="python", lowercase=lowercase).stats(hyps, refs))


def test_tables_kept_across_batches_and_reset(monkeypatch):
    # a word's synonyms get ids when first looked up; a later batch that brings one of them as a new word
    # must find it. Then tables small enough to be reset between batches give the same rows.
    batches = [
        (["purchased a large car quickly", "the dog ran"], [["bought a big auto fast"], ["a canine runs"]]),
        (["glad people", "an automobile"], [["happy folks"], ["a car", "one auto"]]),
        (["the big dog was glad"], [["a large canine was happy"]]),
    ]
    expected = [METEOR(backend="python").stats(h, r) for h, r in batches]
    m = METEOR(backend="numpy")
    assert [m.stats(h, r).tolist() for h, r in batches] == [e.tolist() for e in expected]
    assert len(m._aligner.word_tables().strings) > 20
    monkeypatch.setattr(_meteor_common, "_CACHE_SIZE", 4)
    m = METEOR(backend="numpy")
    for (h, r), e in zip(batches, expected):
        tables = m._aligner.word_tables()
        assert np.array_equal(m.stats(h, r), e)
    assert m._aligner.word_tables() is not tables  # reset once the strings passed 4 * _CACHE_SIZE


def test_kernel_refuses_inconsistent_arrays():
    from evalkit.text import _compiled

    one = np.zeros(1, dtype=np.int64)
    tables = (np.zeros(1, dtype=np.int64), one, one, one)
    off = np.array([0, 1])
    state = np.empty(1, dtype=np.int64), np.empty(1, dtype=np.uint8)
    # a word id outside the vocabulary
    with pytest.raises(ValueError, match="outside the vocabulary"):
        _compiled.meteor_align(np.array([3]), off, np.array([0]), off, np.zeros(1, dtype=np.int64), tables, 15, *state)
    # offsets past the end
    with pytest.raises(ValueError, match="offsets"):
        _compiled.meteor_align(one, np.array([0, 2]), one, off, np.zeros(1, dtype=np.int64), tables, 15, *state)
    # a synonym list not looked up
    missing = (np.zeros(1, dtype=np.int64), one, -np.ones(1, dtype=np.int64), one)
    state = np.full(1, -1, dtype=np.int64), np.zeros(1, dtype=np.uint8)  # what the first stages left: all
    with pytest.raises(ValueError, match="synonym list"):
        _compiled.meteor_align(one, off, np.array([0]), off, np.zeros(1, dtype=np.int64), missing, 4 | 8, *state)
