"""chrF / chrF++: cross-checks against sacrebleu and nltk in the same process, backends, edge cases, errors.

Every expected value comes from sacrebleu or nltk run here, or from a hand computation written out.
"""

from __future__ import annotations

import copy
import itertools
import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError, get_metric
from evalkit.text import _chrf_common as formula
from evalkit.text import _chrf_numpy
from evalkit.text.chrf import CHRF, chrf, sentence_chrf
from evalkit.text.ngrams import segment_lines

sacrebleu = pytest.importorskip("sacrebleu")
nltk_chrf = pytest.importorskip("nltk.translate.chrf_score")
regex = pytest.importorskip("regex")

TOL = 1e-12


def streams(references):
    """evalkit's layout (references per segment, varying count) to sacrebleu's streams, padded with None."""
    k = max(len(seg) for seg in references)
    return [[seg[j] if j < len(seg) else None for seg in references] for j in range(k)]


def as_lists(references):
    return [[r] if isinstance(r, str) else list(r) for r in references]


def sacre(**options):
    """sacrebleu's CHRF with evalkit's option names (the same, but for convention/backend)."""
    return sacrebleu.metrics.CHRF(**options)


def sacre_rows(hyps, refs, **options):
    return np.array(sacre(**options)._extract_corpus_statistics(hyps, streams(as_lists(refs))), dtype=np.int64)


def sacre_row_scores(rows, **options):
    """sacrebleu's own score of each statistics row (what corpus_score and sentence_score end with), 0..1."""
    metric = sacre(**options)
    return [metric._compute_score_from_stats([int(x) for x in row]).score / 100 for row in rows]


def check_against_sacrebleu(hyps, refs, backends=("python", "numpy"), full=False, **options):
    """Rows equal to sacrebleu's, corpus and sentence scores to 1e-12 (x100 scale: sacrebleu's).

    sacrebleu's corpus_score is its statistics rows summed and scored (``_aggregate_and_compute``);
    ``full`` runs the whole call as well."""
    expected_rows = sacre_rows(hyps, refs, **options)
    expected = 100 * sacre_row_scores([expected_rows.sum(axis=0)], **options)[0]
    if full:
        assert sacre(**options).corpus_score(hyps, streams(as_lists(refs))).score == expected
    for backend in backends:
        rows = CHRF(backend=backend, **options).stats(hyps, refs)
        np.testing.assert_array_equal(rows, expected_rows, err_msg=f"backend={backend} options={options}")
        assert abs(100 * chrf(hyps, refs, backend=backend, **options).score - expected) < TOL * 100
    got = sentence_chrf(hyps, refs, backend=backends[-1], **options)
    want = sacre_row_scores(expected_rows, **options)
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    return expected_rows


@pytest.fixture(scope="module")
def subset(real_pairs):
    hyps, refs = real_pairs
    return hyps[:400], refs[:400]


# -- sacrebleu on real text ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("word_order", [0, 2])
def test_5000_real_pairs_match_sacrebleu(real_pairs, word_order):
    """Rows, corpus score and every sentence score on 5,000 real pairs with 1-4 references."""
    hyps, refs = real_pairs[0][:5000], real_pairs[1][:5000]
    check_against_sacrebleu(hyps, refs, backends=("numpy",), full=word_order == 0, word_order=word_order)


@pytest.mark.slow
def test_real_pairs_python_backend_is_the_numpy_backend(real_pairs):
    hyps, refs = real_pairs[0][5000:7000], real_pairs[1][5000:7000]
    for options in ({}, {"word_order": 2, "lowercase": True}):
        np.testing.assert_array_equal(
            CHRF(backend="python", **options).stats(hyps, refs), CHRF(backend="numpy", **options).stats(hyps, refs)
        )


@pytest.mark.parametrize(
    ("lowercase", "whitespace", "eps_smoothing", "word_order"),
    list(itertools.product([False, True], [False, True], [False, True], [0, 1, 2])),
)
def test_every_option_combination_matches_sacrebleu(subset, lowercase, whitespace, eps_smoothing, word_order):
    hyps, refs = subset[0][:200], subset[1][:200]
    options = {"lowercase": lowercase, "whitespace": whitespace, "eps_smoothing": eps_smoothing}
    check_against_sacrebleu(hyps, refs, word_order=word_order, **options)


