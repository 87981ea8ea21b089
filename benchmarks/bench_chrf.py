"""chrF and chrF++ throughput: evalkit's numpy backend against sacrebleu (and nltk), in one process.

Builds real segment pairs (WordNet glosses, seeded perturbations, one reference by default, 1 to N with --max-refs N) and times, for
chrF (``word_order=0``) and chrF++ (``word_order=2``), with every step from the raw strings included:

- corpus level: ``evalkit.chrf`` against ``sacrebleu.metrics.CHRF(...).corpus_score``;
- sentence level: ``evalkit.sentence_chrf`` (one call on the corpus) against a loop of sacrebleu's
  ``sentence_score``, the way a user scores every segment (timed on a subset and extrapolated when the
  subset is smaller than the corpus, as printed);
- with ``--nltk``: ``evalkit.chrf(convention="nltk", beta=3)`` against nltk's ``corpus_chrf`` on the first
  reference of each segment (nltk takes one).

It asserts that the statistics rows equal sacrebleu's and the scores agree to 1e-12, and prints seconds
(wall clock and CPU time of this process: on a shared machine the CPU time is the steadier measure),
segments per second and the ratios. evalkit runs ``--repeat`` times (best kept), sacrebleu once.

    python benchmarks/bench_chrf.py                           # 2,000 and 20,000 pairs
    python benchmarks/bench_chrf.py --pairs 20000 --sentence-subset 2000 --nltk
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import reference_streams, timed

from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text.chrf import CHRF, chrf, sentence_chrf


def row(name: str, n: int, wall: float, cpu: float, note: str = "") -> None:
    print(f"  {name:<46} {wall:8.3f} s wall {cpu:8.3f} s cpu {n / wall:11,.0f} seg/s  {note}")


def bench(hyps: list[str], refs: list[list[str]], word_order: int, subset: int, repeat: int) -> dict[str, float]:
    import sacrebleu

    n = len(hyps)
    sb = sacrebleu.metrics.CHRF(word_order=word_order)
    label = "chrF++" if word_order else "chrF"
    # evalkit first (its rows are kept to compare with sacrebleu's)
    rows, _, _ = timed(lambda: CHRF(word_order=word_order, backend="numpy").stats(hyps, refs))
    ours, ek_wall, ek_cpu = timed(lambda: chrf(hyps, refs, word_order=word_order, backend="numpy"), repeat)
    ours_sent, es_wall, es_cpu = timed(
        lambda: sentence_chrf(hyps, refs, word_order=word_order, backend="numpy"), repeat
    )

    ref_stats = np.array(sb._extract_corpus_statistics(hyps, reference_streams(refs)))
    assert np.array_equal(rows, ref_stats), "statistics rows differ from sacrebleu's"
    ref_corpus, sb_wall, sb_cpu = timed(lambda: sb.corpus_score(hyps, reference_streams(refs)))
    assert abs(100 * ours.score - ref_corpus.score) < 1e-10, (ours.score, ref_corpus.score)

    m = min(subset, n)
    ref_sent, sl_wall, sl_cpu = timed(lambda: [sb.sentence_score(h, r).score for h, r in zip(hyps[:m], refs[:m])])
    np.testing.assert_allclose(100 * ours_sent[:m], ref_sent, rtol=0, atol=1e-10)
    scale = n / m

    print(f"\n{label} corpus level: sacrebleu {ref_corpus.score:.4f}, evalkit {100 * ours.score:.4f}")
    row(f"sacrebleu CHRF(word_order={word_order}).corpus_score", n, sb_wall, sb_cpu)
    corpus_ratio = sb_cpu / ek_cpu
    row(
        "evalkit.chrf(backend='numpy')",
        n,
        ek_wall,
        ek_cpu,
        f"x{sb_wall / ek_wall:.1f} wall, x{corpus_ratio:.1f} cpu",
    )
    what = f"{m:,} segments x{scale:.1f}" if m < n else f"{n:,} segments"
    print(f"{label} sentence level ({what} for the sacrebleu loop)")
    row("sacrebleu sentence_score loop", n, sl_wall * scale, sl_cpu * scale)
    sentence_ratio = sl_cpu * scale / es_cpu
    row(
        "evalkit.sentence_chrf(backend='numpy')",
        n,
        es_wall,
        es_cpu,
        f"x{sl_wall * scale / es_wall:.1f} wall, x{sentence_ratio:.1f} cpu",
    )
    return {"corpus": corpus_ratio, "sentence": sentence_ratio}


def bench_nltk(hyps: list[str], refs: list[list[str]], repeat: int) -> None:
    from nltk.translate.chrf_score import corpus_chrf

    first = [seg[0] for seg in refs]
    n = len(hyps)
    ours, ek_wall, ek_cpu = timed(lambda: chrf(hyps, first, convention="nltk", beta=3, backend="numpy"), repeat)
    theirs, nl_wall, nl_cpu = timed(lambda: corpus_chrf(first, hyps))
    assert abs(ours.score - theirs) < 1e-12, (ours.score, theirs)
    print(f"\nnltk corpus_chrf (first reference, beta=3): nltk {theirs:.6f}, evalkit {ours.score:.6f}")
    row("nltk corpus_chrf", n, nl_wall, nl_cpu)
    row(
        "evalkit.chrf(convention='nltk')",
        n,
        ek_wall,
        ek_cpu,
        f"x{nl_wall / ek_wall:.1f} wall, x{nl_cpu / ek_cpu:.1f} cpu",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sentence-subset", type=int, default=5_000, help="segments for the sacrebleu loop")
    parser.add_argument("--repeat", type=int, default=3, help="evalkit runs (best kept)")
    parser.add_argument("--nltk", action="store_true", help="also time nltk's corpus_chrf")
    parser.add_argument(
        "--max-refs", type=int, default=1, help="references per segment: 1, or 1 to N (users mostly run 1)"
    )
    args = parser.parse_args()

    import sacrebleu

    print(f"sacrebleu {sacrebleu.__version__}, numpy {np.__version__}")
    summary = []
    for pairs in args.pairs:
        hyps, refs = perturbed_pairs(pairs, seed=args.seed, max_refs=args.max_refs)
        chars = sum(map(len, hyps)) + sum(len(r) for seg in refs for r in seg)
        print(f"\n== {len(hyps):,} pairs, {sum(map(len, refs)):,} references, {chars:,} characters ==")
        for word_order in (0, 2):
            ratios = bench(hyps, refs, word_order, args.sentence_subset, args.repeat)
            summary.append((pairs, "chrF++" if word_order else "chrF", ratios))
        if args.nltk:
            bench_nltk(hyps, refs, args.repeat)
    print(f"\nspeed-up over sacrebleu (cpu time; 1 to {args.max_refs} references): pairs, metric, corpus, sentence")
    for pairs, label, ratios in summary:
        print(f"  {pairs:>7,}  {label:<7} x{ratios['corpus']:6.1f}  x{ratios['sentence']:6.1f}")


if __name__ == "__main__":
    main()
