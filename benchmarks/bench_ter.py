"""TER throughput: evalkit's fast backend against sacrebleu's ``TER``, in one process.

Builds real segment pairs (WordNet glosses, seeded perturbations, one reference by default, 1 to N with --max-refs N) and times, with
tokenization included:

- corpus TER: ``evalkit.ter`` (``backend="numpy"``) against ``sacrebleu.metrics.TER().corpus_score``,
  for each corpus size given (default 2,000 and 20,000 pairs), with the default options and with
  ``normalized=True`` (tercom's tokenization);
- sentence TER of every segment: ``evalkit.sentence_ter`` against a loop of ``TER().sentence_score``
  (on the first ``--sentence-subset`` pairs);
- optionally (``--python``) evalkit's pure-Python reference backend on the smallest size.

It asserts that the scores and the summed edits agree exactly with sacrebleu, and prints seconds (wall
clock and CPU time of this process: on a shared machine the CPU time is the steadier measure),
segments per second and the ratios.

    python benchmarks/bench_ter.py                       # 2,000 and 20,000 pairs
    python benchmarks/bench_ter.py --pairs 5000 --repeat 1 --python
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
from _timing import reference_streams, timed

from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.ter import sentence_ter, ter


def row(name: str, n: int, wall: float, cpu: float, note: str = "") -> None:
    print(f"  {name:<52} {wall:8.2f} s wall {cpu:8.2f} s cpu {n / wall:10,.0f} seg/s  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default="2000,20000", help="corpus sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="evalkit runs (best kept)")
    parser.add_argument("--sentence-subset", type=int, default=2000, help="segments for the sentence loops")
    parser.add_argument("--no-normalized", action="store_true", help="skip the normalized=True runs")
    parser.add_argument("--python", action="store_true", help="also time the python backend (smallest size)")
    parser.add_argument(
        "--max-refs", type=int, default=1, help="references per segment: 1, or 1 to N (users mostly run 1)"
    )
    args = parser.parse_args()

    import sacrebleu
    from sacrebleu.metrics import TER as SacreTER

    sizes = [int(x) for x in args.pairs.split(",")]
    hyps_all, refs_all = perturbed_pairs(max(sizes), seed=args.seed, max_refs=args.max_refs)
    print(
        f"sacrebleu {sacrebleu.__version__}, numpy {np.__version__}; real glosses, 1-{args.max_refs} references, "
        f"seed {args.seed}"
    )
    ter(hyps_all[:50], refs_all[:50])  # imports and first calls out of the timings
    option_sets = [{}] if args.no_normalized else [{}, {"normalized": True}]
    for n in sizes:
        hyps, refs = hyps_all[:n], refs_all[:n]
        print(f"\ncorpus TER, {n:,} pairs, {sum(map(len, refs)):,} references")
        for options in option_sets:
            label = ", ".join(f"{k}={v}" for k, v in options.items()) or "defaults"
            ours, ek_wall, ek_cpu = timed(partial(ter, hyps, refs, backend="numpy", **options), args.repeat)
            theirs, sb_wall, sb_cpu = timed(partial(SacreTER(**options).corpus_score, hyps, reference_streams(refs)))
            assert ours.components["num_edits"] == theirs.num_edits, (ours.components, theirs.num_edits)
            assert abs(100 * ours.score - theirs.score) < 1e-10, (ours.score, theirs.score)
            print(f" {label}: TER {theirs.score:.4f} (sacrebleu) = {100 * ours.score:.4f} (evalkit)")
            row(f"sacrebleu TER({label}).corpus_score", n, sb_wall, sb_cpu)
            row(
                f"evalkit.ter(backend='numpy', {label})",
                n,
                ek_wall,
                ek_cpu,
                f"x{sb_wall / ek_wall:.1f} wall, x{sb_cpu / ek_cpu:.1f} cpu",
            )
        if args.python and n == min(sizes):
            ours, py_wall, py_cpu = timed(partial(ter, hyps, refs, backend="python"))
            row("evalkit.ter(backend='python'), the reference", n, py_wall, py_cpu, f"x{sb_wall / py_wall:.2f} wall")

    m = min(args.sentence_subset, max(sizes))
    hyps, refs = hyps_all[:m], refs_all[:m]
    metric = SacreTER()
    theirs, sl_wall, sl_cpu = timed(lambda: [metric.sentence_score(h, r).score / 100 for h, r in zip(hyps, refs)])
    ours, es_wall, es_cpu = timed(lambda: sentence_ter(hyps, refs, backend="numpy"), args.repeat)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    print(f"\nsentence TER of every segment, {m:,} pairs")
    row("sacrebleu TER().sentence_score loop", m, sl_wall, sl_cpu)
    row(
        "evalkit.sentence_ter(backend='numpy')",
        m,
        es_wall,
        es_cpu,
        f"x{sl_wall / es_wall:.1f} wall, x{sl_cpu / es_cpu:.1f} cpu",
    )
    print("\nscores and edits agree with sacrebleu: OK")


if __name__ == "__main__":
    main()
