"""The typed AST of Camp: frozen, slotted dataclasses, each with a :class:`Span`.

Nothing after :mod:`camp.grammar.parser` sees a Lark tree; the checker and the
interpreter work on these nodes only.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Union

from camp.grammar.node import dataclass  # a cheap @node under dataclass's spelling
from camp.grammar.span import Span

__all__ = [
    "AddToList",
    "Advance",
    "Between",
    "BinOp",
    "Binary",
    "CallStep",
    "Campaign",
    "ChangeConstraint",
    "ChangeStatus",
    "Clause",
    "Const",
    "Decl",
    "Duration",
    "ExpectActivity",
    "ExpectCondition",
    "ExpectError",
    "ExpectInList",
    "ExpectStatus",
    "Expr",
    "FailStep",
    "FieldDecl",
    "FieldRef",
    "FieldsDecl",
    "Fire",
    "FuncCall",
    "If",
    "Import",
    "InPast",
    "Interp",
    "IsEmpty",
    "ListExpr",
    "Literal",
    "Membership",
    "MockWebhook",
    "Module",
    "Moment",
    "Not",
    "On",
    "Program",
    "Qualify",
    "QualifyRule",
    "Request",
    "Retry",
    "Schedule",
    "SendAlert",
    "SendEmail",
    "Set",
    "Span",
    "Step",
    "Stop",
    "Str",
    "TestAt",
    "TestDecl",
    "TestLead",
    "TestLine",
    "TokenDecl",
    "TokenRef",
    "Trigger",
    "TriggerKind",
    "TriggerValue",
    "Wait",
    "WebhookCall",
    "WebhookDecl",
    "Where",
]


# ---- expressions -----------------------------------------------------------


class BinOp(Enum):
    OR = "or"
    AND = "and"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IS = "is"
    IS_NOT = "is not"
    CONTAINS = "contains"
    NOT_CONTAINS = "not contains"
    STARTS_WITH = "starts with"
    ENDS_WITH = "ends with"
    NOT_STARTS_WITH = "not starts with"
    NOT_ENDS_WITH = "not ends with"
    IN = "in"
    NOT_IN = "not in"
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"

    def __str__(self) -> str:
        return self.value


COMPARISONS = frozenset({BinOp.EQ, BinOp.NE, BinOp.LT, BinOp.LE, BinOp.GT, BinOp.GE})
TEXT_TESTS = frozenset(
    {
        BinOp.IS,
        BinOp.IS_NOT,
        BinOp.CONTAINS,
        BinOp.NOT_CONTAINS,
        BinOp.STARTS_WITH,
        BinOp.ENDS_WITH,
        BinOp.NOT_STARTS_WITH,
        BinOp.NOT_ENDS_WITH,
        BinOp.IN,
        BinOp.NOT_IN,
    }
)
ARITHMETIC = frozenset({BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MOD})
LOGICAL = frozenset({BinOp.AND, BinOp.OR})


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, boolean or ``null`` literal (strings are :class:`Str`)."""

    value: Decimal | bool | None
    span: Span


@dataclass(frozen=True, slots=True)
class Interp:
    """A ``{{namespace.name}}`` token inside a string literal."""

    namespace: str  # "my", "lead", "campaign", "program", or whatever the user wrote
    name: str
    span: Span

    @property
    def text(self) -> str:
        return f"{{{{{self.namespace}.{self.name}}}}}"


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal: literal text interleaved with tokens."""

    parts: tuple[str | Interp, ...]
    span: Span

    @property
    def is_plain(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    @property
    def plain(self) -> str:
        """The text with tokens left as written (names of emails, lists, statuses)."""
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A lead field: ``country``, `` `Job Title` ``, ``lead.country``."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class TokenRef:
    """A program token in an expression: ``my.points``."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class TriggerValue:
    """``trigger.old`` / ``trigger.new``: the changed field's values in an 'on change' flow."""

    name: str  # "old" | "new"
    span: Span


