"""Running one ``test`` (docs/testing.md) on the interpreter and scheduler of ``camp run``.

Each test gets a fresh world: its lead, empty lists and programs, its own clock
and activity log. The body runs as a flow for the lead, line by line; after each
line what it queued (requests, events) runs to completion at the current time;
``advance`` runs what falls due on the way, in simulation order.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from camp.checker.loader import InputError
from camp.checker.symbols import Kind, Symbols
from camp.checker.testcheck import flow_info, flow_name, parse_test_time
from camp.diagnostics import Diagnostic, render
from camp.grammar import ast as A
from camp.runtime import values as V
from camp.runtime.evaluator import Frame, Interpreter, Limits, StopFlow, Suspend
from camp.runtime.leadio import Typer
from camp.runtime.run import schedule_times
from camp.runtime.scheduler import Scheduler
from camp.runtime.values import CampaignError
from camp.runtime.world import ActivityLog, Lead
from camp.types import Value

DEFAULT_START = _dt.datetime(2026, 1, 1, 0, 0, 0)

_MISSING = object()


@dataclass
class TestResult:
    """What one test did: ``outcome`` is passed, failed or error (a run-time error in the
    test's own lines); ``message`` is the failure text (empty when it passed)."""

    __test__ = False  # not a pytest test class

    name: str
    file: str
    line: int
    outcome: str
    message: str = ""
    duration_ms: float = 0.0
    activities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "outcome": self.outcome,
            "message": self.message,
            "duration_ms": round(self.duration_ms, 3),
        }


class TestInterpreter(Interpreter):
    """The evaluator of ``camp run``, plus the webhook answers a test mocks."""

    __test__ = False

    def __init__(self, symbols: Symbols, log: ActivityLog, now: _dt.datetime) -> None:
        super().__init__(symbols, log, now, Limits())
        self.mocks: dict[str, Any] = {}
        self.typer = Typer(symbols)

    def s_webhook(self, s: A.WebhookCall, frame: Frame, lead: Lead) -> None:
        super().s_webhook(s, frame, lead)
        answer = self.mocks.get(s.name, _MISSING)
        if answer is _MISSING:
            return  # not mocked: recorded, changes nothing (as in camp run)
        hook = self.symbols.webhooks[s.name]
        for ref, path in hook.responses:
            raw = json_path(answer, path)
            if raw is _MISSING:
                continue
            try:
                value = self.typer.cell(ref.name, raw, f"webhook {s.name}", text=False)
            except InputError as e:
                raise CampaignError("R202", f"mocked answer of {e}", s.span) from None
            # A response mapping is a Change Data Value: the same step as `set FIELD = ...`.
            literal = A.Literal(value, s.span)  # type: ignore[arg-type]
            self.s_set(A.Set(ref, "=", literal, s.span), frame, lead)


def json_path(answer: Any, path: str) -> Any:
    """``company.name`` / ``items.0.id`` in a JSON answer; ``_MISSING`` when absent."""
    node = answer
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return json.dumps(node) if isinstance(node, dict) else node  # an object lands as its JSON


