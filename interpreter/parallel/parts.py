"""Lead inputs and outputs beyond leadio's single files (tooling spec §5): folders of
CSV/JSONL/JSON/Parquet parts, Parquet files, and a partition's share of a file's rows.

- **A folder of parts** is read as one file would be: its files in sorted name order
  (hidden files and names starting with ``_``, e.g. Spark's ``_SUCCESS``, skipped), all
  of one format, CSV parts with the same header; rows are numbered across the parts
  (a lead without an id gets that number) and an id may appear only once in all of them.
- **A piece** is a contiguous range of one part's rows: a byte range of a CSV or JSONL
  file cut at a record boundary (:func:`plan`), or a whole JSON or Parquet file. A
  partition of a partitioned run reads only its own pieces.
- **Output**: ``--out FILE`` (leadio's CSV/JSON/JSONL writer, or Parquet) or
  ``--out FOLDER``: one part per input part, ``part-00000.<ext>`` in the input's order
  and format; created leads go to the last part. Every output is written into a hidden
  staging folder beside its destination and moved into place only when the run
  succeeded (:class:`Staging`).
- **Parquet** (pyarrow, ``pip install 'camp-lang[dask]'``): read like JSON values (ints,
  floats and decimals are numbers; dates, timestamps and booleans keep their types);
  written with one Arrow type per column from the schema (docs/parallel.md).
"""

from __future__ import annotations

import bisect
import csv
import datetime as _dt
import functools
import io
import itertools
import json
import os
import re
import secrets
import shutil
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from camp.checker.loader import InputError, display_path
from camp.checker.symbols import Symbols
from camp.parallel import is_folder
from camp.runtime.leadio import (
    CsvRecord,
    Event,
    IdSet,
    RawLead,
    Row,
    Typer,
    _cell,
    _csv_records,
    _decoded_lines,
    _scan_csv,
    _scan_json,
    _scan_jsonl,
    csv_leads,
    event_from_object,
    read_events,
    row_lead_id,
    scan_rows,
    write_leads,
)
from camp.types import Type, Value

LEAD_FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
EVENT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
EXTENSIONS = {"csv": ".csv", "jsonl": ".jsonl", "json": ".json", "parquet": ".parquet"}
PYARROW_MISSING = "Parquet needs pyarrow: pip install 'camp-lang[dask]'"
ROW_GROUP = 65_536  # rows per Parquet row group, whoever writes them (same bytes)
_BATCH = 4_096  # rows per Arrow batch read (memory: a batch's rows become dicts at once)
_PART = re.compile(r"part-\d{5}\.(csv|jsonl|json|parquet)")


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(PYARROW_MISSING) from None
    return pa, pq


# ---- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One file of an input: a single file, or one part of a folder."""

    path: str  # absolute: a worker opens it from any working directory
    name: str  # as messages name it (relative to the submitting process's directory)
    format: str
    size: int
    data: int = 0  # CSV: the byte offset of the first row after the header
    line: int = 1  # CSV: that row's line number
    rows: int = -1  # Parquet: its rows (from the footer)
    temporal: tuple[tuple[str, bool], ...] = ()  # Parquet: date (False)/timestamp (True) columns


@dataclass(frozen=True)
class Inputs:
    """A run's --leads and --events, as files to open."""

    leads: tuple[Source, ...] = ()
    folder: bool = False  # --leads is a folder of parts
    columns: tuple[str, ...] = ()  # the CSV header / Parquet columns every part has
    events: tuple[Source, ...] = ()

    @property
    def format(self) -> str | None:
        return self.leads[0].format if self.leads else None


def _files(folder: Path, what: str, formats: dict[str, str]) -> list[tuple[Path, str]]:
    name = display_path(folder)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as e:
        raise InputError(f"{name}: cannot read the folder: {e.strerror}") from None
    files = [p for p in entries if not p.name.startswith((".", "_")) and p.is_file()]
    if not files:
        raise InputError(f"{name}: the folder holds no {what} files")
    found = []
    for p in files:
        fmt = formats.get(p.suffix.lower())
        if fmt is None:
            kinds = ", ".join(dict.fromkeys(formats))
            raise InputError(
                f"{display_path(p)}: unknown file type '{p.suffix}' in a folder of {what} "
                f"parts (use {kinds})"
            )
        found.append((p, fmt))
    first = found[0]
    for p, fmt in found:
        if fmt != first[1]:
            raise InputError(
                f"{display_path(p)}: a {fmt} part in a folder of {first[1]} parts "
                f"({display_path(first[0])}): every part has one format"
            )
    return found


def _lead_format(path: Path) -> str:
    """A lead file's format by its suffix (leadio's formats and Parquet)."""
    fmt = LEAD_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{display_path(path)}: unknown file type '{path.suffix}': use .csv, .json, "
            ".jsonl or .parquet"
        )
    return fmt


def _source(path: Path, fmt: str, what: str) -> Source:
    name = display_path(path)
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not {what}")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror}") from None
    return Source(str(path.resolve()), name, fmt, size)


def read_inputs(leads: Path | None, events: Path | None) -> Inputs:
    """The --leads and --events files, checked as far as reading their heads: unknown
    formats, mixed parts, unreadable files, CSV headers (the same in every part)."""
    lead_sources: list[Source] = []
    folder = leads is not None and is_folder(leads)
    if leads is not None:
        listed = _files(leads, "lead", LEAD_FORMATS) if folder else [(leads, _lead_format(leads))]
        lead_sources = [_source(p, fmt, "a lead file") for p, fmt in listed]
    columns: tuple[str, ...] = ()
    if lead_sources and lead_sources[0].format == "csv":
        lead_sources, columns = _csv_heads(lead_sources, [p for p, _ in listed])
    elif lead_sources and lead_sources[0].format == "parquet":
        lead_sources, columns = _parquet_heads(lead_sources)
    event_sources: tuple[Source, ...] = ()
    if events is not None:
        what = "an events file"
        if is_folder(events):
            listed = _files(events, "event", EVENT_FORMATS)
            event_sources = tuple(_source(p, f, what) for p, f in listed)
        else:
            fmt = EVENT_FORMATS.get(events.suffix.lower(), "jsonl")  # leadio's own messages
            event_sources = (_source(events, fmt, what),)
    return Inputs(tuple(lead_sources), folder, columns, event_sources)


