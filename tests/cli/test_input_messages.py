"""Input rules and messages found by trying Camp as a new user would (issue 13): number
cells, JSON spelled as JSON, event files, BOMs, the clock options."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

START = "2026-12-01T09:00:00"


def camp(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("camp: error: "), result.stderr
    return lines[0]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(tmp_path: Path, program: str, leads: str, name: str, *extra: object):
    (tmp_path / "p.camp").write_text(program, encoding="utf-8")
    (tmp_path / name).write_text(leads, encoding="utf-8")
    return camp("run", tmp_path / "p.camp", "--start", START, "--leads", tmp_path / name, *extra)


# ---- numbers in lead files ----------------------------------------------------------------

SUM = "campaign Main < set total = n + 1; >\n"
TYPED = "fields < n: number; total: number; >\n" + SUM


@pytest.mark.parametrize("program", [SUM, TYPED], ids=["by look", "schema"])
@pytest.mark.parametrize(
    ("cell", "total"),
    [("1e3", "1001"), ("2.5E-1", "1.25"), ("-1e2", "-99"), ("1" * 40, "1" * 39 + "2")],
)
def test_exponent_and_long_cells_are_numbers(tmp_path, program, cell, total):
    out = tmp_path / "out.csv"
    result = run(
        tmp_path, program, f"id,n\n1,{cell}\n", "l.csv", "--campaign", "Main", "--out", out
    )
    assert result.exit_code == 0, result.output
    assert rows(out)[0]["total"] == total


def test_1e400_is_a_number_and_adding_to_it_is_r202_not_concatenation(tmp_path):
    out = tmp_path / "out.csv"
    result = run(
        tmp_path,
        SUM,
        "id,n\n1,1e400\n",
        "l.csv",
        "--campaign",
        "Main",
        "--out",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert [(e["code"], e["message"]) for e in errors] == [
        ("R202", "'+' gives a number with more than 100 significant digits")
    ]
    assert rows(out)[0]["n"] == "1" + "0" * 400
    assert rows(out)[0]["total"] == ""


@pytest.mark.parametrize(
    ("leads", "name", "shown"),
    [
        ("id,n\n1,1e5000\n", "l.csv", "'1e5000'"),
        ("id,n\n1," + "1" * 101 + "\n", "l.csv", "'" + "1" * 101 + "'"),
        ('[{"id": 1, "n": 1e5000}]', "l.json", "1E+5000"),
        ('[{"id": 1, "n": NaN}]', "l.json", "NaN"),
        ('{"id": 1, "n": Infinity}\n', "l.jsonl", "Infinity"),
    ],
)
def test_numbers_camp_cannot_hold_are_refused_naming_the_row(tmp_path, leads, name, shown):
    line = error_line(run(tmp_path, SUM, leads, name, "--campaign", "Main"))
    assert f"field 'n': {shown} is not a number Camp holds exactly" in line


@pytest.mark.parametrize("cell", ["NaN", "Infinity", "-inf"])
def test_nan_and_infinity_are_not_numbers_of_a_number_field(tmp_path, cell):
    line = error_line(run(tmp_path, TYPED, f"id,n\n1,{cell}\n", "l.csv", "--campaign", "Main"))
    assert f"l.csv:2: field 'n': '{cell}' is not a number Camp holds exactly" in line


# ---- JSON spelled as JSON -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("leads", "message"),
    [
        ('[{"id": true}]', "l.json: item 1: lead id true is not a whole number"),
        ('[{"id": 1.5}]', "l.json: item 1: lead id 1.5 is not a whole number"),
        ('[{"id": "x"}]', "l.json: item 1: lead id 'x' is not a whole number"),
    ],
)
def test_json_values_in_messages_are_spelled_as_json(tmp_path, leads, message):
    line = error_line(run(tmp_path, SUM, leads, "l.json", "--campaign", "Main"))
    assert message in line


def test_schema_messages_spell_json_values_as_json(tmp_path):
    typed = "fields < n: number; >\ncampaign Main < set n = 1; >\n"
    line = error_line(
        run(tmp_path, typed, '[{"id": 1, "n": true}]', "l.json", "--campaign", "Main")
    )
    assert "field 'n': true is not a valid number" in line


# ---- events and the clock -------------------------------------------------------------------

TRIGGERED = (
    'campaign T < on form "F"; moment "form"; >\ncampaign New < on created; moment "new"; >\n'
)


def events_run(tmp_path: Path, events: str, *extra: object):
    (tmp_path / "ev.jsonl").write_text(events, encoding="utf-8")
    return run(
        tmp_path,
        TRIGGERED,
        "id,email\n1,a@x.com\n",
        "l.csv",
        "--events",
        tmp_path / "ev.jsonl",
        *extra,
    )


def test_an_empty_events_file_says_it_is_empty(tmp_path):
    assert "ev.jsonl: the events file is empty" in error_line(events_run(tmp_path, "\n  \n"))


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {"time": START, "lead": 1, "type": "form", "name": "F", "when": "x"},
            "ev.jsonl:1: unknown key 'when' in a 'form' event (its keys: time, type, lead, name)",
        ),
        (
            {"time": START, "type": "created", "fields": {}, "lead": 3},
            "ev.jsonl:1: unknown key 'lead' in a 'created' event (its keys: time, type, fields, id)",
        ),
        (
            {"time": START, "type": "created", "id": 1, "fields": {"email": "b@x.com"}},
            "ev.jsonl:1: 'created' event for lead 1, which already exists",
        ),
        (
            {"time": START, "type": "created", "id": 7, "fields": {"id": 8}},
            'ev.jsonl:1: the event\'s "id" 7 and its fields\' "id" 8 differ',
        ),
        (
            {"time": "2026-12-01T08:59:59", "lead": 1, "type": "form", "name": "F"},
            "ev.jsonl:1: the event's time 2026-12-01T08:59:59 is before the start of the "
            "simulation (2026-12-01T09:00:00): give an earlier --start",
        ),
        ({"time": True, "lead": 1, "type": "form", "name": "F"}, "'time' true is not an ISO"),
        ({"time": START, "lead": 1, "type": None, "name": "F"}, "event type null is not one of"),
    ],
)
def test_bad_events_are_input_errors_naming_the_line(tmp_path, event, message):
    assert message in error_line(events_run(tmp_path, json.dumps(event) + "\n"))


def test_a_created_event_with_a_top_level_id_creates_that_lead(tmp_path):
    event = {
        "time": "2026-12-01T10:00:00",
        "type": "created",
        "id": 42,
        "fields": {"email": "n@x.com"},
    }
    out = tmp_path / "out.csv"
    result = events_run(tmp_path, json.dumps(event) + "\n", "--out", out)
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["email"]) for r in rows(out)] == [("1", "a@x.com"), ("42", "n@x.com")]


def test_until_before_start_is_an_input_error(tmp_path):
    ok = json.dumps({"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"})
    line = error_line(events_run(tmp_path, ok + "\n", "--until", "2026-11-30T00:00"))
    assert "--until 2026-11-30T00:00:00 is before --start 2026-12-01T09:00:00" in line


# ---- byte-order marks ---------------------------------------------------------------------


def test_a_bom_at_the_start_of_a_camp_file_is_ignored(tmp_path):
    (tmp_path / "p.camp").write_bytes(b"\xef\xbb\xbfcampaign Main < set x = 1; >\n")
    result = camp("check", tmp_path / "p.camp", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"result": "OK", "diagnostics": []}
    leads = tmp_path / "l.csv"
    leads.write_bytes(b"\xef\xbb\xbfid,name\n3,Ana\n")
    out = tmp_path / "out.csv"
    result = camp(
        "run",
        tmp_path / "p.camp",
        "--campaign",
        "Main",
        "--start",
        START,
        "--leads",
        leads,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "id,name,x,unsubscribed",
        "3,Ana,1,false",
    ]


def test_a_bom_at_the_start_of_an_events_file_is_ignored(tmp_path):
    event = json.dumps({"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"})
    (tmp_path / "ev.jsonl").write_bytes(b"\xef\xbb\xbf" + event.encode() + b"\n")
    result = run(
        tmp_path, TRIGGERED, "id,email\n1,a@x.com\n", "l.csv", "--events", tmp_path / "ev.jsonl"
    )
    assert result.exit_code == 0, result.output