def from_activity(value: Any) -> Value:
    """An activity attribute (as logged, JSON) back as a Camp value for ``with`` tests."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list):
        return tuple(from_activity(v) for v in value)
    return json.dumps(value)


class _Failure(Exception):
    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


InterpreterFactory = Callable[[Symbols, ActivityLog, _dt.datetime], TestInterpreter]


class TestRun:
    """One test in its own world."""

    __test__ = False

    def __init__(
        self,
        symbols: Symbols,
        test: A.TestDecl,
        factory: InterpreterFactory = TestInterpreter,
    ) -> None:
        self.symbols = symbols
        self.test = test
        self.info = flow_info(test, symbols.programs)
        start = DEFAULT_START
        lead_id = 1
        row: dict[str, Any] = {}
        for item in test.body:
            if isinstance(item, A.TestAt):
                start = parse_test_time(item.at) or start
            elif isinstance(item, A.TestLead):
                for ref, const in item.values:
                    if ref.name == "id":
                        lead_id = int(const.value)  # type: ignore[arg-type]
                    else:
                        row[ref.name] = const.value
        self.log = ActivityLog(keep=True)
        self.interp = factory(symbols, self.log, start)
        where = f"{test.span.file}:{test.span.line}: lead of test '{test.name}'"
        self.lead = Lead(lead_id, self.interp.typer.lead_fields(row, where, text=False))
        self.scheduler = Scheduler(self.interp, {lead_id: self.lead})
        self.frame = Frame(self.info, self.info.program, None, None)
        self.flow_over = False  # the test's flow stopped or ended in a campaign error
        self.claimed: set[int] = set()  # indexes of errors an 'expect error' matched
        self.fired: set[tuple[str, _dt.datetime]] = set()

    # ---- the world moving ------------------------------------------------------------

    def drain(self) -> None:
        """Run what is queued for now (requests, events) to completion or until it waits."""
        self.scheduler.run(self.interp.now)

    def advance_to(self, target: _dt.datetime) -> None:
        interp = self.interp
        for c in self.symbols.campaigns.values():
            if c.kind is not Kind.BATCH or not c.schedules:
                continue
            for when in schedule_times(c, interp.now, target):
                key = (c.name, when)
                if key in self.fired or when < interp.now:
                    continue
                self.fired.add(key)
                trigger = f"schedule {when.isoformat(timespec='minutes')}"
                self.scheduler.start(self.lead, c, trigger, when)
        self.scheduler.run(target)
        if interp.now < target:
            interp.now = target

    def run_step(self, step: A.Step) -> None:
        if self.flow_over:
            return  # the flow has ended; the test's own lines still run
        interp = self.interp
        if isinstance(step, A.CallStep) and not step.parent_tokens:
            target = self.symbols.campaigns.get(step.target)
            if target is not None and target.kind is Kind.BATCH:
                # "Run Now" for the test's lead, as camp run --campaign: filters, qualify.
                self.scheduler.start(self.lead, target, "batch", interp.now)
                self.drain()
                return
        rest: list[Any] = [((step,), 0)]
        while rest:
            try:
                interp.resume(rest, self.frame, self.lead)
                rest = []
            except Suspend as s:  # a 'wait' in the test: the world moves on meanwhile
                rest = s.rest
                self.drain()
                self.advance_to(s.until)
            except StopFlow:
                self.flow_over = True
                rest = []
            except CampaignError as err:
                self.scheduler.error(self.lead, self.frame, err)
                self.flow_over = True
                rest = []
        self.drain()

    # ---- running -----------------------------------------------------------------------

    def run(self) -> TestResult:
        began = time.perf_counter()
        test = self.test
        result = TestResult(test.name, test.span.file, test.span.line, "passed")
        try:
            for item in test.body:
                self.line(item)
            self.unexpected_errors()
        except _Failure as f:
            result.outcome, result.message = f.outcome, f.message
        result.duration_ms = (time.perf_counter() - began) * 1000
        result.activities = self.log.items
        return result

    def line(self, item: A.Step | A.TestLine) -> None:
        interp = self.interp
        if isinstance(item, A.TestLead | A.TestAt):
            return  # applied when the world was made
        if isinstance(item, A.Fire):
            key = V.fmt(interp.eval(item.name, self.frame, self.lead)).casefold()
            self.scheduler.raise_event(self.lead, item.kind, key, time=interp.now)
            self.drain()
        elif isinstance(item, A.Advance):
            self.advance_to(interp.now + item.duration.delta)
        elif isinstance(item, A.MockWebhook):
            interp.mocks[item.name] = json.loads(item.response)
        elif isinstance(item, A.EXPECTATIONS):
            self.expect(item)
        else:
            self.run_step(item)

    # ---- expectations ------------------------------------------------------------------

    def expect(self, e: A.TestLine) -> None:
        try:
            problem = self.check(e)
        except CampaignError as err:
            span = err.span or e.span
            diag = Diagnostic(err.code, f"evaluating the expectation: {err.message}", span)
            raise _Failure("error", self.render(diag)) from None
        if problem is not None:
            expected, found = problem
            text = self.source_text(e.span)
            diag = Diagnostic("T001", f"expectation failed: {text}", e.span)
            lines = [self.render(diag), f"  expected: {expected}"]
            lines += [f"  found:    {found[0]}" if found else "  found:    nothing"]
            lines += [f"            {more}" for more in found[1:]]
            lines += self.error_notes()
            raise _Failure("failed", "\n".join(lines))

    def check(self, e: A.TestLine) -> tuple[str, list[str]] | None:
        """None when the expectation holds, else (expected, found lines)."""
        interp, frame, lead = self.interp, self.frame, self.lead
        if isinstance(e, A.ExpectCondition):
            if interp.condition(e.condition, frame, lead):
                return None
            return self.source_text(e.condition.span), self.field_values(e.condition)
        if isinstance(e, A.ExpectActivity):
            return self.check_activity(e)
        if isinstance(e, A.ExpectError):
            for i, d in enumerate(self.scheduler.stats.errors):
                if d.code == e.code and i not in self.claimed:
                    self.claimed.add(i)
                    return None
            seen = [f"{d.code}: {d.message}" for d in self.scheduler.stats.errors]
            return f"a campaign error {e.code}", seen or ["no campaign error"]
        if isinstance(e, A.ExpectInList):
            name = V.fmt(interp.eval(e.list_name, frame, lead))
            member = name.casefold() in lead.lists
            if member != e.negated:
                return None
            lists = self.lead_lists()
            want = f'the lead {"not " if e.negated else ""}in list "{name}"'
            return want, [f"the lead's lists: {lists}" if lists else "the lead is in no list"]
        assert isinstance(e, A.ExpectStatus)
        program = V.fmt(interp.eval(e.program, frame, lead))
        status = V.fmt(interp.eval(e.status, frame, lead))
        have = lead.statuses.get(program)
        if have == status:
            return None
        found = f'status "{have}"' if have is not None else "no status (not a member)"
        return f'status "{status}" in program "{program}"', [found]

    def check_activity(self, e: A.ExpectActivity) -> tuple[str, list[str]] | None:
        of_type = [a for a in self.log.items if a["type"] == e.type_name]
        matching = [a for a in of_type if self.matches(a, e.tests)]
        n = len(matching)
        if (e.count is None and n >= 1) or (e.count is not None and n == e.count):
            return None
        what = f'"{e.type_name}" activit{"y" if e.count in (None, 1) else "ies"}'
        if e.tests:
            what += " with " + " and ".join(self.source_text(t.span) for t in e.tests)
        if e.count is None:
            expected = f"at least one {what}"
        elif e.count == 0:
            expected = f"no {what}"
        else:
            expected = f"exactly {e.count} {what}"
        if not of_type:
            return expected, [f'no "{e.type_name}" activity']
        plural = "y" if len(of_type) == 1 else "ies"
        head = f'{len(of_type)} "{e.type_name}" activit{plural}'
        if e.tests:
            head += f", {n} matching"
        return expected, [head + ":", *(f"  {describe_activity(a)}" for a in of_type)]

    def matches(self, activity: dict[str, Any], tests: tuple[A.Expr, ...]) -> bool:
        attrs = {k: from_activity(v) for k, v in activity.items() if k not in ("lead", "type")}
        subject = Lead(self.lead.id, attrs)
        return all(self.interp.condition(t, self.frame, subject) for t in tests)

    def unexpected_errors(self) -> None:
        notes = self.error_notes(unexpected=True)
        if notes:
            raise _Failure("failed", "\n".join(notes))

    def error_notes(self, unexpected: bool = False) -> list[str]:
        lines: list[str] = []
        for i, d in enumerate(self.scheduler.stats.errors):
            if i in self.claimed:
                continue
            head = "unexpected campaign error" if unexpected else "note: a campaign error"
            lines.append(f"{head} (no 'expect error {d.code};' expects it):")
            lines += ["  " + x for x in render(d, self.symbols.sources).split("\n")]
        return lines

    # ---- text --------------------------------------------------------------------------

    def render(self, d: Diagnostic) -> str:
        return render(d, self.symbols.sources)

    def source_text(self, span: A.Span) -> str:
        lines = self.symbols.sources.get(span.file, "").split("\n")
        if not 0 < span.line <= len(lines):
            return "?"
        line = lines[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        return line[span.column - 1 : end].strip()

    def field_values(self, e: A.Expr) -> list[str]:
        names = list(dict.fromkeys(f.name for f in _field_refs(e)))
        values = [f"{n} = {show(self.field_value(n))}" for n in names]
        return values or ["the condition is false"]

    def field_value(self, name: str) -> Value:
        return Decimal(self.lead.id) if name == "id" else self.lead.fields.get(name)

    def lead_lists(self) -> str:
        names: dict[str, str] = {}
        for a in self.log.items:
            if a["type"] in ("Add to List", "Remove from List"):
                names[str(a["list"]).casefold()] = str(a["list"])
        return ", ".join(f'"{names.get(k, k)}"' for k in sorted(self.lead.lists))


def show(value: Value) -> str:
    return "null" if value is None else V.fmt_repr(value)


def describe_activity(a: dict[str, Any]) -> str:
    attrs = [
        f"{k} {json.dumps(v, ensure_ascii=False)}"
        for k, v in a.items()
        if k not in ("lead", "time", "type", "campaign")
    ]
    text = f"{a['time']}  {a['campaign']}"
    return f"{text}: {', '.join(attrs)}" if attrs else text


def _field_refs(e: Any) -> list[A.FieldRef]:
    if isinstance(e, A.FieldRef):
        return [e]
    out: list[A.FieldRef] = []
    for name in getattr(e, "__slots__", ()):
        child = getattr(e, name)
        if isinstance(child, tuple):
            for c in child:
                out += _field_refs(c)
        elif hasattr(child, "span") and not isinstance(child, A.Span):
            out += _field_refs(child)
    return out


def run_test(
    symbols: Symbols, test: A.TestDecl, factory: InterpreterFactory = TestInterpreter
) -> TestResult:
    try:
        run = TestRun(symbols, test, factory)
    except InputError as e:  # a lead value the schema cannot take (the checker sees most)
        return TestResult(test.name, test.span.file, test.span.line, "error", f"error: {e}")
    return run.run()


__all__ = ["DEFAULT_START", "TestInterpreter", "TestResult", "TestRun", "flow_name", "run_test"]