def _csv_heads(sources: list[Source], given: list[Path]) -> tuple[list[Source], tuple[str, ...]]:
    """Each CSV part's header (leadio's checks and messages) and where its rows begin."""
    done: list[Source] = []
    first: list[str] | None = None
    for src, path in zip(sources, given, strict=True):
        scanned = scan_rows(path)
        header = scanned.header or []
        _close(scanned.rows)
        if first is None:
            first = header
        elif header != first:
            diff = next(
                (i for i, (a, b) in enumerate(zip(header, first, strict=False)) if a != b),
                min(len(header), len(first)),
            )
            theirs = f"'{first[diff]}'" if diff < len(first) else "no column"
            ours = f"'{header[diff]}'" if diff < len(header) else "no column"
            raise InputError(
                f"{src.name}:1: the header differs from {done[0].name}'s: column {diff + 1} "
                f"is {ours} here and {theirs} there (every CSV part has the same header)"
            )
        data, line = _csv_data_start(src.path)
        done.append(Source(src.path, src.name, src.format, src.size, data, line))
    return done, tuple(first or ())


def _close(rows: Iterator[Row]) -> None:
    """Close a scan that was only opened for its header (runs its ``with``)."""
    for _ in rows:
        break
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def _csv_data_start(path: str) -> tuple[int, int]:
    """The byte offset and line number where a CSV file's first row after the header starts."""
    with open(path, "rb") as f:
        state = _Offset(0)
        reader = csv.reader(_decoded_lines(_counted(f, state), {}))
        with suppress(csv.Error):  # scan_rows has refused such a header already
            next(reader, None)
        return state.offset, reader.line_num + 1


def _parquet_heads(sources: list[Source]) -> tuple[list[Source], tuple[str, ...]]:
    """Each Parquet part's footer, read once: its columns (checked, the same in every
    part), rows and date and timestamp columns."""
    pa, _ = _pyarrow()
    first: list[str] | None = None
    read: list[Source] = []
    for src in sources:
        with _parquet_file(src) as parquet:
            schema, rows = parquet.schema_arrow, parquet.metadata.num_rows
        names = list(schema.names)
        for f in schema:
            if _unreadable(pa, f.type):
                raise InputError(
                    f"{src.name}: column '{f.name}' holds {f.type}, which Camp has no type for"
                )
        seen: set[str] = set()
        for n in names:
            if n in seen:
                raise InputError(f"{src.name}: duplicate column name '{n}'")
            seen.add(n)
        if first is None:
            first = names
        elif names != first:
            raise InputError(
                f"{src.name}: its columns differ from {sources[0].name}'s "
                f"({', '.join(names)} against {', '.join(first)}): every part has the same columns"
            )
        temporal = tuple(
            (f.name, pa.types.is_timestamp(f.type))
            for f in schema
            if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
        )
        read.append(replace(src, rows=int(rows), temporal=temporal))
    return read, tuple(first or ())


def _unreadable(pa: Any, t: Any) -> bool:
    types = pa.types
    if types.is_binary(t) or types.is_large_binary(t) or types.is_fixed_size_binary(t):
        return True
    if types.is_duration(t) or types.is_interval(t):
        return True
    if types.is_list(t) or types.is_large_list(t):
        return bool(_unreadable(pa, t.value_type))
    return False


# ---- reading rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A contiguous range of one source's rows."""

    source: int  # index into Inputs.leads
    start: int  # byte offset of its first record
    end: int = -1  # byte offset where the next piece starts; -1: the end of the file
    line: int = 1  # line number of its first record
    row: int = -1  # rows of the whole input before it; -1: continue from the piece before
    rows: int = -1  # rows it holds as planned (-1: not planned)


def whole(inputs: Inputs) -> list[Piece]:
    """Every source as one piece, in order (a serial run)."""
    return [
        Piece(k, src.data, -1, src.line, 0 if k == 0 else -1) for k, src in enumerate(inputs.leads)
    ]


class _Offset:
    __slots__ = ("offset",)

    def __init__(self, offset: int) -> None:
        self.offset = offset


def _counted(handle: IO[bytes], state: _Offset) -> Iterator[bytes]:
    """A file's lines from where ``handle`` stands, counting the bytes read in ``state``."""
    for line in handle:
        state.offset += len(line)
        yield line


class _SpanReader:
    """csv.reader over a span of a file's lines, as leadio's CSV scan reads it: line
    numbers continue the file's, and the span ends at the first record that starts at or
    past ``end``. ``aligned``: that record started exactly at ``end`` (the plan cut the
    file at a record boundary; a quoted newline the plan misread would show here)."""

    def __init__(self, reader: Any, state: _Offset, base: int, end: int) -> None:
        self.reader = reader
        self.state = state
        self.base = base
        self.end = end
        self.aligned = end < 0

    @property
    def line_num(self) -> int:
        return self.base + int(self.reader.line_num)

    def __iter__(self) -> _SpanReader:
        return self

    def __next__(self) -> list[str]:
        if self.end >= 0 and self.state.offset >= self.end:
            self.aligned = self.state.offset == self.end
            raise StopIteration
        row: list[str] = next(self.reader)
        return row


class _Range(io.RawIOBase):
    """The bytes of a file from ``start`` to ``end`` (-1: its end), as a file."""

    def __init__(self, path: str, start: int, end: int) -> None:
        super().__init__()
        self._f = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._f.seek(start)
        self._left = -1 if end < 0 else end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._left >= 0:
            view = view[: self._left]
        n = self._f.readinto(view)
        if self._left >= 0:
            self._left -= n
        return n

    def close(self) -> None:
        self._f.close()
        super().close()


