"""Token-id BLEU: rows and scores equal to string BLEU (tokenize="none") on the same tokens, nltk's
sentence_bleu for its smoothing methods, the input layouts, pad/eos, errors and the Metric protocol."""

from __future__ import annotations

import json
import math
import random
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import evalkit  # noqa: E402
from evalkit import BLEU, bleu, sentence_bleu  # noqa: E402
from evalkit.core import EmptyInputError, EvalkitError, InputError, InputTypeError, InvalidOptionError  # noqa: E402
from evalkit.lexicon.corpora import perturbed_pairs  # noqa: E402
from evalkit.text.token_bleu import TokenBLEU, sentence_token_bleu, token_bleu  # noqa: E402

SACRE = [("none", None), ("floor", None), ("floor", 0.3), ("add-k", None), ("add-k", 2.0), ("exp", None)]
NLTK = [(f"method{i}", None) for i in range(8)] + [("method1", 0.5), ("method4", 3.0), ("method6", 2.0)]
SMOOTHINGS = SACRE + NLTK
PAD, EOS = 0, 1


def as_tokens(ids, pad=None, eos=None):
    """The string tokens token-id BLEU reads from one id sequence: cut at the first eos, pads dropped."""
    out = []
    for t in ids:
        if eos is not None and t == eos:
            break
        if pad is None or t != pad:
            out.append(str(t))
    return out


def string_side(preds, refs, pad=None, eos=None):
    return [as_tokens(p, pad, eos) for p in preds], [[as_tokens(r, pad, eos) for r in seg] for seg in refs]


def padded(seqs, width=None, fill=PAD):
    width = max([len(s) for s in seqs] + [0]) if width is None else width
    out = torch.full((len(seqs), width), fill, dtype=torch.int64)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.int64)
    return out


def string_rows(hyps, refs, **options):
    return BLEU(tokenize="none", backend="python", **options).stats(hyps, refs)


# -- generated id sequences ----------------------------------------------------------------------

# few distinct ids (2..6) so that n-grams repeat; pad 0 and eos 1 appear inside sequences too
ids = st.lists(st.integers(0, 6), max_size=12)
items = st.lists(st.tuples(ids, st.lists(ids, min_size=1, max_size=3)), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items, st.sampled_from(["sacrebleu", "nltk"]), st.integers(1, 6), st.booleans(), st.booleans())
def test_rows_equal_string_bleu_on_generated_ids(batch, convention, max_order, use_pad, use_eos):
    preds, refs = [list(p) for p, _ in batch], [[list(r) for r in rs] for _, rs in batch]
    pad, eos = (PAD if use_pad else None), (EOS if use_eos else None)
    hyp_tokens, ref_tokens = string_side(preds, refs, pad, eos)
    expected = string_rows(hyp_tokens, ref_tokens, max_order=max_order, convention=convention)
    metric = TokenBLEU(max_order=max_order, convention=convention, pad_id=pad, eos_id=eos)
    got = metric.stats(preds, refs)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    # the same rows from padded tensors (pads where the lists end: the pad id must be set to drop them)
    if pad is not None:
        tensor_refs = [padded(rs, width=13) for rs in refs]  # a refs x length tensor per item
        np.testing.assert_array_equal(metric.stats(padded(preds, width=14), tensor_refs), expected)
    # and the numpy backend of string BLEU agrees (the oracle's oracle)
    numpy_rows = BLEU(tokenize="none", backend="numpy", max_order=max_order, convention=convention).stats(
        hyp_tokens, ref_tokens
    )
    np.testing.assert_array_equal(numpy_rows, expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items, st.sampled_from(SMOOTHINGS), st.sampled_from(["sacrebleu", "nltk"]), st.booleans())
def test_scores_equal_string_bleu_on_generated_ids(batch, smoothing, convention, effective_order):
    smooth, value = smoothing
    preds, refs = [list(p) for p, _ in batch], [[list(r) for r in rs] for _, rs in batch]
    hyp_tokens, ref_tokens = string_side(preds, refs, PAD, EOS)
    options = {"smooth": smooth, "smooth_value": value, "convention": convention, "effective_order": effective_order}
    sentences = sentence_token_bleu(preds, refs, pad_id=PAD, eos_id=EOS, **options)
    expected = sentence_bleu(hyp_tokens, ref_tokens, tokenize="none", **options)
    assert sentences.dtype == torch.float64 and sentences.device.type == "cpu"
    np.testing.assert_array_equal(sentences.numpy(), expected)  # the same rows, the same scoring: equal floats
    corpus = token_bleu(preds, refs, pad_id=PAD, eos_id=EOS, **options)
    want = bleu(hyp_tokens, ref_tokens, tokenize="none", **options)
    assert corpus.score == want.score and dict(corpus.components) == dict(want.components)


