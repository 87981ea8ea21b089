"""METEOR on paraphrases: what each matching stage adds, with WordNet bundled (no download, no nltk).

Run: python examples/meteor_paraphrases.py
"""

from __future__ import annotations

import evalkit

hypotheses = [
    "the auto was sold to a big shop",
    "she is running to the shops",
    "the automobile was purchased by a big firm",
]
references = [
    ["the car was sold to a big store"],
    ["she runs to the store", "she is going to the shop"],
    ["the car was bought by a large company"],
]

stages = [("exact",), ("exact", "stem"), ("exact", "stem", "synonym")]
print(f"{'segment':<45}" + "".join(f"{'+'.join(s):>22}" for s in stages))
per_stage = [evalkit.sentence_meteor(hypotheses, references, modules=s) for s in stages]
for i, hyp in enumerate(hypotheses):
    print(f"{hyp:<45}" + "".join(f"{scores[i]:>22.4f}" for scores in per_stage))

# the corpus score is the mean of the segment scores; its components are summed over segments
print()
print(evalkit.meteor(hypotheses, references))

# nltk's quirk, kept for compatibility: the synonym stage sees Porter stems on both sides, so only words
# that are their own stems meet their synonyms: "auto"/"car" do; "automobile" (stem "automobil") and
# "purchased" (stem "purchas") never meet "car" and "bought".
print()
for hyp, ref in [("auto", "car"), ("automobile", "car"), ("purchased", "bought")]:
    print(f"{hyp}/{ref}:", evalkit.sentence_meteor([hyp], [ref])[0])

# any synonym source: here a small domain thesaurus, without the stem stage so it sees words, not stems
thesaurus = {"automobile": {"car"}, "purchased": {"bought"}, "big": {"large"}, "firm": {"company"}}
custom = evalkit.METEOR(modules=("exact", "synonym"), wordnet=lambda word: thesaurus.get(word, ()))
print()
print(custom(hypotheses[2:], references[2:]))
