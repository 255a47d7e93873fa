"""Very deep programs give Camp diagnostics, never a Python RecursionError (issue 13,
item 11): nesting past the limit is E001 at the first node past it; long call and
import chains are walked without recursion; a deep run stack is R203."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from camp.cli import main
from camp.grammar.nesting import MAX_NESTING
from click.testing import CliRunner


def camp(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def check_json(tmp_path: Path, source: str, name: str = "deep.camp") -> list[dict]:
    (tmp_path / name).write_text(source, encoding="utf-8")
    result = camp("check", tmp_path / name, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["diagnostics"]


DEEP = {
    "ifs": "campaign Main <" + " if x is empty then <" * 500 + " set x = 1;" + " >" * 500 + " >\n",
    "retries": "campaign Main <" + " retry 2 times <" * 300 + " set x = 1;" + " >" * 300 + " >\n",
    "nots": "campaign Main < set x = " + "not " * 400 + "true; >\n",
    "negations": "campaign Main < set x = " + "- " * 3000 + "1; >\n",
    "sum": "campaign Main < set x = 1" + " + 1" * 3000 + "; >\n",
    "calls": "campaign Main < set x = " + "lower(" * 400 + '"A"' + ")" * 400 + "; >\n",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_nesting_past_the_limit_is_an_e001_at_its_position(tmp_path, kind):
    diagnostics = check_json(tmp_path, DEEP[kind])
    assert [(d["code"], d["message"], d["line"]) for d in diagnostics] == [
        ("E001", f"nesting deeper than {MAX_NESTING} levels (blocks, conditions and operators)", 1)
    ]
    # and `camp run` refuses it the same way (exit 3), no traceback
    result = camp("run", tmp_path / "deep.camp", "--campaign", "Main", "--start", "2026-12-01")
    assert result.exit_code == 3, result.output
    assert "nesting deeper than" in result.stderr


def test_nesting_up_to_the_limit_checks_and_runs(tmp_path):
    n = MAX_NESTING - 10
    source = "campaign Main <" + " if x is empty then <" * n + " set x = 1;" + " >" * n + " >\n"
    assert check_json(tmp_path, source) == []
    (tmp_path / "leads.csv").write_text("id\n1\n", encoding="utf-8")
    result = camp(
        "run",
        tmp_path / "deep.camp",
        "--campaign",
        "Main",
        "--start",
        "2026-12-01",
        "--leads",
        tmp_path / "leads.csv",
        "--out",
        tmp_path / "out.csv",
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "id,x,unsubscribed",
        "1,1,false",
    ]


def test_parentheses_add_no_depth(tmp_path):
    source = "campaign Main < set x = " + "(" * 5000 + "1" + ")" * 5000 + "; >\n"
    assert check_json(tmp_path, source) == []


def chain(n: int, *, cycle: bool = False, parent: str = "") -> str:
    lines = [] if cycle else [f"campaign Main < call E0{parent}; >"]
    lines += [f"executable campaign E{i} < call E{i + 1}{parent}; >" for i in range(n)]
    last = f"call E0{parent};" if cycle else 'moment "{{my.x}}";' if parent else "set x = 1;"
    lines.append(f"executable campaign E{n} < {last} >")
    return "\n".join(lines) + "\n"


def test_a_long_chain_of_executables_is_e205(tmp_path):
    diagnostics = check_json(tmp_path, chain(1500))
    assert [d["code"] for d in diagnostics] == ["E205"]
    assert diagnostics[0]["message"].startswith("executables nested 1501 deep (limit 3): Main → E0")


def test_a_long_cycle_of_executables_is_e204(tmp_path):
    diagnostics = check_json(tmp_path, chain(1500, cycle=True))
    assert [d["code"] for d in diagnostics] == ["E204"]
    assert diagnostics[0]["message"].startswith("cycle of calls: E0 → E1 → E2")


def test_a_long_chain_with_parent_tokens_is_checked(tmp_path):
    codes = sorted(
        d["code"] for d in check_json(tmp_path, chain(1500, parent=" with parent tokens"))
    )
    assert codes == ["E205", "E302"]


def test_a_long_chain_of_imports_loads(tmp_path):
    for i in range(1500):
        (tmp_path / f"i{i}.camp").write_text(f'import "i{i + 1}.camp";\n', encoding="utf-8")
    (tmp_path / "i1500.camp").write_text("campaign X < set x = 1; >\n", encoding="utf-8")
    assert check_json(tmp_path, 'import "i0.camp";\n', name="main.camp") == []


def test_max_depth_is_capped(tmp_path):
    (tmp_path / "p.camp").write_text("campaign Main < set x = 1; >\n", encoding="utf-8")
    result = camp("check", tmp_path / "p.camp", "--max-depth", "2000")
    assert result.exit_code == 2
    assert "2000 is not in the range 1<=x<=50" in result.stderr


def test_a_deep_run_stack_is_r203_not_a_traceback(tmp_path):
    n = 49
    inner = "if x is empty then < " * 90
    lines = ["campaign Main < call E0; >"]
    lines += [f"executable campaign E{i} < {inner}call E{i + 1};{' >' * 90} >" for i in range(n)]
    lines.append(f"executable campaign E{n} < set y = true; >")
    (tmp_path / "p.camp").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "leads.csv").write_text("id\n1\n", encoding="utf-8")
    result = camp(
        "run",
        tmp_path / "p.camp",
        "--campaign",
        "Main",
        "--start",
        "2026-12-01",
        "--leads",
        tmp_path / "leads.csv",
        "--max-depth",
        "50",
        "--format",
        "json",
    )
    assert result.exit_code == 1, result.output
    errors = json.loads(result.stdout)["errors"]
    assert [e["code"] for e in errors] == ["R203"]
    assert errors[0]["message"].startswith("call stack too deep to run: ")
    assert errors[0]["stack"][0].endswith(" Main")
