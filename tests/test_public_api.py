"""The public API, pinned: ``evalkit.__all__`` is exactly the list below (the names as they were before the
package's layers became folders), every name resolves, and no module reads another package's private module.

A module is private when its last name starts with an underscore (``evalkit.text._rouge_common``). Only the
modules of its own package folder may import it: ``evalkit.text._kernels`` and ``evalkit.text._compiled``
are the text package's, ``evalkit.classification._targets`` the classification package's. What two packages
share is public in the lower one (``evalkit.core.inputs``). The imports are parsed, not run, as in
tests/test_imports.py (top-level imports and imports inside functions alike).
"""

from __future__ import annotations

import importlib

from test_imports import import_graph, module_files

import evalkit

PUBLIC = [
    "Accuracy",
    "Alignment",
    "AveragePrecision",
    "BERTScore",
    "BLEU",
    "BalancedAccuracy",
    "BrierScoreLoss",
    "CER",
    "CHRF",
    "CIDEr",
    "CalibrationError",
    "CohenKappa",
    "ConcordanceCorrCoef",
    "ConfusionMatrix",
    "CoverageError",
    "D2AbsoluteErrorScore",
    "D2PinballScore",
    "D2TweedieScore",
    "EED",
    "EmptyInputError",
    "EvalkitError",
    "ExactMatch",
    "ExplainedVariance",
    "F1",
    "FBeta",
    "GLEU",
    "HammingLoss",
    "HingeLoss",
    "HitRate",
    "HuberLoss",
    "InputError",
    "InputTypeError",
    "InvalidOptionError",
    "Jaccard",
    "KendallTau",
    "LabelRankingAveragePrecision",
    "LabelRankingLoss",
    "LogLoss",
    "LogitPerplexity",
    "MAP",
    "MER",
    "METEOR",
    "MRR",
    "MatthewsCorrCoef",
    "MaxError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanGammaDeviance",
    "MeanPinballLoss",
    "MeanPoissonDeviance",
    "MeanSquaredError",
    "MeanSquaredLogError",
    "MeanTweedieDeviance",
    "MedianAbsoluteError",
    "Metric",
    "MissingDependencyError",
    "NDCG",
    "NIST",
    "NegativePredictiveValue",
    "NerF1",
    "PearsonCorrCoef",
    "Perplexity",
    "Precision",
    "PrecisionAtFixedRecall",
    "PrecisionAtK",
    "R2Score",
    "RIBES",
    "ROUGE",
    "RPrecision",
    "Recall",
    "RecallAtFixedPrecision",
    "RecallAtK",
    "Result",
    "RetrievalMetric",
    "RocAuc",
    "RootMeanSquaredError",
    "RootMeanSquaredLogError",
    "RougeResult",
    "Rows",
    "SensitivityAtSpecificity",
    "Signature",
    "SpearmanCorrCoef",
    "Specificity",
    "Squad",
    "TER",
    "TokenAccuracy",
    "TokenBLEU",
    "TopKAccuracy",
    "UndefinedMetricWarning",
    "WER",
    "WIL",
    "WIP",
    "ZeroOneLoss",
    "__version__",
    "accuracy_score",
    "align_words",
    "available_metrics",
    "average_precision_score",
    "balanced_accuracy_score",
    "bertscore",
    "bleu",
    "bleu_from_stats",
    "bleu_weights",
    "brier_score_loss",
    "calibration_curve",
    "calibration_error",
    "cer",
    "chrf",
    "cider",
    "classification_report",
    "cohen_kappa_score",
    "concordance_corrcoef",
    "confusion_matrix",
    "coverage_error",
    "d2_absolute_error_score",
    "d2_pinball_score",
    "d2_tweedie_score",
    "det_curve",
    "eed",
    "exact_match",
    "explained_variance_score",
    "f1_score",
    "fbeta_score",
    "get_metric",
    "gleu",
    "hamming_loss",
    "hinge_loss",
    "hit_rate",
    "huber_loss",
    "jaccard_score",
    "kendall_tau",
    "label_ranking_average_precision_score",
    "label_ranking_loss",
    "log_loss",
    "logit_perplexity",
    "matthews_corrcoef",
    "max_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_average_precision",
    "mean_gamma_deviance",
    "mean_pinball_loss",
    "mean_poisson_deviance",
    "mean_squared_error",
    "mean_squared_log_error",
    "mean_tweedie_deviance",
    "median_absolute_error",
    "mer",
    "meteor",
    "mrr",
    "multilabel_confusion_matrix",
    "ndcg",
    "ner_f1",
    "ner_report",
    "nist",
    "npv_score",
    "pearson_corrcoef",
    "precision_at_fixed_recall",
    "precision_at_k",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "r2_score",
    "r_precision",
    "read_conll",
    "read_qrels",
    "read_run",
    "read_squad",
    "recall_at_fixed_precision",
    "recall_at_k",
    "recall_score",
    "ribes",
    "roc_auc_score",
    "roc_curve",
    "root_mean_squared_error",
    "root_mean_squared_log_error",
    "rouge",
    "sensitivity_at_specificity",
    "sentence_bertscore",
    "sentence_bleu",
    "sentence_bleu_weights",
    "sentence_cer",
    "sentence_chrf",
    "sentence_cider",
    "sentence_eed",
    "sentence_gleu",
    "sentence_mer",
    "sentence_meteor",
    "sentence_nist",
    "sentence_ribes",
    "sentence_rouge",
    "sentence_squad",
    "sentence_ter",
    "sentence_token_bleu",
    "sentence_wer",
    "sentence_wil",
    "sentence_wip",
    "spearman_corrcoef",
    "specificity_score",
    "squad",
    "ter",
    "token_accuracy",
    "token_bleu",
    "top_k_accuracy_score",
    "wer",
    "wil",
    "wip",
    "zero_one_loss",
]

