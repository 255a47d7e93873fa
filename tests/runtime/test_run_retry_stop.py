"""Found by trying and fuzzing (issue 13): an attempt of ``retry`` cut short by ``stop;`` still
logs its Retry Attempt; an e-mail field holding a number blocks the e-mail."""

from __future__ import annotations

from runtime_helpers import acts, kinds, strip

LEAD = {"id": 1, "email": "ana@example.com"}


def test_stop_inside_a_retry_logs_the_attempt(camp):
    s = camp(
        """
        campaign Main <
          retry 3 times < set tries += 1; stop; > until tries > 5;
          moment "never";
        >
        """,
        [LEAD],
        campaign="Main",
    )
    assert kinds(s) == [
        "Campaign Run Main",
        "Change Score Main",
        "Remove from Flow Main",
        "Retry Attempt Main",
    ]
    assert strip(acts(s, "Retry Attempt")[0]) == {
        "type": "Retry Attempt",
        "campaign": "Main",
        "attempt": 1,
        "succeeded": False,
    }


def test_stop_in_a_called_executable_logs_the_callers_attempt(camp):
    s = camp(
        """
        campaign Main < retry 2 times < call Check; > moment "never"; >
        executable campaign Check < fail "no"; >
        executable campaign Halt < stop; >
        campaign Other < retry 2 times < call Halt; > >
        """,
        [LEAD],
        campaign="Other",
    )
    assert kinds(s) == [
        "Campaign Run Other",
        "Execute Campaign Other",
        "Remove from Flow Halt",
        "Retry Attempt Other",
    ]


def test_an_email_field_holding_a_number_blocks_the_email_not_the_run(camp):
    # found by bench/fuzz_harness.py: a FunctionError escaped as a traceback
    s = camp('campaign Main < send email "Hi"; >', [{"id": 1, "email": 30}], campaign="Main")
    assert [strip(a) for a in acts(s, "Email Blocked")] == [
        {
            "type": "Email Blocked",
            "campaign": "Main",
            "email": "Hi",
            "reason": "invalid email address",
        }
    ]


def test_a_huge_retry_of_an_empty_block_is_bounded_by_the_step_limit(camp):
    from camp.runtime.evaluator import Limits

    s = camp(
        "campaign Main < retry 999999999 times < > until false; >",
        [LEAD],
        campaign="Main",
        limits=Limits(max_steps=50),
    )
    assert [e["code"] for e in acts(s, "Flow Error")] == ["R204"]
    assert len(acts(s, "Retry Attempt")) == 49  # the retry step itself is step 1
