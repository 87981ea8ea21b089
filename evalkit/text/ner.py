"""Entity-level NER precision, recall and F1, exact to seqeval 1.2.2, with token accuracy beside them.

Entities are whole spans: a predicted entity counts only if its type, first and last token equal a true
entity's. Per type ``t``, ``tp_t`` (entities in both), ``pred_t`` and ``true_t`` give::

    P_t = tp_t / pred_t      R_t = tp_t / true_t      F1_t = 2 P_t R_t / (P_t + R_t)

averaged as seqeval (scikit-learn's rules): ``micro`` (the sums of the counts over types), ``macro``
(the mean over types), ``weighted`` (the mean weighted by ``true_t``); a 0/0 is ``zero_division`` (0,
with a warning, for ``"warn"``). Token accuracy is seqeval's ``accuracy_score``: equal tags over all tags.

**Modes** (seqeval's ``mode``):

- ``mode="default"``: seqeval's default, compatible with conlleval: chunks by the prefixes ``B``,
  ``I``, ``E``, ``S`` and a change of type, whatever the scheme. An ``I-PER`` after ``O`` starts an entity.
- ``mode="strict"`` with a ``scheme`` (IOB1, IOB2, IOE1, IOE2, IOBES, BILOU): seqeval's
  ``seqeval.scheme`` patterns; an entity must start, continue and end as the scheme says (an ``I-PER``
  after ``O`` is no entity in IOB2). A tag whose prefix the scheme does not allow is an error naming it.

In the default mode a tag seqeval only warns about ("seems not to be NE tag": ``U-PER``, ``X``) is an
error, since seqeval's chunks then depend on the sentence before it; pass ``mode="strict"`` with the scheme.

Each sentence is one row of integer statistics in the frame of the entity types seen (sorted; frames of
different batches join on their union, as classification's labels)::

    [n_tokens, n_correct, tp_1, pred_1, true_1, ..., tp_K, pred_K, true_K]

so batches, merges, checkpoints, bootstrap intervals and paired tests are exact. ``backend="python"``
is the readable reference (seqeval's rules token by token); ``backend="numpy"`` finds every entity
of either mode at once, as boolean arrays over all tokens: equal rows.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from evalkit.core.backends import choose_backend
from evalkit.core.errors import EmptyInputError, InputError, InputTypeError
from evalkit.core.metric import Metric
from evalkit.core.registry import register
from evalkit.core.result import Result
from evalkit.core.rows import Rows
from evalkit.text import _ner_numpy
from evalkit.text._ner_common import (
    HEAD,
    NerOptions,
    Scheme,
    averaged,
    check_totals,
    default_entities,
    per_type,
    strict_entities,
    strict_tag,
    warn_undefined,
)


def tag_sequences(owner: str, y_true: Any, y_pred: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """Both sides as lists of sentences (a flat list of tags is one sentence, as seqeval's default mode
    reads it), each sentence as long as its counterpart; errors name the sentence at fault."""
    y_true, y_pred = (v.tolist() if isinstance(v, np.ndarray) else v for v in (y_true, y_pred))
    for name, value in (("y_true", y_true), ("y_pred", y_pred)):
        if isinstance(value, (set, frozenset, dict)):
            raise InputTypeError(
                f"{owner}: {name!r} must be an ordered list of tag sequences; a {type(value).__name__} has no order, "
                f"so the sentences could not be paired."
            )
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise InputTypeError(f"{owner}: {name!r} must be a list of tag sequences, got a {type(value).__name__}.")
    true, pred = list(y_true), list(y_pred)
    if not set(map(type, true)) | set(map(type, pred)) <= {list, tuple, str}:  # sentences as arrays
        true, pred = ([x.tolist() if isinstance(x, np.ndarray) else x for x in side] for side in (true, pred))
    if true and all(isinstance(t, str) for t in true) and all(isinstance(t, str) for t in pred):
        true, pred = [true], [pred]
    if len(true) != len(pred):
        raise InputError(
            f"{owner}: inputs must have the same length, but 'y_true' has {len(true)} sentences and 'y_pred' has "
            f"{len(pred)}."
        )
    if not true:
        raise EmptyInputError(f"{owner}: no sentences; the score is undefined.")
    if set(map(type, true)) | set(map(type, pred)) <= {list, tuple} and list(map(len, true)) == list(map(len, pred)):
        return true, pred
    for name, side in (("y_true", true), ("y_pred", pred)):
        for s, sentence in enumerate(side):
            if isinstance(sentence, (str, bytes)) or not isinstance(sentence, (list, tuple)):
                raise InputTypeError(
                    f"{owner}: {name}[{s}] must be a list of tags (str), got a {type(sentence).__name__}."
                )
    for s, (t, p) in enumerate(zip(true, pred)):
        if len(t) != len(p):
            raise InputError(
                f"{owner}: y_true[{s}] has {len(t)} tags and y_pred[{s}] has {len(p)}; each sentence's tags must pair "
                f"one to one."
            )
    return true, pred


def _reference_entities(owner: str, options: NerOptions, side: str, s: int, tags: list[Any]) -> list[tuple]:
    """One sentence's entities ``(type, start, end)`` by the readable rules of the mode."""
    if options.mode == "default":
        return default_entities(owner, tags, options.suffix, side, s)
    scheme = Scheme.of(options.scheme)  # type: ignore[arg-type]
    coded = [strict_tag(owner, tag, options.suffix, scheme, f"{side}[{s}][{i}]") for i, tag in enumerate(tags)]
    return strict_entities([c[0] for c in coded], [c[1] for c in coded], scheme)


