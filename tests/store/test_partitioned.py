"""`camp run --db DB --workers N`: workers run the flows, this process commits what they
did. The workspace afterwards is the serial run's row for row (leads, lists, statuses,
the activity log in its order, the queue, fields, clock, the run record) and so is the
summary; a killed worker or Ctrl-C leaves a workspace that `--resume` finishes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import (
    DATA,
    ROOT,
    START,
    camp,
    copy_workspace,
    dump,
    example_runs,
    example_workspace,
    one_error_line,
    run_summary,
    workspace_state,
    write,
)
from test_run_db import LEADS, NURTURE

EXAMPLES = example_runs()


@pytest.mark.parametrize("args", [a for _, a in EXAMPLES], ids=[i for i, _ in EXAMPLES])
def test_examples_partitioned_equal_serial(
    work: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    base = work / "base.db"
    run = example_workspace(args, base)
    for batch in ("500", "3"):
        serial = copy_workspace(base, work / f"serial-{batch}.db")
        parallel = copy_workspace(base, work / f"parallel-{batch}.db")
        options = ("--batch-size", batch, "--format", "json")
        one = camp("run", *run, "--db", serial, *options)
        two = camp("run", *run, "--db", parallel, *options, "--workers", "2")
        assert one.exit_code in (0, 1), one.output
        assert two.exit_code == one.exit_code, two.output
        assert run_summary(two) == run_summary(one)
        assert workspace_state(parallel) == workspace_state(serial)


def _as_parquet(jsonl: Path, path: Path) -> None:
    """The events of a JSONL file as one Parquet file (a column per key, nulls where an
    event type has no such key)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line]
    pq.write_table(pa.Table.from_struct_array(pa.array(rows)), path)


