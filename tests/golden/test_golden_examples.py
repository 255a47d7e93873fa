"""Golden runs of the examples: each example runs as its header comment says (with a
fixed --start), and its activity log, --out file and text summary must match the
checked-in files under tests/golden/expected/<run>/.

Regenerate after an intended change with

    CAMP_UPDATE_GOLDENS=1 python -m pytest tests/golden

and read the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner
from example_commands import header_commands, option, without

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).resolve().parent / "expected"
UPDATE = os.environ.get("CAMP_UPDATE_GOLDENS") == "1"


@dataclass(frozen=True)
class GoldenRun:
    name: str  # folder under expected/
    args: tuple[str, ...]  # `camp run` arguments from the example's header comment
    out: str  # --out file name (its extension picks the format)

    def __str__(self) -> str:
        return self.name


def discover() -> list[GoldenRun]:
    runs = []
    for path in sorted((ROOT / "examples").glob("*.camp")):
        commands = header_commands(path)
        for args in commands:
            name = path.stem
            if len(commands) > 1:
                name += "-" + (option(args, "--campaign") or "events").lower()
            leads = option(args, "--leads") or "leads.json"
            out = option(args, "--out") or "out" + Path(leads).suffix
            runs.append(GoldenRun(name, tuple(without(args, "--out", "--activities")), out))
    return runs


RUNS = discover()


def test_every_example_documents_a_deterministic_run():
    documented = {Path(run.args[0]).stem for run in RUNS}
    assert documented == {p.stem for p in (ROOT / "examples").glob("*.camp")}
    for run in RUNS:
        assert "--start" in run.args, f"{run.name}: a golden run needs a fixed --start"
    assert len({run.name for run in RUNS}) == len(RUNS)


def _diff(expected: str, actual: str, name: str) -> str:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"expected/{name}", "actual", lineterm=""
        )
    )
    more = f"\n... {len(lines) - 80} more diff lines" if len(lines) > 80 else ""
    return "\n".join(lines[:80]) + more


def _compare(expected_dir: Path, name: str, actual: str) -> None:
    path = expected_dir / name
    if UPDATE:
        expected_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"{path} is missing: run with CAMP_UPDATE_GOLDENS=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, (
        f"{name} differs from {path.relative_to(ROOT)} "
        f"(CAMP_UPDATE_GOLDENS=1 regenerates):\n{_diff(expected, actual, name)}"
    )


@pytest.mark.parametrize("run", RUNS, ids=str)
def test_golden(run: GoldenRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # file names in messages are relative to the repository
    out = tmp_path / run.out
    activities = tmp_path / "activities.jsonl"
    result = CliRunner().invoke(
        main, ["run", *run.args, "--out", str(out), "--activities", str(activities)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    expected_dir = EXPECTED / run.name
    _compare(expected_dir, "activities.jsonl", activities.read_bytes().decode("utf-8"))
    _compare(expected_dir, run.out, out.read_bytes().decode("utf-8"))
    _compare(expected_dir, "summary.txt", result.stdout)
