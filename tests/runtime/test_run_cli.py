"""`camp run` as users script it (spec §7): exit statuses, the JSON summary, --trace,
--out in every format, --activities, and clear one-line input errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

START = "2026-12-01T09:00:00"

PROGRAM = """\
campaign Main <
  set visits_seen = visits;
  call Enrich;
  send email "Welcome";
>

executable campaign Enrich <
  set ratio = score / visits;
  call Label;
>

executable campaign Label <
  set label = "ratio " + ratio;
>
"""

LEADS_CSV = """\
id,email,score,visits
1,ana@example.com,10,2
2,bo@example.com,5,0
3,cy@example.com,9,3
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.camp").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "leads.csv").write_text(LEADS_CSV, encoding="utf-8")
    return tmp_path


def camp_run(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def run_main(*extra: str, leads: str = "leads.csv"):
    return camp_run("main.camp", "--campaign", "Main", "--leads", leads, "--start", START, *extra)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def assert_input_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("camp: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


# ---- exit statuses ---------------------------------------------------------------------


def test_exit_0_and_text_summary(work):
    (work / "ok.csv").write_text(
        "id,email,score,visits\n1,ana@example.com,10,2\n", encoding="utf-8"
    )
    result = run_main(leads="ok.csv")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "clock        2026-12-01T09:00:00 → 2026-12-01T09:00:00" in out
    assert "leads        1" in out
    assert "flows        1" in out
    assert "errors       0" in out
    assert "Welcome" in out  # emails sent
    assert result.stderr == ""


def test_exit_1_when_a_flow_ends_in_an_error_but_the_rest_ran(work):
    result = run_main("--out", "out.csv", "--activities", "acts.jsonl")
    assert result.exit_code == 1
    assert "errors       1" in result.stdout
    assert "R201 lead 2 (bo@example.com): division by zero" in result.stdout
    # The rendered error with its stack goes to stderr.
    assert "error[R201]: division by zero" in result.stderr
    assert "  campaign stack, innermost last:" in result.stderr
    assert "main.camp:8:3  executable Enrich  set ratio = score / visits;" in result.stderr
    # Everything else was done and saved.
    rows = list(csv.DictReader((work / "out.csv").open(encoding="utf-8")))
    assert [r["label"] for r in rows] == ["ratio 5", "", "ratio 3"]
    sent = [a["lead"] for a in read_jsonl(work / "acts.jsonl") if a["type"] == "Send Email"]
    assert sent == [1, 3]


def test_exit_2_for_bad_options_and_missing_files(work):
    assert_input_error(run_main("--start", "yesterday"), "--start", "yesterday")
    assert_input_error(
        camp_run("main.camp", "--campaign", "Main", "--leads", "nope.csv"), "nope.csv"
    )
    assert_input_error(
        camp_run("missing.camp", "--campaign", "Main", "--leads", "leads.csv"), "missing.camp"
    )
    assert_input_error(
        camp_run("main.camp", "--campaign", "Nope", "--leads", "leads.csv"), "Nope", "Main"
    )
    assert_input_error(camp_run("main.camp", "--leads", "leads.csv"), "nothing to run")
    assert_input_error(run_main("--out", "out.txt"), "out.txt", ".csv")
    assert_input_error(run_main("--until", "soon"), "--until")
    result = run_main("--bogus")
    assert result.exit_code == 2


def test_exit_3_when_the_program_fails_the_checks_and_nothing_runs(work):
    (work / "bad.camp").write_text(
        "campaign Main < call Normalize; >\nexecutable campaign Normalize < wait 1 day; >\n",
        encoding="utf-8",
    )
    result = camp_run(
        "bad.camp", "--campaign", "Main", "--leads", "leads.csv",
        "--out", "out.csv", "--activities", "acts.jsonl",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "error[E101]" in result.stderr
    assert "refused to run" in result.stderr
    assert not (work / "out.csv").exists()
    assert not (work / "acts.jsonl").exists()


# ---- the JSON summary -------------------------------------------------------------------


def test_format_json_summary_keys(work):
    result = run_main("--format", "json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert list(summary) == [
        "leads",
        "flows",
        "steps",
        "activities",
        "activities_by_type",
        "emails",
        "errors",
        "waiting",
        "clock",
        "engine",
    ]
    assert summary["engine"] == "compiled"
    assert summary["leads"] == 3
    assert summary["flows"] == 3
    assert summary["emails"] == {"Welcome": 2}
    assert summary["activities_by_type"]["Flow Error"] == 1
    assert summary["clock"] == {"start": START, "end": START}
    assert summary["waiting"] == []
    [err] = summary["errors"]
    assert err == {
        "code": "R201",
        "message": "division by zero",
        "lead": "2 (bo@example.com)",
        "stack": ["main.camp:3:3 Main", "main.camp:8:3 Enrich"],
    }
    assert sum(summary["activities_by_type"].values()) == summary["activities"]


def test_until_as_a_duration_reports_waiting_flows(work):
    (work / "wait.camp").write_text(
        'campaign Main <\n  wait 3 days;\n  send email "Later";\n>\n', encoding="utf-8"
    )
    args = ["wait.camp", "--campaign", "Main", "--leads", "leads.csv", "--start", START]
    result = camp_run(*args, "--until", "2 days", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["waiting"] == [
        {"lead": i, "campaign": "Main", "until": "2026-12-04T09:00:00"} for i in (1, 2, 3)
    ]
    text = camp_run(*args, "--until", "2 days")
    assert "waiting      3 flow(s) still queued at the end" in text.stdout
    assert "  lead 1  Main  until 2026-12-04T09:00:00" in text.stdout


# ---- --trace -------------------------------------------------------------------------------


def test_trace_is_indented_by_call_depth(work):
    (work / "ok.csv").write_text(
        "id,email,score,visits\n1,ana@example.com,10,2\n", encoding="utf-8"
    )
    result = run_main("--trace", leads="ok.csv")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("[lead 1]")]
    steps = [line[len("[lead 1] ") :] for line in lines]
    # "[lead 1] <indent by call depth>Campaign: step text"
    traced = [tuple(part.strip() for part in s.split(":", 1)) for s in steps]
    assert traced == [
        ("Main", "set visits_seen = visits;"),
        ("Main", "call Enrich;"),
        ("Enrich", "set ratio = score / visits;"),
        ("Enrich", "call Label;"),
        ("Label", 'set label = "ratio " + ratio;'),
        ("Main", 'send email "Welcome";'),
    ]
    indents = [len(s) - len(s.lstrip(" ")) for s in steps]
    assert indents == [0, 0, 2, 2, 4, 0]


# ---- --out and --activities ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl"])
def test_out_in_every_format_with_id_first(work, suffix):
    result = run_main("--out", f"out.{suffix}")
    assert result.exit_code == 1  # lead 2 divides by zero
    path = work / f"out.{suffix}"
    if suffix == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        assert header[0] == "id"
        assert header[1:4] == ["email", "score", "visits"]  # first-seen order
        records = [dict(zip(header, r, strict=False)) for r in body]
        assert records[0]["id"] == "1"
        assert records[0]["ratio"] == "5"
        assert records[0]["label"] == "ratio 5"
        assert records[1]["ratio"] == ""  # null is an empty cell
    else:
        text = path.read_text(encoding="utf-8")
        records = (
            json.loads(text) if suffix == "json" else [json.loads(x) for x in text.splitlines()]
        )
        assert all(next(iter(r)) == "id" for r in records)
        assert records[0]["id"] == 1
        assert records[0]["ratio"] == 5
        assert records[0]["label"] == "ratio 5"
        assert records[1].get("ratio") is None  # never set: absent or null
    assert [str(r["id"]) for r in records] == ["1", "2", "3"]


def test_out_uses_schema_order_for_a_closed_schema(work):
    (work / "closed.camp").write_text(
        "fields < score: number = 0; company: text; >\ncampaign Main < set score += 1; >\n",
        encoding="utf-8",
    )
    (work / "l.csv").write_text("company,email,id\nAcme,a@example.com,7\n", encoding="utf-8")
    args = ["closed.camp", "--campaign", "Main", "--leads", "l.csv", "--start", START]
    result = camp_run(*args, "--out", "o.jsonl")
    assert result.exit_code == 0, result.output
    [record] = read_jsonl(work / "o.jsonl")
    assert list(record) == ["id", "email", "unsubscribed", "score", "company"]
    assert record == {
        "id": 7,
        "email": "a@example.com",
        "unsubscribed": False,
        "score": 1,
        "company": "Acme",
    }


def test_activities_jsonl(work):
    result = run_main("--activities", "acts.jsonl")
    assert result.exit_code == 1
    acts = read_jsonl(work / "acts.jsonl")
    assert all(list(a)[:4] == ["lead", "time", "type", "campaign"] for a in acts)
    assert acts[0] == {
        "lead": 1,
        "time": START,
        "type": "Campaign Run",
        "campaign": "Main",
        "trigger": "batch",
    }
    [err] = [a for a in acts if a["type"] == "Flow Error"]
    assert err["lead"] == 2
    assert err["stack"] == ["main.camp:3:3 Main", "main.camp:8:3 Enrich"]
    summary = json.loads(run_main("--format", "json").stdout)
    assert len(acts) == summary["activities"]


def test_leads_as_json_and_jsonl_and_ids_by_position(work):
    (work / "l.json").write_text(
        '[{"email": "a@example.com", "score": 4, "visits": 2}]', encoding="utf-8"
    )
    (work / "l.jsonl").write_text(
        '{"email": "a@example.com", "score": 4, "visits": 2}\n', encoding="utf-8"
    )
    for name in ("l.json", "l.jsonl"):
        result = run_main("--out", "o.json", leads=name)
        assert result.exit_code == 0, result.output
        [record] = json.loads((work / "o.json").read_text(encoding="utf-8"))
        assert record["id"] == 1
        assert record["ratio"] == 2


# ---- bad input files -------------------------------------------------------------------------


def test_ragged_csv_row(work):
    (work / "bad.csv").write_text("id,email,score,visits\n1,a@example.com,1,1\n2,b@example.com\n")
    assert_input_error(run_main(leads="bad.csv"), "bad.csv:3", "2 cells", "4")


def test_bad_number_in_a_closed_schema(work):
    (work / "closed.camp").write_text(
        "fields < score: number; >\ncampaign Main < set score += 1; >\n", encoding="utf-8"
    )
    (work / "bad.csv").write_text("id,email,score\n1,a@example.com,3\n2,b@example.com,lots\n")
    result = camp_run("closed.camp", "--campaign", "Main", "--leads", "bad.csv")
    assert_input_error(result, "bad.csv:3", "score", "lots", "number")


def test_duplicate_lead_ids(work):
    (work / "dup.csv").write_text("id,email\n1,a@example.com\n2,b@example.com\n1,c@example.com\n")
    assert_input_error(run_main(leads="dup.csv"), "dup.csv:4", "duplicate lead id 1")


def test_malformed_json_leads(work):
    (work / "bad.json").write_text('[\n  {"id": 1},\n  {"id": 2,}\n]\n')
    assert_input_error(run_main(leads="bad.json"), "bad.json:3", "malformed JSON")


def test_malformed_jsonl_leads(work):
    (work / "bad.jsonl").write_text('{"id": 1}\n{"id": 2\n')
    assert_input_error(run_main(leads="bad.jsonl"), "bad.jsonl:2", "malformed JSON")


def test_json_leads_must_be_an_array_of_objects(work):
    (work / "bad.json").write_text('{"id": 1}')
    assert_input_error(run_main(leads="bad.json"), "bad.json", "array")


def test_bad_lead_id(work):
    (work / "bad.csv").write_text("id,email\nabc,a@example.com\n")
    assert_input_error(run_main(leads="bad.csv"), "bad.csv:2", "abc")


def test_bad_events_file(work):
    (work / "t.camp").write_text('campaign T < on form "F"; moment "f"; >\n', encoding="utf-8")
    args = ["t.camp", "--leads", "leads.csv", "--start", START, "--events"]
    (work / "e1.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00", "lead": 1, "type": "visit", "name": "F"}\n'
    )
    assert_input_error(camp_run(*args, "e1.jsonl"), "e1.jsonl:1", "visit")
    (work / "e2.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"}\n{"time": "noon", "lead": 1, "type": "form", "name": "F"}\n'
    )
    assert_input_error(camp_run(*args, "e2.jsonl"), "e2.jsonl:2", "noon")
    (work / "e3.jsonl").write_text('{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form"\n')
    assert_input_error(camp_run(*args, "e3.jsonl"), "e3.jsonl:1", "malformed JSON")
    (work / "e4.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00", "lead": 99, "type": "form", "name": "F"}\n'
    )
    assert_input_error(camp_run(*args, "e4.jsonl"), "e4.jsonl:1", "99")


