"""A lead workspace in one SQLite file (stdlib ``sqlite3``, no server).

The file is in WAL mode (readers such as ``camp log`` never block a run), its
layout version is ``PRAGMA user_version``, and opening an older file migrates
it forward through :data:`MIGRATIONS` in one transaction. Writers (``camp run
--db``, ``camp db import``) hold an exclusive lock on ``DB.lock``
(:class:`WorkspaceLock`), so a second one refuses at once.

Tables (version 2):

- ``meta(key, value)``: ``format``, the simulation ``clock``, the queue ``seq``;
- ``fields(name, position, type)``: every field seen, in schema/first-seen order;
- ``leads(id, email_key, data, runs, steps, steps_run)``: ``data`` is the typed
  JSON of :mod:`camp.store.codec`; ``email_key`` the trimmed, case-folded e-mail;
  ``runs`` the campaigns' last runs the qualification rules read, as JSON
  ``{time: [campaign, ...]}`` (read one lead at a time, so it lives in the row); ``steps`` the lead's step count
  in run ``steps_run`` (R204 counts per run);
- ``lists(key, name)``, ``list_members(list_key, lead_id)``: static lists;
- ``program_members(lead_id, program, status)``: program membership and status;
- ``activities(seq, run_id, lead_id, time, type, campaign, attrs)`` and
  ``activity_counts(type, n)``: the log (``attrs`` is the JSON of the
  attributes beyond lead, time, type and campaign);
- ``queue(seq, time, kind, lead_id, campaign, trigger, cascade, position, payload)``;
- ``runs(...)``: one row per ``camp run``, with its progress cursor.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from camp.checker.loader import display_path
from camp.parallel import partition_of
from camp.runtime.world import Lead
from camp.store.base import (
    CREATED,
    NEW_LEAD,
    RESUME,
    ActivityQuery,
    ActivityRow,
    QueueEntry,
    RunRecord,
    WorkspaceError,
    activity_record,
)
from camp.store.codec import (
    decode_fields,
    dumps_json,
    email_key,
    encode_fields,
    parse_time,
    time_text,
)
from camp.types import Value

FORMAT = "camp-workspace"


# ---- schema and migrations ------------------------------------------------------------

#: The first layout, kept verbatim: migrations start from it, tests build fixtures with it.
V1_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE leads (id INTEGER PRIMARY KEY, email_key TEXT, data TEXT NOT NULL);
CREATE INDEX leads_email ON leads (email_key);
CREATE TABLE list_members (
  list_key TEXT NOT NULL, lead_id INTEGER NOT NULL, PRIMARY KEY (list_key, lead_id)
) WITHOUT ROWID;
CREATE INDEX list_members_lead ON list_members (lead_id);
CREATE TABLE program_members (
  lead_id INTEGER NOT NULL, program TEXT NOT NULL, status TEXT NOT NULL,
  PRIMARY KEY (lead_id, program)
) WITHOUT ROWID;
CREATE TABLE campaign_runs (
  lead_id INTEGER NOT NULL, campaign TEXT NOT NULL, last_run TEXT NOT NULL,
  PRIMARY KEY (lead_id, campaign)
) WITHOUT ROWID;
CREATE TABLE activities (
  seq INTEGER PRIMARY KEY, lead_id INTEGER NOT NULL, time TEXT NOT NULL,
  type TEXT NOT NULL, campaign TEXT NOT NULL, attrs TEXT NOT NULL
);
CREATE INDEX activities_lead ON activities (lead_id);
CREATE TABLE queue (
  seq INTEGER PRIMARY KEY, time TEXT, kind TEXT NOT NULL, lead_id INTEGER NOT NULL,
  campaign TEXT, trigger TEXT NOT NULL DEFAULT '', position TEXT, payload TEXT
);
CREATE INDEX queue_due ON queue (time, seq);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY, program TEXT NOT NULL, options TEXT NOT NULL,
  start TEXT NOT NULL, until TEXT, status TEXT NOT NULL, phase INTEGER NOT NULL,
  cursor INTEGER NOT NULL, stats TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('format', 'camp-workspace');
"""

V2_DDL = """
ALTER TABLE leads ADD COLUMN runs TEXT NOT NULL DEFAULT '{}';
ALTER TABLE leads ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN steps_run INTEGER NOT NULL DEFAULT 0;
CREATE TABLE fields (name TEXT PRIMARY KEY, position INTEGER NOT NULL, type TEXT);
CREATE TABLE lists (key TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX program_members_program ON program_members (program, status);
ALTER TABLE activities ADD COLUMN run_id INTEGER;
CREATE INDEX activities_type ON activities (type);
CREATE INDEX activities_campaign ON activities (campaign);
CREATE TABLE activity_counts (type TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO activity_counts (type, n) SELECT type, count(*) FROM activities GROUP BY type;
ALTER TABLE queue ADD COLUMN cascade INTEGER NOT NULL DEFAULT 0;
CREATE INDEX queue_lead ON queue (lead_id);
ALTER TABLE runs ADD COLUMN digest TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN max_lead INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN now TEXT;
ALTER TABLE runs ADD COLUMN started_at TEXT;
ALTER TABLE runs ADD COLUMN finished_at TEXT;
UPDATE runs SET max_lead = (SELECT coalesce(max(id), 0) FROM leads), now = start
  WHERE status = 'running';
"""


