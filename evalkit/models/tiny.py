"""A tiny random transformer with a vocabulary learnt from the bundled glosses, saved to a folder: for
tests, examples and benchmarks of model-based metrics, with no download.

:func:`tiny_model` writes ``save_pretrained``'s layout (config, safetensors weights, tokenizer files) for
a BERT (a WordPiece vocabulary) or a RoBERTa (a byte-level BPE). The weights are random, but every
LayerNorm's bias is set to a common vector, so that hidden states share a direction and their cosines are
positive, as those of trained models are (bert-score's padded matching assumes it).

Example:
    >>> folder = tiny_model()
    >>> sorted(p.name for p in folder.iterdir())[:2]
    ['config.json', 'model.safetensors']
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from evalkit.core.errors import InvalidOptionError
from evalkit.core.optional import require

_MADE: dict[tuple, Path] = {}


def _corpus(n: int = 3000) -> list[str]:
    from evalkit.lexicon.corpora import perturbed_pairs

    hyps, refs = perturbed_pairs(n, seed=11, max_refs=1)
    return hyps + [r[0] for r in refs]


def tiny_model(
    folder: str | Path | None = None,
    *,
    kind: str = "bert",
    layers: int = 2,
    hidden: int = 32,
    vocab_size: int = 2000,
    max_length: int = 128,
    seed: int = 0,
    dtype: str = "float32",
) -> Path:
    """Write a tiny random ``kind`` (``"bert"`` or ``"roberta"``) model and its tokenizer to ``folder``
    (``None``: a temporary folder made once per process for these arguments, removed at exit) and
    return the folder. ``dtype="float64"`` saves float64 weights: hidden states then do not depend on the
    batch a sentence falls in beyond float64 rounding (float32's reach about 1e-7)."""
    if kind not in ("bert", "roberta"):
        raise InvalidOptionError(
            f"The 'kind' parameter of tiny_model must be one of 'bert', 'roberta'. Got {kind!r} instead."
        )
    if dtype not in ("float32", "float64"):
        raise InvalidOptionError(
            f"The 'dtype' parameter of tiny_model must be one of 'float32', 'float64'. Got {dtype!r} instead."
        )
    key = (kind, layers, hidden, vocab_size, max_length, seed, dtype)
    if folder is None and key in _MADE and _MADE[key].is_dir():
        return _MADE[key]
    torch = require("torch", "bertscore", "tiny_model")
    transformers = require("transformers", "bertscore", "tiny_model")
    tokenizers = require("tokenizers", "bertscore", "tiny_model")
    out = Path(tempfile.mkdtemp(prefix=f"evalkit-tiny-{kind}-")) if folder is None else Path(folder)
    if folder is None:
        atexit.register(shutil.rmtree, out, True)
        _MADE[key] = out
    out.mkdir(parents=True, exist_ok=True)
    corpus = _corpus()
    if kind == "bert":
        learner = tokenizers.BertWordPieceTokenizer(lowercase=True)
        learner.train_from_iterator(corpus, vocab_size=vocab_size, show_progress=False)
        learner.save_model(str(out))  # vocab.txt
        tokenizer = transformers.BertTokenizer(str(out / "vocab.txt"), model_max_length=max_length)
        config = transformers.BertConfig(
            vocab_size=len(tokenizer),
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            intermediate_size=2 * hidden,
            max_position_embeddings=max_length,
        )
        model_cls = transformers.BertModel
    else:
        learner = tokenizers.ByteLevelBPETokenizer()
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
        learner.train_from_iterator(corpus, vocab_size=vocab_size, special_tokens=specials, show_progress=False)
        learner.save_model(str(out))  # vocab.json, merges.txt
        tokenizer = transformers.RobertaTokenizer(
            str(out / "vocab.json"), str(out / "merges.txt"), model_max_length=max_length
        )
        config = transformers.RobertaConfig(
            vocab_size=len(tokenizer),
            hidden_size=hidden,
            num_hidden_layers=layers,
            num_attention_heads=2,
            intermediate_size=2 * hidden,
            max_position_embeddings=max_length + 2,  # RoBERTa's positions start after the padding index
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        model_cls = transformers.RobertaModel
    torch.manual_seed(seed)
    model = model_cls(config)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.bias.fill_(1.0)  # a common direction: positive cosines, as in trained models
    model.to(getattr(torch, dtype)).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


__all__ = ["tiny_model"]
