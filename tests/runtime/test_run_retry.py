"""`retry N times < ... > [until C] [else < ... >]` (spec §3): attempts, success,
exhaustion with and without `else`, and the Retry Attempt activities."""

from __future__ import annotations

from runtime_helpers import acts, field, kinds, strip

LEAD = {"id": 1, "email": "ana@example.com"}


def attempts(summary):
    return [(a["attempt"], a["succeeded"]) for a in acts(summary, "Retry Attempt")]


def test_retry_succeeds_on_the_second_attempt(camp):
    s = camp(
        """
        campaign Main <
          retry 3 times <
            call Flaky;
          >
          moment "went on after {{lead.tries}} tries";
        >
        executable campaign Flaky <
          set tries += 1;
          if tries < 2 then < fail "not yet ({{lead.tries}})"; >
          set done = true;
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert attempts(s) == [(1, False), (2, True)]
    assert field(s, 1, "tries") == 2
    assert field(s, 1, "done") is True
    assert acts(s, "Interesting Moment")[0]["description"] == "went on after 2 tries"
    assert s.errors == []
    assert strip(acts(s, "Retry Attempt")[0]) == {
        "type": "Retry Attempt",
        "campaign": "Main",
        "attempt": 1,
        "succeeded": False,
    }


def test_retry_exhausted_runs_else_and_the_flow_goes_on(camp):
    s = camp(
        """
        campaign Main <
          retry 2 times <
            set tries += 1;
            fail "never works";
          > else <
            add to list "Needs review";
          >
          set after = true;
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert attempts(s) == [(1, False), (2, False)]
    assert [a["list"] for a in acts(s, "Add to List")] == ["Needs review"]
    assert field(s, 1, "after") is True
    assert s.errors == []
    assert acts(s, "Flow Error") == []


def test_retry_exhausted_without_else_propagates_the_last_error(camp):
    s = camp(
        """
        campaign Main <
          call Normalize;
          set after = true;
        >
        executable campaign Normalize <
          retry 2 times <
            set tries += 1;
            fail "attempt {{lead.tries}} failed";
          >
          set normalized = true;
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert attempts(s) == [(1, False), (2, False)]
    assert field(s, 1, "after") is None
    assert field(s, 1, "normalized") is None
    [err] = acts(s, "Flow Error")
    assert err["code"] == "R206"
    assert err["message"] == "attempt 2 failed"  # the last error, in the user's words
    assert err["campaign"] == "Main"
    assert err["stack"] == ["main.camp:3:11 Main", "main.camp:9:13 Normalize"]
    assert [e.code for e in s.errors] == ["R206"]


def test_retry_until_condition_decides_success(camp):
    s = camp(
        """
        campaign Main <
          retry 5 times <
            set tries += 1;
          > until tries >= 3;
          set after = tries;
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert attempts(s) == [(1, False), (2, False), (3, True)]
    assert field(s, 1, "after") == 3


def test_retry_until_never_true_runs_else(camp):
    s = camp(
        """
        campaign Main <
          retry 2 times <
            set country = country_code(country);
          > until country is not empty else <
            add to list "Unknown country";
          >
        >
        """,
        [{**LEAD, "country": "Atlantis"}, {"id": 2, "country": "Deutschland"}],
        campaign="Main",
    )
    assert [(a["lead"], a["attempt"], a["succeeded"]) for a in acts(s, "Retry Attempt")] == [
        (1, 1, False),
        (1, 2, False),
        (2, 1, True),
    ]
    assert [a["lead"] for a in acts(s, "Add to List")] == [1]
    assert field(s, 2, "country") == "DE"


def test_steps_of_a_failed_attempt_are_not_rolled_back(camp):
    s = camp(
        """
        campaign Main <
          retry 2 times <
            set attempts_seen += 1;
            add to list "Tried";
            fail "no";
          > else < >
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert field(s, 1, "attempts_seen") == 2
    assert "tried" in s.leads_after[1].lists
    assert kinds(s) == [
        "Campaign Run Main",
        "Change Score Main",
        "Add to List Main",
        "Retry Attempt Main",
        "Change Score Main",
        "Retry Attempt Main",
    ]


def test_retry_reruns_an_executable_that_qualifies_every_time_by_default(camp):
    s = camp(
        """
        campaign Main < retry 3 times < call Count; > until n >= 3; >
        executable campaign Count < set n += 1; >
        """,
        [LEAD],
        campaign="Main",
    )
    assert [a["qualified"] for a in acts(s, "Execute Campaign")] == [True, True, True]
    assert field(s, 1, "n") == 3


def test_retry_does_not_retry_limit_errors(camp):
    from camp.runtime.evaluator import Limits

    s = camp(
        'campaign Main < retry 3 times < set n += 1; set n += 1; fail "x"; > else < > >',
        [LEAD],
        campaign="Main",
        limits=Limits(max_steps=4),
    )
    assert [e.code for e in s.errors] == ["R204"]


def test_wait_inside_retry_keeps_retrying_after_the_resume(camp):
    s = camp(
        """
        campaign Main <
          on form "F";
          qualify every time;
          retry 2 times <
            set n += 1;
            wait 1 day;
            fail "still failing";
          > else <
            moment "gave up";
          >
          moment "after";
        >
        """,
        [LEAD],
        events=[{"time": "2026-12-01T10:00:00", "lead": 1, "type": "form", "name": "F"}],
    )
    assert s.errors == []
    assert attempts(s) == [(1, False), (2, False)]
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["gave up", "after"]
