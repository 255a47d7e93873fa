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
