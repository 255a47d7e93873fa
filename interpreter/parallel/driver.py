"""``camp run --workers N`` and ``--dask ADDRESS``: run the partitions, merge, write.

Local workers are forked processes, one per partition: a fork hands each the checked
program as it is (it holds closures of the standard library, so it does not pickle),
and a process per partition lets the run name the partition whose process died and
stop every other at once. Dask tasks get a picklable :class:`Job` and check the
program once per task. Outputs go to temporary files beside their destination and are
renamed only when every partition succeeded: a failed or interrupted run leaves
nothing behind.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from camp.checker.loader import InputError
from camp.checker.symbols import Symbols
from camp.parallel.partition import (
    Job,
    Part,
    merge_activities,
    merge_summaries,
    run_job,
    write_out,
)
from camp.runtime.leadio import file_format
from camp.runtime.run import RunOptions, RunSummary, output_columns


class PartitionError(Exception):
    """A partition failed for a reason other than bad input (exit status 1)."""


def auto_workers() -> int:
    """``--workers auto``: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _jobs(file: Path, max_depth: int, opts: RunOptions, count: int, tmp: Path | None) -> list[Job]:
    return [
        Job(
            file=str(file),
            max_depth=max_depth,
            index=k,
            count=count,
            campaign=opts.campaign,
            leads=str(opts.leads) if opts.leads else None,
            events=str(opts.events) if opts.events else None,
            start=opts.start,
            until=opts.until,
            limits=(opts.limits.max_steps, opts.limits.max_cascade),
            activities=str(tmp / f"activities-{k}.jsonl") if tmp is not None else None,
            want_activities=opts.activities is not None,
            cwd=os.getcwd(),
            rows=str(tmp / f"rows-{k}.pickle") if tmp is not None else None,
            csv_cells=opts.out is not None and file_format(opts.out) == "csv",
        )
        for k in range(count)
    ]


def _temp_beside(path: Path) -> Path:
    # Not mkstemp: the final file keeps the permissions a serial run's file gets.
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")


def _finish(
    symbols: Symbols, opts: RunOptions, parts: list[Part], files: list[Path] | None
) -> RunSummary:
    """Merge the partitions into the outputs (temporary names first, then renamed)."""
    parts.sort(key=lambda p: p.index)
    written: list[tuple[Path, Path]] = []
    try:
        if opts.out is not None:
            tmp = _temp_beside(opts.out)
            written.append((tmp, opts.out))
            write_out(tmp, symbols, opts, parts, output_columns(symbols, opts))
        if opts.activities is not None:
            tmp = _temp_beside(opts.activities)
            written.append((tmp, opts.activities))
            merge_activities(parts, files, tmp)
    except OSError as e:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the run's output: {e}") from None
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in written:
        os.replace(tmp, final)
    return merge_summaries(parts, opts.start.isoformat(timespec="seconds"))


def _check_writable(opts: RunOptions) -> None:
    for path in (opts.out, opts.activities):
        if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise InputError(f"{path}: cannot write: No such file or directory")


# ---- local processes -----------------------------------------------------------------


