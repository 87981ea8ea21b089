"""SQuAD and exact match: against torchmetrics' squad (v1.1), the official v2.0 script's formulas written
out by hand below (each branch exercised), and Hugging Face evaluate's exact_match logic written out by
hand (evaluate is not installed)."""

from __future__ import annotations

import collections
import json
import random
import re
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import evalkit
from evalkit.core import EmptyInputError, InputError, InputTypeError, InvalidOptionError
from evalkit.lexicon.corpora import perturbed_pairs
from evalkit.stats.significance import bootstrap_ci

# -- the official v2.0 evaluation script's formulas, written out for the cross-check ---------------------


def _normalize(s):
    def remove_articles(text):
        return re.sub(re.compile(r"\b(a|an|the)\b", re.UNICODE), " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def _tokens(s):
    return _normalize(s).split() if s else []


def _exact(gold, pred):
    return int(_normalize(gold) == _normalize(pred))


def _f1(gold, pred):
    g, p = _tokens(gold), _tokens(pred)
    same = sum((collections.Counter(g) & collections.Counter(p)).values())
    if len(g) == 0 or len(p) == 0:
        return int(g == p)
    if same == 0:
        return 0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def official_v2(dataset, preds, na_probs=None, thresh=1.0):
    """The SQuAD 2.0 script's main(), as fractions instead of percentages."""
    has_ans = {}
    exact_raw, f1_raw = {}, {}
    for article in dataset:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                has_ans[qa["id"]] = bool(qa["answers"])
                golds = [a["text"] for a in qa["answers"] if _normalize(a["text"])] or [""]
                exact_raw[qa["id"]] = max(_exact(a, preds[qa["id"]]) for a in golds)
                f1_raw[qa["id"]] = max(_f1(a, preds[qa["id"]]) for a in golds)
    given_probs = na_probs is not None
    na_probs = na_probs if given_probs else {k: 0.0 for k in preds}

    def threshold(scores):
        return {k: float(not has_ans[k]) if na_probs[k] > thresh else s for k, s in scores.items()}

    exact_t, f1_t = threshold(exact_raw), threshold(f1_raw)

    def part(ids):
        return {
            "exact": sum(exact_t[k] for k in ids) / len(ids),
            "f1": sum(f1_t[k] for k in ids) / len(ids),
            "total": len(ids),
        }

    out = part(list(exact_t))
    has, no = [k for k, v in has_ans.items() if v], [k for k, v in has_ans.items() if not v]
    if has:
        out.update({f"HasAns_{k}": v for k, v in part(has).items()})
    if no:
        out.update({f"NoAns_{k}": v for k, v in part(no).items()})
    if given_probs:
        for name, raw in (("exact", exact_raw), ("f1", f1_raw)):
            cur = best = sum(1 for k in has_ans if not has_ans[k])
            best_thresh = 0.0
            for qid in sorted(na_probs, key=lambda k: na_probs[k]):
                diff = raw[qid] if has_ans[qid] else (-1 if preds[qid] else 0)
                cur += diff
                if cur > best:
                    best, best_thresh = cur, na_probs[qid]
            out[f"best_{name}"], out[f"best_{name}_thresh"] = best / len(raw), best_thresh
    return out


# -- data: spans of real glosses ---------------------------------------------------------------------------


def _questions(n, seed, no_answer=0.0):
    """(predictions, gold answer lists): spans of glosses, predictions that overlap, differ in case,
    punctuation or articles, are empty, or are unrelated; a share of questions without answers."""
    rng = random.Random(seed)
    hyps, refs = perturbed_pairs(n, seed=seed, max_refs=1)
    preds, golds = [], []
    for hyp, (ref,) in zip(hyps, refs):
        words = ref.split()
        i = rng.randrange(len(words))
        span = words[i : i + rng.randint(1, 4)]
        answers = [" ".join(span)]
        if rng.random() < 0.4:
            answers.append(" ".join(words[max(0, i - 1) : i + rng.randint(1, 3)]))
        kind = rng.random()
        if kind < 0.25:
            pred = answers[0]
        elif kind < 0.4:
            pred = "The " + answers[0].upper() + "."
        elif kind < 0.6:
            pred = " ".join(hyp.split()[i : i + rng.randint(1, 5)])
        elif kind < 0.7:
            pred = ""
        else:
            pred = " ".join(words[max(0, i - 2) : i + 2])
        if rng.random() < no_answer:
            answers = []
        preds.append(pred)
        golds.append(answers)
    return preds, golds


def _official_layouts(preds, golds, probs=None):
    ids = [f"q{i}" for i in range(len(preds))]
    dataset = [{"paragraphs": [{"qas": [{"id": q, "answers": [{"text": a} for a in g]} for q, g in zip(ids, golds)]}]}]
    na = None if probs is None else dict(zip(ids, probs))
    return dataset, dict(zip(ids, preds)), na


def _check(ours, theirs):
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
    assert set(ours) - {"version"} == set(theirs)


# -- SQuAD 2.0 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_v2_equals_the_official_script_with_distinct_probabilities(seed):
    preds, golds = _questions(400, seed, no_answer=0.35)
    probs = np.random.default_rng(seed).random(len(preds)).tolist()
    dataset, pred_map, na = _official_layouts(preds, golds, probs)
    expected = official_v2(dataset, pred_map, na)
    _check(evalkit.squad(preds, golds, na_prob=probs).components, expected)
    # the official layouts give the same
    _check(evalkit.squad(pred_map, {"data": dataset}, na_prob=na).components, expected)
    assert evalkit.squad(preds, golds, na_prob=probs).score == pytest.approx(expected["f1"], rel=1e-12)


@pytest.mark.parametrize("thresh", [0.0, 0.3, 1.0])
def test_v2_threshold_applied_as_the_script(thresh):
    preds, golds = _questions(200, 5, no_answer=0.4)
    probs = np.random.default_rng(5).random(len(preds)).round(6).tolist()
    dataset, pred_map, na = _official_layouts(preds, golds, probs)
    ours = evalkit.squad(preds, golds, na_prob=probs, na_prob_thresh=thresh).components
    _check(ours, official_v2(dataset, pred_map, na, thresh))


def test_v2_without_probabilities_has_no_best_threshold():
    preds, golds = _questions(150, 6, no_answer=0.3)
    dataset, pred_map, _ = _official_layouts(preds, golds)
    ours = evalkit.squad(preds, golds).components
    _check(ours, official_v2(dataset, pred_map))
    assert ours["version"] == "2.0"


def test_v2_each_branch_by_hand():
    # q0: answered right, low p; q1: no answer, predicted "" (right, gain 0); q2: no answer, predicted text
    # (wrong, gain -1); q3: answered half right (F1 2/3), high p; q4: a gold answer that normalises to
    # nothing ("The") is dropped: its only gold is then "".
    preds = ["Denver Broncos", "", "Paris", "eiffel", ""]
    golds = [["Denver Broncos"], [], [], ["Eiffel Tower"], ["The"]]
    probs = [0.1, 0.2, 0.3, 0.9, 0.5]
    r = evalkit.squad(preds, golds, na_prob=probs).components
    # raw exact: 1, 1, 0, 0, 1 (q4: "" == ""): 3/5; F1: 1, 1, 0, 2/3, 1
    assert r["exact"] == pytest.approx(3 / 5) and r["f1"] == pytest.approx((3 + 2 / 3) / 5)
    assert (r["HasAns_total"], r["NoAns_total"]) == (3, 2)
    assert r["HasAns_exact"] == pytest.approx(2 / 3) and r["NoAns_exact"] == pytest.approx(1 / 2)
    # start: 2 no-answer questions right; in p order gains 1 (q0), 0 (q1), -1 (q2), 1 (q4), 0 (q3) exact
    # -> 3, 3, 2, 3, 3: best 3 first reached at p=0.1
    assert (r["best_exact"], r["best_exact_thresh"]) == (pytest.approx(3 / 5), 0.1)
    # F1 gains 1, 0, -1, 1, 2/3 -> 3, 3, 2, 3, 3.667: best at p=0.9
    assert (r["best_f1"], r["best_f1_thresh"]) == (pytest.approx((3 + 2 / 3) / 5), 0.9)
    dataset, pred_map, na = _official_layouts(preds, golds, probs)
    _check(r, official_v2(dataset, pred_map, na))


def test_shared_probabilities_pass_as_one_group():
    # two questions at p=0.5: with answers right (+1) then without answers but predicted (-1). The script
    # steps one question at a time and keeps the count reached between them (3 of 3), which no threshold
    # gives: a threshold at 0.5 passes both (2 of 3). evalkit reports what a threshold reaches.
    preds, golds, probs = ["x", "y", ""], [["x"], [], []], [0.5, 0.5, 0.9]
    dataset, pred_map, na = _official_layouts(preds, golds, probs)
    script = official_v2(dataset, pred_map, na)
    assert (script["best_exact"], script["best_exact_thresh"]) == (1.0, 0.5)
    ours = evalkit.squad(preds, golds, na_prob=probs).components
    assert (ours["best_exact"], ours["best_exact_thresh"]) == (pytest.approx(2 / 3), 0.0)
    # the threshold evalkit reports does reach its count (threshold 0.0: every question "no answer")
    assert ours["best_exact"] == pytest.approx(sum(not g for g in golds) / 3)


def test_hugging_face_dicts():
    preds, golds = _questions(120, 7, no_answer=0.3)
    probs = np.random.default_rng(7).random(len(preds)).tolist()
    hf_preds = [
        {"id": f"q{i}", "prediction_text": p, "no_answer_probability": q}
        for i, (p, q) in reversed(list(enumerate(zip(preds, probs))))  # any order: paired by id
    ]
    hf_refs = [{"id": f"q{i}", "answers": {"text": g, "answer_start": [0] * len(g)}} for i, g in enumerate(golds)]
    assert evalkit.squad(hf_preds, hf_refs).components == evalkit.squad(preds, golds, na_prob=probs).components
    # answers as a list of {"text", "answer_start"} dicts (the dataset's own layout) read the same
    listed = [{"id": r["id"], "answers": [{"text": t} for t in r["answers"]["text"]]} for r in hf_refs]
    assert evalkit.squad(hf_preds, listed).components == evalkit.squad(hf_preds, hf_refs).components


# -- SQuAD 1.1: torchmetrics ------------------------------------------------------------------------------


@pytest.mark.slow  # importing torch
@pytest.mark.parametrize("seed", [11, 12])
def test_v1_equals_torchmetrics(seed):
    tm = pytest.importorskip("torchmetrics.functional.text")
    preds, golds = _questions(300, seed)
    keep = [i for i, g in enumerate(golds) if all(_normalize(a) for a in g)]  # see the next test
    preds, golds = [preds[i] for i in keep], [golds[i] for i in keep]
    tm_preds = [{"id": str(i), "prediction_text": p} for i, p in enumerate(preds)]
    tm_target = [{"id": str(i), "answers": {"text": g, "answer_start": [0] * len(g)}} for i, g in enumerate(golds)]
    expected = tm.squad(tm_preds, tm_target)
    r = evalkit.squad(preds, golds)
    assert r.components["version"] == "1.1"
    # torchmetrics sums in float32
    assert r.components["exact"] * 100 == pytest.approx(float(expected["exact_match"]), rel=1e-5)
    assert r.components["f1"] * 100 == pytest.approx(float(expected["f1"]), rel=1e-5)


def test_v1_gold_that_normalises_to_nothing():
    # SQuAD 1.1's script scores F1 0 without a shared token, so a gold "The" never matches in F1; its exact
    # match compares "" with "" (1). torchmetrics applies 2.0's empty rule to 1.1 (F1 1 here).
    r = evalkit.squad([""], [["The"]]).components
    assert (r["exact"], r["f1"]) == (1.0, 0.0)


# -- exact match: Hugging Face evaluate's logic -----------------------------------------------------------


def _hf_exact_match(predictions, references, regexes_to_ignore=None, ignore_case=False, ignore_punctuation=False,
                    ignore_numbers=False):  # fmt: skip
    if regexes_to_ignore is not None:
        for s in regexes_to_ignore:
            predictions = np.array([re.sub(s, "", x) for x in predictions])
            references = np.array([re.sub(s, "", x) for x in references])
    else:
        predictions, references = np.asarray(predictions), np.asarray(references)
    if ignore_case:
        predictions, references = np.char.lower(predictions), np.char.lower(references)
    if ignore_punctuation:
        table = string.punctuation.maketrans("", "", string.punctuation)
        predictions = np.char.translate(predictions, table=table)
        references = np.char.translate(references, table=table)
    if ignore_numbers:
        table = string.digits.maketrans("", "", string.digits)
        predictions = np.char.translate(predictions, table=table)
        references = np.char.translate(references, table=table)
    return float(np.mean(predictions == references))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"ignore_case": True},
        {"ignore_punctuation": True},
        {"ignore_numbers": True},
        {"regexes_to_ignore": ["the ", "yell", r"\d"]},
        {"regexes_to_ignore": [r"\s+$"], "ignore_case": True, "ignore_punctuation": True, "ignore_numbers": True},
    ],
)
def test_exact_match_equals_evaluate(options):
    rng = random.Random(4)
    preds, golds = _questions(300, 13)
    refs = [g[0] for g in golds]
    preds = [p + rng.choice(["", " ", "1", "!"]) for p in preds]
    assert evalkit.exact_match(preds, refs, **options).score == _hf_exact_match(preds, refs, **options)


