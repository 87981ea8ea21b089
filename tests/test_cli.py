"""The ``evalkit`` CLI run as a subprocess on real files (WordNet glosses).

The subprocess runs a small script that registers test-only metrics (sacrebleu's BLEU behind evalkit's
Metric interface, a toy accuracy, a toy MAE, a cheap length statistic for streaming) and then calls
``evalkit.cli.main``: the CLI reaches them through the registry exactly as it reaches evalkit's own.
Expected numbers come from the Python API and from sacrebleu, run in this process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evalkit.cli.output import COMPARE_SCHEMA, SCORE_SCHEMA, SENTENCE_SCHEMA
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.stats.significance import bootstrap_ci
from evalkit.text.cider import sentence_cider

sacrebleu = pytest.importorskip("sacrebleu")
jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
N = 400  # segments of the score corpus

TOY_SOURCE = '''
from dataclasses import dataclass

import numpy as np
import sacrebleu
from evalkit.core import Metric, Result, Signature, register
from evalkit.core.options import Options, choice, option


@dataclass(frozen=True)
class ToyBleuOptions(Options):
    tokenize: str = option("13a", choice("13a", "none", "intl", "char"), "sacrebleu's tokenizer", sig="tok")
    smooth_method: str = option("exp", choice("exp", "floor", "add-k", "none"), "sacrebleu's smoothing", sig="smooth")


class ToyBLEU(Metric):
    """sacrebleu's BLEU statistics and formula behind evalkit's Metric interface."""

    name = "toy_bleu"
    options_type = ToyBleuOptions

    def __init__(self, *, tokenize="13a", smooth_method="exp"):
        super().__init__(locals())
        self._bleu = sacrebleu.BLEU(tokenize=self.options.tokenize, smooth_method=self.options.smooth_method)

    def stats(self, hyps, refs):
        streams = [list(s) for s in zip(*refs)]
        return np.array(self._bleu._extract_corpus_statistics(hyps, streams), dtype=np.int64).reshape(len(hyps), -1)

    def score(self, total):
        s = self._bleu._compute_score_from_stats(list(total))
        return Result("BLEU", s.score / 100, {"bp": s.bp, "hyp_len": s.sys_len}, self.signature(), display_scale=100)


class ToyLength(Metric):
    """Hypothesis words over reference words: cheap, for streaming a million lines."""

    name = "toy_length"

    def stats(self, hyps, refs):
        return np.array([[h.count(" ") + 1, r[0].count(" ") + 1] for h, r in zip(hyps, refs)], dtype=np.int64)

    def score(self, total):
        return Result(self.name, total[0] / total[1], {}, self.signature())

    def signature(self):
        return Signature.of(self.name)


class ToyAccuracy(Metric):
    name = "toy_accuracy"
    task = "classification"

    def stats(self, y_true, y_pred):
        t, p = np.asarray(y_true), np.asarray(y_pred)
        return np.stack([(t == p).astype(np.int64), np.ones(len(t), dtype=np.int64)], axis=1)

    def score(self, total):
        return Result(self.name, total[0] / total[1], {"correct": int(total[0])}, self.signature())

    def signature(self):
        return Signature.of(self.name)


class ToyMAE(Metric):
    name = "toy_mae"
    task = "regression"
    higher_is_better = False

    def stats(self, y_true, y_pred):
        t, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
        return np.stack([np.abs(t - p), np.ones(len(t))], axis=1)

    def score(self, total):
        return Result(self.name, total[0] / total[1], {}, self.signature())

    def signature(self):
        return Signature.of(self.name)


if __name__ == "__main__":
    for cls in (ToyBLEU, ToyLength, ToyAccuracy, ToyMAE):
        register(cls)
    from evalkit.cli import main

    main()
'''

# The same classes in this process, unregistered (so that registry-wide tests never see them).
TOY: dict = {"__name__": "toy_metrics"}
exec(compile(TOY_SOURCE, "toy_metrics", "exec", dont_inherit=True), TOY)  # no annotations as strings


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A corpus of real glosses on disk: hypotheses, two references, two more systems, label files."""
    d = tmp_path_factory.mktemp("cli")
    hyps, refs = perturbed_pairs(N, seed=21, max_refs=2)
    ref1 = [r[0] for r in refs]
    ref2 = [r[1] if len(r) > 1 else r[0] for r in refs]
    other, _ = perturbed_pairs(N, seed=21, max_refs=2, rate=0.3)  # same glosses, noisier
    paths = {"hyp": d / "hyp.txt", "ref1": d / "ref1.txt", "ref2": d / "ref2.txt", "noisy": d / "noisy.txt"}
    for key, lines in (("hyp", hyps), ("ref1", ref1), ("ref2", ref2), ("noisy", other)):
        paths[key].write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 3, N)
    y_pred = np.where(rng.random(N) < 0.7, y_true, rng.integers(0, 3, N))
    names = np.array(["cat", "dog", "emu"])
    for key, values in (("y_true", y_true), ("y_pred", y_pred), ("s_true", names[y_true]), ("s_pred", names[y_pred])):
        paths[key] = d / f"{key}.txt"
        paths[key].write_text("".join(f"{v}\n" for v in values))
    paths["r_true"], paths["r_pred"] = d / "r_true.txt", d / "r_pred.txt"
    paths["r_true"].write_text("".join(f"{(v + 1) / 7:.6f}\n" for v in y_true))  # positive: deviances' domain
    paths["r_pred"].write_text("".join(f"{(v + 1) / 5:.6f}\n" for v in y_pred))
    script = d / "evalkit_cli.py"
    script.write_text(TOY_SOURCE)
    return {"dir": d, "script": script, "hyps": hyps, "refs": [[a, b] for a, b in zip(ref1, ref2)], "other": other,
            "labels": (y_true, y_pred, names), **paths}  # fmt: skip


