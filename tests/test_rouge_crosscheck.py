"""ROUGE against rouge-score on real text, and the two backends against each other.

Documents are summaries of two sentences: a perturbed WordNet gloss and, on a new line, the gloss of
another pair (references likewise), so rougeLsum's union-LCS works across sentences.
"""

from __future__ import annotations

import functools
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core.errors import InvalidOptionError
from evalkit.lexicon.corpora import wordnet_glosses
from evalkit.text.rouge import ROUGE, sentence_rouge
from evalkit.tokenizers.rouge import RougeScoreTokenizer

rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")
N_DOCS = 5_000
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def _summaries(real_pairs, n, max_refs=4):
    hyps, refs = real_pairs
    docs_h = [f"{hyps[i]}\n{hyps[i + n]}" for i in range(n)]
    docs_r = [[f"{r}\n{refs[i + n][0]}" for r in refs[i][:max_refs]] for i in range(n)]
    return docs_h, docs_r


def _as_rows(scores, types):
    return np.array([[x for k in types for x in s[k]] for s in scores])


class _Memoized:
    def __init__(self, stemmer):
        self.stem = functools.lru_cache(maxsize=None)(stemmer.stem)


@pytest.mark.slow
@pytest.mark.parametrize("stem", [False, True], ids=["plain", "stemmed"])
def test_equal_to_rouge_score(real_pairs, stem):
    hyps, refs = _summaries(real_pairs, N_DOCS, max_refs=2)  # 1 or 2 references: rouge-score's time is the test's
    scorer = rouge_scorer.RougeScorer(TYPES, use_stemmer=stem)
    if stem:
        # nltk's stemmer is a pure function of the word; memoizing it leaves rouge-score's numbers as they
        # are and takes most of their time off this test.
        scorer._tokenizer._stemmer = _Memoized(scorer._tokenizer._stemmer)
    metric = ROUGE(variants=TYPES, use_stemmer=stem)
    # score_multi over all references: the max_f rule
    want = _as_rows([scorer.score_multi(r, h) for h, r in zip(hyps, refs)], TYPES)
    got = metric.stats(hyps, refs)[:, :-1]
    assert np.abs(got - want).max() <= 1e-12
    # score on the first reference, for a tenth of the documents
    k = N_DOCS // 10
    want = _as_rows([scorer.score(r[0], h) for h, r in zip(hyps[:k], refs[:k])], TYPES)
    got = metric.stats(hyps[:k], [r[0] for r in refs[:k]])[:, :-1]
    assert np.abs(got - want).max() <= 1e-12


def test_sentence_rouge_is_rouge_score_per_document(real_pairs):
    hyps, refs = _summaries(real_pairs, 300)
    scorer = rouge_scorer.RougeScorer(TYPES)
    scores = [scorer.score_multi(r, h) for h, r in zip(hyps, refs)]
    want = np.array([[s[k].fmeasure for k in TYPES] for s in scores])
    for backend in ("python", "numpy", "auto"):
        got = sentence_rouge(hyps, refs, variants=TYPES, backend=backend)
        assert got.shape == (300, 4) and np.abs(got - want).max() <= 1e-12
    one = sentence_rouge(hyps, refs, variants="rougeLsum")  # one shape whatever the options
    assert one.shape == (300, 1) and np.abs(one[:, 0] - want[:, 3]).max() <= 1e-12
    assert sentence_rouge(hyps, refs, variants=("rougeLsum",)).shape == (300, 1)


def test_tokenizer_equal_to_rouge_score_on_glosses():
    from rouge_score import tokenize

    glosses = wordnet_glosses()[::20]
    tok = RougeScoreTokenizer()
    assert tok.tokenize_batch(glosses) == [tokenize.tokenize(g, None) for g in glosses]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=4))
def test_tokenizer_equal_to_rouge_score_on_any_unicode(lines):
    from rouge_score import tokenize

    tok = RougeScoreTokenizer()
    expected = [tokenize.tokenize(line, None) for line in lines]
    assert tok.tokenize_batch(lines) == expected
    assert [tok(line) for line in lines] == expected


