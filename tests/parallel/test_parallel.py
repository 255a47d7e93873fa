"""Partitioned runs (tooling spec §5): serial, ``--workers 2`` and ``--dask`` give the
same --out bytes, the same per-lead activity sequences and the same summary, on every
example and on a 20,000-lead run with triggers, waits and events; failures fail the
whole run with a clear error and leave no output behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from camp.cli import main
from click.testing import CliRunner
from example_commands import header_commands, option, without
from parallel_data import generate

ROOT = Path(__file__).resolve().parents[2]
CAMP = [sys.executable, "-m", "camp.cli"]


def _examples() -> list[tuple[str, list[str]]]:
    runs = []
    for path in sorted((ROOT / "examples").glob("*.camp")):
        for k, args in enumerate(header_commands(path)):
            out = option(args, "--out") or "out" + Path(option(args, "--leads") or "x.csv").suffix
            runs.append((f"{path.stem}-{k}", [*without(args, "--out", "--activities"), out]))
    return runs


EXAMPLES = _examples()


def invoke(args: list[str], folder: Path, out_name: str, extra: list[str]) -> dict[str, Any]:
    """One `camp run`; its exit code, stdout, stderr and output files (None: not written)."""
    out = folder / out_name
    activities = folder / "activities.jsonl"
    result = CliRunner().invoke(
        main, ["run", *args, "--out", str(out), "--activities", str(activities), *extra]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return {
        "code": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "out": out.read_bytes() if out.exists() else None,
        "activities": activities.read_text(encoding="utf-8") if activities.exists() else None,
    }


def per_lead(log: str) -> dict[int, list[str]]:
    leads: dict[int, list[str]] = defaultdict(list)
    for line in log.splitlines():
        leads[json.loads(line)["lead"]].append(line)
    return dict(leads)


def assert_same(serial: dict[str, Any], other: dict[str, Any]) -> None:
    assert other["code"] == serial["code"], other["stderr"]
    assert other["stderr"] == serial["stderr"]
    assert other["stdout"] == serial["stdout"]  # the summary
    assert other["out"] == serial["out"]  # byte-identical, in the serial run's lead order
    assert per_lead(other["activities"]) == per_lead(serial["activities"])
    keys = [(r["time"], r["lead"]) for r in map(json.loads, other["activities"].splitlines())]
    assert keys == sorted(keys)  # ordered by (time, lead id, order within the lead)


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_examples_workers_and_dask(
    name: str, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dask_address: str
) -> None:
    monkeypatch.chdir(ROOT)
    *run_args, out_name = args
    results = {}
    for mode, extra in (
        ("serial", []),
        ("workers", ["--workers", "2"]),
        ("dask", ["--dask", dask_address]),
    ):
        (tmp_path / mode).mkdir()
        results[mode] = invoke(run_args, tmp_path / mode, out_name, extra)
    assert results["serial"]["code"] in (0, 1)
    assert_same(results["serial"], results["workers"])
    assert_same(results["serial"], results["dask"])


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate(tmp_path_factory.mktemp("big"))


def _big_args(big: tuple[Path, Path]) -> list[str]:
    leads, events = big
    return [
        str(ROOT / "examples" / "nurture.camp"),
        "--leads",
        str(leads),
        "--events",
        str(events),
        "--start",
        "2026-12-01T00:00:00",
        "--until",
        "2026-12-15T00:00:00",
    ]


def test_twenty_thousand_leads(big: tuple[Path, Path], tmp_path: Path, dask_address: str) -> None:
    args = _big_args(big)
    results = {}
    for mode, extra in (
        ("serial", []),
        ("workers", ["--workers", "2"]),
        ("dask", ["--dask", dask_address]),
    ):
        (tmp_path / mode).mkdir()
        results[mode] = invoke(args, tmp_path / mode, "out.csv", extra)
    serial = results["serial"]
    assert serial["stdout"].splitlines()[1] == "leads        22500"  # 20,000 + 2,500 created
    assert "waiting" in serial["stdout"]  # flows still inside a wait at --until
    assert_same(serial, results["workers"])
    assert_same(serial, results["dask"])


def test_dask_local_starts_its_own_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    args = next(a for n, a in EXAMPLES if n.startswith("nurture"))
    *run_args, out_name = args
    (tmp_path / "s").mkdir()
    (tmp_path / "d").mkdir()
    serial = invoke(run_args, tmp_path / "s", out_name, [])
    assert_same(
        serial, invoke(run_args, tmp_path / "d", out_name, ["--dask", "local", "--workers", "2"])
    )


# ---- failures: a clear error, nothing written -------------------------------------------


def _bad_row_file(folder: Path) -> Path:
    """examples/data/nurture.csv with a lead id that is no number on line 10."""
    lines = (ROOT / "examples/data/nurture.csv").read_text(encoding="utf-8").splitlines()
    lines[9] = "9x" + lines[9][1:]
    path = folder / "leads.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["workers", "dask"])
def test_bad_row_fails_the_run_and_writes_nothing(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dask_address: str
) -> None:
    monkeypatch.chdir(tmp_path)
    leads = _bad_row_file(tmp_path)
    args = [
        str(ROOT / "examples/nurture.camp"),
        "--leads",
        "leads.csv",
        "--events",
        str(ROOT / "examples/data/nurture.events.jsonl"),
        "--start",
        "2026-12-01T00:00:00",
    ]
    extra = ["--workers", "2"] if mode == "workers" else ["--dask", dask_address]
    serial = invoke(args, tmp_path, "serial.csv", [])
    assert serial["code"] == 2
    assert serial["stderr"] == "camp: error: leads.csv:10: lead id '9x' is not a whole number\n"
    (tmp_path / "activities.jsonl").unlink(missing_ok=True)
    result = invoke(args, tmp_path, "out.csv", extra)
    assert (result["code"], result["stderr"]) == (2, serial["stderr"])
    assert result["out"] is None and result["activities"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"] + (
        ["serial.csv"] if serial["out"] is not None else []
    )
    assert leads.exists()


ERRORS_LATER = """
campaign Nurture <
  if score > 10 then <
    wait 2 days;
  >
  set n = 1 / 0;
