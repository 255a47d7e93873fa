"""``camp run --workers N`` and ``--dask ADDRESS``: plan, run the partitions, merge, write.

Local workers are forked processes, one per partition: a fork hands each the checked
program as it is (it holds closures of the standard library, so it does not pickle),
and a process per partition lets the run name the partition whose process died and
stop every other at once. Dask tasks get a picklable :class:`Job` and check the
program once per task. Every output is written into a staging folder beside its
destination (the partitions write their pieces there) and moved into place only when
every partition succeeded: a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import bisect
import itertools
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from camp.checker.loader import InputError, display_path
from camp.checker.symbols import Symbols
from camp.parallel import exit_text, failure_text
from camp.parallel.partition import (
    Failure,
    Job,
    LeadKey,
    Part,
    merge_activities,
    merge_rows_columns,
    merge_summaries,
    merged_rows,
    run_job,
)
from camp.parallel.parts import (
    Inputs,
    OutSpec,
    PartIO,
    Staging,
    assemble,
    check_plan,
    out_spec,
    plan,
    read_inputs,
    where_of,
    write_parts,
)
from camp.runtime.leadio import IdSet, Typer
from camp.runtime.run import RunOptions, RunSummary, output_columns, resolve_campaign, streams

Result = Part | Failure
Progress = Callable[[str], None]


class PartitionError(Exception):
    """A partition failed for a reason other than bad input (exit status 1)."""


def auto_workers() -> int:
    """``--workers auto``: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Setup:
    """What the parent prepared before any partition runs."""

    file: str
    max_depth: int
    symbols: Symbols
    opts: RunOptions
    inputs: Inputs
    out: OutSpec | None
    out_staging: Staging | None
    activities_staging: Staging | None
    hashed: bool  # split by a hash of the lead id (runs with events), not by ranges


def run_partitioned(
    file: Path,
    symbols: Symbols,
    opts: RunOptions,
    workers: int | None,
    dask_address: str | None,
    max_depth: int,
    progress: Progress | None = None,
) -> RunSummary:
    """Run partitioned; bad input raises InputError (exit 2), a failed partition
    PartitionError (exit 1)."""
    inputs = read_inputs(opts.leads, opts.events)
    spec = out_spec(opts.out, inputs) if opts.out is not None else None
    if opts.activities is not None:
        if opts.activities.is_dir():
            raise InputError(f"{display_path(opts.activities)}: is a directory")
        if not opts.activities.resolve().parent.is_dir():
            raise InputError(f"{opts.activities}: cannot write: No such file or directory")
    single_json = len(inputs.leads) == 1 and inputs.leads[0].format == "json"
    with ExitStack() as stack:
        setup = _Setup(
            str(file.resolve()),
            max_depth,
            symbols,
            opts,
            inputs,
            spec,
            _staging(stack, spec.path if spec is not None else None),
            _staging(stack, str(opts.activities.resolve()) if opts.activities else None),
            hashed=bool(inputs.events) or single_json,
        )
        if dask_address is not None:
            client = stack.enter_context(dask_client(dask_address, workers))
            count = workers or max(1, sum(client.nthreads().values()))
            runner: Runner = DaskRunner(client, progress)
        else:
            assert workers is not None
            count = workers
            runner = LocalRunner(symbols, progress)
        results, jobs = _run(setup, runner, count)
        if results is None:  # the plan misread a CSV file's quotes: redo it by hash
            setup.hashed = True
            results, jobs = _run(setup, runner, count)
        assert results is not None
        parts = _parts(setup, results, jobs)
        summary = _merge(setup, parts)
        stack.pop_all()
    return summary


def _staging(stack: ExitStack, destination: str | None) -> Staging | None:
    if destination is None:
        return None
    staging = Staging.beside(destination)
    stack.callback(staging.discard)
    return staging


