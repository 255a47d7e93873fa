"""``camp run FILE --db DB``: a simulation that reads and writes a workspace.

A run has two phases, each a loop of batches; every batch is one transaction
that holds all of its work (field changes, lists, statuses, last runs, step
counts, activities, queue changes) *and* the run's progress, so after a crash
the workspace is exactly as it was after some whole batch:

1. the ``--campaign`` batch, over the leads present at the start, in id order,
   ``batch`` leads at a time; the progress is the last lead id done. Requests,
   triggers and waits that the flows raise go to the persisted queue.
2. the queue, by (time, sequence), up to ``--until``: each batch takes the next
   due entries from the store, merges them with what the batch itself queues
   (which may come due first), runs them, deletes the entries it ran and stores
   the ones it queued but did not run.

``--resume`` reloads the run's record and carries on from the last commit.
Evaluation is deterministic (virtual clock, no wall-clock time in the log), so
redoing the batch a crash interrupted gives the same result as an
uninterrupted run: no lead is processed twice and none is skipped.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import json
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from camp.checker.loader import InputError
from camp.checker.symbols import CampaignInfo, Kind, Symbols
from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.parallel import uses_parts
from camp.runtime import positions
from camp.runtime import values as V
from camp.runtime.evaluator import Frame, Interpreter
from camp.runtime.leadio import Event, Typer, read_events, write_leads
from camp.runtime.run import (
    RunOptions,
    RunSummary,
    _created_id,
    check_window,
    choose_engine,
    created_leads,
    output_columns,
    resolve_campaign,
    schedule_times,
)
from camp.runtime.scheduler import Item, Scheduler
from camp.runtime.values import to_json
from camp.runtime.world import ActivityLog, Lead
from camp.store.base import (
    CREATED,
    FLOW,
    NEW_LEAD,
    RESUME,
    ActivityQuery,
    ActivityRow,
    QueueEntry,
    RunRecord,
    Store,
    WorkspaceError,
)
from camp.store.codec import time_text
from camp.types import Type, Value

BATCH = 500
_IMPORTED = "imported"  # Item.trigger of a 'created' entry from `camp db import`


# ---- the activity log of a batch -------------------------------------------------------------


def _attr_default(value: Any) -> Any:
    return to_json(value)


def _make_attrs_dumps() -> Callable[[Any], str]:
    """Compact JSON of an activity's attributes, made once (Camp values through to_json)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        encoder = json.JSONEncoder(default=_attr_default, separators=(",", ":"))
        return encoder.encode
    chunks = make(
        None, _attr_default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
    return lambda attrs: "".join(chunks(attrs, 0))


_attrs_dumps = _make_attrs_dumps()


class RowLog(ActivityLog):
    """Collects activities as store rows until the batch commits (:meth:`take`)."""

    def __init__(self, run_id: int | None) -> None:
        super().__init__(None, keep=False)
        self.run_id = run_id
        self.rows: list[ActivityRow] = []
        self.list_names: dict[str, str] = {}
        self._when: _dt.datetime | None = None
        self._text = ""

    def add(
        self, lead: Lead, time: _dt.datetime, type_: str, campaign: str, **attrs: Any
    ) -> dict[str, Any]:
        """Queue the activity's row; returns its attributes (the row holds the rest)."""
        if time is not self._when:
            self._when, self._text = time, time.isoformat(timespec="seconds")
        self.rows.append((self.run_id, lead.id, self._text, type_, campaign, _attrs_dumps(attrs)))
        if type_ == "Send Email":
            self.emails[attrs["email"]] += 1
        elif type_ == "Add to List":
            name = attrs["list"]
            self.list_names.setdefault(name.casefold(), name)
        return attrs

    def take(self) -> tuple[list[ActivityRow], dict[str, str], Counter[str]]:
        """The rows, list names and e-mail counts since the last take."""
        taken = self.rows, self.list_names, self.emails
        self.rows, self.list_names, self.emails = [], {}, Counter()
        return taken


@dataclass
class Totals:
    """What a run has done since it (re)started, for the run record and the summary."""

    flows: int = 0
    steps: int = 0
    activities: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    by_type: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)

    def add_rows(self, rows: list[ActivityRow], emails: dict[str, int]) -> None:
        self.activities += len(rows)
        self.by_type.update(map(itemgetter(3), rows))
        self.emails.update(emails)

    def stats(self, base: dict[str, Any]) -> dict[str, Any]:
        """The whole run's counts: ``base`` (before a --resume) and these."""
        return {
            "flows": base["flows"] + self.flows,
            "steps": base["steps"] + self.steps,
            "activities": base["activities"] + self.activities,
            "errors": base["errors"] + len(self.errors),
            "by_type": dict(sorted((Counter(base["by_type"]) + self.by_type).items())),
            "emails": dict(sorted((Counter(base["emails"]) + self.emails).items())),
        }


