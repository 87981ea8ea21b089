"""Reading the CLI's inputs in chunks: text files (one segment per line), JSON Lines, TSV, label files.

Nothing here keeps a corpus: every reader yields chunks of ``chunk_lines`` segments, so memory is bounded
by the chunk, not the file. Bytes are decoded here (not by ``open``) so that invalid UTF-8 is reported
with its file, line and byte offset.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import IO, Any

import click

#: segments per chunk: large enough for vectorized statistics, small enough to keep memory flat
CHUNK_LINES = 10_000
#: the byte order mark, as text and as UTF-8 bytes: dropped at the start of a file (with a warning)
BOM = "\ufeff"
BOM_BYTES = BOM.encode("utf-8")


class DataError(click.ClickException):
    """A problem with the data (missing file, bad encoding, unequal lengths): exit status 1."""

    exit_code = 1


class LineSource:
    """One input file read in chunks of lines; ``-`` is standard input.

    Lines end at ``\\n`` (a ``\\r`` before it is dropped); other characters, U+2028 included, stay in the
    line, as in sacrebleu's reader. A UTF-8 byte order mark at the start of the file is dropped, with a
    warning (sacrebleu keeps it, glued to the first token).
    """

    def __init__(self, path: str, *, encoding_errors: str = "strict") -> None:
        self.path = path
        self.name = "<stdin>" if path == "-" else path
        self.encoding_errors = encoding_errors
        self.lines = 0  # lines read so far
        self.bytes = 0  # bytes read so far
        self._spool: IO[bytes] | None = None
        self._part: tuple[int, int, bytes] | None = None  # (start, stop, header) of a partition
        self._warned_bom = False

    def part(self, start: int, stop: int, first_line: int, *, header: bool = False) -> LineSource:
        """The lines ``first_line + 1, ...`` of this file, held in its bytes ``[start, stop)``: one partition,
        read on its own (by a Dask worker), whose messages keep the file's name, line numbers and byte offsets.

        ``header=True`` reads the file's first line before them (the column names of a TSV file), counted as
        the line before ``first_line + 1``. The file is opened by its absolute path (a worker's directory
        may differ).
        """
        out = LineSource(os.path.abspath(self.path), encoding_errors=self.encoding_errors)
        out.name = self.name
        head = b""
        if header:
            with out._open() as fh:
                head = fh.readline()
        out._part = (start, stop, head)
        out.lines = first_line - (1 if header else 0)
        out.bytes = start - len(head)
        return out

    def size(self) -> int | None:
        """The file's size in bytes, if it is a regular file."""
        if self.path == "-":
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_size if os.path.isfile(self.path) else None

    def spool(self) -> None:
        """Copy standard input to a temporary file so that it can be read twice (label files)."""
        if self.path == "-" and self._spool is None:
            self._spool = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the source)
            shutil.copyfileobj(sys.stdin.buffer, self._spool)

    def _open(self) -> IO[bytes]:
        if self._spool is not None:
            self._spool.seek(0)
            return self._spool
        if self.path == "-":
            return sys.stdin.buffer
        try:
            if os.path.isdir(self.path):
                raise DataError(f"cannot read {self.path!r}: it is a directory, not a file")
            if self._part is None:
                return open(self.path, "rb")
            start, stop, head = self._part
            with open(self.path, "rb") as fh:
                fh.seek(start)
                return io.BytesIO(head + fh.read(stop - start))  # one partition: a bounded read
        except OSError as exc:
            raise DataError(f"cannot read {self.path!r}: {exc.strerror or exc}") from None

    def check(self) -> None:
        """Fail early, before any work, if the file cannot be opened."""
        if self.path != "-":
            self._open().close()

    def _decode(self, raw: list[bytes]) -> list[str]:
        data = b"".join(raw)
        try:
            text = data.decode("utf-8", errors=self.encoding_errors)
        except UnicodeDecodeError as exc:
            start = 0
            for i, line in enumerate(raw):
                if start + len(line) > exc.start:
                    bad = data[exc.start : exc.end]
                    raise DataError(
                        f"{self.name}: invalid UTF-8 at line {self.lines + i + 1}, byte {exc.start - start + 1} of "
                        f"the line (byte offset {self.bytes + exc.start} in the file): {bad!r} ({exc.reason}). "
                        f"Fix the file, or pass --encoding-errors replace to read it with U+FFFD in place of bad bytes."
                    ) from None
                start += len(line)
            raise  # unreachable: the error lies in one of the lines
        lines = text.split("\n")
        if data.endswith(b"\n"):
            lines.pop()
        if "\r" in text:
            lines = [s[:-1] if s.endswith("\r") else s for s in lines]
        return lines

    def _starts_file(self) -> bool:
        """Whether the next bytes read are the file's first (a partition's header line is)."""
        if self._part is None:
            return self.bytes == 0
        start, _, head = self._part
        return self.bytes == start - len(head) and (start == 0 or bool(head))

    def _drop_bom(self, lines: list[str]) -> None:
        """Drop a byte order mark (U+FEFF) that starts the file, and say so once (a partition says nothing:
        it is read by a Dask worker, and the run's driver warns for it)."""
        if lines and lines[0].startswith(BOM):
            lines[0] = lines[0][1:]
            if self._part is None and not self._warned_bom:
                self._warned_bom = True
                warn_bom(self.name)

    def chunks(self, chunk_lines: int = CHUNK_LINES) -> Iterator[list[str]]:
        """Chunks of at most ``chunk_lines`` decoded lines."""
        fh = self._open()
        try:
            while raw := list(islice(fh, chunk_lines)):
                at_start = self._starts_file()
                lines = self._decode(raw)
                if at_start:
                    self._drop_bom(lines)
                self.lines += len(lines)
                self.bytes += sum(map(len, raw))
                yield lines
        finally:
            if fh is not sys.stdin.buffer and fh is not self._spool:
                fh.close()

    def count_rest(self, it: Iterator[list[str]]) -> int:
        """Read ``it`` to its end, counting lines only; the total line count of the file."""
        for _ in it:
            pass
        return self.lines


