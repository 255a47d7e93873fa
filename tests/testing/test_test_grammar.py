"""The grammar of test declarations: the AST of every test-only line, soft keywords,
and syntax errors in Camp's words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from camp.grammar import ast as A
from camp.grammar.parser import build_lark, parse, parse_module


def body(text: str) -> tuple[object, ...]:
    module = parse_module(f'test "t" <\n{text}\n>\n', "t.camp")
    test = module.items[0]
    assert isinstance(test, A.TestDecl) and test.name == "t"
    return test.body


def test_grammar_is_strict_lalr() -> None:
    build_lark(strict=True, cache=False)  # raises on any conflict or collision


def test_lead_and_at() -> None:
    lead, at = body(
        'lead < score = 95; `Job Title` = "CMO"; id = 7; unsubscribed = true; >\nat "2026-12-01T09:00:00";'
    )
    assert isinstance(lead, A.TestLead) and isinstance(at, A.TestAt)
    assert [(r.name, c.value) for r, c in lead.values] == [
        ("score", Decimal(95)),
        ("Job Title", "CMO"),
        ("id", Decimal(7)),
        ("unsubscribed", True),
    ]
    assert at.at == "2026-12-01T09:00:00"
    assert (lead.span.line, lead.span.column, lead.span.end_column) == (
        2,
        1,
        71,
    )  # end_column is exclusive: just after the ">"


@pytest.mark.parametrize("kind", ["form", "page", "click", "event"])
def test_fire(kind: str) -> None:
    (fire,) = body(f'fire {kind} "Contact Us";')
    assert isinstance(fire, A.Fire)
    assert fire.kind is A.TriggerKind(kind) and fire.name.plain == "Contact Us"


def test_advance_and_mock() -> None:
    adv, mock = body('advance 3 days;\nmock webhook Clearbit returns "{\\"a\\": 1}";')
    assert isinstance(adv, A.Advance) and str(adv.duration) == "3 days"
    assert isinstance(mock, A.MockWebhook)
    assert (mock.name, mock.response) == ("Clearbit", '{"a": 1}')


def test_expect_forms() -> None:
    lines = body(
        'expect score >= 100 and country is "US";\n'
        'expect activity "Send Email";\n'
        'expect no activity "Send Email" with email is "X";\n'
        'expect 3 activity "Retry Attempt" with attempt == 3 and succeeded == false and campaign contains "N";\n'
        "expect error R206;\n"
        'expect in list "MQL";\n'
        'expect not in list "MQL";\n'
        'expect status in "Webinar" is "Attended";\n'
        "expect not score > 3;\n"
        "expect 3 == score;\n"
    )
    cond, some, none, three, err, inl, notin, status, neg, num = lines
    assert isinstance(cond, A.ExpectCondition) and isinstance(cond.condition, A.Binary)
    assert isinstance(some, A.ExpectActivity) and (some.count, some.type_name, some.tests) == (
        None,
        "Send Email",
        (),
    )
    assert isinstance(none, A.ExpectActivity) and none.count == 0 and len(none.tests) == 1
    assert isinstance(three, A.ExpectActivity) and three.count == 3
    assert [
        t.left.name
        for t in three.tests
        if isinstance(t, A.Binary) and isinstance(t.left, A.FieldRef)
    ] == [
        "attempt",
        "succeeded",
        "campaign",
    ]
    assert isinstance(err, A.ExpectError) and err.code == "R206"
    assert isinstance(inl, A.ExpectInList) and not inl.negated and inl.list_name.plain == "MQL"
    assert isinstance(notin, A.ExpectInList) and notin.negated
    assert isinstance(status, A.ExpectStatus)
    assert (status.program.plain, status.status.plain) == ("Webinar", "Attended")
    assert isinstance(neg, A.ExpectCondition) and isinstance(neg.condition, A.Not)
    assert isinstance(num, A.ExpectCondition)


def test_steps_run_in_a_test_body() -> None:
    s, c, r = body("set score += 5;\ncall Qualify;\nrequest Enrich;")
    assert isinstance(s, A.Set) and isinstance(c, A.CallStep) and isinstance(r, A.Request)


def test_tests_inside_programs_know_their_program() -> None:
    module = parse_module(
        'program "P" < token points = 1; test "in P" < expect score > 1; > >', "p.camp"
    )
    program = module.items[0]
    assert isinstance(program, A.Program)
    assert [(t.name, t.program) for t in program.tests] == [("in P", "P")]


def test_test_words_stay_soft() -> None:
    text = (
        "campaign C <\n"
        "  set expect = 1; set fire = 2; set advance = 3; set mock = 4; set activity = 5;\n"
        "  set returns = 6; set no = 7; set error = 8; set at = 9; set test = 10;\n"
        "  where expect > 0 and activity is not empty and error != 1;\n"
        ">\n"
    )
    assert parse(text, "soft.camp").ok


def test_test_lines_in_a_campaign_parse_for_the_checker() -> None:
    campaign = parse_module("campaign C < set x = 1; expect x == 1; >", "c.camp").items[0]
    assert isinstance(campaign, A.Campaign)
    assert len(campaign.body) == 2 and len(campaign.steps) == 1


ERRORS = [
    ("advance 3;", "expected a duration after 'advance', found ';'"),
    (
        "expect activity Send;",
        "expected the activity type as a string after 'activity', found name 'Send'",
    ),
    ("expect error;", "expected a campaign error code after 'expect error', found ';'"),
    ('mock webhook X "{}";', "expected 'returns' after the webhook's name, found string \"{}\""),
    (
        "expect status == 1;",
        "after 'expect', 'status' starts an expectation of its own, found '=='",
    ),
    ('fire webinar "x";', "unexpected name 'webinar'; expected 'click', 'event', 'form' or 'page'"),
    ('expect 2.5 activity "X";', "an activity count is a whole number"),
    ("expectt x;", "unknown step 'expectt'"),
    ("lead < score = 1 >\nexpect x;", "missing ';' after number 1"),
]


@pytest.mark.parametrize(("line", "message"), ERRORS)
def test_syntax_errors_in_camps_words(line: str, message: str) -> None:
    result = parse(f'test "t" <\n{line}\n>\n', "e.camp")
    assert [d.code for d in result.diagnostics][:1] == ["E001"]
    assert result.diagnostics[0].message == message


def test_test_lines_inside_a_block_are_explained() -> None:
    d = parse('test "t" < if x then < expect y; > >', "e.camp").diagnostics[0]
    assert d.message == "'expect' is a test line: it stands on a test's own lines, not in a block"


def test_status_field_hint() -> None:
    d = parse('test "t" < expect status == 1; >', "e.camp").diagnostics[0]
    assert d.hint == "to test the field 'status', write lead.status or `status`"
