"""evalkit: exact, fast, mergeable evaluation metrics.

Every metric sums per-item sufficient statistics and scores them with a pure function, so the same
numbers come out of a script, a training loop (``update``/``compute``/``merge``), the CLI, or a cluster.
"""

import sys

from evalkit import classification, regression, retrieval  # sklearn-named metrics, registered by importing
from evalkit._version import __version__
from evalkit.classification import *  # noqa: F403
from evalkit.core import (
    EmptyInputError,
    EvalkitError,
    InputError,
    InputTypeError,
    InvalidOptionError,
    Metric,
    MissingDependencyError,
    Result,
    Rows,
    Signature,
    available_metrics,
    get_metric,
)
from evalkit.regression import *  # noqa: F403
from evalkit.retrieval import *  # noqa: F403
from evalkit.stats import dist, significance
from evalkit.text.bertscore import BERTScore, bertscore, sentence_bertscore
from evalkit.text.bleu import BLEU, bleu, bleu_from_stats, bleu_weights, sentence_bleu, sentence_bleu_weights
from evalkit.text.chrf import CHRF, chrf, sentence_chrf
from evalkit.text.cider import CIDEr, cider, sentence_cider
from evalkit.text.eed import EED, eed, sentence_eed
from evalkit.text.gleu import GLEU, gleu, sentence_gleu
from evalkit.text.logits import LogitPerplexity, TokenAccuracy, logit_perplexity, token_accuracy
from evalkit.text.meteor import METEOR, meteor, sentence_meteor
from evalkit.text.ner import NerF1, ner_f1, ner_report, read_conll
from evalkit.text.nist import NIST, nist, sentence_nist
from evalkit.text.perplexity import Perplexity
from evalkit.text.ribes import RIBES, ribes, sentence_ribes
from evalkit.text.rouge import ROUGE, RougeResult, rouge, sentence_rouge
from evalkit.text.squad import ExactMatch, Squad, exact_match, read_squad, sentence_squad, squad
from evalkit.text.ter import TER, sentence_ter, ter
from evalkit.text.token_bleu import TokenBLEU, sentence_token_bleu, token_bleu
from evalkit.text.wer import (
    CER,
    MER,
    WER,
    WIL,
    WIP,
    Alignment,
    align_words,
    cer,
    mer,
    sentence_cer,
    sentence_mer,
    sentence_wer,
    sentence_wil,
    sentence_wip,
    wer,
    wil,
    wip,
)

# evalkit.dist and evalkit.significance moved to evalkit.stats; their former paths still import
# (`import evalkit.dist`, `from evalkit.significance import bootstrap_ci`), as attributes and as modules
sys.modules.setdefault(f"{__name__}.dist", dist)
sys.modules.setdefault(f"{__name__}.significance", significance)

__all__ = [
    "BERTScore",
    "bertscore",
    "sentence_bertscore",
    "BLEU",
    "CER",
    "CHRF",
    "MER",
    "WER",
    "WIL",
    "WIP",
    "Alignment",
    "Rows",
    "METEOR",
    "ROUGE",
    "EmptyInputError",
    "EvalkitError",
    "InputError",
    "InputTypeError",
    "InvalidOptionError",
    "LogitPerplexity",
    "Metric",
    "MissingDependencyError",
    "Perplexity",
    "Result",
    "RougeResult",
    "Signature",
    "TER",
    "TokenAccuracy",
    "TokenBLEU",
    "__version__",
    "available_metrics",
    "bleu",
    "bleu_from_stats",
    "bleu_weights",
    "get_metric",
    "logit_perplexity",
    "token_accuracy",
    *classification.__all__,
    *regression.__all__,
    *retrieval.__all__,
    "meteor",
    "rouge",
    "sentence_bleu",
    "sentence_bleu_weights",
    "sentence_meteor",
    "sentence_rouge",
    "sentence_ter",
    "sentence_token_bleu",
    "ter",
    "token_bleu",
    "align_words",
    "cer",
    "chrf",
    "mer",
    "sentence_cer",
    "sentence_chrf",
    "sentence_mer",
    "sentence_wer",
    "sentence_wil",
    "sentence_wip",
    "wer",
    "wil",
    "wip",
    "ExactMatch",
    "Squad",
    "exact_match",
    "read_squad",
    "sentence_squad",
    "squad",
    "NerF1",
    "ner_f1",
    "ner_report",
    "read_conll",
    "EED",
    "GLEU",
    "NIST",
    "RIBES",
    "eed",
    "gleu",
    "nist",
    "ribes",
    "sentence_eed",
    "sentence_gleu",
    "sentence_nist",
    "sentence_ribes",
    "CIDEr",
    "cider",
    "sentence_cider",
]
