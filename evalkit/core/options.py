"""A metric's options, declared once.

Each metric has one frozen :class:`Options` dataclass. Each field is made by :func:`option` and carries
its default, its check, one line of documentation and its place in the signature; a cross-field rule goes
in :meth:`Options.finish`. That one declaration feeds every face of the metric:

- the class and its functional forms, whose written-out signatures (for ``help()``, editors and type
  checkers) pass their arguments through with one line, ``super().__init__(locals())`` or
  ``CHRF.bound("chrf", locals())``; a common test checks each signature against the declaration;
- :class:`~evalkit.core.signature.Signature` (:meth:`Options.signature_items`);
- the CLI's ``-m "name(option=value)"`` parsing and ``evalkit metrics``, and the docs' option tables
  (:meth:`Options.describe`).

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Demo(Options):
    ...     order: int = option(4, integer(minimum=1), "the highest n-gram order", sig="order")
    ...     lowercase: bool = option(False, flag(), "lowercase first", sig="case", show=lambda v: "lc" if v else "mixed")
    >>> Demo.parse("demo", {"order": 2})
    Demo(order=2, lowercase=False)
    >>> str(Signature.of("demo", **Demo.parse("demo", {}).signature_items()))[:20]
    'order:4|case:mixed|v'
    >>> Demo.parse("demo", {"lowercase": "yes"})
    Traceback (most recent call last):
    evalkit.core.errors.InvalidOptionError: The 'lowercase' parameter of demo must be True or False. Got 'yes' instead.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from evalkit.core.errors import InvalidOptionError
from evalkit.core.signature import Signature
from evalkit.core.validate import check_bool, check_choice, check_int, check_number, suggest

#: ``check(owner, name, value) -> value``: the checked (and normalised) value, or an
#: :class:`~evalkit.core.errors.InvalidOptionError` naming ``name``, what is allowed and what was given
Check = Callable[[str, str, Any], Any]

OptionsT = TypeVar("OptionsT", bound="Options")


@dataclass(frozen=True)
class OptionSpec:
    """What :func:`option` declares of one field (kept in the field's metadata)."""

    check: Check | None
    doc: str
    sig: str | None  # its key in the signature, or None when it does not change the number
    show: Callable[[Any], Any] | None  # its value as the signature prints it
    hide_default: bool  # left out of the signature while at its default (evalkit's additions to sacrebleu's)


def option(
    default: Any,
    check: Check | None,
    doc: str,
    *,
    sig: str | None = None,
    show: Callable[[Any], Any] | None = None,
    hide_default: bool = False,
) -> Any:
    """A field of an :class:`Options` dataclass: its default, its check (``None``: any value, as
    scikit-learn's ``pos_label``), one line of documentation and its signature key (``sig``)."""
    spec = OptionSpec(check, doc, sig, show, hide_default)
    return dataclasses.field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class Options:
    """Base of every metric's options declaration (a frozen dataclass of :func:`option` fields)."""

    #: the order of the signature's keys where it is not the fields' order (sacrebleu's order of fields)
    signature_order: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    @functools.cache  # per class: every metric built (a functional call) parses its options
    def specs(cls) -> Mapping[str, OptionSpec]:
        """``{name: spec}`` of the declared options, in declaration order (read-only)."""
        return MappingProxyType({f.name: f.metadata["option"] for f in dataclasses.fields(cls)})

    @classmethod
    @functools.cache
    def defaults(cls) -> Mapping[str, Any]:
        """``{name: default}`` of the declared options (read-only)."""
        return MappingProxyType({f.name: f.default for f in dataclasses.fields(cls)})

    @classmethod
    def parse(cls: type[OptionsT], owner: str, given: Mapping[str, Any]) -> OptionsT:
        """The checked options among ``given`` (other keys, e.g. a function's inputs, are not read);
        ``owner`` is the name errors give (the class's registry name, or a functional form's)."""
        values = {}
        defaults = cls.defaults()
        for name, spec in cls.specs().items():
            value = given.get(name, defaults[name])
            values[name] = value if spec.check is None else spec.check(owner, name, value)
        return cls(**values).finish(owner)

    @classmethod
    def check_names(cls, owner: str, names: Sequence[str]) -> None:
        """Raise naming the first of ``names`` that is not a declared option of metric ``owner``, with a
        did-you-mean (``get_metric``, the CLI's ``-m`` specs)."""
        known = cls.specs()
        for name in names:
            if name not in known:
                listing = ", ".join(known) or "none"
                raise InvalidOptionError(
                    f"Unknown option {name!r} for metric {owner!r}{suggest(name, known)}. Its options: {listing}."
                )

    def finish(self: OptionsT, owner: str) -> OptionsT:
        """Cross-field rules, run after each field's own check: raise, or return the options completed
        (``dataclasses.replace``, e.g. a default that depends on another option). Override where needed."""
        return self

    def signature_items(self) -> dict[str, Any]:
        """``{key: value}`` of the options that change the number, as the signature prints them."""
        specs = self.specs()
        defaults = self.defaults()
        names = self.signature_order or tuple(specs)
        items = {}
        for name in names:
            spec, value = specs[name], getattr(self, name)
            if spec.sig is None or (spec.hide_default and _same(value, defaults[name])):
                continue
            items[spec.sig] = value if spec.show is None else spec.show(value)
        return items

    def signature(self, metric: str, **head: Any) -> Signature:
        """The :class:`Signature` of these options, after ``head`` (e.g. ``nrefs``)."""
        return Signature.of(metric, **head, **self.signature_items())

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str]]:
        """``(name, default, doc)`` of each option: ``evalkit metrics`` and the docs' option tables."""
        return [(name, cls.defaults()[name], spec.doc) for name, spec in cls.specs().items()]

    @classmethod
    def bullets(cls) -> list[str]:
        """One reST bullet per option, ``- ``name`` (default): doc``: a metric's docstring's ``{options}``.

        Example:
            >>> NoOptions.bullets()
            ['(no options)']
        """
        lines = [f"- ``{name}`` (``{default!r}``): {doc}" for name, default, doc in cls.describe()]
        return lines or ["(no options)"]


