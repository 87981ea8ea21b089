"""Regression metrics with scikit-learn's names, arguments and results: errors (:mod:`evalkit.regression.errors`),
log errors, pinball loss, deviances and D² (:mod:`evalkit.regression.deviance`), R² and explained variance
(:mod:`evalkit.regression.explained`); and correlations with scipy's (:mod:`evalkit.regression.correlation`)."""

from evalkit.regression import correlation, deviance, errors, explained
from evalkit.regression.correlation import *  # noqa: F403
from evalkit.regression.deviance import *  # noqa: F403
from evalkit.regression.errors import *  # noqa: F403
from evalkit.regression.explained import *  # noqa: F403

__all__ = [*errors.__all__, *deviance.__all__, *explained.__all__, *correlation.__all__]