@pytest.mark.parametrize(
    ("char_order", "word_order", "beta"), [(1, 0, 2), (3, 0, 1), (4, 2, 3), (0, 2, 2), (8, 3, 0.5)]
)
def test_orders_and_beta_match_sacrebleu(subset, char_order, word_order, beta):
    hyps, refs = subset[0][:200], subset[1][:200]
    for eps in (False, True):
        check_against_sacrebleu(hyps, refs, char_order=char_order, word_order=word_order, beta=beta, eps_smoothing=eps)


def test_sentence_chrf_is_sacrebleus_sentence_chrf(subset):
    hyps, refs = subset
    got = sentence_chrf(hyps[:60], refs[:60], word_order=2)
    want = [sacrebleu.sentence_chrf(h, r, word_order=2).score / 100 for h, r in zip(hyps[:60], refs[:60])]
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


def test_signature_is_sacrebleus(subset):
    hyps, refs = subset
    for options in ({}, {"word_order": 2, "lowercase": True, "whitespace": True, "eps_smoothing": True}):
        metric = sacre(**options)
        metric.corpus_score(hyps, streams(refs))
        theirs = str(metric.get_signature()).rsplit("|version:", 1)[0]
        result = chrf(hyps, refs, **options)
        assert str(result.signature).rsplit("|version:", 1)[0] == theirs
        assert result.name == metric.corpus_score(hyps, streams(refs)).name  # chrF2, chrF2++
    assert str(chrf(["a b"], ["a b"], beta=3).signature).startswith(
        "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|beta:3"
    )
    assert str(CHRF(word_order=2).signature()).startswith("case:mixed|eff:yes|nc:6|nw:2|space:no|version:")


# -- sacrebleu on generated Unicode text ---------------------------------------------------------

_PIECES = [
    "the", "The", "cat", "CAT", "a", "mat.", "(hi)", '"', "'s", "don't", "e.g.", "3.5", ",", ".", "...", "!?", "-",
    "中文", "我", "喜欢", "。", "สวัสดี", "ครับ", "😀", "ΣΟΦΙΑ", "σοφία", "İstanbul", "Straße", "«", "»", "—", "x",
    "\ud800", "ab", "ba", "aba",
]  # fmt: skip
_SPACES = sorted(formula.SACREBLEU_SPACES)
_SEPARATOR = st.one_of(st.sampled_from([" ", " ", "", "  "]), st.sampled_from(_SPACES))
_LINE = st.one_of(
    st.lists(st.tuples(st.sampled_from(_PIECES), _SEPARATOR), max_size=12).map(lambda p: "".join(w + s for w, s in p)),
    st.text(max_size=30),
)
_SEGMENTS = st.lists(st.tuples(_LINE, st.lists(_LINE, min_size=1, max_size=4)), min_size=1, max_size=10)


@settings(max_examples=60, deadline=None)
@given(
    segments=_SEGMENTS,
    lowercase=st.booleans(),
    whitespace=st.booleans(),
    eps_smoothing=st.booleans(),
    word_order=st.integers(0, 2),
    char_order=st.integers(1, 6),
)
def test_generated_text_matches_sacrebleu(segments, lowercase, whitespace, eps_smoothing, word_order, char_order):
    hyps = [h for h, _ in segments]
    refs = [r for _, r in segments]
    kept = copy.deepcopy((hyps, refs))
    options = {
        "lowercase": lowercase,
        "whitespace": whitespace,
        "eps_smoothing": eps_smoothing,
        "word_order": word_order,
        "char_order": char_order,
    }
    check_against_sacrebleu(hyps, refs, **options)
    assert (hyps, refs) == kept


