"""Start-up (issue 9): `camp check` and `camp run` import only what they use. Each command
runs through the console script's entry in a fresh interpreter, which then lists every
module it imported."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from example_commands import header_commands, without

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# What neither command needs for a program without tests: the REPL and its terminal
# library, the highlighter, the workspace store, reports, partitioned runs, the
# language server, the formatter, the test runner, the program graph, the test checker.
NEVER = (
    "pygments",
    "prompt_toolkit",
    "sqlite3",
    "plotly",
    "dask",
    "distributed",
    "multiprocessing",
    "concurrent",
    "pygls",
    "lsprotocol",
    "camp.repl",
    "camp.highlight",
    "camp.store",
    "camp.pictures",
    # camp.parallel itself is the CLI's small probe for folders of parts and Parquet
    "camp.parallel.cli",
    "camp.parallel.driver",
    "camp.parallel.partition",
    "camp.parallel.parts",
    "camp.lsp",
    "camp.format",
    "camp.analysis",
    "camp.testing",
    "camp.checker.graph",
    "camp.checker.testcheck",
    "difflib",
)
# The stdlib's libraries, imported on the first call of a function that needs them.
LIBRARIES = ("pycountry", "phonenumbers", "email_validator")


def imported(args: list[str], tmp_path: Path) -> set[str]:
    """Every module `camp ARGS` imports (it must exit 0)."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.argv = ["camp", *{args!r}]
        from camp.cli import entry
        try:
            entry()
        except SystemExit as e:
            if e.code not in (0, None):
                raise
        sys.stderr.write("\\n".join(sorted(sys.modules)))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stderr.split("\n"))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in names or m.startswith(tuple(f"{n}." for n in names)))


def run_args(example: str, tmp_path: Path) -> list[str]:
    args = without(header_commands(EXAMPLES / example)[0], "--out", "--activities")
    return ["run", *args, "--out", str(tmp_path / "out.csv")]


@pytest.mark.parametrize("example", ["moments.camp", "scoring.camp", "normalize.camp"])
def test_check_imports_neither_the_runtime_nor_the_tools(example: str, tmp_path: Path):
    modules = imported(["check", str(EXAMPLES / example)], tmp_path)
    assert "camp.checker.checker" in modules and "camp.grammar.parser" in modules
    never = (*NEVER, *LIBRARIES, "camp.runtime", "csv", "json")
    assert loaded(modules, never) == []


def test_check_of_a_file_with_tests_imports_the_test_checker(tmp_path: Path):
    modules = imported(["check", str(EXAMPLES / "tests" / "moments_test.camp")], tmp_path)
    assert "camp.checker.testcheck" in modules
    assert loaded(modules, ("camp.runtime", "camp.testing", *LIBRARIES)) == []


FLOW = """
fields <
  email: text;
  name: text;
  score: number = 0;
>

campaign Tidy <
  set email = lower(trim(email));
  set name = title(trim(name));
  if email contains "@example." then <
    set score += 10;
  >
>
"""


def test_run_imports_the_libraries_its_functions_need_and_nothing_else(tmp_path: Path):
    # A flow with text functions only (no country, phone or e-mail function, no e-mail
    # sent): none of the stdlib's libraries.
    (tmp_path / "tidy.camp").write_text(FLOW, encoding="utf-8")
    (tmp_path / "leads.csv").write_text(
        "email,name\n Ana@Example.com ,ana lee\nbo@shop.io,BO\n", encoding="utf-8"
    )
    args = ["run", str(tmp_path / "tidy.camp"), "--campaign", "Tidy"]
    args += ["--leads", str(tmp_path / "leads.csv"), "--out", str(tmp_path / "out.csv")]
    modules = imported(args, tmp_path)
    assert "camp.runtime.run" in modules
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").count("ana@example.com") == 1
    # (`calendar` too: schedules do their month arithmetic themselves; email-validator
    # imports it through the `email` package)
    assert loaded(modules, (*NEVER, *LIBRARIES, "calendar")) == []
    # normalize.camp calls country_code, phone_e164 and is_valid_email: all three.
    modules = imported(run_args("normalize.camp", tmp_path), tmp_path)
    assert set(LIBRARIES) <= modules
    assert loaded(modules, NEVER) == []
