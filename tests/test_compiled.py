"""The compiled kernels (C, evalkit/text/_kernels.c) give exactly what the numpy path gives, and sacrebleu's
statistics.

The numpy path is the reference here (itself checked against sacrebleu and rouge-score elsewhere); the
integration test at the end compares the compiled BLEU statistics with sacrebleu directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("evalkit.text._kernels", reason="evalkit was installed without a C compiler")

from evalkit.text._bleu_numpy import corpus_stats
from evalkit.text.ngrams import clipped_ngram_matches, line_token_ids, segment_lines, use_compiled
from evalkit.tokenizers import get_tokenizer

sacrebleu_metrics = pytest.importorskip("sacrebleu.metrics")


def first_occurrence_ranks(ids: np.ndarray) -> np.ndarray:
    """``ids`` renumbered 0, 1, 2, ... in order of first occurrence: equal exactly when two id arrays
    make the same tokens equal."""
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


def assert_same_ids(tokenizer, lines):
    want_ids, want_lengths = line_token_ids(tokenizer, lines)
    got_ids, got_lengths = line_token_ids(tokenizer, lines, compiled=True)
    np.testing.assert_array_equal(got_lengths, want_lengths)
    np.testing.assert_array_equal(first_occurrence_ranks(got_ids), first_occurrence_ranks(want_ids))


@pytest.mark.parametrize("tokenize", ["13a", "intl", "zh", "none", "char"])
def test_token_ids_equal_on_real_text(real_pairs, tokenize):
    hyps, refs = real_pairs
    lines = [line for h, r in zip(hyps[:3000], refs[:3000]) for line in (h, *r)]
    assert_same_ids(get_tokenizer(tokenize), lines)


# every character str.split treats as whitespace, some that it does not, and text of several scripts
_CHARS = st.sampled_from(
    list(" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000")
    + list("\u200b\ufeff\x00\x01abcxyz.,-'\"&;")
    + list("éßЖж中文字ไทย😀🙂\U0001f600")
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(_CHARS, max_size=30), min_size=1, max_size=12), st.sampled_from(["none", "13a", "intl"]))
def test_token_ids_equal_on_generated_unicode(lines, tokenize):
    assert_same_ids(get_tokenizer(tokenize), lines)


def test_token_ids_past_the_initial_table_and_buffer():
    # 70,000 distinct tokens fill the 2**16-slot table past half (rehashes); one-character tokens
    # overflow the initial id buffer of a quarter of the characters
    lines = [" ".join(f"w{i}" for i in range(k, k + 700)) for k in range(0, 70_000, 700)]
    lines += [" ".join("abcdefghij" * 50)] * 20
    assert_same_ids(get_tokenizer("none"), lines)


def matches_both_ways(hyps, refs, max_order=4):
    lines, segment, role = segment_lines(hyps, refs)
    ids, lengths = line_token_ids(get_tokenizer("none"), lines)
    line = np.repeat(np.arange(lengths.size), lengths)
    args = (ids, segment[line], role[line], np.cumsum(lengths)[line])
    options = {"n_segments": len(hyps), "max_order": max_order}
    return clipped_ngram_matches(*args, **options), clipped_ngram_matches(*args, **options, compiled=True)


def test_clipped_matches_equal_on_real_text(real_pairs):
    hyps, refs = real_pairs
    want, got = matches_both_ways(hyps[:5000], refs[:5000], max_order=6)
    np.testing.assert_array_equal(got, want)


_WORDS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=14).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.lists(_WORDS, min_size=1, max_size=4)), min_size=1, max_size=8))
def test_clipped_matches_equal_on_repetitive_corpora(pairs):
    # four words: n-grams repeat within and across lines, the case that clipping is about
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    want, got = matches_both_ways(hyps, refs)
    np.testing.assert_array_equal(got, want)


def test_bleu_statistics_with_the_kernels_equal_sacrebleu(real_pairs):
    assert use_compiled()
    hyps, refs = real_pairs[0][:4000], real_pairs[1][:4000]
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(4)]
    for tokenize in ("13a", "intl"):
        expected = sacrebleu_metrics.BLEU(tokenize=tokenize)._extract_corpus_statistics(hyps, streams)
        got = corpus_stats(hyps, refs, tokenizer=get_tokenizer(tokenize), lowercase=False, max_order=4)
        np.testing.assert_array_equal(got, np.array(expected, dtype=np.int64).reshape(len(hyps), -1))


def test_the_environment_switches_the_kernels_off(monkeypatch, real_pairs):
    assert use_compiled()
    monkeypatch.setenv("EVALKIT_KERNELS", "0")
    assert not use_compiled()
    hyps, refs = real_pairs[0][:200], real_pairs[1][:200]
    options = {"tokenizer": get_tokenizer("13a"), "lowercase": False, "max_order": 4, "processes": 1}
    numpy_path = corpus_stats(hyps, refs, **options)
    monkeypatch.delenv("EVALKIT_KERNELS")
    np.testing.assert_array_equal(corpus_stats(hyps, refs, **options), numpy_path)


def test_token_ids_refuse_more_separators_than_lines():
    from evalkit.text._compiled import text_token_ids

    ids, lengths = text_token_ids("a \x00 b b", "\x00", 2)
    assert ids.tolist() == [0, 1, 1] and lengths.tolist() == [1, 2]
    with pytest.raises(ValueError, match="more line separators than lines"):
        text_token_ids("a \x00 b \x00 c", "\x00", 2)


def test_a_separator_of_several_characters_takes_the_numpy_path():
    from evalkit.tokenizers.base import Tokenizer

    class TwoCharSeparator(Tokenizer):
        name = "two-char-separator"

        def __call__(self, line):
            return line.split()

        def _joined_text(self, lines):
            return " \x00\x00 ".join(lines), "\x00\x00"

    ids, lengths = line_token_ids(TwoCharSeparator(), ["a b", "b"], compiled=True)
    assert first_occurrence_ranks(ids).tolist() == [0, 1, 1] and lengths.tolist() == [2, 1]


# -- adversarial inputs -------------------------------------------------------------------------------------

NGRAM_BASE = 1000003  # the kernel's n-gram hash: h = h * NGRAM_BASE + id + 1, modulo 2**64


def ngram_hash(ngram):
    h = 0
    for token in ngram:
        h = (h * NGRAM_BASE + token + 1) % 2**64
    return h


def numpy_matches(ids, segment, role, n_segments, max_order):
    """The reference: clipped_ngram_matches' numpy path, each line's end read from the segment and role
    changes (ids non-negative, segments contiguous and ascending, as that path requires)."""
    ids, segment, role = (np.asarray(a, dtype=np.int64) for a in (ids, segment, role))
    new_line = np.r_[True, (segment[1:] != segment[:-1]) | (role[1:] != role[:-1])][: ids.size]
    line = np.cumsum(new_line) - 1
    line_end = np.append(np.flatnonzero(new_line)[1:], ids.size)[line]
    options = {"n_segments": n_segments, "max_order": max_order}
    return clipped_ngram_matches(ids, segment, role, line_end, **options)


def compiled_matches(ids, segment, role, n_segments, max_order):
    from evalkit.text._compiled import clipped_matches

    return clipped_matches(*(np.asarray(a, dtype=np.int64) for a in (ids, segment, role)), n_segments, max_order)


def layout(segments):
    """(ids, segment, role) of segments given as lists of lines (candidate first), lines as lists of ids."""
    ids, segment, role = [], [], []
    for s, lines in enumerate(segments):
        for r, line in enumerate(lines):
            ids += line
            segment += [s] * len(line)
            role += [r] * len(line)
    return ids, segment, role


A, B, C = 0, 1, 2
_HAND_COUNTS = [
    # reference lines longer than the candidate: a min(1, 3), b min(1, 3); "a b" min(1, 3); no trigram
    pytest.param([[[A, B], [A, B, A, B, A, B]]], [[2, 1, 0, 0]], id="references-longer"),
    # no reference at all, and a candidate that is empty (the segment starts with its reference)
    pytest.param([[[A, B, C]], [[], [A, B]]], [[0, 0, 0, 0], [0, 0, 0, 0]], id="no-reference-empty-candidate"),
    # clipped by the best single reference, not the sum: a min(4, 3), "a a" min(3, 2), "a a a" min(2, 1)
    pytest.param([[[A] * 4, [A] * 2, [A] * 3]], [[3, 2, 1, 0]], id="best-reference"),
    # max_order beyond every line: orders 4 to 6 are 0
    pytest.param([[[A, B, C], [A, B, C]]], [[3, 2, 1, 0, 0, 0]], id="order-past-lines"),
    # a reference with a repeated n-gram the candidate has once: still min(1, 2)
    pytest.param([[[C, A, B], [A, B, A, B]]], [[2, 1, 0, 0]], id="repeats-in-reference"),
]


@pytest.mark.parametrize(("segments", "expected"), _HAND_COUNTS)
def test_clipped_matches_hand_counts(segments, expected):
    ids, segment, role = layout(segments)
    n_segments, max_order = len(expected), len(expected[0])
    np.testing.assert_array_equal(numpy_matches(ids, segment, role, n_segments, max_order), expected)
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, n_segments, max_order), expected)


def test_clipped_matches_on_empty_inputs_and_absent_segments():
    assert compiled_matches([], [], [], 0, 4).shape == (0, 4)
    np.testing.assert_array_equal(compiled_matches([], [], [], 3, 2), np.zeros((3, 2)))
    # segments 0 and 2 have no tokens at all: their rows stay 0
    ids, segment, role = [5, 6, 5, 6], [1, 1, 1, 1], [0, 0, 1, 1]
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, 3, 2), [[0, 0], [2, 1], [0, 0]])
    np.testing.assert_array_equal(numpy_matches(ids, segment, role, 3, 2), [[0, 0], [2, 1], [0, 0]])


def test_forced_ngram_hash_collisions_do_not_count():
    # (0, B) and (1, 0) have the same n-gram hash: (0 + 1) * B + B + 1 == (1 + 1) * B + 0 + 1
    b = NGRAM_BASE
    assert ngram_hash([0, b]) == ngram_hash([1, 0]) and ngram_hash([0, b, 7]) == ngram_hash([1, 0, 7])
    # candidate "0 B 7", reference "1 0 7": unigrams 0 and 7 match; no bigram or trigram does
    ids, segment, role = layout([[[0, b, 7], [1, 0, 7]]])
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, 1, 3), [[2, 0, 0]])
    # both colliding bigrams in the candidate, one in the reference: one match, not two
    ids, segment, role = layout([[[0, b, 1, 0], [1, 0]]])
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, 1, 2), [[2, 1]])
    np.testing.assert_array_equal(numpy_matches(ids, segment, role, 1, 2), [[2, 1]])


# ids whose n-grams collide in the kernel's hash: (0, B) ~ (1, 0), (0, B + 1) ~ (1, 1), (-1, 5) ~ (0, 5 - B),
# and every longer n-gram that extends a colliding pair by the same ids
_COLLIDING = st.sampled_from([0, 1, 5, NGRAM_BASE, NGRAM_BASE + 1, 5 - NGRAM_BASE, -1, -NGRAM_BASE])
_COLLIDING_LINES = st.lists(st.lists(_COLLIDING, max_size=10), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(_COLLIDING_LINES, min_size=1, max_size=5))
def test_clipped_matches_exact_under_hash_collisions_and_negative_ids(segments):
    ids, segment, role = layout(segments)
    # the numpy path wants ids from 0: renumbering keeps which tokens are equal, so the same counts
    ranks = np.unique(np.asarray(ids, dtype=np.int64), return_inverse=True)[1].reshape(-1)
    want = numpy_matches(ranks, segment, role, len(segments), 5)
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, len(segments), 5), want)


def test_clipped_matches_every_token_distinct():
    # candidate 0..n-1, reference the same: n - k + 1 matches of order k; then a reference sharing
    # only every other token: n / 2 unigrams, nothing longer
    n = 20_000
    cand = list(range(n))
    ids, segment, role = layout([[cand, cand], [cand, list(range(0, 2 * n, 2))]])
    expected = [[n, n - 1, n - 2, n - 3], [n // 2, 0, 0, 0]]
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, 2, 4), expected)
    np.testing.assert_array_equal(numpy_matches(ids, segment, role, 2, 4), expected)


def test_clipped_matches_segments_in_any_order_if_contiguous():
    # segments laid out 2, 0, 1: each row as the numpy path counts it in ascending layout
    segments = [[[A, B, A], [B, A, B, C]], [[C, C], [C]], [[A, B, C], [A, B, C], [C, B, A]]]
    ids, segment, role = layout(segments)
    want = numpy_matches(ids, segment, role, 3, 3)
    order = [2, 0, 1]
    shuffled = layout([segments[s] for s in order])
    relabel = np.asarray(order)[np.asarray(shuffled[1])]
    np.testing.assert_array_equal(compiled_matches(shuffled[0], relabel, shuffled[2], 3, 3), want)


def test_clipped_matches_on_a_misaligned_array():
    # an unaligned int64 view: the wrapper hands the kernel an aligned copy (reading misaligned int64 is
    # undefined behaviour in C, harmless on x86 only)
    rng = np.random.default_rng(5)
    ids = np.frombuffer(bytearray(8 * 400 + 1), dtype=np.int64, count=400, offset=1)
    ids[:] = rng.integers(0, 4, 400)
    segment, role = np.repeat(np.arange(4), 100), np.tile(np.repeat([0, 1, 2], [40, 30, 30]), 4)
    want = numpy_matches(ids.copy(), segment, role, 4, 4)
    np.testing.assert_array_equal(compiled_matches(ids, segment, role, 4, 4), want)


def test_bad_clipped_calls_raise_value_error():
    from evalkit.text import _compiled, _kernels

    one = np.zeros(1, dtype=np.int64)
    bad_calls = {
        "a segment number is out of range": [
            (one, one - 1, one, 1, 4),
            (one, one + 1, one, 1, 4),
            (one, one, one, 0, 4),
        ],
        "segment: expected": [(np.zeros(3, dtype=np.int64), one, one, 1, 4)],
        "bad sizes": [(one, one, one, 1, 0)],
        # segment 0 comes back after segment 1: its second run would overwrite its counts
        "not contiguous": [(np.zeros(3), [0, 1, 0], np.zeros(3), 2, 4)],
        None: [(one, one, one, 2**61, 1)],  # numpy refuses to allocate out (its message varies by version)
    }
    for message, calls in bad_calls.items():
        for call in calls:
            with pytest.raises(ValueError, match=message):
                _compiled.clipped_matches(*call)
    # straight to the kernel: an out whose size n_segments * max_order * 8 wraps to 0, an out too short,
    # an out that is one of the inputs
    with pytest.raises(ValueError, match="bad sizes"):
        _kernels.clipped_matches(one, one + 5, one, 2**61, 1, np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="out: expected"):
        _kernels.clipped_matches(one, one, one, 2, 4, np.zeros(7, dtype=np.int64))
    segment, role = np.array([0, 1], dtype=np.int64), np.zeros(2, dtype=np.int64)
    with pytest.raises(ValueError, match="shares memory"):
        _kernels.clipped_matches(role, segment, role, 2, 1, segment)
    assert segment.tolist() == [0, 1]


def test_token_ids_of_long_tokens_differing_at_the_end():
    # past 8 characters (one word of code units), differing in the last one only, or prefixes of each other
    stems = ["abcdefghijk", "abcdefgh", "\u00e9" * 9, "\U0001f600" * 12]
    lines = [" ".join(s + end for s in stems for end in ("1", "2", "")) for _ in range(3)]
    lines.append(" ".join(s[:-1] for s in stems))
    assert_same_ids(get_tokenizer("none"), lines)
    from evalkit.text._compiled import text_token_ids

    ids, lengths = text_token_ids("abcdefghij1 abcdefghij2 abcdefghij1 abcdefghij", "\x00", 1)
    assert ids.tolist() == [0, 1, 0, 2] and lengths.tolist() == [4]


@pytest.mark.parametrize("huge", ["x" * 1_000_000, "\u00e9" * 300_000 + "x", "y" * 999_999 + "z"])
def test_token_ids_of_one_huge_token(huge):
    assert_same_ids(get_tokenizer("none"), [huge, f"a {huge} {huge[:-1]} a", huge])


def test_token_ids_of_text_without_tokens():
    from evalkit.text._compiled import text_token_ids

    assert_same_ids(get_tokenizer("none"), ["", "", ""])
    assert_same_ids(get_tokenizer("13a"), ["  ", "\t", ""])
    # only separators: three empty lines; a doubled separator is one token of two characters, not a line break
    for text, sep, n_lines, want_ids, want_lengths in [
        ("\x00 \x00", "\x00", 3, [], [0, 0, 0]),
        ("", "\x00", 1, [], [0]),
        (" \u3000\n ", "\x00", 1, [], [0]),
        ("\x00\x00 \x00", "\x00", 2, [0], [1, 0]),
    ]:
        ids, lengths = text_token_ids(text, sep, n_lines)
        assert ids.tolist() == want_ids and lengths.tolist() == want_lengths


def test_bad_token_id_calls_raise_value_error():
    from evalkit.text import _compiled, _kernels

    # no room for a single line's length: the first token was counted past the end of lengths
    with pytest.raises(ValueError, match="one line at least"):
        _compiled.text_token_ids("a b", "\x00", 0)
    codes = np.frombuffer(b"a b c", dtype=np.uint8)
    with pytest.raises(ValueError, match="more tokens than the ids array holds"):
        _kernels.token_ids(codes, 1, _compiled._IS_SPACE, 0, np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64))
    with pytest.raises(ValueError, match="width must be 1 or 4"):
        _kernels.token_ids(codes, 2, _compiled._IS_SPACE, 0, np.zeros(3, dtype=np.int64), np.zeros(1, dtype=np.int64))


@pytest.mark.parametrize("whitespace", [False, True])
def test_chrf_statistics_with_the_kernels_equal_the_numpy_path_and_sacrebleu(monkeypatch, real_pairs, whitespace):
    from evalkit.text._chrf_common import ChrfOptions
    from evalkit.text._chrf_numpy import corpus_stats as chrf_stats

    hyps, refs = real_pairs[0][:3000], real_pairs[1][:3000]
    options = ChrfOptions.parse("chrf", {"word_order": 2, "whitespace": whitespace})
    compiled = chrf_stats(hyps, refs, options=options, processes=1)
    monkeypatch.setenv("EVALKIT_KERNELS", "0")
    np.testing.assert_array_equal(compiled, chrf_stats(hyps, refs, options=options, processes=1))
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(4)]
    expected = sacrebleu_metrics.CHRF(word_order=2, whitespace=whitespace)._extract_corpus_statistics(hyps, streams)
    np.testing.assert_array_equal(compiled, np.array(expected, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDS, st.lists(_WORDS, min_size=1, max_size=4)), min_size=1, max_size=8))
def test_chrf_reference_matches_compiled_equal_numpy_on_repetitive_corpora(pairs):
    from evalkit.text._chrf_numpy import compiled_matches, reference_matches

    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    lines, segment, role = segment_lines(hyps, refs)
    ids, lengths = line_token_ids(get_tokenizer("none"), lines)
    args = (ids, lengths, segment, role, len(hyps), 4)
    np.testing.assert_array_equal(compiled_matches(*args), reference_matches(*args))


_CODED = st.text(alphabet="abcd", max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CODED, _CODED), min_size=1, max_size=6))
def test_ter_search_in_c_equals_sacrebleus_translation_edit_rate(pairs):
    # four words: many equal blocks, so many shift candidates and ties between them
    from sacrebleu.metrics.lib_ter import translation_edit_rate

    from evalkit.text._ter_numpy import _compiled_pair_edits

    expected = [translation_edit_rate(list(h), list(r))[0] for h, r in pairs]
    assert _compiled_pair_edits(pairs) == expected


def test_ter_search_in_c_at_the_limits():
    """The beam widened for very unequal lengths, the cap of 1,000 shift candidates, blocks longer than
    the longest shift, empty sides, and a segment coded as a tuple of ints (more words than code points)."""
    import random

    from sacrebleu.metrics.lib_ter import translation_edit_rate

    from evalkit.text._ter_numpy import _compiled_pair_edits, _many_pair_edits

    rng = random.Random(3)
    word = lambda v: chr(97 + rng.randrange(v))  # noqa: E731
    pairs = [
        ("ab", "".join(word(3) for _ in range(160))),  # ratio 80: beam ceil(40 + 25)
        ("".join(word(3) for _ in range(120)), "ba"),
        ("".join(word(2) for _ in range(60)), "".join(word(2) for _ in range(60))),  # > 1,000 candidates
        ("abcdefghijklmn" + "xyz", "xyz" + "abcdefghijklmn"),  # a block longer than 10 words
        ("", "abc"),
        ("abc", ""),
        ("", ""),
    ]
    expected = [translation_edit_rate(list(h), list(r))[0] for h, r in pairs]
    assert _compiled_pair_edits(pairs) == expected
    assert _many_pair_edits(pairs) == expected
    as_ints = [(tuple(map(ord, h)), tuple(map(ord, r))) for h, r in pairs]
    assert _compiled_pair_edits(as_ints) == expected


def test_ter_statistics_with_the_kernels_equal_the_numpy_path_and_sacrebleu(monkeypatch, real_pairs):
    from evalkit.text.ter import TER

    hyps, refs = real_pairs[0][:1500], real_pairs[1][:1500]
    compiled = TER(backend="numpy").stats(hyps, refs)
    monkeypatch.setenv("EVALKIT_KERNELS", "0")
    np.testing.assert_array_equal(compiled, TER(backend="numpy").stats(hyps, refs))
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(4)]
    expected = sacrebleu_metrics.TER()._extract_corpus_statistics(hyps, streams)
    np.testing.assert_array_equal(compiled, np.array(expected, dtype=np.float64))


def test_bad_ter_calls_raise_value_error():
    from evalkit.text import _kernels

    ids, out = np.arange(4, dtype=np.int64), np.empty(1, dtype=np.int64)
    with pytest.raises(ValueError, match="offsets must rise"):
        _kernels.ter_edits(ids, np.array([0, 3, 2], dtype=np.int64), out)
    with pytest.raises(ValueError, match="offsets must rise"):
        _kernels.ter_edits(ids, np.array([0, 2, 9], dtype=np.int64), out)
    with pytest.raises(ValueError, match="expected 3 int64"):
        _kernels.ter_edits(ids, np.array([0, 2], dtype=np.int64), out)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_WORDS, _WORDS), min_size=1, max_size=8))
def test_wer_counts_in_c_equal_jiwers_alignment(pairs):
    # four words: many alignments with the fewest edits, so the counts show which one is taken
    jiwer = pytest.importorskip("jiwer")
    from evalkit.text._wer_common import WerOptions
    from evalkit.text._wer_numpy import _compiled_stats, _compiled_units

    pairs = [(h, r) for h, r in pairs if r.strip()]  # jiwer refuses an empty reference
    if not pairs:
        return
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    units = _compiled_units(hyps + refs, WerOptions.parse("wer", {}))
    got = _compiled_stats(units, len(hyps), np.ones(len(hyps), dtype=np.int64))
    for row, h, r in zip(got, hyps, refs):
        theirs = jiwer.process_words(r, h)
        assert row.tolist() == [theirs.hits, theirs.substitutions, theirs.deletions, theirs.insertions]


def test_wer_with_the_kernels_equals_the_numpy_path_and_takes_rapidfuzz_for_long_pairs(monkeypatch, real_pairs):
    import random

    from evalkit.text.wer import WER

    hyps, refs = list(real_pairs[0][:2000]), [list(r) for r in real_pairs[1][:2000]]
    rng = random.Random(1)
    long_ref = " ".join(rng.choice("abcdefgh") for _ in range(2100))  # rapidfuzz cuts it in two (Hirschberg)
    long_hyp = " ".join(rng.choice("abcdefgh") for _ in range(2050))
    hyps.append(long_hyp)
    refs.append([long_ref, long_hyp[:200]])
    compiled = WER(backend="numpy").stats(hyps, refs)
    monkeypatch.setenv("EVALKIT_KERNELS", "0")
    np.testing.assert_array_equal(compiled, WER(backend="numpy").stats(hyps, refs))
    np.testing.assert_array_equal(compiled[:300], WER(backend="python").stats(hyps[:300], refs[:300]))


def test_bad_wer_calls_raise_value_error():
    from evalkit.text import _kernels

    ids, out = np.arange(4, dtype=np.int64), np.empty((1, 4), dtype=np.int64)
    with pytest.raises(ValueError, match="offsets must rise"):
        _kernels.wer_counts(ids, np.array([0, 3, 2], dtype=np.int64), out)
    with pytest.raises(ValueError, match="expected 3 int64"):
        _kernels.wer_counts(ids, np.array([0, 2], dtype=np.int64), out)
