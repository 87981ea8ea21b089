"""METEOR: hand-computed cases, cross-checks against nltk.translate.meteor_score, properties, errors."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError, get_metric
from evalkit.lexicon import wordnet
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.lexicon.porter import PorterStemmer
from evalkit.text.meteor import BACKENDS, METEOR, meteor, sentence_meteor


def _nltk_synonyms(reader, word: str) -> frozenset[str]:
    names = {lemma.name() for synset in reader.synsets(word) for lemma in synset.lemmas() if "_" not in lemma.name()}
    return frozenset(names | {word})


class _NoSynonyms:
    """An nltk-shaped WordNet with no synsets: nltk's METEOR without its synonym stage."""

    def synsets(self, word):
        return []


class _NoStemmer:
    """An nltk-shaped stemmer that changes nothing: nltk's METEOR without its stem stage."""

    def stem(self, word):
        return word


def _nltk_scores(hyps, refs, reader, **kwargs) -> list[float]:
    from nltk.translate.meteor_score import meteor_score

    kwargs.setdefault("wordnet", reader)
    return [meteor_score([r.split() for r in rs], h.split(), **kwargs) for h, rs in zip(hyps, refs)]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    """5,000 real pairs with 1 to 3 references; about one hypothesis word in seven is replaced by one of its
    WordNet synonyms, so that the synonym stage has work."""
    hyps, refs = perturbed_pairs(5000, seed=11, max_refs=3)
    rng = random.Random(11)
    out = []
    for line in hyps:
        words = line.split()
        for i, w in enumerate(words):
            if rng.random() < 0.15:
                syns = sorted(wordnet.synonyms(w.lower()) - {w.lower()})
                if syns:
                    words[i] = rng.choice(syns)
        out.append(" ".join(words))
    return out, refs


# -- hand-computed ------------------------------------------------------------------------------------
def test_hand_computed_scores():
    # identical 3-word sentences: m=3, P=R=1, 1 chunk: 1 - 0.5 * (1/3)^3
    assert meteor(["the cat sat"], ["the cat sat"]).score == pytest.approx(1 - 0.5 / 27, abs=1e-15)
    # "car" ~ "auto" (WordNet car.n.01): 3 matches; without synonyms 2 matches of 3, 1 chunk
    assert sentence_meteor(["a big car"], ["a big auto"]).tolist() == [pytest.approx(1 - 0.5 / 27, abs=1e-15)]
    two_of_three = (1 - 0.5 * (1 / 2) ** 3) * (2 / 3)
    assert sentence_meteor(["a big car"], ["a big auto"], modules=("exact", "stem")).tolist() == [
        pytest.approx(two_of_three, abs=1e-15)
    ]
    # nltk's quirk: "purchased" reaches WordNet as its stem "purchas", which has no synsets
    assert sentence_meteor(["purchased a car"], ["bought a car"]).tolist() == [pytest.approx(two_of_three, abs=1e-15)]
    # stems: "cats"/"cat" and "running"/"run" match in the stem stage
    r = meteor(["cats running"], ["cat run"])
    assert r.components["matches"] == 2 and r.components["chunks"] == 1
    # reordered: "b a" against "a b": 2 matches, 2 chunks: penalty 0.5 * 1^3, Fmean 1
    assert meteor(["b a"], ["a b"]).score == pytest.approx(0.5, abs=1e-15)
    # best reference wins; corpus score is the mean of segment scores
    r = meteor(["a b", "x"], [["c d", "a b"], ["y"]])
    assert r.score == pytest.approx((1 - 0.5 / 8) / 2, abs=1e-15) and r.components["segments"] == 2


def test_empty_segments_score_zero():
    assert sentence_meteor(["", "a b", "a"], [["a b"], [""], ["b"]]).tolist() == [0.0, 0.0, 0.0]
    assert sentence_meteor([[]], [[["a"]]]).tolist() == [0.0]
    out = sentence_meteor(["a b", "a"], ["a b", "b"])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (2,)


