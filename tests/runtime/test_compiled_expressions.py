"""The compiled engine's expressions against the tree-walker's, one expression at a time:
every operator (with each kind of constant, or a field, on its right), the functions it
calls directly, membership tests, tokens in both token contexts, trigger values, on a
matrix of values of every type. Each must give the same value of the same type (or the
same error: code, message and span), as a value and as a condition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from camp.checker import check_sources
from camp.checker.symbols import CampaignInfo
from camp.grammar import ast as A
from camp.runtime.compile import TEXT_FUNCTIONS, _Generator
from camp.runtime.evaluator import Frame, Interpreter
from camp.runtime.values import CampaignError
from camp.runtime.world import ActivityLog, Lead
from camp.stdlib import REGISTRY, text_functions
from camp.stdlib.registry import CallContext

START = dt.datetime(2026, 12, 1, 9, 0)
VALUES: list[Any] = [
    None,
    "",
    "alpha",
    "Alpha Beta",
    "BETA",
    " de ",
    "straße",
    "STRASSE",
    "İx",
    "5",
    Decimal(0),
    Decimal(5),
    Decimal("5.0"),
    Decimal("-3.25"),
    True,
    False,
    dt.date(2026, 11, 30),
    dt.datetime(2026, 11, 30, 12, 0),
    ("alpha", "B"),
    (Decimal(5), "x"),
    (),
]
CONSTANTS = [
    '"alpha"',
    '"Beta"',
    '"ss"',
    '"straße"',
    '""',
    '"5"',
    "0",
    "5",
    "5.00",
    "-3.25",
    "true",
    "false",
    "null",
    '["alpha", "BETA"]',
    "[0, 5]",
    '["alpha", 5, true, null]',
    '["STRASSE"]',
    "[]",
    "[b, 5]",
]
OPERATORS = [op.value for op in A.BinOp if op not in A.LOGICAL]
OTHERS = [
    *(f"{name}(a)" for name in TEXT_FUNCTIONS),
    "a is empty",
    "a is not empty",
    "a between 0 and 5",
    "a between b and 5",
    "not a",
    "-a",
    "a in past 3 days",
    'member of list "L Alpha"',
    'member of list "l beta"',
    'member of program "P"',
    'status in "P" is "s2"',
    'status in "P" is "S3"',
    "my.tok",
    "my.word",
    "my.only_p",
    '"{{my.word}}/{{my.tok}}/{{campaign.name}}/{{program.name}}/{{lead.a}}/{{lead.id}}"',
    "my.tok + a",
    "a and b",
    "a or true",
    "coalesce(a, b)",
    "concat(a, b)",
    'lower(trim(a)) contains "al"',
]
TRIGGER = [
    "trigger.old",
    "trigger.new",
    '"{{trigger.old}}->{{trigger.new}}"',
    "trigger.new > trigger.old",
    'trigger.old is "alpha"',
]

PROGRAM_HEAD = """program "P" <
  token tok = 5; token word = "Alpha"; token only_p = 2;
  statuses "S1", "S2", "S3";
  campaign Other < set a = 1; >
"""
PROGRAM_TAIL = """>
program "Q" <
  token tok = 7; token word = "beta";
  statuses "Q1";
  campaign InQ < set a = 1; >
