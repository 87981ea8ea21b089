"""``flores101``, ``flores200`` and ``spBLEU-1K``: SentencePiece pieces from a local model file.

sacrebleu 2.6's ``TokenizerSPM`` family, token for token: the pieces of ``EncodeAsPieces(line)``. sacrebleu
downloads each model on first use; evalkit never downloads. It reads the model from the file sacrebleu
itself would read, ``$SACREBLEU/models/<file>`` (``~/.sacrebleu/models/<file>`` when ``SACREBLEU`` is not
set), so a machine on which sacrebleu once ran has it, and anywhere else the error names the file to fetch
and where to put it. A model anywhere else: ``SentencePieceTokenizer("path/to.model")``.

The signature records the name as sacrebleu does (``tok:flores200``) and the first 16 hex digits of the
model file's SHA-256 (``spm:...``): two runs with different files under one name never look alike.
Needs ``pip install 'evalkit[spm]'``.

Example (with a model file on disk):
    >>> bleu(hyps, refs, tokenize="flores200")  # doctest: +SKIP
    >>> bleu(hyps, refs, tokenize=SentencePieceTokenizer("my.model", name="my-spm"))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from evalkit.core.errors import InputError
from evalkit.core.optional import require
from evalkit.tokenizers.base import Tokenizer, register_tokenizer

# name -> (the file name sacrebleu stores the model under, where sacrebleu downloads it from)
MODELS = {
    "flores101": (
        "sacrebleu_tokenizer_spm.model",
        "https://dl.fbaipublicfiles.com/fairseq/models/flores/sacrebleu_tokenizer_spm.model",
    ),
    "flores200": ("flores200sacrebleuspm", "https://tinyurl.com/flores200sacrebleuspm"),
    "spBLEU-1K": ("spbleu-1k_tokenizer_spm.model", "https://www.dlnlp.ai/spBLEU-1K/spbleu-1k_tokenizer_spm.model"),
}


def model_path(name: str) -> Path:
    """Where sacrebleu keeps the model of tokenizer ``name`` (and so where evalkit reads it)."""
    home = os.environ.get("SACREBLEU", os.path.join(os.path.expanduser("~"), ".sacrebleu"))
    return Path(home) / "models" / MODELS[name][0]


@cache
def _load(path: str, size: int, mtime: int) -> tuple[Any, str]:
    """The processor and the SHA-256 of the model at ``path`` (loaded again when the file changes)."""
    spm = require("sentencepiece", "spm", "a SentencePiece tokenizer")
    data = Path(path).read_bytes()
    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(data)
    except (RuntimeError, OSError) as exc:
        raise InputError(f"{path} is not a SentencePiece model ({exc}).") from None
    return processor, hashlib.sha256(data).hexdigest()


class SentencePieceTokenizer(Tokenizer):
    """The pieces of a SentencePiece model read from a local file.

    Args:
        path: the ``.model`` file.
        name: the name the signature records (``tok:<name>``); by default the file's stem.
    """

    def __init__(self, path: str | os.PathLike, name: str | None = None) -> None:
        self.path = Path(path)
        self.name = self.path.stem if name is None else name  # type: ignore[misc]
        if not self.path.is_file():
            raise InputError(f"The SentencePiece model {str(self.path)!r} of tokenizer {self.name!r} does not exist.")
        self._processor()  # a corrupt file fails here, when the metric is built, not at the first line

    def _processor(self) -> tuple[Any, str]:
        stat = self.path.stat()
        return _load(str(self.path.resolve()), stat.st_size, stat.st_mtime_ns)

    def __call__(self, line: str) -> list[str]:
        return self._processor()[0].EncodeAsPieces(line)

    def signature_items(self) -> dict[str, str]:
        return {"tok": self.name, "spm": self._processor()[1][:16]}

    def __repr__(self) -> str:
        return f"SentencePieceTokenizer({str(self.path)!r}, name={self.name!r})"

    def __reduce__(self) -> tuple[Any, ...]:  # worker processes load the model from the same file
        return (SentencePieceTokenizer, (self.path, self.name))


class _SacrebleuModel(SentencePieceTokenizer):
    name: ClassVar[str]  # type: ignore[misc]

    def __init__(self) -> None:
        path = model_path(self.name)
        if not path.is_file():
            file, url = MODELS[self.name]
            raise InputError(
                f"tokenize={self.name!r} reads its SentencePiece model from {str(path)!r}, which does not exist; "
                f"evalkit never downloads it. Fetch it from {url} and save it there (or set SACREBLEU to the "
                f"folder that holds models/{file}), or pass SentencePieceTokenizer('path/to.model')."
            )
        super().__init__(path, self.name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), ())


@register_tokenizer
class Flores101Tokenizer(_SacrebleuModel):
    """FLORES-101's SentencePiece model (sacrebleu's ``flores101``, formerly ``spm``)."""

    name = "flores101"


@register_tokenizer
class Flores200Tokenizer(_SacrebleuModel):
    """FLORES-200's SentencePiece model (sacrebleu's ``flores200``)."""

    name = "flores200"


@register_tokenizer
class SpBleu1KTokenizer(_SacrebleuModel):
    """spBLEU-1K's SentencePiece model (sacrebleu's ``spBLEU-1K``)."""

    name = "spBLEU-1K"
