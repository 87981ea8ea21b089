"""ROC-AUC speed and state memory: evalkit vs scikit-learn (one call) and vs torchmetrics (a training loop).

    python benchmarks/bench_scores.py                     # 10,000 and 1,000,000 scores; 1,000 updates of 1,000
    python benchmarks/bench_scores.py --sizes 10000 --updates 200

One process, the same arrays for everyone; CPU seconds, the best of 3 runs (benchmarks/_timing.py).

Goals (issue 25): roc_auc_score 3x scikit-learn's on float64 scores and 10x on float16 scores (counted,
not sorted); in a training loop, the time per update and the state's memory against torchmetrics'
BinaryAUROC, whose exact state keeps every prediction.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import timed

import evalkit


def one_call(sizes: list[int]) -> None:
    import sklearn.metrics as skm

    rng = np.random.default_rng(0)
    print("roc_auc_score, one call (CPU ms, best of 3)")
    print(f"{'n':>10} {'scores':>8} {'scikit-learn':>13} {'evalkit':>9} {'ratio':>6}")
    for n in sizes:
        y = rng.integers(0, 2, n)
        s = rng.random(n) * 0.7 + 0.3 * y
        for dtype in (np.float64, np.float16):
            x = s.astype(dtype)
            theirs, _, sk_cpu = timed(lambda x=x, y=y: skm.roc_auc_score(y, x), 3)
            ours, _, ek_cpu = timed(lambda x=x, y=y: evalkit.roc_auc_score(y, x), 3)
            assert abs(theirs - ours) < 1e-12, (theirs, ours)
            name = np.dtype(dtype).name
            print(f"{n:>10,} {name:>8} {sk_cpu * 1e3:>13.2f} {ek_cpu * 1e3:>9.2f} {sk_cpu / ek_cpu:>6.1f}")


def _state_bytes_torchmetrics(metric) -> int:
    total = 0
    for name in metric._defaults:
        value = getattr(metric, name)
        for t in value if isinstance(value, list) else [value]:
            total += t.numel() * t.element_size()
    return total


def _state_bytes_evalkit(metric) -> int:
    total = metric.total.nbytes if metric.total is not None else 0
    space = metric.space
    return total + (sum(c.nbytes for c in space[3]) if space is not None else 0)


def training_loop(updates: int, batch: int) -> None:
    import torch
    from torchmetrics.classification import BinaryAUROC

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    batches = []
    for _ in range(updates):
        y = torch.randint(0, 2, (batch,), generator=gen)
        batches.append((y, (torch.rand(batch, generator=gen) * 0.7 + 0.3 * y).to(torch.float16)))
    print(f"\n{updates:,} updates of {batch:,} float16 scores (CPU ms per update; state at the end)")
    print(f"{'metric':<40} {'per update':>11} {'compute':>9} {'state':>12} {'AUROC':>9}")
    cases = [
        ("torchmetrics BinaryAUROC()", lambda: BinaryAUROC(), "tm"),
        ("evalkit RocAuc() (exact)", lambda: evalkit.RocAuc(), "ek"),
        ("torchmetrics BinaryAUROC(thresholds=200)", lambda: BinaryAUROC(thresholds=200), "tm"),
        ("evalkit RocAuc(thresholds=200)", lambda: evalkit.RocAuc(thresholds=200), "ek"),
    ]
    for label, make, kind in cases:
        metric = make()

        def loop(metric=metric, torchmetrics_order=kind == "tm"):
            for y, s in batches:  # torchmetrics takes (preds, target), evalkit (y_true, y_score)
                metric.update(s, y) if torchmetrics_order else metric.update(y, s)

        _, _, cpu = timed(loop)
        value, _, compute_cpu = timed(lambda metric=metric: float(metric.compute()))
        size = _state_bytes_torchmetrics(metric) if kind == "tm" else _state_bytes_evalkit(metric)
        print(f"{label:<40} {cpu / updates * 1e3:>11.3f} {compute_cpu * 1e3:>9.1f} {size:>12,} {value:>9.6f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    one_call(args.sizes)
    try:
        import torchmetrics  # noqa: F401
    except ImportError:
        print("torchmetrics is not installed: no training-loop comparison")
        return
    training_loop(args.updates, args.batch)


if __name__ == "__main__":
    main()
