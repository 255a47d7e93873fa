"""Golden token files for every example program, in Pygments' examplefiles format.

Each ``examples/NAME.camp`` has ``tests/highlight/golden/NAME.camp.output`` and
each ``stdlib/NAME.camp`` has ``tests/highlight/golden/stdlib/NAME.camp.output``
(a separate folder: the prelude and the examples may share file names). A
golden lists one token per line, ``repr(text)`` padded to 13 columns and the
token type without its ``Token.`` prefix, with an empty line after each token
that ends a line, exactly as Pygments' own ``tests/conftest.py`` writes them.

Regenerate after changing the lexer or the examples, then review the diff:

    pytest tests/highlight --update-goldens
    CAMP_UPDATE_GOLDENS=1 pytest tests/highlight
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from camp.highlight.lexer import CampLexer
from pygments.token import Error  # type: ignore[import-untyped, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = "pytest tests/highlight --update-goldens  (or CAMP_UPDATE_GOLDENS=1 pytest ...)"

# source folder -> where its goldens live
SOURCES: dict[Path, Path] = {
    ROOT / "examples": GOLDEN,
    ROOT / "stdlib": GOLDEN / "stdlib",
}


def programs() -> list[Path]:
    found: list[Path] = []
    for folder in SOURCES:
        if folder.is_dir():
            found.extend(sorted(folder.glob("*.camp")))
    return found


def golden_path(program: Path) -> Path:
    return SOURCES[program.parent] / (program.name + ".output")


def format_tokens(tokens: Iterable[tuple[Any, str]]) -> str:
    """Tokens in Pygments' examplefiles golden format."""
    lines: list[str] = []
    for token, value in tokens:
        lines.append(f"{value!r:<13} {str(token)[6:]}")
        if value.endswith("\n"):
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _id(program: Path) -> str:
    return program.relative_to(ROOT).as_posix()


PROGRAMS = programs()


@pytest.mark.parametrize("program", PROGRAMS, ids=_id)
def test_golden_tokens(program: Path, update_goldens: bool) -> None:
    text = program.read_text(encoding="utf-8")
    actual = format_tokens(CampLexer().get_tokens(text))
    path = golden_path(program)
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path.relative_to(ROOT)} for {_id(program)}; run {REGENERATE}")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=str(path.relative_to(ROOT)),
                tofile="lexer output",
            )
        )
        pytest.fail(
            f"the tokens of {_id(program)} differ from {path.relative_to(ROOT)}; "
            f"if the change is intended, run {REGENERATE}\n\n{diff}"
        )


def test_no_orphan_goldens(update_goldens: bool) -> None:
    """Every golden file belongs to an existing program (renamed examples leave none behind)."""
    wanted = {golden_path(p) for p in PROGRAMS}
    orphans = sorted(p for p in GOLDEN.rglob("*.camp.output") if p not in wanted)
    if update_goldens:
        for orphan in orphans:
            orphan.unlink()
        return
    assert not orphans, f"golden files without a program: {orphans}; run {REGENERATE}"


@pytest.mark.parametrize("program", PROGRAMS, ids=_id)
def test_no_error_tokens(program: Path) -> None:
    text = program.read_text(encoding="utf-8")
    errors = [
        (text.count("\n", 0, pos) + 1, value)
        for pos, token, value in CampLexer().get_tokens_unprocessed(text)
        if token in Error
    ]
    assert not errors, f"Error tokens (line, text) in {_id(program)}: {errors}"


@pytest.mark.parametrize("program", PROGRAMS, ids=_id)
def test_tokens_add_up_to_the_input(program: Path) -> None:
    text = program.read_text(encoding="utf-8")
    # stripnl=False keeps leading/trailing blank lines; Pygments turns CR LF and
    # CR into LF and (ensurenl) adds a final newline.
    tokens = list(CampLexer(stripnl=False).get_tokens(text))
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = expected if expected.endswith("\n") else expected + "\n"
    assert "".join(value for _, value in tokens) == expected
    # and the raw stream (what the REPL uses) covers the text without gaps
    position = 0
    for pos, _, value in CampLexer().get_tokens_unprocessed(text):
        assert pos == position
        position += len(value)
    assert position == len(text)


def test_there_are_examples() -> None:
    assert PROGRAMS, "no examples/*.camp found: the golden tests check nothing"
