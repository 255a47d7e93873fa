"""`camp test --coverage` on a small program whose figures are computed by hand
(tests/testing/cases/coverage.camp):

Grade has 9 steps (if, the three sets of grade, retry, set tries, the inner if,
fail, set gave_up). "an A" runs if, set A, retry, set tries, inner if; "a C,
retried once" adds set C and fail: 7 of 9 (set B and set gave_up never run).
Branches: where passed (not failed) 1/2; the outer if took if and else, not elif
2/3; the retry succeeded first time and after a retry, never exhausted 2/3; the
inner if took both ways 2/2: 7/10. Unused: 0/1 steps, no branches. Totals 7/10, 7/10.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CASE = "tests/testing/cases/coverage.camp"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def camp(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_text_report() -> None:
    code, out = camp("test", CASE, "--coverage")
    assert code == 0
    assert "2 passed, 0 failed" in out
    rows = {
        line.split()[0] + " " + line.split()[1]: line
        for line in out.splitlines()
        if "camp:" in line
    }
    grade = rows[f"{CASE}:3 Grade"]
    assert re.search(r"7/9\s+78%\s+7/10\s+70%", grade), grade
    assert "4 (where: failed)" in grade
    assert "5 (if: elif 1)" in grade
    assert "12 (retry: exhausted)" in grade
    assert re.search(r"0/1\s+0%\s+0/0\s+100%", rows[f"{CASE}:20 Unused"])
    total = next(line for line in out.splitlines() if line.startswith("TOTAL"))
    assert re.search(r"7/10\s+70%\s+7/10\s+70%", total), total


def test_json_report_per_span(tmp_path: Path) -> None:
    out_file = tmp_path / "cov.json"
    code, _ = camp(
        "test", CASE, "--coverage", "--coverage-format", "json", "--out-coverage", str(out_file)
    )
    assert code == 0
    doc = json.loads(out_file.read_text())
    assert doc["totals"] == {"steps": 10, "steps_run": 7, "branches": 10, "branches_taken": 7}
    grade = next(c for c in doc["campaigns"] if c["name"] == "Grade")
    assert (grade["steps"], grade["steps_run"], grade["branches"], grade["branches_taken"]) == (
        9,
        7,
        10,
        7,
    )
    assert [s["line"] for s in grade["steps_never_run"]] == [8, 16]
    kinds = [(ch["kind"], ch["line"], ch["taken"], ch["missing"]) for ch in grade["choices"]]
    assert kinds == [
        ("where", 4, ["passed"], ["failed"]),
        ("if", 5, ["if", "else"], ["elif 1"]),
        ("retry", 12, ["first try", "after a retry"], ["exhausted"]),
        ("if", 14, ["if", "no branch (implicit else)"], []),
    ]


def test_html_report_marks_lines(tmp_path: Path) -> None:
    page = tmp_path / "cov.html"
    code, out = camp(
        "test", CASE, "--coverage", "--coverage-format", "html", "--out-coverage", str(page)
    )
    assert code == 0 and f"coverage written to {page}" in out
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "<script" not in html

    def mark(line: int) -> str:
        m = re.search(rf'<div class="ln (\w+)" id="{re.escape(CASE)}-{line}">', html)
        assert m, line
        return m.group(1)

    assert mark(4) == "par"  # where: passed, never failed
    assert mark(5) == "par"  # if: elif never taken
    assert mark(6) == "run"  # set grade = "A"
    assert mark(8) == "mis"  # set grade = "B"
    assert mark(14) == "run"  # the inner if took both ways
    assert mark(16) == "mis"  # set gave_up
    assert mark(20) == "mis"  # Unused's only step
    assert mark(1) == "none"  # a comment
    assert "never: elif 1" in html


def test_coverage_does_not_change_results() -> None:
    plain = camp("test", "tests/testing/cases/expectations.camp", "--format", "json")[1]
    covered = camp(
        "test", "tests/testing/cases/expectations.camp", "--format", "json", "--coverage"
    )[1]
    strip = lambda text: [  # noqa: E731
        {k: v for k, v in t.items() if k != "duration_ms"} for t in json.loads(text)["tests"]
    ]
    first_json = covered[: covered.index("\n}") + 2]
    assert strip(first_json) == strip(plain)
