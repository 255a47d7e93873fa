"""Every test operator against null (an empty field), one case per row: Marketo's
smart-list operators glossary (M) — a number "is 0" also finds empty values, and
each negative operator is the exact reverse of its positive form. The table is the
one in docs/language.md §4 ("Null in tests")."""

from __future__ import annotations

import pytest
from runtime_helpers import field

# (operator, condition on the empty field `x`, expected)
NULL_TABLE = [
    ("==", "x == 1", False),
    ("==", "x == 0", False),
    ("!=", "x != 1", True),
    ("<", "x < 1", False),
    ("<=", "x <= 1", False),
    (">", "x > 1", False),
    (">=", "x >= 1", False),
    ("is", 'x is "a"', False),
    ("is", "x is 5", False),
    ("is 0", "x is 0", True),
    ("is not", 'x is not "a"', True),
    ("is not", "x is not 5", True),
    ("is not 0", "x is not 0", False),
    ("contains", 'x contains "a"', False),
    ("not contains", 'x not contains "a"', True),
    ("starts with", 'x starts with "a"', False),
    ("not starts with", 'x not starts with "a"', True),
    ("ends with", 'x ends with "a"', False),
    ("not ends with", 'x not ends with "a"', True),
    ("in", 'x in ["a", "b"]', False),
    ("in [0]", "x in [0, 1]", True),
    ("not in", 'x not in ["a", "b"]', True),
    ("not in [0]", "x not in [0, 1]", False),
    ("between", "x between 1 and 5", False),
    ("is empty", "x is empty", True),
    ("is not empty", "x is not empty", False),
    ("in past", "x in past 7 days", False),
]


@pytest.mark.parametrize(
    ("op", "condition", "expected"), NULL_TABLE, ids=[r[1] for r in NULL_TABLE]
)
def test_operator_on_null(camp, op, condition, expected):
    s = camp(
        f"campaign Main < if {condition} then < set r = true; > else < set r = false; > >",
        [{"id": 1, "email": "a@example.com"}],
        "Main",
    )
    assert s.errors == []
    assert field(s, 1, "r") is expected, f"{op} on null"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('name not starts with "an"', False),
        ('name not starts with "Bo"', True),
        ('name not ends with "NA"', False),
        ('name not ends with "x"', True),
    ],
)
def test_not_starts_and_ends_with_on_text_are_case_insensitive(camp, condition, expected):
    s = camp(
        f"campaign Main < if {condition} then < set r = true; > else < set r = false; > >",
        [{"id": 1, "name": "Ana"}],
        "Main",
    )
    assert field(s, 1, "r") is expected
