"""Lead data in every shape a run reads (tooling spec §5): one CSV/JSONL/JSON/Parquet
file or a folder of parts, the same leads in each. The CSV is the awkward kind: no id
column (ids are row numbers across the parts), quoted cells with commas, quotes, line
ends and blank lines inside, blank lines between rows, a lone "" line, CRLF line ends in
places and no line end after the last row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

TYPED = """\
fields <
  email: text;
  notes: text;
  employees: number;
  revenue: number;
  joined: date;
  seen_at: datetime;
  vip: boolean = false;
  score: number = 0;
  tier: text;
>

campaign Main <
  set score += 1;
  if vip then < set tier = "gold"; >
  if employees is not empty then < set score += employees; >
  moment "scored {{lead.score}}";
>
"""

# No schema, a wait (the run keeps every lead to the end: --out has every field any lead
# has, in order of appearance).
WAITS = """\
campaign Main <
  set score = 1;
  moment "first";
  wait 1 day;
  set score = 2;
  moment "later";
>
"""

COLUMNS = ["email", "notes", "employees", "revenue", "joined", "seen_at", "vip"]
NOTES = [
    "",
    "plain",
    "with, a comma",
    'says "hi"',
    "two\nlines",
    "a blank\n\nline inside",
    '""',
    "trailing \r\n crlf",
]


def leads(n: int = 240, seed: int = 12) -> list[dict[str, Any]]:
    """The leads as typed values (None: empty)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(
            {
                "email": f"lead{i}@example.com" if i % 11 else f"LEAD{i}@Example.COM",
                "notes": NOTES[i % len(NOTES)] or None,
                "employees": rng.choice([None, 5, 120, 4500]),
                "revenue": Decimal(rng.randrange(0, 10**7)) / 100 if i % 5 else None,
                "joined": dt.date(2026, 1 + i % 12, 1 + i % 28) if i % 7 else None,
                "seen_at": dt.datetime(2026, 11, 1 + i % 28, i % 24, 5, 9) if i % 3 else None,
                "vip": i % 4 == 0,
            }
        )
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def csv_bytes(rows: list[dict[str, Any]], header: bool = True) -> bytes:
    """CSV of the rows with blank lines, a lone "" line and CRLF line ends here and
    there, and no line end after the last row."""
    out = io.StringIO(newline="")
    lf = csv.writer(out, lineterminator="\n")
    crlf = csv.writer(out, lineterminator="\r\n")
    if header:
        lf.writerow(COLUMNS)
    for i, row in enumerate(rows):
        (crlf if i % 17 == 3 else lf).writerow([_text(row[c]) for c in COLUMNS])
        if i % 37 == 5:
            out.write("\n")
        if i % 53 == 9:
            out.write('""\n')
    return out.getvalue().encode("utf-8").rstrip(b"\r\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def jsonl_bytes(rows: list[dict[str, Any]], extra: bool = False) -> bytes:
    """JSONL of the rows (nulls left out); ``extra``: some later leads have keys no
    earlier lead has (a run that keeps its leads adds them as columns)."""
    lines = []
    for i, row in enumerate(rows):
        record = {k: _json_value(v) for k, v in row.items() if v is not None}
        if extra and i % 50 == 49:
            record[f"extra_{i // 50}"] = f"x{i}"
        lines.append(json.dumps(record, ensure_ascii=False))
        if i % 41 == 3:
            lines.append("   ")
    return ("\n".join(lines) + "\n").encode("utf-8")


def json_bytes(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        [{k: _json_value(v) for k, v in row.items()} for row in rows], indent=1
    ).encode("utf-8")


def parquet(rows: list[dict[str, Any]], path: Path) -> None:
    """Parquet with native types: int64, decimal128, date32, timestamp (UTC), bool."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("email", pa.string()),
            ("notes", pa.string()),
            ("employees", pa.int64()),
            ("revenue", pa.decimal128(12, 2)),
            ("joined", pa.date32()),
            ("seen_at", pa.timestamp("us", tz="UTC")),
            ("vip", pa.bool_()),
        ]
    )
    table = pa.Table.from_pylist(
        [
            {
                **row,
                "seen_at": row["seen_at"].replace(tzinfo=dt.timezone.utc)
                if row["seen_at"]
                else None,
            }
            for row in rows
        ],
        schema=schema,
    )
    pq.write_table(table, path, row_group_size=50)


SPLITS = [0, 70, 70, 150, 240]  # part boundaries: the second part is empty


def write(shape: str, folder: Path, rows: list[dict[str, Any]] | None = None) -> Path:
    """The leads in one shape: '<format>-file' or '<format>-folder'."""
    rows = rows if rows is not None else leads()
    fmt, kind = shape.split("-")
    if kind == "file":
        path = folder / f"leads.{fmt}"
        _write_one(fmt, rows, path)
        return path
    path = folder / "leads"
    path.mkdir()
    for k, (a, b) in enumerate(itertools.pairwise(SPLITS)):
        _write_one(fmt, rows[a:b], path / f"part-{k:02d}.{fmt}")
    return path


def _write_one(fmt: str, rows: list[dict[str, Any]], path: Path) -> None:
    if fmt == "csv":
        path.write_bytes(csv_bytes(rows))
    elif fmt == "jsonl":
        path.write_bytes(jsonl_bytes(rows))
    elif fmt == "json":
        path.write_bytes(json_bytes(rows))
    else:
        parquet(rows, path)
