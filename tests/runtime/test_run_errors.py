"""Campaign errors (spec §5, §6): the Flow Error activity, the stack, the rendered
text, limits (R203, R204) and a run that goes on with the other leads."""

from __future__ import annotations

import textwrap

from camp.diagnostics import render
from camp.runtime.evaluator import Limits
from runtime_helpers import acts, field, kinds, strip

THREE_DEEP = textwrap.dedent(
    """\
    campaign Welcome <
      set visits = 0;
      call Qualify;
      set after = true;
    >

    executable campaign Qualify <
      call Score;
    >

    executable campaign Score <
      set score = score / visits;
    >
    """
)


def test_division_by_zero_three_frames_deep_flow_error_activity(camp):
    s = camp(THREE_DEEP, [{"id": 42, "email": "ana@example.com", "score": 10}], campaign="Welcome")
    [err] = acts(s, "Flow Error")
    assert strip(err) == {
        "type": "Flow Error",
        "campaign": "Welcome",
        "code": "R201",
        "message": "division by zero",
        "stack": [
            "main.camp:3:3 Welcome",
            "main.camp:8:3 Qualify",
            "main.camp:12:3 Score",
        ],
    }
    assert field(s, 42, "after") is None  # the error ended the flow
    assert field(s, 42, "visits") == 0  # steps before the error stay (not transactional)


def test_division_by_zero_renders_in_the_spec_layout(camp):
    s = camp(THREE_DEEP, [{"id": 42, "email": "ana@example.com", "score": 10}], campaign="Welcome")
    [diag] = s.errors
    assert diag.code == "R201"
    assert diag.lead == "42 (ana@example.com)"
    assert [f.campaign for f in diag.stack] == ["Welcome", "Qualify", "Score"]
    text = render(diag, {"main.camp": THREE_DEEP})
    assert text.splitlines() == [
        "error[R201]: division by zero",
        "  lead 42 (ana@example.com)",
        "  campaign stack, innermost last:",
        "    main.camp:3:3   campaign Welcome    call Qualify;",
        "    main.camp:8:3   executable Qualify  call Score;",
        "    main.camp:12:3  executable Score    set score = score / visits;",
    ]


def test_a_lead_without_email_is_named_by_id(camp):
    s = camp(THREE_DEEP, [{"id": 7, "score": 1}], campaign="Welcome")
    assert s.errors[0].lead == "7"
    assert "  lead 7" in render(s.errors[0], {"main.camp": THREE_DEEP}).splitlines()


def test_run_goes_on_with_other_leads_after_an_error(camp):
    s = camp(
        """
        campaign Main <
          set ratio = score / visits;
          send email "Report";
        >
        """,
        [
            {"id": 1, "email": "a@example.com", "score": 10, "visits": 2},
            {"id": 2, "email": "b@example.com", "score": 10, "visits": 0},
            {"id": 3, "email": "c@example.com", "score": 9, "visits": 3},
        ],
        campaign="Main",
    )
    assert [(e.code, e.lead) for e in s.errors] == [("R201", "2 (b@example.com)")]
    assert [a["lead"] for a in acts(s, "Send Email")] == [1, 3]
    assert field(s, 1, "ratio") == 5
    assert field(s, 3, "ratio") == 3


def test_type_error_at_run_time_is_r202(camp):
    s = camp("campaign Main < set x = company * 2; >", [{"id": 1, "company": "a"}], "Main")
    assert [e.code for e in s.errors] == ["R202"]
    assert acts(s, "Flow Error")[0]["stack"] == ["main.camp:1:17 Main"]


def test_fail_is_r206_with_the_users_message_and_tokens(camp):
    s = camp(
        'campaign Main < fail "cannot fix {{lead.country}}"; >',
        [{"id": 1, "country": "Atlantis"}],
        "Main",
    )
    [err] = acts(s, "Flow Error")
    assert (err["code"], err["message"]) == ("R206", "cannot fix Atlantis")


def test_function_failure_is_r207(camp):
    s = camp('campaign Main < set ok = matches(name, "("); >', [{"id": 1, "name": "x"}], "Main")
    assert [e.code for e in s.errors] == ["R207"]


def test_error_in_a_where_filter_of_a_called_executable(camp):
    s = camp(
        """
        campaign Main < call Ex; >
        executable campaign Ex < where score > "high"; set x = 1; >
        """,
        [{"id": 1, "score": 5}],
        campaign="Main",
    )
    assert [e.code for e in s.errors] == ["R202"]


# ---- limits ----------------------------------------------------------------------------------


def test_call_depth_limit_at_run_time_r203(camp):
    # The checker enforces the depth first; a smaller run-time limit shows R203.
    s = camp(THREE_DEEP, [{"id": 1, "email": "a@example.com"}], campaign="Welcome", max_depth=1)
    [diag] = s.errors
    assert diag.code == "R203"
    assert "1" in diag.message
    # The whole stack, down to the call that went too deep.
    assert [f.campaign for f in diag.stack] == ["Welcome", "Qualify"]
    assert diag.stack[-1].source == "call Score;"
    assert acts(s, "Flow Error")[0]["stack"] == ["main.camp:3:3 Welcome", "main.camp:8:3 Qualify"]


def test_step_limit_per_lead_r204(camp):
    s = camp(
        """
        campaign Main <
          set a = 1;
          set b = 2;
          set c = 3;
          set d = 4;
        >
        """,
        [{"id": 1, "email": "a@example.com"}, {"id": 2}],
        campaign="Main",
        limits=Limits(max_steps=3),
    )
    assert [(e.code, e.lead) for e in s.errors] == [("R204", "1 (a@example.com)"), ("R204", "2")]
    msg = s.errors[0].message
    assert "3 steps" in msg and "Main" in msg and "lead 1" in msg
    assert field(s, 1, "c") == 3 and field(s, 1, "d") is None


def test_step_limit_counts_steps_in_executables_and_loops(camp):
    s = camp(
        """
        campaign Main < retry 100 times < call Ex; > until n >= 100; >
        executable campaign Ex < set n += 1; >
        """,
        [{"id": 1}],
        campaign="Main",
        limits=Limits(max_steps=50),
    )
    assert [e.code for e in s.errors] == ["R204"]
    assert field(s, 1, "n") < 50


def test_flow_error_is_the_last_activity_of_the_flow(camp):
    s = camp(
        """
        campaign Main < moment "before"; fail "stop here"; moment "after"; >
        """,
        [{"id": 1}],
        campaign="Main",
    )
    assert kinds(s) == ["Campaign Run Main", "Interesting Moment Main", "Flow Error Main"]
