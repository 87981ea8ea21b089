"""Regression speed and memory: evalkit vs scikit-learn vs bare numpy vs torchmetrics (CPU).

    python benchmarks/bench_regression.py            # 10,000,000 float64 targets
    python benchmarks/bench_regression.py --n 1000000

One process, the same arrays for everyone; each time is the median of 5 interleaved runs (timing and
memory helpers shared with bench_classification.py).

Targets (issue 3): evalkit within 1.3x of bare numpy for MSE, MAE and R2, and peak extra memory no more
than one copy of the input.
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_classification import REPEAT, measure, peak_bytes, report

import evalkit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of targets")
    args = parser.parse_args()
    n = args.n

    import sklearn.metrics as skm

    try:
        import torch
        import torchmetrics.functional as tmf

        torch.set_num_threads(1)  # one core, as numpy and scikit-learn use here
    except ImportError:
        torch = tmf = None

    rng = np.random.default_rng(0)
    y_true = rng.normal(10.0, 3.0, n)
    y_pred = y_true + rng.normal(0.0, 1.0, n)
    print(f"{n:,} float64 targets; median of {REPEAT} runs; numpy {np.__version__}")

    def numpy_r2():
        sse = ((y_true - y_pred) ** 2).sum()
        return 1 - sse / ((y_true - y_true.mean()) ** 2).sum()

    tasks = {
        "MSE": (
            lambda: np.mean((y_true - y_pred) ** 2),
            lambda: evalkit.mean_squared_error(y_true, y_pred),
            lambda: skm.mean_squared_error(y_true, y_pred),
            "mean_squared_error",
        ),
        "MAE": (
            lambda: np.mean(np.abs(y_true - y_pred)),
            lambda: evalkit.mean_absolute_error(y_true, y_pred),
            lambda: skm.mean_absolute_error(y_true, y_pred),
            "mean_absolute_error",
        ),
        "R2": (numpy_r2, lambda: evalkit.r2_score(y_true, y_pred), lambda: skm.r2_score(y_true, y_pred), "r2_score"),
    }
    if torch is not None:
        t_true, t_pred = torch.from_numpy(y_true), torch.from_numpy(y_pred)
    summary = []
    for task, (bare, ours, sk, tm_name) in tasks.items():
        ref, got = bare(), ours()
        if not np.isclose(ref, got, rtol=1e-9):
            raise SystemExit(f"{task}: evalkit {got} != numpy {ref}")
        tm = None
        if torch is not None:
            fn = getattr(tmf, tm_name)
            tm = lambda fn=fn: fn(t_pred, t_true)  # noqa: E731
        timings = measure({"numpy": bare, "evalkit": ours, "scikit-learn": sk})
        # torch's idle threads keep spinning after each op: timed apart, so they slow no one else
        timings |= measure({"torchmetrics": tm})
        summary.append(report(task, timings, peak_bytes(ours), y_true.nbytes))

    ok = all(s["vs_numpy"] <= 1.3 and s["peak_vs_input"] <= 1.05 for s in summary)
    print(f"\ntargets (<= 1.3x numpy, peak <= 1 input): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
