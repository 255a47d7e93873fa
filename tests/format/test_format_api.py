"""The library entry point the language server uses, and the scanner it relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from camp.format import FormatError, format_source
from camp.format.scan import scan
from camp.grammar.parser import grammar
from format_helpers import ROOT, formatted_files, rel


def test_format_error_carries_the_syntax_errors() -> None:
    with pytest.raises(FormatError) as caught:
        format_source("campaign A <\n  stop\n>\n", "a.camp")
    [d] = caught.value.diagnostics
    assert (d.code, str(d.span), d.message) == ("E001", "a.camp:2:7", "missing ';' after 'stop'")


def test_builder_errors_are_syntax_errors_too() -> None:
    with pytest.raises(FormatError) as caught:
        format_source('campaign A <\n  moment "\\q";\n>\n')
    assert [d.code for d in caught.value.diagnostics] == ["E001"]
    assert str(caught.value.diagnostics[0].span) == "<stdin>:2:11"  # the backslash


def test_skip_file_returns_the_source_unparsed() -> None:
    source = "# header\n# fmt: skip-file\ncampaign A < stop >\n"
    assert format_source(source) == source
    late = "campaign A < >\n# fmt: skip-file\n"  # only before the first declaration
    assert format_source(late) == "campaign A < >\n# fmt: skip-file\n"


def test_the_error_example_opts_out() -> None:
    path = ROOT / "examples" / "errors" / "E001_missing_semicolon.camp"
    text = path.read_text(encoding="utf-8")
    assert format_source(text, rel(path)) == text


@pytest.mark.parametrize("path", formatted_files(), ids=rel)
def test_the_scanner_splits_like_larks_lexer(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lark = [(t.start_pos, str(t)) for t in grammar().lark.lex(text)]
    assert [(t.start, t.text) for t in scan(text).tokens] == lark


def test_the_scanner_keeps_hashes_inside_strings_and_backquotes() -> None:
    sc = scan('set `a#b` = "#1"; # real\n')
    assert [c.text for c in sc.comments] == ["# real"]
    assert [t.text for t in sc.tokens] == ["set", "`a#b`", "=", '"#1"', ";"]
