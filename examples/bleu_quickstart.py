"""BLEU in five uses: one call, the sacrebleu and nltk conventions, a training loop, sentence scores, statistics.

Run from the repository root:  python examples/bleu_quickstart.py
"""

from evalkit import BLEU, bleu, bleu_from_stats, sentence_bleu

hypotheses = [
    "The cat sat on the mat.",
    "It is raining today in Paris",
    "A quick brown dog",
]
references = [
    ["The cat is sitting on the mat.", "A cat sat on the mat."],  # references[i]: a str or a list of str
    "It rains in Paris today.",
    ["The quick brown fox jumps.", "A fast brown fox"],
]

# 1. Corpus BLEU, sacrebleu's defaults (13a tokenizer, exp smoothing). Scores are fractions.
result = bleu(hypotheses, references)
print(result)  # BLEU = 50.33 (precisions=0.8235/... bp=1.0000 ...) | nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|...
print(f"score {result.score:.4f}, brevity penalty {result.components['bp']:.4f}")

# 2. nltk's corpus_bleu on token lists: method0 smoothing and nltk's count for short hypotheses.
tokens = [h.split() for h in hypotheses]
token_refs = [[r.split() for r in ([refs] if isinstance(refs, str) else refs)] for refs in references]
print(bleu(tokens, token_refs, tokenize="none", smooth="method1", convention="nltk"))

# 3. A training loop: update per batch, compute at the end; workers merge exactly.
metric = BLEU()
for start in range(0, len(hypotheses), 2):
    metric.update(hypotheses[start : start + 2], references[start : start + 2])
assert metric.compute().score == result.score

# 4. Sentence-level BLEU of every segment at once (sacrebleu.sentence_bleu's defaults: effective order).
print(sentence_bleu(hypotheses, references).round(4))

# 5. The statistics themselves: rows of [hyp_len, ref_len, correct_1..4, total_1..4]; sum any subset.
rows = BLEU().stats(hypotheses, references)
print(rows)
print(f"first two segments: {bleu_from_stats(rows[:2]).score:.4f}")
bleu2, bleu4 = (bleu_from_stats(rows, weights=w) for w in [(0.5, 0.5), (0.25,) * 4])  # one Result per vector
print(f"BLEU-2 {bleu2.score:.4f}, BLEU-4 {bleu4.score:.4f}")
