"""The simulation: a deterministic event queue on a virtual clock (spec §5).

Queue items are ordered by (time, sequence). Flow runs start from batch runs,
schedules, triggers (events from steps or from an events file) and requests;
``wait`` re-queues the rest of a flow at its resume time.
"""

from __future__ import annotations

import datetime as _dt
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from camp.checker.symbols import CampaignInfo, Kind, Symbols
from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.runtime import values as V
from camp.runtime.evaluator import Frame, Interpreter, StopFlow, Suspend
from camp.runtime.values import CampaignError
from camp.runtime.world import Lead


@dataclass(order=True)
class Item:
    time: _dt.datetime
    seq: int
    lead_id: int = field(compare=False)
    campaign: CampaignInfo | None = field(compare=False)  # None: a lead is created
    trigger: str = field(compare=False)  # what started it ("" for a resume)
    cascade: int = field(compare=False, default=0)
    frame: Frame | None = field(compare=False, default=None)  # set for a resume
    rest: list[Any] = field(compare=False, default_factory=list)
    event: tuple[Any, Any] | None = field(compare=False, default=None)  # change: (old, new)


@dataclass
class RunStats:
    flows: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    error_times: list[_dt.datetime] = field(default_factory=list)  # when each error came
    waiting: list[Item] = field(default_factory=list)


