"""One ``camp run``: set up the world from files, drive the scheduler, write results.

A batch run with ``--out``, no events and no ``wait`` anywhere streams: each
lead is read, run (with every trigger and request it sets off) and written
before the next is read, so memory stays flat in the number of leads.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from camp.checker.checker import walk_steps
from camp.checker.loader import InputError, display_path
from camp.checker.symbols import CampaignInfo, Kind, Symbols
from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.runtime.calendar import recurring
from camp.runtime.evaluator import Interpreter, Limits
from camp.runtime.leadio import (
    Event,
    IdSet,
    RawLead,
    Typer,
    iter_leads,
    json_text,
    read_events,
    temporary_path,
    write_leads,
)
from camp.runtime.scheduler import Item, Scheduler
from camp.runtime.world import ActivityLog, ActivitySink, Lead
from camp.types import Type, Value


class LeadIO(Protocol):
    """Where a run's leads and events come from and its --out goes when that is not
    leadio's single files: folders of parts, Parquet, a partition's share of a file
    (camp.parallel.parts)."""

    def read_leads(self, symbols: Symbols) -> Iterator[RawLead]: ...

    def read_events(self) -> list[Event]: ...

    def input_columns(self) -> list[str]: ...  # a CSV header, a Parquet file's columns

    def write_leads(
        self,
        leads: Iterator[tuple[int, dict[str, Value]]],
        columns: list[str],
        types: dict[str, Type],
    ) -> int: ...


@dataclass
class RunOptions:
    campaign: str | None = None
    leads: Path | None = None
    events: Path | None = None
    start: _dt.datetime = field(default_factory=lambda: _dt.datetime.now().replace(microsecond=0))
    until: _dt.datetime | None = None
    out: Path | None = None
    activities: Path | None = None
    trace: Callable[[str], None] | None = None
    limits: Limits = field(default_factory=Limits)
    keep_activities: bool = False
    progress: Callable[[int], None] | None = None
    # Partitioned runs (camp.parallel): called as select(lead_id, row) for every lead of
    # the file in order (row from 1) and for every created or event lead (row 0); the run
    # keeps the leads, created leads and events whose lead it returns True for.
    select: Callable[[int, int], bool] | None = None
    # "compiled" (the default: camp.runtime.compile, when it covers the program and
    # nothing needs the tree-walker, e.g. --trace) or "tree".
    engine: str = "compiled"
    # Consumers of the activity records besides --activities / keep_activities (e.g. a
    # report); see activity_log().
    activity_sinks: list[ActivitySink] = field(default_factory=list)
    # Reads --leads/--events and writes --out instead of leadio (see LeadIO).
    io: LeadIO | None = None


@dataclass
class RunSummary:
    leads: int = 0
    flows: int = 0
    steps: int = 0
    activities: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    error_times: list[str] = field(default_factory=list)  # when each error came (ISO)
    waiting: list[dict[str, Any]] = field(default_factory=list)
    activity_log: list[dict[str, Any]] = field(default_factory=list)
    leads_after: dict[int, Lead] = field(default_factory=dict)
    start: str = ""
    end: str = ""
    engine: str = "tree"

    def to_json(self) -> dict[str, Any]:
        return {
            "leads": self.leads,
            "flows": self.flows,
            "steps": self.steps,
            "activities": self.activities,
            "activities_by_type": self.by_type,
            "emails": self.emails,
            "errors": [
                {
                    "code": d.code,
                    "message": d.message,
                    "lead": d.lead,
                    "stack": [f.as_activity() for f in d.stack],
                }
                for d in self.errors
            ],
            "waiting": self.waiting,
            "clock": {"start": self.start, "end": self.end},
            "engine": self.engine,
        }


def resolve_campaign(symbols: Symbols, name: str) -> CampaignInfo:
    info = symbols.campaigns.get(name)
    if info is None:
        names = ", ".join(sorted(symbols.campaigns)) or "none"
        raise InputError(f"no campaign named '{name}' (campaigns: {names})")
    if info.kind is Kind.TRIGGER and not any(
        t.kind is A.TriggerKind.REQUESTED for t in info.triggers
    ):
        raise InputError(
            f"'{name}' is a trigger campaign without 'on requested;': it runs when its "
            "triggers fire (give --events), not with --campaign"
        )
    return info


def has_wait(symbols: Symbols) -> bool:
    return any(
        isinstance(s, A.Wait) for c in symbols.campaigns.values() for s in walk_steps(c.steps)
    )


def schedule_times(
    c: CampaignInfo, start: _dt.datetime, until: _dt.datetime | None
) -> Iterator[_dt.datetime]:
    for sch in c.schedules:
        if not sch.daily:
            when = _dt.datetime.fromisoformat(sch.at)
            if when >= start and (until is None or when <= until):
                yield when
            continue
        # every day / every WEEKDAY / every month on N; without --until: once
        at = _dt.time.fromisoformat(sch.at)
        yield from recurring(at, start, until, sch.weekday, sch.monthday)


def execute(symbols: Symbols, opts: RunOptions) -> RunSummary:
    """Run the simulation; raises :class:`InputError` for bad input before anything runs."""
    target = resolve_campaign(symbols, opts.campaign) if opts.campaign else None
    if opts.io is not None:
        events = opts.io.read_events()
    else:
        events = read_events(opts.events) if opts.events else []
    check_window(events, opts.start, opts.until)
    scheduled = [
        (c, t)
        for c in symbols.campaigns.values()
        if c.kind is Kind.BATCH and c.schedules and target is None  # --campaign runs only it
        for t in schedule_times(c, opts.start, opts.until)
    ]
    if target is None and not events and not scheduled:
        batch = sorted(n for n, c in symbols.campaigns.items() if c.kind is not Kind.TRIGGER)
        raise InputError(
            "nothing to run: give --campaign NAME"
            + (f" (one of: {', '.join(batch)})" if batch else "")
            + ", --events, or a batch campaign with a 'schedule' inside the simulated window"
        )
    stream: IO[str] | None = None
    if opts.activities is not None:
        if opts.activities.is_dir():
            raise InputError(f"{display_path(opts.activities)}: is a directory")
        try:
            stream = temporary_path(opts.activities).open("w", encoding="utf-8")
        except OSError as e:
            raise InputError(f"{opts.activities}: cannot write: {e.strerror}") from None
    log = activity_log(opts, stream)
    interp = Interpreter(symbols, log, opts.start, opts.limits, opts.trace)
    summary = RunSummary(start=opts.start.isoformat(timespec="seconds"))
    summary.engine = choose_engine(interp, opts)
    columns = output_columns(symbols, opts)
    try:
        if streams(symbols, opts, target, bool(events)):
            assert target is not None and opts.out is not None
            _run_streaming(interp, target, opts, summary, columns)
        else:
            _run_world(interp, target, events, scheduled, opts, summary, columns)
    except BaseException:
        if stream is not None:  # bad input met mid-run: no half-written log
            stream.close()
            Path(stream.name).unlink(missing_ok=True)
        raise
    if stream is not None and opts.activities is not None:
        stream.close()
        os.replace(stream.name, opts.activities)
    summary.activities = log.total
    summary.by_type = dict(sorted(log.by_type.items()))
    summary.emails = dict(sorted(log.emails.items()))
    summary.activity_log = log.items
    summary.end = interp.now.isoformat(timespec="seconds")
    return summary


def streams(symbols: Symbols, opts: RunOptions, target: CampaignInfo | None, events: bool) -> bool:
    """Whether the run streams: runs ``--campaign``'s flow lead by lead, writing each to
    --out as it ends (its --out header is then the first lead's). Not with events, waits,
    kept activities or triggers; nor with scheduled batch runs, which ``--campaign``
    leaves out."""
    return (
        target is not None
        and opts.out is not None
        and not events
        and not has_wait(symbols)
        and not opts.keep_activities
        # a trigger could fire from a lead's changes: keep the all-leads-first order
        and not any(c.kind is Kind.TRIGGER for c in symbols.campaigns.values())
    )


def check_window(events: list[Any], start: _dt.datetime, until: _dt.datetime | None) -> None:
    """The simulated window: --until not before --start, no event before --start (a
    simulation does not go back in time; an event is never moved silently)."""
    begin = start.isoformat(timespec="seconds")
    if until is not None and until < start:
        raise InputError(f"--until {until.isoformat(timespec='seconds')} is before --start {begin}")
    for ev in events:
        if ev.time < start:
            raise InputError(
                f"{ev.where}: the event's time {ev.time.isoformat(timespec='seconds')} is "
                f"before the start of the simulation ({begin}): give an earlier --start"
            )


def activity_log(opts: RunOptions, stream: IO[str] | None) -> ActivityLog:
    """The one place that decides who consumes activity records: the --activities
    stream, the in-memory list (tests, the REPL) and ``opts.activity_sinks``. With none,
    the log only counts (no record is built). Triggers need no records: their events
    are raised by the steps themselves."""
    return ActivityLog(stream, keep=opts.keep_activities, sinks=opts.activity_sinks)


def _created_id(ev: Any, default: int) -> int:
    raw = ev.fields.get("id")
    if raw is None:
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InputError(f"{ev.where}: lead id {json_text(raw)} is not a whole number") from None


def choose_engine(interp: Interpreter, opts: RunOptions) -> str:
    """Compile the program for ``interp`` when ``--engine compiled`` (the default) is
    asked and there is no ``--trace``; returns the engine that runs: "compiled", or
    "tree" (asked for, traced, or a program the compiler does not cover)."""
    if opts.engine == "compiled" and opts.trace is None:
        from camp.runtime.compile import compile_program

        interp.compiled = compile_program(interp)
        if interp.compiled is not None:
            return "compiled"
    return "tree"


def output_columns(symbols: Symbols, opts: RunOptions) -> list[str]:
    """The --out columns after ``id``: the schema's fields in order (built-ins where the
    schema declares them), then the input's columns, then every field a step sets."""
    columns = (
        [n for n, f in symbols.fields.items() if n != "id" and not f.implicit]
        if symbols.closed
        else []
    )
    if opts.io is not None:
        columns += [h for h in opts.io.input_columns() if h != "id"]
    elif opts.leads is not None and opts.leads.suffix.lower() == ".csv":
        try:
            with opts.leads.open(encoding="utf-8-sig", newline="") as f:
                header = next(csv.reader(f), [])
        except (OSError, UnicodeDecodeError):
            header = []
        columns += [h.strip() for h in header if h.strip() != "id"]
    for c in symbols.campaigns.values():
        columns += [s.field.name for s in walk_steps(c.steps) if isinstance(s, A.Set)]
    for hook in symbols.webhooks.values():
        columns += [ref.name for ref, _ in hook.responses]
    return list(dict.fromkeys(columns))


