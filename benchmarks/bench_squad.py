"""SQuAD v2.0 throughput: ``evalkit.squad`` against the official v2.0 evaluation script's logic, in one process.

The script's logic is written out below as the script computes it (``normalize_answer``, ``compute_exact``,
``compute_f1`` per gold answer, ``apply_no_ans_threshold``, ``make_eval_dict``, ``find_best_thresh``), over
questions built from real glosses (WordNet): gold spans of 1-4 words (a second answer for 40%), predictions
that are exact, re-cased with an article and punctuation, overlapping, unrelated or empty, a third of the
questions without answers, and a no-answer probability per question. It asserts that every number agrees
(distinct probabilities: the script's tie order does not arise) and prints seconds (wall and CPU time, the
best of ``--repeat`` runs) and the ratio, at each size of ``--questions`` (SQuAD 2.0's dev set: 11,873).

    python benchmarks/bench_squad.py                      # 12,000 and 120,000 questions
    python benchmarks/bench_squad.py --questions 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import string

import numpy as np
from _timing import timed

import evalkit
from evalkit.lexicon.corpora import perturbed_pairs


def _normalize(s):
    def remove_articles(text):
        return re.sub(re.compile(r"\b(a|an|the)\b", re.UNICODE), " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def _tokens(s):
    return _normalize(s).split() if s else []


def _f1(gold, pred):
    g, p = _tokens(gold), _tokens(pred)
    common = collections.Counter(g) & collections.Counter(p)
    same = sum(common.values())
    if len(g) == 0 or len(p) == 0:
        return int(g == p)
    if same == 0:
        return 0
    precision, recall = 1.0 * same / len(p), 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


def official(dataset, preds, na_probs, thresh=1.0):
    """The v2.0 script's main() (percentages as the script prints them)."""
    has_ans = {}
    for article in dataset:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                has_ans[qa["id"]] = bool(qa["answers"])
    exact_raw, f1_raw = {}, {}
    for article in dataset:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                qid = qa["id"]
                golds = [a["text"] for a in qa["answers"] if _normalize(a["text"])] or [""]
                exact_raw[qid] = max(int(_normalize(a) == _normalize(preds[qid])) for a in golds)
                f1_raw[qid] = max(_f1(a, preds[qid]) for a in golds)

    def apply(scores):
        return {k: float(not has_ans[k]) if na_probs[k] > thresh else s for k, s in scores.items()}

    exact_t, f1_t = apply(exact_raw), apply(f1_raw)

    def part(ids):
        return {"exact": 100.0 * sum(exact_t[k] for k in ids) / len(ids),
                "f1": 100.0 * sum(f1_t[k] for k in ids) / len(ids), "total": len(ids)}  # fmt: skip

    out = part(list(exact_t))
    has = [k for k, v in has_ans.items() if v]
    no = [k for k, v in has_ans.items() if not v]
    out.update({f"HasAns_{k}": v for k, v in part(has).items()})
    out.update({f"NoAns_{k}": v for k, v in part(no).items()})
    for name, raw in (("exact", exact_raw), ("f1", f1_raw)):
        cur = best = sum(1 for k in has_ans if not has_ans[k])
        best_thresh = 0.0
        for qid in sorted(na_probs, key=lambda k: na_probs[k]):
            diff = raw[qid] if has_ans[qid] else (-1 if preds[qid] else 0)
            cur += diff
            if cur > best:
                best, best_thresh = cur, na_probs[qid]
        out[f"best_{name}"], out[f"best_{name}_thresh"] = 100.0 * best / len(raw), best_thresh
    return out


def questions(n, seed):
    rng = random.Random(seed)
    hyps, refs = perturbed_pairs(n, seed=seed, max_refs=1)
    preds, golds = [], []
    for hyp, (ref,) in zip(hyps, refs):
        words = ref.split()
        i = rng.randrange(len(words))
        answers = [" ".join(words[i : i + rng.randint(1, 4)])]
        if rng.random() < 0.4:
            answers.append(" ".join(words[max(0, i - 1) : i + rng.randint(1, 3)]))
        kind = rng.random()
        if kind < 0.3:
            pred = answers[0]
        elif kind < 0.45:
            pred = "The " + answers[0].upper() + "."
        elif kind < 0.65:
            pred = " ".join(hyp.split()[i : i + rng.randint(1, 5)])
        elif kind < 0.75:
            pred = ""
        else:
            pred = " ".join(words[max(0, i - 2) : i + 2])
        preds.append(pred)
        golds.append([] if rng.random() < 0.33 else answers)
    return preds, golds


def run(n: int, seed: int, repeat: int) -> None:
    preds, golds = questions(n, seed)
    probs = np.random.default_rng(seed).random(n).tolist()
    ids = [f"q{i}" for i in range(n)]
    dataset = [{"paragraphs": [{"qas": [{"id": q, "answers": [{"text": a} for a in g]} for q, g in zip(ids, golds)]}]}]
    pred_map, na = dict(zip(ids, preds)), dict(zip(ids, probs))
    theirs, tw, tc = timed(lambda: official(dataset, pred_map, na), repeat)
    ours, ow, oc = timed(lambda: evalkit.squad(pred_map, dataset, na_prob=na), repeat)
    plain, pw, pc = timed(lambda: evalkit.squad(preds, golds, na_prob=probs), repeat)
    for key, value in theirs.items():
        scale = 1 if key.endswith(("total", "thresh")) else 100
        assert abs(ours.components[key] * scale - value) < 1e-9, (key, ours.components[key], value)
    assert plain.components == ours.components
    print(f"{n:,} questions (HasAns {theirs['HasAns_total']:,}, NoAns {theirs['NoAns_total']:,})")
    print(f"  official script's logic  {tw:7.3f} s (cpu {tc:6.3f})")
    print(f"  evalkit, official layout {ow:7.3f} s (cpu {oc:6.3f})   x{tw / ow:5.1f} wall, x{tc / oc:5.1f} cpu")
    print(f"  evalkit, plain lists     {pw:7.3f} s (cpu {pc:6.3f})   x{tw / pw:5.1f} wall, x{tc / pc:5.1f} cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, nargs="+", default=[12_000, 120_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for n in args.questions:
        run(n, args.seed, args.repeat)


if __name__ == "__main__":
    main()
