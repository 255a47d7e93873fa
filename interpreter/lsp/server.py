"""`camp lsp`: the Language Server Protocol over stdio, on pygls.

A thin layer: every answer comes from :mod:`camp.analysis` (the checker's own
parse and check of the open buffers); this module only converts positions
(LSP's 0-based, UTF-16 ones to the AST's 1-based character columns), URIs
and result types. Every handler is wrapped: a bug logs and answers empty, so a
half-typed line can never take the server down.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from camp import __version__
from camp.analysis.service import Analysis, Service
from camp.diagnostics import Diagnostic
from camp.grammar.span import Span
from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

log = logging.getLogger("camp.lsp")

DEBOUNCE_SECONDS = 0.25
F = TypeVar("F", bound=Callable[..., Any])

_ITEM_KINDS = {
    "keyword": T.CompletionItemKind.Keyword,
    "campaign": T.CompletionItemKind.Function,
    "webhook": T.CompletionItemKind.Interface,
    "field": T.CompletionItemKind.Field,
    "function": T.CompletionItemKind.Function,
    "token": T.CompletionItemKind.Constant,
    "value": T.CompletionItemKind.Value,
    "file": T.CompletionItemKind.File,
}
_SYMBOL_KINDS = {
    "import": T.SymbolKind.File,
    "fields": T.SymbolKind.Struct,
    "field": T.SymbolKind.Field,
    "webhook": T.SymbolKind.Interface,
    "program": T.SymbolKind.Module,
    "token": T.SymbolKind.Constant,
    "campaign": T.SymbolKind.Event,
    "executable": T.SymbolKind.Function,
}


def docs_base() -> str | None:
    """Where the diagnostic codes are explained: docs/diagnostics.md of the checkout."""
    import camp

    doc = Path(camp.__file__).resolve().parent.parent / "docs" / "diagnostics.md"
    return from_fs_path(str(doc)) if doc.exists() else None


# ---- positions ------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def to_position(lines: list[str], line: int, column: int) -> T.Position:
    """An AST position (1-based, characters) as an LSP one (0-based, UTF-16)."""
    row = max(0, line - 1)
    text = lines[row] if row < len(lines) else ""
    return T.Position(row, _utf16(text[: max(0, column - 1)]))


def to_range(lines: list[str], span: Span) -> T.Range:
    return T.Range(
        to_position(lines, span.line, span.column),
        to_position(lines, span.end_line, span.end_column),
    )


def from_position(lines: list[str], pos: T.Position) -> tuple[int, int]:
    """An LSP position as (1-based line, 1-based character column)."""
    row = pos.line
    text = lines[row] if 0 <= row < len(lines) else ""
    units = 0
    col = 0
    while col < len(text) and units < pos.character:
        units += 2 if ord(text[col]) > 0xFFFF else 1
        col += 1
    return row + 1, col + 1


def offset_of(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


# ---- the server -----------------------------------------------------------------------


class CampServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("camp", __version__)
        self.service = Service()
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.docs_url = docs_base()
        self.uris: dict[Path, str] = {}  # open documents: resolved path -> the client's URI

    def path_of(self, uri: str) -> Path:
        fs = to_fs_path(uri)
        # A document without a file (untitled:...) is named as if it were in the
        # working directory, so its relative imports resolve from there.
        path = Path(fs) if fs else Path(re.sub(r"[^A-Za-z0-9_.-]", "_", uri))
        self.uris.setdefault(path.resolve(), uri)
        return path

    def uri_of(self, file: str) -> str:
        path = Path(file).resolve()
        return self.uris.get(path) or from_fs_path(str(path)) or file

    def lines(self, analysis: Analysis | None, file: str) -> list[str]:
        path = Path(file).resolve()
        text = self.service.buffers.get(path)
        if text is None and analysis is not None:
            text = analysis.sources.get(file)
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return text.split("\n")

    def where(self, uri: str, pos: T.Position) -> tuple[Path, str, int, int]:
        path = self.path_of(uri)
        text = self.service.buffers.get(path.resolve(), "")
        line, column = from_position(text.split("\n"), pos)
        return path, text, line, column

    def location(self, analysis: Analysis | None, span: Span) -> T.Location:
        return T.Location(self.uri_of(span.file), to_range(self.lines(analysis, span.file), span))

    # ---- diagnostics ------------------------------------------------------------

    def publish(self, path: Path) -> None:
        """Check ``path`` and publish its diagnostics, then those of open files importing it."""
        done: set[Path] = set()
        todo = [path.resolve()]
        while todo:
            p = todo.pop(0)
            if p in done or p not in self.service.buffers:
                continue
            done.add(p)
            analysis = self.service.analyse(p)
            uri = self.uri_of(str(p))
            lines = self.lines(analysis, analysis.file)
            diags = [self.diagnostic(analysis, d, lines) for d in analysis.diagnostics()]
            self.text_document_publish_diagnostics(
                T.PublishDiagnosticsParams(uri=uri, diagnostics=diags)
            )
            todo += self.service.dependents(p)

    def diagnostic(self, analysis: Analysis, d: Diagnostic, lines: list[str]) -> T.Diagnostic:
        span = d.span or Span(analysis.file, 1, 1, 1, 1)
        message = d.message + (f"\nhelp: {d.hint}" if d.hint else "")
        related = [
            T.DiagnosticRelatedInformation(self.location(analysis, s), text)
            for s, text in analysis.related.get(id(d), [])
        ]
        return T.Diagnostic(
            range=to_range(lines, span),
            message=message,
            severity=T.DiagnosticSeverity.Error if d.is_error else T.DiagnosticSeverity.Warning,
            code=d.code,
            code_description=T.CodeDescription(f"{self.docs_url}#{d.code.lower()}")
            if self.docs_url
            else None,
            source="camp",
            related_information=related or None,
            tags=[T.DiagnosticTag.Unnecessary] if d.code in ("W101", "W102") else None,
        )

    def schedule(self, path: Path) -> None:
        key = str(path.resolve())
        handle = self.pending.pop(key, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()

        def run() -> None:
            self.pending.pop(key, None)
            try:
                self.publish(path)
            except Exception:
                report = f"checking {path} failed:\n{traceback.format_exc()}"
                log.error("%s", report)
                with contextlib.suppress(Exception):
                    self.window_log_message(T.LogMessageParams(T.MessageType.Error, report))

        self.pending[key] = loop.call_later(DEBOUNCE_SECONDS, run)


def safe(default: Callable[[], Any]) -> Callable[[F], F]:
    """Never let a handler's bug reach the client: log it and answer ``default()``."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(ls: CampServer, params: Any) -> Any:
            try:
                return fn(ls, params)
            except Exception:
                report = f"{fn.__name__} failed:\n{traceback.format_exc()}"
                log.error("%s", report)
                with contextlib.suppress(Exception):
                    ls.window_log_message(T.LogMessageParams(T.MessageType.Error, report))
                return default()

        return inner  # type: ignore[return-value]

    return wrap