def test_stemmed_tokenizer_equal_to_rouge_score():
    from nltk.stem import porter
    from rouge_score import tokenize

    # "dying" and "skies" tell nltk's default mode (die, sky) from the 1980 algorithm (dy, ski)
    glosses = ["dying skies, generously", *wordnet_glosses()[::200]]
    stemmer = porter.PorterStemmer()  # rouge-score's DefaultTokenizer(use_stemmer=True)
    tok = RougeScoreTokenizer(stem=True)
    assert tok.tokenize_batch(glosses) == [tokenize.tokenize(g, stemmer) for g in glosses]
    assert tok(glosses[0]) == ["die", "sky", "gener"]


ALL_VARIANTS = ("rouge1", "rouge2", "rouge4", "rougeL", "rougeLsum", "rougeW", "rougeS", "rougeS2", "rougeSU4")
_words = st.sampled_from(["a", "b", "c", "d", "a", "b", "e\nf", "\n"])
_text = st.lists(_words, max_size=14).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_text, st.lists(_text, min_size=1, max_size=3)), min_size=1, max_size=5))
def test_python_and_numpy_backends_count_equal(pairs):
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    fast = ROUGE(variants=ALL_VARIANTS, backend="numpy").pair_counts(hyps, refs)[0]
    slow = ROUGE(variants=ALL_VARIANTS, backend="python").pair_counts(hyps, refs)[0]
    np.testing.assert_array_equal(fast, slow)


def test_backends_equal_on_real_text_and_long_references(real_pairs):
    hyps, refs = _summaries(real_pairs, 100)
    # references of more than 64 tokens (rougeL) and sentences of more than 52 (rougeLsum) take the
    # arbitrary-precision path of the numpy backend
    long_refs = [[" ".join([r.replace("\n", " ")] * 4) + "\n" + r for r in rs] for rs in refs[:10]]
    for h, r in [(hyps, refs), (hyps[:10], long_refs)]:
        fast = ROUGE(variants=ALL_VARIANTS, backend="numpy").pair_counts(h, r)[0]
        slow = ROUGE(variants=ALL_VARIANTS, backend="python").pair_counts(h, r)[0]
        np.testing.assert_array_equal(fast, slow)


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(categories=["L", "N", "M", "P", "Zs"]), min_size=1, max_size=40))
def test_identical_texts_score_one_with_unicode_tokenizer(text):
    metric = ROUGE(variants=("rouge1", "rougeL", "rougeLsum", "rougeW", "rougeSU4"), tokenize="unicode")
    if not metric.options.tokenizer(text):
        return  # nothing to compare: punctuation or marks only (the empty-tokenization warning's case)
    r = metric([text], [text])
    for v in r.variants:
        assert r.components[v] == (1.0, 1.0, 1.0), v


def test_unicode_tokenizer_agrees_with_rouge_score_on_ascii(real_pairs):
    # on ASCII text both tokenizers keep the runs of [a-z0-9]; stemming then follows the same rule
    hyps, refs = _summaries(real_pairs, 200)
    for stem, backend, n in [(False, "numpy", 200), (True, "numpy", 200), (True, "python", 40)]:
        want = ROUGE(variants=TYPES, use_stemmer=stem).stats(hyps[:n], refs[:n])
        got = ROUGE(variants=TYPES, use_stemmer=stem, tokenize="unicode", backend=backend).stats(hyps[:n], refs[:n])
        np.testing.assert_array_equal(got, want)


def test_lsum_in_blocks_equals_python(real_pairs, monkeypatch):
    from evalkit.text import _rouge_numpy

    hyps, refs = real_pairs
    docs_h = ["\n".join(hyps[i : i + 12]) for i in range(0, 120, 12)]
    docs_r = [
        ["\n".join(r[0] for r in refs[i : i + 12]), "\n".join(r[-1] for r in refs[i : i + 12])]
        for i in range(0, 120, 12)
    ]
    slow = ROUGE(variants="rougeLsum", backend="python").stats(docs_h, docs_r)
    monkeypatch.setattr(_rouge_numpy, "_BLOCK", 700)  # several blocks, some cutting a document's references
    np.testing.assert_array_equal(ROUGE(variants="rougeLsum").stats(docs_h, docs_r), slow)


