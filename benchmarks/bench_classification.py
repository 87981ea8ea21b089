"""Classification speed and memory: evalkit vs scikit-learn vs bare numpy vs torchmetrics (CPU).

    python benchmarks/bench_classification.py            # 10,000,000 labels, 10 classes (int64)
    python benchmarks/bench_classification.py --n 1000000

One process, the same arrays for everyone; each time is the median of 5 interleaved runs (torchmetrics,
limited to one thread like the others, is timed on its own: its idle threads would slow the rest). Ratios are against bare
numpy (the floor: one bincount) and against scikit-learn. Peak memory is the largest extra allocation
during one evalkit call (tracemalloc sees numpy's buffers), against the size of one input array.

Targets (issue 3): evalkit within 1.5x of bare numpy and at least 15x faster than scikit-learn for
accuracy, macro-F1 and the confusion matrix; peak extra memory no more than one copy of the input (plus
the K x K counts: the check allows 5%).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import evalkit

REPEAT = 5


def measure(fns: dict[str, Callable[[], Any] | None], repeat: int = REPEAT) -> dict[str, float | None]:
    """Median wall time (seconds) of ``repeat`` calls of each function; the calls are interleaved (one
    round calls each function once) so that load from other processes falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name, fn in fns.items() if fn is not None}
    for _ in range(repeat):
        for name in times:
            start = time.perf_counter()
            fns[name]()  # type: ignore[misc]
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(times[name]) if name in times else None for name in fns}


def peak_bytes(fn: Callable[[], Any]) -> int:
    """Largest memory allocated above the baseline during one call of ``fn``."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def report(task: str, timings: dict[str, float | None], peak: int, input_bytes: int) -> dict[str, Any]:
    """Print one line per library: time, ratio to bare numpy, and scikit-learn's ratio to evalkit."""
    base, ours, sk = timings["numpy"], timings["evalkit"], timings["scikit-learn"]
    print(f"\n{task}")
    for lib, t in timings.items():
        if t is None:
            print(f"  {lib:<14} (not installed)")
            continue
        print(f"  {lib:<14} {t:9.4f} s   {t / base:6.2f}x numpy")
    print(f"  evalkit vs numpy: {ours / base:.2f}x   scikit-learn / evalkit: {sk / ours:.1f}x")
    print(f"  evalkit peak extra memory: {peak / 2**20:.1f} MiB ({peak / input_bytes:.2f}x one input array)")
    return {
        "task": task,
        "vs_numpy": ours / base,
        "sklearn_over_evalkit": sk / ours,
        "peak_vs_input": peak / input_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of labels")
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    n, k = args.n, args.classes

    import sklearn.metrics as skm

    try:
        import torch
        import torchmetrics.functional as tmf

        torch.set_num_threads(1)  # one core, as numpy and scikit-learn use here
    except ImportError:
        torch = tmf = None

    rng = np.random.default_rng(0)
    y_true = rng.integers(0, k, n, dtype=np.int64)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n, dtype=np.int64))
    print(f"{n:,} labels, {k} classes, int64; median of {REPEAT} runs; numpy {np.__version__}")

    def numpy_cm():
        return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)

    def numpy_macro_f1():
        cm = numpy_cm()
        tp = np.diagonal(cm)
        return float(np.mean(2 * tp / (cm.sum(axis=0) + cm.sum(axis=1))))

    tasks = {
        "accuracy": (
            lambda: np.count_nonzero(y_true == y_pred) / n,
            lambda: evalkit.accuracy_score(y_true, y_pred),
            lambda: skm.accuracy_score(y_true, y_pred),
            "accuracy",
        ),
        "macro-F1": (
            numpy_macro_f1,
            lambda: evalkit.f1_score(y_true, y_pred, average="macro"),
            lambda: skm.f1_score(y_true, y_pred, average="macro"),
            "f1_score",
        ),
        "confusion matrix": (
            numpy_cm,
            lambda: evalkit.confusion_matrix(y_true, y_pred),
            lambda: skm.confusion_matrix(y_true, y_pred),
            "confusion_matrix",
        ),
    }
    if torch is not None:
        t_true, t_pred = torch.from_numpy(y_true), torch.from_numpy(y_pred)
    summary = []
    for task, (bare, ours, sk, tm_name) in tasks.items():
        ref, got = bare(), ours()
        if not np.allclose(np.asarray(ref, dtype=float), np.asarray(got, dtype=float), rtol=1e-12):
            raise SystemExit(f"{task}: evalkit {got} != numpy {ref}")
        tm = None
        if torch is not None:
            options = {"task": "multiclass", "num_classes": k}
            if tm_name != "confusion_matrix":
                options["average"] = "micro" if tm_name == "accuracy" else "macro"
            fn = getattr(tmf, tm_name)
            tm = lambda fn=fn, options=options: fn(t_pred, t_true, **options)  # noqa: E731
        timings = measure({"numpy": bare, "evalkit": ours, "scikit-learn": sk})
        # torch's idle threads keep spinning after each op: timed apart, so they slow no one else
        timings |= measure({"torchmetrics": tm})
        summary.append(report(task, timings, peak_bytes(ours), y_true.nbytes))

    ok = all(s["vs_numpy"] <= 1.5 and s["sklearn_over_evalkit"] >= 15 and s["peak_vs_input"] <= 1.05 for s in summary)
    print(f"\ntargets (<= 1.5x numpy, >= 15x faster than scikit-learn, peak <= 1 input): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
