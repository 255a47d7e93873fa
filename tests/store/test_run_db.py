"""`camp run FILE --db DB`: the same simulation as a file-based run, written back to the
workspace; a later run continues from the workspace's clock and resumes waiting flows;
refusals (unfinished run, --leads, time going back) and the store interface."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from camp.checker import check_files
from camp.runtime.evaluator import Limits
from camp.runtime.run import RunOptions, execute
from camp.store.base import ActivityQuery
from camp.store.memory import MemoryStore
from camp.store.runner import WorkspaceRun, run_workspace
from camp.store.sqlite import SQLiteStore
from example_commands import header_commands
from store_helpers import (
    START,
    camp,
    copy_workspace,
    dump,
    export_records,
    log_json,
    one_error_line,
    read_jsonl,
    write,
)

ROOT = Path(__file__).resolve().parents[2]

NURTURE = """\
fields <
  email: text;
  score: number = 0;
  stage: text;
  touches: number = 0;
>

program "Onboarding" <
  statuses "New", "Engaged", "Customer";

  campaign Welcome <
    on created;
    send email "Welcome";
    change status to "New";
    wait 2 days;
    set touches += 1;
    request Nudge;
    wait 5 days;
    if score >= 10 then < change status to "Engaged"; > else < set stage = "cold"; >
  >

  campaign Nudge <
    on requested;
    retry 2 times <
      wait 1 day;
      set score += 5;
    > until score >= 10;
    send email "Nudge";
  >

  campaign Rescore <
    set score += 1;
    if score > 3 then < add to list "Warm"; request Nudge; >
  >
>

campaign OnWarm <
  on added to list "Warm";
  moment "warm: {{lead.email}}";
>
"""

LEADS = "id,email,score\n" + "".join(f"{i},lead{i}@example.com,{i % 7}\n" for i in range(1, 41))


@pytest.fixture
def ws(work: Path) -> Path:
    write(work / "nurture.camp", NURTURE)
    write(work / "leads.csv", LEADS)
    result = camp("db", "import", "ws.db", "leads.csv", "--schema", "nurture.camp")
    assert result.exit_code == 0, result.output
    return work / "ws.db"


def run_db(*args: str, db: str = "ws.db", program: str = "nurture.camp"):
    return camp("run", program, "--db", db, *args)


# ---- a simulation across runs -----------------------------------------------------------------


def test_waits_resume_in_a_later_run(ws: Path) -> None:
    work = ws.parent
    first = run_db("--start", START, "--until", "3 days", "--format", "json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["clock"] == {"start": START, "end": "2026-12-04T00:00:00"}
    waiting = [w["campaign"] for w in report["waiting"]]
    assert waiting.count("Welcome") == 40  # its second wait, 5 days
    assert 0 < waiting.count("Nudge") < 40  # the retry's second attempt, for low scores
    log1 = log_json(ws)
    assert {a["type"] for a in log1} >= {"Wait", "Resume", "Send Email"}
    stats = json.loads(camp("db", "stats", "ws.db", "--format", "json").stdout)
    assert stats["clock"] == "2026-12-04T00:00:00" and stats["waiting_flows"] == len(waiting)

    second = run_db("--until", "10 days", "--format", "json")  # --start: the stored clock
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["clock"]["start"] == "2026-12-04T00:00:00"
    assert report["waiting"] == []
    log2 = log_json(ws)
    assert log2[: len(log1)] == log1  # the log only grows
    resumed = [a for a in log2[len(log1) :] if a["type"] == "Resume"]
    assert resumed and all(a["time"] > "2026-12-04" for a in resumed)

    # The same simulation in one run gives the same leads and the same log.
    copy = work / "one.db"
    write(work / "leads2.csv", LEADS)
    assert camp("db", "import", copy, "leads2.csv", "--schema", "nurture.camp").exit_code == 0
    assert run_db("--start", START, "--until", "2026-12-14T00:00:00", db=str(copy)).exit_code == 0
    assert log_json(copy) == log2
    assert export_records(copy, work) == export_records(ws, work)


def test_later_run_cannot_go_back_in_time(ws: Path) -> None:
    assert run_db("--start", START, "--until", "3 days").exit_code == 0
    before = dump(ws)
    one_error_line(
        run_db("--start", "2026-12-02T00:00:00"),
        "--start 2026-12-02T00:00:00 is before the workspace's clock (2026-12-04T00:00:00)",
    )
    assert dump(ws) == before


def test_imported_leads_raise_created_once(ws: Path) -> None:
    assert run_db("--start", START, "--until", "1 hour").exit_code == 0
    runs = [a for a in log_json(ws, "--type", "campaign run") if a["campaign"] == "Welcome"]
    assert len(runs) == 40 and {a["trigger"] for a in runs} == {"created"}
    write(ws.parent / "more.csv", "id,email\n5,changed@example.com\n41,new@example.com\n")
    assert camp("db", "import", "ws.db", "more.csv").exit_code == 0
    assert run_db("--until", "1 hour").exit_code == 0
    runs = [a for a in log_json(ws, "--type", "Campaign Run") if a["campaign"] == "Welcome"]
    assert [a["lead"] for a in runs[40:]] == [41]  # only the new lead


def test_nothing_to_run(ws: Path) -> None:
    assert run_db("--start", START).exit_code == 0  # runs the whole queue (no --until)
    before = dump(ws)
    one_error_line(run_db(), "nothing to run", "--campaign")
    assert dump(ws) == before


# ---- the same simulation as a file-based run ----------------------------------------------------


EXAMPLES = [
    (path.stem, k, args)
    for path in sorted((ROOT / "examples").glob("*.camp"))
    for k, args in enumerate(header_commands(path))
]


def _records(path: Path) -> dict[int, dict]:
    """Leads by id; a missing field and a null one are the same (column order aside)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            rows = [{k: v for k, v in r.items() if v != ""} for r in csv.DictReader(f)]
        return {int(r["id"]): r for r in rows}
    items = (
        json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".json" else read_jsonl(path)
    )
    return {r["id"]: {k: v for k, v in r.items() if v is not None} for r in items}


