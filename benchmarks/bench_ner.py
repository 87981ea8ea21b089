"""Entity-level NER throughput: ``evalkit.ner_f1`` / ``ner_report`` against seqeval 1.2.2, in one process.

Builds tagged sentences (1-30 tokens, entities of 1-4 tokens of four types, IOB2 tags) and predictions
with retyped, shifted, dropped, spurious and broken entities, then times, at each size of
``--sentences``:

- default mode (conlleval's): ``seqeval.metrics.f1_score`` against ``evalkit.ner_f1``;
- strict IOB2: ``f1_score(..., mode="strict", scheme=IOB2)`` against ``ner_f1(mode="strict", scheme="IOB2")``;
- the report: ``classification_report(..., output_dict=True)`` against ``ner_report``.

It asserts that the numbers agree (to 1e-12) and prints seconds (wall and CPU time of this process, the
best of ``--repeat`` runs) and the ratio (seqeval's time over evalkit's).

    python benchmarks/bench_ner.py                        # 10,000 and 100,000 sentences
    python benchmarks/bench_ner.py --sentences 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import random
import warnings

from _timing import timed

import evalkit

TYPES = ("PER", "LOC", "ORG", "MISC")


def _spans(rng: random.Random, n: int) -> list[tuple[str, int, int]]:
    spans, i = [], rng.randrange(3)
    while i < n:
        length = rng.choice([1, 1, 2, 2, 3, 4])
        if i + length > n:
            break
        spans.append((rng.choice(TYPES), i, i + length))
        i += length + rng.choice([0, 1, 1, 2, 4])
    return spans


def _iob2(spans: list[tuple[str, int, int]], n: int) -> list[str]:
    tags = ["O"] * n
    for t, a, b in spans:
        for i in range(a, b):
            tags[i] = f"{'B' if i == a else 'I'}-{t}"
    return tags


def tagged(n_sentences: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    rng = random.Random(seed)
    alphabet = ["O"] + [f"{p}-{t}" for p in "BI" for t in TYPES]
    y_true, y_pred = [], []
    for _ in range(n_sentences):
        n = rng.randint(1, 30)
        spans = _spans(rng, n)
        guess = []
        for t, a, b in spans:
            r = rng.random()
            if r < 0.6:
                guess.append((t, a, b))
            elif r < 0.7:
                guess.append((rng.choice(TYPES), a, b))
            elif r < 0.8 and b - a > 1:
                guess.append((t, a + 1, b))
        y_true.append(_iob2(spans, n))
        y_pred.append([rng.choice(alphabet) if rng.random() < 0.03 else t for t in _iob2(guess, n)])
    return y_true, y_pred


def line(name: str, n: int, ours: tuple[float, float], theirs: tuple[float, float]) -> None:
    (ow, oc), (tw, tc) = ours, theirs
    print(
        f"  {name:<22} evalkit {ow:7.3f} s (cpu {oc:6.3f})   seqeval {tw:7.3f} s (cpu {tc:6.3f})   "
        f"x{tw / ow:6.1f} wall, x{tc / oc:6.1f} cpu"
    )


def run(n: int, seed: int, repeat: int) -> None:
    from seqeval.metrics import classification_report, f1_score
    from seqeval.scheme import IOB2

    y_true, y_pred = tagged(n, seed)
    print(f"{n:,} sentences, {sum(map(len, y_true)):,} tokens")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, tw, tc = timed(lambda: f1_score(y_true, y_pred), repeat)
        ours, ow, oc = timed(lambda: evalkit.ner_f1(y_true, y_pred).score, repeat)
        assert abs(ours - theirs) < 1e-12, (ours, theirs)
        line("default mode f1", n, (ow, oc), (tw, tc))
        theirs, tw, tc = timed(lambda: f1_score(y_true, y_pred, mode="strict", scheme=IOB2), repeat)
        ours, ow, oc = timed(lambda: evalkit.ner_f1(y_true, y_pred, mode="strict", scheme="IOB2").score, repeat)
        assert abs(ours - theirs) < 1e-12, (ours, theirs)
        line("strict IOB2 f1", n, (ow, oc), (tw, tc))
        theirs, tw, tc = timed(lambda: classification_report(y_true, y_pred, output_dict=True), repeat)
        ours, ow, oc = timed(lambda: evalkit.ner_report(y_true, y_pred), repeat)
        for key, row in theirs.items():
            assert all(abs(ours[key][m] - float(v)) < 1e-12 for m, v in row.items()), key
        line("default mode report", n, (ow, oc), (tw, tc))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for n in args.sentences:
        run(n, args.seed, args.repeat)


if __name__ == "__main__":
    main()
