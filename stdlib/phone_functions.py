"""Phone functions: phone_e164, with the phonenumbers library (imported on first call)."""

from __future__ import annotations

from decimal import Decimal

from camp.stdlib._common import Example, define, fail, kind, render_value, want_text
from camp.stdlib.geo_functions import resolve_country
from camp.stdlib.registry import CallContext, Function, Param
from camp.types import Type, Value


def _number_text(x: Value) -> str:
    """The phone number as text; a whole number (a CSV cell read as one) is accepted."""
    if isinstance(x, str):
        return x
    if isinstance(x, Decimal) and x.is_finite() and x == x.to_integral_value() and x >= 0:
        return str(int(x))
    fail("phone_e164", f"'x' must be text, got {kind(x)} {render_value(x)}")


def _region(region: Value) -> str | None:
    """The phonenumbers region for a country name or code; None when unknown."""
    if region is None:
        return None
    text = want_text("phone_e164", "region", region)
    code = resolve_country(text)
    if code is not None:
        return code
    import phonenumbers

    # Regions that phonenumbers knows but ISO 3166 does not (XK Kosovo, AC Ascension).
    upper = text.strip().upper()
    return upper if upper in phonenumbers.SUPPORTED_REGIONS else None


def to_e164(text: str, region: str | None) -> str | None:
    """``text`` as an E.164 number ("+14155550123"), or None when it is not valid.

    Without a region only international numbers parse; ``00`` then counts as ``+``,
    and also when the region's own reading of a ``00...`` number is not valid.
    """
    import phonenumbers

    text = text.strip()
    candidates = [text]
    if text.startswith("00"):
        international = "+" + text[2:]
        candidates = [international] if region is None else [text, international]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _phone_e164(ctx: CallContext, x: Value, region: Value) -> Value:
    if x is None:
        return None
    text = _number_text(x)
    return to_e164(text, _region(region)) if text.strip() else None


FUNCTIONS: list[Function] = [
    define(
        "phone_e164",
        (Param("x", Type.ANY), Param("region", Type.TEXT)),
        Type.TEXT,
        "The phone number in E.164 form, reading national numbers as dialled in region "
        "(a country code or name, or null for international numbers only), or null when "
        "it is not a valid number.",
        _phone_e164,
        Example(("(415) 555-0123", "US"), "+14155550123"),
    ),
]
