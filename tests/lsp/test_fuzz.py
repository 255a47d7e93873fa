"""No input crashes or hangs the language server: truncations of every example.

Every example (and every file of examples/errors/ and the prelude) is cut at
sampled character positions; each prefix is analysed and every feature asked
at its end and inside it. In process, any exception is a failure (the
server's wrappers would hide it); over LSP, every request must be answered,
within a timeout, and the server must log no handler failure.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from camp.analysis import Service
from lsprotocol import types as T
from pytest_lsp import LanguageClient

from .conftest import ROOT, open_doc, uri

FILES = sorted(
    [
        *(ROOT / "examples").glob("*.camp"),
        *(ROOT / "examples" / "errors").glob("*.camp"),
        *(ROOT / "stdlib").glob("*.camp"),
    ]
)
IN_PROCESS_CUTS = 60  # per file
LSP_CUTS = 12  # per file


def cuts(text: str, count: int) -> list[int]:
    """``count`` cut positions spread over the text, with a different phase per file."""
    if not text:
        return [0]
    step = max(1, len(text) // count)
    phase = len(text) % step
    return sorted({min(len(text), phase + i * step) for i in range(count + 1)})


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_feature_survives_truncations(path: Path) -> None:
    full = path.read_text(encoding="utf-8")
    fake = path.with_name(f"fuzz_{path.name}")
    service = Service()
    for cut in cuts(full, IN_PROCESS_CUTS):
        text = full[:cut]
        service.open(fake, text)
        service.analyse(fake)
        for offset in {cut, cut // 2, max(0, cut - 7)}:
            line, col = line_col(text, offset)
            service.complete(fake, text, offset)
            service.hover(fake, line, col)
            service.definition(fake, line, col)
            service.references(fake, line, col, True)
            service.rename(fake, line, col, "Renamed")
        service.symbols(fake)
        service.folding(fake)


SMALLEST = sorted(FILES, key=lambda p: p.stat().st_size)[:3]


@pytest.mark.parametrize("path", SMALLEST, ids=lambda p: p.name)
def test_character_by_character(path: Path) -> None:
    """Every prefix of the smallest files, one character at a time, as typed."""
    full = path.read_text(encoding="utf-8")
    fake = path.with_name(f"typed_{path.name}")
    service = Service()
    for cut in range(len(full) + 1):
        text = full[:cut]
        service.open(fake, text)
        service.analyse(fake)
        line, col = line_col(text, cut)
        service.complete(fake, text, cut)
        service.hover(fake, line, col)


@pytest.mark.asyncio(loop_scope="module")
async def test_the_server_answers_every_request_on_truncations(client: LanguageClient) -> None:
    async def answered(request: object) -> None:
        await asyncio.wait_for(request, timeout=20)  # type: ignore[arg-type]

    for path in FILES:
        full = path.read_text(encoding="utf-8")
        fake = path.with_name(f"lspfuzz_{path.name}")
        u = open_doc(client, fake, "")
        doc = T.TextDocumentIdentifier(u)
        for version, cut in enumerate(cuts(full, LSP_CUTS), start=2):
            text = full[:cut]
            client.text_document_did_change(
                T.DidChangeTextDocumentParams(
                    T.VersionedTextDocumentIdentifier(version=version, uri=u),
                    [T.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            lines = text.split("\n")
            end = T.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)
            await answered(client.text_document_completion_async(T.CompletionParams(doc, end)))
            await answered(client.text_document_hover_async(T.HoverParams(doc, end)))
            await answered(client.text_document_definition_async(T.DefinitionParams(doc, end)))
            await answered(client.text_document_document_symbol_async(T.DocumentSymbolParams(doc)))
            await answered(client.text_document_folding_range_async(T.FoldingRangeParams(doc)))
            await answered(
                client.text_document_formatting_async(
                    T.DocumentFormattingParams(doc, T.FormattingOptions(2, True))
                )
            )
        client.text_document_did_close(T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(u)))
    await asyncio.sleep(0.5)  # let the last debounced check run
    failures = [m.message for m in client.log_messages if m.type == T.MessageType.Error]
    assert failures == []
    assert uri(FILES[0])  # the files exist where the examples are
