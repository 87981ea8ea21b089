"""WER and CER throughput: evalkit's fast backend (rapidfuzz's alignment) against jiwer 4, in one process.

Builds real segment pairs (WordNet glosses, seeded perturbations, one reference: jiwer takes one) and
times, with the text transforms included (jiwer's ``wer_default`` / ``cer_default`` on both sides):

- corpus WER and CER: ``evalkit.wer(hyps, refs)`` against ``jiwer.wer(refs, hyps)`` (jiwer's argument
  order is the other way round), and likewise ``cer``;
- all four word measures from one pass: ``WER().stats`` then each measure of the summed rows, against
  ``jiwer.process_words`` (whose output carries WER, MER, WIL and WIP);
- sentence level: ``evalkit.sentence_wer`` / ``sentence_cer`` (one call for the corpus) against a loop
  of ``jiwer.wer(ref, hyp)`` / ``jiwer.cer``.

It asserts that the scores agree (to 1e-12) and prints seconds (wall clock and CPU time of this
process, the best of ``--repeat`` runs), segments per second and the ratio (jiwer's time over
evalkit's), at each size of ``--pairs``.

    python benchmarks/bench_wer.py                       # 2,000 and 20,000 pairs
    python benchmarks/bench_wer.py --pairs 100000 --repeat 1
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from _timing import timed

from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.text._wer_common import measure_scores
from evalkit.text.wer import WER, cer, sentence_cer, sentence_wer, wer


def line(name: str, n: int, ours: tuple[float, float], theirs: tuple[float, float]) -> None:
    (ow, oc), (tw, tc) = ours, theirs
    print(
        f"  {name:<28} evalkit {ow:7.3f} s ({n / ow:10,.0f} seg/s, cpu {oc:6.3f})   "
        f"jiwer {tw:7.3f} s ({n / tw:9,.0f} seg/s, cpu {tc:6.3f})   x{tw / ow:5.1f} wall, x{tc / oc:5.1f} cpu"
    )


def close(a: Any, b: Any) -> None:
    assert np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12), (a, b)


def run(n_pairs: int, seed: int, repeat: int, sentence_subset: int) -> None:
    import jiwer

    hyps, refs = perturbed_pairs(n_pairs, seed=seed, max_refs=1)
    refs = [seg[0] for seg in refs]
    words = sum(len(r.split()) for r in refs)
    print(f"\n{n_pairs:,} pairs ({words:,} reference words, {sum(map(len, refs)):,} characters)")

    ours, ow, oc = timed(lambda: wer(hyps, refs).score, repeat)
    theirs, tw, tc = timed(lambda: jiwer.wer(refs, hyps), repeat)
    close(ours, theirs)
    line("corpus WER", n_pairs, (ow, oc), (tw, tc))

    ours, ow, oc = timed(lambda: cer(hyps, refs).score, repeat)
    theirs, tw, tc = timed(lambda: jiwer.cer(refs, hyps), repeat)
    close(ours, theirs)
    line("corpus CER", n_pairs, (ow, oc), (tw, tc))

    def four() -> list[float]:
        total = WER().stats(hyps, refs).sum(axis=0)[None, :]
        return [float(measure_scores(total, m)[0]) for m in ("wer", "mer", "wil", "wip")]

    def jiwer_four() -> list[float]:
        out = jiwer.process_words(refs, hyps)
        return [out.wer, out.mer, out.wil, out.wip]

    ours, ow, oc = timed(four, repeat)
    theirs, tw, tc = timed(jiwer_four, repeat)
    close(ours, theirs)
    line("WER+MER+WIL+WIP, one pass", n_pairs, (ow, oc), (tw, tc))

    # jiwer per sentence: a loop of calls, timed on a subset and scaled when the corpus is larger
    k = min(n_pairs, sentence_subset)
    scale = n_pairs / k
    for name, ours_fn, theirs_fn in (
        ("sentence WER", sentence_wer, jiwer.wer),
        ("sentence CER", sentence_cer, jiwer.cer),
    ):
        ours, ow, oc = timed(lambda f=ours_fn: f(hyps, refs), repeat)
        theirs, tw, tc = timed(lambda f=theirs_fn: [f(r, h) for r, h in zip(refs[:k], hyps[:k])], 1)
        close(ours[:k], theirs)
        note = f"{name} (jiwer x{scale:g} of {k:,})" if scale != 1 else name
        line(note, n_pairs, (ow, oc), (tw * scale, tc * scale))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, nargs="+", default=[2_000, 20_000], help="corpus sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (best kept)")
    parser.add_argument("--sentence-subset", type=int, default=20_000, help="pairs in jiwer's per-sentence loop")
    args = parser.parse_args()

    import jiwer
    import rapidfuzz

    print(f"jiwer {jiwer.__version__ if hasattr(jiwer, '__version__') else '4'}, rapidfuzz {rapidfuzz.__version__}")
    for n in args.pairs:
        run(n, args.seed, args.repeat, args.sentence_subset)


if __name__ == "__main__":
    main()
