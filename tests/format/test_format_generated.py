"""A generated corpus (hypothesis): random ASTs printed without a source must parse back to
themselves; the printed text, re-laid out with random whitespace, blank lines and comments,
must format to the same AST, keep every comment, and be stable under a second formatting."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from camp.format import format_module, format_source, shape
from camp.format.scan import scan
from camp.grammar import ast as A
from camp.grammar.parser import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

S = A.Span("gen.camp", 1, 1, 1, 1)
FIELDS = ["score", "country", "email", "lead_status", "Job Title", "in", "lead", "x_1"]
NAMES = ["Alpha", "Beta", "Gamma_2", "Main"]
UNITS = ["minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months"]
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

decimals = st.builds(
    lambda whole, frac: Decimal(f"{whole}.{frac}") if frac is not None else Decimal(whole),
    st.integers(0, 5000),
    st.none() | st.integers(0, 99),
)
text = st.text(alphabet='ab "\\\n\t{}.é', max_size=8)
interps = st.builds(
    lambda ns, name: A.Interp(ns, name, S),
    st.sampled_from(["lead", "my", "program", "campaign"]),
    st.sampled_from(["email", "points", "name", "Job Title"]),
)


def normal_parts(parts: list[str | A.Interp]) -> tuple[str | A.Interp, ...]:
    """Parts as the builder makes them: adjacent texts merged, no empty text beside a token."""
    merged: list[str | A.Interp] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    kept = [p for p in merged if p != ""]
    return tuple(kept) if kept else ("",)


strs = st.lists(text | interps, max_size=4).map(lambda ps: A.Str(normal_parts(ps), S))
plain_strs = text.map(lambda t: A.Str(normal_parts([t]), S))
field_refs = st.sampled_from(FIELDS).map(lambda n: A.FieldRef(n, S))
durations = st.builds(
    lambda n, u: A.Duration(Decimal(n), u, S), st.integers(1, 90), st.sampled_from(UNITS)
)

atoms = st.one_of(
    decimals.map(lambda d: A.Literal(d, S)),
    st.sampled_from([True, False, None]).map(lambda v: A.Literal(v, S)),
    strs,
    field_refs,
    st.sampled_from(["points", "label"]).map(lambda n: A.TokenRef(n, S)),
    st.sampled_from(["old", "new"]).map(lambda n: A.TriggerValue(n, S)),
    st.builds(lambda k, s: A.Membership(k, s, None, S), st.sampled_from(["list", "program"]), strs),
    st.builds(lambda pr, s: A.Membership("status", pr, s, S), strs, strs),
)
TESTS = sorted(A.COMPARISONS | A.TEXT_TESTS, key=str)


def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(
            lambda op, a, b: A.Binary(op, a, b, S, S), st.sampled_from(list(A.BinOp)), inner, inner
        ),
        st.builds(lambda e: A.Not(e, S), inner),
        st.builds(lambda e: A.Negate(e, S), inner),
        st.builds(lambda v, lo, hi: A.Between(v, lo, hi, S), inner, inner, inner),
        st.builds(lambda v, n: A.IsEmpty(v, n, S), inner, st.booleans()),
        st.builds(lambda v, d: A.InPast(v, d, S), inner, durations),
        st.builds(
            lambda name, args: A.FuncCall(name, tuple(args), S, S),
            st.sampled_from(["coalesce", "lower", "now"]),
            st.lists(inner, max_size=3),
        ),
        st.lists(inner, max_size=3).map(lambda items: A.ListExpr(tuple(items), S)),
    )


exprs = st.recursive(atoms, extend, max_leaves=8)
simple_steps = st.one_of(
    st.builds(
        lambda f, op, e: A.Set(f, op, e, S), field_refs, st.sampled_from(["=", "+=", "-="]), exprs
    ),
    st.builds(lambda t, p: A.CallStep(t, p, S, S), st.sampled_from(NAMES), st.booleans()),
    st.builds(lambda t: A.Request(t, S, S), st.sampled_from(NAMES)),
    st.builds(lambda e, o: A.SendEmail(e, o, S), strs, st.booleans()),
    st.builds(lambda a, to: A.SendAlert(a, to, S), strs, exprs),
    st.builds(lambda d: A.Wait(d, None, S), durations),
    st.builds(lambda e: A.Wait(None, e, S), exprs),
    st.builds(
        lambda d, at: A.Wait(None, None, S, weekday=d, at=at),
        st.integers(0, 6),
        st.sampled_from(["09:00", "23:30"]),
    ),
    st.builds(lambda n: A.WebhookCall(n, S, S), st.sampled_from(NAMES)),
    st.builds(lambda s, add: A.AddToList(s, add, S), strs, st.booleans()),
    st.builds(lambda p, s: A.ChangeStatus(p, s, S), st.none() | strs, strs),
    st.builds(lambda s: A.Moment(s, S), strs),
    st.just(A.Stop(S)),
    st.builds(lambda s: A.FailStep(s, S), strs),
)


def compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    bodies = st.lists(inner, max_size=3).map(tuple)
    return st.one_of(
        st.builds(
            lambda branches, else_body: A.If(tuple(branches), else_body, S),
            st.lists(st.tuples(exprs, bodies), min_size=1, max_size=3),
            st.none() | bodies,
        ),
        st.builds(
            lambda n, body, until, else_body: A.Retry(n, body, until, else_body, S, S),
            st.integers(1, 9),
            bodies,
            st.none() | exprs,
            st.none() | bodies,
        ),
    )


steps = st.recursive(simple_steps, compound, max_leaves=6)
triggers = st.one_of(
    st.builds(
        lambda k, s: A.Trigger(k, s, S),
        st.sampled_from(
            [
                A.TriggerKind.FORM,
                A.TriggerKind.PAGE,
                A.TriggerKind.CLICK,
                A.TriggerKind.ADDED_TO_LIST,
                A.TriggerKind.STATUS_CHANGE,
                A.TriggerKind.EVENT,
            ]
        ),
        strs,
    ),
    st.builds(
        lambda f, cs: A.Trigger(A.TriggerKind.CHANGE, f, S, tuple(cs)),
        field_refs,
        st.lists(
            st.one_of(
                st.builds(
                    lambda side, op, e: A.ChangeConstraint(side, op, e, S),
                    st.sampled_from(["from", "to"]),
                    st.sampled_from(["is", "==", "!=", "<", "<=", ">", ">=", "in", "not in"]),
                    exprs,
                ),
                st.builds(
                    lambda side, op: A.ChangeConstraint(side, op, None, S),
                    st.sampled_from(["from", "to"]),
                    st.sampled_from(["empty", "not empty"]),
                ),
            ),
            max_size=2,
        ),
    ),
    st.sampled_from([A.TriggerKind.CREATED, A.TriggerKind.REQUESTED]).map(
        lambda k: A.Trigger(k, None, S)
    ),
)
clauses = st.one_of(
    triggers.map(lambda t: A.On(t, S)),
    exprs.map(lambda e: A.Where(e, S)),
    st.sampled_from([A.QualifyRule.ONCE, A.QualifyRule.EVERY_TIME]).map(
        lambda r: A.Qualify(r, None, S)
    ),
    durations.map(lambda d: A.Qualify(A.QualifyRule.ONCE_EVERY, d, S)),
    st.builds(
        lambda at, daily: A.Schedule(at, daily, S, S),
        st.sampled_from(["02:00", "2026-12-01T09:00"]),
        st.booleans(),
    ),
    st.builds(lambda d: A.Schedule("09:00", True, S, S, weekday=d), st.integers(0, 6)),
    st.builds(lambda d: A.Schedule("02:00", True, S, S, monthday=d), st.integers(1, 31)),
)
consts = st.one_of(
    decimals.map(lambda d: A.Const(d, S)),
    decimals.map(lambda d: A.Const(-d, S)),
    st.sampled_from([True, False, None]).map(lambda v: A.Const(v, S)),
    text.map(lambda t: A.Const(t, S)),
)
# A conjunct after `with` is not itself an `and` (the builder flattens the chain).
conjuncts = exprs.filter(lambda e: not (isinstance(e, A.Binary) and e.op is A.BinOp.AND))
test_lines = st.one_of(
    st.lists(st.tuples(field_refs, consts), max_size=3).map(lambda vs: A.TestLead(tuple(vs), S)),
    st.sampled_from(["2026-12-01T09:00:00", "2027-01-04"]).map(lambda at: A.TestAt(at, S, S)),
    st.builds(
        lambda k, s: A.Fire(k, s, S),
        st.sampled_from(
            [A.TriggerKind.FORM, A.TriggerKind.PAGE, A.TriggerKind.CLICK, A.TriggerKind.EVENT]
        ),
        strs,
    ),
    durations.map(lambda d: A.Advance(d, S)),
    st.builds(lambda n, r: A.MockWebhook(n, r, S, S, S), st.sampled_from(NAMES), text),
    exprs.map(lambda e: A.ExpectCondition(e, S)),
    st.builds(
        lambda n, t, ts: A.ExpectActivity(n, t, tuple(ts), S, S),
        st.none() | st.integers(0, 5),
        text,
        st.lists(conjuncts, max_size=3),
    ),
    st.sampled_from(["E403", "R204"]).map(lambda c: A.ExpectError(c, S, S)),
    st.builds(lambda s, n: A.ExpectInList(s, n, S), strs, st.booleans()),
    st.builds(lambda pr, s: A.ExpectStatus(pr, s, S), strs, strs),
)
tests = st.builds(
    lambda name, body: A.TestDecl(name, tuple(body), S, S),
    st.sampled_from(["signup", 'a "quoted" test', "é"]),
    st.lists(test_lines | steps, max_size=5),
)
campaigns = st.builds(
    lambda name, ex, body: A.Campaign(name, ex, tuple(body), S, S),
    st.sampled_from(NAMES),
    st.booleans(),
    st.lists(clauses | steps | test_lines, max_size=4),  # test lines: E403, still printed
)
field_decls = st.builds(
    lambda n, t, d: A.FieldDecl(n, t, d, S, S),
    st.sampled_from(FIELDS),
    st.sampled_from(["text", "number", "boolean", "date", "datetime"]),
    st.none() | consts,
)


def program(
    name: str,
    tokens: list[A.TokenDecl],
    groups: list[list[A.Str]],
    success: list[A.Str],
    cs: list[A.Campaign],
    ts: list[A.TestDecl],
) -> A.Program:
    inside = tuple(A.Campaign(c.name, c.executable, c.body, S, S, name) for c in cs)
    statuses = tuple(s for g in groups for s in g)
    steps = tuple(i for i, g in enumerate(groups) for _ in g)
    return A.Program(
        name,
        tuple(tokens),
        statuses,
        inside,
        S,
        S,
        tests=tuple(A.TestDecl(t.name, t.body, S, S, name) for t in ts),
        steps=steps,
        success=tuple(success),
    )


webhooks = st.builds(
    lambda name, url, method, headers, body, responses: A.WebhookDecl(
        name, url, method, tuple(headers), body, tuple(responses), S, S
    ),
    st.sampled_from(NAMES),
    st.none() | strs,
    st.sampled_from(["GET", "POST", "PUT"]),
    st.lists(st.tuples(st.sampled_from(["Accept", "X-Key"]), strs), max_size=2),
    st.none() | strs,
    st.lists(st.tuples(field_refs, st.sampled_from(["data.id", "a.b"])), max_size=2),
)
decls = st.one_of(
    st.sampled_from(["lib/a.camp", "std/scoring"]).map(lambda p: A.Import(p, S, S)),
    st.lists(field_decls, max_size=3).map(lambda fs: A.FieldsDecl(tuple(fs), S)),
    webhooks,
    st.builds(
        program,
        st.sampled_from(["Webinar", 'Q1 "Big" Launch']),
        st.lists(
            st.builds(
                lambda n, c: A.TokenDecl(n, c, S), st.sampled_from(["points", "label"]), consts
            ),
            max_size=2,
        ),
        st.lists(st.lists(plain_strs, min_size=1, max_size=2), max_size=3),
        st.lists(plain_strs, max_size=2),
        st.lists(campaigns, max_size=2),
        st.lists(tests, max_size=2),
    ),
    campaigns,
    tests,
)
modules = st.lists(decls, max_size=4).map(lambda items: A.Module("gen.camp", tuple(items)))

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parsed(text: str) -> Any:
    result = parse(text, "gen.camp")
    assert result.ok, (text, [f"{d.span} {d.message}" for d in result.diagnostics])
    return result.node


@SETTINGS
@given(modules)
def test_a_generated_ast_prints_to_text_that_parses_back_to_it(module: A.Module) -> None:
    text = format_module(module)
    assert shape(parsed(text)) == shape(module), text
    assert format_source(text, "gen.camp") == text  # the printer's layout is the canonical one


def _status_test() -> A.Membership:
    return A.Membership("status", A.Str(("Webinar",), S), A.Str(("Attended",), S), S)


@pytest.mark.parametrize(
    "condition",
    [
        _status_test(),
        A.Binary(A.BinOp.OR, _status_test(), A.Literal(True, S), S, S),
        A.Binary(
            A.BinOp.AND,
            A.Binary(A.BinOp.OR, _status_test(), A.Literal(False, S), S, S),
            A.FieldRef("score", S),
            S,
            S,
        ),
    ],
)
def test_a_condition_expectation_starting_with_a_status_test_keeps_its_parentheses(
    condition: Any,
) -> None:
    # Found by the corpus: `expect status in "P" is "S" or true;` reads as the status
    # expectation followed by a stray 'or'.
    module = A.Module("gen.camp", (A.TestDecl("t", (A.ExpectCondition(condition, S),), S, S),))
    text = format_module(module)
    assert "expect (status in" in text, text
    assert shape(parsed(text)) == shape(module), text


SEPARATED = [" ", "  ", "\t", "\n", "\n    ", " \n\t "]
GLUED = ["", " ", "\n"]


@SETTINGS
@given(modules, st.data())
def test_a_messy_layout_formats_back(module: A.Module, data: st.DataObject) -> None:
    canonical = format_module(module)
    tokens = scan(canonical).tokens
    comments = data.draw(st.booleans(), "comments")
    blanks = data.draw(st.booleans(), "blank lines")
    pieces: list[str] = []
    inserted = 0
    for i, tok in enumerate(tokens):
        if i:
            gap = canonical[tokens[i - 1].end : tok.start]
            choices = list(SEPARATED if gap else GLUED)
            if blanks:
                choices.append("\n\n\n")
            if comments:
                choices += [f"  # c{inserted}\n", f"\n# c{inserted}\n"]
            sep = data.draw(st.sampled_from(choices))
            inserted += "#" in sep
            pieces.append(sep)
        pieces.append(tok.text)
    messy = "".join(pieces)
    out = format_source(messy, "gen.camp")
    assert shape(parsed(out)) == shape(module)
    assert [c.text for c in scan(out).comments] == [f"# c{i}" for i in range(inserted)]
    assert format_source(out, "gen.camp") == out
    if not comments and not blanks:
        assert out == canonical
