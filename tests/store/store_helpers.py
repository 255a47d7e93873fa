"""Helpers for the workspace tests: run `camp` in-process, dump a workspace, write files."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from camp.cli import main
from click.testing import CliRunner, Result

DATA = Path(__file__).resolve().parent / "data"
START = "2026-12-01T00:00:00"


def camp(*args: str) -> Result:
    """``camp ARGS...`` in this process, as a user would run it."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def camp_process(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``camp ARGS...`` as a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "camp.cli", *map(str, args)],
        capture_output=True,
        text=True,
        **kwargs,
    )


def dump(db: Path) -> list[str]:
    """Every row of every table (and the layout version), to compare a workspace before/after."""
    conn = sqlite3.connect(db)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return [f"user_version={version}", *conn.iterdump()]
    finally:
        conn.close()


def copy_workspace(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
    return dst


def one_error_line(result: Result, *fragments: str) -> str:
    """The run failed with exit status 2 and one clear line naming ``fragments``."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("camp: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def log_json(db: Path, *args: str) -> list[dict[str, Any]]:
    result = camp("log", db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def export_records(db: Path, tmp: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp / "export.jsonl"
    result = camp("db", "export", db, "--out", out, *args)
    assert result.exit_code == 0, result.output
    return read_jsonl(out)


def workspace_state(db: Path) -> list[str]:
    """Every row of every table, sorted, with the runs' wall-clock times left out: two
    workspaces that ran the same simulation compare equal (leads, lists, statuses, the
    activity log with its sequence numbers, the queue, fields, clock, run records)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("BEGIN")
        conn.execute("UPDATE runs SET started_at = NULL, finished_at = NULL")
        rows = sorted(conn.iterdump())
        conn.execute("ROLLBACK")
        return rows
    finally:
        conn.close()


ROOT = Path(__file__).resolve().parents[2]


def example_runs() -> list[tuple[str, list[str]]]:
    """Every documented `camp run` of the examples: (id, its arguments after `camp run`)."""
    from example_commands import header_commands

    return [
        (f"{path.stem}-{k}", args)
        for path in sorted((ROOT / "examples").glob("*.camp"))
        for k, args in enumerate(header_commands(path))
    ]


def example_workspace(args: list[str], db: Path) -> list[str]:
    """Import the example's documented leads into ``db`` (typed by its program); returns
    the run's arguments for `camp run ... --db` (without --leads, --out, --activities).
    Run from the repository's root."""
    from example_commands import option, without

    leads = option(args, "--leads")
    assert leads is not None
    result = camp("db", "import", db, leads, "--schema", args[0])
    assert result.exit_code == 0, result.output
    return without(args, "--leads", "--out", "--activities")


def run_summary(result: Result, *drop: str) -> dict[str, Any]:
    """A `camp run --format json` summary without the keys that name the run's workspace
    (and any in ``drop``)."""
    summary = json.loads(result.stdout)
    for key in ("workspace", *drop):
        summary.pop(key, None)
    return dict(summary)
