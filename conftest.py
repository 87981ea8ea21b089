"""Doctest collection over evalkit/: the numba kernels are importable only where numba is installed."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("numba") else ["evalkit/text/_compiled.py"]
