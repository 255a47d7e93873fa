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
