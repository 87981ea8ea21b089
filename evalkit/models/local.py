"""A transformer model and its tokenizer from a local folder, loaded once, pinned by a digest.

:func:`load_model` takes a folder (``save_pretrained``'s layout), a hub name already in the local Hugging
Face cache, a ``(model, tokenizer)`` pair already loaded, or a :class:`LocalModel`, and returns a
:class:`LocalModel`: the model in eval mode on its device and dtype, its tokenizer, and a digest of what
it was loaded from (the files' SHA-256 for a folder; the weights, config and vocabulary for objects).
Folders are loaded once per process (a small cache keyed by the files' digest, device and dtype), so a
functional call does not reload the model a previous call loaded.

:meth:`LocalModel.embed` runs the model over token-id sequences in length-sorted batches (the least
padding) and returns each sequence's hidden states at one layer; the attention mask makes them
independent of the batch a sequence falls in, up to the float rounding of the model's dtype.

Example:
    >>> [b.tolist() for b in length_batches([3, 9, 1, 9, 4], 2)]
    [[1, 3], [4, 0], [2]]
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evalkit.core.errors import InputError, InvalidOptionError
from evalkit.core.optional import require

#: the environment variable that names a metric's model folder when ``model=None``:
#: ``ENVIRONMENT.format(name="BERTSCORE")`` is ``EVALKIT_BERTSCORE_MODEL``
ENVIRONMENT = "EVALKIT_{name}_MODEL"

#: files a tokenizer is loaded from (one of them must be in the folder)
TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
)
#: every file that can change the numbers: the config, the weights, the tokenizer's files
_DIGESTED = (
    "config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "merges.txt",
    *TOKENIZER_FILES,
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".safetensors.index.json", ".bin.index.json")

_HOW_TO_PLACE = (
    "evalkit never downloads a model: place its files in a folder first, e.g. "
    "`huggingface-cli download NAME --local-dir DIR` on a machine with network access, or "
    "`AutoModel.from_pretrained(NAME).save_pretrained(DIR)` and `AutoTokenizer.from_pretrained(NAME)"
    ".save_pretrained(DIR)`, then pass model=DIR (or a (model, tokenizer) pair already loaded)"
)


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices of ``lengths`` in batches of at most ``batch_size``, longest first (ties in input order):
    neighbours in a batch have similar lengths, so padding is the least a fixed batch size allows."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _weight_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES))


_DIGESTS: dict[tuple, str] = {}


def files_digest(folder: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a model folder's config, weight and tokenizer files (names and contents).

    Each file is read once per process while its size and modification time stay the same.
    """
    folder = Path(folder)
    files = sorted({*(folder / n for n in _DIGESTED if (folder / n).is_file()), *_weight_files(folder)})
    outer = hashlib.sha256()
    for path in files:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in _DIGESTS:
            inner = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    inner.update(block)
            _DIGESTS[key] = inner.hexdigest()
        outer.update(f"{path.name}\0{_DIGESTS[key]}\n".encode())
    return outer.hexdigest()


def _objects_digest(model: Any, tokenizer: Any) -> str:
    """SHA-256 of a loaded model's config and weights and of its tokenizer's vocabulary."""
    torch = require("torch", "bertscore", "a model-based metric")
    h = hashlib.sha256()
    config = getattr(model, "config", None)
    h.update((config.to_json_string() if hasattr(config, "to_json_string") else repr(config)).encode())
    for name, tensor in sorted(model.state_dict().items()):
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        h.update(f"{name}:{flat.dtype}:{tuple(tensor.shape)}".encode())
        h.update(flat.view(torch.uint8).numpy().tobytes())
    h.update(type(tokenizer).__name__.encode())
    h.update(json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False).encode())
    h.update(repr(getattr(tokenizer, "model_max_length", None)).encode())
    return h.hexdigest()


def resolve_folder(source: str | os.PathLike[str], *, owner: str, param: str = "model") -> Path:
    """The folder a model is loaded from: ``source`` itself, or a hub name's snapshot in the local cache.

    A missing folder, a name that is not in the cache, or a folder without a config, weights or
    tokenizer files raises an :class:`InputError` naming ``param`` and saying how to place the files.
    """
    path = Path(os.path.expanduser(os.fspath(source)))
    if not path.is_dir():
        text = os.fspath(source)
        if path.exists() or text.startswith((".", "~", os.sep)) or text.count("/") > 1:  # a hub name is org/name
            raise InputError(f"{owner}: the {param!r} folder {text!r} does not exist. {_HOW_TO_PLACE}.")
        path = _cached_snapshot(text, owner=owner, param=param)
    if not (path / "config.json").is_file() or not _weight_files(path):
        raise InputError(
            f"{owner}: the {param!r} folder {os.fspath(source)!r} has no config.json and weights "
            f"(*.safetensors or pytorch_model.bin). {_HOW_TO_PLACE}."
        )
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise InputError(
            f"{owner}: the {param!r} folder {os.fspath(source)!r} has no tokenizer files (one of "
            f"{', '.join(TOKENIZER_FILES)}); save the tokenizer there too: tokenizer.save_pretrained(folder)."
        )
    return path


