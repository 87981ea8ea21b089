"""Score summaries with ROUGE: variants, multi-reference rules, any script, streaming, a bootstrap CI.

Summaries are three WordNet glosses, one per line (rougeLsum reads sentences from lines); the system's
summary is a perturbed copy, and each has 1-4 references.

    PYTHONPATH=. python examples/rouge_summaries.py
"""

from __future__ import annotations

from evalkit import ROUGE, rouge
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.stats.significance import bootstrap_ci


def summaries(n_docs: int, k: int = 3) -> tuple[list[str], list[list[str]]]:
    hyps, refs = perturbed_pairs(n_docs * k, seed=7, max_refs=4)
    docs_h, docs_r = [], []
    for d in range(n_docs):
        part = range(d * k, (d + 1) * k)
        docs_h.append("\n".join(hyps[i] for i in part))
        n_refs = min(len(refs[i]) for i in part)
        docs_r.append(["\n".join(refs[i][j] for i in part) for j in range(n_refs)])
    return docs_h, docs_r


def main() -> None:
    hyps, refs = summaries(500)

    # rouge-score's anchors, exact to RougeScorer(...).score_multi
    print(rouge(hyps, refs, variants=("rouge1", "rouge2", "rougeL", "rougeLsum")))

    # ROUGE-1.5.5's variants and its multi-reference rules, with Porter stemming
    for rule in ("max_f", "pooled", "best_recall", "mean"):
        r = rouge(hyps, refs, variants=("rougeW", "rougeSU4"), multi_ref=rule, use_stemmer=True)
        print(f"{rule:>11}: " + ", ".join(f"{v} F = {100 * r.components[v].fmeasure:.2f}" for v in r.variants))

    # identical texts in any script: 1.0 with the unicode tokenizer (rouge-score's tokenizer keeps only a-z0-9)
    text = ["Съешь же ещё этих мягких французских булок", "我们今天去公园散步"]
    print(rouge(text, text, tokenize="unicode", variants="rougeL"))

    # streaming: statistics only, merged across workers
    a, b = ROUGE(variants="rougeLsum"), ROUGE(variants="rougeLsum")
    for start in range(0, 250, 50):
        a.update(hyps[start : start + 50], refs[start : start + 50])
    b.update(hyps[250:], refs[250:])
    print("merged:", a.merge(b).compute())

    # a seeded bootstrap confidence interval of rougeLsum's F over documents
    metric = ROUGE(variants="rougeLsum")
    ci = bootstrap_ci(metric, metric.stats(hyps, refs), n_resamples=1000, seed=1)
    print(f"rougeLsum F = {100 * float(ci.result):.2f}, 95% CI [{100 * ci.low:.2f}, {100 * ci.high:.2f}]")


if __name__ == "__main__":
    main()
