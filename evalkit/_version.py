"""The version of evalkit, in one place (the signature of every result carries it)."""

__version__ = "0.1.0"
