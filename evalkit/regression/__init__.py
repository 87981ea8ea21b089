"""Regression metrics with scikit-learn's names, arguments and results: errors and deviances, R² and
explained variance."""

from evalkit.regression.errors import (
    HuberLoss,
    MaxError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    RootMeanSquaredError,
    huber_loss,
    max_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    median_absolute_error,
    root_mean_squared_error,
)
from evalkit.regression.explained import ExplainedVariance, R2Score, explained_variance_score, r2_score

__all__ = [
    "ExplainedVariance",
    "HuberLoss",
    "MaxError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "R2Score",
    "RootMeanSquaredError",
    "explained_variance_score",
    "huber_loss",
    "max_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "median_absolute_error",
    "r2_score",
    "root_mean_squared_error",
]
