"""Bootstrap CIs and paired tests against sacrebleu's own, on real WordNet glosses.

The statistics are evalkit BLEU's, asserted equal to sacrebleu's, so any difference lies in the resampling
and the p-value code, which is what this file checks.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from evalkit import BLEU
from evalkit.core import InputError, InputTypeError, InvalidOptionError, Metric, Result, Signature
from evalkit.lexicon.corpora import perturb, perturbed_pairs
from evalkit.stats import significance
from evalkit.stats.significance import (
    bootstrap_ci,
    compare_systems,
    paired_approximate_randomization,
    paired_bootstrap,
)

sacrebleu = pytest.importorskip("sacrebleu")
from sacrebleu.significance import PairedTest, _bootstrap_resample, estimate_ci  # noqa: E402

SEED = 12345  # sacrebleu's default SACREBLEU_SEED
N_SEGMENTS = 600


@pytest.fixture(scope="module")
def systems():
    """A reference (real glosses) and three systems: a baseline, a slightly better one, a clearly better one."""
    _, refs = perturbed_pairs(N_SEGMENTS, seed=7, max_refs=1)
    glosses = [r[0] for r in refs]
    vocabulary = sorted({w for g in glosses for w in g.split(" ")})
    out = {}
    for name, rate, seed in (("base", 0.30, 1), ("close", 0.295, 4), ("better", 0.15, 3)):
        rng = random.Random(seed)
        out[name] = [" ".join(perturb(g.split(" "), rng, vocabulary, rate)) for g in glosses]
    return glosses, out


def _bleu() -> BLEU:
    return BLEU()  # sacrebleu's defaults: 13a, exp smoothing


@pytest.fixture(scope="module")
def rows(systems):
    """evalkit BLEU's per-segment statistics, checked equal to sacrebleu's: the tests below compare only
    the resampling and the p-values."""
    glosses, hyps = systems
    out = {name: _bleu().stats(h, [[g] for g in glosses]) for name, h in hyps.items()}
    for name, h in hyps.items():
        assert (out[name] == np.array(sacrebleu.BLEU()._extract_corpus_statistics(h, [glosses]))).all()
    return out


def _sacrebleu_paired(systems, test_type, n_samples, n_ar_confidence=-1, names=("base", "close", "better")):
    glosses, hyps = systems
    named = [(name, hyps[name]) for name in names]
    _, scores = PairedTest(
        named, {"BLEU": sacrebleu.BLEU()}, [glosses], test_type=test_type, n_samples=n_samples,
        n_ar_confidence=n_ar_confidence,
    )()  # fmt: skip
    return scores["BLEU"]  # [baseline, close, better]


def _mc_tolerance(p: float, n: int) -> float:
    """Four standard errors of the difference of two independent estimates of p from n draws each
    (binomial: sqrt(2 p (1 - p) / n)), plus 2/(n+1) for the +1 in both numerators."""
    return 4 * math.sqrt(2 * p * (1 - p) / n) + 2 / (n + 1)


def test_paired_bootstrap_matches_sacrebleu(systems, rows):
    ref = _sacrebleu_paired(systems, "bs", 1000)
    m = _bleu()
    for i, name in ((1, "close"), (2, "better")):
        ours = paired_bootstrap(m, rows["base"], rows[name], seed=SEED)
        theirs = ref[i]
        assert ours.score * 100 == pytest.approx(theirs.score, abs=1e-9)
        # Same seed, same draws: the p-values agree up to floating-point ties (one sample either way).
        assert abs(ours.p_value - theirs.p_value) <= 1 / 1001 + 1e-12
        assert ours.ci.mean * 100 == pytest.approx(theirs.mean, abs=1e-6)
        assert ours.ci.half_width * 100 == pytest.approx(theirs.ci, abs=1e-6)
        assert ours.ci.low * 100 <= theirs.mean <= ours.ci.high * 100
        # Another seed: an independent Monte-Carlo estimate of the same p-value.
        other = paired_bootstrap(m, rows["base"], rows[name], seed=2024)
        assert abs(other.p_value - theirs.p_value) <= _mc_tolerance(theirs.p_value, 1000)
    # the test data is what it claims: a close system and a clearly better one
    assert 0.05 < ref[1].p_value < 0.9 and ref[2].p_value < 0.01


def test_paired_ar_matches_sacrebleu(systems, rows):
    # one system: sacrebleu's 10,000 trials are slow; the bootstrap test above covers a clear difference
    ref = _sacrebleu_paired(systems, "ar", 10_000, n_ar_confidence=1000, names=("base", "close"))
    m = _bleu()
    for i, name in ((1, "close"),):
        ours = paired_approximate_randomization(m, rows["base"], rows[name], seed=SEED)
        theirs = ref[i]
        assert abs(ours.p_value - theirs.p_value) <= 1 / 10_001 + 1e-12
        assert ours.ci.mean * 100 == pytest.approx(theirs.mean, abs=1e-6)
        assert ours.ci.low * 100 <= theirs.mean <= ours.ci.high * 100
        other = paired_approximate_randomization(m, rows["base"], rows[name], seed=99, n_ci_resamples=0)
        assert other.ci is None
        assert abs(other.p_value - theirs.p_value) <= _mc_tolerance(theirs.p_value, 10_000)
    assert 0.01 < ref[1].p_value < 0.9  # a close system: the p-value is not pinned at either end


def test_bootstrap_ci_matches_sacrebleu_confidence(systems, rows):
    glosses, hyps = systems
    bleu = sacrebleu.BLEU()
    stats = bleu._extract_corpus_statistics(hyps["close"], [glosses])
    _, resampled = _bootstrap_resample(stats, bleu, 1000)  # seeded by SACREBLEU_SEED, default 12345
    mean, half = estimate_ci(np.array([s.score for s in resampled]))
    ci = bootstrap_ci(_bleu(), rows["close"], seed=SEED)
    assert ci.mean * 100 == pytest.approx(mean, abs=1e-6)
    assert ci.half_width * 100 == pytest.approx(half, abs=1e-6)
    assert ci.low * 100 <= mean <= ci.high * 100
    assert ci.result.ci == ci.ci and float(ci.result) * 100 == pytest.approx(
        bleu.corpus_score(hyps["close"], [glosses]).score
    )


def test_same_seed_same_numbers_other_seed_other_numbers(rows):
    m = _bleu()
    a = paired_bootstrap(m, rows["base"], rows["close"], n_resamples=200, seed=5)
    b = paired_bootstrap(m, rows["base"], rows["close"], n_resamples=200, seed=5)
    c = paired_bootstrap(m, rows["base"], rows["close"], n_resamples=200, seed=6)
    assert a == b and a.to_dict() == b.to_dict()
    assert a.ci.ci != c.ci.ci
    assert bootstrap_ci(m, rows["base"], n_resamples=100, seed=0) == bootstrap_ci(
        m, rows["base"], n_resamples=100, seed=0
    )


def test_blocks_draw_the_same_stream(rows, monkeypatch):
    """Small blocks (as for a million-segment corpus) give exactly the numbers of one block."""
    m = _bleu()
    whole_bs = paired_bootstrap(m, rows["base"], rows["close"], n_resamples=150, seed=3)
    whole_ar = paired_approximate_randomization(m, rows["base"], rows["close"], n_trials=300, n_ci_resamples=50, seed=3)
    monkeypatch.setattr(significance, "_BLOCK_ELEMENTS", 7 * N_SEGMENTS)
    assert paired_bootstrap(m, rows["base"], rows["close"], n_resamples=150, seed=3) == whole_bs
    assert (
        paired_approximate_randomization(m, rows["base"], rows["close"], n_trials=300, n_ci_resamples=50, seed=3)
        == whole_ar
    )


def test_compare_systems_equals_one_pair_at_a_time(rows):
    m = _bleu()
    systems = [rows["close"], rows["better"]]
    base_ci, tests = compare_systems(m, rows["base"], systems, n_samples=300, seed=4)
    assert base_ci == bootstrap_ci(m, rows["base"], n_resamples=300, seed=4)
    assert tests == [paired_bootstrap(m, rows["base"], s, n_resamples=300, seed=4) for s in systems]
    base_ci, tests = compare_systems(
        m, rows["base"], systems, test="approximate_randomization", n_samples=500, n_ci_resamples=100, seed=4
    )
    assert base_ci == bootstrap_ci(m, rows["base"], n_resamples=100, seed=4)
    assert tests == [
        paired_approximate_randomization(m, rows["base"], s, n_trials=500, n_ci_resamples=100, seed=4) for s in systems
    ]


def test_resampled_sums_are_counts_of_the_drawn_indices():
    rows = np.arange(15.0).reshape(5, 3) ** 2
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    got = significance._resampled_sums(rng_a, rows, 4)
    idx = rng_b.choice(5, size=(4, 5), replace=True)
    assert got.tolist() == [rows[row].sum(axis=0).tolist() for row in idx]


@pytest.mark.parametrize(
    "columns",
    [
        [0, 1, 1, 2, 0],  # repeated and zero columns
        [1, 2, 3, 4, 5, 6, 7, 8, 0],  # 8 distinct columns (no padding) and a zero one
        [0, 0],  # identical systems
    ],
)
def test_swapped_sums_are_products_with_numpys_own_draws(columns):
    """Distinct columns only are multiplied; the result and the generator's next draws are numpy's."""
    base = np.random.default_rng(0).integers(0, 9, size=(45, 9))
    delta = np.stack([base[:, c - 1] if c else np.zeros(45, np.int64) for c in columns], axis=1)
    rng_a, rng_b = np.random.default_rng(2), np.random.default_rng(2)
    got = significance._swapped_sums(rng_a, delta, 70)
    want = rng_b.integers(2, size=(70, 45), dtype=bool).astype(np.int64) @ delta
    assert got.shape == want.shape and (got == want).all()
    assert rng_a.integers(2**32) == rng_b.integers(2**32)


def test_hand_computed_cases():
    class _Mean(Metric):
        name = "test_mean"

        def stats(self, x):
            return np.stack([np.asarray(x, float), np.ones(len(x))], axis=1)

        def score(self, total):
            return Result(self.name, total[0] / total[1])

        def signature(self):
            return Signature.of(self.name)

    m = _Mean()
    # Every segment alike: every resample scores the same, so the interval collapses onto the score.
    flat = bootstrap_ci(m, m.stats([0.5] * 10), n_resamples=40)
    assert (flat.low, flat.mean, flat.high) == (0.5, 0.5, 0.5)
    # Identical systems: no resample or trial exceeds the observed zero difference, so p = 1 / (n + 1).
    same = m.stats([0.1, 0.9, 0.3])
    assert paired_bootstrap(m, same, same, n_resamples=9).p_value == pytest.approx(1 / 10)
    assert paired_approximate_randomization(m, same, same, n_trials=19, n_ci_resamples=0).p_value == pytest.approx(
        1 / 20
    )
    # 95% of 40 resamples: the 2nd smallest (index 40 // 40 = 1) and 2nd largest scores.
    scores = np.arange(40.0)[::-1]
    assert significance._interval(scores, 0.95) == (19.5, 1.0, 38.0)


def test_inputs_are_not_changed(rows):
    base = rows["base"].copy()
    paired_bootstrap(_bleu(), rows["base"], rows["close"], n_resamples=20)
    assert (rows["base"] == base).all()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m, r: bootstrap_ci(m, r, n_resamples=0), InvalidOptionError, "'n_resamples' parameter of bootstrap_ci must be an int >= 1"),
        (lambda m, r: bootstrap_ci(m, r, confidence=95), InvalidOptionError, r"'confidence' parameter of bootstrap_ci must be a number in \(0, 1\)"),
        (lambda m, r: bootstrap_ci(m, r, seed=-1), InvalidOptionError, "'seed' parameter of bootstrap_ci must be an int >= 0"),
        (lambda m, r: bootstrap_ci(m, r[0]), InputError, r"'rows' must be a non-empty \(n_segments, n_stats\) matrix .* got shape \(10,\)"),
        (lambda m, r: bootstrap_ci(m, "abc"), InputTypeError, "'rows' must be a numeric"),
        (lambda m, r: paired_bootstrap(m, r, r[:-1]), InputError, r"'baseline_rows' has shape \(600, 10\) and 'system_rows' has shape \(599, 10\)"),
        (lambda m, r: paired_approximate_randomization(m, r, r, n_trials=2.5), InvalidOptionError, "'n_trials' parameter of paired_approximate_randomization must be an int"),
        (lambda m, r: paired_approximate_randomization(m, r, r, n_ci_resamples=-1), InvalidOptionError, "'n_ci_resamples'"),
        (lambda m, r: compare_systems(m, r, r), InputTypeError, "'systems_rows' must be a non-empty list of .* one per system, got a ndarray"),
        (lambda m, r: compare_systems(m, r, [r, r[1:]]), InputError, r"'systems_rows\[1\]' has shape \(599, 10\)"),
        (lambda m, r: compare_systems(m, r, [r], test="ar"), InvalidOptionError, "'test' parameter of compare_systems must be one of 'paired_bootstrap', 'approximate_randomization'"),
    ],
)  # fmt: skip
def test_errors_name_the_parameter(rows, call, error, message):
    with pytest.raises(error, match=message):
        call(_bleu(), rows["base"])


def test_resamples_of_a_wide_frame_are_scored_block_by_block():
    # a table of 200,000 distinct scores: 300 resamples' totals at once would be 480 MB of float64; each
    # block is scored as it is drawn, so memory stays near one block's. The scores are those of the
    # resampled data, by scikit-learn
    import tracemalloc

    from sklearn.metrics import roc_auc_score

    from evalkit import RocAuc

    rng = np.random.default_rng(0)
    n = 200_000
    y, s = rng.integers(0, 2, n), rng.random(n)
    rows = RocAuc().rows(y, s)
    tracemalloc.start()
    try:
        ci = bootstrap_ci(RocAuc(), rows, n_resamples=300, seed=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 120 * 2**20, f"{peak / 2**20:.0f} MiB"
    picks = np.random.default_rng(3).choice(n, size=(2, n), replace=True)  # sacrebleu's draw, its first two
    first = [roc_auc_score(y[p], s[p]) for p in picks]
    assert ci.low <= float(ci.result) <= ci.high
    drawn = significance._resampled_scores([RocAuc().add_rows(rows)], np.random.default_rng(3), [rows], 2)[0]
    np.testing.assert_allclose(drawn, first, rtol=1e-12)
    other = RocAuc().rows(y, np.clip(s + rng.normal(0, 0.1, n), 0, 1))
    tracemalloc.start()
    try:
        test = paired_approximate_randomization(RocAuc(), rows, other, n_trials=50, n_ci_resamples=0, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 400 * 2**20 and 0 < test.p_value <= 1, f"{peak / 2**20:.0f} MiB"
