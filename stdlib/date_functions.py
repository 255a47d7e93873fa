"""Date functions: today, now, date, datetime, days_between and add_days.

Values are naive: the simulation clock has no time zone. ISO text with an offset
(``Z``, ``+02:00``) is converted to UTC and the offset dropped.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import Decimal

from camp.stdlib._common import (
    Example,
    define,
    fail,
    kind,
    null_propagating,
    render_value,
    want_number,
)
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value


@functools.cache
def _iso() -> re.Pattern[str]:  # compiled on first use, not at import (start-up)
    return re.compile(
        r"(?P<date>\d{4}-\d{2}-\d{2})"
        r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
        r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6})\d*)?)?"
        r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?",
        re.ASCII,
    )


def parse_iso(text: str) -> _dt.date | _dt.datetime | None:
    """An ISO 8601 date ("2026-03-14") or datetime ("2026-03-14T09:30[:00[.000]][Z]").

    A date gives a ``date``, a date with a time a ``datetime``; anything else None.
    """
    match = _iso().fullmatch(text.strip())
    if match is None:
        return None
    try:
        day = _dt.date.fromisoformat(match["date"])
        if match["hour"] is None:
            return day
        moment = _dt.datetime.combine(
            day,
            _dt.time(
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"] or 0),
                int((match["fraction"] or "0").ljust(6, "0")),
            ),
        )
    except ValueError:
        return None
    zone = match["zone"]
    if zone is None:
        return moment
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        moment -= sign * offset
    return moment


def want_moment(function: str, param: str, value: Value) -> _dt.date:
    """A date or datetime argument; ISO text (an open-schema field) is parsed."""
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        parsed = parse_iso(value)
        if parsed is None:
            fail(function, f"'{param}' is not an ISO date or datetime: {render_value(value)}")
        return parsed
    fail(function, f"'{param}' must be a date, got {kind(value)} {render_value(value)}")


def _today(ctx: CallContext) -> Value:
    return ctx.now.date()


def _now(ctx: CallContext) -> Value:
    return ctx.now


@null_propagating
def _date(ctx: CallContext, x: Value) -> Value:
    if isinstance(x, _dt.datetime):
        return x.date()
    if isinstance(x, _dt.date):
        return x
    if isinstance(x, str):
        parsed = parse_iso(x)
        return parsed.date() if isinstance(parsed, _dt.datetime) else parsed
    fail("date", f"'x' must be text or a date, got {kind(x)} {render_value(x)}")


@null_propagating
def _datetime(ctx: CallContext, x: Value) -> Value:
    if isinstance(x, _dt.datetime):
        return x
    if isinstance(x, _dt.date):
        return _dt.datetime.combine(x, _dt.time())
    if isinstance(x, str):
        parsed = parse_iso(x)
        if parsed is None or isinstance(parsed, _dt.datetime):
            return parsed
        return _dt.datetime.combine(parsed, _dt.time())
    fail("datetime", f"'x' must be text or a date, got {kind(x)} {render_value(x)}")


def _calendar_day(value: _dt.date) -> _dt.date:
    return value.date() if isinstance(value, _dt.datetime) else value


@null_propagating
def _days_between(ctx: CallContext, a: Value, b: Value) -> Value:
    start = _calendar_day(want_moment("days_between", "a", a))
    end = _calendar_day(want_moment("days_between", "b", b))
    return Decimal((end - start).days)


_MICROSECONDS_PER_DAY = 86_400_000_000


@null_propagating
def _add_days(ctx: CallContext, d: Value, n: Value) -> Value:
    start = want_moment("add_days", "d", d)
    days = want_number("add_days", "n", n)
    if not days.is_finite():
        fail("add_days", f"'n' must be a finite number, got {render_value(days)}")
    whole = days == days.to_integral_value()
    if not whole and not isinstance(start, _dt.datetime):
        fail("add_days", f"a date moves by whole days only, got {render_value(days)}")
    try:
        if whole:
            return start + _dt.timedelta(days=int(days))
        micro = int((days * _MICROSECONDS_PER_DAY).to_integral_value())
        return start + _dt.timedelta(microseconds=micro)
    except OverflowError:
        fail("add_days", f"{render_value(start)} plus {render_value(days)} days is out of range")


FUNCTIONS: list[Function] = [
    define(
        "today",
        (),
        Type.DATE,
        "The simulation clock's date (the example runs with the clock at 2026-03-14T09:30).",
        _today,
        Example((), _dt.date(2026, 3, 14)),
    ),
    define(
        "now",
        (),
        Type.DATETIME,
        "The simulation clock's date and time (the example runs with the clock at "
        "2026-03-14T09:30).",
        _now,
        Example((), _dt.datetime(2026, 3, 14, 9, 30)),
    ),
    define(
        "date",
        (Param("x", Type.ANY),),
        Type.DATE,
        'The date of ISO text ("2026-03-14", or a datetime\'s date) or of a datetime, or '
        "null when the text is not an ISO date.",
        _date,
        Example(("2026-03-14T09:30:00",), _dt.date(2026, 3, 14)),
    ),
    define(
        "datetime",
        (Param("x", Type.ANY),),
        Type.DATETIME,
        "The datetime of ISO text (a date alone is midnight; an offset such as Z is "
        "converted to UTC) or of a date, or null when the text is not ISO.",
        _datetime,
        Example(("2026-03-14 09:30",), _dt.datetime(2026, 3, 14, 9, 30)),
    ),
    define(
        "days_between",
        (Param("a", Type.DATE), Param("b", Type.DATE)),
        Type.NUMBER,
        "The number of calendar days from a to b (negative when b is earlier; times of "
        "day are ignored).",
        _days_between,
        Example((_dt.date(2026, 3, 1), _dt.date(2026, 3, 14)), Decimal(13)),
    ),
    define(
        "add_days",
        (Param("d", Type.DATE), Param("n", Type.NUMBER)),
        Type.DATE,
        "The date or datetime moved by n days (negative n moves back; a datetime may "
        "move by a fraction of a day).",
        _add_days,
        Example((_dt.date(2026, 2, 27), Decimal(2)), _dt.date(2026, 3, 1)),
    ),
]
