"""WER, CER, MER, WIL, WIP: cross-checks against jiwer 4 in the same process, both backends, the
alignment rule by hand, edge cases, options, merges.

jiwer's argument order is ``(reference, hypothesis)``; evalkit's is ``(hypotheses, references)``: every
call below to jiwer passes the references first.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit.text.wer as W
from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError, get_metric
from evalkit.text._wer_common import PRESETS, STEPS, apply_steps, measure_scores

jiwer = pytest.importorskip("jiwer")
pytest.importorskip("rapidfuzz")

CLASSES = {"wer": W.WER, "cer": W.CER, "mer": W.MER, "wil": W.WIL, "wip": W.WIP}
FUNCTIONS = {"wer": W.wer, "cer": W.cer, "mer": W.mer, "wil": W.wil, "wip": W.wip}
SENTENCE = {
    "wer": W.sentence_wer,
    "cer": W.sentence_cer,
    "mer": W.sentence_mer,
    "wil": W.sentence_wil,
    "wip": W.sentence_wip,
}
JIWER = {"wer": jiwer.wer, "cer": jiwer.cer, "mer": jiwer.mer, "wil": jiwer.wil, "wip": jiwer.wip}
TOL = 1e-12


def jiwer_counts(reference, hypothesis, *, chars=False, transform=None):
    """``(H, S, D, I)`` of one pair by jiwer."""
    kwargs = {} if transform is None else {"reference_transform": transform, "hypothesis_transform": transform}
    out = (jiwer.process_characters if chars else jiwer.process_words)(reference, hypothesis, **kwargs)
    return out.hits, out.substitutions, out.deletions, out.insertions


def jiwer_measures(references, hypotheses, *, chars=False):
    """jiwer's five corpus measures of single-reference lists (its own order: references first)."""
    if chars:
        return {"cer": jiwer.cer(references, hypotheses)}
    out = jiwer.process_words(references, hypotheses)
    return {"wer": out.wer, "mer": out.mer, "wil": out.wil, "wip": out.wip}


def best_of(candidates):
    """The reference evalkit keeps, by its documented rule: fewest S + D + I, then longest, then first."""
    return min(range(len(candidates)), key=lambda k: (sum(candidates[k][1:]), -sum(candidates[k][:3]), k))


@pytest.fixture(scope="module")
def single(real_pairs):
    """6,000 real pairs with their first reference only (jiwer takes one)."""
    hyps, refs = real_pairs
    return hyps[:6000], [seg[0] for seg in refs[:6000]]


# -- the alignment rule, by hand -----------------------------------------------------------------


def test_tied_alignments_count_as_rapidfuzz_and_jiwer_choose():
    # "a b" -> "b c" costs 2 either as two substitutions or as a deletion, a hit and an insertion. The
    # trace back from the end of D = [[0,1,2],[1,1,2],[2,1,2]] (rows: reference prefixes) finds neither
    # D[1][2] = 1 (deletion) nor D[2][1] < D[1][1] (insertion) at (2, 2): diagonal, a substitution, twice.
    assert jiwer_counts("a b", "b c") == (0, 2, 0, 0)
    for backend in ("python", "numpy"):
        assert W.WER(backend=backend).stats(["b c"], ["a b"]).tolist() == [[0, 2, 0, 0]]
    # a deletion is taken first where it is optimal: "x a" -> "a" deletes x (a hit on a)
    assert W.WER(backend="python").stats(["a"], ["x a"]).tolist() == [[1, 0, 1, 0]]


def test_counts_by_hand():
    # reference: the cat sat on the mat (6); hypothesis: the cat sit on mat (5): 1 sub, 1 del
    for backend in ("python", "numpy"):
        result = W.wer(["the cat sit on mat"], ["the cat sat on the mat"], backend=backend)
        assert result.components == {
            "hits": 4,
            "substitutions": 1,
            "deletions": 1,
            "insertions": 0,
            "ref_len": 6,
            "hyp_len": 5,
        }
        assert result.score == 2 / 6
        assert W.mer(["the cat sit on mat"], ["the cat sat on the mat"], backend=backend).score == 2 / 6
        assert W.wip(["the cat sit on mat"], ["the cat sat on the mat"], backend=backend).score == (4 / 6) * (4 / 5)


