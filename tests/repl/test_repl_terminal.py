"""One session in a real pseudo-terminal: highlighting, continuation lines, the completion
menu, and results read back off the screen."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from repl_helpers import ROOT

pexpect = pytest.importorskip("pexpect")

COLOURED = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_real_terminal_session(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", XDG_DATA_HOME=str(tmp_path), PROMPT_TOOLKIT_NO_CPR="1")
    args = ["-m", "camp.cli", "repl", "examples/normalize.camp"]
    args += ["--leads", "examples/data/normalize.csv"]
    try:
        child = pexpect.spawn(
            sys.executable,
            args,
            cwd=str(ROOT),
            env=env,
            dimensions=(40, 120),
            encoding="utf-8",
            timeout=20,
        )
    except (OSError, pexpect.ExceptionPexpect) as e:  # pragma: no cover - no pty here
        pytest.skip(f"no pseudo-terminal: {e}")
    try:
        child.expect("loaded examples/normalize.camp: 5 campaigns")
        child.expect("camp>")

        # A multi-line executable, line by line: each Enter before the '>' adds a line.
        child.send("executable campaign Shout <\r")
        child.expect(r"\.\.\.")  # the continuation prompt
        assert re.search(COLOURED.pattern + "executable", child.before), "input not highlighted"
        assert re.search(COLOURED.pattern + "Shout", child.before)
        child.send("set first_name = upper(first_name);\r")
        child.expect(r"\.\.\.")
        child.send(">\r")
        child.expect("defined executable campaign Shout")
        child.expect("camp>")

        child.send("call Shout;\r")
        child.expect(
            re.escape('[Shout] Change Data Value field=first_name old="  ana " new="  ANA "')
        )
        child.expect("camp>")

        # A partial name and Tab: the menu lists the executables it could be.
        child.send("call Normal")
        child.send("\t")
        child.expect("NormalizePhone")  # the menu's last entry, in declaration order
        menu = child.before
        assert "NormalizeEmail" in menu and "NormalizeCountry" in menu
        assert "executable campaign" in menu  # each entry's meta
        child.send("\x03")  # Ctrl-C drops the input
        child.expect("camp>")

        child.send('trim(first_name) + "!"\r')
        child.expect(re.escape('"ANA!"'))
        child.expect("camp>")
        child.send(":lead 3\r")
        child.expect(re.escape("current lead 3 (juergen.mueller@hooli.example)"))
        child.expect("camp>")

        child.send("\x04")  # Ctrl-D leaves
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
    finally:
        if child.isalive():  # pragma: no cover - only when an expectation failed
            child.terminate(force=True)
