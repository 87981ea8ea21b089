"""BERTScore end to end on a tiny model: evalkit against bert-score and torchmetrics, in one process.

Saves a tiny random BERT (evalkit.models.tiny: 2 layers, hidden size 32, a WordPiece vocabulary learnt
from the bundled glosses) to a temporary folder and scores real segment pairs (WordNet glosses, seeded
perturbations, one reference each) from that folder, every step included (loading the model and the
tokenizer, tokenizing, the forward passes, the matching):

- ``evalkit.bertscore(..., model=folder)``: the first call in the process (the model is read here);
- ``bert_score.score(..., model_type=folder, num_layers=2)`` (it loads the model at every call);
- ``torchmetrics.text.BERTScore(model_name_or_path=folder, num_layers=2)``, built and called;
- a second call on the same ``BERTScore`` object (the model stays loaded: no reload);
- 25 calls of 40 pairs (a training loop's validation steps): bert-score's ``score`` at each, against the
  same calls on one ``BERTScore`` object.

It checks that evalkit's per-segment F1 equals bert-score's to 1e-6 and prints seconds (wall clock and
CPU time of this process), segments per second and the ratios. Torch runs on ``--threads`` threads.

    python benchmarks/bench_bertscore.py                  # 2,000 and 10,000 pairs
    python benchmarks/bench_bertscore.py --pairs 2000
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import warnings

import numpy as np
from _timing import timed

from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.models.tiny import tiny_model
from evalkit.text.bertscore import BERTScore, bertscore


def row(name: str, n: int, wall: float, cpu: float, note: str = "") -> None:
    print(f"  {name:<44} {wall:8.3f} s wall {cpu:8.3f} s cpu {n / wall:10,.0f} seg/s  {note}")


def quiet(fn):
    """``fn`` with the libraries' progress bars and load reports kept off the table."""

    def run():
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            return fn()

    return run


def bench(n: int, seed: int) -> None:
    import bert_score
    from torchmetrics.text import BERTScore as TorchmetricsBERTScore

    # bert-score 0.3.12 cannot encode an empty string with transformers 5: pairs with one are left out
    pairs = [(h, r) for h, r in zip(*perturbed_pairs(n + n // 10, seed=seed, max_refs=1)) if h.strip() and r[0].strip()]
    hyps, refs = [h for h, _ in pairs[:n]], [r for _, r in pairs[:n]]
    first = [r[0] for r in refs]
    folder = str(tiny_model(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"evalkit-bench-bertscore-{n}-{seed}")))
    print(f"\n{n:,} pairs, tiny BERT at {folder}")

    ours, e_wall, e_cpu = timed(quiet(lambda: bertscore(hyps, refs, model=folder, layer=2)))
    row("evalkit bertscore (first call: loads)", n, e_wall, e_cpu)
    theirs, b_wall, b_cpu = timed(
        quiet(lambda: bert_score.score(hyps, first, model_type=folder, num_layers=2, lang=None, nthreads=0))
    )
    row(
        "bert_score.score",
        n,
        b_wall,
        b_cpu,
        f"evalkit {b_wall / e_wall:.1f}x faster (wall), {b_cpu / e_cpu:.1f}x (cpu)",
    )
    tm, t_wall, t_cpu = timed(
        quiet(
            lambda: TorchmetricsBERTScore(model_name_or_path=folder, num_layers=2, max_length=128, truncation=True)(
                hyps, first
            )
        )
    )
    row(
        "torchmetrics BERTScore",
        n,
        t_wall,
        t_cpu,
        f"evalkit {t_wall / e_wall:.1f}x faster (wall), {t_cpu / e_cpu:.1f}x (cpu)",
    )
    metric = BERTScore(model=folder, layer=2)
    quiet(lambda: metric(hyps, refs))()
    again, s_wall, s_cpu = timed(quiet(lambda: metric(hyps, refs)))
    row("evalkit, a second call on the same object", n, s_wall, s_cpu, f"{b_wall / s_wall:.1f}x bert-score (wall)")

    # a training loop's validation: many small calls (bert-score reloads the model at each)
    calls, size = 25, 40
    chunks = [(hyps[i * size : (i + 1) * size], refs[i * size : (i + 1) * size]) for i in range(calls)]
    _, sb_wall, sb_cpu = timed(
        quiet(
            lambda: [
                bert_score.score(h, [x[0] for x in r], model_type=folder, num_layers=2, lang=None, nthreads=0)
                for h, r in chunks
            ]
        )
    )
    _, so_wall, so_cpu = timed(quiet(lambda: [metric(h, r) for h, r in chunks]))
    row(f"bert_score.score, {calls} calls of {size} pairs", calls * size, sb_wall, sb_cpu)
    row(f"evalkit, the same {calls} calls on one object", calls * size, so_wall, so_cpu,
        f"{sb_wall / so_wall:.1f}x faster (wall), {sb_cpu / so_cpu:.1f}x (cpu)")  # fmt: skip

    f_theirs = theirs[2].numpy()
    f_ours = BERTScore(model=folder, layer=2).segment_scores(hyps[:200], refs[:200])
    gap = float(np.abs(f_ours - f_theirs[:200]).max())
    assert gap < 1e-6, gap
    print(f"  F1 per segment, largest difference from bert-score (first 200): {gap:.1e}")
    print(f"  corpus F1: evalkit {ours.score:.7f}  bert-score {float(f_theirs.mean()):.7f}  "
          f"torchmetrics {float(tm['f1'].mean()):.7f} (its batch pairs are misaligned: see docs/metrics/bertscore.md)")  # fmt: skip
    assert again.score == ours.score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), device cpu")
    for n in args.pairs:
        bench(n, args.seed)


if __name__ == "__main__":
    main()
