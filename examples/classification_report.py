"""A classification report three ways: one call, a training-style loop over batches, and two workers merged.

    python examples/classification_report.py

The loop and the merged workers keep only confusion counts (a 3 x 3 matrix here), never the labels, and
print the same numbers as the one call.
"""

from __future__ import annotations

import numpy as np

import evalkit

CLASSES = np.array(["cat", "dog", "eel"])


def predictions(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded classifier that is right 80% of the time and never predicts 'eel' for a 'cat'."""
    rng = np.random.default_rng(seed)
    y_true = CLASSES[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])]
    wrong = CLASSES[rng.integers(0, 3, size=n)]
    wrong[(y_true == "cat") & (wrong == "eel")] = "dog"
    y_pred = np.where(rng.random(n) < 0.8, y_true, wrong)
    return y_true, y_pred


def main() -> None:
    y_true, y_pred = predictions(10_000)

    print("One call (scikit-learn's layout):\n")
    print(evalkit.classification_report(y_true, y_pred, digits=3))
    print(evalkit.confusion_matrix(y_true, y_pred))

    print("\nA loop over batches of 256, constant memory:")
    f1, mcc, cm = evalkit.F1(average="macro"), evalkit.MatthewsCorrCoef(), evalkit.ConfusionMatrix()
    for start in range(0, len(y_true), 256):
        batch = slice(start, start + 256)
        for metric in (f1, mcc, cm):
            metric.update(y_true[batch], y_pred[batch])
    result = f1.compute()
    print(f"  {result}")
    per_label = result.components["per_label"]["f_score"]
    print(f"  per-label F1: {dict(zip(result.components['labels'], per_label.round(4).tolist()))}")
    print(f"  {mcc.compute()}")

    print("\nTwo workers, one never sees an 'eel', merged:")
    no_eel = y_true != "eel"
    a, b = evalkit.F1(average="macro"), evalkit.F1(average="macro")
    a.update(y_true[no_eel & (y_pred != "eel")], y_pred[no_eel & (y_pred != "eel")])
    b.update(y_true[~(no_eel & (y_pred != "eel"))], y_pred[~(no_eel & (y_pred != "eel"))])
    merged = a.merge(b).compute().score
    print(f"  merged macro-F1 {merged:.6f} == one call {evalkit.f1_score(y_true, y_pred, average='macro'):.6f}")


if __name__ == "__main__":
    main()
