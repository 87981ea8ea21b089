"""The Metric base: per-item sufficient statistics, summed, then scored by a pure function.

Every metric maps each item (a segment pair, a label pair) to a row of **statistics** whose sum over
items is all the corpus score needs. Hence one mechanism serves every use::

    m = BLEU()                      # options are checked here
    for hyps, refs in batches:
        m.update(hyps, refs)        # running sum: memory O(number of statistics), never raw data
    m.compute()                     # score(summed statistics) -> Result
    m.merge(other)                  # workers' partial sums add up exactly

A subclass provides:

- ``stats(*inputs) -> np.ndarray`` of shape ``(n_items, n_stats)``: one row per item;
- ``score(total) -> Result``: a pure function of the summed statistics (a 1-D array);
- ``signature() -> Signature``: the options that change the number.

and may override ``scores(totals)``, the score of many summed-statistics rows at once (bootstrap).

It may override ``_batch_total`` when the sum of a batch is cheaper than its rows (a confusion matrix
from ``bincount``), and ``_add`` when statistics are not a fixed-length vector. State that is no sum of
statistics but labels the result (BLEU's numbers of references, for its signature) goes through
``_side`` / ``_add_side``, which ``merge`` and the distributed folds (:mod:`evalkit.dist`) carry along.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from evalkit.core.errors import EmptyInputError, InputError
from evalkit.core.result import Result
from evalkit.core.signature import Signature


class Metric(ABC):
    """Base class of evalkit's metrics (see the module docstring)."""

    #: registry name, e.g. ``"bleu"``
    name: ClassVar[str]
    #: ``True`` for ``*_score`` metrics, ``False`` for errors and losses
    higher_is_better: ClassVar[bool] = True
    #: what the inputs are: ``"text"`` (hypotheses, references), ``"classification"`` or
    #: ``"regression"`` (y_true, y_pred); the CLI and the common tests read inputs accordingly
    task: ClassVar[str] = "text"

    def __init__(self) -> None:
        self._total: Any = None
        self._n_items = 0

    # -- to implement -------------------------------------------------------------------------------
    @abstractmethod
    def stats(self, *inputs: Any) -> np.ndarray:
        """Per-item statistics, shape ``(n_items, n_stats)``."""

    @abstractmethod
    def score(self, total: Any) -> Result:
        """The score of summed statistics. Pure: ``total`` is not changed."""

    @abstractmethod
    def signature(self) -> Signature:
        """Every option that changes the number, plus the evalkit version."""

    # -- hooks --------------------------------------------------------------------------------------
    def _batch_total(self, *inputs: Any) -> tuple[Any, int]:
        """Summed statistics of one batch and its number of items."""
        rows = self.stats(*inputs)
        return rows.sum(axis=0), len(rows)

    @staticmethod
    def _add(a: Any, b: Any) -> Any:
        return a + b

    def _side(self) -> Any:
        """Mergeable state kept beside the summed statistics (``None``: none); picklable."""
        return None

    def _add_side(self, side: Any) -> None:
        """Fold another instance's :meth:`_side` into this one's."""
        return None

    # -- the shared mechanism -----------------------------------------------------------------------
    def _absorb(self, total: Any, n_items: int) -> None:
        """Add summed statistics of ``n_items`` items (``None``: nothing) to the running sum."""
        if total is not None:
            self._total = total if self._total is None else self._add(self._total, total)
            self._n_items += n_items

    def update(self, *inputs: Any) -> Metric:
        """Add a batch to the running statistics; returns ``self``."""
        self._absorb(*self._batch_total(*inputs))
        return self

    def merge(self, other: Metric) -> Metric:
        """Add another instance's statistics (same metric, same options) into this one; returns ``self``."""
        if type(other) is not type(self) or str(other.signature()) != str(self.signature()):
            raise InputError(
                f"cannot merge {type(other).__name__} [{other.signature()}] into "
                f"{type(self).__name__} [{self.signature()}]: metric and options must be equal."
            )
        self._absorb(other._total, other._n_items)
        self._add_side(other._side())
        return self

    def compute(self) -> Result:
        """Score the statistics accumulated so far."""
        if self._total is None:
            raise EmptyInputError(f"{self.name}: compute() called before any update(); nothing to score.")
        return self.score(self._total)

    def reset(self) -> Metric:
        """Forget the accumulated statistics; returns ``self``."""
        self._total = None
        self._n_items = 0
        return self

    @property
    def total(self) -> Any:
        """The accumulated statistics (a copy), e.g. to all-reduce across processes."""
        # deepcopy, not np.array: statistics summed by an overridden _add need not be an array
        return copy.deepcopy(self._total)

    @property
    def n_items(self) -> int:
        """How many items were added by ``update``/``merge``."""
        return self._n_items

    def __call__(self, *inputs: Any) -> Result:
        """Score one corpus without touching the running statistics."""
        total, _ = self._batch_total(*inputs)
        return self.score(total)

    def scores(self, totals: np.ndarray) -> np.ndarray:
        """``float(score(t))`` for each row of a ``(m, n_stats)`` matrix of summed statistics.

        Bootstrap resampling calls this on thousands of rows; metrics override it with a vectorized form.
        """
        return np.array([float(self.score(t)) for t in totals], dtype=np.float64)

    def sentence_scores(self, *inputs: Any) -> list[Result]:
        """Score each item on its own (each row of ``stats``)."""
        return [self.score(row) for row in self.stats(*inputs)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.signature()})"