@pytest.mark.parametrize(
    "args",
    [a for _, a in EXAMPLES if "--events" in a],
    ids=[i for i, a in EXAMPLES if "--events" in a],
)
def test_events_as_parquet_or_a_folder_give_the_jsonl_run(
    work: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    jsonl = ROOT / args[args.index("--events") + 1]
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    (work / "events").mkdir()
    write(work / "events" / "a.jsonl", "".join(lines[: len(lines) // 2]))
    write(work / "events" / "b.jsonl", "".join(lines[len(lines) // 2 :]))
    _as_parquet(jsonl, work / "events.parquet")
    base = work / "base.db"
    run = example_workspace(args, base)
    at = run.index("--events") + 1
    reference = copy_workspace(base, work / "reference.db")
    one = camp("run", *run, "--db", reference, "--format", "json")
    assert one.exit_code in (0, 1), one.output
    for events in (work / "events.parquet", work / "events"):
        for extra in ((), ("--workers", "2")):
            db = copy_workspace(base, work / f"{events.name}{len(extra)}.db")
            shaped = [*run[:at], str(events), *run[at + 1 :]]
            two = camp("run", *shaped, "--db", db, "--format", "json", *extra)
            assert two.exit_code == one.exit_code, two.output
            assert run_summary(two) == run_summary(one)
            assert _without_runs(db) == _without_runs(reference)


def _without_runs(db: Path) -> list[str]:
    """A workspace's state but its runs table (which records the --events path given)."""
    return [line for line in workspace_state(db) if not line.startswith('INSERT INTO "runs"')]


def _nurture(work: Path, name: str) -> Path:
    write(work / "nurture.camp", NURTURE)
    write(work / "leads.csv", LEADS)
    result = camp("db", "import", name, "leads.csv", "--schema", "nurture.camp")
    assert result.exit_code == 0, result.output
    return work / name


@pytest.mark.parametrize("workers,batch", [("2", "500"), ("3", "1"), ("auto", "7")])
def test_runs_that_go_on_equal_serial(work: Path, workers: str, batch: str) -> None:
    """Two runs on a workspace (the second resumes the first one's waits), each with
    --workers, give the serial runs' workspace; so does switching between the two."""
    serial, parallel, mixed = (_nurture(work, n) for n in ("s.db", "p.db", "m.db"))
    runs = [
        ("--campaign", "Rescore", "--start", START, "--until", "3 days"),
        ("--until", "2026-12-13T00:00:00"),
    ]
    for k, args in enumerate(runs):
        options = ("--batch-size", batch, "--format", "json")
        files = [("--out", f"{db.stem}.csv", "--activities", f"{db.stem}.jsonl") for db in
                 (serial, parallel, mixed)]  # fmt: skip
        one = camp("run", "nurture.camp", "--db", serial, *args, *options, *files[0])
        two = camp(
            "run", "nurture.camp", "--db", parallel, *args, *options, *files[1],
            "--workers", workers,
        )  # fmt: skip
        mix = ["--workers", workers] if k == 1 else []
        three = camp("run", "nurture.camp", "--db", mixed, *args, *options, *files[2], *mix)
        assert one.exit_code == two.exit_code == three.exit_code == 0, (two.output, three.output)
        assert run_summary(two) == run_summary(one) == run_summary(three)
        assert workspace_state(parallel) == workspace_state(serial) == workspace_state(mixed)
        for suffix in (".csv", ".jsonl"):
            texts = {(work / f"{db.stem}{suffix}").read_text(encoding="utf-8") for db in
                     (serial, parallel, mixed)}  # fmt: skip
            assert len(texts) == 1


def test_flow_errors_equal_serial(work: Path) -> None:
    """Campaign errors: exit status 1, the same errors in the same order, logged alike."""
    ws = _nurture(work, "s.db")
    write(
        work / "bad.camp",
        NURTURE
        + "\ncampaign Divide < set score = 10 / (score - 3); request Nudge; >\n"
        + "campaign Again < on requested; set score = 1 / (touches - touches); >\n",
    )
    parallel = copy_workspace(ws, work / "p.db")
    args = ("run", "bad.camp", "--campaign", "Divide", "--start", START, "--until", "9 days")
    one = camp(*args, "--db", ws, "--batch-size", "4", "--format", "json")
    two = camp(*args, "--db", parallel, "--batch-size", "4", "--format", "json", "--workers", "3")
    assert one.exit_code == two.exit_code == 1
    assert run_summary(two) == run_summary(one)
    assert len(run_summary(one)["errors"]) > 5
    assert workspace_state(parallel) == workspace_state(ws)


def test_an_empty_workspace_and_more_workers_than_leads(work: Path) -> None:
    write(work / "p.camp", "campaign Touch < set touched = 1; >\n")
    write(work / "leads.csv", "id,email\n7,a@example.com\n")
    assert camp("db", "import", "one.db", "leads.csv").exit_code == 0
    with sqlite3.connect(work / "one.db") as conn:
        conn.execute("DELETE FROM leads")
    copy_workspace(work / "one.db", work / "empty.db")
    assert camp("db", "import", "one.db", "leads.csv").exit_code == 0
    for db in ("empty.db", "one.db"):
        copy_workspace(work / db, work / "serial.db")
        args = ("run", "p.camp", "--campaign", "Touch", "--start", START, "--format", "json")
        one = camp(*args, "--db", "serial.db")
        two = camp(*args, "--db", db, "--workers", "4")
        assert one.exit_code == two.exit_code == 0, two.output
        assert run_summary(two) == run_summary(one)
        assert workspace_state(work / db) == workspace_state(work / "serial.db")


@pytest.mark.parametrize("workers,batch", [("2", "100"), ("3", "7")])
def test_a_larger_run_equals_serial(
    big_workspace: Path, tmp_path: Path, workers: str, batch: str
) -> None:
    """The crash test's program over 1,500 leads: requests, triggers, 'created' for every
    lead, waits and retries across both phases and many batches. (At 7 leads a batch a
    worker keeps 280 leads in memory: it lets committed ones go and loads them again.)"""
    args = ("run", DATA / "crash.camp", "--campaign", "Intake", "--start", START)
    args += ("--until", "10 days", "--batch-size", batch, "--format", "json")
    serial = copy_workspace(big_workspace, tmp_path / "serial.db")
    with sqlite3.connect(serial) as conn:
        conn.execute("DELETE FROM leads WHERE id > 1500")
        conn.execute("DELETE FROM queue WHERE lead_id > 1500")
    parallel = copy_workspace(serial, tmp_path / "parallel.db")
    one = camp(*args, "--db", serial)
    two = camp(*args, "--db", parallel, "--workers", workers)
    assert one.exit_code == two.exit_code == 0, two.output
    assert run_summary(two) == run_summary(one)
    assert workspace_state(parallel) == workspace_state(serial)


# ---- failures ---------------------------------------------------------------------------------

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds the workers in /proc"
)
CRASH_RUN = ["--campaign", "Intake", "--start", START, "--until", "10 days"]


def _command(db: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "camp.cli",
        "run",
        str(DATA / "crash.camp"),
        "--db",
        str(db),
        *args,
    ]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _progress(db: Path) -> tuple[int, int] | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT phase, cursor FROM runs WHERE status = 'running'").fetchone()
        return None if row is None else (int(row[0]), int(row[1]))
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def _started(db: Path, proc: subprocess.Popen[str], workers: int) -> list[int]:
    """The workers of ``proc`` once its first batch is committed (mid-run, resumable)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        state = _progress(db)
        children = _children(proc.pid)
        if state is not None and state != (1, 0) and len(children) == workers:
            return children
        time.sleep(0.01)
    pytest.fail(
        f"the run ended (or did not start) before the test could interrupt it: {proc.poll()}"
    )


@pytest.fixture(scope="module")
def reference(big_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The crash program's uninterrupted serial run."""
    db = copy_workspace(big_workspace, tmp_path_factory.mktemp("ref") / "ref.db")
    result = subprocess.run(_command(db, *CRASH_RUN), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return workspace_state(db)


@needs_proc
@pytest.mark.parametrize("resume", [[], ["--workers", "2"]], ids=["serial", "workers"])
def test_a_killed_worker_fails_the_run_and_resume_finishes_it(
    big_workspace: Path, tmp_path: Path, reference: list[str], resume: list[str]
) -> None:
    db = copy_workspace(big_workspace, tmp_path / "ws.db")
    proc = subprocess.Popen(
        _command(db, *CRASH_RUN, "--workers", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victim = _started(db, proc, 2)[-1]
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("camp: error: partition ")
    assert "of 2 failed: its worker process ended before the run did (killed by signal 9)" in err
    assert f"--db {db} --resume`" in lines[0]
    assert _children(proc.pid) == []
    assert _progress(db) is not None  # the run is unfinished, as a crash leaves it
    again = subprocess.run(_command(db, "--resume", *resume), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert workspace_state(db) == reference


@needs_proc
@pytest.mark.parametrize("workers", [2, None], ids=["workers-2", "serial"])
def test_ctrl_c_stops_every_worker_and_resume_finishes_the_run(
    big_workspace: Path, tmp_path: Path, reference: list[str], workers: int | None
) -> None:
    db = copy_workspace(big_workspace, tmp_path / "ws.db")
    more = ["--workers", str(workers)] if workers else []
    proc = subprocess.Popen(
        _command(db, *CRASH_RUN, *more), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    children = _started(db, proc, workers or 0)
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    stopped = "every worker stopped; " if workers else ""
    assert f"camp: interrupted: {stopped}the workspace keeps every batch committed" in err
    assert f"--db {db} --resume`" in err and "Traceback" not in err
    for pid in children:  # stopped and reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert _progress(db) is not None
    again = subprocess.run(
        _command(db, *CRASH_RUN, "--resume", "--workers", "2"), capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert workspace_state(db) == reference


# ---- refusals -----------------------------------------------------------------------------------


def test_dask_with_a_workspace_is_refused(work: Path) -> None:
    ws = _nurture(work, "ws.db")
    before = dump(ws)
    one_error_line(
        camp("run", "nurture.camp", "--db", "ws.db", "--start", START, "--dask", "local"),
        "--dask with --db",
        "SQLite does not work over a network file system",
        "--workers N",
    )
    one_error_line(
        camp("run", "nurture.camp", "--db", "ws.db", "--start", START, "--workers", "2", "--trace"),
        "--trace",
        "drop --workers",
    )
    one_error_line(
        camp("run", "nurture.camp", "--db", "ws.db", "--start", START, "--workers", "none"),
        "--workers none: expected a whole number >= 1 or 'auto'",
    )
    assert dump(ws) == before


def test_summary_reports_the_workers_engine(work: Path) -> None:
    write(work / "p.camp", "campaign Touch < set touched = 1; >\n")
    write(work / "leads.csv", "id,email\n1,a@example.com\n2,b@example.com\n")
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    for engine in ("compiled", "tree"):
        result = camp(
            "run", "p.camp", "--db", "ws.db", "--campaign", "Touch", "--start", START,
            "--workers", "2", "--engine", engine, "--format", "json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["engine"] == engine
