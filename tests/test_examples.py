"""The examples run as shown in their docstrings (the training example is covered by the generator's
--dry-run test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    "script", ["bleu_quickstart.py", "rouge_summaries.py", "meteor_paraphrases.py", "classification_report.py"]
)
def test_example_runs(script):
    done = subprocess.run([sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
