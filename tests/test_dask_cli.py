"""Dask from the API and the CLI: 2 worker processes on real text equal one process, output byte for byte.

One local cluster of 2 worker processes serves the module (the CLI reaches it with ``--scheduler``); the
commands of docs/distributed.md run here too, one of them with ``--workers 2`` (the CLI's own cluster). Expected scores come from one process (the same chunks
added in the same order, so totals equal exactly, float sums included), and from sacrebleu and
scikit-learn run here.
"""

from __future__ import annotations

import json
import logging
import re
import shlex
import sys
from operator import itemgetter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from evalkit import BLEU
from evalkit.cli import cli
from evalkit.cli.dask_engine import line_starts
from evalkit.cli.io import CHUNK_LINES, LineSource
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.stats.dist import update_from_dask

db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parent.parent
ENGINE_OPTIONS = ("--engine", "--workers", "--scheduler")  # each takes a value
N = 100_000  # real pairs: ten partitions of the CLI's 10,000-line chunks


@pytest.fixture(scope="module")
def cluster():
    import dask

    # as the CLI's own cluster: glibc's trim threshold, not Dask's 64 kB (2-4x slower numpy counting)
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        ) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def pairs() -> tuple[list[str], list[list[str]]]:
    return perturbed_pairs(N, seed=14, max_refs=2)  # one or two references per segment: nrefs:var


def _run(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, ["score", "-q", *args], catch_exceptions=False)
    return done.exit_code, done.stdout, done.stderr


@pytest.fixture(scope="module")
def corpus(pairs, tmp_path_factory) -> Path:
    """The pairs as JSON Lines: {"hypothesis": ..., "reference": [...]} per line."""
    path = tmp_path_factory.mktemp("dask") / "pairs.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for h, r in zip(*pairs):
            f.write(json.dumps({"hypothesis": h, "reference": r}) + "\n")
    return path


def test_two_worker_processes_equal_one_process_through_the_api_and_the_cli(cluster, corpus):
    args = ["-m", "bleu", "--format", "jsonl", "-o", "json", str(corpus)]
    local = _run(*args)  # one process, the local CLI: the expected statistics and output
    assert local[0] == 0, local[2]
    assert _run(*args, "--scheduler", cluster.scheduler_address) == local
    (expected,) = json.loads(local[1])["results"]
    with distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        # the workers read the file in blocks of whole lines; the items are (hypothesis, references)
        items = db.read_text(str(corpus), blocksize=1 << 21).map(json.loads).map(itemgetter("hypothesis", "reference"))
        assert items.npartitions > 2
        result = update_from_dask(BLEU(), items).compute()
    assert json.loads(json.dumps(result.to_dict())) == {k: expected[k] for k in result.to_dict()}
    assert expected["components"]["hyp_len"] > 10**6 and str(result.signature).startswith("nrefs:var|")
    assert json.loads(local[1])["segments"] == N


def test_cli_text_files_equal_the_local_run_and_sacrebleu(cluster, pairs, tmp_path):
    sacrebleu = pytest.importorskip("sacrebleu")
    # 15,000 segments without a final newline: two partitions, the last one short
    hyps = pairs[0][:15_000]
    files = {"hyp": hyps, "ref": [r[0] for r in pairs[1][:15_000]]}
    for name, lines in files.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
    args = ["-m", "bleu", "-r", str(tmp_path / "ref.txt"), str(tmp_path / "hyp.txt")]
    local = _run(*args)  # the human table
    assert local[0] == 0, local[2]
    assert _run(*args, "--scheduler", cluster.scheduler_address) == local
    expected = sacrebleu.corpus_bleu(hyps, [files["ref"]]).score
    assert local[1].splitlines()[1].split()[:2] == ["BLEU", f"{expected:.2f}"]


def _doc_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "distributed.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```console\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    return [shlex.split(line[2:]) for block in blocks for line in block.splitlines() if line.startswith("$ evalkit")]


@pytest.mark.parametrize("command", _doc_commands(), ids=" ".join)
def test_the_commands_of_docs_distributed_give_the_local_output(cluster, command):
    # `--workers 2` starts the command's own local cluster; $DASK_SCHEDULER is the module's running one
    args = [cluster.scheduler_address if a == "$DASK_SCHEDULER" else a for a in command[2:]]
    dask = _run(*args)
    assert dask[0] == 0, dask[2]
    local = [a for i, a in enumerate(args) if a not in ENGINE_OPTIONS and args[i - 1] not in ENGINE_OPTIONS]
    assert dask == _run(*local)


