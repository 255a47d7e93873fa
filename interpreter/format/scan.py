"""A second lexing pass over a source: its tokens and its comments, with positions.

Lark's grammar ignores comments and whitespace, so the formatter reads them
here. The terminals are the grammar's own (strings, backquoted names, numbers,
words, punctuation), so a file that parses splits into the same tokens as
Lark's lexer gives the parser; the formatter checks that as it prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Lexeme", "Scan", "scan"]

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n\f]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<backquoted>`[^`\n]+`)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct><=|>=|==|!=|\+=|-=|[<>=+\-*/%;,:.()\[\]])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Lexeme:
    """A token or a comment: its text, offsets and 1-based line/column (as Lark counts them)."""

    kind: str  # comment | string | backquoted | number | name | punct
    text: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Scan:
    tokens: list[Lexeme]  # everything but comments, in order
    comments: list[Lexeme]
    elements: list[Lexeme]  # tokens and comments interleaved, in source order


def scan(source: str) -> Scan:
    """Split ``source`` into tokens and comments. Raises ValueError on a character
    no terminal matches (only possible for a source the parser rejects too)."""
    tokens: list[Lexeme] = []
    comments: list[Lexeme] = []
    elements: list[Lexeme] = []
    pos, line, line_start = 0, 1, 0
    n = len(source)
    while pos < n:
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ValueError(f"unexpected character {source[pos]!r} at line {line}")
        kind = m.lastgroup or ""
        text = m.group()
        end = m.end()
        if kind != "ws":
            text_kind = text.rstrip() if kind == "comment" else text
            lex = Lexeme(
                kind,
                text_kind,
                pos,
                pos + len(text_kind),
                line,
                pos - line_start + 1,
                line,
                pos + len(text) - line_start + 1,
            )
            (comments if kind == "comment" else tokens).append(lex)
            elements.append(lex)
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rindex("\n") + 1
        pos = end
    return Scan(tokens, comments, elements)