>
"""


def test_errors_are_listed_as_they_came(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Leads with a high score fail two days later than the others: the summary lists the
    # errors in (time, lead) order, as a serial run meets them, not in lead order alone.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.camp").write_text(ERRORS_LATER, encoding="utf-8")
    rows = [f"{i},lead{i}@example.com,{20 if i % 3 == 0 else 1}" for i in range(1, 41)]
    (tmp_path / "leads.csv").write_text("id,email,score\n" + "\n".join(rows) + "\n")
    args = ["p.camp", "--campaign", "Nurture", "--leads", "leads.csv"]
    args += ["--start", "2026-12-01T00:00:00", "--format", "json"]
    (tmp_path / "serial").mkdir()
    (tmp_path / "workers").mkdir()
    serial = invoke(args, tmp_path / "serial", "out.csv", [])
    other = invoke(args, tmp_path / "workers", "out.csv", ["--workers", "2"])
    assert serial["code"] == 1
    leads = [e["lead"] for e in json.loads(serial["stdout"])["errors"]]
    late = [f"{i} (lead{i}@example.com)" for i in range(3, 41, 3)]
    assert leads[-len(late) :] == late  # the late errors come last serially
    assert_same(serial, other)


SCHEDULED_BESIDE = """\
campaign Main <
  set score = 1;
>

campaign Nightly <
  schedule at "2026-12-01T02:00:00";
  set nightly = true;
