"""`call X with parent tokens` (M, Execute Campaign: Use Parent Campaign Token
Context): the caller's tokens first, the executable's own program token as the
fallback, and ``{{campaign.name}}`` naming the calling campaign."""

from __future__ import annotations

from runtime_helpers import acts, field

LEAD = {"id": 1, "email": "ana@example.com", "score": 0}

SRC = """
program "Caller" <
  token points = 10;
  campaign Main < call Shared with parent tokens; call Shared; >
>
campaign TopLevel < call Shared with parent tokens; >
program "Library" <
  token points = 0;
  token label = "library";
  executable campaign Shared <
    set score += my.points;
    moment "{{my.label}} / {{campaign.name}} / {{program.name}}";
  >
>
"""


def moments(s):
    return [a["description"] for a in acts(s, "Interesting Moment")]


def test_a_token_the_caller_lacks_falls_back_to_the_callees_program(camp):
    s = camp(SRC, [LEAD], campaign="Main")
    assert moments(s) == ["library / Main / Caller", "library / Shared / Library"]
    assert field(s, 1, "score") == 10  # my.points: the caller's 10, then the own 0


def test_a_caller_outside_any_program_sees_the_callees_tokens(camp):
    s = camp(SRC, [LEAD], campaign="TopLevel")
    assert moments(s) == ["library / TopLevel / Library"]
    assert field(s, 1, "score") == 0


def test_campaign_name_under_parent_context_passes_through_nested_calls(camp):
    s = camp(
        """
        campaign Root < call Middle with parent tokens; >
        executable campaign Middle < call Inner with parent tokens; call Inner; >
        executable campaign Inner < moment "{{campaign.name}}"; >
        """,
        [LEAD],
        campaign="Root",
    )
    assert moments(s) == ["Root", "Inner"]


def test_a_token_neither_program_declares_is_e302_naming_both():
    from camp.checker import check_sources

    result = check_sources(
        [
            (
                "main.camp",
                'program "Caller" < campaign Main < on created; call Shared with parent tokens; > >\n'
                'program "Lib" < token label = "x"; executable campaign Shared < moment "{{my.lable}}"; > >\n',
            )
        ]
    )
    [d] = [d for d in result.diagnostics if d.is_error]
    assert (d.code, d.message, d.hint) == (
        "E302",
        "undefined token {{my.lable}}: not declared in program 'Caller' nor in program 'Lib'",
        "did you mean 'label'?",
    )
