"""The generated CSV row reader and row formatter against the generic per-cell paths they
stand in for: for every column type and a matrix of cells (or values), the same fields in
the same order and types, the same error for a bad cell (naming its row), the same
text out."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from camp.checker.loader import InputError
from camp.runtime.leadio import Typer, _cell, _row_formatter, read_leads
from runtime_helpers import check_ok

SCHEMA = """fields <
  t: text; n: number; b: boolean; d: date; s: datetime;
  td: text = "dflt"; nd: number = 7; bd: boolean = true; never: number = 1;
>
campaign C < set t = "x"; >
"""
HEADER = ["id", "t", "n", "b", "d", "s", "td", "nd", "bd", "loose"]
CELLS = {
    "text": ["", "a", " spaced ", "0", "true"],
    "number": ["", "5", " 5 ", "-0.50", "1e3", "1_000", "007", "NaN", "Infinity", "abc", "1" * 101],
    "boolean": ["", "true", "YES", " no ", "0", "1", "maybe"],
    "date": ["", "2026-12-01", "2026-12-01T10:00", " 2026-12-01 09:00 ", "2026-13-01", "x"],
    "datetime": ["", "2026-12-01T10:00:00", "2026-12-01 10:00", "2026-12-01T10:00:00Z", "12/01"],
    "loose": ["", "5", "true", "FALSE", "text", " 7.5 "],
}
KIND = {"t": "text", "n": "number", "b": "boolean", "d": "date", "s": "datetime"}
KIND |= {"td": "text", "nd": "number", "bd": "boolean", "loose": "loose", "id": "text"}


def _generic(typer: Typer, cells: list[str]) -> object:
    try:
        fields = typer.lead_fields(dict(zip(HEADER, cells, strict=True)), "leads.csv:2")
    except InputError as e:
        return ("error", str(e))
    return [(k, type(v), v) for k, v in fields.items()]


def _rows() -> list[list[str]]:
    """Each column through all its cells, the others at a plain value."""
    plain = {c: CELLS[KIND[c]][1] for c in HEADER}
    plain["id"] = "1"
    rows = []
    for column in HEADER[1:]:
        for cell in CELLS[KIND[column]]:
            rows.append([cell if c == column else plain[c] for c in HEADER])
    return rows


def test_row_reader_is_lead_fields():
    typer = Typer(check_ok(SCHEMA).symbols)
    convert = typer.row_converter(HEADER)
    compared = 0
    for cells in _rows():
        expected = _generic(typer, cells)
        try:
            fields = convert(cells)
        except Exception:  # the reader hands such a row to lead_fields
            assert expected == _generic(typer, cells)
            continue
        assert [(k, type(v), v) for k, v in fields.items()] == expected, cells
        compared += 1
    assert compared > 30


@pytest.mark.parametrize("bad", ["n", "b", "d", "s"])
def test_a_bad_cell_names_its_row_and_column(tmp_path, bad):
    symbols = check_ok(SCHEMA).symbols
    rows = [["1", "a", "5", "true", "2026-12-01", "2026-12-01T10:00:00", "", "", "", ""]]
    rows.append(list(rows[0]))
    rows[1][0] = "2"
    rows[1][HEADER.index(bad)] = "zz"
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        list(read_leads(path, symbols))
    assert str(e.value).startswith(f"{path}:3: field '{bad}': 'zz' is not a valid ")


VALUES = [
    None,
    "",
    "text",
    Decimal(5),
    Decimal("5.0"),
    Decimal("-0"),
    Decimal("2.50"),
    Decimal("1E+3"),
    True,
    False,
    dt.date(2026, 12, 1),
    dt.datetime(2026, 12, 1, 10, 30, 15, 999),
    ("a", Decimal(1)),
]


def test_row_formatter_is_the_generic_cell():
    types = Typer(check_ok(SCHEMA).symbols).types
    columns = ["t", "n", "b", "d", "s", "loose"]
    row = _row_formatter(columns, types)
    for values in itertools.product(VALUES, repeat=2):  # each column meets every value
        for shift in range(len(columns)):
            fields = {c: values[(i + shift) % 2] for i, c in enumerate(columns)}
            expected = (9, *(_cell(fields.get(c)) for c in columns))
            assert row(9, fields) == expected, fields
    # the per-file memo of number texts gives the text of the value, whatever the form
    assert row(1, {"n": Decimal("1E+1")})[2] == row(1, {"n": Decimal("10.00")})[2] == "10"


def test_reading_without_a_schema_types_by_look(tmp_path: Path):
    symbols = check_ok("campaign C < set x = 1; >\n").symbols
    path = tmp_path / "leads.csv"
    path.write_text("id,a,b,c\n4,5,true,x\n", encoding="utf-8")
    [lead] = read_leads(path, symbols)
    assert (lead.id, lead.fields) == (
        4,
        {"a": Decimal(5), "b": True, "c": "x", "unsubscribed": False},
    )
