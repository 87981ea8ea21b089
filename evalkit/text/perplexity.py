"""Perplexity as an evalkit metric: statistics ``(nll_sum, n_tokens)``, summed, then scored.

Summing the statistics (not averaging per-batch perplexities) weights every token equally, as
pytorch/examples' word_language_model does, and lets partial sums from workers merge exactly.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from evalkit.core.arrays import to_host
from evalkit.core.errors import EmptyInputError, InputError, InputTypeError
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.signature import Signature
from evalkit.core.validate import check_same_length, stat_rows

_LAYOUT = ("nll_sum", "n_tokens")


def _checked(param: str, rows: Any) -> np.ndarray:
    """Finite, non-negative ``[nll_sum, n_tokens]`` rows with whole token counts, or a message (never numpy's
    "could not convert string to float")."""
    rows = stat_rows("perplexity", param, rows, layout=_LAYOUT)
    if (rows[:, 1] != np.floor(rows[:, 1])).any():
        raise InputError(f"perplexity: {param} must count whole tokens; it holds {rows[:, 1].tolist()!r:.60}.")
    return rows


@register
class Perplexity(Metric):
    """``exp(sum of -log p(token) / number of tokens)`` (natural log).

    ``update(nll_sums, n_tokens)`` takes per-item (e.g. per-batch or per-sequence) sums and counts.

    Example:
        >>> m = Perplexity()
        >>> _ = m.update([2.0, 1.0], [2, 1])
        >>> round(float(m.compute()), 6)  # exp(3 / 3)
        2.718282
    """

    name = "perplexity"
    higher_is_better = False
    #: inputs are a language model's per-item negative log-likelihood sums and token counts
    task = "lm"

    def __init__(self) -> None:
        super().__init__()  # no options: its declaration is the default NoOptions (natural log, always)

    def stats(self, nll_sums, n_tokens) -> np.ndarray:  # type: ignore[override]
        for name, value in (("nll_sums", nll_sums), ("n_tokens", n_tokens)):
            if isinstance(value, (set, frozenset, dict)):
                raise InputTypeError(
                    f"perplexity: {name} must be an ordered sequence; a {type(value).__name__} has no order."
                )
        # tensors (bfloat16 included, read as float32) to the host; sums accumulate in float64
        nll, count = (np.atleast_1d(np.asarray(to_host(v))) for v in (nll_sums, n_tokens))
        if nll.ndim != 1 or count.ndim != 1:
            raise InputError(
                f"perplexity: nll_sums and n_tokens must be numbers or 1-D sequences of numbers, got shapes "
                f"{nll.shape} and {count.shape}."
            )
        check_same_length("perplexity", nll_sums=nll, n_tokens=count)
        return _checked("nll_sums, n_tokens", np.stack([nll, count], axis=1))

    def scores(self, totals) -> np.ndarray:  # type: ignore[override]
        """``exp(nll_sum / n_tokens)`` of each row (NaN without tokens); a perplexity beyond float64's range
        is ``inf`` with a warning, as torchmetrics gives."""
        totals = np.asarray(totals, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(totals[:, 1] > 0, np.exp(totals[:, 0] / totals[:, 1]), np.nan)
        if np.isinf(out).any():
            warnings.warn(
                "perplexity: exp(nll per token) is beyond float64's range (nll per token > 709.78); "
                "the perplexity is inf. Compare the nll_per_token component instead.",
                RuntimeWarning,
                stacklevel=2,
            )
        return out

    def score(self, total) -> Result:  # type: ignore[override]
        nll, count = float(total[0]), float(total[1])
        if count <= 0:
            raise EmptyInputError("perplexity: no tokens were counted; the score is undefined.")
        return Result(
            self.name,
            float(self.scores(np.array([[nll, count]]))[0]),  # the one formula, on one row
            {"nll_per_token": nll / count, "nll_sum": nll, "n_tokens": int(count)},
            self.signature(),
        )

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """A saved total must be what :meth:`stats` writes: ``[nll_sum, n_tokens]``, finite and non-negative
        (a negative token count would give a perplexity of no model)."""
        _checked("total", total)

    def signature(self) -> Signature:
        return Signature.of(self.name, log="e")