def test_corpus_wer_is_summed_errors_not_mean_of_sentences():
    hyps = ["yellow", "the cat sat on the mat today and yesterday"]
    refs = ["hello", "the cat sat on the mat today and yesterday"]
    assert W.wer(hyps, refs).score == 1 / 10 == jiwer.wer(refs, hyps)
    assert W.sentence_wer(hyps, refs).tolist() == [1.0, 0.0]  # mean 0.5: another number


# -- cross-checks against jiwer ------------------------------------------------------------------


@pytest.mark.slow
def test_real_pairs_statistics_and_scores_equal_jiwer(single):
    hyps, refs = single
    expected = np.array([jiwer_counts(r, h) for h, r in zip(hyps, refs)])
    for backend in ("numpy", "python"):
        assert np.array_equal(W.WER(backend=backend).stats(hyps, refs), expected)
    corpus = jiwer_measures(refs, hyps)
    for name, value in corpus.items():
        assert FUNCTIONS[name](hyps, refs).score == pytest.approx(value, abs=TOL, rel=TOL)
    per_sentence = SENTENCE["wer"](hyps, refs)
    assert np.allclose(
        per_sentence[:2000], [jiwer.wer(r, h) for h, r in zip(hyps[:2000], refs[:2000])], rtol=0, atol=TOL
    )
    for name in ("mer", "wil", "wip"):
        got = SENTENCE[name](hyps[:1000], refs[:1000])
        assert np.allclose(got, [JIWER[name](r, h) for h, r in zip(hyps[:1000], refs[:1000])], rtol=0, atol=TOL)


@pytest.mark.slow
def test_real_pairs_characters_equal_jiwer_cer(single):
    hyps, refs = single[0][:5000], single[1][:5000]
    expected = np.array([jiwer_counts(r, h, chars=True) for h, r in zip(hyps, refs)])
    assert np.array_equal(W.CER().stats(hyps, refs), expected)
    assert np.array_equal(W.WER(units="chars").stats(hyps, refs), expected)
    assert W.cer(hyps, refs).score == pytest.approx(jiwer.cer(refs, hyps), abs=TOL, rel=TOL)
    got = W.sentence_cer(hyps[:1000], refs[:1000])
    assert np.allclose(got, [jiwer.cer(r, h) for h, r in zip(hyps[:1000], refs[:1000])], rtol=0, atol=TOL)
    # the python backend on characters: a subset (it is the slow oracle)
    assert np.array_equal(W.CER(backend="python").stats(hyps[:800], refs[:800]), expected[:800])


@pytest.mark.slow
def test_several_references_keep_the_best_by_jiwer_counts(real_pairs):
    hyps, refs = real_pairs[0][:5000], real_pairs[1][:5000]
    assert max(map(len, refs)) == 4
    expected = []
    for h, seg in zip(hyps, refs):
        candidates = [jiwer_counts(r, h) for r in seg]
        expected.append(candidates[best_of(candidates)])
    rows = W.WER().stats(hyps, refs)
    assert np.array_equal(rows, np.array(expected))
    assert np.array_equal(W.WER(backend="python").stats(hyps[:1500], refs[:1500]), rows[:1500])
    assert str(W.wer(hyps, refs).signature).startswith("nrefs:var|")


def test_backends_equal_on_real_pairs_with_transforms(real_pairs):
    for transform in ("default", "standardize", "none", ("lowercase", "remove_punctuation", "default")):
        for units, n in (("words", 400), ("chars", 60)):
            hyps, refs = real_pairs[0][:n], real_pairs[1][:n]
            a = W.WER(units=units, transform=transform, backend="python").stats(hyps, refs)
            b = W.WER(units=units, transform=transform, backend="numpy").stats(hyps, refs)
            assert np.array_equal(a, b), (transform, units)


