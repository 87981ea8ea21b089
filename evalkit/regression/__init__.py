"""Regression metrics with scikit-learn's names, arguments and results: errors and deviances
(:mod:`evalkit.regression.errors`), R² and explained variance (:mod:`evalkit.regression.explained`)."""

from evalkit.regression import errors, explained
from evalkit.regression.errors import *  # noqa: F403
from evalkit.regression.explained import *  # noqa: F403

__all__ = [*errors.__all__, *explained.__all__]
