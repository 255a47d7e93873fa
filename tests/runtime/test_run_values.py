"""Expression semantics at run time (spec §4): decimals, null rules, case-insensitive
tests vs exact ==, between, in past N days and token interpolation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from runtime_helpers import acts, field


def flags(camp, conditions: dict[str, str], lead: dict) -> dict[str, bool | None]:
    """Set a boolean field per condition (true branch / else branch) and read them back."""
    body = "\n".join(
        f"  if {cond} then < set r_{name} = true; > else < set r_{name} = false; >"
        for name, cond in conditions.items()
    )
    s = camp(f"campaign Main <\n{body}\n>", [{"id": 1, **lead}], "Main")
    assert s.errors == [], s.errors
    return {name: field(s, 1, f"r_{name}") for name in conditions}


def test_decimal_arithmetic_point_one_plus_point_two(camp):
    s = camp(
        """
        campaign Main <
          set sum = 0.1 + 0.2;
          if 0.1 + 0.2 == 0.3 then < set exact = true; >
          set third = 1 / 4;
          set price = 19.99 * 3;
        >
        """,
        [{"id": 1}],
        "Main",
    )
    assert field(s, 1, "sum") == Decimal("0.3")
    assert field(s, 1, "exact") is True
    assert field(s, 1, "third") == Decimal("0.25")
    assert field(s, 1, "price") == Decimal("59.97")
    assert acts(s, "Change Data Value")[0]["new"] == 0.3


def test_numbers_read_from_leads_are_decimals(camp):
    s = camp("campaign Main < set total = a + b; >", [{"id": 1, "a": 0.1, "b": 0.2}], "Main")
    assert field(s, 1, "total") == Decimal("0.3")


def test_null_rules(camp):
    result = flags(
        camp,
        {
            "eq_null": "missing == 1",
            "ne_null": "missing != 1",
            "is_null": 'missing is "x"',
            "is_not_null": 'missing is not "x"',
            "lt_null": "missing < 1",
            "empty_null": "missing is empty",
            "contains_null": 'missing contains "x"',
            "in_null": 'missing in ["x"]',
            "not_in_null": 'missing not in ["x"]',
            "between_null": "missing between 1 and 2",
            "empty_text": "blank is empty",
            "not_empty": "name is not empty",
        },
        {"blank": "", "name": "Ana"},
    )
    assert result == {
        "eq_null": False,
        "ne_null": True,
        "is_null": False,
        "is_not_null": True,
        "lt_null": False,
        "empty_null": True,
        "contains_null": False,
        "in_null": False,
        "not_in_null": True,  # the reverse of 'in', as Marketo's "is not" (M)
        "between_null": False,
        "empty_text": True,
        "not_empty": True,
    }


def test_arithmetic_with_null_is_null_and_text_plus_treats_null_as_empty(camp):
    s = camp(
        """
        campaign Main <
          set sum = missing + 1;
          set label = "Hi " + missing + "!";
          set both = missing * 2;
        >
        """,
        [{"id": 1}],
        "Main",
    )
    assert field(s, 1, "sum") is None
    assert field(s, 1, "label") == "Hi !"
    assert field(s, 1, "both") is None
    assert s.errors == []


def test_text_tests_are_case_insensitive_but_eq_is_exact(camp):
    result = flags(
        camp,
        {
            "is_": 'country is "us"',
            "eq": 'country == "us"',
            "eq_exact": 'country == "US"',
            "ne": 'country != "us"',
            "contains": 'title contains "MARKETING"',
            "starts": 'title starts with "vp"',
            "ends": 'title ends with "OPS"',
            "in_": 'country in ["de", "us"]',
            "not_in": 'country not in ["DE", "ca"]',
            "not_contains": 'title not contains "sales"',
        },
        {"country": "US", "title": "VP Marketing Ops"},
    )
    assert result == {
        "is_": True,
        "eq": False,
        "eq_exact": True,
        "ne": True,
        "contains": True,
        "starts": True,
        "ends": True,
        "in_": True,
        "not_in": True,
        "not_contains": True,
    }


def test_between_is_inclusive(camp):
    s = camp(
        "campaign Main < if employees between 100 and 500 then < set mid = true; > >",
        [{"id": i, "employees": n} for i, n in enumerate([99, 100, 300, 500, 501], start=1)],
        "Main",
    )
    assert [field(s, i, "mid") for i in range(1, 6)] == [None, True, True, True, None]


def test_in_past_n_days(camp):
    # The clock is at 2026-12-01T09:00.
    s = camp(
        """
        campaign Main <
          if datetime(seen) in past 7 days then < set recent = true; > else < set recent = false; >
          if date(seen) in past 7 days then < set recent_day = true; > else < set recent_day = false; >
        >
        """,
        [
            {"id": 1, "seen": "2026-11-30T09:00:00"},
            {"id": 2, "seen": "2026-11-24T09:00:00"},  # exactly 7 days: inside
            {"id": 3, "seen": "2026-11-24T08:59:00"},  # a minute more
            {"id": 4, "seen": "2026-12-05T00:00:00"},  # in the future
            {"id": 5},
        ],
        "Main",
    )
    assert [field(s, i, "recent") for i in range(1, 6)] == [True, True, False, False, False]
    assert [field(s, i, "recent_day") for i in range(1, 6)] == [True, True, True, False, False]


def test_token_interpolation_formats_values(camp):
    s = camp(
        """
        program "P" <
          token price = 2.50;
          token flag = true;
          campaign Main <
            moment "{{lead.score}}|{{my.price}}|{{my.flag}}|{{lead.missing}}|{{lead.id}}|{{lead.when}}";
          >
        >
        """,
        [{"id": 5, "score": 10.0, "when": "2026-12-01"}],
        "Main",
    )
    assert acts(s, "Interesting Moment")[0]["description"] == "10|2.5|true||5|2026-12-01"


def test_dates_and_functions_use_the_simulation_clock(camp):
    s = camp(
        """
        campaign Main <
          set today_is = today();
          set now_is = now();
          wait 2 days;
          set later = days_between(today_is, today());
        >
        """,
        [{"id": 1}],
        "Main",
    )
    assert field(s, 1, "today_is") == dt.date(2026, 12, 1)
    assert field(s, 1, "now_is") == dt.datetime(2026, 12, 1, 9, 0)
    assert field(s, 1, "later") == 2


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("7 % 3", Decimal(1)),
        ("-score", Decimal(-4)),
        ("2 + 3 * 4", Decimal(14)),
        ("(2 + 3) * 4", Decimal(20)),
        ("round(10 / 3, 2)", Decimal("3.33")),
    ],
)
def test_arithmetic(camp, expr, expected):
    s = camp(f"campaign Main < set r = {expr}; >", [{"id": 1, "score": 4}], "Main")
    assert field(s, 1, "r") == expected


def test_closed_schema_types_lead_values_and_defaults(camp):
    s = camp(
        """
        fields < score: number = 5; joined: date; vip: boolean = false; name: text; >
        campaign Main < set score += 1; set name = name + "!"; >
        """,
        [{"id": 1, "joined": "2026-11-01", "name": "Ana"}, {"id": 2, "score": 10, "vip": True}],
        "Main",
    )
    assert field(s, 1, "score") == 6  # default 5, then +1
    assert field(s, 1, "joined") == dt.date(2026, 11, 1)
    assert field(s, 1, "vip") is False
    assert field(s, 2, "score") == 11
    assert field(s, 2, "name") == "!"
