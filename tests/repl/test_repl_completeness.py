"""The rule for Enter: submit complete input, add a line to incomplete input."""

from __future__ import annotations

import pytest
from camp.repl.parsing import classify, input_complete

COMPLETE = [
    # expressions
    "1 + 2",
    "0.1 + 0.2 == 0.3",
    "country",
    "lower(email)",
    '"text"',
    "score between 1 and 10",
    'country in ["US", "CA"]',
    "(1 + 2) * 3",
    "my.points",
    "stop",  # keywords are soft: this is the field 'stop'
    # steps, one or several
    "set x = 1;",
    "set a = 1; set b = 2;",
    "call Shout;",
    "stop;",
    "if a then < set b = 1; >",
    "if a then <\n  set b = 1;\n> else <\n  set b = 2;\n>",
    "retry 3 times < call X; >",
    "retry 3 times < call X; > until x is not empty;",
    "webhook Clearbit;",
    'send email "Welcome";',
    # declarations
    "campaign X < >",
    "executable campaign Shout <\n  set first_name = upper(first_name);\n>",
    'import "std/normalize";',
    "fields < score: number = 0; >",
    'program "P" < token a = 1; >',
    'webhook W < url "https://x.example"; >',
    # meta-commands and blank input
    ":help",
    ":load examples/normalize.camp",
    "  :quit",
    "",
    "   ",
    "# just a comment",
    # errors before the end: submitted so the error shows
    "foo bar",
    "x = 1",
    "sett x = 1;",
    "set x = 1; >",
    "1 + * 2",
    "a < b < c",
    # an unterminated string ends at the end of its line (strings do not span lines):
    # Enter submits it and shows "unterminated string" (issue 13)
    'set x = "abc',
    '"abc',
    'send email "Wel',
    'if a then <\n  moment "half',
    'set x = "a\\"b',
]

INCOMPLETE = [
    # open blocks
    "executable campaign Shout <",
    "executable campaign Shout <\n  set first_name = upper(first_name);",
    "campaign X <\n  on requested;",
    "if a then <",
    "if a then < set b = 1;",
    "if a then < set b = 1; > else <",
    "retry 3 times <",
    "fields <",
    'program "P" <',
    'program "P" < campaign C < set a = 1; >',
    # a statement without its ';'
    "set x = 1",
    "set a = 1; set b = 2",
    "call Shout",
    'import "std/normalize"',
    "retry 3 times < call X; > until x",
    # unfinished expressions
    "1 +",
    "country is",
    "lower(",
    "score between 1 and",
    "(1 + 2",
    "[1, 2",
]


STILL_INCOMPLETE = [
    'set x = "done"',  # a closed string: only the ';' is missing
    'moment "# not a comment"',
    'set `Job "Title` = 1',  # a '"' inside a backquoted name opens no string
    'set x = "a" # a "comment',
]


@pytest.mark.parametrize("text", STILL_INCOMPLETE)
def test_closed_strings_do_not_submit(text: str) -> None:
    assert not input_complete(text)


def test_an_unterminated_string_is_reported_on_its_line() -> None:
    parsed = classify('set x = "abc')
    assert parsed.kind == "error"
    assert [(d.code, d.message, d.span.line) for d in parsed.diagnostics] == [
        ("E001", "unterminated string", 1)
    ]


@pytest.mark.parametrize("text", COMPLETE)
def test_complete(text: str) -> None:
    assert input_complete(text)


@pytest.mark.parametrize("text", INCOMPLETE)
def test_incomplete(text: str) -> None:
    assert not input_complete(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1 + 2", "expression"),
        ("country", "expression"),
        ("set x = 1;", "steps"),
        ("set x = 1; call Y;", "steps"),
        ("campaign X < >", "declarations"),
        ('import "a.camp"; campaign X < >', "declarations"),
        (":show", "meta"),
        ("", "empty"),
        ("# comment\n", "empty"),
        ("foo bar", "error"),
        ("where x;", "error"),
        ("set x = 1; >", "error"),
    ],
)
def test_classify(text: str, kind: str) -> None:
    assert classify(text).kind == kind


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        # in the user's own lines and columns, never the synthetic wrapper's
        ("set a = 1;\nsett b = 2;", "unknown step or clause 'sett'", (2, 1)),
        ("set x = 1; >", "unexpected '>': no block is open here", (1, 12)),
        ("set x = 1", "missing ';' after number 1", (1, 10)),
        ("set a = 1; set b =", "the last statement is not finished", (1, 19)),
        ("if a then < set b = 1; > else <", "unclosed '<' of 'else' block", (1, 31)),
        ("if a then <\n set b = 1;", "(opened at line 1, column 11)", (1, 11)),
        ("where x;", "a clause", (1, 1)),
        ("set a = 1 set b = 2;", "missing ';' after number 1", (1, 10)),
    ],
)
def test_step_syntax_errors_use_the_users_positions(
    text: str, message: str, where: tuple[int, int]
) -> None:
    parsed = classify(text)
    assert parsed.kind == "error"
    first = parsed.diagnostics[0]
    assert message in first.message
    assert first.span is not None
    assert (first.span.file, first.span.line, first.span.column) == ("<repl>", *where)
    assert "__repl__" not in first.message