def _jobs(setup: _Setup, count: int) -> list[Job]:
    opts = setup.opts
    base = Job(
        file=setup.file,
        max_depth=setup.max_depth,
        index=0,
        count=count,
        campaign=opts.campaign,
        start=opts.start,
        until=opts.until,
        limits=(opts.limits.max_steps, opts.limits.max_cascade),
        inputs=setup.inputs,
        pieces=None,
        out=setup.out,
        out_staging=str(setup.out_staging.folder) if setup.out_staging else None,
        cwd=os.getcwd(),
        csv_cells=setup.out is not None and setup.out.format == "csv",
    )
    acts = setup.activities_staging

    def activities(k: int) -> str | None:
        return acts.path(f"activities-{k}.jsonl") if acts is not None else None

    if setup.hashed:
        return [replace(base, index=k, activities=activities(k)) for k in range(count)]
    partitions = plan(setup.inputs, count)
    return [
        replace(base, index=k, count=len(partitions), pieces=tuple(p), activities=activities(k))
        for k, p in enumerate(partitions)
    ]


def _run(setup: _Setup, runner: Runner, count: int) -> tuple[dict[int, Result] | None, list[Job]]:
    jobs = _jobs(setup, count)
    results = runner.run(jobs, setup.hashed)
    if not setup.hashed and not _plan_held(results, jobs):
        return None, jobs
    return results, jobs


def _plan_held(results: dict[int, Result], jobs: Sequence[Job]) -> bool:
    """Whether every partition read the rows the plan gave it, up to the first failure."""
    for k in range(len(jobs)):
        r = results.get(k)
        if r is None:
            return True
        pieces = jobs[k].pieces or ()
        if not check_plan(pieces[: len(r.counts)], r.counts, r.aligned):
            return False
        if isinstance(r, Failure):
            return True
    return True


def decided(results: dict[int, Result], count: int, hashed: bool) -> tuple[bool, set[int]]:
    """Whether the results in so far decide the run, and the partitions that can no
    longer change the outcome (to stop). By ranges: the lowest failed partition decides
    once every partition before it is in. By hash: bad input before the lead file
    (the same in every partition) decides at once; otherwise all must be in, as any
    partition may hold the first bad row of its own leads."""
    failed = sorted(k for k, r in results.items() if isinstance(r, Failure))
    if not failed:
        return len(results) == count, set()
    if hashed:
        if any(r.phase == 0 for r in results.values() if isinstance(r, Failure)):
            return True, set(range(count))
        return len(results) == count, set()
    first = failed[0]
    return all(k in results for k in range(first)), set(range(first + 1, count))


def _parts(setup: _Setup, results: dict[int, Result], jobs: Sequence[Job]) -> list[Part]:
    """The partitions' results when all succeeded; else the run's first error, as a
    serial run reports it (InputError)."""
    if setup.hashed:
        failures = [r for r in results.values() if isinstance(r, Failure)]
        if failures:
            raise InputError(min(failures, key=lambda f: (f.rank, f.index)).message)
        return [r for _, r in sorted(results.items()) if isinstance(r, Part)]
    earlier: list[Sequence[int]] = []  # the earlier partitions' ids not yet in ``seen``
    seen = IdSet()
    top = -1
    for k, job in enumerate(jobs):
        r = results[k]
        dup = _duplicate(r.ids, earlier, seen, top)
        if isinstance(r, Failure) and r.phase != 1:
            raise InputError(r.message)
        if dup is not None:
            where, row = _locate(setup.inputs, job, r, dup)
            if not isinstance(r, Failure) or row <= r.row:
                raise InputError(f"{where}: duplicate lead id {r.ids[dup]}")
        if isinstance(r, Failure):
            raise InputError(r.message)
        if r.ids:
            earlier.append(r.ids)
            top = max(top, max(r.ids))
    return [r for _, r in sorted(results.items()) if isinstance(r, Part)]


