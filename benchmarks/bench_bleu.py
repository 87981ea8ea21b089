"""BLEU throughput: evalkit's numpy backend against sacrebleu and nltk, in one process.

Builds real segment pairs (WordNet glosses, seeded perturbations, 1 to 4 references) and times, with
tokenization included:

- corpus BLEU: ``evalkit.bleu`` (numpy backend, 13a) against ``sacrebleu.corpus_bleu`` (13a);
- corpus BLEU on whitespace-split tokens: ``evalkit.bleu(convention="nltk", tokenize="none")`` against
  nltk's ``corpus_bleu`` (the ``str.split`` counted on both sides);
- sentence BLEU of every segment: ``evalkit.sentence_bleu`` against a loop of ``sacrebleu.sentence_bleu``
  (timed on a subset and extrapolated when the subset is smaller than the corpus, as printed).

Where evalkit's C kernels were built, they count (see evalkit.text.ngrams.use_compiled), and the corpus
and sentence rows are repeated on the numpy path alone (``EVALKIT_KERNELS=0``). It asserts that
the statistics and scores agree, and prints seconds (wall clock, and CPU time of this
process plus its forked children: on a shared machine, CPU time is the steadier measure), segments per
second, the ratios, and peak memory. Where evalkit forks (one process per core above 100,000 lines), it
also prints the CPU time of the busiest process: the wall time to expect on idle cores.

    python benchmarks/bench_bleu.py                # 100,000 pairs
    python benchmarks/bench_bleu.py --pairs 20000 --sentence-subset 5000 --no-nltk
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from evalkit.core.shards import auto_processes
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text._bleu_numpy import _LINES_PER_PROCESS, corpus_stats
from evalkit.text.bleu import bleu, sentence_bleu
from evalkit.text.ngrams import use_compiled
from evalkit.tokenizers import get_tokenizer


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CHILD_CPU: dict[int, float] = {}


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float, float]:
    """``(result, wall seconds, cpu seconds)``, the best of ``repeat`` runs. The cpu time is this
    process's plus that of its forked children (recorded in CHILD_CPU under the result's id)."""
    best_wall = best_cpu = best_child = float("inf")
    for _ in range(repeat):
        gc.collect()
        wall, cpu, child = time.perf_counter(), time.process_time(), children_cpu()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_child = min(best_child, children_cpu() - child)
        best_cpu = min(best_cpu, time.process_time() - cpu + children_cpu() - child)
    CHILD_CPU[id(out)] = best_child
    return out, best_wall, best_cpu


def critical_path(out: Any, cpu: float) -> float:
    """The cpu seconds of the busiest process: what the run takes on idle cores, one per process."""
    child = CHILD_CPU.get(id(out), 0.0)
    return max(cpu - child, child)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(name: str, n: int, wall: float, cpu: float, note: str = "") -> None:
    print(f"  {name:<44} {wall:8.2f} s wall {cpu:8.2f} s cpu {n / wall:12,.0f} seg/s  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sentence-subset", type=int, default=10_000, help="segments for the sacrebleu loop")
    parser.add_argument("--repeat", type=int, default=3, help="evalkit runs (best kept)")
    parser.add_argument("--no-nltk", action="store_true")
    args = parser.parse_args()

    import sacrebleu

    hyps, refs = perturbed_pairs(args.pairs, seed=args.seed, max_refs=4)
    n = len(hyps)
    n_streams = max(map(len, refs))
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(n_streams)]
    print(f"{n:,} pairs, {sum(map(len, refs)):,} references, sacrebleu {sacrebleu.__version__}, numpy {np.__version__}")
    rss_data = peak_rss_mib()
    processes = auto_processes(n + sum(map(len, refs)), _LINES_PER_PROCESS)

    # -- evalkit first, so that the peak resident size below is its own (plus the data) --------------
    tok13a = get_tokenizer("13a")
    # the first calls of a fresh process: what a script scoring once pays
    _, first_sent_wall, _ = timed(lambda: sentence_bleu(hyps, refs, backend="numpy"))
    _, first_wall, _ = timed(lambda: bleu(hyps, refs, backend="numpy"))
    compiled = use_compiled()
    stats, st_wall, st_cpu = timed(
        lambda: corpus_stats(hyps, refs, tokenizer=tok13a, lowercase=False, max_order=4, processes=1), args.repeat
    )
    ours, ek_wall, ek_cpu = timed(lambda: bleu(hyps, refs, backend="numpy"), args.repeat)
    ours_sent, es_wall, es_cpu = timed(lambda: sentence_bleu(hyps, refs, backend="numpy"), args.repeat)
    if compiled:  # the same calls on the numpy path alone, as without the kernels
        os.environ["EVALKIT_KERNELS"] = "0"
        _, np_wall, np_cpu = timed(lambda: bleu(hyps, refs, backend="numpy"), args.repeat)
        _, nps_wall, nps_cpu = timed(lambda: sentence_bleu(hyps, refs, backend="numpy"), args.repeat)
        del os.environ["EVALKIT_KERNELS"]
    rss_evalkit = peak_rss_mib()
    tracemalloc.start()
    bleu(hyps, refs, backend="numpy")
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    # -- sacrebleu corpus ---------------------------------------------------------------------------
    ref_corpus, sb_wall, sb_cpu = timed(lambda: sacrebleu.corpus_bleu(hyps, streams))
    summed = stats.sum(axis=0)
    assert summed[0] == ref_corpus.sys_len and summed[1] == ref_corpus.ref_len, "lengths differ from sacrebleu"
    assert summed[2:6].tolist() == ref_corpus.counts and summed[6:10].tolist() == ref_corpus.totals, "counts differ"
    assert abs(float(ours) - ref_corpus.score / 100) < 1e-9, (float(ours), ref_corpus.score)

    # -- sacrebleu sentence loop (on a subset) --------------------------------------------------------
    m = min(args.sentence_subset, n)
    sub_refs = refs[:m]
    ref_sent, sl_wall, sl_cpu = timed(
        lambda: [sacrebleu.sentence_bleu(h, r).score / 100 for h, r in zip(hyps[:m], sub_refs)]
    )
    np.testing.assert_allclose(ours_sent[:m], ref_sent, rtol=0, atol=1e-9)
    scale = n / m

    print(
        f"\ncorpus BLEU (13a), tokenization included; sacrebleu {ref_corpus.score:.4f}, evalkit {100 * float(ours):.4f}"
    )
    row("sacrebleu.corpus_bleu", n, sb_wall, sb_cpu)
    ek_path = critical_path(ours, ek_cpu)
    row(
        f"evalkit.bleu(backend='numpy'), {processes} process(es)",
        n,
        ek_wall,
        ek_cpu,
        f"x{sb_wall / ek_wall:.1f} wall, x{sb_cpu / ek_cpu:.1f} cpu; busiest process {ek_path:.2f} s: x{sb_cpu / ek_path:.1f}",
    )
    row("corpus_stats in one process", n, st_wall, st_cpu, f"x{sb_wall / st_wall:.1f} wall, x{sb_cpu / st_cpu:.1f} cpu")
    if compiled:
        row("evalkit.bleu, numpy path only (no kernels)", n, np_wall, np_cpu, f"x{sb_wall / np_wall:.1f} wall")
    print(f"  (first evalkit.bleu call, {'with' if compiled else 'without'} the C kernels: {first_wall:.2f} s wall)")

    extrapolated = f" (timed on {m:,}, x{scale:g})" if m < n else ""
    print(f"\nsentence BLEU of every segment (13a, exp smoothing, effective order){extrapolated}")
    row("sacrebleu.sentence_bleu loop", n, sl_wall * scale, sl_cpu * scale)
    es_path = critical_path(ours_sent, es_cpu)
    row(
        f"evalkit.sentence_bleu(backend='numpy'), {processes} proc.",
        n,
        es_wall,
        es_cpu,
        f"x{sl_wall * scale / es_wall:.1f} wall, x{sl_cpu * scale / es_cpu:.1f} cpu; busiest process "
        f"{es_path:.2f} s: x{sl_cpu * scale / es_path:.1f}",
    )
    if compiled:
        row("evalkit.sentence_bleu, numpy path only", n, nps_wall, nps_cpu, f"x{sl_wall * scale / nps_wall:.1f} wall")
    print(
        f"  (the process's first evalkit call, sentence_bleu: {first_sent_wall:.2f} s wall, "
        f"x{sl_wall * scale / first_sent_wall:.1f})"
    )

    if not args.no_nltk:
        from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

        def nltk_run() -> float:
            return nltk_corpus_bleu([[r.split() for r in seg] for seg in refs], [h.split() for h in hyps])

        def evalkit_tokens() -> Any:
            return bleu(
                [h.split() for h in hyps],
                [[r.split() for r in seg] for seg in refs],
                tokenize="none",
                convention="nltk",
                backend="numpy",
            )

        ref_nltk, nl_wall, nl_cpu = timed(nltk_run)
        ours_nltk, en_wall, en_cpu = timed(evalkit_tokens, args.repeat)
        assert abs(float(ours_nltk) - ref_nltk) < 1e-9, (float(ours_nltk), ref_nltk)
        print(f"\ncorpus BLEU on str.split tokens, nltk convention; nltk {100 * ref_nltk:.4f}")
        row("nltk corpus_bleu", n, nl_wall, nl_cpu)
        row(
            "evalkit.bleu(tokenize='none', convention='nltk')",
            n,
            en_wall,
            en_cpu,
            f"x{nl_wall / en_wall:.1f} wall, x{nl_cpu / en_cpu:.1f} cpu",
        )

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"\nmemory: peak resident {rss_evalkit:,.0f} MiB after the evalkit runs ({rss_data:,.0f} MiB with the data "
        f"alone; largest forked shard {children:,.0f} MiB); tracemalloc peak of one evalkit.bleu call "
        f"{traced_peak:,.0f} MiB"
    )
    print("statistics and scores agree with sacrebleu (and nltk): OK")


if __name__ == "__main__":
    main()
