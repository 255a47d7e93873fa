"""Parser tests: every construct of the grammar, the AST it builds, precedence, spans.

The helpers turn expressions into compact S-expressions (``show``) so that a
precedence test reads like the tree it expects: ``(or a (and b c))``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from camp.grammar import ast as A
from camp.grammar.builder import AstBuilder
from camp.grammar.parser import (
    CampSyntaxError,
    ParseResult,
    build_lark,
    grammar,
    is_complete,
    parse,
    parse_expression,
    parse_module,
    parse_statement,
)
from camp.grammar.span import Span

F = "t.camp"


# ---- helpers -------------------------------------------------------------------


def module(text: str) -> A.Module:
    return parse_module(text, F)


def expr(text: str) -> A.Expr:
    return parse_expression(text, F)


def stmt(text: str) -> A.Step:
    return parse_statement(text, F)


def body(text: str) -> tuple[A.Clause | A.Step, ...]:
    """The body items of a campaign wrapping ``text``."""
    m = module(f"campaign C <\n{text}\n>\n")
    (c,) = m.items
    assert isinstance(c, A.Campaign)
    return c.body


def one(text: str) -> A.Clause | A.Step:
    (item,) = body(text)
    return item


def pos(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def src(text: str, span: Span) -> str:
    """The source text a single-line or multi-line span covers."""
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.column - 1 : span.end_column - 1]
    parts = [lines[span.line - 1][span.column - 1 :]]
    parts += lines[span.line : span.end_line - 1]
    parts.append(lines[span.end_line - 1][: span.end_column - 1])
    return "\n".join(parts)


def show(e: object) -> str:
    """An expression as an S-expression."""
    if isinstance(e, A.Literal):
        if e.value is None:
            return "null"
        if isinstance(e.value, bool):
            return "true" if e.value else "false"
        return str(e.value)
    if isinstance(e, A.Str):
        return repr(e.plain)
    if isinstance(e, A.FieldRef):
        return e.name if e.name.isidentifier() else f"`{e.name}`"
    if isinstance(e, A.TokenRef):
        return f"my.{e.name}"
    if isinstance(e, A.FuncCall):
        return "(" + " ".join([f"{e.name}()", *(show(a) for a in e.args)]) + ")"
    if isinstance(e, A.ListExpr):
        return "[" + " ".join(show(i) for i in e.items) + "]"
    if isinstance(e, A.Not):
        return f"(not {show(e.operand)})"
    if isinstance(e, A.Negate):
        return f"(neg {show(e.operand)})"
    if isinstance(e, A.Binary):
        return f"({e.op.value} {show(e.left)} {show(e.right)})"
    if isinstance(e, A.Between):
        return f"(between {show(e.value)} {show(e.low)} {show(e.high)})"
    if isinstance(e, A.IsEmpty):
        return f"({'is not empty' if e.negated else 'is empty'} {show(e.value)})"
    if isinstance(e, A.InPast):
        return f"(in past {show(e.value)} {e.duration})"
    raise AssertionError(f"not an expression: {e!r}")


# ---- the grammar object --------------------------------------------------------


def test_grammar_is_built_once():
    assert grammar() is grammar()


def test_build_lark_strict_without_cache_has_no_conflicts():
    # strict=True makes Lark raise on any shift/reduce conflict or terminal collision;
    # cache=False forces a full analysis instead of loading a cached table.
    lark = build_lark(strict=True, cache=False)
    assert lark.options.lexer == "contextual"
    assert lark.options.parser == "lalr"
    assert lark.options.strict is True


def test_cached_grammar_options():
    opts = grammar().lark.options
    assert (opts.lexer, opts.parser, opts.strict) == ("contextual", "lalr", True)
    assert set(opts.start) == {"start", "statement", "expression"}


def test_every_grammar_rule_has_a_builder_method():
    missing = []
    for rule in grammar().lark.rules:
        name = rule.alias or rule.origin.name
        if name.startswith("_"):
            continue  # Lark's own helper rules (x*, x?), inlined into their parent
        if rule.options.expand1 and len(rule.expansion) == 1:
            continue  # a `?rule` with one child passes the child through: no callback runs
        if not hasattr(AstBuilder, name):
            missing.append(name)
    assert missing == []


def test_every_named_rule_or_its_alternatives_reach_the_builder():
    # Rules that are not pure pass-throughs must all have a method.
    names = {r.alias or r.origin.name for r in grammar().lark.rules}
    passthrough = {
        r.origin.name
        for r in grammar().lark.rules
        if r.options.expand1 and len(r.expansion) == 1 and not r.alias
    }
    for name in sorted(names - passthrough):
        if not name.startswith("_"):
            assert callable(getattr(AstBuilder, name, None)), name


# ---- parse() entry points ------------------------------------------------------


def test_parse_returns_result_and_never_raises():
    ok = parse("campaign A < >", F)
    assert isinstance(ok, ParseResult)
    assert ok.ok and isinstance(ok.node, A.Module) and ok.diagnostics == []
    bad = parse("campaign A < set >", F)
    assert not bad.ok and bad.node is None
    assert {d.code for d in bad.diagnostics} == {"E001"}
    assert all(d.span is not None and d.span.file == F for d in bad.diagnostics)


@pytest.mark.parametrize(
    ("start", "text", "node_type"),
    [
        ("start", "campaign A < stop; >", A.Module),
        ("statement", "stop;", A.Stop),
        ("statement", "set x = 1;", A.Set),
        ("expression", "1 + 2", A.Binary),
    ],
)
def test_parse_start_rules(start, text, node_type):
    result = parse(text, F, start)
    assert result.ok
    assert isinstance(result.node, node_type)


def test_parse_functions_raise_camp_syntax_error_with_diagnostics():
    for fn, text in (
        (parse_module, "campaign <"),
        (parse_statement, "set x = ;"),
        (parse_expression, "1 +"),
    ):
        with pytest.raises(CampSyntaxError) as info:
            fn(text, F)
        assert info.value.diagnostics
        assert all(d.code == "E001" for d in info.value.diagnostics)
        assert str(info.value)  # the messages


def test_module_file_name_and_empty_files():
    assert module("") == A.Module(F, ())
    assert module("# only a comment\n\n   # and another").items == ()
    assert parse_module("campaign A < >", "x/y.camp").file == "x/y.camp"


def test_statement_start_rejects_a_declaration_and_expression_rejects_a_step():
    assert not parse("campaign A < >", F, "statement").ok
    assert not parse("stop;", F, "expression").ok


# ---- declarations --------------------------------------------------------------


def test_import():
    text = 'import "scoring.camp";\nimport "std/normalize";'
    a, b = module(text).items
    assert isinstance(a, A.Import) and a.path == "scoring.camp"
    assert isinstance(b, A.Import) and b.path == "std/normalize"
    assert src(text, a.span) == 'import "scoring.camp";'
    assert src(text, a.path_span) == '"scoring.camp"'


def test_fields_block_types_defaults_and_backquotes():
    text = (
        "fields <\n"
        "  email: text;\n"
        "  score: number = 0;\n"
        "  debt: number = -2.5;\n"
        "  unsubscribed: boolean = false;\n"
        "  vip: boolean = true;\n"
        '  country: text = "US";\n'
        "  `Job Title`: text;\n"
        "  mql_date: date = null;\n"
        "  seen_at: datetime;\n"
        ">"
    )
    (fields,) = module(text).items
    assert isinstance(fields, A.FieldsDecl)
    got = [(f.name, f.type_name, f.default.value if f.default else "-") for f in fields.fields]
    assert got == [
        ("email", "text", "-"),
        ("score", "number", Decimal("0")),
        ("debt", "number", Decimal("-2.5")),
        ("unsubscribed", "boolean", False),
        ("vip", "boolean", True),
        ("country", "text", "US"),
        ("Job Title", "text", "-"),
        ("mql_date", "date", None),
        ("seen_at", "datetime", "-"),
    ]
    assert src(text, fields.span) == text
    job = fields.fields[6]
    assert src(text, job.name_span) == "`Job Title`"
    assert src(text, job.span) == "`Job Title`: text;"
    debt = fields.fields[2]
    assert debt.default is not None and src(text, debt.default.span) == "-2.5"


def test_fields_may_use_soft_keywords_as_names():
    text = "fields < list: text; source: text; title: text; created: date; status: text; >"
    (fields,) = module(text).items
    assert [f.name for f in fields.fields] == ["list", "source", "title", "created", "status"]


def test_webhook_declaration():
    text = (
        "webhook Clearbit <\n"
        '  url "https://enrich.example.com/v1?email={{lead.email}}";\n'
        '  method "post";\n'
        '  header "Authorization" = "Bearer {{my.key}}";\n'
        '  body "{\\"e\\": 1}";\n'
        '  response company = "company.name";\n'
        '  response `Job Title` = "person.title";\n'
        ">"
    )
    (w,) = module(text).items
    assert isinstance(w, A.WebhookDecl)
    assert w.name == "Clearbit" and src(text, w.name_span) == "Clearbit"
    assert w.url is not None
    assert w.url.parts[0] == "https://enrich.example.com/v1?email="
    assert w.url.parts[1] == A.Interp("lead", "email", w.url.parts[1].span)
    assert w.method == "POST"  # normalised to upper case
    ((hname, hvalue),) = w.headers
    assert hname == "Authorization" and hvalue.parts[0] == "Bearer "
    assert w.body is not None and w.body.plain == '{"e": 1}'
    assert [(f.name, path) for f, path in w.responses] == [
        ("company", "company.name"),
        ("Job Title", "person.title"),
    ]
    assert src(text, w.span) == text


def test_webhook_defaults():
    (w,) = module("webhook W < >").items
    assert (w.url, w.method, w.headers, w.body, w.responses) == (None, "GET", (), None, ())


def test_program_with_tokens_statuses_and_campaigns():
    text = (
        'program "Webinar 2026-Q1" <\n'
        '  token speaker = "Jane Musatova";\n'
        "  token points = 10;\n"
        "  token early = true;\n"
        '  statuses "Invited", "Registered", "Attended", "No Show";\n'
        '  campaign Registered < on form "Reg"; >\n'
        "  executable campaign Score < set score += my.points; >\n"
        ">"
    )
    (p,) = module(text).items
    assert isinstance(p, A.Program)
    assert p.name == "Webinar 2026-Q1"
    assert src(text, p.name_span) == '"Webinar 2026-Q1"'
    assert [(t.name, t.value.value) for t in p.tokens] == [
        ("speaker", "Jane Musatova"),
        ("points", Decimal("10")),
        ("early", True),
    ]
    assert src(text, p.tokens[0].span) == 'token speaker = "Jane Musatova";'
    assert [s.plain for s in p.statuses] == ["Invited", "Registered", "Attended", "No Show"]
    assert [(c.name, c.executable, c.program) for c in p.campaigns] == [
        ("Registered", False, "Webinar 2026-Q1"),
        ("Score", True, "Webinar 2026-Q1"),
    ]
    assert src(text, p.span) == text


def test_campaigns_top_level_and_executable():
    text = "executable campaign Normalize < >\ncampaign Welcome <\n  stop;\n>"
    n, w = module(text).items
    assert isinstance(n, A.Campaign) and n.name == "Normalize" and n.executable
    assert n.program is None and n.body == ()
    assert src(text, n.span) == "executable campaign Normalize < >"
    assert src(text, n.name_span) == "Normalize"
    assert isinstance(w, A.Campaign) and not w.executable
    assert src(text, w.span) == "campaign Welcome <\n  stop;\n>"


def test_campaign_clauses_and_steps_properties_keep_order():
    c = module("campaign C < on created; set a = 1; where a > 0; stop; >").items[0]
    assert [type(i) for i in c.body] == [A.On, A.Set, A.Where, A.Stop]
    assert [type(i) for i in c.clauses] == [A.On, A.Where]
    assert [type(i) for i in c.steps] == [A.Set, A.Stop]


def test_declaration_names_may_be_soft_keywords():
    a, b = module("campaign set < >\nwebhook campaign < >").items
    assert a.name == "set" and b.name == "campaign"


# ---- clauses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "arg"),
    [
        ('on form "Contact Us";', A.TriggerKind.FORM, "Contact Us"),
        ('on page "/pricing";', A.TriggerKind.PAGE, "/pricing"),
        ('on click "Welcome";', A.TriggerKind.CLICK, "Welcome"),
        ("on created;", A.TriggerKind.CREATED, None),
        ("on requested;", A.TriggerKind.REQUESTED, None),
        ('on added to list "VIP";', A.TriggerKind.ADDED_TO_LIST, "VIP"),
        ('on status change in "Webinar 2026-Q1";', A.TriggerKind.STATUS_CHANGE, "Webinar 2026-Q1"),
        ('on event "custom name";', A.TriggerKind.EVENT, "custom name"),
    ],
)
def test_on_triggers_with_string_or_no_argument(text, kind, arg):
    on = one(text)
    assert isinstance(on, A.On)
    assert on.trigger.kind is kind
    if arg is None:
        assert on.trigger.argument is None
    else:
        assert isinstance(on.trigger.argument, A.Str) and on.trigger.argument.plain == arg
    line = text
    assert src("\n" + line, on.span) == line  # the clause's span: 'on' .. ';'
    assert src("\n" + line, on.trigger.span) == line[3:-1]  # the trigger: without 'on' and ';'


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("on change country;", "country"),
        ("on change status;", "status"),
        ("on change `Job Title`;", "Job Title"),
        ("on change lead.score;", "score"),
    ],
)
def test_on_change_field(text, field):
    on = one(text)
    assert on.trigger.kind is A.TriggerKind.CHANGE
    assert isinstance(on.trigger.argument, A.FieldRef)
    assert on.trigger.argument.name == field
    assert on.trigger.describe() == f"change {field}"


def test_trigger_describe():
    assert one('on form "X";').trigger.describe() == 'form "X"'
    assert one("on requested;").trigger.describe() == "requested"


def test_where_clauses():
    a, b = body('where email is not empty;\nwhere country in ["US", "CA"];')
    assert isinstance(a, A.Where) and show(a.condition) == "(is not empty email)"
    assert isinstance(b, A.Where) and show(b.condition) == "(in country ['US' 'CA'])"


def test_qualify_rules():
    once, every, periodic = body("qualify once;\nqualify every time;\nqualify once every 7 days;")
    assert (once.rule, once.interval) == (A.QualifyRule.ONCE, None)
    assert (every.rule, every.interval) == (A.QualifyRule.EVERY_TIME, None)
    assert periodic.rule is A.QualifyRule.ONCE_EVERY
    assert periodic.interval is not None
    assert (periodic.interval.amount, periodic.interval.unit) == (Decimal(7), "days")
    assert str(A.QualifyRule.EVERY_TIME) == "every time"


def test_schedules():
    text = 'schedule at "2026-12-01T09:00";\nschedule every day at "02:00";'
    at, daily = body(text)
    assert isinstance(at, A.Schedule) and (at.at, at.daily) == ("2026-12-01T09:00", False)
    assert isinstance(daily, A.Schedule) and (daily.at, daily.daily) == ("02:00", True)
    full = "campaign C <\n" + text + "\n>\n"
    assert src(full, at.at_span) == '"2026-12-01T09:00"'
    assert src(full, daily.span) == 'schedule every day at "02:00";'


# ---- steps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op"), [("set x = 1;", "="), ("set x += 1;", "+="), ("set x -= 1;", "-=")]
)
def test_set_steps(text, op):
    s = stmt(text)
    assert isinstance(s, A.Set)
    assert (s.field.name, s.op, show(s.value)) == ("x", op, "1")
    assert pos(s.span) == (1, 1, 1, len(text) + 1)


def test_set_null_and_lead_and_backquoted_fields():
    s = stmt("set lead.`Job Title` = null;")
    assert s.field.name == "Job Title" and show(s.value) == "null"
    assert src("set lead.`Job Title` = null;", s.field.span) == "lead.`Job Title`"


def test_call_and_request():
    text = "call Enrich;"
    c = stmt(text)
    assert isinstance(c, A.CallStep) and (c.target, c.parent_tokens) == ("Enrich", False)
    assert src(text, c.target_span) == "Enrich"
    text = "call Enrich with parent tokens;"
    c = stmt(text)
    assert (c.target, c.parent_tokens) == ("Enrich", True)
    assert src(text, c.span) == text
    r = stmt("request Followup;")
    assert isinstance(r, A.Request) and r.target == "Followup"
    assert src("request Followup;", r.target_span) == "Followup"


def test_send_steps():
    e = stmt('send email "Welcome";')
    assert isinstance(e, A.SendEmail) and (e.email.plain, e.operational) == ("Welcome", False)
    o = stmt('send operational email "Receipt";')
    assert isinstance(o, A.SendEmail) and (o.email.plain, o.operational) == ("Receipt", True)
    a = stmt('send alert "Hot lead {{lead.email}}" to owner_email;')
    assert isinstance(a, A.SendAlert)
    assert a.alert.plain == "Hot lead {{lead.email}}"
    assert show(a.to) == "owner_email"
    a = stmt('send alert "X" to coalesce(owner, "sdr@example.com");')
    assert show(a.to) == "(coalesce() owner 'sdr@example.com')"


def test_wait_steps():
    w = stmt("wait 2 days;")
    assert isinstance(w, A.Wait) and w.until is None
    assert w.duration is not None and str(w.duration) == "2 days"
    u = stmt('wait until datetime("2026-12-10T16:00");')
    assert isinstance(u, A.Wait) and u.duration is None
    assert show(u.until) == "(datetime() '2026-12-10T16:00')"


def test_webhook_step():
    text = "webhook Clearbit;"
    w = stmt(text)
    assert isinstance(w, A.WebhookCall) and w.name == "Clearbit"
    assert src(text, w.name_span) == "Clearbit" and src(text, w.span) == text


def test_list_steps():
    a = stmt('add to list "VIP";')
    assert isinstance(a, A.AddToList) and (a.list_name.plain, a.add) == ("VIP", True)
    r = stmt('remove from list "VIP";')
    assert isinstance(r, A.AddToList) and (r.list_name.plain, r.add) == ("VIP", False)


def test_change_status_steps():
    c = stmt('change status to "Registered";')
    assert isinstance(c, A.ChangeStatus) and c.program is None and c.status.plain == "Registered"
    c = stmt('change status in "Webinar 2026-Q1" to "Invited";')
    assert c.program is not None and c.program.plain == "Webinar 2026-Q1"
    assert c.status.plain == "Invited"


def test_moment_stop_fail():
    m = stmt('moment "Qualified: {{lead.score}} points";')
    assert isinstance(m, A.Moment)
    assert m.description.parts[0] == "Qualified: "
    assert isinstance(m.description.parts[1], A.Interp)
    assert m.description.parts[2] == " points"
    s = stmt("stop;")
    assert isinstance(s, A.Stop) and pos(s.span) == (1, 1, 1, 6)
    f = stmt('fail "no country";')
    assert isinstance(f, A.FailStep) and f.message.plain == "no country"


def test_if_elif_else():
    text = (
        "if score >= 100 then <\n"
        '  set lead_status = "MQL";\n'
        "> elif score >= 50 then <\n"
        '  set lead_status = "SAL";\n'
        "  stop;\n"
        "> elif false then < > else <\n"
        '  set lead_status = "Nurture";\n'
        ">"
    )
    s = stmt(text)
    assert isinstance(s, A.If)
    assert [show(c) for c, _ in s.branches] == ["(>= score 100)", "(>= score 50)", "false"]
    assert [len(b) for _, b in s.branches] == [1, 2, 0]
    assert s.else_body is not None and len(s.else_body) == 1
    assert src(text, s.span) == text  # from 'if' to the last '>'


def test_if_without_else():
    s = stmt("if a then < stop; >")
    assert s.else_body is None and len(s.branches) == 1


@pytest.mark.parametrize(
    ("text", "until", "has_else"),
    [
        ("retry 3 times < call A; >", None, False),
        ("retry 3 times < call A; > until country is not empty;", "(is not empty country)", False),
        ("retry 3 times < call A; > until ok else < stop; >", "ok", True),
        ("retry 3 times < call A; > else < stop; >", None, True),
    ],
)
def test_retry_forms(text, until, has_else):
    r = stmt(text)
    assert isinstance(r, A.Retry)
    assert r.times == 3 and src(text, r.times_span) == "3"
    assert [type(s) for s in r.body] == [A.CallStep]
    assert (show(r.until) if r.until is not None else None) == until
    assert (r.else_body is not None) == has_else
    if has_else:
        assert [type(s) for s in r.else_body] == [A.Stop]
    assert src(text, r.span) == text


def test_retry_needs_a_whole_positive_count():
    for text in ("retry 0 times < >", "retry 1.5 times < >"):
        result = parse(text, F, "statement")
        assert [d.code for d in result.diagnostics] == ["E001"]
        assert "whole number of attempts" in result.diagnostics[0].message


def test_nested_blocks():
    s = stmt("if a then < retry 2 times < if b then < stop; > > until c; >")
    (inner,) = s.branches[0][1]
    assert isinstance(inner, A.Retry)
    (deepest,) = inner.body
    assert isinstance(deepest, A.If) and isinstance(deepest.branches[0][1][0], A.Stop)


# ---- empty blocks ----------------------------------------------------------------


def test_empty_blocks_everywhere():
    text = (
        "fields < >\n"
        "webhook W < >\n"
        'program "P" < >\n'
        "campaign A < >\n"
        "executable campaign B <>\n"
        "campaign C <\n"
        "  if x then < > elif y then <\n  > else < >\n"
        "  retry 2 times < > until z;\n"
        "  retry 2 times < > else < >\n"
        ">"
    )
    items = module(text).items
    assert [type(i) for i in items] == [
        A.FieldsDecl,
        A.WebhookDecl,
        A.Program,
        A.Campaign,
        A.Campaign,
        A.Campaign,
    ]
    assert items[0].fields == () and items[2].campaigns == () and items[3].body == ()
    assert items[4].body == ()
    if_step, retry1, retry2 = items[5].body
    assert [b for _, b in if_step.branches] == [(), ()] and if_step.else_body == ()
    assert retry1.body == () and retry2.else_body == ()


# ---- durations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("1 minute", dt.timedelta(minutes=1)),
        ("5 minutes", dt.timedelta(minutes=5)),
        ("1 hour", dt.timedelta(hours=1)),
        ("3 hours", dt.timedelta(hours=3)),
        ("1 day", dt.timedelta(days=1)),
        ("2 days", dt.timedelta(days=2)),
        ("1 week", dt.timedelta(weeks=1)),
        ("2 weeks", dt.timedelta(weeks=2)),
        ("1 month", dt.timedelta(days=30)),  # a month is 30 days (Marketo)
        ("2 months", dt.timedelta(days=60)),
        ("1.5 days", dt.timedelta(hours=36)),
    ],
)
def test_durations(text, delta):
    w = stmt(f"wait {text};")
    assert w.duration is not None
    assert str(w.duration) == text
    assert w.duration.delta == delta
    assert pos(w.duration.span) == (1, 6, 1, 6 + len(text))


def test_duration_units_are_not_reserved_elsewhere():
    assert show(expr("days + weeks * month")) == "(+ days (* weeks month))"


# ---- expressions: atoms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", Decimal("42")),
        ("2.5", Decimal("2.5")),
        ("0.1", Decimal("0.1")),
        ("true", True),
        ("false", False),
        ("null", None),
    ],
)
def test_literals(text, value):
    e = expr(text)
    assert isinstance(e, A.Literal) and e.value == value
    assert type(e.value) is type(value)
    assert pos(e.span) == (1, 1, 1, len(text) + 1)


def test_numbers_are_decimals():
    e = expr("0.1 + 0.2")
    assert e.left.value + e.right.value == Decimal("0.3")


def test_fields_in_expressions():
    assert expr("country") == A.FieldRef("country", Span(F, 1, 1, 1, 8))
    e = expr("`Job Title`")
    assert isinstance(e, A.FieldRef) and e.name == "Job Title" and pos(e.span) == (1, 1, 1, 12)
    e = expr("lead.country")
    assert isinstance(e, A.FieldRef) and e.name == "country" and pos(e.span) == (1, 1, 1, 13)
    e = expr("lead.`Job Title`")
    assert isinstance(e, A.FieldRef) and e.name == "Job Title"
    e = expr("lead . score")
    assert isinstance(e, A.FieldRef) and e.name == "score"


@pytest.mark.parametrize("name", ["email", "status", "title", "list", "source", "created"])
def test_soft_keyword_field_names_in_expressions(name):
    e = expr(f"{name} is not empty")
    assert show(e) == f"(is not empty {name})"


def test_my_tokens():
    e = expr("my.points")
    assert isinstance(e, A.TokenRef) and e.name == "points" and pos(e.span) == (1, 1, 1, 10)
    assert show(expr("score + my.points * 2")) == "(+ score (* my.points 2))"


def test_function_calls():
    e = expr("today()")
    assert isinstance(e, A.FuncCall) and e.name == "today" and e.args == ()
    assert pos(e.span) == (1, 1, 1, 8) and pos(e.name_span) == (1, 1, 1, 6)
    e = expr('replace(lower(trim(x)), "a", "b")')
    assert show(e) == "(replace() (lower() (trim() x)) 'a' 'b')"
    assert show(expr("country_code(country)")) == "(country_code() country)"


def test_functions_named_like_soft_keywords():
    # `title` is both a Marketo field and a text function.
    assert show(expr("title(title)")) == "(title() title)"


def test_lists():
    assert show(expr('x in ["US", "USA"]')) == "(in x ['US' 'USA'])"
    e = expr("f([])")
    assert isinstance(e.args[0], A.ListExpr) and e.args[0].items == ()
    e = expr("[1, 2, 3]")
    assert isinstance(e, A.ListExpr) and pos(e.span) == (1, 1, 1, 10)


def test_parentheses():
    assert show(expr("(a)")) == "a"
    assert show(expr("(a or b) and c")) == "(and (or a b) c)"
    assert show(expr("a * (b + c)")) == "(* a (+ b c))"
    assert show(expr("((1))")) == "1"


# ---- expressions: operators --------------------------------------------------------


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    e = expr(f"a {op} b")
    assert isinstance(e, A.Binary) and e.op is A.BinOp(op)
    assert pos(e.op_span) == (1, 3, 1, 3 + len(op))
    assert pos(e.span) == (1, 1, 1, 5 + len(op))


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ('a is "x"', A.BinOp.IS),
        ('a is not "x"', A.BinOp.IS_NOT),
        ('a contains "x"', A.BinOp.CONTAINS),
        ('a not contains "x"', A.BinOp.NOT_CONTAINS),
        ('a starts with "x"', A.BinOp.STARTS_WITH),
        ('a ends with "x"', A.BinOp.ENDS_WITH),
        ('a in ["x"]', A.BinOp.IN),
        ('a not in ["x"]', A.BinOp.NOT_IN),
    ],
)
def test_word_tests(text, op):
    e = expr(text)
    assert isinstance(e, A.Binary) and e.op is op
    assert src(text, e.op_span) == op.value  # a two-word operator spans both words
    assert show(e.left) == "a"
    assert src(text, e.span) == text


def test_is_empty_tests():
    e = expr("email is empty")
    assert isinstance(e, A.IsEmpty) and not e.negated and pos(e.span) == (1, 1, 1, 15)
    e = expr("email is not empty")
    assert isinstance(e, A.IsEmpty) and e.negated and pos(e.span) == (1, 1, 1, 19)


def test_between():
    e = expr("score between 10 and 20 + 5")
    assert isinstance(e, A.Between)
    assert (show(e.value), show(e.low), show(e.high)) == ("score", "10", "(+ 20 5)")
    # `between`'s 'and' belongs to the test, a following 'and' is logical
    assert show(expr("s between 1 and 2 and t")) == "(and (between s 1 2) t)"


def test_in_past():
    e = expr("mql_date in past 7 days")
    assert isinstance(e, A.InPast) and str(e.duration) == "7 days"
    assert pos(e.span) == (1, 1, 1, 24)
    assert show(expr("d in past 1 week or x")) == "(or (in past d 1 week) x)"


@pytest.mark.parametrize(
    ("text", "op"),
    [("a + b", "+"), ("a - b", "-"), ("a * b", "*"), ("a / b", "/"), ("a % b", "%")],
)
def test_arithmetic_operators(text, op):
    e = expr(text)
    assert isinstance(e, A.Binary) and e.op is A.BinOp(op)
    assert pos(e.op_span) == (1, 3, 1, 4)


def test_unary_minus_and_not():
    e = expr("-x")
    assert isinstance(e, A.Negate) and show(e) == "(neg x)" and pos(e.span) == (1, 1, 1, 3)
    e = expr("not x")
    assert isinstance(e, A.Not) and show(e) == "(not x)" and pos(e.span) == (1, 1, 1, 6)
    assert show(expr("- - 1")) == "(neg (neg 1))"
    assert show(expr("not not a")) == "(not (not a))"


# ---- precedence and associativity ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a and b or c and d", "(or (and a b) (and c d))"),
        ("not a and b", "(and (not a) b)"),
        ("not a or b", "(or (not a) b)"),
        ("a and not b", "(and a (not b))"),
        ("not a == b", "(not (== a b))"),
        ("not a is empty", "(not (is empty a))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("-a * b", "(* (neg a) b)"),
        ("a * -b", "(* a (neg b))"),
        ("-a + b", "(+ (neg a) b)"),
        ("a + b < c * d", "(< (+ a b) (* c d))"),
        ("a - b == c % d", "(== (- a b) (% c d))"),
        ("a + b is c", "(is (+ a b) c)"),
        ('a + "x" contains b', "(contains (+ a 'x') b)"),
        ("a == b and c != d", "(and (== a b) (!= c d))"),
        ("a < b or c >= d and e", "(or (< a b) (and (>= c d) e))"),
        ("x in [1, 2] and y not in [3]", "(and (in x [1 2]) (not in y [3]))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b * c", "(* (/ a b) c)"),
        ("a % b % c", "(% (% a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("a and b and c", "(and (and a b) c)"),
        ("-(a + b)", "(neg (+ a b))"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("-f(x) * 2", "(* (neg (f() x)) 2)"),
    ],
)
def test_precedence(text, tree):
    assert show(expr(text)) == tree


@pytest.mark.parametrize(
    "text",
    ["a < b < c", "a == b == c", "a is b is c", "a is empty is empty", "1 <= 2 != 3"],
)
def test_tests_do_not_chain(text):
    result = parse(f"campaign A < where {text}; >", F)
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["E001"]
    if text.split()[1] in {"<", "==", "<="}:
        assert result.diagnostics[0].message == "comparisons do not chain"
    assert not parse(text, F, "expression").ok


def test_chain_with_greater_than_is_an_error_in_expression_mode():
    (d,) = parse("a < b > c", F, "expression").diagnostics
    assert d.message == "comparisons do not chain"


def test_chain_with_greater_than_inside_a_campaign_is_one_error():
    result = parse("campaign A < where a < b > c; >", F)
    assert [d.message for d in result.diagnostics] == ["comparisons do not chain"]


@pytest.mark.parametrize("text", ["set x = ;", "sett x = 1;", "call ;"])
def test_one_error_in_statement_mode(text):
    assert len(parse(text, F, "statement").diagnostics) == 1


@pytest.mark.parametrize("text", ["a < b < c", "f(,)", "1 +* 2"])
def test_one_error_in_expression_mode(text):
    assert len(parse(text, F, "expression").diagnostics) == 1


def test_chained_comparison_inside_a_step():
    result = parse("campaign A < where 1 < x < 3; >", F)
    assert [d.message for d in result.diagnostics] == ["comparisons do not chain"]


def test_binary_spans_cover_operands():
    text = "score + 10 * visits"
    e = expr(text)
    assert src(text, e.span) == text
    assert src(text, e.right.span) == "10 * visits"
    assert src(text, e.op_span) == "+"


def test_expression_spans_across_lines():
    text = "a and\n  b"
    e = expr(text)
    assert pos(e.span) == (1, 1, 2, 4)


def test_parenthesised_operand_span_starts_at_the_parenthesis():
    text = "(a + b) * c"
    assert src(text, expr(text).span) == text


# ---- strings: escapes and tokens ---------------------------------------------------


def test_string_escapes():
    e = expr(r'"q\"b\\n\n t\t u\u00e9 \u0041"')
    assert isinstance(e, A.Str) and e.is_plain
    assert e.parts == ('q"b\\n\n t\t ué A',)


def test_empty_string():
    e = expr('""')
    assert isinstance(e, A.Str) and e.plain == "" and pos(e.span) == (1, 1, 1, 3)


def test_hash_inside_a_string_is_not_a_comment():
    e = expr('"#1 # not a comment"')
    assert e.plain == "#1 # not a comment"


@pytest.mark.parametrize("bad", [r'"\q"', r'"\u12"', r'"\uZZZZ"'])
def test_unknown_escapes_are_syntax_errors(bad):
    result = parse(bad, F, "expression")
    assert [d.code for d in result.diagnostics] == ["E001"]
    assert "escape" in result.diagnostics[0].message


def test_unknown_escape_span_points_at_the_escape():
    text = 'moment "ab\\qc";'
    (d,) = parse(text, F, "statement").diagnostics
    assert src(text, d.span) == "\\q"


def test_tokens_inside_strings_with_spans():
    text = 'moment "Hi {{lead.first_name}}, {{my.speaker}} at {{campaign.name}}/{{program.name}}";'
    m = stmt(text)
    parts = m.description.parts
    tokens = [p for p in parts if isinstance(p, A.Interp)]
    assert [(t.namespace, t.name) for t in tokens] == [
        ("lead", "first_name"),
        ("my", "speaker"),
        ("campaign", "name"),
        ("program", "name"),
    ]
    assert [src(text, t.span) for t in tokens] == [
        "{{lead.first_name}}",
        "{{my.speaker}}",
        "{{campaign.name}}",
        "{{program.name}}",
    ]
    assert [p for p in parts if isinstance(p, str)] == ["Hi ", ", ", " at ", "/"]
    assert m.description.plain == text[8:-2]
    assert not m.description.is_plain


def test_token_with_spaces_and_backquoted_field():
    text = 'moment "{{ lead.`Job Title` }}!";'
    m = stmt(text)
    tok, bang = m.description.parts
    assert (tok.namespace, tok.name) == ("lead", "Job Title")
    assert src(text, tok.span) == "{{ lead.`Job Title` }}"
    assert tok.text == "{{lead.Job Title}}"
    assert bang == "!"


def test_token_spans_after_escapes_use_source_columns():
    text = r'moment "a\"b {{my.x}}";'
    (_, tok) = stmt(text).description.parts
    assert src(text, tok.span) == "{{my.x}}"


def test_token_without_namespace_is_kept_for_the_checker():
    (tok,) = expr('"{{foo}}"').parts
    assert isinstance(tok, A.Interp) and (tok.namespace, tok.name) == ("foo", "")


def test_multi_line_program_token_span():
    text = 'campaign C <\n  moment "x {{my.a}}";\n>'
    (m,) = module(text).items[0].body
    (_, tok) = m.description.parts
    assert pos(tok.span) == (2, 13, 2, 21)


# ---- comments and whitespace --------------------------------------------------------


def test_comments_and_whitespace_are_insignificant():
    text = (
        "# a file comment\n"
        "campaign   A<# after the '<'\n"
        "\tset x = 1 ; # trailing\n"
        "  # a whole line\n"
        "\n"
        "  stop;>#end"
    )
    (c,) = module(text).items
    assert [type(s) for s in c.body] == [A.Set, A.Stop]
    compact = module("campaign A<set x=1;stop;>").items[0]
    assert [type(s) for s in compact.body] == [A.Set, A.Stop]
    assert show(c.body[0].value) == show(compact.body[0].value)


def test_crlf_line_endings():
    (c,) = module("campaign A <\r\n  stop;\r\n>\r\n").items
    assert pos(c.body[0].span) == (2, 3, 2, 8)


# ---- soft keywords -----------------------------------------------------------------


def test_soft_keywords_as_fields_in_steps_and_clauses():
    items = body(
        'set status = "Open";\n'
        "where email is not empty;\n"
        "set list = 1;\n"
        'set source = "web";\n'
        "set title = title(title);\n"
        "set created = today();\n"
        "set email = lead.email;\n"
        "on change status;\n"
        "set set = 1;\n"
        "set wait = call;\n"
        "set campaign = send + retry;\n"
    )
    targets = [i.field.name for i in items if isinstance(i, A.Set)]
    assert targets == [
        "status",
        "list",
        "source",
        "title",
        "created",
        "email",
        "set",
        "wait",
        "campaign",
    ]
    where = items[1]
    assert isinstance(where, A.Where) and show(where.condition) == "(is not empty email)"
    assert show(items[-1].value) == "(+ send retry)"


@pytest.mark.parametrize("word", ["in", "and", "not", "is", "true", "null", "lead", "my", "empty"])
def test_reserved_words_cannot_be_bare_fields(word):
    result = parse(f"campaign A < set {word} = 1; >", F)
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["E001"]


@pytest.mark.parametrize("word", ["in", "and", "not", "lead", "my", "empty", "true"])
def test_reserved_words_are_fields_in_backquotes(word):
    s = stmt(f"set `{word}` = 1;")
    assert s.field.name == word


def test_keywords_are_whole_words():
    # 'settle' is a field, not 'set' + 'tle'; 'stopped' is not 'stop'.
    assert show(expr("settle + stopped")) == "(+ settle stopped)"
    assert show(expr("notice and isolated")) == "(and notice isolated)"
    assert show(expr("email_domain(email)")) == "(email_domain() email)"


# ---- statement spans -----------------------------------------------------------------


SPAN_PROGRAM = """\
import "std/normalize";
fields <
  score: number = 0;
