"""The Metric base: per-item statistics rows, reduced, then scored by a pure function.

Every metric maps each item (a segment pair, a labelled sample) to a row of **statistics** whose
reduction over items (a sum, or a declared ``max``/``min``) is all its score needs. One mechanism then
serves every use::

    m = BLEU()                      # options are checked here
    for hyps, refs in batches:
        m.update(hyps, refs)        # running reduction: memory O(number of statistics), never raw data
    m.compute()                     # score(total) -> Result (the one copy to the host of a device state)
    m.merge(other)                  # workers' partial totals add up exactly
    m.sync()                        # the same over every rank of torch.distributed
    m.forward(hyps, refs)           # update, and return this batch's own score
    m.state_dict()                  # plain values for a checkpoint; load_state_dict() resumes

A subclass provides:

- ``options_type``: its :class:`~evalkit.core.options.Options` declaration (none by default); the class's
  written-out ``__init__`` passes its arguments with ``super().__init__(locals())``, and a functional form
  builds it with ``Metric.bound(owner, locals())``; the checked options are ``metric.options``;
- ``stats(*inputs)``: the rows, an ``(n_items, n_stats)`` matrix of summed columns, or a
  :class:`~evalkit.core.rows.Rows` (declared reductions, sparse cells, a frame, extras); or it overrides
  ``rows(*inputs)`` (a :class:`Rows` always) and lets ``stats`` return what ``rows`` gives;
- ``score(total) -> Result``: a pure function of a total (``Rows.total()``'s layout), reading only the
  running state's ``space`` and ``extras`` besides it;

and may override ``signature()`` (by default the declaration's signature items), ``scores(totals)`` (many
totals at once: bootstrap), ``join_spaces``/``align`` (metrics whose column frame depends on the data:
discovered labels), ``check_total``/``expected_reductions`` (what a checkpoint may hold), and
``_custom_objects`` (user callables that make ``merge`` refuse any other object). :mod:`evalkit.stats.dist`,
the CLI and :mod:`evalkit.stats.significance` use only this public protocol.
"""

from __future__ import annotations

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np

import evalkit.core.arrays as arrays
from evalkit.core.collective import all_reduce_state
from evalkit.core.errors import EmptyInputError, InputError, InvalidOptionError
from evalkit.core.options import NoOptions, Options
from evalkit.core.result import Result
from evalkit.core.rows import Rows, as_rows, concat, reduce_values, sums
from evalkit.core.signature import Signature

M = TypeVar("M", bound="Metric")
_OPTIONS_LINE = re.compile(r"^([ \t]*)\{options\}[ \t]*$", re.MULTILINE)


class _State:
    """The running reduction: total, column reductions, number of items, frame and extras."""

    __slots__ = ("extras", "n_items", "reductions", "space", "total")

    def __init__(self, total: np.ndarray, reductions: tuple[str, ...], n_items: int, space: Any, extras: dict) -> None:
        self.total, self.reductions, self.n_items, self.space, self.extras = total, reductions, n_items, space, extras


#: a state this wide or wider lets batches in other frames wait (see Metric._fold)
_WAIT_FROM_WIDTH = 4096


def _combine_totals(reductions: tuple[str, ...], a: Any, b: Any) -> Any:
    out = a + b
    # the common case, at every update: summed columns, known by identity (a table of a million distinct
    # scores is not scanned)
    if reductions is sums(len(reductions)) or ("max" not in reductions and "min" not in reductions):
        return out
    for name in ("max", "min"):
        columns = [j for j, r in enumerate(reductions) if r == name]
        if columns:
            out[columns] = reduce_values(name, a[columns], b[columns])
    return out