def test_alpha_beta_gamma_hand_computed():
    # "a b c d" vs "a b x c d e": m=4, P=1, R=4/6, chunks 2
    p, r = 1.0, 4 / 6
    for alpha, beta, gamma in [(0.9, 3.0, 0.5), (0.5, 1.0, 0.2), (0.0, 2.0, 1.0)]:
        fmean = p * r / (alpha * p + (1 - alpha) * r)
        expected = (1 - gamma * (2 / 4) ** beta) * fmean
        got = meteor(["a b c d"], ["a b x c d e"], alpha=alpha, beta=beta, gamma=gamma).score
        assert got == pytest.approx(expected, abs=1e-15)


# -- cross-checks against nltk -----------------------------------------------------------------------
@pytest.mark.slow
def test_corpus_matches_nltk(corpus, nltk_wordnet):
    hyps, refs = corpus
    expected = np.array(_nltk_scores(hyps, refs, nltk_wordnet))
    for backend in BACKENDS:
        got = np.array(sentence_meteor(hyps, refs, backend=backend))
        assert np.max(np.abs(got - expected)) <= 1e-12
        assert np.array_equal(got, expected)  # in fact identical, operation for operation
        assert meteor(hyps, refs, backend=backend).score == pytest.approx(expected.mean(), abs=1e-12)
    # the synonym stage changes many segments of this corpus
    without = np.array(sentence_meteor(hyps, refs, modules=("exact", "stem")))
    assert np.sum(without != expected) > 300


@pytest.mark.slow
def test_bundled_wordnet_matches_nltk_on_every_corpus_word(corpus, nltk_wordnet):
    hyps, refs = corpus
    words = {w.lower() for line in hyps for w in line.split()} | {
        w.lower() for rs in refs for r in rs for w in r.split()
    }
    # METEOR asks WordNet about lowercased words and, after the stem stage, about their stems
    stem = PorterStemmer().stem
    words |= {stem(w) for w in words}
    assert len(words) > 20_000
    bad = [w for w in sorted(words) if wordnet.synonyms(w) != _nltk_synonyms(nltk_wordnet, w)]
    assert bad == []


@pytest.mark.parametrize(
    ("modules", "nltk_kwargs"),
    [
        (("exact",), {"wordnet": _NoSynonyms(), "stemmer": _NoStemmer()}),
        (("exact", "stem"), {"wordnet": _NoSynonyms()}),
        (("exact", "synonym"), {"stemmer": _NoStemmer()}),
    ],
)
def test_module_subsets_match_nltk(corpus, nltk_wordnet, modules, nltk_kwargs):
    hyps, refs = corpus[0][:800], corpus[1][:800]
    expected = _nltk_scores(hyps, refs, nltk_wordnet, **nltk_kwargs)
    for backend in BACKENDS:
        assert sentence_meteor(hyps, refs, modules=modules, backend=backend).tolist() == expected


def test_options_match_nltk(corpus, nltk_wordnet):
    hyps, refs = corpus[0][:500], corpus[1][:500]
    for alpha, beta, gamma in [(0.5, 1.0, 0.2), (1.0, 0.0, 1.0), (0.0, 2.5, 0.0)]:
        expected = _nltk_scores(hyps, refs, nltk_wordnet, alpha=alpha, beta=beta, gamma=gamma)
        assert sentence_meteor(hyps, refs, alpha=alpha, beta=beta, gamma=gamma).tolist() == expected
    # case kept (nltk: preprocess=identity); WordNet's lemma names keep their case too
    expected = _nltk_scores(hyps, refs, nltk_wordnet, preprocess=lambda w: w)
    assert sentence_meteor(hyps, refs, lowercase=False).tolist() == expected
    # ... and without the stem stage, WordNet sees the words with their case ("Monday" keeps its synonyms)
    cased_hyps = [h.replace(" a ", " A ").replace("the", "The") + " Monday Thursday" for h in hyps]
    cased_refs = [[r + " Mon Th" for r in rs] for rs in refs]
    expected = _nltk_scores(cased_hyps, cased_refs, nltk_wordnet, preprocess=lambda w: w, stemmer=_NoStemmer())
    assert sentence_meteor(cased_hyps, cased_refs, lowercase=False, modules=("exact", "synonym")).tolist() == expected
    assert expected != _nltk_scores(cased_hyps, cased_refs, nltk_wordnet, stemmer=_NoStemmer())
    # an nltk reader instead of the bundled data; pre-tokenized input (nltk's layout)
    expected = _nltk_scores(hyps, refs, nltk_wordnet)
    assert sentence_meteor(hyps, refs, wordnet=nltk_wordnet).tolist() == expected
    tokenized = [[r.split() for r in rs] for rs in refs]
    assert sentence_meteor([h.split() for h in hyps], tokenized).tolist() == expected


