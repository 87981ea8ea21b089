"""SQuAD (v1.1 and v2.0, exact to the official evaluation scripts) and exact match (Hugging Face evaluate's).

**SQuAD.** Each question is one row of summed statistics (:data:`~evalkit.text._squad_common.SQUAD_LAYOUT`)::

    [n, v1_exact, v1_f1, has_n, has_exact, has_f1, no_n, no_exact, no_f1]

after the official ``normalize_answer`` (lowercase, ASCII punctuation and the articles a/an/the removed,
whitespace collapsed), exact match and token F1 being the maximum over the gold answers. A question
without answers has the one gold answer ``""`` (SQuAD 2.0). The totals are scored as **SQuAD 2.0**
(``exact``, ``f1``, ``HasAns_*``, ``NoAns_*``) when some question has no answer or no-answer
probabilities are given, else as **SQuAD 1.1** (``exact``, ``f1``; 1.1's script keeps gold answers that
normalise to nothing, which 2.0's drops). Scores are fractions (the scripts print percentages)::

    exact = sum exact_i / n        f1 = sum f1_i / n        (the score is f1)

**The best no-answer threshold** (2.0, ``na_prob`` given) is no sum of rows: it is a maximum over the
sorted distinct probabilities of a running count. The rows keep what it needs exactly: per distinct
probability (the frame, joined as a sorted union, as classification's labels) the summed exact and F1
gains of the questions at that probability. ``best_exact``/``best_f1`` and their thresholds then follow
the script's ``find_best_thresh`` except among questions that share a probability, which evalkit passes
as one group (see :func:`~evalkit.text._squad_common.best_threshold` and ``docs/metrics/squad.md``).

**Inputs.** ``(predictions, references)`` in any of three layouts:

- plain lists: ``predictions[i]`` a str, ``references[i]`` a str or a list of str (empty: no answer),
  ``na_prob=[...]`` optional;
- Hugging Face's dicts: ``{"id", "prediction_text"[, "no_answer_probability"]}`` and
  ``{"id", "answers": {"text": [...], ...}}``, paired by id;
- the official files' layouts: predictions ``{id: text}``, references the dataset JSON
  (``{"data": [articles]}`` or the list of articles), ``na_prob={id: probability}``; :func:`read_squad`
  reads the files.

Ids missing from either side are an error (the 1.1 script scores an unanswered question 0; the 2.0
script prints "Missing prediction" and fails further on).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import choose_backend
from evalkit.core.errors import EmptyInputError, InputError, InputTypeError
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.core.validate import stat_rows, text_pairs
from evalkit.text import _squad_numpy
from evalkit.text._squad_common import (
    SQUAD_LAYOUT,
    ExactMatchOptions,
    SquadOptions,
    exact_match_text,
    question_row,
    squad_components,
    squad_f1,
)

_WIDTH = len(SQUAD_LAYOUT)


# -- inputs --------------------------------------------------------------------------------------------


def _refuse_unordered(owner: str, param: str, value: Any) -> None:
    if isinstance(value, (set, frozenset)):
        raise InputTypeError(
            f"{owner}: {param!r} must be an ordered sequence (a list); a {type(value).__name__} has no order, "
            f"so predictions and references could not be paired."
        )


def _articles(references: Any) -> list | None:
    """The articles of an official dataset (its ``data``), or None for another layout."""
    if isinstance(references, Mapping) and "data" in references:
        return list(references["data"])
    if (
        isinstance(references, list)
        and references
        and isinstance(references[0], Mapping)
        and "paragraphs" in references[0]
    ):
        return references
    return None


def _by_id(owner: str, ids: list[str], predictions: Mapping[str, Any], probs: Mapping[str, Any] | None) -> tuple:
    """The predictions (and probabilities) in the order of ``ids`` (unique), which must be their keys."""
    try:
        preds = list(map(predictions.__getitem__, ids))
    except (KeyError, TypeError):
        preds = None
    if preds is None or len(predictions) != len(ids):
        missing = [i for i in ids if i not in predictions]
        extra = set(predictions) - set(ids)
        what = f"no prediction for {len(missing)} question(s), e.g. {missing[0]!r}" if missing else ""
        if extra:
            what += ("; " if what else "") + f"{len(extra)} prediction(s) for unknown ids, e.g. {sorted(extra)[0]!r}"
        raise InputError(f"{owner}: the predictions' ids must be the references' ids: {what}.")
    if probs is None:
        return preds, None
    try:
        return preds, list(map(probs.__getitem__, ids))
    except (KeyError, TypeError):
        missing = [i for i in ids if i not in probs]
        raise InputError(
            f"{owner}: 'na_prob' has no probability for {len(missing)} question(s), e.g. {missing[0]!r}."
        ) from None


def squad_inputs(owner: str, predictions: Any, references: Any, na_prob: Any = None) -> tuple[list, list, list | None]:
    """``(predictions, answers, na_prob)`` as plain lists (one entry per question, in the references'
    order) from any of the layouts of the module docstring; ``na_prob`` is None where not given."""
    _refuse_unordered(owner, "predictions", predictions)
    _refuse_unordered(owner, "references", references)
    articles = _articles(references)
    if articles is not None:  # the official dataset JSON with predictions {id: text}
        if isinstance(predictions, list) and predictions and isinstance(predictions[0], Mapping):
            predictions, na_prob = _hf_by_id(owner, predictions, na_prob)  # Hugging Face's prediction dicts
        if not isinstance(predictions, Mapping):
            raise InputTypeError(
                f"{owner}: with the official dataset layout, 'predictions' must be a dict {{id: text}}, "
                f"got a {type(predictions).__name__}."
            )
        ids, answers = [], []
        for article in articles:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    ids.append(qa["id"])
                    answers.append([a["text"] for a in qa["answers"]])
        if na_prob is not None and not isinstance(na_prob, Mapping):
            raise InputTypeError(
                f"{owner}: with predictions {{id: text}}, 'na_prob' must be a dict {{id: probability}}."
            )
        _check_unique(owner, ids)
        preds, probs = _by_id(owner, ids, predictions, na_prob)
        return _checked(owner, preds, answers, probs)
    if isinstance(predictions, Mapping) or isinstance(references, Mapping):
        raise InputTypeError(
            f"{owner}: 'predictions' and 'references' must be lists (or predictions {{id: text}} with the "
            f"official dataset JSON as references), got a {type(predictions).__name__} and a "
            f"{type(references).__name__}."
        )
    predictions, references = list(predictions), list(references)
    if predictions and isinstance(predictions[0], Mapping):  # Hugging Face's dicts
        return _hf_inputs(owner, predictions, references, na_prob)
    if len(predictions) != len(references):
        raise InputError(
            f"{owner}: inputs must have the same length, but 'predictions' has {len(predictions)} and "
            f"'references' has {len(references)}."
        )
    answers = [[r] if isinstance(r, str) else r for r in references]
    probs = None
    if na_prob is not None:
        _refuse_unordered(owner, "na_prob", na_prob)
        probs = list(na_prob)
        if len(probs) != len(predictions):
            raise InputError(
                f"{owner}: inputs must have the same length, but 'na_prob' has {len(probs)} and 'predictions' "
                f"has {len(predictions)}."
            )
    return _checked(owner, predictions, answers, probs)


def _hf_inputs(owner: str, predictions: list, references: list, na_prob: Any) -> tuple:
    if na_prob is not None:
        raise InputError(f"{owner}: with Hugging Face's dicts, give each 'no_answer_probability' in the predictions.")
    ids, answers = [], []
    for i, ref in enumerate(references):
        if not isinstance(ref, Mapping) or "id" not in ref or "answers" not in ref:
            raise InputTypeError(f"{owner}: references[{i}] must be a dict with 'id' and 'answers', got {ref!r:.80}.")
        texts = ref["answers"]["text"] if isinstance(ref["answers"], Mapping) else ref["answers"]
        if isinstance(texts, (list, tuple)) and texts and isinstance(texts[0], Mapping):  # [{"text": ...}]
            texts = [a["text"] for a in texts]
        ids.append(ref["id"])
        answers.append(list(texts))
    _check_unique(owner, ids)
    by_id, probs_by_id = _hf_by_id(owner, predictions, None)
    preds, probs = _by_id(owner, ids, by_id, probs_by_id)
    return _checked(owner, preds, answers, probs)


def _hf_by_id(owner: str, predictions: list, na_prob: Any) -> tuple[dict, dict | None]:
    """Hugging Face's prediction dicts as ``({id: text}, {id: probability} or None)``."""
    if na_prob is not None:
        raise InputError(f"{owner}: with Hugging Face's dicts, give each 'no_answer_probability' in the predictions.")
    by_id, probs_by_id = {}, {}
    for i, pred in enumerate(predictions):
        if not isinstance(pred, Mapping) or "id" not in pred or "prediction_text" not in pred:
            raise InputTypeError(
                f"{owner}: predictions[{i}] must be a dict with 'id' and 'prediction_text', got {pred!r:.80}."
            )
        by_id[pred["id"]] = pred["prediction_text"]
        if "no_answer_probability" in pred:
            probs_by_id[pred["id"]] = pred["no_answer_probability"]
    if len(by_id) != len(predictions):
        raise InputError(f"{owner}: 'predictions' holds an id twice.")
    if probs_by_id and len(probs_by_id) != len(by_id):
        raise InputError(f"{owner}: give 'no_answer_probability' in every prediction or in none.")
    return by_id, probs_by_id or None