def make_server() -> CampServer:
    server = CampServer()

    @server.feature(T.INITIALIZE)
    @safe(lambda: None)
    def initialize(ls: CampServer, params: T.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("docsUrl"), str):
            ls.docs_url = options["docsUrl"]  # where codes link to, instead of docs/diagnostics.md

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    @safe(lambda: None)
    def did_open(ls: CampServer, params: T.DidOpenTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        ls.service.open(path, params.text_document.text)
        ls.publish(path)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    @safe(lambda: None)
    def did_change(ls: CampServer, params: T.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = ls.workspace.get_text_document(uri)
        path = ls.path_of(uri)
        ls.service.open(path, doc.source)
        ls.schedule(path)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    @safe(lambda: None)
    def did_save(ls: CampServer, params: T.DidSaveTextDocumentParams) -> None:
        ls.schedule(ls.path_of(params.text_document.uri))

    @server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
    @safe(lambda: None)
    def did_close(ls: CampServer, params: T.DidCloseTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        dependents = ls.service.dependents(path)
        ls.service.close(path)
        ls.uris.pop(path.resolve(), None)
        ls.text_document_publish_diagnostics(
            T.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )
        for p in dependents:
            ls.schedule(p)

    @server.feature(
        T.TEXT_DOCUMENT_COMPLETION,
        T.CompletionOptions(trigger_characters=[".", " ", '"', "`", "/"]),
    )
    @safe(lambda: T.CompletionList(is_incomplete=False, items=[]))
    def completion(ls: CampServer, params: T.CompletionParams) -> T.CompletionList:
        path, text, line, column = ls.where(params.text_document.uri, params.position)
        _ctx, items = ls.service.complete(path, text, offset_of(text, line, column))
        out = []
        for i, it in enumerate(items):
            doc = T.MarkupContent(T.MarkupKind.Markdown, it.doc) if it.doc else None
            out.append(
                T.CompletionItem(
                    label=it.label,
                    kind=_ITEM_KINDS.get(it.kind, T.CompletionItemKind.Text),
                    detail=it.detail or None,
                    documentation=doc,
                    sort_text=f"{i:05d}",
                )
            )
        return T.CompletionList(is_incomplete=False, items=out)

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    @safe(lambda: None)
    def hover(ls: CampServer, params: T.HoverParams) -> T.Hover | None:
        path, _text, line, column = ls.where(params.text_document.uri, params.position)
        found = ls.service.hover(path, line, column)
        if found is None:
            return None
        text, span = found
        analysis = ls.service.best(path)
        return T.Hover(
            T.MarkupContent(T.MarkupKind.Markdown, text),
            to_range(ls.lines(analysis, span.file), span),
        )

    @server.feature(T.TEXT_DOCUMENT_DEFINITION)
    @safe(lambda: [])
    def definition(ls: CampServer, params: T.DefinitionParams) -> list[T.Location]:
        path, _text, line, column = ls.where(params.text_document.uri, params.position)
        analysis = ls.service.best(path)
        return [ls.location(analysis, s) for s in ls.service.definition(path, line, column)]

    @server.feature(T.TEXT_DOCUMENT_REFERENCES)
    @safe(lambda: [])
    def references(ls: CampServer, params: T.ReferenceParams) -> list[T.Location]:
        path, _text, line, column = ls.where(params.text_document.uri, params.position)
        analysis = ls.service.best(path)
        spans = ls.service.references(path, line, column, params.context.include_declaration)
        return [ls.location(analysis, s) for s in spans]

    @server.feature(T.TEXT_DOCUMENT_PREPARE_RENAME)
    @safe(lambda: None)
    def prepare_rename(ls: CampServer, params: T.PrepareRenameParams) -> T.Range | None:
        path, _text, line, column = ls.where(params.text_document.uri, params.position)
        occ = ls.service.prepare_rename(path, line, column)
        if occ is None:
            return None
        return to_range(ls.lines(ls.service.best(path), occ.span.file), occ.span)

    @server.feature(T.TEXT_DOCUMENT_RENAME)
    @safe(lambda: None)
    def rename(ls: CampServer, params: T.RenameParams) -> T.WorkspaceEdit | None:
        path, _text, line, column = ls.where(params.text_document.uri, params.position)
        edits = ls.service.rename(path, line, column, params.new_name)
        if isinstance(edits, str):
            ls.window_show_message(T.ShowMessageParams(T.MessageType.Warning, edits))
            return None
        analysis = ls.service.best(path)
        changes: dict[str, list[T.TextEdit]] = {}
        for e in edits:
            rng = to_range(ls.lines(analysis, e.span.file), e.span)
            changes.setdefault(ls.uri_of(e.span.file), []).append(T.TextEdit(rng, e.text))
        return T.WorkspaceEdit(changes=changes)

    @server.feature(T.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @safe(lambda: [])
    def document_symbol(ls: CampServer, params: T.DocumentSymbolParams) -> list[T.DocumentSymbol]:
        path = ls.path_of(params.text_document.uri)
        analysis = ls.service.best(path)
        out = []
        for name, kind, span, name_span, kids in ls.service.symbols(path):
            lines = ls.lines(analysis, span.file)
            children = [
                T.DocumentSymbol(
                    n, _SYMBOL_KINDS[k], to_range(lines, s), to_range(lines, ns), detail=k
                )
                for n, k, s, ns in kids
            ]
            out.append(
                T.DocumentSymbol(
                    name,
                    _SYMBOL_KINDS[kind],
                    to_range(lines, span),
                    to_range(lines, name_span),
                    detail=kind,
                    children=children or None,
                )
            )
        return out

    @server.feature(T.TEXT_DOCUMENT_FOLDING_RANGE)
    @safe(lambda: [])
    def folding_range(ls: CampServer, params: T.FoldingRangeParams) -> list[T.FoldingRange]:
        path = ls.path_of(params.text_document.uri)
        return [
            T.FoldingRange(start_line=a - 1, end_line=b - 1, kind=T.FoldingRangeKind.Region)
            for a, b in ls.service.folding(path)
        ]

    @server.feature(T.TEXT_DOCUMENT_FORMATTING)
    @safe(lambda: None)
    def formatting(ls: CampServer, params: T.DocumentFormattingParams) -> list[T.TextEdit] | None:
        try:
            from camp.format import FormatError, format_source
        except ImportError:
            ls.window_show_message(
                T.ShowMessageParams(T.MessageType.Warning, "camp fmt is not available")
            )
            return None
        path = ls.path_of(params.text_document.uri)
        text = ls.service.buffers.get(path.resolve())
        if text is None:
            return None
        try:
            formatted = format_source(text, str(path))
        except FormatError:
            return None  # syntax errors: the diagnostics already say where
        if formatted == text:
            return []
        lines = text.split("\n")
        end = T.Position(len(lines) - 1, _utf16(lines[-1]))
        return [T.TextEdit(T.Range(T.Position(0, 0), end), formatted)]

    return server


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="camp lsp: %(levelname)s %(message)s")
    make_server().start_io()
