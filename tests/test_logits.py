"""Perplexity and token accuracy from logits: equal to PyTorch's cross_entropy(ignore_index=-100), torchmetrics'
Perplexity and the written-out reference, on numpy, lists and tensors; token-weighted versus per-sequence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.text.logits import reference_rows

torch = pytest.importorskip("torch")


def _batch(seed=0, n=6, t=7, v=11, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    logits = (3 * torch.randn(n, t, v, generator=g)).to(dtype)
    labels = torch.randint(0, v, (n, t), generator=g)
    labels[torch.rand(n, t, generator=g) < 0.3] = -100
    labels[0] = -100  # a sequence with no scored token
    return logits, labels


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_perplexity_is_exp_of_cross_entropy_and_torchmetrics(dtype):
    torchmetrics = pytest.importorskip("torchmetrics")
    logits, labels = _batch(dtype=dtype)
    ce = torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=-100)
    got = evalkit.logit_perplexity(logits, labels)
    assert got.score == pytest.approx(math.exp(float(ce)), rel=1e-6)
    assert got.components["n_tokens"] == int((labels != -100).sum())
    tm = torchmetrics.text.Perplexity(ignore_index=-100)(logits.float(), labels)
    assert got.score == pytest.approx(float(tm), rel=1e-5)
    if dtype == torch.float64:  # float64 all the way: to the last bits
        assert got.score == pytest.approx(math.exp(float(ce.double())), rel=1e-6)
        ce64 = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=-100)
        assert got.score == pytest.approx(math.exp(float(ce64)), rel=1e-13)


def test_numpy_lists_and_tensors_give_the_reference_rows():
    logits, labels = _batch(seed=2, dtype=torch.float64)
    for name, cls in (("logit_perplexity", evalkit.LogitPerplexity), ("token_accuracy", evalkit.TokenAccuracy)):
        for options in ({}, {"shift": True}, {"average": "sequence"}, {"ignore_index": 3}):
            y = torch.where(labels == -100, 3, labels) if "ignore_index" in options else labels  # 3 marks them
            ref = np.array(reference_rows(name, logits.tolist(), y.tolist(), **options), dtype=np.float64)
            for inputs in ((logits, y), (logits.numpy(), y.numpy()), (logits.tolist(), y.tolist())):
                rows = cls(**options).rows(*inputs).dense
                np.testing.assert_allclose(np.asarray(rows, dtype=np.float64), ref, rtol=1e-12, atol=0)


def test_token_weighted_is_not_the_mean_of_batch_perplexities():
    # two batches: 12 nats over 10 tokens, 3 nats over 2 tokens (one token of 2 classes per position)
    per_token = lambda nll: [math.log(math.exp(nll) - 1), 0.0]  # noqa: E731  (-log softmax([a, 0])[1] = nll)
    a = [[per_token(1.2)] * 10]
    b = [[per_token(1.5)] * 2]
    m = evalkit.LogitPerplexity()
    m.update(a, [[1] * 10]).update(b, [[1] * 2])
    assert m.compute().score == pytest.approx(math.exp(15 / 12), rel=1e-12)  # hand: exp((12 + 3) / 12)
    assert m.compute().score != pytest.approx((math.exp(1.2) + math.exp(1.5)) / 2)
    seq = evalkit.LogitPerplexity(average="sequence")
    seq.update(a, [[1] * 10]).update(b, [[1] * 2])
    assert seq.compute().score == pytest.approx((math.exp(1.2) + math.exp(1.5)) / 2, rel=1e-12)


def test_token_accuracy_from_logits_equals_ids_and_torch():
    logits, labels = _batch(seed=4)
    mask = labels != -100
    expected = float(((logits.argmax(-1) == labels) & mask).sum()) / float(mask.sum())
    assert evalkit.token_accuracy(logits, labels).score == expected
    assert evalkit.token_accuracy(logits.argmax(-1), labels).score == expected
    shifted = (logits[:, :-1].argmax(-1) == labels[:, 1:]) & mask[:, 1:]
    assert evalkit.token_accuracy(logits, labels, shift=True).score == float(shifted.sum()) / float(mask[:, 1:].sum())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 5))
def test_any_split_of_the_sequences_merges_to_the_whole(seed, k):
    logits, labels = _batch(seed=seed % 1000, n=7)
    labels[1, 0] = 0  # at least one scored token
    for cls in (evalkit.LogitPerplexity, evalkit.TokenAccuracy):
        whole = cls()(logits, labels).score
        parts = [cls().update(logits[i::k], labels[i::k]) for i in range(k) if len(labels[i::k])]
        merged = parts[0]
        for p in parts[1:]:
            merged.merge(p)
        assert merged.compute().score == pytest.approx(whole, rel=1e-12)


def test_bad_inputs_name_the_problem():
    logits, labels = _batch()
    with pytest.raises(evalkit.InputError, match=r"class ids in \[0, 11\).*\[11\]"):
        evalkit.logit_perplexity(logits, torch.where(labels == 5, 11, labels))
    with pytest.raises(evalkit.InputError, match="finite"):
        evalkit.logit_perplexity(torch.where(logits > 2, float("nan"), logits), labels)
    with pytest.raises(evalkit.InputError, match="logits must be float logits"):
        evalkit.logit_perplexity(labels, labels)
    with pytest.raises(evalkit.InputError, match="2-D"):
        evalkit.token_accuracy(logits[0], labels[0])
    with pytest.raises(evalkit.EmptyInputError, match="no token was scored"):
        evalkit.logit_perplexity(logits, torch.full_like(labels, -100))
    with pytest.raises(evalkit.InvalidOptionError, match="average"):
        evalkit.TokenAccuracy(average="mean")
