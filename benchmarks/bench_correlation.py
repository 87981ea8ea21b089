"""Correlation speed: evalkit vs scipy.stats, side by side in one process, on the same arrays.

    python benchmarks/bench_correlation.py                 # 10,000 and 1,000,000 pairs
    python benchmarks/bench_correlation.py --sizes 10000

Two kinds of data: continuous pairs (every pair distinct: the table of distinct pairs is as long as the
input) and ratings (a 1-5 rating against a score rounded to 2 decimals: at most 500 distinct pairs). Each
time is the best of a few runs in CPU seconds (the steadier measure on a shared machine); the ratio is
evalkit's time over scipy's (below 1: evalkit is faster). The numbers agree to the last few bits.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import timed

import evalkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    import scipy.stats as ss

    cases = [
        ("pearson", evalkit.pearson_corrcoef, lambda x, y: ss.pearsonr(x, y).statistic),
        ("spearman", evalkit.spearman_corrcoef, lambda x, y: ss.spearmanr(x, y).statistic),
        ("kendall tau-b", evalkit.kendall_tau, lambda x, y: ss.kendalltau(x, y).statistic),
    ]
    rng = np.random.default_rng(0)
    print(f"{'n':>9}  {'data':<10} {'metric':<14} {'evalkit s':>10} {'scipy s':>10} {'ratio':>7}  |diff|")
    for n in args.sizes:
        x = rng.normal(size=n)
        rating = rng.integers(1, 6, n).astype(float)
        data = {
            "continuous": (x, x + rng.normal(size=n)),
            "ratings": (rating, np.clip(rating / 5 + rng.normal(0, 0.2, n), 0, 1).round(2)),
        }
        repeat = 3 if n <= 100_000 else 1
        for kind, (a, b) in data.items():
            for name, ours, theirs in cases:
                mine, _, t_mine = timed(lambda: ours(a, b), repeat)  # noqa: B023
                ref, _, t_ref = timed(lambda: theirs(a, b), repeat)  # noqa: B023
                ratio = t_mine / t_ref
                print(
                    f"{n:>9}  {kind:<10} {name:<14} {t_mine:>10.4f} {t_ref:>10.4f} {ratio:>7.2f}  {abs(mine - ref):.1e}"
                )


if __name__ == "__main__":
    main()