def test_exact_match_several_references_any_counts():
    r = evalkit.exact_match(["a", "b"], [["x", "a"], ["c"]])
    assert (r.score, r.components["matches"]) == (0.5, 1)


def test_exact_match_options_refuse_bad_values():
    with pytest.raises(InvalidOptionError, match="regexes_to_ignore"):
        evalkit.exact_match(["a"], ["a"], regexes_to_ignore="a")
    with pytest.raises(InvalidOptionError, match="regexes_to_ignore"):
        evalkit.exact_match(["a"], ["a"], regexes_to_ignore=["("])


# -- the state protocol ------------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 59))
def test_merge_of_parts_equals_the_whole(seed, cut):
    preds, golds = _questions(60, seed % 50, no_answer=0.3)
    probs = np.random.default_rng(seed).integers(0, 12, 60).astype(float) / 11  # shared values: groups
    whole = evalkit.squad(preds, golds, na_prob=probs.tolist()).components
    left = evalkit.Squad().update(preds[:cut], golds[:cut], na_prob=probs[:cut].tolist())
    right = evalkit.Squad().update(preds[cut:], golds[cut:], na_prob=probs[cut:].tolist())
    merged = left.merge(right).compute().components
    assert merged.keys() == whole.keys()
    for key in whole:
        assert merged[key] == (whole[key] if key == "version" else pytest.approx(whole[key], rel=1e-12, abs=1e-12))


