"""The standard-library functions: behaviour tables, null rules, errors, docs, lazy imports."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from camp.stdlib import REGISTRY
from camp.stdlib import geo_functions as geo
from camp.stdlib._common import EXAMPLE_NOW, EXAMPLES, MISSING
from camp.stdlib.functions import CATEGORIES, render_markdown
from camp.stdlib.registry import CallContext, FunctionError
from camp.types import Type, Value, type_of
from hypothesis import given, settings
from hypothesis import strategies as st

D = Decimal
NOW = dt.datetime(2026, 3, 14, 9, 30)
CTX = CallContext(now=NOW)
ROOT = Path(__file__).resolve().parents[2]


def call(name: str, *args: Value, ctx: CallContext = CTX) -> Value:
    return REGISTRY[name].impl(ctx, *args)


Case = tuple[str, tuple[Value, ...], Value]

TEXT_CASES: list[Case] = [
    ("lower", ("Ana@Example.COM",), "ana@example.com"),
    ("lower", ("ÉCOLE",), "école"),
    ("upper", ("us",), "US"),
    ("upper", ("straße",), "STRASSE"),
    ("trim", ("  Acme Inc \t\n",), "Acme Inc"),
    ("trim", ("\u00a0nbsp\u00a0",), "nbsp"),
    ("trim", ("a  b",), "a  b"),
    ("title", ("JOHN SMITH",), "John Smith"),
    ("title", ("mary-jane o'neil",), "Mary-Jane O'Neil"),
    ("title", ("it's 3rd street",), "It's 3rd Street"),
    ("title", ("l’oréal",), "L’Oréal"),
    ("title", ("",), ""),
    ("length", ("Zoë",), D(3)),
    ("length", ("",), D(0)),
    ("replace", ("+1 415-555-0123", "-", ""), "+1 4155550123"),
    ("replace", ("aaa", "a", "bb"), "bbbbbb"),
    ("replace", ("Case", "case", "x"), "Case"),
    ("replace", ("abc", "", "x"), "abc"),
    ("substring", ("Marketo", D(1), D(6)), "Market"),
    ("substring", ("Marketo", D(4)), "keto"),
    ("substring", ("hello", D(0), D(3)), "he"),
    ("substring", ("hello", D(-5), D(3)), ""),
    ("substring", ("hello", D(10)), ""),
    ("substring", ("hello", D(2), D(0)), ""),
    ("substring", ("hello", D("2.0"), D(100)), "ello"),
    ("split_part", ("ana@example.com", "@", D(2)), "example.com"),
    ("split_part", ("a,b,c", ",", D(1)), "a"),
    ("split_part", ("a,b,c", ",", D(-1)), "c"),
    ("split_part", ("a,b,c", ",", D(-3)), "a"),
    ("split_part", ("a,b,c", ",", D(4)), ""),
    ("split_part", ("a,b,c", ",", D(-4)), ""),
    ("split_part", ("a::b", "::", D(2)), "b"),
    ("split_part", ("abc", "", D(1)), "abc"),
    ("split_part", ("abc", "", D(2)), ""),
    ("concat", ("Jane", " ", None, "Doe"), "Jane Doe"),
    ("concat", (None,), ""),
    ("concat", (("US", "CA"), "!"), "US, CA!"),
    ("concat", (D("2.50"), "|", True, "|", dt.date(2026, 1, 2)), "2.5|true|2026-01-02"),
    (
        "concat",
        (D("1E+2"), " ", D("-0.0"), " ", dt.datetime(2026, 1, 2, 3, 4)),
        "100 0 2026-01-02 03:04:00",
    ),
    ("coalesce", (None, "", "Unknown"), "Unknown"),
    ("coalesce", (None, D(0), D(1)), D(0)),
    ("coalesce", (False, True), False),
    ("coalesce", (None, ""), None),
    ("coalesce", (" ",), " "),
]

EMAIL_CASES: list[Case] = [
    ("email_domain", ("Ana@Example.COM",), "example.com"),
    ("email_domain", ("  ana@example.com ",), "example.com"),
    ("email_domain", ('"a@b"@corp.example',), "corp.example"),
    ("email_domain", ("no-at-sign",), None),
    ("email_domain", ("ana@",), None),
    ("email_domain", ("@example.com",), None),
    ("email_domain", ("",), None),
    ("is_valid_email", ("ana@example.com",), True),
    ("is_valid_email", ("ANA.Maria+tag@Example.co.uk",), True),
    ("is_valid_email", ("user@münchen.de",), True),
    ("is_valid_email", ("ana@example",), False),
    ("is_valid_email", ("ana@",), False),
    ("is_valid_email", ("ana",), False),
    ("is_valid_email", ("a b@example.com",), False),
    ("is_valid_email", ("a..b@example.com",), False),
    ("is_valid_email", (" ana@example.com",), False),
    ("is_valid_email", ("ana@localhost",), False),
    ("is_valid_email", ("",), False),
    ("is_valid_email", (None,), False),
    # Syntax only: a domain that does not exist is still valid (no DNS query).
    ("is_valid_email", ("someone@no-such-domain-4f7a9c.com",), True),
]

COUNTRY_CODES: list[tuple[str, str | None]] = [
    # codes
    ("US", "US"),
    ("us", "US"),
    ("USA", "US"),
    ("usa", "US"),
    ("DEU", "DE"),
    ("de", "DE"),
    ("GB", "GB"),
    # punctuation, spaces and case
    ("U.S.", "US"),
    ("U.S.A.", "US"),
    ("u. s. a.", "US"),
    (" united  STATES ", "US"),
    ("United States of America", "US"),
    ("the United States", "US"),
    ("America", "US"),
    ("U.K.", "GB"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Great Britain & Northern Ireland", "GB"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"),
    # English names, official and common names, variants
    ("Germany", "DE"),
    ("Federal Republic of Germany", "DE"),
    ("South Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea", "KR"),
    ("North Korea", "KP"),
    ("DPRK", "KP"),
    ("Netherlands", "NL"),
    ("The Netherlands", "NL"),
    ("Holland", "NL"),
    ("Czech Republic", "CZ"),
    ("Czechia", "CZ"),
    ("Turkey", "TR"),
    ("Türkiye", "TR"),
    ("Turkiye", "TR"),
    ("Russia", "RU"),
    ("Russian Federation", "RU"),
    ("Vietnam", "VN"),
    ("Viet Nam", "VN"),
    ("Ivory Coast", "CI"),
    ("Côte d'Ivoire", "CI"),
    ("Cote d’Ivoire", "CI"),
    ("Cape Verde", "CV"),
    ("UAE", "AE"),
    ("United Arab Emirates", "AE"),
    ("Iran", "IR"),
    ("Bolivia", "BO"),
    ("Taiwan", "TW"),
    ("Hong Kong", "HK"),
    ("Republic of Ireland", "IE"),
    ("Ireland", "IE"),
    # a unique part of an English name
    ("Tanzania", "TZ"),
    ("Micronesia", "FM"),
    ("St. Kitts", "KN"),
    ("Saint Kitts and Nevis", "KN"),
    ("Bosnia", "BA"),
    ("Macedonia", "MK"),
    ("Vatican", "VA"),
    # names in other languages (pycountry's translations)
    ("Deutschland", "DE"),
    ("deutschland", "DE"),
    ("Allemagne", "DE"),
    ("Alemania", "DE"),
    ("Германия", "DE"),
    ("España", "ES"),
    ("Espana", "ES"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("Brasil", "BR"),
    ("México", "MX"),
    ("Sverige", "SE"),
    ("Polska", "PL"),
    ("Nederland", "NL"),
    ("Éire", "IE"),
    ("Vereinigte Staaten", "US"),
    ("États-Unis", "US"),
    ("Estados Unidos", "US"),
    ("日本", "JP"),
    ("中国", "CN"),
    ("भारत", "IN"),
    ("Burma", "MM"),
    # exact names that are also parts of longer names
    ("Congo", "CG"),
    ("Niger", "NE"),
    ("Guinea", "GN"),
    ("Samoa", "WS"),
    ("Mexico", "MX"),
    # unknown or ambiguous
    ("Narnia", None),
    ("", None),
    ("   ", None),
    ("a", None),
    ("Y", None),
    ("276", None),
    ("Virgin Islands", None),
    ("Islands", None),
    ("Republic", None),
    ("California", None),
    ("Paris", None),
]

COUNTRY_NAMES: list[tuple[str, str | None]] = [
    ("DE", "Germany"),
    ("deutschland", "Germany"),
    ("usa", "United States"),
    ("KR", "South Korea"),
    ("IR", "Iran"),
    ("TW", "Taiwan"),
    ("VN", "Vietnam"),
    ("CD", "Democratic Republic of the Congo"),
    ("DRC", "Democratic Republic of the Congo"),
    ("FM", "Federated States of Micronesia"),
    ("VG", "British Virgin Islands"),
    ("PS", "State of Palestine"),
    ("GB", "United Kingdom"),
    ("England", "United Kingdom"),
    ("XX", None),
]

STATE_CODES: list[tuple[str, str, str | None]] = [
    ("California", "US", "CA"),
    ("california", "USA", "CA"),
    ("CA", "United States", "CA"),
    ("ca", "us", "CA"),
    ("US-CA", "US", "CA"),
    ("New York", "US", "NY"),
    ("Washington", "US", "WA"),
    ("District of Columbia", "US", "DC"),
    ("Puerto Rico", "US", "PR"),
    ("Bayern", "DE", "BY"),
    ("Bayern", "Deutschland", "BY"),
    ("Bavaria", "Germany", "BY"),
    ("Nordrhein-Westfalen", "DE", "NW"),
    ("Ontario", "Canada", "ON"),
    ("Québec", "CA", "QC"),
    ("Quebec", "CA", "QC"),
    ("New South Wales", "AU", "NSW"),
    ("NSW", "Australia", "NSW"),
    ("Nuevo Leon", "MX", "NLE"),
    ("England", "UK", "ENG"),
    ("Île-de-France", "France", "IDF"),
    ("Texas", "Narnia", None),
    ("Nowhere", "US", None),
    ("Bayern", "US", None),
    ("", "US", None),
]

PHONES: list[tuple[Value, Value, str | None]] = [
    ("(415) 555-0123", "US", "+14155550123"),
    ("415-555-0123", "US", "+14155550123"),
    ("415.555.0123", "United States", "+14155550123"),
    ("4155550123", "usa", "+14155550123"),
    ("1 (415) 555-0123", "US", "+14155550123"),
    ("+1 415 555 0123", None, "+14155550123"),
    ("+1 (415) 555-0123", "DE", "+14155550123"),
    ("415-555-0123 ext. 7", "US", "+14155550123"),
    ("1-800-FLOWERS", "US", "+18003569377"),
    (D(4155550123), "US", "+14155550123"),
    ("+49 30 123456", None, "+4930123456"),
    ("+49 30 12345678", None, "+493012345678"),
    ("0049 30 12345678", None, "+493012345678"),
    ("0049 30 12345678", "DE", "+493012345678"),
    ("0049 30 12345678", "US", "+493012345678"),
    ("030 12345678", "DE", "+493012345678"),
    ("030 12345678", "Deutschland", "+493012345678"),
    ("+44 20 7946 0958", None, "+442079460958"),
    ("020 7946 0958", "UK", "+442079460958"),
    ("020 7946 0958", "Great Britain", "+442079460958"),
    ("01 42 68 53 00", "France", "+33142685300"),
    ("+33 1 42 68 53 00", None, "+33142685300"),
    ("044 123 456", "XK", "+38344123456"),
    # not valid numbers
    ("030 12345678", None, None),
    ("415-555-0123", "Narnia", None),
    ("12345", "US", None),
    ("+1 415 555", None, None),
    ("not a phone", "US", None),
    ("", "US", None),
    ("   ", None, None),
    (D(4155550123), None, None),
]

NUMBER_CASES: list[Case] = [
    ("round", (D("2.5"),), D(3)),
    ("round", (D("3.5"),), D(4)),
    ("round", (D("-2.5"),), D(-3)),
    ("round", (D("2.345"), D(2)), D("2.35")),
    ("round", (D("0.125"), D(2)), D("0.13")),
    ("round", (D("1.005"), D(2)), D("1.01")),  # exact decimals: no binary-float 1.00
    ("round", (D("0.1") + D("0.2"), D(1)), D("0.3")),
    ("round", (D("1250"), D(-2)), D(1300)),
    ("round", (D("1249"), D(-2)), D(1200)),
    ("round", (D("7"), D(2)), D("7.00")),
    ("round", (D("36617469988588529925164839.7261"), D(3)), D("36617469988588529925164839.726")),
    ("round", (D("-0.5"),), D(-1)),
    ("abs", (D("-42.5"),), D("42.5")),
    ("abs", (D(3),), D(3)),
    ("abs", (D("-1234567890123456789012345678901.5"),), D("1234567890123456789012345678901.5")),
    ("min", (D(100), None, D(80)), D(80)),
    ("min", (D(5),), D(5)),
    ("min", (None, None), None),
    ("min", ("b", "a", "c"), "a"),
    ("min", (dt.date(2026, 1, 2), dt.datetime(2026, 1, 1, 23)), dt.datetime(2026, 1, 1, 23)),
    ("max", (D(0), D(-5), None), D(0)),
    ("max", (D("1.5"), D("1.50")), D("1.5")),
    ("max", (None,), None),
    ("max", (dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 5)), dt.datetime(2026, 1, 1, 5)),
]

DATE_CASES: list[Case] = [
    ("today", (), dt.date(2026, 3, 14)),
    ("now", (), NOW),
    ("date", ("2026-03-14",), dt.date(2026, 3, 14)),
    ("date", (" 2026-03-14 ",), dt.date(2026, 3, 14)),
    ("date", ("2026-03-14T23:59:59",), dt.date(2026, 3, 14)),
    ("date", (dt.datetime(2026, 3, 14, 9, 30),), dt.date(2026, 3, 14)),
    ("date", (dt.date(2026, 3, 14),), dt.date(2026, 3, 14)),
    ("date", ("2026-02-30",), None),
    ("date", ("14/03/2026",), None),
    ("date", ("20260314",), None),
    ("date", ("",), None),
    ("datetime", ("2026-03-14T09:30:00",), NOW),
    ("datetime", ("2026-03-14 09:30",), NOW),
    ("datetime", ("2026-03-14",), dt.datetime(2026, 3, 14)),
    ("datetime", ("2026-03-14T09:30:00.5",), dt.datetime(2026, 3, 14, 9, 30, 0, 500000)),
    ("datetime", ("2026-03-14T09:30:00Z",), NOW),
    ("datetime", ("2026-03-14T11:30:00+02:00",), NOW),
    ("datetime", ("2026-03-14T04:30-0500",), NOW),
    ("datetime", ("2026-03-14T25:00",), None),
    ("datetime", ("tomorrow",), None),
    ("datetime", (dt.date(2026, 3, 14),), dt.datetime(2026, 3, 14)),
    ("datetime", (NOW,), NOW),
    ("days_between", (dt.date(2026, 3, 1), dt.date(2026, 3, 14)), D(13)),
    ("days_between", (dt.date(2026, 3, 14), dt.date(2026, 3, 1)), D(-13)),
    ("days_between", (dt.date(2024, 2, 28), dt.date(2024, 3, 1)), D(2)),
    ("days_between", (dt.datetime(2026, 1, 1, 23, 59), dt.datetime(2026, 1, 2, 0, 1)), D(1)),
    ("days_between", (dt.date(2026, 1, 1), NOW), D(72)),
    ("days_between", ("2026-01-01", "2026-01-31T08:00"), D(30)),
    ("add_days", (dt.date(2026, 2, 27), D(2)), dt.date(2026, 3, 1)),
    ("add_days", (dt.date(2026, 3, 1), D(-1)), dt.date(2026, 2, 28)),
    ("add_days", (NOW, D(7)), dt.datetime(2026, 3, 21, 9, 30)),
    ("add_days", (NOW, D("0.5")), dt.datetime(2026, 3, 14, 21, 30)),
    ("add_days", ("2026-03-14", D(1)), dt.date(2026, 3, 15)),
    ("add_days", (dt.date(2026, 3, 14), D("2.0")), dt.date(2026, 3, 16)),
]

MATCH_CASES: list[Case] = [
    ("matches", ("Jane.Doe@ACME.com", "(?i)@acme\\.com$"), True),
    ("matches", ("Jane.Doe@ACME.com", "@acme\\.com$"), False),
    ("matches", ("VP of Sales", "^(VP|Director)\\b"), True),
    ("matches", ("SVP of Sales", "^(VP|Director)\\b"), False),
    ("matches", ("order 12345", "\\d{5}"), True),
    ("matches", ("Zoë", "^\\p{L}+$"), True),
    ("matches", ("", ""), True),
]

CASES: list[Case] = [
    *TEXT_CASES,
    *EMAIL_CASES,
    *[("country_code", (text,), code) for text, code in COUNTRY_CODES],
    *[("country_name", (text,), name) for text, name in COUNTRY_NAMES],
    *[("state_code", (text, country), code) for text, country, code in STATE_CODES],
    *[("phone_e164", (number, region), e164) for number, region, e164 in PHONES],
    *NUMBER_CASES,
    *DATE_CASES,
    *MATCH_CASES,
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES, ids=lambda v: repr(v)[:40])
def test_function(name: str, args: tuple[Value, ...], expected: Value) -> None:
    result = call(name, *args)
    assert result == expected
    assert type_of(result) is type_of(expected)


# (function, arguments, words the error message contains)
ERROR_CASES: list[tuple[str, tuple[Value, ...], str]] = [
    ("lower", (D(1),), "must be text, got number 1"),
    ("upper", (True,), "must be text, got boolean true"),
    ("trim", (dt.date(2026, 1, 1),), "must be text, got date"),
    ("title", (("a", "b"),), "must be text, got list"),
    ("length", (D(12),), "must be text"),
    ("replace", ("a", D(1), "b"), "'search' must be text"),
    ("substring", ("abc", D("1.5")), "'start' must be a whole number, got 1.5"),
    ("substring", ("abc", "1"), "'start' must be a number, got text \"1\""),
    ("substring", ("abc", D(1), D(-1)), "'length' must not be negative"),
    ("split_part", ("a,b", ",", D(0)), "'n' must not be 0"),
    ("email_domain", (D(1),), "must be text"),
    ("is_valid_email", (D(1),), "must be text"),
    ("country_code", (D(276),), "must be text"),
    ("country_name", (True,), "must be text"),
    ("state_code", ("CA", D(1)), "'country' must be text"),
    ("phone_e164", (D("1.5"), "US"), "'x' must be text, got number 1.5"),
    ("phone_e164", (True, "US"), "'x' must be text"),
    ("phone_e164", ("415", D(1)), "'region' must be text"),
    ("round", ("2.5",), "'x' must be a number"),
    ("round", (D(2), D("0.5")), "'places' must be a whole number"),
    ("round", (D(2), D(1000)), "'places' must be between"),
    ("round", (D("1e1000"), D(5)), "too many digits"),
    ("abs", ("-1",), "must be a number"),
    ("min", (D(1), "a"), "cannot compare numbers with text"),
    ("max", (True, False), "cannot compare boolean"),
    ("max", (dt.date(2026, 1, 1), D(1)), "cannot compare dates with numbers"),
    ("date", (D(20260314),), "must be text or a date"),
    ("datetime", (True,), "must be text or a date"),
    ("days_between", (D(1), dt.date(2026, 1, 1)), "'a' must be a date"),
    ("days_between", ("yesterday", dt.date(2026, 1, 1)), "'a' is not an ISO date"),
    ("add_days", (dt.date(2026, 1, 1), D("0.5")), "whole days only"),
    ("add_days", (dt.date(9999, 12, 31), D(1)), "out of range"),
    ("add_days", (dt.date(2026, 1, 1), "1"), "'n' must be a number"),
    ("matches", ("abc", "("), "invalid regular expression '('"),
    ("matches", (D(1), "a"), "'text' must be text"),
]


@pytest.mark.parametrize(("name", "args", "message"), ERROR_CASES, ids=lambda v: repr(v)[:40])
def test_function_error(name: str, args: tuple[Value, ...], message: str) -> None:
    with pytest.raises(FunctionError) as caught:
        call(name, *args)
    assert str(caught.value).startswith(f"{name}(): ")
    assert message in str(caught.value)


# Where a null argument has a meaning instead of giving null (see test_null_meanings).
NULL_MEANINGFUL = {
    ("concat", 0),
    ("coalesce", 0),
    ("is_valid_email", 0),
    ("min", 0),
    ("max", 0),
    ("phone_e164", 1),  # no region: international numbers only
}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_null_arguments(name: str) -> None:
    """A null where a value is needed gives null; the exceptions give null a meaning."""
    example = EXAMPLES[name]
    for position in range(len(example.args)):
        args = list(example.args)
        args[position] = None
        if (name, min(position, len(REGISTRY[name].params) - 1)) not in NULL_MEANINGFUL:
            assert call(name, *args) is None, (name, position)


def test_null_meanings() -> None:
    assert call("is_valid_email", None) is False
    assert call("concat", None, None) == ""
    assert call("coalesce", None) is None
    assert call("min", None, D(2), None) == D(2)
    assert call("max", None) is None
    assert call("phone_e164", "+1 415 555 0123", None) == "+14155550123"
    assert call("phone_e164", None, "US") is None
    assert call("substring", "abc", D(2), None) is None
    assert call("round", None, D(2)) is None
    assert call("round", D("2.5"), None) is None


def test_optional_arguments_left_out() -> None:
    assert REGISTRY["substring"].accepts(2) and REGISTRY["substring"].accepts(3)
    assert REGISTRY["round"].accepts(1) and not REGISTRY["round"].accepts(3)
    assert call("round", D("2.5"), MISSING) == D(3)


def test_variadic_functions() -> None:
    for name in ("concat", "coalesce", "min", "max"):
        function = REGISTRY[name]
        assert function.variadic and function.min_args == 1 and function.max_args is None
        assert function.accepts(7) and not function.accepts(0)
    assert call("concat", *(str(i) for i in range(10))) == "0123456789"


# --- regular expressions: the time limit -------------------------------------------------

# `regex` defuses the classic `(a+)+$`; alternation over overlapping branches still
# backtracks exponentially (Fibonacci in the text's length).
CATASTROPHIC = r"^(a|aa)+$"


def test_regex_timeout_is_a_function_error() -> None:
    ctx = CallContext(now=NOW, regex_timeout=0.02)
    started = time.perf_counter()
    with pytest.raises(FunctionError) as caught:
        call("matches", "a" * 40 + "b", CATASTROPHIC, ctx=ctx)
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert message.startswith("matches(): ")
    assert "time limit of 0.02 s" in message and "41 characters" in message


def test_regex_classic_nested_quantifier_finishes() -> None:
    ctx = CallContext(now=NOW, regex_timeout=0.02)
    assert call("matches", "a" * 30 + "b", "(a+)+$", ctx=ctx) is False
    assert call("matches", "a" * 30, "(a+)+$", ctx=ctx) is True


def test_regex_within_the_limit_succeeds() -> None:
    assert call("matches", "a" * 10, CATASTROPHIC) is True


# --- geography internals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("U.S.A.", "usa"),
        ("u. s. a.", "usa"),
        ("  The  Netherlands ", "netherlands"),
        ("Côte d'Ivoire", "cote d ivoire"),
        ("St. Kitts & Nevis", "saint kitts and nevis"),
        ("ÉTATS-UNIS", "etats unis"),
        ("Straße", "strasse"),
        ("Россия", "россия"),
        ("भारत", "भारत"),
        ("the", "the"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert geo.normalize(text) == normalized


@pytest.mark.parametrize(("key", "code"), sorted(geo.COLLOQUIAL.items()))
def test_colloquial_table_only_holds_what_pycountry_lacks(key: str, code: str) -> None:
    assert geo.normalize(key) == key, "table keys are normalised"
    without_table = (
        geo._english_index().get(key) or geo._translated_index().get(key) or geo._partial(key)
    )
    assert without_table != code, f"pycountry now resolves {key!r}: drop it from COLLOQUIAL"


def test_every_alpha_2_and_alpha_3_code_resolves_to_itself() -> None:
    import pycountry

    for country in pycountry.countries:
        assert call("country_code", country.alpha_2) == country.alpha_2
        assert call("country_code", country.alpha_3.lower()) == country.alpha_2
        assert call("country_code", country.name) == country.alpha_2
        assert call("country_code", call("country_name", country.alpha_2)) == country.alpha_2


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_country_code_never_fails(text: str) -> None:
    result = call("country_code", text)
    assert result is None or (isinstance(result, str) and len(result) == 2 and result.isupper())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.sampled_from([None, "US", "DE", "Narnia", "UK"]))
def test_phone_e164_never_fails(text: str, region: str | None) -> None:
    result = call("phone_e164", text, region)
    assert result is None or (isinstance(result, str) and result.startswith("+"))
    if isinstance(result, str):
        assert call("phone_e164", result, None) == result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20), st.integers(-25, 25), st.integers(0, 25))
def test_substring_is_the_sql_window(text: str, start: int, length: int) -> None:
    expected = "".join(
        ch for position, ch in enumerate(text, 1) if start <= position < start + length
    )
    assert call("substring", text, D(start), D(length)) == expected


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4), st.integers(0, 3))
def test_round_is_half_up_and_close(number: Decimal, places: int) -> None:
    result = call("round", number, D(places))
    assert isinstance(result, Decimal)
    with localcontext() as context:
        context.prec = 100
        assert abs(result - number) <= D(1).scaleb(-places) / 2
    mirrored = call("round", number.copy_negate(), D(places))
    assert isinstance(mirrored, Decimal)
    assert result == mirrored.copy_negate()  # symmetric: halves away from zero


# --- the registry, its docs and examples --------------------------------------------------

SPEC_MINIMUM = [
    *["lower", "upper", "trim", "title", "length", "replace", "substring", "split_part"],
    *["concat", "coalesce", "email_domain", "is_valid_email"],
    *["country_code", "country_name", "state_code", "phone_e164"],
    *["round", "abs", "min", "max", "today", "now", "date", "datetime"],
    *["days_between", "add_days", "matches"],
]


def test_registry_has_the_spec_minimum() -> None:
    assert sorted(REGISTRY) == sorted(SPEC_MINIMUM)
    assert [f for _title, functions in CATEGORIES for f in functions] == list(REGISTRY.values())


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_function_is_tested_and_documented(name: str) -> None:
    tested = {case[0] for case in CASES}
    assert name in tested, f"{name} has no row in the behaviour tables"
    function = REGISTRY[name]
    assert function.name == name
    sentence, _sep, example = function.doc.partition(" Example: ")
    assert sentence.endswith(".") and example.startswith(f"{name}(") and " → " in example
    assert all(isinstance(param.type, Type) for param in function.params)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_documented_example_holds(name: str) -> None:
    example = EXAMPLES[name]
    result = REGISTRY[name].impl(CallContext(now=EXAMPLE_NOW), *example.args)
    assert result == example.result
    assert type_of(result) is type_of(example.result)


def test_docs_page_is_generated_from_the_registry() -> None:
    page = (ROOT / "docs" / "stdlib.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "regenerate docs/stdlib.md with render_markdown()"
    for function in REGISTRY.values():
        assert f"`{function.signature}`" in page


def test_importing_the_registry_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "import camp.stdlib\n"
        "from camp.stdlib.functions import REGISTRY\n"
        "assert REGISTRY['country_code'].signature\n"
        "heavy = ('pycountry', 'phonenumbers', 'email_validator', 'regex')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