def _check_unique(owner: str, ids: list) -> None:
    if len(set(ids)) != len(ids):
        seen: set = set()
        twice = next(i for i in ids if i in seen or seen.add(i))
        raise InputError(f"{owner}: the references hold the question id {twice!r} twice.")


def _checked(owner: str, preds: list, answers: list, probs: list | None) -> tuple[list, list, list | None]:
    if (
        set(map(type, preds)) <= {str}
        and set(map(type, answers)) <= {list}
        and set(map(type, chain.from_iterable(answers))) <= {str}
    ):
        return preds, answers, _checked_probs(owner, probs)
    for i, p in enumerate(preds):
        if not isinstance(p, str):
            raise InputTypeError(
                f"{owner}: predictions[{i}] must be a str (the answer text), got a {type(p).__name__}."
            )
    for i, a in enumerate(answers):
        if not isinstance(a, (list, tuple)) or not all(isinstance(x, str) for x in a):
            raise InputTypeError(
                f"{owner}: references[{i}] must be a str or a list of str (the gold answers; empty: no answer), "
                f"got {a!r:.80}."
            )
    return preds, answers, _checked_probs(owner, probs)


def _checked_probs(owner: str, probs: list | None) -> list | None:
    if probs is None:
        return None
    if set(map(type, probs)) <= {float, int} and np.isfinite(np.asarray(probs, dtype=np.float64)).all():
        return [float(p) for p in probs]
    for i, p in enumerate(probs):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not math.isfinite(p):
            raise InputError(f"{owner}: na_prob[{i}] must be a finite number (a probability), got {p!r}.")
    return [float(p) for p in probs]


