"""`camp db import`: formats, upserts by id and e-mail, typing, 'created' queued, one transaction;
strict input (exit 2, file:row and reason, nothing written) and --skip-bad-rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from camp.store.sqlite import SQLiteStore
from store_helpers import camp, dump, export_records, one_error_line, read_jsonl, write

SCHEMA = """\
fields <
  email: text;
  score: number = 0;
  vip: boolean;
  signed_up: date;
  last_seen: datetime;
  zip: text;
>
campaign Nothing < >
"""

LEADS_CSV = """\
id,email,score,vip,signed_up,zip,notes
1,ana@example.com,10,true,2026-11-01,02134,first
2,Bo@Example.com ,5,false,2026-11-02,10001,
3,cy@example.com,,,,,third
"""


def leads_of(db: Path) -> dict[int, dict]:
    store = SQLiteStore.open(db)
    try:
        return dict(store.iter_lead_fields())
    finally:
        store.close()


def queue_of(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT kind, lead_id, time FROM queue ORDER BY seq").fetchall()
    finally:
        conn.close()


# ---- formats and typing ------------------------------------------------------------------


def test_csv_typed_by_look_without_schema(work: Path) -> None:
    write(work / "leads.csv", LEADS_CSV)
    result = camp("db", "import", "ws.db", "leads.csv")
    assert result.exit_code == 0, result.output
    assert "3 row(s), 3 new lead(s), 0 updated, 0 rejected" in result.stdout
    assert "3 new lead(s) will raise 'created' in the next run" in result.stdout
    leads = leads_of(work / "ws.db")
    assert leads[1]["score"] == Decimal(10)
    assert leads[1]["vip"] is True
    assert leads[1]["signed_up"] == "2026-11-01"  # by look: text (spec §7)
    assert leads[1]["zip"] == "02134"  # not a number: a leading zero
    assert leads[3]["score"] is None
    assert leads[3]["unsubscribed"] is False  # the built-in default
    assert leads[1]["notes"] == "first"
    assert queue_of(work / "ws.db") == [
        ("created", 1, None),
        ("created", 2, None),
        ("created", 3, None),
    ]


def test_csv_typed_by_schema_and_fields_outside_it_kept(work: Path) -> None:
    write(work / "schema.camp", SCHEMA)
    write(work / "leads.csv", LEADS_CSV)
    result = camp("db", "import", "ws.db", "leads.csv", "--schema", "schema.camp")
    assert result.exit_code == 0, result.output
    leads = leads_of(work / "ws.db")
    assert leads[1]["signed_up"] == dt.date(2026, 11, 1)
    assert leads[1]["zip"] == "02134"
    assert leads[3]["score"] == Decimal(0)  # the schema's default for a new lead
    assert leads[1]["notes"] == "first"  # not in the schema, kept (typed by look)
    store = SQLiteStore.open(work / "ws.db")
    types = store.field_types()
    store.close()
    assert types["signed_up"] == "date" and types["notes"] is None
    # the schema's order (as `camp run --out` writes it), then the file's other columns
    assert list(types) == [
        "unsubscribed",
        "email",
        "score",
        "vip",
        "signed_up",
        "last_seen",
        "zip",
        "notes",
    ]


@pytest.mark.parametrize("ext", ["json", "jsonl"])
def test_json_values_keep_their_types(work: Path, ext: str) -> None:
    rows = [
        {"id": 7, "email": "a@example.com", "score": 2.5, "zip": "02134", "tags": ["x", "y"]},
        {"email": "b@example.com", "score": 3, "vip": True},
    ]
    text = json.dumps(rows) if ext == "json" else "".join(json.dumps(r) + "\n" for r in rows)
    write(work / f"leads.{ext}", text)
    result = camp("db", "import", "ws.db", f"leads.{ext}")
    assert result.exit_code == 0, result.output
    leads = leads_of(work / "ws.db")
    assert sorted(leads) == [7, 8]  # a row without an id gets the next free one
    assert leads[7]["score"] == Decimal("2.5")
    assert leads[7]["zip"] == "02134"
    assert leads[7]["tags"] == ("x", "y")
    assert leads[8]["vip"] is True


# ---- upserts ---------------------------------------------------------------------------


def test_upsert_by_id_keeps_values_that_are_blank_in_the_file(work: Path) -> None:
    write(work / "leads.csv", LEADS_CSV)
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    write(work / "update.csv", "id,score,notes,city\n1,99,,Boston\n4,1,new,\n")
    result = camp("db", "import", "ws.db", "update.csv")
    assert result.exit_code == 0, result.output
    assert "2 row(s), 1 new lead(s), 1 updated" in result.stdout
    leads = leads_of(work / "ws.db")
    assert leads[1]["score"] == Decimal(99)
    assert leads[1]["notes"] == "first"  # an empty cell does not blank a value (Marketo)
    assert leads[1]["city"] == "Boston"
    assert leads[1]["email"] == "ana@example.com"
    assert leads[4] == {"score": Decimal(1), "notes": "new", "city": None, "unsubscribed": False}
    # only the new lead is queued for 'created'
    assert [q for q in queue_of(work / "ws.db") if q[1] == 4] == [("created", 4, None)]
    assert len(queue_of(work / "ws.db")) == 4


def test_upsert_by_email_is_trimmed_and_case_insensitive(work: Path) -> None:
    write(work / "leads.csv", LEADS_CSV)
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    write(work / "crm.csv", "email,score\n  BO@example.COM,77\nnew@example.com,1\n")
    result = camp("db", "import", "ws.db", "crm.csv", "--key", "email")
    assert result.exit_code == 0, result.output
    assert "1 new lead(s), 1 updated" in result.stdout
    leads = leads_of(work / "ws.db")
    assert leads[2]["score"] == Decimal(77)
    assert leads[2]["email"] == "  BO@example.COM"  # the value as given; matched by its key
    assert leads[4]["email"] == "new@example.com"
    store = SQLiteStore.open(work / "ws.db")
    assert store.ids_by_email("bo@example.com") == [2]
    store.close()


def test_key_email_conflicts_are_bad_rows(work: Path) -> None:
    write(work / "leads.csv", LEADS_CSV)
    assert camp("db", "import", "ws.db", "leads.csv").exit_code == 0
    before = dump(work / "ws.db")
    write(work / "crm.csv", "id,email,score\n3,ana@example.com,1\n")
    one_error_line(
        camp("db", "import", "ws.db", "crm.csv", "--key", "email"),
        "crm.csv:2",
        "id 3 does not match lead 1, which has this e-mail address",
    )
    write(work / "crm2.csv", "email,score\n,1\n")
    one_error_line(
        camp("db", "import", "ws.db", "crm2.csv", "--key", "email"),
        "crm2.csv:2",
        "no e-mail address to match on",
    )
    assert dump(work / "ws.db") == before


def test_whole_import_is_one_transaction(work: Path) -> None:
    rows = "".join(f"{i},lead{i}@example.com,{i}\n" for i in range(1, 3001))
    write(work / "big.csv", "id,email,score\n" + rows + "3001,x@example.com,notanumber\n")
    write(work / "schema.camp", SCHEMA)
    assert camp("db", "import", "ws.db", "big.csv", "--schema", "schema.camp").exit_code == 2
    assert not (work / "ws.db").exists()  # a failed first import leaves no workspace behind
    write(work / "small.csv", LEADS_CSV)
    assert camp("db", "import", "ws.db", "small.csv").exit_code == 0
    before = dump(work / "ws.db")
    one_error_line(
        camp("db", "import", "ws.db", "big.csv", "--schema", "schema.camp"),
        "big.csv:3002",
        "field 'score'",
        "not a valid number",
    )
    assert dump(work / "ws.db") == before  # 3000 good rows before the bad one: none written


# ---- strict input: every bad-input class, exit 2, workspace unchanged -----------------------

BAD_INPUTS = [
    # (file name, content, --schema?, --key, fragments of the message)
    (
        "ragged.csv",
        "id,email\n1,a@example.com\n2,b@example.com,extra\n",
        False,
        "id",
        ["ragged.csv:3", "row has 3 cells, the header has 2"],
    ),
    (
        "short.csv",
        "id,email,score\n1,a@example.com,1\n2,b@example.com\n",
        False,
        "id",
        ["short.csv:3", "row has 2 cells, the header has 3"],
    ),
    (
        "type.csv",
        "id,email,score\n1,a@example.com,ten\n",
        True,
        "id",
        ["type.csv:2", "field 'score'", "'ten' is not a valid number"],
    ),
    (
        "bool.jsonl",
        '{"id": 1, "vip": "maybe"}\n',
        True,
        "id",
        ["bool.jsonl:1", "field 'vip'", "not a valid boolean"],
    ),
    (
        "date.csv",
        "id,signed_up\n1,2026-11-01\n2,2026-13-45\n",
        True,
        "id",
        ["date.csv:3", "field 'signed_up'", "not a valid date"],
    ),
    (
        "datetime.json",
        '[{"id": 1, "last_seen": "yesterday"}]',
        True,
        "id",
        ["datetime.json: item 1", "field 'last_seen'", "not a valid datetime"],
    ),
    (
        "dupid.csv",
        "id,email\n1,a@example.com\n2,b@example.com\n1,c@example.com\n",
        False,
        "id",
        ["dupid.csv:4", "duplicate lead id 1 (also at dupid.csv:2)"],
    ),
    (
        "dupmail.csv",
        "email\na@example.com\n A@EXAMPLE.com\n",
        False,
        "email",
        ["dupmail.csv:3", "duplicate e-mail address 'a@example.com' (also at dupmail.csv:2)"],
    ),
    (
        "badid.csv",
        "id,email\nx7,a@example.com\n",
        False,
        "id",
        ["badid.csv:2", "lead id 'x7' is not a whole number"],
    ),
    (
        "utf8.csv",
        b"id,email\n1,a@example.com\n2,b\xff@example.com\n",
        False,
        "id",
        ["utf8.csv:3", "not valid UTF-8"],
    ),
    (
        "utf8.jsonl",
        b'{"id": 1}\n{"id": 2, "n": "\xc3"}\n',
        False,
        "id",
        ["utf8.jsonl:2", "not valid UTF-8"],
    ),
    (
        "utf8.json",
        b'[{"id": 1},\n {"id": 2, "n": "\xe2\x82"}]',
        False,
        "id",
        ["utf8.json:2", "not valid UTF-8"],
    ),
    ("broken.json", '[{"id": 1},\n {"id": 2,}]', False, "id", ["broken.json:2:", "malformed JSON"]),
    ("notarray.json", '{"id": 1}', False, "id", ["notarray.json", "expected a JSON array"]),
    ("item.json", '[{"id": 1}, 42]', False, "id", ["item.json: item 2", "not an object"]),
    ("broken.jsonl", '{"id": 1}\n{"id": 2\n', False, "id", ["broken.jsonl:2", "malformed JSON"]),
    (
        "scalar.jsonl",
        '{"id": 1}\n[1, 2]\n',
        False,
        "id",
        ["scalar.jsonl:2", "expected a JSON object"],
    ),
    (
        "header.csv",
        "id,email,email\n1,a,b\n",
        False,
        "id",
        ["header.csv:1", "duplicate column name 'email'"],
    ),
    ("leads.txt", "id\n1\n", False, "id", ["leads.txt", "unknown file type"]),
    ("missing.csv", None, False, "id", ["missing.csv", "cannot read"]),
]


@pytest.fixture
def seeded(work: Path) -> Path:
    write(work / "schema.camp", SCHEMA)
    write(work / "seed.csv", LEADS_CSV)
    result = camp("db", "import", "ws.db", "seed.csv", "--schema", "schema.camp")
    assert result.exit_code == 0, result.output
    return work / "ws.db"


@pytest.mark.parametrize(
    "name,content,schema,key,fragments", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_exits_2_naming_row_and_reason_and_writes_nothing(
    seeded: Path,
    name: str,
    content: str | bytes | None,
    schema: bool,
    key: str,
    fragments: list[str],
) -> None:
    work = seeded.parent
    if content is not None:
        write(work / name, content)
    before = dump(seeded)
    args = ["db", "import", "ws.db", name, "--key", key]
    if schema:
        args += ["--schema", "schema.camp"]
    result = camp(*args)
    one_error_line(result, *fragments)
    assert "Traceback" not in result.output
    assert dump(seeded) == before


def test_events_for_unknown_leads_and_bad_events_write_nothing(seeded: Path) -> None:
    work = seeded.parent
    write(
        work / "prog.camp",
        SCHEMA.replace("campaign Nothing < >", 'campaign F < on form "X"; set score += 1; >'),
    )
    before = dump(seeded)
    write(
        work / "ev.jsonl",
        '{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "X"}\n'
        '{"time": "2026-12-01T11:00:00", "lead": 99, "type": "form", "name": "X"}\n',
    )
    one_error_line(
        camp(
            "run",
            "prog.camp",
            "--db",
            "ws.db",
            "--events",
            "ev.jsonl",
            "--start",
            "2026-12-01T00:00:00",
        ),
        "ev.jsonl:2",
        "event for unknown lead 99",
    )
    write(
        work / "ev2.jsonl",
        '{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "X"}\n{"time": "soon", "lead": 1, "type": "form", "name": "X"}\n',
    )
    one_error_line(
        camp(
            "run",
            "prog.camp",
            "--db",
            "ws.db",
            "--events",
            "ev2.jsonl",
            "--start",
            "2026-12-01T00:00:00",
        ),
        "ev2.jsonl:2",
        "not an ISO date-time",
    )
    write(
        work / "ev3.jsonl",
        '{"time": "2026-12-01T10:00:00", "type": "created", "fields": {"id": 2, "email": "x@example.com"}}\n',
    )
    one_error_line(
        camp(
            "run",
            "prog.camp",
            "--db",
            "ws.db",
            "--events",
            "ev3.jsonl",
            "--start",
            "2026-12-01T00:00:00",
        ),
        "ev3.jsonl:1",
        "'created' event for lead 2, which already exists",
    )
    write(
        work / "ev4.jsonl",
        '{"time": "2026-12-01T10:00:00", "type": "created", "fields": {"score": "lots"}}\n',
    )
    one_error_line(
        camp(
            "run",
            "prog.camp",
            "--db",
            "ws.db",
            "--events",
            "ev4.jsonl",
            "--start",
            "2026-12-01T00:00:00",
        ),
        "ev4.jsonl:1",
        "field 'score'",
    )
    assert dump(seeded) == before


# ---- --skip-bad-rows --------------------------------------------------------------------------


def test_skip_bad_rows_csv(seeded: Path) -> None:
    work = seeded.parent
    write(
        work / "mixed.csv",
        b"id,email,score\n10,ok1@example.com,1\n11,bad@example.com,ten\n12,short@example.com\n"
        b'13,ok2@example.com,2\n10,dup@example.com,3\n14,b\xffd@example.com,4\n15,"multi\nline",5\n',
    )
    result = camp(
        "db",
        "import",
        "ws.db",
        "mixed.csv",
        "--schema",
        "schema.camp",
        "--skip-bad-rows",
        "rejects.csv",
    )
    assert result.exit_code == 0, result.output
    assert "7 row(s), 3 new lead(s), 0 updated, 4 rejected (see rejects.csv)" in result.stdout
    leads = leads_of(seeded)
    assert {10, 13, 15} <= set(leads) and not {11, 12, 14} & set(leads)
    assert leads[15]["email"] == "multi\nline"
    with (work / "rejects.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "email", "score", "reason"]
    assert rows[1][:3] == ["11", "bad@example.com", "ten"] and "field 'score'" in rows[1][3]
    assert rows[2] == ["12", "short@example.com", "", "row has 2 cells, the header has 3"]
    assert rows[3][:3] == ["10", "dup@example.com", "3"]
    assert rows[3][3] == "duplicate lead id 10 (also at mixed.csv:2)"
    assert rows[4][0] == "14" and "not valid UTF-8" in rows[4][3]
    assert len(rows) == 5


def test_skip_bad_rows_jsonl_and_json(seeded: Path) -> None:
    work = seeded.parent
    write(
        work / "mixed.jsonl",
        '{"id": 20, "score": 1}\n{"id": 21, "score": "x"}\n{oops\n[1]\n{"id": 22}\n',
    )
    result = camp(
        "db",
        "import",
        "ws.db",
        "mixed.jsonl",
        "--schema",
        "schema.camp",
        "--skip-bad-rows",
        "rej.jsonl",
    )
    assert result.exit_code == 0, result.output
    rejects = read_jsonl(work / "rej.jsonl")
    assert (
        rejects[0]["id"] == 21
        and rejects[0]["score"] == "x"
        and "field 'score'" in rejects[0]["reason"]
    )
    assert rejects[1]["raw"] == "{oops" and rejects[1]["reason"].startswith("malformed JSON")
    assert rejects[2] == {"raw": "[1]", "reason": "expected a JSON object"}
    assert {20, 22} <= set(leads_of(seeded))
    write(work / "mixed.json", '[{"id": 30}, 7, {"id": 31, "vip": "perhaps"}]')
    result = camp(
        "db",
        "import",
        "ws.db",
        "mixed.json",
        "--schema",
        "schema.camp",
        "--skip-bad-rows",
        "rej.json",
    )
    assert result.exit_code == 0, result.output
    rejects = json.loads((work / "rej.json").read_text(encoding="utf-8"))
    assert rejects[0] == {"raw": 7, "reason": "the item is not an object"}
    assert rejects[1]["id"] == 31 and "not a valid boolean" in rejects[1]["reason"]


def test_skip_bad_rows_cannot_save_a_malformed_file(seeded: Path) -> None:
    work = seeded.parent
    write(work / "broken.json", "[{")
    before = dump(seeded)
    one_error_line(
        camp("db", "import", "ws.db", "broken.json", "--skip-bad-rows", "rej.json"),
        "malformed JSON",
    )
    assert dump(seeded) == before
    assert not (work / "rej.json").exists()


def test_rejects_file_must_match_the_input_format(seeded: Path) -> None:
    write(seeded.parent / "x.csv", "id\n1\n")
    one_error_line(
        camp("db", "import", "ws.db", "x.csv", "--skip-bad-rows", "rej.json"), "the input's format"
    )


def test_import_refused_while_a_run_is_unfinished(seeded: Path) -> None:
    conn = sqlite3.connect(seeded)
    conn.execute(
        "INSERT INTO runs (program, options, start, status, phase, cursor, stats, max_lead, now) "
        "VALUES ('prog.camp', '{\"campaign\": \"Nothing\"}', '2026-12-01T00:00:00', 'running', 1, 1, '{}', 3, '2026-12-01T00:00:00')"
    )
    conn.commit()
    conn.close()
    write(seeded.parent / "more.csv", "id\n9\n")
    one_error_line(camp("db", "import", "ws.db", "more.csv"), "did not finish", "--resume")


def test_export_after_import_round_trips(seeded: Path) -> None:
    records = export_records(seeded, seeded.parent)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[0] == {
        "id": 1,
        "email": "ana@example.com",
        "score": 10,
        "vip": True,
        "signed_up": "2026-11-01",
        "last_seen": None,
        "zip": "02134",
        "notes": "first",
        "unsubscribed": False,
    }
