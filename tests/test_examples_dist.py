"""The training-loop and distributed examples run as they are, print equal scores, and hold the code of
docs/training-loops.md and docs/distributed.md (each Python block there is an excerpt of one of them; the
docs' ``evalkit`` commands run in tests/test_dask_cli.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {name: ROOT / "examples" / name for name in ("training_loop.py", "ddp_eval.py", "dask_corpus.py")}
DOCS = [ROOT / "docs" / "training-loops.md", ROOT / "docs" / "distributed.md"]


def _run(name: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES[name])], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _example_corpus() -> tuple[list[str], list[list[str]]]:
    folder = resources.files("evalkit") / "data" / "example"
    hyps, *streams = (
        (folder / n).read_text(encoding="utf-8").splitlines() for n in ("hyp.txt", "ref1.txt", "ref2.txt")
    )
    return hyps, streams


def test_training_loop():
    pytest.importorskip("torch")
    out = _run("training_loop.py")
    resumed = re.search(r"macro-F1 uninterrupted (\S+), resumed (\S+)", out)
    assert resumed and resumed[1] == resumed[2]
    assert re.findall(r"^epoch (\d): accuracy 0\.\d+, macro-F1 0\.\d+$", out, flags=re.MULTILINE) == ["0", "1", "2"]
    rewards = [float(x) for x in re.findall(r"mean reward (\S+) on cpu", out)]
    assert len(rewards) == 3 and rewards[-1] > rewards[0]  # the policy learns the target sequence


def test_ddp_eval_synced_equals_one_process_and_sacrebleu():
    pytest.importorskip("torch")
    sacrebleu = pytest.importorskip("sacrebleu")
    out = _run("ddp_eval.py")
    found = dict(re.findall(r"^\s*(.+?): (\d+ segments  BLEU \S+  macro-F1 \S+)$", out, flags=re.MULTILINE))
    assert found["unpadded_sampler"] == found["one process"]
    assert (
        found["DistributedSampler"].startswith("1000 segments") and found["DistributedSampler"] != found["one process"]
    )
    hyps, streams = _example_corpus()
    expected = sacrebleu.corpus_bleu(hyps[:999], [s[:999] for s in streams]).score / 100
    assert float(found["one process"].split()[3]) == pytest.approx(expected, abs=1e-12)


def test_dask_corpus_prints_equal_scores():
    pytest.importorskip("distributed")
    sacrebleu = pytest.importorskip("sacrebleu")
    out = _run("dask_corpus.py")
    scores = {float(m) for m in re.findall(r"BLEU (\S+)", out)}
    assert len(re.findall(r"BLEU (\S+)", out)) == 4 and len(scores) == 1
    hyps, streams = _example_corpus()
    assert scores.pop() == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score / 100, abs=1e-12)


def _stripped(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_python_block_of_the_docs_is_an_excerpt_of_an_example(doc):
    sources = [_stripped(path.read_text(encoding="utf-8")) for path in EXAMPLES.values()]
    blocks = re.findall(r"^```python\n(.*?)^```", doc.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    assert blocks
    for block in blocks:
        lines = _stripped(block)
        assert any(src[i : i + len(lines)] == lines for src in sources for i in range(len(src) - len(lines) + 1)), (
            f"{doc.name}: this block is in no example:\n{block}"
        )
