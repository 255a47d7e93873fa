"""The prelude (`import "std/normalize";`, `import "std/scoring";`): it checks clean
with open and closed schemas and cleans up messy leads."""

from __future__ import annotations

import pytest
from camp.checker import check_sources
from runtime_helpers import acts, field

NORMALIZERS = {
    "NormalizeLead",
    "NormalizeEmail",
    "NormalizeCountry",
    "NormalizePhone",
    "NormalizeNames",
}

OPEN_PROGRAM = """
import "std/normalize";
campaign CleanUp < call NormalizeLead; >
"""

CLOSED_PROGRAM = """
import "std/normalize";
import "std/scoring";
fields <
  first_name: text;
  last_name: text;
  country: text;
  phone: text;
  score: number = 0;
  company: text;
>
campaign CleanUp < call NormalizeLead; >
program "Score - Demo" <
  token points = 50;
  campaign ScoreDemo < on form "Demo"; call ScoreBehavior with parent tokens; >
>
"""


@pytest.mark.parametrize(
    "source",
    [
        'import "std/normalize";',
        'import "std/scoring";',
        OPEN_PROGRAM,
        CLOSED_PROGRAM,
        'import "std/normalize";\nimport "std/normalize";\ncampaign C < call NormalizeEmail; >',
    ],
    ids=["normalize-alone", "scoring-alone", "open-schema", "closed-schema", "twice"],
)
def test_prelude_checks_clean(source):
    result = check_sources([("main.camp", source)])
    assert result.diagnostics == []
    if "normalize" in source:
        assert set(result.symbols.campaigns) >= NORMALIZERS


def test_prelude_has_no_fields_block():
    from camp.checker.loader import stdlib_dir

    for name in ("normalize.camp", "scoring.camp"):
        result = check_sources([(name, (stdlib_dir() / name).read_text(encoding="utf-8"))])
        assert not result.symbols.closed, name


def test_closed_schema_must_declare_the_prelude_fields():
    result = check_sources(
        [
            (
                "main.camp",
                'import "std/normalize";\nfields < country: text; >\ncampaign C < call NormalizeLead; >',
            )
        ]
    )
    undefined = {d.message.split("'")[1] for d in result.diagnostics if d.code == "E301"}
    assert undefined == {"phone", "first_name", "last_name"}


MESSY = [
    {
        "id": 1,
        "email": "  ANA@Example.COM ",
        "first_name": "  ana ",
        "last_name": "SMITH",
        "country": "Deutschland",
        "phone": "030 1234567",
    },
    {"id": 2, "email": "bo@example.com", "country": "usa", "phone": "(415) 555-0123"},
    {"id": 3, "email": "mailto:Cy@Example.com", "country": "U.K.", "phone": "+44 20 7946 0958"},
    {"id": 4, "email": "di@example.com", "country": "Germany (Bavaria)", "phone": "089 123456"},
    {"id": 5, "email": "ed@example", "country": "Atlantis", "phone": "n/a"},
    {"id": 6, "email": "fe@example.com", "country": "US", "phone": "415-555-0123 / 415-555-0199"},
    {"id": 7, "first_name": "mary-jane", "last_name": "McDonald", "phone": "+49 30 1234567"},
    {"id": 8, "email": "gu@example.com", "country": "España", "first_name": "   "},
    {"id": 9, "email": "ha@example.com", "country": "n/a", "phone": "+1 415 555 0123"},
]


@pytest.fixture
def cleaned(camp):
    return camp(OPEN_PROGRAM, MESSY, campaign="CleanUp")


@pytest.mark.parametrize(
    ("lead", "name", "expected"),
    [
        (1, "email", "ana@example.com"),
        (1, "first_name", "Ana"),
        (1, "last_name", "Smith"),
        (1, "country", "DE"),
        (1, "phone", "+49301234567"),
        (2, "country", "US"),
        (2, "phone", "+14155550123"),
        (3, "email", "cy@example.com"),
        (3, "country", "GB"),
        (3, "phone", "+442079460958"),
        (4, "country", "DE"),
        (4, "phone", "+4989123456"),
        (5, "email", "ed@example"),
        (5, "country", "Atlantis"),
        (5, "phone", "n/a"),  # left as typed
        (6, "phone", "+14155550123"),
        (7, "first_name", "Mary-Jane"),
        (7, "last_name", "McDonald"),
        (7, "country", None),
        (7, "phone", "+49301234567"),
        (8, "country", "ES"),
        (8, "first_name", None),
        (9, "country", "n/a"),  # a placeholder, not Namibia ("NA")
        (9, "phone", "+14155550123"),
    ],
)
def test_normalize_lead_cleans_messy_leads(cleaned, lead, name, expected):
    assert field(cleaned, lead, name) == expected


def test_normalize_lead_routes_what_cannot_be_fixed_and_goes_on(cleaned):
    assert cleaned.errors == []
    review = sorted((a["lead"], a["list"]) for a in acts(cleaned, "Add to List"))
    assert review == [
        (5, "Normalize: Invalid Email"),
        (5, "Normalize: Invalid Phone"),
        (5, "Normalize: Unknown Country"),
        (9, "Normalize: Unknown Country"),
    ]


