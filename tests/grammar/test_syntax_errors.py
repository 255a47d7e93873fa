"""Syntax errors (E001) and checker diagnostics as the user sees them.

The rendered texts are pinned exactly (caret lines included): they are the
tool's user interface (spec §6), and a change to them should be deliberate.
"""

from __future__ import annotations

import json
import re

import pytest
from camp.checker import check_sources
from camp.diagnostics import Diagnostic, render, to_json_report
from camp.grammar.parser import grammar, parse

FILE = "bad.camp"


def rendered(text: str, file: str = FILE) -> str:
    """Every diagnostic of a parse, rendered without colour, one block per diagnostic."""
    result = parse(text, file)
    return "\n\n".join(render(d, {file: text}) for d in result.diagnostics)


def lines(*rows: str) -> str:
    return "\n".join(rows)


# ---- pinned renders: syntax errors ---------------------------------------------


def test_missing_semicolon():
    text = 'campaign Welcome <\n  set country = "US"\n  call Enrich;\n>\n'
    assert rendered(text) == lines(
        "bad.camp:2:21: error[E001]: missing ';' after string \"US\"",
        "   |",
        ' 2 |   set country = "US"',
        "   |                     ^",
        "   = help: every simple statement ends with ';'",
    )


def test_missing_semicolon_before_a_closing_block():
    text = "campaign Welcome <\n  stop\n>\n"
    assert rendered(text) == lines(
        "bad.camp:2:7: error[E001]: missing ';' after 'stop'",
        "   |",
        " 2 |   stop",
        "   |       ^",
        "   = help: every simple statement ends with ';'",
    )


def test_unclosed_block():
    text = 'campaign Welcome <\n  on created;\n  if score > 10 then <\n    send email "Hi";\n  >\n'
    assert rendered(text) == lines(
        "bad.camp:1:18: error[E001]: unclosed '<' of campaign Welcome "
        "(opened at line 1, column 18)",
        "   |",
        " 1 | campaign Welcome <",
        "   |                  ^",
        "   = help: close the block with '>'",
    )


def test_chained_comparison():
    text = "campaign Scoring <\n  where 10 < score < 100;\n>\n"
    assert rendered(text) == lines(
        "bad.camp:2:20: error[E001]: comparisons do not chain",
        "   |",
        " 2 |   where 10 < score < 100;",
        "   |                    ^",
        "   = help: compare twice and join with 'and': 'a < b and b < c'",
    )


def test_single_equals_in_a_condition():
    text = 'campaign Route <\n  if country = "US" then < call Us; >\n>\n'
    assert rendered(text) == lines(
        "bad.camp:2:14: error[E001]: '=' assigns; use '==' to compare",
        "   |",
        ' 2 |   if country = "US" then < call Us; >',
        "   |              ^",
        "   = help: write 'x == 1' in a condition ('=' only appears in 'set x = ...')",
    )


def test_unknown_step_keyword_with_did_you_mean():
    text = 'campaign Welcome <\n  on created;\n  sned email "Welcome";\n>\n'
    assert rendered(text) == lines(
        "bad.camp:3:3: error[E001]: unknown step or clause 'sned'",
        "   |",
        ' 3 |   sned email "Welcome";',
        "   |   ^^^^",
        "   = help: did you mean 'send'?",
    )


def test_unknown_declaration_keyword_with_did_you_mean():
    text = "excutable campaign A < >\n"
    first = parse(text, FILE).diagnostics[0]
    assert render(first, {FILE: text}) == lines(
        "bad.camp:1:1: error[E001]: unknown declaration 'excutable'",
        "   |",
        " 1 | excutable campaign A < >",
        "   | ^^^^^^^^^",
        "   = help: did you mean 'executable'?",
    )


def test_unterminated_string():
    text = 'campaign Welcome <\n  send email "Welcome;\n  stop;\n>\n'
    assert rendered(text) == lines(
        "bad.camp:2:14: error[E001]: unterminated string",
        "   |",
        ' 2 |   send email "Welcome;',
        "   |              ^^^^^^^^^",
        "   = help: close the string with '\"' on the same line (write \\n for a line break)",
    )


