"""The compiled engine against the tree-walker: every example's documented runs, and a
corpus of generated programs and leads, must give identical --out files, activity
logs and summaries (the summary's ``engine`` aside) on both engines."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from camp.cli import main
from camp.runtime.compile import compile_program
from camp.runtime.evaluator import Interpreter, Limits
from camp.runtime.run import RunOptions, execute
from camp.runtime.world import ActivityLog
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from example_commands import header_commands, without
from runtime_helpers import START, check_ok, write_leads

ROOT = Path(__file__).resolve().parents[2]


def _example_runs() -> list[tuple[str, list[str]]]:
    runs = []
    for path in sorted((ROOT / "examples").glob("*.camp")):
        for n, args in enumerate(header_commands(path)):
            runs.append((f"{path.stem}-{n}", args))
    return runs


def _cli_run(args: list[str], engine: str, tmp: Path, activities: bool) -> dict[str, object]:
    leads = args[args.index("--leads") + 1] if "--leads" in args else "leads.json"
    out = tmp / f"{engine}-{activities}-out{Path(leads).suffix}"
    acts = tmp / f"{engine}-{activities}-activities.jsonl"
    extra = ["--activities", str(acts)] if activities else []
    argv = [
        "run",
        *without(args, "--out", "--activities"),
        "--out",
        str(out),
        *extra,
        "--engine",
        engine,
        "--format",
        "json",
    ]
    result = CliRunner().invoke(main, argv)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    summary = json.loads(result.stdout)
    return {
        "engine": summary.pop("engine"),
        "summary": summary,
        "exit": result.exit_code,
        "out": out.read_bytes(),
        "activities": acts.read_bytes() if activities else None,
    }


@pytest.mark.parametrize("name,args", _example_runs(), ids=[r[0] for r in _example_runs()])
def test_examples_same_on_both_engines(name, args, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    for activities in (True, False):
        tree = _cli_run(args, "tree", tmp_path, activities)
        compiled = _cli_run(args, "compiled", tmp_path, activities)
        assert tree["engine"] == "tree"
        for key in ("summary", "exit", "out", "activities"):
            assert compiled[key] == tree[key], f"{name}: {key} differs (activities={activities})"


def test_every_example_runs_compiled(tmp_path, monkeypatch):
    """The compiled engine is not silently skipped: every example runs on it (those with
    a wait too: the campaigns that wait run on the tree-walker, calling compiled
    executables)."""
    monkeypatch.chdir(ROOT)
    for name, args in _example_runs():
        assert _cli_run(args, "compiled", tmp_path, False)["engine"] == "compiled", name


def test_campaigns_that_wait_are_left_to_the_tree_walker():
    symbols = check_ok(
        "campaign C < set score = 1; wait 1 day; call E; >\n"
        "campaign D < call E; >\n"
        "executable campaign E < set score += 1; >\n"
    ).symbols
    interp = Interpreter(symbols, ActivityLog(None, keep=False), START)
    compiled = compile_program(interp)
    assert compiled is not None and sorted(compiled) == ["D", "E"]


# ---- hand-written scenarios ---------------------------------------------------------------

# Programs for the paths a random program seldom takes, each with what must happen in it
# (so that the comparison is never vacuous): (name, source, error codes expected, options).
SCENARIOS: list[tuple[str, str, set[str], dict[str, int]]] = [
    (
        "until-error-after-nested-steps",  # the retry's span, the last step as the frame's
        """campaign Main <
             set n1 = 1;
             retry 2 times <
               if n1 > 0 then < set t2 = "x"; call E; >
             > until t1 between 1 and 5;
           >
           executable campaign E < set n2 += 1; >""",
        {"R202"},
        {},
    ),
    (
        "error-in-callee-in-retry",
        """campaign Main < retry 3 times < call E; > until n2 > 100; >
           executable campaign E < set n2 += 1; if n2 > 1 then < call F; > >
           executable campaign F <
             if n2 > 3 then < fail "F fails at {{lead.n2}}"; > else < set t1 = "ok"; >
           >""",
        {"R206"},
        {},
    ),
    (
        "step-limit-at-a-call-in-a-retry",
        """campaign Main < set n1 = 1; retry 3 times < call E; > retry 2 times < > >
           executable campaign E < set n1 += 1; set n2 = n1; >""",
        {"R204"},
        {"max_steps": 6},
    ),
    (
        "step-limit-in-an-empty-retry",
        """campaign Main < set n1 = 1; retry 9 times < > until n1 > 5; >""",
        {"R204"},
        {"max_steps": 4},
    ),
    (
        "call-stack-limit",
        """campaign Main < call E; >
           executable campaign E < set n1 = 1; call F; >
           executable campaign F < set n2 = 2; call G; >
           executable campaign G < set t1 = "deep"; >""",
        {"R203"},
        {"max_depth": 2},
    ),
    (
        "stop-in-a-retry-in-a-callee",
        """campaign Main < call E; set t1 = "not reached"; >
           executable campaign E < retry 2 times < set n1 += 1; stop; > >""",
        set(),
        {},
    ),
    (
        "parent-token-chains",
        """program "P" <
             token tok = 1; token word = "p-word"; token only_p = 9;
             executable campaign EP <
               moment "{{my.tok}} {{my.word}} {{my.only_p}} {{campaign.name}} {{program.name}}";
               set n1 = my.tok + my.only_p;
               call EP2 with parent tokens;
               call EP3;
             >
             executable campaign EP2 <
               set t1 = "{{campaign.name}}/{{program.name}}/{{my.word}}";
               add to list "L {{my.word}}";
             >
             executable campaign EP3 < set t2 = "{{campaign.name}}/{{my.word}}"; >
           >
           program "Q" <
             token tok = 2; token word = "q-word";
             campaign Main < call EP with parent tokens; call EP; call Outside with parent tokens; >
           >
           executable campaign Outside < set n2 = my.tok; moment "{{program.name}}"; >""",
        set(),
        {},
    ),
    (
        "qualification-rules-and-filters",
        """campaign Main < retry 3 times < call Once; call Daily; call Where; > until n1 > 10; >
           executable campaign Once < qualify once; set n1 += 1; >
           executable campaign Daily < qualify once every 1 day; set n1 += 2; >
           executable campaign Where < where n2 > 2; set n1 += 4; >""",
        set(),
        {},
    ),
    (
        "change-triggers-and-constraints",
        """campaign Main < set n1 = 3; set n1 = 8; set t1 = "Alpha"; call E; >
           executable campaign E < set n2 += 1; >
           campaign OnN1 < on change n1; qualify every time;
             moment "{{trigger.old}} -> {{trigger.new}}";
             if trigger.new > 5 and trigger.old is not empty then < call E; >
             set t2 = "{{trigger.new}}";
           >
           campaign OnBig < on change n1 to > 5; qualify every time; set b1 = true; >
           campaign OnT1 < on change t1 from empty; set t2 = "was empty, now " + trigger.new; >""",
        set(),
        {},
    ),
    (
        "cascade-limit",
        """campaign Main < set n1 = 1; >
           campaign Loop < on change n1; qualify every time; set n1 += 1; >""",
        {"R205"},
        {},
    ),
    (
        "lists-statuses-requests",
        """program "P" <
             statuses "S1", ("S2", "S2b"), "S3";
             campaign Main <
               add to list "VIP"; add to list "vip";
               if member of list "Vip" and not member of program "P" then < change status to "S2"; >
               if status in "P" is "s2" then < change status to "S1"; change status to "S3"; >
               request Req;
               remove from list "VIP";
               if not member of list "VIP" then < set t1 = "removed"; >
             >
             campaign Req < on requested; set n2 = 5; change status in "P" to "S2b"; >
             campaign OnVip < on added to list "VIP"; set b1 = member of list "vip"; >
             campaign OnStatus < on status change in "P"; set n1 += 1; >
           >""",
        set(),
        {},
    ),
    (
        "waiting-flows-call-compiled-executables",  # errors, stacks, stop and tokens across
        """program "P" <
             token tok = 3; token word = "p";
             executable campaign E < set n1 += my.tok; if n1 > 9 then < fail "E at {{lead.n1}}"; > >
             executable campaign Stop < if t2 is "x" then < stop; > moment "{{my.word}}"; >
           >
           program "Q" <
             token tok = 4; token word = "q";
             campaign Main <
               call E; wait 1 day; call E with parent tokens;
               retry 2 times < wait 2 hours; call E; > until n1 > 20 else < call Stop; >
               call Stop with parent tokens; set t1 = "done";
             >
           >""",
        {"R206"},
        {},
    ),
    (
        "scores-and-type-errors",
        """campaign Main < set n1 += 2; set n1 -= n2; set t2 += 1; >""",
        {"R202"},
        {},
    ),
]
SCENARIO_LEADS = [
    {"id": 1, "n1": None, "n2": 3, "t1": "abc", "t2": None, "b1": None, "email": "a@example.com"},
    {"id": 2, "n1": 5, "n2": None, "t1": 4, "t2": "x", "b1": True, "email": ""},
    {"id": 3, "n1": 2, "n2": 7, "t1": None, "t2": "y", "b1": False, "email": "bad"},
]


def _same_on_both_engines(
    symbols: Any, leads: Path, tmp_path: Path, keep: bool, max_steps: int, what: str
) -> dict[str, Any]:
    """Run on both engines (the compiled one must take the program); the summaries
    (diagnostics with spans and stacks), activity logs, --out files and the leads' lists,
    statuses and runs must be the same. Returns the summary."""
    tree = _run_engine(symbols, leads, tmp_path, "tree", keep, max_steps)
    compiled = _run_engine(symbols, leads, tmp_path, "compiled", keep, max_steps)
    assert (tree[0], compiled[0]) == ("tree", "compiled"), what
    tree[1].pop("engine")
    compiled[1].pop("engine")
    for a, b, part in zip(tree[1:], compiled[1:], ["summary", "log", "out", "lists"], strict=True):
        assert a == b, f"{part} differs (activities kept: {keep})\n{what}"
    return tree[1]


@pytest.mark.parametrize("name,source,codes,options", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenarios_same_on_both_engines(tmp_path, name, source, codes, options):
    result = check_ok(source)
    if "max_depth" in options:
        result.symbols.max_depth = options["max_depth"]
    leads_path = write_leads(tmp_path / "leads.json", SCENARIO_LEADS)
    max_steps = options.get("max_steps", 100_000)
    for keep in (True, False):
        report = _same_on_both_engines(result.symbols, leads_path, tmp_path, keep, max_steps, name)
        assert {e["code"] for e in report["errors"]} == codes


# ---- generated programs ------------------------------------------------------------------

FIELDS = {"n1": "number", "n2": "number", "t1": "text", "t2": "text", "b1": "boolean"}
WORDS = ["alpha", "Beta", "GAMMA", "de", ""]
# Two programs with the same token names (different values) and their own statuses; P
# alone has `only_p`, which its executables read also when called from Q's campaigns
# 'with parent tokens' (the token chain falls back to the callee's own program).
PROGRAMS = {
    "P": ('token tok = 5; token word = "Alpha"; token only_p = 2;', ["S1", "S2", "S3"]),
    "Q": ('token tok = 7; token word = "beta";', ["Q1", "Q2"]),
}
LISTS = ["L alpha", "L Beta"]


@dataclass(frozen=True)
class Where:
    """What the campaign being generated may use."""

    program: str
    execs: tuple[str, ...] = ()  # executables it may call
    trigger: bool = False  # trigger.old / trigger.new (an 'on change n1' campaign)
    request: bool = False  # 'request Req;'
    wait: bool = False  # not an executable

    @property
    def tokens(self) -> list[str]:
        return ["tok", "only_p"] if self.program == "P" else ["tok"]


def _lit(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        return str(draw(st.integers(-3, 12)))
    if kind == "text":
        return json.dumps(draw(st.sampled_from(WORDS)))
    return draw(st.sampled_from(["true", "false"]))


def _field(draw: st.DrawFn, kind: str | None = None) -> str:
    names = [n for n, k in FIELDS.items() if kind is None or k == kind]
    return draw(st.sampled_from(names))


def _number(draw: st.DrawFn, where: Where) -> str:
    """A number operand: a field, a token, trigger.new (of n1) or a literal."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return f"my.{draw(st.sampled_from(where.tokens))}"
    if choice == 1 and where.trigger:
        return draw(st.sampled_from(["trigger.old", "trigger.new"]))
    if choice == 2:
        return _lit(draw, "number")
    return _field(draw, "number")


