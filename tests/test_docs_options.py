"""The metric pages in docs/metrics/ name every option each metric declares (in code), so the pages cannot
fall behind the declarations (options are written once, in code; the pages explain them at length)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evalkit
from evalkit.core import metric_class

DOCS = Path(__file__).resolve().parent.parent / "docs" / "metrics"

# the page of each family, by the module that defines the metric
PAGES = {
    "evalkit.text.bertscore": "bertscore.md",
    "evalkit.text.bleu": "bleu.md",
    "evalkit.text.token_bleu": "token_bleu.md",
    "evalkit.text.chrf": "chrf.md",
    "evalkit.text.ter": "ter.md",
    "evalkit.text.wer": "wer.md",
    "evalkit.text.rouge": "rouge.md",
    "evalkit.text.meteor": "meteor.md",
    "evalkit.text.gleu": "gleu.md",
    "evalkit.text.nist": "nist.md",
    "evalkit.text.ribes": "ribes.md",
    "evalkit.text.eed": "eed.md",
    "evalkit.text.cider": "cider.md",
    "evalkit.text.perplexity": "log_loss.md",
    "evalkit.text.logits": "logits.md",
    "evalkit.text.squad": "squad.md",
    "evalkit.text.ner": "ner.md",
    "evalkit.classification.log_loss": "log_loss.md",
    "evalkit.regression.correlation": "correlation.md",
    "evalkit.classification.scores": "scores.md",
    "evalkit.classification.calibration": "calibration.md",
}


def _page(cls) -> Path:
    module = cls.__module__
    family = module.split(".")[1]
    return DOCS / PAGES.get(module, f"{family}.md")


@pytest.mark.parametrize("name", evalkit.available_metrics())
def test_the_metric_page_names_every_declared_option(name):
    cls = metric_class(name)
    page = _page(cls)
    assert page.is_file(), f"{name}: no page {page.name} in docs/metrics"
    text = page.read_text(encoding="utf-8")
    spans = re.findall(r"`[^`\n]+`", text)  # code spans: `tokenize="13a"`, `f1_score(..., average="macro")`
    missing = [o for o in cls.options_type.specs() if not any(re.search(rf"\b{o}\b", span) for span in spans)]
    assert not missing, f"{name}: docs/metrics/{page.name} does not mention {missing}"
