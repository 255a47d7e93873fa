"""`camp check` (spec §7): output, exit status, JSON report, input errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

CLEAN = """\
campaign Welcome <
  on created;
  where email is not empty;
  call Normalize;
  send email "Welcome";
>

executable campaign Normalize <
  set country = country_code(country);
>
"""

BAD = """\
campaign Welcome <
  on created;
  call Normalize;
>

executable campaign Normalize <
  wait 2 days;
>

executable campaign Orphan <
  stop;
>
"""

BAD_TEXT = """\
bad.camp:7:3: error[E101]: 'wait' is not allowed in executable campaign 'Normalize'
   |
 7 |   wait 2 days;
   |   ^^^^^^^^^^^^
   = help: executables run synchronously; move the wait into the caller, or use 'request'

bad.camp:10:21: warning[W102]: executable campaign 'Orphan' is never called
    |
 10 | executable campaign Orphan <
    |                     ^^^^^^
    = help: call it from another campaign ('call Orphan;'), or delete it

1 error, 1 warning
"""


def chain(depth: int) -> str:
    """A trigger campaign calling a chain of ``depth`` nested executables."""
    parts = ["campaign Root <\n  on created;\n  call E1;\n>\n"]
    for i in range(1, depth + 1):
        call = f"  call E{i + 1};\n" if i < depth else "  stop;\n"
        parts.append(f"executable campaign E{i} <\n{call}>\n")
    return "\n".join(parts)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory, so that diagnostics name files relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- text output -----------------------------------------------------------------------


def test_clean_file_exits_0_and_prints_nothing(runner, workdir):
    write(workdir, "ok.camp", CLEAN)
    result = runner.invoke(main, ["check", "ok.camp"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert result.stderr == ""


def test_errors_exit_1_with_rendered_diagnostics(runner, workdir):
    write(workdir, "bad.camp", BAD)
    result = runner.invoke(main, ["check", "bad.camp"])
    assert result.exit_code == 1
    assert result.stdout == BAD_TEXT
    assert "Traceback" not in result.output


def test_warnings_only_exit_0(runner, workdir):
    write(workdir, "warn.camp", "executable campaign Orphan <\n  stop;\n>\n")
    result = runner.invoke(main, ["check", "warn.camp"])
    assert result.exit_code == 0
    assert "warning[W102]" in result.stdout
    assert result.stdout.endswith("0 errors, 1 warning\n")


def test_syntax_errors_exit_1(runner, workdir):
    write(workdir, "syn.camp", "campaign A <\n  set x = 1\n  stop;\n>\n")
    result = runner.invoke(main, ["check", "syn.camp"])
    assert result.exit_code == 1
    assert result.stdout.startswith("syn.camp:2:12: error[E001]: missing ';' after number 1\n")
    assert result.stdout.endswith("1 error, 0 warnings\n")


def test_no_colour_when_not_a_tty(runner, workdir):
    write(workdir, "bad.camp", BAD)
    result = runner.invoke(main, ["check", "bad.camp"], color=False)
    assert "\x1b[" not in result.output


def test_each_file_is_its_own_program(runner, workdir):
    # The same campaign name in two files is no duplicate: they are separate programs.
    write(workdir, "a.camp", "campaign Welcome < on created; stop; >\n")
    write(workdir, "b.camp", "campaign Welcome < on created; stop; >\n")
    result = runner.invoke(main, ["check", "a.camp", "b.camp"])
    assert result.exit_code == 0, result.output
    # ... and errors from both files are reported, in file order.
    write(workdir, "c.camp", "campaign C < call Nope; >\n")
    write(workdir, "d.camp", "campaign D < call Nada; >\n")
    result = runner.invoke(main, ["check", "c.camp", "d.camp"])
    assert result.exit_code == 1
    assert result.stdout.index("c.camp:1:19: error[E201]") < result.stdout.index(
        "d.camp:1:19: error[E201]"
    )
    assert result.stdout.endswith("2 errors, 0 warnings\n")


def test_imports_join_the_program(runner, workdir):
    write(workdir, "lib/norm.camp", "executable campaign Normalize < stop; >\n")
    write(
        workdir,
        "main.camp",
        'import "lib/norm.camp";\ncampaign A < on created; call Normalize; >\n',
    )
    result = runner.invoke(main, ["check", "main.camp"])
    assert result.exit_code == 0, result.output
    write(workdir, "broken.camp", 'import "lib/missing.camp";\n')
    result = runner.invoke(main, ["check", "broken.camp"])
    assert result.exit_code == 1
    assert "error[E307]" in result.stdout


def test_diagnostics_in_imported_files_name_that_file(runner, workdir):
    write(workdir, "lib/bad.camp", "executable campaign X < wait 1 day; >\n")
    write(workdir, "main.camp", 'import "lib/bad.camp";\ncampaign A < on created; call X; >\n')
    result = runner.invoke(main, ["check", "main.camp"])
    assert result.exit_code == 1
    assert f"lib{os.sep}bad.camp:1:25: error[E101]" in result.stdout
    assert " 1 | executable campaign X < wait 1 day; >" in result.stdout


def test_syntax_error_in_an_import_does_not_cascade(runner, workdir):
    write(workdir, "lib.camp", "executable campaign Norm <\n  set x = ;\n>\n")
    write(workdir, "main.camp", 'import "lib.camp";\ncampaign A < on created; call Norm; >\n')
    result = runner.invoke(main, ["check", "--format", "json", "main.camp"])
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["E001"]


# ---- JSON ---------------------------------------------------------------------------------

KEYS = ["code", "severity", "message", "file", "line", "column", "end_line", "end_column", "hint"]


def test_json_report_fail(runner, workdir):
    write(workdir, "bad.camp", BAD)
    result = runner.invoke(main, ["check", "--format", "json", "bad.camp"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert list(doc) == ["result", "diagnostics"]
    assert doc["result"] == "FAIL"
    assert [list(d) for d in doc["diagnostics"]] == [KEYS, KEYS]
    e101, w102 = doc["diagnostics"]
    assert e101 == {
        "code": "E101",
        "severity": "error",
        "message": "'wait' is not allowed in executable campaign 'Normalize'",
        "file": "bad.camp",
        "line": 7,
        "column": 3,
        "end_line": 7,
        "end_column": 15,
        "hint": "executables run synchronously; move the wait into the caller, or use 'request'",
    }
    assert (w102["code"], w102["severity"], w102["line"], w102["column"]) == (
        "W102",
        "warning",
        10,
        21,
    )


def test_json_report_ok(runner, workdir):
    write(workdir, "ok.camp", CLEAN)
    result = runner.invoke(main, ["check", "ok.camp", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"result": "OK", "diagnostics": []}


def test_json_report_ok_with_warnings(runner, workdir):
    write(workdir, "warn.camp", "executable campaign Orphan < stop; >\n")
    result = runner.invoke(main, ["check", "--format=json", "warn.camp"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["result"] == "OK"
    assert [d["code"] for d in doc["diagnostics"]] == ["W102"]


def test_json_report_syntax_error_and_text_summary_absent(runner, workdir):
    write(workdir, "syn.camp", "campaign A < sett x; >\n")
    result = runner.invoke(main, ["check", "--format", "json", "syn.camp"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # the whole output is one JSON document
    assert doc["result"] == "FAIL"
    (d,) = doc["diagnostics"]
    assert d["code"] == "E001" and d["hint"] == "did you mean 'set'?"


# ---- --max-depth ----------------------------------------------------------------------------


def test_default_max_depth_is_three(runner, workdir):
    write(workdir, "three.camp", chain(3))
    write(workdir, "four.camp", chain(4))
    assert runner.invoke(main, ["check", "three.camp"]).exit_code == 0
    result = runner.invoke(main, ["check", "four.camp"])
    assert result.exit_code == 1
    assert "error[E205]" in result.stdout
    assert "Root → E1 → E2 → E3 → E4" in result.stdout  # the whole chain


def test_max_depth_option(runner, workdir):
    write(workdir, "three.camp", chain(3))
    write(workdir, "five.camp", chain(5))
    result = runner.invoke(main, ["check", "--max-depth", "2", "three.camp", "--format", "json"])
    assert result.exit_code == 1
    assert [d["code"] for d in json.loads(result.stdout)["diagnostics"]] == ["E205"]
    assert runner.invoke(main, ["check", "--max-depth", "5", "five.camp"]).exit_code == 0
    assert runner.invoke(main, ["check", "--max-depth", "4", "five.camp"]).exit_code == 1


@pytest.mark.parametrize("value", ["0", "-1", "three"])
def test_bad_max_depth_is_a_usage_error(runner, workdir, value):
    write(workdir, "ok.camp", CLEAN)
    result = runner.invoke(main, ["check", "--max-depth", value, "ok.camp"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---- input errors: exit 2, one line, no traceback ----------------------------------------------


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("camp: error: ")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stderr.strip()


def test_missing_file(runner, workdir):
    line = _one_line_error(runner.invoke(main, ["check", "nope.camp"]))
    assert line == "camp: error: nope.camp: no such file"


def test_missing_file_among_good_ones_still_exits_2(runner, workdir):
    write(workdir, "ok.camp", CLEAN)
    result = runner.invoke(main, ["check", "ok.camp", "nope.camp"])
    assert result.exit_code == 2
    assert "camp: error: nope.camp: no such file" in result.stderr


def test_directory(runner, workdir):
    (workdir / "sub").mkdir()
    line = _one_line_error(runner.invoke(main, ["check", "sub"]))
    assert line == "camp: error: sub: is a directory, not a .camp file"


def test_invalid_utf8(runner, workdir):
    (workdir / "latin1.camp").write_bytes(b'campaign A <\n  moment "caf\xe9";\n>\n')
    line = _one_line_error(runner.invoke(main, ["check", "latin1.camp"]))
    assert line.startswith("camp: error: latin1.camp:2: not valid UTF-8")


@pytest.mark.parametrize(
    "args",
    [["check"], ["check", "--format", "xml", "x.camp"], ["check", "--nope", "x.camp"], ["nope"]],
)
def test_usage_errors_exit_2(runner, workdir, args):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---- the installed command ----------------------------------------------------------------------


def _camp_command() -> list[str]:
    exe = shutil.which("camp")
    return [exe] if exe else [sys.executable, "-m", "camp.cli"]


def test_installed_camp_executable_on_examples(tmp_path):
    examples = sorted(EXAMPLES.glob("*.camp"))
    assert examples
    ok = subprocess.run(
        [*_camp_command(), "check", *map(str, examples)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    warnings = [ln for ln in ok.stdout.splitlines() if "warning[" in ln or "error[" in ln]
    assert (ok.returncode, ok.stderr) == (0, "")
    assert warnings == []
    bad = tmp_path / "bad.camp"
    bad.write_text(BAD, encoding="utf-8")
    failed = subprocess.run(
        [*_camp_command(), "check", "bad.camp", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["result"] == "FAIL"
    assert "\x1b[" not in failed.stdout  # a pipe is not a terminal
