"""The numpy reference generator: gradients against finite differences, optimizer rules against hand
computations, data, decoding, baselines and the perplexity metric. No torch here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import central_difference_errors

from evalkit.core import EmptyInputError, InputError, InvalidOptionError
from evalkit.generator import rnn_numpy as rn
from evalkit.generator.baselines import SpellingIndex, exemplar_words, most_frequent_definition, nearest_spelling
from evalkit.generator.config import TrainConfig
from evalkit.generator.data import Vocab, definition_of, encode_pairs, make_batch, tokenize, wordnet_splits
from evalkit.generator.generate import beam_search, generate, pick_next
from evalkit.text.perplexity import Perplexity


def _batch(rng: np.random.Generator, vocab: int, batch: int = 3, steps: int = 4):
    tokens = rng.integers(0, vocab, (batch, steps))
    targets = rng.integers(0, vocab, (batch, steps))
    mask = np.ones((batch, steps))
    mask[1, 2:] = 0  # variable lengths: rows end at 4, 2 and 3 steps
    mask[2, 3:] = 0
    return tokens, targets, mask


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("tie", [False, True])
def test_gradient_check_float64(cell, tie):
    spec = rn.ModelSpec(cell=cell, vocab_size=6, emb_dim=4, hidden_dim=4, n_layers=2, dropout=0.3, tie_weights=tie)
    r = np.random.default_rng(3)
    # weights of O(1) (not the small init) so every gradient is far above finite-difference round-off
    params = {k: r.normal(0.0, 0.5, v.shape) for k, v in rn.init_params(spec, dtype=np.float64).items()}
    tokens, targets, mask = _batch(np.random.default_rng(0), 6)

    def loss_grads():  # the same dropout masks on every call: a fixed function of the parameters
        return rn.loss_and_grads(spec, params, tokens, targets, mask, rng=np.random.default_rng(5))

    errors = central_difference_errors(params, loss_grads)
    assert max(errors.values()) < 1e-6, errors


def _pointer_batch(vocab: int):
    """Copy ids and targets for a pointer model: positions 1 to 3 of rows 0 to 2 may be copied (one of row
    2's is not), nothing in row 3; targets at positions 4 and 5 are copies in the vocabulary, copies past it
    (ids vocab, vocab + 1) and tokens the prompt lacks."""
    tokens = np.random.default_rng(0).integers(0, vocab, (4, 6))
    source = np.full((4, 6), -1)
    source[0, 1:4] = [2, vocab, 2]
    source[1, 1:4] = [vocab + 1, 3, vocab]
    source[2, 1:3] = [4, 1]
    targets = np.zeros((4, 6), dtype=np.int64)
    targets[:, 4:] = [[2, vocab], [vocab + 1, 5], [1, 3], [5, 2]]
    mask = np.zeros((4, 6))
    mask[:, 4:] = 1
    mask[2, 5] = 0  # a shorter row
    return tokens, source, targets, mask


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_pointer_gradient_check_float64(cell):
    spec = rn.ModelSpec(cell=cell, vocab_size=6, emb_dim=4, hidden_dim=4, n_layers=2, dropout=0.3, pointer=True)
    r = np.random.default_rng(4)
    params = {k: r.normal(0.0, 0.5, v.shape) for k, v in rn.init_params(spec, dtype=np.float64).items()}
    assert {"copy.weight", "gate.weight", "gate.bias", "out.weight"} <= set(params)
    tokens, source, targets, mask = _pointer_batch(6)

    def loss_grads():
        return rn.loss_and_grads(spec, params, tokens, targets, mask, source=source, rng=np.random.default_rng(5))

    errors = central_difference_errors(params, loss_grads)
    assert max(errors.values()) < 1e-6, errors


def test_pointer_mixture_by_hand():
    # all weights zero: p_vocab = 1/V everywhere, the attention is uniform over the copyable positions and
    # p_gen = sigmoid(0) = 1/2, so p(y) = 1/2 * [y < V] / V + 1/2 * (copies of y) / (copyable positions);
    # a row with nothing to copy only generates: p(y) = 1/V
    v = 6
    spec = rn.ModelSpec(cell="lstm", vocab_size=v, emb_dim=3, hidden_dim=3, pointer=True)
    params = {k: np.zeros_like(x) for k, x in rn.init_params(spec, dtype=np.float64).items()}
    tokens, source, targets, mask = _pointer_batch(v)
    logits, _, cache = rn.forward(spec, params, tokens, source=source)
    logp = rn.target_log_probs(spec, logits, cache, targets, source)
    expected = {
        (0, 4): 0.5 / 6 + 0.5 * 2 / 3,  # y = 2: two of the three copyable positions
        (0, 5): 0.5 * 1 / 3,  # y = V: only copyable
        (1, 4): 0.5 * 1 / 3,  # y = V + 1
        (1, 5): 0.5 / 6,  # y = 5: not in the exemplar
        (2, 4): 0.5 / 6 + 0.5 * 1 / 2,  # row 2 has two copyable positions
        (3, 4): 1 / 6,  # nothing to copy in row 3: p_gen = 1
        (3, 5): 1 / 6,
    }
    for (b, t), p in expected.items():
        assert math.exp(logp[b, t]) == pytest.approx(p, rel=1e-12)
    loss, _ = rn.loss_and_grads(spec, params, tokens, targets, mask, source=source)
    assert loss == pytest.approx(-sum(math.log(p) for p in expected.values()) / 7, rel=1e-12)


def test_loss_of_uniform_logits_is_log_vocab():
    spec = rn.ModelSpec(cell="lstm", vocab_size=5, emb_dim=3, hidden_dim=3)
    params = {k: np.zeros_like(v) for k, v in rn.init_params(spec, dtype=np.float64).items()}
    tokens, targets, mask = _batch(np.random.default_rng(1), 5)
    loss, _ = rn.loss_and_grads(spec, params, tokens, targets, mask)
    assert loss == pytest.approx(math.log(5), rel=1e-12)  # zero weights: softmax is uniform


def test_masked_positions_do_not_change_loss_or_gradients():
    spec = rn.ModelSpec(cell="lstm", vocab_size=6, emb_dim=4, hidden_dim=4)
    params = rn.init_params(spec, seed=2, dtype=np.float64)
    tokens, targets, mask = _batch(np.random.default_rng(2), 6)
    other = targets.copy()
    other[mask == 0] = (other[mask == 0] + 1) % 6
    a, ga = rn.loss_and_grads(spec, params, tokens, targets, mask)
    b, gb = rn.loss_and_grads(spec, params, tokens, other, mask)
    assert a == b and all(np.array_equal(ga[k], gb[k]) for k in ga)


# -- optimizers: two steps each, the expected numbers computed by hand from the update rules ------------


def _two_steps(opt, g1, g2, p0=1.0):
    p = {"w": np.array([p0])}
    opt.step(p, {"w": np.array([g1])})
    opt.step(p, {"w": np.array([g2])})
    return float(p["w"][0])


def test_sgd_rule():
    # p = 1 - 0.1*0.5 - 0.1*(-1.0)
    assert _two_steps(rn.SGD(lr=0.1), 0.5, -1.0) == pytest.approx(1 - 0.05 + 0.1, abs=1e-15)


def test_momentum_rule():
    # v1 = 0.5 -> p = 1 - 0.05 = 0.95;  v2 = 0.9*0.5 + (-1.0) = -0.55 -> p = 0.95 + 0.055 = 1.005
    assert _two_steps(rn.SGD(lr=0.1, momentum=0.9), 0.5, -1.0) == pytest.approx(1.005, abs=1e-15)


def test_rmsprop_rule():
    # s1 = 0.01*0.25 = 0.0025 -> step 0.1*0.5/0.05 = 1.0 -> p = 0.0
    # s2 = 0.99*0.0025 + 0.01*1.0 = 0.012475 -> step 0.1*(-1)/sqrt(0.012475) -> p = 0.1/0.111692...
    expected = 0.0 + 0.1 / math.sqrt(0.012475)
    assert _two_steps(rn.RMSProp(lr=0.1, alpha=0.99, eps=0.0), 0.5, -1.0) == pytest.approx(expected, abs=1e-12)


def test_adam_rule():
    b1, b2, lr = 0.9, 0.999, 0.1
    # step 1: m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25 -> step lr * 0.5 / 0.5 = lr
    p1 = 1.0 - lr
    # step 2: m = 0.9*0.05 - 0.1 = -0.055, v = 0.999*0.00025 + 0.001 = 0.00124975
    m_hat, v_hat = -0.055 / (1 - b1**2), 0.00124975 / (1 - b2**2)
    expected = p1 - lr * m_hat / math.sqrt(v_hat)
    assert _two_steps(rn.Adam(lr=lr, betas=(b1, b2), eps=0.0), 0.5, -1.0) == pytest.approx(expected, abs=1e-12)


def test_weight_decay_is_coupled_l2():
    # g_eff = g + 0.1 * p: step 1 g_eff = 0.5 + 0.1 = 0.6 -> p = 0.94; step 2 g_eff = -1 + 0.094 -> p = 0.94 + 0.0906
    assert _two_steps(rn.SGD(lr=0.1, weight_decay=0.1), 0.5, -1.0) == pytest.approx(0.94 + 0.0906, abs=1e-15)


def test_clip_grad_norm_scales_globally_and_is_pure():
    grads = {"a": np.array([3.0]), "b": np.array([0.0, 4.0])}
    clipped, norm = rn.clip_grad_norm(grads, 1.0)
    assert norm == 5.0
    assert clipped["a"][0] == pytest.approx(3.0 / (5.0 + 1e-6)) and clipped["b"][1] == pytest.approx(4.0 / (5.0 + 1e-6))
    assert grads["a"][0] == 3.0  # the input is unchanged
    same, _ = rn.clip_grad_norm(grads, 10.0)
    assert np.array_equal(same["b"], grads["b"])


def test_numpy_training_lowers_the_loss():
    spec = rn.ModelSpec(cell="lstm", vocab_size=8, emb_dim=8, hidden_dim=16, dropout=0.1)
    params = rn.init_params(spec, seed=0, dtype=np.float64)
    # a deterministic pattern: each token predicts its successor
    tokens = np.tile(np.arange(8), (4, 1))
    targets = (tokens + 1) % 8
    mask = np.ones(tokens.shape)
    opt = rn.Adam(lr=0.02)
    rng = np.random.default_rng(0)
    first, _ = rn.loss_and_grads(spec, params, tokens, targets, mask)
    for _ in range(60):
        _, grads = rn.loss_and_grads(spec, params, tokens, targets, mask, rng=rng)
        opt.step(params, rn.clip_grad_norm(grads, 5.0)[0])
    last, _ = rn.loss_and_grads(spec, params, tokens, targets, mask)
    assert first > math.log(8) - 0.1 and last < 0.2 * first


def test_options_are_checked():
    with pytest.raises(InvalidOptionError, match=r"'cell' parameter of ModelSpec .* Got 'transformer'"):
        rn.ModelSpec(cell="transformer")
    with pytest.raises(InvalidOptionError, match="'tie_weights' parameter of ModelSpec needs emb_dim == hidden_dim"):
        rn.ModelSpec(emb_dim=3, hidden_dim=4, tie_weights=True)
    with pytest.raises(InvalidOptionError, match="'tie_weights' parameter of TrainConfig"):
        TrainConfig(emb_dim=3, hidden_dim=4, tie_weights=True)  # before any data is loaded
    with pytest.raises(InvalidOptionError, match="'tie_weights' parameter of TrainConfig must be True or False"):
        TrainConfig(tie_weights="yes")
    with pytest.raises(InvalidOptionError, match="'lr' parameter of Adam"):
        rn.Adam(lr=0)
    with pytest.raises(InvalidOptionError, match="'momentum' parameter of SGD"):
        rn.SGD(lr=0.1, momentum=1.5)


# -- data ------------------------------------------------------------------------------------------------


def test_definition_and_tokens():
    assert definition_of('a member of the genus Canis; "the dog barked all night"') == "a member of the genus Canis"
    assert tokenize("(of persons) kind-hearted, isn't") == ["(", "of", "persons", ")", "kind-hearted", ",", "isn't"]
    assert tokenize("ab c", "char") == ["a", "b", " ", "c"]


def test_splits_are_disjoint_by_word_and_seeded():
    plain = wordnet_splits(seed=7, unseen_definitions=False)
    a = wordnet_splits(seed=7)
    assert list(a.test) == list(plain.test) and list(a.validation) == list(plain.validation)  # same seed, same words
    assert list(wordnet_splits(seed=8).test) != list(a.test)
    assert not set(a.train) & set(a.test) and not set(a.train) & set(a.validation)
    total = len(plain.train) + len(plain.validation) + len(plain.test)
    assert total > 140_000 and len(a.test) == round(0.05 * total)
    # several senses, several references (WordNet 3.0 gives 'bank' 18 noun and verb senses)
    assert max(len(d) for d in a.train.values()) > 10
    # held-out definitions are in the plain split's training data under synonyms, and gone by default
    held = {d for defs in [*a.test.values(), *a.validation.values()] for d in defs}
    assert any(d in held for defs in plain.train.values() for d in defs)
    assert not any(d in held for defs in a.train.values() for d in defs)
    assert all(a.train[w] == [d for d in plain.train[w] if d not in held] for w in a.train)


def test_batch_targets_skip_the_prompt():
    vocab = Vocab(level="word", chars=["a", "b"], tokens=["x", "y"])
    seq = vocab.prompt("ab") + vocab.encode("y x")  # <bos> a b <sep> y x <eos>
    assert seq == [1, 5, 6, 4, 8, 7, 2]
    inputs, targets, source = make_batch([(seq, 4), (vocab.prompt("a") + vocab.encode("x"), 3)], vocab.pad_id)
    assert source is None  # no copy ids: not a pointer model
    assert inputs.tolist() == [[1, 5, 6, 4, 8, 7], [1, 5, 4, 7, 0, 0]]
    assert targets.tolist() == [[0, 0, 0, 8, 7, 2], [0, 0, 7, 2, 0, 0]]
    assert vocab.decode([8, 7, 2, 8]) == "y x"
    assert encode_pairs(vocab, {"ab": ["y x", "zz"]}, max_len=5)[1] == ([1, 5, 6, 4, vocab.unk_id], 4)


def test_exemplar_prompt_layout_and_loss_masking():
    vocab = Vocab(level="word", chars=["a", "b"], tokens=["x", "y"])  # ids: <bos> 1, <eos> 2, <sep> 4, a 5, b 6
    ((seq, n_prompt),) = encode_pairs(vocab, {"ab": ["y x"]}, exemplars={"ab": ["x y x"]}, max_len=20)
    # <bos> a b <sep> | exemplar x y x <sep> | target y x <eos>
    assert seq == [1, 5, 6, 4, 7, 8, 7, 4, 8, 7, 2] and n_prompt == 8
    inputs, targets, _ = make_batch([(seq, n_prompt)], vocab.pad_id)
    assert inputs.tolist() == [seq[:-1]]
    # no loss on the word or the exemplar: the first target is read at the second <sep> (position 7)
    assert targets.tolist() == [[0, 0, 0, 0, 0, 0, 0, 8, 7, 2]]
    # max_len 6 leaves 6 - 4 = 2 ids after "<bos> a b <sep>": the exemplar and the target are both cut to 2
    assert encode_pairs(vocab, {"ab": ["y x"]}, exemplars={"ab": ["x y x"]}, max_len=6) == [
        ([1, 5, 6, 4, 7, 8, 4, 8, 7], 7)
    ]
    # two exemplars, each closed by <sep>; no exemplars is the plain prompt
    assert vocab.prompt("a", ["x", "y"]) == [1, 5, 4, 7, 4, 8, 4] and vocab.prompt("a", []) == vocab.prompt("a")


def test_pointer_copy_ids_extend_the_vocabulary_with_the_prompt_tokens():
    vocab = Vocab(level="word", chars=["a", "b"], tokens=["x", "y", "ab"])  # <eos> 2, <unk> 3, <sep> 4, x 7, y 8, ab 9
    ((seq, n_prompt, copy),) = encode_pairs(vocab, {"ab": ["Canis y z ab"]}, exemplars={"ab": ["x Canis Canis"]},
                                            pointer=True)  # fmt: skip
    # <bos> a b <sep> | x <unk> <unk> <sep> | <unk> y <unk> ab <eos>: the inputs know no extended ids
    assert seq == [1, 5, 6, 4, 7, 3, 3, 4, 3, 8, 3, 9, 2] and n_prompt == 8
    # copy ids: the word "ab" (9) where its last letter is read; Canis = 10 (the first token outside the
    # vocabulary); the closing <sep> is <eos>. The target's Canis is copyable (10), its z is not (<unk>)
    assert copy == [-1, -1, 9, -1, 7, 10, 10, 2, 10, 8, 3, 9, 2]
    inputs, targets, source = make_batch([(seq, n_prompt, copy)], vocab.pad_id)
    assert inputs.tolist() == [seq[:-1]]
    assert targets.tolist() == [[0, 0, 0, 0, 0, 0, 0, 10, 8, 3, 9, 2]]
    assert source.tolist() == [[-1, -1, 9, -1, 7, 10, 10, 2, -1, -1, -1, -1]]
    assert vocab.decode([10, 8, 7, 2, 8], oov=["Canis"]) == "Canis y x"
    # the words of a multi-word entry, each at its last letter; the prompt and its copy ids have one length
    assert vocab.copy_ids("a-b ba", []) == ([-1, -1, -1, 10, -1, -1, 11, -1], ["a-b", "ba"])  # 10 ids
    for max_len in (None, 5, 6, 9):
        ids, _ = vocab.copy_ids("ab", ["y Canis z", "Canis"], max_len=max_len)
        assert len(ids) == len(vocab.prompt("ab", ["y Canis z", "Canis"], max_len=max_len))
    assert vocab.copy_ids("ab", ["y Canis z", "Canis"]) == ([-1, -1, 9, -1, 8, 10, 11, 2, 10, 2], ["Canis", "z"])


# -- decoding ---------------------------------------------------------------------------------------------


def _numpy_step(spec, params):
    def step(tokens, state):
        logits, state, _ = rn.forward(spec, params, tokens[:, None], state=state)
        return logits[:, 0], state

    return step


def test_batched_generation_equals_one_prompt_at_a_time():
    spec = rn.ModelSpec(cell="lstm", vocab_size=9, emb_dim=4, hidden_dim=6, n_layers=2)
    params = rn.init_params(spec, seed=4, dtype=np.float64)
    params["decoder.bias"][2] = 0.3  # make <eos> (id 2) likely enough to end some rows early
    step = _numpy_step(spec, params)
    prompts = [[1, 5, 6, 4], [1, 7, 4], [1, 5, 6, 7, 8, 4]]
    together = generate(step, prompts, eos_id=2, max_len=6, banned=[0])
    alone = [generate(step, [p], eos_id=2, max_len=6, banned=[0])[0] for p in prompts]
    assert together == alone
    assert all(len(x) <= 6 and 2 not in x and 0 not in x for x in together)


def _select(state, rows):
    return [(h[rows], None if c is None else c[rows]) for h, c in state]


def _sequence_logprob(spec, params, prompt, seq, eos_id, banned):
    """log p(seq + <eos> | prompt) with ``banned`` ids removed from the softmax, as the decoders see it."""
    full = [*prompt, *seq, eos_id]
    logits, _, _ = rn.forward(spec, params, np.array([full[:-1]]))
    logp = rn.log_softmax(logits)[0]
    logp[:, banned] = -np.inf
    return sum(logp[len(prompt) - 1 + i, full[len(prompt) + i]] for i in range(len(seq) + 1))


def test_beam_search_one_beam_is_greedy_and_more_beams_score_higher():
    spec = rn.ModelSpec(cell="lstm", vocab_size=9, emb_dim=4, hidden_dim=6, n_layers=2)
    params = rn.init_params(spec, seed=4, dtype=np.float64)
    params["decoder.weight"] *= 8  # peaked distributions: greedy and beam disagree
    step = _numpy_step(spec, params)
    prompts = [[1, 5, 6, 4], [1, 7, 4], [1, 5, 6, 7, 8, 4], [1, 8, 4]]
    greedy = generate(step, prompts, eos_id=2, max_len=6, banned=[0])
    assert beam_search(step, _select, prompts, eos_id=2, beam_size=1, max_len=6, banned=[0]) == greedy
    beams = beam_search(step, _select, prompts, eos_id=2, beam_size=4, max_len=6, banned=[0], length_penalty=0.0)
    for p, g, b in zip(prompts, greedy, beams):
        if len(g) < 6 and len(b) < 6:  # both ended with <eos>: comparable log-probabilities
            assert _sequence_logprob(spec, params, p, b, 2, [0]) >= _sequence_logprob(spec, params, p, g, 2, [0])
    # a beam wider than all continuations of length 1 (8 usable ids) finds the best one-token-or-eos output
    best = beam_search(step, _select, [[1, 7, 4]], eos_id=2, beam_size=9, max_len=1, banned=[0], length_penalty=0.0)
    logp = rn.log_softmax(rn.forward(spec, params, np.array([[1, 7, 4]]))[0])[0, -1]
    assert best[0] in ([], [int(np.argmax(np.where(np.arange(9) == 0, -np.inf, logp)))])


def _ngrams(seq, n):
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_beam_search_without_repeated_ngrams(n):
    spec = rn.ModelSpec(cell="lstm", vocab_size=9, emb_dim=4, hidden_dim=6)
    params = rn.init_params(spec, seed=4, dtype=np.float64)
    params["decoder.weight"] *= 8
    params["decoder.bias"][2] = -5.0  # <eos> unlikely: long outputs, which repeat themselves
    step = _numpy_step(spec, params)
    prompts = [[1, 5, 6, 4], [1, 7, 4], [1, 5, 6, 7, 8, 4], [1, 8, 4]]
    kw = {"eos_id": 2, "max_len": 5 if n == 1 else 12, "banned": [0]}
    free = beam_search(step, _select, prompts, beam_size=3, **kw)
    assert any(len(set(_ngrams(x, n))) < len(_ngrams(x, n)) for x in free)  # the constraint has work to do
    for beam_size in (1, 3):
        out = beam_search(step, _select, prompts, beam_size=beam_size, no_repeat_ngram=n, **kw)
        assert all(len(set(_ngrams(x, n))) == len(_ngrams(x, n)) and x for x in out)


def test_sampling_rules():
    logits = np.array([[0.0, 3.0, 1.0, -1.0]] * 2000)
    assert pick_next(logits[:2]).tolist() == [1, 1]
    # top-1 sampling is greedy; top-2 never draws outside the two best
    assert set(pick_next(logits, strategy="sample", top_k=1, rng=np.random.default_rng(0)).tolist()) == {1}
    draws = pick_next(logits, strategy="sample", top_k=2, temperature=1.0, rng=np.random.default_rng(0))
    assert set(draws.tolist()) == {1, 2}
    # frequencies follow softmax over the top 2: p(1) = e^3 / (e^3 + e^1)
    assert np.mean(draws == 1) == pytest.approx(math.exp(3) / (math.exp(3) + math.exp(1)), abs=0.03)
    a = pick_next(logits, strategy="sample", temperature=2.0, rng=np.random.default_rng(1))
    b = pick_next(logits, strategy="sample", temperature=2.0, rng=np.random.default_rng(1))
    assert np.array_equal(a, b)
    with pytest.raises(InvalidOptionError, match="'strategy' parameter of generate"):
        generate(lambda t, s: (np.zeros((1, 3)), s), [[1]], eos_id=2, strategy="beam")
    with pytest.raises(InvalidOptionError, match="'strategy' parameter of pick_next"):
        pick_next(logits, strategy="beam")  # once silently sampled
    assert generate(lambda t, s: (np.zeros((len(t), 3)), s), [], eos_id=2) == []


# -- baselines and perplexity -------------------------------------------------------------------------------


def test_baselines():
    assert most_frequent_definition({"a": ["x", "y"], "b": ["y", "z"], "c": ["x"]}) == "x"  # tie: first seen
    # trigrams of #darkness#: shares ness/ess#/... with kindness, nothing with dog
    assert nearest_spelling(["dog", "kindness", "brightly"], ["darkness", "dogs", "slightly"]) == [
        "kindness",
        "dog",
        "brightly",
    ]


def _ranked_by_hand(words, query):
    def grams(w):
        w = f"#{w.lower()}#"
        return {w[i : i + 3] for i in range(len(w) - 2)}

    def key(w):
        dice = 2 * len(grams(w) & grams(query)) / (len(grams(w)) + len(grams(query)))
        return -dice, abs(len(w) - len(query)), w

    return sorted(words, key=key)


def test_spelling_index_ranks_every_word_as_the_rule_says():
    words = ["dog", "dogs", "doge", "kindness", "darkness", "bright", "brightly", "slightly", "cat", "zzz", "yy"]
    index = SpellingIndex(words)
    for query in ["dogs", "darkness", "slight", "qq", "Dog"]:
        assert list(index.ranked(query)) == _ranked_by_hand(words, query), query
    assert index.nearest("dogs", skip=lambda w: w.startswith("dog")) == _ranked_by_hand(words[3:], "dogs")[0]
    assert index.nearest("dogs", skip=lambda w: True) is None


def test_exemplars_are_never_the_word_or_a_synonym():
    train = {
        "colour": ["a hue"],
        "colours": ["a hue", "flags"],  # shares "a hue" with colour: a synonym in the same synset
        "color": ["paint"],
        "colourful": ["full of hue"],
        "dog": ["an animal"],
    }
    # trigram Dice to #colour# (#co col olo lou our ur#): colours 10/13 (but it shares "a hue"), colourful
    # 10/15, color 6/11, dog 0
    assert exemplar_words(train, ["colour"], k=2) == [["colourful", "color"]]
    # colours: colour is excluded (shared definition), itself too
    assert exemplar_words(train, ["colours"]) == [["colourful"]]
    # a word outside training excludes nothing: its first exemplar is the nearest-spelling baseline's word
    assert exemplar_words(train, ["colour", "dogs"], k=1)[1] == nearest_spelling(list(train), ["dogs"])
    for word, (near,) in zip(train, exemplar_words(train, list(train))):
        assert near != word and not set(train[near]) & set(train[word])


def test_perplexity_metric_sums_statistics():
    m = Perplexity()
    m.update([2.0, 4.0], [1, 3]).update(1.5, 2)
    r = m.compute()
    assert float(r) == pytest.approx(math.exp(7.5 / 6)) and r.components["n_tokens"] == 6
    # not the mean of per-batch perplexities
    assert float(r) != pytest.approx((math.exp(6 / 4) + math.exp(1.5 / 2)) / 2)
    other = Perplexity().update(0.5, 1)
    assert float(m.merge(other).compute()) == pytest.approx(math.exp(8 / 7))
    with pytest.raises(EmptyInputError):
        Perplexity().compute()
    with pytest.raises(EmptyInputError, match="no tokens"):
        Perplexity()(0.0, 0)


def test_plot_history_writes_a_png_or_names_the_extra(tmp_path):
    import importlib.util

    from evalkit.core import MissingDependencyError
    from evalkit.generator.train import plot_history

    history = [
        {"epoch": 1, "train_loss": 4.0, "val_perplexity": 60.0, "val_bleu": 0.01},
        {"epoch": 2, "train_loss": 3.5, "val_perplexity": 50.0, "val_bleu": 0.02},
    ]
    if importlib.util.find_spec("matplotlib") is None:
        with pytest.raises(MissingDependencyError, match=r"evalkit\[plot\]"):
            plot_history(history, tmp_path / "curves.png")
    else:
        assert plot_history(history, tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_training_without_torch_names_the_extra():
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
        "from evalkit.core import MissingDependencyError\n"
        "from evalkit.generator.model import DefinitionModel\n"
        "try:\n    DefinitionModel.load('missing.pt')\n"
        "except MissingDependencyError as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'evalkit[torch]'" in out.stdout


@pytest.mark.parametrize(
    ("nll_sums", "n_tokens", "message"),
    [("abc", 1, "array of numbers"), ([1.0], [-2], "non-negative"), (float("nan"), 1, "finite"), ([[1.0]], [1], "1-D")],
)
def test_perplexity_refuses_bad_statistics_with_a_message(nll_sums, n_tokens, message):
    from evalkit.core import InputError

    with pytest.raises(InputError, match=message):
        Perplexity().update(nll_sums, n_tokens)


@pytest.mark.parametrize("column", [0, 1])
def test_perplexity_refuses_a_checkpoint_with_a_negative_statistic(column):
    from evalkit.core import InputError

    state = Perplexity().update([2.0, 1.0], [2, 1]).state_dict()
    assert float(Perplexity().load_state_dict(state).compute()) == pytest.approx(math.e)
    state["total"][column] = -3
    with pytest.raises(InputError, match=r"perplexity: 'total' must hold non-negative statistics"):
        Perplexity().load_state_dict(state)


def test_perplexity_beyond_float64_is_inf_with_a_warning():
    # exp(1000) overflows float64 (its largest exponent is ln(1.8e308) = 709.78); torchmetrics gives inf
    from evalkit.text.perplexity import Perplexity

    with pytest.warns(RuntimeWarning, match="beyond float64"):
        result = Perplexity()([1000.0, 1000.0], [1, 1])
    assert result.score == math.inf and result.components["nll_per_token"] == 1000.0


def test_perplexity_reads_bfloat16_tensors_as_float32():
    torch = pytest.importorskip("torch")
    from evalkit.text.perplexity import Perplexity

    # 2.0 and 1.0 are exact in bfloat16: exp((2 + 1) / (2 + 1)) = e
    nll = torch.tensor([2.0, 1.0], dtype=torch.bfloat16)
    assert Perplexity()(nll, torch.tensor([2, 1])).score == pytest.approx(math.e, rel=1e-15)


def test_perplexity_counts_whole_tokens():
    # 1.5 tokens would be scored as 1.5 but shown as 1 in the n_tokens component
    from evalkit.text.perplexity import Perplexity

    with pytest.raises(InputError, match="whole tokens"):
        Perplexity()([1.0], [1.5])
    saved = Perplexity().update([2.0], [2]).state_dict()
    saved["total"][1] = 0.5
    with pytest.raises(InputError, match="whole tokens"):
        Perplexity().load_state_dict(saved)