def _statements(ddl: str) -> list[str]:
    return [s.strip() for s in ddl.split(";") if s.strip()]


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _statements(V1_DDL):
        conn.execute(statement)


def _v2(conn: sqlite3.Connection) -> None:
    for statement in _statements(V2_DDL):
        conn.execute(statement)
    # Last runs per campaign move into the lead's row.
    runs: dict[int, dict[str, list[str]]] = {}
    for lead_id, campaign, last in conn.execute(
        "SELECT lead_id, campaign, last_run FROM campaign_runs ORDER BY lead_id, campaign"
    ):
        runs.setdefault(lead_id, {}).setdefault(last, []).append(campaign)
    conn.executemany(
        "UPDATE leads SET runs = ? WHERE id = ?",
        [(json.dumps(r, separators=(",", ":")), i) for i, r in runs.items()],
    )
    conn.execute("DROP TABLE campaign_runs")
    # The field registry, in first-seen order over the leads.
    seen: dict[str, None] = {}
    for (data,) in conn.execute("SELECT data FROM leads ORDER BY id"):
        for name in decode_fields(data):
            seen.setdefault(name, None)
    conn.executemany(
        "INSERT INTO fields (name, position) VALUES (?, ?)",
        [(name, i) for i, name in enumerate(seen)],
    )
    # Static lists: display names from the log where it has them, else the key.
    names: dict[str, str] = {}
    for (attrs,) in conn.execute(
        "SELECT attrs FROM activities WHERE type = 'Add to List' ORDER BY seq"
    ):
        name = json.loads(attrs).get("list")
        if isinstance(name, str):
            names.setdefault(name.casefold(), name)
    for (key,) in conn.execute("SELECT DISTINCT list_key FROM list_members"):
        names.setdefault(key, key)
    conn.executemany("INSERT INTO lists (key, name) VALUES (?, ?)", sorted(names.items()))


@dataclass(frozen=True)
class Migration:
    version: int  # the version the workspace has after this step
    description: str
    apply: Callable[[sqlite3.Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "leads, lists, programs, activity log, queue, runs", _v1),
    Migration(
        2,
        "field registry, list names, last runs in the lead's row, per-run step counts, "
        "activity indexes and counts, trigger cascade depth in the queue, run digests and cursors",
        _v2,
    ),
)
VERSION = MIGRATIONS[-1].version


# ---- the writer lock -------------------------------------------------------------------


