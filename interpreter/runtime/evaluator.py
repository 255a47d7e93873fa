"""The tree-walking evaluator: expressions, steps, and the synchronous call stack.

``call X`` pushes a :class:`Frame` (campaign, token context, call site), checks
X's filters and qualification rule, runs X's steps to completion and pops.
Dispatch is by node type through dicts built once (no ``isinstance`` chains);
``wait`` and ``stop`` unwind with exceptions, which only happen once per flow.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Union

from camp.checker.symbols import CampaignInfo, Kind, ProgramInfo, Symbols
from camp.diagnostics import StackFrame
from camp.grammar import ast as A
from camp.runtime import values as V
from camp.runtime.calendar import next_weekday_at
from camp.runtime.values import CampaignError
from camp.runtime.world import ActivityLog, Lead
from camp.stdlib.registry import CallContext, FunctionError
from camp.types import Type, Value, type_of

if TYPE_CHECKING:
    from camp.runtime.scheduler import Scheduler


class StopFlow(Exception):
    """``stop;``: ends this flow run and every caller's."""


class RetryState:
    """A ``retry`` suspended by a ``wait`` during ``attempt``; ``inner`` is the rest of the body."""

    __slots__ = ("attempt", "inner", "step")

    def __init__(self, step: A.Retry, attempt: int, inner: list[Continuation]) -> None:
        self.step = step
        self.attempt = attempt
        self.inner = inner


# What is left of a suspended flow, innermost first: the rest of a block from an
# index, or a retry to finish (whose own body rest is inside it).
Continuation = Union[tuple[tuple[A.Step, ...], int], RetryState]


# The run-time limits (call depth, cascade, steps): a retry does not retry them.
LIMIT_CODES = ("R203", "R204", "R205")


class Suspend(Exception):
    """``wait``: the flow resumes at ``until`` with the rest of its blocks."""

    def __init__(self, until: _dt.datetime) -> None:
        super().__init__()
        self.until = until
        self.rest: list[Continuation] = []  # innermost first


class Frame:
    """``tokens`` is the program whose tokens the frame sees first; ``fallback`` the
    programs tried next (a callee's own program under ``with parent tokens`` (M));
    ``context`` the campaign ``{{campaign.name}}`` names (the caller's, under parent
    context (M))."""

    __slots__ = (
        "call_span",
        "campaign",
        "context",
        "depth",
        "event",
        "fallback",
        "parent",
        "step",
        "tokens",
    )

    def __init__(
        self,
        campaign: CampaignInfo,
        tokens: ProgramInfo | None,
        parent: Frame | None,
        call_span: Any,
        fallback: tuple[ProgramInfo, ...] = (),
        context: CampaignInfo | None = None,
    ) -> None:
        self.campaign = campaign
        self.tokens = tokens
        self.fallback = fallback
        self.context = context if context is not None else campaign
        self.parent = parent
        self.call_span = call_span
        self.depth: int = 0 if parent is None else parent.depth + 1
        # (previous, new) value of the field whose change started the flow; callees see it.
        self.event: tuple[Value, Value] | None = None if parent is None else parent.event
        self.step: A.Step | None = None


def token_chain(
    first: ProgramInfo | None, rest: tuple[ProgramInfo, ...], own: ProgramInfo | None
) -> tuple[ProgramInfo | None, tuple[ProgramInfo, ...]]:
    """The programs a callee looks tokens up in under ``with parent tokens``, as its
    frame's (tokens, fallback): the caller's chain, then the callee's own program (M:
    Marketo falls back to the executable's own token when the parent context lacks it)."""
    chain = ((first,) if first is not None else ()) + rest
    if own is not None and own not in chain:
        chain = (*chain, own)
    return (chain[0], chain[1:]) if chain else (None, ())


