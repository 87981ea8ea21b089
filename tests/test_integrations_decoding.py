"""Framework-free decoding of what trainers hand over, and the rule that importing evalkit imports no framework."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from evalkit.integrations.decoding import causal_shift, clean_ids, decode, first, replace_ignored, to_ids


def test_import_evalkit_imports_no_framework():
    code = (
        "import evalkit, evalkit.integrations, evalkit.integrations.decoding, evalkit.integrations.hf, "
        "evalkit.integrations.lightning, evalkit.integrations.keras, evalkit.integrations.ignite, sys; "
        "print([m for m in ('torch','keras','ignite','transformers','lightning','torchmetrics') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr


def test_tuple_logits_and_minus_100():
    logits = np.array([[[0.1, 0.9, 0.0], [0.7, 0.2, 0.1], [0.0, 0.0, 1.0]]])
    assert first((logits, "past_key_values")) is logits
    assert first({"logits": logits, "loss": 1.0}) is logits
    assert to_ids((logits,)).tolist() == [[1, 0, 2]]
    ids = np.array([[4, 5, -100], [6, -100, -100]])
    assert replace_ignored(ids, pad_id=0).tolist() == [[4, 5, 0], [6, 0, 0]]
    assert ids.tolist() == [[4, 5, -100], [6, -100, -100]]  # not changed in place
    assert clean_ids(np.array([[4, 2, 5, 0], [0, 6, 7, 2]]), pad_id=0, eos_id=2) == [[4], [6, 7]]
    p, y = causal_shift(np.array([[1, 2, 3]]), np.array([[9, 1, 2]]))
    assert (p.tolist(), y.tolist()) == ([[1, 2]], [[1, 2]])


def test_decode_with_a_function_or_a_tokenizer_and_tensors_on_their_device():
    class Tokenizer:  # what decode reads of a HF tokenizer: batch_decode(ids, skip_special_tokens=...)
        def batch_decode(self, rows, skip_special_tokens=False):
            assert skip_special_tokens and all(t >= 0 for row in rows for t in row)  # no -100 reaches it
            return [" ".join(f"w{t}" for t in row) + " " for row in rows]

    ids = np.array([[3, 4, -100], [5, -100, -100]])
    assert decode(ids, Tokenizer()) == ["w3 w4", "w5"]
    assert decode(ids, lambda rows: [str(r) for r in rows]) == ["[3, 4]", "[5]"]
    torch = pytest.importorskip("torch")
    logits = torch.zeros(1, 2, 4)
    logits[0, 0, 3] = logits[0, 1, 1] = 1.0
    assert to_ids(logits).device == logits.device and to_ids(logits).tolist() == [[3, 1]]
    assert decode(logits, lambda rows: [str(r) for r in rows]) == ["[3, 1]"]


def test_the_self_contained_snippets_of_the_integrations_page_run():
    import re
    from pathlib import Path

    pytest.importorskip("torchmetrics")
    pytest.importorskip("ignite")
    text = (Path(__file__).resolve().parent.parent / "docs" / "integrations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    ran = 0
    for block in blocks:
        if "Trainer(" in block or "model." in block:  # need a model: examples/hf_trainer_eval.py, keras_fit.py
            continue
        namespace: dict = {}
        exec(block, namespace)
        ran += 1
    assert ran == 3