@st.composite
def conditions(draw: st.DrawFn, where: Where, depth: int = 0) -> str:
    choice = draw(st.integers(0, 11 if depth < 2 else 8))
    if choice == 0:
        op = draw(st.sampled_from([">", ">=", "<", "<=", "==", "!=", "is", "is not"]))
        return f"{_number(draw, where)} {op} {_lit(draw, 'number')}"
    if choice == 1:
        op = draw(
            st.sampled_from(
                [
                    "contains",
                    "not contains",
                    "starts with",
                    "ends with",
                    "not starts with",
                    "not ends with",
                    "is",
                    "is not",
                    "==",
                    "<",
                ]
            )
        )
        left = draw(st.sampled_from([_field(draw, "text"), "my.word", "lower(t1)"]))
        return f"{left} {op} {_lit(draw, 'text')}"
    if choice == 2:
        return f"{_field(draw)} is {draw(st.sampled_from(['empty', 'not empty']))}"
    if choice == 3:
        kind = draw(st.sampled_from(["text", "number"]))
        items = ", ".join(_lit(draw, kind) for _ in range(draw(st.integers(0, 3))))
        left = _field(draw, kind) if kind == "text" else _number(draw, where)
        return f"{left} {draw(st.sampled_from(['in', 'not in']))} [{items}]"
    if choice == 4:
        return draw(st.sampled_from(["b1", "b1 is true", "b1 == false", "b1 != true"]))
    if choice == 5:
        return f"{_number(draw, where)} between {_lit(draw, 'number')} and {_lit(draw, 'number')}"
    if choice == 6:
        return f'length(coalesce({_field(draw, "text")}, "")) > {_lit(draw, "number")}'
    if choice == 7:
        program = draw(st.sampled_from(sorted(PROGRAMS)))
        return draw(
            st.sampled_from(
                [
                    f'member of list "{draw(st.sampled_from(LISTS))}"',
                    f'not member of list "{draw(st.sampled_from(LISTS))}"',
                    f'member of program "{program}"',
                    f'status in "{program}" is "{draw(st.sampled_from(PROGRAMS[program][1]))}"',
                ]
            )
        )
    if choice == 8:
        return f"{_field(draw, 'number')} {draw(st.sampled_from(['<', '>=', '==']))} n2"
    if choice == 9:
        return f"not ({draw(conditions(where, depth + 1))})"
    word = draw(st.sampled_from(["and", "or"]))
    return f"({draw(conditions(where, depth + 1))}) {word} ({draw(conditions(where, depth + 1))})"


