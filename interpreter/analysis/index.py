"""A position index over the AST: every named thing, where it is defined and used.

Built from the spans the parser puts on every node, for the files of one
loaded program. Positions are the AST's: 1-based lines and columns, columns
counted in characters, ``end_column`` exclusive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from camp.grammar import ast as A
from camp.grammar.node import field_names, is_node
from camp.grammar.span import Span

# kinds of named things
CAMPAIGN = "campaign"
WEBHOOK = "webhook"
PROGRAM = "program"
FIELD = "field"
TOKEN = "token"
FUNCTION = "function"
IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a name appears: its exact range (the name only), and what it is."""

    kind: str
    name: str
    span: Span
    definition: bool
    program: str | None = None  # for tokens: the program the name belongs to (None: unknown)


@dataclass
class Index:
    occurrences: list[Occurrence] = field(default_factory=list)
    by_file: dict[str, list[Occurrence]] = field(default_factory=dict)
    nodes: dict[str, list[tuple[Span, object]]] = field(default_factory=dict)

    def at(self, file: str, line: int, column: int) -> Occurrence | None:
        """The occurrence under the cursor (a cursor just after a name counts)."""
        best: Occurrence | None = None
        for occ in self.by_file.get(file, ()):
            inside = contains(occ.span, line, column, inclusive_end=True)
            if inside and (best is None or occ.span.column > best.span.column):
                best = occ
        return best

    def node_at(self, file: str, line: int, column: int) -> object | None:
        """The innermost AST node whose span holds the position."""
        best: tuple[Span, object] | None = None
        for span, node in self.nodes.get(file, ()):
            if contains(span, line, column) and (best is None or _inside(span, best[0])):
                best = (span, node)
        return best[1] if best else None

    def same_symbol(self, occ: Occurrence) -> list[Occurrence]:
        """Every occurrence of the thing ``occ`` names (definitions first)."""
        found = [o for o in self.occurrences if _same(o, occ)]
        return sorted(found, key=lambda o: (not o.definition, o.span.file, o.span.line))

    def definitions(self, kind: str, name: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.definition and o.kind == kind and o.name == name]


def contains(span: Span, line: int, column: int, inclusive_end: bool = False) -> bool:
    if (line, column) < (span.line, span.column):
        return False
    end = (span.end_line, span.end_column)
    return (line, column) <= end if inclusive_end else (line, column) < end


def _inside(a: Span, b: Span) -> bool:
    return (a.line, a.column) >= (b.line, b.column) and (a.end_line, a.end_column) <= (
        b.end_line,
        b.end_column,
    )


def _same(a: Occurrence, b: Occurrence) -> bool:
    if a.kind != b.kind or a.name != b.name:
        return False
    if a.kind == TOKEN and a.program and b.program:
        return a.program == b.program
    return True


