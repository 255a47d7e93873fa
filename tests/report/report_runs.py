"""Writing the reports the browser and page tests look at (shared helpers)."""

from __future__ import annotations

from pathlib import Path

from camp.cli import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]

RUNS = {
    "webinar": [
        "examples/webinar.camp",
        "--leads", "examples/data/webinar.csv",
        "--events", "examples/data/webinar.events.jsonl",
        "--start", "2026-12-01T08:00:00", "--until", "2026-12-20T00:00:00",
    ],
    "scoring": [
        "examples/scoring.camp",
        "--leads", "examples/data/scoring.csv",
        "--events", "examples/data/scoring.events.jsonl",
        "--start", "2026-12-01T00:00:00", "--until", "2026-12-04T00:00:00",
    ],
}  # fmt: skip


def write_report(name: str, out: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["run", *RUNS[name], "--report", str(out)], catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr
