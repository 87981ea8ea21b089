"""TER: cross-checks against sacrebleu's TER in the same process, hand-computed cases, both backends,
edge cases, options, merging."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.core import InputTypeError, InvalidOptionError, get_metric
from evalkit.text import _ter_numpy
from evalkit.text._ter_common import TercomTokenizer
from evalkit.text.ter import TER, sentence_ter, ter

sacrebleu = pytest.importorskip("sacrebleu")
from sacrebleu.metrics import TER as SacreTER  # noqa: E402
from sacrebleu.metrics.lib_ter import translation_edit_rate  # noqa: E402
from sacrebleu.tokenizers.tokenizer_ter import TercomTokenizer as SacreTokenizer  # noqa: E402

OPTION_NAMES = ("normalized", "no_punct", "asian_support", "case_sensitive")
ALL_OPTIONS = [dict(zip(OPTION_NAMES, values)) for values in itertools.product([False, True], repeat=4)]


def streams(references):
    """evalkit's layout (references per segment, varying count) to sacrebleu's streams, padded with None."""
    references = [[seg] if isinstance(seg, str) else list(seg) for seg in references]
    k = max(len(seg) for seg in references)
    return [[seg[j] if j < len(seg) else None for seg in references] for j in range(k)]


def sacre_rows(hyps, refs, **options):
    """sacrebleu's per-segment statistics ``[num_edits, avg_ref_len]`` and its corpus score (a fraction),
    scored by sacrebleu from those statistics as its ``corpus_score`` does."""
    metric = SacreTER(**options)
    stats = metric._extract_corpus_statistics(hyps, streams(refs))
    return np.array(stats, dtype=np.float64), metric._aggregate_and_compute(stats).score / 100


def check_against_sacrebleu(hyps, refs, backends=("numpy",), **options):
    want_rows, want_score = sacre_rows(hyps, refs, **options)
    for backend in backends:
        metric = TER(backend=backend, **options)
        rows = metric.rows(hyps, refs)
        bad = np.flatnonzero((rows.dense != want_rows).any(axis=1))
        assert not len(bad), (backend, options, [(hyps[i], refs[i], rows.dense[i], want_rows[i]) for i in bad[:3]])
        score = metric.add_rows(rows).compute().score
        assert score == pytest.approx(want_score, rel=1e-12, abs=1e-12)


def coded(pairs):
    """Word lists to the fast backend's coding: one character per word."""
    codes: dict[str, str] = {}

    def encode(words):
        return "".join(codes.setdefault(w, chr(len(codes))) for w in words)

    return [(encode(h), encode(r)) for h, r in pairs]


# -- by hand -------------------------------------------------------------------------------------


def test_hand_computed_cases():
    # one shift: "the" moved before "mat" (a block of one word, one edit) -> 1 / 6
    r = ter(["the cat sat on mat the"], ["the cat sat on the mat"])
    assert r.components == {"num_edits": 1, "ref_length": 6.0} and r.score == pytest.approx(1 / 6)
    # a two-word block moved is still one edit: "d e a b c" -> "a b c d e"
    assert ter(["d e a b c"], ["a b c d e"]).components["num_edits"] == 1
    # no shared block: three substitutions and one deletion (4 hypothesis words, 3 reference words)
    assert ter(["w x y z"], ["a b c"]).components == {"num_edits": 4, "ref_length": 3.0}
    # two references: the fewer edits (0, the second) over the average length (3 + 5) / 2
    r = ter(["a b c d e"], [["a b c", "a b c d e"]])
    assert r.components == {"num_edits": 0, "ref_length": 4.0} and r.score == 0.0
    # a rate above 1: five edits (2 substitutions, 3 hypothesis words deleted) for 2 reference words
    assert ter(["p q r s t"], ["a b"]).score == pytest.approx(5 / 2)
    # case: lowercased unless case_sensitive
    assert ter(["The Cat"], ["the cat"]).score == 0.0
    assert ter(["The Cat"], ["the cat"], case_sensitive=True).components["num_edits"] == 2


def test_empty_sides_as_sacrebleu():
    # an empty hypothesis costs one edit per reference word (TER 1.0); an empty reference one edit per
    # hypothesis word over no reference words (TER 1.0); both empty: 0.0
    assert ter([""], ["a b c"]).components == {"num_edits": 3, "ref_length": 3.0}
    assert ter([""], ["a b c"]).score == 1.0
    assert ter(["a b"], [""]).components == {"num_edits": 2, "ref_length": 0.0}
    assert ter(["a b"], [""]).score == 1.0
    assert ter([""], [""]).score == 0.0
    assert ter(["   "], ["\t \n"]).score == 0.0  # whitespace only: no words
    hyps, refs = ["", "a b", "", "   ", "x"], ["a b c", "", "", "p", ["", "x y"]]
    check_against_sacrebleu(hyps, refs, backends=("python", "numpy"))


