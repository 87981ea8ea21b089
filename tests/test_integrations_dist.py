"""The framework adapters across 2 gloo processes with uneven shards (3 + 2 items from evalkit's
``unpadded_sampler``): each rank's synced score is the one-process score, and the local state is unchanged."""

from __future__ import annotations

import os
import socket

import pytest

import evalkit

pytest.importorskip("torchmetrics")
pytest.importorskip("ignite")
sacrebleu = pytest.importorskip("sacrebleu")

PAIRS = [
    ("the cat sat on the mat", "the cat sat on a mat"),
    ("a quick brown dog", "the quick brown fox jumps"),
    ("hello world again", "hello world"),
    ("one two three four five", "one two three four"),
    ("it is raining today", "it rains today"),
]


def _rank(rank: int, world: int, port: int, out: str) -> None:
    import torch.distributed as dist

    from evalkit.stats.dist import unpadded_sampler

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    from evalkit.integrations.ignite import EvalkitIgniteMetric
    from evalkit.integrations.lightning import EvalkitMetric

    adapter, engine_metric = EvalkitMetric(evalkit.BLEU()), EvalkitIgniteMetric(evalkit.BLEU())
    mine = list(unpadded_sampler(len(PAIRS)))  # 3 + 2 items: uneven, each item on one rank only
    for i in mine:
        adapter.update([PAIRS[i][0]], [PAIRS[i][1]])
        engine_metric.update(([PAIRS[i][0]], [PAIRS[i][1]]))
    local = [int(getattr(adapter, n)) for n in adapter._spec.names]
    local_engine = engine_metric._total.tolist()
    score = float(adapter.compute())  # synced over both ranks
    after = [int(getattr(adapter, n)) for n in adapter._spec.names]
    engine_score = engine_metric.compute()  # sync_all_reduce over both ranks
    unchanged = (
        local == after and local_engine == engine_metric._total.tolist() and engine_metric.compute() == engine_score
    )
    with open(os.path.join(out, f"{rank}.txt"), "w") as f:
        f.write(f"{score!r} {engine_score!r} {len(mine)} {unchanged}")
    dist.destroy_process_group()


def test_two_gloo_ranks_with_uneven_shards_equal_one_process(tmp_path):
    mp = pytest.importorskip("torch.multiprocessing")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # forked, not spawned: the children reuse the parent's imports (torch, torchmetrics, ignite), seconds saved
    from evalkit.integrations.ignite import EvalkitIgniteMetric  # noqa: F401  (imported before the fork)
    from evalkit.integrations.lightning import EvalkitMetric  # noqa: F401

    mp.start_processes(_rank, args=(2, port, str(tmp_path)), nprocs=2, join=True, start_method="fork")
    exact = sacrebleu.corpus_bleu([h for h, _ in PAIRS], [[r for _, r in PAIRS]]).score / 100
    for rank, n in ((0, 3), (1, 2)):
        score, engine_score, items, unchanged = (tmp_path / f"{rank}.txt").read_text().split()
        assert float(score) == pytest.approx(exact, rel=1e-12) and float(engine_score) == float(score)
        assert (int(items), unchanged) == (n, "True")  # the local state is unchanged after the sync
