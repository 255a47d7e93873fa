"""Bad input is never partial, never a traceback (issue 13, items 11 and 13): a lead file
whose bad row comes after good ones leaves no --out or --activities behind (and an
existing one untouched); CSV oddities are handled or refused naming the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

PROGRAM = 'campaign Main < set score += 1; moment "seen"; >\n'
START = "2026-12-01T00:00:00"


def run(tmp_path: Path, leads: bytes, *extra: str, name: str = "leads.csv"):
    (tmp_path / "p.camp").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / name).write_bytes(leads)
    args = ["run", str(tmp_path / "p.camp"), "--campaign", "Main", "--start", START]
    args += ["--leads", str(tmp_path / name), *extra]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("camp: error: "), result.stderr
    return lines[0]


BAD_LATE = (
    b"id,email\n" + b"".join(b"%d,l%d@x.com\n" % (i, i) for i in range(1, 50)) + b"7,dup@x.com\n"
)


@pytest.mark.parametrize("out", ["out.csv", "out.jsonl", "out.json"])
def test_a_bad_row_after_good_ones_leaves_no_output(tmp_path, out):
    line = error_line(run(tmp_path, BAD_LATE, "--out", str(tmp_path / out)))
    assert "leads.csv:51: duplicate lead id 7" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv", "p.camp"]


def test_a_bad_row_keeps_the_previous_output_and_activities_untouched(tmp_path):
    (tmp_path / "out.csv").write_text("previous\n", encoding="utf-8")
    (tmp_path / "acts.jsonl").write_text("previous\n", encoding="utf-8")
    result = run(
        tmp_path,
        BAD_LATE,
        "--out",
        str(tmp_path / "out.csv"),
        "--activities",
        str(tmp_path / "acts.jsonl"),
    )
    error_line(result)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "previous\n"
    assert (tmp_path / "acts.jsonl").read_text(encoding="utf-8") == "previous\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_the_activities_of_a_bad_events_run_are_not_written(tmp_path):
    (tmp_path / "ev.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"}\n'
        '{"time": "2026-12-01T11:00:00", "lead": 99, "type": "form", "name": "F"}\n',
        encoding="utf-8",
    )
    result = run(
        tmp_path,
        b"id,email\n1,a@x.com\n",
        "--events",
        str(tmp_path / "ev.jsonl"),
        "--activities",
        str(tmp_path / "acts.jsonl"),
    )
    assert "unknown lead 99" in error_line(result)
    assert not (tmp_path / "acts.jsonl").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_good_run_replaces_the_outputs(tmp_path):
    (tmp_path / "out.csv").write_text("previous\n", encoding="utf-8")
    result = run(
        tmp_path,
        b"id,email\n1,a@x.com\n",
        "--out",
        str(tmp_path / "out.csv"),
        "--activities",
        str(tmp_path / "acts.jsonl"),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "id,email,score,unsubscribed",
        "1,a@x.com,1,false",
    ]
    assert len((tmp_path / "acts.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_utf8_bom_in_a_csv_is_not_part_of_the_first_column(tmp_path):
    result = run(tmp_path, b"\xef\xbb\xbfid,email\n5,a@x.com\n", "--out", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines() == [
        "id,email,score,unsubscribed",
        "5,a@x.com,1,false",
    ]


@pytest.mark.parametrize(
    ("leads", "message"),
    [
        (
            b"id,email\n1,a@x.com\n2,b@x.com,extra\n",
            "leads.csv:3: row has 3 cells, the header has 2",
        ),
        (b"id,email\n1,a@x.com\n2,b@x.com\n3,c@x.com,x,y\n", "leads.csv:4: row has 4 cells"),
        (
            b'id,email\n1,a@x.com\n2,"b@x.com\n3,c@x.com\n',
            "leads.csv:3: malformed CSV: a quoted cell is not closed",
        ),
        (b"", "leads.csv: the file is empty: a CSV lead file needs a header row"),
        (b"id,,email\n1,2,a@x.com\n", "leads.csv:1: column 2 of the header has no name"),
        (b"id,email, \n1,a@x.com,3\n", "leads.csv:1: column 3 of the header has no name"),
    ],
)
def test_csv_input_errors_name_the_row(tmp_path, leads, message):
    line = error_line(run(tmp_path, leads, "--out", str(tmp_path / "o.csv")))
    assert message in line
    assert not (tmp_path / "o.csv").exists()


def test_a_directory_given_as_output_says_so(tmp_path):
    (tmp_path / "outdir.csv").mkdir()
    line = error_line(run(tmp_path, b"id\n1\n", "--out", str(tmp_path / "outdir.csv")))
    assert "outdir.csv: is a directory" in line
    (tmp_path / "actsdir.jsonl").mkdir()
    line = error_line(run(tmp_path, b"id\n1\n", "--activities", str(tmp_path / "actsdir.jsonl")))
    assert "actsdir.jsonl: is a directory" in line


def test_a_directory_given_as_leads_or_events_says_so(tmp_path):
    (tmp_path / "p.camp").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "dir.csv").mkdir()
    (tmp_path / "dir.jsonl").mkdir()
    base = ["run", str(tmp_path / "p.camp"), "--start", START]
    leads = CliRunner().invoke(
        main, [*base, "--campaign", "Main", "--leads", str(tmp_path / "dir.csv")]
    )
    assert "dir.csv: is a directory, not a lead file" in error_line(leads)
    events = CliRunner().invoke(main, [*base, "--events", str(tmp_path / "dir.jsonl")])
    assert "dir.jsonl: is a directory, not an events file" in error_line(events)
