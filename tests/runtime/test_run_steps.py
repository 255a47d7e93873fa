"""Each flow step of spec §3 and the activity it leaves (spec §7), as a user sees it."""

from __future__ import annotations

import pytest
from runtime_helpers import acts, field, kinds, strip

LEAD = {"id": 1, "email": "ana@example.com"}


# ---- set -------------------------------------------------------------------


def test_set_logs_change_data_value_only_when_the_value_changes(camp):
    s = camp(
        """
        campaign Main <
          set status = "Open";
          set status = "Open";      # same value: no activity
          set status = "OPEN";      # == is exact: a different value
        >
        """,
        [LEAD],
        campaign="Main",
    )
    changes = [strip(a, "lead", "time", "campaign") for a in acts(s, "Change Data Value")]
    assert changes == [
        {"type": "Change Data Value", "field": "status", "old": None, "new": "Open"},
        {"type": "Change Data Value", "field": "status", "old": "Open", "new": "OPEN"},
    ]
    assert field(s, 1, "status") == "OPEN"


def test_set_null_clears_the_field(camp):
    s = camp(
        """
        campaign Main <
          set company = null;
          set company = null;   # already empty: nothing to log
        >
        """,
        [{**LEAD, "company": "Acme"}],
        campaign="Main",
    )
    assert [strip(a, "lead", "time", "campaign", "type") for a in acts(s, "Change Data Value")] == [
        {"field": "company", "old": "Acme", "new": None}
    ]
    assert field(s, 1, "company") is None


def test_set_of_an_unchanged_number_logs_nothing(camp):
    s = camp(
        "campaign Main < set score = 10; set score = 10.0; >", [{"id": 1, "score": 10}], "Main"
    )
    assert acts(s, "Change Data Value") == []


# ---- += and -= ------------------------------------------------------------------


def test_plus_and_minus_equals_log_change_score_with_old_new_and_change(camp):
    s = camp(
        """
        campaign Main <
          set score += 15;
          set score -= 5;
          set behavior += 2.5;     # a missing field counts from 0
        >
        """,
        [{**LEAD, "score": 40}],
        campaign="Main",
    )
    assert [strip(a, "lead", "time", "campaign", "type") for a in acts(s, "Change Score")] == [
        {"field": "score", "old": 40, "new": 55, "change": 15},
        {"field": "score", "old": 55, "new": 50, "change": -5},
        {"field": "behavior", "old": None, "new": 2.5, "change": 2.5},
    ]
    assert field(s, 1, "score") == 50


def test_plus_equals_on_a_text_field_is_a_campaign_error(camp):
    s = camp("campaign Main < set company += 1; >", [{**LEAD, "company": "Acme"}], "Main")
    assert [e.code for e in s.errors] == ["R202"]
    assert field(s, 1, "company") == "Acme"


def test_plus_equals_zero_does_not_fire_change_triggers(camp):
    s = camp(
        """
        campaign Main < set score += 0; >
        campaign OnScore < on change score; qualify every time; moment "score changed"; >
        """,
        [{**LEAD, "score": 5}],
        campaign="Main",
    )
    assert acts(s, "Campaign Run") == [acts(s, "Campaign Run")[0]]  # only Main ran
    assert acts(s, "Interesting Moment") == []


# ---- call: synchronous ------------------------------------------------------------


def test_call_is_synchronous_later_steps_see_the_callees_changes(camp):
    s = camp(
        """
        campaign Main <
          set points = 7;
          call Double;
          set copy = doubled;     # runs after Double finished
          moment "doubled is {{lead.doubled}}";
        >
        executable campaign Double < set doubled = points * 2; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Change Data Value Main",
        "Execute Campaign Main",
        "Change Data Value Double",
        "Change Data Value Main",
        "Interesting Moment Main",
    ]
    assert strip(acts(s, "Execute Campaign")[0]) == {
        "type": "Execute Campaign",
        "campaign": "Main",
        "target": "Double",
        "qualified": True,
    }
    assert field(s, 1, "copy") == 14
    assert acts(s, "Interesting Moment")[0]["description"] == "doubled is 14"


# ---- request: asynchronous ------------------------------------------------------------


def test_request_runs_the_requested_campaign_after_the_current_flow_ends(camp):
    s = camp(
        """
        campaign Main <
          request Later;
          set marker = "main done";     # still runs before Later
          moment "main end";
        >
        campaign Later <
          on requested;
          moment "later sees {{lead.marker}}";
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Request Campaign Main",
        "Change Data Value Main",
        "Interesting Moment Main",
        "Campaign Run Later",
        "Interesting Moment Later",
    ]
    req = acts(s, "Request Campaign")[0]
    assert req["target"] == "Later"
    assert acts(s, "Campaign Run")[1]["trigger"] == "requested"
    assert acts(s, "Interesting Moment")[1]["description"] == "later sees main done"