@pytest.mark.parametrize("name,k,args", EXAMPLES, ids=[f"{n}-{k}" for n, k, _ in EXAMPLES])
def test_examples_run_the_same_from_a_workspace(
    work: Path, monkeypatch: pytest.MonkeyPatch, name: str, k: int, args: list[str]
) -> None:
    monkeypatch.chdir(ROOT)
    args = list(args)
    for option in ("--out", "--activities"):
        if option in args:
            i = args.index(option)
            del args[i : i + 2]
    i = args.index("--leads")
    leads = args[i + 1]
    del args[i : i + 2]
    ext = Path(leads).suffix
    program = args[0]
    file_out, file_acts = work / f"file.out{ext}", work / "file.acts.jsonl"
    result = camp("run", *args, "--leads", leads, "--out", file_out, "--activities", file_acts)
    assert result.exit_code in (0, 1), result.output
    db = work / "ws.db"
    assert camp("db", "import", db, leads, "--schema", program).exit_code == 0
    with sqlite3.connect(db) as conn:  # a file-based run does not raise 'created' for its leads
        conn.execute("DELETE FROM queue WHERE kind = 'created'")
    db_out, db_acts = work / f"db.out{ext}", work / "db.acts.jsonl"
    again = camp("run", *args, "--db", db, "--out", db_out, "--activities", db_acts)
    assert again.exit_code == result.exit_code, again.output
    assert db_acts.read_text(encoding="utf-8") == file_acts.read_text(encoding="utf-8")
    assert [json.dumps(a) for a in log_json(db)] == [json.dumps(a) for a in read_jsonl(file_acts)]
    assert _records(db_out) == _records(file_out)


