"""The ``camp run`` side of ``--workers`` / ``--dask``: option checks, progress, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from camp.checker.loader import InputError
from camp.checker.symbols import Symbols
from camp.runtime.run import RunOptions, RunSummary


def parse_workers(text: str) -> int:
    from camp.parallel.driver import auto_workers

    if text == "auto":
        return auto_workers()
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise InputError(f"--workers {text}: expected a whole number >= 1 or 'auto'")
    return count


def run_partitioned(
    file: Path,
    symbols: Symbols,
    opts: RunOptions,
    workers: str | None,
    dask_address: str | None,
    max_depth: int,
) -> RunSummary:
    """Run partitioned; bad input raises InputError (exit 2), a failed partition exits 1."""
    from camp.parallel.driver import PartitionError, run_dask, run_local

    if opts.trace is not None:
        raise InputError(
            "--trace prints one run's steps in order: it cannot follow a partitioned run; "
            "drop --workers/--dask (or run the leads you want to trace serially)"
        )
    count = parse_workers(workers) if workers is not None else None
    progress = None
    if opts.progress is not None:

        def progress(line: str) -> None:
            click.echo(f"\r\x1b[K{line}…", nl=False, err=True)

    try:
        if dask_address is not None:
            return run_dask(file, symbols, opts, dask_address, count, max_depth, progress)
        assert count is not None
        return run_local(file, symbols, opts, count, max_depth, progress)
    except PartitionError as e:
        click.echo(f"camp: error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("\ncamp: interrupted: every worker stopped, nothing written", err=True)
        sys.exit(130)