def test_request_runs_when_the_current_flow_waits(camp):
    s = camp(
        """
        campaign Main <
          request Later;
          wait 1 hour;
          moment "main resumed";
        >
        campaign Later < on requested; moment "later"; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Request Campaign Main",
        "Wait Main",
        "Campaign Run Later",
        "Interesting Moment Later",
        "Resume Main",
        "Interesting Moment Main",
    ]


# ---- stop ---------------------------------------------------------------------------


def test_stop_in_an_executable_ends_every_callers_flow(camp):
    s = camp(
        """
        campaign Main <
          call Outer;
          set after_outer = true;
        >
        executable campaign Outer <
          call Gate;
          set after_gate = true;
        >
        executable campaign Gate <
          moment "gate";
          stop;
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Execute Campaign Main",
        "Execute Campaign Outer",
        "Interesting Moment Gate",
        "Remove from Flow Gate",
    ]
    assert strip(acts(s, "Remove from Flow")[0]) == {"type": "Remove from Flow", "campaign": "Gate"}
    assert field(s, 1, "after_gate") is None
    assert field(s, 1, "after_outer") is None
    assert s.errors == []


def test_stop_ends_only_this_leads_flow(camp):
    s = camp(
        """
        campaign Main <
          if id == 1 then < stop; >
          set reached = true;
        >
        """,
        [{"id": 1}, {"id": 2}],
        campaign="Main",
    )
    assert field(s, 1, "reached") is None
    assert field(s, 2, "reached") is True


# ---- if -----------------------------------------------------------------------------


def test_if_runs_the_first_true_branch_only(camp):
    src = """
    campaign Main <
      if score >= 100 then < set band = "A"; >
      elif score >= 50 then < set band = "B"; >
      elif score >= 10 then < set band = "C"; >
      else < set band = "D"; >
      if score > 1000 then < set never = true; >
    >
    """
    s = camp(src, [{"id": 1, "score": 120}, {"id": 2, "score": 60}, {"id": 3, "score": 0}], "Main")
    assert [field(s, i, "band") for i in (1, 2, 3)] == ["A", "B", "D"]
    assert all(field(s, i, "never") is None for i in (1, 2, 3))


# ---- emails -----------------------------------------------------------------------------


EMAIL_SRC = """
campaign Main <
  send email "Welcome";
  send operational email "Receipt";
>
"""


def test_send_email_to_a_valid_subscribed_lead(camp):
    s = camp(EMAIL_SRC, [LEAD], campaign="Main")
    assert [strip(a) for a in acts(s) if "email" in a] == [
        {"type": "Send Email", "campaign": "Main", "email": "Welcome"},
        {"type": "Send Email", "campaign": "Main", "email": "Receipt"},
    ]
    assert s.emails == {"Receipt": 1, "Welcome": 1}


def test_email_blocked_when_unsubscribed_but_operational_email_still_goes(camp):
    s = camp(EMAIL_SRC, [{**LEAD, "unsubscribed": True}], campaign="Main")
    assert [strip(a) for a in acts(s) if "email" in a] == [
        {"type": "Email Blocked", "campaign": "Main", "email": "Welcome", "reason": "unsubscribed"},
        {"type": "Send Email", "campaign": "Main", "email": "Receipt"},
    ]


