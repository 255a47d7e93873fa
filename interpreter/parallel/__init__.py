"""Partitioned runs: ``camp run --workers N`` and ``--dask ADDRESS`` (tooling spec §5);
folders of parts and Parquet (camp.parallel.parts). This module stays small: the CLI
imports it on every run to decide whether a run needs the others."""

from __future__ import annotations

from pathlib import Path

_FILE_SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")


def is_folder(path: Path) -> bool:
    """A folder of parts: a directory not named like a single file (``leads.csv/`` given
    as a file stays the error it was: "is a directory"; ``leads.parquet/`` is a folder,
    as Spark and Dask name them)."""
    return path.is_dir() and path.suffix.lower() not in _FILE_SUFFIXES


def uses_parts(*paths: Path | None) -> bool:
    """Whether a run's --leads/--events/--out need camp.parallel.parts: a folder of parts
    or a Parquet file among them."""
    return any(p is not None and (is_folder(p) or p.suffix.lower() == ".parquet") for p in paths)


_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing
_MASK = (1 << 64) - 1


def partition_of(lead_id: int, count: int) -> int:
    """The hash partition (0 .. count-1) of the lead with this id: a stable hash of the
    id, so ids with a pattern (all even, say) still spread evenly. File runs with events
    and workspace runs (``camp_part`` in SQL) split by it."""
    return (((lead_id * _GOLDEN) & _MASK) >> 32) % count


def failure_text(k: int, count: int, why: str) -> str:
    """The message of a run stopped by its partition ``k`` (0-based) failing."""
    return f"partition {k + 1} of {count} failed: {why.rstrip()}"


def exit_text(code: int | None) -> str:
    """How a worker process ended, from its exit code."""
    return f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