def _child(job: Job, symbols: Symbols, conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us on Ctrl-C
    try:
        message: tuple[str, Any] = ("ok", run_job(job, symbols))
    except InputError as e:
        message = ("input", str(e))
    except Exception as e:
        message = ("error", f"{type(e).__name__}: {e}")
    conn.send(message)
    conn.close()


def run_local(
    file: Path,
    symbols: Symbols,
    opts: RunOptions,
    workers: int,
    max_depth: int,
    progress: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run ``workers`` partitions as local processes; raises InputError / PartitionError."""
    _check_writable(opts)
    ctx: Any
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - no fork (Windows): workers re-check the file
        ctx = mp.get_context("spawn")
    forked = ctx.get_start_method() == "fork"
    tmp = Path(tempfile.mkdtemp(prefix="camp-run-"))
    procs: dict[int, tuple[Any, Connection]] = {}
    try:
        jobs = _jobs(file, max_depth, opts, workers, tmp)
        for job in jobs:
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_child,
                args=(job, symbols if forked else None, send),
                name=f"camp partition {job.index + 1}/{workers}",
                daemon=True,
            )
            proc.start()
            send.close()
            procs[job.index] = (proc, receive)
        parts: list[Part] = []
        failures: list[tuple[int, str, str]] = []
        pending = dict(procs)
        while pending and not failures:
            ready = wait([c for _, c in pending.values()], timeout=0.5)
            for k, (proc, conn) in list(pending.items()):
                if conn not in ready:
                    continue
                try:
                    kind, value = conn.recv()
                except EOFError:
                    proc.join()
                    code = proc.exitcode
                    how = (
                        f"killed by signal {-code}"
                        if code is not None and code < 0
                        else f"exit status {code}"
                    )
                    kind, value = "error", f"its worker process ended without a result ({how})"
                del pending[k]
                if kind == "ok":
                    parts.append(value)
                    if progress is not None:
                        progress(
                            f"{sum(p.summary.leads for p in parts):,} leads run "
                            f"({len(parts)}/{workers} partitions)"
                        )
                else:
                    failures.append((k, kind, value))
        if failures:
            _raise_first(failures, workers)
        for proc, _ in procs.values():
            proc.join()
        return _finish(symbols, opts, parts, [Path(j.activities) for j in jobs if j.activities])
    finally:
        for proc, conn in procs.values():
            if proc.is_alive():
                proc.kill()
            proc.join()
            conn.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _raise_first(failures: list[tuple[int, str, str]], count: int) -> None:
    inputs = sorted((k, v) for k, kind, v in failures if kind == "input")
    if inputs:  # every partition reads every row: the same message a serial run gives
        raise InputError(inputs[0][1])
    k, _, value = min(failures)
    raise PartitionError(f"partition {k + 1} of {count} failed: {value.rstrip()}")


# ---- Dask ----------------------------------------------------------------------------

DASK_MISSING = "--dask needs Dask: pip install 'camp-lang[dask]' (dask, distributed and pyarrow)"


def _dask_task(job: Job) -> tuple[str, Any]:
    """A Dask task: bad input comes back as a value (exit 2), anything else raises.

    The task runs in the submitting process's working directory, so that file names in
    messages and diagnostics read as a serial run's (the cluster must see the same paths).
    """
    before = os.getcwd()
    try:
        os.chdir(job.cwd)
    except OSError as e:
        return "input", f"--dask: a worker cannot enter the run's directory {job.cwd}: {e.strerror}"
    try:
        return "ok", run_job(job)
    except InputError as e:
        return "input", str(e)
    finally:
        os.chdir(before)


@contextmanager
def dask_client(address: str, workers: int | None) -> Iterator[Any]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(DASK_MISSING) from None
    import logging

    if address == "local":
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or auto_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    try:
        client = Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as e:
        raise InputError(f"--dask {address}: cannot reach the Dask scheduler: {e}") from None
    with client:
        yield client


def run_dask(
    file: Path,
    symbols: Symbols,
    opts: RunOptions,
    address: str,
    workers: int | None,
    max_depth: int,
    progress: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run the partitions as tasks on a Dask cluster; one partition per Dask worker thread
    unless ``workers`` says how many."""
    _check_writable(opts)
    with dask_client(address, workers) as client:
        from dask.distributed import as_completed

        count = workers or max(1, sum(client.nthreads().values()))
        # Activities come back inline: a remote cluster shares no file system with us.
        jobs = [replace(j, activities=None) for j in _jobs(file, max_depth, opts, count, None)]
        futures = {
            client.submit(
                _dask_task, j, key=f"camp-partition-{j.index}-{os.getpid()}-{id(opts)}"
            ): j
            for j in jobs
        }
        parts: list[Part] = []
        failures: list[tuple[int, str, str]] = []
        try:
            for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
                job = futures[future]
                try:
                    kind, value = future.result()
                except Exception as e:  # a task that raised, or a worker lost (KilledWorker)
                    kind, value = "error", f"{type(e).__name__}: {e}"
                if kind == "ok":
                    parts.append(value)
                    if progress is not None:
                        progress(
                            f"{sum(p.summary.leads for p in parts):,} leads run "
                            f"({len(parts)}/{count} partitions)"
                        )
                else:
                    failures.append((job.index, kind, value))
                    break
        finally:
            for future in futures:
                with suppress(Exception):
                    future.cancel()
        if failures:
            _raise_first(failures, count)
        return _finish(symbols, opts, parts, None)