class Span(Protocol):
    """How a piece's read ended: ``aligned`` once its rows are read (always, but for a
    CSV piece cut where no record began)."""

    aligned: bool


class _Whole:
    aligned = True


def _csv_piece(src: Source, piece: Piece, width: int) -> tuple[Iterator[CsvRecord], _SpanReader]:
    """A CSV piece's records (leadio's, line numbers continuing the file's) and its span."""
    handle = open(src.path, "rb")  # noqa: SIM115 - closed by the records' reader
    handle.seek(piece.start)
    state = _Offset(piece.start)
    bad: dict[int, str] = {}
    span = _SpanReader(
        csv.reader(_decoded_lines(_counted(handle, state), bad, piece.line), strict=True),
        state,
        piece.line - 1,
        piece.end,
    )
    return _csv_records(handle, span, width, bad), span


def source_rows(src: Source, piece: Piece, columns: Sequence[str]) -> tuple[Iterator[Row], Span]:
    """A piece's rows as leadio's scan gives them (the same ``where`` and messages), and
    an object whose ``aligned`` says, once the rows are read, whether a CSV piece ended
    exactly where the next piece begins."""
    if src.format == "csv":
        records, span = _csv_piece(src, piece, len(columns))
        return _scan_csv(records, list(columns), src.name), span
    if src.format == "jsonl":
        reader = io.BufferedReader(_Range(src.path, piece.start, piece.end), 1 << 16)
        return _scan_jsonl(reader, src.name, piece.line), _Whole()
    if src.format == "json":
        try:
            data = Path(src.path).read_bytes()
        except OSError as e:
            raise InputError(f"{src.name}: cannot read: {e.strerror}") from None
        return _scan_json(data, src.name), _Whole()
    return _parquet_rows(src, piece), _Whole()


def _parquet_file(src: Source) -> Any:
    """``src`` opened as a ``pyarrow.parquet.ParquetFile`` (to use in a ``with``)."""
    pa, pq = _pyarrow()
    try:
        return pq.ParquetFile(src.path)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"{src.name}: not a Parquet file ({e})") from None


def _parquet_records(src: Source, piece: Piece) -> Iterator[tuple[int, dict[str, Any]]]:
    """A Parquet piece's rows as (number in the file, record): the file's rows ``start``
    up to ``end`` (-1: the last). Only the row groups holding them are read."""
    with _parquet_file(src) as parquet:
        meta = parquet.metadata
        stop = meta.num_rows if piece.end < 0 else piece.end
        sizes = (meta.row_group(g).num_rows for g in range(meta.num_row_groups))
        starts = list(itertools.accumulate(sizes, initial=0))  # rows before each group
        groups = [  # the row groups overlapping the piece
            g
            for g in range(meta.num_row_groups)
            if starts[g] < stop and starts[g + 1] > piece.start
        ]
        if not groups:
            return
        n = starts[groups[0]]  # the file's rows before the batch
        for batch in parquet.iter_batches(batch_size=_BATCH, row_groups=groups):
            lo, hi = max(piece.start - n, 0), min(stop - n, batch.num_rows)
            if lo < hi:
                yield from enumerate(batch.slice(lo, hi - lo).to_pylist(), start=n + lo + 1)
            n += batch.num_rows
            if n >= stop:
                break


def _parquet_rows(src: Source, piece: Piece) -> Iterator[Row]:
    for row, record in _parquet_records(src, piece):
        yield Row(f"{src.name}: row {row}", {k: _plain(v) for k, v in record.items()}, None, record)


def _plain(value: Any) -> Any:
    """A Parquet value as the JSON-like value leadio types: dates and times as ISO text
    (typed by the schema; untyped columns get their dates back in LeadReader), structs
    and maps as JSON text."""
    if value is None or isinstance(value, (str, bool, int, float, Decimal)):
        return value
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        if value and isinstance(value[0], tuple) and len(value[0]) == 2:  # a map's pairs
            return json.dumps(dict(value), ensure_ascii=False, default=str)
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _temporal_columns(src: Source, typer: Typer) -> dict[str, Callable[[Any], Value]]:
    """A Parquet file's date and timestamp columns that the schema does not type: their
    values stay dates and date-times (as a typed column's would)."""
    return {
        name: _naive if timestamp else (lambda v: v)
        for name, timestamp in src.temporal
        if name not in typer.types and name != "id"
    }


def _naive(value: Any) -> Value:
    return value.replace(tzinfo=None) if isinstance(value, _dt.datetime) else value