# -- forked shards ----------------------------------------------------------------------------------------

needs_fork = pytest.mark.skipif(sys.platform != "linux", reason="forked shards are used on Linux only")


@needs_fork
@pytest.mark.parametrize(
    ("n_docs", "options"),
    [
        (900, {"variants": TYPES}),
        (900, {"variants": TYPES, "multi_ref": "pooled", "use_stemmer": True}),
        (150, {"variants": ("rougeL", "rougeW", "rougeSU4"), "multi_ref": "best_recall", "tokenize": "unicode"}),
        (200, {"variants": ("rouge2", "rougeLsum"), "backend": "python"}),
    ],
    ids=["max_f", "pooled-stem", "W-SU4-unicode", "python"],
)
def test_forked_shards_equal_one_process(real_pairs, n_docs, options):
    hyps, refs = _summaries(real_pairs, n_docs)
    metric = ROUGE(**options)
    want = metric.stats(hyps, refs, processes=1)
    for processes in (2, 3):
        np.testing.assert_array_equal(metric.stats(hyps, refs, processes=processes), want)
    tokens = [h.split() for h in hyps[:50]], [[r.split() for r in rs] for rs in refs[:50]]
    np.testing.assert_array_equal(metric.stats(*tokens, processes=2), metric.stats(*tokens, processes=1))


@needs_fork
def test_forked_shards_equal_rouge_score(real_pairs):
    hyps, refs = _summaries(real_pairs, 300)
    scorer = rouge_scorer.RougeScorer(TYPES)
    want = _as_rows([scorer.score_multi(r, h) for h, r in zip(hyps, refs)], TYPES)
    got = ROUGE(variants=TYPES).stats(hyps, refs, processes=2)[:, :-1]
    assert np.abs(got - want).max() <= 1e-12


@needs_fork
def test_empty_tokenization_warns_once_with_the_total_over_shards(real_pairs):
    hyps, refs = (list(x[:300]) for x in real_pairs)
    # texts that rouge-score's tokenizer empties, one in each of the three shards (documents 0-99, 100-199,
    # 200-299): hypotheses 40 and 250 and the second reference of document 120, so 3 in all; the example
    # is the first in the order hypotheses, then references: hypothesis 40
    hyps[40], hyps[250] = "Привет, мир", "東京"
    refs[120] = [refs[120][0], "Ελλάδα"]
    for processes in (1, 3):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ROUGE().stats(hyps, refs, processes=processes)
        assert len(caught) == 1, [str(w.message) for w in caught]
        message = str(caught[0].message)
        assert "3 non-empty text(s)" in message and "'Привет, мир'" in message, message
    hyps[40], hyps[250] = real_pairs[0][40], real_pairs[0][250]  # now only the reference of document 120
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ROUGE().stats(hyps, refs, processes=3)
    assert len(caught) == 1 and "1 non-empty text(s)" in str(caught[0].message) and "'Ελλάδα'" in str(caught[0].message)


def test_processes_must_be_a_positive_int(real_pairs):
    with pytest.raises(InvalidOptionError, match=r"'processes' parameter of rouge must be an int >= 1\. Got 0"):
        ROUGE().stats(["a"], ["a"], processes=0)


def test_compiled_kernels_give_the_numpy_rows(real_pairs, monkeypatch):
    pytest.importorskip("evalkit.text._kernels", reason="evalkit was installed without a C compiler")
    from evalkit.text import rouge as rouge_module

    hyps, refs = _summaries(real_pairs, 500)
    metric = ROUGE(variants=TYPES, multi_ref="mean")
    monkeypatch.setattr(rouge_module, "use_compiled", lambda: False)
    want = metric.stats(hyps, refs, processes=1)
    monkeypatch.setattr(rouge_module, "use_compiled", lambda: True)
    np.testing.assert_array_equal(metric.stats(hyps, refs, processes=1), want)
    if sys.platform == "linux":
        np.testing.assert_array_equal(metric.stats(hyps, refs, processes=2), want)
