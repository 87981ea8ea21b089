"""Entity-level NER against seqeval 1.2.2 in the same process: default mode and strict mode for every
scheme, the averages, classification_report's dict and accuracy_score, on generated tag sequences
(entities of real-looking lengths and types, predictions with shifted, retyped, dropped, spurious and
broken entities)."""

from __future__ import annotations

import itertools
import json
import random
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError

seqeval_metrics = pytest.importorskip("seqeval.metrics")
seqeval_scheme = pytest.importorskip("seqeval.scheme")

SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")
TYPES = ("PER", "LOC", "ORG", "MISC")
PREFIXES = {
    "IOB1": "IOB",
    "IOB2": "IOB",
    "IOE1": "IOE",
    "IOE2": "IOE",
    "IOBES": "IOBES",
    "BILOU": "BILOU",
}


def _encode(spans, n, scheme):
    """Tags of ``n`` tokens holding the entities ``spans`` [(type, start, end exclusive)] in ``scheme``."""
    tags = ["O"] * n
    spans = sorted(spans, key=lambda s: s[1])
    for k, (t, a, b) in enumerate(spans):
        prev_adjacent_same = k > 0 and spans[k - 1][2] == a and spans[k - 1][0] == t
        next_adjacent_same = k + 1 < len(spans) and spans[k + 1][1] == b and spans[k + 1][0] == t
        for i in range(a, b):
            if scheme == "IOB2":
                p = "B" if i == a else "I"
            elif scheme == "IOB1":
                p = "B" if i == a and prev_adjacent_same else "I"
            elif scheme == "IOE2":
                p = "E" if i == b - 1 else "I"
            elif scheme == "IOE1":
                p = "E" if i == b - 1 and next_adjacent_same else "I"
            elif scheme == "IOBES":
                p = "S" if b - a == 1 else "B" if i == a else "E" if i == b - 1 else "I"
            else:
                p = "U" if b - a == 1 else "B" if i == a else "L" if i == b - 1 else "I"
            tags[i] = f"{p}-{t}"
    return tags


def _spans(rng, n):
    spans, i = [], rng.randrange(3)
    while i < n:
        length = rng.choice([1, 1, 2, 2, 3, 4])
        if i + length > n:
            break
        spans.append((rng.choice(TYPES), i, i + length))
        i += length + rng.choice([0, 1, 1, 2, 4])
    return spans


def _perturbed(rng, spans, n):
    out = []
    for t, a, b in spans:
        r = rng.random()
        if r < 0.55:
            out.append((t, a, b))
        elif r < 0.65:
            out.append((rng.choice(TYPES), a, b))
        elif r < 0.75 and b < n:
            out.append((t, a, b + 1))
        elif r < 0.85 and b - a > 1:
            out.append((t, a + 1, b))
    if rng.random() < 0.3:
        a = rng.randrange(n)
        out.append((rng.choice(TYPES), a, a + 1))
    out.sort(key=lambda s: s[1])
    clean = []
    for s in out:  # overlaps dropped
        if not clean or s[1] >= clean[-1][2]:
            clean.append(s)
    return clean


def tagged(n_sentences, scheme, seed, noise=0.03):
    """(y_true, y_pred) in ``scheme``; ``noise``: a share of predicted tags replaced by any tag the scheme
    allows (broken sequences: I- after O, E- without I-, ...)."""
    rng = random.Random(seed)
    y_true, y_pred = [], []
    alphabet = ["O"] + [f"{p}-{t}" for p in PREFIXES[scheme] if p != "O" for t in TYPES]
    for _ in range(n_sentences):
        n = rng.randint(1, 30)
        spans = _spans(rng, n)
        y_true.append(_encode(spans, n, scheme))
        pred = _encode(_perturbed(rng, spans, n), n, scheme)
        y_pred.append([rng.choice(alphabet) if rng.random() < noise else t for t in pred])
    return y_true, y_pred