def test_punctuation_only_and_no_punct():
    hyps, refs = ["... !?", "(,)", "a , b ."], [". . .", "", "a b"]
    for options in ALL_OPTIONS:
        check_against_sacrebleu(hyps, refs, backends=("python", "numpy"), **options)
    assert ter(["... !?"], ["?!"], no_punct=True).score == 0.0  # every word removed on both sides


def test_zero_overlap_segment_in_a_corpus():
    hyps = ["the cat sat on the mat", "completely different words here"]
    refs = ["the cat sat on the mat", "nothing in common"]
    r = ter(hyps, refs)
    # 0 edits, then 3 substitutions and 1 deletion; over 6 + 3 reference words
    assert r.components == {"num_edits": 4, "ref_length": 9.0} and r.score == pytest.approx(4 / 9)
    check_against_sacrebleu(hyps, refs, backends=("python", "numpy"))


def test_cjk_and_thai():
    hyps = ["我喜欢吃苹果。", "ひらがなとカタカナ、漢字", "ฉันชอบกินข้าว มาก", "日本語のテキスト（全角）"]
    refs = ["我喜欢吃香蕉。", "カタカナとひらがな、漢字", "ฉันชอบกิน ข้าวมาก", "日本語 の テキスト"]
    for options in ALL_OPTIONS:
        check_against_sacrebleu(hyps, refs, backends=("python", "numpy"), **options)
    # asian_support with normalized splits CJK into characters: 苹果 -> 香蕉 is two substitutions of 7
    r = ter(hyps[:1], refs[:1], normalized=True, asian_support=True)
    assert r.components == {"num_edits": 2, "ref_length": 7.0}  # 苹果 -> 香蕉: two characters
    assert ter(hyps[:1], refs[:1]).components == {"num_edits": 1, "ref_length": 1.0}  # one "word" each


def test_a_ten_thousand_word_line():
    words = [f"w{i}" for i in range(10_005)]
    long, short = " ".join(words[:10_000]), " ".join(words[3:18])
    # against a short reference (the beam widens with the length ratio), and the other way round
    check_against_sacrebleu([long, short], [short, long], backends=("numpy",))
    check_against_sacrebleu([long], [short], backends=("python",))
    # the same words five positions on: 5 deletions at the start and 5 insertions at the end, no block
    # worth shifting (the hypothesis errors are words the reference lacks)
    shifted = " ".join(words[5:])
    assert ter([long], [shifted]).components == {"num_edits": 10, "ref_length": 10_000.0}


# -- sacrebleu on real text ----------------------------------------------------------------------


@pytest.mark.slow
def test_matches_sacrebleu_on_5000_real_pairs(real_pairs):
    hyps, refs = real_pairs
    check_against_sacrebleu(hyps[:5000], refs[:5000])


@pytest.mark.slow
@pytest.mark.parametrize("options", ALL_OPTIONS, ids=lambda o: "-".join(k for k, v in o.items() if v) or "default")
def test_every_option_combination_on_real_pairs(real_pairs, options):
    # each combination on its own 320 pairs: 5,120 further pairs over the 16 combinations
    hyps, refs = real_pairs
    start = 5000 + 320 * ALL_OPTIONS.index(options)
    check_against_sacrebleu(hyps[start : start + 320], refs[start : start + 320], **options)


@pytest.mark.slow
def test_python_backend_matches_sacrebleu_on_real_pairs(real_pairs):
    hyps, refs = real_pairs
    check_against_sacrebleu(hyps[9000:9200], refs[9000:9200], backends=("python",), normalized=True)


def test_sentence_ter_is_sacrebleu_sentence_score(real_pairs):
    hyps, refs = real_pairs
    hyps, refs = hyps[:150], refs[:150]
    metric = SacreTER()
    want = [metric.sentence_score(h, r).score / 100 for h, r in zip(hyps, refs)]
    assert sentence_ter(hyps, refs).tolist() == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_signature_as_sacrebleu():
    for options in ALL_OPTIONS:
        for refs in (["a b"], [["a b", "c"]]):
            theirs = SacreTER(**options)
            theirs.corpus_score(["a c"], streams(refs))
            ours = ter(["a c"], refs, **options).signature
            assert str(ours).rsplit("|", 1)[0] == theirs.get_signature().format().rsplit("|", 1)[0]
    theirs = SacreTER()
    theirs.corpus_score(["a", "b"], streams([["a"], ["b", "c"]]))
    assert str(ter(["a", "b"], [["a"], ["b", "c"]]).signature).startswith("nrefs:var|")
    assert theirs.get_signature().format().startswith("nrefs:var|")


# -- hypothesis-generated Unicode text -----------------------------------------------------------