def warn_bom(name: str) -> None:
    """The one-line warning for a file that starts with a UTF-8 byte order mark."""
    warnings.warn(
        f"{name} starts with a UTF-8 byte order mark (BOM); it is dropped, not read as part of the first "
        f"segment (sacrebleu keeps it, glued to the first token).",
        UserWarning,
        stacklevel=2,
    )


def starts_with_bom(path: str) -> bool:
    """Whether the file at ``path`` starts with a UTF-8 byte order mark."""
    with open(path, "rb") as fh:
        return fh.read(len(BOM_BYTES)) == BOM_BYTES


def lockstep(sources: Sequence[LineSource], chunk_lines: int = CHUNK_LINES) -> Iterator[list[list[str]]]:
    """Chunks of the same lines of several files; unequal line counts are an error naming every file."""
    its = [s.chunks(chunk_lines) for s in sources]
    while True:
        parts = [next(it, None) for it in its]
        sizes = {len(p) if p is not None else 0 for p in parts}
        if sizes == {0}:
            return
        if len(sizes) > 1:
            counts = [s.count_rest(it) for s, it in zip(sources, its)]
            detail = ", ".join(f"{s.name} has {n}" for s, n in zip(sources, counts))
            raise DataError(f"the inputs must have one line per segment each, but {detail} lines.")
        yield parts  # type: ignore[misc]


