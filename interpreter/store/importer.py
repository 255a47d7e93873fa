"""``camp db import``: leads from CSV, JSON or JSONL into a workspace, in one transaction.

Each row updates the lead with the same key (``--key id``: the ``id`` column;
``--key email``: the trimmed, case-insensitive e-mail address) or creates a
new one. As in a Marketo list import, an empty cell does not blank a value
the lead already has. New leads get the schema's defaults and are queued to
raise ``created`` at the start of the next run.

Input is strict: the first bad row (ragged, a value that does not fit the
schema, a bad date, a key seen twice, invalid UTF-8, malformed JSON) stops the
import with its file, row and reason, and nothing is written. With a rejects
file, good rows go in and each bad row goes to the rejects file (the input's
format, plus a ``reason`` column or key).
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from camp.checker.loader import InputError, display_path
from camp.runtime.leadio import Row, ScannedFile, Typer, _lead_id, file_format, scan_rows
from camp.store.base import CREATED, QueueEntry
from camp.store.codec import email_key
from camp.store.sqlite import SQLiteStore
from camp.types import Value

FLUSH = 1000


class BadRow(Exception):
    """A row that cannot be imported; the message is the reason."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    leads: int = 0  # in the workspace afterwards


def _reason(err: InputError, where: str) -> str:
    text = str(err)
    return text[len(where) + 2 :] if text.startswith(where + ": ") else text


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


class Rejects:
    """The rejects file: each bad row as it was read, plus why."""

    def __init__(self, path: Path, scanned: ScannedFile) -> None:
        self.path = path
        self.format = file_format(path)
        if self.format != scanned.format:
            raise InputError(
                f"--skip-bad-rows {display_path(path)}: the rejects file must have the input's "
                f"format (.{scanned.format})"
            )
        self.header = scanned.header or []
        self.key = "reason" if "reason" not in self.header else "reject_reason"
        self.tmp = path.with_name(path.name + ".tmp")
        try:
            self.handle: IO[str] = self.tmp.open("w", encoding="utf-8", newline="")
        except OSError as e:
            raise InputError(f"{display_path(path)}: cannot write: {e.strerror}") from None
        self.count = 0
        self.writer: Any = None
        if self.format == "csv":
            self.writer = csv.writer(self.handle)
            self.writer.writerow([*self.header, self.key])
        elif self.format == "json":
            self.handle.write("[")

    def add(self, row: Row, reason: str) -> None:
        self.count += 1
        if self.format == "csv":
            cells = list(row.raw) if isinstance(row.raw, list) else []
            cells += [""] * (len(self.header) - len(cells))
            self.writer.writerow([*cells, reason])
            return
        if isinstance(row.raw, dict):
            record = {**row.raw, self.key: reason}
        else:
            record = {"raw": row.raw, self.key: reason}
        text = json.dumps(record, ensure_ascii=False, default=_json_default)
        if self.format == "json":
            self.handle.write(("," if self.count > 1 else "") + "\n  " + text)
        else:
            self.handle.write(text + "\n")

    def finish(self) -> None:
        if self.format == "json":
            self.handle.write("\n]\n" if self.count else "]\n")
        self.handle.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