# letters, digits, the punctuation tercom's rules name, XML entities, CJK, kana, full-width and CJK
# punctuation, Thai, odd whitespace and characters whose lowercase changes length
_PIECES = st.sampled_from(
    [
        *"abcABC019.,-'\"()?:;!&<>/[]{}~`@#%^*+=_|\\$",
        *("'s", "&quot;", "&amp;", "&lt;", "&gt;", "\n", "\n-", "\t", "\u3000", "\x1c", " ", "  "),
        *"我喜欢漢字苹果日本語", *"ひらがなカタカナㇰㇱ", *"、。〈〉「」・（），．？！：；", *"กขคภาษาไทย",
        *("İ", "ẞ", "ΣΑΣ", "ﬁ", "Ǆ", "é", "e\u0301", "\u3200", "\u3f22", "\u31c0", "\u2e80"),
    ]
)  # fmt: skip
_LINE = st.lists(_PIECES, max_size=14).map("".join)
_SEGMENT = st.tuples(_LINE, st.lists(_LINE, min_size=1, max_size=3))
_OPTIONS = st.fixed_dictionaries({name: st.booleans() for name in OPTION_NAMES})


@settings(max_examples=300, deadline=None)
@given(line=_LINE, options=_OPTIONS)
def test_tokenizer_is_sacrebleus(line, options):
    want = SacreTokenizer(**options)(line.rstrip()).split()
    tokenizer = TercomTokenizer(**options)
    assert tokenizer(line) == want
    assert tokenizer.batch([line, line]) == [want, want]


@settings(max_examples=60, deadline=None)
@given(segments=st.lists(_SEGMENT, min_size=1, max_size=6), options=_OPTIONS)
def test_unicode_text_matches_sacrebleu(segments, options):
    hyps = [h for h, _ in segments]
    refs = [r for _, r in segments]
    check_against_sacrebleu(hyps, refs, backends=("python", "numpy"), **options)


def test_references_are_tokenized_twice_as_sacrebleu_does():
    # sacrebleu preprocesses a reference in _cache_references and again in _extract_reference_info: the
    # first pass gives "a's 我" (no space after 's yet), the second "a 's 我" (3 words); a hypothesis once
    options = {"normalized": True, "asian_support": True}
    check_against_sacrebleu(
        ["", "x", "a's我"], [["a's我"], ["y", "b's我c"], ["a's我"]], backends=("python", "numpy"), **options
    )
    assert SacreTER(**options).sentence_score("", ["a's我"]).score == 100.0  # 3 deletions / 3 words


# -- the shift search, on sequences that stress it -----------------------------------------------