_BINARY: dict[A.BinOp, Callable[[Value, Value], Value]] = {
    A.BinOp.ADD: V.add,
    A.BinOp.SUB: V.sub,
    A.BinOp.MUL: V.mul,
    A.BinOp.DIV: V.div,
    A.BinOp.MOD: V.mod,
    A.BinOp.EQ: V.eq,
    A.BinOp.NE: V.ne,
    A.BinOp.LT: lambda a, b: V.order(a, b, "<"),
    A.BinOp.LE: lambda a, b: V.order(a, b, "<="),
    A.BinOp.GT: lambda a, b: V.order(a, b, ">"),
    A.BinOp.GE: lambda a, b: V.order(a, b, ">="),
    A.BinOp.IS: V.is_,
    A.BinOp.IS_NOT: V.is_not,
    A.BinOp.CONTAINS: V.contains,
    A.BinOp.NOT_CONTAINS: V.not_contains,
    A.BinOp.STARTS_WITH: V.starts_with,
    A.BinOp.ENDS_WITH: V.ends_with,
    A.BinOp.NOT_STARTS_WITH: V.not_starts_with,
    A.BinOp.NOT_ENDS_WITH: V.not_ends_with,
    A.BinOp.IN: V.in_,
    A.BinOp.NOT_IN: V.not_in,
}


class Limits:
    def __init__(self, max_steps: int = 100_000, max_cascade: int = 50) -> None:
        self.max_steps = max_steps
        self.max_cascade = max_cascade