def test_retry_until_without_semicolon():
    text = (
        "campaign Qualify <\n"
        "  retry 3 times <\n"
        "    call Normalize;\n"
        "  > until country is not empty\n"
        "  call Score;\n"
        ">\n"
    )
    assert rendered(text) == lines(
        "bad.camp:4:31: error[E001]: expected ';' after the 'until' condition of 'retry', "
        "found 'call'",
        "   |",
        " 4 |   > until country is not empty",
        "   |                               ^",
        "   = help: a retry with 'until' and no 'else' ends with ';': "
        "retry 3 times < ... > until C;",
    )


def test_reserved_word_as_field():
    text = "campaign A <\n  set in = 1;\n>\n"
    assert rendered(text) == lines(
        "bad.camp:2:7: error[E001]: 'in' is a reserved word and cannot be used as a name",
        "   |",
        " 2 |   set in = 1;",
        "   |       ^^",
        "   = help: write it in backquotes to use it as a field: `in`",
    )


def test_unknown_escape():
    text = 'campaign A <\n  moment "50\\% off";\n>\n'
    assert rendered(text) == lines(
        "bad.camp:2:13: error[E001]: unknown escape '\\%' in string",
        "   |",
        ' 2 |   moment "50\\% off";',
        "   |             ^^",
        '   = help: the escapes are \\" \\\\ \\n \\t and \\uXXXX',
    )


def test_caret_keeps_tabs():
    text = "campaign A <\n\tsett x = 1;\n>\n"
    assert rendered(text) == lines(
        "bad.camp:2:2: error[E001]: unknown step or clause 'sett'",
        "   |",
        " 2 | \tsett x = 1;",
        "   | \t^^^^",
        "   = help: did you mean 'set'?",
    )


def test_render_counts_lines_like_the_lexer():
    text = 'campaign A <\n  moment "a\u2028b"; # form\x0cfeed\n  sett x;\n>\n'
    (d,) = parse(text, FILE).diagnostics
    assert (d.span.line, d.span.column) == (3, 3)
    assert render(d, {FILE: text}).splitlines()[2] == " 3 |   sett x;"


def test_closed_choices_are_listed_in_the_languages_words():
    text = "fields <\n  score: integer;\n>\n"
    (d,) = parse(text, FILE).diagnostics
    assert d.message == (
        "unexpected name 'integer'; expected 'boolean', 'date', 'datetime', 'number' or 'text'"
    )
    (d,) = parse("campaign A <\n  qualify twice;\n>\n", FILE).diagnostics
    assert d.message == "unexpected name 'twice'; expected 'every' or 'once'"


def test_expected_list_only_names_tokens_that_can_follow():
    (d,) = parse("campaign A <\n  set x = 1 2;\n>\n", FILE).diagnostics
    assert "')'" not in d.message and "end of file" not in d.message, d.message


def test_missing_semicolon_before_closing_angle_after_an_expression():
    text = "campaign A <\n  set x = 1\n>\n"
    (d,) = parse(text, FILE).diagnostics
    assert d.message == "missing ';' after number 1"
    assert (d.span.line, d.span.column) == (2, 12)


# ---- no parser internals in messages -----------------------------------------------


VALID = """\
import "other.camp";
fields <
  score: number = 0;
  `Job Title`: text;
>
webhook Hook <
  url "https://x.example/{{lead.email}}";
  response score = "a.b";
>
program "P" <
  token t = 1;
  statuses "A", "B";
  campaign InP < on form "F"; change status to "B"; >
>
executable campaign Exe <
  where score between 1 and 10 or `Job Title` contains "VP";
  qualify every time;
  set score += my.t * (2 - 1);
  if score >= 3 then < stop; > elif not score in [1, 2] then < > else < fail "x"; >
>
campaign Top <
  on added to list "VIP";
  wait 2 days;
  retry 2 times < call Exe; > until score is not empty else < moment "m {{lead.score}}"; >
  send alert "A" to "x@y.z";
>
"""

