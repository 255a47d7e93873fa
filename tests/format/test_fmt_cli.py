"""`camp fmt` (tooling spec §1): in place, --check, --diff, stdin, folders, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from camp.cli import main
from click.testing import CliRunner, Result

UGLY = "campaign Welcome<on created;   # new leads\nset score+=1;>\n"
PRETTY = "campaign Welcome <\n  on created;  # new leads\n  set score += 1;\n>\n"
BROKEN = 'campaign Welcome <\n  send email "Hi"\n  stop;\n>\n'


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fmt(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["fmt", *args], input=stdin)


def test_rewrites_files_in_place(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    (here / "b.camp").write_text(PRETTY)
    result = fmt("a.camp", "b.camp")
    assert result.exit_code == 0
    assert (here / "a.camp").read_text() == PRETTY
    assert (here / "b.camp").read_text() == PRETTY
    assert result.stdout == ""
    assert result.stderr == "1 file reformatted, 1 file left unchanged\n"


def test_unchanged_file_is_not_rewritten(here: Path) -> None:
    path = here / "b.camp"
    path.write_text(PRETTY)
    before = path.stat().st_mtime_ns
    assert fmt("b.camp").exit_code == 0
    assert path.stat().st_mtime_ns == before


def test_check_lists_the_files_that_would_change_and_exits_1(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    (here / "b.camp").write_text(PRETTY)
    result = fmt("--check", "a.camp", "b.camp")
    assert result.exit_code == 1
    assert result.stdout == "would reformat a.camp\n"
    assert result.stderr == "1 file would be reformatted, 1 file already formatted\n"
    assert (here / "a.camp").read_text() == UGLY


def test_check_passes_on_formatted_files(here: Path) -> None:
    (here / "b.camp").write_text(PRETTY)
    result = fmt("--check", "b.camp")
    assert (result.exit_code, result.stdout) == (0, "")


def test_diff_prints_a_unified_diff_and_writes_nothing(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    result = fmt("--diff", "a.camp")
    assert result.exit_code == 0
    assert result.stdout == (
        "--- a.camp\t(original)\n"
        "+++ a.camp\t(formatted)\n"
        "@@ -1,2 +1,4 @@\n"
        "-campaign Welcome<on created;   # new leads\n"
        "-set score+=1;>\n"
        "+campaign Welcome <\n"
        "+  on created;  # new leads\n"
        "+  set score += 1;\n"
        "+>\n"
    )
    assert (here / "a.camp").read_text() == UGLY


def test_check_with_diff_exits_1(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    result = fmt("--check", "--diff", "a.camp")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a.camp\t(original)\n")


def test_syntax_errors_leave_the_file_untouched_and_exit_2(here: Path) -> None:
    (here / "bad.camp").write_text(BROKEN)
    (here / "a.camp").write_text(UGLY)
    result = fmt("bad.camp", "a.camp")
    assert result.exit_code == 2
    assert (here / "bad.camp").read_text() == BROKEN
    assert (here / "a.camp").read_text() == PRETTY  # the other file is still formatted
    assert result.stderr == (
        "bad.camp:2:18: error[E001]: missing ';' after string \"Hi\"\n"
        "   |\n"
        ' 2 |   send email "Hi"\n'
        "   |                  ^\n"
        "   = help: every simple statement ends with ';'\n"
        "\n"
        "bad.camp: not formatted: 1 syntax error\n"
        "1 file reformatted, 0 files left unchanged, 1 file with syntax errors\n"
    )


def test_syntax_errors_under_check_still_exit_2(here: Path) -> None:
    (here / "bad.camp").write_text(BROKEN)
    (here / "a.camp").write_text(UGLY)
    assert fmt("--check", "bad.camp", "a.camp").exit_code == 2


def test_a_formatter_bug_is_one_line_exit_2_and_the_file_untouched(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from camp.format.printer import PRINTERS
    from camp.grammar import ast as A

    monkeypatch.delitem(PRINTERS, A.Set)  # a bug
    (here / "a.camp").write_text(UGLY)
    (here / "b.camp").write_text("campaign B <\n  stop;\n>\n")
    result = fmt("a.camp", "b.camp")
    assert result.exit_code == 2
    assert (here / "a.camp").read_text() == UGLY
    assert result.stderr == (
        "camp fmt: internal error formatting a.camp: no printer for Set; "
        "the file was left unchanged, please report it\n"
        "0 files reformatted, 1 file left unchanged, 1 file not formatted (internal error)\n"
    )
    stdin = fmt("-", stdin=UGLY)
    assert (stdin.exit_code, stdin.stdout) == (2, UGLY)
    assert stdin.stderr.startswith("camp fmt: internal error formatting <stdin>: no printer")


def test_stdin_to_stdout() -> None:
    result = fmt("-", stdin=UGLY)
    assert (result.exit_code, result.stdout) == (0, PRETTY)


def test_stdin_check_and_diff() -> None:
    assert fmt("--check", "-", stdin=UGLY).exit_code == 1
    assert fmt("--check", "-", stdin=PRETTY).exit_code == 0
    assert fmt("--check", "-", stdin=UGLY).stdout == ""
    assert fmt("--diff", "-", stdin=UGLY).stdout.startswith("--- <stdin>\t(original)\n")


def test_stdin_with_syntax_errors_passes_the_text_through_and_exits_2() -> None:
    result = fmt("-", stdin=BROKEN)
    assert result.exit_code == 2
    assert result.stdout == BROKEN
    assert result.stderr.startswith("<stdin>:2:18: error[E001]: missing ';'")


def test_stdin_cannot_be_combined_with_files(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    result = fmt("-", "a.camp", stdin=UGLY)
    assert result.exit_code == 2
    assert result.stderr == "camp: error: '-' (standard input) cannot be combined with files\n"


def test_folders_are_searched_for_camp_files(here: Path) -> None:
    (here / "progs" / "sub").mkdir(parents=True)
    (here / "progs" / ".hidden").mkdir()
    (here / "progs" / "a.camp").write_text(UGLY)
    (here / "progs" / "sub" / "b.camp").write_text(UGLY)
    (here / "progs" / ".hidden" / "c.camp").write_text(UGLY)
    (here / "progs" / "notes.txt").write_text(UGLY)
    result = fmt("--check", "progs")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"would reformat {Path('progs/a.camp')}",
        f"would reformat {Path('progs/sub/b.camp')}",
    ]


def test_no_argument_means_the_current_folder(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    assert fmt().exit_code == 0
    assert (here / "a.camp").read_text() == PRETTY


def test_a_missing_file_is_an_input_error(here: Path) -> None:
    (here / "a.camp").write_text(UGLY)
    result = fmt("a.camp", "nowhere.camp")
    assert result.exit_code == 2
    assert result.stderr == "camp: error: nowhere.camp: no such file\n"
    assert (here / "a.camp").read_text() == UGLY  # nothing is written


def test_invalid_utf8_is_an_input_error(here: Path) -> None:
    (here / "latin1.camp").write_bytes(b'campaign A <\n  moment "caf\xe9";\n>\n')
    result = fmt("latin1.camp")
    assert result.exit_code == 2
    assert result.stderr.startswith("camp: error: latin1.camp:2: not valid UTF-8")


def test_a_file_can_opt_out(here: Path) -> None:
    text = "# fmt: skip-file\n" + BROKEN
    (here / "keep.camp").write_text(text)
    result = fmt("--check", "keep.camp")
    assert result.exit_code == 0
    assert result.stderr == (
        "0 files would be reformatted, 0 files already formatted, 1 file skipped (fmt: skip-file)\n"
    )
    assert fmt("-", stdin=text).stdout == text


def test_crlf_files_are_rewritten_with_lf(here: Path) -> None:
    (here / "w.camp").write_bytes(PRETTY.replace("\n", "\r\n").encode())
    assert fmt("--check", "w.camp").exit_code == 1
    assert fmt("w.camp").exit_code == 0
    assert (here / "w.camp").read_bytes() == PRETTY.encode()


def test_installed_command_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "camp.cli", "fmt", "-"],
        input=UGLY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, PRETTY), done.stderr