# ---- leads in memory for one batch -----------------------------------------------------------


class LeadCache(dict[int, Lead]):
    """The scheduler's ``leads`` for one batch: leads are loaded from the store on first use."""

    def __init__(self, load: Callable[[list[int]], list[Lead]]):
        super().__init__()
        self._load = load
        self.first_steps: dict[int, int] = {}

    def add(self, leads: Iterable[Lead]) -> None:
        for lead in leads:
            if not dict.__contains__(self, lead.id):
                dict.__setitem__(self, lead.id, lead)
                self.first_steps[lead.id] = lead.steps

    def prefetch(self, ids: Iterable[int]) -> None:
        missing = [i for i in set(ids) if not dict.__contains__(self, i)]
        if missing:
            self.add(self._load(missing))

    def get(self, key: int, default: Any = None) -> Any:
        lead = dict.get(self, key)
        if lead is None:
            self.prefetch([key])
            lead = dict.get(self, key)
        return default if lead is None else lead

    def __setitem__(self, key: int, lead: Lead) -> None:
        # A lead from a 'created' event joins the world.
        if dict.get(self, key) is not lead:
            dict.__setitem__(self, key, lead)
            self.first_steps.setdefault(key, 0)

    def steps_done(self) -> int:
        return sum(lead.steps - self.first_steps.get(i, 0) for i, lead in self.items())

    def reset(self) -> None:
        self.clear()
        self.first_steps.clear()


_PYTYPES: dict[Type, type] = {
    Type.TEXT: str,
    Type.NUMBER: Decimal,
    Type.BOOLEAN: bool,
    Type.DATE: _dt.date,
    Type.DATETIME: _dt.datetime,
}


def conformer(symbols: Symbols) -> Callable[[Lead], None]:
    """Type a stored lead by the program's schema, as reading a file would.

    Values stored with another type (imported without ``--schema``) are
    converted where they can be, and defaults fill empty fields (spec §2).
    """
    typer = Typer(symbols)
    checks = [
        (name, _PYTYPES[t], t) for name, t in typer.types.items() if name != "id" and t in _PYTYPES
    ]
    defaults = list(typer.defaults.items())

    def conform(lead: Lead) -> None:
        fields = lead.fields
        for name, pytype, wanted in checks:
            value = fields.get(name)
            if value is not None and type(value) is not pytype:
                # A value that does not convert stays: the flow meets it as it was stored.
                with suppress(ValueError, InvalidOperation):
                    fields[name] = Typer.convert(V.fmt(value), wanted)
        for name, default in defaults:
            if fields.get(name) is None:
                fields[name] = default

    return conform


# ---- options kept with the run --------------------------------------------------------------


def _options(opts: RunOptions, max_depth: int, events: str | None) -> dict[str, Any]:
    return {
        "campaign": opts.campaign,
        "start": time_text(opts.start),
        "until": None if opts.until is None else time_text(opts.until),
        "events": events,
        "max_steps": opts.limits.max_steps,
        "max_cascade": opts.limits.max_cascade,
        "max_depth": max_depth,
    }