def text_chunks(
    hyp: LineSource, refs: Sequence[LineSource], chunk_lines: int = CHUNK_LINES
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """``(hypotheses, references)`` chunks from a hypothesis file and one file per reference."""
    for hyps, *streams in lockstep([hyp, *refs], chunk_lines):
        yield hyps, [list(r) for r in zip(*streams)]


def _field(record: dict[str, Any], name: str, where: str) -> Any:
    if name not in record:
        known = ", ".join(repr(k) for k in record)
        raise DataError(
            f"{where}: no field {name!r}; the record has {known}. Name the fields with --hyp-field/--ref-field."
        )
    return record[name]


def _as_refs(values: list[Any], where: str) -> list[str]:
    out: list[str] = []
    for v in values:
        items = v if isinstance(v, list) else [v]
        for x in items:
            if not isinstance(x, str):
                raise DataError(f"{where}: a reference must be a string or a list of strings, got {x!r:.60}.")
            out.append(x)
    return out


def record_chunks(
    source: LineSource, fmt: str, hyp_field: str, ref_fields: Sequence[str], chunk_lines: int = CHUNK_LINES
) -> Iterator[tuple[list[str], list[list[str]]]]:
    """``(hypotheses, references)`` chunks from one JSON Lines or TSV file with named fields.

    JSON Lines: one object per line; a reference field holds a string or a list of strings. TSV: the
    first line names the columns; each reference field is one column.
    """
    header: list[str] | None = None
    for lines in source.chunks(chunk_lines):
        first = source.lines - len(lines) + 1
        hyps, refs = [], []
        for i, line in enumerate(lines):
            where = f"{source.name}, line {first + i}"
            if fmt == "jsonl":
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{where}: not a JSON object ({exc.msg} at column {exc.colno}).") from None
                if not isinstance(record, dict):
                    raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}.")
            else:
                (cells,) = csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE)
                if header is None:
                    header = cells
                    continue
                if len(cells) != len(header):
                    raise DataError(f"{where}: {len(cells)} tab-separated fields, but the header has {len(header)}.")
                record = dict(zip(header, cells))
            hyp = _field(record, hyp_field, where)
            if not isinstance(hyp, str):
                raise DataError(f"{where}: the hypothesis must be a string, got {hyp!r:.60}.")
            hyps.append(hyp)
            refs.append(_as_refs([_field(record, f, where) for f in ref_fields], where))
        if hyps:
            yield hyps, refs


def label_kind(sources: Sequence[LineSource], task: str) -> str:
    """``"number"``, ``"float"`` or ``"str"``: how to parse the labels of ``task``, from a first pass.

    Classification labels are numbers when every line of every file is a number (then ``1``, ``1.0`` and
    ``1e0`` are the same label, and a non-integral value is refused by the metric, as the API refuses
    it), else strings; regression values and probabilities are floats. A first pass decides, so that every
    chunk is parsed alike (standard input is spooled to a temporary file for it). The sources' counters
    are reset after the pass.
    """
    if task in ("regression", "proba"):
        return "float"
    return "number" if all(_all_numbers(s) for s in sources) else "str"


def _all_numbers(source: LineSource) -> bool:
    source.spool()
    chunks = source.chunks()
    try:
        for lines in chunks:
            for line in lines:
                try:
                    float(line)
                except ValueError:
                    return False
        return True
    finally:
        chunks.close()
        source.lines = source.bytes = 0


def _number_label(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_probabilities(lines: list[str], source: LineSource) -> list[list[float]]:
    """One row of whitespace-separated probabilities per line (one value: the positive class's)."""
    try:
        return [[float(x) for x in line.split()] for line in lines]
    except ValueError:
        first = source.lines - len(lines) + 1
        for i, line in enumerate(lines):
            try:
                [float(x) for x in line.split()]
            except ValueError:
                raise DataError(
                    f"{source.name}, line {first + i}: {line!r:.40} is not a row of probabilities (numbers "
                    f"separated by spaces)."
                ) from None
        raise


def parse_labels(lines: list[str], kind: str, source: LineSource) -> list[Any]:
    """Labels of one chunk; a value that is not a number (for ``float``) names its file and line."""
    if kind == "str":
        return lines
    cast = _number_label if kind == "number" else float
    try:
        return [cast(x) for x in lines]
    except ValueError:
        first = source.lines - len(lines) + 1
        for i, x in enumerate(lines):
            try:
                cast(x)
            except ValueError:
                raise DataError(
                    f"{source.name}, line {first + i}: {x!r:.40} is not a number (regression values must be numbers)."
                ) from None
        raise