def created_leads(
    events: list[Any], typer: Typer, exists: Callable[[int], bool], next_id: int
) -> dict[int, tuple[Any, Lead]]:
    """The leads that 'created' events bring (id -> (event, lead)), with every event's lead
    checked before anything runs: no id twice, no event for an unknown lead or before
    its lead is created."""
    created: dict[int, tuple[Any, Lead]] = {}
    for ev in events:
        if ev.type != "created":
            continue
        fields = typer.lead_fields(dict(ev.fields), ev.where, text=False)
        lead_id = _created_id(ev, next_id)
        if exists(lead_id) or lead_id in created:
            raise InputError(
                f"{ev.where}: 'created' event for lead {lead_id}, which already exists"
            )
        next_id = max(next_id, lead_id + 1)
        created[lead_id] = (ev, Lead(lead_id, fields))
    for ev in events:
        if ev.lead is None:
            continue
        if ev.lead in created and ev.time < created[ev.lead][0].time:
            raise InputError(f"{ev.where}: event for lead {ev.lead} before its 'created' event")
        if not exists(ev.lead) and ev.lead not in created:
            raise InputError(f"{ev.where}: event for unknown lead {ev.lead}")
    return created


def _read_leads(opts: RunOptions, symbols: Symbols) -> Iterator[tuple[int, dict[str, Value]]]:
    """The run's leads as ``(id, fields)``: leadio's generated row reader for one file,
    else the run's :class:`LeadIO` (folders of parts, Parquet, a partition's share)."""
    if opts.io is not None:
        return ((raw.id, raw.fields) for raw in opts.io.read_leads(symbols))
    assert opts.leads is not None
    return iter_leads(opts.leads, symbols)


