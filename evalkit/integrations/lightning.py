"""An evalkit metric as a ``torchmetrics.Metric``: ``self.log(name, adapter)`` and ``MetricCollection`` work.

::

    from evalkit.integrations.lightning import EvalkitMetric

    class Model(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.val_bleu = EvalkitMetric(evalkit.BLEU())
        def validation_step(self, batch, i):
            self.val_bleu.update(hypotheses, references)          # the metric's own inputs
            self.log("val_bleu", self.val_bleu, on_epoch=True)

Each statistic of the metric's total is one state (int64 counts, exact beyond float32's 2^24; float64
sums), reduced across processes with ``dist_reduce_fx="sum"`` (BLEU's numbers of references by
``"max"``/``"min"``). The state names carry the metric's name and a hash of its options, so two
configurations in one ``MetricCollection`` never share a compute group: torchmetrics merges metrics
whose states look alike, and ``BLEUScore()`` beside ``SacreBLEUScore(tokenize="13a")`` reported the
first one's score for both. ``compute()`` returns the score as a float64 tensor; ``last_result`` keeps
the evalkit ``Result`` (components, signature).

The memory is the number of statistics, whatever the number of updates (torchmetrics' ROUGE keeps list
states that grow with the data). torch's ``DistributedSampler`` repeats items to even out the ranks, and
a sum counts them twice: give the evaluation ``DataLoader`` ``sampler=evalkit.stats.dist.unpadded_sampler(n)``
(and ``Trainer(use_distributed_sampler=False)``), which gives each item to exactly one rank.

torch and torchmetrics are imported when :class:`EvalkitMetric` is first looked up.
"""

from __future__ import annotations

from typing import Any

from evalkit.core.optional import require
from evalkit.integrations._states import as_float, batch_total, compute, identity, layout


def _build() -> type:
    torch = require("torch", "lightning", "evalkit.integrations.lightning")
    torchmetrics = require("torchmetrics", "lightning", "evalkit.integrations.lightning")

    class EvalkitMetric(torchmetrics.Metric):
        """An evalkit ``Metric`` as a ``torchmetrics.Metric`` (see the module): ``update`` takes the
        metric's own inputs, ``compute`` gives its score (float64 tensor)."""

        full_state_update = False
        is_differentiable = False

        def __init__(self, metric: Any, **kwargs: Any) -> None:
            spec = layout("EvalkitMetric", metric)
            super().__init__(**kwargs)
            self.metric = metric.fresh()
            self._higher = metric.higher_is_better
            self.last_result: Any = None
            self._spec = spec
            dtype = torch.int64 if all(spec.integer) else torch.float64
            self._dtype = dtype
            for name, reduction in zip(spec.names, spec.reductions):
                self.add_state(name, torch.zeros((), dtype=dtype), dist_reduce_fx=reduction)
            for name, (_, reduction) in zip(spec.extra_names, spec.extras):
                self.add_state(name, torch.tensor(identity(reduction), dtype=torch.float64), dist_reduce_fx=reduction)
            self.add_state(spec.n_items_name, torch.zeros((), dtype=torch.int64), dist_reduce_fx="sum")

        @property
        def higher_is_better(self) -> bool | None:  # type: ignore[override]
            return self.__dict__.get("_higher")  # the metric's (a const of torchmetrics' class)

        def update(self, *inputs: Any) -> None:
            total, n_items, extras = batch_total(self.metric, inputs)
            spec = self._spec
            first = getattr(self, spec.names[0])
            total = torch.as_tensor(total).to(device=first.device, dtype=self._dtype)
            for j, name in enumerate(spec.names):
                state = getattr(self, name)
                reduction = spec.reductions[j]
                if reduction == "sum":
                    setattr(self, name, state + total[j])
                else:
                    setattr(
                        self,
                        name,
                        torch.maximum(state, total[j]) if reduction == "max" else torch.minimum(state, total[j]),
                    )
            for name, (key, reduction) in zip(spec.extra_names, spec.extras):
                state = getattr(self, name)
                value = torch.tensor(extras[key], dtype=torch.float64, device=state.device)
                setattr(self, name, torch.maximum(state, value) if reduction == "max" else torch.minimum(state, value))
            setattr(self, spec.n_items_name, getattr(self, spec.n_items_name) + n_items)

        def compute(self) -> Any:
            spec = self._spec
            total = torch.stack([getattr(self, n) for n in spec.names]).tolist()  # one read from the device
            n_items = int(getattr(self, spec.n_items_name))
            extras = {k: float(getattr(self, n)) for n, (k, _) in zip(spec.extra_names, spec.extras)}
            self.last_result = compute(self.metric, spec, total, n_items, extras)
            return torch.tensor(as_float(self.last_result), dtype=torch.float64)

    EvalkitMetric.__module__, EvalkitMetric.__qualname__ = __name__, "EvalkitMetric"  # pickled by reference
    return EvalkitMetric


_BUILT: dict[str, type] = {}


def __getattr__(name: str) -> Any:
    if name == "EvalkitMetric":
        if name not in _BUILT:
            _BUILT[name] = _build()
        return _BUILT[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["EvalkitMetric"]  # noqa: F822  (built at first look-up: __getattr__)