_VOCAB = [
    "the", "a", "car", "cars", "auto", "automobile", "run", "running", "ran", "runs", "went", "go", "goes",
    "geese", "goose", "big", "large", "bigger", "happy", "glad", "Happy", "dog", "dogs", "canine", "x",
]  # fmt: skip
_sentences = st.lists(st.sampled_from(_VOCAB), min_size=0, max_size=12)


@settings(max_examples=150, deadline=None)
@given(hyp=_sentences, refs=st.lists(_sentences, min_size=1, max_size=3))
def test_random_sentences_match_nltk(nltk_wordnet, hyp, refs):
    # a small vocabulary of inflections and synonyms: repeated words exercise nltk's tie-breaking
    from nltk.translate.meteor_score import meteor_score

    expected = meteor_score(refs, hyp, wordnet=nltk_wordnet)
    for backend in BACKENDS:
        assert sentence_meteor([hyp], [refs], backend=backend).tolist() == [expected]


def test_lowercasing_lines_equals_lowercasing_tokens():
    # the whitespace tokenizer lowercases whole lines; nltk lowercases each token. Final sigma is the one
    # context-dependent lowercase mapping: it must not see across whitespace.
    spaces = [chr(c) for c in range(0x3001) if chr(c).isspace()]
    words = ["AΣ", "Σ", "ΑΣ'", "İ", "ΣΑ", "ǅ", "aΣ\u00ad"]
    for space in spaces:
        line = space.join(words) + space + "x"
        expected = [[t.lower() for t in line.split()]]
        assert METEOR()._tokens([line], [[line]])[0] == expected
        assert METEOR(tokenize=str.split)._tokens([line], [[line]])[0] == expected


def test_control_characters_and_empty_lines_match_nltk(nltk_wordnet):
    # the numpy backend joins each side into one token stream, separated by a control character that no
    # line contains; here every candidate separator occurs, so it must fall back, and still agree
    hyps = ["a \x00 b", "", "\x01 \x02 \x03 C", "x"]
    refs = [["a b", "\x00"], [""], ["c \x03 \x02"], ["x", ""]]
    for lowercase, preprocess in [(True, str.lower), (False, lambda w: w)]:
        expected = _nltk_scores(hyps, refs, nltk_wordnet, preprocess=preprocess)
        for tokenize in ("none", str.split):
            for backend in BACKENDS:
                got = sentence_meteor(hyps, refs, lowercase=lowercase, tokenize=tokenize, backend=backend)
                assert got.tolist() == expected, (lowercase, tokenize, backend)


def test_custom_synonym_function():
    def syn(word):
        return {"pooch"} if word == "dog" else ()

    # one match of one word, one chunk: 1 - 0.5 * 1^3; WordNet has "pooch" in a synset below dog.n.01's
    assert sentence_meteor(["dog"], ["pooch"], wordnet=syn).tolist() == [pytest.approx(0.5, abs=1e-15)]
    assert sentence_meteor(["dog"], ["pooch"]).tolist() == [0.0]
    assert "wordnet:custom" in str(METEOR(wordnet=syn).signature())


# -- properties ---------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    pairs=st.lists(st.tuples(_sentences, st.lists(_sentences, min_size=1, max_size=3)), min_size=1, max_size=12),
    cut=st.integers(min_value=0, max_value=12),
)
def test_merge_equals_whole_and_backends_agree(pairs, cut):
    hyps = [" ".join(h) for h, _ in pairs]
    refs = [[" ".join(r) for r in rs] for _, rs in pairs]
    cut = min(cut, len(pairs))
    rows = {b: METEOR(backend=b).stats(hyps, refs) for b in BACKENDS}
    for b in BACKENDS:
        assert np.array_equal(rows[b], rows[BACKENDS[0]])
    whole = METEOR()(hyps, refs)
    a, b = METEOR(), METEOR()
    if cut:
        a.update(hyps[:cut], refs[:cut])
    if cut < len(pairs):
        b.update(hyps[cut:], refs[cut:])
    merged = a.merge(b).compute()
    assert merged.score == pytest.approx(whole.score, abs=1e-12)
    assert merged.components == whole.components
    sentence = METEOR().sentence_scores(hyps, refs)
    assert [r.score for r in sentence] == list(rows[BACKENDS[0]][:, 0])
    assert METEOR().scores(np.array([rows[BACKENDS[0]].sum(axis=0)]))[0] == pytest.approx(whole.score, abs=1e-15)