>
program "P" <
  token t = 1;
  statuses "A", "B";
  campaign X <
    on form "F";
    where score > 0 and
          country is not empty;
    qualify once every 7 days;
    set score += 10;
    call Y with parent tokens;
    request Z;
    send email "E";
    send operational email "E";
    send alert "A" to "a@b.c";
    wait 2 days;
    wait until now();
    webhook W;
    add to list "L";
    remove from list "L";
    change status to "B";
    change status in "P" to "A";
    moment "M";
    fail "oops";
    retry 2 times < call Y; > until score > 1;
    stop;
  >
>
campaign Y < schedule every day at "01:00"; >
"""


def _items_with_spans(m: A.Module):
    for item in m.items:
        yield item
        if isinstance(item, A.Program):
            yield from item.tokens
            yield from item.campaigns
            for c in item.campaigns:
                yield from c.body
        elif isinstance(item, A.Campaign):
            yield from item.body
        elif isinstance(item, A.FieldsDecl):
            yield from item.fields


def test_statement_spans_run_from_first_keyword_to_semicolon():
    m = module(SPAN_PROGRAM)
    seen = 0
    for node in _items_with_spans(m):
        text = src(SPAN_PROGRAM, node.span)
        if isinstance(node, (A.Campaign, A.Program, A.FieldsDecl)):
            assert text.endswith(">"), text
            continue
        if isinstance(node, A.FieldDecl):
            assert text == "score: number = 0;"
            continue
        seen += 1
        assert text.endswith(";"), text
        first_word = text.split()[0].rstrip(";")
        assert first_word in {
            "import",
            "token",
            "on",
            "where",
            "qualify",
            "set",
            "call",
            "request",
            "send",
            "wait",
            "webhook",
            "add",
            "remove",
            "change",
            "moment",
            "fail",
            "retry",
            "stop",
            "schedule",
        }, text
    assert seen >= 23


def test_multi_line_statement_span():
    m = module(SPAN_PROGRAM)
    x = m.items[2].campaigns[0]
    where = x.body[1]
    assert isinstance(where, A.Where)
    assert pos(where.span) == (10, 5, 11, 32)
    assert src(SPAN_PROGRAM, where.span).endswith("country is not empty;")


def test_block_statement_spans_end_at_the_closing_angle():
    text = "campaign A <\n  if a then <\n    stop;\n  > else < >\n  retry 2 times < >\n>"
    if_step, retry = module(text).items[0].body
    assert pos(if_step.span) == (2, 3, 4, 13)
    assert pos(retry.span) == (5, 3, 5, 20)


def test_import_declarations_are_kept_in_order():
    m = module('import "a.camp";\ncampaign A < >\nimport "b.camp";')
    assert [type(i) for i in m.items] == [A.Import, A.Campaign, A.Import]


# ---- is_complete (the REPL's continuation test) -------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "complete"),
    [
        ("campaign A <", "start", False),
        ("campaign A < >", "start", True),
        ("campaign A < if x then <", "start", False),
        ("", "start", True),
        ("set x = 1", "statement", False),
        ("set x = 1;", "statement", True),
        ('moment "abc', "statement", False),
        ("if x then < stop; >", "statement", True),
        ("set x = ;", "statement", True),  # an error before the end: submitting shows it
        ("a +", "expression", False),
        ("a + b", "expression", True),
    ],
)
def test_is_complete(text, start, complete):
    assert is_complete(text, start) is complete


# ---- the AST nodes ---------------------------------------------------------------------


def test_nodes_are_frozen_and_slotted():
    s = stmt("stop;")
    with pytest.raises(AttributeError):
        s.span = None  # type: ignore[misc]
    assert not hasattr(s, "__dict__")


def test_parses_are_independent():
    # Each parse has its own builder state: an error in one does not leak into the next.
    assert not parse('moment "\\q";', F, "statement").ok
    assert parse('moment "ok";', F, "statement").ok
