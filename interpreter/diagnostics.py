"""The one diagnostic type of Camp and its one renderer.

Check-time diagnostics (E0xx–E4xx, W1xx) carry a source span; run-time
campaign errors (R2xx) also carry the lead and the campaign call stack.
Both render in the formats of the language reference (spec §6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any

from camp.grammar.node import dataclass
from camp.grammar.span import Span


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class StackFrame:
    """One frame of a campaign call stack, for run-time errors."""

    span: Span  # the step being run in this frame
    kind: str  # "campaign" or "executable"
    campaign: str
    source: str  # the step's source text, first line

    def location(self) -> str:
        return f"{self.span.file}:{self.span.line}:{self.span.column}"

    def as_activity(self) -> str:
        return f"{self.location()} {self.campaign}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    hint: str | None = None
    lead: str | None = None  # run-time errors: "42 (ana@example.com)"
    stack: tuple[StackFrame, ...] = ()  # run-time errors: outermost first

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict[str, Any]:
        span = self.span
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "file": span.file if span else None,
            "line": span.line if span else None,
            "column": span.column if span else None,
            "end_line": span.end_line if span else None,
            "end_column": span.end_column if span else None,
            "hint": self.hint,
        }


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file/position order, duplicates removed."""
    unique = {(d.code, d.message, d.span): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)


_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "bold": "\x1b[1m", "blue": "\x1b[1;34m"}
_RESET = "\x1b[0m"


def render(
    diagnostic: Diagnostic,
    sources: Mapping[str, str] | Callable[[str], str | None],
    color: bool = False,
) -> str:
    """Render one diagnostic as text, with the source line and a caret under the span."""

    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_RESET}" if color else text

    severity = str(diagnostic.severity)
    head = paint(f"{severity}[{diagnostic.code}]", severity) + paint(
        f": {diagnostic.message}", "bold"
    )
    span = diagnostic.span
    if diagnostic.stack or span is None:
        return _render_runtime(diagnostic, head, paint)

    lines = [f"{span}: {head}"]
    source_line = _source_line(sources, span.file, span.line)
    if source_line is not None:
        width = len(str(span.line))
        pad = " " * (width + 2)
        end = span.end_column if span.end_line == span.line else len(source_line) + 1
        count = max(1, end - span.column)
        # Keep tabs in the padding so the caret lines up under tabbed source.
        lead_ws = "".join(c if c == "\t" else " " for c in source_line[: span.column - 1])
        lines.append(paint(f"{pad}|", "blue"))
        lines.append(paint(f" {span.line} | ", "blue") + source_line)
        lines.append(paint(f"{pad}| ", "blue") + lead_ws + paint("^" * count, severity))
        if diagnostic.hint:
            lines.append(paint(f"{pad}= ", "blue") + f"help: {diagnostic.hint}")
    elif diagnostic.hint:
        lines.append(f"  = help: {diagnostic.hint}")
    return "\n".join(lines)


def _render_runtime(diagnostic: Diagnostic, head: str, paint: Callable[[str, str], str]) -> str:
    lines = [head]
    if diagnostic.lead is not None:
        lines.append(f"  lead {diagnostic.lead}")
    if diagnostic.stack:
        lines.append("  campaign stack, innermost last:")
        locs = [f.location() for f in diagnostic.stack]
        names = [f"{f.kind} {f.campaign}" for f in diagnostic.stack]
        loc_w = max(len(x) for x in locs)
        name_w = max(len(x) for x in names)
        for frame, loc, name in zip(diagnostic.stack, locs, names, strict=True):
            lines.append(f"    {loc.ljust(loc_w)}  {name.ljust(name_w)}  {frame.source}".rstrip())
    elif diagnostic.span is not None:
        lines.append(f"  at {diagnostic.span}")
    if diagnostic.hint:
        lines.append(f"  = help: {diagnostic.hint}")
    return "\n".join(lines)


def _source_line(
    sources: Mapping[str, str] | Callable[[str], str | None], file: str, line: int
) -> str | None:
    text = sources(file) if callable(sources) else sources.get(file)
    if text is None:
        return None
    all_lines = text.split("\n")  # spans count '\n' only
    if 1 <= line <= len(all_lines):
        return all_lines[line - 1].rstrip("\r")
    return None


def to_json_report(diagnostics: Iterable[Diagnostic]) -> str:
    """The ``camp check --format json`` document (spec §7)."""
    items = list(diagnostics)
    result = "FAIL" if any(d.is_error for d in items) else "OK"
    import json  # only for --format json (start-up)

    return json.dumps({"result": result, "diagnostics": [d.to_json() for d in items]}, indent=2)
