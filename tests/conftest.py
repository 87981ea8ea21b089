"""Shared fixtures: real text from WordNet 3.0, and nltk's WordNet laid out from the bundled copy (or from
$EVALKIT_WORDNET where it names a WordNet 3.0 directory; see evalkit.lexicon.corpora)."""

from __future__ import annotations

import importlib.util
import os

import pytest
from hypothesis import settings

from evalkit.lexicon.corpora import nltk_wordnet_corpus, perturbed_pairs


def pytest_configure(config: pytest.Config) -> None:
    # In CI every optional reference must be present: a missing one is a broken install, not a skip.
    # CI draws hypothesis's examples from a fixed seed, so that a run is repeatable; a run elsewhere draws
    # new ones (that is how the option fuzz test finds what CI then checks for good)
    if os.environ.get("CI"):
        settings.register_profile("ci", derandomize=True)
        settings.load_profile("ci")
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


# metrics computed by a model, and the environment variable that names their default folder
MODEL_METRICS = {"bertscore": "EVALKIT_BERTSCORE_MODEL"}


@pytest.fixture(autouse=True)
def _a_tiny_model_for_the_registry_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests run over every registered metric build each with its defaults; a metric computed by a
    model has no default model, so those tests (parametrized by the metric's name) get a tiny random one,
    made once per session, through the environment variable that names its default folder."""
    callspec = getattr(request.node, "callspec", None)
    names = [v for v in (callspec.params.values() if callspec else ()) if isinstance(v, str) and v in MODEL_METRICS]
    if names:
        pytest.importorskip("transformers")
        from evalkit.models.tiny import tiny_model

        # float64 weights: a sentence's embedding does not depend on the batch it falls in (float32's would
        # by about 1e-7), so the registry's 1e-12 invariances hold
        monkeypatch.setenv(MODEL_METRICS[names[0]], str(tiny_model(dtype="float64")))
