"""ROUGE: evalkit against rouge-score on real text, in one process; prints pairs/s and the ratio.

Three runs on ``--n`` (default 20,000) perturbed WordNet glosses (``evalkit._corpora.perturbed_pairs``):

1. rouge1 + rouge2 + rougeL, first reference only (rouge-score ``score``);
2. rouge1 + rouge2 + rougeL, all 1-4 references (``score_multi`` against ``multi_ref="max_f"``);
3. rougeLsum alone, on summaries of 4 newline-joined glosses (``score``).

Every per-document precision, recall and F is asserted equal to rouge-score's (to 1e-12) before a
ratio is printed. Targets (issue 4): at least 10x for rouge1+2+L, at least 5x for rougeLsum.

    PYTHONPATH=. python benchmarks/bench_rouge.py [--n 20000] [--stem] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rouge_score import rouge_scorer

from evalkit._corpora import perturbed_pairs
from evalkit.text.rouge import ROUGE


def _timed(fn):
    # CPU time of this process: on a shared machine, wall time also counts the waits for a free core
    start = time.process_time()
    out = fn()
    return out, time.process_time() - start


def _compare(label: str, types: list[str], hyps, refs, *, stem: bool, multi: bool, unit: str, repeat: int) -> float:
    scorer = rouge_scorer.RougeScorer(types, use_stemmer=stem)
    metric = ROUGE(variants=types, use_stemmer=stem)
    score = scorer.score_multi if multi else scorer.score
    t_ref = t_ours = float("inf")
    for _ in range(repeat):  # interleaved, best of each: the machine's load changes over a run
        expected, t = _timed(lambda: [score(r, h) for h, r in zip(hyps, refs)])
        t_ref = min(t_ref, t)
        rows, t = _timed(lambda: metric.stats(hyps, refs))
        t_ours = min(t_ours, t)
    want = np.array([[x for k in types for x in e[k]] for e in expected])
    diff = float(np.abs(rows[:, :-1] - want).max())
    assert diff <= 1e-12, f"{label}: evalkit differs from rouge-score by {diff}"
    n = len(hyps)
    print(
        f"{label:<34} {n:>6} {unit}  rouge-score {n / t_ref:>9,.0f}/s  evalkit {n / t_ours:>9,.0f}/s  "
        f"ratio {t_ref / t_ours:5.1f}x  max|diff| {diff:.1e}"
    )
    return t_ref / t_ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="number of (hypothesis, references) pairs")
    parser.add_argument("--stem", action="store_true", help="use_stemmer=True on both sides")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side, interleaved; best kept")
    args = parser.parse_args()

    hyps, refs = perturbed_pairs(args.n, seed=2024, max_refs=4)
    first = [r[0] for r in refs]
    n_refs = sum(map(len, refs)) / len(refs)
    print(f"{args.n} pairs of WordNet glosses, {n_refs:.2f} references each on average, stem={args.stem}")
    types = ["rouge1", "rouge2", "rougeL"]
    run = {"stem": args.stem, "repeat": args.repeat}
    _compare("rouge1+2+L, 1 reference", types, hyps, first, multi=False, unit="pairs", **run)
    _compare("rouge1+2+L, 1-4 references (max_f)", types, hyps, refs, multi=True, unit="pairs", **run)
    k = 4
    summaries = ["\n".join(hyps[i : i + k]) for i in range(0, len(hyps) - k + 1, k)]
    targets = ["\n".join(first[i : i + k]) for i in range(0, len(first) - k + 1, k)]
    _compare("rougeLsum, 4-sentence summaries", ["rougeLsum"], summaries, targets, multi=False, unit="docs ", **run)


if __name__ == "__main__":
    main()