@settings(max_examples=40, deadline=None)
@given(segments=_SEGMENTS, word_order=st.integers(1, 3), block=st.sampled_from([1, 3, 17]))
def test_small_blocks_count_as_one_block(segments, word_order, block):
    """The numpy backend cuts the corpus into blocks of whole segments: any cut gives the same counts."""
    hyps = [h for h, _ in segments]
    refs = [r for _, r in segments]
    options = formula.ChrfOptions.parse("chrf", {"word_order": word_order})
    lines, segment, role = segment_lines(hyps, refs)
    ids = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), dtype="<u4").astype(np.int64)
    lengths = np.fromiter(map(len, lines), dtype=np.int64)
    whole = _chrf_numpy.reference_matches(ids, lengths, segment, role, len(hyps), 6, block_units=1 << 30)
    cut = _chrf_numpy.reference_matches(ids, lengths, segment, role, len(hyps), 6, block_units=block)
    np.testing.assert_array_equal(cut, whole)
    words, word_len = _chrf_numpy._word_ids(ids, _chrf_numpy._lookup(_chrf_numpy._SACREBLEU_SPACE, ids), lengths)
    expected = [formula.split_punctuation(line) for line in lines]
    assert word_len.tolist() == [len(w) for w in expected]
    # equal words, equal ids; different words, different ids
    flat = list(itertools.chain.from_iterable(expected))
    assert len({(w, i) for w, i in zip(flat, words.tolist())}) == len(set(flat)) == len(set(words.tolist()))
    np.testing.assert_array_equal(
        _chrf_numpy.corpus_stats(hyps, refs, options=options, processes=1),
        CHRF(backend="python", word_order=word_order).stats(hyps, refs),
    )


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text(alphabet=st.sampled_from("ab"), min_size=1, max_size=70), min_size=1, max_size=40),
    wide=st.booleans(),
)
def test_span_ids_number_equal_spans_equally(words, wide):
    """Spans are packed 62 bits at a time: words of 1 to 70 characters (several rounds, common prefixes
    of every length), from a 2-letter alphabet or with a character far up in Unicode (the other table)."""
    text = "".join(words) + ("\U0010ffff" if wide else "")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
    ends = np.cumsum([len(w) for w in words])
    ids = _chrf_numpy._span_ids(codes, ends - [len(w) for w in words], ends).tolist()
    for i, j in itertools.combinations(range(len(words)), 2):
        assert (ids[i] == ids[j]) == (words[i] == words[j]), (words[i], words[j])


def test_sharded_rows_are_the_one_process_rows(real_pairs):
    hyps, refs = real_pairs[0][:300], real_pairs[1][:300]
    options = formula.ChrfOptions.parse("chrf", {"word_order": 2})
    one = _chrf_numpy.corpus_stats(hyps, refs, options=options, processes=1)
    np.testing.assert_array_equal(_chrf_numpy.corpus_stats(hyps, refs, options=options, processes=2), one)


# -- nltk ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_5000_real_pairs_match_nltk_corpus_chrf(real_pairs):
    hyps = real_pairs[0][:5000]
    refs = [seg[0] for seg in real_pairs[1][:5000]]  # nltk takes one reference
    expected = nltk_chrf.corpus_chrf(refs, hyps)
    assert abs(chrf(hyps, refs, convention="nltk", beta=3).score - expected) < TOL
    for backend in ("python", "numpy"):
        got = sentence_chrf(hyps[:300], refs[:300], convention="nltk", beta=3, backend=backend)
        want = [nltk_chrf.sentence_chrf(r, h) for h, r in zip(hyps[:300], refs[:300])]
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL)


@pytest.mark.parametrize(("char_order", "beta", "whitespace"), [(6, 3.0, False), (4, 2.0, True), (1, 1.0, False)])
def test_nltk_options(subset, char_order, beta, whitespace):
    hyps, refs = subset[0], [seg[0] for seg in subset[1]]
    expected = nltk_chrf.corpus_chrf(refs, hyps, max_len=char_order, beta=beta, ignore_whitespace=not whitespace)
    for backend in ("python", "numpy"):
        got = chrf(
            hyps, refs, convention="nltk", char_order=char_order, beta=beta, whitespace=whitespace, backend=backend
        )
        assert abs(got.score - expected) < TOL
    assert str(got.signature).startswith(f"nrefs:1|case:mixed|eff:no|nc:{char_order}|nw:0|space:")
    assert "conv:nltk" in str(got.signature)


@settings(max_examples=60, deadline=None)
@given(segments=st.lists(st.tuples(_LINE, _LINE), min_size=1, max_size=8), whitespace=st.booleans())
def test_generated_text_matches_nltk(segments, whitespace):
    hyps = [h for h, _ in segments]
    refs = [r for _, r in segments]
    expected = nltk_chrf.corpus_chrf(refs, hyps, ignore_whitespace=not whitespace)
    rows = {}
    for backend in ("python", "numpy"):
        metric = CHRF(convention="nltk", beta=3, whitespace=whitespace, backend=backend)
        rows[backend] = metric.stats(hyps, refs)
        assert abs(metric(hyps, refs).score - expected) < TOL
    np.testing.assert_array_equal(rows["python"], rows["numpy"])  # the same floats, bit for bit