def _template(draw: st.DrawFn, where: Where) -> str:
    """A string with tokens."""
    tokens = [
        f"{{{{lead.{_field(draw)}}}}}",
        "{{lead.id}}",
        f"{{{{my.{draw(st.sampled_from(['word', *where.tokens]))}}}}}",
        "{{campaign.name}}",
        "{{program.name}}",
    ]
    if where.trigger:
        tokens.append(f"{{{{trigger.{draw(st.sampled_from(['old', 'new']))}}}}}")
    picked = draw(st.lists(st.sampled_from(tokens), min_size=1, max_size=3))
    return json.dumps(" ".join(["x", *picked]))


@st.composite
def values(draw: st.DrawFn, kind: str, where: Where) -> str:
    if kind == "number":
        choice = draw(st.integers(0, 6))
        if choice == 0:
            return _lit(draw, "number")
        if choice == 1:
            op = draw(st.sampled_from(["+", "-", "*"]))
            return f"{_number(draw, where)} {op} {_number(draw, where)}"
        if choice == 2:
            by = draw(st.sampled_from(["0", "2", "n2"]))
            return f"{_field(draw, 'number')} {draw(st.sampled_from(['/', '%']))} {by}"
        if choice == 3:
            return f"-{_number(draw, where)}"
        if choice == 4:
            return f"length({_field(draw, 'text')})"
        if choice == 5:
            return f"coalesce({_number(draw, where)}, 0)"
        return "null"
    if kind == "text":
        choice = draw(st.integers(0, 4))
        if choice == 0:
            return _lit(draw, "text")
        if choice == 1:
            fn = draw(st.sampled_from(["lower", "upper", "trim", "title"]))
            return f"{fn}({draw(st.sampled_from([_field(draw, 'text'), 'my.word']))})"
        if choice == 2:
            return _template(draw, where)
        if choice == 3:
            return f"{_field(draw, 'text')} + {draw(st.sampled_from([_lit(draw, 'text'), 'n1']))}"
        return "null"
    return draw(conditions(where))


