"""Lark parse callbacks → typed AST (the only place that sees Lark's values).

The builder runs inside the LALR parser (Lark's "internal transformer"):
each grammar rule name maps to one method that receives the rule's children
(tokens and already-built nodes) and returns an AST node. A rule without a
method reaches :meth:`AstBuilder.__default__`, which raises, so the grammar
and the AST cannot drift apart silently.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.grammar.node import replace
from camp.grammar.span import Span
from lark import Token, Tree

# Words that are keywords wherever an expression may stand (spec §1).
RESERVED = frozenset(
    [
        "and",
        "or",
        "not",
        "is",
        "in",
        "contains",
        "starts",
        "ends",
        "with",
        "between",
        "empty",
        "past",
        "true",
        "false",
        "null",
        "lead",
        "my",
    ]
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_TOKEN_RE = re.compile(r"\{\{(.*?)\}\}")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


class GrammarDriftError(Exception):
    """A grammar rule has no builder method: a bug in Camp, not in the user's program."""


class _Block:
    __slots__ = ("span", "steps")

    def __init__(self, steps: tuple[A.Step, ...], span: Span) -> None:
        self.steps = steps
        self.span = span


class _Branch:
    __slots__ = ("body", "condition", "span")

    def __init__(self, condition: A.Expr | None, body: tuple[A.Step, ...], span: Span) -> None:
        self.condition = condition
        self.body = body
        self.span = span


class _Test:
    __slots__ = ("op", "span", "value")

    def __init__(self, op: str, value: A.Expr | None, span: Span) -> None:
        self.op = op
        self.value = value
        self.span = span


class _Success:
    __slots__ = ("statuses",)

    def __init__(self, statuses: tuple[A.Str, ...]) -> None:
        self.statuses = statuses


class _Args:
    __slots__ = ("items", "span")

    def __init__(self, items: tuple[A.Expr, ...], span: Span) -> None:
        self.items = items
        self.span = span


