"""Per-batch ``update()`` cost inside a CPU training loop: evalkit against torchmetrics.

What a training or validation loop pays for its metrics at every step: one ``update`` per batch, then one
``compute`` per epoch. Both libraries get the same batches, in the same loop, with their defaults (input
checks on):

- classification, ``--classes`` classes: torch int64 tensors of true and predicted labels (class ids, as
  after an argmax); ``evalkit.Accuracy`` against ``MulticlassAccuracy(average="micro")`` and
  ``evalkit.F1(labels=range(K))`` (macro) against ``MulticlassF1Score(average="macro")``;
- BLEU: detokenized strings of real glosses (WordNet 3.0, seeded perturbations, one reference each);
  ``evalkit.BLEU(tokenize="none", smooth="none")`` against ``BLEUScore(n_gram=4)``, which splits on
  whitespace and does not smooth: the same definition.

For each batch size (``--batches``: 32 and 256 by default) the loop runs ``--steps`` updates, after one
warm-up update (first-call imports and caches are not a per-batch cost); printed: microseconds per
update (best of ``--repeat`` loops), and torchmetrics' time over evalkit's. The epoch's scores are asserted
equal (to 1e-6: torchmetrics keeps float32 states).

    python benchmarks/bench_training_loop.py
    python benchmarks/bench_training_loop.py --batches 32 256 1024 --steps 100

torchmetrics is needed for the comparison only (``pip install torchmetrics``; no evalkit extra installs
it): without it, each row says so and only evalkit's time is printed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any


def _loop(make: Callable[[], Any], batches: list[tuple[Any, Any]], repeat: int) -> tuple[float, Any]:
    """Best seconds per update over ``repeat`` loops, and the metric of the last loop."""
    best, metric = float("inf"), None
    for _ in range(repeat):
        metric = make()
        metric.update(*batches[0])  # warm-up: imports, caches
        metric.reset()
        start = time.perf_counter()
        for batch in batches:
            metric.update(*batch)
        best = min(best, (time.perf_counter() - start) / len(batches))
    return best, metric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 256], help="batch sizes")
    parser.add_argument("--steps", type=int, default=200, help="updates per loop")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="loops per row (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    import evalkit
    from evalkit.lexicon.corpora import perturbed_pairs

    try:
        import torchmetrics.classification as tmc
        import torchmetrics.text as tmt
    except ImportError:
        tmc = tmt = None

    torch.manual_seed(args.seed)
    k = args.classes
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; evalkit {evalkit.__version__}", end="")
    print("" if tmc is None else f"; torchmetrics {__import__('torchmetrics').__version__}")
    print(f"{'metric':<10} {'batch':>6} {'evalkit us':>11} {'torchmetrics us':>16} {'ratio':>7}  score")
    for size in args.batches:
        y_true = torch.randint(0, k, (args.steps, size))
        # predictions right about 70 % of the time
        right = torch.rand(args.steps, size) < 0.7
        y_pred = torch.where(right, y_true, torch.randint(0, k, (args.steps, size)))
        labels = [(y_true[i], y_pred[i]) for i in range(args.steps)]
        hyps, refs = perturbed_pairs(args.steps * size, seed=args.seed, max_refs=1)
        texts = [(hyps[i * size : (i + 1) * size], refs[i * size : (i + 1) * size]) for i in range(args.steps)]
        flipped = [(p, t) for t, p in labels]  # torchmetrics takes (preds, target)
        rows = [
            ("accuracy", evalkit.Accuracy, labels, tmc and (lambda: tmc.MulticlassAccuracy(k, average="micro")), flipped),
            ("f1", lambda: evalkit.F1(labels=list(range(k))), labels,
             tmc and (lambda: tmc.MulticlassF1Score(k, average="macro")), flipped),
            ("bleu", lambda: evalkit.BLEU(tokenize="none", smooth="none"), texts,
             tmt and (lambda: tmt.BLEUScore(n_gram=4)), texts),  # target[i]: the references of segment i
        ]  # fmt: skip
        for name, ours, batches, theirs, their_batches in rows:
            t_ours, m_ours = _loop(ours, batches, args.repeat)
            score = m_ours.compute().score
            if theirs is None:
                print(
                    f"{name:<10} {size:>6} {t_ours * 1e6:>11.1f} {'-':>16} {'-':>7}  {score:.6f}  (torchmetrics not installed)"
                )
                continue
            t_theirs, m_theirs = _loop(theirs, their_batches, args.repeat)
            other = float(m_theirs.compute())
            assert abs(score - other) < 1e-6, (name, size, score, other)
            ratio = t_theirs / t_ours
            print(f"{name:<10} {size:>6} {t_ours * 1e6:>11.1f} {t_theirs * 1e6:>16.1f} {ratio:>6.1f}x  {score:.6f}")


if __name__ == "__main__":
    main()
