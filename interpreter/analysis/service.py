"""Editor features over the checker: analyses of open buffers, and what to show.

Protocol-free (the language server translates): positions are the AST's,
1-based lines and character columns. A document is analysed as the checker
sees it: the file plus its imports, the imports read from open buffers first.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

from camp.checker import CheckResult, InputError, Kind, check_loaded
from camp.checker.loader import display_path, load
from camp.checker.testcheck import ACTIVITY_TYPES  # the checker's table (spec §7)
from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.grammar.span import Span

from . import context as C
from .index import (
    CAMPAIGN,
    FIELD,
    FUNCTION,
    IMPORT,
    PROGRAM,
    TOKEN,
    WEBHOOK,
    Index,
    Occurrence,
    build_index,
)
from .vocab import CODES, STEP_HELP

RENAMEABLE = frozenset({CAMPAIGN, FIELD, TOKEN, WEBHOOK})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass
class Analysis:
    """One document checked with its imports."""

    file: str  # the document's display name (as in spans)
    result: CheckResult
    index: Index
    sources: dict[str, str]  # display name -> text of every loaded file
    module: A.Module | None  # None: the document has syntax errors
    related: dict[int, list[tuple[Span, str]]] = field(default_factory=dict)  # id(diag) -> locs
    library_files: set[str] = field(default_factory=set)  # files of the standard prelude

    def diagnostics(self) -> list[Diagnostic]:
        own = [d for d in self.result.diagnostics if d.span is None or d.span.file == self.file]
        return own + self.broken_imports()

    def broken_imports(self) -> list[Diagnostic]:
        """An import of a file with syntax errors: said at the import, since the checker
        then reports those errors alone (they are in the other file)."""
        from camp.checker.loader import resolve_import

        broken = {
            d.span.file
            for d in self.result.diagnostics
            if d.code == "E001" and d.span is not None and d.span.file != self.file
        }
        if not broken or self.module is None:
            return []
        out = []
        for item in self.module.items:
            if not isinstance(item, A.Import):
                continue
            target = display_path(resolve_import(item.path, Path(self.file).resolve()))
            if target in broken:
                out.append(
                    Diagnostic(
                        "E001",
                        f"'{target}' has syntax errors; the other checks wait until it parses",
                        item.path_span,
                        f"open {target} to see them",
                    )
                )
        return out


@dataclass(frozen=True)
class Item:
    """A completion item."""

    label: str
    kind: str  # keyword | campaign | webhook | field | function | token | value | file | text
    detail: str = ""
    doc: str = ""
    insert: str | None = None


@dataclass(frozen=True)
class Edit:
    span: Span
    text: str


class Service:
    """Open buffers (by resolved path) and the latest analysis of each."""

    def __init__(self) -> None:
        self.buffers: dict[Path, str] = {}
        self.analyses: dict[Path, Analysis] = {}
        self.last_good: dict[Path, Analysis] = {}  # the latest analysis that parsed

    # ---- buffers and analyses -------------------------------------------------

    def open(self, path: Path, text: str) -> None:
        self.buffers[path.resolve()] = text

    def close(self, path: Path) -> None:
        path = path.resolve()
        self.buffers.pop(path, None)
        self.analyses.pop(path, None)
        self.last_good.pop(path, None)

    def provide(self, path: Path) -> str | None:
        return self.buffers.get(path)

    def analyse(self, path: Path) -> Analysis:
        path = path.resolve()
        analysis = self._analyse(path, self.buffers.get(path))
        self.analyses[path] = analysis
        if analysis.module is not None:
            self.last_good[path] = analysis
        return analysis

    def _analyse(self, path: Path, text: str | None) -> Analysis:
        def provide(p: Path) -> str | None:
            return text if p == path and text is not None else self.buffers.get(p)

        program = load([path], source_provider=provide)
        result = check_loaded(program)
        name = display_path(path)
        module = next((m for m in program.modules if m.file == name), None)
        analysis = Analysis(
            name, result, build_index(program.modules, program.sources), program.sources, module
        )
        analysis.related = related_locations(analysis)
        analysis.library_files = set(program.library_files)
        return analysis

    def dependents(self, path: Path) -> list[Path]:
        """Open documents whose last analysis loaded ``path`` (they import it)."""
        name = display_path(path.resolve())
        return [
            p
            for p, a in self.analyses.items()
            if p != path.resolve() and p in self.buffers and name in a.sources
        ]

    def best(self, path: Path) -> Analysis | None:
        """The analysis to answer from: the latest that parsed, else the latest."""
        path = path.resolve()
        return self.last_good.get(path) or self.analyses.get(path)

    # ---- completion -------------------------------------------------------------

    def complete(self, path: Path, text: str, offset: int) -> tuple[C.Context, list[Item]]:
        ctx = C.completion_context(text, offset)
        analysis = self.best(path)
        if analysis is None or analysis.module is None:
            # Nothing parsed yet (a file opened half-typed): the names come from the
            # text without the cursor's line, the usual unfinished part.
            start = text.rfind("\n", 0, offset) + 1
            end = text.find("\n", offset)
            rest = text[:start] + (text[end:] if end >= 0 else "")
            with contextlib.suppress(InputError):
                trial = self._analyse(path.resolve(), rest)
                if trial.module is not None:
                    analysis = self.last_good[path.resolve()] = trial
        symbols = analysis.result.symbols if analysis else None
        items: list[Item] = []
        kind = ctx.kind
        if symbols is not None:
            campaigns = symbols.campaigns
            if kind == C.EXECUTABLES:
                items += [
                    Item(n, "campaign", "executable campaign", where(c.decl.name_span))
                    for n, c in campaigns.items()
                    if c.kind is Kind.EXECUTABLE
                ]
            elif kind == C.REQUESTABLE:
                items += [
                    Item(n, "campaign", "requestable campaign", where(c.decl.name_span))
                    for n, c in campaigns.items()
                    if c.kind is not Kind.EXECUTABLE
                    and any(t.kind is A.TriggerKind.REQUESTED for t in c.triggers)
                ]
            elif kind == C.WEBHOOKS:
                items += [
                    Item(n, "webhook", "webhook", where(w.name_span))
                    for n, w in symbols.webhooks.items()
                ]
            elif kind == C.TOKENS:
                items += self.token_items(analysis, offset, text)
            elif kind == C.FIELDS:
                items += self.field_items(
                    symbols, backquoted="`" in text[max(0, offset - 80) : offset]
                )
            elif kind == C.EXPRESSION:
                items += self.field_items(symbols, backquoted=False)
                for name, fn in sorted(symbols.functions.items()):
                    items.append(Item(name, "function", fn.signature, fn.doc))
                items += [
                    Item(f"my.{i.label}", "token", i.detail)
                    for i in self.token_items(analysis, offset, text)
                ]
                items += [Item(w, "value", "literal") for w in ("true", "false", "null")]
            elif kind == C.STATUSES:
                items += [
                    Item(s, "value", f"status of program {p.name!r}")
                    for p in symbols.programs.values()
                    for s in p.statuses
                ]
            elif kind == C.PROGRAMS:
                items += [Item(n, "value", "program") for n in symbols.programs]
        if kind == C.ACTIVITY:
            items += [
                Item(t, "value", "activity type", "attributes: " + (", ".join(a) or "none"))
                for t, a in ACTIVITY_TYPES.items()
            ]
        elif kind == C.IMPORT_PATH:
            items += import_items(path, ctx.prefix)
        keywords = ctx.keywords
        if ctx.step and not _inside_test(text, offset):
            # A campaign body parses test-only lines (to report E403), but offers none.
            keywords = [w for w in keywords if w not in TEST_ONLY_WORDS]
        for w in keywords:
            help_text = STEP_HELP.get(w, "keyword") if ctx.step or ctx.clause else "keyword"
            items.append(Item(w, "keyword", help_text))
        if kind == C.EXPRESSION and symbols is None:
            items += [Item(w, "value", "literal") for w in ("true", "false", "null")]
        folded = ctx.prefix.casefold()
        seen: set[str] = set()
        out: list[Item] = []
        for it in items:
            if it.label in seen or not it.label.casefold().lstrip("`").startswith(folded):
                continue
            seen.add(it.label)
            out.append(it)
        return ctx, out

    def field_items(self, symbols: object, backquoted: bool) -> list[Item]:
        from camp.checker import Symbols

        assert isinstance(symbols, Symbols)
        out = []
        for name, f in symbols.fields.items():
            label = name if backquoted or _NAME.match(name) else f"`{name}`"
            out.append(Item(label, "field", field_detail(f)))
        return out

    def token_items(self, analysis: Analysis | None, offset: int, text: str) -> list[Item]:
        if analysis is None:
            return []
        # Inside a program only its own tokens resolve; elsewhere (an executable
        # run with a caller's tokens) any program's may.
        line = text.count("\n", 0, offset) + 1
        programs = list(analysis.result.symbols.programs.values())
        if analysis.module is not None:
            around = [
                i.name
                for i in analysis.module.items
                if isinstance(i, A.Program) and i.span.line <= line <= i.span.end_line
            ]
            if around:
                programs = [p for p in programs if p.name in around]
        out = []
        for program in programs:
            for name, tok in program.tokens.items():
                out.append(Item(name, "token", f"token of {program.name!r} = {const(tok.value)}"))
        return out

    # ---- hover ------------------------------------------------------------------

    def hover(self, path: Path, line: int, column: int) -> tuple[str, Span] | None:
        analysis = self.best(path)
        parts: list[str] = []
        span: Span | None = None
        if analysis is not None:
            occ = analysis.index.at(analysis.file, line, column)
            if occ is not None:
                text = self.describe(analysis, occ)
                if text:
                    parts.append(text)
                    span = occ.span
        current = self.analyses.get(path.resolve())
        if current is not None:
            for d in current.diagnostics():
                if d.span is not None and _within(d.span, line, column):
                    meaning = CODES.get(d.code)
                    if meaning:
                        parts.append(f"**{d.code}**: {meaning}")
                        span = span or d.span
        if not parts or span is None:
            return None
        return "\n\n---\n\n".join(parts), span

    def describe(self, analysis: Analysis, occ: Occurrence) -> str:
        symbols = analysis.result.symbols
        if occ.kind == FUNCTION:
            fn = symbols.functions.get(occ.name)
            if fn is None:
                return ""
            return f"```camp\n{fn.signature}\n```\n{fn.doc}"
        if occ.kind == FIELD:
            info = symbols.fields.get(occ.name)
            if info is None:
                return f"field `{occ.name}` (not declared)"
            return f"field `{info.name}`: {field_detail(info)}" + (
                f"\n\ndeclared at {where(info.span)}" if info.span else "\n\nbuilt-in field"
            )
        if occ.kind == CAMPAIGN:
            c = symbols.campaigns.get(occ.name)
            if c is None:
                return f"campaign `{occ.name}` (undefined)"
            rule = str(c.qualify) + (f" {c.qualify_interval}" if c.qualify_interval else "")
            lines = [f"{c.kind} campaign `{c.name}`"]
            if c.kind is not Kind.EXECUTABLE:
                lines.append(f"qualify {rule}")
                if c.triggers:
                    lines.append("triggers: " + ", ".join(t.describe() for t in c.triggers))
            else:
                lines.append(f"qualify {rule}")
            if c.program is not None:
                lines.append(f"in program {c.program.name!r}")
            lines.append(f"declared at {where(c.decl.name_span)}")
            return "\n\n".join(lines)
        if occ.kind == TOKEN:
            found = []
            for p in symbols.programs.values():
                tok = p.tokens.get(occ.name)
                if tok is not None and (occ.program is None or occ.program == p.name):
                    found.append(f"token `my.{occ.name}` = {const(tok.value)} (program {p.name!r})")
            return "\n\n".join(found) or f"token `my.{occ.name}` (undefined)"
        if occ.kind == WEBHOOK:
            w = symbols.webhooks.get(occ.name)
            if w is None:
                return f"webhook `{occ.name}` (undefined)"
            url = w.url.plain if w.url else "(no url)"
            return f"webhook `{w.name}`: {w.method} {url}\n\ndeclared at {where(w.name_span)}"
        if occ.kind == PROGRAM:
            prog = symbols.programs.get(occ.name)
            if prog is None:
                return f"program {occ.name!r} (undefined)"
            return (
                f"program {prog.name!r}\n\nstatuses: {', '.join(prog.statuses) or 'none'}\n\n"
                f"tokens: {', '.join('my.' + t for t in prog.tokens) or 'none'}"
            )
        if occ.kind == IMPORT:
            target = import_target(analysis, occ)
            return f"import of `{target}`" if target else ""
        return ""

    # ---- definition, references, rename ---------------------------------------------

    def occurrence(self, path: Path, line: int, column: int) -> tuple[Analysis, Occurrence] | None:
        analysis = self.best(path)
        if analysis is None:
            return None
        occ = analysis.index.at(analysis.file, line, column)
        return (analysis, occ) if occ is not None else None

    def definition(self, path: Path, line: int, column: int) -> list[Span]:
        found = self.occurrence(path, line, column)
        if found is None:
            return []
        analysis, occ = found
        if occ.kind == IMPORT:
            target = import_target(analysis, occ)
            return [Span(target, 1, 1, 1, 1)] if target else []
        if occ.kind == FUNCTION:
            return []
        defs = [o for o in analysis.index.same_symbol(occ) if o.definition]
        if not defs and occ.kind == TOKEN:
            defs = analysis.index.definitions(TOKEN, occ.name)
        return [o.span for o in defs]

    def references(self, path: Path, line: int, column: int, declaration: bool) -> list[Span]:
        found = self.occurrence(path, line, column)
        if found is None:
            return []
        analysis, occ = found
        return [o.span for o in analysis.index.same_symbol(occ) if declaration or not o.definition]

    def prepare_rename(self, path: Path, line: int, column: int) -> Occurrence | None:
        found = self.occurrence(path, line, column)
        if found is None or found[1].kind not in RENAMEABLE:
            return None
        analysis, occ = found
        if occ.kind == FIELD and occ.name in ("id", "email", "unsubscribed"):
            info = analysis.result.symbols.fields.get(occ.name)
            if info is not None and info.span is None:
                return None  # a built-in field
        return occ

    def rename(self, path: Path, line: int, column: int, new: str) -> list[Edit] | str:
        """The edits, or why the rename cannot be done."""
        occ = self.prepare_rename(path, line, column)
        if occ is None:
            return "nothing to rename here (campaigns, fields, tokens and webhooks can be renamed)"
        if occ.kind != FIELD and not _NAME.match(new):
            return f"'{new}' is not a name (letters, digits and '_', not starting with a digit)"
        if occ.kind == FIELD and (not new or "`" in new or "\n" in new):
            return f"'{new}' is not a field name"
        found = self.occurrence(path, line, column)
        assert found is not None
        analysis = found[0]
        edits: list[Edit] = []
        library = [
            o for o in analysis.index.same_symbol(occ) if o.span.file in analysis.library_files
        ]
        if library:
            return (
                f"'{occ.name}' is used by the standard library ({library[0].span.file}), "
                "which a rename cannot change"
            )
        for o in analysis.index.same_symbol(occ):
            text = new
            if o.kind == FIELD and not _NAME.match(new):
                src = line_of(analysis.sources.get(o.span.file, ""), o.span.line)
                quoted = src[o.span.column - 2 : o.span.column - 1] == "`"
                text = new if quoted else f"`{new}`"
            edits.append(Edit(o.span, text))
        return edits

    # ---- outline and folding -------------------------------------------------------

    def symbols(
        self, path: Path
    ) -> list[tuple[str, str, Span, Span, list[tuple[str, str, Span, Span]]]]:
        """(name, kind, whole span, name span, children) for the outline."""
        analysis = self.best(path)
        if analysis is None or analysis.module is None:
            return []
        out: list[tuple[str, str, Span, Span, list[tuple[str, str, Span, Span]]]] = []
        for item in analysis.module.items:
            if isinstance(item, A.Import):
                out.append((item.path, "import", item.span, item.path_span, []))
            elif isinstance(item, A.FieldsDecl):
                kids = [(f.name, "field", f.span, f.name_span) for f in item.fields]
                out.append(("fields", "fields", item.span, item.span, kids))
            elif isinstance(item, A.WebhookDecl):
                out.append((item.name, "webhook", item.span, item.name_span, []))
            elif isinstance(item, A.Program):
                kids = [(f"my.{t.name}", "token", t.span, t.span) for t in item.tokens]
                kids += [(c.name, campaign_kind(c), c.span, c.name_span) for c in item.campaigns]
                out.append((item.name, "program", item.span, item.name_span, kids))
            elif isinstance(item, A.Campaign):
                out.append((item.name, campaign_kind(item), item.span, item.name_span, []))
        return out

    def folding(self, path: Path) -> list[tuple[int, int]]:
        analysis = self.best(path)
        if analysis is None or analysis.module is None:
            return []
        ranges: set[tuple[int, int]] = set()
        for spans in analysis.index.nodes.get(analysis.file, ()):
            span, node = spans
            if (
                isinstance(
                    node, (A.Campaign, A.Program, A.FieldsDecl, A.WebhookDecl, A.If, A.Retry)
                )
                and span.end_line > span.line
            ):
                ranges.add((span.line, span.end_line))
        return sorted(ranges)


# ---- helpers -------------------------------------------------------------------------


def where(span: Span | None) -> str:
    return f"{span.file}:{span.line}:{span.column}" if span else "(built in)"


def const(c: A.Const) -> str:
    v = c.value
    if isinstance(v, str):
        return f'"{v}"'
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def field_detail(info: object) -> str:
    from camp.checker import FieldInfo

    assert isinstance(info, FieldInfo)
    text = str(info.type)
    if info.default is not None:
        d = info.default
        shown = (
            ("true" if d else "false")
            if isinstance(d, bool)
            else repr(d)
            if isinstance(d, str)
            else str(d)
        )
        text += f" = {shown}"
    if info.read_only:
        text += " (read-only)"
    return text


def campaign_kind(c: A.Campaign) -> str:
    return "executable" if c.executable else "campaign"


def line_of(text: str, number: int) -> str:
    lines = text.split("\n")
    return lines[number - 1] if 1 <= number <= len(lines) else ""


def _within(span: Span, line: int, column: int) -> bool:
    start = (span.line, span.column)
    end = (span.end_line, max(span.end_column, span.column + 1))
    return start <= (line, column) <= end


def import_target(analysis: Analysis, occ: Occurrence) -> str | None:
    from camp.checker.loader import resolve_import

    importer = Path(occ.span.file)
    target = resolve_import(occ.name, importer.resolve())
    name = display_path(target)
    return name if name in analysis.sources or target.exists() else None


def import_items(path: Path, prefix: str) -> list[Item]:
    from camp.checker.loader import stdlib_dir

    items: list[Item] = []
    base = path.resolve().parent
    sub, _, _ = prefix.rpartition("/")
    folder = base / sub if sub and not prefix.startswith("std/") else base
    if prefix.startswith("std/"):
        for f in sorted(stdlib_dir().glob("*.camp")):
            items.append(Item(f"std/{f.stem}", "file", "standard library"))
        return items
    try:
        entries = sorted(folder.iterdir())[:500]
    except OSError:
        entries = []
    for e in entries:
        if e.resolve() == path.resolve():
            continue
        rel = f"{sub}/{e.name}" if sub else e.name
        if e.is_dir() and not e.name.startswith("."):
            items.append(Item(rel + "/", "file", "folder"))
        elif e.suffix == ".camp":
            items.append(Item(rel, "file", "Camp file"))
    items += [
        Item(f"std/{f.stem}", "file", "standard library")
        for f in sorted(stdlib_dir().glob("*.camp"))
    ]
    return items


_CHAIN = re.compile(r":\s*(.+?)\s*$")


def related_locations(analysis: Analysis) -> dict[int, list[tuple[Span, str]]]:
    """The other places a diagnostic is about: both declarations of a duplicate, every
    call of a cycle or of a too deep chain."""
    out: dict[int, list[tuple[Span, str]]] = {}
    symbols = analysis.result.symbols
    for d in analysis.result.diagnostics:
        if d.span is None:
            continue
        locs: list[tuple[Span, str]] = []
        if d.code == "E305":
            m = re.search(r"duplicate name '([^']*)'", d.message)
            if m:
                for kind in (CAMPAIGN, WEBHOOK, PROGRAM, FIELD):
                    for o in analysis.index.definitions(kind, m.group(1)):
                        if o.span != d.span and (o.span.file, o.span.line) != (
                            d.span.file,
                            d.span.line,
                        ):
                            locs.append((o.span, f"'{o.name}' first declared here"))
        elif d.code in ("E204", "E205"):
            m = _CHAIN.search(d.message)
            names = [n.strip() for n in m.group(1).split("→")] if m else []
            for caller, callee in itertools.pairwise(names):
                info = symbols.campaigns.get(caller)
                if info is None:
                    continue
                for call in info.calls:
                    if call.target == callee:
                        locs.append((call.target_span, f"{caller} calls {callee}"))
                        break
        if locs:
            out[id(d)] = locs
    return out


# The first words of the test-only lines (docs/testing.md): offered only inside a test.
TEST_ONLY_WORDS = frozenset({"expect", "fire", "advance", "mock", "at", "lead"})
_DECL_START = re.compile(r'(?m)^\s*(?:(test)\s+"|(?:executable\s+)?campaign\s+\w)')


def _inside_test(text: str, offset: int) -> bool:
    """Whether the declaration the cursor is in is a ``test`` (the last declaration
    opener before the cursor), by the text: good enough for completion."""
    last = None
    for m in _DECL_START.finditer(text, 0, offset):
        last = m
    return last is not None and last.group(1) is not None
