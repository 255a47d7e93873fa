"""The simulation (spec §5, §7): waits and resumes on the virtual clock, `--until`,
the events file, trigger cascades, schedules and the order of flows."""

from __future__ import annotations

import datetime as dt

import pytest
from camp.checker.loader import InputError
from camp.runtime.evaluator import Limits
from runtime_helpers import START, acts, field, kinds, strip

LEAD = {"id": 1, "email": "ana@example.com"}


def ev(time: str, type_: str, name: str, lead: int = 1) -> dict:
    return {"time": time, "lead": lead, "type": type_, "name": name}


# ---- wait / resume ---------------------------------------------------------------------------


def test_wait_and_resume_at_the_right_virtual_times(camp):
    s = camp(
        """
        campaign Main <
          send email "Day 0";
          wait 2 days;
          send email "Day 2";
          wait 3 hours;
          moment "at {{lead.email}}";
          wait 1 week;
          set done = now();
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [
        (a["time"], a["type"], a.get("until")) for a in acts(s) if a["type"] in ("Wait", "Resume")
    ] == [
        ("2026-12-01T09:00:00", "Wait", "2026-12-03T09:00:00"),
        ("2026-12-03T09:00:00", "Resume", "2026-12-03T09:00:00"),
        ("2026-12-03T09:00:00", "Wait", "2026-12-03T12:00:00"),
        ("2026-12-03T12:00:00", "Resume", "2026-12-03T12:00:00"),
        ("2026-12-03T12:00:00", "Wait", "2026-12-10T12:00:00"),
        ("2026-12-10T12:00:00", "Resume", "2026-12-10T12:00:00"),
    ]
    assert [a["time"] for a in acts(s, "Send Email")] == [
        "2026-12-01T09:00:00",
        "2026-12-03T09:00:00",
    ]
    assert field(s, 1, "done") == dt.datetime(2026, 12, 10, 12, 0)
    assert s.end == "2026-12-10T12:00:00"
    assert s.waiting == []


def test_a_month_is_30_days(camp):
    s = camp('campaign Main < wait 1 month; moment "later"; >', [LEAD], campaign="Main")
    assert acts(s, "Wait")[0]["until"] == "2026-12-31T09:00:00"


def test_wait_until_a_date(camp):
    s = camp(
        """
        campaign Main <
          wait until datetime("2026-12-24T18:00:00");
          send email "Season's greetings";
          wait until datetime("2026-01-01T00:00:00");   # in the past: no wait
          moment "done";
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Wait Main",
        "Resume Main",
        "Send Email Main",
        "Interesting Moment Main",
    ]
    assert acts(s, "Send Email")[0]["time"] == "2026-12-24T18:00:00"


def test_wait_inside_an_if_resumes_the_rest_of_the_block_and_the_flow(camp):
    s = camp(
        """
        campaign Main <
          if score > 0 then <
            wait 1 day;
            moment "inside";
          >
          moment "outside";
        >
        """,
        [{"id": 1, "score": 5}, {"id": 2, "score": 0}],
        campaign="Main",
    )
    assert [(a["lead"], a["time"], a["description"]) for a in acts(s, "Interesting Moment")] == [
        (2, "2026-12-01T09:00:00", "outside"),
        (1, "2026-12-02T09:00:00", "inside"),
        (1, "2026-12-02T09:00:00", "outside"),
    ]


def test_until_leaves_flows_waiting_and_reports_them(camp):
    s = camp(
        """
        campaign Main <
          wait 2 days;
          send email "Follow-up";
        >
        """,
        [LEAD, {"id": 2, "email": "bo@example.com"}],
        campaign="Main",
        until=START + dt.timedelta(days=1),
    )
    assert acts(s, "Send Email") == []
    assert acts(s, "Resume") == []
    assert s.waiting == [
        {"lead": 1, "campaign": "Main", "until": "2026-12-03T09:00:00"},
        {"lead": 2, "campaign": "Main", "until": "2026-12-03T09:00:00"},
    ]


def test_until_lets_flows_finish_that_resume_before_it(camp):
    s = camp(
        'campaign Main < wait 2 days; send email "Follow-up"; >',
        [LEAD],
        campaign="Main",
        until=START + dt.timedelta(days=2),
    )
    assert len(acts(s, "Send Email")) == 1
    assert s.waiting == []


# ---- the events file ---------------------------------------------------------------------------


