"""evalkit metrics in the HF ``Trainer``: a ``compute_metrics`` and its ``preprocess_logits_for_metrics``.

::

    scoring = TrainerMetrics([evalkit.BLEU(), evalkit.LogitPerplexity(shift=True)], tokenizer=tokenizer)
    trainer = Trainer(model, args, ..., compute_metrics=scoring.compute_metrics,
                      preprocess_logits_for_metrics=scoring.preprocess_logits_for_metrics)
    trainer.evaluate()      # {"eval_bleu": ..., "eval_logit_perplexity": ..., "eval_loss": ...}

What it does at each step of the Trainer's evaluation loop:

- ``preprocess_logits_for_metrics(logits, labels)`` runs on the device for each batch: it takes ``[0]`` of
  a tuple of outputs and returns ``(argmax ids, rows of each logits metric)``, so the Trainer keeps
  ``(batch, length)`` ids and ``(batch, 2)`` rows instead of every ``(batch, length, vocabulary)`` logit
  (huggingface/transformers#12878, #15466). Perplexity and token accuracy are summed from those rows:
  token-weighted over the whole set, not a mean of per-batch values.
- ``compute_metrics(eval_pred)`` (the whole set at once) or ``compute_metrics(eval_pred, compute_result)``
  (``batch_eval_metrics=True``: each batch is added to a running state, which is scored and cleared when
  ``compute_result`` is ``True``) returns ``{name: float}``; the Trainer prefixes the names (``eval_``).
- Text metrics get strings: ``-100`` in predictions and labels (the Trainer pads with it across batches)
  is dropped, each sequence is cut at ``eos_id``, and the tokenizer's ``batch_decode`` (with
  ``skip_special_tokens=True``) does the rest (huggingface/transformers#22634, #27714). Predictions
  that are logits (teacher-forced, aligned with the labels) keep only the guesses at scored positions,
  where the label is not ``-100``; generated ids are decoded whole.
- Predictions may be ids (``Seq2SeqTrainer(predict_with_generate=True)``), logits, or a tuple whose
  first item is either. ``LogitPerplexity`` needs logits (or this class's preprocessing).
- An evaluation set with no scored item gives ``nan`` for the metric, with a ``RuntimeWarning`` (the
  Trainer does not call ``compute_metrics`` at all for an empty data set: no key appears then).

transformers is not imported here: the Trainer hands over numpy arrays or tensors.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import evalkit.core.arrays as arrays
from evalkit.core.errors import EmptyInputError, InputError
from evalkit.core.metric import Metric
from evalkit.core.rows import Rows
from evalkit.integrations._states import check_metric
from evalkit.integrations.decoding import IGNORE_INDEX, causal_shift, decode, first, replace_ignored, to_ids


def keyed_metrics(owner: str, metrics: Metric | Sequence[Metric] | Mapping[str, Metric]) -> dict[str, Metric]:
    """``{key: metric}``: a mapping as given, a metric or a list keyed by name (two alike need a mapping)."""
    if isinstance(metrics, Mapping):
        keyed = dict(metrics)
    else:
        items = [metrics] if isinstance(metrics, Metric) else list(metrics)
        keyed = {}
        for m in items:
            check_metric(owner, m)
            if m.name in keyed:
                raise InputError(
                    f"{owner}: two metrics are named {m.name!r}; pass a dict {{key: metric}} to name each "
                    f"(e.g. {{'bleu': BLEU(), 'bleu_intl': BLEU(tokenize='intl')}})."
                )
            keyed[m.name] = m
    if not keyed:
        raise InputError(f"{owner}: 'metrics' must hold at least one evalkit Metric, got none.")
    for m in keyed.values():
        check_metric(owner, m)
    return keyed


def flat_scores(key: str, result: Any) -> dict[str, float]:
    """``{key: float}`` of a Result; a multi-result metric (ROUGE) gives one key per part."""
    if isinstance(result, Mapping):
        return {str(k): float(v) for k, v in result.items()}
    return {key: float(result)}


class TrainerMetrics:
    """``compute_metrics`` and ``preprocess_logits_for_metrics`` for ``transformers.Trainer`` (see module).

    ``metrics``: evalkit metrics (a metric, a list, or ``{key: metric}``), of tasks ``text`` (decoded
    strings), ``tokens`` (ids, ``-100`` as the metric's ``pad_id``) or ``logits`` (logits or ids, and the
    labels as they are). ``tokenizer``: what decodes ids for text metrics (a HF tokenizer or a function of
    id lists); ``pad_id`` and ``eos_id`` default to the tokenizer's. ``shift``: apply the causal-LM shift
    before decoding (a causal LM scored teacher-forced); logits metrics take their own ``shift`` option.
    """

    def __init__(
        self,
        metrics: Metric | Sequence[Metric] | Mapping[str, Metric],
        *,
        tokenizer: Any = None,
        pad_id: int | None = None,
        eos_id: int | None = None,
        ignore_index: int = IGNORE_INDEX,
        shift: bool = False,
    ) -> None:
        self.metrics = keyed_metrics("TrainerMetrics", metrics)
        tasks = {m.task for m in self.metrics.values()}
        unknown = tasks - {"text", "tokens", "logits"}
        if unknown:
            raise InputError(
                f"TrainerMetrics: metrics of tasks text, tokens and logits are scored from a Trainer's predictions; "
                f"got {sorted(unknown)}."
            )
        if "text" in tasks and tokenizer is None:
            raise InputError(
                "TrainerMetrics: text metrics need tokenizer= (a HF tokenizer or a batch_decode function)."
            )
        self.tokenizer = tokenizer
        self.pad_id = getattr(tokenizer, "pad_token_id", None) if pad_id is None else pad_id
        self.eos_id = getattr(tokenizer, "eos_token_id", None) if eos_id is None else eos_id
        self.ignore_index = ignore_index
        self.shift = shift
        self._logits = [k for k, m in self.metrics.items() if m.task == "logits"]
        self._running: dict[str, Metric] = {k: m.fresh() for k, m in self.metrics.items()}
        self._preprocessed = False

    # -- the Trainer's two hooks ----------------------------------------------------------------------
    def preprocess_logits_for_metrics(self, logits: Any, labels: Any) -> tuple[Any, ...]:
        """``(ids, rows of each logits metric)`` of one batch, on its device (see the module)."""
        logits = first(logits)
        ids = to_ids(logits)
        if labels is None:  # trainer.predict() without labels: nothing to score, the ids are what is kept
            return (ids,)
        labels = first(labels)
        rows = tuple(self.metrics[k].rows(logits, labels).dense for k in self._logits)
        self._preprocessed = True
        return (ids, *rows)

    def compute_metrics(self, eval_pred: Any, compute_result: bool | None = None) -> dict[str, float]:
        """The Trainer's ``compute_metrics``: the whole set (``compute_result`` not given), or one batch
        of ``batch_eval_metrics=True`` (scored, and the running state cleared, when it is ``True``)."""
        predictions, labels = eval_pred.predictions, eval_pred.label_ids
        if compute_result is None:  # the whole evaluation set at once
            return self._scores({k: self._add(m.fresh(), k, predictions, labels) for k, m in self.metrics.items()})
        for k in self.metrics:
            self._add(self._running[k], k, predictions, labels)
        if not compute_result:
            return {}
        out = self._scores(self._running)
        self.reset()
        return out

    __call__ = compute_metrics

    def reset(self) -> None:
        """Clear the running state of ``batch_eval_metrics`` (done after each scored evaluation)."""
        self._running = {k: m.fresh() for k, m in self.metrics.items()}

    # -- inside -------------------------------------------------------------------------------------
    def _scores(self, running: Mapping[str, Metric]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, m in running.items():
            try:
                out.update(flat_scores(key, m.compute()))
            except EmptyInputError as e:
                warnings.warn(f"TrainerMetrics: {key} is nan: {e}", RuntimeWarning, stacklevel=3)
                out[key] = float("nan")
        return out

    def _add(self, metric: Metric, key: str, predictions: Any, labels: Any) -> Metric:
        labels = first(labels)
        if len(labels) == 0:
            return metric
        preprocessed = (
            self._preprocessed and isinstance(predictions, (tuple, list)) and len(predictions) == 1 + len(self._logits)
        )
        if preprocessed:
            ids, *rows = predictions
            aligned = True  # argmax of the logits: position t of ids is position t of labels
            if metric.task == "logits":
                return metric.add_rows(Rows(rows[self._logits.index(key)]))
        else:
            predictions = first(predictions)
            aligned = arrays.dtype_kind(predictions) == "f"
            ids = to_ids(predictions)
            if metric.task == "logits":
                if metric.name == "logit_perplexity" and arrays.dtype_kind(predictions) != "f":
                    raise InputError(
                        f"TrainerMetrics: {key} needs logits, and the predictions are ids; pass "
                        "preprocess_logits_for_metrics=scoring.preprocess_logits_for_metrics (or evaluate without "
                        "predict_with_generate)."
                    )
                return metric.update(predictions, labels)
        if metric.task == "tokens":
            pad = getattr(metric.options, "pad_id", None)
            pad = self.pad_id if pad is None else pad
            return metric.update(
                replace_ignored(ids, pad, self.ignore_index), replace_ignored(labels, pad, self.ignore_index)
            )
        if self.shift:
            ids, labels = causal_shift(ids, labels)
        if aligned and tuple(ids.shape) == tuple(labels.shape):
            # teacher-forced guesses: only those at scored positions (not padding, not the prompt)
            ids = arrays.where(arrays.like(labels, ids) == self.ignore_index, ids * 0 + self.ignore_index, ids)
        kwargs = {"pad_id": self.pad_id, "eos_id": self.eos_id, "ignore_index": self.ignore_index}
        hyps = decode(ids, self.tokenizer, **kwargs)
        refs = decode(labels, self.tokenizer, **kwargs)
        return metric.update(hyps, refs)


def compute_metrics(
    metrics: Metric | Sequence[Metric] | Mapping[str, Metric], **options: Any
) -> tuple[Callable[..., dict[str, float]], Callable[[Any, Any], tuple[Any, ...]]]:
    """``(compute_metrics, preprocess_logits_for_metrics)`` of a :class:`TrainerMetrics` built with
    ``options``, to pass to ``Trainer`` as they are named."""
    scoring = TrainerMetrics(metrics, **options)
    return scoring.compute_metrics, scoring.preprocess_logits_for_metrics


__all__ = ["TrainerMetrics", "compute_metrics", "flat_scores", "keyed_metrics"]