def _write_leads(
    opts: RunOptions,
    leads: Iterator[tuple[int, dict[str, Value]]],
    columns: list[str],
    types: dict[str, Type],
) -> None:
    if opts.io is not None:
        opts.io.write_leads(leads, columns, types)
    else:
        assert opts.out is not None
        write_leads(opts.out, leads, columns, types)


def _trigger_for(target: CampaignInfo) -> str:
    if target.kind is Kind.TRIGGER:
        return "requested"
    return "batch" if target.kind is Kind.BATCH else "run (test harness)"


def _run_streaming(
    interp: Interpreter,
    target: CampaignInfo,
    opts: RunOptions,
    summary: RunSummary,
    columns: list[str],
) -> None:
    leads: dict[int, Lead] = {}
    scheduler = Scheduler(interp, leads)
    trigger = _trigger_for(target)

    def processed() -> Iterator[tuple[int, dict[str, Any]]]:
        for lead_id, fields in _read_leads(opts, interp.symbols):
            lead = Lead(lead_id, fields)
            leads.clear()
            leads[lead.id] = lead
            interp.now = opts.start
            scheduler.run_flow(lead, target, trigger)  # what start + run do, without the queue
            if scheduler.queue:  # requests it made
                scheduler.run(opts.until)
            summary.leads += 1
            summary.steps += lead.steps
            if opts.progress is not None:
                opts.progress(summary.leads)
            yield lead.id, lead.fields

    if opts.leads is None:
        summary.leads = 0
    else:
        _write_leads(opts, processed(), columns, Typer(interp.symbols).types)
    _take_stats(summary, scheduler)


