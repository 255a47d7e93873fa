"""Durations past the year 9999 are no traceback (found while fuzzing, issue 13): a wait
that long lasts until the end of time, a qualification interval that long never ends,
`in past` that long reaches back to the year 1; --until that far is an input error."""

from __future__ import annotations

import datetime as dt

from camp.cli import main
from click.testing import CliRunner
from runtime_helpers import acts, field

LEAD = {"id": 1, "mql_date": "2020-01-01"}


def test_a_wait_past_the_year_9999_waits_until_the_end_of_time(camp):
    s = camp(
        "campaign Main < wait 9999999999999 weeks; set x = 1; >",
        [LEAD],
        campaign="Main",
        until=dt.datetime(2027, 1, 1),
    )
    assert [a["until"] for a in acts(s, "Wait")] == ["9999-12-31T23:59:59"]
    assert s.waiting == [{"lead": 1, "campaign": "Main", "until": "9999-12-31T23:59:59"}]
    assert field(s, 1, "x") is None


def test_very_long_in_past_and_qualify_intervals(camp):
    s = camp(
        """
        fields < mql_date: date; x: number; >
        campaign Main <
          qualify once every 99999999999 days;
          if mql_date in past 99999999999 days then < set x = 1; >
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert field(s, 1, "x") == 1


def test_until_past_the_year_9999_is_an_input_error(tmp_path):
    (tmp_path / "p.camp").write_text("campaign Main < set x = 1; >\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["run", str(tmp_path / "p.camp"), "--campaign", "Main", "--start", "2026-12-01",
         "--until", "99999999 days"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--until: '99999999 days' after the start goes past the year 9999" in result.stderr
