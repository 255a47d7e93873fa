"""Day-of-week waits and weekly / monthly schedules on the virtual clock (M: Marketo's
Wait step "until day of week at time", and recurring batch schedules)."""

from __future__ import annotations

import datetime as dt

import pytest
from camp.runtime.calendar import next_weekday_at, recurring
from runtime_helpers import acts

LEAD = {"id": 1, "email": "ana@example.com"}
NINE = dt.time(9, 0)

# 2026-12-01 is a Tuesday.
NEXT = [
    (dt.datetime(2026, 12, 1, 8, 0), 0, NINE, dt.datetime(2026, 12, 7, 9, 0)),  # Tue -> Mon
    (dt.datetime(2026, 12, 1, 8, 0), 1, NINE, dt.datetime(2026, 12, 1, 9, 0)),  # today, ahead
    (dt.datetime(2026, 12, 1, 9, 0), 1, NINE, dt.datetime(2026, 12, 8, 9, 0)),  # today, now
    (dt.datetime(2026, 12, 1, 10, 0), 1, NINE, dt.datetime(2026, 12, 8, 9, 0)),  # passed
    (dt.datetime(2026, 12, 5, 23, 59), 6, NINE, dt.datetime(2026, 12, 6, 9, 0)),  # Sat -> Sun
]


@pytest.mark.parametrize(("now", "weekday", "at", "expected"), NEXT)
def test_next_weekday_at(now, weekday, at, expected):
    assert next_weekday_at(now, weekday, at) == expected


def test_monthly_occurrences_clamp_to_the_last_day_of_short_months():
    got = list(recurring(NINE, dt.datetime(2027, 1, 1), dt.datetime(2027, 5, 1), monthday=31))
    assert got == [
        dt.datetime(2027, 1, 31, 9, 0),
        dt.datetime(2027, 2, 28, 9, 0),
        dt.datetime(2027, 3, 31, 9, 0),
        dt.datetime(2027, 4, 30, 9, 0),
    ]


def test_wait_until_next_monday(camp):
    s = camp(
        """
        campaign Main < send email "A"; wait until next monday at "09:30"; send email "B"; >
        """,
        [LEAD],
        "Main",
    )
    assert [a["until"] for a in acts(s, "Wait")] == ["2026-12-07T09:30:00"]
    assert [a["time"] for a in acts(s, "Send Email")] == [
        "2026-12-01T09:00:00",
        "2026-12-07T09:30:00",
    ]


def test_weekly_and_monthly_schedules(camp):
    s = camp(
        """
        campaign Weekly < schedule every monday at "08:00"; qualify every time; set w += 1; >
        campaign Monthly < schedule every month on 1 at "06:00"; qualify every time; set m += 1; >
        """,
        [LEAD],
        until=dt.datetime(2027, 1, 15),
    )
    assert [(a["campaign"], a["time"]) for a in acts(s, "Campaign Run")] == [
        ("Weekly", "2026-12-07T08:00:00"),
        ("Weekly", "2026-12-14T08:00:00"),
        ("Weekly", "2026-12-21T08:00:00"),
        ("Weekly", "2026-12-28T08:00:00"),
        ("Monthly", "2027-01-01T06:00:00"),
        ("Weekly", "2027-01-04T08:00:00"),
        ("Weekly", "2027-01-11T08:00:00"),
    ]
