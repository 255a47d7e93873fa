"""Send Email's blocking rules (M): a marketing e-mail is blocked when the lead is
black listed, unsubscribed, marketing suspended or email invalid, or has an empty
or invalid address; an operational e-mail ignores only unsubscribed and marketing
suspended. The flags are built-in boolean fields, false unless set."""

from __future__ import annotations

import pytest
from runtime_helpers import acts, check_ok

OK = "ana@example.com"

# (lead fields, operational?, expected reason or None for sent)
CASES = [
    ({"email": OK}, False, None),
    ({"email": OK, "unsubscribed": True}, False, "unsubscribed"),
    ({"email": OK, "unsubscribed": True}, True, None),
    ({"email": OK, "marketing_suspended": True}, False, "marketing suspended"),
    ({"email": OK, "marketing_suspended": True}, True, None),
    ({"email": OK, "black_listed": True}, False, "black listed"),
    ({"email": OK, "black_listed": True}, True, "black listed"),
    ({"email": OK, "email_invalid": True}, False, "email invalid"),
    ({"email": OK, "email_invalid": True}, True, "email invalid"),
    ({"email": OK, "black_listed": False, "email_invalid": False}, False, None),
    ({"email": ""}, False, "no email address"),
    ({"email": ""}, True, "no email address"),
    ({"email": "not-an-address"}, False, "invalid email address"),
    ({"email": "not-an-address"}, True, "invalid email address"),
    ({"email": OK, "unsubscribed": True, "black_listed": True}, False, "black listed"),
]


@pytest.mark.parametrize(("fields", "operational", "reason"), CASES)
def test_blocking_rule(camp, fields, operational, reason):
    kind = "operational email" if operational else "email"
    s = camp(f'campaign Main < send {kind} "Hello"; >', [{"id": 1, **fields}], "Main")
    if reason is None:
        assert [a["email"] for a in acts(s, "Send Email")] == ["Hello"]
        assert acts(s, "Email Blocked") == []
    else:
        assert [a["reason"] for a in acts(s, "Email Blocked")] == [reason]
        assert acts(s, "Send Email") == []


def test_flags_are_set_by_steps_and_read_as_false_when_absent(camp):
    s = camp(
        """
        campaign Main <
          if not black_listed and marketing_suspended == false then < moment "clean"; >
          set marketing_suspended = true;
          send email "News";
          send operational email "Receipt";
        >
        """,
        [{"id": 1, "email": OK}],
        "Main",
    )
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["clean"]
    assert [a["reason"] for a in acts(s, "Email Blocked")] == ["marketing suspended"]
    assert [a["email"] for a in acts(s, "Send Email")] == ["Receipt"]


def test_flags_exist_in_a_closed_schema_and_are_boolean():
    check_ok(
        """
        fields < score: number; >
        campaign Main < where not email_invalid; set black_listed = true; >
        """
    )


def test_flags_are_not_added_to_out_unless_set(camp, tmp_path):
    camp('campaign Main < send email "Hi"; >', [{"id": 1, "email": OK}], "Main", out="o.csv")
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines() == [
        "id,email,unsubscribed",
        f"1,{OK},false",
    ]