BROKEN = [
    "campaign",
    "campaign A",
    "campaign A <",
    "campaign A < set",
    "campaign A < set x",
    "campaign A < set x =",
    "campaign A < set x = 1",
    "campaign A < set x = 1 +",
    "campaign A < set x = (1 + 2 >",
    "campaign A < set x = f(1, >",
    "campaign A < set x = [1, 2 >",
    "campaign A < if >",
    "campaign A < if x then stop; >",
    "campaign A < if x < stop; > >",
    "campaign A < retry >",
    "campaign A < retry x times < > >",
    "campaign A < retry 2 < > >",
    "campaign A < retry 2 times < > until >",
    "campaign A < wait; >",
    "campaign A < wait 2; >",
    "campaign A < wait until; >",
    "campaign A < on; >",
    "campaign A < on form; >",
    "campaign A < qualify once every; >",
    "campaign A < schedule; >",
    "campaign A < send; >",
    "campaign A < send email; >",
    'campaign A < send alert "x"; >',
    "campaign A < change status; >",
    'campaign A < add list "x"; >',
    "campaign A < call A with tokens; >",
    "campaign A < where a is not; >",
    'campaign A < where a starts "x"; >',
    "campaign A < where a in past 3; >",
    "campaign A < where a between 1; >",
    "campaign A < where my.; >",
    "campaign A < where lead.; >",
    "campaign A < where `unterminated; >",
    "campaign A < where 'single'; >",
    "campaign A < where a ! b; >",
    "campaign A < where a => b; >",
    "campaign A < where a =< b; >",
    "campaign A < where a == ; >",
    "campaign A < > >",
    "> campaign A < >",
    "; ;",
    "fields < x >",
    "fields < x: ; >",
    "fields < x: text = ; >",
    'fields < x: text = -"a"; >',
    "webhook W < url; >",
    'webhook W < response = "x"; >',
    "program P < >",
    'program "P" < token = 1; >',
    'program "P" < statuses; >',
    'program "P" < statuses "A",; >',
    "import;",
    "import x;",
    "executable A < >",
    "executable campaign < >",
    "{{ }}",
    '"',
    "`",
    "\\",
    "@#$%^&",
    "campaign A < set x = 1e5; >",
    "campaign A < set x = .5; >",
    "campaign A < set x = 1.; >",
    "campaign A\u00a0< >",
]


def _all_broken_inputs() -> list[str]:
    inputs = list(BROKEN)
    # Every proper prefix of a valid program that ends at a token boundary.
    for m in re.finditer(r"\S+", VALID):
        inputs.append(VALID[: m.end()])
    # The valid program with one token deleted.
    tokens = list(re.finditer(r"\w+|\"[^\"\n]*\"|`[^`\n]*`|\S", VALID))
    for i in range(0, len(tokens), 3):
        t = tokens[i]
        inputs.append(VALID[: t.start()] + VALID[t.end() :])
    return inputs


def _terminal_names() -> set[str]:
    names = {t.name for t in grammar().lark.terminals}
    names |= {"$END", "__ANON", "ANON", "Token", "UnexpectedToken", "UnexpectedCharacters"}
    return names


def _internal_words(text: str) -> list[str]:
    found = []
    for name in _terminal_names():
        if re.search(rf"(?<![A-Za-z_$]){re.escape(name)}(?![A-Za-z_0-9])", text):
            found.append(name)
    if "__" in text:
        found.append("__")
    return found


def test_valid_program_used_for_broken_inputs_is_valid():
    assert parse(VALID, FILE).ok


def test_no_message_mentions_lark_terminal_names():
    inputs = _all_broken_inputs()
    assert len(inputs) > 200
    seen_errors = 0
    for text in inputs:
        result = parse(text, FILE)
        for d in result.diagnostics:
            seen_errors += 1
            assert d.code == "E001"
            for part in (d.message, d.hint or ""):
                assert _internal_words(part) == [], (text, part)
            assert d.span is not None and d.span.line >= 1 and d.span.column >= 1
            render(d, {FILE: text})  # renders without error
    assert seen_errors > 200