def test_state_dict_bootstrap_and_rows_with_probabilities():
    preds, golds = _questions(200, 21, no_answer=0.3)
    probs = np.random.default_rng(2).random(200).tolist()
    m = evalkit.Squad().update(preds[:90], golds[:90], na_prob=probs[:90])
    saved = json.loads(json.dumps(m.state_dict()))
    resumed = evalkit.Squad().load_state_dict(saved).update(preds[90:], golds[90:], na_prob=probs[90:])
    assert resumed.compute().components == pytest.approx(evalkit.squad(preds, golds, na_prob=probs).components)
    rows = evalkit.Squad().concat_rows(
        [evalkit.Squad().rows(preds[:90], golds[:90], na_prob=probs[:90]),
         evalkit.Squad().rows(preds[90:], golds[90:], na_prob=probs[90:])]
    )  # fmt: skip
    assert np.allclose(rows.total(), resumed.total)
    ci = bootstrap_ci(evalkit.Squad(), rows, n_resamples=50, seed=1)
    assert ci.low <= ci.result.score <= ci.high


def test_sentence_squad_is_each_question_alone():
    preds, golds = ["Denver Broncos", "Broncos", ""], [["Denver Broncos"], ["Denver Broncos"], []]
    assert evalkit.sentence_squad(preds, golds).tolist() == pytest.approx([1.0, 2 / 3, 1.0])


