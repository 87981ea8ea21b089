"""METEOR: evalkit against nltk.translate.meteor_score, side by side, scores asserted equal.

Usage: python benchmarks/bench_meteor.py [--sizes 2000 20000] [--max-refs 1] [--seed 0] [--clock cpu|wall] [--no-cold]

Times are CPU seconds of this process by default (``time.process_time``; all the work is single-threaded),
so that a busy shared machine does not skew the ratios; ``--clock wall`` uses ``time.perf_counter``.

- warm: both libraries have scored the corpus once (nltk's WordNet loaded and its synsets cached; evalkit's
  resource loaded and its stem/synonym caches filled); then the fastest of ``--repeat`` passes counts. evalkit
  runs as its python backend, as ``backend="numpy"`` with the C kernels (the default where they are built;
  the ratio) and as its numpy path (``EVALKIT_KERNELS=0``).
- cold: a fresh interpreter each (the first size only): nltk's ``wordnet.ensure_loaded()`` alone, and
  nltk's load + first pass; evalkit's ``import evalkit`` + bundled WordNet load + first pass.

nltk reads Debian's WordNet 3.0 laid out as an nltk_data corpus (``evalkit.lexicon.corpora.nltk_wordnet_corpus``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_NLTK_COLD = """
import json, sys, time
clock = getattr(time, sys.argv[3])
t0 = clock()
import nltk
nltk.data.path.insert(0, sys.argv[1])
from nltk.corpus import wordnet
from nltk.translate.meteor_score import meteor_score
wordnet.ensure_loaded()
t1 = clock()
hyps, refs = json.load(open(sys.argv[2]))
t2 = clock()
scores = [meteor_score([r.split() for r in rs], h.split(), wordnet=wordnet) for h, rs in zip(hyps, refs)]
t3 = clock()
print(json.dumps({"load": t1 - t0, "total": (t1 - t0) + (t3 - t2), "scores": scores}))
"""

_EVALKIT_COLD = """
import json, sys, time
hyps, refs = json.load(open(sys.argv[1]))
clock = getattr(time, sys.argv[2])
t0 = clock()
import evalkit
scores = evalkit.sentence_meteor(hyps, refs).tolist()
t1 = clock()
print(json.dumps({"total": t1 - t0, "scores": scores}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


_CLOCK = {"cpu": "process_time", "wall": "perf_counter"}


def _timed(fn, clock: str, repeat: int):
    """The result of ``fn()`` and its fastest time of ``repeat`` runs (the least disturbed by other load)."""
    now = getattr(time, clock)
    best = float("inf")
    for _ in range(repeat):
        t = now()
        result = fn()
        best = min(best, now() - t)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument(
        "--max-refs", type=int, default=1, help="references per segment: 1 to this many (users mostly run one)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clock", choices=sorted(_CLOCK), default="cpu")
    parser.add_argument("--repeat", type=int, default=3, help="warm passes timed; the fastest counts")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold starts (fresh interpreters)")
    args = parser.parse_args()
    clock = _CLOCK[args.clock]

    from evalkit.lexicon.corpora import nltk_wordnet_corpus, perturbed_pairs
    from evalkit.text.meteor import METEOR

    tmp = Path(tempfile.mkdtemp(prefix="bench_meteor_"))
    root = nltk_wordnet_corpus(tmp / "nltk_data")
    print(
        f"python {sys.version.split()[0]}; pairs from WordNet glosses, 1-{args.max_refs} references, seed {args.seed}; "
        f"{args.clock} time"
    )

    # cold starts, each in a fresh interpreter, on the first size
    if not args.no_cold:
        n0 = args.sizes[0]
        hyps, refs = perturbed_pairs(n0, seed=args.seed, max_refs=args.max_refs)
        data = tmp / "pairs.json"
        data.write_text(json.dumps([hyps, refs]))
        nltk_cold = _run(_NLTK_COLD, str(root), str(data), clock)
        ours_cold = _run(_EVALKIT_COLD, str(data), clock)
        diff = float(np.max(np.abs(np.array(nltk_cold["scores"]) - np.array(ours_cold["scores"]))))
        assert diff <= 1e-12, diff
        print(f"\ncold start, {n0:,} pairs (fresh interpreter; max |diff| {diff:.1e})")
        print(f"  nltk    WordNet load alone            {nltk_cold['load']:7.2f} s")
        print(f"  nltk    load + first pass             {nltk_cold['total']:7.2f} s")
        print(f"  evalkit import + load + first pass    {ours_cold['total']:7.2f} s")
        print(f"  ratio   nltk load alone / evalkit     {nltk_cold['load'] / ours_cold['total']:7.1f}x")

    import nltk

    nltk.data.path.insert(0, str(root))
    from nltk.corpus import wordnet
    from nltk.translate.meteor_score import meteor_score

    wordnet.ensure_loaded()
    # nltk's loaded WordNet is hundreds of thousands of objects that every full garbage collection walks,
    # slowing whichever library allocates more; freezing them keeps the comparison about the metric
    gc.collect()
    gc.freeze()
    print(f"\nwarm (fastest of {args.repeat} passes after a first one, this process)")
    print(
        f"  {'pairs':>7} {'nltk pairs/s':>13} {'python pairs/s':>15} {'numpy path':>11} {'C kernels':>11} "
        f"{'ratio':>7} {'(numpy path)':>12}  max|diff|"
    )
    for n in args.sizes:
        hyps, refs = perturbed_pairs(n, seed=args.seed, max_refs=args.max_refs)

        def nltk_pass(hyps=hyps, refs=refs):
            return [meteor_score([r.split() for r in rs], h.split(), wordnet=wordnet) for h, rs in zip(hyps, refs)]

        nltk_pass()
        expected, t_nltk = _timed(nltk_pass, clock, args.repeat)
        rates, worst = {}, 0.0
        # backend="numpy" takes the C kernels where they are built; EVALKIT_KERNELS=0 its numpy path
        for label, backend, kernels in [("python", "python", "1"), ("numpy", "numpy", "0"), ("C", "numpy", "1")]:
            os.environ["EVALKIT_KERNELS"] = kernels
            m = METEOR(backend=backend)
            m.stats(hyps, refs)
            rows, t = _timed(lambda m=m, hyps=hyps, refs=refs: m.stats(hyps, refs), clock, args.repeat)
            diff = float(np.max(np.abs(rows[:, 0] - np.array(expected))))
            assert diff <= 1e-12, (label, diff)
            worst = max(worst, diff)
            rates[label] = n / t
        os.environ.pop("EVALKIT_KERNELS")
        nltk_rate = n / t_nltk
        print(
            f"  {n:>7,} {nltk_rate:>13,.0f} {rates['python']:>15,.0f} {rates['numpy']:>11,.0f} {rates['C']:>11,.0f} "
            f"{rates['C'] / nltk_rate:>6.1f}x {rates['numpy'] / nltk_rate:>11.1f}x  {worst:.1e}"
        )


if __name__ == "__main__":
    main()
