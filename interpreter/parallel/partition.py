"""One partition of a partitioned run, and the merge of the partitions' results.

Two ways to split (docs/parallel.md):

- **By ranges of the input** (runs without events): a partition reads only its pieces
  (:mod:`camp.parallel.parts`), runs them as a serial run would, and writes its own
  --out pieces with the serial writer; the parent joins the pieces in order.
- **By a stable hash of the lead id** (runs with events: an event names its lead by id,
  and a ``created`` event's new lead belongs to the partition of its id): a partition
  reads every row (typing only its own) and every event, checks events against all the
  leads as a serial run does, and hands its leads back for the parent to write in the
  serial order.

Either way a partition sorts its activity log by (time, lead) and reports the log's
(time, lead) blocks; the parent merges the partitions' logs by those keys.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import heapq
import itertools
import json
import os
import pickle
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from camp.checker.loader import InputError
from camp.checker.symbols import Symbols
from camp.diagnostics import Diagnostic
from camp.parallel import partition_of
from camp.parallel.parts import (
    Inputs,
    OutPiece,
    OutSpec,
    PartIO,
    Piece,
    Staging,
    concatenate,
    copy_bytes,
    whole,
)
from camp.runtime.evaluator import Limits
from camp.runtime.run import (
    RunOptions,
    RunSummary,
    execute,
)
from camp.types import Value

# The order of a serial run's leads: (0, row, 0) for the input's leads by hash partition,
# (0, partition, index) by range partition; (1, time, index among the events) for the
# leads that 'created' events bring.
LeadKey = tuple[int, Any, int]
ActKey = tuple[str, int]  # (time, lead) of an activity


@dataclass(frozen=True)
class Job:
    """What one partition runs: everything picklable (a Dask task's argument)."""

    file: str  # the program's main file, absolute (a worker without the program checks it)
    max_depth: int
    index: int
    count: int
    campaign: str | None
    start: _dt.datetime
    until: _dt.datetime | None
    limits: tuple[int, int]  # max steps, max cascade
    inputs: Inputs
    pieces: tuple[Piece, ...] | None  # a range partition's pieces; None: hash partition
    out: OutSpec | None = None
    out_staging: str | None = None  # range: write --out pieces here; hash: the leads
    activities: str | None = None  # write the sorted activity log here
    csv_cells: bool = False  # hash, --out CSV: render the cells here, in parallel
    cwd: str = ""  # the submitting process's directory (where a Dask task checks the program)


@dataclass
class Part:
    """One partition's results, sent back to the process that merges them."""

    index: int
    summary: RunSummary
    out: list[OutPiece] = field(default_factory=list)  # range: its --out pieces
    rows_file: str | None = None  # hash: its leads in serial order, pickled in chunks
    activities: str | None = None  # its activity log, sorted by (time, lead)
    blocks: list[tuple[ActKey, int]] = field(default_factory=list)  # (key, bytes) in order
    ids: Sequence[int] = ()  # range: the ids of its rows in order
    counts: list[int] = field(default_factory=list)  # range: rows per piece
    aligned: list[bool] = field(default_factory=list)
    order: dict[int, LeadKey] = field(default_factory=dict)  # leads with errors or waiting
    events: int = 0
    source_rows: list[int] = field(default_factory=list)  # hash: rows of each input part
    # hash: each field's first lead (serial order) and place among that lead's fields
    seen: dict[str, tuple[LeadKey, int]] = field(default_factory=dict)


@dataclass
class Failure:
    """A partition that stopped at bad input (the run's exit status 2)."""

    index: int
    message: str
    phase: int  # 0: before the lead file was read, 1: reading it (at ``row``), 2: after
    row: int = 0  # the bad row's number across the input
    ids: Sequence[int] = ()  # range: the ids read before it
    counts: list[int] = field(default_factory=list)
    aligned: list[bool] = field(default_factory=list)

    @property
    def rank(self) -> tuple[int, int]:
        return (self.phase, self.row)


class _Selector:
    """The ``select`` callback of a hash partition: keeps its leads, remembering rows."""

    def __init__(self, index: int, count: int) -> None:
        self.index = index
        self.count = count
        self.rows: dict[int, int] = {}
        self.top = 0

    def owns(self, lead_id: int) -> bool:
        return partition_of(lead_id, self.count) == self.index

    def __call__(self, lead_id: int, row: int) -> bool:
        mine = self.owns(lead_id)
        if row:
            self.top = max(self.top, lead_id)
            if mine:
                self.rows[lead_id] = row
        return mine


def run_job(
    job: Job, symbols: Symbols | None = None, progress: Callable[[int], None] | None = None
) -> Part | Failure:
    """Run one partition (in a worker process); bad input comes back as a Failure."""
    if symbols is None:
        symbols = _check(job)
    selector = _Selector(job.index, job.count) if job.pieces is None else None
    token = os.urandom(4).hex()
    staging = Staging.at(job.out_staging) if job.out_staging else None
    io = PartIO(
        job.inputs,
        list(job.pieces) if job.pieces is not None else whole(job.inputs),
        job.out if job.pieces is not None else None,
        staging,
        tag=f"out-{job.index}-{token}",
        owns=selector.owns if selector is not None else None,
        keep_ids=job.pieces is not None,
    )
    # Names unique to this attempt: Dask may run a task again when its worker is lost.
    activities = Path(job.activities).with_suffix(f".{token}.jsonl") if job.activities else None
    opts = RunOptions(
        campaign=job.campaign,
        leads=Path(job.inputs.leads[0].path) if job.inputs.leads else None,
        events=Path(job.inputs.events[0].path) if job.inputs.events else None,
        start=job.start,
        until=job.until,
        # A range partition writes its --out pieces; a hash partition keeps its leads.
        out=Path(job.out.path) if job.out is not None and job.pieces is not None else None,
        activities=activities,
        limits=Limits(*job.limits),
        select=selector,
        progress=progress,
        io=io,
    )
    reader = io.reader
    try:
        summary = execute(symbols, opts)
    except InputError as e:
        if activities is not None:
            activities.unlink(missing_ok=True)
        for piece in io.written:
            Path(piece.path).unlink(missing_ok=True)
        phase = 1 if reader.failed is not None else (2 if reader.finished else 0)
        return Failure(
            job.index,
            str(e),
            phase,
            reader.failed or 0,
            reader.ids or (),
            reader.counts,
            reader.aligned,
        )
    part = Part(job.index, summary, activities=str(activities) if activities else None)
    if activities is not None:
        part.blocks = sort_blocks(activities)
    if selector is None:
        part.out = io.written
        part.ids = reader.ids or ()
        part.counts, part.aligned = reader.counts, reader.aligned
        _order_by_range(part, reader.ids or ())
    else:
        _hash_results(job, part, selector, io, staging, token)
    summary.leads_after = {}
    return part


def _check(job: Job) -> Symbols:
    """Check the program on a worker that has no checked program (Dask, spawn)."""
    from camp.checker import check_files

    with _in_directory(job.cwd):
        result = check_files([Path(job.file)], job.max_depth)
    if result.errors:
        raise RuntimeError(f"{job.file}: the program no longer checks on this worker")
    return result.symbols


_CHECKING = threading.Lock()  # the working directory is per process: one check at a time


@contextmanager
def _in_directory(cwd: str) -> Iterator[None]:
    """Check in the submitting process's directory, so that file names in diagnostics
    read as there. Only the check runs there: every file a partition reads or writes has
    an absolute path."""
    with _CHECKING:
        before = os.getcwd()
        with suppress(OSError):
            os.chdir(cwd)
        try:
            yield
        finally:
            os.chdir(before)


def _named_leads(summary: RunSummary) -> set[int]:
    """The leads a summary names (errors, flows still waiting): their serial order matters."""
    return {_lead_number(d) for d in summary.errors} | {w["lead"] for w in summary.waiting}


def _order_by_range(part: Part, ids: Sequence[int]) -> None:
    named = _named_leads(part.summary)
    if named:
        part.order = {i: (0, part.index, n) for n, i in enumerate(ids) if i in named}


def _hash_results(
    job: Job, part: Part, selector: _Selector, io: PartIO, staging: Staging | None, token: str
) -> None:
    """A hash partition's leads in the serial order (file rows, then created leads)."""
    from camp.runtime.leadio import _cell
    from camp.runtime.run import _created_id

    summary = part.summary
    events = io.read_events() if job.inputs.events else []
    created: dict[int, LeadKey] = {}
    next_id = selector.top + 1
    for n, ev in enumerate(events):
        if ev.type == "created":
            lead_id = _created_id(ev, next_id)
            next_id = max(next_id, lead_id + 1)
            created[lead_id] = (1, ev.time, n)
    # A CSV cell is what leadio's writer makes of a value; made here, the parent's
    # writer gets text it passes through unchanged (same bytes, less serial work).
    cells: Callable[[dict[str, Value]], dict[str, Value]] = (
        (lambda f: {k: _cell(v) for k, v in f.items()}) if job.csv_cells else (lambda f: f)
    )
    rows = [
        ((0, selector.rows[i], 0) if i in selector.rows else created[i], i, cells(lead.fields))
        for i, lead in summary.leads_after.items()
    ]
    rows.sort(key=lambda r: r[0])
    seen = part.seen
    for key, _, fields in rows:
        if not seen.keys() >= fields.keys():
            for n, name in enumerate(fields):
                seen.setdefault(name, (key, n))
    part.events = len(events)
    part.source_rows = io.reader.counts
    named = _named_leads(summary)
    part.order = {i: key for key, i, _ in rows if i in named}
    if staging is not None:
        part.rows_file = staging.path(f"rows-{job.index}-{token}.pickle")
        with open(part.rows_file, "wb") as f:
            for start in range(0, len(rows), _ROWS):
                pickle.dump(rows[start : start + _ROWS], f, pickle.HIGHEST_PROTOCOL)


_ROWS = 10_000  # leads a pickled chunk of a partition's rows file


# ---- activity logs -------------------------------------------------------------------------


def activity_key(line: str) -> ActKey:
    """(time, lead id) of one activity line; the log writes ``lead`` and ``time`` first."""
    if line.startswith('{"lead": '):
        comma = line.find(",", 9)
        if line.startswith(', "time": "', comma):
            end = line.find('"', comma + 11)
            return line[comma + 11 : end], int(line[9:comma])
    record = json.loads(line)
    return str(record["time"]), int(record["lead"])


# A (time, lead) block of the log's own layout: a line and the lines after it that start
# with the same ``{"lead": N, "time": "..."`` (found by the regex engine, not per line).
_BLOCK = re.compile(rb'(\{"lead": (\d+), "time": "([^"]*)")[^\n]*\n(?:\1[^\n]*\n)*')


def _blocks(path: Path) -> list[tuple[ActKey, int, int]]:
    """The log's (time, lead) blocks in file order: (key, offset, size). Read in chunks
    that end at a line end; a block cut by a chunk's end joins the next chunk's first."""
    index: list[tuple[ActKey, int, int]] = []
    with path.open("rb") as f:
        offset = 0
        rest = b""
        while True:
            chunk = f.read(_CHUNK)
            data = rest + chunk
            if not data:
                return index
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if not cut:
                rest = data
                continue
            pos = 0
            while pos < cut:
                m = _BLOCK.match(data, pos, cut)
                if m is None:  # a line in another layout (or without its line end)
                    end = data.find(b"\n", pos, cut)
                    end = cut if end < 0 else end + 1
                    key = activity_key(data[pos:end].decode("utf-8"))
                else:
                    end = m.end()
                    key = (m.group(3).decode(), int(m.group(2)))
                if index and index[-1][0] == key and index[-1][1] + index[-1][2] == offset + pos:
                    index[-1] = (key, index[-1][1], index[-1][2] + end - pos)
                else:
                    index.append((key, offset + pos, end - pos))
                pos = end
            offset += cut
            rest = data[cut:]


_CHUNK = 4 << 20


def sort_blocks(path: Path) -> list[tuple[ActKey, int]]:
    """Sort a partition's activity log by (time, lead) in place, as blocks of consecutive
    lines with the same (time, lead), and return the blocks' keys and sizes in order.
    Only an index (key, offset, size) is sorted, stably, so a lead's own order is kept;
    a log already in order (a batch of leads in file order) is left as it is."""
    index = _blocks(path)
    if all(index[n][0] < index[n + 1][0] for n in range(len(index) - 1)):
        return [(key, size) for key, _, size in index]
    index.sort(key=lambda block: block[0])
    done = path.with_name(path.name + ".sorted")
    with path.open("rb") as f, done.open("wb") as out:
        for _, start, size in index:
            f.seek(start)
            out.write(f.read(size))
    os.replace(done, path)
    # Blocks of one key that the sort made adjacent are one block now.
    merged: list[tuple[ActKey, int]] = []
    for key, _, size in index:
        if merged and merged[-1][0] == key:
            merged[-1] = (key, merged[-1][1] + size)
        else:
            merged.append((key, size))
    return merged


def merge_activities(parts: Sequence[Part], out: str) -> None:
    """The partitions' sorted logs merged by (time, lead id); a lead's lines keep their
    order (a lead is in one partition). Runs of blocks that no other partition's block
    falls between are copied whole: logs whose keys do not interleave (a batch over a
    file in id order) are concatenated."""
    logs = [p for p in parts if p.activities is not None and p.blocks]
    if not logs:
        Path(out).write_bytes(b"")
        return
    if all(a.blocks[-1][0] < b.blocks[0][0] for a, b in itertools.pairwise(logs)):
        concatenate([(str(p.activities), 0) for p in logs], out)
        return
    keys = [[key for key, _ in p.blocks] for p in logs]
    ends = [list(itertools.accumulate(size for _, size in p.blocks)) for p in logs]
    handles = [open(str(p.activities), "rb") for p in logs]  # noqa: SIM115 - closed below
    try:
        with open(out, "wb") as sink:
            heads = [0] * len(logs)
            heap = [(k[0], n) for n, k in enumerate(keys)]
            heapq.heapify(heap)
            while heap:
                _, n = heapq.heappop(heap)
                lo = heads[n]
                hi = bisect.bisect_left(keys[n], heap[0][0], lo + 1) if heap else len(keys[n])
                start = ends[n][lo - 1] if lo else 0
                copy_bytes(handles[n], sink, ends[n][hi - 1] - start)
                heads[n] = hi
                if hi < len(keys[n]):
                    heapq.heappush(heap, (keys[n][hi], n))
    finally:
        for h in handles:
            h.close()


# ---- the merge -----------------------------------------------------------------------------


def _rows(part: Part) -> Iterator[tuple[LeadKey, int, dict[str, Value]]]:
    if part.rows_file is None:
        return
    with open(part.rows_file, "rb") as f:
        while True:
            try:
                yield from pickle.load(f)
            except EOFError:
                return


def merged_rows(parts: Sequence[Part]) -> Iterator[tuple[LeadKey, int, dict[str, Value]]]:
    """Every hash partition's leads in the serial run's order."""
    return heapq.merge(*map(_rows, parts), key=lambda r: r[0])


def merge_rows_columns(parts: Sequence[Part], columns: list[str]) -> list[str]:
    """A hash-partitioned run's --out columns as the serial run has them: the columns,
    then every other field in the order the leads (in serial order) first have it."""
    first: dict[str, tuple[LeadKey, int]] = {}
    for p in parts:
        for name, where in p.seen.items():
            if name not in first or where < first[name]:
                first[name] = where
    return list(dict.fromkeys([*columns, *sorted(first, key=first.__getitem__)]))


def _lead_number(d: Diagnostic) -> int:
    text = (d.lead or "").split(" ", 1)[0]
    return int(text) if text.isdigit() else -1


def merge_summaries(parts: Sequence[Part], start: str) -> RunSummary:
    """Counts summed; errors in (time, lead) order (the serial run lists them as they
    come), waiting flows in (until, lead) order."""
    merged = RunSummary(start=start, end=start)
    by_type: Counter[str] = Counter()
    emails: Counter[str] = Counter()
    order: dict[int, LeadKey] = {}
    timed: list[tuple[str, Diagnostic]] = []
    for p in parts:
        s = p.summary
        merged.leads += s.leads
        merged.flows += s.flows
        merged.steps += s.steps
        merged.activities += s.activities
        by_type.update(s.by_type)
        emails.update(s.emails)
        times = s.error_times if len(s.error_times) == len(s.errors) else [""] * len(s.errors)
        timed += zip(times, s.errors, strict=True)
        merged.waiting += s.waiting
        merged.end = max(merged.end, s.end)
        merged.engine = s.engine
        order.update(p.order)
    last: LeadKey = (2, 0, 0)
    timed.sort(key=lambda te: (te[0], order.get(_lead_number(te[1]), last)))
    merged.errors = [d for _, d in timed]
    merged.error_times = [t for t, _ in timed]
    merged.waiting.sort(key=lambda w: (w["until"], order.get(w["lead"], last)))
    merged.by_type = dict(sorted(by_type.items()))
    merged.emails = dict(sorted(emails.items()))
    return merged
