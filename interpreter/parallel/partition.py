"""One partition of a partitioned run, and the merge of the partitions' results.

A partition owns the leads whose id hashes to it (Fibonacci hashing of the id, stable
across machines and Python versions), the events of those leads, and the leads that
``created`` events bring when the new id hashes to it. Each partition is a full
:func:`camp.runtime.run.execute` of the same checked program over the whole input,
told through :attr:`RunOptions.select` which leads are its own: every partition reads
and types every row, so a bad row or a bad event fails each one with the serial run's
own message, naming the file and row.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import json
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from camp.checker.symbols import Kind, Symbols
from camp.diagnostics import Diagnostic
from camp.runtime.evaluator import Limits
from camp.runtime.run import (
    RunOptions,
    RunSummary,
    execute,
    has_wait,
    resolve_campaign,
    schedule_times,
)
from camp.types import Value

_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing
_MASK = (1 << 64) - 1

# (0, row in the lead file, 0) for the file's leads; (1, time, index among the events)
# for the leads 'created' events bring: the order of a serial run's leads.
LeadKey = tuple[int, Any, int]


def partition_of(lead_id: int, count: int) -> int:
    """The partition (0 .. count-1) that runs the lead with this id."""
    return (((lead_id * _GOLDEN) & _MASK) >> 32) % count


@dataclass(frozen=True)
class Job:
    """What one partition runs: everything picklable (a Dask task's argument)."""

    file: str  # the program's main file (re-checked by a worker that has no checked program)
    max_depth: int
    index: int
    count: int
    campaign: str | None
    leads: str | None
    events: str | None
    start: _dt.datetime
    until: _dt.datetime | None
    limits: tuple[int, int]  # max steps, max cascade
    activities: str | None  # write this partition's sorted activities here; None: inline
    want_activities: bool
    cwd: str = ""  # the submitting process's working directory (Dask tasks run in it)
    rows: str | None = None  # write the leads here (shared file system); None: inline
    csv_cells: bool = False  # --out is CSV: render the cells here, in parallel


@dataclass
class Part:
    """One partition's results, sent back to the process that merges them."""

    index: int
    summary: RunSummary
    rows: list[tuple[LeadKey, int, dict[str, Value]]]  # inline, in the serial order
    # The activity log in (time, lead) blocks: their sizes in the partition's file, or
    # the blocks themselves when there is no shared file system (Dask).
    blocks: list[tuple[tuple[str, int], int]] = field(default_factory=list)
    inline: list[tuple[tuple[str, int], bytes]] = field(default_factory=list)
    events: int = 0  # events in the events file (all partitions read the same)
    rows_file: str | None = None  # the rows as pickled chunks, when not inline
    order: dict[int, LeadKey] = field(default_factory=dict)  # leads with errors or waiting


class _Selector:
    """The ``select`` callback: keeps this partition's leads, remembering their rows."""

    def __init__(self, index: int, count: int) -> None:
        self.index = index
        self.count = count
        self.rows: dict[int, int] = {}
        self.top = 0

    def __call__(self, lead_id: int, row: int) -> bool:
        mine = partition_of(lead_id, self.count) == self.index
        if row:
            self.top = max(self.top, lead_id)
            if mine:
                self.rows[lead_id] = row
        return mine


def activity_key(line: str) -> tuple[str, int]:
    """(time, lead id) of one activity line; the log writes ``lead`` and ``time`` first."""
    if line.startswith('{"lead": '):
        comma = line.find(",", 9)
        if line.startswith(', "time": "', comma):
            end = line.find('"', comma + 11)
            return line[comma + 11 : end], int(line[9:comma])
    record = json.loads(line)
    return str(record["time"]), int(record["lead"])


def run_job(job: Job, symbols: Symbols | None = None) -> Part:
    """Run one partition (in a worker process); raises InputError for bad input."""
    from camp.checker import check_files
    from camp.checker.loader import InputError

    if symbols is None:
        result = check_files([Path(job.file)], job.max_depth)
        if result.errors:
            raise InputError(f"{job.file}: the program no longer checks on this worker")
        symbols = result.symbols
    if job.want_activities and not job.activities:  # inline: through a private temp file
        fd, name = tempfile.mkstemp(prefix="camp-partition-", suffix=".jsonl")
        os.close(fd)
        try:
            return _run_job(job, symbols, Path(name))
        finally:
            Path(name).unlink(missing_ok=True)
    return _run_job(job, symbols, Path(job.activities) if job.activities else None)


def _run_job(job: Job, symbols: Symbols, activities: Path | None) -> Part:
    from camp.runtime.leadio import _cell, read_events
    from camp.runtime.run import _created_id

    selector = _Selector(job.index, job.count)
    opts = RunOptions(
        campaign=job.campaign,
        leads=Path(job.leads) if job.leads else None,
        events=Path(job.events) if job.events else None,
        start=job.start,
        until=job.until,
        out=None,  # the merge writes --out; without it the run keeps its leads
        activities=activities if job.want_activities else None,
        limits=Limits(*job.limits),
        select=selector,
    )
    summary = execute(symbols, opts)
    events = read_events(opts.events) if opts.events else []
    created: dict[int, LeadKey] = {}
    next_id = selector.top + 1
    for n, ev in enumerate(events):
        if ev.type == "created":
            lead_id = _created_id(ev, next_id)
            next_id = max(next_id, lead_id + 1)
            created[lead_id] = (1, ev.time, n)
    # A CSV cell is what leadio's writer makes of a value; made here, the parent's writer
    # gets text it passes through unchanged (same bytes, less work in the serial merge).
    cells = (lambda f: {k: _cell(v) for k, v in f.items()}) if job.csv_cells else (lambda f: f)
    rows = [
        ((0, selector.rows[i], 0) if i in selector.rows else created[i], i, cells(lead.fields))
        for i, lead in summary.leads_after.items()
    ]
    rows.sort(key=lambda r: r[0])
    summary.leads_after = {}
    part = Part(job.index, summary, rows, events=len(events))
    named = {_lead_number(d) for d in summary.errors} | {w["lead"] for w in summary.waiting}
    part.order = {i: key for key, i, _ in rows if i in named}
    if job.rows:
        with open(job.rows, "wb") as f:
            for start in range(0, len(rows), _ROWS):
                pickle.dump(rows[start : start + _ROWS], f, pickle.HIGHEST_PROTOCOL)
        part.rows, part.rows_file = [], job.rows
    if job.want_activities and activities is not None:
        if job.activities:
            done = activities.with_name(activities.name + ".sorted")
            with done.open("wb") as f:
                for key, data in sorted_blocks(activities):
                    f.write(data)
                    part.blocks.append((key, len(data)))
            os.replace(done, activities)
        else:
            part.inline = list(sorted_blocks(activities))
    return part


_ROWS = 10_000  # leads a pickled chunk of a partition's rows file


def _block_key(line: bytes) -> tuple[bytes | None, tuple[str, int]]:
    """The prefix that every line of a (time, lead) block starts with (``{"lead": 7,
    "time": "..."``; None when the line is not in the log's own layout) and the key."""
    if line.startswith(b'{"lead": '):
        comma = line.find(b",", 9)
        if line.startswith(b', "time": "', comma):
            end = line.find(b'"', comma + 11)
            if end > 0:
                return line[: end + 1], (line[comma + 11 : end].decode(), int(line[9:comma]))
    return None, activity_key(line.decode("utf-8"))


def sorted_blocks(path: Path) -> Iterator[tuple[tuple[str, int], bytes]]:
    """A partition's activity log in (time, lead) order, as blocks of consecutive lines
    with the same (time, lead): the merge in the parent then handles a block (about one
    per lead and moment) rather than every line. Only an index of the blocks (key, offset,
    size) is sorted, stably, so a lead's own order is kept and memory holds no lines; a
    log already in order (a batch without waits, ids ascending) is read straight through."""
    index: list[tuple[tuple[str, int], int, int]] = []
    with path.open("rb") as f:
        prefix: bytes | None = None
        offset = 0
        for line in f:
            if prefix is None or not line.startswith(prefix):
                prefix, key = _block_key(line)
                index.append((key, offset, 0))
            key, start, size = index[-1]
            index[-1] = (key, start, size + len(line))
            offset += len(line)
        if any(index[n][0] > index[n + 1][0] for n in range(len(index) - 1)):
            index.sort(key=lambda block: block[0])
        for key, start, size in index:
            f.seek(start)
            yield key, f.read(size)


# ---- the merge --------------------------------------------------------------------------


def serial_streams(symbols: Symbols, opts: RunOptions, events: int) -> bool:
    """Whether the serial run would stream (its --out header then differs): the same test
    as :func:`camp.runtime.run.execute`'s."""
    target = resolve_campaign(symbols, opts.campaign) if opts.campaign else None
    scheduled = any(
        True
        for c in symbols.campaigns.values()
        if c.kind is Kind.BATCH and c.schedules and c is not target
        for _ in schedule_times(c, opts.start, opts.until)
    )
    return (
        target is not None
        and opts.out is not None
        and not events
        and not scheduled
        and not has_wait(symbols)
        and not any(c.kind is Kind.TRIGGER for c in symbols.campaigns.values())
    )


def _rows(part: Part) -> Iterator[tuple[LeadKey, int, dict[str, Value]]]:
    if part.rows_file is None:
        yield from part.rows
        return
    with open(part.rows_file, "rb") as f:
        while True:
            try:
                yield from pickle.load(f)
            except EOFError:
                return


def merged_rows(parts: list[Part]) -> Iterator[tuple[int, dict[str, Value]]]:
    """Every partition's leads in the serial run's order."""
    for _key, lead_id, fields in heapq.merge(*map(_rows, parts), key=lambda r: r[0]):
        yield lead_id, fields


def write_out(
    path: Path, symbols: Symbols, opts: RunOptions, parts: list[Part], columns: list[str]
) -> None:
    """``--out`` exactly as the serial run writes it (same header, same order)."""
    from camp.runtime.leadio import write_leads

    if not serial_streams(symbols, opts, parts[0].events if parts else 0):
        seen = dict.fromkeys(k for _, fields in merged_rows(parts) for k in fields)
        columns = list(dict.fromkeys([*columns, *seen]))
    write_leads(path, merged_rows(parts), columns)


def merge_activities(parts: list[Part], files: list[Path] | None, out: Path) -> None:
    """The partitions' activity lines by (time, lead id, order within the lead)."""

    Block = tuple[tuple[str, int], int, int, bytes]

    def from_file(k: int, part: Part, f: IO[bytes]) -> Iterator[Block]:
        for n, (key, size) in enumerate(part.blocks):
            yield key, k, n, f.read(size)

    def inline(k: int, part: Part) -> Iterator[Block]:
        for n, (key, data) in enumerate(part.inline):
            yield key, k, n, data

    with ExitStack() as stack:
        sink = stack.enter_context(out.open("wb"))
        if files is not None:
            handles = [stack.enter_context(path.open("rb")) for path in files]
            sources = [from_file(k, p, handles[p.index]) for k, p in enumerate(parts)]
        else:
            sources = [inline(k, p) for k, p in enumerate(parts)]
        # (time, lead) never repeats across partitions (a lead is in one); within one,
        # the block number keeps the partition's order and the data is never compared.
        sink.writelines(data for _, _, _, data in heapq.merge(*sources))


def _lead_number(d: Diagnostic) -> int:
    text = (d.lead or "").split(" ", 1)[0]
    return int(text) if text.isdigit() else -1


def merge_summaries(parts: list[Part], start: str) -> RunSummary:
    """Counts summed; errors and waiting flows in lead order (errors) and time order."""
    merged = RunSummary(start=start, end=start)
    by_type: Counter[str] = Counter()
    emails: Counter[str] = Counter()
    order: dict[int, LeadKey] = {}
    for p in parts:
        s = p.summary
        merged.leads += s.leads
        merged.flows += s.flows
        merged.steps += s.steps
        merged.activities += s.activities
        by_type.update(s.by_type)
        emails.update(s.emails)
        merged.errors += s.errors
        merged.waiting += s.waiting
        merged.end = max(merged.end, s.end)
        order.update(p.order)
    last: LeadKey = (2, 0, 0)
    merged.errors.sort(key=lambda d: order.get(_lead_number(d), last))
    merged.waiting.sort(key=lambda w: (w["until"], order.get(w["lead"], last)))
    merged.by_type = dict(sorted(by_type.items()))
    merged.emails = dict(sorted(emails.items()))
    return merged