class Metric(ABC):
    """Base class of evalkit's metrics (see the module docstring)."""

    #: registry name, e.g. ``"bleu"``
    name: ClassVar[str]
    #: ``True`` for ``*_score`` metrics, ``False`` for errors and losses
    higher_is_better: ClassVar[bool] = True
    #: what the inputs are: ``"text"`` (hypotheses, references), ``"classification"`` or
    #: ``"regression"`` (y_true, y_pred), ``"lm"`` (token log-probabilities), ``"logits"`` (a model's
    #: logits or predicted ids, and labels), ``"tags"`` (tag sequences: NER), ``"qa"`` (answers against
    #: gold answers: SQuAD); the CLI and the common tests read inputs accordingly
    task: ClassVar[str] = "text"
    #: ``False`` for a metric that is no reduction of per-item rows (none is registered): every path that
    #: needs rows (bootstrap, paired tests, the distributed sums) refuses it up front
    reducible: ClassVar[bool] = True
    #: ``True`` where an item's own score needs more than its own row (CIDEr-D's document frequencies come
    #: from the whole corpus; NIST's rows sit in a frame of every reference n-gram): per-item scores then
    #: come from the metric's ``segment_scores(*inputs)`` over the whole input, which the CLI reads whole
    segment_scores_need_corpus: ClassVar[bool] = False
    #: the metric's options, declared once (fields, checks, signature keys)
    options_type: ClassVar[type[Options]] = NoOptions

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A ``{options}`` line of the class docstring becomes the list of its declared options (written
        once, in the declaration: help(), the API pages and ``evalkit metrics`` show the same text)."""
        super().__init_subclass__(**kwargs)
        if cls.__doc__ and "{options}" in cls.__doc__:
            cls.__doc__ = _OPTIONS_LINE.sub(
                lambda m: "\n".join(m[1] + line for line in cls.options_type.bullets()), cls.__doc__
            )

    def __init__(self, arguments: Mapping[str, Any] | None = None, *, owner: str | None = None) -> None:
        """The metric with its options checked (see the class docstring for them); ``metric.options`` holds
        the checked values. (A subclass's written-out ``__init__`` passes its ``locals()`` as ``arguments``;
        ``owner`` is the name errors give, by default the metric's.)"""
        self._owner = self.name if owner is None else owner
        self.options = self.options_type.parse(self._owner, arguments or {})
        self._state = None

    @property
    def _state(self) -> _State | None:
        """The running state, with the batches still waiting in other frames folded in (see :meth:`_fold`)."""
        if self.__dict__.get("_waiting"):
            self._fold_waiting()
        return self.__dict__.get("_folded")

    @_state.setter
    def _state(self, state: _State | None) -> None:
        self.__dict__["_folded"], self.__dict__["_waiting"] = state, []

    @classmethod
    def bound(cls: type[M], owner: str, arguments: Mapping[str, Any]) -> M:
        """The metric built from a functional form's ``locals()`` (inputs among them are not read), its
        errors naming ``owner`` (the function). Subclasses keep their ``__init__`` to this one check."""
        metric = cls.__new__(cls)
        Metric.__init__(metric, arguments, owner=owner)
        return metric

    # -- to implement -------------------------------------------------------------------------------
    @abstractmethod
    def stats(self, *inputs: Any) -> Any:
        """Per-item statistics: an ``(n_items, n_stats)`` matrix of summed columns, or a :class:`Rows`."""

    @abstractmethod
    def score(self, total: Any) -> Result:
        """The Result of a total (the reduction of rows). Pure: ``total`` is not changed."""

    def signature(self) -> Signature:
        """Every option that changes the number, plus the evalkit version."""
        return self.options.signature(self.name)

    # -- rows and frames ------------------------------------------------------------------------------
    def rows(self, *inputs: Any, **options: Any) -> Rows:
        """Per-item statistics as :class:`Rows` (declared reductions, frame and extras included)."""
        return as_rows(self.stats(*inputs, **options), owner=self.name, param="stats")

    def join_spaces(self, a: Any, b: Any) -> Any:
        """The frame that holds totals written in frames ``a`` and ``b`` (by default they must be equal)."""
        if a is None and b is None:
            return None
        if _same(a, b):
            return a
        raise InputError(f"{self.name}: cannot combine statistics written in different frames ({a!r} and {b!r}).")

    def align(self, total: np.ndarray, space: Any, target: Any) -> np.ndarray:
        """``total``, written in frame ``space``, rewritten in frame ``target`` (see :meth:`join_spaces`)."""
        if _same(space, target):
            return total
        raise InputError(f"{self.name}: cannot rewrite statistics of frame {space!r} in frame {target!r}.")

    def realign(self, rows: Rows, target: Any) -> Rows:
        """``rows`` rewritten in frame ``target``; by default each dense row through :meth:`align`."""
        if _same(rows.space, target):
            return rows
        if rows.n_cells:
            raise InputError(f"{self.name}: cannot rewrite rows of frame {rows.space!r} in frame {target!r}.")
        dense = self.align(rows.dense, rows.space, target)
        return Rows(dense, reductions=rows.reductions, space=target, extras=rows.extras)

    def concat_rows(self, chunks: list[Rows]) -> Rows:
        """Rows of several batches (e.g. the chunks of a file) as one :class:`Rows`, in their joined frame."""
        chunks = [as_rows(c, owner=self.name) for c in chunks]
        if not chunks:
            raise InputError(f"{self.name}: concat_rows() got no rows.")
        target = chunks[0].space
        for c in chunks[1:]:
            target = self.join_spaces(target, c.space)
        return concat([self.realign(c, target) for c in chunks])

    def restore_space(self, space: Any) -> Any:
        """A frame as :meth:`state_dict` saved it, after a trip through plain values (JSON: lists)."""
        return space

    def _custom_objects(self) -> tuple[Any, ...]:
        """User-given callables (tokenizers, synonym functions): merges need the very same objects."""
        return ()

    def needs_first_pass(self) -> bool:
        """Whether the metric reads the whole data once before its first ``update`` (BERTScore's
        ``idf=True``: token weights from every reference); the CLI then gives it to :meth:`first_pass`."""
        return False

    def first_pass(self, chunks: Iterable[tuple[Any, ...]]) -> None:
        """Read the whole data, chunk by chunk of ``update`` arguments, before any update (where
        :meth:`needs_first_pass`); by default there is nothing to read."""
        return None

    # -- the running state ----------------------------------------------------------------------------
    def _fold(self, total: np.ndarray, reductions: tuple[str, ...], n_items: int, space: Any, extras: Mapping) -> None:
        state = self.__dict__.get("_folded")
        if state is None:
            total = arrays.copy(total) if arrays.is_tensor(total) else np.array(total)
            self._state = _State(total, tuple(reductions), int(n_items), space, dict(extras))
            return
        host = not (arrays.is_tensor(state.total) or arrays.is_tensor(total))
        wide = state.total.shape[0] >= _WAIT_FROM_WIDTH
        if host and wide and space is not None and not _same(space, state.space):
            # a batch in another frame (a table of distinct scores, n-grams, pairs) waits: joining it now
            # would rewrite the whole state at every update, quadratic in a training loop's batches. The
            # waiting batches are joined pairwise, in a balanced tree, once they are as wide as the state
            # (or when the state is read), so each statistic is rewritten O(log n_batches) times. Narrow
            # states (label sets) join at once, so that a batch that cannot join is refused by its update
            waiting = self.__dict__["_waiting"]
            waiting.append(_State(np.array(total), tuple(reductions), int(n_items), space, dict(extras)))
            if sum(w.total.shape[0] for w in waiting) >= state.total.shape[0]:
                try:
                    self._fold_waiting()
                except Exception:
                    waiting.pop()  # this update is refused; the batches before it still wait
                    raise
            return
        self._absorb(state, total, reductions, n_items, space, extras)

    def _fold_waiting(self) -> None:
        # joined into copies, and kept only once every join succeeded: a batch whose frame cannot join
        # raises with the state and the waiting batches as they were (none dropped beside it)
        level = self.__dict__["_waiting"]
        while len(level) > 1:
            level = [self._join_states(a, b) for a, b in zip(level[0::2], level[1::2])] + level[len(level) // 2 * 2 :]
        folded = self._join_states(self.__dict__["_folded"], level[0])
        self.__dict__["_folded"], self.__dict__["_waiting"] = folded, []

    def _join_states(self, a: _State, b: _State) -> _State:
        """A new state: ``b`` absorbed into a copy of ``a`` (``_absorb`` replaces fields, never writes into them)."""
        out = _State(a.total, a.reductions, a.n_items, a.space, dict(a.extras))
        self._absorb(out, b.total, b.reductions, b.n_items, b.space, b.extras)
        return out

    def _absorb(
        self, state: _State, total: Any, reductions: tuple[str, ...], n_items: int, space: Any, extras: Mapping
    ) -> None:
        """Fold a total (frame ``space``) into ``state``, in the joined frame."""
        # a total on a device draws the other to it (a host state resumed from a checkpoint joins the GPU's)
        if arrays.is_tensor(state.total):
            total = arrays.like(total, state.total)
        elif arrays.is_tensor(total):
            state.total = arrays.like(state.total, total)
        else:
            total = np.asarray(total)
        joined = self.join_spaces(state.space, space)
        mine = self.align(state.total, state.space, joined)
        theirs = self.align(total, space, joined)
        width = mine.shape[0]  # not len(): a tensor's is a Python call, and this runs at every update
        if theirs.shape[0] != width:
            raise InputError(f"{self.name}: a total of {theirs.shape[0]} statistics cannot join one of {width}.")
        # a change of frame (labels joined) rewrites summed counts only: the columns stay sums
        columns = _frame_reductions(state.reductions, width)
        incoming = _frame_reductions(tuple(reductions), width)
        if incoming is not columns and incoming != columns:
            raise InputError(
                f"{self.name}: statistics reduced as {reductions} cannot join a total reduced as {columns}."
            )
        state.total = _combine_totals(columns, mine, theirs)
        state.reductions = columns
        state.n_items += int(n_items)
        state.space = joined
        for key, (reduction, value) in extras.items():
            old = state.extras.get(key)
            state.extras[key] = (reduction, reduce_values(reduction, None if old is None else old[1], value))

    def add_rows(self, rows: Rows) -> Metric:
        """Add rows made by :meth:`rows` (e.g. kept for a bootstrap) to the running state; returns ``self``."""
        rows = as_rows(rows, owner=self.name)
        if len(rows):
            self._fold(rows.total(), rows.column_reductions, len(rows), rows.space, rows.extras)
        return self

    def add_total(self, total: Any, n_items: int, *, space: Any = None) -> Metric:
        """Add a batch's total, summed by a fast path in the rows' layout (a bincount of labels, blocked
        moments), for ``n_items`` items, written in frame ``space``; returns ``self``. Its columns reduce as
        :meth:`expected_reductions` says, as the rows' would."""
        reductions = self.expected_reductions(total.shape[0], space)
        self._fold(total, reductions, n_items, space, {})
        return self

    def update(self, *inputs: Any, **options: Any) -> Metric:
        """Add a batch to the running statistics; returns ``self``."""
        return self.add_rows(self.rows(*inputs, **options))

    def forward(self, *inputs: Any, **options: Any) -> Result:
        """Add a batch to the running statistics and return the score of this batch alone
        (torchmetrics' ``forward``): per-step logging in a training loop at no extra pass."""
        batch = self.fresh().update(*inputs, **options)
        self.merge(batch)
        return batch.compute()

    def fresh(self) -> Metric:
        """A new metric with the same options and an empty state."""
        other = copy.copy(self)
        other._state = None
        return other

    def merge(self, other: Metric) -> Metric:
        """Add another instance's state (same metric, same options) into this one; returns ``self``."""
        if not isinstance(other, Metric):
            raise InputError(
                f"{self.name}: merge() takes another {type(self).__name__} with the same options, "
                f"got {type(other).__name__}."
            )
        if type(other) is not type(self) or str(other.signature()) != str(self.signature()):
            raise InputError(
                f"cannot merge {type(other).__name__} [{other.signature()}] into "
                f"{type(self).__name__} [{self.signature()}]: metric and options must be equal."
            )
        mine, theirs = self._custom_objects(), other._custom_objects()
        if len(mine) != len(theirs) or any(a is not b for a, b in zip(mine, theirs)):
            raise InputError(
                f"{self.name}: cannot merge metrics built with different custom objects (tokenizers, callables): "
                f"a callable's result cannot be compared, so merges need the very same object."
            )
        state = other._state
        if state is not None:
            self._fold(state.total, state.reductions, state.n_items, state.space, state.extras)
        return self

    def sync(self, *, group: Any = None) -> Metric:
        """Reduce the state over every process of the ``torch.distributed`` group, in place; returns ``self``.

        A collective: every rank calls it, after its last ``update``. Summed columns go through one
        ``all_reduce(SUM)`` (int64 counts exact), ``max``/``min`` columns through ``MAX``/``MIN``; a rank
        with no data adds nothing; different metrics or options on different ranks raise the same error on
        every rank. A state on a device stays there. Then ``compute()`` on any rank scores all the data.
        ``evalkit.dist.all_reduce(metric)`` is the same call.
        """
        if not self.reducible:
            raise InputError(f"{self.name}: sync(): this metric is no reduction of per-item rows.")
        device_total = self._state.total if self._state is not None and arrays.is_tensor(self._state.total) else None
        all_reduce_state(self, group)
        if device_total is not None and self._state is not None:
            self._state.total = arrays.like(self._state.total, device_total)
        return self

    def compute(self) -> Result:
        """Score the statistics accumulated so far."""
        if self._state is None:
            raise EmptyInputError(f"{self.name}: compute() called before any update(); nothing to score.")
        return self.score(np.array(arrays.to_host(self._state.total)))  # the one copy to the host

    def reset(self) -> Metric:
        """Forget the accumulated statistics; returns ``self``."""
        self._state = None
        return self

    def __call__(self, *inputs: Any, **options: Any) -> Result:
        """Score one corpus without touching the running statistics."""
        return self.fresh().update(*inputs, **options).compute()

    # -- reading the state --------------------------------------------------------------------------
    @property
    def total(self) -> np.ndarray | None:
        """The running total (a numpy copy on the host), or ``None`` before any update."""
        return None if self._state is None else np.array(arrays.to_host(self._state.total))

    @property
    def device(self) -> Any:
        """The torch device the running state lives on (tensor inputs keep it there), or ``None`` for a
        state of numpy arrays on the host (and before any update)."""
        total = None if self._state is None else self._state.total
        return total.device if arrays.is_tensor(total) else None

    @property
    def n_items(self) -> int:
        """How many items were added by ``update``/``merge``."""
        return 0 if self._state is None else self._state.n_items

    @property
    def space(self) -> Any:
        """The frame of the running total (discovered labels, a shift), on the host, or ``None``."""
        space = None if self._state is None else arrays.to_host(self._state.space)
        return _read_only(space)

    @property
    def extras(self) -> dict[str, Any]:
        """The reduced extras of the running state (``{name: value}``; empty before any update)."""
        return {} if self._state is None else {k: v for k, (_, v) in self._state.extras.items()}

    def state_dict(self) -> dict[str, Any]:
        """The running state as plain Python values (lists, tuples, numbers, strings): a checkpoint that
        JSON and ``torch.load(..., weights_only=True)`` read back (integer totals stay Python ints, exact).

        ``load_state_dict`` of a metric built with the same options restores it exactly.
        """
        out: dict[str, Any] = {"metric": self.name, "signature": str(self.signature())}
        state = self._state
        if state is None:
            out["total"] = None
            return out
        out.update(
            total=arrays.to_host(state.total).tolist(),
            reductions=list(state.reductions),
            n_items=state.n_items,
            space=_plain(arrays.to_host(state.space)),
            extras={k: [r, _plain(v)] for k, (r, v) in state.extras.items()},
        )
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> Metric:
        """Restore a :meth:`state_dict` (of a metric of the same name and options); returns ``self``.

        A checkpoint is input: every field is checked (keys, ``n_items`` a non-negative int, ``reductions``
        those of :meth:`expected_reductions`, ``extras`` as saved, ``total`` a finite vector that
        :meth:`check_total` accepts, the frame through :meth:`restore_space`), and a state that fails any
        check raises an :class:`InputError` naming the field, what was expected and what was given.
        """
        if not isinstance(state, Mapping):
            raise InputError(
                f"{self.name}: load_state_dict() takes the dict of state_dict(), got {type(state).__name__}."
            )
        _require(self.name, state, ("metric", "signature", "total"))
        if state["metric"] != self.name or state["signature"] != str(self.signature()):
            raise InvalidOptionError(
                f"{self.name}: the state is of {state['metric']} [{state['signature']}], not of this metric "
                f"[{self.signature()}]; build the metric with the options it was saved with."
            )
        self._state = None
        if state["total"] is not None:
            total, reductions, n_items, extras = _checked_state(self.name, state)
            space = self.restore_space(state["space"])
            self.check_total(total, space)
            expected = self.expected_reductions(len(total), space)
            if reductions != expected:
                raise InputError(
                    f"{self.name}: load_state_dict(): 'reductions' must be {list(expected)} for this metric's "
                    f"{len(total)} statistics; got {list(reductions)}."
                )
            self._fold(total, reductions, n_items, space, extras)
        return self

    def expected_reductions(self, width: int, space: Any) -> tuple[str, ...]:
        """How each of the ``width`` columns of a state in frame ``space`` reduces (what
        :meth:`load_state_dict` accepts): sums, unless a metric declares ``max``/``min`` columns."""
        return sums(width)

    def check_total(self, total: np.ndarray, space: Any) -> None:
        """Raise an :class:`InputError` if ``total`` (written in frame ``space``) cannot be a state of this
        metric; :meth:`load_state_dict` calls it. Metrics whose columns are counts refuse negative ones."""
        return None  # by default sums of any finite value (moments): the generic checks suffice

    # -- many scores ----------------------------------------------------------------------------------
    def scores(self, totals: np.ndarray) -> np.ndarray:
        """``float(score(t))`` for each row of a ``(m, width)`` matrix of totals.

        Bootstrap resampling calls this on thousands of rows; metrics override it with a vectorized form.
        """
        return np.array([float(self.score(t)) for t in np.asarray(totals)], dtype=np.float64)

    def sentence_scores(self, *inputs: Any, **options: Any) -> list[Result]:
        """Score each item on its own (each row of ``rows``)."""
        rows = self.rows(*inputs, **options)
        scorer = self.fresh().add_rows(rows)
        return [scorer.score(t) for t in rows.item_totals()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.signature()})"


_STATE_KEYS = ("total", "reductions", "n_items", "space", "extras")
_REDUCTIONS = ("sum", "max", "min")


def _require(owner: str, state: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    missing = [key for key in keys if key not in state]
    if missing:
        raise InputError(f"{owner}: load_state_dict(): the state has no {missing[0]!r}; pass the dict of state_dict().")


def _checked_state(owner: str, state: Mapping[str, Any]) -> tuple[np.ndarray, tuple[str, ...], int, dict]:
    """The fields of a saved state, checked: ``(total, reductions, n_items, extras)``."""

    def bad(field: str, expected: str, given: Any) -> InputError:
        return InputError(f"{owner}: load_state_dict(): {field!r} must be {expected}; got {given!r}.")

    _require(owner, state, _STATE_KEYS)
    try:
        total = np.asarray(state["total"])
    except (TypeError, ValueError):
        total = None
    if total is None or total.ndim != 1 or total.size == 0 or total.dtype.kind not in "iuf":
        raise bad("total", "a non-empty list of numbers", state["total"])
    if total.dtype.kind == "f" and not np.isfinite(total).all():
        raise bad("total", "finite numbers", state["total"])
    n_items = state["n_items"]
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)) or n_items < 0:
        raise bad("n_items", "a non-negative int", n_items)
    reductions = state["reductions"]
    if (
        not isinstance(reductions, (list, tuple))
        or len(reductions) != len(total)
        or any(r not in _REDUCTIONS for r in reductions)
    ):
        raise bad("reductions", f"a list of {len(total)} names among {_REDUCTIONS}", reductions)
    unknown = sorted(str(k) for k in state if k not in ("metric", "signature", *_STATE_KEYS))
    if unknown:
        raise InputError(
            f"{owner}: load_state_dict(): the state has a field {unknown[0]!r} that no state_dict() writes."
        )
    extras = state["extras"]
    if not isinstance(extras, Mapping) or any(
        not isinstance(k, str) or not isinstance(v, (list, tuple)) or len(v) != 2 or v[0] not in _REDUCTIONS
        or isinstance(v[1], bool) or not isinstance(v[1], (int, float, np.integer, np.floating))
        or not np.isfinite(v[1])
        for k, v in extras.items()
    ):  # fmt: skip
        raise bad("extras", "a dict of [reduction, finite number] pairs", extras)
    return total, tuple(reductions), int(n_items), {k: (r, v) for k, (r, v) in extras.items()}


def _read_only(value: Any) -> Any:
    """``value`` with its arrays (also inside tuples: NIST's trie, a table's pairs) as read-only views: a frame
    is never changed in place, and one read through ``space`` must not change the running state's."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
        return value
    if type(value) is tuple:
        return tuple(_read_only(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """``value`` with numpy arrays and scalars as Python lists and numbers (containers kept)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _frame_reductions(reductions: tuple[str, ...], width: int) -> tuple[str, ...]:
    return reductions if len(reductions) == width else sums(width)


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind and bool((a == b).all())
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