@dataclass(frozen=True, slots=True)
class FuncCall:
    name: str
    args: tuple[Expr, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Negate:
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: BinOp
    left: Expr
    right: Expr
    span: Span
    op_span: Span


@dataclass(frozen=True, slots=True)
class Between:
    value: Expr
    low: Expr
    high: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class IsEmpty:
    value: Expr
    negated: bool  # ``is not empty``
    span: Span


UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}


@dataclass(frozen=True, slots=True)
class Duration:
    amount: Decimal
    unit: str  # as written: "day", "days", "month", ...
    span: Span

    @property
    def delta(self) -> _dt.timedelta:
        """A month is 30 days, as in Marketo."""
        per = UNIT_SECONDS[self.unit.rstrip("s")]
        return _dt.timedelta(seconds=float(self.amount * per))

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


@dataclass(frozen=True, slots=True)
class InPast:
    value: Expr
    duration: Duration
    span: Span


@dataclass(frozen=True, slots=True)
class Membership:
    """``member of list "X"`` (kind ``list``), ``member of program "P"`` (``program``),
    ``status in "P" is "S"`` (``status``, with ``status`` set)."""

    kind: str
    name: Str
    status: Str | None
    span: Span


Expr = Union[
    Literal,
    Str,
    FieldRef,
    TokenRef,
    FuncCall,
    ListExpr,
    Not,
    Negate,
    Binary,
    Between,
    IsEmpty,
    InPast,
    Membership,
    TriggerValue,
]


# ---- steps -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Set:
    """``set f = e;`` (op ``=``) or ``set f += e;`` / ``-=`` (Change Score)."""

    field: FieldRef
    op: str
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class CallStep:
    target: str
    parent_tokens: bool
    span: Span
    target_span: Span


@dataclass(frozen=True, slots=True)
class Request:
    target: str
    span: Span
    target_span: Span


@dataclass(frozen=True, slots=True)
class SendEmail:
    email: Str
    operational: bool
    span: Span


@dataclass(frozen=True, slots=True)
class SendAlert:
    alert: Str
    to: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Wait:
    """``wait 2 days;`` (``duration``) or ``wait until EXPR;`` (``until``)."""

    duration: Duration | None
    until: Expr | None
    span: Span
    # ``wait until next monday at "09:00";``: weekday 0 = Monday, ``at`` the time of day
    weekday: int | None = None
    at: str | None = None
    at_span: Span | None = None


@dataclass(frozen=True, slots=True)
class WebhookCall:
    name: str
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class AddToList:
    """``add to list "X";`` (``add`` true) or ``remove from list "X";``."""

    list_name: Str
    add: bool
    span: Span


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    program: Str | None  # None: the enclosing program
    status: Str
    span: Span


@dataclass(frozen=True, slots=True)
class Moment:
    description: Str
    span: Span


@dataclass(frozen=True, slots=True)
class Stop:
    span: Span


@dataclass(frozen=True, slots=True)
class FailStep:
    message: Str
    span: Span


@dataclass(frozen=True, slots=True)
class If:
    branches: tuple[tuple[Expr, tuple[Step, ...]], ...]  # if + elifs, in order
    else_body: tuple[Step, ...] | None
    span: Span


@dataclass(frozen=True, slots=True)
class Retry:
    times: int
    body: tuple[Step, ...]
    until: Expr | None
    else_body: tuple[Step, ...] | None
    span: Span
    times_span: Span


Step = Union[
    Set,
    CallStep,
    Request,
    SendEmail,
    SendAlert,
    Wait,
    WebhookCall,
    AddToList,
    ChangeStatus,
    Moment,
    Stop,
    FailStep,
    If,
    Retry,
]


# ---- clauses ---------------------------------------------------------------


