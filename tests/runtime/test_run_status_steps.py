"""Program status steps (M, program channels): statuses in parentheses share a
progression step (a sideways move within a step applies, a move back does not),
and `success` marks the success statuses that Change Program Status records."""

from __future__ import annotations

import pytest
from runtime_helpers import acts

LEAD = {"id": 1, "email": "ana@example.com"}

PROGRAM = """
program "Webinar" <
  statuses "Invited", "Registered", ("Attended", "No Show"), "Attended On-demand";
  success "Attended", "Attended On-demand";
  campaign Main <
    {moves}
  >
>
"""

# (statuses the lead is moved to in order, expected (new, applied, success) per move)
MOVES = [
    (["Invited", "Registered"], [("Invited", True, False), ("Registered", True, False)]),
    (["Registered", "Invited"], [("Registered", True, False), ("Invited", False, False)]),
    (["No Show", "Attended"], [("No Show", True, False), ("Attended", True, True)]),
    (["Attended", "No Show"], [("Attended", True, True), ("No Show", True, False)]),
    (["Attended", "Attended"], [("Attended", True, True), ("Attended", False, False)]),
    (["No Show", "Registered"], [("No Show", True, False), ("Registered", False, False)]),
    (
        ["Attended", "Attended On-demand"],
        [("Attended", True, True), ("Attended On-demand", True, True)],
    ),
]


@pytest.mark.parametrize(("moves", "expected"), MOVES, ids=[" > ".join(m) for m, _ in MOVES])
def test_status_moves(camp, moves, expected):
    steps = " ".join(f'change status to "{m}";' for m in moves)
    s = camp(PROGRAM.replace("{moves}", steps), [LEAD], "Main")
    got = [(a["new"], a["applied"], a["success"]) for a in acts(s, "Change Program Status")]
    assert got == expected


def test_a_program_without_groups_keeps_one_step_per_status(camp):
    s = camp(
        """
        program "P" <
          statuses "A", "B", "C";
          campaign Main < change status to "B"; change status to "C"; change status to "A"; >
        >
        """,
        [LEAD],
        "Main",
    )
    got = [(a["new"], a["applied"], a["success"]) for a in acts(s, "Change Program Status")]
    assert got == [("B", True, False), ("C", True, False), ("A", False, False)]
