"""BLEU: cross-checks against sacrebleu and nltk in the same process, the formula by hand, edge cases, errors."""

from __future__ import annotations

import copy
import math
import sys
import warnings

import numpy as np
import pytest

from evalkit import BLEU, bleu, bleu_from_stats, bleu_weights, get_metric, sentence_bleu, sentence_bleu_weights
from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError
from evalkit.tokenizers import available_tokenizers

sacrebleu = pytest.importorskip("sacrebleu")
nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")

TOKENIZERS = ["none", "13a", "intl", "char", "zh"]
SACRE_SMOOTHING = [("none", None), ("floor", None), ("floor", 0.3), ("add-k", None), ("add-k", 2), ("exp", None)]
TOL = 1e-9


def streams(references):
    """evalkit's layout (references per segment, varying count) to sacrebleu's streams, padded with None."""
    k = max(len(seg) for seg in references)
    return [[seg[j] if j < len(seg) else None for seg in references] for j in range(k)]


def tokenized(hypotheses, references):
    return [h.split() for h in hypotheses], [[r.split() for r in seg] for seg in references]


@pytest.fixture(scope="module")
def subset(real_pairs):
    hyps, refs = real_pairs
    return hyps[:600], refs[:600]


def _needs(tok):
    if tok not in available_tokenizers():
        pytest.skip(f"tokenizer {tok!r} is not registered in this build")


# -- sacrebleu -----------------------------------------------------------------------------------


def _sacre_bleu(row, smooth, value, eff):
    """sacrebleu's own scoring (``BLEU.compute_bleu``, what corpus_bleu and sentence_score call) of one row."""
    n = (len(row) - 2) // 2
    return sacrebleu.metrics.BLEU.compute_bleu(
        correct=[int(x) for x in row[2 : 2 + n]],  # fresh lists: add-k changes them in place
        total=[int(x) for x in row[2 + n :]],
        sys_len=int(row[0]),
        ref_len=int(row[1]),
        smooth_method=smooth,
        smooth_value=value,
        effective_order=eff,
    )


@pytest.mark.parametrize("tok", TOKENIZERS)
def test_corpus_and_sentences_match_sacrebleu(subset, tok):
    """Every smoothing x effective_order, corpus and sentence level. sacrebleu tokenizes the subset once
    (``_extract_corpus_statistics``, the first half of its ``corpus_score``) and scores each combination
    with ``compute_bleu``, the second half; one full ``corpus_bleu`` / ``sentence_score`` call ties the halves."""
    _needs(tok)
    hyps, refs = subset
    sacre_rows = np.array(sacrebleu.metrics.BLEU(tokenize=tok)._extract_corpus_statistics(hyps, streams(refs)))
    full = sacrebleu.corpus_bleu(hyps, streams(refs), tokenize=tok)
    assert full.score == _sacre_bleu(sacre_rows.sum(axis=0), "exp", None, False).score
    one = sacrebleu.metrics.BLEU(tokenize=tok, effective_order=True).sentence_score(hyps[7], refs[7])
    assert one.score == _sacre_bleu(sacre_rows[7], "exp", None, True).score
    # evalkit's rows are sacrebleu's, integer for integer; the end-to-end functions once, then every option
    rows = BLEU(tokenize=tok).stats(hyps, refs)
    assert np.array_equal(rows, sacre_rows)
    assert abs(bleu(hyps, refs, tokenize=tok).score - full.score / 100) < TOL
    assert abs(sentence_bleu(hyps[7:8], refs[7:8], tokenize=tok)[0] - one.score / 100) < TOL
    for smooth, value in SACRE_SMOOTHING:
        for eff in [False, True]:
            options = {"smooth": smooth, "smooth_value": value, "effective_order": eff}
            expected = _sacre_bleu(sacre_rows.sum(axis=0), smooth, value, eff)
            got = bleu_from_stats(rows, **options)
            assert abs(got.score - expected.score / 100) < TOL
            assert got.components["hyp_len"] == expected.sys_len and got.components["ref_len"] == expected.ref_len
            assert abs(got.components["bp"] - expected.bp) < TOL
            assert np.allclose(got.components["precisions"], np.array(expected.precisions) / 100, rtol=0, atol=TOL)
            if smooth != "add-k":  # sacrebleu adds k to the counts it reports; evalkit reports the counts
                assert got.components["counts"] == expected.counts and got.components["totals"] == expected.totals
            sentences = np.array([_sacre_bleu(row, smooth, value, eff).score / 100 for row in sacre_rows[:200]])
            assert np.abs(BLEU(tokenize=tok, **options).scores(rows[:200]) - sentences).max() < TOL


