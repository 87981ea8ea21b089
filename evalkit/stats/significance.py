"""Bootstrap confidence intervals and paired significance tests on per-segment statistics.

Every test works on the ``(n_segments, n_stats)`` matrix that ``metric.stats(...)`` returns, never on text:
a resample is a vector of **count weights** over segments, so a block of resamples is one
``(resamples x segments) @ (segments x stats)`` matrix product, scored at once by ``metric.scores``.

The semantics are sacrebleu's (``sacrebleu/significance.py``, 2.x), which follows Koehn (2004) for the
paired bootstrap and Riezler & Maxwell (2005) / MultEval for approximate randomization:

- **bootstrap CI**: ``R`` resamples of the segments with replacement, drawn as
  ``numpy.random.default_rng(seed).choice(n, size=(R, n))``; the interval is the
  ``[floor(R (1 - confidence) / 2)]``-th and its mirror order statistic of the resampled scores
  (``R // 40`` for 95%), reported with the resamples' mean;
- **paired bootstrap**: the same resamples for baseline and system;
  ``d_r = |score_sys,r - score_base,r|``, ``p = (#{d_r - mean(d) > |score_sys - score_base|} + 1) / (R + 1)``;
- **approximate randomization**: ``T`` trials, each swapping the two systems' outputs on a random half
  of the segments (``rng.integers(2, size=(T, n), dtype=bool)``);
  ``p = (#{|score_a,t - score_b,t| > |score_sys - score_base|} + 1) / (T + 1)``.

Defaults are sacrebleu's: 1000 resamples, 10,000 trials, seed 12345 (``SACREBLEU_SEED``'s default). With
the same seed the random draws are sacrebleu's own, so the numbers agree with ``sacrebleu --paired-bs`` /
``--paired-ar`` up to floating-point ties. One deliberate difference: sacrebleu's paired tests treat seed 0
as "unseeded"; here 0 is a seed like any other and only ``seed=None`` draws fresh entropy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InputTypeError
from evalkit.core.metric import Metric
from evalkit.core.result import Result
from evalkit.core.rows import Rows, as_rows
from evalkit.core.validate import check_choice, check_int, check_number

#: sacrebleu's default seed (its ``SACREBLEU_SEED`` environment variable defaults to 12345)
DEFAULT_SEED = 12345

# Elements (resamples x segments) per block: a block stays in cache, and memory stays bounded whatever the
# size of the corpus.
_BLOCK_ELEMENTS = 1 << 18


@dataclass(frozen=True)
class BootstrapCI:
    """A bootstrap confidence interval of one system's score.

    ``result`` is the score on all segments with ``ci=(low, high)`` attached; ``mean`` is the mean of
    the resampled scores and ``half_width`` is ``(high - low) / 2`` (sacrebleu prints ``mean ± half_width``).
    """

    result: Result
    mean: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    seed: int | None

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": float(self.result.score),
            "mean": self.mean,
            "ci": [self.low, self.high],
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class PairedTest:
    """The outcome of a paired test of a system against a baseline.

    ``test`` is ``"paired_bootstrap"``, ``"approximate_randomization"`` or ``"delong"`` (ROC-AUC,
    :mod:`evalkit.stats.delong`); ``n`` is its number of resamples or trials; ``ci`` is the system's bootstrap interval (``None`` when not requested).
    """

    test: str
    score: float
    baseline_score: float
    p_value: float
    n: int
    seed: int | None
    ci: BootstrapCI | None = None

    @property
    def difference(self) -> float:
        """System score minus baseline score."""
        return self.score - self.baseline_score

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "test": self.test,
            "score": self.score,
            "baseline_score": self.baseline_score,
            "difference": self.difference,
            "p_value": self.p_value,
            "n": self.n,
            "seed": self.seed,
        }
        if self.ci is not None:
            out["mean"], out["ci"] = self.ci.mean, [self.ci.low, self.ci.high]
        return out


def _rows(owner: str, param: str, metric: Metric, rows: Any) -> Rows:
    if not isinstance(metric, Metric):
        raise InputTypeError(f"{owner}: 'metric' must be an evalkit Metric, got a {type(metric).__name__}.")
    if not metric.reducible:
        raise InputError(
            f"{owner}: {metric.name} is no reduction of per-item rows, so it cannot be resampled; "
            f"bootstrap intervals and paired tests need a metric with rows."
        )
    out = as_rows(rows, owner=owner, param=param)
    if len(out) == 0:
        raise InputError(f"{owner}: {param!r} holds no rows; at least one item is needed.")
    return out


def _pair(owner: str, metric: Metric, baseline_rows: Any, system_rows: Any) -> tuple[Rows, Rows]:
    base = _rows(owner, "baseline_rows", metric, baseline_rows)
    sys = _rows(owner, "system_rows", metric, system_rows)
    _check_same_items(owner, base, sys, "system_rows")
    return base, sys


def _check_same_items(owner: str, base: Rows, other: Rows, param: str) -> None:
    if len(base) != len(other) or (base.space is None and other.space is None and base.width != other.width):
        every = "every system" if param.startswith("systems") else "both systems"
        raise InputError(
            f"{owner}: {every} must be scored on the same segments, but 'baseline_rows' has shape "
            f"({len(base)}, {base.width}) and {param!r} has shape ({len(other)}, {other.width})."
        )


def _seed(owner: str, seed: Any) -> int | None:
    if seed is None:
        return None
    return check_int(owner, "seed", seed, minimum=0)


def _confidence(owner: str, confidence: Any) -> float:
    return check_number(owner, "confidence", confidence, low=0, high=1, low_open=True, high_open=True)


def _exact_dtype(bound: float, *matrices: np.ndarray) -> type:
    """float32 when every weighted sum is an integer of magnitude below 2**24 (so float32 holds it exactly,
    whatever the order of summation, and the products run at twice the speed); float64 otherwise."""
    integral = all(np.array_equal(m, np.round(m)) for m in matrices)
    return np.float32 if integral and bound < 2**24 else np.float64


def _index_blocks(rng: np.random.Generator, n: int, n_resamples: int) -> Iterator[np.ndarray]:
    """Blocks of the (resamples x items) matrix of drawn item indices, drawn exactly as sacrebleu's
    (``rng.choice(n, size=(n_resamples, n))``; consecutive blocks draw the same stream as one call)."""
    block = max(1, _BLOCK_ELEMENTS // n)
    for start in range(0, n_resamples, block):
        yield rng.choice(n, size=(min(block, n_resamples - start), n), replace=True)


def _count_blocks(rng: np.random.Generator, n: int, n_resamples: int, dtype: Any) -> Iterator[np.ndarray]:
    """Blocks of the (resamples x items) count matrix of the resamples of :func:`_index_blocks`. The buffer
    is reused: use each block before asking for the next."""
    block = max(1, _BLOCK_ELEMENTS // n)
    weights = np.empty((block, n), dtype)
    offsets = np.arange(0, block * n, n)[:, None]  # row r counts into r*n .. r*n + n - 1 of the flat block
    for idx in _index_blocks(rng, n, n_resamples):
        b = len(idx)
        idx += offsets[:b]
        w = weights[:b]
        w.fill(0)
        # counting straight into the reused buffer is a third faster than bincount and a cast; the added
        # value must have the buffer's dtype, or np.add.at leaves its fast path (then 50x slower)
        np.add.at(w.reshape(-1), idx.reshape(-1), w.dtype.type(1))
        yield w


def _resampled_sums(rng: np.random.Generator, matrix: np.ndarray, n_resamples: int) -> np.ndarray:
    """``counts @ matrix`` for the bootstrap count matrix of :func:`_count_blocks` (summed columns)."""
    out = np.empty((n_resamples, matrix.shape[1]), matrix.dtype)
    start = 0
    for w in _count_blocks(rng, len(matrix), n_resamples, matrix.dtype):
        np.matmul(w, matrix, out=out[start : start + len(w)])
        start += len(w)
    return out


def _swap_bits(rng: np.random.Generator, n: int, n_trials: int, rows: int) -> Iterator[np.ndarray]:
    """Blocks of ``rows`` trials of the (trials x items) 0/1 swap matrix, drawn as sacrebleu's
    ``rng.integers(2, size=(n_trials, n), dtype=bool)`` (see :func:`_swapped_sums`)."""
    for start in range(0, n_trials, rows):
        b = min(rows, n_trials - start)
        words = rng.integers(0, 2**32, size=-(-b * n // 32), dtype=np.uint32).astype("<u4", copy=False)
        yield np.unpackbits(words.view(np.uint8), count=b * n, bitorder="little").reshape(b, n)


def _swap_blocks(rng: np.random.Generator, n: int, n_trials: int) -> Iterator[np.ndarray]:
    """The swap matrix of :func:`_swap_bits` as float blocks, the same draws as the fast path's."""
    rows = max(32, (_BLOCK_ELEMENTS // n) // 32 * 32)
    for bits in _swap_bits(rng, n, n_trials, rows):
        yield bits.astype(np.float64)


def _swapped_sums(rng: np.random.Generator, delta: np.ndarray, n_trials: int) -> np.ndarray:
    """``swap @ delta`` for the (trials x segments) 0/1 swap matrix, drawn exactly as sacrebleu's
    ``rng.integers(2, size=(n_trials, n), dtype=bool)``.

    numpy draws those booleans as the bits of 32-bit words, lowest bit first, dropping a call's unused
    bits; the words are drawn here directly and unpacked, which is several times faster. A block holds a
    multiple of 32 rows so that consecutive blocks consume the words of one call. Each block's bits are
    converted into one reused buffer: a fresh array per block costs page faults as large as the copy.
    """
    n = len(delta)
    rows = max(32, (_BLOCK_ELEMENTS // n) // 32 * 32)
    cols = max(1, _BLOCK_ELEMENTS // rows)
    dtype = _exact_dtype(float(np.abs(delta).sum(axis=0).max()), delta)
    # The product's cost grows with its width, and columns of delta repeat: ref_len is the same for every
    # system (a zero column), and BLEU's total_n is hyp_len - n + 1 for hypotheses of n tokens or more, so
    # delta's total_n columns are often its hyp_len column. Only distinct non-zero columns are multiplied
    # (BLEU, two systems: 14 of 20), padded with zeros to a multiple of 8, which OpenBLAS's single-precision
    # kernels run up to twice as fast as other widths (16 columns took 60 % of the time of 14). The draws
    # are made whatever the width, so that the generator's later draws stay sacrebleu's.
    distinct: dict[bytes, int] = {}
    source = [distinct.setdefault(c.tobytes(), len(distinct)) if c.any() else -1 for c in delta.T.copy()]
    d = np.zeros((n, -(-len(distinct) // 8) * 8), dtype)
    for key, j in distinct.items():
        d[:, j] = np.frombuffer(key, dtype=delta.dtype)
    out = np.zeros((n_trials, d.shape[1]), dtype)
    buffer = np.empty((rows, min(cols, n)), dtype)
    start = 0
    for bits in _swap_bits(rng, n, n_trials, rows):
        b = len(bits)
        for c in range(0, n, cols):
            part = buffer[:b, : min(cols, n - c)]
            np.copyto(part, bits[:, c : c + cols])
            out[start : start + b] += part @ d[c : c + cols]
        start += b
    # a zero column of delta reads the last padding column, or one appended when there is none
    if -1 in source and len(distinct) == d.shape[1]:
        out = np.hstack([out, np.zeros((n_trials, 1), dtype)])
    return out[:, source]


def _interval(scores: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean and the order-statistic interval of resampled scores (sacrebleu's ``estimate_ci``)."""
    ordered = np.sort(scores)
    k = len(ordered)
    # 1e-9 guards against 0.05 * 1000 / 2 landing just below 25 in floating point.
    lo = min(math.floor(k * (1 - confidence) / 2 + 1e-9), (k - 1) // 2)
    return float(ordered.mean()), float(ordered[lo]), float(ordered[k - lo - 1])


def _summed_matrix(rows: Rows) -> np.ndarray | None:
    """The rows as one matrix when every statistic is a plain sum in a fixed frame (the fast product)."""
    return rows.dense if rows.all_sums and not rows.n_cells and rows.space is None else None


def _resampled_scores(
    scorers: list[Metric], rng: np.random.Generator, rows: list[Rows], n_resamples: int
) -> list[np.ndarray]:
    """Scores of the same ``n_resamples`` bootstrap resamples of each system's rows (the same items)."""
    n = len(rows[0])
    matrices = [_summed_matrix(r) for r in rows]
    if all(m is not None for m in matrices):
        stacked = np.hstack(matrices) if len(matrices) > 1 else matrices[0]  # one product serves every system
        # a resample's sum is at most n times the largest row entry
        dtype = _exact_dtype(n * float(np.abs(stacked).max()), stacked)
        sums = _resampled_sums(rng, stacked.astype(dtype), n_resamples).astype(np.float64)
        splits = np.cumsum([m.shape[1] for m in matrices])[:-1]
        return [s.scores(part) for s, part in zip(scorers, np.split(sums, splits, axis=1))]
    # each block of resamples scored as it is drawn: its totals are as wide as the frame (a table of a
    # million distinct scores, NIST's n-grams), so all resamples' totals at once could take gigabytes
    parts: list[list[np.ndarray]] = [[] for _ in rows]
    for block in _index_blocks(rng, n, n_resamples):
        for part, s, r in zip(parts, scorers, rows):
            step = max(1, _BLOCK_ELEMENTS // r.width)
            part.extend(s.scores(r.drawn_totals(block[i : i + step])) for i in range(0, len(block), step))
    return [np.concatenate(part) for part in parts]


def _scorer(metric: Metric, rows: Rows) -> Metric:
    """A fresh copy of ``metric`` holding ``rows``: it scores totals in their frame, with their extras."""
    return metric.fresh().add_rows(rows)


def _ci(scorer: Metric, scores: np.ndarray, confidence: float, seed: int | None) -> BootstrapCI:
    result = scorer.compute()
    mean, low, high = _interval(scores, confidence)
    return BootstrapCI(replace(result, ci=(low, high)), mean, low, high, confidence, len(scores), seed)


def bootstrap_ci(
    metric: Metric,
    rows: Any,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> BootstrapCI:
    """Bootstrap confidence interval of ``metric`` on the per-segment statistics ``rows``.

    Resample the ``n`` rows with replacement ``n_resamples`` times, score each resample's sum, and take
    the ``floor(R (1 - confidence) / 2)``-th smallest and largest scores (sacrebleu's ``--confidence``;
    Koehn 2004). ``rows`` is ``metric.stats(...)``; it is not changed.

    Example:
        >>> from evalkit.core import Metric, Result, Signature
        >>> class Acc(Metric):
        ...     name = "acc"
        ...     def stats(self, t, p): return np.array([[a == b, 1] for a, b in zip(t, p)])
        ...     def score(self, s): return Result("acc", s[0] / s[1], signature=self.signature())
        ...     def signature(self): return Signature.of("acc")
        >>> rows = Acc().stats([1, 1, 0, 1] * 25, [1, 0, 0, 1] * 25)
        >>> ci = bootstrap_ci(Acc(), rows, n_resamples=200, seed=1)
        >>> float(ci.result), ci.low < 0.75 < ci.high
        (0.75, True)
    """
    owner = "bootstrap_ci"
    data = _rows(owner, "rows", metric, rows)
    n_resamples = check_int(owner, "n_resamples", n_resamples, minimum=1)
    confidence = _confidence(owner, confidence)
    seed = _seed(owner, seed)
    rng = np.random.default_rng(seed)
    scorer = _scorer(metric, data)
    (scores,) = _resampled_scores([scorer], rng, [data], n_resamples)
    return _ci(scorer, scores, confidence, seed)


def _systems(owner: str, metric: Metric, baseline_rows: Any, systems_rows: Any) -> tuple[Rows, list[Rows]]:
    base = _rows(owner, "baseline_rows", metric, baseline_rows)
    if isinstance(systems_rows, (np.ndarray, Rows)) or not isinstance(systems_rows, (list, tuple)) or not systems_rows:
        raise InputTypeError(
            f"{owner}: 'systems_rows' must be a non-empty list of per-item rows, one per system, "
            f"got a {type(systems_rows).__name__}."
        )
    systems = [_rows(owner, f"systems_rows[{i}]", metric, r) for i, r in enumerate(systems_rows)]
    for i, r in enumerate(systems):
        _check_same_items(owner, base, r, f"systems_rows[{i}]")
    return base, systems


def _paired_bs(
    metric: Metric, base: Rows, systems: list[Rows], n: int, confidence: float, seed: int | None
) -> tuple[BootstrapCI, list[PairedTest]]:
    rng = np.random.default_rng(seed)
    scorers = [_scorer(metric, r) for r in [base, *systems]]
    s_base, *s_systems = _resampled_scores(scorers, rng, [base, *systems], n)
    observed_base = float(scorers[0].compute())
    tests = []
    for scorer, s_sys in zip(scorers[1:], s_systems):
        observed = float(scorer.compute())
        diffs = np.abs(s_sys - s_base)
        p = _p_value(diffs - diffs.mean(), abs(observed - observed_base))
        ci = _ci(scorer, s_sys, confidence, seed)
        tests.append(PairedTest("paired_bootstrap", observed, observed_base, p, n, seed, ci))
    return _ci(scorers[0], s_base, confidence, seed), tests


def _swapped_differences(
    metric: Metric, rng: np.random.Generator, base: Rows, systems: list[Rows], n_trials: int
) -> list[np.ndarray]:
    """For each system, ``|score(a_t) - score(b_t)|`` of every trial, scored in the frame of both: ``a_t``
    takes the baseline's row where the trial swaps and the system's elsewhere, ``b_t`` the opposite."""
    mixers = [metric.fresh().add_rows(base).add_rows(r) for r in systems]
    matrices = [_summed_matrix(r) for r in [base, *systems]]
    if all(m is not None for m in matrices):
        # a_t = swap @ base + (1 - swap) @ sys = swap @ (base - sys) + total_sys; b_t is the complement.
        # One product of the swap matrix with every system's (base - sys) side by side.
        b = matrices[0]
        swapped = _swapped_sums(rng, np.hstack([b - m for m in matrices[1:]]), n_trials)
        d = b.shape[1]
        out = []
        for i, (m, mixer) in enumerate(zip(matrices[1:], mixers)):
            total = m.sum(axis=0)
            a = swapped[:, i * d : (i + 1) * d] + total
            out.append(np.abs(mixer.scores(a) - mixer.scores((b.sum(axis=0) + total) - a)))
        return out
    # each block of trials scored as it is drawn, a few trials at a time: their totals are as wide as
    # the joined frame (a table of distinct scores, NIST's n-grams)
    parts: list[list[np.ndarray]] = [[] for _ in systems]
    for block in _swap_blocks(rng, len(base), n_trials):
        for part, mixer, r in zip(parts, mixers, systems):
            space = mixer.space
            step = max(1, _BLOCK_ELEMENTS // max(base.width, r.width))
            for swap in (block[i : i + step] for i in range(0, len(block), step)):
                keep = 1.0 - swap
                totals = []
                for first, second in ((base, r), (r, base)):
                    x = _in_frame(mixer, first.weighted_totals(swap), first.space, space)
                    y = _in_frame(mixer, second.weighted_totals(keep), second.space, space)
                    totals.append(_combined(first.column_reductions if len(x[0]) == first.width else None, x, y))
                part.append(np.abs(mixer.scores(totals[0]) - mixer.scores(totals[1])))
    return [np.concatenate(p) for p in parts]


def _in_frame(metric: Metric, totals: np.ndarray, space: Any, target: Any) -> np.ndarray:
    if space is None and target is None:
        return totals
    return np.stack([metric.align(t, space, target) for t in totals])


def _combined(reductions: tuple[str, ...] | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Totals of two disjoint sets of items, column by column (sums add; a max or min of an empty set is
    its identity, so the other side wins)."""
    if reductions is None or all(r == "sum" for r in reductions):
        return a + b
    out = a + b
    for j, r in enumerate(reductions):
        if r == "max":
            out[:, j] = np.maximum(a[:, j], b[:, j])
        elif r == "min":
            out[:, j] = np.minimum(a[:, j], b[:, j])
    return out


def _paired_ar(
    metric: Metric,
    base: Rows,
    systems: list[Rows],
    n: int,
    n_ci: int,
    confidence: float,
    seed: int | None,
) -> list[PairedTest]:
    rng = np.random.default_rng(seed)
    base_scorer = _scorer(metric, base)
    observed_base = float(base_scorer.compute())
    differences = _swapped_differences(metric, rng, base, systems, n)
    scorers = [_scorer(metric, r) for r in systems]
    # sacrebleu draws each system's CI resamples from a generator that has made the trials: the same for all
    s_systems = _resampled_scores(scorers, rng, systems, n_ci) if n_ci > 0 else [None] * len(systems)
    tests = []
    for scorer, d, s_sys in zip(scorers, differences, s_systems):
        observed = float(scorer.compute())
        p = _p_value(d, abs(observed - observed_base))
        ci = None if s_sys is None else _ci(scorer, s_sys, confidence, seed)
        tests.append(PairedTest("approximate_randomization", observed, observed_base, p, n, seed, ci))
    return tests


def paired_bootstrap(
    metric: Metric,
    baseline_rows: Any,
    system_rows: Any,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> PairedTest:
    """Paired bootstrap resampling test of a system against a baseline (Koehn 2004; sacrebleu ``--paired-bs``).

    Both systems are resampled with the same segment draws. With ``d_r = |s_sys,r - s_base,r|`` and the
    observed ``δ = |s_sys - s_base|``, the p-value is ``(#{r: d_r - mean(d) > δ} + 1) / (R + 1)``: the
    chance of a difference this large if the true difference were zero. The system's bootstrap CI comes
    from the same resamples. For several systems at once, :func:`compare_systems` shares the draws.

    Example:
        >>> from evalkit.core import Metric, Result, Signature
        >>> class Acc(Metric):
        ...     name = "acc"
        ...     def stats(self, t, p): return np.array([[a == b, 1] for a, b in zip(t, p)])
        ...     def score(self, s): return Result("acc", s[0] / s[1], signature=self.signature())
        ...     def signature(self): return Signature.of("acc")
        >>> truth = [1, 0] * 50
        >>> base = Acc().stats(truth, [1, 1] * 50)          # 50% right
        >>> good = Acc().stats(truth, truth[:90] + [9] * 10)  # 90% right
        >>> t = paired_bootstrap(Acc(), base, good, n_resamples=200, seed=1)
        >>> round(t.difference, 2), t.p_value < 0.05
        (0.4, True)
    """
    owner = "paired_bootstrap"
    base, sys = _pair(owner, metric, baseline_rows, system_rows)
    n_resamples = check_int(owner, "n_resamples", n_resamples, minimum=1)
    confidence = _confidence(owner, confidence)
    return _paired_bs(metric, base, [sys], n_resamples, confidence, _seed(owner, seed))[1][0]


def paired_approximate_randomization(
    metric: Metric,
    baseline_rows: Any,
    system_rows: Any,
    *,
    n_trials: int = 10_000,
    n_ci_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> PairedTest:
    """Paired approximate randomization test (Riezler & Maxwell 2005; sacrebleu ``--paired-ar``).

    Each trial swaps the two systems' statistics on a random half of the segments, giving pseudo-systems
    ``a_t`` and ``b_t``. With the observed ``δ = |s_sys - s_base|``, the p-value is
    ``(#{t: |s(a_t) - s(b_t)| > δ} + 1) / (T + 1)``. When ``n_ci_resamples > 0`` the system also gets a
    bootstrap CI, its resamples drawn from the same generator after the trials (as sacrebleu's
    ``n_ar_confidence``); ``0`` skips it. For several systems at once, :func:`compare_systems` shares the draws.

    Example:
        >>> from evalkit.core import Metric, Result, Signature
        >>> class Acc(Metric):
        ...     name = "acc"
        ...     def stats(self, t, p): return np.array([[a == b, 1] for a, b in zip(t, p)])
        ...     def score(self, s): return Result("acc", s[0] / s[1], signature=self.signature())
        ...     def signature(self): return Signature.of("acc")
        >>> truth = [1, 0] * 50
        >>> base = Acc().stats(truth, [1, 1] * 50)          # 50% right
        >>> good = Acc().stats(truth, truth[:90] + [9] * 10)  # 90% right
        >>> t = paired_approximate_randomization(Acc(), base, good, n_trials=500, n_ci_resamples=0, seed=1)
        >>> t.p_value == 1 / 501  # no trial reached the observed difference
        True
    """
    owner = "paired_approximate_randomization"
    base, sys = _pair(owner, metric, baseline_rows, system_rows)
    n_trials = check_int(owner, "n_trials", n_trials, minimum=1)
    n_ci_resamples = check_int(owner, "n_ci_resamples", n_ci_resamples, minimum=0)
    confidence = _confidence(owner, confidence)
    return _paired_ar(metric, base, [sys], n_trials, n_ci_resamples, confidence, _seed(owner, seed))[0]


def compare_systems(
    metric: Metric,
    baseline_rows: Any,
    systems_rows: Sequence[Any],
    *,
    test: str = "paired_bootstrap",
    n_samples: int | None = None,
    n_ci_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> tuple[BootstrapCI, list[PairedTest]]:
    """Test several systems against one baseline, as ``sacrebleu --paired-bs`` / ``--paired-ar`` does.

    Returns the baseline's bootstrap CI and one :class:`PairedTest` per system, equal to calling
    :func:`paired_bootstrap` or :func:`paired_approximate_randomization` for each (sacrebleu reseeds for
    every system, so all share the same draws), but drawing and multiplying once for all systems.
    ``test`` is ``"paired_bootstrap"`` (``n_samples`` resamples, default 1000; the baseline's CI from the
    same resamples) or ``"approximate_randomization"`` (``n_samples`` trials, default 10,000; the CIs from
    ``n_ci_resamples`` bootstrap resamples).

    Example:
        >>> from evalkit.core import Metric, Result, Signature
        >>> class Acc(Metric):
        ...     name = "acc"
        ...     def stats(self, t, p): return np.array([[a == b, 1] for a, b in zip(t, p)])
        ...     def score(self, s): return Result("acc", s[0] / s[1], signature=self.signature())
        ...     def signature(self): return Signature.of("acc")
        >>> truth = [1, 0] * 50
        >>> base, same = Acc().stats(truth, [1, 1] * 50), Acc().stats(truth, [0, 0] * 50)
        >>> ci, (t,) = compare_systems(Acc(), base, [same], n_samples=200, seed=1)
        >>> t.difference, t.p_value > 0.05
        (0.0, True)
    """
    owner = "compare_systems"
    base, systems = _systems(owner, metric, baseline_rows, systems_rows)
    check_choice(owner, "test", test, ("paired_bootstrap", "approximate_randomization"))
    default = 1000 if test == "paired_bootstrap" else 10_000
    n = default if n_samples is None else check_int(owner, "n_samples", n_samples, minimum=1)
    n_ci_resamples = check_int(owner, "n_ci_resamples", n_ci_resamples, minimum=1)
    confidence = _confidence(owner, confidence)
    seed = _seed(owner, seed)
    if test == "paired_bootstrap":
        return _paired_bs(metric, base, systems, n, confidence, seed)
    tests = _paired_ar(metric, base, systems, n, n_ci_resamples, confidence, seed)
    # sacrebleu bootstraps the baseline with a fresh generator: the draws of bootstrap_ci
    rng = np.random.default_rng(seed)
    scorer = _scorer(metric, base)
    (s_base,) = _resampled_scores([scorer], rng, [base], n_ci_resamples)
    return _ci(scorer, s_base, confidence, seed), tests


def _p_value(samples: np.ndarray, observed: float) -> float:
    # sacrebleu's (from MultEval): strictly greater, and +1 on both sides so that the chance of a false
    # rejection never exceeds the level of the test. Kept as is for equal p-values, including its quirk
    # that two identical systems get p = 1 / (n + 1), since no sample exceeds a zero difference.
    return (int(np.sum(samples > observed)) + 1) / (len(samples) + 1)


__all__ = [
    "DEFAULT_SEED",
    "BootstrapCI",
    "PairedTest",
    "bootstrap_ci",
    "compare_systems",
    "paired_approximate_randomization",
    "paired_bootstrap",
]