#: private modules read across packages on purpose: the version file, read by the signature and the report
#: (``from evalkit import __version__`` inside them would import the root package from below)
SHARED_PRIVATE = {"evalkit._version"}


def test_all_is_the_pinned_list():
    assert sorted(evalkit.__all__) == PUBLIC
    assert len(evalkit.__all__) == len(set(evalkit.__all__)), "a name is listed twice in evalkit.__all__"


def test_every_public_name_resolves():
    missing = [name for name in PUBLIC if not hasattr(evalkit, name)]
    assert missing == []
    assert isinstance(evalkit.__version__, str)


def test_the_modules_kept_as_attributes_of_the_root():
    # evalkit.dist and evalkit.significance after a bare ``import evalkit``, as before the move to stats/
    assert evalkit.dist is importlib.import_module("evalkit.stats.dist")
    assert evalkit.significance is importlib.import_module("evalkit.stats.significance")
    assert callable(evalkit.dist.all_reduce) and callable(evalkit.significance.bootstrap_ci)
    # and their former import paths
    assert importlib.import_module("evalkit.dist") is evalkit.dist
    from evalkit.significance import bootstrap_ci

    assert bootstrap_ci is evalkit.stats.significance.bootstrap_ci


def _package_of(module: str) -> str:
    """The package folder a module belongs to: itself for a package's ``__init__``, else its parent."""
    path = module_files()[module]
    return module if path is not None and path.endswith("__init__.py") else module.rpartition(".")[0]


def _is_private(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last.startswith("_") and not last.startswith("__")


def test_no_module_imports_another_packages_private_module():
    crossings = sorted(
        f"{importer} -> {imported}"
        for importer, imports in import_graph().items()
        for imported in imports
        if _is_private(imported)
        and imported not in SHARED_PRIVATE
        and imported.rpartition(".")[0] != _package_of(importer)
    )
    assert crossings == [], "private modules read from another package:\n" + "\n".join(crossings)


def test_the_rule_is_checked_on_the_modules_it_names():
    graph = import_graph()
    # a private module read inside its own package passes: the check does see these edges
    assert "evalkit.text._rouge_common" in graph["evalkit.text.rouge"]
    assert "evalkit.classification._targets" in graph["evalkit.classification.labels"]
    assert _package_of("evalkit.text.rouge") == "evalkit.text" and _package_of("evalkit.text") == "evalkit.text"
    assert _is_private("evalkit.text._kernels") and not _is_private("evalkit.text.__main__")