@pytest.mark.parametrize("lowercase", [False, True])
def test_lowercase_and_sacrebleu_sentence_function(lowercase):
    hyps = ["The Cat sat ON the mat .", "A dog", "Über den Fluß"]
    refs = [["the cat sat on the mat.", "THE CAT IS ON THE MAT"], ["a Dog barked"], ["über den fluss"]]
    expected = sacrebleu.corpus_bleu(hyps, streams(refs), lowercase=lowercase, tokenize="none")
    assert abs(bleu(hyps, refs, lowercase=lowercase, tokenize="none").score - expected.score / 100) < TOL
    for h, r, got in zip(hyps, refs, sentence_bleu(hyps, refs, lowercase=lowercase, tokenize="none")):
        want = sacrebleu.sentence_bleu(h, r, lowercase=lowercase, tokenize="none").score / 100
        assert abs(got - want) < TOL


def test_signature_like_sacrebleu(subset):
    hyps, refs = subset
    got = bleu(hyps, refs, tokenize="none")
    sacre = sacrebleu.metrics.BLEU(tokenize="none")
    sacre.corpus_score(hyps, streams(refs))
    # same keys and values up to the version; evalkit's varying reference count reads 'var' as sacrebleu's
    assert str(got.signature).rsplit("|", 1)[0] == str(sacre.get_signature()).rsplit("|", 1)[0]
    floor = bleu(["a b"], [["a b"]], tokenize="none", smooth="floor")
    assert str(floor.signature).startswith("nrefs:1|case:mixed|eff:no|tok:none|smooth:floor[0.10]|version:")
    custom = bleu(["a b"], ["a b"], tokenize="none", weights=(0.5, 0.5), convention="nltk", smooth="method1")
    # (0.5, 0.5) is the uniform default for two orders, so no weights appear
    assert "|smooth:method1[0.10]|order:2|conv:nltk|version:" in str(custom.signature)
    lop = bleu(["a b"], ["a b"], tokenize="none", weights=(0.7, 0.3), lowercase=True)
    assert "case:lc|" in str(lop.signature) and "|order:2|weights:0.7,0.3|" in str(lop.signature)


@pytest.mark.slow
def test_20k_real_segments_both_conventions(real_pairs):
    """The two libraries' numbers on 20,000 real segments: sacrebleu's and nltk's short-hypothesis counts."""
    hyps, refs = real_pairs
    sacre = sacrebleu.corpus_bleu(hyps, streams(refs), tokenize="none")
    ours = bleu(hyps, refs, tokenize="none")
    assert abs(ours.score - sacre.score / 100) < TOL
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nltk_score = nltk_bleu.corpus_bleu(ref_tokens, hyp_tokens)
    ours_nltk = bleu(hyp_tokens, ref_tokens, tokenize="none", smooth="method0", convention="nltk")
    assert abs(ours_nltk.score - nltk_score) < TOL
    # the conventions differ on the totals only: nltk counts one n-gram where a hypothesis has none
    short = [sum(len(h) < n for h in hyp_tokens) for n in range(1, 5)]
    assert (
        np.array_equal(np.array(ours_nltk.components["totals"]) - ours.components["totals"], short)
        and ours_nltk.components["counts"] == ours.components["counts"]
    )
    assert ours_nltk.score < ours.score


# -- nltk ----------------------------------------------------------------------------------------

METHODS = [f"method{i}" for i in range(8)]


def _nltk_smoother(method, value=None):
    kwargs = {}
    if value is not None:
        kwargs = {"method1": {"epsilon": value}, "method6": {"alpha": value}}.get(method, {"k": value})
    return getattr(nltk_bleu.SmoothingFunction(**kwargs), method)