class TriggerKind(Enum):
    FORM = "form"
    PAGE = "page"
    CLICK = "click"
    CHANGE = "change"
    CREATED = "created"
    REQUESTED = "requested"
    ADDED_TO_LIST = "added to list"
    STATUS_CHANGE = "status change in"
    EVENT = "event"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ChangeConstraint:
    """``from TEST`` / ``to TEST`` on an ``on change`` trigger: ``op`` is ``is``, a
    comparison (``==`` ... ``>=``), ``in``, ``not in``, ``empty`` or ``not empty``."""

    side: str  # "from" (the previous value) | "to" (the new value)
    op: str
    value: Expr | None  # None for empty / not empty
    span: Span

    def describe(self) -> str:
        if self.value is None:
            return f"{self.side} {self.op}"
        shown = _show(self.value)
        return f"{self.side} {shown}" if self.op == "is" else f"{self.side} {self.op} {shown}"


def _show(e: Expr) -> str:
    if isinstance(e, Literal):
        if e.value is None:
            return "null"
        if isinstance(e.value, bool):
            return "true" if e.value else "false"
        return str(e.value)
    if isinstance(e, Str):
        return f'"{e.plain}"'
    if isinstance(e, FieldRef):
        return e.name
    if isinstance(e, TokenRef):
        return f"my.{e.name}"
    if isinstance(e, Negate):
        return f"-{_show(e.operand)}"
    if isinstance(e, ListExpr):
        return "[" + ", ".join(_show(i) for i in e.items) + "]"
    return "(...)"


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    argument: Str | FieldRef | None  # the form/page/email/list/program/event name, or the field
    span: Span
    constraints: tuple[ChangeConstraint, ...] = ()  # 'on change' only

    def describe(self) -> str:
        if self.argument is None:
            return str(self.kind)
        if isinstance(self.argument, FieldRef):
            return " ".join(
                [f"{self.kind} {self.argument.name}", *(c.describe() for c in self.constraints)]
            )
        return f'{self.kind} "{self.argument.plain}"'


@dataclass(frozen=True, slots=True)
class On:
    trigger: Trigger
    span: Span


@dataclass(frozen=True, slots=True)
class Where:
    condition: Expr
    span: Span


class QualifyRule(Enum):
    ONCE = "once"
    EVERY_TIME = "every time"
    ONCE_EVERY = "once every"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Qualify:
    rule: QualifyRule
    interval: Duration | None
    span: Span


@dataclass(frozen=True, slots=True)
class Schedule:
    """``schedule at "2026-12-01T09:00";`` or ``schedule every day at "02:00";``;
    ``daily`` is true for every recurring schedule (``at`` is then a time of day):
    every day, every ``weekday`` (0 = Monday), every month on ``monthday``."""

    at: str
    daily: bool
    span: Span
    at_span: Span
    weekday: int | None = None
    monthday: int | None = None
    monthday_span: Span | None = None


Clause = Union[On, Where, Qualify, Schedule]
CLAUSE_TYPES = (On, Where, Qualify, Schedule)


# ---- declarations ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    """A constant in a declaration: a field default or a program token's value."""

    value: str | Decimal | bool | None
    span: Span


@dataclass(frozen=True, slots=True)
class Import:
    path: str
    span: Span
    path_span: Span