EVENTS_SRC = """
campaign OnForm < on form "Contact Us"; qualify every time; moment "form"; >
campaign OnPage < on page "/pricing"; qualify every time; moment "page"; >
campaign OnClick < on click "Welcome"; qualify every time; moment "click"; >
campaign OnEvent < on event "Trial Started"; qualify every time; moment "event"; >
campaign OnCreated < on created; moment "created {{lead.email}}"; >
"""


def test_events_file_triggers_campaigns_in_time_order(camp):
    s = camp(
        EVENTS_SRC,
        [LEAD],
        events=[
            ev("2026-12-01T12:00:00", "page", "/PRICING"),  # names are case-insensitive
            ev("2026-12-01T10:00:00", "form", "Contact Us"),
            ev("2026-12-02T10:00:00", "event", "Trial Started"),
            ev("2026-12-01T11:00:00", "click", "Welcome"),
            ev("2026-12-01T11:30:00", "click", "Other email"),  # no campaign listens
            {
                "time": "2026-12-03T08:00:00",
                "type": "created",
                "fields": {"email": "new@example.com"},
            },
        ],
    )
    assert [(a["time"], a["description"]) for a in acts(s, "Interesting Moment")] == [
        ("2026-12-01T10:00:00", "form"),
        ("2026-12-01T11:00:00", "click"),
        ("2026-12-01T12:00:00", "page"),
        ("2026-12-02T10:00:00", "event"),
        ("2026-12-03T08:00:00", "created new@example.com"),
    ]
    assert [a["trigger"] for a in acts(s, "Campaign Run")] == [
        'form "Contact Us"',
        'click "Welcome"',
        'page "/pricing"',
        'event "Trial Started"',
        "created",
    ]
    created = acts(s, "Campaign Run")[-1]["lead"]
    assert created == 2  # the next free id
    assert field(s, 2, "email") == "new@example.com"
    assert s.leads == 2


def test_events_at_the_same_time_run_in_file_order(camp):
    s = camp(
        EVENTS_SRC,
        [LEAD, {"id": 2, "email": "bo@example.com"}],
        events=[
            ev("2026-12-01T10:00:00", "page", "/pricing", lead=2),
            ev("2026-12-01T10:00:00", "form", "Contact Us", lead=1),
        ],
    )
    assert [(a["lead"], a["description"]) for a in acts(s, "Interesting Moment")] == [
        (2, "page"),
        (1, "form"),
    ]


def test_event_for_an_unknown_lead_is_an_input_error(camp):
    with pytest.raises(InputError, match="unknown lead 9"):
        camp(EVENTS_SRC, [LEAD], events=[ev("2026-12-01T10:00:00", "form", "Contact Us", lead=9)])


def test_events_for_a_lead_created_earlier_in_the_file(camp):
    s = camp(
        EVENTS_SRC,
        [LEAD],
        events=[
            {
                "time": "2026-12-01T10:00:00",
                "type": "created",
                "fields": {"id": 50, "email": "n@example.com"},
            },
            ev("2026-12-01T11:00:00", "form", "Contact Us", lead=50),
        ],
    )
    assert [(a["lead"], a["description"]) for a in acts(s, "Interesting Moment")] == [
        (50, "created n@example.com"),
        (50, "form"),
    ]


def test_created_event_with_an_existing_id_is_an_input_error(camp):
    with pytest.raises(InputError, match="1"):
        camp(
            EVENTS_SRC,
            [{"id": 1, "email": "ana@example.com", "company": "Acme"}],
            events=[
                {
                    "time": "2026-12-01T10:00:00",
                    "type": "created",
                    "fields": {"id": 1, "email": "x@example.com"},
                }
            ],
        )


# ---- change triggers and cascades -----------------------------------------------------------