@pytest.mark.parametrize("method", METHODS[:5])
def test_corpus_matches_nltk(subset, method):
    """Methods 0-4 need only summed counts and the total hypothesis length: nltk's corpus_bleu exactly."""
    hyp_tokens, ref_tokens = tokenized(*subset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = nltk_bleu.corpus_bleu(ref_tokens, hyp_tokens, smoothing_function=_nltk_smoother(method))
    got = bleu(hyp_tokens, ref_tokens, tokenize="none", smooth=method, convention="nltk")
    assert abs(got.score - expected) < TOL


@pytest.mark.parametrize("method", METHODS)
def test_sentences_match_nltk(subset, method):
    hyps, refs = subset[0][:200], subset[1][:200]
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    got = sentence_bleu(hyps, refs, tokenize="none", smooth=method, convention="nltk", effective_order=False)
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (h, r) in enumerate(zip(hyp_tokens, ref_tokens)):
            try:
                expected = nltk_bleu.sentence_bleu(r, h, smoothing_function=_nltk_smoother(method))
            except AssertionError:  # nltk's method6 refuses a hypothesis without a trigram match
                assert method == "method6"
                continue
            assert abs(got[i] - expected) < TOL, (i, h, r)
            compared += 1
    assert compared >= 100


@pytest.mark.parametrize("method,value", [("method1", 0.5), ("method4", 3), ("method6", 2), ("method7", 8)])
def test_nltk_smoothing_parameters(subset, method, value):
    hyps, refs = subset[0][:120], subset[1][:120]
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    got = sentence_bleu(
        hyp_tokens,
        ref_tokens,
        tokenize="none",
        smooth=method,
        smooth_value=value,
        convention="nltk",
        effective_order=False,
    )
    compared = 0
    for i, (h, r) in enumerate(zip(hyp_tokens, ref_tokens)):
        try:
            expected = nltk_bleu.sentence_bleu(r, h, smoothing_function=_nltk_smoother(method, value))
        except AssertionError:
            continue
        assert abs(got[i] - expected) < TOL
        compared += 1
    assert compared >= 60


WEIGHTS = [(0.1, 0.3, 0.5, 0.1), (0.5, 0.5), (1 / 3, 1 / 3, 1 / 3), (0.2, 0.2, 0.2, 0.2, 0.2), (1.0,)]


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("method", ["method0", "method1", "method2", "method3", "method4"])
def test_custom_weights_match_nltk_corpus(subset, weights, method):
    hyp_tokens, ref_tokens = tokenized(*subset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = nltk_bleu.corpus_bleu(
            ref_tokens, hyp_tokens, weights=weights, smoothing_function=_nltk_smoother(method)
        )
    got = bleu(hyp_tokens, ref_tokens, tokenize="none", weights=weights, smooth=method, convention="nltk")
    assert abs(got.score - expected) < TOL


@pytest.mark.parametrize("method", METHODS)
def test_several_weight_vectors_at_once(subset, method):
    """nltk scores every vector on precisions up to the longest vector; so does evalkit, in one pass."""
    hyps, refs = subset[0][:80], subset[1][:80]
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    vectors = [(0.5, 0.5), (1 / 3, 1 / 3, 1 / 3), (0.25, 0.25, 0.25, 0.25)]
    got = sentence_bleu_weights(
        hyps, refs, tokenize="none", weights=vectors, smooth=method, convention="nltk", effective_order=False
    )
    assert got.shape == (80, 3)
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (h, r) in enumerate(zip(hyp_tokens, ref_tokens)):
            try:
                expected = nltk_bleu.sentence_bleu(r, h, weights=vectors, smoothing_function=_nltk_smoother(method))
            except AssertionError:
                continue
            assert np.abs(got[i] - expected).max() < TOL
            compared += 1
        assert compared >= 40
        if method in METHODS[:5]:
            corpus = bleu_weights(hyps, refs, tokenize="none", weights=vectors, smooth=method, convention="nltk")
            want = nltk_bleu.corpus_bleu(
                ref_tokens, hyp_tokens, weights=vectors, smoothing_function=_nltk_smoother(method)
            )
            assert [type(r).__name__ for r in corpus] == ["Result"] * 3
            assert np.abs(np.array([r.score for r in corpus]) - want).max() < TOL


@pytest.mark.parametrize("method", METHODS)
def test_effective_order_is_nltk_auto_reweigh(method):
    hyps = ["the cat", "a cat sat", "the", "a cat sat on the mat", "x y z"]
    refs = [["the cat sat"], ["a cat sat on"], ["the cat"], ["a cat sat on a mat"], ["x y z w"]]
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    got = sentence_bleu(hyps, refs, tokenize="none", smooth=method, convention="nltk", effective_order=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (h, r) in enumerate(zip(hyp_tokens, ref_tokens)):
            try:
                expected = nltk_bleu.sentence_bleu(r, h, smoothing_function=_nltk_smoother(method), auto_reweigh=True)
            except (AssertionError, IndexError):
                continue
            assert abs(got[i] - expected) < TOL, (method, h)


def test_nltk_corpus_methods_5_to_7_use_summed_statistics():
    """nltk's corpus_bleu hands methods 5-7 the *last* segment; evalkit the summed statistics, so a
    one-segment corpus agrees with nltk and the score does not depend on segment order."""
    h, r = tokenized(["the cat sat on the mat today"], [["the cat sat on a mat today"]])
    for method in ("method5", "method6", "method7"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = nltk_bleu.corpus_bleu(r, h, smoothing_function=_nltk_smoother(method))
        assert abs(bleu(h, r, tokenize="none", smooth=method, convention="nltk").score - expected) < TOL


# -- the formula by hand -------------------------------------------------------------------------

# one segment: 4 hypothesis tokens, closest reference 5; 3/4 unigrams, 1/3 bigrams, 0/2 trigrams, 0/1 4-grams
ROW = [4, 5, 3, 1, 0, 0, 4, 3, 2, 1]
BP = math.exp(1 - 5 / 4)


@pytest.mark.parametrize(
    "smooth,value,precisions",
    [
        ("exp", None, [3 / 4, 1 / 3, 1 / (2 * 2), 1 / (4 * 1)]),  # 1/(2^k * total) for the k-th zero order
        ("floor", 0.1, [3 / 4, 1 / 3, 0.1 / 2, 0.1 / 1]),
        ("add-k", 1, [3 / 4, (1 + 1) / (3 + 1), (0 + 1) / (2 + 1), (0 + 1) / (1 + 1)]),  # not on unigrams
        ("method1", 0.1, [3 / 4, 1 / 3, 0.1 / 2, 0.1 / 1]),
        ("method2", None, [3 / 4, (1 + 1) / (3 + 1), (0 + 1) / (2 + 1), (0 + 1) / (1 + 1)]),
        ("method3", None, [3 / 4, 1 / 3, 1 / (2 * 2), 1 / (4 * 1)]),
        # 1 / (2^k * K / ln(hyp_len)) / total, K = 5
        ("method4", None, [3 / 4, 1 / 3, math.log(4) / (2 * 5) / 2, math.log(4) / (4 * 5) / 1]),
    ],
)
def test_smoothing_by_hand(smooth, value, precisions):
    r = bleu_from_stats(ROW, smooth=smooth)
    expected = BP * math.exp(sum(math.log(p) for p in precisions) / 4)
    assert r.score == pytest.approx(expected, rel=1e-12)
    assert r.components["precisions"] == pytest.approx(precisions, rel=1e-12)
    assert r.components["bp"] == pytest.approx(BP, rel=1e-15) and r.components["ratio"] == 4 / 5
    assert r.components["counts"] == [3, 1, 0, 0] and r.components["totals"] == [4, 3, 2, 1]


def test_no_smoothing_and_method0_by_hand():
    assert bleu_from_stats(ROW, smooth="none").score == 0.0  # log 0 floored at -9999999999
    tiny = sys.float_info.min  # nltk keeps log() finite with the smallest float
    expected = BP * math.exp((math.log(3 / 4) + math.log(1 / 3) + 2 * math.log(tiny)) / 4)
    assert bleu_from_stats(ROW, smooth="method0").score == pytest.approx(expected, rel=1e-12)
    assert bleu_from_stats(ROW, smooth="none", max_order=2).score == pytest.approx(BP * math.sqrt(3 / 4 * 1 / 3))


def test_method5_6_7_by_hand():
    # 7 tokens, 6 correct unigrams, 3/6 bigrams, 1/5 trigrams, 0/4 4-grams, 0/3 5-grams
    row = [7, 7, 6, 3, 1, 0, 0, 7, 6, 5, 4, 3]
    p = [6 / 7, 3 / 6, 1 / 5, 0 / 4]
    p5 = 0 / 3
    # method5: m_{-1} = p1 + 1; p'_n = (m_{n-1} + p_n + p_{n+1}) / 3, the 5-gram precision after p4
    m1 = (p[0] + 1 + p[0] + p[1]) / 3
    m2 = (m1 + p[1] + p[2]) / 3
    m3 = (m2 + p[2] + p[3]) / 3
    m4 = (m3 + p[3] + p5) / 3
    expected5 = math.exp((math.log(m1) + math.log(m2) + math.log(m3) + math.log(m4)) / 4)
    assert bleu_from_stats(row, smooth="method5").score == pytest.approx(expected5, rel=1e-12)
    # method6 (alpha 5): p'_n = (correct_n + alpha * p'_{n-1}^2 / p'_{n-2}) / (total_n + alpha), n >= 3
    q3 = (1 + 5 * p[1] ** 2 / p[0]) / (5 + 5)
    q4 = (0 + 5 * q3**2 / p[1]) / (4 + 5)
    expected6 = math.exp((math.log(p[0]) + math.log(p[1]) + math.log(q3) + math.log(q4)) / 4)
    assert bleu_from_stats(row, smooth="method6").score == pytest.approx(expected6, rel=1e-12)
    # method7: method4 first (p4 = 1 / (2 * 5 / ln 7) / 4), then method5 on the result
    s = [p[0], p[1], p[2], math.log(7) / (2 * 5) / 4]
    n1 = (s[0] + 1 + s[0] + s[1]) / 3
    n2 = (n1 + s[1] + s[2]) / 3
    n3 = (n2 + s[2] + s[3]) / 3
    n4 = (n3 + s[3] + p5) / 3
    expected7 = math.exp((math.log(n1) + math.log(n2) + math.log(n3) + math.log(n4)) / 4)
    assert bleu_from_stats(row, smooth="method7").score == pytest.approx(expected7, rel=1e-12)


def test_effective_order_and_brevity_by_hand():
    # 2 tokens, both right, the bigram right: orders 3 and 4 have no n-grams
    row = [2, 3, 2, 1, 0, 0, 2, 1, 0, 0]
    bp = math.exp(1 - 3 / 2)
    assert bleu_from_stats(row, effective_order=True).score == pytest.approx(bp * math.sqrt(1 * 1))
    assert bleu_from_stats(row, effective_order=False).score == 0.0  # sacrebleu: later orders count as 0
    # nltk's convention counts one n-gram where there is none: 0/1, so method3 smooths to 1/2 and 1/4
    nltk_row = bleu_from_stats(row, smooth="exp", convention="nltk")
    assert nltk_row.score == pytest.approx(bp * (1 * 1 * 1 / 2 * 1 / 4) ** 0.25)
    assert nltk_row.components["totals"] == [2, 1, 1, 1]
    # brevity penalty: 1 when hyp_len >= ref_len (0 = 0 included, as sacrebleu), 0 for an empty hypothesis
    assert bleu_from_stats([3, 3, 3, 2, 1, 0, 3, 2, 1, 0], effective_order=True).components["bp"] == 1.0
    assert bleu_from_stats([0, 3, 0, 0, 0, 0, 0, 0, 0, 0]).components["bp"] == 0.0
    assert bleu_from_stats([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).components["bp"] == 1.0


def test_custom_weights_by_hand():
    row = [4, 4, 4, 3, 2, 1, 4, 3, 2, 1]  # a perfect 4-token hypothesis except nothing
    assert bleu_from_stats(row, weights=(0.1, 0.3, 0.5, 0.1)).score == pytest.approx(1.0)
    row = [4, 4, 3, 1, 1, 1, 4, 3, 2, 1]
    expected = math.exp(0.7 * math.log(3 / 4) + 0.3 * math.log(1 / 3))
    assert bleu_from_stats(row, weights=(0.7, 0.3)).score == pytest.approx(expected)
    several = [bleu_from_stats(row, weights=w) for w in [(0.7, 0.3), (1.0,)]]
    assert [r.score for r in several] == pytest.approx([expected, 3 / 4])
    # one return type whatever the options: several vectors have their own functions
    with pytest.raises(InvalidOptionError, match="bleu_weights"):
        bleu(["a b"], ["a b"], weights=[(0.5, 0.5), (1.0,)])
    with pytest.raises(InvalidOptionError, match="sentence_bleu_weights"):
        sentence_bleu(["a b"], ["a b"], weights=[(0.5, 0.5), (1.0,)], effective_order=False)
    with pytest.raises(InvalidOptionError, match=r"\[bleu_from_stats"):
        bleu_from_stats(row, weights=[(0.7, 0.3), (1.0,)])


# -- the metric object ---------------------------------------------------------------------------


def test_update_merge_compute_equal_functional(subset):
    hyps, refs = subset
    whole = bleu(hyps, refs, tokenize="none")
    a = BLEU(tokenize="none").update(hyps[:100], refs[:100]).update(hyps[100:250], refs[100:250])
    b = BLEU(tokenize="none").update(hyps[250:], refs[250:])
    merged = a.merge(b).compute()
    assert merged.score == whole.score and str(merged.signature) == str(whole.signature)
    assert a.n_items == len(hyps)
    assert get_metric("bleu", tokenize="none")(hyps, refs).score == whole.score
    m = BLEU(tokenize="none")
    m(hyps, refs)  # a call leaves the running state alone
    assert m.total is None
    with pytest.raises(InputError, match="cannot merge"):
        BLEU(tokenize="none").merge(BLEU(tokenize="none", smooth="floor"))


def test_scores_equal_score_row_by_row(subset):
    hyps, refs = subset[0][:40], subset[1][:40]
    raw = BLEU(tokenize="none", max_order=5).stats(hyps, refs)
    for smooth in ["exp", "none", "floor", "add-k", *METHODS]:
        for convention in ["sacrebleu", "nltk"]:
            m = BLEU(tokenize="none", smooth=smooth, convention=convention, effective_order=smooth != "none")
            rows = m.stats(hyps, refs)
            k = (rows.shape[1] - 2) // 2
            # the same rows as sacrebleu's layout cut to K orders, nltk's convention raising totals to 1
            cut = np.hstack([raw[:, : 2 + k], raw[:, 7 : 7 + k]])
            assert np.array_equal(
                rows,
                np.hstack(
                    [cut[:, : 2 + k], cut[:, 2 + k :] if convention == "sacrebleu" else np.maximum(cut[:, 2 + k :], 1)]
                ),
            )
            assert np.array_equal(m.scores(rows), [m.score(row).score for row in rows])
            assert [r.score for r in m.sentence_scores(hyps, refs)] == list(m.scores(rows))


def test_sentence_scores_signatures():
    results = BLEU(tokenize="none", effective_order=True).sentence_scores(["a b", "c d"], [["a b"], ["c d", "c e"]])
    assert [str(r.signature).split("|")[0] for r in results] == ["nrefs:1", "nrefs:2"]
    assert str(results[0]).startswith("BLEU = 100.00 (precisions=")


# -- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("tok", TOKENIZERS)
def test_edge_cases_match_sacrebleu(tok):
    _needs(tok)
    hyps = [
        "",  # empty hypothesis
        "a b c",  # empty reference
        "the cat",  # shorter than max_order
        "!!! ... ?? ,,",  # all punctuation
        "猫がマットの上に座った。 我们今天去公园。",  # CJK
        "แมวนั่งบนเสื่อ",  # Thai, no spaces
        "the 🐱 sat on the 🧶 😀😀",  # emoji
        "naïve café déjà vu — “quotes” ‘and’ « guillemets »",
    ]
    refs = [
        ["the cat sat"],
        [""],
        ["the cat sat on the mat", "the cat"],
        ["!!! ... ? ,"],
        ["猫がマットの上に座っている。", "我们今天去了公园。"],
        ["แมวนั่งบนเสื่อ"],
        ["the 🐱 sat on the 🧶 😀"],
        ["naïve café déjà vu — “quotes”"],
    ]
    metric = sacrebleu.metrics.BLEU(tokenize=tok, effective_order=True)
    expected = [metric.sentence_score(h, r).score / 100 for h, r in zip(hyps, refs)]
    got = sentence_bleu(hyps, refs, tokenize=tok)
    assert np.abs(got - expected).max() < TOL
    assert got[0] == 0.0 and got[1] == 0.0
    corpus = sacrebleu.corpus_bleu(hyps, streams(refs), tokenize=tok)
    assert abs(bleu(hyps, refs, tokenize=tok).score - corpus.score / 100) < TOL


def test_empty_hypothesis_and_reference_score_zero():
    for hyps, refs in [([""], [["a b"]]), (["a b"], [[""]]), ([""], [[""]])]:
        for smooth in ["exp", "none", "floor", "add-k", *METHODS]:
            for convention in ["sacrebleu", "nltk"]:
                assert bleu(hyps, refs, tokenize="none", smooth=smooth, convention=convention).score == 0.0


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_long_line_matches_sacrebleu(backend):
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)]
    hyp = " ".join(rng.choice(words, 10_000))
    ref = " ".join(rng.choice(words, 10_000))
    expected = sacrebleu.corpus_bleu([hyp], [[ref]], tokenize="none").score / 100
    assert abs(bleu([hyp], [ref], tokenize="none", backend=backend).score - expected) < TOL


@pytest.mark.parametrize("lowercase", [False, True])
def test_pretokenized_input_equals_strings_on_both_backends(subset, lowercase):
    hyps, refs = subset[0][:50], subset[1][:50]
    hyp_tokens, ref_tokens = tokenized(hyps, refs)
    from_strings = BLEU(tokenize="none", lowercase=lowercase, backend="python").stats(hyps, refs)
    for backend in ["python", "numpy"]:
        metric = BLEU(tokenize="none", lowercase=lowercase, backend=backend)
        assert np.array_equal(metric.stats(hyp_tokens, ref_tokens), from_strings)


def test_custom_tokenizer_callable():
    def split_on_dash(line):
        return line.split("-")

    r = bleu(["a-b-c"], ["a-b-c"], tokenize=split_on_dash, max_order=3)
    assert r.score == 1.0 and "|tok:split_on_dash|" in str(r.signature)


def test_inputs_not_mutated():
    hyps, refs = ["a b c", "d e"], [["a b c", "a b"], "d e"]
    saved = copy.deepcopy((hyps, refs))
    bleu(hyps, refs, tokenize="none", smooth="add-k")
    sentence_bleu(hyps, refs, tokenize="none", smooth="method7")
    row = np.array(ROW)
    bleu_from_stats(row, smooth="add-k", convention="nltk")
    assert (hyps, refs) == saved and row.tolist() == ROW


# -- errors --------------------------------------------------------------------------------------


def test_input_errors():
    with pytest.raises(InputError, match="'hypotheses' has 2 and 'references' has 1"):
        bleu(["a", "b"], ["a"], tokenize="none")
    with pytest.raises(InputError, match=r"looks transposed.*list\(zip\(\*references\)\)"):
        bleu(["a", "b", "c"], [["a", "b", "c"], ["x", "y", "z"]], tokenize="none")
    with pytest.raises(InputTypeError, match=r"bleu: hypotheses\[1\] must be a str, got a int"):
        bleu(["a", 1], ["a", "b"], tokenize="none")
    with pytest.raises(InputTypeError, match=r"sentence_bleu: references\[1\]\[0\] must be a str, got a NoneType"):
        sentence_bleu(["a", "b"], ["a", [None]], tokenize="none")
    with pytest.raises(EmptyInputError, match="bleu: the corpus is empty"):
        bleu([], [], tokenize="none")
    with pytest.raises(EmptyInputError, match="compute\\(\\) called before any update"):
        BLEU(tokenize="none").compute()
    with pytest.raises(InvalidOptionError, match=r"pre-tokenized input .* needs tokenize='none'; got tokenize='x'"):
        bleu([["a", "b"]], [[["a", "b"]]], tokenize=_named("x"))


def _named(name):
    def fn(line):
        return line.split()

    fn.__name__ = name
    return fn


@pytest.mark.parametrize(
    "options,message",
    [
        (
            {"smooth": "expo"},
            r"The 'smooth' parameter of bleu must be one of 'none', .*'method7'\. Got 'expo' instead \(did you mean 'exp'\?\)\.",
        ),
        ({"tokenize": "13b"}, r"The 'tokenize' parameter of bleu must be one of .*'none'.* Got '13b' instead"),
        ({"max_order": 0}, r"The 'max_order' parameter of bleu must be an int in \[1, 100\]\. Got 0 instead\."),
        ({"weights": (0.5, -0.5)}, r"The 'weights' parameter of bleu must be a sequence of non-negative numbers"),
        ({"weights": "0.5"}, r"The 'weights' parameter of bleu must be a sequence"),
        (
            {"weights": [(0.5, 0.5), (1.0,)]},
            r"of bleu takes one weight vector in a BLEU object; for several at once use bleu",
        ),
        ({"weights": (0.2,) * 5, "max_order": 4}, r"has a vector of 5 weights but max_order=4"),
        ({"smooth_value": 0.2}, r"'smooth_value' parameter of bleu applies to smooth in 'floor', 'add-k', "),
        ({"smooth": "floor", "smooth_value": -1}, r"'smooth_value' parameter of bleu must be a number in \[0, inf\)"),
        ({"smooth": "method6", "smooth_value": 0}, r"'smooth_value' parameter of bleu must be a number in \(0, inf\)"),
        ({"effective_order": 1}, r"The 'effective_order' parameter of bleu must be True or False\. Got 1 instead\."),
        ({"lowercase": "yes"}, r"The 'lowercase' parameter of bleu must be True or False"),
        (
            {"convention": "moses"},
            r"The 'convention' parameter of bleu must be one of 'sacrebleu', 'nltk'\. Got 'moses'",
        ),
        ({"backend": "torch"}, r"The 'backend' parameter of bleu must be one of 'auto', 'python', 'numpy'\."),
        (
            {"effective_order": True, "weights": (0.7, 0.3)},
            r"'effective_order' parameter of bleu .* needs uniform weights",
        ),
    ],
)
def test_option_errors(options, message):
    with pytest.raises(InvalidOptionError, match=message):
        BLEU(**options)


def test_functions_name_themselves_in_errors():
    with pytest.raises(InvalidOptionError, match="parameter of sentence_bleu must"):
        sentence_bleu(["a"], ["a"], smooth="methd3")
    with pytest.raises(InvalidOptionError, match="parameter of bleu_from_stats must"):
        bleu_from_stats(ROW, convention="x")
    with pytest.raises(TypeError):
        bleu(["a"], ["a"], "none")  # options are keyword-only


@pytest.mark.parametrize(
    "stats,message",
    [
        ([1, 2, 3], r"must have 2 \+ 2\*K columns .* K >= 4.*got 3 columns"),
        ([[1, 2], [3]], r"'stats' must be a non-empty 1-D or 2-D array of counts"),
        (["a"] * 10, r"'stats' must be a non-empty 1-D or 2-D array of counts"),
        ([1.5] + [0] * 9, "whole numbers"),
        ([-1] + [0] * 9, "non-negative"),
    ],
)
def test_stats_errors(stats, message):
    with pytest.raises(InputError, match=message):
        bleu_from_stats(stats)


def test_method5_needs_order_5_statistics():
    with pytest.raises(InputError, match=r"K >= 5 \(smooth='method5' reads the 5-gram precision\)"):
        bleu_from_stats(ROW, smooth="method5")
    assert BLEU(tokenize="none", smooth="method5").stats(["a b"], ["a b"]).shape == (1, 12)
    with pytest.raises(InputError, match="'total' must be one summed row; got 2 rows"):
        BLEU(tokenize="none").score([ROW, ROW])


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_trailing_whitespace_is_stripped_before_tokenizing_like_sacrebleu(backend):
    # intl splits "1?" only when a non-digit follows the "?": a trailing space would make it two tokens
    import sacrebleu

    hyps, refs = ["1? ", "It costs 3. "], [["1?"], ["It costs 3."]]
    ours = bleu(hyps, refs, tokenize="intl", backend=backend)
    theirs = sacrebleu.corpus_bleu(hyps, [[r[0] for r in refs]], tokenize="intl")
    assert ours.components["hyp_len"] == theirs.sys_len
    assert ours.score == pytest.approx(theirs.score / 100, abs=1e-12)


def test_statistics_with_more_matches_than_ngrams_are_refused():
    # correct_1 = 3 of total_1 = 2 hypothesis unigrams: no segment gives that (a tampered checkpoint would
    # score BLEU above 1)
    with pytest.raises(InputError, match="correct_1 = 3 > total_1 = 2"):
        bleu_from_stats([4, 5, 3, 1, 0, 0, 2, 3, 2, 1], smooth="none")
    saved = BLEU().update(["the cat sat"], ["the cat sat down"]).state_dict()
    saved["total"][2] = saved["total"][2 + 4] + 1
    with pytest.raises(InputError, match="never outnumber"):
        BLEU().load_state_dict(saved)