class LeadReader:
    """Reads pieces of an input as leadio.read_leads reads one file: cells typed by the
    schema, ids from the ``id`` column or else the row's number across the whole input,
    an id twice refused; the first bad row ends the read with leadio's message.

    For a partitioned run it records: where each piece's leads begin (``bounds``), the
    rows each piece held (``counts``), whether each CSV piece ended at its planned end
    (``aligned``), the ids in order (``ids``, when ``keep_ids``) and the number of the
    row that failed (``failed``). With ``owns``, only the leads it accepts are typed (a
    hash partition skips typing the others' rows; their ids are still read and checked).
    """

    def __init__(
        self,
        inputs: Inputs,
        pieces: Sequence[Piece],
        owns: Callable[[int], bool] | None = None,
        keep_ids: bool = False,
    ) -> None:
        self.inputs = inputs
        self.pieces = list(pieces)
        self.owns = owns
        self.ids: array[int] | list[int] | None = array("q") if keep_ids else None
        self.bounds: list[int] = []
        self.counts: list[int] = []
        self.aligned: list[bool] = []
        self.failed: int | None = None
        self.finished = False

    def read(self, symbols: Symbols) -> Iterator[RawLead]:
        typer = Typer(symbols)
        seen = IdSet()
        columns = self.inputs.columns
        n = 0  # the input's rows before this piece
        read = 0
        for piece in self.pieces:
            if piece.row >= 0:
                n = piece.row
            src = self.inputs.leads[piece.source]
            leads: Iterator[tuple[int, dict[str, Value]]]
            span: Span
            if src.format == "csv":  # leadio's CSV reading, as serially
                records, span = _csv_piece(src, piece, len(columns))
                leads = csv_leads(records, list(columns), src.name, typer, seen, n, self.owns)
            else:
                rows, span = source_rows(src, piece, columns)
                leads = self._typed(rows, src, typer, seen, n)
            self.bounds.append(read)
            count = 0
            try:
                for lead_id, fields in leads:
                    count += 1
                    self._keep(lead_id)
                    read += 1
                    yield RawLead(lead_id, fields)
            except InputError:
                self.failed = n + count + 1
                raise
            n += count
            self.counts.append(count)
            self.aligned.append(bool(span.aligned))
        self.finished = True

    def _typed(
        self, rows: Iterator[Row], src: Source, typer: Typer, seen: IdSet, before: int
    ) -> Iterator[tuple[int, dict[str, Value]]]:
        """JSON-like rows (JSON, JSONL, Parquet) as leadio types them."""
        fixes = _temporal_columns(src, typer) if src.format == "parquet" else {}
        owns = self.owns
        for n, row in enumerate(rows, start=before + 1):
            lead_id = row_lead_id(row, n, seen)
            assert row.data is not None
            if owns is not None and not owns(lead_id):
                yield lead_id, {}
                continue
            fields = typer.lead_fields(row.data, row.where, False)
            for name, fix in fixes.items():
                if row.raw.get(name) is not None:
                    fields[name] = fix(row.raw[name])
            yield lead_id, fields

    def _keep(self, lead_id: int) -> None:
        ids = self.ids
        if ids is None:
            return
        try:
            ids.append(lead_id)
        except OverflowError:  # an id beyond 64 bits
            self.ids = [*ids, lead_id]

    def source_of(self, index: int) -> int:
        """The source of the ``index``-th lead read (created leads: the last source's)."""
        k = bisect.bisect_right(self.bounds, index) - 1
        return self.pieces[max(k, 0)].source if self.pieces else 0


def where_of(inputs: Inputs, piece: Piece, index: int) -> str:
    """Where the ``index``-th row (from 0) of a piece is: for a message about it."""
    rows, _ = source_rows(inputs.leads[piece.source], piece, inputs.columns)
    for k, row in enumerate(rows):
        if k == index:
            _close(rows)
            return row.where
    return inputs.leads[piece.source].name


def read_all_events(inputs: Inputs) -> list[Event]:
    """The events of every part, in order (leadio's reading and messages, part by part)."""
    events: list[Event] = []
    for src in inputs.events:
        if src.format == "parquet":
            events += _parquet_events(src)
        else:
            events += read_events(Path(src.path), src.name)  # named as the submitter shows it
    return events


def read_event_input(path: Path) -> list[Event]:
    """The events of an --events path of any shape: a JSONL file, a Parquet file or a
    folder of parts (for runs that read their events whole, as workspace runs do)."""
    return read_all_events(read_inputs(None, path))


def _parquet_events(src: Source) -> list[Event]:
    """A Parquet file of events: a row per event with the JSONL keys as columns (``time``
    a timestamp or ISO text, ``lead``, ``type``, ``name``; for ``created`` rows ``fields``
    as a struct or a JSON object's text, and ``id``). A null cell is a key the row does
    not have, as the columns are shared by events of every type."""
    events: list[Event] = []
    for n, record in _parquet_records(src, Piece(0, 0)):
        where = f"{src.name}: row {n}"
        obj = {k: v for k, v in record.items() if v is not None}
        fields = obj.get("fields")
        if isinstance(fields, str):
            try:
                obj["fields"] = json.loads(fields, parse_float=Decimal)
            except json.JSONDecodeError as e:
                raise InputError(f"{where}: 'fields' is not a JSON object: {e.msg}") from None
        elif isinstance(fields, dict):  # typed as a created lead's fields are from JSON
            obj["fields"] = {k: _plain(v) for k, v in fields.items() if v is not None}
        events.append(event_from_object(obj, where))
    if not events:
        raise InputError(f"{src.name}: the events file is empty (no rows)")
    return events


# ---- planning partitions ------------------------------------------------------------------

_CHUNK = 8 << 20
_QUOTED = re.compile(rb'"[^"]*"')
_BLANK_CSV = re.compile(rb'\n(?=\r?\n|""\r?\n)')
_BLANK_JSONL = re.compile(rb"\n(?=[ \t\r\f\v]*\n)")


