"""Reproducible evidence for the definition model: 3 seeds, decoding chosen on validation, test scored once.

For each seed (which draws the split, the initialisation and the batch order alike, see ``TrainConfig.seed``):

1. train the CPU model of docs/generator.md (LSTM 128/256 with copying and two exemplars) for ``--minutes``;
2. decode the first ``--val-limit`` validation words with each candidate decoding of :data:`CANDIDATES` and
   keep the one with the largest *smaller* ratio of BLEU and METEOR to the nearest-spelling baseline's on the
   same words (the goal needs both); the test split plays no part in the choice;
3. decode the test split's first ``--test-limit`` words once, with that choice, and score the model and both
   baselines with BLEU, ROUGE-L and METEOR (evalkit's defaults); a paired bootstrap
   (:func:`evalkit.stats.significance.paired_bootstrap`, 1,000 resamples of the test words, seed 12345) compares
   the model with each baseline.

Then the mean, the sample standard deviation and the range over seeds of every score, x100. ``--json``
writes every number (fractions, as the API returns them).

    python benchmarks/generator_evidence.py     # the small size: about 10 minutes on the 2-core development machine
    python benchmarks/generator_evidence.py --minutes 15 --limit 0 --val-limit 0 --test-limit 0 --eval-words 300
        # the full size: about half an hour per seed on one core (15 minutes of training, then three decodings
        # of the 7,436 validation words and one of the 7,436 test words, a few minutes each)

These numbers do not compare with Noraset et al. (2017): their BLEU is the mean of Moses sentence-BLEU per
word over WordNet + GCIDE references; here it is corpus BLEU (sacrebleu's) over WordNet references only, on
unseen words whose definitions are also unseen.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import evalkit
from evalkit.generator.config import TrainConfig
from evalkit.generator.model import DefinitionModel
from evalkit.generator.train import decode_split, score_texts, text_metric_names, train
from evalkit.stats.significance import paired_bootstrap

#: decodings tried on validation (options of evalkit.generator.train.decode_split): as trained, and the
#: choices that did best in docs/generator.md's search
CANDIDATES = [
    {"beam_size": 1},
    {"beam_size": 4, "length_penalty": 1.15, "no_repeat_ngram": 3},
    {"beam_size": 4, "length_penalty": 2.0, "no_repeat_ngram": 3, "copy_bias": 1.0},
]
SYSTEMS = ("model", "nearest_spelling", "most_frequent")


def _choose(model: DefinitionModel, val_limit: int, log: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The candidate decoding with the largest smaller ratio of BLEU and METEOR to the nearest-spelling
    baseline's, on validation words only."""
    tried = []
    for options in CANDIDATES:
        out = decode_split(model, "validation", limit=val_limit, baselines=True, **options)
        refs = out.references
        ours = {k: float(v) for k, v in score_texts(out.systems["model"][1], refs).items()}
        base = {k: float(v) for k, v in score_texts(out.systems["nearest_spelling"][1], refs).items()}
        worst = min(ours[m] / base[m] if base[m] else math.inf for m in ("bleu", "meteor"))
        tried.append({"decoding": options, "model": ours, "nearest_spelling": base, "worst_ratio": worst})
        log(f"  validation {options}: " + " ".join(f"{k}={100 * v:.2f}" for k, v in ours.items())
            + f" (baseline {100 * base['bleu']:.2f} / {100 * base['meteor']:.2f}; worse ratio {worst:.3f})")  # fmt: skip
    best = max(tried, key=lambda t: t["worst_ratio"])
    return best["decoding"], tried