def _duplicate(
    ids: Sequence[int], earlier: list[Sequence[int]], seen: IdSet, top: int
) -> int | None:
    """The index of the first id that an earlier partition also read (a serial run's
    duplicate-id error), if any; ids in ascending ranges are cleared without a lookup.
    The earlier ids go into ``seen`` when first needed, each once."""
    if not ids or top < 0 or min(ids) > top:
        return None
    for block in earlier:
        for lead_id in block:
            seen.add(lead_id)
    earlier.clear()
    return next((n for n, lead_id in enumerate(ids) if lead_id in seen), None)


def _locate(inputs: Inputs, job: Job, r: Result, index: int) -> tuple[str, int]:
    """Where the ``index``-th row a range partition read is, and its row number."""
    pieces = job.pieces or ()
    for piece, held in zip(pieces, [*r.counts, index + 1], strict=False):
        if index < held:
            return where_of(inputs, piece, index), piece.row + index + 1
        index -= held
    raise AssertionError("a row beyond the partition's pieces")


# ---- merging -------------------------------------------------------------------------------


def _merge(setup: _Setup, parts: list[Part]) -> RunSummary:
    opts = setup.opts
    summary = merge_summaries(parts, opts.start.isoformat(timespec="seconds"))
    results: list[tuple[Staging, str]] = []
    if setup.out is not None and setup.out_staging is not None:
        results.append((setup.out_staging, _write_out(setup, parts, setup.out, setup.out_staging)))
    if setup.activities_staging is not None:
        merged = setup.activities_staging.path("result.jsonl")
        merge_activities(parts, merged)
        results.append((setup.activities_staging, merged))
    for staging, result in results:
        staging.commit(result)
    return summary


def _write_out(setup: _Setup, parts: list[Part], spec: OutSpec, staging: Staging) -> str:
    """--out as the serial run writes it: the range partitions' pieces joined, or the hash
    partitions' leads merged into the serial order and written here."""
    opts = replace(setup.opts, io=PartIO(setup.inputs, []))
    columns = output_columns(setup.symbols, opts)
    types = Typer(setup.symbols).types
    events = parts[0].events if parts else 0
    target = resolve_campaign(setup.symbols, opts.campaign) if opts.campaign else None
    streaming = streams(setup.symbols, opts, target, bool(events))
    if not setup.hashed:
        pieces = [piece for p in parts for piece in p.out]
        return assemble(spec, staging, pieces, streaming, columns, types)
    if not streaming:
        columns = merge_rows_columns(parts, columns)
    cumulative = list(itertools.accumulate(parts[0].source_rows)) if parts else []
    current = [0]

    def leads() -> Iterator[tuple[int, dict[str, Any]]]:
        for key, lead_id, fields in merged_rows(parts):
            current[0] = _part_of(key, cumulative, spec.parts)
            yield lead_id, fields

    written = write_parts(
        spec,
        staging,
        "out",
        leads(),
        columns,
        types,
        list(range(spec.parts)),
        lambda _: current[0],
    )
    return assemble(spec, staging, written, streaming, columns, types)


def _part_of(key: LeadKey, cumulative: list[int], parts: int) -> int:
    if parts == 1 or key[0] != 0:
        return parts - 1
    return min(bisect.bisect_left(cumulative, key[1]), parts - 1)


# ---- runners -------------------------------------------------------------------------------


class Runner:
    """Runs jobs to their results; raises PartitionError when a partition failed for a
    reason other than bad input."""

    def run(self, jobs: list[Job], hashed: bool) -> dict[int, Result]:
        raise NotImplementedError


def _progress_line(leads: int, finished: int, count: int) -> str:
    return f"{leads:,} leads run ({finished}/{count} partitions done)"


def _failed(k: int, count: int, why: str) -> PartitionError:
    return PartitionError(failure_text(k, count, why))