def _seqeval(y_true, y_pred, scheme=None, zero_division="warn"):
    kw = {"mode": "strict", "scheme": getattr(seqeval_scheme, scheme)} if scheme else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {
            avg: (
                seqeval_metrics.precision_score(y_true, y_pred, average=avg, zero_division=zero_division, **kw),
                seqeval_metrics.recall_score(y_true, y_pred, average=avg, zero_division=zero_division, **kw),
                seqeval_metrics.f1_score(y_true, y_pred, average=avg, zero_division=zero_division, **kw),
            )
            for avg in ("micro", "macro", "weighted")
        }
        report = seqeval_metrics.classification_report(
            y_true, y_pred, output_dict=True, zero_division=zero_division, **kw
        )
    return out, report


def _ours(y_true, y_pred, backend, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {}
        for avg in ("micro", "macro", "weighted"):
            c = evalkit.ner_f1(y_true, y_pred, average=avg, backend=backend, **options).components
            out[avg] = (c["precision"], c["recall"], c["f1"])
        return out, evalkit.ner_report(y_true, y_pred, backend=backend, **options)


def _same(ours, theirs):
    (scores, report), (their_scores, their_report) = ours, theirs
    for avg, values in their_scores.items():
        assert scores[avg] == pytest.approx(values, rel=1e-12, abs=1e-15), avg
    assert list(report) == list(their_report)
    for key, row in their_report.items():
        assert report[key] == pytest.approx({k: float(v) for k, v in row.items()}, rel=1e-12, abs=1e-15), key


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_strict_mode_equals_seqeval(scheme, backend):
    y_true, y_pred = tagged(200, scheme, seed=SCHEMES.index(scheme))
    _same(_ours(y_true, y_pred, backend, mode="strict", scheme=scheme), _seqeval(y_true, y_pred, scheme))


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "BILOU"])
def test_default_mode_equals_seqeval(scheme, backend):
    # the default mode reads any tags of B, I, E, S prefixes the conlleval way, whatever the scheme
    y_true, y_pred = tagged(300, scheme, seed=10 + SCHEMES.index(scheme), noise=0.08)
    _same(_ours(y_true, y_pred, backend), _seqeval(y_true, y_pred))


@pytest.mark.parametrize("zero_division", [0, 1])
def test_zero_division_equals_seqeval(zero_division):
    # a type only predicted and a type only true: both precision and recall divisions by zero
    y_true = [["B-PER", "O", "O"], ["O", "O", "O"]]
    y_pred = [["B-PER", "O", "B-LOC"], ["O", "O", "O"]]
    for backend in ("python", "numpy"):
        ours = _ours(y_true, y_pred, backend, zero_division=zero_division)
        _same(ours, _seqeval(y_true, y_pred, zero_division=zero_division))
    # no entity at all
    empty = [["O", "O"]]
    ours = _ours(empty, empty, "numpy", zero_division=zero_division)
    theirs = _seqeval(empty, empty, zero_division=zero_division)
    assert ours[0]["micro"] == pytest.approx(theirs[0]["micro"])
    assert ours[0]["weighted"] == pytest.approx(theirs[0]["weighted"])


