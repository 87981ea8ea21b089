"""Retrieval metrics speed and state memory: evalkit vs pytrec_eval (trec_eval's C code) and torchmetrics.

    python benchmarks/bench_retrieval.py                     # 1,000 and 10,000 queries x 100 documents
    python benchmarks/bench_retrieval.py --queries 2000 --docs 50

One process, the same data for everyone; times are CPU seconds, the best of 3 runs.

- against pytrec_eval: ``{qid: {docid: ...}}`` qrels (20 graded judgments per query) and runs (every
  document scored), one measure per call, the mean over the queries included (pytrec_eval returns
  per-query values);
- against torchmetrics: flat ``(indexes, preds, target)`` tensors (the same queries), ``update`` then
  ``compute``; evalkit with ``convention="torchmetrics"`` and ``indexes=``;
- state memory: what each keeps between ``update`` and ``compute`` (torchmetrics: every index, score
  and target; evalkit: three numbers).

Goals (issue 26): at least even with pytrec_eval, 10x torchmetrics.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import timed

import evalkit

REPEAT = 3


def data(n_queries: int, n_docs: int, seed: int = 0) -> tuple[dict, dict, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    qrels, run = {}, {}
    scores = rng.random((n_queries, n_docs))
    rel = np.zeros((n_queries, n_docs), dtype=np.int64)
    for q in range(n_queries):
        judged = rng.choice(n_docs, 20, replace=False)
        rel[q, judged] = rng.integers(0, 4, 20)
        qrels[f"q{q}"] = {f"d{d}": int(rel[q, d]) for d in judged}
        run[f"q{q}"] = {f"d{d}": float(s) for d, s in enumerate(scores[q])}
    indexes = np.repeat(np.arange(n_queries), n_docs)
    return qrels, run, indexes, scores.ravel(), rel.ravel()


def compare(pytrec_eval, qrels, run, measure, ours, theirs, flat) -> tuple[float, float, float, float]:
    """CPU seconds of pytrec_eval and evalkit on the dicts, then of torchmetrics and evalkit (its convention)
    on the flat tensors; each pair's values checked equal."""
    t_idx, t_preds, target = flat

    def trec():
        values = pytrec_eval.RelevanceEvaluator(qrels, {measure}).evaluate(run)
        return np.mean([v[measure] for v in values.values()])

    expected, _, t_trec = timed(trec, REPEAT)
    got, _, t_ours = timed(lambda: ours(qrels, run).score, REPEAT)
    assert abs(got - expected) < 1e-9, (measure, got, expected)
    flat_metric = type(ours)(**{**vars(ours.options), "convention": "torchmetrics"})

    def tm():
        theirs.reset()
        theirs.update(t_preds, target, indexes=t_idx)
        return float(theirs.compute())

    def ek():
        return flat_metric.fresh().update(target, t_preds, indexes=t_idx).compute().score

    tm_value, _, t_tm = timed(tm, REPEAT)
    ek_value, _, t_ek = timed(ek, REPEAT)
    assert abs(tm_value - ek_value) < 1e-5, (measure, tm_value, ek_value)
    return t_trec, t_ours, t_tm, t_ek


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--docs", type=int, default=100)
    args = parser.parse_args()

    import pytrec_eval
    import torch
    import torchmetrics.retrieval as tmr

    torch.set_num_threads(1)
    pairs = [
        ("nDCG@10", "ndcg_cut_10", evalkit.NDCG(k=10), tmr.RetrievalNormalizedDCG(top_k=10), "graded"),
        ("MRR", "recip_rank", evalkit.MRR(), tmr.RetrievalMRR(), "binary"),
        ("MAP", "map", evalkit.MAP(), tmr.RetrievalMAP(), "binary"),
        ("P@10", "P_10", evalkit.PrecisionAtK(k=10), tmr.RetrievalPrecision(top_k=10), "binary"),
        ("R@10", "recall_10", evalkit.RecallAtK(k=10), tmr.RetrievalRecall(top_k=10), "binary"),
    ]
    for n_queries in args.queries:
        qrels, run, indexes, preds, rel = data(n_queries, args.docs)
        print(f"\n{n_queries:,} queries x {args.docs} documents (CPU seconds, best of {REPEAT})")
        print(
            f"{'metric':<9}{'pytrec_eval':>12}{'evalkit':>9}{'ratio':>7}   {'torchmetrics':>12}{'evalkit':>9}{'ratio':>7}"
        )
        t_idx, t_preds = torch.as_tensor(indexes), torch.as_tensor(preds, dtype=torch.float32)
        t_graded, t_binary = torch.as_tensor(rel), torch.as_tensor((rel > 0).astype(np.int64))
        tm_state = ours_state = 0
        for label, measure, ours, theirs, kind in pairs:
            target = t_graded if kind == "graded" else t_binary
            times = compare(pytrec_eval, qrels, run, measure, ours, theirs, (t_idx, t_preds, target))
            t_trec, t_ours, t_tm, t_ek = times
            print(f"{label:<9}{t_trec:>12.3f}{t_ours:>9.3f}{t_trec / t_ours:>6.1f}x   {t_tm:>12.3f}{t_ek:>9.3f}"
                  f"{t_tm / t_ek:>6.1f}x")  # fmt: skip
            theirs.reset()
            theirs.update(t_preds, target, indexes=t_idx)
            tm_state = sum(t.nelement() * t.element_size() for name in ("indexes", "preds", "target")
                           for t in getattr(theirs, name))  # fmt: skip
            ours_state = ours.fresh().update(target, t_preds, indexes=t_idx).total.nbytes
        print(f"state after update: torchmetrics {tm_state / 2**20:.1f} MiB, evalkit {ours_state} bytes")


if __name__ == "__main__":
    main()