@st.composite
def steps(draw: st.DrawFn, where: Where, depth: int = 0) -> str:
    choice = draw(st.integers(0, 12 if depth < 2 else 8))
    if choice <= 1 or (choice == 3 and not where.execs):
        name = _field(draw)
        return f"set {name} = {draw(values(FIELDS[name], where))};"
    if choice == 2:
        op = draw(st.sampled_from(["+=", "-="]))
        value = draw(st.sampled_from([_lit(draw, "number"), draw(values("number", where))]))
        return f"set {_field(draw, 'number')} {op} {value};"
    if choice == 3:
        parent = draw(st.sampled_from(["", "", " with parent tokens"]))
        return f"call {draw(st.sampled_from(where.execs))}{parent};"
    if choice == 4:
        lst = draw(st.sampled_from([*LISTS, "L {{lead.t1}}"]))
        return draw(
            st.sampled_from(
                [
                    f'add to list "{lst}";',
                    f'remove from list "{lst}";',
                    f"moment {_template(draw, where)};",
                    "stop;",
                    f"fail {_template(draw, where)};",
                    'send email "Hello {{my.word}}";',
                ]
            )
        )
    if choice == 5:
        program = draw(st.sampled_from(sorted(PROGRAMS)))
        status = draw(st.sampled_from(PROGRAMS[program][1]))
        if draw(st.booleans()):
            return f'change status in "{program}" to "{status}";'
        return f'change status to "{draw(st.sampled_from(PROGRAMS[where.program][1]))}";'
    if choice == 6:
        if where.wait and draw(st.booleans()):
            return draw(st.sampled_from(["wait 1 day;", "wait 3 hours;", "wait 5 days;"]))
        return "request Req;" if where.request else f"set n1 += {_lit(draw, 'number')};"
    if choice in (7, 8, 9, 10):
        n = draw(st.integers(1, 3))
        out = ""
        for i in range(n):
            body = " ".join(draw(st.lists(steps(where, depth + 1), max_size=3)))
            out += f"{'if' if i == 0 else ' elif'} {draw(conditions(where))} then < {body} >"
        if draw(st.booleans()):
            out += f" else < {' '.join(draw(st.lists(steps(where, depth + 1), max_size=2)))} >"
        return out
    body = " ".join(draw(st.lists(steps(where, depth + 1), max_size=3)))
    until = f" until {draw(conditions(where))}" if draw(st.booleans()) else ""
    if draw(st.booleans()):
        other = f" else < {draw(steps(where, depth + 1))} >"
    else:
        other = ";" if until else ""
    return f"retry {draw(st.integers(1, 3))} times < {body} >{until}{other}"