# -- bad input ---------------------------------------------------------------------------------------------


def test_bad_inputs_name_the_problem():
    dataset, pred_map, _ = _official_layouts(["a", "b"], [["a"], ["b"]], [0.1, 0.2])
    with pytest.raises(InputError, match="no prediction for 1 question"):
        evalkit.squad({"q0": "a"}, dataset)
    with pytest.raises(InputError, match=r"unknown ids, e\.g\. 'zz'"):
        evalkit.squad({**pred_map, "zz": "c"}, dataset)
    with pytest.raises(InputError, match="na_prob"):
        evalkit.squad(["a"], [["a"]], na_prob=[float("nan")])
    with pytest.raises(InputError, match="same length"):
        evalkit.squad(["a"], [["a"]], na_prob=[0.1, 0.2])
    with pytest.raises(InputTypeError, match=r"predictions\[0\]"):
        evalkit.squad([3], [["a"]])
    with pytest.raises(InputError, match="twice"):
        evalkit.squad([{"id": "1", "prediction_text": "a"}], [{"id": "1", "answers": {"text": ["a"]}}] * 2)
    with pytest.raises(EmptyInputError):
        evalkit.squad([], [])
    with pytest.raises(InputError, match="without"):
        evalkit.Squad().update(["a"], [["a"]], na_prob=[0.5]).update(["a"], [["a"]])


