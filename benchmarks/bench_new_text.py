"""GLEU, NIST, RIBES, EED and Whisper's English normaliser: evalkit against its reference library, side by
side in one process, on real glosses with one reference per segment; scores asserted equal.

Usage: python benchmarks/bench_new_text.py [--sizes 2000 20000] [--metrics gleu nist ribes eed whisper]
       [--repeat 1] [--seed 0]

Each line reports wall time (``time.perf_counter``) and CPU time of this process (``time.process_time``),
the best of ``--repeat`` runs, after one warm-up call of each side on a small slice:

- gleu: ``evalkit.gleu`` vs nltk's ``corpus_gleu`` (on ``str.split()`` tokens, nltk's input);
- nist: ``evalkit.nist`` vs nltk's ``corpus_nist`` (n=5);
- ribes: ``evalkit.ribes`` vs nltk's ``corpus_ribes``;
- eed: ``evalkit.eed`` vs torchmetrics' ``extended_edit_distance``;
- cider: ``evalkit.cider`` vs pycocoevalcap's ``Cider`` (only where ``pycocoevalcap.cider`` imports: its
  wheel is no dependency; ``tests/data/make_cider.py`` says how to run its code from a download);
- whisper: ``evalkit.wer(transform=["whisper_english", "default"])`` vs the whisper-normalizer package's
  ``EnglishTextNormalizer`` on both sides and ``jiwer.wer``.

The reference libraries tokenize nothing here (nltk takes the split lists, prepared outside the clock),
so the nltk ratios count evalkit's tokenization against none.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from collections.abc import Callable

from _timing import timed

from evalkit.lexicon.corpora import perturbed_pairs


def _cases(hyps: list[str], refs: list[str]) -> dict[str, tuple[Callable, Callable, float]]:
    """name -> (evalkit's call, the reference's call, tolerance), each returning a float."""
    import evalkit

    def split():
        return [h.split() for h in hyps], [[r.split()] for r in refs]

    toks = {}

    def nltk_input():
        if not toks:
            toks["h"], toks["r"] = split()
        return toks["h"], toks["r"]

    def gleu_ref():
        from nltk.translate.gleu_score import corpus_gleu

        h, r = nltk_input()
        return corpus_gleu(r, h)

    def nist_ref():
        from nltk.translate.nist_score import corpus_nist

        h, r = nltk_input()
        return corpus_nist(r, h, n=5)

    def ribes_ref():
        from nltk.translate.ribes_score import corpus_ribes

        h, r = nltk_input()
        return corpus_ribes(r, h)

    def eed_ref():
        from torchmetrics.functional.text import extended_edit_distance

        return float(extended_edit_distance(hyps, [[r] for r in refs]))

    def cider_ref():
        # pycocoevalcap is no dependency (a 104 MB wheel): run where its code is importable (PYTHONPATH)
        from pycocoevalcap.cider.cider import Cider

        gts = {i: [r] for i, r in enumerate(refs)}
        res = {i: [h] for i, h in enumerate(hyps)}
        return float(Cider().compute_score(gts, res)[0])

    def whisper_ref():
        import jiwer
        from whisper_normalizer.english import EnglishTextNormalizer

        norm = EnglishTextNormalizer()
        return jiwer.wer([norm(r) for r in refs], [norm(h) for h in hyps])

    return {
        "gleu": (lambda: evalkit.gleu(hyps, refs).score, gleu_ref, 0.0),
        "nist": (lambda: evalkit.nist(hyps, refs).score, nist_ref, 1e-12),
        "ribes": (lambda: evalkit.ribes(hyps, refs).score, ribes_ref, 1e-12),
        "eed": (lambda: evalkit.eed(hyps, refs).score, eed_ref, 1e-5),  # torchmetrics averages in float32
        "cider": (lambda: evalkit.cider(hyps, refs).score, cider_ref, 1e-12),
        "whisper": (
            lambda: evalkit.wer(hyps, refs, transform=["whisper_english", "default"]).score,
            whisper_ref,
            1e-12,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--metrics", nargs="+", default=["gleu", "nist", "ribes", "eed", "cider", "whisper"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'metric':8} {'pairs':>6} {'evalkit wall':>12} {'ref wall':>9} {'ratio':>6}   {'evalkit cpu':>11} "
          f"{'ref cpu':>8} {'ratio':>6}")  # fmt: skip
    for size in args.sizes:
        hyps, refs = perturbed_pairs(size, seed=args.seed, max_refs=1)
        refs = [r[0] for r in refs]
        warm = _cases(hyps[:50], refs[:50])
        cases = _cases(hyps, refs)
        for name in args.metrics:
            if name == "cider" and importlib.util.find_spec("pycocoevalcap") is None:
                print(f"{name:8} {size:>6}   (pycocoevalcap is not importable: skipped)")
                continue
            ours, theirs, tol = cases[name]
            warm[name][0](), warm[name][1]()
            mine, wall, cpu = timed(ours, args.repeat)
            ref, ref_wall, ref_cpu = timed(theirs, args.repeat)
            assert math.isclose(mine, ref, rel_tol=tol, abs_tol=tol), (name, mine, ref)
            print(f"{name:8} {size:>6} {wall:>11.3f}s {ref_wall:>8.3f}s {ref_wall / wall:>5.1f}x   {cpu:>10.3f}s "
                  f"{ref_cpu:>7.3f}s {ref_cpu / cpu:>5.1f}x", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