def _stress_pairs(seed: int, n: int) -> list[tuple[list[str], list[str]]]:
    """Word sequences from tiny vocabularies (many shared blocks: the 1000-candidate limit is reached),
    permuted copies (long shifts), lengths near and beyond the beam, very unequal lengths."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        vocabulary = rng.choice([2, 3, 5, 10, 50])
        n_h = rng.choice([0, 1, 2, 5, 12, 30, 60, rng.randint(0, 130)])
        n_r = rng.choice([n_h, n_h + 1, max(0, n_h - 3), rng.randint(0, 130), 1, 2])
        hyp = [str(rng.randrange(vocabulary)) for _ in range(n_h)]
        if rng.random() < 0.5:
            ref = hyp[:n_r]
            if rng.random() < 0.3:
                rng.shuffle(ref)
            ref = [w if rng.random() > 0.2 else str(rng.randrange(vocabulary)) for w in ref]
            ref += [str(rng.randrange(vocabulary)) for _ in range(n_r - len(ref))]
        else:
            ref = [str(rng.randrange(vocabulary)) for _ in range(n_r)]
        pairs.append((hyp, ref))
    return pairs


@pytest.fixture(scope="module")
def stress():
    pairs = _stress_pairs(11, 30)
    return pairs, [translation_edit_rate(h, r)[0] for h, r in pairs]


@pytest.mark.slow
def test_fast_search_matches_sacrebleu_under_stress(stress, monkeypatch):
    pairs, want = stress
    assert _ter_numpy._many_pair_edits(coded(pairs)) == want
    # each pair alone (the one-by-one path), and without rapidfuzz (banded distances for every move)
    monkeypatch.setattr(_ter_numpy, "_BATCH_MAX_WORDS", 0)
    assert _ter_numpy._many_pair_edits(coded(pairs)) == want
    monkeypatch.undo()
    monkeypatch.setattr(_ter_numpy, "_levenshtein", None)
    assert _ter_numpy._many_pair_edits(coded(pairs)) == want


@pytest.mark.slow
def test_python_search_matches_sacrebleu_under_stress(stress):
    from evalkit.text.ter import _pair_edits

    pairs, want = stress
    assert [_pair_edits(h, r) for h, r in pairs] == want


def test_candidate_limit_drops_the_last_round():
    # two words repeated: so many shared blocks that the first round alone tries over 1000 moves, and
    # sacrebleu keeps the plain banded distance
    rng = random.Random(5)
    pairs = [([rng.choice("ab") for _ in range(60)], [rng.choice("ab") for _ in range(60)]) for _ in range(4)]
    want = [translation_edit_rate(h, r)[0] for h, r in pairs]
    assert _ter_numpy._many_pair_edits(coded(pairs)) == want


def test_batched_and_one_by_one_rounds_agree(real_pairs, monkeypatch):
    hyps, refs = real_pairs
    hyps, refs = hyps[:300], refs[:300]
    batched = TER(backend="numpy").stats(hyps, refs)
    monkeypatch.setattr(_ter_numpy, "_BATCH_MAX_WORDS", 0)
    alone = TER(backend="numpy").stats(hyps, refs)
    monkeypatch.setattr(_ter_numpy, "_levenshtein", None)
    plain = TER(backend="numpy").stats(hyps, refs)
    np.testing.assert_array_equal(batched, alone)
    np.testing.assert_array_equal(batched, plain)


def test_backends_give_equal_statistics(real_pairs):
    hyps, refs = real_pairs
    hyps, refs = hyps[2000:2250], refs[2000:2250]
    for options in (ALL_OPTIONS[0], ALL_OPTIONS[-1]):
        np.testing.assert_array_equal(
            TER(backend="python", **options).stats(hyps, refs), TER(backend="numpy", **options).stats(hyps, refs)
        )


def test_code_tables_restart_beyond_the_code_points(monkeypatch):
    # a corpus with more distinct words than code points restarts the coding between segments, and a
    # segment with more words than code points is coded as ints; repeated codes are repeated edits
    monkeypatch.setattr(_ter_numpy, "_CODES", 6)
    hyps = ["a b c", "d e f", "a b c", "p q r s t u v w", "b a", "x y z w v u t s"]
    refs = [["a c b"], ["f e d"], ["c b a"], ["p r q s t u v w"], ["a b"], ["x z y w v u s t"]]
    want, _ = sacre_rows(hyps, refs)
    np.testing.assert_array_equal(TER(backend="numpy").stats(hyps, refs), want)


# -- the metric protocol -------------------------------------------------------------------------


def test_merge_of_parts_is_the_whole(real_pairs):
    hyps, refs = real_pairs
    hyps, refs = hyps[:240], refs[:240]
    whole = TER().update(hyps, refs).compute()
    twice = TER().update(hyps[:100], refs[:100]).update(hyps[100:], refs[100:]).compute()
    merged = TER().update(hyps[:70], refs[:70]).merge(TER().update(hyps[70:], refs[70:])).compute()
    for result in (twice, merged):
        assert result.components["num_edits"] == whole.components["num_edits"]
        assert result.score == pytest.approx(whole.score, rel=1e-12)
        assert str(result.signature) == str(whole.signature)


def test_scores_is_vectorized_score():
    metric = TER()
    totals = np.array([[3.0, 6.0], [2.0, 0.0], [0.0, 0.0], [7.0, 3.5]])
    assert metric.scores(totals).tolist() == [0.5, 1.0, 0.0, 2.0]
    assert [metric.score(t).score for t in totals] == [0.5, 1.0, 0.0, 2.0]
    before = totals.copy()
    metric.score(totals[0])
    np.testing.assert_array_equal(totals, before)


def test_registered_lower_is_better_and_display():
    metric = get_metric("ter", normalized=True)
    assert isinstance(metric, TER) and TER.higher_is_better is False and TER.task == "text"
    r = ter(["a b c"], ["a c b"])
    assert str(r).startswith("TER = 33.33 (num_edits=1 ref_length=3.0000) | nrefs:1|case:lc|tok:tercom|")


@pytest.mark.parametrize(
    "call",
    [
        lambda: TER(normalized="false"),
        lambda: TER(no_punct=1),
        lambda: TER(asian_support=None),
        lambda: TER(case_sensitive="yes"),
        lambda: TER(backend="gpu"),
        lambda: ter(["a"], ["a"], normalized="true"),
        lambda: sentence_ter(["a"], ["a"], backend="torch"),
    ],
)
def test_bad_options_name_the_parameter(call):
    with pytest.raises(InvalidOptionError, match=r"The '(normalized|no_punct|asian_support|case_sensitive|backend)'"):
        call()


def test_pretokenized_input_is_refused():
    with pytest.raises(InputTypeError, match="pass strings"):
        ter([["a", "b"]], [[["a", "b"]]])


def test_inputs_are_not_changed():
    hyps, refs = ["a b", "c d"], [["b a"], "d c"]
    ter(hyps, refs)
    assert hyps == ["a b", "c d"] and refs == [["b a"], "d c"]
