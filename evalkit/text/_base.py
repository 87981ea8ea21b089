"""The text-metric template: what every metric of ``(hypotheses, references)`` shares.

A text metric declares its options (an :class:`~evalkit.core.options.Options` with a ``backend`` field)
and fills in four things:

- ``segment_rows(hypotheses, references, backend)``: one statistics row per checked segment, written by
  the readable reference (``backend="python"``) or the vectorized backend (``"numpy"``), equal rows;
- ``checked_totals(totals, param)``: a matrix of totals in the metric's layout, or a clear error;
- ``formula(totals)``: the score of each row of summed statistics, vectorized (bootstrap, sentence level);
- ``result(total, signature)``: the :class:`~evalkit.core.result.Result` of one summed row, components
  included; its score is ``formula`` of that row.

The template owns the rest: input checks (``text_pairs``), the one ``backend="auto"`` policy
(:func:`evalkit.core.backends.choose_backend` from ``numpy_from`` segments on, :meth:`backend_for`), ``stats``/``rows`` with
the number of references per segment (sacrebleu's ``nrefs``, kept as extras), ``signature``, ``score``,
``scores``, ``sentence_scores`` and ``segment_scores`` (the ``sentence_*`` functions' arrays).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import choose_backend
from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.signature import Signature
from evalkit.core.validate import text_pairs
from evalkit.text._references import nrefs_extras, nrefs_label


def case_name(lowercase: bool) -> str:
    """sacrebleu's ``case`` field: ``lc`` or ``mixed``."""
    return "lc" if lowercase else "mixed"


def rows_with_nrefs(rows: Any, nrefs: Sequence[int]) -> Rows:
    """``rows`` as :class:`Rows` with the fewest and most references per item (sacrebleu's ``nrefs``)."""
    return Rows(rows, extras=nrefs_extras([range(k) for k in nrefs]))


class ReferenceMetric(Metric):
    """Base of the metrics of hypotheses against references (strings or token ids): rows scored by one
    vectorized formula, and a signature that starts with the number of references (``nrefs``).

    A subclass fills in ``checked_totals``, ``formula`` and ``result`` and writes rows with
    :func:`rows_with_nrefs`; :class:`TextMetric` also makes the rows of text.
    """

    @abstractmethod
    def checked_totals(self, totals: Any, param: str) -> np.ndarray:
        """``totals`` as a 2-D matrix in this metric's layout, or an error naming ``param``."""

    @abstractmethod
    def formula(self, totals: np.ndarray) -> np.ndarray:
        """The score of each row of a checked matrix of totals."""

    @abstractmethod
    def result(self, total: np.ndarray, signature: Signature) -> Result:
        """The Result of one checked row of summed statistics."""

    # -- scoring -------------------------------------------------------------------------------------
    def signature(self) -> Signature:
        """The options that change the number (without ``nrefs``, which the data decides)."""
        return self._signature(None)

    def _signature(self, nrefs: Any) -> Signature:
        return self.options.signature(self.name, **({} if nrefs is None else {"nrefs": nrefs}))

    def score(self, total: Any) -> Result:
        """The Result of summed statistics (one row). Pure: ``total`` is not changed."""
        rows = self.checked_totals(total, "total")
        if len(rows) != 1:
            raise InputError(f"{self._owner}: 'total' must be one summed row; got {len(rows)} rows.")
        return self.result(rows[0], self._signature(nrefs_label(self.extras)))

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total must be one row of this metric's layout (:meth:`checked_totals`)."""
        self.checked_totals(total, "total")

    def scores(self, totals: Any) -> np.ndarray:
        """``score(row).score`` for every row of ``totals``, vectorized (bootstrap, sentence level)."""
        return self.formula(self.checked_totals(totals, "totals"))


class TextMetric(ReferenceMetric):
    """Base of the metrics of ``(hypotheses, references)`` of text (see the module docstring)."""

    task: ClassVar[str] = "text"
    #: ``backend="auto"`` takes the vectorized backend from this many segments on (each metric measures it)
    numpy_from: ClassVar[int] = 2

    def _custom_objects(self) -> tuple[Any, ...]:
        # a user's tokenizer object (the metrics with a ``tokenize`` option): merges need that very object
        tokenize = getattr(self.options, "tokenize", None)
        return () if tokenize is None or isinstance(tokenize, str) else (tokenize,)

    # -- to fill in ----------------------------------------------------------------------------------
    def pretokenized(self, hypotheses: Sequence[Any]) -> bool:
        """Whether the hypotheses are token lists (nltk's layout), which only ``tokenize="none"`` leaves as
        given: any other tokenizer would split the tokens again, so it is refused with a clear error."""
        if isinstance(hypotheses[0], str):
            return False
        name = self.options.tokenizer.name
        if name != "none":
            raise InvalidOptionError(
                f"{self._owner}: pre-tokenized input (lists of tokens) needs tokenize='none'; "
                f"got tokenize={name!r}, which would split the tokens again."
            )
        return True

    @abstractmethod
    def segment_rows(self, hypotheses: list[Any], references: list[list[Any]], backend: str) -> np.ndarray:
        """One statistics row per segment of checked inputs, by ``backend`` (``"python"`` or ``"numpy"``)."""

    # -- statistics ----------------------------------------------------------------------------------
    def backend_for(self, hypotheses: list[Any], references: list[list[Any]]) -> str:
        """The backend for checked input: the one ``backend="auto"`` policy, counted in segments (a metric
        whose set-up cost depends on another size, e.g. ROUGE's characters, overrides this)."""
        return choose_backend(self._owner, self.options.backend, len(hypotheses), numpy_from=self.numpy_from)

    def _segments(self, hypotheses: Any, references: Any, **call: Any) -> tuple[np.ndarray, list[int]]:
        """Statistics rows of the checked segments and each segment's number of references; ``call``:
        per-call arguments of ``segment_rows`` (ROUGE's ``processes``)."""
        hyps, refs = text_pairs(self._owner, hypotheses, references)
        return self.segment_rows(hyps, refs, self.backend_for(hyps, refs), **call), [len(seg) for seg in refs]

    def stats(self, hypotheses: Any, references: Any, **call: Any) -> np.ndarray:
        """Per-segment statistics rows (see the metric's module docstring for the layout)."""
        return self._segments(hypotheses, references, **call)[0]

    def rows(self, hypotheses: Any, references: Any, **call: Any) -> Rows:
        """:meth:`stats` as :class:`Rows`, with the fewest and most references per segment (``nrefs``)."""
        return rows_with_nrefs(*self._segments(hypotheses, references, **call))

    def sentence_scores(self, hypotheses: Any, references: Any) -> list[Result]:
        """One Result per segment, each with its own ``nrefs`` in the signature."""
        rows, nrefs = self._segments(hypotheses, references)
        return [self.result(row, self._signature(k)) for row, k in zip(rows, nrefs)]

    def segment_scores(self, hypotheses: Any, references: Any) -> np.ndarray:
        """The score of every segment on its own, as a float array (the ``sentence_*`` functions)."""
        return self.scores(self.stats(hypotheses, references))
