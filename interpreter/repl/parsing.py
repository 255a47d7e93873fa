"""What the user typed: the completeness rule for Enter, and the kind of an input.

An input is a meta-command (``:help``), an expression, one or more declarations,
or one or more steps. Steps only parse inside a campaign, so they are wrapped in
a synthetic batch campaign ``__repl__`` whose header takes the first line of the
synthetic source; :func:`unwrap` maps its diagnostics back to the user's own
lines and columns.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.grammar.node import replace
from camp.grammar.parser import grammar, is_complete, parse
from camp.grammar.span import Span

SYNTHETIC = "__repl__"  # the campaign around steps typed at the prompt
SYNTHETIC_DISPLAY = "<repl>"  # how it is shown in activities, traces and stacks
INPUT_NAME = "<repl>"  # the file name of the input being handled
HEAD = f"campaign {SYNTHETIC} <\n"  # the wrapper's first line; user line N is line N + 1
TAIL = "\n>\n"
LINE_OFFSET = 1

Kind = Literal["empty", "meta", "expression", "declarations", "steps", "error"]

_FIRST_WORD = re.compile(r"\A(?:\s|#[^\n]*)*([A-Za-z_][A-Za-z0-9_]*)")
_WEBHOOK_DECL = re.compile(r"\A(?:\s|#[^\n]*)*webhook\s+[A-Za-z_][A-Za-z0-9_]*\s*<")
_OPENED_AT = re.compile(r"opened at line (\d+)")


def wrap(text: str) -> str:
    """The synthetic source that makes steps a campaign body."""
    return HEAD + text + TAIL


def is_meta(text: str) -> bool:
    return text.lstrip().startswith(":")


def is_blank(text: str) -> bool:
    """Only whitespace and comments."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def input_complete(text: str) -> bool:
    """The rule for Enter: True submits, False inserts a newline.

    Complete: blank input, a meta-command, or text that parses as an expression,
    as declarations or as steps. Otherwise the input is incomplete when it is a
    prefix that more text could make valid in one of those readings (an open
    block, a statement without its ';', an unterminated string, a dangling
    operator); any other input has an error before its end, and submitting it
    shows the error.
    """
    if is_blank(text) or is_meta(text) or _ends_in_open_string(text):
        return True
    if (
        parse(text, INPUT_NAME, "expression").ok
        or parse(text, INPUT_NAME, "start").ok
        or parse(wrap(text), INPUT_NAME, "start").ok
    ):
        return True
    return (
        is_complete(text, "expression")
        and is_complete(text, "start")
        and is_complete(HEAD + text, "start")
    )


def _ends_in_open_string(text: str) -> bool:
    """True when the last line leaves a string open. A string ends on its line (the
    language's rule), so Enter submits it and the error says "unterminated string"
    rather than the next line being swallowed into the string."""
    line = text.rsplit("\n", 1)[-1]
    quote: str | None = None  # '"' inside a string, '`' inside a backquoted name
    i = 0
    while i < len(line):
        c = line[i]
        if quote == '"' and c == "\\":
            i += 2
            continue
        if quote is not None:
            if c == quote:
                quote = None
        elif c == "#":
            break
        elif c in '"`':
            quote = c
        i += 1
    return quote == '"'


@dataclass
class Parsed:
    """One input, classified and parsed."""

    kind: Kind
    text: str
    node: Any = None  # A.Expr (expression), A.Module (declarations), A.Campaign (steps)
    source: str = ""  # the source the checker sees (the wrapped text for steps)
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)


def classify(text: str) -> Parsed:
    """Parse ``text`` as an expression, declarations or steps (in that order)."""
    if is_meta(text):
        return Parsed("meta", text.strip())
    if is_blank(text):
        return Parsed("empty", text)
    expr = parse(text, INPUT_NAME, "expression")
    if expr.ok:
        return Parsed("expression", text, expr.node, text)
    module = parse(text, INPUT_NAME, "start")
    if module.ok and module.node.items:
        return Parsed("declarations", text, module.node, text)
    wrapped = wrap(text)
    steps = parse(wrapped, INPUT_NAME, "start")
    if steps.ok and len(steps.node.items) == 1:
        campaign: A.Campaign = steps.node.items[0]
        clauses = campaign.clauses
        if clauses:
            span = unwrap_span(clauses[0].span, text)
            message = "a clause ('on', 'where', 'qualify', 'schedule') cannot run at the prompt"
            hint = "clauses belong in a campaign declaration: campaign NAME < where ...; ... >"
            return Parsed("error", text, diagnostics=[Diagnostic("E001", message, span, hint)])
        lines = [i for i in campaign.body if isinstance(i, A.TEST_LINES)]
        if lines:  # the REPL runs no tests: say so in the user's lines, not the wrapper's
            span = unwrap_span(lines[0].span, text)
            message = (
                "test lines ('expect', 'fire', 'advance', 'mock', 'lead', 'at') run only in tests"
            )
            hint = 'write them in a test "NAME" < ... > declaration and run it with camp test'
            return Parsed("error", text, diagnostics=[Diagnostic("E403", message, span, hint)])
        return Parsed("steps", text, campaign, wrapped)
    return Parsed("error", text, diagnostics=_errors(text, expr.diagnostics, module.diagnostics))