def run(files, *args, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, str(files["script"]), *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=files["dir"],
        env=env,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok:
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    return proc


@pytest.fixture
def inproc(files, monkeypatch):
    """The CLI in this process (click's runner), the toy metrics registered for the test only: for the
    checks beyond the subprocess runs, at a fraction of their cost. Returns what ``run`` returns."""
    from click.testing import CliRunner

    from evalkit.cli import cli
    from evalkit.core import registry

    for cls in (TOY["ToyBLEU"], TOY["ToyLength"], TOY["ToyAccuracy"], TOY["ToyMAE"]):
        monkeypatch.setitem(registry._METRICS, cls.name, cls)
    monkeypatch.chdir(files["dir"])

    def call(*args, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin, prog_name="evalkit")
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if ok:
            assert result.exit_code == 0, result.stderr
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    return call


def toy(name: str, **options):
    return {"toy_bleu": TOY["ToyBLEU"], "toy_length": TOY["ToyLength"], "toy_accuracy": TOY["ToyAccuracy"],
            "toy_mae": TOY["ToyMAE"]}[name](**options)  # fmt: skip


def text_args(files):
    return ["-r", files["ref1"], "-r", files["ref2"], files["hyp"]]


# -- score: formats, numbers, options ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_score_every_format_equals_the_python_api(files, fmt):
    spec = "toy_bleu(tokenize=char,smooth_method=floor)"
    out = run(files, "score", "-m", "toy_bleu", "-m", spec, "-o", fmt, *text_args(files)).stdout
    api = [
        toy("toy_bleu")(files["hyps"], files["refs"]),
        toy("toy_bleu", tokenize="char", smooth_method="floor")(files["hyps"], files["refs"]),
    ]
    # and the toy metric is sacrebleu's BLEU: the API number is sacrebleu's own
    streams = [list(s) for s in zip(*files["refs"])]
    assert api[0].score * 100 == pytest.approx(sacrebleu.corpus_bleu(files["hyps"], streams).score, abs=1e-9)
    if fmt == "json":
        doc = json.loads(out)
        jsonschema.validate(doc, SCORE_SCHEMA)
        assert [r["score"] for r in doc["results"]] == [r.score for r in api]
        assert [r["metric"] for r in doc["results"]] == ["toy_bleu", spec]
        assert doc["results"][1]["signature"] == str(api[1].signature) and "tok:char|smooth:floor" in str(
            api[1].signature
        )
        assert doc["segments"] == N and doc["results"][0]["display_scale"] == 100
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [float(r["score"]) for r in rows] == [r.score for r in api]
        assert rows[1]["signature"] == str(api[1].signature)
    else:
        for r in api:
            assert f"{r.score * 100:.2f}" in out and "x100" in out
        assert (str(api[1].signature).replace("|", "\\|") if fmt == "markdown" else str(api[1].signature)) in out
        if fmt == "markdown":
            assert out.splitlines()[0] == "| Metric | Score | Scale | Signature |"


@pytest.mark.skipif("bleu" not in __import__("evalkit").available_metrics(), reason="BLEU not registered")
def test_score_registered_bleu_equals_api_and_sacrebleu(files):
    import evalkit

    spec = "bleu(tokenize=none,smooth=floor,backend=python)"
    doc = json.loads(run(files, "score", "-m", spec, "-o", "json", *text_args(files)).stdout)
    api = evalkit.get_metric("bleu", tokenize="none", smooth="floor", backend="python")(files["hyps"], files["refs"])
    assert doc["results"][0]["score"] == api.score and doc["results"][0]["signature"] == str(api.signature)
    streams = [list(s) for s in zip(*files["refs"])]
    ref = sacrebleu.corpus_bleu(files["hyps"], streams, tokenize="none", smooth_method="floor").score
    assert doc["results"][0]["score"] * 100 == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("name", __import__("evalkit").available_metrics())
def test_every_registered_metric_is_reachable_and_equals_the_api(files, inproc, name):
    """No metric has CLI code of its own: each registered one scores from files as its API does."""
    import evalkit
    from evalkit.core.registry import metric_class

    metric = evalkit.get_metric(name)
    if metric_class(name).task in ("lm", "logits", "tokens"):  # tensors from a training loop: refused with one line
        result = inproc("score", "-m", name, "--true", files["r_true"], files["r_pred"], ok=False)
        assert result.returncode == 2 and "training loop" in result.stderr
        return
    if metric_class(name).task == "text":
        hyps, refs = files["hyps"][:50], files["refs"][:50]
        r1, r2, h = (files["dir"] / f"{k}_50.txt" for k in ("r1", "r2", "h"))
        for path, lines in ((r1, [r[0] for r in refs]), (r2, [r[1] for r in refs]), (h, hyps)):
            path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        args = ["-r", r1, "-r", r2, h]
        if getattr(metric_class(name), "max_references", None) == 1:  # one reference per segment (NIST)
            args, refs = ["-r", r1, h], [r[:1] for r in refs]
        api = metric(hyps, refs)
    elif metric_class(name).task == "retrieval":  # TREC qrels and run files, read as the API reads them
        from evalkit.retrieval import read_qrels, read_run

        rng = np.random.default_rng(1)
        qrels, run_file = files["dir"] / "qrels.txt", files["dir"] / "run.txt"
        qrels.write_text("".join(f"q{q} 0 d{d} {rng.integers(0, 3)}\n" for q in range(20) for d in range(8)))
        run_file.write_text("".join(f"q{q} Q0 d{d} {d} {rng.random():.4f} x\n" for q in range(20) for d in range(12)))
        args = ["--qrels", qrels, run_file]
        api = metric(read_qrels(qrels), read_run(run_file))
    elif metric_class(name).task == "qa":  # the official SQuAD files: the dataset JSON and {id: text}
        dataset, preds = files["dir"] / "dev.json", files["dir"] / "predictions.json"
        qas = [{"id": "a", "answers": [{"text": "Denver Broncos"}]}, {"id": "b", "answers": []}]
        dataset.write_text(json.dumps({"version": "v2.0", "data": [{"paragraphs": [{"qas": qas}]}]}))
        preds.write_text(json.dumps({"a": "the Broncos", "b": ""}))
        args = ["--true", dataset, preds]
        api = metric(json.loads(preds.read_text()), json.loads(dataset.read_text()))
    elif metric_class(name).task == "tags":  # CoNLL files (tag column last), read as the API reads them
        from evalkit.text.ner import read_conll

        gold, pred = files["dir"] / "gold.conll", files["dir"] / "pred.conll"
        gold.write_text("-DOCSTART- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\nBlackburn NNP I-PER\n")
        pred.write_text("-DOCSTART- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\nBlackburn NNP O\n")
        args = ["--true", gold, pred]
        api = metric(read_conll(gold), read_conll(pred))
    elif metric_class(name).task == "proba":
        y_true = [int(x) for x in files["y_true"].read_text().split()]
        rng = np.random.default_rng(0)
        proba = rng.dirichlet(np.ones(max(y_true) + 1), size=len(y_true))
        path = files["dir"] / "proba.txt"
        path.write_text("".join(" ".join(repr(float(p)) for p in row) + "\n" for row in proba), encoding="utf-8")
        args = ["--true", files["y_true"], path]
        api = metric(y_true, proba)
    elif metric_class(name).task == "multilabel_scores":  # a row of 0/1 indicators and a row of scores per line
        rng = np.random.default_rng(2)
        indicators, scores = rng.integers(0, 2, (60, 4)), rng.random((60, 4)).round(2)
        truth, path = files["dir"] / "indicators.txt", files["dir"] / "label_scores.txt"
        for file, rows in ((truth, indicators), (path, scores)):
            file.write_text("".join(" ".join(str(x) for x in row) + "\n" for row in rows.tolist()), encoding="utf-8")
        args = ["--true", truth, path]
        api = metric(indicators, scores)
    else:
        kind = "r" if metric_class(name).task == "regression" else "y"
        args = ["--true", files[f"{kind}_true"], files[f"{kind}_pred"]]
        cast = float if kind == "r" else int
        api = metric(*([cast(x) for x in files[f"{kind}_{s}"].read_text().split()] for s in ("true", "pred")))
    doc = json.loads(inproc("score", "-m", name, "-o", "json", *args).stdout)
    assert doc["results"][0]["score"] == api.score and doc["results"][0]["signature"] == str(api.signature)


def test_log_loss_from_one_probability_per_line_is_the_positive_class(files, inproc):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    y_true, p1 = [0, 1, 1, 0, 1], [0.2, 0.7, 0.9, 0.4, 0.55]
    truth, proba = files["dir"] / "bin_true.txt", files["dir"] / "bin_p1.txt"
    truth.write_text("".join(f"{y}\n" for y in y_true), encoding="utf-8")
    proba.write_text("".join(f"{p}\n" for p in p1), encoding="utf-8")
    doc = json.loads(inproc("score", "-m", "log_loss", "-o", "json", "--true", truth, proba).stdout)
    assert doc["results"][0]["score"] == pytest.approx(sklearn_metrics.log_loss(y_true, p1), rel=1e-15)


def test_example_corpus_and_metrics_listing(files):
    out = run(files, "score", "--example", "-m", "toy_bleu").stdout
    assert "BLEU" in out and "x100" in out and "toy_bleu signature" not in out and "BLEU signature: tok:13a" in out
    listing = run(files, "metrics").stdout
    assert "toy_bleu(tokenize='13a', smooth_method='exp')  [text]" in listing
    assert "toy_accuracy(no options)  [classification]" in listing


def test_metrics_listing_reads_each_declaration(inproc):
    import inspect

    import evalkit
    from evalkit.cli.spec import option_list
    from evalkit.core.metric import Metric
    from evalkit.core.registry import metric_class

    listing = inproc("metrics", "-v").stdout
    assert (
        "toy_bleu(tokenize='13a', smooth_method='exp')  [text]\n    tokenize: sacrebleu's tokenizer\n"
        "    smooth_method: sacrebleu's smoothing\n"
    ) in listing
    assert "toy_accuracy(no options)  [classification]\n" in listing
    # what the CLI reads (each metric's declaration) is what its class takes: names and defaults
    for name in evalkit.available_metrics():
        cls = metric_class(name)
        params = [] if cls.__init__ is Metric.__init__ else inspect.signature(cls.__init__).parameters.values()
        written = {p.name: repr(p.default) for p in params if p.kind == p.KEYWORD_ONLY}
        assert {key: repr(default) for key, (default, _) in option_list(cls).items()} == written, name


def test_cli_docs_list_every_metric_command_and_format(inproc):
    import re

    import evalkit
    from evalkit.cli.output import FORMATS

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    # the listing shown is the listing printed (entries and their option lines)
    listing = inproc("metrics", "-v").stdout.splitlines()
    entry = re.compile(rf"^(?:{'|'.join(evalkit.available_metrics())})\(.*\]$|^    \w+: ")
    shown = [line for line in text.splitlines() if entry.match(line)]
    assert len(shown) > 10 and all(line in listing for line in shown)
    section = text[text.index("### Every registered metric") :]
    section = section[: section.index("\n#")]
    listed = re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)[1:]  # after the header's `-m NAME`
    assert listed == [name for name in evalkit.available_metrics() if not name.startswith("toy_")]
    for command in ("score", "compare", "report", "metrics", "schema"):
        assert f"evalkit {command}" in text, command
    assert f"-o {'|'.join(FORMATS)}" in text and "byte order mark" in text