@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: str
    type_name: str  # text | number | boolean | date | datetime
    default: Const | None
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class FieldsDecl:
    fields: tuple[FieldDecl, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class WebhookDecl:
    name: str
    url: Str | None
    method: str
    headers: tuple[tuple[str, Str], ...]
    body: Str | None
    responses: tuple[tuple[FieldRef, str], ...]  # lead field <- JSON path
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Campaign:
    name: str
    executable: bool
    body: tuple[
        Clause | Step | TestLine, ...
    ]  # in source order (the checker reports misplacements)
    span: Span
    name_span: Span
    program: str | None = None  # the enclosing program's name

    @property
    def clauses(self) -> tuple[Clause, ...]:
        return tuple(i for i in self.body if isinstance(i, CLAUSE_TYPES))

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(
            i
            for i in self.body
            if not isinstance(i, CLAUSE_TYPES) and not isinstance(i, TEST_LINES)
        )


@dataclass(frozen=True, slots=True)
class TokenDecl:
    name: str
    value: Const
    span: Span


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    tokens: tuple[TokenDecl, ...]
    statuses: tuple[Str, ...]  # in progression order
    campaigns: tuple[Campaign, ...]
    span: Span
    name_span: Span
    statuses_spans: tuple[Span, ...] = ()
    tests: tuple[TestDecl, ...] = ()
    # The progression step of each status (same length as ``statuses``): statuses
    # grouped in parentheses share a step. Empty: each status is its own step.
    steps: tuple[int, ...] = ()
    success: tuple[Str, ...] = ()  # ``success "Attended";``: the success statuses


# ---- tests (testing.md) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TestLead:
    """``lead < FIELD = CONST; ... >``: the lead under test."""

    __test__ = False  # not a pytest test class

    values: tuple[tuple[FieldRef, Const], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class TestAt:
    """``at "2026-12-01T09:00:00";``: the clock at the start of the test."""

    __test__ = False  # not a pytest test class

    at: str
    span: Span
    at_span: Span


@dataclass(frozen=True, slots=True)
class Fire:
    """``fire form|page|click|event "NAME";``: an event for the test's lead."""

    kind: TriggerKind
    name: Str
    span: Span


@dataclass(frozen=True, slots=True)
class Advance:
    duration: Duration
    span: Span


@dataclass(frozen=True, slots=True)
class MockWebhook:
    """``mock webhook NAME returns "JSON";``."""

    name: str
    response: str  # the JSON text, unescaped
    span: Span
    name_span: Span
    response_span: Span


@dataclass(frozen=True, slots=True)
class ExpectCondition:
    condition: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class ExpectActivity:
    """``expect [no | N] activity "TYPE" [with ATTR TEST VALUE (and ...)*];``.

    ``count`` is None for "at least one", 0 for ``no``, N otherwise; ``tests`` are the
    conjuncts after ``with``, each a test whose left operand names an attribute."""

    count: int | None
    type_name: str
    tests: tuple[Expr, ...]
    span: Span
    type_span: Span


@dataclass(frozen=True, slots=True)
class ExpectError:
    code: str
    span: Span
    code_span: Span


@dataclass(frozen=True, slots=True)
class ExpectInList:
    list_name: Str
    negated: bool  # ``expect not in list``
    span: Span


@dataclass(frozen=True, slots=True)
class ExpectStatus:
    program: Str
    status: Str
    span: Span


TestLine = Union[
    TestLead,
    TestAt,
    Fire,
    Advance,
    MockWebhook,
    ExpectCondition,
    ExpectActivity,
    ExpectError,
    ExpectInList,
    ExpectStatus,
]
TEST_LINES = (
    TestLead,
    TestAt,
    Fire,
    Advance,
    MockWebhook,
    ExpectCondition,
    ExpectActivity,
    ExpectError,
    ExpectInList,
    ExpectStatus,
)
EXPECTATIONS = (ExpectCondition, ExpectActivity, ExpectError, ExpectInList, ExpectStatus)


@dataclass(frozen=True, slots=True)
class TestDecl:
    """``test "NAME" < ... >``: a scenario run by ``camp test``, ignored by ``camp run``."""

    __test__ = False  # not a pytest test class

    name: str
    body: tuple[Step | TestLine, ...]  # in source order
    span: Span
    name_span: Span
    program: str | None = None  # the enclosing program's name


Decl = Union[Import, FieldsDecl, WebhookDecl, Program, Campaign, TestDecl]


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed ``.camp`` file."""

    file: str
    items: tuple[Decl, ...]


def all_tests(modules: Sequence[Module]) -> list[TestDecl]:
    """Every test of the loaded files, in file order (those in programs included)."""
    tests: list[TestDecl] = []
    for module in modules:
        for item in module.items:
            if isinstance(item, TestDecl):
                tests.append(item)
            elif isinstance(item, Program):
                tests.extend(item.tests)
    return tests