def resume_differences(run: RunRecord, given: dict[str, Any]) -> list[str]:
    """The options of ``camp run ... --resume`` that differ from the interrupted run's.

    ``given`` holds only the options the user typed (``--start``/``--until`` already
    parsed, ``--until`` as a duration counted from the run's start); re-typing the
    original command with ``--resume`` appended is therefore accepted.
    """
    o = run.options
    recorded: dict[str, Any] = {
        "--campaign": o.get("campaign"),
        "--events": o.get("events"),
        "--start": run.start,
        "--until": run.until,
        "--max-steps": o.get("max_steps"),
        "--max-cascade": o.get("max_cascade"),
        "--max-depth": o.get("max_depth"),
    }
    differ = []
    for option, value in given.items():
        was = recorded.get(option)
        if value != was:
            shown = time_text(was) if isinstance(was, _dt.datetime) else was
            differ.append(f"{option} (the run's was {shown if shown is not None else 'not given'})")
    return differ


def _trigger_for(target: CampaignInfo) -> str:
    if target.kind is Kind.TRIGGER:
        return "requested"
    return "batch" if target.kind is Kind.BATCH else "run (test harness)"


def _empty_stats() -> dict[str, Any]:
    return {"flows": 0, "steps": 0, "activities": 0, "errors": 0, "by_type": {}, "emails": {}}


@dataclass
class WorkspaceRun:
    """What the command line knows about a workspace run besides :class:`RunOptions`."""

    program: str  # the program file as named on the command line
    digest: str  # of the loaded sources
    resume: bool = False
    batch: int = BATCH
    events_name: str | None = None
    db: str = "DB"  # the workspace as named on the command line, for messages
    warn: Callable[[str], None] = field(default=lambda message: None)
    workers: int | None = None  # --workers N: flows run in N worker processes
    held_fds: tuple[int, ...] = ()  # closed by worker processes (the workspace lock)


def unfinished_message(run: RunRecord, db: str) -> str:
    what = f"--campaign {run.options['campaign']}" if run.options.get("campaign") else "the queue"
    where = (
        f"phase 1, after lead {run.cursor}"
        if run.phase == 1
        else f"phase 2, clock at {time_text(run.now)}"
    )
    return (
        f"{db}: run #{run.id} ({run.program}, {what}) did not finish ({where}); finish it with "
        f"`camp run {run.program} --db {db} --resume` before starting another"
    )


# ---- the run ------------------------------------------------------------------------------------


class Engine:
    """What runs flows in one process of a workspace run: the interpreter (the compiled
    engine where the program allows, as a file-based run), the scheduler, the leads of
    the batch in memory and the activity rows not committed yet."""

    def __init__(
        self,
        runner: Runner,
        run: RunRecord,
        load: Callable[[list[int]], list[Lead]],
        scheduler: type[Scheduler] = Scheduler,
    ) -> None:
        opts = runner.opts
        self.run = run
        self.log = RowLog(run.id)
        self.interp = interp = Interpreter(
            runner.symbols, self.log, run.now, opts.limits, opts.trace
        )
        self.name = choose_engine(interp, opts)
        self.cache = LeadCache(load)
        self.sched = scheduler(interp, self.cache)
        self.target = runner.target
        self.trigger = "" if self.target is None else _trigger_for(self.target)

    def run_lead(self, lead: Lead) -> None:
        """Phase 1: the --campaign flow of one lead."""
        start = self.run.start
        self.interp.now = start
        self.sched.run_item(Item(start, 0, lead.id, self.target, self.trigger, 0))

    def run_queued(self, item: Item) -> None:
        """Phase 2: one item of the queue."""
        interp = self.interp
        if item.time > interp.now:
            interp.now = item.time
        if item.campaign is None:
            # A new lead's 'created' starts a cascade of its own (not the last flow's).
            interp.cascade = 0
            if item.trigger == _IMPORTED:
                lead = self.cache.get(item.lead_id)
                if lead is not None:
                    self.sched.raise_event(lead, A.TriggerKind.CREATED, "", time=interp.now)
                return
        self.sched.run_item(item)


