"""The program graph: campaigns, their entry points, and the call, request and
trigger-cascade edges between them (tooling spec §3).

Computed once by the checker from its symbol tables, so ``camp graph``, the run
report and the language server share one answer to "which campaign sets off which".
A cascade edge joins a campaign whose step raises an event (``set FIELD`` and
``+=``/``-=`` raise ``change FIELD``, ``add to list X`` raises ``added to list X``,
``change status [in P]`` raises ``status change in P``) to every trigger campaign
listening for it. Names built from tokens at run time cannot be known here: a list
or program named with ``{{...}}`` matches only a listener that spells it the same.
"""

from __future__ import annotations

from camp.grammar import ast as A
from camp.grammar.node import dataclass, field

from .symbols import CampaignInfo, Kind, Symbols

CALL, REQUEST, CASCADE = "call", "request", "cascade"
EXTERNAL_TRIGGERS = (
    A.TriggerKind.FORM,
    A.TriggerKind.PAGE,
    A.TriggerKind.CLICK,
    A.TriggerKind.EVENT,
    A.TriggerKind.CREATED,
)


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    source: str
    target: str
    kind: str  # CALL, REQUEST or CASCADE
    label: str  # "with parent tokens", "" for a plain call, the event for a cascade


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    """Where a run starts from outside the program: a trigger or a schedule."""

    campaign: str
    label: str  # 'form "Contact Us"', 'schedule every day at "02:00"', ...


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    kind: Kind
    program: str | None  # the enclosing program, None at top level


@dataclass
class ProgramGraph:
    nodes: dict[str, Node]  # sorted by name
    entries: list[Entry] = field(default_factory=list)  # sorted
    edges: list[Edge] = field(default_factory=list)  # sorted, no duplicates

    @property
    def programs(self) -> list[str]:
        return sorted({n.program for n in self.nodes.values() if n.program is not None})

    def reached_from(self, name: str) -> ProgramGraph:
        """Only what ``name`` reaches: itself, every campaign its calls, requests and
        cascades lead to, the edges among them, and ``name``'s own entry points."""
        seen = {name}
        todo = [name]
        while todo:
            current = todo.pop()
            for e in self.edges:
                if e.source == current and e.target not in seen:
                    seen.add(e.target)
                    todo.append(e.target)
        return ProgramGraph(
            {n: node for n, node in self.nodes.items() if n in seen},
            [e for e in self.entries if e.campaign == name],
            [e for e in self.edges if e.source in seen and e.target in seen],
        )


def _key(t: A.Trigger) -> str:
    """The runtime's match key for a trigger (see Scheduler.trigger_key)."""
    arg = t.argument
    if arg is None:
        return ""
    if isinstance(arg, A.FieldRef):
        return arg.name
    return arg.plain.casefold()


def raised_events(info: CampaignInfo) -> list[tuple[A.TriggerKind, str]]:
    """The events ``info``'s steps can raise, as (kind, match key), in step order."""
    from .checker import walk_steps  # here: the checker module imports this one

    out: list[tuple[A.TriggerKind, str]] = []
    for step in walk_steps(info.steps):
        if isinstance(step, A.Set):
            out.append((A.TriggerKind.CHANGE, step.field.name))
        elif isinstance(step, A.AddToList) and step.add:
            out.append((A.TriggerKind.ADDED_TO_LIST, step.list_name.plain.casefold()))
        elif isinstance(step, A.ChangeStatus):
            if step.program is not None:
                out.append((A.TriggerKind.STATUS_CHANGE, step.program.plain.casefold()))
            elif info.program is not None:
                out.append((A.TriggerKind.STATUS_CHANGE, info.program.name.casefold()))
    return out


def _schedule_label(s: A.Schedule) -> str:
    return f'schedule every day at "{s.at}"' if s.daily else f'schedule at "{s.at}"'


def build_graph(symbols: Symbols) -> ProgramGraph:
    campaigns = symbols.campaigns
    nodes = {
        name: Node(name, c.kind, c.program.name if c.program else None)
        for name, c in sorted(campaigns.items())
    }
    listeners: dict[tuple[A.TriggerKind, str], list[tuple[str, str]]] = {}
    entries: set[Entry] = set()
    for name, c in campaigns.items():
        for s in c.schedules:
            entries.add(Entry(name, _schedule_label(s)))
        if c.kind is not Kind.TRIGGER:
            continue
        for t in c.triggers:
            if t.kind in EXTERNAL_TRIGGERS:
                entries.add(Entry(name, t.describe()))
            listeners.setdefault((t.kind, _key(t)), []).append((name, t.describe()))
    edges: set[Edge] = set()
    for name, c in campaigns.items():
        for call in c.calls:
            if call.target in campaigns:
                label = "with parent tokens" if call.parent_tokens else ""
                edges.add(Edge(name, call.target, CALL, label))
        for step in _requests(c):
            if step.target in campaigns:
                edges.add(Edge(name, step.target, REQUEST, "request"))
        for event in raised_events(c):
            for listener, label in listeners.get(event, []):
                edges.add(Edge(name, listener, CASCADE, label))
    return ProgramGraph(nodes, sorted(entries), sorted(edges))


def _requests(info: CampaignInfo) -> list[A.Request]:
    from .checker import walk_steps

    return [s for s in walk_steps(info.steps) if isinstance(s, A.Request)]