def _cached_snapshot(name: str, *, owner: str, param: str) -> Path:
    hub = require("huggingface_hub", "bertscore", "resolving a hub name from the local cache")
    try:
        return Path(hub.snapshot_download(name, local_files_only=True))
    except Exception as exc:  # LocalEntryNotFoundError, an invalid repo id, a broken cache
        raise InputError(
            f"{owner}: {param}={name!r} is neither a folder nor a model in the local Hugging Face cache "
            f"({type(exc).__name__}). {_HOW_TO_PLACE}."
        ) from None


class LocalModel:
    """A model in eval mode and its tokenizer, with the digest of what they were loaded from.

    ``name`` is what a signature shows (a folder's name, a hub name, or the model's class), ``digest`` the
    SHA-256 of the files (or of the weights, config and vocabulary of objects given already loaded), and
    ``folder`` the folder it was loaded from (``None`` for objects).
    """

    def __init__(self, model: Any, tokenizer: Any, *, name: str, digest: str, folder: Path | None = None) -> None:
        self.model, self.tokenizer, self.name, self.digest, self.folder = model, tokenizer, name, digest, folder

    @property
    def device(self) -> Any:
        """The torch device of the model's parameters."""
        return next(self.model.parameters()).device

    @property
    def dtype(self) -> Any:
        """The torch dtype of the model's parameters."""
        return next(self.model.parameters()).dtype

    @property
    def num_layers(self) -> int:
        """The number of hidden layers (``hidden_states`` has this many + 1: the embeddings first)."""
        config = self.model.config
        return int(getattr(config, "num_hidden_layers", None) or config.num_layers)

    @property
    def pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return 0 if pad is None else int(pad)

    def embed(self, sequences: Sequence[Sequence[int]], *, layer: int, batch_size: int) -> list[Any]:
        """Each sequence's hidden states at ``layer`` (0: the embeddings), a ``(len, dim)`` tensor on the
        model's device in its dtype, computed in length-sorted batches of ``batch_size``."""
        torch = require("torch", "bertscore", "a model-based metric")
        device, out = self.device, [None] * len(sequences)
        with torch.inference_mode():
            for batch in length_batches([len(s) for s in sequences], batch_size):
                width = len(sequences[batch[0]])
                ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    ids[row, : len(sequences[i])] = torch.as_tensor(sequences[i], dtype=torch.long)
                    mask[row, : len(sequences[i])] = 1
                hidden = self.model(ids.to(device), attention_mask=mask.to(device), output_hidden_states=True)
                states = hidden.hidden_states[layer]
                for row, i in enumerate(batch):
                    out[i] = states[row, : len(sequences[i])]
        return out


_LOADED: OrderedDict[tuple, LocalModel] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 2  # models kept loaded per process: a metric and a second one compared with it


def _torch_dtype(torch: Any, dtype: str | None) -> Any:
    return None if dtype is None else getattr(torch, dtype)


def load_model(
    source: Any, *, owner: str, device: str | None = None, dtype: str | None = None, param: str = "model"
) -> LocalModel:
    """``source`` (a folder, a hub name in the local cache, a ``(model, tokenizer)`` pair or a
    :class:`LocalModel`) as a :class:`LocalModel` on ``device`` (default: the model's own for objects, else
    CUDA when present, else the CPU) in ``dtype`` (a torch dtype's name; default: the model's own).

    A folder is read once per process for a given digest, device and dtype. Objects given already loaded
    are moved in place when ``device`` or ``dtype`` is given.
    """
    torch = require("torch", "bertscore", "a model-based metric")
    if isinstance(source, LocalModel):
        source = (source.model, source.tokenizer)
    if isinstance(source, tuple):
        model, tokenizer = source
        if device is not None or dtype is not None:
            model.to(device=device, dtype=_torch_dtype(torch, dtype))
        model.eval()
        return LocalModel(model, tokenizer, name=type(model).__name__, digest=_objects_digest(model, tokenizer))
    folder = resolve_folder(source, owner=owner, param=param)
    digest = files_digest(folder)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    key = (str(folder.resolve()), digest, str(device), dtype)
    with _LOCK:
        if key in _LOADED:
            _LOADED.move_to_end(key)
            return _LOADED[key]
    transformers = require("transformers", "bertscore", "a model-based metric")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = transformers.AutoModel.from_pretrained(folder, local_files_only=True, dtype=_torch_dtype(torch, dtype))
    except (OSError, ValueError) as exc:
        raise InputError(f"{owner}: the {param!r} folder {os.fspath(source)!r} could not be loaded: {exc}") from None
    if hasattr(model, "encoder") and hasattr(model, "decoder"):  # an encoder-decoder: its encoder (bert-score's)
        model = model.encoder
    try:
        model.to(device)
    except (RuntimeError, AssertionError) as exc:  # a CUDA device on a machine without one
        raise InvalidOptionError(f"The 'device' parameter of {owner} names an unusable device: {exc}") from None
    model.eval()
    name = Path(os.fspath(source)).name if Path(os.path.expanduser(os.fspath(source))).is_dir() else str(source)
    loaded = LocalModel(model, tokenizer, name=name, digest=digest, folder=folder)
    with _LOCK:
        _LOADED[key] = loaded
        while len(_LOADED) > _KEEP:
            _LOADED.popitem(last=False)
    return loaded


__all__ = [
    "ENVIRONMENT",
    "TOKENIZER_FILES",
    "LocalModel",
    "files_digest",
    "length_batches",
    "load_model",
    "resolve_folder",
]
