"""Workspace layout versions: PRAGMA user_version, migrations from version 1, refusals."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from camp.store.sqlite import MIGRATIONS, V1_DDL, VERSION, SQLiteStore
from store_helpers import DATA, camp, dump, log_json, one_error_line, write

FIXTURE = DATA / "workspace_v1.sql"


def build_v1(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(FIXTURE.read_text(encoding="utf-8"))
    conn.close()
    return path


def test_the_fixture_uses_the_v1_ddl_of_the_code() -> None:
    """The fixture is frozen; the code's first migration must still build the same tables."""
    fixture = FIXTURE.read_text(encoding="utf-8")
    assert " ".join(V1_DDL.split()) in " ".join(fixture.split())
    assert [m.version for m in MIGRATIONS] == list(range(1, VERSION + 1))


def test_migrating_from_version_1(work: Path) -> None:
    db = build_v1(work / "old.db")
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 1

    stats = json.loads(camp("db", "stats", db, "--format", "json").stdout)
    assert stats["version"] == VERSION == 2
    assert stats["leads"] == 2 and stats["clock"] == "2026-12-01T12:00:00"
    assert stats["list_members"] == [{"list": "VIP", "members": 1}]  # its name, from the log
    assert stats["activities_by_type"]["Wait"] == 1 and stats["activities"] == 5
    assert stats["waiting_flows"] == 1 and stats["queued"]["created"] == 1
    store = SQLiteStore.open(db)
    assert store.field_order() == ["email", "score", "joined", "unsubscribed", "city"]
    lead = store.lead(1)
    assert lead is not None and lead.lists == {"vip"} and lead.statuses == {"Drips": "Started"}
    assert lead.runs == {"Drip": dt.datetime(2026, 12, 1)}  # moved into the lead's row
    store.close()
    conn = sqlite3.connect(db)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(activities)")}
    assert "run_id" in columns
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"activities_lead", "activities_type", "activities_campaign", "queue_lead"} <= indexes
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()

    # The migrated workspace runs on: lead 1's wait resumes, lead 2 raises 'created'.
    write(work / "migrate.camp", (DATA / "migrate.camp").read_text(encoding="utf-8"))
    result = camp("run", "migrate.camp", "--db", db, "--until", "1 day", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["clock"]["start"] == "2026-12-01T12:00:00"  # the stored clock
    new = log_json(db)[5:]
    assert [(a["lead"], a["type"], a["time"]) for a in new] == [
        (2, "Campaign Run", "2026-12-01T12:00:00"),
        (2, "Send Email", "2026-12-01T12:00:00"),
        (1, "Resume", "2026-12-02T00:00:00"),
        (1, "Send Email", "2026-12-02T00:00:00"),
        (1, "Change Program Status", "2026-12-02T00:00:00"),
    ]
    assert new[-1]["new"] == "Finished" and new[-1]["applied"] is True


def test_migration_is_one_transaction_and_idempotent(work: Path) -> None:
    db = build_v1(work / "old.db")
    SQLiteStore.open(db).close()
    once = dump(db)
    SQLiteStore.open(db).close()
    assert dump(db) == once


def test_newer_layout_is_refused(work: Path) -> None:
    db = build_v1(work / "future.db")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    one_error_line(camp("db", "stats", db), "layout version 99", "upgrade camp")


def test_files_that_are_not_workspaces(work: Path) -> None:
    write(work / "text.db", "hello, not a database at all" * 100)
    one_error_line(camp("db", "stats", "text.db"), "text.db", "not a Camp workspace")
    with sqlite3.connect(work / "other.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    one_error_line(camp("log", "other.db"), "other.db", "not a Camp workspace")
    one_error_line(
        camp("db", "export", "missing.db", "--out", "x.csv"), "missing.db", "no such workspace"
    )
    assert not (work / "missing.db").exists()
    (work / "dir.db").mkdir()
    one_error_line(camp("db", "stats", "dir.db"), "is a directory")