def read_squad(
    dataset: str | os.PathLike, predictions: str | os.PathLike, na_prob: str | os.PathLike | None = None
) -> tuple[Any, Any, Any]:
    """The official files, read: ``(predictions, references, na_prob)`` to pass to :func:`squad` (the
    dataset JSON, the predictions JSON ``{id: text}`` and the optional no-answer probabilities JSON)."""
    probs = None if na_prob is None else read_json(na_prob)
    return read_json(predictions), read_json(dataset), probs


def read_json(source: str | os.PathLike | Iterable[str]) -> Any:
    """One JSON document from a path or from its lines; malformed JSON is an :class:`InputError` naming
    the file and the place.

    Example:
        >>> read_json(['{"q1": "Denver Broncos",', ' "q2": ""}'])
        {'q1': 'Denver Broncos', 'q2': ''}
    """
    if isinstance(source, (str, os.PathLike)):
        name = str(source)
        with open(source, encoding="utf-8") as f:
            text = f.read()
    else:
        name, text = "input", "\n".join(source)
    try:
        return json.loads(text)
    except ValueError as e:
        raise InputError(f"{name} holds no JSON document: {e}.") from None


# -- SQuAD -------------------------------------------------------------------------------------------


@register
class Squad(Metric):
    """SQuAD's exact match and F1 (v1.1 and v2.0 in one, see the module docstring) as a metric object.

    Options (keyword-only), declared in :class:`~evalkit.text._squad_common.SquadOptions`:

    {options}

    The score is F1; the Result's components are the official script's numbers, as fractions.

    Example:
        >>> m = Squad().update(["Denver Broncos", "no"], [["Denver Broncos", "the Broncos"], ["yes"]])
        >>> r = m.compute()
        >>> r.components["exact"], r.components["f1"], r.components["version"]
        (0.5, 0.5, '1.1')
    """

    name: ClassVar[str] = "squad"
    #: question answering: (predictions, references) in the layouts of the module docstring; the CLI
    #: reads the official files (``--true dataset.json predictions.json``)
    task: ClassVar[str] = "qa"
    options_type: ClassVar[type[SquadOptions]] = SquadOptions
    options: SquadOptions

    def __init__(self, *, na_prob_thresh: float = 1.0, backend: str = "auto") -> None:
        super().__init__(locals())

    def update(self, predictions: Any, references: Any, *, na_prob: Any = None) -> Squad:  # type: ignore[override]
        """Add questions (any layout of the module docstring) to the running statistics; returns ``self``."""
        return super().update(predictions, references, na_prob=na_prob)  # type: ignore[return-value]

    def stats(self, predictions: Any, references: Any, na_prob: Any = None) -> Rows:  # type: ignore[override]
        """One row per question: :data:`SQUAD_LAYOUT`, and with ``na_prob`` two gain cells per distinct
        probability (the frame, ``space``: the sorted distinct probabilities)."""
        preds, answers, probs = squad_inputs(self._owner, predictions, references, na_prob)
        if not preds:
            raise EmptyInputError(f"{self._owner}: no questions; the score is undefined.")
        thresh = self.options.na_prob_thresh
        if choose_backend(self._owner, self.options.backend, len(preds), numpy_from=8) == "numpy":
            dense, gain_rows = _squad_numpy.question_rows(preds, answers, probs, thresh)
        else:
            rows, gains = [], []
            for i, (pred, gold) in enumerate(zip(preds, answers)):
                row, gain_exact, gain_f1 = question_row(pred, gold, 0.0 if probs is None else probs[i], thresh)
                rows.append(row)
                gains.append((gain_exact, gain_f1))
            dense, gain_rows = np.asarray(rows, dtype=np.float64), np.asarray(gains, dtype=np.float64)
        if probs is None:
            return Rows(dense)
        space, at = np.unique(np.asarray(probs, dtype=np.float64), return_inverse=True)
        cells = 2 * at.reshape(-1, 1) + np.array([[0, 1]])
        return Rows(dense, cells=cells, values=gain_rows, n_cells=2 * len(space), space=space)

    # -- frames: the distinct no-answer probabilities --------------------------------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        if (a is None) != (b is None):
            raise InputError(
                f"{self.name}: cannot combine questions scored with no-answer probabilities and questions "
                f"scored without."
            )
        return None if a is None else np.union1d(a, b)

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        if space is None:
            return total
        out = np.zeros(_WIDTH + 2 * len(target), dtype=np.float64)
        out[:_WIDTH] = total[:_WIDTH]
        at = np.searchsorted(target, space)
        gains = np.asarray(total[_WIDTH:]).reshape(-1, 2)
        out[_WIDTH:].reshape(-1, 2)[at] = gains
        return out

    def realign(self, rows: Rows, target: Any) -> Rows:
        if rows.space is None or np.array_equal(rows.space, target):
            return rows
        at = np.searchsorted(target, rows.space)
        cells = 2 * at[rows.cells // 2] + rows.cells % 2
        return Rows(rows.dense, cells=cells, values=rows.values, n_cells=2 * len(target), space=np.asarray(target))

    def restore_space(self, space: Any) -> Any:
        return None if space is None else np.asarray(space, dtype=np.float64)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if space is not None and (space.ndim != 1 or len(space) == 0 or not (np.diff(space) > 0).all()):
            raise InputError(f"{self.name}: load_state_dict(): 'space' must be sorted distinct probabilities.")
        width = _WIDTH + (0 if space is None else 2 * len(space))
        if len(total) != width:
            raise InputError(f"{self.name}: load_state_dict(): 'total' must hold {width} numbers; got {len(total)}.")
        head = stat_rows(self.name, "total", total[:_WIDTH], layout=SQUAD_LAYOUT)[0]
        if head[0] != head[3] + head[6] or (head[[1, 2]] > head[0]).any() or (head[[4, 5]] > head[3]).any():
            raise InputError(f"{self.name}: load_state_dict(): 'total' holds counts that disagree with each other.")

    # -- scoring ---------------------------------------------------------------------------------------
    def score(self, total: Any) -> Result:
        total = np.asarray(total, dtype=np.float64)
        if total.ndim != 1 or len(total) < _WIDTH or total[0] <= 0:
            raise InputError(f"{self._owner}: a total of at least one question is needed; got {total!r:.80}.")
        components = squad_components(total, self.space)
        return Result(self.name, components["f1"], components, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        return squad_f1(totals, self.space is not None)


def squad(
    predictions: Any, references: Any, *, na_prob: Any = None, na_prob_thresh: float = 1.0, backend: str = "auto"
) -> Result:
    """SQuAD v1.1/v2.0 exact match and F1 of predictions against gold answers, as the official scripts
    (fractions; see :mod:`evalkit.text.squad` for the layouts and the rules).

    Example:
        >>> r = squad(["Denver Broncos", ""], [["Denver Broncos"], []], na_prob=[0.1, 0.9])
        >>> r.components["exact"], r.components["HasAns_total"], r.components["NoAns_exact"]
        (1.0, 1, 1.0)
        >>> r.components["best_f1"], r.components["best_f1_thresh"]
        (1.0, 0.1)
    """
    return Squad.bound("squad", locals()).update(predictions, references, na_prob=na_prob).compute()


def sentence_squad(
    predictions: Any, references: Any, *, na_prob_thresh: float = 1.0, backend: str = "auto"
) -> np.ndarray:
    """The F1 of each question on its own (SQuAD 2.0's rules where it has no answer), as a float array.

    Example:
        >>> sentence_squad(["Denver Broncos", "Broncos"], [["Denver Broncos"], ["Denver Broncos"]]).round(4).tolist()
        [1.0, 0.6667]
    """
    metric = Squad.bound("sentence_squad", locals())
    return metric.scores(metric.rows(predictions, references).toarray())


# -- exact match -----------------------------------------------------------------------------------


@register
class ExactMatch(Metric):
    """The share of predictions equal to their reference, as Hugging Face evaluate's ``exact_match``
    (its options, applied in its order); with several references, a prediction equal to any one counts.

    Options (keyword-only), declared in :class:`~evalkit.text._squad_common.ExactMatchOptions`:

    {options}

    Rows are ``[matches, 1]`` per prediction: ``exact_match = sum matches / n``.

    Example:
        >>> ExactMatch(ignore_case=True).update(["Paris", "rome"], ["paris", "Madrid"]).compute().score
        0.5
    """

    name: ClassVar[str] = "exact_match"
    task: ClassVar[str] = "text"
    options_type: ClassVar[type[ExactMatchOptions]] = ExactMatchOptions
    options: ExactMatchOptions

    def __init__(
        self,
        *,
        regexes_to_ignore: Sequence[str] | None = None,
        ignore_case: bool = False,
        ignore_punctuation: bool = False,
        ignore_numbers: bool = False,
    ) -> None:
        super().__init__(locals())

    def stats(self, predictions: Any, references: Any) -> np.ndarray:  # type: ignore[override]
        """One row ``[matches, 1]`` per prediction."""
        preds, refs = text_pairs(self._owner, predictions, references)
        if not isinstance(preds[0], str):
            raise InputTypeError(f"{self._owner}: 'predictions' must be a list of str, got lists of tokens.")
        options = self.options
        out = np.ones((len(preds), 2), dtype=np.int64)
        for i, (pred, gold) in enumerate(zip(preds, refs)):
            text = exact_match_text(pred, options)
            out[i, 0] = any(text == exact_match_text(g, options) for g in gold)
        return out

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if len(total) != 2 or (total < 0).any() or total[0] > total[1] or (total != np.floor(total)).any():
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must be [matches, n], non-negative counts with "
                f"matches <= n; got {total.tolist()!r:.60}."
            )

    def score(self, total: Any) -> Result:
        matches, n = (int(x) for x in np.asarray(total)[:2])
        if n <= 0:
            raise InputError(f"{self._owner}: a total of at least one prediction is needed.")
        return Result(self.name, matches / n, {"matches": matches, "total": n}, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        totals = np.atleast_2d(np.asarray(totals, dtype=np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            return totals[:, 0] / totals[:, 1]


def exact_match(
    predictions: Any,
    references: Any,
    *,
    regexes_to_ignore: Sequence[str] | None = None,
    ignore_case: bool = False,
    ignore_punctuation: bool = False,
    ignore_numbers: bool = False,
) -> Result:
    """Exact match of predictions against references, as Hugging Face evaluate's ``exact_match``.

    Example:
        >>> float(exact_match(["The cat.", "a dog"], ["the cat", "a dog"], ignore_case=True, ignore_punctuation=True))
        1.0
    """
    return ExactMatch.bound("exact_match", locals())(predictions, references)


__all__ = ["ExactMatch", "Squad", "exact_match", "read_json", "read_squad", "sentence_squad", "squad", "squad_inputs"]
