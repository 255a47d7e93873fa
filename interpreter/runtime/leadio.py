"""Reading leads and events, writing leads: CSV, JSON and JSONL (spec §7).

Bad input is an :class:`~camp.checker.loader.InputError` naming the file, the
row or line, and the reason; nothing is half-read silently.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Union

from camp.checker.loader import InputError, display_path
from camp.checker.symbols import BUILTIN_FIELDS, Symbols
from camp.runtime.values import EXPONENT_LIMIT, PRECISION, format_number, number_fits, to_json
from camp.types import Type, Value

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def json_text(raw: Any) -> str:
    """A raw value for a message: text in single quotes (as names are), other JSON values
    spelled as JSON (``true``, ``null``, ``1.5``), never as Python (``True``, ``None``)."""
    if isinstance(raw, str):
        return f"'{raw}'"
    if isinstance(raw, Decimal):
        return str(raw)
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)
    except ValueError:  # NaN/Infinity are not JSON
        return str(raw)


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{display_path(path)}: unknown file type '{path.suffix}': use .csv, .json or .jsonl"
        )
    return fmt


class Typer:
    """Turns raw cells into typed values by the schema (or by their look, without one)."""

    def __init__(self, symbols: Symbols) -> None:
        self.types = {n: f.type for n, f in symbols.fields.items()} if symbols.closed else {}
        self.defaults = {
            n: f.default
            for n, f in symbols.fields.items()
            if f.default is not None and not f.implicit
        }
        self._readers: dict[tuple[str, bool], Callable[[Any, str], Value]] = {}
        self._converters: dict[tuple[str, ...], Callable[[list[str]], dict[str, Value]]] = {}

    @classmethod
    def by_look(cls) -> Typer:
        """Without a schema: cells typed by their look, built-in defaults (``unsubscribed``)."""
        typer = cls.__new__(cls)
        typer.types = {}
        typer.defaults = {
            f.name: f.default for f in BUILTIN_FIELDS if f.default is not None and not f.implicit
        }
        typer._readers = {}
        typer._converters = {}
        return typer

    def column_reader(self, name: str, text: bool) -> Callable[[Any, str], Value]:
        """``cell`` for one column, specialised once by the column's type: text and number
        cells (nearly all of them) skip the generic path."""
        wanted = self.types.get(name)
        cell = self.cell
        if wanted is Type.TEXT:

            def text_cell(raw: Any, where: str) -> Value:
                if type(raw) is str:
                    return raw if raw != "" else None
                return cell(name, raw, where, text)

            return text_cell
        if wanted is Type.NUMBER:

            def number_cell(raw: Any, where: str) -> Value:
                if type(raw) is str and raw != "":
                    try:
                        return _number_text(raw)
                    except (ValueError, InvalidOperation, _Unusual):
                        pass  # cell() gives the value or the error
                return cell(name, raw, where, text)

            return number_cell
        return lambda raw, where: cell(name, raw, where, text)

    def cell(self, name: str, raw: Any, where: str, text: bool = True) -> Value:
        """One value: ``text`` cells (CSV) are typed by their look without a schema;
        JSON values keep their JSON types."""
        wanted = self.types.get(name)
        if raw is None or raw == "":
            return None
        if wanted is None:
            value = self.guess(raw) if text or not isinstance(raw, str) else raw
        else:
            try:
                value = self.convert(raw, wanted)
            except (ValueError, InvalidOperation):
                raise InputError(
                    f"{where}: field '{name}': {json_text(raw)} is not a valid {wanted}"
                ) from None
        if isinstance(value, Decimal) and not number_fits(value):
            raise InputError(
                f"{where}: field '{name}': {json_text(raw)} is not a number Camp holds exactly "
                f"(finite, at most {PRECISION} significant digits, exponent within "
                f"±{EXPONENT_LIMIT})"
            )
        return value

    @staticmethod
    def guess(raw: Any) -> Value:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, (int, float, Decimal)):
            return Decimal(str(raw))
        if isinstance(raw, str):
            text = raw.strip()
            if _NUMBER.fullmatch(text):
                return Decimal(text)
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            return raw
        if isinstance(raw, list):
            return tuple(Typer.guess(x) for x in raw)
        return json.dumps(raw)

    @staticmethod
    def convert(raw: Any, wanted: Type) -> Value:
        if wanted is Type.TEXT:
            return raw if isinstance(raw, str) else str(to_json(Typer.guess(raw)))
        if wanted is Type.NUMBER:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return Decimal(str(raw).strip())
        if wanted is Type.BOOLEAN:
            return raw if isinstance(raw, bool) else _boolean_text(str(raw))
        if wanted is Type.DATE:
            return _date_text(str(raw))
        return _datetime_text(str(raw))

    def row_converter(self, header: list[str]) -> Callable[[list[str]], dict[str, Value]]:
        key = tuple(header)
        convert = self._converters.get(key)
        if convert is None:
            convert = self._converters[key] = self._row_converter(header)
        return convert

    def _row_converter(self, header: list[str]) -> Callable[[list[str]], dict[str, Value]]:
        """One function for CSV rows under ``header`` (text cells, ``id`` left out) giving
        what :meth:`lead_fields` gives, generated once per file: each column's conversion
        chosen from the schema, the defaults folded in. It may raise on any cell it does
        not take as is (its errors name no row): the caller then types that row with
        :meth:`lead_fields`, which gives the value or the error naming the row."""
        readers = {
            Type.NUMBER: _number_text,
            Type.BOOLEAN: _boolean_text,
            Type.DATE: _date_text,
            Type.DATETIME: _datetime_text,
        }
        reader_of = {t: f"_{t}" for t in readers}  # a cell's type -> its reader's name
        namespace: dict[str, Any] = {reader_of[t]: f for t, f in readers.items()}
        namespace["_cell"] = self.cell
        names = [f"c{i}" for i in range(len(header))]
        entries: list[str] = []
        for i, name in enumerate(header):
            if name == "id":
                continue
            cell, key = names[i], repr(name)
            wanted = self.types.get(name)
            if wanted is Type.TEXT:
                value = f"{cell} or None"
            elif wanted in reader_of:
                value = f"{reader_of[wanted]}({cell}) if {cell} else None"
            else:  # typed by its look (no schema, or a column the schema lacks)
                value = f"_cell({key}, {cell}, '')"
            if name in self.defaults:
                namespace[f"D{i}"] = self.defaults[name]
                value = f"v if (v := ({value})) is not None else D{i}"
            entries.append(f"{key}: ({value})")
        for j, (name, default) in enumerate(self.defaults.items()):
            if name not in header:
                namespace[f"E{j}"] = default
                entries.append(f"{name!r}: E{j}")
        unpack = f"{', '.join(names)}, = cells" if names else "pass"
        source = f"def convert(cells):\n    {unpack}\n    return {{{', '.join(entries)}}}\n"
        exec(compile(source, "<camp row reader>", "exec"), namespace)
        convert: Callable[[list[str]], dict[str, Value]] = namespace["convert"]
        return convert

    def lead_fields(self, row: dict[str, Any], where: str, text: bool = True) -> dict[str, Value]:
        fields: dict[str, Value] = {}
        readers = self._readers
        for name, raw in row.items():
            if name == "id":
                continue
            read = readers.get((name, text))
            if read is None:
                read = readers[name, text] = self.column_reader(name, text)
            fields[name] = read(raw, where)
        for name, default in self.defaults.items():
            if fields.get(name) is None:
                fields[name] = default
        return fields


_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _boolean_text(raw: str) -> bool:
    try:
        return _BOOLEANS[raw.strip().lower()]
    except KeyError:
        raise ValueError(raw) from None


def _date_text(raw: str) -> _dt.date:
    text = raw.strip()
    if len(text) > 10 and text[10] in "T ":
        return _dt.date.fromisoformat(text[:10])
    return _dt.date.fromisoformat(text)


def _datetime_text(raw: str) -> _dt.datetime:
    parsed = _dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=None)


class _Unusual(Exception):
    """A cell the row reader does not take as is (see :meth:`Typer.row_converter`)."""


def _number_text(raw: str) -> Decimal:
    """A number cell that is short, finite and in range (exact without counting its
    digits, as :func:`number_fits`); anything else raises (the generic path decides)."""
    d = Decimal(raw.strip())
    if (
        len(raw) <= PRECISION
        and d.is_finite()
        and -EXPONENT_LIMIT <= d.adjusted() <= EXPONENT_LIMIT
    ):
        return d
    raise _Unusual(raw)


class IdSet:
    """Lead ids seen so far, for duplicate checks: a bitmap (an eighth of a byte per id
    up to the largest id) rather than a set (about 60 bytes per id), so memory does not
    grow with the number of leads streamed. Very large ids fall back to a set."""

    _BITMAP_LIMIT = 1 << 28  # ids below this live in the bitmap (at most 32 MiB)

    def __init__(self) -> None:
        self._bits = bytearray()
        self._large: set[int] = set()

    def __contains__(self, lead_id: int) -> bool:
        if lead_id >= self._BITMAP_LIMIT:
            return lead_id in self._large
        byte = lead_id >> 3
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << (lead_id & 7)))

    def add(self, lead_id: int) -> None:
        if lead_id >= self._BITMAP_LIMIT:
            self._large.add(lead_id)
            return
        byte = lead_id >> 3
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        self._bits[byte] |= 1 << (lead_id & 7)


@dataclass
class RawLead:
    id: int
    fields: dict[str, Value]


def read_leads(path: Path, symbols: Symbols) -> Iterator[RawLead]:
    """Stream leads from a file, typed by the schema. Ids: the `id` column, else 1..N.

    The first bad row ends the read with an :class:`InputError` naming it (the
    workspace import reads the same rows with :func:`scan_rows` and may skip them).
    """
    for lead_id, fields in iter_leads(path, symbols):
        yield RawLead(lead_id, fields)


def iter_leads(path: Path, symbols: Symbols) -> Iterator[tuple[int, dict[str, Value]]]:
    """:func:`read_leads` as ``(id, fields)`` pairs."""
    typer = Typer(symbols)
    seen = IdSet()
    fmt, name, handle = _open_lead_file(path)
    if fmt == "csv":
        header, records = _open_csv(handle, name)
        yield from csv_leads(records, header, name, typer, seen)
        return
    for n, row in enumerate(_json_rows(fmt, name, handle), start=1):
        lead_id = row_lead_id(row, n, seen)
        assert row.data is not None
        yield lead_id, typer.lead_fields(row.data, row.where, False)


def row_lead_id(row: Row, n: int, seen: IdSet) -> int:
    """The id of the ``n``-th scanned row (its ``id`` cell, else ``n``), added to ``seen``;
    an :class:`InputError` naming the row for a bad row or an id seen before."""
    if row.data is None:
        raise InputError(f"{row.where}: {row.error}")
    lead_id = _lead_id(row.data.get("id"), n, row.where)
    if lead_id in seen:
        raise InputError(f"{row.where}: duplicate lead id {lead_id}")
    seen.add(lead_id)
    return lead_id


def csv_leads(
    records: Iterable[CsvRecord],
    header: list[str],
    name: str,
    typer: Typer,
    seen: IdSet,
    rows_before: int = 0,
    owns: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, dict[str, Value]]]:
    """CSV leads through one generated row reader (:meth:`Typer.row_converter`); a row it
    does not take as is goes through :meth:`Typer.lead_fields`, which has the last word.
    A row without an id is lead ``rows_before`` + its number. With ``owns`` (a hash
    partition), the leads it does not accept are checked but not typed (no fields)."""
    convert = typer.row_converter(header)
    id_column = header.index("id") if "id" in header else None
    for n, (line, cells, error) in enumerate(records, start=rows_before + 1):
        if error is not None:
            raise InputError(f"{name}:{line}: {error}")
        raw_id = cells[id_column] if id_column is not None else ""
        if raw_id.isascii() and raw_id.isdigit():
            lead_id = int(raw_id)
        else:
            lead_id = _lead_id(raw_id, n, f"{name}:{line}")
        if lead_id in seen:
            raise InputError(f"{name}:{line}: duplicate lead id {lead_id}")
        seen.add(lead_id)
        if owns is not None and not owns(lead_id):
            yield lead_id, {}
            continue
        try:
            fields = convert(cells)
        except Exception:  # the generic path below decides
            fields = typer.lead_fields(dict(zip(header, cells, strict=True)), f"{name}:{line}")
        yield lead_id, fields


def _lead_id(raw: Any, n: int, where: str) -> int:
    if raw is None or raw == "":
        return n
    try:
        value = Decimal(str(raw).strip())
        if value != value.to_integral_value() or value < 0:
            raise InvalidOperation
        return int(value)
    except InvalidOperation:
        raise InputError(f"{where}: lead id {json_text(raw)} is not a whole number") from None


@dataclass
class Event:
    time: _dt.datetime
    type: str
    lead: int | None
    name: str
    fields: dict[str, Any]
    where: str


EVENT_TYPES = ("form", "page", "click", "event", "created")
EVENT_KEYS = ("time", "type", "lead", "name")
CREATED_KEYS = ("time", "type", "fields", "id")


def read_events(path: Path, name: str | None = None) -> list[Event]:
    """The events of a JSONL file; ``name`` names it in messages (else its path as shown)."""
    name = name or display_path(path)
    events: list[Event] = []
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not an events file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not valid UTF-8 text") from None
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror}") from None
    if not text.strip():
        raise InputError(
            f"{name}: the events file is empty (one JSON object per line: "
            '{"time": ..., "lead": ..., "type": ..., "name": ...})'
        )
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{i}"
        try:
            obj = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}:{e.colno}: malformed JSON: {e.msg}") from None
        events.append(event_from_object(obj, where))
    return events


def event_from_object(obj: Any, where: str) -> Event:
    """One event from its JSON-like object (a JSONL line, a Parquet row), checked;
    ``where`` names it in errors ("events.jsonl:3", "events.parquet: row 3")."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    etype = obj.get("type")
    if etype not in EVENT_TYPES:
        raise InputError(
            f"{where}: event type {json_text(etype)} is not one of {', '.join(EVENT_TYPES)}"
        )
    try:
        time = _dt.datetime.fromisoformat(str(obj.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{where}: 'time' {json_text(obj.get('time'))} is not an ISO date-time"
        ) from None
    time = time.replace(tzinfo=None)
    keys = CREATED_KEYS if etype == "created" else EVENT_KEYS
    unknown = [k for k in obj if k not in keys]
    if unknown:
        raise InputError(
            f"{where}: unknown key {json_text(unknown[0])} in a {json_text(etype)} event "
            f"(its keys: {', '.join(keys)})"
        )
    if etype == "created":
        fields = obj.get("fields")
        if not isinstance(fields, dict):
            raise InputError(f"{where}: a 'created' event needs \"fields\": {{...}}")
        if "id" in obj:  # the new lead's id, beside its fields or among them
            if "id" in fields and fields["id"] != obj["id"]:
                raise InputError(
                    f"{where}: the event's \"id\" {json_text(obj['id'])} and its fields' "
                    f'"id" {json_text(fields["id"])} differ'
                )
            fields = {**fields, "id": obj["id"]}
        return Event(time, etype, None, "", fields, where)
    lead = obj.get("lead")
    if lead is None:
        raise InputError(f"{where}: event has no 'lead'")
    lead_id = _lead_id(lead, 0, where)
    name_value = obj.get("name")
    if not isinstance(name_value, str):
        raise InputError(f'{where}: event needs a "name" (the form, page, email or event)')
    return Event(time, etype, lead_id, name_value, {}, where)


def write_leads(
    path: Path,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type] | None = None,
) -> int:
    """Write leads (``id`` first, then ``columns``, then any other field seen); returns the count.
    ``types`` (the schema's, if any) picks each CSV column's formatter once."""
    types = types or {}
    fmt = file_format(path)
    if path.is_dir():
        raise InputError(f"{display_path(path)}: is a directory")
    tmp = temporary_path(path)
    try:
        out = tmp.open("w", encoding="utf-8", newline="")
    except OSError as e:
        raise InputError(f"{display_path(path)}: cannot write: {e.strerror}") from None
    try:
        with out:
            count = _write_leads(out, fmt, leads, columns, types)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{display_path(path)}: cannot write: {e.strerror}") from None
    return count


