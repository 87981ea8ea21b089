"""Doctest collection over evalkit/: the numba kernels are importable only where numba is installed, the
PyTorch generator only where torch is (the README's test command does not install torch; CI does)."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("numba") else ["evalkit/text/_compiled.py"]
if not importlib.util.find_spec("torch"):
    # their examples run on torch tensors and networks
    collect_ignore += ["evalkit/generator/lstm_torch.py", "evalkit/generator/model.py", "evalkit/text/token_bleu.py"]