def test_nltk_whitespace_is_the_regex_engines():
    """nltk >= 3.10 removes whitespace with the `regex` engine, whose \\s leaves out U+001C..U+001F."""
    line = "a\x1cb\x1dc\x1e d\x1fe\u3000f\xa0g"
    expected = nltk_chrf._preprocess(line, True)
    assert expected == "a\x1cb\x1dc\x1ed\x1fefg"
    assert formula.char_text(line, formula.ChrfOptions.parse("chrf", {"convention": "nltk"})) == expected
    assert (
        formula.char_text(line, formula.ChrfOptions.parse("chrf", {})) == "abcdefg"
    )  # sacrebleu: str.split's whitespace
    hyp, ref = "ab\x1ccd", "ab\x1c cd"
    assert abs(chrf([hyp], [ref], convention="nltk", beta=3).score - nltk_chrf.corpus_chrf([ref], [hyp])) < TOL


def test_pretokenized_input_is_joined_as_nltk_joins_it():
    hyp, ref = ["the", "cat", "sat", "on", "the", "mat"], ["the", "cat", "is", "on", "the", "mat"]
    expected = nltk_chrf.sentence_chrf(ref, hyp)
    assert abs(chrf([hyp], [[ref]], convention="nltk", beta=3).score - expected) < TOL
    assert chrf([hyp], [[ref]]).score == chrf([" ".join(hyp)], [" ".join(ref)]).score


def test_nltk_with_several_references_keeps_the_best():
    hyp, refs = "the cat sat", ["a dog ran", "the cat sat down"]
    best = max(nltk_chrf.sentence_chrf(r, hyp) for r in refs)
    assert abs(chrf([hyp], [refs], convention="nltk", beta=3).score - best) < TOL


def test_whitespace_tables_cover_unicode():
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    spaces = set(every) - set("".join(every.split()))
    assert spaces == set(formula.SACREBLEU_SPACES)
    assert set(regex.findall(r"\s", every)) == set(formula.NLTK_SPACES)
    # the word split of the numpy backend reads str.split's whitespace too
    assert re.fullmatch(r"\s+", "".join(sorted(spaces)))


# -- formulas ------------------------------------------------------------------------------------


def test_hand_computed_score():
    """hyp "abc" vs ref "abd", char_order=2, beta=2: unigrams P = R = 2/3; bigrams "ab","bc" vs "ab","bd":
    P = R = 1/2. Averages P = R = 7/12, so F = 5 P R / (4 P + R) = 7/12."""
    r = chrf(["abc"], ["abd"], char_order=2)
    assert r.components["counts"] == {"hyp": [3, 2], "ref": [3, 2], "match": [2, 1]}
    assert r.score == pytest.approx(7 / 12, abs=1e-15)
    assert str(r).startswith("chrF2 = 58.33 (precision=0.5833 recall=0.5833 effective_order=2) | nrefs:1|")
    # eps smoothing: the mean of the per-order F (2/3 and 1/2)
    assert chrf(["abc"], ["abd"], char_order=2, eps_smoothing=True).score == pytest.approx(7 / 12, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=8),
    st.sampled_from([0, 0.5, 1, 2, 3]),
    st.booleans(),
)
def test_vectorized_formulas_are_the_scalar_ones_bit_for_bit(triples, beta, eps):
    row = [x for h, r, m in triples for x in (h, r, min(m, h, r))]
    fraction, percent = formula.sacrebleu_scores(np.array([row]), beta, eps)
    assert percent[0] == formula.sacrebleu_percent(row, beta, eps)
    assert percent[0] == sacre(char_order=len(triples), beta=beta, eps_smoothing=eps)._compute_f_score(row)
    assert abs(fraction[0] - percent[0] / 100) < 1e-15
    f = formula.nltk_row_f(np.array([row]), float(beta))[0]
    assert f.tolist() == [formula.nltk_order_f(*row[i : i + 3], float(beta)) for i in range(0, len(row), 3)]
    assert formula.nltk_sentences(f[None, :])[0] == formula.nltk_sentence(f)


def test_scores_of_many_totals_is_score_of_each(subset):
    hyps, refs = subset
    for options in ({}, {"word_order": 2, "eps_smoothing": True}, {"convention": "nltk"}):
        metric = CHRF(**options)
        rows = metric.stats(hyps, refs)
        totals = np.stack([rows[:100].sum(axis=0), rows[100:].sum(axis=0), rows.sum(axis=0)])
        np.testing.assert_array_equal(metric.scores(totals), [metric.score(t).score for t in totals])