def test_change_trigger_runs_after_the_flow_that_changed_the_field(camp):
    s = camp(
        """
        campaign Main < set lead_status = "MQL"; moment "main"; >
        campaign Alert < on change lead_status; where lead_status is "mql"; send alert "MQL" to "rep@example.com"; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Change Data Value Main",
        "Interesting Moment Main",
        "Campaign Run Alert",
        "Send Alert Alert",
    ]
    assert acts(s, "Campaign Run")[1]["trigger"] == "change lead_status"


def test_an_unchanged_set_does_not_fire_change_triggers(camp):
    s = camp(
        """
        campaign Main < set lead_status = "MQL"; >
        campaign Alert < on change lead_status; moment "changed"; >
        """,
        [{**LEAD, "lead_status": "MQL"}],
        campaign="Main",
    )
    assert acts(s, "Interesting Moment") == []


def test_trigger_cascade_limit_r205(camp):
    s = camp(
        """
        campaign Main < set n = 1; >
        campaign Again < on change n; qualify every time; set n += 1; >
        """,
        [LEAD, {"id": 2, "email": "bo@example.com"}],
        campaign="Main",
        limits=Limits(max_cascade=3),
    )
    assert [(e.code, e.lead) for e in s.errors] == [
        ("R205", "1 (ana@example.com)"),
        ("R205", "2 (bo@example.com)"),
    ]
    [err, _] = acts(s, "Flow Error")
    assert err["code"] == "R205"
    assert "Again" in err["message"] and "3" in err["message"]
    # 1 set by Main, then three cascaded runs before the limit stops it.
    assert field(s, 1, "n") == 4


def test_request_of_a_trigger_campaign_from_a_trigger(camp):
    s = camp(
        """
        campaign Entry < on form "F"; request Stage2; moment "entry"; >
        campaign Stage2 < on requested; moment "stage 2"; >
        """,
        [LEAD],
        events=[ev("2026-12-01T10:00:00", "form", "F")],
    )
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["entry", "stage 2"]


# ---- schedules ------------------------------------------------------------------------------


def test_scheduled_batch_runs_at_its_time_inside_the_window(camp):
    s = camp(
        """
        campaign Nightly < schedule every day at "02:00"; qualify every time; set runs += 1; >
        campaign Once < schedule at "2026-12-02T12:00"; set once = now(); >
        campaign Never < schedule at "2027-01-01T00:00"; set never = true; >
        """,
        [LEAD],
        until=dt.datetime(2026, 12, 4, 0, 0),
    )
    assert [(a["campaign"], a["time"]) for a in acts(s, "Campaign Run")] == [
        ("Nightly", "2026-12-02T02:00:00"),
        ("Once", "2026-12-02T12:00:00"),
        ("Nightly", "2026-12-03T02:00:00"),
    ]
    assert acts(s, "Campaign Run")[0]["trigger"] == "schedule 2026-12-02T02:00"
    assert field(s, 1, "runs") == 2
    assert field(s, 1, "never") is None


def test_campaign_option_runs_a_scheduled_batch_campaign_once(camp):
    s = camp(
        'campaign Nightly < schedule every day at "09:00"; qualify every time; set runs += 1; >',
        [LEAD],
        campaign="Nightly",
    )
    assert len(acts(s, "Campaign Run")) == 1
    assert field(s, 1, "runs") == 1


def test_nothing_to_run_is_an_input_error(camp):
    with pytest.raises(InputError, match="nothing to run"):
        camp('campaign Main < moment "x"; >', [LEAD])


def test_a_trigger_campaign_without_on_requested_cannot_be_run_directly(camp):
    with pytest.raises(InputError, match="on requested"):
        camp('campaign T < on form "F"; moment "x"; >', [LEAD], campaign="T")


def test_run_is_deterministic(camp):
    src = """
    campaign Main < wait 1 day; request R; set x = now(); >
    campaign R < on requested; add to list "L"; >
    campaign L < on added to list "L"; moment "in L"; >
    """
    leads = [{"id": i, "email": f"l{i}@example.com"} for i in range(1, 6)]
    first = camp(src, leads, campaign="Main").activity_log
    second = camp(src, leads, campaign="Main").activity_log
    assert first == second
    assert strip(first[0]) == {"type": "Campaign Run", "campaign": "Main", "trigger": "batch"}


def test_a_created_lead_starts_a_cascade_of_its_own(camp):
    # Lead 1's form fill cascades two levels deep (Score → Route); the lead a later
    # 'created' event brings starts at depth 0 again (Welcome → Greet is one level), so
    # a limit of 2 refuses nothing.
    s = camp(
        """
        campaign OnForm < on form "Contact Us"; qualify every time; set n = 1; >
        campaign Score < on change n; qualify every time; set m = 1; >
        campaign Route < on change m; qualify every time; moment "routed"; >
        campaign Welcome < on created; moment "welcome {{lead.email}}"; set k = 1; >
        campaign Greet < on change k; qualify every time; moment "greet"; >
        """,
        [LEAD],
        events=[
            ev("2026-12-01T10:00:00", "form", "Contact Us"),
            {
                "time": "2026-12-01T11:00:00",
                "type": "created",
                "fields": {"email": "new@example.com"},
            },
        ],
        limits=Limits(max_cascade=2),
    )
    assert s.errors == []
    assert [a["description"] for a in acts(s, "Interesting Moment")] == [
        "routed",
        "welcome new@example.com",
        "greet",
    ]