def _test(model: DefinitionModel, decoding: dict[str, Any], test_limit: int) -> dict[str, Any]:
    """Scores of every system on the test words, and the paired bootstrap of the model against each baseline."""
    out = decode_split(model, "test", limit=test_limit, **decoding)
    hyps = {key: out.systems[key][1] for key in SYSTEMS}
    scores: dict[str, dict[str, float]] = {key: {} for key in SYSTEMS}
    tests: dict[str, dict[str, Any]] = {}
    for name in text_metric_names():
        metric = evalkit.get_metric(name)
        rows = {key: metric.stats(hyps[key], out.references) for key in SYSTEMS}
        for baseline in SYSTEMS[1:]:
            t = paired_bootstrap(metric, rows[baseline], rows["model"], n_resamples=1000)
            scores["model"][name], scores[baseline][name] = t.score, t.baseline_score
            tests[f"{name} vs {baseline}"] = t.to_dict()
    return {"words": len(out.words), "perplexity": out.perplexity, "scores": scores, "paired_bootstrap": tests}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--minutes", type=float, default=2.0, help="training time per seed")
    ap.add_argument(
        "--limit", type=int, default=20_000, help="training words (0: all); validation and test get a tenth"
    )
    ap.add_argument("--val-limit", type=int, default=200, help="validation words decoded per candidate (0: all)")
    ap.add_argument("--test-limit", type=int, default=0, help="test words scored (0: all of the split)")
    ap.add_argument("--eval-words", type=int, default=100, help="validation words decoded in each epoch's log")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default="runs/evidence", help="one run directory per seed, kept")
    ap.add_argument("--json", dest="json_path", help="write every number here")
    args = ap.parse_args()

    start = time.perf_counter()
    per_seed = []
    for seed in args.seeds:
        cfg = TrainConfig(seed=seed, emb_dim=128, hidden_dim=256, max_vocab=2_000, batch_size=64, lr=4e-3,
                          dropout=0.1, epochs=100, max_minutes=args.minutes, limit=args.limit,
                          eval_words=args.eval_words, device=args.device, threads=args.threads)  # fmt: skip
        run = Path(args.out) / f"seed{seed}"
        print(f"seed {seed}: training in {run}")
        record = train(cfg, run, log=lambda line: print("  " + line[:160]))
        model = DefinitionModel.load(run / "checkpoint.pt", device=args.device)
        decoding, tried = _choose(model, args.val_limit, print)
        print(f"  chosen on validation: {decoding}")
        result = _test(model, decoding, args.test_limit)
        per_seed.append({"seed": seed, "epochs": record.get("epoch"), "best_epoch": record.get("best_epoch"),
                         "decoding": decoding, "validation": tried, **result})  # fmt: skip
        for key in SYSTEMS:
            print(f"  test {key}: " + " ".join(f"{k}={100 * v:.2f}" for k, v in result["scores"][key].items()))

    metrics = text_metric_names()
    print(f"\n{len(per_seed)} seeds, {per_seed[0]['words']} test words each (x100; mean ± sample std [min, max]):")
    print(" | ".join(["system", *metrics]))
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for key in SYSTEMS:
        cells = []
        for m in metrics:
            values = [100 * r["scores"][key][m] for r in per_seed]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            summary.setdefault(key, {})[m] = {"mean": statistics.fmean(values), "std": sd,
                                              "min": min(values), "max": max(values)}  # fmt: skip
            cells.append(f"{statistics.fmean(values):.2f} ± {sd:.2f} [{min(values):.2f}, {max(values):.2f}]")
        print(" | ".join([key, *cells]))
    print("\npaired bootstrap per seed (model - baseline, x100; p-value; model's 95% interval):")
    for r in per_seed:
        for name, t in r["paired_bootstrap"].items():
            print(f"  seed {r['seed']} {name}: {100 * t['difference']:+.2f} p={t['p_value']:.4f} "
                  f"[{100 * t['ci'][0]:.2f}, {100 * t['ci'][1]:.2f}]")  # fmt: skip
    seconds = time.perf_counter() - start
    print(f"\n{seconds / 60:.1f} minutes; {platform.processor() or platform.machine()}, evalkit {evalkit.__version__}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(
            {"args": vars(args), "seconds": seconds, "per_seed": per_seed, "summary_x100": summary}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