def test_each_normalizer_is_one_attempt_in_the_audit_trail(cleaned):
    attempts = {}
    for a in acts(cleaned, "Retry Attempt"):
        attempts.setdefault(a["lead"], []).append(a["succeeded"])
    assert attempts[1] == [True, True, True]  # email, country, phone
    assert attempts[3] == [True, True, True]  # "mailto:" repaired in the same attempt
    assert attempts[5] == [False, False, False]
    assert attempts[7] == [True, True, True]  # skipped (not qualified) counts as done


def test_normalizers_skip_leads_without_the_field(cleaned):
    skipped = {
        (a["lead"], a["target"]) for a in acts(cleaned, "Execute Campaign") if not a["qualified"]
    }
    assert skipped == {(7, "NormalizeEmail"), (7, "NormalizeCountry"), (8, "NormalizePhone")}


def test_normalize_country_alone_fails_with_a_clear_message(camp):
    s = camp(
        'import "std/normalize";\ncampaign C < call NormalizeCountry; set after = true; >',
        [{"id": 1, "country": "Atlantis"}, {"id": 2, "country": " deutschland "}],
        campaign="C",
    )
    [err] = acts(s, "Flow Error")
    assert err["lead"] == 1
    assert err["code"] == "R206"
    assert err["message"] == "NormalizeCountry: unknown country 'Atlantis'"
    assert err["stack"][0] == "main.camp:2:14 C"
    assert err["stack"][1].endswith(" NormalizeCountry")
    assert field(s, 2, "country") == "DE"
    assert field(s, 2, "after") is True


def test_normalize_works_with_a_closed_schema(camp):
    s = camp(
        CLOSED_PROGRAM,
        [{"id": 1, "email": " X@Y.COM", "country": "united states", "phone": "4155550123"}],
        campaign="CleanUp",
    )
    assert s.errors == []
    assert [field(s, 1, f) for f in ("email", "country", "phone")] == [
        "x@y.com",
        "US",
        "+14155550123",
    ]


def test_normalize_phone_reads_national_numbers_in_the_leads_country(camp):
    s = camp(
        'import "std/normalize";\ncampaign C < call NormalizePhone; >',
        [
            {"id": 1, "country": "US", "phone": "(415) 555-0123"},
            {"id": 2, "country": "United States", "phone": "415.555.0123"},
            {"id": 3, "country": "DE", "phone": "0049 30 1234567"},
        ],
        campaign="C",
    )
    assert [field(s, i, "phone") for i in (1, 2, 3)] == [
        "+14155550123",
        "+14155550123",
        "+49301234567",
    ]


# ---- std/scoring --------------------------------------------------------------------------


SCORING = """
import "std/scoring";
program "Score - Pricing Page" <
  token points = 10;
  campaign WithParent < on page "/pricing"; qualify every time; call ScoreBehavior with parent tokens; >
  campaign WithoutParent < on page "/about"; qualify every time; call ScoreBehavior; >
>
program "Score - Unsubscribe" <
  token points = -25;
  campaign Penalty < on form "Unsubscribe"; call ScoreBehavior with parent tokens; >
>
"""


def test_shared_scoring_plus_10_with_parent_tokens_and_plus_0_without(camp):
    s = camp(
        SCORING,
        [{"id": 1, "score": 40}],
        events=[
            {"time": "2026-12-01T10:00:00", "lead": 1, "type": "page", "name": "/pricing"},
            {"time": "2026-12-01T11:00:00", "lead": 1, "type": "page", "name": "/about"},
            {"time": "2026-12-01T12:00:00", "lead": 1, "type": "form", "name": "Unsubscribe"},
        ],
    )
    assert [(a["old"], a["new"], a["change"]) for a in acts(s, "Change Score")] == [
        (40, 50, 10),
        (50, 50, 0),
        (50, 25, -25),
    ]
    assert [a["description"] for a in acts(s, "Interesting Moment")] == [
        "Score 10 points from Score - Pricing Page (score now 50)",
        "Score 0 points from Shared Scoring (score now 50)",
        "Score -25 points from Score - Unsubscribe (score now 25)",
    ]
    assert all(a["campaign"] == "ScoreBehavior" for a in acts(s, "Change Score"))


def test_shared_scoring_starts_from_zero(camp):
    s = camp(
        SCORING,
        [{"id": 1}],
        events=[{"time": "2026-12-01T10:00:00", "lead": 1, "type": "page", "name": "/pricing"}],
    )
    assert field(s, 1, "score") == 10


def test_shared_scoring_caller_without_points_falls_back_to_the_library_token(camp):
    # Marketo: a token the parent context lacks falls back to the executable's own
    # program token (here Shared Scoring's 0), so this is no longer E302 (issue 13).
    s = camp(
        'import "std/scoring";\nprogram "P" < token value = 5;\n'
        'campaign C < on page "/x"; call ScoreBehavior with parent tokens; > >',
        [{"id": 1, "score": 3}],
        events=[{"time": "2026-12-01T10:00:00", "lead": 1, "type": "page", "name": "/x"}],
    )
    assert [(a["old"], a["new"], a["change"]) for a in acts(s, "Change Score")] == [(3, 3, 0)]
    assert [a["description"] for a in acts(s, "Interesting Moment")] == [
        "Score 0 points from P (score now 3)"
    ]
