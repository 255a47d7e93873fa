"""One writer per workspace: a second `camp run` (or import) refuses at once with a clear
message; readers (`camp log`, `camp db stats`) work while a run writes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from camp.store.sqlite import WorkspaceLock
from store_helpers import (
    DATA,
    START,
    camp,
    camp_process,
    copy_workspace,
    dump,
    one_error_line,
    write,
)

RUN = [
    "run",
    str(DATA / "crash.camp"),
    "--campaign",
    "Intake",
    "--start",
    START,
    "--until",
    "10 days",
]


def test_second_run_refuses_at_once_while_a_run_holds_the_workspace(
    big_workspace: Path, tmp_path: Path
) -> None:
    db = copy_workspace(big_workspace, tmp_path / "ws.db")
    first = subprocess.Popen(
        [sys.executable, "-m", "camp.cli", *RUN, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lock = Path(f"{db}.lock")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if lock.exists() and f"pid {first.pid}" in lock.read_text(encoding="utf-8"):
                break
            time.sleep(0.01)
        assert first.poll() is None, "the first run ended before the test could race it"

        began = time.monotonic()
        second = camp_process(*RUN, "--db", db)
        assert second.returncode == 2, second.stderr
        assert time.monotonic() - began < 15  # refused at once: it does not wait for the lock
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in second.stderr
        assert lines[0].startswith("camp: error: ")
        assert "in use by another camp process" in lines[0]
        assert f"pid {first.pid}: camp run" in lines[0]

        other = write(tmp_path / "more.csv", "id,email\n999999,late@example.com\n")
        imported = camp_process("db", "import", db, other)
        assert imported.returncode == 2 and "in use by another camp process" in imported.stderr

        # Readers are not blocked (WAL): they see the last committed batch.
        stats = camp_process("db", "stats", db)
        assert stats.returncode == 0, stats.stderr
        log = camp_process("log", db, "--lead", "1")
        assert log.returncode == 0, log.stderr
    finally:
        _out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert camp("db", "import", db, tmp_path / "more.csv").exit_code == 0  # free again


def test_lock_refusal_leaves_the_workspace_alone(work: Path) -> None:
    write(work / "p.camp", "campaign Touch < set touched = 1; >\n")
    write(work / "leads.csv", "id,email\n1,a@example.com\n")
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    before = dump(work / "ws.db")
    holder = WorkspaceLock(work / "ws.db")
    holder.acquire("a test holding the workspace")
    try:
        one_error_line(
            camp("run", "p.camp", "--db", "ws.db", "--campaign", "Touch", "--start", START),
            "ws.db: the workspace is in use by another camp process",
            "a test holding the workspace",
        )
        one_error_line(camp("db", "import", "ws.db", "leads.csv"), "in use by another camp process")
    finally:
        holder.release()
    assert dump(work / "ws.db") == before
    assert (
        camp("run", "p.camp", "--db", "ws.db", "--campaign", "Touch", "--start", START).exit_code
        == 0
    )


def test_a_foreign_writer_is_met_with_a_clear_message(work: Path) -> None:
    """Another program holding a write transaction: BEGIN IMMEDIATE gives up with a message."""
    write(work / "leads.csv", "id,email\n1,a@example.com\n")
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    other = sqlite3.connect(work / "ws.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        one_error_line(camp("db", "import", "ws.db", "leads.csv"), "cannot write to the workspace")
    finally:
        other.execute("ROLLBACK")
        other.close()
