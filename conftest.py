"""Doctest collection over evalkit/: the C kernels are importable only where they were built, the
PyTorch generator only where torch is (the README's test command does not install torch; CI does)."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("evalkit.text._kernels") else ["evalkit/text/_compiled.py"]
if not importlib.util.find_spec("torch"):
    # their examples run on torch tensors and networks
    collect_ignore += ["evalkit/generator/lstm_torch.py", "evalkit/generator/model.py", "evalkit/text/token_bleu.py"]
if not (importlib.util.find_spec("torch") and importlib.util.find_spec("transformers")):
    # their examples run a tiny model (the bertscore extra)
    collect_ignore += ["evalkit/text/bertscore.py", "evalkit/models/tiny.py"]