def test_named_transform_equals_jiwer_compose(real_pairs):
    hyps, refs = real_pairs[0][:500], [seg[0] for seg in real_pairs[1][:500]]
    tr = jiwer.transforms
    compose = jiwer.Compose(
        [
            tr.ToLowerCase(),
            tr.RemovePunctuation(),
            tr.RemoveMultipleSpaces(),
            tr.Strip(),
            tr.ReduceToListOfListOfWords(),
        ]
    )
    ours = W.wer(hyps, refs, transform=("lowercase", "remove_punctuation", "default"))
    theirs = jiwer.process_words(refs, hyps, reference_transform=compose, hypothesis_transform=compose)
    assert (ours.components["hits"], ours.components["substitutions"]) == (theirs.hits, theirs.substitutions)
    assert (ours.components["deletions"], ours.components["insertions"]) == (theirs.deletions, theirs.insertions)
    assert ours.score == pytest.approx(theirs.wer, abs=TOL, rel=TOL)
    standard = W.wer(hyps, refs, transform="standardize").score
    assert standard == pytest.approx(
        jiwer.wer(refs, hyps, reference_transform=jiwer.wer_standardize, hypothesis_transform=jiwer.wer_standardize),
        abs=TOL,
        rel=TOL,
    )


# -- generated Unicode text ----------------------------------------------------------------------

_WORDS = [
    "a",
    "b",
    "the",
    "Cat",
    "ñandú",
    "日本",
    "語",
    "ภาษา",
    "ไทย",
    "😀",
    "x'y",
    "won't",
    "[laugh]",
    "<unk>",
    "!?",
    "É",
]
_SEPARATORS = [" ", " ", " ", "  ", "\t", "\u3000", "\xa0", "\n", "\x1c", " \t "]


@st.composite
def lines(draw, pool=_WORDS):
    words = draw(st.lists(st.sampled_from(pool), max_size=9))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words) + 1, max_size=len(words) + 1))
    edges = draw(st.tuples(st.booleans(), st.booleans()))
    text = "".join(s + w for s, w in zip(seps, words))
    return (text if edges[0] else text.lstrip()) + (seps[-1] if edges[1] else "")


_corpora = st.lists(st.tuples(lines(), lines()), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpora)
def test_generated_text_equals_jiwer_both_backends(pairs):
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    for chars in (False, True):
        expected = np.array([jiwer_counts(r, h, chars=chars) for h, r in zip(hyps, refs)])
        cls = W.CER if chars else W.WER
        for backend in ("python", "numpy"):
            assert np.array_equal(cls(backend=backend).stats(hyps, refs), expected)
        theirs = jiwer_measures(refs, hyps, chars=chars)
        for name, value in theirs.items():
            assert FUNCTIONS[name](hyps, refs).score == pytest.approx(value, abs=TOL, rel=TOL)
        for name in theirs:
            got = SENTENCE[name](hyps, refs)
            assert np.allclose(got, [JIWER[name](r, h) for h, r in zip(hyps, refs)], rtol=0, atol=TOL)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=40))
def test_each_step_is_jiwers_transform(text):
    tr = jiwer.transforms
    theirs = {
        "lowercase": tr.ToLowerCase(),
        "uppercase": tr.ToUpperCase(),
        "remove_punctuation": tr.RemovePunctuation(),
        "remove_multiple_spaces": tr.RemoveMultipleSpaces(),
        "strip": tr.Strip(),
        "remove_whitespace": tr.RemoveWhiteSpace(),
        "whitespace_to_space": tr.RemoveWhiteSpace(replace_by_space=True),
        "expand_contractions": tr.ExpandCommonEnglishContractions(),
        "remove_kaldi_non_words": tr.RemoveKaldiNonWords(),
    }
    # Whisper's normalisers are checked against whisper-normalizer in tests/test_whisper_normalizers.py
    assert set(theirs) == set(STEPS) - {"whisper_basic", "whisper_english"}
    for name, transform in theirs.items():
        assert apply_steps(text, (name,)) == transform.process_string(text), name
    assert W.WER(transform="standardize").options.tokens(text) == jiwer.wer_standardize(text)[0]
    assert W.WER().options.tokens(text) == jiwer.wer_default(text)[0]
    assert W.CER().options.tokens(text) == jiwer.cer_default(text)[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2), max_size=40), st.lists(st.integers(0, 2), max_size=40))