class _Key(Protocol):
    """A queue item or its key: ordered by (time, seq) (the time a datetime, or its text
    as stored, which sorts the same)."""

    time: Any
    seq: int

    def __lt__(self, other: Any) -> bool: ...


_Q = TypeVar("_Q", bound=_Key)


def drain_queue(
    due: Callable[[], Sequence[_Q]],
    heap: list[_Q],
    until: Any,
    batch: int,
    process: Callable[[_Q], None],
    commit: Callable[[list[int]], None],
) -> None:
    """Phase 2's loop: batches of up to ``batch`` items by (time, seq), each the next
    due entries of the store (``due``) merged with what the batch itself queues on
    ``heap`` (which may come due first); ``commit(done)`` ends a batch (``done``: the
    seqs of the store's entries it ran) and stores what is left on ``heap``.

    The serial run passes queue items; a partitioned run's writer passes the keys of
    items its workers run, and so commits exactly the serial run's batches.
    """
    while True:
        waiting = deque(due())
        full = len(waiting) == batch
        done: list[int] = []
        processed = 0
        while processed < batch:
            mine = heap[0] if heap else None
            theirs = waiting[0] if waiting else None
            if theirs is None and full:
                break  # the store may hold entries due before what this batch queued
            if mine is not None and (theirs is None or mine < theirs):
                if until is not None and mine.time > until:
                    break
                item = heapq.heappop(heap)
            else:
                if theirs is None:
                    break
                item = waiting.popleft()
                done.append(item.seq)
            process(item)
            processed += 1
        if not processed and not heap:
            break
        commit(done)


