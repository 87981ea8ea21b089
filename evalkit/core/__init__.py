"""The statistics core shared by every metric."""

from evalkit.core.errors import (
    EmptyInputError,
    EvalkitError,
    InputError,
    InputTypeError,
    InvalidOptionError,
    MissingDependencyError,
)
from evalkit.core.metric import Metric
from evalkit.core.registry import available_metrics, get_metric, metric_class, register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature

__all__ = [
    "EmptyInputError",
    "EvalkitError",
    "InputError",
    "InputTypeError",
    "InvalidOptionError",
    "Metric",
    "MissingDependencyError",
    "Result",
    "Rows",
    "Signature",
    "available_metrics",
    "get_metric",
    "metric_class",
    "register",
]
