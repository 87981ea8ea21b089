"""Log errors, pinball loss, deviances, D² and median absolute error: evalkit vs scikit-learn in one process.

    python benchmarks/bench_deviance.py                 # 10,000 and 1,000,000 targets
    python benchmarks/bench_deviance.py --sizes 10000

Positive targets (gamma) and predictions 30% off (log-normal). Each time is the best of a few runs in CPU
seconds; the ratio is evalkit's time over scikit-learn's (below 1: evalkit is faster).
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import timed

import evalkit

CASES = [
    ("mean_squared_log_error", {}),
    ("mean_pinball_loss", {"alpha": 0.9}),
    ("mean_poisson_deviance", {}),
    ("mean_tweedie_deviance", {"power": 1.5}),
    ("d2_tweedie_score", {"power": 1.5}),
    ("d2_pinball_score", {"alpha": 0.9}),
    ("d2_absolute_error_score", {}),
    ("median_absolute_error", {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    import sklearn.metrics as skm

    rng = np.random.default_rng(0)
    print(f"{'n':>9}  {'metric':<26} {'evalkit s':>10} {'sklearn s':>10} {'ratio':>7}  |diff|")
    for n in args.sizes:
        y_true = rng.gamma(2.0, size=n)
        y_pred = y_true * rng.lognormal(sigma=0.3, size=n)
        repeat = 5 if n <= 100_000 else 2
        for name, options in CASES:
            ours, _, t_ours = timed(lambda: getattr(evalkit, name)(y_true, y_pred, **options), repeat)  # noqa: B023
            ref, _, t_ref = timed(lambda: getattr(skm, name)(y_true, y_pred, **options), repeat)  # noqa: B023
            print(f"{n:>9}  {name:<26} {t_ours:>10.4f} {t_ref:>10.4f} {t_ours / t_ref:>7.2f}  {abs(ours - ref):.1e}")


if __name__ == "__main__":
    main()