>
"""


def test_campaign_beside_a_scheduled_batch_streams_as_serially(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dask_address: str
) -> None:
    # --campaign leaves the other campaign's schedule out, so the serial run streams and
    # its --out header is the first lead's: the later leads' "extra" field is not a column.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.camp").write_text(SCHEDULED_BESIDE, encoding="utf-8")
    rows = [{"id": i, "email": f"l{i}@example.com", **({"extra": "e"} if i > 60 else {})}
            for i in range(1, 121)]  # fmt: skip
    (tmp_path / "leads.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["p.camp", "--campaign", "Main", "--leads", "leads.jsonl"]
    args += ["--start", "2026-12-01T00:00:00", "--until", "2026-12-02T00:00:00"]
    results = {}
    for mode, extra in (("serial", []), ("workers", ["--workers", "2"]), ("dask", ["--dask", dask_address])):  # fmt: skip
        (tmp_path / mode).mkdir()
        results[mode] = invoke(args, tmp_path / mode, "out.csv", extra)
    assert results["serial"]["code"] == 0
    assert results["serial"]["out"].startswith(b"id,score,nightly,email,unsubscribed\r\n")
    assert_same(results["serial"], results["workers"])
    assert_same(results["serial"], results["dask"])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_killed_worker_fails_the_run_naming_its_partition(
    big: tuple[Path, Path], tmp_path: Path
) -> None:
    out, activities = tmp_path / "out.csv", tmp_path / "activities.jsonl"
    proc = subprocess.Popen(
        [
            *CAMP,
            "run",
            *_big_args(big),
            "--out",
            str(out),
            "--activities",
            str(activities),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    kill_a_worker(proc, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def kill_a_worker(proc: subprocess.Popen[str], partition: int) -> None:
    """Kill the worker of one partition (of 2) of a running `camp run --workers 2`: the
    run fails with exit 1, naming the partition."""
    deadline = time.monotonic() + 60
    children: list[int] = []
    while len(children) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        children = _children(proc.pid)
    assert len(children) == 2, "the run did not start two workers"
    time.sleep(0.5)
    os.kill(children[partition - 1], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.startswith(
        f"camp: error: partition {partition} of 2 failed: its worker process ended"
    )
    assert "killed by signal 9" in err


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_ctrl_c_stops_every_worker_and_writes_nothing(
    big: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [*CAMP, "run", *_big_args(big), "--out", str(out), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    children: list[int] = []
    while len(children) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        children = _children(proc.pid)
    assert len(children) == 2
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted: every worker stopped, nothing written" in err
    for child in children:
        assert (
            not Path(f"/proc/{child}").exists()
            or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
        )
    assert list(tmp_path.iterdir()) == []


# ---- refusals -------------------------------------------------------------------------


def _refusal(extra: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(ROOT / "examples/normalize.camp"),
            "--campaign",
            "NormalizeAll",
            "--leads",
            str(ROOT / "examples/data/normalize.csv"),
            *extra,
        ],
    )
    return result.exit_code, result.stderr


def test_trace_is_refused_when_partitioned() -> None:
    code, err = _refusal(["--trace", "--workers", "2"])
    assert code == 2
    assert err.startswith("camp: error: --trace prints one run's steps in order: it cannot follow")


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_bad_worker_counts(value: str) -> None:
    assert _refusal(["--workers", value]) == (
        2,
        f"camp: error: --workers {value}: expected a whole number >= 1 or 'auto'\n",
    )


def test_dask_with_db_is_refused(tmp_path: Path) -> None:
    # (--workers with --db is a partitioned workspace run: tests/store/test_partitioned.py)
    code, err = _refusal(["--dask", "local", "--db", str(tmp_path / "w.db")])
    assert code == 2
    assert "--dask with --db" in err and "network file system" in err


def test_dask_without_dask_installed_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert _refusal(["--dask", "local"]) == (
        2,
        "camp: error: --dask needs Dask: pip install 'camp-lang[dask]' "
        "(dask, distributed and pyarrow)\n",
    )


def test_workers_auto_runs(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, err = _refusal(["--workers", "auto", "--out", str(out), "--start", "2026-12-01T09:00:00"])
    assert (code, err) == (0, "")
    assert out.read_text(encoding="utf-8").startswith("id,")