class Runner:
    """One ``camp run --db``: starts (or resumes) the run, drives it, sums it up."""

    def __init__(self, symbols: Symbols, store: Store, opts: RunOptions, ws: WorkspaceRun) -> None:
        self.symbols = symbols
        self.store = store
        self.opts = opts
        self.ws = ws
        self.conform = conformer(symbols)
        self.target: CampaignInfo | None = None
        self.run: RunRecord | None = None
        self.base: dict[str, Any] = _empty_stats()  # the run's counts before a --resume

    # -- entries <-> items

    def to_item(self, e: QueueEntry) -> Item:
        assert e.time is not None
        campaigns = self.symbols.campaigns
        if e.kind == FLOW:
            assert e.campaign is not None
            return Item(
                e.time,
                e.seq,
                e.lead_id,
                campaigns[e.campaign],
                e.trigger,
                e.cascade,
                event=_event_of(e.fields),
            )
        if e.kind == RESUME:
            assert e.campaign is not None and e.position is not None
            c = campaigns[e.campaign]
            rest = positions.decode(c.steps, e.position)
            frame = Frame(c, c.program, None, None)
            frame.event = _event_of(e.fields)
            return Item(e.time, e.seq, e.lead_id, c, "", e.cascade, frame, rest)
        if e.kind == NEW_LEAD:
            lead = Lead(e.lead_id, dict(e.fields or {}))
            return Item(e.time, e.seq, e.lead_id, None, "created", 0, None, [lead])
        return Item(e.time, e.seq, e.lead_id, None, _IMPORTED, 0, None, [])

    @staticmethod
    def to_entry(i: Item) -> QueueEntry:
        if i.campaign is None:
            lead: Lead = i.rest[0]
            return QueueEntry(
                i.seq, i.time, NEW_LEAD, i.lead_id, None, i.trigger, 0, None, lead.fields
            )
        if i.frame is not None:
            position = positions.encode(i.campaign.steps, i.rest)
            return QueueEntry(
                i.seq,
                i.time,
                RESUME,
                i.lead_id,
                i.campaign.name,
                "",
                i.cascade,
                position,
                _event_fields(i.frame.event),
            )
        return QueueEntry(
            i.seq,
            i.time,
            FLOW,
            i.lead_id,
            i.campaign.name,
            i.trigger,
            i.cascade,
            fields=_event_fields(i.event),
        )

    # -- starting

    def begin(self) -> RunRecord:
        store, opts, symbols = self.store, self.opts, self.symbols
        self.target = resolve_campaign(symbols, opts.campaign) if opts.campaign else None
        clock = store.clock()
        if clock is not None and opts.start < clock:
            raise WorkspaceError(
                f"--start {time_text(opts.start)} is before the workspace's clock "
                f"({time_text(clock)}): a simulation cannot go back in time"
            )
        if opts.until is not None and opts.until < opts.start:
            raise WorkspaceError(
                f"--until {time_text(opts.until)} is before the start ({time_text(opts.start)})"
            )
        events: list[Event] = []
        if opts.events is not None and uses_parts(opts.events):
            from camp.parallel.parts import read_event_input  # a folder of parts, Parquet

            events = read_event_input(opts.events)
        elif opts.events is not None:
            events = read_events(opts.events)
        check_window(events, opts.start, opts.until)
        typer = Typer(symbols)
        ids = [ev.lead for ev in events if ev.lead is not None]
        ids += [_created_id(ev, 0) for ev in events if ev.type == "created" and "id" in ev.fields]
        existing = store.existing_ids(ids)
        created = created_leads(events, typer, existing.__contains__, store.max_lead_id() + 1)
        new_leads = {id(ev): lead for ev, lead in created.values()}
        scheduled = [
            (c, t)
            for c in symbols.campaigns.values()
            if c.kind is Kind.BATCH and c.schedules and self.target is None  # --campaign: only it
            for t in schedule_times(c, opts.start, opts.until)
        ]
        queued = sum(store.queue_counts().values())
        if self.target is None and not events and not scheduled and not queued:
            batch = sorted(n for n, c in symbols.campaigns.items() if c.kind is not Kind.TRIGGER)
            raise InputError(
                "nothing to run: the workspace's queue is empty; give --campaign NAME"
                + (f" (one of: {', '.join(batch)})" if batch else "")
                + ", --events, or a batch campaign with a 'schedule' inside the simulated window"
            )
        stale = self.stale_positions()

        interp = Interpreter(symbols, ActivityLog(None, keep=False), opts.start, opts.limits)
        sched = Scheduler(interp, {})
        with store.transaction():
            for campaign, position, count in stale:
                store.drop_queued(campaign, position)
                self.ws.warn(
                    f"dropped {count} queued flow(s) of campaign '{campaign}': "
                    + (
                        "it is not in this program"
                        if campaign not in symbols.campaigns
                        else "the step it waits at is not in the campaign any more"
                    )
                )
            run = store.begin_run(
                RunRecord(
                    0,
                    self.ws.program,
                    self.ws.digest,
                    _options(opts, symbols.max_depth, self.ws.events_name),
                    opts.start,
                    opts.until,
                    1 if self.target is not None else 2,
                    0,
                    store.max_lead_id(),
                    opts.start,
                    _empty_stats(),
                )
            )
            if not any(
                t.kind is A.TriggerKind.CREATED
                for c in symbols.campaigns.values()
                for t in c.triggers
            ):
                store.drop_kind(
                    CREATED
                )  # raising 'created' with no campaign listening does nothing
            store.date_undated(opts.start)
            sched.seq = store.seq()
            for c, when in scheduled:
                trigger = f"schedule {when.isoformat(timespec='minutes')}"
                sched.seq += store.enqueue_all_leads(c.name, when, trigger, sched.seq + 1)
            kinds = {
                "form": A.TriggerKind.FORM,
                "page": A.TriggerKind.PAGE,
                "click": A.TriggerKind.CLICK,
                "event": A.TriggerKind.EVENT,
            }
            for ev in events:
                if ev.type == "created":
                    lead = new_leads[id(ev)]
                    sched.push(
                        Item(ev.time, sched.next_seq(), lead.id, None, "created", 0, None, [lead])
                    )
                else:
                    assert ev.lead is not None
                    stub = Lead(ev.lead, {})
                    sched.raise_event(stub, kinds[ev.type], ev.name.casefold(), time=ev.time)
            store.enqueue(self.to_entry(i) for i in sorted(sched.queue))
            store.set_seq(sched.seq)
            if symbols.closed:
                store.add_fields(
                    [n for n, f in symbols.fields.items() if n != "id" and not f.implicit],
                    {
                        n: str(f.type)
                        for n, f in symbols.fields.items()
                        if n != "id" and not f.implicit
                    },
                )
        return run

    def stale_positions(self) -> list[tuple[str | None, str | None, int]]:
        stale = []
        for campaign, position, count in self.store.queued_positions():
            info = self.symbols.campaigns.get(campaign or "")
            ok = info is not None
            if info is not None and position is not None:
                try:
                    positions.decode(info.steps, json.loads(position))
                except (KeyError, IndexError, TypeError, ValueError):
                    ok = False
            if not ok:
                stale.append((campaign, position, count))
        return stale

    def resume(self) -> RunRecord:
        run = self.store.unfinished_run()
        if run is None:
            raise WorkspaceError("--resume: the workspace has no unfinished run to finish")
        if run.digest and run.digest != self.ws.digest:
            raise WorkspaceError(
                f"--resume: run #{run.id} was started with a different version of the program "
                f"({run.program}); resume it with the program it started with"
            )
        o = run.options
        self.opts.campaign = o.get("campaign")
        self.opts.start = run.start
        self.opts.until = run.until
        self.opts.limits.max_steps = o.get("max_steps", self.opts.limits.max_steps)
        self.opts.limits.max_cascade = o.get("max_cascade", self.opts.limits.max_cascade)
        if o.get("max_depth"):
            self.symbols.max_depth = o["max_depth"]
        self.target = (
            resolve_campaign(self.symbols, run.options["campaign"]) if o.get("campaign") else None
        )
        return run

    # -- running

    def execute(self) -> RunSummary:
        store = self.store
        existing = store.unfinished_run()
        if self.ws.resume:
            run = self.resume()
        elif existing is not None:
            raise WorkspaceError(unfinished_message(existing, self.ws.db))
        else:
            run = self.begin()
        self.run = run
        self.base = run.stats or _empty_stats()
        if self.ws.workers is not None:
            from camp.store.parallel import drive_partitioned

            totals, engine = drive_partitioned(self, run, self.ws.workers)
        else:
            totals, engine = self.drive(run)
        run.status = "done"
        run.now = max(run.until if run.until is not None else run.now, run.start)
        with store.transaction():
            store.save_run(run)
            store.set_clock(run.now)
        summary = self.summary(run, totals.errors)
        summary.engine = engine
        return summary

    def write_batch(
        self,
        run: RunRecord,
        totals: Totals,
        rows: list[ActivityRow],
        names: dict[str, str],
        save: Callable[[], None],
        done: list[int],
        enqueue: Callable[[], None],
        seq: int,
    ) -> None:
        """One batch's work and the run's progress, in one transaction (``save`` writes
        its leads, ``enqueue`` what it leaves queued)."""
        run.stats = totals.stats(self.base)
        store = self.store
        with store.transaction():
            store.append_activities(rows, names)
            save()
            store.dequeue(done)
            enqueue()
            store.set_seq(seq)
            store.save_run(run)

    def end_phase_1(self, run: RunRecord) -> None:
        run.phase, run.cursor = 2, 0
        with self.store.transaction():
            self.store.save_run(run)

    def drive(self, run: RunRecord) -> tuple[Totals, str]:
        """The run in this process: phase 1, then phase 2 (see the module's docstring)."""
        store, opts = self.store, self.opts
        eng = Engine(self, run, lambda ids: store.leads(ids, run.id, self.conform))
        interp, sched, cache, log = eng.interp, eng.sched, eng.cache, eng.log
        sched.seq = store.seq()
        totals = Totals(errors=sched.stats.errors)

        def commit(done: list[int]) -> None:
            totals.steps += cache.steps_done()
            totals.flows = sched.stats.flows
            rows, names, emails = log.take()
            totals.add_rows(rows, emails)
            pending = [self.to_entry(i) for i in sorted(sched.queue)]
            sched.queue.clear()
            run.now = interp.now
            self.write_batch(
                run,
                totals,
                rows,
                names,
                lambda: store.save_leads(cache.values(), run.id),
                done,
                lambda: store.enqueue(pending),
                sched.seq,
            )
            cache.reset()

        # Phase 1: the --campaign batch over the leads, in id order.
        if run.phase == 1:
            done_leads = run.cursor
            while True:
                page = store.leads_page(
                    run.cursor, run.max_lead, self.ws.batch, run.id, self.conform
                )
                if not page:
                    break
                cache.add(page)
                for lead in page:
                    eng.run_lead(lead)
                    if opts.progress is not None:
                        done_leads += 1
                        opts.progress(done_leads)
                run.cursor = page[-1].id
                commit([])
            self.end_phase_1(run)

        # Phase 2: the queue, by (time, seq), up to --until.
        interp.now = run.now

        def due() -> list[Item]:
            chunk = store.due(run.until, self.ws.batch)
            cache.prefetch(e.lead_id for e in chunk)
            return [self.to_item(e) for e in chunk]

        drain_queue(due, sched.queue, run.until, self.ws.batch, eng.run_queued, commit)
        return totals, eng.name

    def summary(self, run: RunRecord, errors: list[Any]) -> RunSummary:
        store, opts = self.store, self.opts
        stats = run.stats
        summary = RunSummary(
            leads=store.lead_count(),
            flows=stats["flows"],
            steps=stats["steps"],
            activities=stats["activities"],
            by_type=dict(stats["by_type"]),
            emails=dict(stats["emails"]),
            errors=errors,
            start=time_text(run.start),
            end=time_text(run.now),
        )
        summary.waiting = [
            {"lead": e.lead_id, "campaign": e.campaign, "until": time_text(e.time)}
            for e in store.queued([FLOW, RESUME])
            if e.time is not None
        ]
        if opts.keep_activities:
            summary.activity_log = list(store.activities(ActivityQuery(run_id=run.id)))
        if opts.out is not None:
            # As a file-based run writes them: the schema's fields, then (where a file run
            # has the input's columns) the workspace's fields, then the fields steps set.
            static = output_columns(self.symbols, RunOptions())
            schema = (
                [n for n, f in self.symbols.fields.items() if n != "id" and not f.implicit]
                if self.symbols.closed
                else []
            )
            columns = list(dict.fromkeys([*schema, *store.field_order(), *static]))
            write_leads(opts.out, store.iter_lead_fields(), columns)
        if opts.activities is not None:
            try:
                handle = opts.activities.open("w", encoding="utf-8")
            except OSError as e:
                raise InputError(f"{opts.activities}: cannot write: {e.strerror}") from None
            with handle:
                for record in store.activities(ActivityQuery(run_id=run.id)):
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return summary


def run_workspace(
    symbols: Symbols, store: Store, opts: RunOptions, ws: WorkspaceRun
) -> tuple[RunSummary, int]:
    """Run (or, with ``ws.resume``, finish) a simulation on ``store``.

    Returns the summary and the number of flow errors of the whole run (a
    resumed run counts those before the interruption too). Raises
    :class:`InputError` before anything is written when the input is bad.
    """
    runner = Runner(symbols, store, opts, ws)
    summary = runner.execute()
    assert runner.run is not None
    return summary, int(runner.run.stats.get("errors", 0))


__all__ = [
    "BATCH",
    "LeadCache",
    "RowLog",
    "WorkspaceError",
    "WorkspaceRun",
    "conformer",
    "resume_differences",
    "run_workspace",
    "unfinished_message",
]


def _event_fields(event: tuple[Value, Value] | None) -> dict[str, Value] | None:
    """A change-triggered flow's trigger.old / trigger.new, kept in a queue entry."""
    return None if event is None else {"old": event[0], "new": event[1]}


def _event_of(fields: dict[str, Value] | None) -> tuple[Value, Value] | None:
    if not fields or "new" not in fields:
        return None
    return (fields.get("old"), fields.get("new"))
