"""Shared fixtures: real text from WordNet 3.0, and nltk's WordNet laid out from the bundled copy (or from
$EVALKIT_WORDNET where it names a WordNet 3.0 directory; see evalkit.lexicon.corpora)."""

from __future__ import annotations

import importlib.util
import os

import pytest

from evalkit.lexicon.corpora import nltk_wordnet_corpus, perturbed_pairs


def pytest_configure(config: pytest.Config) -> None:
    # In CI every optional reference must be present: a missing one is a broken install, not a skip.
    if os.environ.get("CI"):
        required = ("torch", "sacrebleu", "nltk", "sklearn", "rouge_score", "jiwer", "rapidfuzz")
        required += ("evalkit.text._kernels",)  # built by the install, where a C compiler is found
        required += ("dask", "distributed", "matplotlib", "selenium", "mkdocs")
        missing = [m for m in required if not importlib.util.find_spec(m)]
        if missing:
            raise pytest.UsageError(f"CI run without {missing}: install them before the tests")


@pytest.fixture(scope="session")
def real_pairs() -> tuple[list[str], list[list[str]]]:
    """20,000 (hypothesis, references) pairs from real glosses, 1 to 4 references each, seeded."""
    return perturbed_pairs(20_000, seed=1234, max_refs=4)


@pytest.fixture(scope="session")
def nltk_wordnet(tmp_path_factory: pytest.TempPathFactory):
    """nltk's ``wordnet`` corpus reader over the bundled WordNet 3.0, laid out in a temporary folder (no download)."""
    nltk = pytest.importorskip("nltk")
    root = nltk_wordnet_corpus(tmp_path_factory.mktemp("nltk_data"))
    nltk.data.path.insert(0, str(root))
    from nltk.corpus import wordnet

    wordnet.ensure_loaded()
    return wordnet