@pytest.mark.parametrize("max_order", [1, 2, 4, 7])
def test_repeats_empty_and_short_sequences(max_order):
    preds = [[], [3], [3, 3, 3, 3, 3, 3], [2, 3, 2, 3, 2, 3, 2], [4, 4], [5, 6, 7]]
    refs = [
        [[3, 4]],
        [[]],
        [[3, 3], [3, 3, 3, 3]],
        [[3, 2, 3, 2], [2, 3, 2, 3, 2, 3, 2, 3]],
        [[4]],
        [[5, 6, 7, 8], [5, 6]],
    ]
    for convention in ("sacrebleu", "nltk"):
        expected = string_rows(*string_side(preds, refs), max_order=max_order, convention=convention)
        got = TokenBLEU(max_order=max_order, convention=convention).stats(preds, refs)
        np.testing.assert_array_equal(got, expected)


def test_the_closest_reference_length_ties_to_the_shorter():
    # hypothesis of 4 tokens; references of 3 and 5 tokens are equally close: 3 is taken, as sacrebleu does
    rows = TokenBLEU().stats([[1, 2, 3, 4]], [[[1, 2, 3, 4, 5], [1, 2, 3]]])
    assert rows[0, :2].tolist() == [4, 3]
    assert TokenBLEU().stats([[1, 2, 3, 4]], [[[1, 2, 3], [1, 2, 3, 4, 5]]])[0, :2].tolist() == [4, 3]


def test_ids_of_any_size_and_sign_are_packed_without_overflow():
    rng = random.Random(5)
    big = [2**62 + 7, -(2**62), 2**40, -100, 0, 10**18]  # 6 ids: base-vocab packing of 4-grams would overflow
    preds = [[rng.choice(big) for _ in range(rng.randint(0, 20))] for _ in range(40)]
    refs = [[[rng.choice(big) for _ in range(rng.randint(0, 20))] for _ in range(rng.randint(1, 3))] for _ in preds]
    for order in (4, 9):
        expected = string_rows(*string_side(preds, refs), max_order=order)
        np.testing.assert_array_equal(TokenBLEU(max_order=order).stats(preds, refs), expected)
    # the pad id may be negative (-100, the usual ignore index of labels)
    expected = string_rows(*string_side(preds, refs, pad=-100))
    np.testing.assert_array_equal(TokenBLEU(pad_id=-100).stats(preds, refs), expected)


def test_many_references_per_item_count_only_the_cells_that_occur():
    # 400 references of one item: (n-gram, reference) cells are counted sparsely, with the same rows
    rng = random.Random(9)
    preds = [[rng.randint(2, 30) for _ in range(rng.randint(0, 12))] for _ in range(3)]
    refs = [[[rng.randint(2, 30) for _ in range(rng.randint(0, 8))] for _ in range(k)] for k in (400, 1, 7)]
    for convention in ("sacrebleu", "nltk"):
        expected = string_rows(*string_side(preds, refs), convention=convention)
        np.testing.assert_array_equal(TokenBLEU(convention=convention).stats(preds, refs), expected)
    # 20 references of two ids each: few distinct n-grams, so every (n-gram, reference) cell is counted
    preds = [[rng.randint(2, 3) for _ in range(10)] for _ in range(2)]
    refs = [[[rng.randint(2, 3) for _ in range(rng.randint(0, 10))] for _ in range(20)] for _ in range(2)]
    expected = string_rows(*string_side(preds, refs))
    np.testing.assert_array_equal(TokenBLEU().stats(preds, refs), expected)


# -- pad and eos ---------------------------------------------------------------------------------