def _body(draw: st.DrawFn, where: Where, most: int) -> str:
    return " ".join(draw(st.lists(steps(where), min_size=1, max_size=most)))


@st.composite
def programs(draw: st.DrawFn, closed: bool = True) -> str:
    """A checked program: Main and up to 3 nested executables (the limit) spread over two
    programs, and (sometimes) trigger campaigns the steps set off: a change of n1 (with
    trigger.old/new), an addition to a list, a status change, a request; (sometimes)
    waits in the campaigns that are not executables. Without a
    schema (``closed`` false) the fields hold values of any type: the operators' type
    errors happen at run time."""
    home = {name: draw(st.sampled_from(sorted(PROGRAMS))) for name in ["Main", "Req"]}
    n = draw(st.integers(1, 3))
    names = [f"E{i}" for i in range(n)]
    triggers = draw(st.booleans())
    campaigns: dict[str, list[str]] = {name: [] for name in PROGRAMS}
    for i in reversed(range(n)):  # each executable calls only later ones: no cycles
        program = draw(st.sampled_from(sorted(PROGRAMS)))
        where = Where(program, tuple(names[i + 1 :]), request=triggers)
        rule = draw(
            st.sampled_from(["", "qualify once;", "where n2 > 2;", "qualify once every 1 day;"])
        )
        campaigns[program].append(
            f"  executable campaign {names[i]} < {rule} {_body(draw, where, 4)} >\n"
        )
    waits = draw(st.booleans())
    main = Where(home["Main"], tuple(names), request=triggers, wait=waits)
    campaigns[home["Main"]].append(f"  campaign Main < {_body(draw, main, 5)} >\n")
    if triggers:
        kinds = {
            "OnChange": ("on change n1;", True),
            "OnList": (f'on added to list "{LISTS[0]}";', False),
            "OnStatus": ('on status change in "P";', False),
            "Req": ("on requested;", False),
        }
        for name, (trigger, values_) in kinds.items():
            program = home["Req"] if name == "Req" else draw(st.sampled_from(sorted(PROGRAMS)))
            where = Where(program, tuple(names), values_, name != "Req", waits)
            rule = draw(st.sampled_from(["", "qualify every time;"]))
            campaigns[program].append(
                f"  campaign {name} < {trigger} {rule} {_body(draw, where, 3)} >\n"
            )
    fields = "fields < " + " ".join(f"{n}: {k};" for n, k in FIELDS.items()) + " >\n"
    return (fields if closed else "") + "".join(
        f'program "{name}" <\n  {tokens}\n  statuses {", ".join(map(json.dumps, statuses))};\n'
        + "".join(campaigns[name])
        + ">\n"
        for name, (tokens, statuses) in PROGRAMS.items()
    )


