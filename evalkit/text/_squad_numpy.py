"""The fast SQuAD path: every answer normalised in a few passes over one joined string, then one tight loop
over the questions. It writes the rows of :func:`evalkit.text._squad_common.question_row` (the reference),
number for number."""

from __future__ import annotations

from collections import Counter

import numpy as np

from evalkit.text._squad_common import normalize_answer, normalize_many


def question_rows(
    preds: list[str], answers: list[list[str]], probs: list[float] | None, thresh: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, gains)``: the :data:`SQUAD_LAYOUT` row and the (exact, F1) gains of every question."""
    n = len(preds)
    flat = [a for gold in answers for a in gold]
    normal = normalize_many(preds + flat)
    if normal is None:  # a text holds the joining character: one at a time
        normal = [normalize_answer(t) for t in preds + flat]
    pred_norm, gold_norm = normal[:n], normal[n:]
    rows: list[tuple] = []
    gains: list[tuple] = []
    add_row, add_gain = rows.append, gains.append
    no_probs = probs is None
    at = 0
    for q in range(n):
        k = len(answers[q])
        p = pred_norm[q]
        ptoks = p.split()
        gold = [g for g in gold_norm[at : at + k] if g]
        at += k
        if gold:
            exact = int(p in gold)
            f1 = -1.0
            for g in gold:
                gtoks = g.split()
                value = 0.0
                if ptoks:
                    sg, sp = set(gtoks), set(ptoks)
                    if len(sg) == len(gtoks) and len(sp) == len(ptoks):  # no repeated token: sets are the bags
                        same = len(sg & sp)
                    else:
                        same = sum((Counter(gtoks) & Counter(ptoks)).values())
                    if same:
                        precision, recall = 1.0 * same / len(ptoks), 1.0 * same / len(gtoks)
                        value = (2 * precision * recall) / (precision + recall)
                if value > f1:
                    f1 = value
        else:
            exact = int(p == "")
            f1 = float(not ptoks)
        answered = no_probs or probs[q] <= thresh  # type: ignore[index]
        if k:
            v1_exact = exact or (len(gold) < k and p == "")
            if answered:
                add_row((1, v1_exact, f1 if gold else 0, 1, exact, f1, 0, 0, 0))
            else:
                add_row((1, v1_exact, f1 if gold else 0, 1, 0, 0, 0, 0, 0))
            add_gain((exact, f1))
        else:
            add_row((1, 0, 0, 0, 0, 0, 1, exact, f1) if answered else (1, 0, 0, 0, 0, 0, 1, 1, 1))
            gain = -1 if preds[q] else 0
            add_gain((gain, gain))
    return np.array(rows, dtype=np.float64).reshape(n, 9), np.array(gains, dtype=np.float64).reshape(n, 2)


__all__ = ["question_rows"]