def temporary_path(path: Path) -> Path:
    """Where a result file is written before it is renamed over ``path`` (same folder, so
    the rename is atomic): a failed run never leaves a half-written file."""
    return path.with_name(f".{path.name}.tmp")


def _write_leads(
    out: IO[str],
    fmt: str,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type],
) -> int:
    count = 0
    if fmt == "csv":
        writer: Any = None
        for lead_id, fields in leads:
            if writer is None:
                extra = [k for k in fields if k not in columns]
                header = ["id", *columns, *extra]
                writer = csv.writer(out)
                writer.writerow(header)
                row = _row_formatter(header[1:], types)
            writer.writerow(row(lead_id, fields))
            count += 1
        if writer is None:
            csv.writer(out).writerow(["id", *columns])
    elif fmt == "jsonl":
        for lead_id, fields in leads:
            out.write(json.dumps(_record(lead_id, fields, columns), ensure_ascii=False) + "\n")
            count += 1
    else:
        out.write("[")
        for lead_id, fields in leads:
            out.write(",\n  " if count else "\n  ")
            out.write(json.dumps(_record(lead_id, fields, columns), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    return count


def _cell(value: Value) -> Any:
    v = to_json(value)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    return v


def _row_formatter(
    columns: list[str], types: dict[str, Type]
) -> Callable[[int, dict[str, Value]], tuple[Any, ...]]:
    """One function giving a lead's CSV cells (``id``, then ``columns``), generated once
    per file: each column's formatter chosen from the schema, with exact-type fast paths
    (text as is, numbers through a per-file memo of :func:`format_number`: its text
    depends only on the number's value) and :func:`_cell` for everything else."""
    memo: dict[Decimal, str] = {}

    def number_text(d: Decimal) -> str:
        if len(memo) >= 4096:  # bounded: memory stays flat however many leads
            memo.clear()
        text = memo[d] = format_number(d)
        return text

    namespace: dict[str, Any] = {
        "_cell": _cell,
        "Decimal": Decimal,
        "_memo": memo.get,
        "_number": number_text,
        "_date": _dt.date,
        "_datetime": _dt.datetime,
    }
    cells = []
    for c in columns:
        get = f"(v := get({c!r}))"
        wanted = types.get(c)
        if wanted is Type.TEXT:
            cells.append(f"(v if type{get} is str else '' if v is None else _cell(v))")
        elif wanted is Type.NUMBER:
            cells.append(
                f"((_memo(v) or _number(v)) if type{get} is Decimal "
                "else '' if v is None else _cell(v))"
            )
        elif wanted is Type.BOOLEAN:
            cells.append(f"('true' if {get} is True else 'false' if v is False else _cell(v))")
        elif wanted is Type.DATE:
            cells.append(f"(v.isoformat() if type{get} is _date else _cell(v))")
        elif wanted is Type.DATETIME:
            cells.append(
                f"(v.isoformat(timespec='seconds') if type{get} is _datetime else _cell(v))"
            )
        else:
            cells.append(f"_cell(get({c!r}))")
    source = (
        "def row(lead_id, fields):\n"
        "    get = fields.get\n"
        f"    return (lead_id, {''.join(f'{cell}, ' for cell in cells)})\n"
    )
    exec(compile(source, "<camp row writer>", "exec"), namespace)
    row: Callable[[int, dict[str, Value]], tuple[Any, ...]] = namespace["row"]
    return row


def _record(lead_id: int, fields: dict[str, Value], columns: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": lead_id}
    for c in columns:
        record[c] = to_json(fields.get(c))
    for k, v in fields.items():
        if k not in record:
            record[k] = to_json(v)
    return record


# ---- row-level scanning (lead imports: report or skip each bad row) -------------------


@dataclass
class Row:
    """One data row of a lead file: parsed (``data``) or bad (``error``, the reason)."""

    where: str  # "leads.csv:7", "leads.jsonl:3", "leads.json: item 4"
    data: dict[str, Any] | None
    error: str | None
    raw: Any  # CSV: the cells (list of str); JSON: the item; JSONL: the line's text


@dataclass
class ScannedFile:
    format: str  # csv, json, jsonl
    header: list[str] | None  # CSV only
    rows: Iterator[Row]


def scan_rows(path: Path) -> ScannedFile:
    """Read a lead file row by row, without stopping at a bad row.

    A bad row (ragged CSV row, invalid UTF-8 on its lines, malformed JSONL line,
    an item that is not an object) comes back as a :class:`Row` with ``error``
    set. What spoils the whole file (unreadable, unknown type, malformed JSON
    array, bad CSV header) raises :class:`InputError` at once.
    """
    fmt, name, handle = _open_lead_file(path)
    if fmt != "csv":
        return ScannedFile(fmt, None, _json_rows(fmt, name, handle))
    header, records = _open_csv(handle, name)
    return ScannedFile(fmt, header, _scan_csv(records, header, name))


def _json_rows(fmt: str, name: str, handle: IO[bytes]) -> Iterator[Row]:
    if fmt == "json":
        with handle:
            data = handle.read()
        return _scan_json(data, name)
    return _scan_jsonl(handle, name)


def _open_lead_file(path: Path) -> tuple[str, str, IO[bytes]]:
    """A lead file's format, its name for messages, and the file opened."""
    fmt = file_format(path)
    name = display_path(path)
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a lead file")
    try:
        return fmt, name, path.open("rb")
    except OSError as e:
        raise InputError(f"{name}: cannot read: {e.strerror}") from None


# One CSV data row: (its last line, its cells, why it is bad or None).
CsvRecord = tuple[int, list[str], Union[str, None]]


def _open_csv(handle: IO[bytes], name: str) -> tuple[list[str], Iterator[CsvRecord]]:
    """A CSV lead file's header (checked) and its data rows; raises :class:`InputError`
    for what spoils the whole file."""
    bad_lines: dict[int, str] = {}
    lines = _decoded_lines(handle, bad_lines)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as e:
        handle.close()
        raise InputError(f"{name}:1: malformed CSV header: {_csv_reason(e)}") from None
    if header is None:
        handle.close()
        raise InputError(f"{name}: the file is empty: a CSV lead file needs a header row")
    if 1 in bad_lines:
        handle.close()
        raise InputError(f"{name}:1: the header is {bad_lines[1]}")
    header = [h.strip() for h in header]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    seen: set[str] = set()
    for i, h in enumerate(header, start=1):
        if not h:
            handle.close()
            raise InputError(f"{name}:1: column {i} of the header has no name")
        if h in seen:
            handle.close()
            raise InputError(f"{name}:1: duplicate column name '{h}' in the header")
        seen.add(h)
    return header, _csv_records(handle, reader, len(header), bad_lines)


def _csv_reason(e: csv.Error) -> str:
    text = str(e)
    if "unexpected end of data" in text:
        return "a quoted cell is not closed (its '\"' runs to the end of the file)"
    return text


def _decoded_lines(lines: Iterable[bytes], bad: dict[int, str], first: int = 1) -> Iterator[str]:
    """Lines as text, numbered from ``first``; one that is not UTF-8 is noted in ``bad``."""
    for number, line in enumerate(lines, start=first):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as e:
            bad[number] = f"not valid UTF-8 text (byte {e.start + 1} of the line)"
            yield line.decode("utf-8", errors="replace")


def _csv_records(
    handle: IO[bytes], reader: Any, width: int, bad_lines: dict[int, str]
) -> Iterator[CsvRecord]:
    with handle:
        last = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                line = last + 1
                last = reader.line_num
                yield line, [], f"malformed CSV: {_csv_reason(e)}"
                continue
            first, last = last + 1, reader.line_num
            if bad_lines:
                bad = next((bad_lines[n] for n in range(first, last + 1) if n in bad_lines), None)
                if bad is not None:
                    yield last, cells, bad
                    continue
            if not cells or cells == [""]:
                continue
            if len(cells) != width:
                yield last, cells, f"row has {len(cells)} cells, the header has {width}"
            else:
                yield last, cells, None


def _scan_csv(records: Iterator[CsvRecord], header: list[str], name: str) -> Iterator[Row]:
    for line, cells, error in records:
        where = f"{name}:{line}"
        if error is not None:
            yield Row(where, None, error, cells)
        else:
            yield Row(where, dict(zip(header, cells, strict=True)), None, cells)


def _scan_json(data: bytes, name: str) -> Iterator[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"{name}:{line}: not valid UTF-8 text (byte {e.start + 1})") from None
    try:
        items = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise InputError(f"{name}:{e.lineno}:{e.colno}: malformed JSON: {e.msg}") from None
    if not isinstance(items, list):
        raise InputError(f"{name}: expected a JSON array of lead objects")
    for i, obj in enumerate(items, start=1):
        where = f"{name}: item {i}"
        if isinstance(obj, dict):
            yield Row(where, obj, None, obj)
        else:
            yield Row(where, None, "the item is not an object", obj)


def _scan_jsonl(handle: IO[bytes], name: str, first: int = 1) -> Iterator[Row]:
    """``first``: the number of the handle's first line (a partition reads from mid-file)."""
    with handle:
        for i, line in enumerate(handle, start=first):
            where = f"{name}:{i}"
            try:
                text = line.decode("utf-8-sig" if i == 1 else "utf-8")
            except UnicodeDecodeError as e:
                raw = line.decode("utf-8", errors="replace").rstrip("\r\n")
                yield Row(
                    where, None, f"not valid UTF-8 text (byte {e.start + 1} of the line)", raw
                )
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError as e:
                yield Row(
                    where, None, f"malformed JSON: {e.msg} (column {e.colno})", text.rstrip("\r\n")
                )
                continue
            if not isinstance(obj, dict):
                yield Row(where, None, "expected a JSON object", text.rstrip("\r\n"))
                continue
            yield Row(where, obj, None, obj)