class _Import:
    def __init__(
        self,
        store: SQLiteStore,
        key: str,
        typer: Typer,
        schema: dict[str, str] | None,
        rejects: Rejects | None,
    ) -> None:
        self.store = store
        self.key = key
        self.typer = typer
        self.schema = schema
        self.rejects = rejects
        self.result = ImportResult()
        self.pending: list[tuple[int, dict[str, Value]]] = []
        self.created: list[QueueEntry] = []
        self.next_id = store.max_lead_id() + 1
        self.seq = store.seq()
        self.text = True  # CSV cells are text, typed by their look; JSON keeps its types

    def claim(self, kind: str, value: str, where: str, what: str) -> None:
        """Remember a key this file used; a second use is a bad row."""
        try:
            self.store.conn.execute(
                "INSERT INTO temp.import_keys (key, row) VALUES (?, ?)", (f"{kind}:{value}", where)
            )
        except sqlite3.IntegrityError:
            (first,) = self.store.conn.execute(
                "SELECT row FROM temp.import_keys WHERE key = ?", (f"{kind}:{value}",)
            ).fetchone()
            raise BadRow(f"duplicate {what} (also at {first})") from None

    def row(self, row: Row) -> None:
        if row.error is not None:
            raise BadRow(row.error)
        assert row.data is not None
        where = row.where
        try:
            raw_id = row.data.get("id")
            explicit = None if raw_id is None or raw_id == "" else _lead_id(raw_id, 0, where)
            fields = {
                name: self.typer.cell(name, raw, where, self.text)
                for name, raw in row.data.items()
                if name != "id"
            }
        except InputError as e:
            raise BadRow(_reason(e, where)) from None
        existing: dict[str, Value] | None = None
        if self.key == "email":
            key = email_key(fields.get("email"))
            if key is None:
                raise BadRow("no e-mail address to match on (--key email)")
            self.claim("email", key, where, f"e-mail address {key!r}")
            match = self.store.lead_by_email(key)
            if match is not None:
                lead_id, existing = match
                if explicit is not None and explicit != lead_id:
                    raise BadRow(
                        f"id {explicit} does not match lead {lead_id}, which has this e-mail address"
                    )
            elif explicit is not None:
                if self.store.lead_fields(explicit) is not None:
                    raise BadRow(f"lead {explicit} is in the workspace with another e-mail address")
                lead_id = explicit
            else:
                lead_id = self.next_id
        else:
            lead_id = explicit if explicit is not None else self.next_id
            if explicit is not None:
                existing = self.store.lead_fields(lead_id)
        self.claim("id", str(lead_id), where, f"lead id {lead_id}")
        self.next_id = max(self.next_id, lead_id + 1)
        if existing is None:
            for name, default in self.typer.defaults.items():
                if fields.get(name) is None:
                    fields[name] = default
            merged = fields
            self.result.created += 1
            self.seq += 1
            self.created.append(QueueEntry(self.seq, None, CREATED, lead_id, None, "created"))
        else:
            merged = existing
            for name, value in fields.items():
                if value is not None:  # an empty cell does not blank a value (as in Marketo)
                    merged[name] = value
            self.result.updated += 1
        self.pending.append((lead_id, merged))
        if len(self.pending) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        self.store.write_imported(self.pending)
        self.store.enqueue(self.created)
        self.pending, self.created = [], []

    def run(self, scanned: ScannedFile) -> ImportResult:
        conn = self.store.conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_keys (key TEXT PRIMARY KEY, row TEXT NOT NULL)"
        )
        conn.execute("DELETE FROM temp.import_keys")
        self.text = scanned.format == "csv"
        if self.schema:
            self.store.add_fields(self.schema, self.schema)
        if scanned.header:
            self.store.add_fields(scanned.header)
        for row in scanned.rows:
            self.result.rows += 1
            try:
                self.row(row)
            except BadRow as bad:
                if self.rejects is None:
                    raise InputError(f"{row.where}: {bad}") from None
                self.rejects.add(row, str(bad))
                self.result.rejected += 1
        self.flush()
        self.store.set_seq(self.seq)
        conn.execute("DELETE FROM temp.import_keys")
        self.result.leads = self.store.lead_count()
        return self.result


def import_leads(
    store: SQLiteStore,
    path: Path,
    key: str = "id",
    typer: Typer | None = None,
    schema: dict[str, str] | None = None,
    rejects_path: Path | None = None,
) -> ImportResult:
    """Import ``path`` into ``store`` in one transaction; raises InputError (nothing written)."""
    scanned = scan_rows(path)
    rejects = Rejects(rejects_path, scanned) if rejects_path is not None else None
    job = _Import(store, key, typer or Typer.by_look(), schema, rejects)
    try:
        with store.transaction():
            result = job.run(scanned)
    except BaseException:
        if rejects is not None:
            rejects.discard()
        raise
    if rejects is not None:
        rejects.finish()
    return result