def test_eos_cuts_exclusive_and_pad_is_dropped_anywhere():
    pred = torch.tensor([[5, 0, 6, 7, 1, 8, 9], [1, 5, 6, 0, 0, 0, 0], [5, 6, 7, 0, 0, 0, 0]])
    ref = torch.tensor([[5, 6, 7, 1, 1, 0, 0], [5, 6, 0, 0, 0, 0, 0], [0, 5, 6, 7, 8, 1, 9]])
    rows = TokenBLEU(pad_id=0, eos_id=1).stats(pred, ref)
    # item 0: [5, 6, 7] against [5, 6, 7]; item 1: eos first, so empty; item 2: [5, 6, 7] against [5, 6, 7, 8]
    assert rows[:, 0].tolist() == [3, 0, 3] and rows[:, 1].tolist() == [3, 2, 4]
    assert rows[0, 2:].tolist() == [3, 2, 1, 0, 3, 2, 1, 0]
    # pad == eos: everything from the first pad on is dropped
    same = TokenBLEU(pad_id=0, eos_id=0).stats(pred, ref)
    assert same[:, 0].tolist() == [1, 3, 3]
    # neither: every position counts
    assert TokenBLEU().stats(pred, ref)[:, 0].tolist() == [7, 7, 7]


def test_batch_refs_length_tensor_and_lists_agree():
    rng = random.Random(11)
    preds = [[rng.randint(2, 9) for _ in range(rng.randint(0, 15))] for _ in range(30)]
    refs = [[[rng.randint(2, 9) for _ in range(rng.randint(0, 15))] for _ in range(3)] for _ in preds]
    cube = torch.stack([padded(rs, width=16) for rs in refs])  # batch x refs x length
    assert cube.shape == (30, 3, 16)
    expected = string_rows(*string_side(preds, refs))
    m = TokenBLEU(pad_id=PAD)
    for r in (cube, [padded(rs, width=16) for rs in refs], [list(map(torch.tensor, rs)) for rs in refs], refs):
        np.testing.assert_array_equal(m.stats(padded(preds), r), expected)
        np.testing.assert_array_equal(m.stats([torch.tensor(p) for p in preds], r), expected)
    # numpy arrays are read as tensors
    np.testing.assert_array_equal(m.stats(padded(preds).numpy(), cube.numpy()), expected)
    # one reference per item: a batch x length tensor, or an id list per item
    single = [rs[0] for rs in refs]
    expected = string_rows(*string_side(preds, [[r] for r in single]))
    np.testing.assert_array_equal(m.stats(padded(preds), padded(single)), expected)
    np.testing.assert_array_equal(m.stats(preds, single), expected)


def test_integer_dtypes_give_the_same_rows():
    pred = torch.tensor([[3, 4, 5, 6, 0], [7, 7, 7, 0, 0]])
    ref = torch.tensor([[3, 4, 5, 0, 0], [7, 7, 0, 0, 0]])
    want = TokenBLEU(pad_id=0).stats(pred, ref)
    for dtype in (torch.int32, torch.int16, torch.uint8, torch.int8):
        np.testing.assert_array_equal(TokenBLEU(pad_id=0).stats(pred.to(dtype), ref.to(dtype)), want)


# -- real glosses ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gloss_ids():
    hyps, refs = perturbed_pairs(3000, seed=77, max_refs=4)
    hyp_tokens = [h.split() for h in hyps]
    ref_tokens = [[r.split() for r in seg] for seg in refs]
    vocabulary = {
        w: i + 2
        for i, w in enumerate(
            sorted({w for s in hyp_tokens for w in s} | {w for seg in ref_tokens for r in seg for w in r})
        )
    }
    hyp_ids = [[vocabulary[w] for w in h] for h in hyp_tokens]
    ref_ids = [[[vocabulary[w] for w in r] for r in seg] for seg in ref_tokens]
    return hyp_tokens, ref_tokens, hyp_ids, ref_ids


@pytest.mark.parametrize("convention", ["sacrebleu", "nltk"])
def test_rows_equal_string_bleu_on_real_glosses(gloss_ids, convention):
    hyp_tokens, ref_tokens, hyp_ids, ref_ids = gloss_ids
    for smooth in ("exp", "method5"):  # method5 rows carry the 5-gram orders
        expected = BLEU(tokenize="none", convention=convention, smooth=smooth).stats(hyp_tokens, ref_tokens)
        m = TokenBLEU(convention=convention, smooth=smooth, pad_id=PAD)
        np.testing.assert_array_equal(m.stats(hyp_ids, ref_ids), expected)
        # padded: a batch x length tensor, references as one refs x length tensor per item
        tensors = [padded(seg) for seg in ref_ids]
        np.testing.assert_array_equal(m.stats(padded(hyp_ids), tensors), expected)


