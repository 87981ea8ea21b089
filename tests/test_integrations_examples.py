"""The framework examples run and print the numbers they promise (each in its own process, as a user runs it)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(script: str) -> str:
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_lightning_example_logs_the_corpus_scores():
    pytest.importorskip("lightning")
    out = _run("lightning_bleu.py")
    for name in ("bleu", "chrf"):
        logged, direct = re.search(rf"val_{name} (\S+) \(evalkit.{name} over all pairs: (\S+)\)", out).groups()
        assert logged == direct


@pytest.mark.slow
def test_keras_example_fits_and_logs_bleu():
    if importlib.util.find_spec("keras") is None:  # not imported here: its backend is the example's to set
        pytest.skip("keras is not installed")
    out = _run("keras_fit.py")
    assert len(re.findall(r"epoch \d: token_accuracy [01]\.\d{4}  val_bleu [01]\.\d{4}", out)) == 3


@pytest.mark.slow
def test_trainer_example_gives_the_same_numbers_in_both_modes():
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")  # the Trainer's own requirement
    lines = [line.split(": ", 1)[1] for line in _run("hf_trainer_eval.py").splitlines() if "batch_eval_metrics" in line]
    assert len(lines) == 2 and lines[0] == lines[1] and "eval_logit_perplexity" in lines[0]