def plan(inputs: Inputs, count: int) -> list[list[Piece]]:
    """Split the input's rows into at most ``count`` partitions of contiguous pieces,
    balanced by bytes. CSV and JSONL files are cut at record boundaries (in CSV, a line
    end outside quotes: the parity of the '"' before it), Parquet files at any row (a
    piece reads the row groups holding its rows); JSON files are never cut. Every piece
    knows the rows before it, so a lead without an id gets the number a serial run
    gives it; the partitions confirm the plan (:func:`check_plan`)."""
    sources = inputs.leads
    if not sources:
        return [[]]
    sizes = [max(s.size - s.data, 1) for s in sources]
    total = sum(sizes)
    targets = [total * j // count for j in range(1, count)]
    cuts: list[list[int]] = [[] for _ in sources]  # byte offsets (Parquet: rows)
    parquet_rows = functools.cache(lambda k: _count_rows(sources[k]))
    breaks: set[int] = set()  # a partition starts with source k
    before = 0
    for k, src in enumerate(sources):
        for t in targets:
            if not before <= t < before + sizes[k]:
                continue
            if t == before:
                breaks.add(k)
            elif src.format in ("csv", "jsonl"):
                cuts[k].append(src.data + t - before)
            elif src.format == "parquet":  # cut at a row, by the share of the bytes
                r = round(parquet_rows(k) * (t - before) / sizes[k])
                if 0 < r < parquet_rows(k):
                    cuts[k].append(r)
                else:
                    breaks.add(k if r == 0 else k + 1)
            else:
                breaks.add(k if t - before < sizes[k] / 2 else k + 1)
        before += sizes[k]
    partitions: list[list[Piece]] = [[]]
    row = 0
    for k, src in enumerate(sources):
        if k in breaks:
            partitions.append([])
        if src.format in ("csv", "jsonl"):
            points, rows = _scan(src, cuts[k])
        elif src.format == "parquet":
            rows = parquet_rows(k)
            points = [(r, r + 1, r) for r in [0, *sorted(set(cuts[k]))]]
        else:
            points, rows = [(src.data, src.line, 0)], _count_rows(src)
        for j, (start, line, ahead) in enumerate(points):
            last = j + 1 == len(points)
            if j:
                partitions.append([])
            held = (rows if last else points[j + 1][2]) - ahead
            partitions[-1].append(
                Piece(k, start, -1 if last else points[j + 1][0], line, row + ahead, held)
            )
        row += rows
    return [p for p in partitions if p] or [[]]


def _count_rows(src: Source) -> int:
    if src.rows >= 0:  # Parquet: from its footer
        return src.rows
    rows, _ = source_rows(src, Piece(0, 0), ())
    return sum(1 for _ in rows)


def _scan(src: Source, targets: list[int]) -> tuple[list[tuple[int, int, int]], int]:
    """The record starts at or after each target offset as (offset, line, rows before
    it), the source's first row first; and the rows the source holds. Reads in chunks
    ending at record boundaries and counts with byte searches (no per-line Python)."""
    csv_format = src.format == "csv"
    points = [(src.data, src.line, 0)]
    offset, line, rows = src.data, src.line, 0  # where ``buf`` starts
    pending = sorted(t for t in targets if t > src.data)
    with open(src.path, "rb") as f:
        f.seek(src.data)
        buf = b""
        eof = False
        while True:
            if not eof:
                chunk = f.read(_CHUNK)
                eof = not chunk
                buf += chunk
            end = len(buf) if eof else _boundary_before(buf, csv_format)
            if not end and not eof:
                continue  # a record longer than the chunk read so far
            region, buf = buf[:end], buf[end:]
            while pending and pending[0] < offset + len(region):
                cut = _boundary_at(region, pending.pop(0) - offset, csv_format)
                if cut is None or (eof and cut == len(region)):  # no row starts after it
                    continue
                lines_in, rows_in = _counts(region[:cut], csv_format, final=False)
                offset, line, rows = offset + cut, line + lines_in, rows + rows_in
                region = region[cut:]
                if points[-1][0] != offset:
                    points.append((offset, line, rows))
            lines_in, rows_in = _counts(region, csv_format, final=eof)
            offset, line, rows = offset + len(region), line + lines_in, rows + rows_in
            if eof:
                return points, rows


def _boundary_before(buf: bytes, csv_format: bool) -> int:
    """The last record boundary in ``buf`` (just after a line end outside quotes); 0: none."""
    idx = buf.rfind(b"\n")
    if not csv_format:
        return idx + 1
    for _ in range(64):
        if idx < 0:
            return 0
        if buf.count(b'"', 0, idx) % 2 == 0:
            return idx + 1
        idx = buf.rfind(b"\n", 0, idx)
    return 0


def _boundary_at(region: bytes, at: int, csv_format: bool) -> int | None:
    """The first record boundary at or after ``at`` in a region that starts at one."""
    if at <= 0:
        return 0
    idx = region.find(b"\n", at - 1)
    if idx < 0 or not csv_format:
        return None if idx < 0 else idx + 1
    parity = region.count(b'"', 0, idx) % 2
    while parity:
        nxt = region.find(b"\n", idx + 1)
        if nxt < 0:
            return None
        parity ^= region.count(b'"', idx, nxt) % 2
        idx = nxt
    return idx + 1


def _counts(region: bytes, csv_format: bool, final: bool) -> tuple[int, int]:
    """(line ends, rows) in a region of whole records that starts at a record boundary:
    a record per line end outside quotes, blank lines (and CSV's lone "") not counted,
    the file's last line counted when it has no line end."""
    lines = region.count(b"\n")
    rows = lines
    blank = _BLANK_CSV if csv_format else _BLANK_JSONL
    if csv_format and b'"' in region:
        rows -= b"".join(_QUOTED.findall(region)).count(b"\n")
        parity, prev = 0, 0
        for m in blank.finditer(b"\n" + region):
            at = max(m.start() - 1, 0)  # in region: the blank line starts at ``at + 1``
            parity ^= region.count(b'"', prev, at) % 2
            prev = at
            rows -= not parity
    else:
        rows -= len(blank.findall(b"\n" + region))
    if final:
        tail = region[region.rfind(b"\n") + 1 :].rstrip(b"\r")
        if tail not in (b"", b'""') and (csv_format or tail.strip()):
            rows += 1
    return lines, rows


def check_plan(pieces: Sequence[Piece], counts: Sequence[int], aligned: Sequence[bool]) -> bool:
    """Whether a partition read the rows the plan gave its pieces and each ended where
    the next began (else a CSV file fooled the quote count: the run is redone exactly)."""
    return all(
        (p.rows < 0 or p.rows == c) and a for p, c, a in zip(pieces, counts, aligned, strict=False)
    ) and len(counts) == len(pieces)


# ---- outputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutSpec:
    """Where --out goes: a file, or a folder with a part per input part."""

    path: str  # absolute
    name: str
    format: str
    folder: bool
    parts: int  # folder: how many parts (one per input part)


def out_spec(out: Path, inputs: Inputs) -> OutSpec:
    """--out as a file (by its suffix) or a folder: an existing folder, or a path without
    a suffix when --leads is a folder. A folder's parts take the input's format."""
    name = display_path(out)
    if out.is_dir() and not is_folder(out):
        raise InputError(f"{name}: is a directory")
    if is_folder(out) or (inputs.folder and not out.suffix):
        if out.is_dir():
            others = [p.name for p in out.iterdir() if not _PART.fullmatch(p.name)]
            if others:
                raise InputError(
                    f"{name}: the folder holds other files than a run's parts "
                    f"('{sorted(others)[0]}'): --out FOLDER replaces the folder; give a new "
                    "or empty one"
                )
        fmt = inputs.format or "csv"
        return OutSpec(str(out.resolve()), name, fmt, True, max(len(inputs.leads), 1))
    suffix = _lead_format(out)
    if suffix == "parquet":
        _pyarrow()
    if not out.resolve().parent.is_dir():
        raise InputError(f"{name}: cannot write: No such file or directory")
    return OutSpec(str(out.resolve()), name, suffix, False, 1)


@dataclass
class OutPiece:
    """One file a writer made for an output part: the part's leads from one partition."""

    part: int
    path: str
    layout: tuple[str, ...]  # the columns after id (CSV/Parquet: its header's)
    rows: int
    head: int  # bytes before its first row (a CSV header)


class Staging:
    """A hidden folder beside a destination that a run writes into; :meth:`commit` moves
    the finished file or folder into place, :meth:`discard` removes everything."""

    def __init__(self, destination: Path, folder: Path) -> None:
        self.destination = destination
        self.folder = folder

    @classmethod
    def beside(cls, destination: str) -> Staging:
        """A new staging folder next to ``destination`` (the same file system: renames)."""
        dest = Path(destination)
        folder = dest.with_name(f".{dest.name}.camp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            folder.mkdir()
        except OSError as e:
            raise InputError(f"{display_path(dest)}: cannot write: {e.strerror}") from None
        return cls(dest, folder)

    @classmethod
    def at(cls, folder: str) -> Staging:
        """A staging folder another process made (a worker writing its pieces into it)."""
        return cls(Path(folder), Path(folder))

    def path(self, name: str) -> str:
        return str(self.folder / name)

    def commit(self, result: str) -> None:
        """Move ``result`` (a file or folder inside the staging folder) to the destination."""
        dest = self.destination
        try:
            if dest.is_dir():
                old = self.folder / ".replaced"
                os.replace(dest, old)
            os.replace(result, dest)
        except OSError as e:
            raise InputError(f"{display_path(dest)}: cannot write: {e.strerror}") from None
        finally:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _arrow_type(pa: Any, wanted: Type | None) -> Any:
    return {
        Type.NUMBER: pa.float64(),
        Type.BOOLEAN: pa.bool_(),
        Type.DATE: pa.date32(),
        Type.DATETIME: pa.timestamp("us"),
    }.get(wanted, pa.string())  # type: ignore[arg-type]


def _arrow_value(wanted: Type | None) -> Callable[[Value], Any]:
    if wanted is Type.TEXT:
        return lambda v: v if v is None or isinstance(v, str) else str(_cell(v))
    if wanted is Type.NUMBER:
        return lambda v: float(v) if isinstance(v, Decimal) else None
    if wanted is Type.BOOLEAN:
        return lambda v: v if isinstance(v, bool) else None
    if wanted is Type.DATE:
        return lambda v: v.date() if isinstance(v, _dt.datetime) else v
    if wanted is Type.DATETIME:
        return lambda v: (
            _dt.datetime.combine(v, _dt.time())
            if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime)
            else v
        )
    return lambda v: None if v is None else str(_cell(v))


def _first_layout(
    leads: Iterator[tuple[int, dict[str, Value]]], columns: list[str]
) -> tuple[tuple[str, ...], Iterator[tuple[int, dict[str, Value]]]]:
    """leadio's CSV header after id: the columns, then the first lead's other fields."""
    first = next(leads, None)
    if first is None:
        return tuple(columns), iter(())
    extra = [k for k in first[1] if k not in columns]

    def again() -> Iterator[tuple[int, dict[str, Value]]]:
        yield first
        yield from leads

    return (*columns, *extra), again()


def write_parquet(
    path: str,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type],
) -> tuple[int, tuple[str, ...]]:
    """Leads as Parquet: id (int64), then the columns as a CSV header would have them,
    each with the Arrow type of the schema's field type; row groups of ROW_GROUP rows."""
    pa, pq = _pyarrow()
    layout, leads = _first_layout(leads, columns)
    schema = pa.schema([("id", pa.int64()), *[(c, _arrow_type(pa, types.get(c))) for c in layout]])
    convert = [_arrow_value(types.get(c)) for c in layout]
    count = 0
    try:
        with pq.ParquetWriter(path, schema) as writer:
            batch: list[list[Any]] = [[] for _ in range(len(layout) + 1)]
            for lead_id, fields in leads:
                batch[0].append(lead_id)
                get = fields.get
                for j, c in enumerate(layout):
                    batch[j + 1].append(convert[j](get(c)))
                count += 1
                if len(batch[0]) == ROW_GROUP:
                    writer.write_table(pa.table(batch, schema=schema))
                    batch = [[] for _ in range(len(layout) + 1)]
            if batch[0]:
                writer.write_table(pa.table(batch, schema=schema))
    except (pa.ArrowException, OverflowError) as e:
        raise InputError(f"{display_path(Path(path))}: cannot write Parquet: {e}") from None
    return count, layout


