"""``--campaign NAME`` runs only that campaign (issue 13, item 9): a scheduled batch
campaign elsewhere in the program neither fires nor moves the clock."""

from __future__ import annotations

import datetime as dt

from runtime_helpers import START, acts, field

LEAD = {"id": 1, "email": "ana@example.com"}
SOURCE = """
campaign Main < set main = true; >
campaign Nightly < schedule every day at "02:00"; qualify every time; set nightly += 1; >
campaign Once < schedule at "2026-12-02T12:00"; set once = true; >
"""


def test_campaign_option_does_not_fire_other_scheduled_campaigns(camp):
    s = camp(SOURCE, [LEAD], campaign="Main", until=dt.datetime(2026, 12, 4))
    assert [a["campaign"] for a in acts(s, "Campaign Run")] == ["Main"]
    assert field(s, 1, "main") is True
    assert field(s, 1, "nightly") is None
    assert field(s, 1, "once") is None


def test_campaign_option_does_not_move_the_clock_to_a_schedule(camp):
    s = camp(SOURCE, [LEAD], campaign="Main")
    assert s.end == START.isoformat(timespec="seconds")


def test_without_campaign_the_schedules_still_fire(camp):
    s = camp(SOURCE, [LEAD], until=dt.datetime(2026, 12, 4))
    assert [a["campaign"] for a in acts(s, "Campaign Run")] == ["Nightly", "Once", "Nightly"]
