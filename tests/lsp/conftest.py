"""A `camp lsp` server in a subprocess and a pytest-lsp client talking to it."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_lsp
from lsprotocol import types as T
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
INITIALIZED: list[T.InitializeResult] = []  # what the server answered to initialize


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "camp.cli", "lsp"]),
)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    caps = T.ClientCapabilities(
        text_document=T.TextDocumentClientCapabilities(
            hover=T.HoverClientCapabilities(content_format=[T.MarkupKind.Markdown]),
            completion=T.CompletionClientCapabilities(
                completion_item=T.ClientCompletionItemOptions(
                    documentation_format=[T.MarkupKind.Markdown]
                )
            ),
            rename=T.RenameClientCapabilities(prepare_support=True),
            document_symbol=T.DocumentSymbolClientCapabilities(
                hierarchical_document_symbol_support=True
            ),
            publish_diagnostics=T.PublishDiagnosticsClientCapabilities(
                related_information=True, code_description_support=True
            ),
        ),
        window=T.WindowClientCapabilities(show_message=T.ShowMessageRequestClientCapabilities()),
    )
    result = await lsp_client.initialize_session(
        T.InitializeParams(capabilities=caps, root_uri=from_fs_path(str(ROOT)))
    )
    INITIALIZED.append(result)
    yield
    await lsp_client.shutdown_session()


def uri(path: Path) -> str:
    return from_fs_path(str(path.resolve())) or str(path)


def open_doc(client: LanguageClient, path: Path, text: str | None = None) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    u = uri(path)
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(T.TextDocumentItem(u, "camp", 1, text))
    )
    return u
