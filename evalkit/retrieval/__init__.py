"""Retrieval ranking metrics (nDCG@k, MRR@k, MAP(@k), P@k, R@k, hit rate, R-precision), one row per
query (:mod:`evalkit.retrieval.metrics`), and TREC qrels and run files (:mod:`evalkit.retrieval.trec`)."""

from evalkit.retrieval import metrics, trec
from evalkit.retrieval.metrics import *  # noqa: F403
from evalkit.retrieval.trec import *  # noqa: F403

__all__ = [*metrics.__all__, *trec.__all__]