class WorkspaceLock:
    """An exclusive, non-blocking ``flock`` on ``DB.lock``: one writer per workspace.

    The kernel drops the lock when the process dies (even by SIGKILL), so a
    crashed run never leaves the workspace locked.
    """

    def __init__(self, db: Path) -> None:
        self.path = Path(str(db) + ".lock")
        self.fd: int | None = None
        self.db = db

    def acquire(self, what: str) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            who = f" ({holder})" if holder else ""
            raise WorkspaceError(
                f"{display_path(self.db)}: the workspace is in use by another camp process{who}; "
                f"one run or import at a time: try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {what}".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


# ---- the store -------------------------------------------------------------------------

_EMPTY: tuple[frozenset[str], dict[str, str]] = (frozenset(), {})
_CHUNK = 500  # ids per IN (...) query


#: A queue entry as stored: (seq, time, kind, lead id, campaign, trigger, cascade,
#: position JSON, payload JSON).
QueueRow = tuple[int, str | None, str, int, str | None, str, int, str | None, str | None]


#: A lead as the store writes it, encoded where the lead ran (a partitioned run's worker
#: makes these; the writer compares them with the stored rows and writes the
#: differences, as :meth:`SQLiteStore.save_leads` does for leads in memory):
#: (id, e-mail key, fields as typed JSON, last runs as JSON, the run's step count,
#: static lists, program statuses, the field names when some may be new to the store
#: (else None), force: written even when unchanged, as typed by the schema in this run).
LeadRow = tuple[
    int, str | None, str, str, int, frozenset[str], dict[str, str], tuple[str, ...] | None, bool
]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteStore:
    """The :class:`camp.store.base.Store` of a workspace file."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._depth = 0
        # Whether loading a lead keeps what it was (below), to write only its changes: not
        # for a store that never saves the leads it loads (a worker's, the REPL's).
        self.tracking = True
        # What each loaded lead's lists and statuses were, to write only changes.
        self._snap: dict[int, tuple[frozenset[str], dict[str, str]]] = {}
        self._rows: dict[int, tuple[str, str, int]] = {}  # loaded (data, runs, steps)
        self._times: dict[str, _dt.datetime] = {}  # run times by their text, parsed once
        self._texts: dict[_dt.datetime, str] = {}  # and their text, made once
        self._fields: dict[str, None] | None = None
        # Loaded leads the program's schema changed (see `admit`): written even unchanged.
        self._forced: set[int] = set()

    # ---- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, create: bool = False) -> SQLiteStore:
        name = display_path(path)
        if path.is_dir():
            raise WorkspaceError(f"{name}: is a directory, not a workspace file")
        if not path.exists() and not create:
            raise WorkspaceError(
                f"{name}: no such workspace (create one with `camp db import {name} LEADS`)"
            )
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        except sqlite3.Error as e:
            raise WorkspaceError(f"{name}: cannot open: {e}") from None
        store = cls(path, conn)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-32768")
            store._migrate(create)
        except sqlite3.DatabaseError as e:
            conn.close()
            raise WorkspaceError(f"{name}: not a Camp workspace ({e})") from None
        except WorkspaceError:
            conn.close()
            raise
        return store

    @classmethod
    def open_reader(cls, path: Path) -> SQLiteStore:
        """A read-only connection to a workspace another process of this run writes (a
        partitioned run's worker): it sees each commit as it happens (WAL)."""
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30
            )
            conn.execute("PRAGMA query_only=1")
            conn.execute("PRAGMA cache_size=-16384")
            conn.create_function("camp_part", 2, partition_of, deterministic=True)
        except sqlite3.Error as e:
            raise WorkspaceError(f"{display_path(path)}: cannot open: {e}") from None
        store = cls(path, conn)
        store.tracking = False  # the writer compares with the stored rows itself
        return store

    def close(self) -> None:
        self.conn.close()

    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, create: bool) -> None:
        name = display_path(self.path)
        version = self.version()
        if version == 0:
            tables = self.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables:
                raise WorkspaceError(
                    f"{name}: not a Camp workspace (an SQLite file of another kind)"
                )
            if not create:
                raise WorkspaceError(f"{name}: not a Camp workspace (an empty file)")
        elif version > VERSION:
            raise WorkspaceError(
                f"{name}: the workspace has layout version {version}, newer than this camp "
                f"knows ({VERSION}): upgrade camp"
            )
        else:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != FORMAT:
                raise WorkspaceError(f"{name}: not a Camp workspace")
        if version == VERSION:
            return
        with self.transaction():
            version = self.version()  # another process may have migrated meanwhile
            for step in MIGRATIONS:
                if step.version > version:
                    step.apply(self.conn)
                    self.conn.execute(f"PRAGMA user_version = {step.version}")

    # ---- transactions -----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise WorkspaceError(
                f"{display_path(self.path)}: cannot write to the workspace ({e}): "
                "is another program using it?"
            ) from None
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            self._snap.clear()
            self._rows.clear()
            self._forced.clear()
            self._fields = None
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    # ---- meta ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def clock(self) -> _dt.datetime | None:
        return parse_time(self.meta("clock"))

    def set_clock(self, when: _dt.datetime) -> None:
        self.set_meta("clock", time_text(when))

    def seq(self) -> int:
        stored = self.meta("seq")
        top = self.conn.execute("SELECT coalesce(max(seq), 0) FROM queue").fetchone()[0]
        return max(int(stored or 0), int(top))

    def set_seq(self, seq: int) -> None:
        self.set_meta("seq", str(seq))

    # ---- fields -------------------------------------------------------------------------

    def field_order(self) -> list[str]:
        return [n for (n,) in self.conn.execute("SELECT name FROM fields ORDER BY position")]

    def field_types(self) -> dict[str, str | None]:
        return dict(self.conn.execute("SELECT name, type FROM fields ORDER BY position"))

    def _known_fields(self) -> dict[str, None]:
        if self._fields is None:
            self._fields = dict.fromkeys(self.field_order())
        return self._fields

    def add_fields(self, names: Iterable[str], types: dict[str, str] | None = None) -> None:
        known = self._known_fields()
        new = [n for n in dict.fromkeys(names) if n not in known and n != "id"]
        if new:
            top = self.conn.execute("SELECT coalesce(max(position), -1) FROM fields").fetchone()[0]
            self.conn.executemany(
                "INSERT INTO fields (name, position, type) VALUES (?, ?, ?)",
                [(n, top + 1 + i, (types or {}).get(n)) for i, n in enumerate(new)],
            )
            known.update(dict.fromkeys(new))
        if types:
            self.conn.executemany(
                "UPDATE fields SET type = ? WHERE name = ?",
                [(t, n) for n, t in types.items() if n != "id"],
            )

    # ---- leads ---------------------------------------------------------------------------

    def _members(
        self, where: str, params: Sequence[Any], ids: dict[int, Any]
    ) -> tuple[dict[int, set[str]], dict[int, dict[str, str]]]:
        """The static lists and program statuses of the leads in ``ids`` (``where`` selects
        them, perhaps with others)."""
        lists: dict[int, set[str]] = {}
        statuses: dict[int, dict[str, str]] = {}
        conn = self.conn
        for lead_id, key in conn.execute(
            f"SELECT lead_id, list_key FROM list_members WHERE {where}", params
        ):
            if lead_id in ids:
                lists.setdefault(lead_id, set()).add(key)
        for lead_id, program, status in conn.execute(
            f"SELECT lead_id, program, status FROM program_members WHERE {where}", params
        ):
            if lead_id in ids:
                statuses.setdefault(lead_id, {})[program] = status
        return lists, statuses

    def _attach(
        self,
        rows: list[tuple[Any, ...]],
        where: str,
        params: Sequence[Any],
        run_id: int | None,
        admit: Callable[[Lead], None] | None,
    ) -> list[Lead]:
        leads: dict[int, Lead] = {}
        times = self._times
        fresh: list[Lead] = []
        for lead_id, data, runs, steps, steps_run in rows:
            lead = Lead(lead_id, decode_fields(data))
            if runs != "{}":
                for text, campaigns in json.loads(runs).items():
                    when = times.get(text)
                    if when is None:
                        when = times[text] = _dt.datetime.fromisoformat(text)
                    for campaign in campaigns:
                        lead.runs[campaign] = when
            if run_id is not None and steps_run == run_id:
                lead.steps = steps
            elif admit is not None:
                fresh.append(lead)
            leads[lead_id] = lead
            if self.tracking:
                self._rows[lead_id] = (data, runs, lead.steps)
        if len(times) > 10_000:
            times.clear()
        if not leads:
            return []
        lists, statuses = self._members(where, params, leads)
        snap = self._snap
        for lead_id, lead in leads.items():
            mine = lists.get(lead_id)
            if mine is not None:
                lead.lists = mine
            status = statuses.get(lead_id)
            if status is not None:
                lead.statuses = status
            if self.tracking:
                snap[lead_id] = (frozenset(lead.lists), dict(lead.statuses))
        if admit is not None:
            # Typed by the schema once per run: a lead this run has written back is typed
            # already, and may hold a null a flow set on purpose. One that typing changed
            # is written back even if its flows change nothing (so it is not typed again).
            for lead in fresh:
                before = dict(lead.fields)
                admit(lead)
                if lead.fields != before:
                    self._forced.add(lead.id)
        return list(leads.values())

    def leads(
        self,
        ids: Iterable[int],
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        wanted = sorted(set(ids))
        out: list[Lead] = []
        for chunk in _chunks(wanted):
            marks = _marks(len(chunk))
            rows = self.conn.execute(
                f"SELECT id, data, runs, steps, steps_run FROM leads WHERE id IN ({marks}) "
                "ORDER BY id",
                chunk,
            ).fetchall()
            out.extend(self._attach(rows, f"lead_id IN ({marks})", chunk, run_id, admit))
        return out

    def lead(self, lead_id: int, run_id: int | None = None) -> Lead | None:
        found = self.leads([lead_id], run_id)
        return found[0] if found else None

    def leads_page(
        self,
        after: int,
        last: int,
        limit: int,
        run_id: int | None = None,
        admit: Callable[[Lead], None] | None = None,
    ) -> list[Lead]:
        rows = self.conn.execute(
            "SELECT id, data, runs, steps, steps_run FROM leads WHERE id > ? AND id <= ? "
            "ORDER BY id LIMIT ?",
            (after, last, limit),
        ).fetchall()
        if not rows:
            return []
        where = "lead_id BETWEEN ? AND ?"
        return self._attach(rows, where, (rows[0][0], rows[-1][0]), run_id, admit)

    def page_end(self, after: int, last: int, limit: int) -> int | None:
        """The id of the last lead ``leads_page(after, last, limit)`` returns (None: none)."""
        conn = self.conn
        row = conn.execute(
            "SELECT id FROM leads WHERE id > ? AND id <= ? ORDER BY id LIMIT 1 OFFSET ?",
            (after, last, limit - 1),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT max(id) FROM leads WHERE id > ? AND id <= ?", (after, last)
            ).fetchone()
        return None if row[0] is None else int(row[0])

    def take_forced(self) -> set[int]:
        """The loaded leads that typing by the schema changed (see :meth:`leads`), forgotten."""
        forced, self._forced = self._forced, set()
        return forced

    def snapshot(self, ids: Iterable[int], run_id: int | None) -> None:
        """Note the stored rows of these leads, as loading them would, without decoding
        them: :meth:`save_states` then writes only what differs."""
        wanted = sorted(set(ids))
        for chunk in _chunks(wanted):
            marks = _marks(len(chunk))
            found: dict[int, None] = {}
            for lead_id, data, runs, steps, steps_run in self.conn.execute(
                f"SELECT id, data, runs, steps, steps_run FROM leads WHERE id IN ({marks})",
                chunk,
            ):
                mine = steps if run_id is not None and steps_run == run_id else 0
                self._rows[lead_id] = (data, runs, mine)
                found[lead_id] = None
            if found:
                lists, statuses = self._members(f"lead_id IN ({marks})", chunk, found)
                for lead_id in found:
                    self._snap[lead_id] = (
                        frozenset(lists.get(lead_id, ())),
                        statuses.get(lead_id, {}),
                    )

    def note(self, state: LeadRow) -> None:
        """Note ``state`` as the lead's stored row (what :meth:`snapshot` would read): the
        caller wrote it last."""
        lead_id, _key, data, runs, steps, lists, statuses, _names, _force = state
        self._rows[lead_id] = (data, runs, steps)
        self._snap[lead_id] = (lists, statuses)

    def _runs_json(self, runs: dict[str, _dt.datetime]) -> str:
        """A lead's last runs as stored: ``{time: [campaign, ...]}`` in time and name
        order, so the text depends on the runs only (not on the order they were made in,
        which differs between a lead kept in memory and one loaded again)."""
        if not runs:
            return "{}"
        texts = self._texts
        if len(texts) > 10_000:
            texts.clear()
        groups: dict[str, list[str]] = {}
        for campaign, when in sorted(runs.items()):
            text = texts.get(when)
            if text is None:
                text = texts[when] = time_text(when)
            group = groups.get(text)
            if group is None:
                groups[text] = [campaign]
            else:
                group.append(campaign)
        return dumps_json(dict(sorted(groups.items())) if len(groups) > 1 else groups)

    def lead_row(self, lead: Lead, force: bool = False) -> LeadRow:
        """``lead`` encoded as :meth:`save_states` writes it (a plain tuple, which
        ``marshal`` sends fast)."""
        fields = lead.fields
        known = self._known_fields()
        return (
            lead.id,
            email_key(fields.get("email")),
            encode_fields(fields),
            self._runs_json(lead.runs),
            lead.steps,
            frozenset(lead.lists),
            dict(lead.statuses),
            None if known.keys() >= fields.keys() else tuple(fields),
            force,
        )

    def save_leads(self, leads: Iterable[Lead], run_id: int | None = None) -> None:
        self.save_states([self.lead_row(lead) for lead in leads], run_id)

    def save_states(self, states: Iterable[LeadRow], run_id: int | None = None) -> None:
        """Insert or update leads (fields, lists, statuses, runs and, for a run, step
        counts), writing only what differs from the rows noted when they were loaded (or
        by :meth:`snapshot`)."""
        known = self._known_fields()
        rows: list[tuple[Any, ...]] = []
        list_add: list[tuple[str, int]] = []
        list_del: list[tuple[str, int]] = []
        status_set: list[tuple[int, str, str]] = []
        status_del: list[tuple[int, str]] = []
        new_fields: list[str] = []
        forced = self._forced
        stored, snaps = self._rows, self._snap
        for lead_id, key, data, runs, steps, lists, statuses, names, force in states:
            if names is not None:
                new_fields.extend(n for n in names if n not in known)
            if forced and lead_id in forced:
                forced.discard(lead_id)
                force = True
            if stored.pop(lead_id, None) != (data, runs, steps) or force:
                rows.append(
                    (lead_id, key, data, runs, steps if run_id is not None else 0, run_id or 0)
                )
            old_lists, old_statuses = snaps.pop(lead_id, _EMPTY)
            if lists != old_lists:
                list_add.extend((k, lead_id) for k in lists - old_lists)
                list_del.extend((k, lead_id) for k in old_lists - lists)
            if statuses != old_statuses:
                status_set.extend(
                    (lead_id, p, s) for p, s in statuses.items() if old_statuses.get(p) != s
                )
                status_del.extend((lead_id, p) for p in old_statuses if p not in statuses)
        conn = self.conn
        if new_fields:
            self.add_fields(new_fields)
        conn.executemany(
            "INSERT INTO leads (id, email_key, data, runs, steps, steps_run) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "email_key = excluded.email_key, data = excluded.data, runs = excluded.runs, "
            "steps = excluded.steps, steps_run = excluded.steps_run",
            rows,
        )
        if list_add:
            conn.executemany(
                "INSERT OR IGNORE INTO list_members (list_key, lead_id) VALUES (?, ?)", list_add
            )
            conn.executemany(
                "INSERT OR IGNORE INTO lists (key, name) VALUES (?, ?)",
                [(k, k) for k in dict.fromkeys(k for k, _ in list_add)],
            )
        if list_del:
            conn.executemany(
                "DELETE FROM list_members WHERE list_key = ? AND lead_id = ?", list_del
            )
        if status_set:
            conn.executemany(
                "INSERT OR REPLACE INTO program_members (lead_id, program, status) VALUES (?, ?, ?)",
                status_set,
            )
        if status_del:
            conn.executemany(
                "DELETE FROM program_members WHERE lead_id = ? AND program = ?", status_del
            )

    # ---- imports ---------------------------------------------------------------------------

    def lead_fields(self, lead_id: int) -> dict[str, Value] | None:
        row = self.conn.execute("SELECT data FROM leads WHERE id = ?", (lead_id,)).fetchone()
        return None if row is None else decode_fields(row[0])

    def lead_by_email(self, key: str) -> tuple[int, dict[str, Value]] | None:
        row = self.conn.execute(
            "SELECT id, data FROM leads WHERE email_key = ? ORDER BY id LIMIT 1", (key,)
        ).fetchone()
        return None if row is None else (int(row[0]), decode_fields(row[1]))

    def write_imported(self, rows: Sequence[tuple[int, dict[str, Value]]]) -> None:
        """Insert or update imported leads' fields (their lists, statuses and runs stay)."""
        known = self._known_fields()
        new_fields: list[str] = []
        params = []
        for lead_id, fields in rows:
            if not known.keys() >= fields.keys():
                new_fields.extend(n for n in fields if n not in known)
            params.append((lead_id, email_key(fields.get("email")), encode_fields(fields)))
        if new_fields:
            self.add_fields(new_fields)
        self.conn.executemany(
            "INSERT INTO leads (id, email_key, data) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET email_key = excluded.email_key, data = excluded.data",
            params,
        )

    def max_lead_id(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM leads").fetchone()[0])

    def lead_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM leads").fetchone()[0])

    def ids_by_email(self, email: str) -> list[int]:
        key = email_key(email)
        return [
            i
            for (i,) in self.conn.execute(
                "SELECT id FROM leads WHERE email_key = ? ORDER BY id", (key,)
            )
        ]

    def existing_ids(self, ids: Iterable[int]) -> set[int]:
        wanted = sorted(set(ids))
        found: set[int] = set()
        for chunk in _chunks(wanted):
            found.update(
                i
                for (i,) in self.conn.execute(
                    f"SELECT id FROM leads WHERE id IN ({_marks(len(chunk))})", chunk
                )
            )
        return found

    def iter_lead_fields(
        self, list_key: str | None = None, batch: int = 2000
    ) -> Iterator[tuple[int, dict[str, Value]]]:
        """Every lead's fields in id order (optionally only a static list's members), streamed."""
        after = -1
        while True:
            if list_key is None:
                rows = self.conn.execute(
                    "SELECT id, data FROM leads WHERE id > ? ORDER BY id LIMIT ?", (after, batch)
                ).fetchall()
            else:
                rows = self.conn.execute(
                    "SELECT l.id, l.data FROM list_members m JOIN leads l ON l.id = m.lead_id "
                    "WHERE m.list_key = ? AND m.lead_id > ? ORDER BY m.lead_id LIMIT ?",
                    (list_key, after, batch),
                ).fetchall()
            if not rows:
                return
            for lead_id, data in rows:
                yield lead_id, decode_fields(data)
            after = rows[-1][0]

    # ---- activity log --------------------------------------------------------------------------

    def append_activities(self, rows: Sequence[ActivityRow], list_names: dict[str, str]) -> None:
        if not rows:
            return
        conn = self.conn
        conn.executemany(
            "INSERT INTO activities (run_id, lead_id, time, type, campaign, attrs) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        counts = Counter(map(itemgetter(3), rows))
        conn.executemany(
            "INSERT INTO activity_counts (type, n) VALUES (?, ?) "
            "ON CONFLICT (type) DO UPDATE SET n = n + excluded.n",
            counts.items(),
        )
        if list_names:
            conn.executemany(
                "INSERT INTO lists (key, name) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET name = excluded.name WHERE name = key",
                list_names.items(),
            )

    def _first_seq_at(self, when: str) -> int:
        """The seq of the first activity at or after ``when`` (one past the last if none)."""
        conn = self.conn
        lo, hi = conn.execute(
            "SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM activities"
        ).fetchone()
        hi += 1
        while lo < hi:
            mid = (lo + hi) // 2
            row = conn.execute(
                "SELECT seq, time FROM activities WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,)
            ).fetchone()
            if row is None or row[1] >= when:
                hi = mid
            else:
                lo = row[0] + 1
        return int(lo)

    def activity_types(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT type, n FROM activity_counts ORDER BY type"))

    def activities(self, query: ActivityQuery) -> Iterator[dict[str, Any]]:
        where: list[str] = []
        params: list[Any] = []
        if query.type is not None:
            where.append("type = ?")
            params.append(query.type)
        if query.campaign is not None:
            where.append("campaign = ?")
            params.append(query.campaign)
        after = 0
        if query.since is not None:
            # The log is in time order (the clock never goes back, across runs too), so the
            # first activity at or after --since is found by bisecting seq: no time index.
            since = time_text(query.since)
            after = self._first_seq_at(since) - 1
            where.append("time >= ?")
            params.append(since)
        if query.run_id is not None:
            where.append("run_id = ?")
            params.append(query.run_id)
        if query.lead_ids is not None:
            ids = list(query.lead_ids)
            if not ids:
                return
            where.append(f"lead_id IN ({_marks(len(ids))})")
            params.extend(ids)
        sql = "SELECT seq, lead_id, time, type, campaign, attrs FROM activities"
        if where:
            sql += " WHERE " + " AND ".join(where)
        while True:
            rows = self.conn.execute(
                sql + (" AND" if where else " WHERE") + " seq > ? ORDER BY seq LIMIT 5000",
                (*params, after),
            ).fetchall()
            if not rows:
                return
            for _seq, lead_id, time, type_, campaign, attrs in rows:
                yield activity_record(lead_id, time, type_, campaign, attrs)
            after = rows[-1][0]

    # ---- queue -------------------------------------------------------------------------------------

    @staticmethod
    def queue_row(e: QueueEntry) -> QueueRow:
        """``e`` as :meth:`enqueue_rows` stores it (times as text, position and payload as
        JSON)."""
        return (
            e.seq,
            None if e.time is None else time_text(e.time),
            e.kind,
            e.lead_id,
            e.campaign,
            e.trigger,
            e.cascade,
            None if e.position is None else json.dumps(e.position),
            None if e.fields is None else encode_fields(e.fields),
        )

    def enqueue(self, entries: Iterable[QueueEntry]) -> None:
        self.enqueue_rows([self.queue_row(e) for e in entries])

    def enqueue_rows(self, rows: Sequence[QueueRow]) -> None:
        self.conn.executemany(
            "INSERT INTO queue (seq, time, kind, lead_id, campaign, trigger, cascade, position, "
            "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def enqueue_all_leads(
        self, campaign: str, time: _dt.datetime, trigger: str, first_seq: int
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO queue (seq, time, kind, lead_id, campaign, trigger, cascade) "
            "SELECT ? + row_number() OVER (ORDER BY id) - 1, ?, 'flow', id, ?, ?, 0 FROM leads",
            (first_seq, time_text(time), campaign, trigger),
        )
        return int(cur.rowcount)

    _QUEUE_COLUMNS = "seq, time, kind, lead_id, campaign, trigger, cascade, position, payload"

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> QueueEntry:
        seq, time, kind, lead_id, campaign, trigger, cascade, position, payload = row
        return QueueEntry(
            seq,
            parse_time(time),
            kind,
            lead_id,
            campaign,
            trigger,
            cascade,
            None if position is None else json.loads(position),
            None if payload is None else decode_fields(payload),
        )

    def due(self, until: _dt.datetime | None, limit: int) -> list[QueueEntry]:
        return [self._entry(r) for r in self._due(self._QUEUE_COLUMNS, until, limit)]

    def due_keys(self, until: _dt.datetime | None, limit: int) -> list[tuple[str, int, int]]:
        """(time as stored, seq, lead id) of the entries :meth:`due` gives."""
        return self._due("time, seq, lead_id", until, limit)

    def _due(self, columns: str, until: _dt.datetime | None, limit: int) -> list[Any]:
        """``columns`` of the timed queue entries up to ``until``, by (time, seq)."""
        sql = f"SELECT {columns} FROM queue WHERE time IS NOT NULL"
        params: list[Any] = []
        if until is not None:
            sql += " AND time <= ?"
            params.append(time_text(until))
        return self.conn.execute(sql + " ORDER BY time, seq LIMIT ?", [*params, limit]).fetchall()

    def due_share(
        self,
        after: tuple[str, int],
        last_seq: int,
        until: _dt.datetime | None,
        part: tuple[int, int],
        limit: int,
    ) -> list[QueueEntry]:
        """Queued entries by (time, seq) after ``after`` (time text, seq) with a seq up to
        ``last_seq`` and a lead of partition ``part`` (index, count; see
        :func:`partition_of`), up to ``until``: a partitioned run's worker reads its share
        of the queue with this (only on a connection from :meth:`open_reader`)."""
        time, seq = after
        # Two index seeks (the rest of ``after``'s time, then later times): a row-value
        # comparison would scan every entry at ``after``'s time again on each call.
        mine = "seq <= ? AND camp_part(lead_id, ?) = ?"
        params: list[Any] = [time, seq, last_seq, part[1], part[0], limit]
        rows = self.conn.execute(
            f"SELECT {self._QUEUE_COLUMNS} FROM queue WHERE time = ? AND seq > ? AND {mine} "
            "ORDER BY seq LIMIT ?",
            params,
        ).fetchall()
        if len(rows) < limit:
            sql = f"SELECT {self._QUEUE_COLUMNS} FROM queue WHERE time > ? AND {mine}"
            params = [time, last_seq, part[1], part[0]]
            if until is not None:
                sql += " AND time <= ?"
                params.append(time_text(until))
            params.append(limit - len(rows))
            rows += self.conn.execute(sql + " ORDER BY time, seq LIMIT ?", params).fetchall()
        return [self._entry(r) for r in rows]

    def dequeue(self, seqs: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM queue WHERE seq = ?", [(s,) for s in seqs])

    def queued(self, kinds: Sequence[str] | None = None) -> Iterator[QueueEntry]:
        sql = f"SELECT {self._QUEUE_COLUMNS} FROM queue"
        params: list[Any] = []
        if kinds:
            sql += f" WHERE kind IN ({_marks(len(kinds))})"
            params.extend(kinds)
        sql += " ORDER BY time IS NULL, time, seq"
        for row in self.conn.execute(sql, params).fetchall():
            yield self._entry(row)

    def queue_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT kind, count(*) FROM queue GROUP BY kind"))

    def date_undated(self, time: _dt.datetime) -> None:
        self.conn.execute("UPDATE queue SET time = ? WHERE time IS NULL", (time_text(time),))

    def queued_positions(self) -> list[tuple[str | None, str | None, int]]:
        """Distinct (campaign, position) of queued flows, with how many: to validate them."""
        return list(
            self.conn.execute(
                "SELECT campaign, position, count(*) FROM queue WHERE kind IN ('flow', 'resume') "
                "GROUP BY campaign, position"
            )
        )

    def drop_queued(self, campaign: str | None, position: str | None) -> None:
        self.conn.execute(
            "DELETE FROM queue WHERE kind IN ('flow', 'resume') AND campaign IS ? AND position IS ?",
            (campaign, position),
        )

    def drop_kind(self, kind: str) -> int:
        return int(self.conn.execute("DELETE FROM queue WHERE kind = ?", (kind,)).rowcount)

    # ---- runs ------------------------------------------------------------------------------------

    _RUN_COLUMNS = (
        "id, program, digest, options, start, until, phase, cursor, max_lead, now, stats, status"
    )

    @staticmethod
    def _run(row: tuple[Any, ...]) -> RunRecord:
        (
            run_id,
            program,
            digest,
            options,
            start,
            until,
            phase,
            cursor,
            max_lead,
            now,
            stats,
            status,
        ) = row
        begin = _dt.datetime.fromisoformat(start)
        return RunRecord(
            run_id,
            program,
            digest,
            json.loads(options),
            begin,
            parse_time(until),
            phase,
            cursor,
            max_lead,
            parse_time(now) or begin,
            json.loads(stats),
            status,
        )

    def unfinished_run(self) -> RunRecord | None:
        row = self.conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM runs WHERE status = 'running' ORDER BY id LIMIT 1"
        ).fetchone()
        return None if row is None else self._run(row)

    def last_run(self) -> RunRecord | None:
        row = self.conn.execute(
            f"SELECT {self._RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else self._run(row)

    def run_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM runs").fetchone()[0])

    def begin_run(self, run: RunRecord) -> RunRecord:
        cur = self.conn.execute(
            "INSERT INTO runs (program, digest, options, start, until, status, phase, cursor, "
            "max_lead, now, stats, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            (
                run.program,
                run.digest,
                json.dumps(run.options),
                time_text(run.start),
                None if run.until is None else time_text(run.until),
                run.phase,
                run.cursor,
                run.max_lead,
                time_text(run.now),
                json.dumps(run.stats),
                _dt.datetime.now().isoformat(timespec="seconds"),
            ),
        )
        assert cur.lastrowid is not None
        run.id = cur.lastrowid
        return run

    def save_run(self, run: RunRecord) -> None:
        self.conn.execute(
            "UPDATE runs SET phase = ?, cursor = ?, now = ?, stats = ?, status = ?, "
            "finished_at = CASE WHEN ? = 'done' THEN ? ELSE finished_at END WHERE id = ?",
            (
                run.phase,
                run.cursor,
                time_text(run.now),
                json.dumps(run.stats),
                run.status,
                run.status,
                _dt.datetime.now().isoformat(timespec="seconds"),
                run.id,
            ),
        )

    # ---- statistics ------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        conn = self.conn
        lists = [
            {"list": name, "members": n}
            for name, n in conn.execute(
                "SELECT coalesce(l.name, m.list_key), count(*) FROM list_members m "
                "LEFT JOIN lists l ON l.key = m.list_key GROUP BY m.list_key ORDER BY 1"
            )
        ]
        programs = [
            {"program": p, "status": s, "members": n}
            for p, s, n in conn.execute(
                "SELECT program, status, count(*) FROM program_members GROUP BY program, status "
                "ORDER BY program, status"
            )
        ]
        queue = self.queue_counts()
        waiting_by = [
            {"campaign": c, "flows": n}
            for c, n in conn.execute(
                "SELECT campaign, count(*) FROM queue WHERE kind = ? GROUP BY campaign ORDER BY 1",
                (RESUME,),
            )
        ]
        last = self.last_run()
        clock = self.clock()
        return {
            "workspace": str(self.path),
            "version": self.version(),
            "clock": None if clock is None else time_text(clock),
            "leads": self.lead_count(),
            "fields": len(self.field_order()),
            "lists": len(lists),
            "memberships": sum(x["members"] for x in lists),
            "list_members": lists,
            "program_members": programs,
            "activities": sum(self.activity_types().values()),
            "activities_by_type": self.activity_types(),
            "waiting_flows": queue.get(RESUME, 0),
            "waiting_by_campaign": waiting_by,
            "queued": {
                "flows": queue.get("flow", 0),
                "new_leads": queue.get(NEW_LEAD, 0),
                "created": queue.get(CREATED, 0),
            },
            "runs": self.run_count(),
            "last_run": None
            if last is None
            else {
                "id": last.id,
                "program": last.program,
                "campaign": last.options.get("campaign"),
                "status": last.status,
                "start": time_text(last.start),
                "end": time_text(last.now),
            },
        }


def load_leads(path: Path, symbols: Any = None) -> Iterator[Lead]:
    """Every lead of a workspace, in id order, for reading (the REPL's ``--db``).

    The leads come as stored (typed values, lists, statuses); nothing is written
    back: a REPL session's changes stay in the session.
    """
    store = SQLiteStore.open(path)
    store.tracking = False
    try:
        last = store.max_lead_id()
        after = 0
        while True:
            page = store.leads_page(after, last, 1000)
            if not page:
                return
            yield from page
            after = page[-1].id
    finally:
        store.close()