# -- edge cases ----------------------------------------------------------------------------------

LONG_LINE = " ".join(f"w{i % 997}" for i in range(10_000))
EDGE_HYPS = [
    "",  # empty hypothesis
    "a cat",  # an empty reference beside a real one
    "   \t\n",  # whitespace only
    "!!! ... ,,, ???",  # punctuation only
    "我喜欢猫。",  # CJK
    "สวัสดีครับ ผม",  # Thai
    LONG_LINE,
    "zzzz qqqq",  # zero overlap
    "the cat sat on the mat",
    "x",
    "",
]
EDGE_REFS = [
    ["the cat"],
    ["", "a cat"],
    ["  "],
    ["... !!!", "?"],
    ["我喜欢狗。", "他喜欢猫"],
    ["สวัสดี ครับ"],
    [LONG_LINE[: len(LONG_LINE) // 2], LONG_LINE],
    ["abc def"],
    ["the cat is on the mat", "there is a cat on the mat", "a cat", "the mat"],
    ["x"],
    [""],
]


@pytest.mark.parametrize("options", [{}, {"word_order": 2}, {"whitespace": True, "eps_smoothing": True}])
def test_edge_cases_match_sacrebleu(options):
    rows = check_against_sacrebleu(EDGE_HYPS, EDGE_REFS, **options)
    # an empty hypothesis has no n-gram; an empty reference makes every hypothesis count 0 (sacrebleu)
    assert rows[0][0::3].tolist() == [0] * (len(rows[0]) // 3)
    assert rows[-1].tolist() == [0] * len(rows[-1])
    for i, (h, r) in enumerate(zip(EDGE_HYPS, EDGE_REFS)):  # each segment on its own
        want = sacrebleu.sentence_chrf(h, r, **_sentence_options(options)).score / 100
        assert abs(sentence_chrf([h], [r], **options)[0] - want) < TOL, i


def _sentence_options(options):
    out = {k: v for k, v in options.items() if k != "whitespace"}
    out["remove_whitespace"] = not options.get("whitespace", False)
    return out


def test_a_zero_overlap_segment_in_a_corpus():
    """The issue's case: a corpus of two segments, one without any n-gram in common with its reference.
    Its counts still join the sums (hypothesis and reference n-grams, no match), as sacrebleu sums them;
    averaging sentence scores instead would give another number."""
    hyps = ["the cat is on the mat", "xyz"]
    refs = ["the cat is on the mat", "qqq"]
    expected = sacrebleu.corpus_chrf(hyps, [refs]).score
    result = chrf(hyps, refs)
    assert abs(100 * result.score - expected) < TOL * 100
    # by hand for order 1: "thecatisonthemat" has 16 characters, all matched, and "xyz" 3, none matched
    counts = result.components["counts"]
    assert (counts["hyp"][0], counts["ref"][0], counts["match"][0]) == (19, 19, 16)
    sentences = sentence_chrf(hyps, refs)
    assert sentences.tolist() == [1.0, 0.0]
    assert abs(result.score - sentences.mean()) > 0.01  # the mean of sentences is another metric


def test_ties_keep_the_first_reference():
    """Unigrams of "abcd" against "a" (P 1/4, R 1) and "abx" (P 1/2, R 2/3): F = 5PR / (4P + R) = 5/8 both."""
    assert formula.sacrebleu_percent([4, 1, 1], 2, False) == formula.sacrebleu_percent([4, 3, 2], 2, False)
    for refs, first in ((["a", "abx"], [4, 1, 1]), (["abx", "a"], [4, 3, 2])):
        expected = sacre_rows(["abcd"], [refs], char_order=1).tolist()
        assert expected == [first]
        for backend in ("python", "numpy"):
            assert CHRF(char_order=1, backend=backend).stats(["abcd"], [refs]).tolist() == expected


# -- the metric protocol -------------------------------------------------------------------------


def test_merge_of_parts_is_the_whole(subset):
    hyps, refs = subset
    for options in ({}, {"word_order": 2}, {"convention": "nltk"}):
        whole = CHRF(**options).update(hyps, refs).compute()
        twice = CHRF(**options).update(hyps[:150], refs[:150]).update(hyps[150:], refs[150:]).compute()
        left = CHRF(**options).update(hyps[:77], refs[:77])
        merged = left.merge(CHRF(**options).update(hyps[77:], refs[77:])).compute()
        assert twice.score == pytest.approx(whole.score, abs=1e-15)
        assert merged.score == pytest.approx(whole.score, abs=1e-15)
        assert str(twice.signature) == str(whole.signature)
    with pytest.raises(InputError, match="options must be equal"):
        CHRF().merge(CHRF(word_order=2))


def test_nrefs_in_the_signature():
    assert str(chrf(["a", "b"], [["a", "c"], ["b", "d"]]).signature).startswith("nrefs:2|")
    assert str(chrf(["a", "b"], [["a"], ["b", "d"]]).signature).startswith("nrefs:var|")
    per_segment = CHRF().sentence_scores(["a", "b"], [["a"], ["b", "d"]])
    assert [str(r.signature)[:7] for r in per_segment] == ["nrefs:1", "nrefs:2"]
    assert "nrefs" not in str(CHRF().signature())


def test_registered_and_rows_carry_nrefs(subset):
    hyps, refs = subset
    metric = get_metric("chrf", word_order=2)
    assert isinstance(metric, CHRF) and metric.higher_is_better and metric.task == "text"
    rows = metric.rows(hyps, refs)
    assert rows.extras == {"nrefs_min": ("min", 1), "nrefs_max": ("max", 4)}
    np.testing.assert_array_equal(rows.dense, metric.stats(hyps, refs))
    assert rows.dense.dtype == np.int64
    assert CHRF(convention="nltk").stats(hyps, refs).dtype == np.float64


def test_score_is_pure_and_checks_its_input():
    metric = CHRF(char_order=2)
    total = np.array([3, 3, 2, 2, 2, 1])
    kept = total.copy()
    assert metric.score(total).score == pytest.approx(7 / 12, abs=1e-15)
    assert np.array_equal(total, kept)
    with pytest.raises(InputError, match="6 columns"):
        metric.score(np.array([1, 2, 3]))
    with pytest.raises(InputError, match="non-negative"):
        metric.score(np.array([3, 3, 2, 2, 2, -1]))
    with pytest.raises(InputError, match="one summed row"):
        metric.score(np.ones((2, 6)))
    with pytest.raises(InputError, match="columns"):
        CHRF(convention="nltk", char_order=2).score(np.array([0.5, 0.5]))


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"char_order": -1}, "char_order"),
        ({"char_order": 2.5}, "char_order"),
        ({"char_order": True}, "char_order"),
        ({"word_order": "2"}, "word_order"),
        ({"char_order": 0, "word_order": 0}, "char_order"),
        ({"beta": -1}, "beta"),
        ({"beta": float("nan")}, "beta"),
        ({"lowercase": "false"}, "lowercase"),
        ({"whitespace": 1}, "whitespace"),
        ({"eps_smoothing": None}, "eps_smoothing"),
        ({"convention": "moses"}, "convention"),
        ({"backend": "torch"}, "backend"),
        ({"convention": "nltk", "word_order": 2}, "word_order"),
        ({"convention": "nltk", "eps_smoothing": True}, "eps_smoothing"),
        ({"convention": "nltk", "char_order": 0, "word_order": 0}, "char_order"),
    ],
)
def test_bad_options_name_the_parameter(options, param):
    for build in (
        lambda: CHRF(**options),
        lambda: chrf(["a"], ["a"], **options),
        lambda: sentence_chrf(["a"], ["a"], **options),
    ):
        with pytest.raises(InvalidOptionError, match=f"'{param}'"):
            build()


def test_bad_inputs():
    with pytest.raises(EmptyInputError):
        chrf([], [])
    with pytest.raises(InputError, match="transposed"):
        chrf(["a", "b", "c"], [["a", "b", "c"], ["a", "b", "c"]])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\]"):
        chrf(["a", 3], ["a", "b"])
    with pytest.raises(InputError, match="same length"):
        chrf(["a", "b"], ["a"])


def test_functional_forms_take_the_class_options():
    import inspect

    def options(f):
        return {p.name: p.default for p in inspect.signature(f).parameters.values() if p.kind == p.KEYWORD_ONLY}

    assert options(chrf) == options(sentence_chrf) == options(CHRF.__init__)
    assert options(chrf) == formula.ChrfOptions.defaults()