@pytest.mark.parametrize("email", [None, "", "   "])
def test_email_blocked_when_the_address_is_empty(camp, email):
    s = camp(EMAIL_SRC, [{"id": 1, "email": email}], campaign="Main")
    blocked = acts(s, "Email Blocked")
    assert [a["email"] for a in blocked] == ["Welcome", "Receipt"]
    assert all(a["reason"] for a in blocked)
    assert acts(s, "Send Email") == []


def test_email_blocked_when_the_address_is_invalid(camp):
    s = camp(EMAIL_SRC, [{"id": 1, "email": "ana at example"}], campaign="Main")
    blocked = acts(s, "Email Blocked")
    assert len(blocked) == 2
    assert all("invalid" in a["reason"] for a in blocked)
    assert s.emails == {}


def test_email_name_may_use_tokens(camp):
    s = camp(
        """
        program "Spring" <
          token edition = "2026";
          campaign Main < send email "Newsletter {{my.edition}}"; >
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert acts(s, "Send Email")[0]["email"] == "Newsletter 2026"


# ---- alerts, webhooks -----------------------------------------------------------------------


def test_send_alert_records_alert_and_recipient(camp):
    s = camp(
        """
        campaign Main <
          send alert "Hot lead {{lead.email}}" to coalesce(owner_email, "sdr@example.com");
        >
        """,
        [LEAD, {"id": 2, "email": "bo@example.com", "owner_email": "kim@example.com"}],
        campaign="Main",
    )
    assert [strip(a, "time", "campaign", "type") for a in acts(s, "Send Alert")] == [
        {"lead": 1, "alert": "Hot lead ana@example.com", "to": "sdr@example.com"},
        {"lead": 2, "alert": "Hot lead bo@example.com", "to": "kim@example.com"},
    ]


def test_call_webhook_records_the_url_with_tokens_filled_in(camp):
    s = camp(
        """
        webhook Enrich <
          url "https://enrich.example/v1?email={{lead.email}}&src={{my.source}}&c={{campaign.name}}";
          method "GET";
          response company = "company.name";
        >
        program "Inbound" <
          token source = "web";
          campaign Main < webhook Enrich; >
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [strip(a) for a in acts(s, "Call Webhook")] == [
        {
            "type": "Call Webhook",
            "campaign": "Main",
            "webhook": "Enrich",
            "url": "https://enrich.example/v1?email=ana@example.com&src=web&c=Main",
        }
    ]
    # A simulation makes no call, so the response fills nothing in.
    assert field(s, 1, "company") is None


# ---- lists ----------------------------------------------------------------------------------


def test_add_to_and_remove_from_list(camp):
    s = camp(
        """
        campaign Main <
          add to list "VIP";
          add to list "vip";           # already a member (names are case-insensitive)
          remove from list "Newsletter";   # not a member: nothing to do
          remove from list "VIP";
          add to list "Newsletter";
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [(a["type"], a["list"]) for a in acts(s) if "list" in a] == [
        ("Add to List", "VIP"),
        ("Remove from List", "VIP"),
        ("Add to List", "Newsletter"),
    ]
    assert s.leads_after[1].lists == {"newsletter"}


def test_add_to_list_fires_added_to_list_triggers(camp):
    s = camp(
        """
        campaign Main < add to list "VIP"; >
        campaign Welcome < on added to list "VIP"; send email "VIP welcome"; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Add to List Main",
        "Campaign Run Welcome",
        "Send Email Welcome",
    ]
    assert acts(s, "Campaign Run")[1]["trigger"] == 'added to list "VIP"'


# ---- program status ---------------------------------------------------------------------------


STATUS_SRC = """
program "Webinar" <
  statuses "Invited", "Registered", "Attended";
  campaign Main <
    change status to "Registered";
    change status to "Invited";            # backwards: recorded, not applied
    change status to "Attended";
  >
  campaign FollowUp < on status change in "Webinar"; qualify every time; moment "now {{lead.email}}"; >
>
campaign Other < change status in "Webinar" to "Invited"; >
"""


def test_change_program_status_moves_forward_only(camp):
    s = camp(STATUS_SRC, [LEAD], campaign="Main")
    assert [
        strip(a, "lead", "time", "type", "campaign") for a in acts(s, "Change Program Status")
    ] == [
        # (issue 13: every Change Program Status records `success`; no success statuses here)
        {"program": "Webinar", "old": None, "new": "Registered", "applied": True, "success": False},
        {
            "program": "Webinar",
            "old": "Registered",
            "new": "Invited",
            "applied": False,
            "success": False,
        },
        {
            "program": "Webinar",
            "old": "Registered",
            "new": "Attended",
            "applied": True,
            "success": False,
        },
    ]
    assert s.leads_after[1].statuses == {"Webinar": "Attended"}
    # Only the two applied changes raise 'status change in'.
    assert len([a for a in acts(s, "Campaign Run") if a["campaign"] == "FollowUp"]) == 2


def test_change_status_in_a_named_program_from_outside_it(camp):
    s = camp(STATUS_SRC, [LEAD], campaign="Other")
    assert strip(acts(s, "Change Program Status")[0]) == {
        "type": "Change Program Status",
        "campaign": "Other",
        "program": "Webinar",
        "old": None,
        "new": "Invited",
        "applied": True,
        "success": False,
    }


# ---- interesting moments ---------------------------------------------------------------------


def test_interesting_moment_fills_in_tokens(camp):
    s = camp(
        """
        program "Webinar 2026-Q1" <
          token speaker = "Jane Musatova";
          token points = 10;
          campaign Main <
            moment "{{lead.first_name}} met {{my.speaker}} (+{{my.points}}) in {{program.name}} via {{campaign.name}}";
          >
        >
        """,
        [{**LEAD, "first_name": "Ana"}],
        campaign="Main",
    )
    assert acts(s, "Interesting Moment")[0]["description"] == (
        "Ana met Jane Musatova (+10) in Webinar 2026-Q1 via Main"
    )


def test_campaign_run_records_what_started_the_flow(camp):
    s = camp('campaign Main < moment "hi"; >', [LEAD], campaign="Main")
    assert strip(acts(s, "Campaign Run")[0]) == {
        "type": "Campaign Run",
        "campaign": "Main",
        "trigger": "batch",
    }
    assert acts(s)[0]["time"] == "2026-12-01T09:00:00"


# ---- the activity contract (spec §7) ------------------------------------------------------

ATTRIBUTES = {
    "Change Data Value": {"field", "old", "new"},
    "Change Score": {"field", "old", "new", "change"},
    "Execute Campaign": {"target", "qualified"},
    "Request Campaign": {"target"},
    "Campaign Run": {"trigger"},
    "Send Email": {"email"},
    "Email Blocked": {"email", "reason"},
    "Send Alert": {"alert", "to"},
    "Wait": {"until"},
    "Resume": {"until"},
    "Call Webhook": {"webhook", "url"},
    "Add to List": {"list"},
    "Remove from List": {"list"},
    "Change Program Status": {"program", "old", "new", "applied", "success"},
    "Interesting Moment": {"description"},
    "Remove from Flow": set(),
    "Retry Attempt": {"attempt", "succeeded"},
    "Flow Error": {"code", "message", "stack"},
}

EVERYTHING = """
webhook Hook < url "https://hooks.example/{{lead.id}}"; >
program "P" <
  statuses "Invited", "Attended";
  campaign Main <
    set a = "x";
    set s += 1;
    call Ex;
    request Req;
    send email "Hello";
    send alert "Alert" to "rep@example.com";
    wait 1 day;
    webhook Hook;
    add to list "L";
    remove from list "L";
    change status to "Attended";
    moment "M";
    retry 1 times < fail "once"; > else < >
    if unsubscribed then < stop; >
    fail "the end";
  >
>
executable campaign Ex < set b = 1; >
campaign Req < on requested; moment "requested"; >
"""


def test_every_activity_type_with_exactly_its_attributes(camp):
    s = camp(EVERYTHING, [LEAD, {"id": 2, "email": "bo@example.com", "unsubscribed": True}], "Main")
    seen = {a["type"] for a in s.activity_log}
    assert seen == set(ATTRIBUTES)
    for a in s.activity_log:
        assert list(a)[:4] == ["lead", "time", "type", "campaign"]
        assert set(a) - {"lead", "time", "type", "campaign"} == ATTRIBUTES[a["type"]], a
    assert sum(s.by_type.values()) == s.activities == len(s.activity_log)