def test_help_is_complete(files, inproc):
    top = run(files, "--help").stdout
    assert all(c in top for c in ("score", "compare", "metrics", "schema"))
    score = inproc("score", "-h").stdout
    for flag in ("--metric", "--ref", "--true", "--task", "--format", "--hyp-field", "--ref-field", "--output",
                 "--sentence-level", "--ci", "--ci-resamples", "--confidence", "--seed", "--encoding-errors",
                 "--quiet", "--example", "Exit status"):  # fmt: skip
        assert flag in score, flag
    for name, schema in (("score", SCORE_SCHEMA), ("sentence", SENTENCE_SCHEMA), ("compare", COMPARE_SCHEMA)):
        assert json.loads(inproc("schema", name).stdout) == schema
    compare = inproc("compare", "-h").stdout
    for flag in ("--baseline", "--test", "--n-samples", "--ci-resamples", "--seed", "--output"):
        assert flag in compare, flag


def test_sentence_level_every_format(files, inproc):
    m = toy("toy_bleu")
    expected = m.scores(m.stats(files["hyps"], files["refs"]))
    lines = run(
        files, "score", "-m", "toy_bleu", "--sentence-level", "-o", "json", *text_args(files)
    ).stdout.splitlines()
    assert len(lines) == N
    docs = [json.loads(x) for x in lines]
    for d in docs:
        jsonschema.validate(d, SENTENCE_SCHEMA)
    assert [d["scores"]["toy_bleu"] for d in docs] == expected.tolist()
    assert [d["segment"] for d in docs] == list(range(1, N + 1))
    rows = list(
        csv.DictReader(
            io.StringIO(inproc("score", "-m", "toy_bleu", "--sentence-level", "-o", "csv", *text_args(files)).stdout)
        )
    )
    assert [float(r["toy_bleu"]) for r in rows] == expected.tolist()
    table = inproc("score", "-m", "toy_bleu", "--sentence-level", *text_args(files)).stdout.splitlines()
    assert table[0] == "segment\ttoy_bleu" and table[1] == f"1\t{expected[0] * 100:.2f}" and len(table) == N + 1
    md = inproc("score", "-m", "toy_bleu", "--sentence-level", "-o", "markdown", *text_args(files)).stdout.splitlines()
    assert md[0] == "| segment | toy_bleu |" and md[2] == f"| 1 | {expected[0] * 100:.2f} |"


