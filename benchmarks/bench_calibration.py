"""Calibration, top-k, hinge, label-set and label-ranking speed: evalkit vs scikit-learn vs torchmetrics (CPU).

    python benchmarks/bench_calibration.py                 # 10,000 and 1,000,000 samples
    python benchmarks/bench_calibration.py --sizes 10000   # one size

One process, the same arrays for every library; each time is the best of 3 runs (CPU time of this process,
the steadier measure on a shared machine). The ratio is the reference's time over evalkit's (above 1:
evalkit is faster). torchmetrics runs on one thread, as the others do. The label-ranking metrics compare
all label pairs of each sample: they run at a tenth of the size.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import timed

import evalkit


def cases(n: int, seed: int = 0) -> list[tuple[str, object, object]]:
    """``(name, evalkit call, reference call)`` for each metric at ``n`` samples."""
    import sklearn.metrics as sk
    import torch
    from sklearn.calibration import calibration_curve
    from torchmetrics.functional.classification import (
        binary_calibration_error,
        multiclass_calibration_error,
        multiclass_specificity,
    )

    rng = np.random.default_rng(seed)
    y2, p = rng.integers(0, 2, n), rng.random(n)
    y10, P = rng.integers(0, 10, n), rng.dirichlet(np.ones(10), size=n)
    pred10 = P.argmax(axis=1)
    w = rng.random(n)
    Y, S = rng.integers(0, 2, (n // 10, 8)), rng.random((n // 10, 8)).round(2)
    Yp = rng.integers(0, 2, (n, 8))
    Yt = rng.integers(0, 2, (n, 8))
    tp, ty, tP, ty10, tpred = (
        torch.tensor(p),
        torch.tensor(y2),
        torch.tensor(P),
        torch.tensor(y10),
        torch.tensor(pred10),
    )
    return [
        ("brier_score_loss (binary, weighted)", lambda: evalkit.brier_score_loss(y2, p, sample_weight=w),
         lambda: sk.brier_score_loss(y2, p, sample_weight=w)),
        ("brier_score_loss (10 classes)", lambda: evalkit.brier_score_loss(y10, P), lambda: sk.brier_score_loss(y10, P)),
        ("calibration_curve (uniform, 10 bins)", lambda: evalkit.calibration_curve(y2, p, n_bins=10),
         lambda: calibration_curve(y2, p, n_bins=10)),
        ("calibration_curve (quantile, 10 bins)", lambda: evalkit.calibration_curve(y2, p, n_bins=10, strategy="quantile"),
         lambda: calibration_curve(y2, p, n_bins=10, strategy="quantile")),
        ("calibration_error binary vs torchmetrics", lambda: evalkit.calibration_error(y2, p),
         lambda: binary_calibration_error(tp, ty, n_bins=15)),
        ("calibration_error 10 classes vs torchmetrics", lambda: evalkit.calibration_error(y10, P),
         lambda: multiclass_calibration_error(tP, ty10, num_classes=10, n_bins=15)),
        ("calibration_error equal_mass (no reference)", lambda: evalkit.calibration_error(y2, p, binning="equal_mass"),
         None),
        ("top_k_accuracy_score (k=3, 10 classes)", lambda: evalkit.top_k_accuracy_score(y10, P, k=3),
         lambda: sk.top_k_accuracy_score(y10, P, k=3)),
        ("hinge_loss (10 classes)", lambda: evalkit.hinge_loss(y10, P), lambda: sk.hinge_loss(y10, P)),
        ("hamming_loss (10 classes)", lambda: evalkit.hamming_loss(y10, pred10), lambda: sk.hamming_loss(y10, pred10)),
        ("hamming_loss (8 labels)", lambda: evalkit.hamming_loss(Yt, Yp), lambda: sk.hamming_loss(Yt, Yp)),
        ("jaccard_score macro (10 classes)", lambda: evalkit.jaccard_score(y10, pred10, average="macro"),
         lambda: sk.jaccard_score(y10, pred10, average="macro")),
        ("jaccard_score samples (8 labels)", lambda: evalkit.jaccard_score(Yt, Yp, average="samples"),
         lambda: sk.jaccard_score(Yt, Yp, average="samples")),
        ("specificity macro vs torchmetrics", lambda: evalkit.specificity_score(y10, pred10, average="macro"),
         lambda: multiclass_specificity(tpred, ty10, num_classes=10, average="macro")),
        ("coverage_error (n/10, 8 labels)", lambda: evalkit.coverage_error(Y, S), lambda: sk.coverage_error(Y, S)),
        ("label_ranking_average_precision (n/10)", lambda: evalkit.label_ranking_average_precision_score(Y, S),
         lambda: sk.label_ranking_average_precision_score(Y, S)),
        ("label_ranking_loss (n/10, 8 labels)", lambda: evalkit.label_ranking_loss(Y, S), lambda: sk.label_ranking_loss(Y, S)),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    for n in args.sizes:
        print(f"\n{n:,} samples")
        print(f"{'metric':48} {'evalkit s':>10} {'reference s':>12} {'ratio':>7}")
        for name, ours, theirs in cases(n):
            _, _, mine = timed(ours, args.repeat)
            if theirs is None:
                print(f"{name:48} {mine:10.4f} {'':>12} {'':>7}")
                continue
            _, _, ref = timed(theirs, args.repeat)
            print(f"{name:48} {mine:10.4f} {ref:12.4f} {ref / mine:7.2f}")


if __name__ == "__main__":
    main()
