"""Paired significance tests: evalkit against sacrebleu's ``PairedTest``, in one process; prints the ratio.

A baseline and two systems over ``--n`` (default 3,000) real WordNet glosses (a baseline and two
perturbations of different strength), for BLEU and, when it is registered, chrF:

- paired bootstrap, 1000 resamples (sacrebleu ``--paired-bs``), with every system's 95% CI;
- approximate randomization, 10,000 trials (sacrebleu ``--paired-ar``), with every system's CI from 1000
  bootstrap resamples (sacrebleu's ``n_ar_confidence=1000``), as ``evalkit compare`` reports them.

evalkit's statistics are first asserted equal to sacrebleu's, and the p-values of both sides are printed
with their largest difference (the same seed draws the same resamples). Timings: sacrebleu's whole
``PairedTest`` call, which also extracts the statistics, and that call less its extraction (timed alone);
evalkit's ``compare_systems`` on the statistics matrices (what ``evalkit compare`` runs). Target (issue 6):
at least 50x. BLAS runs one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise (see below).

    PYTHONPATH=. python benchmarks/bench_significance.py [--n 3000]
"""

from __future__ import annotations

import os

# The products here are skinny (segments x 10-30 statistics) and memory-bound: BLAS threads add only
# synchronization, and on a machine busy with other processes OpenBLAS's spinning threads made evalkit's
# side 5-15x slower (docs/benchmarks.md). One thread unless the caller says otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import random
import time

import numpy as np
import sacrebleu
from sacrebleu.significance import PairedTest

import evalkit
from evalkit.lexicon.corpora import perturb, perturbed_pairs
from evalkit.stats.significance import DEFAULT_SEED, compare_systems


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _systems(n: int) -> tuple[list[str], dict[str, list[str]]]:
    _, refs = perturbed_pairs(n, seed=3, max_refs=1)
    glosses = [r[0] for r in refs]
    vocabulary = sorted({w for g in glosses for w in g.split(" ")})
    out = {}
    for name, rate, seed in (("baseline", 0.30, 1), ("system_a", 0.295, 4), ("system_b", 0.20, 3)):
        rng = random.Random(seed)
        out[name] = [" ".join(perturb(g.split(" "), rng, vocabulary, rate)) for g in glosses]
    return glosses, out


def _pairs(available: list[str]) -> list[tuple[str, object, object]]:
    """(label, evalkit metric, sacrebleu metric) for BLEU and, when registered, chrF."""
    from evalkit.tokenizers import available_tokenizers

    tok = "13a" if "13a" in available_tokenizers() else "none"
    # the backend only changes how the statistics are extracted, which is not timed here
    out = [
        (f"BLEU tok:{tok}", evalkit.get_metric("bleu", tokenize=tok, backend="python"), sacrebleu.BLEU(tokenize=tok))
    ]
    if "chrf" in available:
        out.append(("chrF", evalkit.get_metric("chrf"), sacrebleu.CHRF()))
    return out


def _evalkit(test: str, n: int, metric, rows: list[np.ndarray]) -> list:
    """What ``evalkit compare`` computes: the baseline's CI, then each system's paired test and CI."""
    kind = "paired_bootstrap" if test == "bs" else "approximate_randomization"
    base_ci, tests = compare_systems(metric, rows[0], rows[1:], test=kind, n_samples=n)
    return [base_ci, *tests]


def _sacrebleu(named, metric, glosses: list[str], test: str, n: int) -> list:
    # n_ar_confidence: a CI for every system under AR as well, as evalkit's compare gives
    _, scores = PairedTest(named, {"m": metric}, [glosses], test_type=test, n_samples=n, n_ar_confidence=1000)()
    (results,) = [v for k, v in scores.items() if k != "System"]  # keyed by the score's own name
    return results


def _bench(label: str, ours, theirs, glosses: list[str], systems: dict[str, list[str]]) -> None:
    names = list(systems)
    refs = [[g] for g in glosses]
    rows = [ours.stats(systems[k], refs) for k in names]
    for k, r in zip(names, rows):
        want = np.array(theirs._extract_corpus_statistics(systems[k], [glosses]))
        assert (r == want).all(), f"{label}: statistics of {k} differ from sacrebleu's"
    _, t_extract = _timed(lambda: [theirs._extract_corpus_statistics(systems[k], [glosses]) for k in names])
    named = [(k, systems[k]) for k in names]
    for test, n in (("bs", 1000), ("ar", 10_000)):
        ref, t_ref = _timed(lambda: _sacrebleu(named, theirs, glosses, test, n))  # noqa: B023
        got, t_ours = _timed(lambda: _evalkit(test, n, ours, rows))  # noqa: B023
        dp = max(abs(g.p_value - r.p_value) for g, r in zip(got[1:], ref[1:]))
        ps = " ".join(f"{g.p_value:.4f}/{r.p_value:.4f}" for g, r in zip(got[1:], ref[1:]))
        t_test = t_ref - t_extract
        name = "paired-bs 1000" if test == "bs" else "paired-ar 10000"
        print(
            f"{label:<14} {name:<16} sacrebleu {t_ref:7.3f} s (less extraction {t_test:7.3f} s)  "
            f"evalkit {t_ours:6.3f} s  ratio {t_ref / t_ours:6.1f}x ({t_test / t_ours:6.1f}x)  "
            f"p evalkit/sacrebleu {ps}  max|dp| {dp:.1e}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="segments")
    args = parser.parse_args()
    glosses, systems = _systems(args.n)
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(
        f"{args.n} segments, {len(systems)} systems (one baseline), seed {DEFAULT_SEED}, OPENBLAS_NUM_THREADS={threads}"
    )
    for label, ours, theirs in _pairs(evalkit.available_metrics()):
        _bench(label, ours, theirs, glosses, systems)


if __name__ == "__main__":
    main()
