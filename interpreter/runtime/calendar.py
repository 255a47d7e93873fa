"""Calendar arithmetic for waits and schedules on the virtual clock: the next
weekday at a time of day, and the occurrences of daily, weekly and monthly
schedules. Pure functions of their arguments, so runs stay deterministic."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def next_weekday_at(now: _dt.datetime, weekday: int, at: _dt.time) -> _dt.datetime:
    """The first ``weekday`` (0 = Monday) at ``at`` that is later than ``now``: today
    when it is that day and the time is still ahead, else within the next 7 days."""
    days = (weekday - now.weekday()) % 7
    when = _dt.datetime.combine(now.date() + _dt.timedelta(days=days), at)
    if when <= now:
        when += _dt.timedelta(days=7)
    return when


def month_day(year: int, month: int, day: int, at: _dt.time) -> _dt.datetime:
    """Day ``day`` of the month at ``at``; a month without that day (31 in April)
    uses its last day."""
    # The day before the 1st of the next month (no `calendar` import: start-up).
    last = 31 if month == 12 else (_dt.date(year, month + 1, 1) - _dt.timedelta(days=1)).day
    return _dt.datetime(year, month, min(day, last), at.hour, at.minute, at.second)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def recurring(
    at: _dt.time,
    start: _dt.datetime,
    until: _dt.datetime | None,
    weekday: int | None = None,
    monthday: int | None = None,
) -> Iterator[_dt.datetime]:
    """Occurrences from ``start`` (inclusive) to ``until`` (inclusive) of a schedule that
    runs every day, every ``weekday``, or every month on ``monthday``, at ``at``. Without
    ``until`` only the first occurrence (a simulation has no end to repeat towards)."""
    if monthday is not None:
        year, month = start.year, start.month
        when = month_day(year, month, monthday, at)
        if when < start:
            year, month = _next_month(year, month)
            when = month_day(year, month, monthday, at)
        while until is None or when <= until:
            yield when
            if until is None:
                return
            year, month = _next_month(year, month)
            when = month_day(year, month, monthday, at)
        return
    step = _dt.timedelta(days=1 if weekday is None else 7)
    when = _dt.datetime.combine(start.date(), at)
    if weekday is not None:
        when += _dt.timedelta(days=(weekday - start.weekday()) % 7)
    if when < start:
        when += step
    while until is None or when <= until:
        yield when
        if until is None:
            return
        when += step
