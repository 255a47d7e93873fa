"""The ``camp run`` side of ``--workers`` / ``--dask``: option checks, progress, errors;
and serial runs over folders or Parquet (``--leads DIR``, ``--out DIR``, ``.parquet``)."""

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
    count: int | None,
    dask_address: str | None,
    max_depth: int,
) -> RunSummary:
    """Run partitioned; bad input raises InputError (exit 2), a failed partition exits 1."""
    from camp.parallel.driver import PartitionError
    from camp.parallel.driver import run_partitioned as run

    progress = None
    if opts.progress is not None:

        def progress(line: str) -> None:
            click.echo(f"\r\x1b[K{line}…", nl=False, err=True)

    try:
        return run(file, symbols, opts, count, dask_address, max_depth, progress)
    except PartitionError as e:
        click.echo(f"camp: error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("\ncamp: interrupted: every worker stopped, nothing written", err=True)
        sys.exit(130)


def run_parts(symbols: Symbols, opts: RunOptions) -> RunSummary:
    """A serial run whose --leads, --events or --out is a folder or Parquet: the same
    reading and writing as a partition's, in this process; --out moved into place only
    when the run succeeded."""
    from dataclasses import replace

    from camp.parallel.parts import PartIO, Staging, assemble, out_spec, read_inputs, whole
    from camp.runtime.leadio import Typer
    from camp.runtime.run import execute

    inputs = read_inputs(opts.leads, opts.events)
    spec = out_spec(opts.out, inputs) if opts.out is not None else None
    staging = Staging.beside(spec.path) if spec is not None else None
    io = PartIO(inputs, whole(inputs), spec, staging)
    try:
        summary = execute(symbols, replace(opts, io=io))
        if spec is not None and staging is not None and io.written:
            # One writer: every part's layout is its own, nothing is laid out again.
            types = Typer(symbols).types
            staging.commit(assemble(spec, staging, io.written, True, [], types))
    finally:
        if staging is not None:
            staging.discard()
    return summary
