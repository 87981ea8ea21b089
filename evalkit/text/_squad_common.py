"""SQuAD and exact match: options, the answer rules of the official scripts, the row layouts and formulas.

Shared by :mod:`evalkit.text.squad` (the public faces and the input layouts). The row of one question is
written in :data:`SQUAD_LAYOUT` (every column summed) and, where no-answer probabilities are given, two
sparse cells per distinct probability (the exact and F1 gains of a threshold moved past it).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.core.backends import backend_option
from evalkit.core.errors import InvalidOptionError
from evalkit.core.options import Options, flag, number, option

# -- the official scripts' answer normalisation and token F1 ------------------------------------------

_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(text: str) -> str:
    """The official SQuAD scripts' ``normalize_answer``: lowercase, drop ASCII punctuation, drop the
    articles *a*, *an*, *the*, collapse whitespace (the same steps in the same order; the punctuation is
    deleted by one translation table instead of a character loop).

    Example:
        >>> normalize_answer("The  Eiffel-Tower!")
        'eiffeltower'
    """
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


# a control character: no word character, no whitespace to str.split, no punctuation, no case, and ASCII
# (str.translate keeps its fast path on ASCII text)
_JOIN = "\x01"


#: the token between two texts in :func:`joined_tokens`
SEPARATOR = _JOIN


def joined_tokens(texts: list[str]) -> list[str] | None:
    """The tokens of every text after :func:`normalize_answer` (``normalize_answer(t).split()``), text
    after text with :data:`SEPARATOR` between two texts, from a few passes over the texts joined by that
    control character (a boundary to the article pattern as the end of a string is, untouched by the other
    steps); ``None`` when a text holds it.

    Example:
        >>> joined_tokens(["The Cat!", "an  apple pie", ""]) == ["cat", SEPARATOR, "apple", "pie", SEPARATOR]
        True
    """
    joined = _JOIN.join(texts)
    if joined.count(_JOIN) != max(len(texts) - 1, 0):
        return None
    return _ARTICLES.sub(" ", joined.lower().translate(_PUNCTUATION)).replace(_JOIN, f" {_JOIN} ").split()


def token_f1(gold: list[str], pred: list[str], *, empty_agrees: bool) -> float:
    """Token F1 of normalised answers split on whitespace (bags of tokens, as ``collections.Counter``).

    ``empty_agrees`` is SQuAD 2.0's rule: an empty side scores 1 if both are empty, else 0; SQuAD 1.1's
    script scores 0 whenever no token is shared (``empty_agrees=False``).

    Example:
        >>> token_f1(["eiffel", "tower"], ["tower"], empty_agrees=True)
        0.6666666666666666
        >>> token_f1([], [], empty_agrees=True), token_f1([], [], empty_agrees=False)
        (1, 0)
    """
    if empty_agrees and (not gold or not pred):
        return int(gold == pred)
    shared_gold, shared_pred = set(gold), set(pred)
    if len(shared_gold) == len(gold) and len(shared_pred) == len(pred):  # no repeated token: sets are the bags
        same = len(shared_gold & shared_pred)
    else:
        same = sum((Counter(gold) & Counter(pred)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(pred)
    recall = 1.0 * same / len(gold)
    return (2 * precision * recall) / (precision + recall)


# -- SQuAD -----------------------------------------------------------------------------------------------

#: the summed columns of one question's row
SQUAD_LAYOUT = (
    "n",  # questions
    "v1_exact",  # SQuAD 1.1's exact match (max over the gold answers; 0 for a question without answers)
    "v1_f1",  # SQuAD 1.1's F1
    "has_n",  # questions with answers
    "has_exact",  # their 2.0 exact match after the no-answer threshold
    "has_f1",
    "no_n",  # questions without answers
    "no_exact",
    "no_f1",
)
N, V1_EXACT, V1_F1, HAS_N, HAS_EXACT, HAS_F1, NO_N, NO_EXACT, NO_F1 = range(len(SQUAD_LAYOUT))


@dataclass(frozen=True)
class SquadOptions(Options):
    na_prob_thresh: float = option(
        1.0,
        number(),
        "a question whose no-answer probability exceeds this is answered 'no answer' (the 2.0 script's "
        "--na-prob-thresh)",
        sig="thresh",
        hide_default=True,
    )
    backend: str = backend_option("every answer tokenised from one joined text, all pairs compared at once")


def question_row(pred: str, answers: Sequence[str], na_prob: float, thresh: float) -> tuple[list[float], float, float]:
    """``(row, exact gain, F1 gain)`` of one question, by the official scripts' rules (the reference).

    SQuAD 2.0: the gold answers are those whose normalised text is not empty, or ``[""]`` when there is
    none (the only right answer to a question without answers); exact match and F1 are the maximum over
    them; a no-answer probability above ``thresh`` replaces both by 1 for a question without answers and
    0 for one with. The gains are what moving the threshold past this question's probability adds to the
    number of right answers: its raw score for a question with answers, and for one without, -1 when the
    prediction is a non-empty string (the script's ``if preds[qid]``) else 0.

    SQuAD 1.1 keeps every gold answer, and its F1 is 0 without a shared token: a gold answer that
    normalises to nothing matches exactly an empty prediction and has F1 0; the others score as in 2.0.
    """
    has_ans = bool(answers)
    pred_norm = normalize_answer(pred)
    pred_toks = pred_norm.split()
    gold = []
    for answer in answers:
        if normalized := normalize_answer(answer):
            gold.append(normalized)
    dropped = len(gold) < len(answers)  # some gold answer normalises to nothing
    if gold:
        exact = int(pred_norm in gold)
        f1 = max(token_f1(g.split(), pred_toks, empty_agrees=True) for g in gold)
    else:  # the one gold answer is ""
        exact = int(pred_norm == "")
        f1 = float(not pred_toks)
    if has_ans:
        v1_exact = int(exact or (dropped and pred_norm == ""))
        v1_f1 = f1 if gold else 0
    else:
        v1_exact = v1_f1 = 0
    if na_prob > thresh:
        t_exact = t_f1 = float(not has_ans)
    else:
        t_exact, t_f1 = exact, f1
    if has_ans:
        return [1, v1_exact, v1_f1, 1, t_exact, t_f1, 0, 0, 0], exact, f1
    gain = -1 if pred else 0
    return [1, v1_exact, v1_f1, 0, 0, 0, 1, t_exact, t_f1], gain, gain


def squad_version(totals: np.ndarray, thresholds: bool) -> bool:
    """Whether totals are scored as SQuAD 2.0: some question without answers, or no-answer probabilities
    given (else 1.1's rules and components)."""
    return thresholds or bool(totals[NO_N] > 0)


def best_threshold(n_no: float, n: float, gains: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """``(best score, threshold)`` of the 2.0 script's ``find_best_thresh``: start from every question
    answered "no answer" (``n_no`` right), move the threshold past each distinct probability in increasing
    order, adding its summed gain (left to right, as the script adds), and keep the first best count above
    the start (threshold 0.0 when none is).

    The script steps question by question in the order of a stable sort, so among questions that share a
    probability it may keep a count reached half-way through them, which no threshold gives; evalkit
    steps over whole groups (every count it reports is reached by its threshold).

    Example:
        >>> best_threshold(1, 3, np.array([1.0, -1.0, 1.0]), np.array([0.1, 0.5, 0.9]))
        (0.6666666666666666, 0.1)
    """
    if len(gains) == 0:
        return n_no / n, 0.0
    running = np.cumsum(np.concatenate([[float(n_no)], gains]))[1:]
    best = int(np.argmax(running))
    if running[best] > n_no:
        return float(running[best]) / n, float(probs[best])
    return n_no / n, 0.0


def squad_components(total: np.ndarray, probs: np.ndarray | None) -> dict[str, Any]:
    """The official scripts' numbers (as fractions) of one total, ``probs`` the frame of the gains."""
    head = [float(x) for x in total[: len(SQUAD_LAYOUT)]]
    n = head[N]
    if not squad_version(head, probs is not None):
        return {"exact": head[V1_EXACT] / n, "f1": head[V1_F1] / n, "total": int(n), "version": "1.1"}
    out: dict[str, Any] = {
        "exact": (head[HAS_EXACT] + head[NO_EXACT]) / n,
        "f1": (head[HAS_F1] + head[NO_F1]) / n,
        "total": int(n),
    }
    for key, count, exact, f1 in (("HasAns", HAS_N, HAS_EXACT, HAS_F1), ("NoAns", NO_N, NO_EXACT, NO_F1)):
        if head[count]:  # the script reports a part only where it has questions
            out[f"{key}_exact"] = head[exact] / head[count]
            out[f"{key}_f1"] = head[f1] / head[count]
            out[f"{key}_total"] = int(head[count])
    if probs is not None:
        cells = np.asarray(total[len(SQUAD_LAYOUT) :], dtype=np.float64).reshape(-1, 2)
        out["best_exact"], out["best_exact_thresh"] = best_threshold(head[NO_N], n, cells[:, 0], probs)
        out["best_f1"], out["best_f1_thresh"] = best_threshold(head[NO_N], n, cells[:, 1], probs)
    out["version"] = "2.0"
    return out


def squad_f1(totals: np.ndarray, thresholds: bool) -> np.ndarray:
    """The F1 of each row of totals (the score; vectorized for bootstrap resamples)."""
    n = totals[:, N]
    v2 = totals[:, HAS_F1] + totals[:, NO_F1]
    use_v2 = np.full(len(totals), True) if thresholds else totals[:, NO_N] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(use_v2, v2, totals[:, V1_F1]) / n


# -- exact match (Hugging Face evaluate's) ------------------------------------------------------------


def _regexes(owner: str, name: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidOptionError(
            f"The {name!r} parameter of {owner} must be None or a list of regular expressions (str). "
            f"Got {value!r:.60} instead."
        )
    for pattern in value:
        if not isinstance(pattern, str):
            raise InvalidOptionError(
                f"The {name!r} parameter of {owner} must hold regular expressions (str). Got {pattern!r:.60} in it."
            )
        try:
            re.compile(pattern)
        except re.error as e:
            raise InvalidOptionError(
                f"The {name!r} parameter of {owner} holds {pattern!r}, which is no regular expression ({e})."
            ) from None
    return tuple(value)


@dataclass(frozen=True)
class ExactMatchOptions(Options):
    regexes_to_ignore: tuple[str, ...] | None = option(
        None,
        _regexes,
        "regular expressions deleted (re.sub with '') from both sides first, in order",
        sig="ignore",
        hide_default=True,
    )
    ignore_case: bool = option(False, flag(), "lowercase both sides", sig="case", show=lambda v: "lc" if v else "mixed")
    ignore_punctuation: bool = option(False, flag(), "delete ASCII punctuation (string.punctuation)", sig="punct")
    ignore_numbers: bool = option(False, flag(), "delete the digits 0-9", sig="digits")


_DIGITS = str.maketrans("", "", string.digits)


def exact_match_text(text: str, options: ExactMatchOptions) -> str:
    """``text`` after evaluate's ``exact_match`` steps, in its order: the regexes, lowercasing, deleting
    punctuation, deleting digits.

    Example:
        >>> exact_match_text("The Cat, 2!", ExactMatchOptions(None, True, True, True))
        'the cat '
    """
    for pattern in options.regexes_to_ignore or ():
        text = re.sub(pattern, "", text)
    if options.ignore_case:
        text = text.lower()
    if options.ignore_punctuation:
        text = text.translate(_PUNCTUATION)
    if options.ignore_numbers:
        text = text.translate(_DIGITS)
    return text


__all__ = [
    "SEPARATOR",
    "SQUAD_LAYOUT",
    "ExactMatchOptions",
    "SquadOptions",
    "best_threshold",
    "exact_match_text",
    "joined_tokens",
    "normalize_answer",
    "question_row",
    "squad_components",
    "squad_f1",
    "squad_version",
    "token_f1",
]
