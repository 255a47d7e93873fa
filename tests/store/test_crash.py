"""Crash safety: a `camp run --db` killed with SIGKILL at random points and finished with
--resume leaves the same workspace (leads, lists, statuses, activity log) as an
uninterrupted run: no lead processed twice, none skipped. The same with `--workers 2`
(the writer killed, its workers with it), resumed with and without --workers."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from store_helpers import DATA, START, camp, copy_workspace, workspace_state

SEED = 4242
KILLS = 6
PROGRAM = DATA / "crash.camp"
RUN = ["--campaign", "Intake", "--start", START, "--until", "10 days"]


def command(db: Path, resume: bool, workers: int | None = None) -> list[str]:
    args = ["--resume"] if resume else RUN
    if workers is not None:
        args = [*args, "--workers", str(workers)]
    return [sys.executable, "-m", "camp.cli", "run", str(PROGRAM), "--db", str(db), *args]


def unfinished(db: Path) -> tuple[int, int] | None:
    """(phase, cursor) of the workspace's unfinished run, if it has one."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT phase, cursor FROM runs WHERE status = 'running'").fetchone()
        return None if row is None else (int(row[0]), int(row[1]))
    finally:
        conn.close()


def runs(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        conn.close()


def wait_for_lock(db: Path, proc: subprocess.Popen[str]) -> float:
    """When ``proc`` holds the workspace's lock (its start-up is over)."""
    lock = Path(f"{db}.lock")
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and proc.poll() is None:
        if lock.exists() and f"pid {proc.pid}" in lock.read_text(
            encoding="utf-8", errors="replace"
        ):
            break
        time.sleep(0.01)
    return time.perf_counter()


def snapshot(db: Path, folder: Path, tag: str) -> tuple[str, str, dict]:
    out = folder / f"{tag}.jsonl"
    assert camp("db", "export", db, "--out", out).exit_code == 0
    log = camp("log", db, "--format", "json")
    assert log.exit_code == 0
    stats = json.loads(camp("db", "stats", db, "--format", "json").stdout)
    for key in ("workspace", "runs", "last_run"):
        stats.pop(key)
    return out.read_text(encoding="utf-8"), log.stdout, stats


@pytest.mark.parametrize("workers", [None, 2], ids=["serial", "workers-2"])
def test_sigkill_then_resume_equals_an_uninterrupted_run(
    big_workspace: Path, tmp_path: Path, workers: int | None
) -> None:
    reference = copy_workspace(big_workspace, tmp_path / "reference.db")
    crashed = copy_workspace(big_workspace, tmp_path / "crashed.db")

    # The uninterrupted run, timed from when it holds the workspace (start-up aside).
    proc = subprocess.Popen(
        command(reference, False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    began = wait_for_lock(reference, proc)
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    work = time.perf_counter() - began

    rng = random.Random(SEED)
    kills: list[tuple[float, tuple[int, int] | None]] = []
    for attempt in range(KILLS):
        resume = unfinished(crashed) is not None
        if not resume and runs(crashed):
            break  # the run finished before this kill
        # With workers: the run starts with --workers 2, its resumes alternate without/with.
        mine = workers if workers is not None and attempt % 2 == 0 else None
        proc = subprocess.Popen(
            command(crashed, resume, mine),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for_lock(crashed, proc)
        delay = rng.uniform(0.02, 0.3 if kills else 0.12) * work  # the first one early: phase 1
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills.append((round(delay, 2), unfinished(crashed)))
            continue
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        break
    if unfinished(crashed) is not None:
        final = subprocess.run(command(crashed, True, workers), capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
    elif not runs(crashed):
        final = subprocess.run(command(crashed, False, workers), capture_output=True, text=True)
        assert final.returncode == 0, final.stderr
    print(f"\nuninterrupted run: {work:.1f} s of work; killed after (s, (phase, cursor)): {kills}")
    assert sum(1 for _, state in kills if state is not None) >= 3, kills  # mid-run kills

    leads_a, log_a, stats_a = snapshot(reference, tmp_path, "reference")
    leads_b, log_b, stats_b = snapshot(crashed, tmp_path, "crashed")
    assert leads_b == leads_a
    assert stats_b == stats_a
    assert log_b == log_a
    activities = [json.loads(line) for line in log_b.splitlines()]
    intake = Counter(
        a["lead"] for a in activities if a["type"] == "Campaign Run" and a["campaign"] == "Intake"
    )
    leads = stats_b["leads"]
    assert len(intake) == leads and set(intake.values()) == {1}  # none skipped, none twice
    welcome = Counter(
        a["lead"] for a in activities if a["type"] == "Campaign Run" and a["campaign"] == "Welcome"
    )
    assert len(welcome) == leads and set(welcome.values()) == {1}
    assert stats_b["waiting_flows"] == 0 and stats_b["queued"] == {
        "flows": 0,
        "new_leads": 0,
        "created": 0,
    }
    assert workspace_state(crashed) == workspace_state(reference)  # every row, in order
