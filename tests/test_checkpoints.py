"""A checkpoint is input: every registered metric refuses a tampered ``state_dict`` with an
:class:`InputError` naming the field, and restores an untouched one exactly.

The states come from each metric's own inputs (the common tests' ``_inputs``), saved through JSON as a
checkpoint file would be; each tampering changes one field.
"""

from __future__ import annotations

import copy
import json

import pytest
from test_common import _metric_inputs, _scores

import evalkit
from evalkit.core import EvalkitError, InputError, metric_class

METRICS = evalkit.available_metrics()


@pytest.fixture(params=METRICS)
def saved(request):
    cls = metric_class(request.param)
    if cls.task == "tokens":
        pytest.importorskip("torch")
    a, b = _metric_inputs(cls)
    state = cls().update(a[:120], b[:120]).state_dict()
    return cls, json.loads(json.dumps(state)), (a[:120], b[:120])


def _tampered(state: dict, change) -> dict:
    out = copy.deepcopy(state)
    change(out)
    return out


def test_an_untouched_state_restores_the_score(saved):
    cls, state, (a, b) = saved
    assert _scores(cls().load_state_dict(state).compute()) == pytest.approx(_scores(cls()(a, b)), rel=1e-12)


@pytest.mark.parametrize("key", ["total", "reductions", "n_items", "space", "extras"])
def test_a_missing_field_is_named(saved, key):
    cls, state, _ = saved
    with pytest.raises(InputError, match=repr(key)):
        cls().load_state_dict(_tampered(state, lambda s: s.pop(key)))


@pytest.mark.parametrize("value", [-5, "3", True, 2.5, None])
def test_n_items_must_be_a_non_negative_int(saved, value):
    cls, state, _ = saved
    with pytest.raises(InputError, match="n_items"):
        cls().load_state_dict(_tampered(state, lambda s: s.update(n_items=value)))


@pytest.mark.parametrize("value", ["nan", "inf", "text", "nested", "short", "empty"])
def test_a_bad_total_is_refused(saved, value):
    cls, state, _ = saved

    def change(s):
        total = s["total"]
        if value in ("nan", "inf"):
            total[0] = float(value)
        elif value == "text":
            total[0] = "x"
        elif value == "nested":
            s["total"] = [total]
        elif value == "short":
            s["total"] = total[:-1]
        else:
            s["total"] = []

    with pytest.raises(InputError, match=r"total|reductions"):
        cls().load_state_dict(_tampered(state, change))


@pytest.mark.parametrize("value", ["mean", "short", "none", "swapped"])
def test_bad_reductions_are_refused(saved, value):
    """Known names of the wrong kind too: a sum saved as a max would merge the next update wrongly."""
    cls, state, _ = saved
    swap = {"sum": "max", "max": "sum", "min": "sum"}
    reductions = {
        "mean": ["mean"] * len(state["reductions"]),
        "short": state["reductions"][:-1],
        "none": None,
        "swapped": [swap[r] for r in state["reductions"]],
    }
    with pytest.raises(InputError, match="reductions"):
        cls().load_state_dict(_tampered(state, lambda s: s.update(reductions=reductions[value])))


def test_bad_extras_are_refused(saved):
    cls, state, _ = saved
    with pytest.raises(InputError, match="extras"):
        cls().load_state_dict(_tampered(state, lambda s: s.update(extras={"x": ["average", 1]})))
    with pytest.raises(InputError, match="extras"):
        cls().load_state_dict(_tampered(state, lambda s: s.update(extras=[1, 2])))
    for value in ("abc", None, True, float("nan"), [1]):  # e.g. BLEU's nrefs would sign "nrefs:abc"
        with pytest.raises(InputError, match="extras"):
            cls().load_state_dict(_tampered(state, lambda s, v=value: s.update(extras={"nrefs_min": ["min", v]})))


def test_a_field_no_state_dict_writes_is_refused(saved):
    cls, state, _ = saved
    with pytest.raises(InputError, match="'totals'"):
        cls().load_state_dict(_tampered(state, lambda s: s.update(totals=s["total"])))


def test_a_negative_count_is_refused(saved):
    """Every column of a text metric's or a label metric's total is a count (a sum of non-negative
    numbers); regression moments, log losses and perplexities may hold any finite sum."""
    cls, state, _ = saved
    if cls.task not in ("text", "tokens", "tags", "classification"):
        pytest.skip("its totals hold sums that may be negative")
    with pytest.raises(EvalkitError, match="negative"):
        cls().load_state_dict(_tampered(state, lambda s: s["total"].__setitem__(0, -1)))
