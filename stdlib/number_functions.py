"""Number functions: round (half up), abs, min and max (which also order text and dates)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext

from camp.stdlib._common import (
    MISSING,
    Example,
    Missing,
    define,
    fail,
    kind,
    null_propagating,
    render_value,
    want_int,
    want_number,
)
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value

_MAX_PLACES = 100
_MAX_DIGITS = 1000


def round_half_up(number: Decimal, places: int) -> Decimal:
    """``number`` rounded to ``places`` decimals (negative: tens, hundreds), halves away
    from zero, with as many digits as that takes (not the 28 of the default context)."""
    with localcontext() as context:
        context.prec = max(28, number.adjusted() + max(places, 0) + 2)
        if places >= 0:
            return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        unit = Decimal(10) ** -places
        return (number / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


@null_propagating
def _round(ctx: CallContext, x: Value, places: Value | Missing = MISSING) -> Value:
    number = want_number("round", "x", x)
    digits = 0 if places is MISSING else want_int("round", "places", places)
    if abs(digits) > _MAX_PLACES:
        fail("round", f"'places' must be between -{_MAX_PLACES} and {_MAX_PLACES}")
    if not number.is_finite() or number.adjusted() + max(digits, 0) > _MAX_DIGITS:
        fail("round", f"{render_value(number)} has too many digits to round to {digits} places")
    return round_half_up(number, digits)


@null_propagating
def _abs(ctx: CallContext, x: Value) -> Value:
    return want_number("abs", "x", x).copy_abs()  # exact, unlike abs() in a 28-digit context


def _family(function: str, value: Value) -> str:
    """What min and max compare: numbers, text, or dates and datetimes (a date is midnight)."""
    if isinstance(value, (bool, tuple)):
        fail(function, f"cannot compare {kind(value)} {render_value(value)}")
    if isinstance(value, Decimal):
        return "numbers"
    if isinstance(value, str):
        return "text"
    return "dates"


def _moment(value: Value) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    assert isinstance(value, _dt.date)
    return _dt.datetime.combine(value, _dt.time())


def _extreme(function: str, largest: bool) -> Callable[..., Value]:
    def impl(ctx: CallContext, *values: Value) -> Value:
        present = [value for value in values if value is not None]
        if not present:
            return None
        families = {_family(function, value) for value in present}
        if len(families) > 1:
            fail(function, f"cannot compare {' with '.join(sorted(families))}")
        choose = max if largest else min
        numbers = [value for value in present if isinstance(value, Decimal)]
        texts = [value for value in present if isinstance(value, str)]
        if numbers:
            return choose(numbers)
        if texts:
            return choose(texts)
        return choose(present, key=_moment)

    return impl


FUNCTIONS: list[Function] = [
    define(
        "round",
        (Param("x", Type.NUMBER), Param("places", Type.NUMBER, optional=True)),
        Type.NUMBER,
        "The number rounded to places decimals (default 0; negative rounds to tens, "
        "hundreds), halves rounding away from zero.",
        _round,
        Example((Decimal("2.345"), Decimal(2)), Decimal("2.35")),
    ),
    define(
        "abs",
        (Param("x", Type.NUMBER),),
        Type.NUMBER,
        "The number without its sign.",
        _abs,
        Example((Decimal("-42.5"),), Decimal("42.5")),
    ),
    define(
        "min",
        (Param("value", Type.ANY),),
        Type.ANY,
        "The smallest of the values, ignoring nulls (all numbers, all text or all "
        "dates), or null when all are null.",
        _extreme("min", largest=False),
        Example((Decimal(100), None, Decimal(80)), Decimal(80)),
        variadic=True,
    ),
    define(
        "max",
        (Param("value", Type.ANY),),
        Type.ANY,
        "The largest of the values, ignoring nulls (all numbers, all text or all "
        "dates), or null when all are null.",
        _extreme("max", largest=True),
        Example((Decimal(0), Decimal(-5), None), Decimal(0)),
        variadic=True,
    ),
]
