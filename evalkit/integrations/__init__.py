"""evalkit metrics inside the training frameworks people already use (optional extras, each imported only
when its adapter is):

- :mod:`evalkit.integrations.decoding`: framework-free turning of logits, ids and ``-100`` into clean
  id lists and strings;
- :mod:`evalkit.integrations.hf`: ``compute_metrics`` and ``preprocess_logits_for_metrics`` for the
  HF ``Trainer``;
- :mod:`evalkit.integrations.lightning`: a ``torchmetrics.Metric`` (Lightning's ``self.log``,
  ``MetricCollection``);
- :mod:`evalkit.integrations.keras`: a ``keras.metrics.Metric`` (torch backend) and an epoch-end callback;
- :mod:`evalkit.integrations.ignite`: a pytorch-ignite ``Metric``.

They use the metrics' public protocol only (``rows``, ``state_dict``/``load_state_dict``, ``compute``),
so every adapter's score is the metric's own. See docs/integrations.md.
"""