def test_python_alignment_is_rapidfuzz_opcodes(a, b):
    # small alphabets make many tied alignments: the rule must pick rapidfuzz's, opcode for opcode
    ref, hyp = " ".join(map(str, a)), " ".join(map(str, b))
    theirs = jiwer.process_words(ref, hyp).alignments[0]
    expected = [(c.type, c.ref_start_idx, c.ref_end_idx, c.hyp_start_idx, c.hyp_end_idx) for c in theirs]
    for backend in ("python", "numpy"):
        assert [tuple(o) for o in W.align_words(hyp, ref, backend=backend).opcodes] == expected


def _long_pair(n, rate, alphabet, seed):
    rng = random.Random(seed)
    ref = [rng.choice(alphabet) for _ in range(n)]
    hyp = []
    for w in ref:
        r = rng.random()
        if r < rate / 3:
            continue
        if r < 2 * rate / 3:
            hyp.append(rng.choice(alphabet))
        elif r < rate:
            hyp += [w, rng.choice(alphabet)]
        else:
            hyp.append(w)
    return " ".join(hyp), " ".join(ref)


def test_band_sized_pairs_python_equals_rapidfuzz():
    # 65..400 words with few edits: rapidfuzz aligns these in a narrow band of its matrix
    for seed in range(40):
        hyp, ref = _long_pair(65 + 9 * seed, 0.05 + 0.01 * (seed % 5), ["a", "b", "c"], seed)
        expected = jiwer_counts(ref, hyp)
        assert W.WER(backend="python").stats([hyp], [ref]).tolist() == [list(expected)]
        assert W.WER(backend="numpy").stats([hyp], [ref]).tolist() == [list(expected)]


@pytest.mark.slow
def test_pair_large_enough_for_hirschberg_python_equals_rapidfuzz():
    # 2,100 x 2,100 words after the common ends: rapidfuzz cuts the matrix in two (Hirschberg) first
    hyp, ref = _long_pair(2100, 0.3, ["a", "b", "c", "d"], 11)
    expected = jiwer_counts(ref, hyp)
    assert len(ref.split()) * len(hyp.split()) >= 4 * 2**20
    assert W.WER(backend="python").stats([hyp], [ref]).tolist() == [list(expected)]
    assert W.WER(backend="numpy").stats([hyp], [ref]).tolist() == [list(expected)]


def test_alignment_on_real_pairs_is_jiwers(single):
    hyps, refs = single[0][:300], single[1][:300]
    for h, r in zip(hyps, refs):
        theirs = jiwer.process_words(r, h)
        expected = [
            (c.type, c.ref_start_idx, c.ref_end_idx, c.hyp_start_idx, c.hyp_end_idx) for c in theirs.alignments[0]
        ]
        for backend in ("python", "numpy"):
            alignment = W.align_words(h, r, backend=backend)
            assert [tuple(o) for o in alignment.opcodes] == expected
            assert alignment.reference == tuple(theirs.references[0])
    drawn = jiwer.visualize_alignment(jiwer.process_words(refs[0], hyps[0]), show_measures=False, skip_correct=False)
    ours = str(W.align_words(hyps[0], refs[0]))
    assert [line.rstrip() for line in drawn.splitlines()[2:5]] == ours.splitlines()