def write_piece(
    fmt: str,
    path: str,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type],
) -> tuple[int, tuple[str, ...], int]:
    """Write leads as leadio (or the Parquet writer) writes a file: (rows, layout, head)."""
    if fmt == "parquet":
        rows, layout = write_parquet(path, leads, columns, types)
        return rows, layout, 0
    if fmt == "csv":
        layout, leads = _first_layout(leads, columns)
        rows = write_leads(Path(path), leads, columns, types)
        return rows, layout, _csv_head_size(layout)
    rows = write_leads(Path(path), leads, columns, types)
    return rows, tuple(columns), 0


def _csv_head_size(layout: Sequence[str]) -> int:
    """The bytes of the CSV header leadio writes for these columns after ``id``."""
    head = io.StringIO(newline="")
    csv.writer(head).writerow(["id", *layout])
    return len(head.getvalue().encode("utf-8"))


def write_parts(
    spec: OutSpec,
    staging: Staging,
    tag: str,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type],
    parts: Sequence[int],
    part_of: Callable[[int], int],
) -> list[OutPiece]:
    """Write leads into one piece per output part in ``parts`` (in order); ``part_of(i)``:
    the part of the ``i``-th lead (non-decreasing). A part without leads still gets its
    piece (a header-only CSV)."""
    it = iter(leads)
    pending: list[tuple[int, dict[str, Value]]] = []
    index = 0
    written: list[OutPiece] = []

    def belonging(part: int) -> Iterator[tuple[int, dict[str, Value]]]:
        nonlocal index
        while True:
            if not pending:
                nxt = next(it, None)
                if nxt is None:
                    return
                pending.append(nxt)
            if part_of(index) != part:
                return
            index += 1
            yield pending.pop()

    for n, part in enumerate(parts):
        path = staging.path(f"{tag}-{part:05d}{EXTENSIONS[spec.format]}")
        rows, layout, head = write_piece(
            spec.format,
            path,
            belonging(part) if n + 1 < len(parts) else _rest(belonging(part), pending, it),
            columns,
            types,
        )
        written.append(OutPiece(part, path, layout, rows, head))
    return written