class Interpreter:
    def __init__(
        self,
        symbols: Symbols,
        log: ActivityLog,
        now: _dt.datetime,
        limits: Limits | None = None,
        trace: Callable[[str], None] | None = None,
        regex_timeout: float = 0.25,
    ) -> None:
        self.symbols = symbols
        self.log = log
        self.now = now
        self.limits = limits or Limits()
        self.trace = trace
        self.regex_timeout = regex_timeout
        self.scheduler: Scheduler | None = None
        self.cascade = 0  # trigger-cascade depth of the flow being run
        # Campaign name -> its compiled function (camp.runtime.compile), when compiled;
        # a campaign without one (it has a wait) runs here.
        self.compiled: dict[str, Callable[[Frame, Lead], None]] | None = None
        self.source_lines = {f: t.split("\n") for f, t in symbols.sources.items()}
        self.field_types = {n: f.type for n, f in symbols.fields.items()}
        # Built-in flags that read as their default (false) on a lead without a value.
        self.implicit: dict[str, Value] = {
            n: f.default for n, f in symbols.fields.items() if f.implicit
        }
        self.functions = dict(symbols.functions)
        self._const_lists: dict[
            int, V.ConstList
        ] = {}  # a plain dict: the hot path looks up by name
        self._ctx = CallContext(now, regex_timeout)
        # Fields whose changes some trigger campaign listens to ('on change FIELD').
        self.change_triggers = frozenset(
            t.argument.name
            for c in symbols.campaigns.values()
            for t in c.triggers
            if t.kind is A.TriggerKind.CHANGE and isinstance(t.argument, A.FieldRef)
        )
        self._expr: dict[type, Callable[[Any, Frame, Lead], Value]] = {
            A.Literal: self.e_literal,
            A.Str: self.e_str,
            A.FieldRef: self.e_field,
            A.TokenRef: self.e_token,
            A.FuncCall: self.e_call,
            A.ListExpr: self.e_list,
            A.Not: self.e_not,
            A.Negate: self.e_negate,
            A.Binary: self.e_binary,
            A.Between: self.e_between,
            A.IsEmpty: self.e_is_empty,
            A.InPast: self.e_in_past,
            A.Membership: self.e_membership,
            A.TriggerValue: self.e_trigger_value,
        }
        self._step: dict[type, Callable[[Any, Frame, Lead], None]] = {
            A.Set: self.s_set,
            A.CallStep: self.s_call,
            A.Request: self.s_request,
            A.SendEmail: self.s_send_email,
            A.SendAlert: self.s_send_alert,
            A.Wait: self.s_wait,
            A.WebhookCall: self.s_webhook,
            A.AddToList: self.s_list,
            A.ChangeStatus: self.s_change_status,
            A.Moment: self.s_moment,
            A.Stop: self.s_stop,
            A.FailStep: self.s_fail,
            A.If: self.s_if,
            A.Retry: self.s_retry,
        }

    # ---- expressions ---------------------------------------------------------

    def eval(self, e: A.Expr, frame: Frame, lead: Lead) -> Value:
        # Errors without a span get the step's span in run_block; operators and calls
        # attach their own, more precise spans.
        return self._expr[type(e)](e, frame, lead)

    def condition(self, e: A.Expr, frame: Frame, lead: Lead) -> bool:
        value = self._expr[type(e)](e, frame, lead)
        if value is True:
            return True
        if value is False or value is None:
            return False
        err = V.type_error(
            f"a condition must be true or false, got {type_of(value)} {V.fmt_repr(value)}"
        )
        err.span = e.span
        raise err

    def e_literal(self, e: A.Literal, frame: Frame, lead: Lead) -> Value:
        return e.value

    def e_str(self, e: A.Str, frame: Frame, lead: Lead) -> Value:
        if len(e.parts) == 1 and isinstance(e.parts[0], str):
            return e.parts[0]
        return "".join(
            p if isinstance(p, str) else self.token_text(p, frame, lead) for p in e.parts
        )

    def token_text(self, p: A.Interp, frame: Frame, lead: Lead) -> str:
        if p.namespace == "lead":
            if p.name == "id":
                return V.fmt(Decimal(lead.id))
            value = lead.fields.get(p.name)
            return V.fmt(self.implicit.get(p.name) if value is None else value)
        if p.namespace == "my":
            return V.fmt(self.token_value(p.name, frame, p.span))
        if p.namespace == "campaign":
            return frame.context.name
        if p.namespace == "program":
            return frame.tokens.name if frame.tokens is not None else ""
        if p.namespace == "trigger":
            event = frame.event
            return V.fmt(None if event is None else event[0] if p.name == "old" else event[1])
        raise CampaignError("R202", f"unknown token {p.text}", p.span)

    def token_value(self, name: str, frame: Frame, span: Any) -> Value:
        program = frame.tokens
        if program is None or name not in program.tokens:
            for other in frame.fallback:
                if name in other.tokens:
                    return other.tokens[name].value.value
            where = f"program '{program.name}'" if program else "no program"
            raise CampaignError("R202", f"token my.{name} is not defined in {where}", span)
        return program.tokens[name].value.value

    def e_field(self, e: A.FieldRef, frame: Frame, lead: Lead) -> Value:
        if e.name == "id":
            return Decimal(lead.id)
        value = lead.fields.get(e.name)
        if value is None:
            return self.implicit.get(e.name)  # the blocking flags read as false
        return value

    def e_token(self, e: A.TokenRef, frame: Frame, lead: Lead) -> Value:
        return self.token_value(e.name, frame, e.span)

    def call_context(self) -> CallContext:
        """One context per clock value, not one per function call."""
        if self._ctx.now is not self.now:
            self._ctx = CallContext(self.now, self.regex_timeout)
        return self._ctx

    def e_call(self, e: A.FuncCall, frame: Frame, lead: Lead) -> Value:
        fn = self.functions[e.name]
        expr = self._expr
        args = [expr[type(a)](a, frame, lead) for a in e.args]
        try:
            return fn.impl(self.call_context(), *args)
        except FunctionError as err:
            raise CampaignError("R207", str(err), e.span) from None  # names the function
        except CampaignError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError) as err:
            raise CampaignError("R207", f"{e.name}() failed: {err}", e.span) from None

    def e_list(self, e: A.ListExpr, frame: Frame, lead: Lead) -> Value:
        const = self._const_lists.get(id(e))
        if const is not None:
            return const
        items = tuple(self._expr[type(i)](i, frame, lead) for i in e.items)
        if all(type(i) is A.Literal or (type(i) is A.Str and i.is_plain) for i in e.items):
            # A list of constants: built once, kept for the run (the AST outlives it).
            const = self._const_lists[id(e)] = V.ConstList.of(items)
            return const
        return items

    def e_not(self, e: A.Not, frame: Frame, lead: Lead) -> Value:
        return not self.condition(e.operand, frame, lead)

    def e_negate(self, e: A.Negate, frame: Frame, lead: Lead) -> Value:
        return V.neg(self.eval(e.operand, frame, lead))

    def e_binary(self, e: A.Binary, frame: Frame, lead: Lead) -> Value:
        op = e.op
        if op is A.BinOp.AND:
            return self.condition(e.left, frame, lead) and self.condition(e.right, frame, lead)
        if op is A.BinOp.OR:
            return self.condition(e.left, frame, lead) or self.condition(e.right, frame, lead)
        expr = self._expr
        left = expr[type(e.left)](e.left, frame, lead)
        right = expr[type(e.right)](e.right, frame, lead)
        try:
            return _BINARY[op](left, right)
        except CampaignError as err:
            if err.span is None:
                err.span = e.op_span
            raise

    def e_between(self, e: A.Between, frame: Frame, lead: Lead) -> Value:
        return V.between(
            self.eval(e.value, frame, lead),
            self.eval(e.low, frame, lead),
            self.eval(e.high, frame, lead),
        )

    def e_is_empty(self, e: A.IsEmpty, frame: Frame, lead: Lead) -> Value:
        empty = V.is_empty(self.eval(e.value, frame, lead))
        return not empty if e.negated else empty

    def e_in_past(self, e: A.InPast, frame: Frame, lead: Lead) -> Value:
        return V.in_past(self.eval(e.value, frame, lead), V.duration_delta(e.duration), self.now)

    def e_trigger_value(self, e: A.TriggerValue, frame: Frame, lead: Lead) -> Value:
        event = frame.event
        if event is None:
            return None  # not started by a change (a test harness run, a request)
        return event[0] if e.name == "old" else event[1]

    def e_membership(self, e: A.Membership, frame: Frame, lead: Lead) -> Value:
        name = self.e_str(e.name, frame, lead)
        if e.kind == "list":
            return V.member_of_list(lead.lists, name)
        if e.kind == "program":
            return V.member_of_program(lead.statuses, name)
        assert e.status is not None
        return V.status_is(lead.statuses, name, self.e_str(e.status, frame, lead))

    # ---- steps -----------------------------------------------------------------

    def run_block(
        self, steps: tuple[A.Step, ...], frame: Frame, lead: Lead, start: int = 0
    ) -> None:
        dispatch = self._step
        max_steps = self.limits.max_steps
        for i in range(start, len(steps)):
            step = steps[i]
            frame.step = step
            lead.steps += 1
            if lead.steps > max_steps:
                raise CampaignError(
                    "R204",
                    f"lead {lead.describe()} ran more than {max_steps} steps in this run "
                    f"(in campaign '{frame.campaign.name}')",
                    step.span,
                )
            if self.trace is not None:
                self.trace_step(step, frame, lead)
            try:
                dispatch[type(step)](step, frame, lead)
            except Suspend as s:
                s.rest.append((steps, i + 1))
                raise
            except CampaignError as err:
                if err.span is None:
                    err.span = step.span
                raise

    def activity(self, lead: Lead, frame: Frame, type_: str, **attrs: Any) -> None:
        self.log.add(lead, self.now, type_, frame.campaign.name, **attrs)

    def s_set(self, s: A.Set, frame: Frame, lead: Lead) -> None:
        name = s.field.name
        value = self._expr[type(s.value)](s.value, frame, lead)
        old = lead.fields.get(name)
        if s.op == "=":
            if name in self.field_types:
                value = self.coerce(name, value, s)
            if type(old) is type(value) and old == value:
                return
            lead.fields[name] = value
            self.activity(lead, frame, "Change Data Value", field=name, old=old, new=value)
            new_value: Value = value
        else:
            if value is None:
                return
            change = value if s.op == "+=" else V.neg(value)
            base = old if old is not None else Decimal(0)
            new = V.add(base, change) if isinstance(base, Decimal) else None
            if not isinstance(new, Decimal) or not isinstance(change, Decimal):
                raise CampaignError(
                    "R202", f"'{s.op}' needs a number field: '{name}' is {V.fmt_repr(old)}", s.span
                )
            lead.fields[name] = new
            self.activity(lead, frame, "Change Score", field=name, old=old, new=new, change=change)
            new_value = new
            if not change:
                return  # logged (Marketo shows a +0), but nothing changed: no 'change' event
        if name in self.change_triggers and self.scheduler is not None:
            self.scheduler.raise_event(lead, A.TriggerKind.CHANGE, name, values=(old, new_value))

    def coerce(self, name: str, value: Value, s: A.Set) -> Value:
        wanted = self.field_types.get(name)
        if wanted is None or value is None or wanted is Type.ANY:
            return value
        if wanted is Type.DATE and isinstance(value, _dt.datetime):
            return value.date()
        if (
            wanted is Type.DATETIME
            and isinstance(value, _dt.date)
            and not isinstance(value, _dt.datetime)
        ):
            return _dt.datetime.combine(value, _dt.time())
        actual = type_of(value)
        if actual is not wanted:
            raise CampaignError(
                "R202",
                f"cannot set {wanted} field '{name}' to {actual} {V.fmt_repr(value)}",
                s.value.span,
            )
        return value

    def s_call(self, s: A.CallStep, frame: Frame, lead: Lead) -> None:
        target = self.symbols.campaigns[s.target]
        if s.parent_tokens:
            tokens, fallback = token_chain(frame.tokens, frame.fallback, target.program)
            callee = Frame(target, tokens, frame, s.span, fallback, frame.context)
        else:
            callee = Frame(target, target.program, frame, s.span)
        if callee.depth > self.symbols.max_depth:
            raise CampaignError(
                "R203",
                f"call stack deeper than {self.symbols.max_depth} nested executables",
                s.span,
            )
        qualified = self.qualifies(target, callee, lead)
        self.activity(lead, frame, "Execute Campaign", target=target.name, qualified=qualified)
        if not qualified:
            return
        lead.runs[target.name] = self.now
        compiled = self.compiled.get(target.name) if self.compiled is not None else None
        try:
            if compiled is not None:  # a flow with a wait calling a compiled executable
                compiled(callee, lead)
            else:
                self.run_block(target.steps, callee, lead)
        except CampaignError as err:
            if err.span is None:
                err.span = callee.step.span if callee.step else s.span
            err.stack = (*err.stack, self.snapshot(callee))
            raise
        except RecursionError:
            # Many nested executables, each with deeply nested blocks: a limit error
            # (R203) with the call stack, raised once Python's stack has unwound a little.
            raise CampaignError(
                "R203",
                f"call stack too deep to run: {callee.depth} nested executables with "
                "deeply nested blocks",
                s.span,
            ) from None

    def qualifies(self, campaign: CampaignInfo, frame: Frame, lead: Lead) -> bool:
        rule = campaign.qualify
        if rule is A.QualifyRule.EVERY_TIME and not campaign.filters:
            return True
        last = lead.runs.get(campaign.name)
        if last is not None:
            if rule is A.QualifyRule.ONCE:
                return False
            interval = campaign.qualify_interval
            if (
                rule is A.QualifyRule.ONCE_EVERY
                and interval is not None
                and self.now < V.later(last, interval)
            ):
                return False
        return all(self.condition(f, frame, lead) for f in campaign.filters)

    def snapshot(self, frame: Frame) -> StackFrame:
        return self.snapshot_at(frame.campaign, frame.step)

    def snapshot_at(self, campaign: CampaignInfo, step: A.Step | None) -> StackFrame:
        """The stack frame of ``campaign`` running ``step`` (None: not started)."""
        span = step.span if step is not None else campaign.decl.span
        lines = self.source_lines.get(span.file, [])
        source = lines[span.line - 1].strip() if 0 < span.line <= len(lines) else ""
        kind = "executable" if campaign.kind is Kind.EXECUTABLE else "campaign"
        return StackFrame(span, kind, campaign.name, source)

    def s_request(self, s: A.Request, frame: Frame, lead: Lead) -> None:
        self.activity(lead, frame, "Request Campaign", target=s.target)
        if self.scheduler is not None:
            self.scheduler.request(lead, self.symbols.campaigns[s.target])

    def s_send_email(self, s: A.SendEmail, frame: Frame, lead: Lead) -> None:
        name = V.fmt(self.eval(s.email, frame, lead))
        reason = self.blocked(lead, s.operational)
        if reason:
            self.activity(lead, frame, "Email Blocked", email=name, reason=reason)
        else:
            self.activity(lead, frame, "Send Email", email=name)

    def blocked(self, lead: Lead, operational: bool) -> str | None:
        """Why Marketo would not send (M): black listed, unsubscribed, marketing
        suspended, email invalid, no or an invalid address. An operational e-mail
        ignores only unsubscribed and marketing suspended."""
        return V.email_blocked(
            lead.fields,
            operational,
            lambda email: (
                isinstance(email, str)  # a number or date in email: not an address
                and bool(
                    (fn := self.functions.get("is_valid_email")) is None
                    or fn.impl(CallContext(self.now), email)
                )
            ),
        )

    def s_send_alert(self, s: A.SendAlert, frame: Frame, lead: Lead) -> None:
        name = V.fmt(self.eval(s.alert, frame, lead))
        to = V.fmt(self.eval(s.to, frame, lead))
        self.activity(lead, frame, "Send Alert", alert=name, to=to)

    def s_wait(self, s: A.Wait, frame: Frame, lead: Lead) -> None:
        if s.duration is not None:
            until = V.later(self.now, s.duration)
        elif s.weekday is not None:
            assert s.at is not None
            until = next_weekday_at(self.now, s.weekday, _dt.time.fromisoformat(s.at))
        else:
            assert s.until is not None
            when = V.as_datetime(self.eval(s.until, frame, lead), "'wait until'")
            if when is None or when <= self.now:
                return  # the date has passed: Marketo skips the wait
            until = when
        self.activity(lead, frame, "Wait", until=until)
        raise Suspend(until)

    def s_webhook(self, s: A.WebhookCall, frame: Frame, lead: Lead) -> None:
        hook = self.symbols.webhooks[s.name]
        url = V.fmt(self.eval(hook.url, frame, lead)) if hook.url is not None else ""
        self.activity(lead, frame, "Call Webhook", webhook=s.name, url=url)

    def s_list(self, s: A.AddToList, frame: Frame, lead: Lead) -> None:
        name = V.fmt(self.eval(s.list_name, frame, lead))
        key = name.casefold()
        if s.add:
            if key in lead.lists:
                return
            lead.lists.add(key)
            self.activity(lead, frame, "Add to List", list=name)
            if self.scheduler is not None:
                self.scheduler.raise_event(lead, A.TriggerKind.ADDED_TO_LIST, key)
        else:
            if key not in lead.lists:
                return
            lead.lists.discard(key)
            self.activity(lead, frame, "Remove from List", list=name)

    def s_change_status(self, s: A.ChangeStatus, frame: Frame, lead: Lead) -> None:
        if s.program is None:
            program = frame.campaign.program
            assert program is not None
        else:
            program = self.symbols.programs[V.fmt(self.eval(s.program, frame, lead))]
        new = V.fmt(self.eval(s.status, frame, lead))
        old = lead.statuses.get(program.name)
        applied = V.status_move_applies(program.step, old, new)
        if applied:
            lead.statuses[program.name] = new
        self.activity(
            lead,
            frame,
            "Change Program Status",
            program=program.name,
            old=old,
            new=new,
            applied=applied,
            success=applied and new in program.success,
        )
        if applied and self.scheduler is not None:
            self.scheduler.raise_event(lead, A.TriggerKind.STATUS_CHANGE, program.name.casefold())

    def s_moment(self, s: A.Moment, frame: Frame, lead: Lead) -> None:
        self.activity(
            lead,
            frame,
            "Interesting Moment",
            description=V.fmt(self.eval(s.description, frame, lead)),
        )

    def s_stop(self, s: A.Stop, frame: Frame, lead: Lead) -> None:
        self.activity(lead, frame, "Remove from Flow")
        raise StopFlow()

    def s_fail(self, s: A.FailStep, frame: Frame, lead: Lead) -> None:
        raise CampaignError("R206", V.fmt(self.eval(s.message, frame, lead)), s.span)

    def s_if(self, s: A.If, frame: Frame, lead: Lead) -> None:
        for cond, body in s.branches:
            if self.condition(cond, frame, lead):
                self.run_block(body, frame, lead)
                return
        if s.else_body is not None:
            self.run_block(s.else_body, frame, lead)

    def resume(self, rest: list[Continuation], frame: Frame, lead: Lead) -> None:
        """Run what a suspended flow had left, innermost block first."""
        for k, entry in enumerate(rest):
            try:
                if isinstance(entry, RetryState):
                    self.retry_from(entry.step, entry.attempt, entry.inner, frame, lead)
                else:
                    self.run_block(entry[0], frame, lead, entry[1])
            except Suspend as s:
                s.rest.extend(rest[k + 1 :])
                raise

    def s_retry(self, s: A.Retry, frame: Frame, lead: Lead) -> None:
        self.retry_from(s, 1, None, frame, lead)

    def retry_from(
        self,
        s: A.Retry,
        first: int,
        inner: list[Continuation] | None,
        frame: Frame,
        lead: Lead,
    ) -> None:
        """Attempts ``first``..N of a retry; ``inner`` resumes an attempt cut by a wait."""
        last: CampaignError | None = None
        for attempt in range(first, s.times + 1):
            if not s.body:  # no step would count: each attempt counts, so R204 bounds it
                lead.steps += 1
                if lead.steps > self.limits.max_steps:
                    raise CampaignError(
                        "R204",
                        f"lead {lead.describe()} ran more than {self.limits.max_steps} steps "
                        f"in this run (in campaign '{frame.campaign.name}')",
                        s.span,
                    )
            try:
                if inner is not None:
                    rest, inner = inner, None
                    self.resume(rest, frame, lead)
                else:
                    self.run_block(s.body, frame, lead)
                ok = s.until is None or self.condition(s.until, frame, lead)
            except Suspend as sus:
                sus.rest = [RetryState(s, attempt, sus.rest)]
                raise
            except StopFlow:
                # 'stop;' ends the flow mid-attempt: the attempt still shows in the log.
                self.activity(lead, frame, "Retry Attempt", attempt=attempt, succeeded=False)
                raise
            except CampaignError as err:
                if err.code in LIMIT_CODES:
                    raise  # limits are not retried
                last, ok = err, False
            else:
                if not ok:
                    last = None
            self.activity(lead, frame, "Retry Attempt", attempt=attempt, succeeded=ok)
            if ok:
                return
        if s.else_body is not None:
            self.run_block(s.else_body, frame, lead)
        elif last is not None:
            raise last

    # ---- tracing ------------------------------------------------------------------

    def trace_step(self, step: A.Step, frame: Frame, lead: Lead) -> None:
        assert self.trace is not None
        span = step.span
        lines = self.source_lines.get(span.file, [])
        if 0 < span.line <= len(lines):
            line = lines[span.line - 1]
            end = span.end_column - 1 if span.end_line == span.line else len(line)
            text = line[span.column - 1 : end].strip()
        else:
            text = type(step).__name__
        indent = "  " * frame.depth
        self.trace(f"[lead {lead.id}] {indent}{frame.campaign.name}: {text}")
