"""Options are a trust boundary: any value given to any declared option of any registered metric is either
accepted (and the metric then scores) or refused with an :class:`EvalkitError` that names the option.
Never a bare ``TypeError`` from inside, never a silent acceptance of a string where a bool belongs.

The values are drawn by hypothesis from a strategy of the types users pass by mistake (strings for
booleans, NaN and infinities, huge and negative numbers, containers, ``None``) mixed with each option's
default and the other options' defaults.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_common import _metric_inputs, _scores

import evalkit
from evalkit.core import EvalkitError, metric_class

METRICS = evalkit.available_metrics()

_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["true", "false", "yes", "0", "", "none", "auto", "macro", "13a", "exp"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=4),
    st.tuples(st.floats(allow_nan=True), st.floats()),
    st.frozensets(st.integers(), max_size=3),
    st.just(object()),
)


def _option_values(cls):
    names = list(cls.options_type.specs())
    defaults = cls.options_type.defaults()
    per_option = {name: st.one_of(st.just(defaults[name]), _ANY_VALUE) for name in names}
    return st.fixed_dictionaries({}, optional=per_option)


@pytest.mark.parametrize("name", METRICS)
def test_any_option_value_is_scored_or_refused_by_name(name):
    cls = metric_class(name)
    if cls.task == "tokens":
        pytest.importorskip("torch")
    a, b = (x[:12] for x in _metric_inputs(cls))

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(options=_option_values(cls))
    def check(options):
        try:
            result = cls(**options)(a, b)
        except EvalkitError as error:
            assert any(option in str(error) for option in options), f"{options!r}: {error}"
            return
        for score in _scores(result):
            # a defined value: NaN only where scikit-learn's policy returns it (replace_undefined_by=nan)
            assert isinstance(score, float) and (math.isfinite(score) or np.isnan(score) or math.isinf(score))
        accepted = {k: v for k, v in options.items() if isinstance(v, str) and v in ("true", "false", "yes", "0")}
        flags = {k for k, d in cls.options_type.defaults().items() if isinstance(d, bool)}
        assert not (set(accepted) & flags), f"a string accepted for a bool option: {accepted}"

    check()


@pytest.mark.parametrize("name", METRICS)
def test_a_huge_count_is_refused_or_costs_no_memory(name):
    # an order, a number of bins or of digits of 10**9 is a typo: it must be refused by name, not allocate
    # gigabytes (numpy reports its allocations to tracemalloc)
    import tracemalloc

    cls = metric_class(name)
    if cls.task == "tokens":
        pytest.importorskip("torch")
    a, b = (x[:12] for x in _metric_inputs(cls))
    for option in cls.options_type.specs():
        tracemalloc.start()
        try:
            cls(**{option: 10**9})(a, b)
        except EvalkitError as error:
            assert option in str(error)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < 200 * 2**20, f"{name}({option}=10**9) allocated {peak / 2**30:.1f} GiB"