@pytest.mark.parametrize("start", ["statement", "expression"])
def test_no_terminal_names_in_statement_and_expression_modes(start):
    for text in ["set", "set x", "set x = ", "if x then", "1 +", "(", "f(1,", "a is", "not", ""]:
        for d in parse(text, FILE, start).diagnostics:
            assert _internal_words(d.message) == [], (text, d.message)


def test_broken_inputs_give_errors_not_a_tree():
    for text in BROKEN:
        result = parse(text, FILE)
        assert result.node is None and result.diagnostics, text


def test_end_of_file_is_named_in_words():
    (d,) = parse("1 +", FILE, "expression").diagnostics
    assert "end of file" in d.message
    assert "$END" not in d.message


# ---- recovery: several independent errors in one file ---------------------------------


def test_recovery_reports_every_independent_error():
    text = (
        "campaign A <\n"  # 1
        "  set x = ;\n"  # 2  expression missing
        "  sett y = 2;\n"  # 3  unknown step
        '  send email "ok";\n'  # 4  fine
        ">\n"  # 5
        "\n"  # 6
        "campaign B <\n"  # 7
        "  where a = 1;\n"  # 8  '=' for '=='
        "  call ;\n"  # 9  name missing
        "  stop;\n"  # 10 fine
        "  where 1 < b < 2;\n"  # 11 chained comparison
        ">\n"  # 12
        "campaign C <\n"  # 13
        "  set z = 1\n"  # 14 missing ';'
        "  stop;\n"  # 15
        ">\n"  # 16
    )
    result = parse(text, FILE)
    got = [(d.span.line, d.message) for d in result.diagnostics]
    assert got == [
        (2, "unexpected ';'; expected an expression"),
        (3, "unknown step or clause 'sett'"),
        (8, "'=' assigns; use '==' to compare"),
        (9, "unexpected ';'; expected a name"),
        (11, "comparisons do not chain"),
        (14, "missing ';' after number 1"),
    ]


def test_recovery_across_blocks_and_declarations():
    text = (
        "campaign A <\n"
        "  if x then <\n"
        "    sett a = 1;\n"
        "  >\n"
        "  stop;\n"
        ">\n"
        'program "P" <\n'
        "  token = 1;\n"
        "  campaign B < stpo; >\n"
        ">\n"
        "campaign D <\n"
        "  retry 2 times < call X; > until ok\n"
        "  stop;\n"
        ">\n"
    )
    result = parse(text, FILE)
    assert [d.span.line for d in result.diagnostics] == [3, 8, 9, 12]
    assert all(d.code == "E001" for d in result.diagnostics)


def test_missing_semicolon_repair_keeps_parsing():
    # After inserting the missing ';' parsing goes on: a later error is still found.
    text = "campaign A <\n  set x = 1\n  stop;\n  sett y = 2;\n>\n"
    result = parse(text, FILE)
    assert [(d.span.line, d.message) for d in result.diagnostics] == [
        (2, "missing ';' after number 1"),
        (4, "unknown step or clause 'sett'"),
    ]


def test_unknown_declaration_is_one_error():
    text = "campaign A < stop; >\ncampain C <\n  stop;\n>\ncampaign D < stop; >\n"
    assert len(parse(text, FILE).diagnostics) == 1


def test_diagnostics_are_sorted_by_position():
    text = "campaign A < sett a; >\ncampaign B < stp; >\ncampaign C < set x = ; >\n"
    ds = parse(text, FILE).diagnostics
    keys = [(d.span.line, d.span.column) for d in ds]
    assert keys == sorted(keys) and len(ds) == 3


# ---- pinned renders: checker diagnostics -------------------------------------------------


def checked(text: str, file: str = "examples/bad.camp"):
    return check_sources([(file, text)])


SPEC_EXAMPLE = (
    "campaign Welcome <\n"  # 1
    "  on created;\n"  # 2
    "  call Normalize;\n"  # 3
    ">\n"  # 4
    "\n"  # 5
    "executable campaign Normalize <\n"  # 6
    "  wait 2 days;\n"  # 7
    ">\n"  # 8
)