def test_alignment_pairs_and_counts():
    a = W.align_words("the cat sit on mat", "the cat sat on the mat")
    assert a.pairs() == [
        ("equal", "the", "the"),
        ("equal", "cat", "cat"),
        ("substitute", "sat", "sit"),
        ("equal", "on", "on"),
        ("delete", "the", None),
        ("equal", "mat", "mat"),
    ]
    assert (a.hits, a.substitutions, a.deletions, a.insertions) == (4, 1, 1, 0)
    chars = W.align_words("kitten", "sitting", units="chars")
    assert (chars.substitutions, chars.deletions, chars.insertions) == jiwer_counts("sitting", "kitten", chars=True)[1:]
    with pytest.raises(InputTypeError, match="'reference' must be a str"):
        W.align_words("a", ["a"])


# -- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hyp", "ref"),
    [
        ("", "a b c"),  # empty hypothesis: all deletions
        ("a b", ""),  # empty reference: jiwer 4 returns WER = insertions (2), MER 1, WIP 0
        ("", ""),  # nothing on either side: WER 0, MER 0, WIP 1
        ("   ", "\t \n"),  # whitespace only: no words
        (" a ", "   "),
        ("?!", "..."),  # punctuation only: one word each, substituted
        ("...", ""),
    ],
)
def test_empty_and_degenerate_segments_match_jiwer(hyp, ref):
    for name, fn in FUNCTIONS.items():
        for backend in ("python", "numpy"):
            ours = fn([hyp], [ref], backend=backend).score
            assert ours == pytest.approx(JIWER[name](ref, hyp), abs=TOL, rel=TOL), (name, backend)
    assert W.wer(["a b"], [""]).score == 2.0  # the documented value: inserted words over max(N, 1)


def test_empty_references_inside_a_corpus_and_zero_overlap():
    hyps = ["a b", "x y z", "the cat"]
    refs = ["", "p q", "the cat"]
    for name, fn in FUNCTIONS.items():
        assert fn(hyps, refs).score == pytest.approx(JIWER[name](refs, hyps), abs=TOL, rel=TOL), name
    # a zero-overlap segment among matches
    hyps, refs = ["one two three", "alpha beta"], ["one two three", "gamma delta"]
    assert W.wer(hyps, refs).score == 2 / 5 == pytest.approx(jiwer.wer(refs, hyps))
    assert W.sentence_wer(hyps, refs).tolist() == [0.0, 1.0]


def test_cjk_and_thai_need_character_units():
    hyp, ref = "我喜欢吃苹果", "我喜欢吃香蕉"
    # written without spaces, a line is one "word": WER sees one substitution
    assert W.wer([hyp], [ref]).score == 1.0
    assert W.wer([hyp], [ref], units="chars").score == 2 / 6 == jiwer.cer(ref, hyp)
    thai_hyp, thai_ref = "สวัสดีครับ", "สวัสดีค่ะ"
    for backend in ("python", "numpy"):
        assert W.cer([thai_hyp], [thai_ref], backend=backend).score == pytest.approx(jiwer.cer(thai_ref, thai_hyp))
        assert W.wer([thai_hyp], [thai_ref], units="chars", backend=backend).score == pytest.approx(
            jiwer.cer(thai_ref, thai_hyp)
        )
    mixed = ["日本語 を 話す", "ไทย ภาษา"]
    refs = ["日本語 を 話します", "ภาษา ไทย"]
    assert W.wer(mixed, refs).score == pytest.approx(jiwer.wer(refs, mixed))


def test_ten_thousand_word_line():
    rng = random.Random(5)
    vocabulary = [f"w{k}" for k in range(50)]
    ref = [rng.choice(vocabulary) for _ in range(10_000)]
    hyp = [w if rng.random() > 0.1 else rng.choice(vocabulary) for w in ref]
    hyp_line, ref_line = " ".join(hyp), " ".join(ref)
    expected = jiwer_counts(ref_line, hyp_line)
    assert W.WER().stats([hyp_line], [ref_line]).tolist() == [list(expected)]
    assert W.wer([hyp_line], [ref_line]).score == pytest.approx(jiwer.wer(ref_line, hyp_line), abs=TOL, rel=TOL)
    # the python backend on a 10,000-word line against a short one (its matrix is 10,000 x 30)
    short = " ".join(ref[:30])
    assert W.WER(backend="python").stats([short], [ref_line]).tolist() == [list(jiwer_counts(ref_line, short))]
    assert W.WER(backend="python").stats([ref_line], [short]).tolist() == [list(jiwer_counts(short, ref_line))]


