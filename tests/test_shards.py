"""Forked shards: rows in order, warnings raised again in the parent, a dead child's shard recomputed."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from evalkit.core.shards import auto_processes, sharded_rows

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="forked shards are used on Linux only")


def squares(xs, ys):
    if len(xs) and xs[0] % 2:
        warnings.warn(f"odd start {xs[0]}", UserWarning, stacklevel=1)
    return np.array([[x * x, y] for x, y in zip(xs, ys)], dtype=np.int64).reshape(-1, 2)


@pytest.mark.filterwarnings("ignore:odd start")
@pytest.mark.parametrize("processes", [1, 2, 3, 7, 50])
def test_rows_in_order_for_any_number_of_processes(processes):
    xs = list(range(10))
    got = sharded_rows(squares, (xs, [-x for x in xs]), processes)
    np.testing.assert_array_equal(got, [[x * x, -x] for x in xs])


def test_children_warnings_are_raised_in_the_parent_in_shard_order():
    xs = list(range(9))  # three shards starting at 0, 3, 6: only the second starts odd
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sharded_rows(squares, (xs, xs), 3)
    assert [str(w.message) for w in caught] == ["odd start 3"]


def test_a_dead_child_has_its_shard_computed_here():
    parent = os.getpid()

    def dies_in_child(xs):
        if os.getpid() != parent:
            os._exit(1)
        return np.array(xs, dtype=np.int64)[:, None] * 10

    got = sharded_rows(dies_in_child, (list(range(6)),), 3)
    np.testing.assert_array_equal(got[:, 0], [0, 10, 20, 30, 40, 50])


def test_auto_processes_needs_enough_work_per_process():
    assert auto_processes(99, 100) == 1
    assert 1 <= auto_processes(10**9, 100) <= len(os.sched_getaffinity(0))


def test_no_child_is_left_running_when_this_process_fails():
    import multiprocessing

    parent = os.getpid()

    def fails_here(xs):
        if os.getpid() == parent:
            raise MemoryError("this shard failed")
        return np.zeros((len(xs), 1000))  # rows larger than a pipe's buffer: the children block in send

    with pytest.raises(MemoryError, match="this shard failed"):
        sharded_rows(fails_here, (list(range(300)),), 3)
    assert multiprocessing.active_children() == []


# -- inside a worker process: multiprocessing forbids a daemonic process to have children ------------------
def _large_corpus(n: int = 120_000) -> tuple[list[str], list[str]]:
    """Past the corpus-level fork thresholds of BLEU and chrF (100,000 lines) and ROUGE (characters)."""
    words = [f"w{i}" for i in range(50)]
    hyps = [" ".join(words[(i + k) % 50] for k in range(5 + i % 7)) for i in range(n)]
    refs = [" ".join(words[(i + 2 * k) % 50] for k in range(6 + i % 5)) for i in range(n)]
    return hyps, refs


def _scores_in_this_process(_: object = None) -> list[float]:
    import evalkit

    hyps, refs = _large_corpus()
    return [float(evalkit.bleu(hyps, refs)), float(evalkit.chrf(hyps, refs)), float(evalkit.rouge(hyps, refs))]


@pytest.mark.slow
def test_large_corpora_score_inside_a_pool_worker():
    import multiprocessing

    expected = _scores_in_this_process()
    with multiprocessing.get_context("fork").Pool(1) as pool:  # its worker is daemonic
        assert pool.map(_scores_in_this_process, [None]) == [expected]


class _ScoringDataset:
    def __len__(self) -> int:
        return 1

    def __getitem__(self, i: int) -> list[float]:
        return _scores_in_this_process()


@pytest.mark.slow
def test_large_corpora_score_inside_a_dataloader_worker():
    torch_data = pytest.importorskip("torch.utils.data")
    loader = torch_data.DataLoader(_ScoringDataset(), batch_size=None, num_workers=1)  # a daemonic worker
    (scores,) = list(loader)
    assert [float(s) for s in scores] == _scores_in_this_process()


def test_a_daemonic_process_computes_every_shard_itself():
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply(sharded_rows, (squares, (list(range(6)), list(range(6))), 3))
        processes = pool.apply(auto_processes, (10**9, 1))
    np.testing.assert_array_equal(got, [[x * x, x] for x in range(6)])
    assert processes == 1
