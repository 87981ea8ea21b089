"""ROUGE: hand-computed cases, options and errors, the faces of the metric, and the tokenizers."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import evalkit
from evalkit import ROUGE, InvalidOptionError, get_metric, rouge
from evalkit.text.rouge import lcs_positions, parse_variant
from evalkit.tokenizers import get_tokenizer


def _prf(result, variant):
    return tuple(result.components[variant])


def _f1(p, r):
    return 2 * p * r / (p + r)


# -- hand-computed cases --------------------------------------------------------------------------------


def test_rouge_n_and_l_by_hand():
    # hyp: the cat sat on the mat (6); ref: the cat was on the mat (6)
    # unigrams: the x2, cat, on, mat match (sat/was do not): 5 of 6 each side
    # bigrams: "the cat", "on the", "the mat" match of 5: 3/5
    # LCS: the cat on the mat = 5
    r = rouge(["The cat sat on the mat."], ["the cat was on the mat"])
    assert _prf(r, "rouge1") == (5 / 6, 5 / 6, _f1(5 / 6, 5 / 6))
    assert _prf(r, "rouge2") == (3 / 5, 3 / 5, _f1(3 / 5, 3 / 5))
    assert _prf(r, "rougeL") == (5 / 6, 5 / 6, _f1(5 / 6, 5 / 6))
    assert float(r) == r.components["rouge1"].fmeasure


def test_rouge_lsum_union_lcs_by_hand():
    # Lin (2004) section 3.2: reference sentence r_i = w1 w2 w3 w4 w5, candidate sentences
    # c1 = w1 w2 w6 w7 w8 and c2 = w1 w3 w8 w9 w5. LCS(r, c1) = w1 w2, LCS(r, c2) = w1 w3 w5;
    # union = w1 w2 w3 w5: 4 hits. P = 4/10, R = 4/5.
    ref = "w1 w2 w3 w4 w5"
    hyp = "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"
    r = rouge([hyp], [ref], variants="rougeLsum")
    assert _prf(r, "rougeLsum") == (4 / 10, 4 / 5, _f1(4 / 10, 4 / 5))
    # double-count prevention: w1 is in both LCSs but once in the reference and twice in the
    # candidate; the union counts a position once, so still 4 hits (not 5)


def test_lcs_positions_follow_rouge_score_backtrack():
    # "abcb" vs "bab": LCSs "ab" (positions 0,1 or 0,3) and "bb" (1,3); the backtrack prefers moving up
    # on ties, ending at [0, 3].
    assert lcs_positions("abcb", "bab") == [0, 3]


def test_rouge_w_by_hand():
    # Lin (2004) section 3.3 with f(k) = k^2: X = A B C D E F G, Y1 = A B C D H I K -> WLCS = 4^2 = 16,
    # R = P = sqrt(16 / 7^2) = 4/7; Y2 = A H B K C I D -> four runs of 1: WLCS = 4, R = P = sqrt(4/49) = 2/7.
    x = "a b c d e f g"
    r1 = rouge(["a b c d h i k"], [x], variants="rougeW", weight=2.0)
    r2 = rouge(["a h b k c i d"], [x], variants="rougeW", weight=2.0)
    assert _prf(r1, "rougeW")[:2] == pytest.approx((4 / 7, 4 / 7), abs=1e-15)
    assert _prf(r2, "rougeW")[:2] == pytest.approx((2 / 7, 2 / 7), abs=1e-15)
    # default w = 1.2, two runs of 2 in 5 tokens: WLCS = 2 * 2^1.2; P = R = (WLCS / 5^1.2)^(1/1.2)
    r3 = rouge(["a b x d e"], ["a b c d e"], variants="rougeW")
    expected = ((2 * 2**1.2) / 5**1.2) ** (1 / 1.2)
    assert _prf(r3, "rougeW") == pytest.approx((expected, expected, expected), abs=1e-15)
    assert "w:1.2" in str(r3.signature)


def test_rouge_s_by_hand_lin_2004():
    # Lin (2004) section 5: S1 = police killed the gunman (reference); C(4,2) = 6 skip-bigrams:
    # police-killed police-the police-gunman killed-the killed-gunman the-gunman.
    # S2 = police kill the gunman shares police-the, police-gunman, the-gunman: 3/6.
    # S3 = the gunman kill police shares the-gunman: 1/6. S4 = the gunman police killed shares the-gunman
    # and police-killed: 2/6.
    ref = "police killed the gunman"
    for hyp, hits in [("police kill the gunman", 3), ("the gunman kill police", 1), ("the gunman police killed", 2)]:
        r = rouge([hyp], [ref], variants="rougeS")
        assert _prf(r, "rougeS") == (hits / 6, hits / 6, hits / 6)


def test_rouge_s_gap_and_su_by_hand():
    # ref a b c d, gap 1 (at most one word between): ab ac bc bd cd (5). hyp a c b d: ac ab cb cd bd (5).
    # common: ab ac bd cd = 4 -> P = R = 4/5.
    r = rouge(["a c b d"], ["a b c d"], variants=("rougeS1", "rougeSU1"))
    assert _prf(r, "rougeS1") == (4 / 5, 4 / 5, _f1(4 / 5, 4 / 5))
    # SU adds the 4 unigrams on each side, all matching: (4 + 4) / (5 + 4) = 8/9
    assert _prf(r, "rougeSU1") == (8 / 9, 8 / 9, _f1(8 / 9, 8 / 9))
    # gap 0 is plain bigrams: rougeS0 == rouge2
    r0 = rouge(["a c b d a b"], ["a b c d"], variants=("rougeS0", "rouge2"))
    assert _prf(r0, "rougeS0") == _prf(r0, "rouge2")


def test_multi_reference_rules_by_hand():
    # hyp "a b c" (3 unigrams). ref1 "a b d d": hits 2, P = 2/3, R = 2/4, F = 2(1/3)/(7/6) = 4/7.
    # ref2 "a": hits 1, P = 1/3, R = 1/1, F = 2(1/3)/(4/3) = 1/2.
    hyp, refs = ["a b c"], [["a b d d", "a"]]

    def rule(name):
        return _prf(rouge(hyp, refs, variants="rouge1", multi_ref=name), "rouge1")

    assert rule("max_f") == pytest.approx((2 / 3, 1 / 2, 4 / 7), abs=1e-15)  # ref1: higher F
    assert rule("best_recall") == pytest.approx((1 / 3, 1.0, 1 / 2), abs=1e-15)  # ref2: higher recall
    # pooled: P = (2 + 1) / (3 + 3) = 1/2, R = (2 + 1) / (4 + 1) = 3/5, F = 2(3/10)/(11/10) = 6/11
    assert rule("pooled") == pytest.approx((1 / 2, 3 / 5, 6 / 11), abs=1e-15)
    # mean: P = (2/3 + 1/3) / 2 = 1/2, R = (1/2 + 1) / 2 = 3/4, F = (4/7 + 1/2) / 2 = 15/28
    assert rule("mean") == pytest.approx((1 / 2, 3 / 4, 15 / 28), abs=1e-15)


def test_ties_go_to_the_first_reference():
    # both references give F = 1/2 (P = 1/2, R = 1/2 and P = 1/2... ) -> the first one's P/R are kept
    r = rouge(["a b"], [["a c", "b d"]], variants="rouge1")
    assert _prf(r, "rouge1") == (0.5, 0.5, 0.5)
    # equal recall 1.0 for both, different precision: best_recall keeps the first (ROUGE-1.5.5 uses a strict >)
    r = rouge(["a b c d"], [["a", "a b"]], variants="rouge1", multi_ref="best_recall")
    assert _prf(r, "rouge1")[:2] == (1 / 4, 1.0)


def test_beta_weighs_recall():
    # P = 2/3, R = 1/2, beta = 2: F = (1 + 4) P R / (4 P + R) = (5/3) / (8/3 + 1/2) = 10/19
    r = rouge(["a b c"], ["a b d d"], variants="rouge1", beta=2.0)
    assert _prf(r, "rouge1")[2] == pytest.approx(10 / 19, abs=1e-15)
    assert "beta:2" in str(r.signature)


def test_corpus_score_is_mean_of_documents():
    # doc 1: rouge1 F = 1 (identical); doc 2: F = 0 (disjoint) -> corpus 0.5
    r = rouge(["a b", "c d"], ["a b", "e f"], variants="rouge1")
    assert float(r) == 0.5 and r.components["n_docs"] == 2


def test_empty_texts_score_zero_as_rouge_score():
    r = rouge(["", "a"], ["a", ""], variants=("rouge1", "rougeL", "rougeLsum", "rougeW", "rougeSU4"))
    assert all(_prf(r, v) == (0.0, 0.0, 0.0) for v in r.variants)


# -- the faces of the metric ----------------------------------------------------------------------------


def test_update_merge_compute_equal_functional(real_pairs):
    hyps, refs = real_pairs[0][:300], real_pairs[1][:300]
    opts = {"variants": ("rouge1", "rougeL", "rougeLsum", "rougeSU4")}
    whole = rouge(hyps, refs, **opts)
    a, b = ROUGE(**opts), ROUGE(**opts)
    a.update(hyps[:100], refs[:100]).update(hyps[100:170], refs[100:170])
    b.update(hyps[170:], refs[170:])
    merged = a.merge(b).compute()
    assert a.n_items == 300
    for v in whole.variants:
        np.testing.assert_allclose(_prf(merged, v), _prf(whole, v), rtol=0, atol=1e-12)
    # sentence scores are the per-document rows; their mean is the corpus score
    sentence = ROUGE(**opts).sentence_scores(hyps[:20], refs[:20])
    assert math.isclose(np.mean([float(s) for s in sentence]), float(rouge(hyps[:20], refs[:20], **opts)))


def test_scores_vectorized_matches_score(real_pairs):
    m = ROUGE(variants=("rouge2", "rouge1"))
    rows = m.stats(real_pairs[0][:50], real_pairs[1][:50])
    rng = np.random.default_rng(0)
    totals = np.stack([rows[rng.integers(0, 50, 50)].sum(axis=0) for _ in range(20)])
    assert m.scores(totals).tolist() == [float(m.score(t)) for t in totals]


def test_bootstrap_ci_is_seeded_around_the_exact_mean(real_pairs):
    from evalkit.stats.significance import bootstrap_ci

    m = ROUGE(variants=("rougeLsum", "rouge1"))
    rows = m.stats(real_pairs[0][:200], real_pairs[1][:200])
    a = bootstrap_ci(m, rows, n_resamples=300, seed=5)
    b = bootstrap_ci(m, rows, n_resamples=300, seed=5)
    assert (a.low, a.high) == (b.low, b.high)
    # the point estimate is the exact mean of the documents' F, not a bootstrap median
    assert math.isclose(float(a.result), np.mean(rows[:, 2]), rel_tol=1e-14)
    assert a.low < float(a.result) < a.high and a.result.ci == (a.low, a.high)
    assert "CI" in str(a.result)


def test_registry_names_and_readable_str():
    hyps, refs = ["the cat sat"], [["the cat sat down", "a cat"]]
    r = get_metric("rouge")(hyps, refs)
    assert r.variants == ["rouge1", "rouge2", "rougeL"]
    text = str(r)
    assert text.startswith("ROUGE F (mean of 1 documents): rouge1 = ")
    assert "variants:rouge1,rouge2,rougeL|tok:rouge_score|stem:no|multiref:max_f|beta:1|version:" in text
    single = get_metric("rougeLsum")(hyps, refs)
    assert str(single).startswith("rougeLsum = ") and ", F mean of 1 documents | " in str(single)
    assert single.variants == ["rougeLsum"] and float(single) == float(r["rougeL"])  # one sentence: Lsum == L
    assert r["rouge1"].name == "rouge1" and float(r["rouge1"]) == r.components["rouge1"].fmeasure
    assert {"rouge", "rouge1", "rouge2", "rougeL", "rougeLsum"} <= set(evalkit.available_metrics())
    d = r.to_dict()
    assert d["components"]["rougeL"] == list(r.components["rougeL"])  # JSON: [precision, recall, fmeasure]


def test_pretokenized_input():
    r1 = rouge([["the", "cat"]], [[["the", "cat", "sat"], ["a"]]], variants=("rouge1", "rougeLsum"))
    assert _prf(r1, "rouge1") == (1.0, 2 / 3, 0.8)
    # stemming applies to given tokens too: "running" and "runs" both stem to "run" (nltk's Porter)
    r2 = rouge([["running", "dogs"]], [[["runs", "dog"]]], variants="rouge1", use_stemmer=True)
    assert _prf(r2, "rouge1") == (1.0, 1.0, 1.0)
    assert _prf(rouge([["running"]], [[["runs"]]], variants="rouge1"), "rouge1") == (0.0, 0.0, 0.0)


def test_inputs_are_not_mutated():
    hyps, refs = ["a b", "c"], [["a", "b"], "c"]
    rouge(hyps, refs)
    assert hyps == ["a b", "c"] and refs == [["a", "b"], "c"]


# -- options and errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"variants": "rougeX"}, r"'variants' parameter of rouge must hold .* Got 'rougeX' instead"),
        ({"variants": "rougel"}, r"did you mean 'rougeL'"),
        ({"variants": ("rouge1", "rouge1")}, "names a variant twice"),
        ({"variants": ()}, "at least one variant"),
        ({"variants": "rouge0"}, "Got 'rouge0'"),
        ({"multi_ref": "avg"}, r"'multi_ref' parameter of rouge must be one of 'max_f', 'mean', 'pooled'"),
        ({"beta": 0}, r"'beta' parameter of rouge must be a number in \(0, inf\)"),
        ({"weight": 1.0}, r"'weight' parameter of rouge must be a number in \(1, inf\)"),
        ({"backend": "fast"}, r"'backend' parameter of rouge must be one of 'auto', 'python', 'numpy'"),
        ({"tokenize": "rouge-score"}, r"did you mean 'rouge_score'"),
        ({"use_stemmer": "yes"}, r"'use_stemmer' parameter of rouge must be True or False"),
    ],
)
def test_option_errors(kwargs, match):
    with pytest.raises(InvalidOptionError, match=match):
        ROUGE(**kwargs)


def test_auto_backend_takes_python_for_one_short_document_only(monkeypatch, real_pairs):
    from evalkit.text import _rouge_numpy

    hyps, refs = real_pairs
    variants = ("rouge1", "rougeL", "rougeLsum", "rougeSU4")
    one = (["the cat sat on the mat"], [["a cat sat on the mat", "the cat is here"]])
    expected = {
        k: ROUGE(variants=variants, backend="python").stats(*c)
        for k, c in [("one", one), ("many", (hyps[:20], refs[:20]))]
    }
    calls = []
    numpy_counts = _rouge_numpy.pair_counts_numpy
    monkeypatch.setattr(_rouge_numpy, "pair_counts_numpy", lambda *a, **k: calls.append(1) or numpy_counts(*a, **k))
    np.testing.assert_array_equal(ROUGE(variants=variants).stats(*one), expected["one"])
    assert calls == []
    np.testing.assert_array_equal(ROUGE(variants=variants).stats(hyps[:20], refs[:20]), expected["many"])
    assert calls == [1]
    np.testing.assert_array_equal(ROUGE(variants=variants, backend="numpy").stats(*one), expected["one"])
    assert calls == [1, 1]


def test_cli_specs_take_the_options_of_rouge():
    import click

    from evalkit.cli.spec import build, parse_spec

    for text in ("rouge(tokenize=unicode)", "rougeL(tokenize=unicode)"):
        assert build(parse_spec(text)).options.tokenizer.name == "unicode"
    # the single-variant metrics declare ROUGE's options (less 'variants'), so the CLI checks them
    with pytest.raises(
        click.UsageError, match=r"Unknown option 'tokenizer' for metric 'rouge1' \(did you mean 'tokenize'"
    ):
        build(parse_spec("rouge1(tokenizer=unicode)"))
    with pytest.raises(click.UsageError, match="Unknown option 'variants' for metric 'rougeLsum'"):
        build(parse_spec("rougeLsum(variants=rouge2)"))


def test_score_checks_a_given_total():
    m = ROUGE(variants=("rouge1", "rougeL"))
    total = m.stats(["a b", "a"], ["a b", "b"]).sum(axis=0)  # documents of F 1 and 0
    assert float(m.score(total)) == float(m.score(total.tolist())) == 0.5
    cases = [
        (total[:-1], r"rouge: 'total' must be a 1-D or 2-D array of numbers with 7 columns \[rouge1 P, rouge1 R, "),
        ([total, total], "rouge: 'total' must be one summed row; got 2 rows"),
        ([0.0] * 7, r"rouge: 'total' must count at least one document \(its last column\)"),
        ([np.inf] * 7, "must hold finite numbers"),
        (["a"] * 7, "must be a 1-D or 2-D array of numbers"),
    ]
    for given, match in cases:
        with pytest.raises(evalkit.InputError, match=match):
            m.score(given)
    with pytest.raises(
        evalkit.InputError, match="rouge1: 'totals' must be a 1-D or 2-D array of numbers with 4 columns"
    ):
        get_metric("rouge1").scores(np.ones((3, 7)))
    with pytest.raises(evalkit.InputError, match="'totals' must count at least one document"):
        m.scores(np.stack([total, np.zeros(7)]))


def test_input_errors_name_the_problem():
    with pytest.raises(evalkit.InputError, match="'hypotheses' has 2 and 'references' has 1"):
        rouge(["a", "b"], ["a"])
    with pytest.raises(evalkit.InputTypeError, match=r"references\[0\]\[1\] must be a str"):
        rouge(["a"], [["a", 3]])
    with pytest.raises(evalkit.EmptyInputError):
        rouge([], [])


def test_parse_variant():
    assert parse_variant("rouge9").n == 9
    assert parse_variant("rougeS").gap is None and parse_variant("rougeSU12").gap == 12


# -- Unicode and the empty-tokenization warning ---------------------------------------------------------

SCRIPTS = [
    "สวัสดีครับ ยินดีต้อนรับ",  # Thai
    "Привет, как дела? Всё хорошо.",  # Russian
    "我们今天去公园散步。",  # Chinese
    "مرحبا بالعالم الجميل",  # Arabic
    "नमस्ते दुनिया, आप कैसे हैं",  # Hindi
    "Γειά σου Κόσμε",  # Greek
    "東京タワーに行きました",  # Japanese
    "안녕하세요 세계",  # Korean
]


@pytest.mark.parametrize("text", SCRIPTS)
def test_identical_texts_in_any_script_score_one_with_unicode(text):
    variants = ("rouge1", "rouge2", "rougeL", "rougeLsum", "rougeW", "rougeSU4")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = rouge([text], [text], tokenize="unicode", variants=variants)
    assert all(_prf(r, v) == (1.0, 1.0, 1.0) for v in variants if v != "rouge2" or len(text.split()) > 1)
    with pytest.warns(UserWarning, match=r"tokenized to no tokens with tokenizer 'rouge_score'.*tokenize='unicode'"):
        r0 = rouge([text], [text], variants=variants)
    assert float(r0) == 0.0  # rouge-score's tokenizer drops every non-ASCII letter


def test_unicode_tokenizer_splits():
    tok = get_tokenizer("unicode")
    assert tok("Привет, МИР!") == ["привет", "мир"]
    assert tok("我们2024年") == ["我", "们", "2024", "年"]
    assert tok("नमस्ते") == ["नमस्ते"]  # vowel signs (marks) stay with their letters
    assert tok("don't stop-me now") == ["don", "t", "stop", "me", "now"]


def test_empty_warning_names_tokenizer_once_per_call():
    with pytest.warns(UserWarning) as record:
        rouge(["Привет", "мир"], ["hello", "мир"])
    assert len(record) == 1 and "3 non-empty text(s)" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rouge(["", "  "], ["a", "b"])  # empty and blank texts are not warned about
