"""BERTScore's options, idf tables, baseline files and formula: what the metric's paths share.

Statistics rows (one per segment, float64): ``[1, P, R, F]``, a count and the segment's precision,
recall and F1 (each the best over its references, as bert-score takes them). The corpus score is the mean
of F over segments (what bert-score's users report: ``F.mean()``), and precision and recall likewise;
with ``rescale_with_baseline`` each mean ``m`` becomes ``(m - b) / (1 - b)`` with the baseline ``b`` of
the layer (linear, so the mean of bert-score's rescaled values).
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.options import Options, choice, flag, integer, option
from evalkit.models import ENVIRONMENT

#: the environment variable naming the model folder when ``model=None``
MODEL_ENVIRONMENT = ENVIRONMENT.format(name="BERTSCORE")
LAYOUT = ("count", "precision", "recall", "f1")
DTYPES = (None, "float32", "float64", "float16", "bfloat16")


def _check_model(owner: str, name: str, value: Any) -> Any:
    if value is None or isinstance(value, (str, os.PathLike)) or type(value).__name__ == "LocalModel":
        return value
    if isinstance(value, tuple) and len(value) == 2 and hasattr(value[0], "forward") and hasattr(value[1], "encode"):
        return value
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be a model folder, a hub name in the local cache, or a "
        f"(model, tokenizer) pair already loaded. Got {value!r} instead."
    )


def _check_idf(owner: str, name: str, value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Mapping) and all(
        isinstance(k, (int, np.integer)) and not isinstance(k, bool) and _finite(v) for k, v in value.items()
    ):
        return value
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be False, True (idf of the references) or a mapping of "
        f"token ids to finite weights. Got {value!r} instead."
    )


def _finite(value: Any) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_path(owner: str, name: str, value: Any) -> Any:
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    raise InvalidOptionError(f"The {name!r} parameter of {owner} must be a file path or None. Got {value!r} instead.")


def _check_device(owner: str, name: str, value: Any) -> Any:
    if value is None or isinstance(value, str) or type(value).__name__ == "device":
        return None if value is None else str(value)
    raise InvalidOptionError(
        f"The {name!r} parameter of {owner} must be None (the model's own, else CUDA when present) or a "
        f"torch device name such as 'cpu' or 'cuda:0'. Got {value!r} instead."
    )


@dataclass(frozen=True)
class BertScoreOptions(Options):
    """BERTScore's options, declared once (bert-score's names where it has them).

    Example:
        >>> BertScoreOptions.parse("bertscore", {"model": "my-model-dir", "layer": 8}).layer
        8
    """

    model: Any = option(
        None,
        _check_model,
        f"a model folder, a hub name already in the local cache, or a (model, tokenizer) pair; None: ${MODEL_ENVIRONMENT}",
    )
    layer: int | None = option(
        None,
        integer(minimum=0, optional=True),
        "the hidden layer whose embeddings are matched (0: the embeddings); None: the last",
    )
    idf: Any = option(
        False, _check_idf, "weight tokens by idf: False, True (from the references, a first pass) or {token id: weight}"
    )
    special_tokens: str = option(
        "match",
        choice("match", "exclude"),
        "'match': [CLS]/[SEP] take part in the matching with weight 0 (bert-score); 'exclude': they do not (torchmetrics)",
        sig="special",
        hide_default=True,
    )
    rescale_with_baseline: bool = option(
        False, flag(), "rescale each mean m to (m - b) / (1 - b), b from baseline_path"
    )
    baseline_path: str | None = option(None, _check_path, "a local baseline file (bert-score's: LAYER,P,R,F per layer)")
    batch_size: int = option(64, integer(minimum=1), "sentences per forward pass (the number does not depend on it)")
    device: str | None = option(None, _check_device, "a torch device; None: the model's own, else CUDA when present")
    dtype: str | None = option(
        None, choice(*DTYPES), "the model's dtype; None: as saved", sig="dtype", hide_default=True
    )

    def finish(self, owner: str) -> BertScoreOptions:
        if self.model is None and not os.environ.get(MODEL_ENVIRONMENT):
            raise InvalidOptionError(
                f"The 'model' parameter of {owner} is required: a folder holding the model's config, weights and "
                f"tokenizer files (or set ${MODEL_ENVIRONMENT} to one). Got None instead."
            )
        if self.rescale_with_baseline and self.baseline_path is None:
            raise InvalidOptionError(
                f"The 'baseline_path' parameter of {owner} is required with rescale_with_baseline=True: a local "
                "baseline file (bert-score's rescale_baseline/<lang>/<model>.tsv, or one of your own). Got None instead."
            )
        if self.baseline_path is not None and not self.rescale_with_baseline:
            raise InvalidOptionError(
                f"The 'baseline_path' parameter of {owner} is read only with rescale_with_baseline=True. "
                f"Got {self.baseline_path!r} with rescale_with_baseline=False."
            )
        if self.baseline_path is not None and not os.path.isfile(self.baseline_path):
            raise InvalidOptionError(
                f"The 'baseline_path' parameter of {owner} must name a file. Got {os.fspath(self.baseline_path)!r} "
                "instead (no such file)."
            )
        return self


# -- idf -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdfTable:
    """Token weights: ``weights[id]``, else ``default`` (``None``: every token must have a weight)."""

    weights: Mapping[int, float]
    default: float | None
    digest: str

    @classmethod
    def of(cls, weights: Mapping[int, float], default: float | None) -> IdfTable:
        h = hashlib.sha256(repr(default).encode())
        for k in sorted(weights):
            h.update(f"{int(k)}:{float(weights[k])!r};".encode())
        return cls({int(k): float(v) for k, v in weights.items()}, default, h.hexdigest())

    @classmethod
    def from_mapping(cls, mapping: Mapping[int, float]) -> IdfTable:
        """A user's mapping; a ``defaultdict``'s factory gives the weight of the ids it lacks (not called
        on the mapping, which is left unchanged)."""
        factory = getattr(mapping, "default_factory", None)
        return cls.of(dict(mapping), None if factory is None else float(factory()))

    def lookup(self, ids: Sequence[int], owner: str) -> np.ndarray:
        out = np.empty(len(ids), dtype=np.float64)
        for j, t in enumerate(ids):
            w = self.weights.get(t, self.default)
            if w is None:
                raise InputError(
                    f"{owner}: the 'idf' mapping has no weight for token id {t}; give every token of the inputs "
                    "a weight (a defaultdict's factory gives the missing ones), or use idf=True."
                )
            out[j] = w
        return out


def idf_from_references(references: Iterable[Sequence[int]]) -> IdfTable:
    """bert-score's ``get_idf_dict``: over the ``M`` references (each one a document, repeats counted),
    ``idf(t) = log((M + 1) / (df(t) + 1))`` and ``log(M + 1)`` for a token no reference holds; [CLS] and
    [SEP], in every reference, get ``log(1) = 0``.

    Example:
        >>> t = idf_from_references([[101, 7, 8, 102], [101, 7, 102]])
        >>> round(t.weights[7], 4), round(t.weights[8], 4), t.weights[101], round(t.default, 4)
        (0.0, 0.4055, 0.0, 1.0986)
    """
    df: dict[int, int] = {}
    m = 0
    for ids in references:
        m += 1
        for t in set(ids):
            df[t] = df.get(t, 0) + 1
    return IdfTable.of({t: math.log((m + 1) / (c + 1)) for t, c in df.items()}, math.log(m + 1))


# -- baseline ------------------------------------------------------------------------------------


def read_baseline(path: str | os.PathLike[str], layer: int, owner: str) -> np.ndarray:
    """``[b_P, b_R, b_F]`` of ``layer``: the ``layer``-th data row of a baseline file (a header, then one
    row ``LAYER,P,R,F`` per layer from 0), as bert-score reads it (``read_csv(...).iloc[layer]``)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    body = rows[1:]
    if layer >= len(body):
        raise InvalidOptionError(
            f"The 'baseline_path' parameter of {owner} names a file with rows for layers 0..{len(body) - 1}; "
            f"layer {layer} has none."
        )
    try:
        values = np.array([float(x) for x in body[layer][1:4]], dtype=np.float64)
    except ValueError:
        values = np.array([])
    if values.shape != (3,) or not np.isfinite(values).all() or (values >= 1).any():
        raise InvalidOptionError(
            f"The 'baseline_path' parameter of {owner} must hold rows LAYER,P,R,F of finite numbers below 1; "
            f"row {layer + 1} is {body[layer]!r}."
        )
    return values


def file_digest(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# -- formula -------------------------------------------------------------------------------------


def means(totals: np.ndarray, baseline: np.ndarray | None) -> np.ndarray:
    """``(m, 3)`` means of P, R and F of ``(m, 4)`` summed rows, rescaled by ``baseline`` if given; 0 for
    a row of no segments."""
    count = totals[:, :1]
    out = np.divide(totals[:, 1:], count, out=np.zeros((len(totals), 3)), where=count > 0)
    if baseline is not None:
        out = (out - baseline) / (1 - baseline)
    return out


def f_score(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``2PR / (P + R)``, 0 where it is undefined (bert-score's ``masked_fill(isnan(F), 0)``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = 2 * p * r / (p + r)
    return np.where(np.isnan(f), 0.0, f)


__all__ = [
    "LAYOUT",
    "MODEL_ENVIRONMENT",
    "BertScoreOptions",
    "IdfTable",
    "f_score",
    "file_digest",
    "idf_from_references",
    "means",
    "read_baseline",
]