@pytest.mark.parametrize(("smooth", "value"), SMOOTHINGS)
@pytest.mark.parametrize("convention", ["sacrebleu", "nltk"])
def test_scores_equal_string_bleu_on_real_glosses(gloss_ids, smooth, value, convention):
    hyp_tokens, ref_tokens, hyp_ids, ref_ids = gloss_ids
    options = {"smooth": smooth, "smooth_value": value, "convention": convention}
    got = sentence_token_bleu(padded(hyp_ids), ref_ids, pad_id=PAD, **options)
    np.testing.assert_array_equal(got.numpy(), sentence_bleu(hyp_tokens, ref_tokens, tokenize="none", **options))
    corpus = token_bleu(hyp_ids, ref_ids, **options)
    want = bleu(hyp_tokens, ref_tokens, tokenize="none", **options)
    assert corpus.score == want.score and dict(corpus.components) == dict(want.components)


def test_weights_and_orders_as_string_bleu(gloss_ids):
    hyp_tokens, ref_tokens, hyp_ids, ref_ids = gloss_ids
    for options in ({"weights": (0.1, 0.3, 0.5, 0.1)}, {"weights": (0.5, 0.5)}, {"max_order": 6}, {"max_order": 1}):
        got = sentence_token_bleu(hyp_ids[:500], ref_ids[:500], effective_order=False, **options).numpy()
        want = sentence_bleu(hyp_tokens[:500], ref_tokens[:500], tokenize="none", effective_order=False, **options)
        np.testing.assert_array_equal(got, want)
        assert (
            token_bleu(hyp_ids, ref_ids, **options).score
            == bleu(hyp_tokens, ref_tokens, tokenize="none", **options).score
        )


# -- nltk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "value"), NLTK)
def test_sentences_equal_nltk_sentence_bleu(gloss_ids, method, value):
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    _, _, hyp_ids, ref_ids = gloss_ids
    hyp_ids, ref_ids = hyp_ids[:200], ref_ids[:200]
    got = sentence_token_bleu(
        hyp_ids, ref_ids, smooth=method, smooth_value=value, convention="nltk", effective_order=False
    )
    kwargs = {}
    if value is not None:
        kwargs = {"method1": {"epsilon": value}, "method6": {"alpha": value}}.get(method, {"k": value})
    smoother = getattr(nltk_bleu.SmoothingFunction(**kwargs), method)
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (h, r) in enumerate(zip(hyp_ids, ref_ids)):
            try:  # nltk's sentence_bleu on the id lists themselves
                expected = nltk_bleu.sentence_bleu(r, h, smoothing_function=smoother)
            except AssertionError:  # nltk's method6 refuses a hypothesis without a trigram match
                assert method == "method6"
                continue
            assert abs(float(got[i]) - expected) < 1e-9, (i, h, r)
            compared += 1
    assert compared >= 100