def test_render_e101_exactly_as_in_the_spec():
    result = checked(SPEC_EXAMPLE)
    (d,) = result.diagnostics
    assert render(d, result.symbols.sources) == lines(
        "examples/bad.camp:7:3: error[E101]: 'wait' is not allowed in executable campaign "
        "'Normalize'",
        "   |",
        " 7 |   wait 2 days;",
        "   |   ^^^^^^^^^^^^",
        "   = help: executables run synchronously; move the wait into the caller, or use 'request'",
    )


def test_render_e201_with_did_you_mean():
    text = "campaign Welcome <\n  on created;\n  call Normalise;\n>\n"
    text += "executable campaign Normalize < stop; >\n"
    result = checked(text)
    codes = [d.code for d in result.diagnostics]
    assert codes == ["E201", "W102"]
    assert render(result.diagnostics[0], result.symbols.sources) == lines(
        "examples/bad.camp:3:8: error[E201]: call of undefined campaign 'Normalise'",
        "   |",
        " 3 |   call Normalise;",
        "   |        ^^^^^^^^^",
        "   = help: did you mean 'Normalize'?",
    )


def test_render_w102_with_a_two_digit_line_number():
    text = "\n" * 11 + "executable campaign Orphan <\n  stop;\n>\n"
    result = checked(text)
    (d,) = result.diagnostics
    assert d.severity.value == "warning"
    assert render(d, result.symbols.sources) == lines(
        "examples/bad.camp:12:21: warning[W102]: executable campaign 'Orphan' is never called",
        "    |",
        " 12 | executable campaign Orphan <",
        "    |                     ^^^^^^",
        "    = help: call it from another campaign ('call Orphan;'), or delete it",
    )


def test_colour_render_contains_escape_codes_and_same_text():
    result = checked(SPEC_EXAMPLE)
    (d,) = result.diagnostics
    plain = render(d, result.symbols.sources)
    coloured = render(d, result.symbols.sources, color=True)
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_render_without_source_text_still_has_location_and_hint():
    d = Diagnostic("E101", "msg", checked(SPEC_EXAMPLE).diagnostics[0].span, "a hint")
    assert render(d, {}) == lines(
        "examples/bad.camp:7:3: error[E101]: msg",
        "  = help: a hint",
    )


# ---- the JSON report (spec §7) ------------------------------------------------------------

KEYS = ["code", "severity", "message", "file", "line", "column", "end_line", "end_column", "hint"]


def test_json_report_shape_with_errors():
    doc = json.loads(to_json_report(checked(SPEC_EXAMPLE).diagnostics))
    assert list(doc) == ["result", "diagnostics"]
    assert doc["result"] == "FAIL"
    (item,) = doc["diagnostics"]
    assert list(item) == KEYS
    assert item == {
        "code": "E101",
        "severity": "error",
        "message": "'wait' is not allowed in executable campaign 'Normalize'",
        "file": "examples/bad.camp",
        "line": 7,
        "column": 3,
        "end_line": 7,
        "end_column": 15,
        "hint": "executables run synchronously; move the wait into the caller, or use 'request'",
    }


def test_json_report_ok_with_only_warnings_and_null_hint():
    text = "executable campaign Orphan < stop; >\n"
    diagnostics = checked(text).diagnostics
    doc = json.loads(to_json_report(diagnostics))
    assert doc["result"] == "OK"
    assert [d["severity"] for d in doc["diagnostics"]] == ["warning"]
    bare = Diagnostic("W101", "x", diagnostics[0].span)
    (item,) = json.loads(to_json_report([bare]))["diagnostics"]
    assert item["hint"] is None


def test_json_report_empty_and_syntax_errors():
    assert json.loads(to_json_report([])) == {"result": "OK", "diagnostics": []}
    result = checked("campaign A < sett x; >")
    doc = json.loads(to_json_report(result.diagnostics))
    assert doc["result"] == "FAIL"
    (item,) = doc["diagnostics"]
    assert item["code"] == "E001" and item["severity"] == "error"
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (1, 14, 1, 18)
    for key in ("line", "column", "end_line", "end_column"):
        assert isinstance(item[key], int) and item[key] >= 1