class Scheduler:
    def __init__(self, interp: Interpreter, leads: dict[int, Lead]) -> None:
        self.interp = interp
        self.symbols: Symbols = interp.symbols
        self.leads = leads
        self.queue: list[Item] = []
        self.seq = 0
        self.stats = RunStats()
        interp.scheduler = self
        self.triggers: dict[tuple[A.TriggerKind, str], list[CampaignInfo]] = {}
        for c in self.symbols.campaigns.values():
            if c.kind is not Kind.TRIGGER:
                continue
            for t in c.triggers:
                self.triggers.setdefault((t.kind, self.trigger_key(t)), []).append(c)
        # 'on change FIELD from ... to ...': the constrained triggers, per field.
        self.constrained: dict[str, list[tuple[CampaignInfo, A.Trigger]]] = {}
        for c in self.symbols.campaigns.values():
            if c.kind is Kind.TRIGGER:
                for t in c.triggers:
                    if t.kind is A.TriggerKind.CHANGE and t.constraints:
                        self.constrained.setdefault(self.trigger_key(t), []).append((c, t))

    @staticmethod
    def trigger_key(t: A.Trigger) -> str:
        arg = t.argument
        if arg is None:
            return ""
        if isinstance(arg, A.FieldRef):
            return arg.name
        return arg.plain.casefold()

    # ---- queueing ---------------------------------------------------------------

    def push(self, item: Item) -> None:
        heapq.heappush(self.queue, item)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def start(self, lead: Lead, campaign: CampaignInfo, trigger: str, time: _dt.datetime) -> None:
        """Queue a flow run of ``campaign`` for ``lead``."""
        self.push(Item(time, self.next_seq(), lead.id, campaign, trigger, 0))

    def raise_event(
        self,
        lead: Lead,
        kind: A.TriggerKind,
        key: str,
        time: _dt.datetime | None = None,
        values: tuple[Any, Any] | None = None,
    ) -> None:
        campaigns = self.triggers.get((kind, key))
        if not campaigns:
            return
        when = time or self.interp.now
        # A step's event is one level deeper than its flow; an outside event (the events
        # file, a lead joining) starts a cascade of its own, whatever ran before it.
        cascade = self.interp.cascade + 1 if time is None else 0
        if kind is A.TriggerKind.CHANGE and key in self.constrained:
            self.raise_change(lead, key, campaigns, when, cascade, values)
            return
        trigger = self.describe(kind, key)
        for c in campaigns:
            self.push(Item(when, self.next_seq(), lead.id, c, trigger, cascade, event=values))

    def raise_change(
        self,
        lead: Lead,
        key: str,
        campaigns: list[CampaignInfo],
        when: _dt.datetime,
        cascade: int,
        values: tuple[Any, Any] | None,
    ) -> None:
        """A change of a field some trigger constrains: each campaign is queued once,
        for the first of its 'on change' triggers whose from/to tests hold (M)."""
        old, new = values if values is not None else (None, None)
        queued: set[str] = set()
        for c in campaigns:
            if c.name in queued:
                continue
            for t in c.triggers:
                if t.kind is not A.TriggerKind.CHANGE or self.trigger_key(t) != key:
                    continue
                if self.constraints_hold(c, t, lead, old, new):
                    queued.add(c.name)
                    self.push(
                        Item(when, self.next_seq(), lead.id, c, t.describe(), cascade, event=values)
                    )
                    break

    def constraints_hold(
        self, c: CampaignInfo, t: A.Trigger, lead: Lead, old: Any, new: Any
    ) -> bool:
        interp = self.interp
        frame = Frame(c, c.program, None, None)
        try:
            for k in t.constraints:
                operand = interp.eval(k.value, frame, lead) if k.value is not None else None
                if not V.change_test(k.op, old if k.side == "from" else new, operand):
                    return False
        except CampaignError as err:
            # The trigger campaign's error (its test), not the flow that set the field.
            if err.span is None:
                err.span = t.span
            self.error(lead, frame, err)
            return False
        return True

    def describe(self, kind: A.TriggerKind, key: str) -> str:
        for c in self.triggers.get((kind, key), []):
            for t in c.triggers:
                if t.kind is kind and self.trigger_key(t) == key:
                    return t.describe()
        return f"{kind} {key}".strip()

    def request(self, lead: Lead, campaign: CampaignInfo) -> None:
        self.push(
            Item(
                self.interp.now,
                self.next_seq(),
                lead.id,
                campaign,
                "requested",
                self.interp.cascade + 1,
            )
        )

    # ---- running -----------------------------------------------------------------

    def run(self, until: _dt.datetime | None) -> None:
        interp = self.interp
        while self.queue:
            if until is not None and self.queue[0].time > until:
                break
            item = heapq.heappop(self.queue)
            if item.time > interp.now:
                interp.now = item.time
            self.run_item(item)
        self.stats.waiting = sorted(i for i in self.queue if i.campaign is not None)

    def run_item(self, item: Item) -> None:
        interp = self.interp
        if item.campaign is None:  # a lead from a 'created' event joins the world
            new: Lead = item.rest[0]
            self.leads[new.id] = new
            self.raise_event(new, A.TriggerKind.CREATED, "", time=interp.now)
            return
        lead = self.leads.get(item.lead_id)
        if lead is None:
            return
        if item.frame is None:
            self.run_flow(lead, item.campaign, item.trigger, item.cascade, item.event)
            return
        interp.cascade = item.cascade
        interp.log.add(lead, interp.now, "Resume", item.campaign.name, until=item.time)
        self._steps(lead, item.campaign, item.frame, item.cascade, item.rest)

    def run_flow(
        self,
        lead: Lead,
        campaign: CampaignInfo,
        trigger: str,
        cascade: int = 0,
        event: tuple[Any, Any] | None = None,
    ) -> None:
        """A flow run of ``campaign`` for ``lead``, now: what a queued start does when it
        comes due (a batch run calls it directly for each lead)."""
        interp = self.interp
        interp.cascade = cascade
        frame = Frame(campaign, campaign.program, None, None)
        frame.event = event
        if cascade > interp.limits.max_cascade:
            self.error(
                lead,
                frame,
                CampaignError(
                    "R205",
                    f"trigger cascade deeper than {interp.limits.max_cascade}: lead "
                    f"{lead.describe()} keeps re-triggering '{campaign.name}'",
                    campaign.decl.name_span,
                ),
            )
            return
        try:
            if not interp.qualifies(campaign, frame, lead):
                return
        except CampaignError as err:
            self.error(lead, frame, err)
            return
        lead.runs[campaign.name] = interp.now
        self.stats.flows += 1
        interp.log.add(lead, interp.now, "Campaign Run", campaign.name, trigger=trigger)
        self._steps(lead, campaign, frame, cascade, None)

    def _steps(
        self,
        lead: Lead,
        campaign: CampaignInfo,
        frame: Frame,
        cascade: int,
        rest: list[Any] | None,
    ) -> None:
        """Run a flow's steps from the start (``rest`` None) or what a wait left."""
        interp = self.interp
        compiled = interp.compiled.get(campaign.name) if interp.compiled is not None else None
        try:
            if rest is not None:
                interp.resume(rest, frame, lead)
            elif compiled is not None:
                compiled(frame, lead)
            else:  # the tree-walker (a campaign with a wait calls compiled executables)
                interp.run_block(campaign.steps, frame, lead)
        except Suspend as s:
            self.push(Item(s.until, self.next_seq(), lead.id, campaign, "", cascade, frame, s.rest))
        except StopFlow:
            return
        except CampaignError as err:
            self.error(lead, frame, err)

    def error(self, lead: Lead, frame: Frame, err: CampaignError) -> None:
        interp = self.interp
        stack = (interp.snapshot(frame), *reversed(err.stack))  # outermost first
        diag = Diagnostic(err.code, err.message, err.span, lead=lead.describe(), stack=stack)
        self.stats.errors.append(diag)
        self.stats.error_times.append(interp.now)
        interp.log.add(
            lead,
            interp.now,
            "Flow Error",
            frame.campaign.name,
            code=err.code,
            message=err.message,
            stack=[f.as_activity() for f in stack],
        )

    def waiting(self) -> Iterable[Item]:
        return self.stats.waiting
