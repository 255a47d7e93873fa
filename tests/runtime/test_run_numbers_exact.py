"""Numbers are never rounded silently (issue 13): +, -, * and % are exact up to 100
significant digits or R202; a quotient is rounded to 28 digits; lead cells such as
``1e400`` are numbers (or refused), never text that then concatenates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from camp.runtime import values as V
from runtime_helpers import acts, field

BIG = "1" * 40  # beyond the old 28-digit context


def test_arithmetic_on_long_numbers_is_exact(camp):
    s = camp(
        "campaign Main < set a = n + 1; set b = n * 3; set c = n - n; set d = -n; >",
        [{"id": 1, "n": int(BIG)}],
        campaign="Main",
    )
    assert str(field(s, 1, "a")) == "1" * 39 + "2"
    assert str(field(s, 1, "b")) == "3" * 40
    assert field(s, 1, "c") == 0
    assert str(field(s, 1, "d")) == "-" + BIG


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("n + 0.5", "'+' gives a number with more than 100 significant digits"),
        ("n * n * n", "'*' gives a number with more than 100 significant digits"),
        ("n % 0.0000001", "'%' gives a number out of range"),
        ("h * h", "'*' gives a number out of range"),
    ],
)
def test_a_result_past_the_precision_is_r202_not_rounded(camp, expr, message):
    s = camp(
        f"campaign Main < set r = {expr}; >",
        [{"id": 1, "n": int("9" * 100), "h": 10**900}],
        campaign="Main",
    )
    errors = acts(s, "Flow Error")
    assert [(e["code"], e["message"]) for e in errors] == [("R202", message)]
    assert field(s, 1, "r") is None


def test_a_quotient_is_rounded_to_28_digits():
    assert str(V.div(Decimal(2), Decimal(3))) == "0." + "6" * 27 + "7"
    assert V.add(Decimal("0.1"), Decimal("0.2")) == Decimal("0.3")


def test_values_stay_inside_what_the_limits_represent():
    assert V.number_fits(Decimal("1e400"))
    assert not V.number_fits(Decimal("1e1000"))
    assert not V.number_fits(Decimal("NaN"))
    assert not V.number_fits(Decimal("Infinity"))
    assert not V.number_fits(Decimal("1" * 101))
    assert V.number_fits(Decimal(10**900))  # trailing zeros are not significant


def test_between_on_text_is_a_run_time_type_error_as_it_is_a_check_error(camp):
    s = camp(
        "campaign Main < if country between low and high then < set inside = true; > >",
        [{"id": 1, "country": "france", "low": "a", "high": "m"}],
        campaign="Main",
    )
    assert [(e["code"], e["message"]) for e in acts(s, "Flow Error")] == [
        ("R202", "'between' needs numbers or dates, got text \"france\"")
    ]