def test_events_run_from_the_cli(work):
    (work / "t.camp").write_text(
        'campaign T < on form "F"; moment "f {{lead.email}}"; >\n', encoding="utf-8"
    )
    (work / "e.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00", "lead": 3, "type": "form", "name": "F"}\n'
    )
    result = camp_run(
        "t.camp", "--leads", "leads.csv", "--events", "e.jsonl", "--start", START,
        "--activities", "a.jsonl", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["clock"] == {"start": START, "end": "2026-12-01T10:00:00"}
    moments = [a for a in read_jsonl(work / "a.jsonl") if a["type"] == "Interesting Moment"]
    assert moments == [
        {
            "lead": 3,
            "time": "2026-12-01T10:00:00",
            "type": "Interesting Moment",
            "campaign": "T",
            "description": "f cy@example.com",
        }
    ]


def test_limit_options(work):
    (work / "loop.camp").write_text(
        "campaign Main <\n  set n = 1;\n>\n\n"
        "campaign Again <\n  on change n;\n  qualify every time;\n  set n += 1;\n>\n",
        encoding="utf-8",
    )
    args = ["loop.camp", "--campaign", "Main", "--leads", "leads.csv", "--start", START]
    cascade = camp_run(*args, "--max-cascade", "2", "--format", "json")
    assert cascade.exit_code == 1
    errors = json.loads(cascade.stdout)["errors"]
    assert [(e["code"], e["lead"]) for e in errors] == [
        ("R205", "1 (ana@example.com)"),
        ("R205", "2 (bo@example.com)"),
        ("R205", "3 (cy@example.com)"),
    ]
    steps = camp_run(*args, "--max-steps", "5", "--format", "json")
    assert steps.exit_code == 1
    assert {e["code"] for e in json.loads(steps.stdout)["errors"]} == {"R204"}
    assert camp_run(*args, "--max-steps", "0").exit_code == 2


def test_bad_option_is_one_clear_line(work):
    assert_input_error(run_main("--max-steps", "0"), "--max-steps")
    assert_input_error(run_main("--bogus"), "--bogus")


def test_max_depth_applies_to_the_checks_before_anything_runs(work):
    result = run_main("--max-depth", "1", "--activities", "acts.jsonl")
    assert result.exit_code == 3
    assert "error[E205]" in result.stderr
    assert "Main → Enrich → Label" in result.stderr
    assert not (work / "acts.jsonl").exists()


def test_out_does_not_change_the_order_of_activities(work):
    (work / "req.camp").write_text(
        'campaign Main <\n  request Later;\n  moment "main";\n>\n\n'
        "campaign Later <\n  on requested;\n  set n = 1;\n>\n",
        encoding="utf-8",
    )
    args = ["req.camp", "--campaign", "Main", "--leads", "leads.csv", "--start", START]
    assert camp_run(*args, "--activities", "plain.jsonl").exit_code == 0
    assert camp_run(*args, "--activities", "with_out.jsonl", "--out", "o.csv").exit_code == 0
    plain = [(a["lead"], a["type"], a["campaign"]) for a in read_jsonl(work / "plain.jsonl")]
    with_out = [(a["lead"], a["type"], a["campaign"]) for a in read_jsonl(work / "with_out.jsonl")]
    assert plain[3] == (2, "Campaign Run", "Main")  # every batch flow first, then requests
    assert with_out == plain


def test_out_in_a_missing_directory_is_an_input_error(work):
    assert_input_error(run_main("--out", "no/such/dir/out.csv"), "no/such/dir/out.csv")


def test_json_lead_values_keep_their_json_types(work):
    (work / "t.camp").write_text('campaign Main < set tag = code + "-x"; >\n', encoding="utf-8")
    (work / "l.json").write_text('[{"id": 1, "code": "0042", "zip": "10115", "opt": "true"}]')
    result = camp_run("t.camp", "--campaign", "Main", "--leads", "l.json", "--out", "o.json")
    assert result.exit_code == 0, result.output
    [record] = json.loads((work / "o.json").read_text(encoding="utf-8"))
    assert record["zip"] == "10115"
    assert record["opt"] == "true"
    assert record["tag"] == "0042-x"


def test_csv_out_keeps_fields_first_seen_on_later_leads(work):
    (work / "t.camp").write_text(
        'campaign Main < if id == 2 then < set vip = "yes"; > >\n', encoding="utf-8"
    )
    result = camp_run("t.camp", "--campaign", "Main", "--leads", "leads.csv", "--out", "o.csv")
    assert result.exit_code == 0, result.output
    with (work / "o.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r.get("vip") for r in rows] == ["", "yes", ""]