def test_registry_signature_and_inputs_unchanged():
    assert type(get_metric("meteor")) is METEOR and "meteor" in evalkit.available_metrics()
    sig = str(METEOR().signature())
    assert sig.startswith("modules:exact,stem,synonym|alpha:0.9|beta:3|gamma:0.5|tok:none|lc:yes|wordnet:3.0-bundled")
    hyps, refs = [["A", "b"]], [[["a", "B"]]]
    meteor(hyps, refs)
    assert hyps == [["A", "b"]] and refs == [[["a", "B"]]]


# -- errors -------------------------------------------------------------------------------------------
def test_option_errors_name_parameter_and_allowed_values():
    with pytest.raises(
        InvalidOptionError,
        match=r"'modules' parameter of meteor must be one of 'exact', 'stem', 'synonym'.*'synonyms'.*did you mean 'synonym'",
    ):
        METEOR(modules=("exact", "synonyms"))
    with pytest.raises(InvalidOptionError, match="must include 'exact'"):
        METEOR(modules=("stem",))
    with pytest.raises(InvalidOptionError, match=r"'alpha' parameter of meteor must be a number in \[0, 1\]"):
        METEOR(alpha=1.5)
    with pytest.raises(InvalidOptionError, match="'gamma'"):
        METEOR(gamma=-0.1)
    with pytest.raises(InvalidOptionError, match="'beta'"):
        METEOR(beta=float("nan"))
    with pytest.raises(InvalidOptionError, match="'backend' parameter of meteor must be one of"):
        METEOR(backend="rust")
    with pytest.raises(InvalidOptionError, match="'tokenize' parameter of meteor"):
        METEOR(tokenize="no-such-tokenizer")
    with pytest.raises(InvalidOptionError, match="'wordnet' parameter of meteor"):
        METEOR(wordnet=42)


def test_score_checks_a_given_total():
    m = METEOR()
    row = m.stats(["a b"], ["a b"])[0]  # score, 1 segment, 2 matches, 1 chunk, lengths 2 and 2
    assert float(m.score(row)) == float(m.score(row.tolist())) == pytest.approx(1 - 0.5 / 8, abs=1e-15)
    cases = [
        (row[:5], r"meteor: 'total' must be a 1-D or 2-D array of numbers with 6 columns \[score, segments, "),
        ("0.5", "must be a 1-D or 2-D array of numbers with 6 columns"),
        ([row, row], "meteor: 'total' must be one summed row; got 2 rows"),
        ([np.nan, 1, 0, 0, 1, 1], "must hold finite numbers"),
        ([-0.5, 1, 0, 0, 1, 1], "must hold non-negative statistics"),
    ]
    for total, match in cases:
        with pytest.raises(InputError, match=match):
            m.score(total)
    with pytest.raises(InputError, match="meteor: 'totals' must be a 1-D or 2-D array of numbers with 6 columns"):
        m.scores(np.ones((3, 7)))


def test_input_errors():
    with pytest.raises(InputError, match="same length"):
        meteor(["a", "b"], ["a"])
    with pytest.raises(InputTypeError, match="'hypotheses' must be a list"):
        meteor("a b", ["a b"])
    with pytest.raises(InputTypeError, match=r"references\[0\]"):
        meteor(["a"], [3])
    with pytest.raises(EmptyInputError):
        meteor([], [])


def test_runs_without_nltk():
    # a core install: nltk absent, WordNet not downloaded; every stage still runs
    code = (
        "import sys; sys.modules['nltk'] = None\n"
        "import evalkit\n"
        "print(evalkit.sentence_meteor(['a big car', 'purchased a car'], ['a big auto', 'bought a car'])[0])\n"
        "print('nltk' in sys.modules and sys.modules['nltk'] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) == pytest.approx(1 - 0.5 / 27, abs=1e-15) and out[1] == "False"
