"""Keras 3 on the torch backend: the metric object follows fit/evaluate exactly, and the epoch-end callback
writes corpus BLEU (equal to sacrebleu's) into logs."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import evalkit

if "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "torch"  # read once, when keras is first imported
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("keras was imported with another backend", allow_module_level=True)
sacrebleu = pytest.importorskip("sacrebleu")

from evalkit.integrations.keras import KerasMetric, ScoreCallback  # noqa: E402

V, T = 13, 6


def _data():
    rng = np.random.default_rng(8)
    x = rng.integers(1, V, (12, T))
    y = (x + 1) % V  # a learnable map: next id
    y[:, -2:][rng.random((12, 2)) < 0.5] = -100  # not scored
    return x, y


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((T,), dtype="int64"), keras.layers.Embedding(V, 8), keras.layers.Dense(V)])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=[KerasMetric(evalkit.TokenAccuracy())])
    return model


def words(rows):
    return [" ".join(f"w{t}" for t in row) for row in rows]


def test_fit_updates_the_metric_and_evaluate_equals_the_metric_on_the_predictions():
    x, y = _data()
    model = _model()
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert len(history.history["token_accuracy"]) == 2 and all(0 <= a <= 1 for a in history.history["token_accuracy"])
    logs = model.evaluate(x, y, batch_size=5, verbose=0, return_dict=True)  # 5 + 5 + 2: batches of every size
    logits = model.predict(x, verbose=0)
    mask = y != -100
    expected = float(((logits.argmax(-1) == y) & mask).sum()) / float(mask.sum())
    assert logs["token_accuracy"] == pytest.approx(expected, abs=1e-15)
    again = model.evaluate(x, y, batch_size=12, verbose=0, return_dict=True)  # reset between runs
    assert again["token_accuracy"] == logs["token_accuracy"]


def test_the_callback_writes_corpus_bleu_into_logs():
    x, y = _data()
    model = _model()
    refs = [" ".join(f"w{t}" for t in row if t != -100) for row in y]
    data = [(x[:7], refs[:7]), (x[7:], refs[7:])]
    generate = lambda inputs: model.predict(inputs, verbose=0).argmax(-1)  # noqa: E731
    callback = ScoreCallback(evalkit.BLEU(tokenize="none"), data, generate, words)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    assert len(history.history["val_bleu"]) == 2
    hyps = words(model.predict(x, verbose=0).argmax(-1).tolist())
    expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score / 100
    assert history.history["val_bleu"][-1] == pytest.approx(expected, rel=1e-12)
    assert callback.history[-1]["bleu"].score == history.history["val_bleu"][-1]


def test_result_before_any_batch_is_nan_and_jit_compile_is_refused():
    m = KerasMetric(evalkit.TokenAccuracy())
    assert np.isnan(m.result())
    m.update_state(np.array([[1, 2]]), np.array([[1, 3]]))
    assert m.result() == 0.5
    m.reset_state()
    assert np.isnan(m.result())
    with pytest.raises(evalkit.InputError, match="sample_weight"):
        m.update_state(np.array([[1]]), np.array([[1]]), sample_weight=np.array([1.0]))
    with pytest.raises(evalkit.InputError, match="frame"):
        KerasMetric(evalkit.F1())
