"""`camp test` (docs/testing.md): every expectation kind passing and failing with the
pinned failure text, independence, -k, -x, the output formats, exit codes, and
`camp run` / the REPL ignoring tests."""

from __future__ import annotations

import json
import os
import random
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from camp.cli import main
from camp.testing.suite import load_suite, run_selected, select
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
UPDATE = os.environ.get("CAMP_UPDATE_GOLDENS") == "1"


def camp(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # file names in the output are relative to the working directory


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ---- the pinned text of every expectation kind ------------------------------------------


def test_expectations_text_is_pinned() -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp")
    golden = CASES / "expectations.out"
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
    assert code == 1
    assert out.rstrip().endswith("6 passed, 12 failed")


def test_failure_names_the_expectation_the_expected_and_the_found_value() -> None:
    _, out = camp("test", "tests/testing/cases/expectations.camp", "-k", "condition fails")
    assert 'error[T001]: expectation failed: expect lead_status == "MQL" or score > 99;' in out
    assert ' 46 |   expect lead_status == "MQL" or score > 99;\n' in out
    assert "    |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n" in out
    assert '  expected: lead_status == "MQL" or score > 99\n' in out
    assert "  found:    lead_status = null\n            score = 95\n" in out


def test_unexpected_campaign_error_shows_its_stack() -> None:
    _, out = camp("test", "tests/testing/cases/expectations.camp", "-k", "unexpected campaign")
    assert "unexpected campaign error (no 'expect error R201;' expects it):" in out
    assert "  error[R201]: division by zero" in out
    assert "campaign stack, innermost last:" in out
    assert "executable Divide" in out


# ---- independence -------------------------------------------------------------------------


def test_order_does_not_matter() -> None:
    suite = load_suite([CASES / "expectations.camp"])
    chosen = select(suite, None)
    first = {r.name: (r.outcome, r.message) for r in run_selected(chosen)}
    for seed in range(3):
        shuffled = chosen[:]
        random.Random(seed).shuffle(shuffled)
        again = {r.name: (r.outcome, r.message) for r in run_selected(shuffled)}
        assert again == first


def test_each_test_has_a_fresh_world(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "fresh_test.camp",
        """\
        test "one" < set n += 1; add to list "L"; expect n == 1; expect in list "L"; >
        test "two" < set n += 1; expect n == 1; expect not in list "L"; expect no activity "Add to List"; >
        test "clock" < at "2026-05-01T10:00:00"; set d = now(); expect d == datetime("2026-05-01T10:00:00"); >
        test "default clock" < set d = now(); expect d == datetime("2026-01-01T00:00:00"); >
        """,
    )
    code, out = camp("test", str(path))
    assert out.rstrip().endswith("4 passed, 0 failed"), out
    assert code == 0


# ---- selection, stopping, exit codes --------------------------------------------------------


def test_k_selects_by_name_case_insensitively() -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp", "-k", "STATUS")
    lines = [line for line in out.splitlines() if line.startswith(("ok", "FAILED"))]
    assert [line.split("  ")[-1] for line in lines] == ["status passes", "status fails"]
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert code == 1


def test_k_matching_nothing_passes_with_zero(tmp_path: Path) -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp", "-k", "no such test")
    assert "no test name contains 'no such test'" in out
    assert out.rstrip().endswith("0 passed, 0 failed")
    assert code == 0


def test_x_stops_at_the_first_failure() -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp", "-x")
    assert out.rstrip().endswith("1 passed, 1 failed")
    assert "activity passes" not in out
    assert code == 1


def test_exit_3_when_the_program_fails_the_checks(tmp_path: Path) -> None:
    path = write(tmp_path, "bad_test.camp", 'test "t" < expect activity "Sent Email"; >\n')
    code, out = camp("test", str(path))
    assert code == 3
    assert "error[E308]: unknown activity type 'Sent Email'" in out
    assert "did you mean 'Send Email'?" in out
    assert "no test ran" in out


def test_exit_2_for_a_missing_path(tmp_path: Path) -> None:
    code, out = camp("test", str(tmp_path / "nope.camp"))
    assert code == 2
    assert "no such file or folder" in out


def test_exit_2_for_a_bad_option() -> None:
    code, _ = camp("test", "--format", "xml", "tests/testing/cases/expectations.camp")
    assert code == 2


def test_folder_search_skips_files_without_tests_and_errors_folders(tmp_path: Path) -> None:
    write(tmp_path, "campaigns.camp", "campaign A < wait 1 day; >\n")
    (tmp_path / "errors").mkdir()
    write(tmp_path / "errors", "E001.camp", 'test "x" < expect >\n')
    write(tmp_path, "a_test.camp", 'test "passes" < set n = 1; expect n == 1; >\n')
    code, out = camp("test", str(tmp_path))
    assert out.rstrip().endswith("1 passed, 0 failed"), out
    assert code == 0


def test_a_file_named_explicitly_is_loaded_even_without_tests(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.camp", "campaign A < set x = 1; >\n")
    code, out = camp("test", str(path))
    assert (code, out.strip()) == (0, "0 passed, 0 failed")


# ---- formats ---------------------------------------------------------------------------------


def test_json_format() -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp", "--format", "json")
    doc = json.loads(out)
    assert doc["result"] == "FAIL" and code == 1
    first = doc["tests"][0]
    assert set(first) == {"name", "file", "line", "outcome", "message", "duration_ms"}
    assert (first["name"], first["file"], first["line"], first["outcome"], first["message"]) == (
        "condition passes",
        "tests/testing/cases/expectations.camp",
        37,
        "passed",
        "",
    )
    outcomes = [t["outcome"] for t in doc["tests"]]
    assert outcomes.count("passed") == 6
    assert outcomes.count("failed") == 11
    assert outcomes.count("error") == 1
    failed = next(t for t in doc["tests"] if t["name"] == "status fails")
    assert 'expected: status "Attended" in program "Webinar"' in failed["message"]


def test_json_result_ok_when_all_pass() -> None:
    code, out = camp(
        "test", "tests/testing/cases/expectations.camp", "--format", "json", "-k", "passes"
    )
    assert json.loads(out)["result"] == "OK" and code == 0


def test_junit_format_parses_as_junit() -> None:
    code, out = camp("test", "tests/testing/cases/expectations.camp", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("18", "11", "1")
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == "tests/testing/cases/expectations.camp"
    cases = suite.findall("testcase")
    assert len(cases) == 18
    assert cases[0].get("name") == "condition passes" and not list(cases[0])
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("tests/testing/cases/expectations.camp:46:3")
    assert "found:    lead_status = null" in (failure.text or "")
    error = cases[-2].find("error")
    assert error is not None and "R202" in (error.text or "")
    for case in cases:
        assert case.get("classname") and float(case.get("time", "x")) >= 0


# ---- camp run, camp check and the REPL --------------------------------------------------------


PROGRAM_WITH_TESTS = """\
campaign Welcome < set greeted = true; >
test "welcome" < call Welcome; expect greeted; >
"""


def test_camp_run_ignores_tests(tmp_path: Path) -> None:
    path = write(tmp_path, "w.camp", PROGRAM_WITH_TESTS)
    leads = write(tmp_path, "leads.csv", "id,email\n1,a@example.com\n")
    acts = tmp_path / "acts.jsonl"
    code, out = camp(
        "run",
        str(path),
        "--campaign",
        "Welcome",
        "--leads",
        str(leads),
        "--start",
        "2026-12-01T09:00:00",
        "--activities",
        str(acts),
    )
    assert code == 0, out
    records = [json.loads(line) for line in acts.read_text().splitlines()]
    assert {r["campaign"] for r in records} == {"Welcome"}
    assert not any("test" in r["campaign"] for r in records)


def test_camp_check_checks_tests(tmp_path: Path) -> None:
    path = write(tmp_path, "w.camp", PROGRAM_WITH_TESTS + 'test "bad" < call Nope; >\n')
    code, out = camp("check", str(path))
    assert code == 1
    assert "error[E201]: call of undefined campaign 'Nope'" in out


def test_repl_ignores_tests() -> None:
    import io

    from camp.repl.session import Session

    out = io.StringIO()
    session = Session(out, out)
    session.submit(PROGRAM_WITH_TESTS)
    text = out.getvalue()
    assert 'defined test "welcome" (not run in the REPL; use camp test)' in text
    assert "greeted" not in text  # the test's steps did not run


def test_repl_refuses_test_lines_at_the_prompt() -> None:
    import io

    from camp.repl.session import Session

    out = io.StringIO()
    session = Session(out, out)
    session.submit("expect x == 1;")
    text = out.getvalue()
    assert "<repl>:1:1: error[E403]: test lines" in text
    assert "__repl__" not in text


def test_wait_advance_schedule_and_program_tokens(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "world_test.camp",
        """\
        campaign Nightly < schedule every day at "02:00"; qualify every time; set runs += 1; >
        campaign Later < on form "F"; wait 1 day; send email "Later"; >
        program "P" <
          token points = 7;
          statuses "A", "B";
          executable campaign Add < set score += my.points; change status to "B"; >
          test "tokens of the program" < call Add; expect score == 7; expect status in "P" is "B"; >
        >
        test "a wait in the test lets the world move on" <
          lead < email = "a@example.com"; >
          at "2026-03-01T12:00:00";
          fire form "F";
          wait 1 day;
          expect activity "Send Email" with email is "Later" and time is "2026-03-02T12:00:00";
          expect runs == 1;
          advance 2 days;
          expect runs == 3;
          expect 3 activity "Campaign Run" with trigger starts with "schedule";
        >
        """,
    )
    code, out = camp("test", str(path))
    assert out.rstrip().endswith("2 passed, 0 failed"), out
    assert code == 0
