"""Bootstrap CIs of classification and regression metrics: evalkit's vectorized resampling against a loop
of scikit-learn calls on the same resamples, in one process; prints both times and the ratio.

For each size in ``--sizes`` (default 100,000 and 5,000 samples) and each metric (macro-F1, MCC, MSE),
``--resamples`` (default 1000) bootstrap resamples at seed ``--seed`` give a 95% interval two ways:

- evalkit: ``m.rows(y_true, y_pred)`` then ``evalkit.stats.significance.bootstrap_ci(m, rows, ...)`` (timed
  together);
- scikit-learn: the same draws, made as evalkit's ``_count_blocks`` makes them
  (``numpy.random.default_rng(seed)``, then ``rng.choice(n, size=(b, n), replace=True)`` in blocks of
  ``max(1, 2**18 // n)`` rows, so resample ``i`` is the same index vector), each resample scored by
  ``f1_score(average="macro")`` / ``matthews_corrcoef`` / ``mean_squared_error`` on ``y_true[idx]``,
  ``y_pred[idx]``, and the interval taken as evalkit's ``_interval`` takes it (sorted scores,
  ``lo = min(floor(k (1 - confidence) / 2 + 1e-9), (k - 1) // 2)``, ``[ordered[lo], ordered[k - lo - 1]]``).

The intervals (and the resamples' means and the full-data scores) are asserted equal to 1e-12. The draws
alone (the floor both sides share) are timed too. Labels: 10 classes with skewed priors, ~70% accuracy,
errors drawn from the priors; regression: normal targets plus normal noise; all from ``--data-seed``.
``--repeats`` runs each side that many times, interleaved, and reports medians.

Target (issue 12): 1000 resamples of macro-F1 over 100,000 labels at least 20x faster than the loop.
``--profile`` prints a cProfile of one evalkit macro-F1 call per size.

    PYTHONPATH=. python benchmarks/bench_bootstrap_classification.py [--sizes 100000 5000] [--resamples 1000]
"""

from __future__ import annotations

import os

# the regression path multiplies (resamples x n) counts by (n x 3) moments: one BLAS thread, as in
# bench_significance.py (spinning threads on a loaded machine only slow it down)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import cProfile
import math
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, matthews_corrcoef, mean_squared_error

import evalkit
from evalkit.stats.significance import bootstrap_ci

CONFIDENCE = 0.95
TOLERANCE = 1e-12
# evalkit.stats.significance._BLOCK_ELEMENTS, written out: the benchmark reproduces the draws independently
BLOCK_ELEMENTS = 1 << 18
N_CLASSES = 10


