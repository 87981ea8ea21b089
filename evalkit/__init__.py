"""evalkit: exact, fast, mergeable evaluation metrics.

Every metric sums per-item sufficient statistics and scores them with a pure function, so the same
numbers come out of a script, a training loop (``update``/``compute``/``merge``), the CLI, or a cluster.
"""

__version__ = "0.1.0"

from evalkit import classification, regression  # sklearn-named metrics, registered by importing
from evalkit.classification import *  # noqa: F403
from evalkit.core import (
    EmptyInputError,
    EvalkitError,
    InputError,
    InputTypeError,
    InvalidOptionError,
    Metric,
    MissingDependencyError,
    Result,
    Signature,
    available_metrics,
    get_metric,
)
from evalkit.regression import *  # noqa: F403

__all__ = [
    "EmptyInputError",
    "EvalkitError",
    "InputError",
    "InputTypeError",
    "InvalidOptionError",
    "Metric",
    "MissingDependencyError",
    "Result",
    "Signature",
    "__version__",
    "available_metrics",
    "get_metric",
    *classification.__all__,
    *regression.__all__,
]