def _errors(text: str, expr: list[Diagnostic], module: list[Diagnostic]) -> list[Diagnostic]:
    """The syntax errors of the reading the user most likely meant."""
    g = grammar()
    m = _FIRST_WORD.match(text)
    first = m.group(1) if m else ""
    decl_words = {"import", "fields", "program", "campaign", "executable"}
    step_words = {g.word(t).strip("'") for t in g.step_starts | g.clause_starts}
    if first in decl_words or _WEBHOOK_DECL.match(text):
        return module
    if first in step_words or ";" in text:
        return steps_errors(text)
    return expr


def steps_errors(text: str) -> list[Diagnostic]:
    """Syntax errors of ``text`` read as steps, in the user's coordinates.

    Errors the wrapper caused (its '>' taken by an open block or an unfinished
    statement, or a '>' of the user's closing the wrapper) are explained in the
    user's terms instead.
    """
    closed = parse(wrap(text), INPUT_NAME, "start")
    good = _own(closed.diagnostics, text)
    strays = len(good) < len(closed.diagnostics)
    if not strays and (not closed.ok or len(closed.node.items) == 1):
        return good
    opened = parse(HEAD + text, INPUT_NAME, "start")
    if opened.node is not None and opened.node.items:
        end = opened.node.items[0].span  # the synthetic campaign, closed by the user's '>'
        line, col = end.end_line - LINE_OFFSET, end.end_column - 1
        stray = Diagnostic(
            "E001",
            "unexpected '>': no block is open here",
            Span(INPUT_NAME, line, col, line, col + 1),
            "a '>' closes a block opened by 'then', 'else', 'times' or a declaration",
        )
        return [*good, stray]
    extra = [d for d in _own(opened.diagnostics, text) if d not in good]
    if extra:
        return [*good, *extra]
    unfinished = Diagnostic(
        "E001",
        "unexpected end of input: the last statement is not finished",
        end_span(text),
        "a simple statement ends with ';', a block with '>'",
    )
    return [*good, unfinished]


def _own(diagnostics: list[Diagnostic], text: str) -> list[Diagnostic]:
    """The diagnostics that lie in the user's text (not the wrapper), unwrapped."""
    return [
        unwrap(d, text)
        for d in diagnostics
        if d.span is not None and SYNTHETIC not in d.message and _inside(d.span, text)
    ]


def _inside(span: Span, text: str) -> bool:
    line = span.line - LINE_OFFSET
    return 1 <= line <= len(text.split("\n"))


def end_span(text: str) -> Span:
    lines = text.rstrip().split("\n") or [""]
    line, col = len(lines), len(lines[-1]) + 1
    return Span(INPUT_NAME, line, col, line, col + 1)


def unwrap_span(span: Span, text: str) -> Span:
    """A span of the wrapped source, in the user's own lines (clamped to the input)."""
    last = max(1, len(text.split("\n")))
    line = min(max(1, span.line - LINE_OFFSET), last)
    end_line = min(max(line, span.end_line - LINE_OFFSET), last)
    end_column = span.end_column if span.end_line - LINE_OFFSET == end_line else span.column + 1
    return Span(span.file, line, span.column, end_line, max(end_column, span.column + 1))


def unwrap(d: Diagnostic, text: str) -> Diagnostic:
    """A diagnostic of the wrapped source, in the user's coordinates."""
    span = unwrap_span(d.span, text) if d.span is not None else None
    message = _OPENED_AT.sub(lambda m: f"opened at line {int(m.group(1)) - LINE_OFFSET}", d.message)
    return replace(d, span=span, message=message)