def _python_rows(owner: str, options: NerOptions, true: list, pred: list) -> tuple[np.ndarray, tuple[str, ...]]:
    """The reference: each sentence's entities on each side, the shared ones, counted per type."""
    found = []
    for s, (t, p) in enumerate(zip(true, pred)):
        gold = _reference_entities(owner, options, "y_true", s, t)
        guess = _reference_entities(owner, options, "y_pred", s, p)
        hits = set(gold) & set(guess)
        counts = {
            "tp": Counter(e[0] for e in hits),
            "pred": Counter(e[0] for e in guess),
            "true": Counter(e[0] for e in gold),
        }
        correct = sum(a == b for a, b in zip(t, p))
        found.append((len(t), correct, counts))
    types = tuple(sorted({k for *_, c in found for side in c.values() for k in side}))
    dense = np.zeros((len(found), HEAD + 3 * len(types)), dtype=np.int64)
    for s, (n, correct, counts) in enumerate(found):
        dense[s, :HEAD] = n, correct
        for j, type_ in enumerate(types):
            dense[s, HEAD + 3 * j : HEAD + 3 * j + 3] = (
                counts["tp"][type_],
                counts["pred"][type_],
                counts["true"][type_],
            )
    return dense, types


def _numpy_rows(owner: str, options: NerOptions, true: list, pred: list) -> tuple[np.ndarray, tuple[str, ...]]:
    lengths = np.fromiter(map(len, true), dtype=np.int64, count=len(true))
    scheme = options.scheme if options.mode == "strict" else None
    try:
        sentence, type_, kind, names, correct = _ner_numpy.entities(owner, true, pred, lengths, options.suffix, scheme)
    except TypeError:  # an unhashable tag: the reference names it
        return _python_rows(owner, options, true, pred)
    seen, local = np.unique(type_, return_inverse=True)
    types = tuple(names[i] for i in seen)
    width = 3 * len(types)
    counts = np.bincount(sentence * width + 3 * local.reshape(-1) + kind, minlength=len(true) * width)
    dense = np.empty((len(true), HEAD + width), dtype=np.int64)
    dense[:, 0], dense[:, 1] = lengths, correct
    dense[:, HEAD:] = counts.reshape(len(true), width)
    return dense, types


def _align(values: np.ndarray, space: tuple[str, ...], target: tuple[str, ...]) -> np.ndarray:
    """Totals or rows (last axis) written over types ``space``, rewritten over ``target`` (a superset)."""
    out = np.zeros((*values.shape[:-1], HEAD + 3 * len(target)), dtype=values.dtype)
    out[..., :HEAD] = values[..., :HEAD]
    at = np.searchsorted(np.asarray(target, dtype=object), np.asarray(space, dtype=object)) if space else []
    for j, k in enumerate(at):
        out[..., HEAD + 3 * k : HEAD + 3 * k + 3] = values[..., HEAD + 3 * j : HEAD + 3 * j + 3]
    return out