def _rest(
    first: Iterator[tuple[int, dict[str, Value]]],
    pending: list[tuple[int, dict[str, Value]]],
    it: Iterator[tuple[int, dict[str, Value]]],
) -> Iterator[tuple[int, dict[str, Value]]]:
    """The last part takes every remaining lead (created leads come after the file's)."""
    yield from first
    yield from pending
    pending.clear()
    yield from it


# ---- assembling the pieces ----------------------------------------------------------------


def target_layouts(
    pieces: Sequence[OutPiece], parts: int, streaming: bool, columns: list[str]
) -> list[tuple[str, ...]]:
    """Each output part's columns after id, as the serial run writes them: streaming, the
    first lead's (leadio's header: columns, then that lead's other fields); otherwise
    every field any lead has, in order of appearance (the same for every part)."""
    if not streaming:
        union = tuple(dict.fromkeys([*columns, *(c for p in pieces for c in p.layout)]))
        return [union] * parts
    layouts: list[tuple[str, ...]] = []
    for part in range(parts):
        first = next((p for p in pieces if p.part == part and p.rows), None)
        layouts.append(first.layout if first is not None else tuple(columns))
    return layouts


def assemble(
    spec: OutSpec,
    staging: Staging,
    pieces: Sequence[OutPiece],
    streaming: bool,
    columns: list[str],
    types: dict[str, Type],
) -> str:
    """Join the pieces (in the serial order) into the output: each part's pieces laid out
    with the part's columns and concatenated. Returns the file or folder to commit."""
    layouts = target_layouts(pieces, spec.parts, streaming, columns)
    if spec.folder:
        result = staging.path("result")
        os.mkdir(result)
        names = [
            os.path.join(result, f"part-{k:05d}{EXTENSIONS[spec.format]}")
            for k in range(spec.parts)
        ]
    else:
        result = staging.path("result" + EXTENSIONS[spec.format])
        names = [result]
    for part, name in enumerate(names):
        mine = [p for p in pieces if p.part == part]
        for p in mine:
            if p.rows and p.layout != layouts[part]:
                relayout(spec.format, p, layouts[part], types)
        join(spec.format, mine, name)
    return result


def join(fmt: str, pieces: Sequence[OutPiece], path: str) -> None:
    """Concatenate pieces of one part into ``path``: the first one moved, the rows of the
    others appended (CSV without their header; a JSON array's brackets joined; Parquet
    re-batched into the same row groups a single writer makes)."""
    if not pieces:
        raise InputError(f"{display_path(Path(path))}: no rows were written for this part")
    if fmt == "parquet":
        _join_parquet(pieces, path)
        return
    if fmt == "json":
        _join_json(pieces, path)
        return
    concatenate([(pieces[0].path, 0), *((p.path, p.head) for p in pieces[1:] if p.rows)], path)


def concatenate(files: Sequence[tuple[str, int]], out: str) -> None:
    """Move the first file to ``out`` and append the others, each from its given offset
    (past a CSV header), in the kernel where it can."""
    os.replace(files[0][0], out)
    if len(files) == 1:
        return
    with open(out, "ab") as sink:
        for name, skip in files[1:]:
            with open(name, "rb") as src:
                copy_range(src, sink, skip, os.fstat(src.fileno()).st_size - skip)


def copy_range(src: IO[bytes], out: IO[bytes], offset: int, size: int) -> None:
    """Append ``size`` bytes of ``src`` from ``offset`` to ``out`` (in the kernel where it can)."""
    out.flush()
    left = size
    try:
        while left > 0:
            n = os.copy_file_range(src.fileno(), out.fileno(), left, offset)
            if n == 0:
                break
            offset += n
            left -= n
    except (AttributeError, OSError):
        pass
    if left > 0:
        src.seek(offset)
        copy_bytes(src, out, left)
    out.seek(0, os.SEEK_END)


def copy_bytes(src: IO[bytes], out: IO[bytes], size: int) -> None:
    """Copy the next ``size`` bytes of ``src`` to ``out``, 4 MiB at a time."""
    while size > 0:
        data = src.read(min(size, 1 << 22))
        if not data:
            return
        out.write(data)
        size -= len(data)


