"""``camp repl`` with stdin not a terminal: line by line, plain output, exit status 0 or 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from repl_helpers import EXAMPLES, ROOT


def repl(stdin: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_DATA_HOME=str(home), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "camp.cli", "repl", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_expressions(tmp_path: Path) -> None:
    done = repl("1 + 2\n0.1 + 0.2 == 0.3\n", home=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3\ntrue\n", "")


def test_multiline_executable_then_call(tmp_path: Path) -> None:
    script = (
        'set first_name = "ana";\n'
        "executable campaign Shout <\n"
        "  set first_name = upper(first_name);\n"
        ">\n"
        "call Shout;\n"
        "first_name\n"
    )
    done = repl(script, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        '[<repl>] Change Data Value field=first_name old=null new="ana"',
        "defined executable campaign Shout",
        "[<repl>] Execute Campaign target=Shout qualified=true",
        '[Shout] Change Data Value field=first_name old="ana" new="ANA"',
        '"ANA"',
    ]
    assert "\x1b[" not in done.stdout + done.stderr  # no colours when piped


def test_an_error_line_then_a_good_line(tmp_path: Path) -> None:
    done = repl("call Nope;\n2 * 21\n", home=tmp_path)
    assert done.returncode == 1  # some input had an error
    assert done.stdout == "42\n"
    assert done.stderr.splitlines()[0] == (
        "<repl>:1:6: error[E201]: call of undefined campaign 'Nope'"
    )


def test_file_and_leads(tmp_path: Path) -> None:
    done = repl(
        "call NormalizeLead;\n:show\n",
        "examples/normalize.camp",
        "--leads",
        "examples/data/normalize.csv",
        home=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "[<repl>] Execute Campaign target=NormalizeLead qualified=true" in done.stdout
    shown = dict(line.split(None, 1) for line in done.stdout.splitlines() if line.startswith("  "))
    assert shown["country"] == '"ES"'  # "España", normalised
    assert shown["email"] == '"ana.lopez@globex.example"'
    assert shown["country_raw"] == '"España"'


def test_unfinished_input_at_the_end(tmp_path: Path) -> None:
    done = repl("campaign X <\n  set a = 1;\n", home=tmp_path)
    assert done.returncode == 1
    assert "<repl>:1:12: error[E001]: unclosed '<' of campaign X" in done.stderr


def test_bad_command_line(tmp_path: Path) -> None:
    done = repl("1\n", "nowhere.camp", home=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "camp: error: nowhere.camp: no such file\n"
    done = repl("1\n", "--db", str(tmp_path / "w.db"), home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("camp: error: ") and "no such workspace" in done.stderr
    done = repl("1\n", "--db", "w.db", "--leads", "x.csv", home=tmp_path)
    assert done.returncode == 2
    assert "cannot be used together" in done.stderr


def test_leads_from_a_workspace(tmp_path: Path) -> None:
    """`--db` reads the workspace's leads (typed as stored); the session starts on the first."""
    db = tmp_path / "w.db"
    leads = tmp_path / "leads.csv"
    leads.write_text("id,email,country,score\n7,ana@example.com,Deutschland,5\n9,bo@x.io,,1\n")
    imported = subprocess.run(
        [sys.executable, "-m", "camp.cli", "db", "import", str(db), str(leads)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    done = repl("email\nscore + 1\n:lead 9\nemail\n", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ['"ana@example.com"', "6"]
    assert done.stdout.splitlines()[-1] == '"bo@x.io"'


def test_file_with_check_errors_is_left_out(tmp_path: Path) -> None:
    bad = EXAMPLES / "errors" / "E101_wait_in_executable.camp"
    done = repl(":campaigns\n", str(bad), home=tmp_path)
    assert done.returncode == 1
    assert "error[E101]" in done.stderr and "not loaded: 1 error" in done.stderr
    assert done.stdout == "no campaigns yet\n"
