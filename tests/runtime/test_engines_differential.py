"""The compiled engine against the tree-walker: every example's documented runs, and a
corpus of generated programs and leads, must give identical --out files, activity
logs and summaries (the summary's ``engine`` aside) on both engines."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

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


def test_examples_without_wait_run_compiled(tmp_path, monkeypatch):
    """The compiled engine is not silently skipped: every example whose program (with its
    imports) has no wait and no 'with parent tokens' call runs on it."""
    from camp.checker import check_files

    monkeypatch.chdir(ROOT)
    compiled = set()
    for name, args in _example_runs():
        sources = check_files([Path(args[0])], 3).symbols.sources.values()
        if not any(re.search(r"\bwait\b|with parent tokens", t) for t in sources):
            assert _cli_run(args, "compiled", tmp_path, False)["engine"] == "compiled", name
            compiled.add(name)
    assert compiled, "no example ran on the compiled engine"


def test_wait_falls_back_to_tree():
    symbols = check_ok(
        "campaign C < set score = 1; wait 1 day; set score = 2; >\n"
        "executable campaign E < set score += 1; >\n"
    ).symbols
    interp = Interpreter(symbols, ActivityLog(None, keep=False), START)
    assert compile_program(interp) is None


# ---- generated programs ------------------------------------------------------------------

FIELDS = {"n1": "number", "n2": "number", "t1": "text", "t2": "text", "b1": "boolean"}
WORDS = ["alpha", "Beta", "GAMMA", "de", ""]


def _lit(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        return str(draw(st.integers(-3, 12)))
    if kind == "text":
        return json.dumps(draw(st.sampled_from(WORDS)))
    return draw(st.sampled_from(["true", "false"]))


def _field(draw: st.DrawFn, kind: str | None = None) -> str:
    names = [n for n, k in FIELDS.items() if kind is None or k == kind]
    return draw(st.sampled_from(names))


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> str:
    choice = draw(st.integers(0, 9 if depth < 2 else 6))
    if choice == 0:
        return f"{_field(draw, 'number')} {draw(st.sampled_from(['>', '>=', '<', '==', '!=']))} {_lit(draw, 'number')}"
    if choice == 1:
        op = draw(st.sampled_from(["contains", "starts with", "ends with", "is", "is not"]))
        return f"{_field(draw, 'text')} {op} {_lit(draw, 'text')}"
    if choice == 2:
        return f"{_field(draw)} is {draw(st.sampled_from(['empty', 'not empty']))}"
    if choice == 3:
        items = ", ".join(_lit(draw, "text") for _ in range(draw(st.integers(0, 3))))
        return f"{_field(draw, 'text')} {draw(st.sampled_from(['in', 'not in']))} [{items}]"
    if choice == 4:
        return _field(draw, "boolean")
    if choice == 5:
        return f"{_field(draw, 'number')} between {_lit(draw, 'number')} and {_lit(draw, 'number')}"
    if choice == 6:
        return f'length(coalesce({_field(draw, "text")}, "")) > {_lit(draw, "number")}'
    if choice == 7:
        return f"not ({draw(conditions(depth + 1))})"
    word = draw(st.sampled_from(["and", "or"]))
    return f"({draw(conditions(depth + 1))}) {word} ({draw(conditions(depth + 1))})"


@st.composite
def values(draw: st.DrawFn, kind: str) -> str:
    if kind == "number":
        choice = draw(st.integers(0, 4))
        if choice == 0:
            return _lit(draw, "number")
        if choice == 1:
            return f"{_field(draw, 'number')} {draw(st.sampled_from(['+', '-', '*']))} {_lit(draw, 'number')}"
        if choice == 2:
            by = draw(st.sampled_from(["0", "2", "n2"]))
            return f"{_field(draw, 'number')} {draw(st.sampled_from(['/', '%']))} {by}"
        if choice == 3:
            return f"-{_field(draw, 'number')}"
        return f"length({_field(draw, 'text')})"
    if kind == "text":
        choice = draw(st.integers(0, 3))
        if choice == 0:
            return _lit(draw, "text")
        if choice == 1:
            fn = draw(st.sampled_from(["lower", "upper", "trim", "title"]))
            return f"{fn}({_field(draw, 'text')})"
        if choice == 2:
            return f'"{{{{lead.{_field(draw)}}}}}-{{{{campaign.name}}}}"'
        return f"{_field(draw, 'text')} + {_lit(draw, 'text')}"
    return draw(conditions())


@st.composite
def steps(draw: st.DrawFn, execs: list[str], depth: int = 0) -> str:
    choice = draw(st.integers(0, 9 if depth < 2 else 5))
    if choice <= 1 or (choice == 3 and not execs):
        name = _field(draw)
        return f"set {name} = {draw(values(FIELDS[name]))};"
    if choice == 2:
        return f"set {_field(draw, 'number')} {draw(st.sampled_from(['+=', '-=']))} {draw(values('number'))};"
    if choice == 3 and execs:
        return f"call {draw(st.sampled_from(execs))};"
    if choice == 4:
        return draw(
            st.sampled_from(
                [
                    'add to list "L {{lead.t1}}";',
                    'remove from list "L {{lead.t1}}";',
                    'moment "m {{lead.n1}} {{my.tok}} {{program.name}}";',
                    "stop;",
                    'fail "failed for {{lead.t2}}";',
                ]
            )
        )
    if choice == 5:
        return f"set n1 += {_lit(draw, 'number')};"
    if choice in (6, 7):
        n = draw(st.integers(1, 3))
        out = ""
        for i in range(n):
            body = " ".join(draw(st.lists(steps(execs, depth + 1), max_size=3)))
            out += f"{'if' if i == 0 else ' elif'} {draw(conditions())} then < {body} >"
        if draw(st.booleans()):
            out += f" else < {' '.join(draw(st.lists(steps(execs, depth + 1), max_size=2)))} >"
        return out
    body = " ".join(draw(st.lists(steps(execs, depth + 1), min_size=1, max_size=3)))
    until = f" until {draw(conditions())}" if draw(st.booleans()) else ""
    if draw(st.booleans()):
        other = f" else < {draw(steps(execs, depth + 1))} >"
    else:
        other = ";" if until else ""
    return f"retry {draw(st.integers(1, 3))} times < {body} >{until}{other}"


@st.composite
def programs(draw: st.DrawFn) -> str:
    fields = "fields < " + " ".join(f"{n}: {k};" for n, k in FIELDS.items()) + " >\n"
    n = draw(st.integers(1, 3))  # Main and at most 3 nested executables (the limit)
    names = [f"E{i}" for i in range(n)]
    execs = []
    for i in reversed(range(n)):  # each executable calls only later ones: no cycles
        callable_ = names[i + 1 :]
        rule = draw(st.sampled_from(["", "qualify once;", "where n2 > 2;"]))
        body = " ".join(draw(st.lists(steps(callable_), min_size=1, max_size=4)))
        execs.append(f"  executable campaign {names[i]} < {rule} {body} >\n")
    main_body = " ".join(draw(st.lists(steps(names), min_size=1, max_size=5)))
    return (
        fields
        + 'program "P" <\n  token tok = 5;\n'
        + "".join(execs)
        + f"  campaign Main < {main_body} >\n>\n"
    )


leads_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "n1": st.one_of(st.none(), st.integers(-5, 20)),
            "n2": st.one_of(st.none(), st.integers(-5, 20)),
            "t1": st.one_of(st.none(), st.sampled_from([*WORDS, " Alpha  beta "])),
            "t2": st.one_of(st.none(), st.sampled_from(WORDS)),
            "b1": st.one_of(st.none(), st.booleans()),
        }
    ),
    min_size=1,
    max_size=4,
)


def _run_engine(symbols, leads_path, tmp_path, engine, keep, max_steps):
    out = tmp_path / f"{engine}-{keep}.csv"
    opts = RunOptions(
        campaign="Main",
        leads=leads_path,
        start=START,
        out=out,
        keep_activities=keep,
        limits=Limits(max_steps=max_steps),
        engine=engine,
    )
    summary = execute(symbols, opts)
    report = summary.to_json()
    # The diagnostics as a user sees them: code, message, span and campaign stack.
    report["diagnostics"] = [(d.code, d.message, d.span, d.lead, d.stack) for d in summary.errors]
    return summary.engine, report, summary.activity_log, out.read_bytes()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(source=programs(), leads=leads_strategy, max_steps=st.sampled_from([5, 100_000]))
def test_generated_programs_same_on_both_engines(tmp_path, source, leads, max_steps):
    result = check_ok(source)
    leads_path = write_leads(tmp_path / "leads.json", leads)
    for keep in (True, False):
        t_engine, t_report, t_log, t_out = _run_engine(
            result.symbols, leads_path, tmp_path, "tree", keep, max_steps
        )
        c_engine, c_report, c_log, c_out = _run_engine(
            result.symbols, leads_path, tmp_path, "compiled", keep, max_steps
        )
        # parent-token calls stay with the tree-walker (runtime/compile.py)
        falls_back = "with parent tokens" in source
        assert (t_engine, c_engine) == ("tree", "tree" if falls_back else "compiled"), source
        t_report.pop("engine")
        c_report.pop("engine")
        assert c_report == t_report, source
        assert c_log == t_log, source
        assert c_out == t_out, source