class _Builder:
    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.lines: dict[str, list[str]] = {}
        self.index = Index()

    def line(self, file: str, number: int) -> str:
        lines = self.lines.get(file)
        if lines is None:
            lines = self.sources.get(file, "").split("\n")
            self.lines[file] = lines
        return lines[number - 1] if 1 <= number <= len(lines) else ""

    def add(
        self, kind: str, name: str, span: Span, definition: bool, program: str | None = None
    ) -> None:
        occ = Occurrence(kind, name, span, definition, program)
        self.index.occurrences.append(occ)
        self.index.by_file.setdefault(span.file, []).append(occ)

    def tail(self, span: Span, name: str) -> Span:
        """The name at the end of ``span`` (``lead.X``, ``my.X``, `` `X` ``)."""
        text = self.line(span.file, span.end_line)
        end = span.end_column
        if end >= 2 and text[end - 2 : end - 1] == "`":
            end -= 1
        return Span(span.file, span.end_line, max(1, end - len(name)), span.end_line, end)

    def found(self, span: Span, name: str, pattern: str) -> Span:
        """The name where ``pattern`` (a regex with one group) finds it on the span's line."""
        text = self.line(span.file, span.line)
        m = re.compile(pattern).search(text, span.column - 1)
        if m is None:
            return span
        return Span(span.file, span.line, m.start(1) + 1, span.line, m.end(1) + 1)

    def quoted(self, s: A.Str) -> Span:
        """The text of a one-line string literal, without its quotes."""
        sp = s.span
        if sp.line == sp.end_line and sp.end_column - sp.column >= 2:
            return Span(sp.file, sp.line, sp.column + 1, sp.line, sp.end_column - 1)
        return sp

    # ---- the walk ------------------------------------------------------------

    def module(self, m: A.Module) -> None:
        nodes = self.index.nodes.setdefault(m.file, [])
        for item in m.items:
            self.walk_nodes(item, nodes)
            if isinstance(item, A.Import):
                self.add(IMPORT, item.path, item.path_span, False)
            elif isinstance(item, A.FieldsDecl):
                for fd in item.fields:
                    self.add(FIELD, fd.name, self.tail(fd.name_span, fd.name), True)
            elif isinstance(item, A.WebhookDecl):
                self.add(WEBHOOK, item.name, item.name_span, True)
                for ref, _ in item.responses:
                    self.add(FIELD, ref.name, self.tail(ref.span, ref.name), False)
                for s in (item.url, item.body, *(v for _, v in item.headers)):
                    if s is not None:
                        self.strings(s, None)
            elif isinstance(item, A.Program):
                self.add(PROGRAM, item.name, self.quoted_name(item), True)
                for tok in item.tokens:
                    where = self.found(tok.span, tok.name, r"token\s+([A-Za-z_][A-Za-z0-9_]*)")
                    self.add(TOKEN, tok.name, where, True, item.name)
                for c in item.campaigns:
                    self.campaign(c)
            elif isinstance(item, A.Campaign):
                self.campaign(item)

    def quoted_name(self, p: A.Program) -> Span:
        sp = p.name_span
        if sp.line == sp.end_line and sp.end_column - sp.column >= 2:
            return Span(sp.file, sp.line, sp.column + 1, sp.line, sp.end_column - 1)
        return sp

    def walk_nodes(self, node: object, out: list[tuple[Span, object]]) -> None:
        if isinstance(node, tuple):
            for x in node:
                self.walk_nodes(x, out)
            return
        if not is_node(node):
            return
        span = getattr(node, "span", None)
        if isinstance(span, Span):
            out.append((span, node))
        for f in field_names(node):
            if f in ("span", "name_span", "target_span", "op_span", "times_span"):
                continue
            value = getattr(node, f)
            if isinstance(value, tuple) or is_node(value):
                self.walk_nodes(value, out)

    def campaign(self, c: A.Campaign) -> None:
        self.add(CAMPAIGN, c.name, c.name_span, True)
        for item in c.body:
            self.walk(item, c.program)

    def walk(self, node: object, program: str | None) -> None:
        """References inside a campaign's clauses and steps."""
        if isinstance(node, tuple):
            for x in node:
                self.walk(x, program)
            return
        if isinstance(node, (A.CallStep, A.Request)):
            self.add(CAMPAIGN, node.target, node.target_span, False)
        elif isinstance(node, A.WebhookCall):
            self.add(WEBHOOK, node.name, node.name_span, False)
        elif isinstance(node, A.FieldRef):
            self.add(FIELD, node.name, self.tail(node.span, node.name), False)
        elif isinstance(node, A.TokenRef):
            self.add(TOKEN, node.name, self.tail(node.span, node.name), False, program)
        elif isinstance(node, A.FuncCall):
            self.add(FUNCTION, node.name, node.name_span, False)
        elif isinstance(node, A.Str):
            self.strings(node, program)
            return
        elif isinstance(node, A.ChangeStatus) and node.program is not None:
            self.add(PROGRAM, node.program.plain, self.quoted(node.program), False)
        elif (
            isinstance(node, A.Trigger)
            and node.kind is A.TriggerKind.STATUS_CHANGE
            and isinstance(node.argument, A.Str)
        ):
            self.add(PROGRAM, node.argument.plain, self.quoted(node.argument), False)
        if is_node(node):
            for f in field_names(node):
                value = getattr(node, f)
                if isinstance(value, tuple) or is_node(value):
                    self.walk(value, program)

    def strings(self, s: A.Str, program: str | None) -> None:
        for part in s.parts:
            if not isinstance(part, A.Interp):
                continue
            sp = part.span
            text = self.line(sp.file, sp.line)[sp.column - 1 : sp.end_column - 1]
            at = text.rfind(part.name)
            if at < 0 or sp.line != sp.end_line:
                continue
            where = Span(sp.file, sp.line, sp.column + at, sp.line, sp.column + at + len(part.name))
            if part.namespace == "my":
                self.add(TOKEN, part.name, where, False, program)
            elif part.namespace == "lead":
                self.add(FIELD, part.name, where, False)


def build_index(modules: list[A.Module], sources: dict[str, str]) -> Index:
    builder = _Builder(sources)
    for m in modules:
        builder.module(m)
    return builder.index


def walk_all(node: object) -> Iterator[object]:
    """Every dataclass node under ``node`` (itself included)."""
    if isinstance(node, tuple):
        for x in node:
            yield from walk_all(x)
        return
    if not is_node(node):
        return
    yield node
    for f in field_names(node):
        value = getattr(node, f)
        if isinstance(value, tuple) or is_node(value):
            yield from walk_all(value)
