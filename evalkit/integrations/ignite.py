"""An evalkit metric as a pytorch-ignite ``Metric`` (``reset``/``update``/``compute``, synced across ranks).

::

    from evalkit.integrations.ignite import EvalkitIgniteMetric

    bleu = EvalkitIgniteMetric(evalkit.BLEU(), output_transform=lambda out: (out["hyps"], out["refs"]))
    bleu.attach(evaluator, "bleu")
    evaluator.run(data)
    evaluator.state.metrics["bleu"]          # the corpus score of every item

``update(output)`` adds the batch's statistics (``output`` is the tuple of the metric's inputs, after
``output_transform``) to an int64 or float64 total; ``compute`` reduces it over every process with
``sync_all_reduce`` (sums; BLEU's numbers of references by MAX/MIN), scores it, and leaves the local
state as it was. ``last_result`` keeps the evalkit ``Result``. torch and ignite are imported when
:class:`EvalkitIgniteMetric` is first looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalkit.core.optional import require
from evalkit.integrations._states import as_float, batch_total, compute, identity, layout


def _identity(output: Any) -> Any:
    return output  # a named function, not a lambda: the metric pickles


def _build() -> type:
    torch = require("torch", "ignite", "evalkit.integrations.ignite")
    require("ignite", "ignite", "evalkit.integrations.ignite")
    from ignite.metrics import Metric
    from ignite.metrics.metric import reinit__is_reduced, sync_all_reduce

    class EvalkitIgniteMetric(Metric):
        """An evalkit ``Metric`` as an ignite ``Metric`` (see the module)."""

        def __init__(
            self, metric: Any, output_transform: Callable[[Any], Any] = _identity, device: Any = "cpu"
        ) -> None:
            self._spec = layout("EvalkitIgniteMetric", metric)
            self.metric = metric.fresh()
            self.last_result: Any = None
            super().__init__(output_transform=output_transform, device=device)

        @reinit__is_reduced
        def reset(self) -> None:
            spec = self._spec
            dtype = torch.int64 if all(spec.integer) else torch.float64
            self._total = torch.zeros(spec.width, dtype=dtype, device=self._device)
            self._n_items = torch.zeros((), dtype=torch.int64, device=self._device)
            # one slot more than the extras of each reduction: a collective never sees an empty tensor
            ups = [identity("max")] * (1 + sum(r == "max" for _, r in spec.extras))
            downs = [identity("min")] * (1 + sum(r == "min" for _, r in spec.extras))
            self._extras_max = torch.tensor(ups, dtype=torch.float64, device=self._device)
            self._extras_min = torch.tensor(downs, dtype=torch.float64, device=self._device)

        @reinit__is_reduced
        def update(self, output: Any) -> None:
            inputs = tuple(output) if isinstance(output, (tuple, list)) else (output,)
            total, n_items, extras = batch_total(self.metric, inputs)
            spec = self._spec
            if any(r != "sum" for r in spec.reductions):
                raise NotImplementedError("EvalkitIgniteMetric: metrics with max/min statistics")  # none has one yet
            self._total += torch.as_tensor(total).to(device=self._total.device, dtype=self._total.dtype)
            self._n_items += n_items
            for values, reduction in ((self._extras_max, "max"), (self._extras_min, "min")):
                keys = [k for k, r in spec.extras if r == reduction]
                if keys:
                    batch = torch.tensor([extras[k] for k in keys], dtype=torch.float64, device=values.device)
                    op = torch.maximum if reduction == "max" else torch.minimum
                    values[: len(keys)] = op(values[: len(keys)], batch)

        @sync_all_reduce("_total", "_n_items", "_extras_max:MAX", "_extras_min:MIN")
        def compute(self) -> float:
            spec = self._spec
            maxes = iter(self._extras_max.tolist())
            mins = iter(self._extras_min.tolist())
            extras = {k: next(maxes) if r == "max" else next(mins) for k, r in spec.extras}
            self.last_result = compute(self.metric, spec, self._total.tolist(), int(self._n_items), extras)
            return as_float(self.last_result)

    EvalkitIgniteMetric.__module__, EvalkitIgniteMetric.__qualname__ = (
        __name__,
        "EvalkitIgniteMetric",
    )  # pickled by reference
    return EvalkitIgniteMetric


_BUILT: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    if name == "EvalkitIgniteMetric":
        if name not in _BUILT:
            _BUILT[name] = _build()
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EvalkitIgniteMetric"]  # noqa: F822  (built at first look-up: __getattr__)