def test_cli_labels_and_tsv_through_a_running_scheduler(cluster, tmp_path):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(14)
    n = 2 * CHUNK_LINES + 345
    # regression: float sums, whose value depends on the order of the additions
    y = 1e6 + rng.normal(size=n)
    (tmp_path / "y.txt").write_text("".join(f"{v!r}\n" for v in y.tolist()))
    (tmp_path / "p.txt").write_text("".join(f"{v!r}\n" for v in (y + rng.normal(scale=0.5, size=n)).tolist()))
    reg = ["-m", "mse", "-m", "r2", "-m", "max_error", "--true", str(tmp_path / "y.txt"), str(tmp_path / "p.txt")]
    # classification: string labels, a frame that grows partition by partition
    labels = np.array(["cat", "dog", "bird", "fish"])
    t, p = labels[rng.integers(0, 3, n)], labels[rng.integers(0, 4, n)]
    (tmp_path / "t.txt").write_text("\n".join(t) + "\n")
    (tmp_path / "q.txt").write_text("\n".join(p) + "\n")
    cls = ["-m", "f1", "-m", "accuracy", "-m", "mcc", "--true", str(tmp_path / "t.txt"), str(tmp_path / "q.txt")]
    # TSV: the header line is read again by each partition after the first
    hyps, refs = perturbed_pairs(n - 1, seed=5, max_refs=1)
    rows = ["hypothesis\treference"] + [f"{h}\t{r[0]}" for h, r in zip(hyps, refs)]
    (tmp_path / "pairs.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    tsv = ["-m", "bleu", "--format", "tsv", str(tmp_path / "pairs.tsv")]
    for args in (reg, cls, tsv):
        local = _run(*args, "-o", "json")
        assert local[0] == 0, local[2]
        assert _run(*args, "-o", "json", "--scheduler", cluster.scheduler_address) == local
    results = json.loads(local[1])["results"]
    assert results[0]["score"] == pytest.approx(BLEU()(hyps, refs).score, abs=1e-15)
    mcc = json.loads(_run(*cls, "-o", "json")[1])["results"][2]["score"]
    assert mcc == pytest.approx(sklearn_metrics.matthews_corrcoef(t, p), abs=1e-12)


def test_data_errors_in_a_partition_read_as_in_the_local_run(cluster, tmp_path):
    n = 2 * CHUNK_LINES + 10
    (tmp_path / "hyp.txt").write_text("".join(f"a b c {i}\n" for i in range(n)))
    bad = b"".join(f"a b {i}\n".encode() for i in range(n)).replace(b"a b 15000\n", b"a b \xff15000\n")
    (tmp_path / "ref.txt").write_bytes(bad)
    (tmp_path / "short.txt").write_text("".join(f"a b {i}\n" for i in range(n - 1)))
    for ref, message in (
        ("ref.txt", "ref.txt: invalid UTF-8 at line 15001, byte 5 of the line"),
        ("short.txt", "has 20009 lines"),
    ):
        args = ["-m", "bleu", "-r", str(tmp_path / ref), str(tmp_path / "hyp.txt")]
        local = _run(*args)
        assert local[0] == 1 and message in local[2]
        assert _run(*args, "--scheduler", cluster.scheduler_address) == local


def test_line_starts_count_lines_as_the_reader_does(tmp_path):
    for text in ("", "x", "x\n", "a\r\nb", "\n\n", "".join(f"{i}\n" for i in range(2 * CHUNK_LINES)), "z\n" * 10_001):
        path = tmp_path / "f.txt"
        path.write_bytes(text.encode())
        starts, n_lines, size = line_starts(str(path))
        source = LineSource(str(path))
        assert n_lines == source.count_rest(source.chunks()) and size == len(text)
        lines = text.split("\n")
        offsets = np.cumsum([0] + [len(s) + 1 for s in lines])[: len(lines)]
        assert starts == [int(o) for o in offsets[::CHUNK_LINES] if o < size]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "2"], "--workers 2 sets the processes of a Dask cluster: add --engine dask."),
        (["--engine", "local", "--scheduler", "tcp://h:1"], "drop --engine local"),
        (["--workers", "2", "--scheduler", "tcp://h:1"], "give one"),
        (["--engine", "dask", "--ci"], "--ci resamples"),
        (["--engine", "dask", "--sentence-level"], "--sentence-level writes"),
    ],
)
def test_usage_errors(extra, message):
    code, _, err = _run("--example", "-m", "bleu", *extra)
    assert code == 2 and message in err


def test_standard_input_is_refused(tmp_path):
    (tmp_path / "r.txt").write_text("a\n")
    code, _, err = _run("-m", "bleu", "-r", str(tmp_path / "r.txt"), "--engine", "dask", "-")
    assert code == 2 and "not standard input" in err


def test_missing_distributed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    code, _, err = _run("--example", "-m", "bleu", "--engine", "dask")
    assert code == 1 and "pip install 'evalkit[dask]'" in err and "'distributed'" in err
