"""The exceptions evalkit raises for user mistakes.

Each derives from a builtin (``ValueError``, ``TypeError``, ``ImportError``) so that code written against
the builtins keeps working, and from :class:`EvalkitError` so that a caller can catch evalkit's own.
"""


class EvalkitError(Exception):
    """Base class of every error evalkit raises on purpose."""


class InvalidOptionError(EvalkitError, ValueError):
    """An option (keyword argument) has a value outside its allowed set or range."""


class InputError(EvalkitError, ValueError):
    """The data passed to a metric is malformed: lengths, layout, values."""


class InputTypeError(EvalkitError, TypeError):
    """The data passed to a metric has the wrong type."""


class EmptyInputError(InputError):
    """A score is undefined because there is nothing to score."""


class MissingDependencyError(EvalkitError, ImportError):
    """An optional dependency is needed; the message names the extra that installs it."""


class UndefinedMetricWarning(UserWarning):
    """A score is undefined for this input and was set by a stated policy (e.g. ``zero_division``)."""