@pytest.mark.parametrize("method", [f"method{i}" for i in range(8)])
def test_effective_order_is_nltk_auto_reweigh(method):
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    preds = [[1, 2], [3, 2, 4], [1], [3, 2, 4, 5, 1, 6], [7, 8, 9]]
    refs = [[[1, 2, 4]], [[3, 2, 4, 5]], [[1, 2]], [[3, 2, 4, 5, 3, 6]], [[7, 8, 9, 10]]]
    got = sentence_token_bleu(preds, refs, smooth=method, convention="nltk", effective_order=True)
    smoother = getattr(nltk_bleu.SmoothingFunction(), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (h, r) in enumerate(zip(preds, refs)):
            try:
                expected = nltk_bleu.sentence_bleu(r, h, smoothing_function=smoother, auto_reweigh=True)
            except (AssertionError, IndexError):
                continue
            assert abs(float(got[i]) - expected) < 1e-9, (method, h)


# -- the Metric protocol -------------------------------------------------------------------------


def test_batches_merge_state_dict_and_forward_equal_one_call(gloss_ids):
    _, _, hyp_ids, ref_ids = gloss_ids
    whole = TokenBLEU()(hyp_ids, ref_ids)
    batched = TokenBLEU()
    for i in range(0, 3000, 256):
        batched.update(hyp_ids[i : i + 256], ref_ids[i : i + 256])
    assert batched.compute().score == whole.score and batched.n_items == 3000
    left, right = TokenBLEU().update(hyp_ids[:1000], ref_ids[:1000]), TokenBLEU().update(hyp_ids[1000:], ref_ids[1000:])
    assert left.merge(right).compute().score == whole.score
    state = json.loads(json.dumps(batched.state_dict(), default=lambda x: x.tolist()))  # a checkpoint file
    assert TokenBLEU().load_state_dict(state).compute().score == whole.score
    m = TokenBLEU(pad_id=PAD)
    step = m.forward(padded(hyp_ids[:64]), ref_ids[:64])
    assert step.score == TokenBLEU()(hyp_ids[:64], ref_ids[:64]).score
    assert m.n_items == 64


def test_result_signature_and_nrefs():
    r = token_bleu([[1, 2, 3]], [[[1, 2, 3], [1, 2]]], pad_id=0, eos_id=2, smooth="method1", convention="nltk")
    assert r.name == "TokenBLEU"
    assert str(r.signature).startswith("nrefs:2|eff:no|tok:ids|smooth:method1[0.10]|conv:nltk|pad:0|eos:2|version:")
    assert json.loads(json.dumps(r.to_dict())) == r.to_dict()
    assert "nrefs:var" in str(token_bleu([[1], [2]], [[[1]], [[2], [3]]]).signature)
    assert str(TokenBLEU().signature()) == f"eff:no|tok:ids|smooth:exp|version:{evalkit.__version__}"
    with pytest.raises(InputError, match="cannot merge"):
        TokenBLEU(pad_id=0).merge(TokenBLEU())
    with pytest.raises(InputError):
        TokenBLEU().merge(BLEU())


def test_bootstrap_and_sentence_scores_work_on_the_rows(gloss_ids):
    _, _, hyp_ids, ref_ids = gloss_ids
    m = TokenBLEU()
    rows = m.stats(hyp_ids[:300], ref_ids[:300])
    np.testing.assert_array_equal(m.scores(rows), BLEU(tokenize="none").scores(rows))
    results = TokenBLEU(effective_order=True).sentence_scores(hyp_ids[:5], ref_ids[:5])
    floats = sentence_token_bleu(hyp_ids[:5], ref_ids[:5]).tolist()
    assert [r.score for r in results] == floats
    from evalkit.stats.significance import bootstrap_ci

    token_rows = m.rows(hyp_ids[:300], ref_ids[:300])
    one = bootstrap_ci(m, token_rows, n_resamples=60, seed=3)
    hyp_tokens, ref_tokens = gloss_ids[0][:300], gloss_ids[1][:300]
    string = BLEU(tokenize="none")
    two = bootstrap_ci(string, string.rows(hyp_tokens, ref_tokens), n_resamples=60, seed=3)
    assert (one.low, one.high, one.mean) == (two.low, two.high, two.mean)
    assert math.isfinite(one.low) and one.low <= one.high


def test_inputs_are_not_changed():
    pred = torch.tensor([[3, 4, 1, 0]])
    ref = [[[3, 4, 0], [5]]]
    p0, r0 = pred.clone(), [[list(x) for x in seg] for seg in ref]
    TokenBLEU(pad_id=0, eos_id=1)(pred, ref)
    assert torch.equal(pred, p0) and ref == r0


# -- errors --------------------------------------------------------------------------------------


def test_bad_inputs_name_the_problem():
    m = TokenBLEU()
    with pytest.raises(InputTypeError, match=r"integer token ids.*argmax"):
        m.stats(torch.rand(2, 5), torch.ones(2, 5, dtype=torch.int64))
    with pytest.raises(InputTypeError, match="integer token ids"):
        m.stats(torch.ones(2, 5, dtype=torch.bool), torch.ones(2, 5, dtype=torch.int64))
    with pytest.raises(InputError, match=r"pred_ids\[None\]"):
        m.stats(torch.ones(5, dtype=torch.int64), torch.ones(1, 5, dtype=torch.int64))
    with pytest.raises(InputError, match="'pred_ids' has 2 and 'ref_ids' has 3"):
        m.stats(torch.ones(2, 5, dtype=torch.int64), torch.ones(3, 5, dtype=torch.int64))
    with pytest.raises(InputError, match="same length"):
        m.stats([[1], [2]], [[[1]]])
    with pytest.raises(InputError, match="transposed"):  # the streams layout: one batch tensor per reference
        m.stats(torch.ones(4, 5, dtype=torch.int64), [torch.ones(4, 5, dtype=torch.int64)] * 2)
    with pytest.raises(InputError, match="transposed"):
        m.stats([[1], [2], [3]], [[[1], [2], [3]], [[1], [2], [3]]])
    with pytest.raises(InputTypeError, match=r"pred_ids\[1\]\[0\] must be an int token id"):
        m.stats([[1], ["a"]], [[1], [2]])
    with pytest.raises(InputTypeError, match=r"int token id"):
        m.stats([[1], [2.0]], [[1], [2]])
    with pytest.raises(InputTypeError, match=r"ref_ids\[0\]\[1\]\[2\] must be an int token id, got a str"):
        m.stats([[1]], [[[1], [1, 2, "x"]]])
    with pytest.raises(InputTypeError, match=r"ref_ids\[1\]\[1\] must be an int token id, got a float"):
        m.stats([[1], [2]], [[1], [2, 2.5]])
    with pytest.raises(InputTypeError, match=r"ref_ids\[1\] must be a list of id lists"):
        m.stats([[1], [2]], [[1], 2])
    with pytest.raises(InputTypeError, match=r"int token id"):
        m.stats([[True]], [[1]])
    with pytest.raises(InputError, match="empty"):
        m.stats([[1]], [[]])
    with pytest.raises(InputError, match="int64 cannot hold"):
        m.stats([[2**64]], [[1]])
    with pytest.raises(EmptyInputError):
        m([], [])
    with pytest.raises(EmptyInputError):
        m(torch.zeros(0, 4, dtype=torch.int64), torch.zeros(0, 4, dtype=torch.int64))
    with pytest.raises(InputTypeError, match="order"):
        m({1, 2}, [[1], [2]])
    with pytest.raises(InputTypeError, match="must be a batch x length"):
        m.stats("1 2 3", [[1]])


def test_bad_options_name_the_parameter_and_the_function():
    with pytest.raises(InvalidOptionError, match=r"'smooth' parameter of token_bleu must be one of"):
        TokenBLEU(smooth="expo")
    with pytest.raises(InvalidOptionError, match=r"'max_order' parameter of sentence_token_bleu"):
        sentence_token_bleu([[1]], [[1]], max_order=0)
    with pytest.raises(InvalidOptionError, match=r"'convention' parameter of token_bleu"):
        token_bleu([[1]], [[1]], convention="moses")
    with pytest.raises(InvalidOptionError, match="'pad_id' parameter of token_bleu must be an int"):
        TokenBLEU(pad_id="0")
    with pytest.raises(InvalidOptionError, match="'eos_id' parameter of token_bleu must be an int"):
        TokenBLEU(eos_id=True)
    with pytest.raises(InvalidOptionError, match="one weight vector"):
        TokenBLEU(weights=[(1.0,), (0.5, 0.5)])
    with pytest.raises(InvalidOptionError, match="'smooth_value' parameter of token_bleu"):
        TokenBLEU(smooth="exp", smooth_value=0.1)
    with pytest.raises(EvalkitError):
        TokenBLEU(weights={1, 2})


def test_registered_as_a_tokens_metric():
    assert evalkit.get_metric("token_bleu").task == "tokens"
    assert type(evalkit.get_metric("token_bleu", pad_id=0)) is TokenBLEU


# -- CUDA (where a device is lent) ---------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_rows_equal_cpu_rows_and_the_reward_stays_on_the_device(gloss_ids):
    _, _, hyp_ids, ref_ids = gloss_ids
    pred = padded(hyp_ids)
    refs = [padded(seg) for seg in ref_ids]
    m = TokenBLEU(pad_id=PAD)
    cpu = m.stats(pred, refs)
    on_device = m.tensor_stats(pred.cuda(), [r.cuda() for r in refs])
    assert on_device.device.type == "cuda"
    np.testing.assert_array_equal(on_device.cpu().numpy(), cpu)
    reward = sentence_token_bleu(pred.cuda(), [r.cuda() for r in refs], pad_id=PAD)
    assert reward.device.type == "cuda"
    np.testing.assert_array_equal(reward.cpu().numpy(), sentence_token_bleu(pred, refs, pad_id=PAD).numpy())
