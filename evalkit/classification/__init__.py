"""Classification metrics with scikit-learn's names, arguments and results: per-label scores (P/R/F, the
report), accuracy and the scores of the confusion matrix (kappa, MCC, balanced accuracy), and log loss."""

from evalkit.classification.labels import (
    F1,
    FBeta,
    Precision,
    Recall,
    UndefinedMetricWarning,
    classification_report,
    f1_score,
    fbeta_score,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from evalkit.classification.log_loss import LogLoss, log_loss
from evalkit.classification.matrix import (
    Accuracy,
    BalancedAccuracy,
    CohenKappa,
    ConfusionMatrix,
    MatthewsCorrCoef,
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    matthews_corrcoef,
)

__all__ = [
    "F1",
    "Accuracy",
    "BalancedAccuracy",
    "CohenKappa",
    "ConfusionMatrix",
    "FBeta",
    "LogLoss",
    "MatthewsCorrCoef",
    "Precision",
    "Recall",
    "UndefinedMetricWarning",
    "accuracy_score",
    "balanced_accuracy_score",
    "classification_report",
    "cohen_kappa_score",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "log_loss",
    "matthews_corrcoef",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]