def test_ci_equals_api_contains_sacrebleu_mean_and_is_seeded(files, inproc):
    args = ["score", "-m", "toy_bleu", "--ci", "-o", "json", *text_args(files)]
    first = run(files, *args).stdout
    assert inproc(*args).stdout == first  # same seed, same output
    doc = json.loads(first)
    jsonschema.validate(doc, SCORE_SCHEMA)
    m = toy("toy_bleu")
    api = bootstrap_ci(m, m.stats(files["hyps"], files["refs"]))
    r = doc["results"][0]
    assert r["ci"] == [api.low, api.high] and r["bootstrap"] == {
        "mean": api.mean,
        "confidence": 0.95,
        "n_resamples": 1000,
        "seed": 12345,
    }
    streams = [list(s) for s in zip(*files["refs"])]
    theirs = sacrebleu.BLEU().corpus_score(files["hyps"], streams, n_bootstrap=1000)  # seed: SACREBLEU_SEED=12345
    assert r["ci"][0] * 100 <= theirs._mean <= r["ci"][1] * 100
    assert r["bootstrap"]["mean"] * 100 == pytest.approx(theirs._mean, abs=1e-6)
    other = json.loads(inproc(*args, "--seed", "7").stdout)["results"][0]
    assert other["ci"] != r["ci"] and other["score"] == r["score"]
    table = inproc("score", "-m", "toy_bleu", "--ci", "--confidence", "0.9", *text_args(files)).stdout
    assert "90% CI" in table


def test_stdin_jsonl_and_tsv_inputs_equal_text_files(files, inproc):
    expected = inproc("score", "-m", "toy_bleu", "-o", "csv", *text_args(files)).stdout.splitlines()[1]
    stdin = files["hyp"].read_text(encoding="utf-8")
    piped = run(
        files, "score", "-m", "toy_bleu", "-o", "csv", "-r", files["ref1"], "-r", files["ref2"], "-", stdin=stdin
    )
    assert piped.stdout.splitlines()[1] == expected
    jsonl = files["dir"] / "pairs.jsonl"
    jsonl.write_text("".join(json.dumps({"hyp": h, "refs": r}) + "\n" for h, r in zip(files["hyps"], files["refs"])))
    out = inproc(
        "score",
        "-m",
        "toy_bleu",
        "-o",
        "csv",
        "--format",
        "jsonl",
        "--hyp-field",
        "hyp",
        "--ref-field",
        "refs",
        jsonl,
    )
    assert out.stdout.splitlines()[1] == expected
    tsv = files["dir"] / "pairs.tsv"
    tsv.write_text(
        "hypothesis\tr1\tr2\n" + "".join(f"{h}\t{a}\t{b}\n" for h, (a, b) in zip(files["hyps"], files["refs"]))
    )
    out = inproc(
        "score", "-m", "toy_bleu", "-o", "csv", "--format", "tsv", "--ref-field", "r1", "--ref-field", "r2", tsv
    )
    assert out.stdout.splitlines()[1] == expected


def test_classification_and_regression_from_label_files(files, inproc):
    y_true, y_pred, _ = files["labels"]
    expected = toy("toy_accuracy")(y_true, y_pred).score
    for call, t, p in ((lambda *a: run(files, *a), "y_true", "y_pred"), (inproc, "s_true", "s_pred")):
        doc = json.loads(
            call(
                "score",
                "-m",
                "toy_accuracy",
                "--task",
                "classification",
                "--true",
                files[t],
                files[p],
                "-o",
                "json",
            ).stdout
        )
        jsonschema.validate(doc, SCORE_SCHEMA)
        assert doc["results"][0]["score"] == expected and doc["inputs"] == {
            "y_true": str(files[t]),
            "y_pred": str(files[p]),
        }
    # labels from stdin are spooled for the int-or-string pass; the CI works on any metric's rows
    doc = json.loads(
        inproc(
            "score",
            "-m",
            "toy_accuracy",
            "--true",
            "-",
            files["y_pred"],
            "--ci",
            "-o",
            "json",
            stdin=files["y_true"].read_text(),
        ).stdout
    )
    m = toy("toy_accuracy")
    assert doc["results"][0]["ci"] == list(bootstrap_ci(m, m.stats(y_true, y_pred)).ci)
    doc = json.loads(
        inproc(
            "score",
            "-m",
            "toy_mae",
            "--task",
            "regression",
            "--true",
            files["r_true"],
            files["r_pred"],
            "-o",
            "json",
        ).stdout
    )
    t = [float(x) for x in files["r_true"].read_text().split()]
    p = [float(x) for x in files["r_pred"].read_text().split()]
    assert doc["results"][0]["score"] == toy("toy_mae")(t, p).score


def test_progress_bar_only_on_a_terminal_and_not_with_quiet(files, monkeypatch):
    from evalkit.cli import common
    from evalkit.cli.io import LineSource

    source = LineSource(str(files["hyp"]))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with common.progress(source, False, "scoring") as bar:
        assert not bar.disable and bar.total == files["hyp"].stat().st_size
    with common.progress(source, True, "scoring") as bar:
        assert bar.disable
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with common.progress(source, False, "scoring") as bar:
        assert bar.disable


