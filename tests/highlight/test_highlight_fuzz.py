"""The lexer never loses text nor raises, whatever it is given (the REPL lexes half-typed input)."""

from __future__ import annotations

from camp.highlight.lexer import KEYWORD_TABLES, STDLIB_FUNCTIONS, CampLexer
from hypothesis import given, settings
from hypothesis import strategies as st

WORDS = sorted(frozenset().union(*KEYWORD_TABLES.values()) | STDLIB_FUNCTIONS)
PIECES = [
    *WORDS,
    "x",
    "Name_1",
    "`Job Title`",
    '"',
    '"text"',
    "{{",
    "}}",
    "{{lead.email}}",
    "\\",
    "\\u00e9",
    "#",
    "# comment\n",
    "<",
    ">",
    "<=",
    ">=",
    "==",
    "!=",
    "=",
    "+=",
    "-=",
    ";",
    ":",
    ",",
    ".",
    "(",
    ")",
    "[",
    "]",
    "+",
    "-",
    "*",
    "/",
    "%",
    "2",
    "2.5",
    " ",
    "\n",
    "\t",
    "@",
    "é",
]

texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts)
def test_tokens_cover_any_input(text: str) -> None:
    lexer = CampLexer(stripnl=False, ensurenl=False)
    assert "".join(value for _, value in lexer.get_tokens(text)) == text
    position = 0
    for pos, _, value in lexer.get_tokens_unprocessed(text):
        assert pos == position
        assert value  # no empty tokens
        position += len(value)
    assert position == len(text)