def labels(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """10 classes with priors proportional to 1 / (k + 1); predictions right ~70% of the time, otherwise a
    label drawn from the priors (so some of the "errors" land on the true label as well)."""
    rng = np.random.default_rng(seed)
    priors = 1.0 / np.arange(1, N_CLASSES + 1)
    priors /= priors.sum()
    y_true = rng.choice(N_CLASSES, size=n, p=priors)
    wrong = rng.choice(N_CLASSES, size=n, p=priors)
    y_pred = np.where(rng.random(n) < 0.7, y_true, wrong)
    return y_true, y_pred


def targets(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y_true = rng.normal(10.0, 3.0, size=n)
    return y_true, y_true + rng.normal(0.0, 1.0, size=n)


def sklearn_interval(
    score: Callable[[np.ndarray, np.ndarray], float], y_true: np.ndarray, y_pred: np.ndarray, n_resamples: int,
    seed: int,
) -> tuple[float, float, float]:  # fmt: skip
    """Mean and interval of ``score`` over the bootstrap resamples evalkit draws (see module)."""
    n = len(y_true)
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_ELEMENTS // n)
    scores = np.empty(n_resamples)
    for start in range(0, n_resamples, block):
        b = min(block, n_resamples - start)
        for i, idx in enumerate(rng.choice(n, size=(b, n), replace=True)):
            scores[start + i] = score(y_true[idx], y_pred[idx])
    ordered = np.sort(scores)
    k = len(ordered)
    lo = min(math.floor(k * (1 - CONFIDENCE) / 2 + 1e-9), (k - 1) // 2)
    return float(ordered.mean()), float(ordered[lo]), float(ordered[k - lo - 1])


def draws_only(n: int, n_resamples: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    block = max(1, BLOCK_ELEMENTS // n)
    for start in range(0, n_resamples, block):
        rng.choice(n, size=(min(block, n_resamples - start), n), replace=True)


def evalkit_ci(metric: Any, y_true: np.ndarray, y_pred: np.ndarray, n_resamples: int, seed: int) -> Any:
    m = metric()
    return bootstrap_ci(m, m.rows(y_true, y_pred), n_resamples=n_resamples, confidence=CONFIDENCE, seed=seed)


CASES: list[tuple[str, Callable[[], Any], Callable[..., float], Callable[[int, int], tuple]]] = [
    ("macro-F1", lambda: evalkit.F1(average="macro"), lambda t, p: f1_score(t, p, average="macro"), labels),
    ("MCC", evalkit.MatthewsCorrCoef, matthews_corrcoef, labels),
    ("MSE", evalkit.MeanSquaredError, mean_squared_error, targets),
]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench(n: int, n_resamples: int, seed: int, data_seed: int, repeats: int, names: set[str]) -> list[dict]:
    out = []
    t_draws = statistics.median(timed(lambda: draws_only(n, n_resamples, seed))[1] for _ in range(repeats))
    print(f"\n{n:,} samples, {n_resamples} resamples (blocks of {max(1, BLOCK_ELEMENTS // n)}), seed {seed}; "
          f"the draws alone: {t_draws:.3f} s")  # fmt: skip
    for name, metric, score, data in CASES:
        if name.lower() not in names:
            continue
        y_true, y_pred = data(n, data_seed)
        t_sk, t_ek = [], []
        for _ in range(repeats):  # interleaved, so that the machine's load falls on both sides alike
            want, t = timed(lambda: sklearn_interval(score, y_true, y_pred, n_resamples, seed))  # noqa: B023
            t_sk.append(t)
            got, t = timed(lambda: evalkit_ci(metric, y_true, y_pred, n_resamples, seed))  # noqa: B023
            t_ek.append(t)
        full = float(score(y_true, y_pred))
        mean, low, high = want
        diff = max(abs(got.low - low), abs(got.high - high), abs(got.mean - mean), abs(float(got.result) - full))
        assert diff <= TOLERANCE, f"{name} n={n}: evalkit {got.to_dict()} vs scikit-learn {want} (score {full})"
        sk, ek = statistics.median(t_sk), statistics.median(t_ek)
        print(f"  {name:<9} scikit-learn loop {sk:8.3f} s  evalkit {ek:7.3f} s  ratio {sk / ek:6.1f}x  "
              f"CI [{got.low:.6f}, {got.high:.6f}]  max|diff| {diff:.1e}")  # fmt: skip
        out.append({"metric": name, "n": n, "sklearn_s": sk, "evalkit_s": ek, "ratio": sk / ek, "draws_s": t_draws})
    return out


def profile(n: int, n_resamples: int, seed: int, data_seed: int) -> None:
    y_true, y_pred = labels(n, data_seed)
    m = evalkit.F1(average="macro")
    rows = m.rows(y_true, y_pred)
    profiler = cProfile.Profile()
    profiler.enable()
    bootstrap_ci(m, rows, n_resamples=n_resamples, confidence=CONFIDENCE, seed=seed)
    profiler.disable()
    print(f"\ncProfile of one evalkit macro-F1 bootstrap_ci, {n:,} samples (rows built beforehand):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 5_000], help="samples per run")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=12345, help="seed of the resampling draws")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the synthetic labels and targets")
    parser.add_argument("--repeats", type=int, default=1, help="interleaved runs per side (median reported)")
    parser.add_argument(
        "--metrics", nargs="+", default=[c[0].lower() for c in CASES], type=str.lower,
        choices=[c[0].lower() for c in CASES], help="metrics to run",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="cProfile one evalkit macro-F1 call per size")
    args = parser.parse_args()
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    results = []
    for n in args.sizes:
        results += bench(n, args.resamples, args.seed, args.data_seed, args.repeats, set(args.metrics))
        if args.profile:
            profile(n, args.resamples, args.seed, args.data_seed)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for r in results:
        if r["metric"] == "macro-F1" and r["n"] >= 100_000:
            verdict = "met" if r["ratio"] >= 20 else "NOT met"
            print(f"target (macro-F1, {r['n']:,} samples, >= 20x): {r['ratio']:.1f}x, {verdict}")


if __name__ == "__main__":
    main()