# -- compare ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("test", ["bs", "ar"])
def test_compare_matches_sacrebleu_paired_tests(files, inproc, test):
    from sacrebleu.significance import PairedTest

    n = 1000 if test == "bs" else 2000  # sacrebleu's 10,000 AR trials are slow; tests/test_significance.py runs them
    args = [
        "compare",
        "-m",
        "bleu",
        "-t",
        test,
        "-n",
        n,
        "-r",
        files["ref1"],
        "-r",
        files["ref2"],
        "-b",
        files["noisy"],
        files["hyp"],
    ]
    out = run(files, *args, "-o", "json").stdout
    doc = json.loads(out)
    jsonschema.validate(doc, COMPARE_SCHEMA)
    assert doc["n"] == n and doc["seed"] == 12345 and doc["baseline"] == str(files["noisy"])
    streams = [list(s) for s in zip(*files["refs"])]
    named = [("noisy", files["other"]), ("hyp", files["hyps"])]
    _, ref = PairedTest(named, {"BLEU": sacrebleu.BLEU()}, streams, test_type=test, n_samples=n, n_ar_confidence=1000)()
    base, system = doc["systems"]
    assert base["baseline"] and base["scores"]["bleu"]["p_value"] is None
    ours, theirs = system["scores"]["bleu"], ref["BLEU"][1]
    # The same seed draws sacrebleu's own resamples/trials: equal up to one floating-point tie.
    assert abs(ours["p_value"] - theirs.p_value) <= 1 / (n + 1) + 1e-12
    assert ours["score"] * 100 == pytest.approx(theirs.score, abs=1e-9)
    assert ours["mean"] * 100 == pytest.approx(theirs.mean, abs=1e-6)
    assert ours["ci"][0] * 100 <= theirs.mean <= ours["ci"][1] * 100
    bl = ref["BLEU"][0]
    assert base["scores"]["bleu"]["mean"] * 100 == pytest.approx(bl.mean, abs=1e-6)
    assert base["scores"]["bleu"]["ci"][0] * 100 <= bl.mean <= base["scores"]["bleu"]["ci"][1] * 100
    if test == "bs":
        assert inproc(*args, "-o", "json").stdout == out  # same seed, same output
        table = inproc(*args).stdout
        assert "(baseline)" in table and f"{ours['p_value']:.4f}" in table and "seed 12345" in table


def test_compare_csv_and_markdown(files, inproc):
    args = ["compare", "-m", "toy_bleu", "-n", "200", "-r", files["ref1"], "-b", files["noisy"], files["hyp"]]
    rows = list(csv.DictReader(io.StringIO(inproc(*args, "-o", "csv").stdout)))
    assert [r["system"] for r in rows] == [str(files["noisy"]), str(files["hyp"])]
    assert rows[0]["p_value"] == "" and 0 < float(rows[1]["p_value"]) <= 1
    md = inproc(*args, "-o", "markdown").stdout
    assert md.startswith("| System | BLEU (x100) | 95% CI | p-value |")


def test_compare_says_where_a_system_is_identical_to_its_baseline(files, inproc):
    copy = files["dir"] / "copy_of_noisy.txt"
    copy.write_bytes(files["noisy"].read_bytes())
    args = ["compare", "-m", "toy_bleu", "-n", "200", "-r", files["ref1"], "-b", files["noisy"], files["hyp"], copy]
    doc = json.loads(inproc(*args, "-o", "json").stdout)
    jsonschema.validate(doc, COMPARE_SCHEMA)
    base, other, same = (s["scores"]["toy_bleu"] for s in doc["systems"])
    # sacrebleu's p-value of no difference is its smallest, 1 / (n + 1): it would star the copy
    assert same["p_value"] == pytest.approx(1 / 201) and same["identical"] is True
    assert "identical" not in base and "identical" not in other
    table = inproc(*args).stdout
    (row,) = [line for line in table.splitlines() if line.startswith(f"{copy} ") and "[" in line]
    assert row.endswith("0.0050 (identical)") and "*" not in row
    assert f"{copy} (BLEU): identical to the baseline (the same statistics on every segment)" in table
    rows = list(csv.DictReader(io.StringIO(inproc(*args, "-o", "csv").stdout)))
    assert [r["identical"] for r in rows] == ["False", "False", "True"]
    assert "0.0050$^{=}$" in inproc(*args, "-o", "latex").stdout


# -- inputs with a byte order mark --------------------------------------------------------------------


def _with_bom(path: Path) -> Path:
    out = path.with_name(f"bom_{path.name}")
    out.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return out


def _bom_warning(name) -> str:
    return (
        f"Warning: {name} starts with a UTF-8 byte order mark (BOM); it is dropped, not read as part of the first "
        f"segment (sacrebleu keeps it, glued to the first token)."
    )


def test_a_byte_order_mark_is_dropped_with_a_warning(files, inproc):
    hyp, ref1 = _with_bom(files["hyp"]), _with_bom(files["ref1"])
    expected = json.loads(inproc("score", "-m", "toy_bleu", "-o", "json", *text_args(files)).stdout)["results"]
    result = inproc("score", "-m", "toy_bleu", "-o", "json", "-r", ref1, "-r", files["ref2"], hyp)
    assert json.loads(result.stdout)["results"] == expected
    assert result.stderr.splitlines() == [_bom_warning(hyp), _bom_warning(ref1)]
    # kept, as sacrebleu keeps it, the mark would lower the score
    kept = toy("toy_bleu")(["\ufeff" + files["hyps"][0], *files["hyps"][1:]], files["refs"]).score
    assert kept < expected[0]["score"]
    piped = inproc("score", "-m", "toy_bleu", "-o", "json", *text_args(files)[:-1], "-", stdin=hyp.read_text("utf-8"))
    assert json.loads(piped.stdout)["results"] == expected and piped.stderr.splitlines() == [_bom_warning("<stdin>")]


def test_a_byte_order_mark_before_records_or_labels_is_dropped(files, inproc):
    jsonl = files["dir"] / "records.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"hypothesis": h, "reference": r}) + "\n" for h, r in zip(files["hyps"], files["refs"]))
    )
    expected = json.loads(inproc("score", "-m", "toy_bleu", "-o", "json", "--format", "jsonl", jsonl).stdout)
    bom = _with_bom(jsonl)
    result = inproc("score", "-m", "toy_bleu", "-o", "json", "--format", "jsonl", bom)
    assert json.loads(result.stdout)["results"] == expected["results"] and result.stderr.startswith("Warning:")
    # number labels stay numbers (a kept mark would make the first line, and so every label, a string);
    # the file read twice (the label-type pass, then the labels) warns once
    y_true = _with_bom(files["y_true"])
    args = ["score", "-m", "toy_accuracy", "-o", "json", "--true"]
    expected = json.loads(inproc(*args, files["y_true"], files["y_pred"]).stdout)["results"]
    result = inproc(*args, y_true, files["y_pred"])
    assert json.loads(result.stdout)["results"] == expected and result.stderr.splitlines() == [_bom_warning(y_true)]


def test_a_partition_reads_the_byte_order_mark_as_the_whole_file_does(tmp_path):
    from evalkit.cli.io import LineSource

    path = tmp_path / "pairs.tsv"
    path.write_bytes(b"\xef\xbb\xbfhypothesis\treference\na\tb\nc\td\n")
    with pytest.warns(UserWarning, match="starts with a UTF-8 byte order mark"):
        whole = [line for chunk in LineSource(str(path)).chunks() for line in chunk]
    assert whole == ["hypothesis\treference", "a\tb", "c\td"]
    start = len(b"\xef\xbb\xbfhypothesis\treference\na\tb\n")
    first = LineSource(str(path)).part(0, start, 0)
    later = LineSource(str(path)).part(start, path.stat().st_size, 2, header=True)
    assert [line for chunk in first.chunks() for line in chunk] == whole[:2]
    assert [line for chunk in later.chunks() for line in chunk] == [whole[0], whole[2]]