def _child(job: Job, symbols: Symbols | None, conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us on Ctrl-C

    def progress(n: int) -> None:
        if n % 2000 == 0:
            conn.send(("progress", n))

    try:
        message: tuple[str, Any] = ("ok", run_job(job, symbols, progress))
    except Exception as e:
        message = ("error", f"{type(e).__name__}: {e}")
    conn.send(message)
    conn.close()


class LocalRunner(Runner):
    """One forked process per partition (spawned where fork is missing: they check the
    program themselves)."""

    def __init__(self, symbols: Symbols, progress: Progress | None) -> None:
        self.symbols = symbols
        self.progress = progress

    def run(self, jobs: list[Job], hashed: bool) -> dict[int, Result]:
        ctx: Any
        try:
            ctx = mp.get_context("fork")
        except ValueError:  # pragma: no cover - no fork (Windows)
            ctx = mp.get_context("spawn")
        forked = ctx.get_start_method() == "fork"
        count = len(jobs)
        procs: dict[int, tuple[Any, Connection]] = {}
        try:
            for job in jobs:
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=_child,
                    args=(job, self.symbols if forked else None, send),
                    name=f"camp partition {job.index + 1}/{count}",
                    daemon=True,
                )
                proc.start()
                send.close()
                procs[job.index] = (proc, receive)
            return self._collect(procs, count, hashed)
        finally:
            for proc, conn in procs.values():
                if proc.is_alive():
                    proc.kill()
                proc.join()
                conn.close()

    def _collect(
        self, procs: dict[int, tuple[Any, Connection]], count: int, hashed: bool
    ) -> dict[int, Result]:
        results: dict[int, Result] = {}
        pending = dict(procs)
        done: dict[int, int] = {}
        while pending:
            ready = wait([c for _, c in pending.values()], timeout=0.5)
            for k, (proc, conn) in list(pending.items()):
                if conn not in ready:
                    continue
                try:
                    kind, value = conn.recv()
                except EOFError:
                    proc.join()
                    how = exit_text(proc.exitcode)
                    why = f"its worker process ended without a result ({how})"
                    raise _failed(k, count, why) from None
                if kind == "progress":
                    done[k] = value
                elif kind == "error":
                    raise _failed(k, count, value)
                else:
                    del pending[k]
                    results[k] = value
                    if isinstance(value, Part):
                        done[k] = value.summary.leads
                if self.progress is not None and done:
                    finished = sum(1 for r in results.values() if isinstance(r, Part))
                    self.progress(_progress_line(sum(done.values()), finished, count))
            over, stop = decided(results, count, hashed)
            for k in stop & set(pending):
                proc, _ = pending.pop(k)
                proc.kill()
            if over:
                break
        return results


DASK_MISSING = "--dask needs Dask: pip install 'camp-lang[dask]' (dask, distributed and pyarrow)"


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


class DaskRunner(Runner):
    """The partitions as tasks on a Dask cluster; the cluster's workers must see the
    run's files at the same paths (a shared file system, or ``--dask local``)."""

    def __init__(self, client: Any, progress: Progress | None) -> None:
        self.client = client
        self.progress = progress

    def run(self, jobs: list[Job], hashed: bool) -> dict[int, Result]:
        from dask.distributed import as_completed

        count = len(jobs)
        token = os.urandom(4).hex()
        futures = {
            # A task's bad input comes back as a Failure (exit 2); anything else raises.
            self.client.submit(
                run_job, job, key=f"camp-partition-{job.index}-{token}", pure=False
            ): job.index
            for job in jobs
        }
        results: dict[int, Result] = {}
        try:
            for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
                k = futures[future]
                if future.cancelled():
                    continue
                try:
                    results[k] = future.result()
                except Exception as e:  # a task that raised, or a worker lost (KilledWorker)
                    raise _failed(k, count, f"{type(e).__name__}: {e}") from None
                if self.progress is not None:
                    parts = [r for r in results.values() if isinstance(r, Part)]
                    leads = sum(p.summary.leads for p in parts)
                    self.progress(_progress_line(leads, len(parts), count))
                over, stop = decided(results, count, hashed)
                for f, j in futures.items():
                    if j in stop:
                        f.cancel()
                if over:
                    break
        finally:
            for future in futures:
                with suppress(Exception):
                    future.cancel()
        return results
