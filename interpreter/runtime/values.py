"""Run-time semantics of Camp values: arithmetic, tests and text formatting (spec §4).

Null rules: arithmetic with null is null; ``+`` with text concatenates and
treats null as ""; a test on null is false except ``is empty`` and ``!=``, and
(Marketo's operators glossary (M)) a number ``is 0`` / ``in [0, ...]`` also
matches null. Every negative test (``is not``, ``not in``, ``not contains``,
``not starts with``, ``not ends with``) is exactly the reverse of its positive
form, so it is true on null. Text tests (``is``, ``contains``, ``in`` ...) are
case-insensitive; ``==`` is exact.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from decimal import (
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Underflow,
)
from typing import Any

from camp.types import Value, type_of


class CampaignError(Exception):
    """A run-time error in a campaign (R2xx); ends the lead's flow."""

    def __init__(self, code: str, message: str, span: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.span = span
        self.stack: tuple[Any, ...] = ()
        # The compiled engine: the step its innermost frame not yet on ``stack`` was
        # running (what the tree-walker keeps in that frame's ``step``).
        self.at_step: Any = None


def type_error(message: str) -> CampaignError:
    return CampaignError("R202", message)


# Numbers are decimals. +, -, * and % are exact up to PRECISION significant digits (a
# result that would need more is R202, never rounded); a quotient is rounded to
# QUOTIENT_DIGITS (1 / 3); exponents stay within +-EXPONENT_LIMIT. Lead files hold no
# number these limits cannot represent (leadio refuses such cells).
PRECISION = 100
QUOTIENT_DIGITS = 28
EXPONENT_LIMIT = 999
_EXACT = Context(
    prec=PRECISION,
    Emax=EXPONENT_LIMIT,
    Emin=-EXPONENT_LIMIT,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
_QUOTIENT = Context(
    prec=QUOTIENT_DIGITS,
    Emax=EXPONENT_LIMIT,
    Emin=-EXPONENT_LIMIT,
    traps=[InvalidOperation, DivisionByZero, Overflow, Underflow],
)


def _exactly(op: str, compute: Callable[..., Decimal], *args: Decimal) -> Decimal:
    try:
        return compute(*args)
    except (Overflow, Underflow):  # before Inexact: both are one
        raise type_error(f"'{op}' gives a number out of range") from None
    except Inexact:
        raise type_error(
            f"'{op}' gives a number with more than {PRECISION} significant digits"
        ) from None
    except ArithmeticError:  # Overflow, DivisionImpossible, an exponent out of range
        raise type_error(f"'{op}' gives a number out of range") from None


def number_fits(d: Decimal) -> bool:
    """A number Camp represents exactly: finite, at most PRECISION digits, exponent in range."""
    if not d.is_finite():
        return False
    coefficient = d.as_tuple().digits
    trailing = len(coefficient) - len(bytes(coefficient).rstrip(b"\0"))
    significant = len(coefficient) - trailing
    return significant <= PRECISION and -EXPONENT_LIMIT <= d.adjusted() <= EXPONENT_LIMIT


def fmt(value: Value) -> str:
    """A value as text, for tokens in strings and for concatenation."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(fmt(v) for v in value)
    return value


def format_number(d: Decimal) -> str:
    """``10``, ``2.5``, ``-0.25``: no exponent, no trailing zeros."""
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def to_json(value: Value) -> Any:
    """A value as JSON: integral numbers as ints, others as floats, dates as ISO text."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    return value


def _number(value: Value, op: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    raise type_error(f"'{op}' needs numbers, got {type_of(value)} {fmt_repr(value)}")


def fmt_repr(value: Value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return fmt(value)


def add(a: Value, b: Value) -> Value:
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _EXACT.add(a, b)
        except ArithmeticError:
            pass  # the general path below reports it
    if isinstance(a, str) or isinstance(b, str):
        return fmt(a) + fmt(b)
    if a is None or b is None:
        return None
    return _exactly("+", _EXACT.add, _number(a, "+"), _number(b, "+"))


def sub(a: Value, b: Value) -> Value:
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _EXACT.subtract(a, b)
        except ArithmeticError:
            pass  # the general path below reports it
    if a is None or b is None:
        return None
    return _exactly("-", _EXACT.subtract, _number(a, "-"), _number(b, "-"))


def mul(a: Value, b: Value) -> Value:
    if type(a) is Decimal and type(b) is Decimal:
        try:
            return _EXACT.multiply(a, b)
        except ArithmeticError:
            pass  # the general path below reports it
    if a is None or b is None:
        return None
    return _exactly("*", _EXACT.multiply, _number(a, "*"), _number(b, "*"))


def div(a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    x, y = _number(a, "/"), _number(b, "/")
    if not y:
        raise CampaignError("R201", "division by zero")
    return _exactly("/", _QUOTIENT.divide, x, y)


def mod(a: Value, b: Value) -> Value:
    if a is None or b is None:
        return None
    x, y = _number(a, "%"), _number(b, "%")
    if not y:
        raise CampaignError("R201", "division by zero (in '%')")
    return _exactly("%", _EXACT.remainder, x, y)


def neg(a: Value) -> Value:
    if a is None:
        return None
    return _exactly("-", _EXACT.minus, _number(a, "-"))


def _comparable(a: Value, b: Value) -> tuple[Any, Any]:
    if isinstance(a, _dt.datetime) and not isinstance(b, _dt.datetime) and isinstance(b, _dt.date):
        return a, _dt.datetime.combine(b, _dt.time())
    if isinstance(b, _dt.datetime) and not isinstance(a, _dt.datetime) and isinstance(a, _dt.date):
        return _dt.datetime.combine(a, _dt.time()), b
    return a, b


def eq(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    x, y = _comparable(a, b)
    if isinstance(x, bool) != isinstance(y, bool):
        return False
    return bool(x == y)


def ne(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return not (a is None and b is None)
    return not eq(a, b)


def order(a: Value, b: Value, op: str) -> bool:
    if a is None or b is None:
        return False
    x, y = _comparable(a, b)
    if type(x) is not type(y) or isinstance(x, (bool, tuple)):
        raise type_error(f"cannot compare {type_of(a)} with {type_of(b)} using '{op}'")
    if op == "<":
        return bool(x < y)
    if op == "<=":
        return bool(x <= y)
    if op == ">":
        return bool(x > y)
    return bool(x >= y)


def fold(value: Value) -> Value:
    return value.casefold() if isinstance(value, str) else value


_ZERO = Decimal(0)


def is_(a: Value, b: Value) -> bool:
    if a is None:
        # Marketo: a number field "is 0" also finds the leads where it is empty (M).
        return type(b) is Decimal and b == _ZERO
    if b is None:
        return False
    return eq(fold(a), fold(b))


def is_not(a: Value, b: Value) -> bool:
    return not is_(a, b)


def _text(value: Value, op: str) -> str:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, (Decimal, _dt.date)):
        return fmt(value).casefold()
    raise type_error(f"'{op}' needs text, got {type_of(value)}")


def contains(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    return _text(b, "contains") in _text(a, "contains")


def not_contains(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return True
    return _text(b, "not contains") not in _text(a, "not contains")


def starts_with(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    return _text(a, "starts with").startswith(_text(b, "starts with"))


def ends_with(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return False
    return _text(a, "ends with").endswith(_text(b, "ends with"))


def not_starts_with(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return True
    return not _text(a, "not starts with").startswith(_text(b, "not starts with"))


def not_ends_with(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return True
    return not _text(a, "not ends with").endswith(_text(b, "not ends with"))


def _items(b: Value, op: str) -> tuple[Value, ...]:
    if isinstance(b, tuple):
        return b
    raise type_error(f"'{op}' needs a list on its right, got {type_of(b)}")


class ConstList(tuple):  # type: ignore[type-arg]
    """A list literal of constants, built once per run; ``folded`` holds its text
    members case-folded, so ``in`` on text is one set lookup."""

    folded: frozenset[str]

    @classmethod
    def of(cls, items: tuple[Value, ...]) -> ConstList:
        made = cls(items)
        made.folded = frozenset(x.casefold() for x in items if isinstance(x, str))
        return made


def _member(a: Value, items: tuple[Value, ...]) -> bool:
    if isinstance(a, str) and type(items) is ConstList:
        return a.casefold() in items.folded  # text matches only text members
    return any(is_(a, x) for x in items)


def in_(a: Value, b: Value) -> bool:
    items = _items(b, "in")
    if a is None:
        return any(type(x) is Decimal and x == _ZERO for x in items)  # as 'is 0' (M)
    return _member(a, items)


def not_in(a: Value, b: Value) -> bool:
    return not in_(a, _items(b, "not in"))


def change_test(op: str, value: Value, operand: Value) -> bool:
    """One ``from``/``to`` constraint of an ``on change`` trigger on the previous or
    new ``value``: ``to 5`` / ``to "MQL"`` is ``is``; the others are the operators."""
    if op == "is":
        return is_(value, operand)
    if op == "empty":
        return is_empty(value)
    if op == "not empty":
        return not is_empty(value)
    if op == "in":
        return in_(value, operand)
    if op == "not in":
        return not_in(value, operand)
    if op == "==":
        return eq(value, operand)
    if op == "!=":
        return ne(value, operand)
    return order(value, operand, op)


def is_empty(value: Value) -> bool:
    return value is None or value == "" or value == ()


def between(value: Value, low: Value, high: Value) -> bool:
    if value is None or low is None or high is None:
        return False
    for v in (value, low, high):
        if isinstance(v, str):  # as the checker's E304: numbers and dates only
            raise type_error(f"'between' needs numbers or dates, got text {fmt_repr(v)}")
    return order(value, low, ">=") and order(value, high, "<=")


def as_datetime(value: Value, what: str) -> _dt.datetime | None:
    """A date or datetime (or ISO text) as a datetime; null stays null."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime.combine(value, _dt.time())
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.strip().replace("Z", ""))
        except ValueError:
            raise type_error(f'{what} needs a date or datetime, got text "{value}"') from None
        return parsed.replace(tzinfo=None)
    raise type_error(f"{what} needs a date or datetime, got {type_of(value)}")


END_OF_TIME = _dt.datetime.max.replace(microsecond=0)


def duration_delta(duration: Any) -> _dt.timedelta:
    """A duration's length; one too long for Python's timedelta is the longest there is."""
    try:
        delta: _dt.timedelta = duration.delta
        return delta
    except OverflowError:
        return _dt.timedelta.max


def later(when: _dt.datetime, duration: Any) -> _dt.datetime:
    """``when`` plus a duration; past the year 9999 it is the end of time (a wait that
    long stays waiting; a qualification interval that long never ends)."""
    try:
        return when + duration_delta(duration)
    except OverflowError:
        return END_OF_TIME


def in_past(value: Value, delta: _dt.timedelta, now: _dt.datetime) -> bool:
    when = as_datetime(value, "'in past'")
    if when is None:
        return False
    try:
        since = now - delta
    except OverflowError:  # further back than the year 1: every earlier time is in it
        since = _dt.datetime.min
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        # A date is in the past N days when its day is within them, today included.
        return bool(since.date() <= value <= now.date())
    return since <= when <= now


def truthy(value: Value) -> bool:
    """Conditions: true is true; false and null are false; anything else is a type error."""
    if value is True:
        return True
    if value is False or value is None:
        return False
    raise type_error(f"a condition must be true or false, got {type_of(value)} {fmt_repr(value)}")


# Send Email's blocking rules (M), in the order the reason is reported: the flag
# fields' value true blocks; operational e-mail ignores the ones marked False.
BLOCKING_RULES: tuple[tuple[str, str, bool], ...] = (
    ("black_listed", "black listed", True),
    ("unsubscribed", "unsubscribed", False),
    ("marketing_suspended", "marketing suspended", False),
    ("email_invalid", "email invalid", True),
)


def email_blocked(
    fields: Mapping[str, Value], operational: bool, valid: Callable[[Value], bool]
) -> str | None:
    """Why an e-mail to a lead with ``fields`` is blocked, or None when it can be sent."""
    for name, reason, always in BLOCKING_RULES:
        if (always or not operational) and fields.get(name) is True:
            return reason
    email = fields.get("email")
    if email is None or (isinstance(email, str) and not email.strip()):
        return "no email address"
    if not valid(email):
        return "invalid email address"
    return None


def member_of_list(lists: set[str], name: Value) -> bool:
    """``member of list "X"``: static list names compare case-insensitively."""
    return fmt(name).casefold() in lists


def member_of_program(statuses: Mapping[str, str], program: Value) -> bool:
    """``member of program "P"``: the lead has a status (any) in the program (M)."""
    return fmt(program) in statuses


def status_is(statuses: Mapping[str, str], program: Value, status: Value) -> bool:
    """``status in "P" is "S"``: the lead's status in P is S (case-insensitive, as 'is')."""
    current = statuses.get(fmt(program))
    return current is not None and current.casefold() == fmt(status).casefold()


def status_move_applies(step: Mapping[str, int], old: str | None, new: str) -> bool:
    """Change Program Status (M): a lead without a status takes any; otherwise the move
    applies forward in the progression, or sideways to another status of the same step
    (statuses grouped in parentheses); backwards, or to the same status, it does not."""
    if old is None:
        return True
    if new not in step or old not in step:
        return False
    return step[new] > step[old] or (step[new] == step[old] and new != old)
