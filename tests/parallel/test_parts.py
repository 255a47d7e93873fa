"""Folders of parts, Parquet, and partitions by ranges of the input (tooling spec §5):
every shape of the same leads (one CSV/JSONL/JSON/Parquet file or a folder of parts)
gives the serial run's --out bytes, activities and summary, serially, with --workers and
on Dask; --out FOLDER writes a part per input part; bad input names its file and row,
exits 2 and writes nothing; a killed worker names its partition."""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import parts_data as data
import pytest
from camp.checker.loader import InputError
from camp.cli import main
from camp.parallel.parts import Piece, plan, read_inputs, source_rows, whole
from camp.runtime.leadio import scan_rows
from click.testing import CliRunner
from test_parallel import kill_a_worker, per_lead

ROOT = Path(__file__).resolve().parents[2]
CAMP = [sys.executable, "-m", "camp.cli"]
START = "2026-12-01T00:00:00"
SHAPES = [
    f"{fmt}-{kind}" for fmt in ("csv", "jsonl", "json", "parquet") for kind in ("file", "folder")
]
MODES = {"serial": [], "workers 2": ["--workers", "2"], "workers 3": ["--workers", "3"]}


def camp_run(cwd: Path, *args: str) -> dict[str, Any]:
    """`camp run` in ``cwd`` (relative names, as a user types them)."""
    before = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["run", *args, "--start", START])
    finally:
        os.chdir(before)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return {"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


def mode_args(mode: str, dask_address: str) -> list[str]:
    return ["--dask", dask_address] if mode == "dask" else MODES[mode]


def listing(folder: Path) -> list[str]:
    """Every name under a folder, hidden ones included (staging folders, temp files)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shapes")
    (folder / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    for shape in SHAPES:
        (folder / shape).mkdir()
        data.write(shape, folder / shape)
    return folder


def leads_path(shapes: Path, shape: str) -> str:
    fmt, kind = shape.split("-")
    return f"{shape}/leads.{fmt}" if kind == "file" else f"{shape}/leads"


def run_typed(shapes: Path, shape: str, out: str, extra: list[str]) -> dict[str, Any]:
    result = camp_run(
        shapes,
        "typed.camp",
        "--campaign",
        "Main",
        "--leads",
        leads_path(shapes, shape),
        "--out",
        out,
        "--activities",
        out + ".activities.jsonl",
        *extra,
    )
    result["out"] = (shapes / out).read_bytes() if (shapes / out).is_file() else None
    acts = shapes / (out + ".activities.jsonl")
    result["activities"] = acts.read_text(encoding="utf-8") if acts.exists() else None
    return result


@pytest.fixture(scope="module")
def reference(shapes: Path) -> dict[str, Any]:
    """The serial run over the single CSV file."""
    result = run_typed(shapes, "csv-file", "reference.csv", [])
    assert result["code"] == 0, result["stderr"]
    return result


@pytest.mark.parametrize("mode", [*MODES, "dask"])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_the_serial_run(
    shape: str, mode: str, shapes: Path, reference: dict[str, Any], dask_address: str
) -> None:
    name = f"out-{shape}-{mode.replace(' ', '')}.csv"
    result = run_typed(shapes, shape, name, mode_args(mode, dask_address))
    assert (result["code"], result["stderr"]) == (0, "")
    assert result["stdout"] == reference["stdout"]
    assert result["out"] == reference["out"]
    assert per_lead(result["activities"]) == per_lead(reference["activities"])
    if mode == "serial":  # one process: the activities in the order they happened
        assert result["activities"] == reference["activities"]
    else:
        keys = [(r["time"], r["lead"]) for r in map(json.loads, result["activities"].splitlines())]
        assert keys == sorted(keys)


def _rows(path: Path) -> list[Any]:
    """The leads of one --out file, without a CSV header."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.reader(f))[1:]
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_folder_out_has_a_part_per_input_part(fmt: str, shapes: Path, dask_address: str) -> None:
    single = camp_run(
        shapes, "typed.camp", "--campaign", "Main", "--leads", leads_path(shapes, f"{fmt}-file"),
        "--out", f"single.{fmt}",
    )  # fmt: skip
    assert single["code"] == 0
    written: dict[str, list[bytes]] = {}
    for mode in [*MODES, "dask"]:
        out = f"parts-{fmt}-{mode.replace(' ', '')}"
        result = camp_run(
            shapes, "typed.camp", "--campaign", "Main", "--leads",
            leads_path(shapes, f"{fmt}-folder"), "--out", out, *mode_args(mode, dask_address),
        )  # fmt: skip
        assert (result["code"], result["stderr"]) == (0, "")
        names = sorted(p.name for p in (shapes / out).iterdir())
        assert names == [f"part-{k:05d}.{fmt}" for k in range(len(data.SPLITS) - 1)]
        written[mode] = [(shapes / out / n).read_bytes() for n in names]
        rows = [r for n in names for r in _rows(shapes / out / n)]
        assert rows == _rows(shapes / f"single.{fmt}")
    assert all(parts == written["serial"] for parts in written.values())


def test_a_folder_out_replaces_a_previous_run_and_nothing_else(shapes: Path) -> None:
    args = ["typed.camp", "--campaign", "Main", "--leads", "csv-folder/leads"]
    (shapes / "again").mkdir()
    (shapes / "again" / "part-00009.csv").write_text("old\n", encoding="utf-8")
    assert camp_run(shapes, *args, "--out", "again", "--workers", "2")["code"] == 0
    assert "part-00009.csv" not in os.listdir(shapes / "again")
    (shapes / "mine").mkdir()
    (shapes / "mine" / "notes.txt").write_text("keep\n", encoding="utf-8")
    for extra in ([], ["--workers", "2"]):
        result = camp_run(shapes, *args, "--out", "mine", *extra)
        assert result["code"] == 2
        assert result["stderr"] == (
            "camp: error: mine: the folder holds other files than a run's parts ('notes.txt'): "
            "--out FOLDER replaces the folder; give a new or empty one\n"
        )
    assert os.listdir(shapes / "mine") == ["notes.txt"]


# ---- runs that keep their leads: --out has every field any lead has ----------------------


@pytest.mark.parametrize("out", ["out.csv", "out.jsonl", "out.json", "out.parquet"])
def test_fields_only_later_partitions_have_are_columns_everywhere(out: str, tmp_path: Path) -> None:
    (tmp_path / "waits.camp").write_text(data.WAITS, encoding="utf-8")
    (tmp_path / "leads.jsonl").write_bytes(data.jsonl_bytes(data.leads(), extra=True))
    args = ["waits.camp", "--campaign", "Main", "--leads", "leads.jsonl", "--until", "3 days"]
    results = {}
    for mode, extra in MODES.items():
        name = mode.replace(" ", "") + out
        results[mode] = camp_run(tmp_path, *args, "--out", name, *extra)
        results[mode]["out"] = (tmp_path / name).read_bytes()
    serial = results["serial"]
    assert serial["code"] == 0
    assert b"extra_3" in serial["out"]  # a field only the last leads have
    for mode in MODES:
        assert results[mode]["stdout"] == serial["stdout"]
        assert results[mode]["out"] == serial["out"], mode


# ---- planning: ranges cut where a serial read starts a row ---------------------------------

TRICKY = {
    "csv": data.csv_bytes(data.leads(120)),
    "csv-crlf": data.csv_bytes(data.leads(60)).replace(b"\n", b"\r\n"),
    "csv-blank-start": b"a,b\n\n\n" + b"".join(b"%d,x\n" % i for i in range(40)) + b"\n",
    "csv-quoted-lines": b"a,b\n" + b"".join(b'%d,"line\n\nmore ""q""\n"\n' % i for i in range(40)),
    "jsonl": data.jsonl_bytes(data.leads(80)),
    "jsonl-no-end": b'{"a": 1}\n  \n{"a": 2}\n{"a": 3}',
}


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("name", list(TRICKY))
def test_plan_cuts_at_rows_and_counts_them(name: str, count: int, tmp_path: Path) -> None:
    path = tmp_path / ("leads." + name.split("-")[0])
    path.write_bytes(TRICKY[name])
    inputs = read_inputs(path, None)
    expected = [(r.where, r.data) for r in scan_rows(path).rows]
    got = []
    partitions = plan(inputs, count)
    assert 1 <= len(partitions) <= count
    for pieces in partitions:
        for piece in pieces:
            rows, span = source_rows(inputs.leads[piece.source], piece, inputs.columns)
            mine = [(r.where, r.data) for r in rows]
            assert len(mine) == piece.rows
            assert span.aligned
            assert len(got) == piece.row
            got += mine
    assert got == expected


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("shape", ["parquet-file", "parquet-folder"])
def test_plan_cuts_parquet_at_rows(shape: str, count: int, shapes: Path) -> None:
    """Parquet files (written in row groups of 50 rows) are cut at any row, so one file
    gives every worker an equal share; a piece reads the row groups holding its rows, and
    rows keep their numbers in the file."""
    inputs = read_inputs(shapes / leads_path(shapes, shape), None)
    expected = [
        (r.where, r.data) for piece in whole(inputs) for r in
        source_rows(inputs.leads[piece.source], piece, inputs.columns)[0]
    ]  # fmt: skip
    assert expected[-1][0].endswith("row 240" if shape == "parquet-file" else "row 90")
    partitions = plan(inputs, count)
    assert 1 <= len(partitions) <= count
    assert len(partitions) >= min(
        count, 5
    )  # the file has 5 row groups, the folder 6 and an empty part
    got: list[Any] = []
    for pieces in partitions:
        for piece in pieces:
            rows, _ = source_rows(inputs.leads[piece.source], piece, inputs.columns)
            mine = [(r.where, r.data) for r in rows]
            assert len(mine) == piece.rows
            assert len(got) == piece.row
            got += mine
    assert got == expected
    sizes = [sum(p.rows for p in pieces) for pieces in partitions]
    if shape == "parquet-file":
        assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("group", [1_000, 4_096, 10_000])
@pytest.mark.parametrize("cuts", [(1,), (4_095, 4_097), (4_096, 8_192), (999, 1_000, 1_001, 9_999)])
def test_a_parquet_piece_reads_exactly_its_rows(
    group: int, cuts: tuple[int, ...], tmp_path: Path
) -> None:
    """Pieces cut anywhere (inside a row group, inside a read batch, on their edges)
    read exactly their rows, numbered in the file."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "leads.parquet"
    pq.write_table(pa.table({"n": list(range(10_000))}), path, row_group_size=group)
    inputs = read_inputs(path, None)
    bounds = [0, *cuts, -1]
    got = []
    for start, end in itertools.pairwise(bounds):
        rows, _ = source_rows(inputs.leads[0], Piece(0, start, end), inputs.columns)
        got += [(r.where, r.data["n"]) for r in rows]
    name = inputs.leads[0].name
    assert got == [(f"{name}: row {n + 1}", n) for n in range(10_000)]


def test_a_quote_inside_an_unquoted_cell_is_redone_exactly(tmp_path: Path) -> None:
    """A '"' in the middle of an unquoted cell is text to a CSV reader, but throws the
    plan's quote count off: the partitions notice (a piece does not end where the next
    begins) and the run is redone split by id, with the serial result."""
    rows = [b'%d,ab"c,x' % i if i % 9 == 4 else b'%d,"two\nlines",y' % i for i in range(300)]
    (tmp_path / "leads.csv").write_bytes(b"n,notes,tag\n" + b"\n".join(rows) + b"\n")
    (tmp_path / "p.camp").write_text('campaign Main < set seen = "yes"; >\n', encoding="utf-8")
    inputs = read_inputs(tmp_path / "leads.csv", None)
    misread = False
    for pieces in plan(inputs, 3):
        for piece in pieces:
            rows, span = source_rows(inputs.leads[piece.source], piece, inputs.columns)
            misread |= sum(1 for _ in rows) != piece.rows or not span.aligned
    assert misread  # the plan alone would get this file wrong
    results = {}
    for mode, extra in MODES.items():
        results[mode] = camp_run(
            tmp_path, "p.camp", "--campaign", "Main", "--leads", "leads.csv", "--out",
            f"{mode.replace(' ', '')}.csv", *extra,
        )  # fmt: skip
        results[mode]["out"] = (tmp_path / f"{mode.replace(' ', '')}.csv").read_bytes()
    assert results["serial"]["code"] == 0
    assert all(r["out"] == results["serial"]["out"] for r in results.values())


# ---- bad input: the serial run's message, exit 2, nothing written --------------------------


def _bad_input(tmp_path: Path, setup: Any, leads: str, dask_address: str) -> str:
    """Run serially and partitioned; every run fails the same way and writes nothing."""
    (tmp_path / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    setup(tmp_path)
    before = listing(tmp_path)
    messages = set()
    for mode in [*MODES, "dask"]:
        result = camp_run(
            tmp_path, "typed.camp", "--campaign", "Main", "--leads", leads, "--out", "out.csv",
            "--activities", "acts.jsonl", *mode_args(mode, dask_address),
        )  # fmt: skip
        assert result["code"] == 2, (mode, result["stderr"])
        messages.add(result["stderr"])
        assert listing(tmp_path) == before, mode
    assert len(messages) == 1
    (message,) = messages
    assert message.startswith("camp: error: ") and message.count("\n") == 1
    return message.removeprefix("camp: error: ").rstrip("\n")


def test_a_bad_row_in_one_part(tmp_path: Path, dask_address: str) -> None:
    def setup(folder: Path) -> None:
        data.write("csv-folder", folder)
        part = folder / "leads" / "part-03.csv"
        lines = part.read_bytes().split(b"\n")
        lines[40] = b"x,y," + lines[40]
        part.write_bytes(b"\n".join(lines))

    message = _bad_input(tmp_path, setup, "leads", dask_address)
    assert message.startswith("leads/part-03.csv:")
    assert "row has" in message and "the header has 7" in message


def test_the_first_bad_row_of_the_file_is_the_one_reported(
    tmp_path: Path, dask_address: str
) -> None:
    rows = data.leads(300)
    rows[200]["employees"] = "many"  # a later partition: not a number
    rows[90]["joined"] = "2026-13-01"  # an earlier one: not a date

    def setup(folder: Path) -> None:
        text = data.csv_bytes(rows).decode("utf-8")
        (folder / "leads.csv").write_text(text, encoding="utf-8")

    message = _bad_input(tmp_path, setup, "leads.csv", dask_address)
    assert "field 'joined': '2026-13-01' is not a valid date" in message


def test_the_first_bad_row_of_a_cut_parquet_file_is_the_one_reported(
    tmp_path: Path, dask_address: str
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = [{"email": f"p{i}@example.com", "employees": str(i)} for i in range(300)]
    rows[260]["employees"] = "many"  # in the last row group
    rows[120]["employees"] = "a few"  # in the third

    def setup(folder: Path) -> None:
        pq.write_table(pa.Table.from_pylist(rows), folder / "leads.parquet", row_group_size=50)

    message = _bad_input(tmp_path, setup, "leads.parquet", dask_address)
    assert message.startswith("leads.parquet: row 121: ")
    assert "'a few'" in message


def test_a_duplicate_id_across_partitions(tmp_path: Path, dask_address: str) -> None:
    def setup(folder: Path) -> None:
        lines = ["id,email"] + [f"{i},l{i}@x.com" for i in range(1, 400)]
        lines[350] = "12,again@x.com"
        (folder / "leads.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert _bad_input(tmp_path, setup, "leads.csv", dask_address) == (
        "leads.csv:351: duplicate lead id 12"
    )


def test_with_events_the_first_bad_cell_of_any_partition_is_reported(
    tmp_path: Path, dask_address: str
) -> None:
    """Split by id (events), a partition types only its own rows: a cell that is no
    number Camp holds fails only the partition that owns its row, and the run reports
    the first such row of the file."""
    lines = (ROOT / "examples/data/nurture.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("score")
    for row in (10, 5):  # ids 10 and 5: different partitions, of 2 and of 3
        cells = lines[row].split(",")
        cells[column] = "1e5000"
        lines[row] = ",".join(cells)
    (tmp_path / "leads.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = [
        str(ROOT / "examples/nurture.camp"), "--leads", "leads.csv", "--events",
        str(ROOT / "examples/data/nurture.events.jsonl"), "--out", "out.csv",
    ]  # fmt: skip
    before = listing(tmp_path)
    for mode in [*MODES, "dask"]:
        result = camp_run(tmp_path, *args, *mode_args(mode, dask_address))
        assert result["code"] == 2, result["stderr"]
        assert result["stderr"].startswith("camp: error: leads.csv:6: field 'score': "), mode
        assert listing(tmp_path) == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"a.csv": "email,score\nx@y.com,1\n", "b.csv": "email,points\nz@y.com,2\n"},
            "leads/b.csv:1: the header differs from leads/a.csv's: column 2 is 'points' here "
            "and 'score' there (every CSV part has the same header)",
        ),
        (
            {"a.csv": "email\nx@y.com\n", "b.jsonl": '{"email": "z@y.com"}\n'},
            "leads/b.jsonl: a jsonl part in a folder of csv parts (leads/a.csv): every part "
            "has one format",
        ),
        (
            {"a.csv": "email\nx@y.com\n", "notes.txt": "hello\n"},
            "leads/notes.txt: unknown file type '.txt' in a folder of lead parts (use .csv, "
            ".jsonl, .ndjson, .json, .parquet)",
        ),
        ({".hidden.csv": "email\n", "_SUCCESS": ""}, "leads: the folder holds no lead files"),
    ],
    ids=["header", "mixed", "unknown", "empty"],
)
def test_a_folder_that_is_not_one_input(
    files: dict[str, str], message: str, tmp_path: Path, dask_address: str
) -> None:
    def setup(folder: Path) -> None:
        (folder / "leads").mkdir()
        for name, text in files.items():
            (folder / "leads" / name).write_text(text, encoding="utf-8")

    assert _bad_input(tmp_path, setup, "leads", dask_address) == message


def test_parquet_without_pyarrow_says_how_to_install(
    shapes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    expected = "camp: error: Parquet needs pyarrow: pip install 'camp-lang[dask]'\n"
    for leads, out in (
        ("parquet-file/leads.parquet", "x.csv"),
        ("csv-file/leads.csv", "x.parquet"),
    ):
        for extra in ([], ["--workers", "2"]):
            result = camp_run(
                shapes, "typed.camp", "--campaign", "Main", "--leads", leads, "--out", out, *extra
            )
            assert (result["code"], result["stderr"]) == (2, expected)
            assert not (shapes / out).exists()
    events = tmp_path / "events.parquet"
    events.write_bytes(b"PAR1")  # never opened: pyarrow is asked first
    for extra in ([], ["--workers", "2"]):
        result = camp_run(
            shapes, "typed.camp", "--campaign", "Main", "--leads", "csv-file/leads.csv",
            "--events", str(events), "--out", "x.csv", *extra,
        )  # fmt: skip
        assert (result["code"], result["stderr"]) == (2, expected)
        assert not (shapes / "x.csv").exists()


def test_reading_a_folder_checks_heads_first(tmp_path: Path) -> None:
    (tmp_path / "x.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"x.parquet: not a Parquet file"):
        read_inputs(tmp_path / "x.parquet", None)
    assert whole(read_inputs(None, None)) == []
    assert plan(read_inputs(None, None), 4) == [[]]
    assert Piece(0, 0).end == -1


# ---- events in parts -------------------------------------------------------------------------


def test_an_events_folder_reads_as_one_file(tmp_path: Path) -> None:
    lines = (ROOT / "examples/data/nurture.events.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "events").mkdir()
    half = len(lines) // 2
    (tmp_path / "events" / "a.jsonl").write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    (tmp_path / "events" / "b.jsonl").write_text("\n".join(lines[half:]) + "\n", encoding="utf-8")
    (tmp_path / "leads").mkdir()
    leads = (ROOT / "examples/data/nurture.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "leads" / "a.csv").write_text("\n".join(leads[:9]) + "\n", encoding="utf-8")
    (tmp_path / "leads" / "b.csv").write_text(
        "\n".join([leads[0], *leads[9:]]) + "\n", encoding="utf-8"
    )
    program = str(ROOT / "examples/nurture.camp")
    until = ["--until", "2026-12-31T00:00:00"]
    single = camp_run(
        tmp_path, program, "--leads", str(ROOT / "examples/data/nurture.csv"), "--events",
        str(ROOT / "examples/data/nurture.events.jsonl"), "--out", "single.csv", *until,
    )  # fmt: skip
    assert single["code"] in (0, 1)
    for mode, extra in MODES.items():
        name = mode.replace(" ", "")
        result = camp_run(
            tmp_path, program, "--leads", "leads", "--events", "events", "--out", f"{name}.csv",
            "--activities", f"{name}.jsonl", *until, *extra,
        )  # fmt: skip
        assert (result["code"], result["stdout"]) == (single["code"], single["stdout"]), mode
        assert (tmp_path / f"{name}.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
        folder = camp_run(
            tmp_path, program, "--leads", "leads", "--events", "events", "--out", f"{name}-dir",
            *until, *extra,
        )  # fmt: skip
        parts = sorted((tmp_path / f"{name}-dir").iterdir())
        assert [p.name for p in parts] == ["part-00000.csv", "part-00001.csv"], folder["stderr"]
        rows = [r for p in parts for r in _rows(p)]
        assert rows == _rows(tmp_path / "single.csv")  # created leads in the last part


def _parquet_events(rows: list[dict[str, Any]], path: Path, fields_as_text: bool) -> None:
    """Events as Parquet the way a data team writes them: one column per key, shared by
    every event type (nulls where a row has no such key); ``time`` a timestamp."""
    import datetime as dt

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = []
    for row in rows:
        record = {**row, "time": dt.datetime.fromisoformat(row["time"])}
        if fields_as_text and "fields" in record:
            record["fields"] = json.dumps(record["fields"])
        records.append(record)
    pq.write_table(pa.Table.from_struct_array(pa.array(records)), path)


@pytest.mark.parametrize("fields_as_text", [False, True], ids=["struct", "json-text"])
@pytest.mark.parametrize("shape", ["file", "folder"])
def test_events_in_parquet_give_the_jsonl_run(
    shape: str, fields_as_text: bool, tmp_path: Path, dask_address: str
) -> None:
    jsonl = ROOT / "examples/data/nurture.events.jsonl"
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert any(r["type"] == "created" for r in rows)  # a struct column beside lead/name
    if shape == "file":
        events = "events.parquet"
        _parquet_events(rows, tmp_path / events, fields_as_text)
    else:
        events = "events"
        (tmp_path / events).mkdir()
        third = len(rows) // 3
        for i, chunk in enumerate((rows[:third], rows[third : 2 * third], rows[2 * third :])):
            _parquet_events(chunk, tmp_path / events / f"part-{i}.parquet", fields_as_text)
    program = str(ROOT / "examples/nurture.camp")
    common = ["--leads", str(ROOT / "examples/data/nurture.csv"), "--until", "2026-12-31T00:00:00"]
    single = camp_run(
        tmp_path, program, *common, "--events", str(jsonl), "--out", "single.csv",
        "--activities", "single.jsonl",
    )  # fmt: skip
    assert single["code"] == 0, single["stderr"]
    for mode in [*MODES, "dask"]:
        name = mode.replace(" ", "")
        result = camp_run(
            tmp_path, program, *common, "--events", events, "--out", f"{name}.csv",
            "--activities", f"{name}.jsonl", *mode_args(mode, dask_address),
        )  # fmt: skip
        assert (result["code"], result["stderr"], result["stdout"]) == (0, "", single["stdout"])
        assert (tmp_path / f"{name}.csv").read_bytes() == (tmp_path / "single.csv").read_bytes()
        acts, reference = (
            (tmp_path / f"{n}.jsonl").read_text(encoding="utf-8") for n in (name, "single")
        )
        assert per_lead(acts) == per_lead(reference), mode


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "visit"}, "events.parquet: row 3: event type 'visit' is not one of form, "
         "page, click, event, created"),
        ({"lead": None}, "events.parquet: row 3: event has no 'lead'"),
        ({"time": "soon"}, "events.parquet: row 3: 'time' 'soon' is not an ISO date-time"),
        ({"fields": "{not json"}, "events.parquet: row 3: 'fields' is not a JSON object: "
         "Expecting property name enclosed in double quotes"),
    ],
)  # fmt: skip
def test_a_bad_parquet_event_names_its_row(
    change: dict[str, Any], message: str, tmp_path: Path, dask_address: str
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows: list[dict[str, Any]] = [
        {"time": f"2026-12-01T0{i}:00:00", "lead": i, "type": "form", "name": "Demo",
         "fields": None} for i in range(1, 6)
    ]  # fmt: skip
    rows[2].update(change)
    if "fields" in change:
        rows[2].update(type="created", lead=None, name=None)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "events.parquet")
    (tmp_path / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    data.write("csv-file", tmp_path)
    before = listing(tmp_path)
    for mode in [*MODES, "dask"]:
        result = camp_run(
            tmp_path, "typed.camp", "--campaign", "Main", "--leads", "leads.csv",
            "--events", "events.parquet", "--out", "out.csv", *mode_args(mode, dask_address),
        )  # fmt: skip
        assert (result["code"], result["stderr"]) == (2, f"camp: error: {message}\n"), mode
        assert listing(tmp_path) == before, mode


# ---- workers that die, and what is left behind ---------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_a_killed_range_worker_fails_the_run_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    # Enough leads that the partitions still run when one is killed (see below).
    (tmp_path / "leads.csv").write_bytes(data.csv_bytes(data.leads(150_000)))
    before = listing(tmp_path)
    proc = subprocess.Popen(
        [*CAMP, "run", "typed.camp", "--campaign", "Main", "--leads", "leads.csv", "--start",
         START, "--out", "out.csv", "--activities", "acts.jsonl", "--workers", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    kill_a_worker(proc, 1)
    assert listing(tmp_path) == before


def test_no_run_writes_into_the_working_directory(shapes: Path, dask_address: str) -> None:
    """Partitions, Dask tasks and the parent write only beside their outputs (the
    hidden staging folders, removed at the end), never into the working directory."""
    cwd = shapes / "cwd"
    cwd.mkdir()
    before = listing(cwd)
    for extra in ([], ["--workers", "2"], ["--dask", dask_address]):
        result = camp_run(
            cwd, str(shapes / "typed.camp"), "--campaign", "Main", "--leads",
            str(shapes / "csv-folder/leads"), "--out", str(shapes / "cwd-out"),
            "--activities", str(shapes / "cwd-acts.jsonl"), *extra,
        )  # fmt: skip
        assert result["code"] == 0
        assert listing(cwd) == before
    assert not [p for p in os.listdir(shapes) if p.startswith(".")]


def test_progress_counts_the_leads_of_every_worker(tmp_path: Path) -> None:
    from camp.checker import check_files
    from camp.parallel.driver import run_partitioned
    from camp.runtime.run import RunOptions

    (tmp_path / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    (tmp_path / "leads.csv").write_bytes(data.csv_bytes(data.leads(9_000)))
    symbols = check_files([tmp_path / "typed.camp"]).symbols
    opts = RunOptions(campaign="Main", leads=tmp_path / "leads.csv", out=tmp_path / "out.csv")
    lines: list[str] = []
    summary = run_partitioned(tmp_path / "typed.camp", symbols, opts, 2, None, 3, lines.append)
    assert summary.leads == 9_000
    counts = [int(line.split(" leads run")[0].replace(",", "")) for line in lines]
    assert counts == sorted(counts) and counts[-1] == 9_000
    assert any(0 < c < 9_000 and c % 2_000 == 0 for c in counts)  # while the workers ran
    assert lines[-1] == "9,000 leads run (2/2 partitions done)"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_a_lost_dask_worker_fails_the_run_naming_its_partition(tmp_path: Path) -> None:
    """A Dask worker that dies under its task: once the scheduler gives up on the task
    (here at once: allowed-failures 0), the run fails with exit 1 naming the partition,
    and leaves nothing behind."""
    distributed = pytest.importorskip("dask.distributed")
    import logging

    import dask

    (tmp_path / "typed.camp").write_text(data.TYPED, encoding="utf-8")
    # Enough leads that a partition still runs when its worker is killed (about 2 s each
    # at the compiled engine's speed).
    (tmp_path / "leads.csv").write_bytes(data.csv_bytes(data.leads(150_000)))
    before = listing(tmp_path)
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        pids = client.run(os.getpid)
        proc = subprocess.Popen(
            [*CAMP, "run", "typed.camp", "--campaign", "Main", "--leads", "leads.csv",
             "--start", START, "--out", "out.csv", "--dask", cluster.scheduler_address],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        busy: list[str] = []
        while not busy and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            busy = [w for w, tasks in client.processing().items() if tasks]
        assert busy, "no task started"
        time.sleep(0.2)
        os.kill(pids[busy[0]], signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert err.startswith("camp: error: partition ")
    assert "KilledWorker" in err
    assert listing(tmp_path) == before