# -- the statistics contract ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CLASSES))
def test_update_twice_and_merge_equal_one_call(real_pairs, name):
    hyps, refs = real_pairs[0][:300], real_pairs[1][:300]
    cls = CLASSES[name]
    whole = cls()(hyps, refs)
    twice = cls().update(hyps[:120], refs[:120]).update(hyps[120:], refs[120:]).compute()
    merged = cls().update(hyps[:77], refs[:77]).merge(cls().update(hyps[77:], refs[77:])).compute()
    assert twice.score == merged.score == whole.score
    assert twice.components == merged.components == whole.components
    assert str(twice.signature) == str(whole.signature)


def test_registry_names_and_directions():
    for name, cls in CLASSES.items():
        assert type(get_metric(name)) is cls
        assert cls.higher_is_better is (name == "wip")
        assert cls.task == "text"


def test_merge_needs_equal_options_and_the_same_callable():
    def split(s):
        return s.split()

    hyps, refs = ["a b"], ["a c"]
    with pytest.raises(InputError, match="options must be equal"):
        W.WER().update(hyps, refs).merge(W.WER(transform="none").update(hyps, refs))
    with pytest.raises(InputError, match="options must be equal"):
        W.WER().merge(W.WER(units="chars"))
    same = W.WER(transform=split).update(hyps, refs).merge(W.WER(transform=split).update(hyps, refs))
    assert same.compute().components["substitutions"] == 2

    def make():
        return lambda s: s.split()

    first, second = make(), make()  # equal names, two objects
    assert str(W.WER(transform=first).signature()) == str(W.WER(transform=second).signature())
    with pytest.raises(InputError, match="custom objects"):
        W.WER(transform=first).merge(W.WER(transform=second))
    # equal step lists are one option, however they are spelled
    W.WER().merge(W.WER(transform=("remove_multiple_spaces", "strip")))
    assert "transform:custom(" in str(W.WER(transform=split).signature())


def test_custom_callable_transform():
    hyps, refs = ["The Cat,sat"], ["the cat sat"]
    got = W.wer(hyps, refs, transform=lambda s: s.lower().replace(",", " ").split()).score
    assert got == 0.0
    with pytest.raises(InputError, match="must return a list of str"):
        W.wer(hyps, refs, transform=lambda s: s)


def test_score_is_pure_and_scores_are_vectorized(real_pairs):
    metric = W.WER()
    rows = metric.stats(real_pairs[0][:200], real_pairs[1][:200])
    total = rows.sum(axis=0)
    keep = total.copy()
    result = metric.score(total)
    assert np.array_equal(total, keep)
    assert metric.scores(total[None, :])[0] == result.score
    per_row = metric.scores(rows)
    assert per_row.tolist() == [metric.score(r).score for r in rows]
    for name in CLASSES:
        assert np.array_equal(CLASSES[name]().scores(rows), measure_scores(rows, name))
    with pytest.raises(InputError, match="4 columns"):
        metric.scores(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(InputError, match="one summed row"):
        metric.score(rows[:2])


def test_signature_and_result():
    r = W.wer(["a b"], [["a c", "a b c"]])
    assert r.name == "WER"
    assert str(r.signature).startswith("nrefs:2|units:words|transform:default|version:")
    assert str(W.cer(["ab"], ["ac"]).signature).startswith("nrefs:1|units:chars|transform:default|")
    assert "transform:lowercase+remove_punctuation" in str(
        W.WER(transform=("lowercase", "remove_punctuation")).signature()
    )
    results = W.WER().sentence_scores(["a", "b"], [["a"], ["b", "c"]])
    assert [str(x.signature).split("|")[0] for x in results] == ["nrefs:1", "nrefs:2"]


def test_functional_options_are_the_class_options():
    import inspect

    def options(f):
        return {p.name: p.default for p in inspect.signature(f).parameters.values() if p.kind == p.KEYWORD_ONLY}

    for name, cls in CLASSES.items():
        assert options(FUNCTIONS[name]) == options(cls.__init__) == options(SENTENCE[name])


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"units": "word"}, "units"),
        ({"units": None}, "units"),
        ({"transform": "lower"}, "transform"),
        ({"transform": ("lowercase", 3)}, "transform"),
        ({"transform": b"strip"}, "transform"),
        ({"transform": {"strip"}}, "transform"),
        ({"backend": "gpu"}, "backend"),
    ],
)
def test_bad_options_name_the_parameter(options, param):
    with pytest.raises(InvalidOptionError, match=f"'{param}' parameter of wer"):
        W.WER(**options)
    with pytest.raises(InvalidOptionError, match=f"'{param}' parameter of wer"):
        W.wer(["a"], ["a"], **options)


