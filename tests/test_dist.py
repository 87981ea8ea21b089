"""Distributed sums: torch.distributed all-reduce (2 gloo ranks) and a Dask bag fold equal one process."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest
from _toys import WordCounts

from evalkit import BLEU, F1, MaxError, MeanSquaredError, TokenBLEU
from evalkit.core import Metric, Result, Signature
from evalkit.stats.dist import all_reduce, update_all_from_dask, update_from_dask


class _Accuracy(Metric):
    """Fixed-shape statistics: (correct, total) per item."""

    name = "dist_accuracy"

    def stats(self, y_true, y_pred):
        t, p = np.asarray(y_true), np.asarray(y_pred)
        return np.stack([(t == p).astype(np.int64), np.ones(len(t), dtype=np.int64)], axis=1)

    def score(self, total):
        return Result(self.name, total[0] / total[1], {}, self.signature())

    def signature(self):
        return Signature.of(self.name)


Y_TRUE = [0, 1, 2, 2, 1, 0, 1, 1, 2, 0, 0]
Y_PRED = [0, 1, 1, 2, 1, 2, 1, 0, 2, 0, 1]
LABELS = ["a", "b", "a", "c", "a", "d", "b"]
R_TRUE = [1e6 + 0.5, 1e6 + 1.25, 1e6 - 2.0, 1e6 + 3.5, 1e6]  # a large mean: the shifts keep the digits
R_PRED = [1e6 + 0.25, 1e6 + 1.0, 1e6 - 1.0, 1e6 + 3.0, 1e6 + 0.5]


def _rank(rank: int, world: int, port: int, out: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    acc, counts = _Accuracy(), WordCounts()
    acc.update(Y_TRUE[rank::world], Y_PRED[rank::world])
    if rank == 0:  # rank 1 sees no labels at all
        counts.update(LABELS)
    # BLEU's signature counts references: one per segment on rank 0, two on rank 1, so "var" overall
    bleu = BLEU().update(["a b"], [["a b"] * (rank + 1)])
    all_reduce(acc)
    all_reduce(counts)
    all_reduce(bleu)
    nrefs = str(bleu.compute().signature).split("|")[0]
    with open(os.path.join(out, f"{rank}.txt"), "w") as f:
        f.write(f"{acc.compute().score!r} {acc.n_items} {counts.compute().score!r} {counts.n_items} {nrefs}")
    dist.destroy_process_group()


def test_all_reduce_two_gloo_ranks_equals_one_process(tmp_path):
    mp = pytest.importorskip("torch.multiprocessing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_rank, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    expected_acc = sum(t == p for t, p in zip(Y_TRUE, Y_PRED)) / len(Y_TRUE)  # 7 / 11
    expected = f"{expected_acc!r} {len(Y_TRUE)} {3 / 7!r} {len(LABELS)} nrefs:var"
    assert (tmp_path / "0.txt").read_text() == expected
    assert (tmp_path / "1.txt").read_text() == expected


def test_all_reduce_needs_a_process_group():
    pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="init_process_group"):
        all_reduce(_Accuracy().update([1], [1]))


@pytest.mark.parametrize("npartitions", [1, 3, 11])
def test_dask_bag_fold_equals_one_update(npartitions):
    db = pytest.importorskip("dask.bag")
    bag = db.from_sequence(list(zip(Y_TRUE, Y_PRED)), npartitions=npartitions)
    m = update_from_dask(_Accuracy(), bag)
    assert m.n_items == len(Y_TRUE)
    assert m.compute().score == 7 / 11
    counts = update_from_dask(WordCounts(), db.from_sequence([(x,) for x in LABELS], npartitions=npartitions))
    assert counts.compute().score == 3 / 7
    pairs = [("a b", ["a b", "a c"])] * npartitions  # two references per segment
    assert str(
        update_from_dask(BLEU(), db.from_sequence(pairs, npartitions=npartitions)).compute().signature
    ).startswith("nrefs:2|")
    # several metrics in one pass over the partitions
    acc, mse = update_all_from_dask([_Accuracy(), MeanSquaredError()], bag)
    assert (acc.compute().score, acc.n_items, mse.n_items) == (7 / 11, len(Y_TRUE), len(Y_TRUE))
    assert mse.compute().score == pytest.approx(sum((t - p) ** 2 for t, p in zip(Y_TRUE, Y_PRED)) / len(Y_TRUE))


PAIRS = [
    ("the cat sat on the mat", "the cat sat on a mat"),
    ("a quick brown dog", "the quick brown fox jumps"),
    ("hello world again", "hello world"),
    ("one two three four five", "one two three four"),
    ("it is raining today", "it rains today"),
]
# the same pairs as token ids (1 + the word's rank in the vocabulary; 0 pads): for TokenBLEU
VOCAB = {w: i + 1 for i, w in enumerate(sorted({w for pair in PAIRS for s in pair for w in s.split()}))}
TOKEN_PAIRS = [tuple([VOCAB[w] for w in s.split()] for s in pair) for pair in PAIRS]
BIG = 2**24 + 3  # a count factor above float32's exact integers (2^24)


def _padded(lists: list[list[int]]):
    import torch

    out = torch.zeros(len(lists), max(map(len, lists)), dtype=torch.int64)
    for i, ids in enumerate(lists):
        out[i, : len(ids)] = torch.tensor(ids)
    return out


def _sampler_rank(rank: int, world: int, port: int, out: str) -> None:
    import torch.distributed as dist
    from torch.utils.data import DistributedSampler

    from evalkit.stats.dist import unpadded_sampler

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    scores = []
    for sampler in (DistributedSampler(PAIRS, shuffle=False), unpadded_sampler(len(PAIRS))):
        m = BLEU()
        for i in sampler:
            m.update([PAIRS[i][0]], [PAIRS[i][1]])
        all_reduce(m)
        scores.append(repr(m.compute().score))
    # uneven shards (3 + 2 items): labels that differ per rank, regression shifts that differ, a max column
    part = slice(0, 3) if rank == 0 else slice(3, 5)
    for m, (t, p) in ((F1(), (Y_TRUE[:5], Y_PRED[:5])), (MeanSquaredError(), (R_TRUE, R_PRED)),
                      (MaxError(), (R_TRUE, R_PRED))):  # fmt: skip
        all_reduce(m.update(t[part], p[part]))
        scores.append(repr(m.compute().score))
    # the same as tensors, reduced by sync(): the states stay tensors on their device (here the CPU)
    import torch

    for m, (t, p) in ((F1(), (Y_TRUE[:5], Y_PRED[:5])), (MeanSquaredError(), (R_TRUE, R_PRED)),
                      (MaxError(), (R_TRUE, R_PRED))):  # fmt: skip
        m.update(torch.tensor(t[part]), torch.tensor(p[part])).sync()
        assert m.device == torch.device("cpu")
        scores.append(repr(m.compute().score))
    # TokenBLEU on padded id tensors, 3 + 2 items; then counts above 2^24 (rank 0 resumes a scaled state)
    hyps, refs = (_padded([pair[k] for pair in TOKEN_PAIRS[part]]) for k in (0, 1))
    tokens = all_reduce(TokenBLEU(pad_id=0).update(hyps, refs))
    scores.append(repr(tokens.compute().score))
    big = TokenBLEU(pad_id=0).update(hyps, refs)
    if rank == 0:
        state = big.state_dict()
        big.load_state_dict({**state, "total": np.asarray(state["total"]) * BIG})
    all_reduce(big)
    with open(os.path.join(out, f"{rank}.txt"), "w") as f:
        f.write(" ".join(scores))
    with open(os.path.join(out, f"{rank}.big.txt"), "w") as f:
        f.write(" ".join(map(str, big.total.tolist())) + f" {big.total.dtype}")
    dist.destroy_process_group()


def test_distributed_sampler_pads_and_the_unpadded_sampler_scores_each_item_once(tmp_path):
    mp = pytest.importorskip("torch.multiprocessing")
    sacrebleu = pytest.importorskip("sacrebleu")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_sampler_rank, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    hyps, refs = [h for h, _ in PAIRS], [r for _, r in PAIRS]
    exact = sacrebleu.corpus_bleu(hyps, [refs]).score / 100
    padded = sacrebleu.corpus_bleu([*hyps, hyps[0]], [[*refs, refs[0]]]).score / 100  # item 0 twice
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    whole = [
        sklearn_metrics.f1_score(Y_TRUE[:5], Y_PRED[:5], average="macro"),
        sklearn_metrics.mean_squared_error(R_TRUE, R_PRED),
        sklearn_metrics.max_error(R_TRUE, R_PRED),
    ]
    whole += whole  # as lists, then as tensors kept on their device
    ids = [tuple(" ".join(map(str, s)) for s in pair) for pair in TOKEN_PAIRS]  # the ids as "none" tokens
    whole.append(sacrebleu.corpus_bleu([h for h, _ in ids], [[r for _, r in ids]], tokenize="none").score / 100)
    parts = [sacrebleu.corpus_bleu([h for h, _ in p], [[r for _, r in p]], tokenize="none") for p in (ids[:3], ids[3:])]
    a, b = ([s.sys_len, s.ref_len, *s.counts, *s.totals] for s in parts)
    big = " ".join(str(BIG * x + y) for x, y in zip(a, b)) + " int64"  # exact in int64, not in float32
    for rank in (0, 1):
        got_padded, got, *synced = (float(x) for x in (tmp_path / f"{rank}.txt").read_text().split())
        assert got_padded == pytest.approx(padded, abs=1e-12) and padded != pytest.approx(exact)
        assert got == pytest.approx(exact, abs=1e-12)
        assert synced == pytest.approx(whole, rel=1e-12)
        assert (tmp_path / f"{rank}.big.txt").read_text() == big
