"""``camp.highlight.render.highlight``: one Camp source, every output format."""

from __future__ import annotations

import pytest
from camp.highlight.render import DEFAULT_FORMAT, FORMATS, highlight

SOURCE = """\
# welcome.camp
executable campaign Normalize <
  set country = country_code(country);
  if country is empty then < fail "no country for {{lead.email}}"; >
>
campaign Welcome <
  on form "Contact Us";
  where email is not empty and score >= 10;
  call Normalize;
  wait 2 days;
  send email "Welcome";
>
"""


def test_formats() -> None:
    assert DEFAULT_FORMAT == "terminal256"
    assert FORMATS[0] == DEFAULT_FORMAT
    assert set(FORMATS) == {"terminal256", "terminal", "html", "svg", "latex"}


def test_terminal256_is_the_default() -> None:
    out = highlight(SOURCE)
    assert out == highlight(SOURCE, "terminal256")
    assert "\x1b[38;5;" in out  # 256-colour escapes
    assert "Normalize" in out


def test_terminal() -> None:
    out = highlight(SOURCE, "terminal")
    assert "\x1b[" in out
    assert "\x1b[38;5;" not in out  # the 16 basic colours only


def test_html_is_a_standalone_document() -> None:
    out = highlight(SOURCE, "html", title="welcome.camp")
    assert "<html" in out
    assert "</html>" in out
    assert "<style" in out
    assert "<span" in out
    assert "<title>welcome.camp</title>" in out
    assert "Normalize" in out


def test_svg() -> None:
    out = highlight(SOURCE, "svg")
    assert out.lstrip().startswith(("<?xml", "<svg"))
    assert "</svg>" in out


def test_latex() -> None:
    out = highlight(SOURCE, "latex")
    assert "\\begin{Verbatim}" in out
    assert "\\documentclass" in out  # a complete document, with the \\PY macros


@pytest.mark.parametrize("fmt", ["HTML", " latex ", "Terminal256"])
def test_format_names_are_case_insensitive(fmt: str) -> None:
    assert highlight(SOURCE, fmt) == highlight(SOURCE, fmt.strip().lower())


@pytest.mark.parametrize("fmt", ["", "pdf", "png", "terminal16m", "json"])
def test_unknown_format_is_a_value_error(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown highlight format") as info:
        highlight(SOURCE, fmt)
    message = str(info.value)
    assert "\n" not in message
    for name in FORMATS:
        assert name in message


def test_invalid_source_still_highlights() -> None:
    """A file with syntax errors is highlighted, never refused."""
    out = highlight('campaign < set = ; "unterminated\n@ >\n', "html")
    assert "<span" in out