def _join_json(pieces: Sequence[OutPiece], path: str) -> None:
    bodies = []
    for p in pieces:
        text = Path(p.path).read_text(encoding="utf-8")
        if p.rows:
            bodies.append(text[1 : -len("\n]\n")])
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("[" + ",".join(bodies) + "\n]\n" if bodies else "[]\n")


def _join_parquet(pieces: Sequence[OutPiece], path: str) -> None:
    if len(pieces) == 1:
        os.replace(pieces[0].path, path)
        return
    pa, pq = _pyarrow()
    schema = pq.read_schema(pieces[0].path)
    with pq.ParquetWriter(path, schema) as writer:
        held: list[Any] = []
        rows = 0
        for p in pieces:
            with pq.ParquetFile(p.path) as f:
                for batch in f.iter_batches(batch_size=ROW_GROUP):
                    held.append(batch)
                    rows += batch.num_rows
                    while rows >= ROW_GROUP:
                        table = pa.Table.from_batches(held, schema=schema)
                        writer.write_table(table.slice(0, ROW_GROUP))
                        rest = table.slice(ROW_GROUP)
                        held, rows = rest.to_batches(), rest.num_rows
        if rows:
            writer.write_table(pa.Table.from_batches(held, schema=schema))


def relayout(fmt: str, piece: OutPiece, layout: tuple[str, ...], types: dict[str, Type]) -> None:
    """Rewrite a piece with other columns (missing ones empty), the bytes a writer given
    those columns makes: CSV cells and JSON values are moved as written, never re-typed."""
    tmp = piece.path + ".relayout"
    if fmt == "csv":
        with (
            open(piece.path, encoding="utf-8", newline="") as src,
            open(tmp, "w", encoding="utf-8", newline="") as out,
        ):
            reader = csv.reader(src)
            header = next(reader)
            where = [header.index(c) if c in header else -1 for c in ("id", *layout)]
            writer = csv.writer(out)
            writer.writerow(["id", *layout])
            for cells in reader:
                writer.writerow([cells[i] if i >= 0 else "" for i in where])
        piece.head = _csv_head_size(layout)
    elif fmt in ("jsonl", "json"):
        with (
            open(piece.path, encoding="utf-8") as src,
            open(tmp, "w", encoding="utf-8") as out,
        ):
            for line in src:
                body = line.rstrip("\n")
                if fmt == "json":
                    if body in ("[", "]", "[]"):
                        out.write(line)
                        continue
                    comma = body.endswith(",")
                    record = _relaid(body.strip().rstrip(","), layout)
                    out.write(f"  {record}{',' if comma else ''}\n")
                else:
                    out.write(_relaid(body, layout) + "\n")
    else:
        pa, pq = _pyarrow()
        table = pq.read_table(piece.path)
        arrays = [
            table.column(c)
            if c in table.column_names
            else pa.nulls(table.num_rows, type=_arrow_type(pa, types.get(c)))
            for c in ("id", *layout)
        ]
        fields = [
            table.schema.field(c) if c in table.column_names else pa.field(c, arr.type)
            for c, arr in zip(("id", *layout), arrays, strict=True)
        ]
        schema = pa.schema(fields)
        with pq.ParquetWriter(tmp, schema) as writer:
            whole_table = pa.table(arrays, schema=schema)
            for start in range(0, whole_table.num_rows, ROW_GROUP):
                writer.write_table(whole_table.slice(start, ROW_GROUP))
    os.replace(tmp, piece.path)
    piece.layout = layout


_DECODER = json.JSONDecoder()


def _relaid(record: str, layout: tuple[str, ...]) -> str:
    """A JSON record as json.dumps wrote it, with its keys (after id) in ``layout``."""
    values: dict[str, str] = {}
    i = 1
    while record[i] != "}":
        key, i = json.decoder.scanstring(record, i + 1)  # type: ignore[attr-defined]
        i += 2  # ': '
        _, end = _DECODER.raw_decode(record, i)
        values[key] = record[i:end]
        i = end
        if record[i] == ",":
            i += 2
    items = [f'"id": {values["id"]}']
    items += [f"{json.dumps(c, ensure_ascii=False)}: {values.get(c, 'null')}" for c in layout]
    return "{" + ", ".join(items) + "}"


# ---- a run's IO -----------------------------------------------------------------------------


@dataclass
class PartIO:
    """camp.runtime.run.LeadIO over :class:`Inputs`: a serial run over folders or
    Parquet, or one partition's pieces. --out goes into pieces in ``staging``, one per
    output part it covers; :func:`assemble` joins them."""

    inputs: Inputs
    pieces: list[Piece]
    out: OutSpec | None = None
    staging: Staging | None = None
    tag: str = "out"
    owns: Callable[[int], bool] | None = None
    keep_ids: bool = False
    reader: LeadReader = field(init=False)
    written: list[OutPiece] = field(default_factory=list)
    events: list[Event] | None = None

    def __post_init__(self) -> None:
        self.reader = LeadReader(self.inputs, self.pieces, self.owns, self.keep_ids)

    def read_leads(self, symbols: Symbols) -> Iterator[RawLead]:
        return self.reader.read(symbols)

    def read_events(self) -> list[Event]:
        if self.events is None:
            self.events = read_all_events(self.inputs)
        return self.events

    def input_columns(self) -> list[str]:
        return list(self.inputs.columns)

    def write_leads(
        self,
        leads: Iterator[tuple[int, dict[str, Value]]],
        columns: list[str],
        types: dict[str, Type],
    ) -> int:
        assert self.out is not None and self.staging is not None
        part_of: Callable[[int], int]
        if self.out.folder:
            parts = list(dict.fromkeys(p.source for p in self.pieces)) or [0]
            part_of = self.reader.source_of
        else:
            parts, part_of = [0], _zero
        self.written = write_parts(
            self.out, self.staging, self.tag, leads, columns, types, parts, part_of
        )
        return sum(p.rows for p in self.written)


def _zero(_: int) -> int:
    return 0