def _take_stats(summary: RunSummary, scheduler: Scheduler) -> None:
    """The flows and errors a run's scheduler counted, into its summary."""
    summary.flows = scheduler.stats.flows
    summary.errors = scheduler.stats.errors
    summary.error_times = [t.isoformat() for t in scheduler.stats.error_times]


def _run_world(
    interp: Interpreter,
    target: CampaignInfo | None,
    events: list[Any],
    scheduled: list[tuple[CampaignInfo, _dt.datetime]],
    opts: RunOptions,
    summary: RunSummary,
    columns: list[str],
) -> None:
    leads: dict[int, Lead] = {}
    select = opts.select
    others = IdSet()  # partitioned: the file's leads another partition runs
    top = 0
    if opts.leads is not None:
        for row, (lead_id, fields) in enumerate(_read_leads(opts, interp.symbols), start=1):
            if select is None or select(lead_id, row):
                leads[lead_id] = Lead(lead_id, fields)
            else:
                others.add(lead_id)
            top = max(top, lead_id)
    typer = Typer(interp.symbols)
    if select is None:
        created = created_leads(events, typer, leads.__contains__, max(leads, default=0) + 1)
    else:
        # Checked against every lead of the file, as a serial run does; then narrowed.
        created = created_leads(events, typer, lambda i: i in leads or i in others, max(top, 0) + 1)
        created = {i: c for i, c in created.items() if select(i, 0)}
        mine = {id(e) for e, _ in created.values()}
        events = [
            ev
            for ev in events
            if (
                id(ev) in mine
                if ev.type == "created"
                else ev.lead is not None and select(ev.lead, 0)
            )
        ]
    scheduler = Scheduler(interp, leads)
    if target is not None:
        trigger = _trigger_for(target)
        for lead in leads.values():
            scheduler.start(lead, target, trigger, opts.start)
    for c, when in scheduled:
        for lead in leads.values():
            scheduler.start(lead, c, f"schedule {when.isoformat(timespec='minutes')}", when)
    kinds = {
        "form": A.TriggerKind.FORM,
        "page": A.TriggerKind.PAGE,
        "click": A.TriggerKind.CLICK,
        "event": A.TriggerKind.EVENT,
    }
    for ev in events:
        if ev.type == "created":
            given = _created_id(ev, 0) if "id" in ev.fields else None
            new = next(
                lead
                for e, lead in created.values()
                if e is ev and (given is None or lead.id == given)
            )
            # The lead joins the world when its event comes due (see Scheduler.run_item).
            scheduler.push(
                Item(ev.time, scheduler.next_seq(), new.id, None, "created", 0, None, [new])
            )
        else:
            assert ev.lead is not None
            who = leads.get(ev.lead) or created[ev.lead][1]
            scheduler.raise_event(who, kinds[ev.type], ev.name.casefold(), time=ev.time)
    scheduler.run(opts.until)
    summary.leads = len(leads)
    _take_stats(summary, scheduler)
    summary.steps = sum(lead.steps for lead in leads.values())
    summary.waiting = [
        {
            "lead": i.lead_id,
            "campaign": i.campaign.name,
            "until": i.time.isoformat(timespec="seconds"),
        }
        for i in scheduler.stats.waiting
        if i.campaign is not None  # (the scheduler keeps only flows in stats.waiting)
    ]
    summary.leads_after = leads
    if opts.out is not None:
        seen = list(dict.fromkeys(k for lead in leads.values() for k in lead.fields))
        everything = list(dict.fromkeys([*columns, *seen]))
        _write_leads(
            opts, ((lead.id, lead.fields) for lead in leads.values()), everything, typer.types
        )
