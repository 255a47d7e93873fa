"""`camp log`, `camp db export` and `camp db stats` on a small workspace with a known history."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from store_helpers import START, camp, log_json, one_error_line, read_jsonl, write

PROGRAM = """\
fields <
  email: text;
  score: number = 0;
  country: text;
>

program "Webinar" <
  statuses "Invited", "Registered", "Attended";

  campaign Invite <
    send email "Invitation";
    change status to "Invited";
    if score >= 50 then <
      add to list "Hot Leads";
      set score += 10;
    >
    wait 1 day;
    moment "Reminded {{lead.email}}";
  >
>
"""

LEADS = """\
id,email,score,country
1,ana@example.com,60,US
2,Bo@Example.com,10,DE
3,,70,US
4,dee@example.com,5,FR
"""


@pytest.fixture
def ws(work: Path) -> Path:
    write(work / "webinar.camp", PROGRAM)
    write(work / "leads.csv", LEADS)
    assert camp("db", "import", "ws.db", "leads.csv", "--schema", "webinar.camp").exit_code == 0
    result = camp(
        "run",
        "webinar.camp",
        "--db",
        "ws.db",
        "--campaign",
        "Invite",
        "--start",
        START,
        "--until",
        "12 hours",
        "--activities",
        "run1.jsonl",
    )
    assert result.exit_code == 0, result.output
    return work / "ws.db"


# ---- camp log --------------------------------------------------------------------------------


def test_log_json_is_the_activities_shape(ws: Path) -> None:
    run1 = (ws.parent / "run1.jsonl").read_text(encoding="utf-8")
    result = camp("log", "ws.db", "--format", "json")
    assert result.exit_code == 0
    assert result.stdout == run1
    first = json.loads(run1.splitlines()[0])
    assert list(first) == ["lead", "time", "type", "campaign", "trigger"]


def test_log_filters(ws: Path) -> None:
    everything = log_json(ws)
    assert len(everything) == 20
    assert {a["lead"] for a in log_json(ws, "--lead", "2")} == {2}
    assert log_json(ws, "--lead", " BO@example.com ") == log_json(ws, "--lead", "2")
    emails = log_json(ws, "--type", "send email")  # case-insensitive
    assert [a["lead"] for a in emails] == [1, 2, 4]
    blocked = log_json(ws, "--type", "Email Blocked")
    assert blocked == [
        {
            "lead": 3,
            "time": START,
            "type": "Email Blocked",
            "campaign": "Invite",
            "email": "Invitation",
            "reason": "no email address",
        }
    ]
    assert len(log_json(ws, "--campaign", "Invite")) == 20
    assert log_json(ws, "--campaign", "Nope") == []
    assert camp("run", "webinar.camp", "--db", "ws.db", "--until", "2 days").exit_code == 0
    assert log_json(ws, "--since", "2026-11-01") == log_json(ws)
    assert log_json(ws, "--since", "2027-01-01") == []
    later = log_json(ws, "--since", "2026-12-01T12:00")
    assert [a["type"] for a in later] == ["Resume", "Interesting Moment"] * 4
    assert log_json(ws, "--since", "2026-12-02", "--lead", "4", "--type", "interesting moment") == [
        {
            "lead": 4,
            "time": "2026-12-02T00:00:00",
            "type": "Interesting Moment",
            "campaign": "Invite",
            "description": "Reminded dee@example.com",
        }
    ]


def test_log_text_format(ws: Path) -> None:
    result = camp("log", "ws.db", "--lead", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{START}  lead 1 ")
    assert "Campaign Run" in lines[0] and 'trigger="batch"' in lines[0]
    assert any(
        "Change Score" in line and '"change": 10' not in line and "change=10" in line
        for line in lines
    )


def test_log_bad_options(ws: Path) -> None:
    one_error_line(camp("log", "ws.db", "--type", "Teleport"), "--type", "Send Email")
    one_error_line(
        camp("log", "ws.db", "--lead", "nobody@example.com"), "--lead", "nobody@example.com"
    )
    one_error_line(camp("log", "ws.db", "--since", "last week"), "--since")


# ---- camp db stats ---------------------------------------------------------------------------


def test_stats(ws: Path) -> None:
    stats = json.loads(camp("db", "stats", "ws.db", "--format", "json").stdout)
    assert stats["leads"] == 4
    assert stats["lists"] == 1 and stats["memberships"] == 2
    assert stats["list_members"] == [{"list": "Hot Leads", "members": 2}]
    assert stats["program_members"] == [{"program": "Webinar", "status": "Invited", "members": 4}]
    assert stats["activities"] == 20
    assert stats["activities_by_type"] == {
        "Add to List": 2,
        "Campaign Run": 4,
        "Change Program Status": 4,
        "Change Score": 2,
        "Email Blocked": 1,
        "Send Email": 3,
        "Wait": 4,
    }
    assert stats["waiting_flows"] == 4
    assert stats["waiting_by_campaign"] == [{"campaign": "Invite", "flows": 4}]
    assert stats["last_run"]["status"] == "done" and stats["runs"] == 1
    text = camp("db", "stats", "ws.db").stdout
    assert "leads        4" in text
    assert "Hot Leads" in text and "waiting      4 flow(s)" in text


# ---- camp db export --------------------------------------------------------------------------


def test_export_formats_id_first(ws: Path) -> None:
    work = ws.parent
    for name in ("all.csv", "all.json", "all.jsonl"):
        result = camp("db", "export", "ws.db", "--out", name)
        assert result.exit_code == 0, result.output
        assert "exported 4 lead(s)" in result.stdout
    with (work / "all.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "id" and rows[0][1:] == ["unsubscribed", "email", "score", "country"]
    assert rows[1] == ["1", "false", "ana@example.com", "70", "US"]
    as_json = json.loads((work / "all.json").read_text(encoding="utf-8"))
    assert as_json == read_jsonl(work / "all.jsonl")
    assert [next(iter(r)) for r in as_json] == ["id"] * 4
    assert as_json[2] == {
        "id": 3,
        "unsubscribed": False,
        "email": None,
        "score": 80,
        "country": "US",
    }


def test_export_list_and_where(ws: Path) -> None:
    work = ws.parent
    assert camp("db", "export", "ws.db", "--out", "hot.jsonl", "--list", "hot leads").exit_code == 0
    assert [r["id"] for r in read_jsonl(work / "hot.jsonl")] == [1, 3]
    result = camp(
        "db",
        "export",
        "ws.db",
        "--out",
        "us.jsonl",
        "--list",
        "Hot Leads",
        "--where",
        'email is not empty and country in ["us"]',
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_jsonl(work / "us.jsonl")] == [1]
    assert camp("db", "export", "ws.db", "--out", "low.csv", "--where", "score < 50").exit_code == 0
    assert (work / "low.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "2,false,Bo@Example.com,10,DE",
        "4,false,dee@example.com,5,FR",
    ]


def test_export_errors(ws: Path) -> None:
    work = ws.parent
    one_error_line(camp("db", "export", "ws.db", "--out", "x.txt"), "--out", "unknown file type")
    one_error_line(
        camp("db", "export", "ws.db", "--out", "x.csv", "--list", "Nope"),
        "no static list named 'Nope'",
        "Hot Leads",
    )
    one_error_line(camp("db", "export", "ws.db", "--out", "x.csv", "--where", "score >"), "--where")
    one_error_line(
        camp("db", "export", "ws.db", "--out", "x.csv", "--where", "lenght(email) > 3"),
        "--where",
        "did you mean 'length'",
    )
    one_error_line(
        camp("db", "export", "ws.db", "--out", "x.csv", "--where", "country * 2 > 3"),
        "--where: lead 1",
    )
    assert not (work / "x.csv").exists()
