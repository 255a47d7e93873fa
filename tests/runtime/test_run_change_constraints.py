"""Trigger constraints (M, Marketo's "Data Value Changes" trigger with its
"New Value" / "Previous Value" constraints): `on change FIELD [from TEST] [to TEST]`,
and trigger.old / trigger.new (also as {{trigger.old}} / {{trigger.new}} tokens)."""

from __future__ import annotations

import pytest
from runtime_helpers import acts

LEAD = {"id": 1, "email": "ana@example.com", "score": 40, "lead_status": "New"}

# (trigger clause, steps of Main, how many times Watch runs)
CASES = [
    ("on change score;", "set score = 45; set score = 60;", 2),
    ("on change score to > 50;", "set score = 45; set score = 60;", 1),
    ("on change score to >= 45;", "set score = 45; set score = 44;", 1),
    ("on change score from < 50 to >= 50;", "set score = 60; set score = 70;", 1),
    ("on change score from empty;", "set score = null; set score = 5;", 1),
    ("on change score to empty;", "set score = null; set score = 5;", 1),
    ("on change score to not empty;", "set score = null; set score = 5;", 1),
    ("on change score to 60;", "set score += 20; set score += 1;", 1),
    ('on change lead_status to "mql";', 'set lead_status = "MQL";', 1),
    ('on change lead_status from "New" to "MQL";', 'set lead_status = "SQL";', 0),
    ('on change lead_status to in ["MQL", "SQL"];', 'set lead_status = "SQL";', 1),
    ('on change lead_status to not in ["MQL"];', 'set lead_status = "MQL";', 0),
    ("on change score to != 45;", "set score = 45; set score = 46;", 1),
    ("on change score to == 45;", "set score = 45;", 1),
    ("on change score to <= 10; on change score to > 50;", "set score = 5; set score = 70;", 2),
]


@pytest.mark.parametrize(("clause", "steps", "runs"), CASES, ids=[c[0] for c in CASES])
def test_constraint(camp, clause, steps, runs):
    s = camp(
        f"""
        campaign Main < {steps} >
        campaign Watch < {clause} qualify every time; moment "{{{{trigger.old}}}} -> {{{{trigger.new}}}}"; >
        """,
        [LEAD],
        "Main",
    )
    assert s.errors == []
    assert len([a for a in acts(s, "Campaign Run") if a["campaign"] == "Watch"]) == runs


def test_trigger_old_and_new_in_the_flow_and_in_tokens(camp):
    s = camp(
        """
        campaign Main < set score = 75; >
        campaign Watch <
          on change score to > 50;
          set jump = trigger.new - trigger.old;
          moment "score {{trigger.old}} -> {{trigger.new}}";
          call Record;
        >
        executable campaign Record < set seen = trigger.new; >
        """,
        [LEAD],
        "Main",
    )
    assert [a["description"] for a in acts(s, "Interesting Moment")] == ["score 40 -> 75"]
    assert [a["trigger"] for a in acts(s, "Campaign Run") if a["campaign"] == "Watch"] == [
        "change score to > 50"
    ]
    sets = {a["field"]: a["new"] for a in acts(s, "Change Data Value")}
    assert sets["jump"] == 35 and sets["seen"] == 75


def test_a_constraint_that_fails_at_run_time_is_the_trigger_campaigns_error(camp):
    s = camp(
        """
        campaign Main < set score = "high"; set after = true; >
        campaign Watch < on change score to > 50; moment "no"; >
        """,
        [LEAD],
        "Main",
    )
    [err] = acts(s, "Flow Error")
    assert err["campaign"] == "Watch" and err["code"] == "R202"
    assert any(a["field"] == "after" for a in acts(s, "Change Data Value"))
