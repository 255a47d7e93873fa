"""Every example, error example that parses, and the prelude is committed formatted; formatting
is idempotent and keeps the AST and the comments; mangled indentation formats back byte for byte."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from camp.format import format_source
from camp.format.scan import scan
from format_helpers import ast_of, formatted_files, rel

FILES = formatted_files()


def test_the_corpus_is_all_there() -> None:
    names = {rel(p) for p in FILES}
    assert "examples/webinar.camp" in names and "stdlib/scoring.camp" in names
    assert "examples/errors/E101_wait_in_executable.camp" in names
    assert "examples/errors/E001_missing_semicolon.camp" not in names  # fmt: skip-file
    assert len(FILES) >= 28


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_committed_file_is_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_source(text, rel(path)) == text


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_formatting_keeps_the_ast_and_comments(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = format_source(text, rel(path))
    assert ast_of(out) == ast_of(text)
    assert [c.text for c in scan(out).comments] == [c.text for c in scan(text).comments]
    assert format_source(out, rel(path)) == out


def mangle(text: str, style: int) -> str:
    """Re-indent every line badly: flush left, random-looking spaces, tabs, deep indents."""
    lines = []
    for i, line in enumerate(text.split("\n")):
        body = line.lstrip(" ")
        pad = ["", " " * ((i * 7) % 5), "\t" * (i % 3), " " * (17 - i % 9)][style]
        lines.append(pad + body if body else " " * (i % 4))
    return "\n".join(lines)


@pytest.mark.parametrize("style", range(4), ids=["flush", "spaces", "tabs", "deep"])
@pytest.mark.parametrize("path", FILES, ids=rel)
def test_mangled_indentation_formats_back_byte_for_byte(path: Path, style: int) -> None:
    text = path.read_text(encoding="utf-8")
    mangled = mangle(text, style)
    assert mangled != text
    assert format_source(mangled, rel(path)) == text


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_trailing_spaces_and_extra_blank_lines_go(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    messy = re.sub(r"\n\n", "\n\n\n\n", text).replace(";\n", ";   \n")
    assert format_source(messy, rel(path)) == text
