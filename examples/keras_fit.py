"""evalkit in Keras 3 (torch backend): token accuracy as a compiled metric during ``fit``, and corpus BLEU of
the validation outputs written into ``logs`` at the end of each epoch.

    KERAS_BACKEND=torch python examples/keras_fit.py     # the backend is set below where unset
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np

import evalkit
from evalkit.integrations.keras import KerasMetric, ScoreCallback

V, T = 20, 8


def words(rows):
    return [" ".join(f"w{t}" for t in row) for row in rows]


def main() -> None:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, V, (64, T))
    y = (x * 3) % V  # a map the model can learn
    y[:, -3:][rng.random((64, 3)) < 0.5] = -100  # positions not scored
    model = keras.Sequential([keras.Input((T,), dtype="int64"), keras.layers.Embedding(V, 16), keras.layers.Dense(V)])
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-100),
        metrics=[KerasMetric(evalkit.TokenAccuracy())],
    )
    refs = [" ".join(f"w{t}" for t in row if t != -100) for row in y[48:]]
    validation = [(x[48:56], refs[:8]), (x[56:], refs[8:])]
    generate = lambda inputs: model.predict(inputs, verbose=0).argmax(-1)  # noqa: E731
    history = model.fit(
        x[:48], y[:48], batch_size=8, epochs=3, verbose=0,
        callbacks=[ScoreCallback(evalkit.BLEU(tokenize="none"), validation, generate, words)],
    )  # fmt: skip
    for epoch in range(3):
        acc, bleu = history.history["token_accuracy"][epoch], history.history["val_bleu"][epoch]
        print(f"epoch {epoch + 1}: token_accuracy {acc:.4f}  val_bleu {bleu:.4f}")


if __name__ == "__main__":
    main()
