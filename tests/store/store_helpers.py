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