def _same(a: Any, b: Any) -> bool:
    """``a == b``, NaN equal to NaN (a NaN default, as scikit-learn's ``replace_undefined_by``)."""
    return a == b or (a != a and b != b)


@dataclass(frozen=True)
class NoOptions(Options):
    """The declaration of a metric without options."""


# -- checks ---------------------------------------------------------------------------------------


def choice(*allowed: Any) -> Check:
    """One of ``allowed`` (a did-you-mean for a near miss)."""
    return lambda owner, name, value: check_choice(owner, name, value, allowed)


def flag() -> Check:
    """A bool: ``True`` or ``False`` (numpy's too), never a string or a number."""
    return check_bool


def integer(*, minimum: int | None = None, maximum: int | None = None, optional: bool = False) -> Check:
    """An int (not a bool) in ``[minimum, maximum]``; ``optional``: ``None`` too. Options that size an array
    (orders, bins) name a ``maximum``, so that a typo refuses instead of allocating gigabytes."""

    def check(owner: str, name: str, value: Any) -> Any:
        if optional and value is None:
            return None
        return check_int(owner, name, value, minimum=minimum, maximum=maximum)

    return check


def number(
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
    optional: bool = False,
) -> Check:
    """A finite real number in the bounds (``allow_inf``: infinity too); ``optional``: ``None`` too."""

    def check(owner: str, name: str, value: Any) -> Any:
        if optional and value is None:
            return None
        bounds = {"low": low, "high": high, "low_open": low_open, "high_open": high_open, "allow_inf": allow_inf}
        return check_number(owner, name, value, **bounds)

    return check


__all__ = ["Check", "NoOptions", "OptionSpec", "Options", "choice", "flag", "integer", "number", "option"]