def test_units_suggestion_and_cer_takes_no_units():
    with pytest.raises(InvalidOptionError, match="did you mean 'words'"):
        W.WER(units="word")
    with pytest.raises(TypeError):
        W.CER(units="words")  # CER aligns characters; WER(units="chars") is the same number


def test_bad_inputs():
    with pytest.raises(EmptyInputError):
        W.wer([], [])
    with pytest.raises(InputError, match="same length"):
        W.wer(["a", "b"], ["a"])
    with pytest.raises(InputTypeError, match="token lists"):
        W.wer([["a", "b"]], [[["a", "b"]]])
    with pytest.raises(InputTypeError, match=r"references\[0\]"):
        W.wer(["a"], [[]])
    with pytest.raises(InputError):
        W.WER().compute()


def test_presets_cover_both_units():
    for by_units in PRESETS.values():
        assert set(by_units) == {"words", "chars"}


def test_word_ids_path_equals_the_words_path(real_pairs, monkeypatch):
    # rapidfuzz compares words by hash; where two words of a corpus would share one, the fast backend
    # maps them to integer ids as jiwer does: force that path and compare
    from evalkit.text import _wer_numpy

    hyps, refs = real_pairs[0][:500], real_pairs[1][:500]
    assert _wer_numpy._distinct_values([["a", "b"], ["ab", "a"]])
    words = W.WER().stats(hyps, refs)
    monkeypatch.setattr(_wer_numpy, "_distinct_values", lambda token_lists: False)
    assert np.array_equal(W.WER().stats(hyps, refs), words)


def test_errors_are_nltks_edit_distance(single):
    # S + D + I is the Levenshtein distance, whichever optimal alignment is taken
    edit_distance = pytest.importorskip("nltk.metrics.distance").edit_distance
    hyps, refs = single[0][:150], single[1][:150]
    rows = W.WER().stats(hyps, refs)
    assert rows[:, 1:].sum(axis=1).tolist() == [edit_distance(r.split(), h.split()) for h, r in zip(hyps, refs)]


def test_tied_alignments_change_mer_and_wip_not_wer():
    # "a b" -> "b c": rapidfuzz's alignment (S=2) gives MER 1 and WIP 0; the other optimal one
    # (H=1, D=1, I=1) would give MER 2/3 and WIP 1/4. WER is 1 under both.
    assert (W.mer(["b c"], ["a b"]).score, W.wip(["b c"], ["a b"]).score) == (1.0, 0.0)
    assert (jiwer.mer("a b", "b c"), jiwer.wip("a b", "b c")) == (1.0, 0.0)
    other = np.array([[1, 0, 1, 1]])
    assert measure_scores(other, "mer")[0] == 2 / 3
    assert measure_scores(other, "wip")[0] == 0.25
    assert measure_scores(other, "wer")[0] == 1.0