def test_suffix_tags_equal_seqeval():
    y_true, y_pred = tagged(200, "IOBES", seed=31, noise=0.05)
    flip = lambda side: [[t if t == "O" else f"{t[2:]}-{t[0]}" for t in s] for s in side]  # noqa: E731
    st_, sp = flip(y_true), flip(y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for backend in ("python", "numpy"):
            assert evalkit.ner_f1(st_, sp, suffix=True, backend=backend).score == pytest.approx(
                seqeval_metrics.f1_score(st_, sp, suffix=True), rel=1e-12
            )
            strict = evalkit.ner_f1(st_, sp, suffix=True, mode="strict", scheme="IOBES", backend=backend).score
            expected = seqeval_metrics.f1_score(st_, sp, suffix=True, mode="strict", scheme=seqeval_scheme.IOBES)
            assert strict == pytest.approx(expected, rel=1e-12)


def test_token_accuracy_equals_seqeval():
    y_true, y_pred = tagged(200, "IOB2", seed=5, noise=0.1)
    accuracy = evalkit.ner_f1(y_true, y_pred).components["accuracy"]
    assert accuracy == pytest.approx(seqeval_metrics.accuracy_score(y_true, y_pred), rel=1e-12)


def test_modes_differ_where_documented():
    # I-PER after O: an entity in the default mode, none in IOB2's strict mode
    y_true = [["B-PER", "I-PER", "O"]]
    y_pred = [["O", "I-PER", "O"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = evalkit.ner_f1(y_true, y_pred).components
        strict = evalkit.ner_f1(y_true, y_pred, mode="strict", scheme="IOB2").components
    # default: gold PER(0,1), predicted PER(1,1): 0 of 1 right; strict: no predicted entity
    assert (default["predicted"], strict["predicted"]) == (1, 0)
    assert default["f1"] == strict["f1"] == 0.0
    y_pred = [["I-PER", "I-PER", "O"]]  # default: PER(0,1) right; strict IOB2: no entity
    assert evalkit.ner_f1(y_true, y_pred).score == 1.0
    assert evalkit.ner_f1(y_true, y_pred, mode="strict", scheme="IOB2", zero_division=0).score == 0.0


# -- the state protocol -------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 1000), st.lists(st.integers(1, 79), max_size=4), st.sampled_from(SCHEMES))
def test_batches_in_any_cut_equal_the_whole(seed, cuts, scheme):
    y_true, y_pred = tagged(80, scheme, seed=seed)
    whole = evalkit.NerF1(mode="strict", scheme=scheme, zero_division=0)
    whole.update(y_true, y_pred)
    parts = [0, *sorted(set(cuts)), 80]
    merged = evalkit.NerF1(mode="strict", scheme=scheme, zero_division=0)
    for a, b in itertools.pairwise(parts):
        if a < b:
            merged.merge(evalkit.NerF1(mode="strict", scheme=scheme, zero_division=0).update(y_true[a:b], y_pred[a:b]))
    assert merged.space == whole.space
    assert np.array_equal(merged.total, whole.total)
    assert merged.report() == whole.report()


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 1000), st.sampled_from(SCHEMES), st.sampled_from([0.0, 0.1, 0.5]))
def test_backends_write_equal_rows(seed, scheme, noise):
    y_true, y_pred = tagged(40, scheme, seed=seed, noise=noise)
    for options in ({"mode": "strict", "scheme": scheme}, *([{}] if scheme != "BILOU" else [])):
        a = evalkit.NerF1(backend="python", **options).rows(y_true, y_pred)
        b = evalkit.NerF1(backend="numpy", **options).rows(y_true, y_pred)
        assert a.space == b.space and np.array_equal(a.dense, b.dense)


def test_checkpoint_and_bootstrap():
    from evalkit.stats.significance import bootstrap_ci

    y_true, y_pred = tagged(200, "IOB2", seed=8)
    saved = json.loads(json.dumps(evalkit.NerF1().update(y_true[:120], y_pred[:120]).state_dict()))
    resumed = evalkit.NerF1().load_state_dict(saved).update(y_true[120:], y_pred[120:])
    assert np.array_equal(resumed.total, evalkit.NerF1().update(y_true, y_pred).total)
    m = evalkit.NerF1()
    ci = bootstrap_ci(m, m.rows(y_true, y_pred), n_resamples=100, seed=0)
    assert ci.low <= evalkit.ner_f1(y_true, y_pred).score <= ci.high
    bad = dict(saved, total=[-1] * len(saved["total"]))
    with pytest.raises(InputError, match="non-negative"):
        evalkit.NerF1().load_state_dict(bad)


# -- bad input ---------------------------------------------------------------------------------------------


def test_bad_input_names_the_problem():
    with pytest.raises(InputError, match=r"y_true\[1\] has 2 tags and y_pred\[1\] has 3"):
        evalkit.ner_f1([["O"], ["O", "O"]], [["O"], ["O", "O", "O"]])
    with pytest.raises(InputError, match=r"y_pred\[0\]\[1\] is 'E-PER'.*IOB2"):
        evalkit.ner_f1([["B-PER", "O"]], [["B-PER", "E-PER"]], mode="strict", scheme="IOB2")
    with pytest.raises(InputError, match=r"y_true\[0\]\[0\] is 'X-PER'"):
        evalkit.ner_f1([["X-PER"]], [["O"]], mode="strict", scheme="BILOU", backend="numpy")
    with pytest.raises(InputError, match=r"y_pred\[0\]\[2\] is 'U-LOC'.*mode='strict'"):
        evalkit.ner_f1([["B-PER", "O", "O"]], [["B-PER", "O", "U-LOC"]])
    with pytest.raises(InputTypeError, match=r"y_true\[0\]"):
        evalkit.ner_f1(["O", ["O"]], [["O"], ["O"]])
    with pytest.raises(EmptyInputError):
        evalkit.ner_f1([], [])
    with pytest.raises(InvalidOptionError, match="scheme"):
        evalkit.ner_f1([["O"]], [["O"]], mode="strict")
    with pytest.raises(InvalidOptionError, match="scheme"):
        evalkit.ner_f1([["O"]], [["O"]], scheme="IOB2")
    with pytest.raises(InvalidOptionError, match="zero_division"):
        evalkit.ner_f1([["O"]], [["O"]], zero_division=True)


def test_warns_as_seqeval_where_undefined():
    with pytest.warns(evalkit.core.errors.UndefinedMetricWarning):
        evalkit.ner_f1([["O", "O"]], [["O", "O"]])


def test_flat_lists_are_one_sentence_and_arrays_read_as_lists():
    assert evalkit.ner_f1(["B-PER", "I-PER"], ["B-PER", "I-PER"]).score == 1.0
    y_true, y_pred = tagged(30, "IOB2", seed=2)
    as_arrays = [np.array(s) for s in y_true], np.array([np.array(s) for s in y_pred], dtype=object)
    assert evalkit.ner_f1(*as_arrays).components == evalkit.ner_f1(y_true, y_pred).components


def test_read_conll(tmp_path):
    path = tmp_path / "gold.conll"
    path.write_text("-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\nBlackburn NNP I-PER\n")
    assert evalkit.read_conll(path) == [["B-ORG", "O"], ["B-PER", "I-PER"]]


def _cli(*args):
    from click.testing import CliRunner

    from evalkit.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="evalkit")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_score_compare_and_report_read_conll_files(tmp_path):
    y_true, y_pred = tagged(60, "IOB2", seed=41, noise=0.1)
    rng = random.Random(5)
    other = [[rng.choice(["O", "B-PER", "I-PER"]) if rng.random() < 0.2 else t for t in s] for s in y_pred]
    for name, side in (("gold", y_true), ("a", y_pred), ("b", other)):
        (tmp_path / f"{name}.conll").write_text("".join("".join(f"w {t}\n" for t in s) + "\n" for s in side))
    gold, a, b = (tmp_path / f"{n}.conll" for n in ("gold", "a", "b"))
    doc = json.loads(_cli("score", "-m", "ner_f1(mode=strict,scheme=IOB2)", "--true", gold, a, "-o", "json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = seqeval_metrics.f1_score(y_true, y_pred, mode="strict", scheme=seqeval_scheme.IOB2)
    assert doc["results"][0]["score"] == pytest.approx(expected, rel=1e-12)
    compared = json.loads(_cli("compare", "-m", "ner_f1", "--true", gold, "-b", a, b, "-o", "json"))
    assert len(compared["systems"]) == 2
    _cli("report", "-m", "ner_f1", "--true", gold, a, "--out", tmp_path / "one.html")
    _cli("report", "-m", "ner_f1", "--true", gold, "-b", a, b, "--out", tmp_path / "two.html")
    assert (tmp_path / "one.html").stat().st_size > 0 and (tmp_path / "two.html").stat().st_size > 0