def test_a_byte_order_mark_read_by_dask_workers_is_dropped_with_the_same_warning(files, inproc):
    pytest.importorskip("distributed")
    # a TSV file of two partitions: the second reads the header line (and its mark) again
    pairs = [f"{h}\t{r[0]}" for h, r in zip(files["hyps"], files["refs"])] * 26
    tsv = files["dir"] / "bom_pairs.tsv"
    tsv.write_text("\ufeffhypothesis\treference\n" + "".join(f"{row}\n" for row in pairs), encoding="utf-8")
    args = ["score", "-q", "-m", "toy_length", "-o", "json", "--format", "tsv", "--ref-field", "reference", tsv]
    local = inproc(*args)
    assert local.stderr.splitlines() == [_bom_warning(tsv)] and json.loads(local.stdout)["segments"] == len(pairs)
    dask = inproc(*args, "--engine", "dask", "--workers", "1")
    assert (dask.stdout, dask.stderr) == (local.stdout, local.stderr)


# -- errors -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_files(files):
    d = files["dir"]
    (d / "short.txt").write_text("".join(f"{x}\n" for x in files["hyps"][:-1]), encoding="utf-8")
    (d / "latin1.txt").write_bytes("ok line\nna\xefve caf\xe9\n".encode("latin-1"))
    (d / "two.txt").write_text("a b\nc d\n")
    (d / "empty.txt").write_text("")
    (d / "words.txt").write_text("1.5\nabc\n")
    (d / "broken.jsonl").write_text('{"hypothesis": "a", "reference": "a"}\n{"hypothesis": \n')
    (d / "nofield.jsonl").write_text('{"hyp": "a", "reference": "a"}\n')
    return d


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["score", "-m", "toy_bleuu", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'toy_bleuu' (did you mean 'toy_bleu'?). Known metrics: "),
        (["score", "-m", "TOY_BLEU", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'TOY_BLEU' (did you mean 'toy_bleu'?). Known metrics: "),
        (["score", "-m", "toy-bleu", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'toy-bleu' (did you mean 'toy_bleu'?). Known metrics: "),
        (["score", "-m", "BLEU", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'BLEU' (did you mean 'bleu'?). Known metrics: "),
        (["score", "-m", "rouge-l", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'rouge-l' (did you mean 'rougeL'?). Known metrics: "),
        (["score", "-m", "toy_bleu", "ref1.txt", "hyp.txt"], 2, "score takes one file to score (SYSTEM), but got 2: ref1.txt hyp.txt. Give each reference file with -r (-r ref.txt hyp.txt), or the true labels with --true (--true y_true.txt y_pred.txt)."),
        (["score", "-m", "toy_bleu(tokenise=char)", "-r", "two.txt", "two.txt"], 2, "Unknown option 'tokenise' for metric 'toy_bleu' (did you mean 'tokenize'?). Its options: tokenize, smooth_method."),
        (["score", "-m", "toy_bleu(tokenize=chr)", "-r", "two.txt", "two.txt"], 2, "The 'tokenize' parameter of toy_bleu must be one of '13a', 'none', 'intl', 'char'. Got 'chr' instead (did you mean 'char'?)."),
        (["score", "-m", "toy_bleu(tokenize=char", "-r", "two.txt", "two.txt"], 2, "cannot read the metric 'toy_bleu(tokenize=char': write NAME or NAME(option=value,...)"),
        (["score", "-m", "toy_bleu(char)", "-r", "two.txt", "two.txt"], 2, "cannot read the option 'char' of metric 'toy_bleu(char)': write option=value."),
        (["score", "-r", "two.txt", "two.txt"], 2, "give at least one metric with -m NAME. Known metrics: "),
        (["score", "-m", "toy_bleu", "two.txt"], 2, "give at least one reference file with -r FILE"),
        (["score", "-m", "toy_bleu"], 2, "give the file to score (SYSTEM), or --example."),
        (["score", "-m", "toy_bleu", "-m", "toy_accuracy", "-r", "two.txt", "two.txt"], 2, "the metrics must all take the same inputs, but toy_bleu is text, toy_accuracy is classification"),
        (["score", "-m", "toy_bleu", "--true", "two.txt", "two.txt"], 2, "--true is for classification and regression metrics; 'toy_bleu' compares text"),
        (["score", "-m", "toy_accuracy", "-r", "two.txt", "two.txt"], 2, "'toy_accuracy' is a classification metric, scored as (y_true, y_pred): give the true values with --true FILE"),
        (["score", "-m", "toy_accuracy", "--task", "regression", "--true", "two.txt", "two.txt"], 2, "--task regression does not fit metric 'toy_accuracy', which is a classification metric."),
        (["score", "-m", "toy_accuracy", "--sentence-level", "--true", "two.txt", "two.txt"], 2, "--sentence-level scores text segments"),
        (["score", "-m", "toy_bleu", "-r", "-", "-"], 2, "only one input can be standard input (-)."),
        (["score", "-m", "toy_bleu", "--ci", "--sentence-level", "-r", "two.txt", "two.txt"], 2, "--ci gives corpus scores an interval; --sentence-level prints no corpus score."),
        (["score", "-m", "toy_accuracy", "--format", "jsonl", "--true", "two.txt", "two.txt"], 2, "--format jsonl is for text metrics; labels are read one per line."),
        (["score", "-m", "toy_bleu", "--format", "jsonl", "-r", "two.txt", "two.txt"], 2, "--format jsonl reads hypotheses and references from one file: drop -r."),
        (["score", "-m", "toy_bleu", "-o", "yaml", "--example"], 2, "Invalid value for '-o' / '--output': 'yaml' is not one of 'table', 'json', 'csv', 'markdown', 'latex'."),
        (["compare", "-m", "toy_bleu", "-r", "two.txt", "-b", "two.txt", "two.txt"], 2, "each system, the baseline included, must be a different file."),
        (["compare", "-m", "toy_bleu", "-r", "two.txt", "two.txt"], 2, "Missing option '-b' / '--baseline'."),
        (["score", "-m", "toy_bleu", "-r", "ref1.txt", "short.txt"], 1, f"the inputs must have one line per segment each, but short.txt has {N - 1}, ref1.txt has {N} lines."),
        (["compare", "-m", "toy_bleu", "-r", "ref1.txt", "-b", "hyp.txt", "short.txt"], 1, f"ref1.txt has {N}, hyp.txt has {N}, short.txt has {N - 1} lines."),
        (["score", "-m", "toy_bleu", "-r", "missing.txt", "two.txt"], 1, "cannot read 'missing.txt': No such file or directory"),
        (["score", "-m", "toy_bleu", "-r", "two.txt", "latin1.txt"], 1, "latin1.txt: invalid UTF-8 at line 2, byte 3 of the line (byte offset 10 in the file): b'\\xef' (invalid continuation byte). Fix the file, or pass --encoding-errors replace"),
        (["score", "-m", "toy_bleu", "-r", "empty.txt", "empty.txt"], 1, "empty.txt holds no segments: nothing to score."),
        (["score", "-m", "toy_mae", "--true", "two.txt", "words.txt"], 1, "two.txt, line 1: 'a b' is not a number (regression values must be numbers)."),
        (["score", "-m", "toy_bleu", "--format", "jsonl", "broken.jsonl"], 1, "broken.jsonl, line 2: not a JSON object (Expecting value at column 16)."),
        (["score", "-m", "toy_bleu", "--format", "jsonl", "nofield.jsonl"], 1, "nofield.jsonl, line 1: no field 'hypothesis'; the record has 'hyp', 'reference'."),
    ],
)  # fmt: skip
def test_errors_have_a_message_and_an_exit_status(bad_files, inproc, args, code, message):
    # In process for speed (the bad files lie in the same directory); the subprocess runs below check the
    # same through the real exit path.
    result = inproc(*args, ok=False)
    assert result.returncode == code, result.stderr
    assert message in " ".join(result.stderr.split()), result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["score", "-m", "toy_bleuu", "-r", "two.txt", "two.txt"], 2, "Unknown metric 'toy_bleuu' (did you mean 'toy_bleu'?)"),
        (["score", "-m", "toy_bleu", "-r", "two.txt", "latin1.txt"], 1, "latin1.txt: invalid UTF-8 at line 2"),
    ],
)  # fmt: skip
def test_exit_status_of_the_process(files, bad_files, args, code, message):
    proc = run(files, *args, ok=False)
    assert proc.returncode == code and message in proc.stderr and proc.stdout == ""


def test_encoding_errors_replace_goes_on(files, inproc, bad_files):
    proc = inproc(
        "score", "-m", "toy_length", "-o", "json", "--encoding-errors", "replace", "-r", "two.txt", "latin1.txt"
    )
    # "ok line" and "na\ufffdve caf\ufffd": 4 words against the 4 of "a b" and "c d"
    assert json.loads(proc.stdout)["results"][0]["score"] == 1.0


def test_a_closed_pipe_stops_quietly(files, tmp_path):
    """`evalkit score ... --sentence-level | head -1`: no traceback, no error message."""
    hyp = tmp_path / "h.txt"
    hyp.write_text("a b c\n" * 50_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(files["script"]), "score", "-m", "toy_length", "--sentence-level", "-r", hyp, hyp]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout.readline() == b"segment\ttoy_length\n"
        proc.stdout.close()
        err = proc.stderr.read()
    assert proc.returncode == 1 and err == b""


# -- streaming ----------------------------------------------------------------------------------------


# A child's peak RSS (ru_maxrss) starts from the size of the process it was forked from, so the CLI is
# started by a small wrapper process, not by this (large) test process; the wrapper prints the peak.
_WRAPPER = """
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    code = subprocess.call(sys.argv[2:], stdout=out)
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _run_measured(files, *args) -> tuple[float, str]:
    """Run the CLI; return (its peak RSS in MiB, its stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out_path = files["dir"] / "measured.out"
    cmd = [sys.executable, "-c", _WRAPPER, str(out_path), sys.executable, str(files["script"]), *map(str, args)]
    code, kib = subprocess.run(
        cmd, env=env, cwd=files["dir"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert code == "0"
    return int(kib) / 1024, out_path.read_text()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_streaming_a_million_lines_in_bounded_memory(files, tmp_path):
    lines = 1_000_000
    words = [g.split(" ")[:6] for g in files["hyps"][:100]]
    hyp = tmp_path / "big_hyp.txt"
    ref = tmp_path / "big_ref.txt"
    with open(hyp, "w") as h, open(ref, "w") as r:
        for i in range(lines):
            h.write(" ".join(words[i % 100]) + "\n")
            r.write(" ".join(words[i % 100][:3]) + " x y z\n")
    small_hyp, small_ref = tmp_path / "small_hyp.txt", tmp_path / "small_ref.txt"
    small_hyp.write_text("".join(" ".join(words[i % 100]) + "\n" for i in range(10_000)))
    small_ref.write_text("".join(" ".join(words[i % 100][:3]) + " x y z\n" for i in range(10_000)))
    small, _ = _run_measured(files, "score", "-m", "toy_length", "-o", "json", "-r", small_ref, small_hyp)
    big, out = _run_measured(files, "score", "-m", "toy_length", "-o", "json", "-r", ref, hyp)
    hyp_words = sum(len(words[i % 100]) for i in range(lines))
    ref_words = sum(len(words[i % 100][:3]) + 3 for i in range(lines))
    assert json.loads(out)["results"][0]["score"] == hyp_words / ref_words
    assert json.loads(out)["segments"] == lines
    # Held as Python strings the two files would take ~150 MB; streaming keeps 10,000-line chunks. Generous
    # bounds (about 50 MiB is typical): under 150 MiB in all, and within 30 MiB of scoring 10,000 lines,
    # so memory does not grow with the corpus.
    assert big < 150, big
    assert big - small < 30, (big, small)


def _sklearn_bootstrap(score, y_true, y_pred, n_resamples, seed=12345, confidence=0.95):
    """scikit-learn's score of each bootstrap resample, the resamples drawn as sacrebleu draws them
    (``rng.choice(n, size=(b, n))`` in blocks of 2**18 // n rows), and the order-statistic interval."""
    n = len(y_true)
    rng = np.random.default_rng(seed)
    block = max(1, (1 << 18) // n)
    scores = []
    for start in range(0, n_resamples, block):
        for idx in rng.choice(n, size=(min(block, n_resamples - start), n), replace=True):
            scores.append(score(y_true[idx], y_pred[idx]))
    ordered = np.sort(scores)
    lo = min(int(n_resamples * (1 - confidence) / 2 + 1e-9), (n_resamples - 1) // 2)
    return np.asarray(scores), [float(ordered[lo]), float(ordered[n_resamples - lo - 1])]


SKLEARN_CASES = [
    ("f1", "y", lambda m: lambda t, p: m.f1_score(t, p, average="macro")),
    ("f1(average='binary', pos_label=2)", "y", lambda m: lambda t, p: m.f1_score(t == 2, p == 2)),
    ("mcc", "y", lambda m: m.matthews_corrcoef),
    ("cohen_kappa", "y", lambda m: m.cohen_kappa_score),
    ("mse", "r", lambda m: m.mean_squared_error),
    ("r2", "r", lambda m: m.r2_score),
    ("median_absolute_error", "r", lambda m: m.median_absolute_error),  # a table of distinct errors per resample
]


@pytest.mark.parametrize(("spec", "kind", "make"), SKLEARN_CASES, ids=[c[0] for c in SKLEARN_CASES])
def test_ci_and_compare_of_label_and_regression_metrics_equal_a_sklearn_bootstrap(files, inproc, spec, kind, make):
    metrics = pytest.importorskip("sklearn.metrics")
    score = make(metrics)
    cast = float if kind == "r" else int
    t, p = (np.array([cast(x) for x in files[f"{kind}_{s}"].read_text().split()]) for s in ("true", "pred"))
    if spec.startswith("f1(average='binary'"):
        # the binary case on two labels (2 against the rest), written as labels 0/2 on both sides
        t, p = np.where(t == 2, 2, 0), np.where(p == 2, 2, 0)
        for name, values in (("bt", t), ("bp", p)):
            (files["dir"] / f"{name}.txt").write_text("".join(f"{v}\n" for v in values))
        true_path, pred_path = files["dir"] / "bt.txt", files["dir"] / "bp.txt"
    else:
        true_path, pred_path = files[f"{kind}_true"], files[f"{kind}_pred"]
    R = 200
    _, want = _sklearn_bootstrap(score, t, p, R)
    args = ["-m", spec, "--true", true_path]
    doc = json.loads(inproc("score", *args, pred_path, "--ci", "--ci-resamples", R, "-o", "json").stdout)
    assert doc["results"][0]["score"] == pytest.approx(score(t, p), rel=1e-12, abs=1e-12)
    assert doc["results"][0]["ci"] == pytest.approx(want, rel=1e-12, abs=1e-12)
    # a paired bootstrap against a baseline that predicts the true values of every fifth sample only
    base = np.where(np.arange(len(t)) % 5 == 0, t, p[::-1])
    base_path = files["dir"] / f"base_{kind}.txt"
    base_path.write_text("".join(f"{v}\n" for v in base))
    s_base, _ = _sklearn_bootstrap(score, t, base, R)
    s_sys, _ = _sklearn_bootstrap(score, t, p, R)
    diffs = np.abs(s_sys - s_base)
    observed = abs(score(t, p) - score(t, base))
    p_value = (int(np.sum(diffs - diffs.mean() > observed)) + 1) / (R + 1)
    out = inproc("compare", *args, "-b", base_path, pred_path, "--n-samples", R, "-o", "json").stdout
    system = json.loads(out)["systems"][-1]["scores"][spec]
    assert system["p_value"] == pytest.approx(p_value)
    assert system["score"] == pytest.approx(score(t, p), rel=1e-12, abs=1e-12)


BAD_OPTION_VALUES = ["5", "-1", "0", "2.5", "1e400", "'x'", "None", "True", "'false'", "[1, 1]", "[[1]]", "{1, 2}",
                     "float('nan')", "()"]  # fmt: skip


def test_option_fuzz_through_the_cli_never_prints_a_traceback(files, inproc):
    import evalkit
    from evalkit.cli.spec import option_list
    from evalkit.core.registry import metric_class

    small = files["dir"] / "small.txt"
    small.write_text("the cat sat on the mat\na dog barks\n", encoding="utf-8")
    for name in evalkit.available_metrics():
        cls = metric_class(name)
        args = ["-r", small, small] if cls.task == "text" else ["--true", files["y_true"], files["y_pred"]]
        if cls.task == "regression":
            args = ["--true", files["r_true"], files["r_pred"]]
        if cls.task in ("proba", "lm", "tokens", "retrieval"):
            continue  # its files differ; its options are fuzzed through the API's common tests
        for option in option_list(cls):
            for value in BAD_OPTION_VALUES:
                result = inproc("score", "-m", f"{name}({option}={value})", "-o", "json", *args, ok=False)
                assert result.returncode in (0, 1, 2), (name, option, value, result.stderr)
                assert "Traceback" not in result.stderr
                if result.returncode:
                    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_sentence_level_cider_and_nist_score_each_segment_under_the_whole_input(tmp_path, inproc):
    """A CIDEr-D segment's score needs the corpus's document frequencies and a NIST row sits in a frame of
    every reference n-gram: the CLI reads the input whole and takes each metric's own per-segment scores
    (NIST: nltk's sentence_nist of each pair; CIDEr-D: what sentence_cider gives, itself checked against
    pycocoevalcap in tests/test_cider.py)."""
    nist_score = pytest.importorskip("nltk.translate.nist_score")
    pairs = [(h, r[0]) for h, r in zip(*perturbed_pairs(60, seed=2, max_refs=1))]
    # nltk divides by zero where a hypothesis is shorter than an n-gram order: those segments are left out
    pairs = [(h, r) for h, r in pairs if min(len(h.split()), len(r.split())) >= 5][:40]
    hyps, refs = [h for h, _ in pairs], [r for _, r in pairs]
    (tmp_path / "h.txt").write_text("\n".join(hyps) + "\n", encoding="utf-8")
    (tmp_path / "r.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    args = ["score", "-m", "cider", "-m", "nist", "--sentence-level", "-o", "json", "-r", tmp_path / "r.txt"]
    docs = [json.loads(x) for x in inproc(*map(str, args), str(tmp_path / "h.txt")).stdout.splitlines()]
    nltk_nist = [nist_score.sentence_nist([r.split()], h.split()) for h, r in zip(hyps, refs)]
    assert [d["scores"]["nist"] for d in docs] == pytest.approx(nltk_nist, rel=1e-12)
    assert [d["scores"]["cider"] for d in docs] == pytest.approx(sentence_cider(hyps, refs).tolist())
    assert len({round(d["scores"]["cider"], 6) for d in docs}) > 5  # not each segment alone (that is 0)
