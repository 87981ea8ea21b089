"""Invariances every registered metric must keep (scikit-learn's test_common idea, over the registry).

Each metric is built with its defaults and fed inputs of its ``task``: real glosses for text metrics,
labels for classification, values for regression.
"""

from __future__ import annotations

import copy
import inspect
import json
import random

import numpy as np
import pytest

import evalkit
from evalkit._corpora import perturbed_pairs
from evalkit.core import EvalkitError, InputError, metric_class

METRICS = evalkit.available_metrics()
N = 240


def _inputs(task: str) -> tuple[list, list]:
    if task == "text":
        return perturbed_pairs(N, seed=7, max_refs=3)
    rng = np.random.default_rng(7)
    if task == "classification":
        y_true = rng.integers(0, 4, N)
        y_pred = np.where(rng.random(N) < 0.6, y_true, rng.integers(0, 4, N))
        return y_true.tolist(), y_pred.tolist()
    if task == "regression":
        y_true = rng.normal(size=N)
        return y_true.tolist(), (y_true + rng.normal(scale=0.5, size=N)).tolist()
    raise AssertionError(f"no inputs for task {task!r}")


def _scores(result) -> list[float]:
    """The numbers of a Result, or of each Result a multi-result metric returns."""
    results = result.values() if isinstance(result, dict) else result if isinstance(result, list) else [result]
    return [float(r) for r in results]


@pytest.fixture(params=METRICS)
def case(request):
    cls = metric_class(request.param)
    return cls, _inputs(cls.task)


def test_registry_is_not_empty():
    assert {"bleu"} <= set(METRICS)


def test_batches_and_merge_equal_one_call(case):
    cls, (a, b) = case
    whole = _scores(cls()(a, b))
    batched = cls()
    for i in range(0, N, 70):
        batched.update(a[i : i + 70], b[i : i + 70])
    left, right = cls().update(a[:100], b[:100]), cls().update(a[100:], b[100:])
    assert _scores(batched.compute()) == pytest.approx(whole, rel=1e-12, abs=1e-12)
    assert _scores(left.merge(right).compute()) == pytest.approx(whole, rel=1e-12, abs=1e-12)
    assert batched.n_items == N


def test_permutation_invariance(case):
    cls, (a, b) = case
    order = list(range(N))
    random.Random(3).shuffle(order)
    shuffled = cls()([a[i] for i in order], [b[i] for i in order])
    assert _scores(shuffled) == pytest.approx(_scores(cls()(a, b)), rel=1e-12, abs=1e-12)


def test_inputs_are_not_mutated(case):
    cls, (a, b) = case
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    cls()(a, b)
    assert (a, b) == (a0, b0)


def test_result_is_json_ready_and_signed(case):
    cls, (a, b) = case
    result = cls()(a, b)
    for r in result.values() if isinstance(result, dict) else [result]:
        d = r.to_dict()
        assert json.loads(json.dumps(d)) == d
        assert f"version:{evalkit.__version__}" in str(r.signature)
        assert "\n" not in str(r)


def test_mismatched_lengths_name_the_problem(case):
    cls, (a, b) = case
    with pytest.raises(InputError, match=r"length|has"):
        cls()(a, b[:-1])


def test_empty_input_is_an_evalkit_error(case):
    cls, _ = case
    with pytest.raises(EvalkitError):
        cls()([], [])


@pytest.mark.parametrize(
    ("function", "cls", "own"),
    [
        (evalkit.bleu, evalkit.BLEU, {}),
        (evalkit.sentence_bleu, evalkit.BLEU, {"effective_order": True}),  # sacrebleu.sentence_bleu's default
        (evalkit.meteor, evalkit.METEOR, {}),
        (evalkit.sentence_meteor, evalkit.METEOR, {}),
        (evalkit.rouge, evalkit.ROUGE, {}),
        (evalkit.sentence_rouge, evalkit.ROUGE, {}),
    ],
)
def test_functional_options_are_the_class_options(function, cls, own):
    # the functional forms spell out their options (help() and editors show them): keep them in step
    def options(f):
        params = inspect.signature(f).parameters.values()
        return {p.name: p.default for p in params if p.kind == p.KEYWORD_ONLY}

    assert options(function) == {**options(cls.__init__), **own}
