"""Membership conditions at run time: `member of list`, `not member of list`,
`member of program`, `status in "P" is "S"` in where, if and retry-until."""

from __future__ import annotations

from runtime_helpers import acts, field

LEAD = {"id": 1, "email": "ana@example.com"}

PROGRAM = """
program "Webinar" <
  statuses "Invited", "Registered", "Attended";
  executable campaign Register < change status to "Registered"; >
  executable campaign Attend < change status to "Attended"; >
>
"""


def test_member_of_list_in_if_and_where(camp):
    s = camp(
        PROGRAM
        + """
        campaign Main <
          if member of list "vip" then < set before = true; > else < set before = false; >
          add to list "VIP";
          if member of list "vip" then < set after = true; >
          if not member of list "VIP" then < set negated = true; > else < set negated = false; >
          call Gate;
        >
        executable campaign Gate < where member of list "VIP"; moment "gate open"; >
        """,
        [LEAD],
        "Main",
    )
    assert (field(s, 1, "before"), field(s, 1, "after"), field(s, 1, "negated")) == (
        False,
        True,
        False,
    )
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["gate open"]


def test_member_of_program_and_status_tests(camp):
    s = camp(
        PROGRAM
        + """
        campaign Main <
          if member of program "Webinar" then < set m0 = true; > else < set m0 = false; >
          call Register;
          if member of program "Webinar" then < set m1 = true; >
          if status in "Webinar" is "registered" then < set registered = true; >
          if status in "Webinar" is "Attended" then < set attended = true; >
          else < set attended = false; >
        >
        """,
        [LEAD],
        "Main",
    )
    assert field(s, 1, "m0") is False
    assert field(s, 1, "m1") is True
    assert field(s, 1, "registered") is True
    assert field(s, 1, "attended") is False


def test_retry_until_a_status(camp):
    s = camp(
        PROGRAM
        + """
        campaign Main <
          retry 3 times <
            set tries += 1;
            if tries >= 2 then < call Attend; >
          > until status in "Webinar" is "Attended";
        >
        """,
        [LEAD],
        "Main",
    )
    assert [a["succeeded"] for a in acts(s, "Retry Attempt")] == [False, True]


def test_fields_named_member_and_status_still_work(camp):
    s = camp(
        """
        campaign Main <
          set member = 2;
          set status = "Open";
          if member > 1 and status in ["open"] then < set ok = true; >
        >
        """,
        [LEAD],
        "Main",
    )
    assert field(s, 1, "ok") is True