def _leads(closed: bool) -> st.SearchStrategy[list[dict[str, object]]]:
    """Leads with the schema's types, or (no schema) any value in any field."""
    anything = st.one_of(
        st.none(),
        st.integers(-5, 20),
        st.sampled_from([*WORDS, " Alpha  beta "]),
        st.booleans(),
    )
    typed = {
        "number": st.one_of(st.none(), st.integers(-5, 20)),
        "text": st.one_of(st.none(), st.sampled_from([*WORDS, " Alpha  beta "])),
        "boolean": st.one_of(st.none(), st.booleans()),
    }
    lead = {name: typed[kind] if closed else anything for name, kind in FIELDS.items()}
    lead["email"] = st.sampled_from(["ana@example.com", "not an address", ""])
    return st.lists(st.fixed_dictionaries(lead), min_size=1, max_size=4)


def _run_engine(symbols, leads_path, tmp_path, engine, keep, max_steps):
    out = tmp_path / f"{engine}-{keep}.csv"
    opts = RunOptions(
        campaign="Main",
        leads=leads_path,
        start=START,
        out=out,
        keep_activities=keep,
        until=START + dt.timedelta(days=2),  # flows that wait longer are still waiting
        limits=Limits(max_steps=max_steps, max_cascade=4),
        engine=engine,
    )
    summary = execute(symbols, opts)
    report = summary.to_json()
    # The diagnostics as a user sees them: code, message, span and campaign stack.
    report["diagnostics"] = [(d.code, d.message, d.span, d.lead, d.stack) for d in summary.errors]
    lists = {i: (sorted(x.lists), x.statuses, x.runs) for i, x in summary.leads_after.items()}
    return summary.engine, report, summary.activity_log, out.read_bytes(), lists


@settings(
    # CAMP_DIFFERENTIAL_EXAMPLES=2000 for a longer search
    max_examples=int(os.environ.get("CAMP_DIFFERENTIAL_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(closed=st.booleans(), data=st.data(), max_steps=st.sampled_from([7, 100_000]))
def test_generated_programs_same_on_both_engines(tmp_path, closed, data, max_steps):
    source = data.draw(programs(closed), "source")
    leads = data.draw(_leads(closed), "leads")
    result = check_ok(source)
    leads_path = write_leads(tmp_path / "leads.json", leads)
    for keep in (True, False):
        _same_on_both_engines(result.symbols, leads_path, tmp_path, keep, max_steps, source)
