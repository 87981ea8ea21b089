"""Writes tests/data/cider_pycocoevalcap.json: pycocoevalcap 1.2's ``Cider`` (its ``cider/`` code only) on
real glosses, computed once, because the pycocoevalcap wheel (104 MB: it bundles Java tools) is no
dev dependency. The commands that made the file (the last one from the repository root; nothing is installed):

    pip download pycocoevalcap==1.2 --no-deps -d /tmp/pcc
    cd /tmp/pcc && mkdir -p x && cd x && unzip -o -q ../pycocoevalcap-1.2-py3-none-any.whl 'pycocoevalcap/cider/*'
    PYTHONPATH=/tmp/pcc/x python tests/data/make_cider.py

The inputs are stored with the scores, so the test does not depend on how the glosses are perturbed.
"""

from __future__ import annotations

import json
from pathlib import Path

from evalkit.lexicon.corpora import perturbed_pairs


def _case(n_segments: int, seed: int, **options) -> dict:
    from pycocoevalcap.cider.cider import Cider  # only where its code is on PYTHONPATH (see above)

    hyps, refs = perturbed_pairs(n_segments, seed=seed, max_refs=5)
    hyps[3], refs[4] = "", [refs[4][0], ""]  # an empty hypothesis and an empty reference
    hyps[5] = refs[5][0]  # a hypothesis equal to its reference
    gts = {i: r for i, r in enumerate(refs)}
    res = {i: [h] for i, h in enumerate(hyps)}
    score, scores = Cider(**options).compute_score(gts, res)
    return {"options": options, "hypotheses": hyps, "references": refs, "score": float(score),
            "scores": [float(s) for s in scores]}  # fmt: skip


def main() -> None:
    # pycocoevalcap counts 4-grams whatever its n (cook_refs and cook_test take no n): only n=4 runs
    cases = [_case(300, 11), _case(120, 12, sigma=3.0)]
    out = Path(__file__).with_name("cider_pycocoevalcap.json")
    out.write_text(json.dumps({"source": "pycocoevalcap 1.2, pycocoevalcap.cider.cider.Cider", "cases": cases}))


if __name__ == "__main__":
    main()