>
"""


def _expressions() -> list[str]:
    exprs = [f"a {op} {k}" for op in OPERATORS for k in CONSTANTS]
    exprs += [f"a {op} b" for op in OPERATORS]
    return exprs + OTHERS


def _checked(exprs: list[str], trigger: bool) -> tuple[Any, list[tuple[str, CampaignInfo]]]:
    """A program with one campaign per expression that checks (those that do not are
    left out: the checker refuses them before any engine sees them)."""
    clause = "on change a; " if trigger else ""

    def source(items: list[str]) -> str:
        lines = [f"  campaign C{i} < {clause}set r = {e}; >\n" for i, e in enumerate(items)]
        return PROGRAM_HEAD + "".join(lines) + PROGRAM_TAIL

    result = check_sources([("exprs.camp", source(exprs))])
    first = PROGRAM_HEAD.count("\n") + 1  # the line of C0
    bad = {d.span.line - first for d in result.diagnostics if d.is_error and d.span}
    kept = [e for i, e in enumerate(exprs) if i not in bad]
    result = check_sources([("exprs.camp", source(kept))])
    assert not [d for d in result.diagnostics if d.is_error]
    campaigns = result.symbols.campaigns
    return result.symbols, [(e, campaigns[f"C{i}"]) for i, e in enumerate(kept)]


def _outcome(run: Any, *args: Any) -> tuple[Any, ...]:
    try:
        value = run(*args)
    except CampaignError as err:
        return ("error", err.code, err.message, err.span)
    return ("value", type(value), repr(value))


def _compiled(gen: _Generator, code: str) -> Any:
    source = f"def f(lead, event, depth, frame):\n    fields = lead.fields\n    return {code}\n"
    namespace = gen.namespace
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace["f"]


def _compare(symbols: Any, cases: list[tuple[str, Any]], frames: Any) -> int:
    interp = Interpreter(symbols, ActivityLog(None, keep=False), START)
    compared = 0
    for text, campaign in cases:
        expr = campaign.steps[0].value
        for dynamic, frame in frames(campaign, symbols):
            gen = _Generator(interp)
            gen.campaign, gen.dynamic = campaign, dynamic
            value, condition = _compiled(gen, gen.expr(expr)), _compiled(gen, gen.cond(expr))
            for a in VALUES:
                for b in (None, "Alpha", Decimal(5)):
                    lead = Lead(7, {"a": a, "b": b}, lists={"l alpha"}, statuses={"P": "S2"})
                    args = (lead, frame.event, frame.depth, frame)
                    for tree, compiled in ((interp.eval, value), (interp.condition, condition)):
                        expected = _outcome(tree, expr, frame, lead)
                        actual = _outcome(compiled, *args)
                        assert actual == expected, f"{text} with a={a!r}, b={b!r}"
                        compared += 1
    return compared


def _own_frame(campaign: Any, symbols: Any) -> list[tuple[bool, Frame]]:
    """The campaign in its own token context, and as a callee 'with parent tokens' of a
    campaign of program Q (tokens from Q, then P; Q's campaign names the context)."""
    own = Frame(campaign, campaign.program, None, None)
    q = symbols.programs["Q"]
    parented = Frame(campaign, q, None, None, (symbols.programs["P"],), symbols.campaigns["InQ"])
    parented.depth = 2
    return [(False, own), (True, parented)]


def _change_frames(campaign: Any, symbols: Any) -> list[tuple[bool, Frame]]:
    frames = []
    for event in (None, (None, Decimal(5)), ("alpha", "Beta"), (Decimal(2), Decimal(1))):
        frame = Frame(campaign, campaign.program, None, None)
        frame.event = event
        frames.append((False, frame))
    return frames


def test_operators_functions_and_tokens_same_on_both_engines():
    exprs = _expressions()
    symbols, cases = _checked(exprs, trigger=False)
    # the checker refuses the clashes it sees (a list after '<', a number after
    # 'contains' ...): the rest, over half the combinations, are compared
    assert len(cases) > len(exprs) / 2, len(cases)
    assert _compare(symbols, cases, _own_frame) > 50_000


def test_trigger_values_same_on_both_engines():
    symbols, cases = _checked(TRIGGER, trigger=True)
    assert len(cases) == len(TRIGGER)
    assert _compare(symbols, cases, _change_frames) > 1000


@pytest.mark.parametrize("name", sorted(TEXT_FUNCTIONS))
def test_text_fast_paths_are_the_functions(name):
    """What the compiled code runs on text is what the stdlib function gives."""
    impl = REGISTRY[name].impl
    ctx = CallContext(START)
    namespace = {"_title_case": text_functions.title_case, "Decimal": Decimal}
    for text in ["", " a ", "mary-jane o'neil", "ÉCOLE", "straße", "İstanbul", "ǅ x", "a\u2019b"]:
        fast = eval(TEXT_FUNCTIONS[name].format("t"), namespace, {"t": text})
        expected = impl(ctx, text)
        assert (type(fast), fast) == (type(expected), expected)
