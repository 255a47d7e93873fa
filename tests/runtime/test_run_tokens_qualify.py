"""Token context (`with parent tokens`), qualification rules and `where` filters on
calls and triggers (spec §3, §5)."""

from __future__ import annotations

import datetime as dt

from runtime_helpers import START, acts, field, kinds

LEAD = {"id": 1, "email": "ana@example.com", "score": 0}

# The Marketo "+10 / +0" example: program A's token says 10 points, the shared
# executable lives in program B whose token says 0.
TOKENS_SRC = """
program "A - Pricing Page" <
  token points = 10;
  campaign WithParent < call AddPoints with parent tokens; >
  campaign WithoutParent < call AddPoints; >
>
program "B - Scoring Library" <
  token points = 0;
  executable campaign AddPoints <
    set score += my.points;
    moment "+{{my.points}} from {{program.name}}";
  >
>
"""


def test_with_parent_tokens_uses_the_callers_token_plus_10(camp):
    s = camp(TOKENS_SRC, [LEAD], campaign="WithParent")
    [change] = acts(s, "Change Score")
    assert (change["old"], change["new"], change["change"]) == (0, 10, 10)
    assert field(s, 1, "score") == 10
    assert acts(s, "Interesting Moment")[0]["description"] == "+10 from A - Pricing Page"


def test_without_parent_tokens_the_executable_sees_its_own_program_plus_0(camp):
    s = camp(TOKENS_SRC, [LEAD], campaign="WithoutParent")
    assert field(s, 1, "score") == 0
    assert [a["change"] for a in acts(s, "Change Score")] in ([], [0])
    assert acts(s, "Interesting Moment")[0]["description"] == "+0 from B - Scoring Library"


def test_parent_tokens_pass_through_nested_calls(camp):
    s = camp(
        """
        program "Outer" <
          token label = "outer";
          campaign Main < call Middle with parent tokens; >
        >
        program "Lib" <
          token label = "lib";
          executable campaign Middle < call Inner with parent tokens; call Inner; >
          executable campaign Inner < moment "{{my.label}}"; >
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["outer", "lib"]


# ---- qualification rules ---------------------------------------------------------------


def test_qualify_once_second_call_is_not_qualified(camp):
    s = camp(
        """
        campaign Main < call Once; call Once; >
        executable campaign Once < qualify once; set n += 1; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [(a["target"], a["qualified"]) for a in acts(s, "Execute Campaign")] == [
        ("Once", True),
        ("Once", False),
    ]
    assert field(s, 1, "n") == 1


def test_executables_qualify_every_time_by_default(camp):
    s = camp(
        """
        campaign Main < call Ex; call Ex; >
        executable campaign Ex < set n += 1; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [a["qualified"] for a in acts(s, "Execute Campaign")] == [True, True]
    assert field(s, 1, "n") == 2


def test_trigger_campaigns_qualify_once_by_default(camp):
    s = camp(
        'campaign T < on form "F"; set n += 1; >',
        [LEAD],
        events=[
            {"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"},
            {"time": "2026-12-02T10:00:00", "lead": 1, "type": "form", "name": "F"},
        ],
    )
    assert len(acts(s, "Campaign Run")) == 1
    assert field(s, 1, "n") == 1


def test_qualify_every_time_on_a_trigger(camp):
    s = camp(
        'campaign T < on form "F"; qualify every time; set n += 1; >',
        [LEAD],
        events=[
            {"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"},
            {"time": "2026-12-01T10:05:00", "lead": 1, "type": "form", "name": "F"},
        ],
    )
    assert field(s, 1, "n") == 2


def test_qualify_once_every_7_days_with_a_wait_in_between(camp):
    s = camp(
        """
        campaign Main <
          call Weekly;          # day 0: qualifies
          wait 3 days;
          call Weekly;          # day 3: too soon
          wait 4 days;
          call Weekly;          # day 7: qualifies again
        >
        executable campaign Weekly < qualify once every 7 days; set n += 1; >
        """,
        [LEAD],
        campaign="Main",
    )
    execs = acts(s, "Execute Campaign")
    assert [(a["time"], a["qualified"]) for a in execs] == [
        ("2026-12-01T09:00:00", True),
        ("2026-12-04T09:00:00", False),
        ("2026-12-08T09:00:00", True),
    ]
    assert field(s, 1, "n") == 2


def test_qualify_once_every_n_days_on_triggers(camp):
    s = camp(
        'campaign T < on page "/pricing"; qualify once every 1 day; set views += 1; >',
        [LEAD],
        events=[
            {"time": "2026-12-01T10:00:00", "lead": 1, "type": "page", "name": "/pricing"},
            {"time": "2026-12-01T15:00:00", "lead": 1, "type": "page", "name": "/pricing"},
            {"time": "2026-12-02T10:00:00", "lead": 1, "type": "page", "name": "/pricing"},
        ],
    )
    assert [a["time"] for a in acts(s, "Campaign Run")] == [
        "2026-12-01T10:00:00",
        "2026-12-02T10:00:00",
    ]


# ---- where filters -----------------------------------------------------------------------


def test_where_filter_skips_an_executable_and_the_caller_goes_on(camp):
    s = camp(
        """
        campaign Main <
          call OnlyUS;
          set after = true;
        >
        executable campaign OnlyUS <
          where country is "US";
          set us = true;
        >
        """,
        [{"id": 1, "country": "us"}, {"id": 2, "country": "DE"}],
        campaign="Main",
    )
    assert [(a["lead"], a["qualified"]) for a in acts(s, "Execute Campaign")] == [
        (1, True),
        (2, False),
    ]
    assert field(s, 1, "us") is True
    assert field(s, 2, "us") is None
    assert field(s, 2, "after") is True
    assert kinds(s, lead=2) == [
        "Campaign Run Main",
        "Execute Campaign Main",
        "Change Data Value Main",
    ]


def test_several_where_clauses_are_anded(camp):
    s = camp(
        """
        campaign Main < where score > 10; where country is "US"; set picked = true; >
        """,
        [
            {"id": 1, "score": 20, "country": "US"},
            {"id": 2, "score": 5, "country": "US"},
            {"id": 3, "score": 20, "country": "DE"},
        ],
        campaign="Main",
    )
    assert [a["lead"] for a in acts(s, "Campaign Run")] == [1]


def test_trigger_filters_are_evaluated_when_the_flow_starts(camp):
    # B's filter sees the value A set earlier at the same moment.
    s = camp(
        """
        campaign A < on form "F"; set stage = "hot"; >
        campaign B < on form "F"; where stage is "hot"; moment "hot lead"; >
        """,
        [LEAD],
        events=[{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"}],
    )
    assert kinds(s) == [
        "Campaign Run A",
        "Change Data Value A",
        "Campaign Run B",
        "Interesting Moment B",
    ]


def test_batch_run_with_a_later_start(camp):
    s = camp(
        "campaign Main < set at = now(); >",
        [LEAD],
        campaign="Main",
        start=START + dt.timedelta(days=2),
    )
    assert field(s, 1, "at") == dt.datetime(2026, 12, 3, 9, 0)