def test_empty_answers_and_predictions():
    # an empty prediction to a question with answers scores 0; an empty gold list is "no answer"
    r = evalkit.squad(["", ""], [["Paris"], []]).components
    assert (r["exact"], r["f1"], r["HasAns_exact"], r["NoAns_exact"]) == (0.5, 0.5, 0.0, 1.0)


@pytest.mark.parametrize("thresh", [0.5, 1.0])
def test_backends_write_equal_rows(thresh):
    preds, golds = _questions(300, 17, no_answer=0.3)
    # the edge cases: repeated tokens, a gold answer that normalises to nothing, whitespace, non-ASCII text
    preds += ["the the cat cat", "", " ", "Σίσυφος ΟΔΟΣ", "a"]
    golds += [["cat the cat"], ["The", "Paris"], ["An"], ["σίσυφος οδος"], []]
    probs = np.random.default_rng(3).random(len(preds)).tolist()
    python = evalkit.Squad(backend="python", na_prob_thresh=thresh).rows(preds, golds, na_prob=probs)
    numpy = evalkit.Squad(backend="numpy", na_prob_thresh=thresh).rows(preds, golds, na_prob=probs)
    assert np.array_equal(python.dense, numpy.dense) and np.array_equal(python.values, numpy.values)
    assert np.array_equal(python.cells, numpy.cells) and np.array_equal(python.space, numpy.space)


_WORDS = ["the", "a", "An", "cat", "Cat", "cat.", "dog", "x\x01y", "", " ", "über", "Σ", "1,000", "(dog)", "cat cat"]
_TEXT = st.lists(st.sampled_from(_WORDS), max_size=5).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TEXT, st.lists(_TEXT, max_size=3), st.floats(0, 1)), min_size=1, max_size=12))
def test_backends_agree_on_any_text(questions):
    # articles, punctuation, repeated tokens, empty and blank answers, the joining character itself
    preds, golds, probs = (list(x) for x in zip(*questions))
    python = evalkit.Squad(backend="python", na_prob_thresh=0.5).rows(preds, golds, na_prob=probs)
    numpy = evalkit.Squad(backend="numpy", na_prob_thresh=0.5).rows(preds, golds, na_prob=probs)
    assert np.array_equal(python.dense, numpy.dense) and np.array_equal(python.values, numpy.values)


def _cli(*args):
    from click.testing import CliRunner

    from evalkit.cli import cli

    result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="evalkit")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_reads_the_official_files(tmp_path):
    preds, golds = _questions(80, 23, no_answer=0.3)
    dataset, pred_map, _ = _official_layouts(preds, golds)
    other = {k: ("" if i % 3 else v) for i, (k, v) in enumerate(pred_map.items())}
    (tmp_path / "dev.json").write_text(json.dumps({"version": "v2.0", "data": dataset}))
    (tmp_path / "a.json").write_text(json.dumps(pred_map))
    (tmp_path / "b.json").write_text(json.dumps(other))
    dev, a, b = (tmp_path / f"{n}.json" for n in ("dev", "a", "b"))
    doc = json.loads(_cli("score", "-m", "squad", "--true", dev, a, "-o", "json"))
    _check(doc["results"][0]["components"], official_v2(dataset, pred_map))
    compared = json.loads(_cli("compare", "-m", "squad", "--true", dev, "-b", a, b, "-o", "json"))
    assert len(compared["systems"]) == 2
    _cli("report", "-m", "squad", "--true", dev, "-b", a, b, "--out", tmp_path / "cmp.html")
    assert (tmp_path / "cmp.html").stat().st_size > 0
    # Hugging Face's prediction dicts carry the no-answer probabilities: the best thresholds from files
    probs = np.random.default_rng(23).random(len(preds)).tolist()
    hf = [{"id": k, "prediction_text": v, "no_answer_probability": q} for (k, v), q in zip(pred_map.items(), probs)]
    (tmp_path / "hf.json").write_text(json.dumps(hf))
    doc = json.loads(_cli("score", "-m", "squad", "--true", dev, tmp_path / "hf.json", "-o", "json"))
    _check(doc["results"][0]["components"], official_v2(dataset, pred_map, dict(zip(pred_map, probs))))
    (tmp_path / "bad.json").write_text("{not json")
    from click.testing import CliRunner

    from evalkit.cli import cli

    result = CliRunner().invoke(cli, ["score", "-m", "squad", "--true", str(dev), str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "holds no JSON document" in result.output
