"""Metrics by name: one table feeds ``get_metric``, the CLI and the common tests."""

from __future__ import annotations

from typing import Any, TypeVar

from evalkit.core.errors import InvalidOptionError
from evalkit.core.metric import Metric
from evalkit.core.validate import suggest

_METRICS: dict[str, type[Metric]] = {}

M = TypeVar("M", bound=type[Metric])


def register(cls: M) -> M:
    """Class decorator: make ``cls`` reachable as ``get_metric(cls.name)``."""
    if cls.name in _METRICS and _METRICS[cls.name] is not cls:
        raise ValueError(f"metric name {cls.name!r} is registered twice")
    _METRICS[cls.name] = cls
    return cls


def available_metrics() -> list[str]:
    """Names of every registered metric, sorted."""
    return sorted(_METRICS)


def metric_class(name: str) -> type[Metric]:
    """The class registered as ``name``; an unknown name lists the known ones."""
    try:
        return _METRICS[name]
    except KeyError:
        known = ", ".join(available_metrics())
        raise InvalidOptionError(f"Unknown metric {name!r}{suggest(name, _METRICS)}. Known metrics: {known}.") from None


def get_metric(name: str, **options: Any) -> Metric:
    """A new instance of the metric registered as ``name``, built with ``options``."""
    cls = metric_class(name)
    cls.options_type.check_names(name, list(options))  # a typo named, with a did-you-mean (not a TypeError)
    return cls(**options)