@register
class NerF1(Metric):
    """Entity-level NER F1 (with precision, recall and token accuracy), exact to seqeval 1.2.2.

    Arguments are seqeval's: ``(y_true, y_pred)``, lists of tag sequences. Options (keyword-only),
    declared in :class:`~evalkit.text._ner_common.NerOptions`:

    {options}

    :meth:`report` gives seqeval's ``classification_report(..., output_dict=True)`` of the running state.

    Example:
        >>> y_true = [["O", "B-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
        >>> y_pred = [["O", "B-MISC", "I-MISC", "I-MISC"], ["B-PER", "I-PER", "O"]]
        >>> r = NerF1().update(y_true, y_pred).compute()
        >>> r.score, r.components["accuracy"]
        (0.5, 0.8571428571428571)
    """

    name: ClassVar[str] = "ner_f1"
    task: ClassVar[str] = "tags"
    options_type: ClassVar[type[NerOptions]] = NerOptions
    options: NerOptions

    def __init__(
        self,
        *,
        mode: str = "default",
        scheme: str | None = None,
        suffix: bool = False,
        average: str = "micro",
        zero_division: str | int = "warn",
        backend: str = "auto",
    ) -> None:
        super().__init__(locals())

    def update(self, y_true: Any, y_pred: Any) -> NerF1:  # type: ignore[override]
        """Add sentences to the running counts; returns ``self``."""
        return super().update(y_true, y_pred)  # type: ignore[return-value]

    def stats(self, y_true: Any, y_pred: Any) -> Rows:  # type: ignore[override]
        """One row per sentence (see the module docstring), in the frame of the entity types seen."""
        true, pred = tag_sequences(self._owner, y_true, y_pred)
        backend = choose_backend(self._owner, self.options.backend, len(true), numpy_from=4)
        make = _python_rows if backend == "python" else _numpy_rows
        dense, types = make(self._owner, self.options, true, pred)
        return Rows(dense, space=types)

    # -- frames: the entity types -------------------------------------------------------------------
    def join_spaces(self, a: Any, b: Any) -> Any:
        return tuple(sorted(set(a) | set(b)))

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        return total if tuple(space) == tuple(target) else _align(np.asarray(total), tuple(space), tuple(target))

    def restore_space(self, space: Any) -> Any:
        return tuple(space) if isinstance(space, (list, tuple)) else space

    def check_total(self, total: np.ndarray, space: Any) -> None:
        if (
            not isinstance(space, tuple)
            or not all(isinstance(t, str) for t in space)
            or list(space) != sorted(set(space))
        ):
            raise InputError(f"{self.name}: load_state_dict(): 'space' must be the sorted, distinct entity types.")
        if len(total) != HEAD + 3 * len(space) or (total < 0).any() or (total != np.floor(total)).any():
            raise InputError(
                f"{self.name}: load_state_dict(): 'total' must hold {HEAD + 3 * len(space)} whole, non-negative counts."
            )
        counts = total[HEAD:].reshape(-1, 3)
        if total[1] > total[0] or (counts[:, 0] > counts[:, 1:].min(1)).any():
            raise InputError(f"{self.name}: load_state_dict(): 'total' holds counts that disagree with each other.")

    # -- scoring --------------------------------------------------------------------------------------
    def _checked(self, total: Any) -> np.ndarray:
        space = self.space or ()
        totals = check_totals(self._owner, total, len(space))
        if len(totals) != 1 or totals[0, 0] <= 0:
            raise InputError(f"{self._owner}: a total of at least one tagged token is needed.")
        return totals

    def score(self, total: Any) -> Result:
        totals = self._checked(total)
        options = self.options
        if options.zero_division == "warn":
            warn_undefined(self._owner, totals[0], options.average)
        p, r, f = (float(x[0]) for x in averaged(totals, options.average, options.zero_division))
        counts = totals[0, HEAD:].reshape(-1, 3)
        components = {
            "precision": p,
            "recall": r,
            "f1": f,
            "support": int(counts[:, 2].sum()),
            "predicted": int(counts[:, 1].sum()),
            "accuracy": float(totals[0, 1] / totals[0, 0]),
        }
        return Result(self.name, f, components, self.signature())

    def scores(self, totals: Any) -> np.ndarray:
        totals = check_totals(self._owner, totals, len(self.space or ()))
        return averaged(totals, self.options.average, self.options.zero_division)[2]

    def report(self) -> dict[str, dict[str, float | int]]:
        """seqeval's ``classification_report(..., output_dict=True)`` of the running state: per type, then
        ``micro avg``, ``macro avg``, ``weighted avg``, each ``{precision, recall, f1-score, support}``."""
        if self._state is None:
            raise EmptyInputError(f"{self._owner}: report() called before any update(); nothing to report.")
        totals = self._checked(self.total)
        zero = self.options.zero_division
        p, r, f, _, _, true = per_type(totals, zero)
        out: dict[str, dict[str, float | int]] = {}
        for j, type_ in enumerate(self.space):
            out[type_] = {"precision": p[0, j], "recall": r[0, j], "f1-score": f[0, j], "support": int(true[0, j])}
        support = int(true.sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # macro over no type: NaN, as seqeval
            for average in ("micro", "macro", "weighted"):
                ap, ar, af = (float(x[0]) for x in averaged(totals, average, zero))
                out[f"{average} avg"] = {"precision": ap, "recall": ar, "f1-score": af, "support": support}
        return {k: {m: (float(v) if m != "support" else v) for m, v in row.items()} for k, row in out.items()}


def ner_f1(
    y_true: Any,
    y_pred: Any,
    *,
    mode: str = "default",
    scheme: str | None = None,
    suffix: bool = False,
    average: str = "micro",
    zero_division: str | int = "warn",
    backend: str = "auto",
) -> Result:
    """Entity-level F1 of tag sequences, as seqeval's ``f1_score`` (precision, recall, support and token
    accuracy among the components).

    Example:
        >>> y_true = [["B-PER", "I-PER", "O", "B-LOC"]]
        >>> r = ner_f1(y_true, [["B-PER", "I-PER", "O", "O"]])
        >>> r.score, r.components["precision"], r.components["recall"]
        (0.6666666666666666, 1.0, 0.5)
        >>> ner_f1([["O", "I-PER"]], [["O", "I-PER"]], mode="strict", scheme="IOB2", zero_division=0).score
        0.0
    """
    return NerF1.bound("ner_f1", locals())(y_true, y_pred)


def ner_report(
    y_true: Any,
    y_pred: Any,
    *,
    mode: str = "default",
    scheme: str | None = None,
    suffix: bool = False,
    zero_division: str | int = "warn",
    backend: str = "auto",
) -> dict[str, dict[str, float | int]]:
    """seqeval's ``classification_report(y_true, y_pred, output_dict=True)``: per entity type and
    micro/macro/weighted averages, each ``{precision, recall, f1-score, support}``.

    Example:
        >>> report = ner_report([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
        >>> report["LOC"]["recall"], report["PER"]["f1-score"], report["macro avg"]["f1-score"]
        (0.0, 1.0, 0.5)
    """
    return NerF1.bound("ner_report", locals()).update(y_true, y_pred).report()


def read_conll(source: str | os.PathLike | Iterable[str], *, column: int = -1) -> list[list[str]]:
    """The tag sequences of a CoNLL file (a path, or its lines): one token per line, the tag in ``column``
    (whitespace-separated fields; the last by default), sentences separated by blank lines; ``-DOCSTART-``
    lines are skipped.

    Example:
        >>> read_conll(["EU NNP B-ORG", "rejects VBZ O", "", "Peter NNP B-PER"])
        [['B-ORG', 'O'], ['B-PER']]
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8") as f:
            return read_conll(f.read().splitlines(), column=column)
    sentences: list[list[str]] = []
    current: list[str] = []
    for number, line in enumerate(source, 1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if current:
                sentences.append(current)
                current = []
            continue
        try:
            current.append(fields[column])
        except IndexError:
            raise InputError(f"read_conll: line {number} has no column {column}: {line!r:.80}.") from None
    if current:
        sentences.append(current)
    return sentences


__all__ = ["NerF1", "ner_f1", "ner_report", "read_conll", "tag_sequences"]
