"""What metrics computed by a neural model share: loading a model from a local folder (or taking one
already loaded), its device and dtype, length-sorted batches, and the digest of the files it came from.

torch and transformers are imported inside the functions that need them (the ``bertscore`` extra), so
``import evalkit`` imports neither. Nothing here downloads: a hub name resolves only from the local
Hugging Face cache (``local_files_only=True``), and a name that is not there raises an error that says
how to place the files.
"""

from evalkit.models.local import (
    ENVIRONMENT,
    LocalModel,
    files_digest,
    length_batches,
    load_model,
    resolve_folder,
)

__all__ = ["ENVIRONMENT", "LocalModel", "files_digest", "length_batches", "load_model", "resolve_folder"]