class AstBuilder:
    """Per-parse callbacks; ``problems`` collects E001s found while building (bad escapes...)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Diagnostic] = []

    # ---- helpers -----------------------------------------------------------

    def tok_span(self, t: Token) -> Span:
        return Span(self.file, t.line or 1, t.column or 1, t.end_line or 1, t.end_column or 1)

    def span_of(self, node: Any) -> Span:
        if isinstance(node, Token):
            return self.tok_span(node)
        span: Span = node.span
        return span

    def over(self, children: list[Any]) -> Span:
        return self.span_of(children[0]).to(self.span_of(children[-1]))

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic("E001", message, span, hint))

    def name(self, t: Token) -> str:
        text = str(t)
        if text.startswith("`"):
            return text[1:-1]
        if text in RESERVED:
            self.error(
                f"'{text}' is a reserved word and cannot be used as a name",
                self.tok_span(t),
                f"write it in backquotes to use it as a field: `{text}`",
            )
        return text

    def str_node(self, t: Token) -> A.Str:
        """Decode a string literal, splitting out ``{{namespace.name}}`` tokens."""
        raw = str(t)[1:-1]
        line = t.line or 1
        col0 = (t.column or 1) + 1  # column of the first character inside the quotes
        parts: list[str | A.Interp] = []
        pos = 0
        for m in _TOKEN_RE.finditer(raw):
            if m.start() > pos:
                parts.append(self.unescape(raw[pos : m.start()], line, col0 + pos))
            inner = m.group(1).strip()
            namespace, dot, rest = inner.partition(".")
            name = rest.strip() if dot else ""
            if name.startswith("`") and name.endswith("`") and len(name) > 1:
                name = name[1:-1]
            span = Span(self.file, line, col0 + m.start(), line, col0 + m.end())
            parts.append(A.Interp(namespace.strip() if dot else inner, name, span))
            pos = m.end()
        if pos < len(raw) or not parts:
            parts.append(self.unescape(raw[pos:], line, col0 + pos))
        merged: list[str | A.Interp] = []
        for p in parts:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            elif not (isinstance(p, str) and p == "" and len(parts) > 1):
                merged.append(p)
        return A.Str(tuple(merged), self.tok_span(t))

    def unescape(self, text: str, line: int, column: int) -> str:
        if "\\" not in text:
            return text
        out: list[str] = []
        i = 0
        while i < len(text):
            c = text[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
            elif nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
            else:
                span = Span(self.file, line, column + i, line, column + i + 2)
                self.error(
                    f"unknown escape '\\{nxt}' in string",
                    span,
                    'the escapes are \\" \\\\ \\n \\t and \\uXXXX',
                )
                out.append(nxt)
                i += 2
        return "".join(out)

    def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
        if data.startswith("_"):
            return Tree(data, children)  # Lark's helper rules (x*, x?) are inlined by the parent
        raise GrammarDriftError(f"grammar rule '{data}' has no AST builder method")

    # ---- start rules -------------------------------------------------------

    def start(self, c: list[Any]) -> A.Module:
        return A.Module(self.file, tuple(c))

    def statement(self, c: list[Any]) -> A.Step:
        step: A.Step = c[0]
        return step

    def expression(self, c: list[Any]) -> A.Expr:
        expr: A.Expr = c[0]
        return expr

    # ---- declarations ------------------------------------------------------

    def import_decl(self, c: list[Any]) -> A.Import:
        return A.Import(self.str_node(c[1]).plain, self.over(c), self.tok_span(c[1]))

    def fields_decl(self, c: list[Any]) -> A.FieldsDecl:
        return A.FieldsDecl(tuple(c[2:-1]), self.over(c))

    def field_def(self, c: list[Any]) -> A.FieldDecl:
        name_tok: Token = c[0]
        default = c[4] if len(c) == 6 else None
        return A.FieldDecl(
            self.name(name_tok), str(c[2]), default, self.over(c), self.tok_span(name_tok)
        )

    def field_name(self, c: list[Any]) -> Token:
        tok: Token = c[0]
        return tok

    def field_type(self, c: list[Any]) -> Token:
        tok: Token = c[0]
        return tok

    def const(self, c: list[Any]) -> A.Const:
        span = self.over(c)
        if len(c) == 2:
            return A.Const(-Decimal(str(c[1])), span)
        t: Token = c[0]
        value: str | Decimal | bool | None
        if t.type == "STRING":
            value = self.str_node(t).plain
        elif t.type == "NUMBER":
            value = Decimal(str(t))
        else:
            value = {"true": True, "false": False, "null": None}[str(t)]
        return A.Const(value, span)

    def webhook_decl(self, c: list[Any]) -> A.WebhookDecl:
        url: A.Str | None = None
        method = "GET"
        headers: list[tuple[str, A.Str]] = []
        body: A.Str | None = None
        responses: list[tuple[A.FieldRef, str]] = []
        for kind, value in c[3:-1]:
            if kind == "url":
                url = value
            elif kind == "method":
                method = value.plain.upper()
            elif kind == "header":
                headers.append(value)
            elif kind == "body":
                body = value
            else:
                responses.append(value)
        return A.WebhookDecl(
            str(c[1]),
            url,
            method,
            tuple(headers),
            body,
            tuple(responses),
            self.over(c),
            self.tok_span(c[1]),
        )

    def wh_url(self, c: list[Any]) -> tuple[str, A.Str]:
        return ("url", self.str_node(c[1]))

    def wh_method(self, c: list[Any]) -> tuple[str, A.Str]:
        return ("method", self.str_node(c[1]))

    def wh_header(self, c: list[Any]) -> tuple[str, tuple[str, A.Str]]:
        return ("header", (self.str_node(c[1]).plain, self.str_node(c[3])))

    def wh_body(self, c: list[Any]) -> tuple[str, A.Str]:
        return ("body", self.str_node(c[1]))

    def wh_response(self, c: list[Any]) -> tuple[str, tuple[A.FieldRef, str]]:
        field = A.FieldRef(self.name(c[1]), self.tok_span(c[1]))
        return ("response", (field, self.str_node(c[3]).plain))

    def program_decl(self, c: list[Any]) -> A.Program:
        name = self.str_node(c[1]).plain
        tokens: list[A.TokenDecl] = []
        statuses: list[A.Str] = []
        steps: list[int] = []
        success: list[A.Str] = []
        campaigns: list[A.Campaign] = []
        tests: list[A.TestDecl] = []
        for item in c[3:-1]:
            if isinstance(item, A.TokenDecl):
                tokens.append(item)
            elif isinstance(item, A.Campaign):
                campaigns.append(_in_program(item, name))
            elif isinstance(item, A.TestDecl):
                tests.append(replace(item, program=name))
            elif isinstance(item, _Success):
                success.extend(item.statuses)
            else:
                base = steps[-1] + 1 if steps else 0
                for group_index, group in enumerate(item):
                    statuses.extend(group)
                    steps.extend([base + group_index] * len(group))
        return A.Program(
            name,
            tuple(tokens),
            tuple(statuses),
            tuple(campaigns),
            self.over(c),
            self.tok_span(c[1]),
            tests=tuple(tests),
            steps=tuple(steps),
            success=tuple(success),
        )

    def token_decl(self, c: list[Any]) -> A.TokenDecl:
        return A.TokenDecl(str(c[1]), c[3], self.over(c))

    def statuses_decl(self, c: list[Any]) -> tuple[tuple[A.Str, ...], ...]:
        # One tuple per progression step (a group in parentheses is one step).
        return tuple(c[1:-1:2])

    def status_step(self, c: list[Any]) -> tuple[A.Str, ...]:
        return tuple(self.str_node(t) for t in c if isinstance(t, Token) and t.type == "STRING")

    def success_decl(self, c: list[Any]) -> _Success:
        return _Success(tuple(self.str_node(t) for t in c[1:-1:2]))

    def campaign_decl(self, c: list[Any]) -> A.Campaign:
        executable = c[0].type == "EXECUTABLE"
        name_tok: Token = c[2] if executable else c[1]
        body = tuple(c[4:-1] if executable else c[3:-1])
        return A.Campaign(str(name_tok), executable, body, self.over(c), self.tok_span(name_tok))

    # ---- clauses -----------------------------------------------------------

    def on_clause(self, c: list[Any]) -> A.On:
        return A.On(c[1], self.over(c))

    def where_clause(self, c: list[Any]) -> A.Where:
        return A.Where(c[1], self.over(c))

    def qualify_once(self, c: list[Any]) -> A.Qualify:
        return A.Qualify(A.QualifyRule.ONCE, None, self.over(c))

    def qualify_every_time(self, c: list[Any]) -> A.Qualify:
        return A.Qualify(A.QualifyRule.EVERY_TIME, None, self.over(c))

    def qualify_once_every(self, c: list[Any]) -> A.Qualify:
        return A.Qualify(A.QualifyRule.ONCE_EVERY, c[3], self.over(c))

    def schedule_at(self, c: list[Any]) -> A.Schedule:
        return A.Schedule(self.str_node(c[2]).plain, False, self.over(c), self.tok_span(c[2]))

    def schedule_daily(self, c: list[Any]) -> A.Schedule:
        return A.Schedule(self.str_node(c[4]).plain, True, self.over(c), self.tok_span(c[4]))

    def schedule_weekly(self, c: list[Any]) -> A.Schedule:
        return A.Schedule(
            self.str_node(c[4]).plain, True, self.over(c), self.tok_span(c[4]), weekday=c[2]
        )

    def schedule_monthly(self, c: list[Any]) -> A.Schedule:
        day_tok: Token = c[4]
        day = Decimal(str(day_tok))
        if day != day.to_integral_value() or not 1 <= day <= 31:
            self.error(
                "a monthly schedule runs on a day of the month: a whole number from 1 to 31",
                self.tok_span(day_tok),
            )
        return A.Schedule(
            self.str_node(c[6]).plain,
            True,
            self.over(c),
            self.tok_span(c[6]),
            monthday=int(day),
            monthday_span=self.tok_span(day_tok),
        )

    def weekday(self, c: list[Any]) -> int:
        return WEEKDAYS.index(str(c[0]))

    def _trigger(self, kind: A.TriggerKind, c: list[Any]) -> A.Trigger:
        last = c[-1]
        arg: A.Str | A.FieldRef | None = None
        if isinstance(last, A.FieldRef):
            arg = last
        elif isinstance(last, Token) and last.type == "STRING":
            arg = self.str_node(last)
        return A.Trigger(kind, arg, self.over(c))

    def trigger_form(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.FORM, c)

    def trigger_page(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.PAGE, c)

    def trigger_click(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.CLICK, c)

    def trigger_change(self, c: list[Any]) -> A.Trigger:
        constraints = tuple(x for x in c[2:] if isinstance(x, A.ChangeConstraint))
        return A.Trigger(A.TriggerKind.CHANGE, c[1], self.over(c), constraints)

    def _constraint(self, side: str, c: list[Any]) -> A.ChangeConstraint:
        test: _Test = c[1]
        return A.ChangeConstraint(side, test.op, test.value, self.span_of(c[0]).to(test.span))

    def change_from(self, c: list[Any]) -> A.ChangeConstraint:
        return self._constraint("from", c)

    def change_to(self, c: list[Any]) -> A.ChangeConstraint:
        return self._constraint("to", c)

    def ct_is(self, c: list[Any]) -> _Test:
        return _Test("is", c[0], self.over(c))

    def ct_compare(self, c: list[Any]) -> _Test:
        return _Test(str(c[0]), c[1], self.over(c))

    def ct_empty(self, c: list[Any]) -> _Test:
        return _Test("empty", None, self.over(c))

    def ct_not_empty(self, c: list[Any]) -> _Test:
        return _Test("not empty", None, self.over(c))

    def ct_in(self, c: list[Any]) -> _Test:
        return _Test("in", c[1], self.over(c))

    def ct_not_in(self, c: list[Any]) -> _Test:
        return _Test("not in", c[2], self.over(c))

    def trigger_created(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.CREATED, c)

    def trigger_requested(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.REQUESTED, c)

    def trigger_added_to_list(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.ADDED_TO_LIST, c)

    def trigger_status_change(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.STATUS_CHANGE, c)

    def trigger_event(self, c: list[Any]) -> A.Trigger:
        return self._trigger(A.TriggerKind.EVENT, c)

    # ---- steps -------------------------------------------------------------

    def set_step(self, c: list[Any]) -> A.Set:
        return A.Set(c[1], "=", c[3], self.over(c))

    def add_step(self, c: list[Any]) -> A.Set:
        return A.Set(c[1], "+=", c[3], self.over(c))

    def sub_step(self, c: list[Any]) -> A.Set:
        return A.Set(c[1], "-=", c[3], self.over(c))

    def call_step(self, c: list[Any]) -> A.CallStep:
        return A.CallStep(str(c[1]), False, self.over(c), self.tok_span(c[1]))

    def call_parent_step(self, c: list[Any]) -> A.CallStep:
        return A.CallStep(str(c[1]), True, self.over(c), self.tok_span(c[1]))

    def request_step(self, c: list[Any]) -> A.Request:
        return A.Request(str(c[1]), self.over(c), self.tok_span(c[1]))

    def send_email(self, c: list[Any]) -> A.SendEmail:
        return A.SendEmail(self.str_node(c[2]), False, self.over(c))

    def send_operational(self, c: list[Any]) -> A.SendEmail:
        return A.SendEmail(self.str_node(c[3]), True, self.over(c))

    def send_alert(self, c: list[Any]) -> A.SendAlert:
        return A.SendAlert(self.str_node(c[2]), c[4], self.over(c))

    def wait_for(self, c: list[Any]) -> A.Wait:
        return A.Wait(c[1], None, self.over(c))

    def wait_until(self, c: list[Any]) -> A.Wait:
        return A.Wait(None, c[2], self.over(c))

    def wait_weekday(self, c: list[Any]) -> A.Wait:
        if str(c[2]) != "next":
            self.error(
                f"expected 'next' before the day: wait until next {WEEKDAYS[c[3]]} at \"HH:MM\";",
                self.tok_span(c[2]),
            )
        return A.Wait(
            None,
            None,
            self.over(c),
            weekday=c[3],
            at=self.str_node(c[5]).plain,
            at_span=self.tok_span(c[5]),
        )

    def webhook_step(self, c: list[Any]) -> A.WebhookCall:
        return A.WebhookCall(str(c[1]), self.over(c), self.tok_span(c[1]))

    def add_to_list(self, c: list[Any]) -> A.AddToList:
        return A.AddToList(self.str_node(c[3]), True, self.over(c))

    def remove_from_list(self, c: list[Any]) -> A.AddToList:
        return A.AddToList(self.str_node(c[3]), False, self.over(c))

    def change_status(self, c: list[Any]) -> A.ChangeStatus:
        return A.ChangeStatus(None, self.str_node(c[3]), self.over(c))

    def change_status_in(self, c: list[Any]) -> A.ChangeStatus:
        return A.ChangeStatus(self.str_node(c[3]), self.str_node(c[5]), self.over(c))

    def moment_step(self, c: list[Any]) -> A.Moment:
        return A.Moment(self.str_node(c[1]), self.over(c))

    def stop_step(self, c: list[Any]) -> A.Stop:
        return A.Stop(self.over(c))

    def fail_step(self, c: list[Any]) -> A.FailStep:
        return A.FailStep(self.str_node(c[1]), self.over(c))

    def if_step(self, c: list[Any]) -> A.If:
        first = _Branch(c[1], c[3].steps, self.over(c[:4]))
        branches = [first] + [b for b in c[4:] if b.condition is not None]
        else_body = next((b.body for b in c[4:] if b.condition is None), None)
        return A.If(tuple((b.condition, b.body) for b in branches), else_body, self.over(c))

    def elif_branch(self, c: list[Any]) -> _Branch:
        return _Branch(c[1], c[3].steps, self.over(c))

    def else_branch(self, c: list[Any]) -> _Branch:
        return _Branch(None, c[1].steps, self.over(c))

    def _retry(self, c: list[Any], until: A.Expr | None, else_block: _Block | None) -> A.Retry:
        times_tok: Token = c[1]
        times = int(Decimal(str(times_tok)))
        if times < 1 or "." in str(times_tok):
            self.error(
                "retry needs a whole number of attempts, at least 1",
                self.tok_span(times_tok),
                "write e.g. 'retry 3 times < ... >'",
            )
        return A.Retry(
            times,
            c[3].steps,
            until,
            else_block.steps if else_block else None,
            self.over(c),
            self.tok_span(times_tok),
        )

    def retry_plain(self, c: list[Any]) -> A.Retry:
        return self._retry(c, None, None)

    def retry_until(self, c: list[Any]) -> A.Retry:
        return self._retry(c, c[5], None)

    def retry_until_else(self, c: list[Any]) -> A.Retry:
        return self._retry(c, c[5], c[7])

    def retry_else(self, c: list[Any]) -> A.Retry:
        return self._retry(c, None, c[5])

    def block(self, c: list[Any]) -> _Block:
        return _Block(tuple(c[1:-1]), self.over(c))

    def duration(self, c: list[Any]) -> A.Duration:
        return A.Duration(Decimal(str(c[0])), str(c[1]), self.over(c))

    def unit(self, c: list[Any]) -> Token:
        tok: Token = c[0]
        return tok

    # ---- tests -------------------------------------------------------------

    def test_decl(self, c: list[Any]) -> A.TestDecl:
        name = self.str_node(c[1]).plain
        return A.TestDecl(name, tuple(c[3:-1]), self.over(c), self.tok_span(c[1]))

    def test_lead(self, c: list[Any]) -> A.TestLead:
        return A.TestLead(tuple(c[2:-1]), self.over(c))

    def lead_value(self, c: list[Any]) -> tuple[A.FieldRef, A.Const]:
        return (A.FieldRef(self.name(c[0]), self.tok_span(c[0])), c[2])

    def test_at(self, c: list[Any]) -> A.TestAt:
        return A.TestAt(self.str_node(c[1]).plain, self.over(c), self.tok_span(c[1]))

    def fire_kind(self, c: list[Any]) -> Token:
        tok: Token = c[0]
        return tok

    def test_fire(self, c: list[Any]) -> A.Fire:
        kind = A.TriggerKind(str(c[1]))
        return A.Fire(kind, self.str_node(c[2]), self.over(c))

    def test_advance(self, c: list[Any]) -> A.Advance:
        return A.Advance(c[1], self.over(c))

    def test_mock(self, c: list[Any]) -> A.MockWebhook:
        response = self.str_node(c[4]).plain
        return A.MockWebhook(
            str(c[2]), response, self.over(c), self.tok_span(c[2]), self.tok_span(c[4])
        )

    def expect_condition(self, c: list[Any]) -> A.ExpectCondition:
        return A.ExpectCondition(c[1], self.over(c))

    def _expect_activity(self, count: int | None, c: list[Any], at: int) -> A.ExpectActivity:
        type_tok: Token = c[at]
        tests: tuple[A.Expr, ...] = c[at + 1] if len(c) > at + 2 else ()
        return A.ExpectActivity(
            count, self.str_node(type_tok).plain, tests, self.over(c), self.tok_span(type_tok)
        )

    def expect_activity(self, c: list[Any]) -> A.ExpectActivity:
        return self._expect_activity(None, c, 2)

    def expect_no_activity(self, c: list[Any]) -> A.ExpectActivity:
        return self._expect_activity(0, c, 3)

    def expect_n_activity(self, c: list[Any]) -> A.ExpectActivity:
        count_tok: Token = c[1]
        if "." in str(count_tok):
            self.error(
                "an activity count is a whole number",
                self.tok_span(count_tok),
                "write e.g. 'expect 2 activity \"Send Email\";'",
            )
        return self._expect_activity(int(Decimal(str(count_tok))), c, 3)

    def activity_with(self, c: list[Any]) -> tuple[A.Expr, ...]:
        tests: list[A.Expr] = []
        pending: list[A.Expr] = [c[1]]
        while pending:  # flatten the 'and' chain, left to right
            e = pending.pop(0)
            if isinstance(e, A.Binary) and e.op is A.BinOp.AND:
                pending[:0] = [e.left, e.right]
            else:
                tests.append(e)
        return tuple(tests)

    def expect_error(self, c: list[Any]) -> A.ExpectError:
        return A.ExpectError(str(c[2]), self.over(c), self.tok_span(c[2]))

    def expect_in_list(self, c: list[Any]) -> A.ExpectInList:
        return A.ExpectInList(self.str_node(c[3]), False, self.over(c))

    def expect_not_in_list(self, c: list[Any]) -> A.ExpectInList:
        return A.ExpectInList(self.str_node(c[4]), True, self.over(c))

    def expect_status(self, c: list[Any]) -> A.ExpectStatus:
        return A.ExpectStatus(self.str_node(c[3]), self.str_node(c[5]), self.over(c))

    # ---- expressions -------------------------------------------------------

    def _binary(self, op: A.BinOp, c: list[Any]) -> A.Binary:
        op_span = self.span_of(c[1]).to(self.span_of(c[-2]))
        return A.Binary(op, c[0], c[-1], self.over(c), op_span)

    def or_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.OR, c)

    def and_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.AND, c)

    def not_op(self, c: list[Any]) -> A.Not:
        return A.Not(c[1], self.over(c))

    def compare(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp(str(c[1])), c)

    def comp_op(self, c: list[Any]) -> Token:
        tok: Token = c[0]
        return tok

    def is_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.IS, c)

    def is_not_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.IS_NOT, c)

    def is_empty(self, c: list[Any]) -> A.IsEmpty:
        return A.IsEmpty(c[0], False, self.over(c))

    def is_not_empty(self, c: list[Any]) -> A.IsEmpty:
        return A.IsEmpty(c[0], True, self.over(c))

    def contains_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.CONTAINS, c)

    def not_contains_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.NOT_CONTAINS, c)

    def starts_with_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.STARTS_WITH, c)

    def ends_with_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.ENDS_WITH, c)

    def not_starts_with_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.NOT_STARTS_WITH, c)

    def not_ends_with_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.NOT_ENDS_WITH, c)

    def in_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.IN, c)

    def not_in_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.NOT_IN, c)

    def between_op(self, c: list[Any]) -> A.Between:
        return A.Between(c[0], c[2], c[4], self.over(c))

    def in_past_op(self, c: list[Any]) -> A.InPast:
        return A.InPast(c[0], c[3], self.over(c))

    def status_in_op(self, c: list[Any]) -> A.Membership:
        left = c[0]
        if not (isinstance(left, A.FieldRef) and left.name == "status"):
            self.error(
                '\'in "..." is\' is the program status test: write \'status in "Program" is '
                '"Status"\'',
                self.span_of(left),
                'to test a list, write e.g. \'country in ["US", "CA"]\'',
            )
        return A.Membership("status", self.str_node(c[2]), self.str_node(c[4]), self.over(c))

    def _member(self, kind: str, c: list[Any]) -> A.Membership:
        word: Token = c[0]
        if str(word) != "member":
            self.error(
                f"'of {kind}' follows only 'member': write 'member of {kind} \"NAME\"'",
                self.tok_span(word),
            )
        return A.Membership(kind, self.str_node(c[3]), None, self.over(c))

    def member_of_list(self, c: list[Any]) -> A.Membership:
        return self._member("list", c)

    def member_of_program(self, c: list[Any]) -> A.Membership:
        return self._member("program", c)

    def add_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.ADD, c)

    def sub_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.SUB, c)

    def mul_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.MUL, c)

    def div_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.DIV, c)

    def mod_op(self, c: list[Any]) -> A.Binary:
        return self._binary(A.BinOp.MOD, c)

    def neg_op(self, c: list[Any]) -> A.Negate:
        return A.Negate(c[1], self.over(c))

    def number(self, c: list[Any]) -> A.Literal:
        return A.Literal(Decimal(str(c[0])), self.over(c))

    def string(self, c: list[Any]) -> A.Str:
        return self.str_node(c[0])

    def true(self, c: list[Any]) -> A.Literal:
        return A.Literal(True, self.over(c))

    def false(self, c: list[Any]) -> A.Literal:
        return A.Literal(False, self.over(c))

    def null(self, c: list[Any]) -> A.Literal:
        return A.Literal(None, self.over(c))

    def token_ref(self, c: list[Any]) -> A.TokenRef:
        return A.TokenRef(str(c[2]), self.over(c))

    def dotted_ref(self, c: list[Any]) -> A.Expr:
        head, name = str(c[0]), str(c[2])
        span = self.over(c)
        if head == "trigger" and name in ("old", "new"):
            return A.TriggerValue(name, span)
        if head == "trigger":
            self.error(
                f"unknown 'trigger.{name}': an 'on change' flow has trigger.old and trigger.new",
                span,
            )
        else:
            self.error(
                f"'{head}.{name}' is not a name: fields are written bare or as lead.FIELD, "
                "tokens as my.NAME",
                span,
                "a field whose name has a dot is written in backquotes: `a.b`",
            )
        return A.Literal(None, span)

    def func_call(self, c: list[Any]) -> A.FuncCall:
        args: tuple[A.Expr, ...] = c[2].items if len(c) == 4 else ()
        return A.FuncCall(str(c[0]), args, self.over(c), self.tok_span(c[0]))

    def list_expr(self, c: list[Any]) -> A.ListExpr:
        items: tuple[A.Expr, ...] = c[1].items if len(c) == 3 else ()
        return A.ListExpr(items, self.over(c))

    def paren(self, c: list[Any]) -> A.Expr:
        # The parenthesised expression, spanning its parentheses (for carets).
        inner: A.Expr = replace(c[1], span=self.over(c))
        return inner

    def args(self, c: list[Any]) -> _Args:
        return _Args(tuple(c[0::2]), self.over(c))

    def bare_field(self, c: list[Any]) -> A.FieldRef:
        return A.FieldRef(self.name(c[0]), self.over(c))

    def lead_field(self, c: list[Any]) -> A.FieldRef:
        return A.FieldRef(self.name(c[2]), self.over(c))


def _in_program(campaign: A.Campaign, program: str) -> A.Campaign:
    return A.Campaign(
        campaign.name,
        campaign.executable,
        campaign.body,
        campaign.span,
        campaign.name_span,
        program,
    )