def test_schema_types_a_lead_once_per_run(work: Path) -> None:
    """A field a flow clears stays clear for the rest of the run, as in a file-based run,
    however the run's batches fall: the schema's default fills it only when the lead is
    read in a later run."""
    write(work / "p.camp", CLEARS)
    write(work / "leads.csv", "id,email\n1,a@example.com\n2,b@example.com\n3,c@example.com\n")
    file_run = camp(
        "run", "p.camp", "--leads", "leads.csv", "--campaign", "Clear", "--start", START,
        "--activities", "file.jsonl",
    )  # fmt: skip
    assert file_run.exit_code == 0, file_run.output
    for batch in ("1", "500"):
        db = work / f"ws{batch}.db"
        assert camp("db", "import", db, "leads.csv", "--schema", "p.camp").exit_code == 0
        with sqlite3.connect(db) as conn:  # a file-based run raises no 'created'
            conn.execute("DELETE FROM queue WHERE kind = 'created'")
        result = run_db(
            "--campaign", "Clear", "--start", START, "--batch-size", batch,
            db=str(db), program="p.camp",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert log_json(db) == read_jsonl(work / "file.jsonl")
        moments = [a["description"] for a in log_json(db, "--type", "Interesting Moment")]
        assert moments == ["score is "] * 3
        assert {r["score"] for r in export_records(db, work)} == {None}
        later = run_db("--campaign", "Check", db=str(db), program="p.camp")
        assert later.exit_code == 0, later.output
        moments = [a["description"] for a in log_json(db, "--type", "Interesting Moment")]
        assert moments[3:] == ["score is 0"] * 3  # read again in a new run: the default


CLEARS = """\
fields <
  email: text;
  score: number = 0;
>
campaign Clear <
  set score = null;
  request Show;
>
campaign Show <
  on requested;
  moment "score is {{lead.score}}";
>
campaign Check < moment "score is {{lead.score}}"; >
"""


# ---- refusals -----------------------------------------------------------------------------------


def test_leads_with_db_refused(ws: Path) -> None:
    one_error_line(run_db("--leads", "leads.csv", "--campaign", "Rescore"), "--leads and --db")


def test_resume_needs_db_and_an_unfinished_run(ws: Path) -> None:
    one_error_line(camp("run", "nurture.camp", "--resume"), "--resume", "--db")
    before = dump(ws)
    one_error_line(run_db("--resume"), "no unfinished run")
    assert dump(ws) == before


def _interrupt(db: Path) -> None:
    """Make the last run look interrupted after its first lead (as a crash leaves it)."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET status = 'running' WHERE id = (SELECT max(id) FROM runs)")


def test_unfinished_run_blocks_new_runs_until_resumed(ws: Path) -> None:
    work = ws.parent
    copy_workspace(ws, work / "clean.db")
    with sqlite3.connect(work / "clean.db") as conn:
        conn.execute("DELETE FROM queue")  # keep the test to the batch
    assert run_db("--campaign", "Rescore", "--start", START, db="clean.db").exit_code == 0
    _interrupt(work / "clean.db")
    before = dump(work / "clean.db")
    line = one_error_line(run_db("--campaign", "Rescore", db="clean.db"))
    assert "run #1 (nurture.camp, --campaign Rescore) did not finish" in line
    assert "camp run nurture.camp --db clean.db --resume" in line
    one_error_line(
        run_db("--resume", "--campaign", "Welcome", db="clean.db"),
        "these differ: --campaign (the run's was Rescore)",
    )
    write(work / "nurture.camp", NURTURE + "\ncampaign Extra < >\n")
    one_error_line(run_db("--resume", db="clean.db"), "different version of the program")
    assert dump(work / "clean.db") == before
    write(work / "nurture.camp", NURTURE)
    result = run_db("--resume", db="clean.db")
    assert result.exit_code == 0, result.output
    assert "error(s) in the whole run" in result.stdout


def test_resume_accepts_the_interrupted_runs_own_options(ws: Path) -> None:
    """Re-running the same command with --resume appended finishes the run (issue 13, 12);
    only an option that differs is refused, and it is named."""
    work = ws.parent
    copy_workspace(ws, work / "clean.db")
    with sqlite3.connect(work / "clean.db") as conn:
        conn.execute("DELETE FROM queue")
    same = ("--campaign", "Rescore", "--start", START, "--until", "2 days")
    assert run_db(*same, db="clean.db").exit_code == 0
    _interrupt(work / "clean.db")
    before = dump(work / "clean.db")
    line = one_error_line(
        run_db(
            "--resume",
            "--campaign",
            "Rescore",
            "--start",
            "2026-12-02T00:00",
            "--until",
            "2 days",
            "--max-steps",
            "7",
            db="clean.db",
        ),
        "these differ",
    )
    assert "--start (the run's was 2026-12-01T00:00:00)" in line
    assert "--max-steps (the run's was 100000)" in line
    assert "--campaign" not in line and "--until" not in line
    assert dump(work / "clean.db") == before
    result = run_db(*same, "--resume", db="clean.db")
    assert result.exit_code == 0, result.output
    assert "error(s) in the whole run" in result.stdout
    assert one_error_line(run_db("--resume", db="clean.db"), "no unfinished run")


def test_program_without_the_waiting_campaign_drops_its_flows(ws: Path) -> None:
    work = ws.parent
    assert run_db("--start", START, "--until", "1 hour").exit_code == 0
    write(work / "changed.camp", NURTURE.replace("campaign Welcome <", "campaign Hello <"))
    result = run_db("--until", "10 days", program="changed.camp")
    assert result.exit_code == 0, result.output
    assert (
        "camp: warning: dropped 40 queued flow(s) of campaign 'Welcome': it is not in this program"
        in result.stderr
    )
    assert json.loads(camp("db", "stats", "ws.db", "--format", "json").stdout)["waiting_flows"] == 0


def test_flow_errors_exit_1_and_are_logged(ws: Path) -> None:
    write(
        ws.parent / "bad.camp",
        NURTURE + "\ncampaign Divide < set score = 10 / (score - score); >\n",
    )
    with sqlite3.connect(ws) as conn:
        conn.execute("DELETE FROM queue")
    result = camp("run", "bad.camp", "--db", "ws.db", "--campaign", "Divide", "--start", START)
    assert result.exit_code == 1
    errors = log_json(ws, "--type", "Flow Error")
    assert len(errors) == 40 and errors[0]["code"] == "R201"


def test_out_and_activities_of_a_workspace_run(ws: Path) -> None:
    work = ws.parent
    result = run_db(
        "--campaign",
        "Rescore",
        "--start",
        START,
        "--until",
        "2 days",
        "--out",
        "after.csv",
        "--activities",
        "acts.jsonl",
    )
    assert result.exit_code == 0, result.output
    acts = read_jsonl(work / "acts.jsonl")
    assert acts == log_json(ws)
    with (work / "after.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 40 and next(iter(rows[0])) == "id"


# ---- the store interface: the in-memory world and the workspace agree ----------------------------


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_memory_and_sqlite_stores_give_the_same_run(ws: Path, batch: int) -> None:
    work = ws.parent
    result = check_files([work / "nurture.camp"])
    symbols = result.symbols
    sqlite_store = SQLiteStore.open(ws)
    memory = MemoryStore()
    for lead in sqlite_store.leads(range(1, 41)):
        memory.save_leads([lead])
    memory.enqueue(sqlite_store.queued())
    memory.set_seq(sqlite_store.seq())
    start = dt.datetime.fromisoformat(START)
    logs = []
    for store in (memory, sqlite_store):
        for until in (start + dt.timedelta(days=3), start + dt.timedelta(days=12)):
            opts = RunOptions(
                campaign="Rescore" if until.day == 4 else None,
                start=store.clock() or start,
                until=until,
                limits=Limits(),
            )
            ws_run = WorkspaceRun(program="nurture.camp", digest="x", batch=batch)
            _, errors = run_workspace(symbols, store, opts, ws_run)
            assert errors == 0
        logs.append(list(store.activities(ActivityQuery())))
    sqlite_store.close()
    assert logs[0] == logs[1]
    assert len(logs[0]) > 500

    # ... and the batch size changes nothing.
    if batch == 1:
        file_log = logs[0]
        fresh = work / "fresh.db"
        write(work / "l.csv", LEADS)
        assert camp("db", "import", fresh, "l.csv", "--schema", "nurture.camp").exit_code == 0
        for args in (
            ("--campaign", "Rescore", "--start", START, "--until", "3 days"),
            ("--until", "2026-12-13T00:00:00"),
        ):
            assert (
                camp("run", "nurture.camp", "--db", fresh, "--batch-size", "7", *args).exit_code
                == 0
            )
        assert log_json(fresh) == file_log


def test_file_based_world_equals_workspace_run_with_triggers_and_waits(ws: Path) -> None:
    """The file-based run (in-memory world) and a workspace run of the same batch agree."""
    work = ws.parent
    with sqlite3.connect(ws) as conn:
        conn.execute("DELETE FROM queue")
    result = check_files([work / "nurture.camp"])
    opts = RunOptions(
        campaign="Rescore",
        leads=work / "leads.csv",
        start=dt.datetime.fromisoformat(START),
        until=dt.datetime(2026, 12, 20),
        keep_activities=True,
    )
    summary = execute(result.symbols, opts)
    assert (
        run_db(
            "--campaign", "Rescore", "--start", START, "--until", "2026-12-20T00:00:00"
        ).exit_code
        == 0
    )
    assert log_json(ws) == summary.activity_log
    # The file-based run's world, behind the store interface, holds what the workspace holds.
    world = MemoryStore.from_run(summary.leads_after, summary.activity_log)
    store = SQLiteStore.open(ws)
    try:
        assert list(world.activities(ActivityQuery(lead_ids=[7]))) == list(
            store.activities(ActivityQuery(lead_ids=[7]))
        )
        assert dict(world.iter_lead_fields("warm")) == dict(store.iter_lead_fields("warm"))
        for mine, theirs in zip(world.leads(range(1, 41)), store.leads(range(1, 41)), strict=True):
            assert (mine.fields, mine.lists, mine.statuses, mine.runs) == (
                theirs.fields,
                theirs.lists,
                theirs.statuses,
                theirs.runs,
            )
    finally:
        store.close()
