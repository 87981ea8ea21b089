"""evalkit metrics in Keras 3: a ``keras.metrics.Metric`` for the torch backend, and an epoch-end callback.

::

    import os; os.environ["KERAS_BACKEND"] = "torch"
    from evalkit.integrations.keras import KerasMetric, ScoreCallback

    model.compile(loss=..., metrics=[KerasMetric(evalkit.TokenAccuracy())])   # update_state(y_true, y_pred)
    model.fit(x, y, callbacks=[ScoreCallback(evalkit.BLEU(), val_batches, generate, tokenizer)])

:class:`KerasMetric` keeps one Keras variable per statistic (int64 counts, float64 sums) and adds each
batch's statistics eagerly: the metric's inputs are ``(y_pred, y_true)`` (logits or ids, and labels).
Keras metrics are ``update_state``/``result``/``reset_state`` objects that the jax and tensorflow
backends trace into graphs, where evalkit's statistics cannot be computed; so it runs on the torch
backend only, uncompiled, and says so otherwise (an ``InputError`` naming the backend, or
``jit_compile``). ``result()`` is ``nan`` before any item (Keras asks for it before the first batch).

:class:`ScoreCallback` works on every backend: at the end of an epoch it generates the outputs of a
validation set, decodes them (:mod:`evalkit.integrations.decoding`), scores them with evalkit metrics and
writes the scores into ``logs`` (``val_bleu``), where ``History``, ``EarlyStopping`` and
``ModelCheckpoint`` read them. keras is imported when a class here is first looked up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import evalkit.core.arrays as arrays
from evalkit.core.errors import InputError
from evalkit.core.metric import Metric
from evalkit.core.optional import require
from evalkit.integrations._states import as_float, batch_total, compute, identity, layout
from evalkit.integrations.decoding import IGNORE_INDEX, decode
from evalkit.integrations.hf import flat_scores, keyed_metrics


def _compiling() -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and (torch.compiler.is_compiling() or torch.jit.is_tracing())


def _is_texts(value: Any) -> bool:
    """Strings, or lists of reference strings (not ids)."""
    if not isinstance(value, (list, tuple)):
        return False
    head = value[0] if value else ""
    return isinstance(head, str) or (isinstance(head, (list, tuple)) and bool(head) and isinstance(head[0], str))


def _metric_class() -> type:
    keras = require("keras", "keras", "evalkit.integrations.keras")

    class KerasMetric(keras.metrics.Metric):
        """An evalkit ``Metric`` as a ``keras.metrics.Metric`` on the torch backend (see the module)."""

        def __init__(self, metric: Any, name: str | None = None, **kwargs: Any) -> None:
            backend = keras.backend.backend()
            if backend != "torch":
                raise InputError(
                    f"KerasMetric: Keras traces metrics into graphs on the {backend!r} backend, where evalkit's "
                    "statistics cannot be computed; set KERAS_BACKEND=torch, or score at epoch end with "
                    "ScoreCallback (every backend)."
                )
            spec = layout("KerasMetric", metric)
            super().__init__(name=name or metric.name, **kwargs)
            self._evalkit = metric.fresh()
            self._spec = spec
            dtype = "int64" if all(spec.integer) else "float64"
            self._stats = [self.add_variable(shape=(), initializer="zeros", dtype=dtype, name=n) for n in spec.names]
            self._extras = [
                self.add_variable(shape=(), initializer="zeros", dtype="float64", name=n) for n in spec.extra_names
            ]
            self._n_items = self.add_variable(shape=(), initializer="zeros", dtype="int64", name=spec.n_items_name)
            self.reset_state()

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
            if _compiling():
                raise InputError(
                    "KerasMetric: the step is being compiled (jit_compile=True); evalkit's statistics are computed "
                    "eagerly. Compile the model with jit_compile=False, or use ScoreCallback."
                )
            if sample_weight is not None:
                raise InputError(
                    "KerasMetric: sample_weight is not taken; the metric weighs tokens or segments itself."
                )
            total, n_items, extras = batch_total(self._evalkit, (y_pred, y_true))
            total = arrays.to_host(total).tolist()
            for variable, value in zip(self._stats, total):
                variable.assign(variable.value + value)
            for variable, (key, reduction) in zip(self._extras, self._spec.extras):
                old = float(variable.value)
                variable.assign(max(old, extras[key]) if reduction == "max" else min(old, extras[key]))
            self._n_items.assign(self._n_items.value + n_items)

        def result(self) -> float:
            n_items = int(self._n_items.value)
            if n_items == 0:
                return float("nan")
            total = [v.value.item() for v in self._stats]
            extras = {k: float(v.value) for v, (k, _) in zip(self._extras, self._spec.extras)}
            self.last_result = compute(self._evalkit, self._spec, total, n_items, extras)
            return as_float(self.last_result)

        def reset_state(self) -> None:
            for variable in self._stats:
                variable.assign(0)
            for variable, (_, reduction) in zip(self._extras, self._spec.extras):
                variable.assign(identity(reduction))
            self._n_items.assign(0)
            self.last_result = None

    KerasMetric.__module__, KerasMetric.__qualname__ = __name__, "KerasMetric"  # pickled by reference
    return KerasMetric


def _callback_class() -> type:
    keras = require("keras", "keras", "evalkit.integrations.keras")

    class ScoreCallback(keras.callbacks.Callback):
        """Score a validation set with evalkit metrics at the end of each epoch, into ``logs``.

        ``data``: an iterable of ``(inputs, references)`` batches (read again each epoch); ``generate``:
        ``inputs -> outputs`` (strings, or ids/logits that ``decoder`` turns into strings: a HF tokenizer or
        a function of id lists). References are strings (a list per batch, or a list of lists for several
        references), or ids decoded the same way. ``prefix`` starts each key of ``logs`` (``val_bleu``);
        ``every``: score every that many epochs. ``history`` keeps each epoch's evalkit Results.
        """

        def __init__(
            self,
            metrics: Metric | Sequence[Metric] | Mapping[str, Metric],
            data: Iterable[tuple[Any, Any]],
            generate: Callable[[Any], Any],
            decoder: Any = None,
            *,
            pad_id: int | None = None,
            eos_id: int | None = None,
            ignore_index: int = IGNORE_INDEX,
            prefix: str = "val_",
            every: int = 1,
        ) -> None:
            super().__init__()
            self.metrics = keyed_metrics("ScoreCallback", metrics)
            self.data, self.generate, self.decoder = data, generate, decoder
            self.pad_id = getattr(decoder, "pad_token_id", None) if pad_id is None else pad_id
            self.eos_id = getattr(decoder, "eos_token_id", None) if eos_id is None else eos_id
            self.ignore_index, self.prefix, self.every = ignore_index, prefix, every
            self.history: list[dict[str, Any]] = []

        def _texts(self, value: Any) -> Any:
            if _is_texts(value):
                return list(value)
            if self.decoder is None:
                raise InputError(
                    "ScoreCallback: the outputs are ids; give decoder= (a tokenizer or batch_decode function)."
                )
            return decode(value, self.decoder, pad_id=self.pad_id, eos_id=self.eos_id, ignore_index=self.ignore_index)

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if (epoch + 1) % self.every:
                return
            running = {k: m.fresh() for k, m in self.metrics.items()}
            for inputs, references in self.data:
                hyps, refs = self._texts(self.generate(inputs)), self._texts(references)
                for m in running.values():
                    m.update(hyps, refs)
            results = {k: m.compute() for k, m in running.items()}
            self.history.append(results)
            if logs is not None:
                for key, result in results.items():
                    logs.update({self.prefix + k: v for k, v in flat_scores(key, result).items()})

    ScoreCallback.__module__, ScoreCallback.__qualname__ = __name__, "ScoreCallback"  # pickled by reference
    return ScoreCallback


_BUILT: dict[str, type] = {}
_BUILDERS = {"KerasMetric": _metric_class, "ScoreCallback": _callback_class}


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        if name not in _BUILT:
            _BUILT[name] = _BUILDERS[name]()
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["KerasMetric", "ScoreCallback"]  # noqa: F822  (built at first look-up: __getattr__)
