"""`camp lsp` end to end: a pytest-lsp client against the server in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as T
from pytest_lsp import LanguageClient

from .conftest import INITIALIZED, open_doc, uri

HERE = Path(__file__).parent
PROJECT = HERE / "project"
CASES = sorted((HERE / "completion").glob("*.camp"))
CURSOR = "‸"
UPDATE = False  # set True once to rewrite the .expected files, then review the diff

pytestmark = pytest.mark.asyncio(loop_scope="module")


def pos(text: str, needle: str, offset: int = 0) -> T.Position:
    at = text.index(needle) + offset
    line = text.count("\n", 0, at)
    return T.Position(line, at - (text.rfind("\n", 0, at) + 1))


async def test_initialize_advertises_every_feature(client: LanguageClient) -> None:
    assert client.capabilities is not None
    answer = INITIALIZED[-1]  # this module's server
    assert answer.server_info is not None and answer.server_info.name == "camp"
    result = answer.capabilities
    assert result.completion_provider is not None
    assert list(result.completion_provider.trigger_characters or []) == [".", " ", '"', "`", "/"]
    for name in (
        "hover_provider",
        "definition_provider",
        "references_provider",
        "rename_provider",
        "document_symbol_provider",
        "document_formatting_provider",
        "folding_range_provider",
    ):
        assert getattr(result, name), name


async def test_diagnostics_on_open_with_codes_ranges_and_links(client: LanguageClient) -> None:
    u = open_doc(client, PROJECT / "bad.camp")
    # One request after opening: the diagnostics are already there.
    await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(u), T.Position(0, 0))
    )
    diags = client.diagnostics[u]
    got = [
        (
            d.code,
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
        )
        for d in diags
    ]
    assert got == [("E101", 2, 2, 2, 14), ("E201", 9, 7, 9, 14)]
    e101 = diags[0]
    assert e101.severity == T.DiagnosticSeverity.Error
    assert e101.message == (
        "'wait' is not allowed in executable campaign 'Normalize'\n"
        "help: executables run synchronously; move the wait into the caller, or use 'request'"
    )
    assert e101.source == "camp"
    assert e101.code_description is not None
    assert e101.code_description.href.endswith("docs/diagnostics.md#e101")


async def test_diagnostics_follow_changes_debounced(client: LanguageClient) -> None:
    path = PROJECT / "bad.camp"
    u = uri(path)
    text = path.read_text(encoding="utf-8").replace("  wait 2 days;\n", "")
    client.text_document_did_change(
        T.DidChangeTextDocumentParams(
            T.VersionedTextDocumentIdentifier(version=2, uri=u),
            [T.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(T.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in client.diagnostics[u]] == ["E201"]


async def test_related_locations_for_a_duplicate(client: LanguageClient) -> None:
    path = PROJECT / "dup.camp"
    text = "campaign A < on created; >\ncampaign A < on created; >\n"
    u = open_doc(client, path, text)
    await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(u), T.Position(0, 0))
    )
    (d,) = client.diagnostics[u]
    assert d.code == "E305"
    assert d.range.start == T.Position(1, 9)
    assert d.related_information is not None
    (rel,) = d.related_information
    assert rel.location.uri == u
    assert rel.location.range.start == T.Position(0, 9)
    assert rel.message == "'A' first declared here"


async def test_related_locations_for_a_cycle(client: LanguageClient) -> None:
    text = (
        "executable campaign A < call B; >\n"
        "executable campaign B < call A; >\n"
        "campaign Root < on created; call A; >\n"
    )
    u = open_doc(client, PROJECT / "cycle.camp", text)
    await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(u), T.Position(0, 0))
    )
    (d,) = [d for d in client.diagnostics[u] if d.code == "E204"]
    assert d.related_information is not None
    assert [(r.message, r.location.range.start.line) for r in d.related_information] == [
        ("A calls B", 0),
        ("B calls A", 1),
    ]


def _case_id(path: Path) -> str:
    return path.stem


@pytest.mark.parametrize("case", CASES, ids=_case_id)
async def test_completion_lists_are_pinned(client: LanguageClient, case: Path) -> None:
    raw = case.read_text(encoding="utf-8")
    text = raw.replace(CURSOR, "")
    where = pos(raw, CURSOR)
    u = open_doc(client, case.with_suffix(".camp.tmp"), text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(u), where)
    )
    assert isinstance(result, T.CompletionList)
    got = "".join(
        f"{i.label}  [{T.CompletionItemKind(i.kind).name if i.kind else ''}] {i.detail or ''}".rstrip()
        + "\n"
        for i in result.items
    )
    expected_file = case.with_suffix(".expected")
    if UPDATE:
        expected_file.write_text(got, encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8")


async def test_only_executables_after_call(client: LanguageClient) -> None:
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    text = text.replace("  call LibExec;\n  webhook", "  call \n  webhook")
    u = open_doc(client, PROJECT / "main_call.camp", text)
    result = await client.text_document_completion_async(
        T.CompletionParams(T.TextDocumentIdentifier(u), pos(text, "call \n", 5))
    )
    assert isinstance(result, T.CompletionList)
    assert [(i.label, i.detail) for i in result.items] == [("LibExec", "executable campaign")]


async def test_hover_function_field_campaign_token(client: LanguageClient) -> None:
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    u = open_doc(client, PROJECT / "main.camp", text)

    async def hover(needle: str, offset: int = 1) -> str:
        h = await client.text_document_hover_async(
            T.HoverParams(T.TextDocumentIdentifier(u), pos(text, needle, offset))
        )
        assert h is not None and isinstance(h.contents, T.MarkupContent)
        return h.contents.value

    upper = await hover("upper(")
    assert upper.startswith("```camp\nupper(text: text) -> text\n```\n")
    assert await hover("score >") == (
        "field `score`: number = 0\n\ndeclared at tests/lsp/project/lib.camp:3:3"
    )
    assert await hover("LibExec;") == (
        "executable campaign `LibExec`\n\nqualify every time\n\n"
        "declared at tests/lsp/project/lib.camp:13:21"
    )
    assert await hover("campaign Register", 10) == (
        "trigger campaign `Register`\n\nqualify once\n\n"
        "triggers: form \"Webinar Signup\"\n\nin program 'Webinar'\n\n"
        "declared at tests/lsp/project/main.camp:8:12"
    )
    assert await hover("token points", 7) == "token `my.points` = 10 (program 'Webinar')"


async def test_definition_across_an_import(client: LanguageClient) -> None:
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    u = open_doc(client, PROJECT / "main.camp", text)
    lib = uri(PROJECT / "lib.camp")
    for needle, line, col in (
        ("LibExec;", 12, 20),
        ("NotifyCrm;", 7, 8),
        ("`Job Title`", 3, 3),
        ("my.points", 4, 8),
    ):
        locs = await client.text_document_definition_async(
            T.DefinitionParams(T.TextDocumentIdentifier(u), pos(text, needle, 4))
        )
        assert isinstance(locs, list) and len(locs) == 1, needle
        want = lib if needle != "my.points" else u
        assert (locs[0].uri, locs[0].range.start) == (want, T.Position(line, col)), needle
    locs = await client.text_document_definition_async(
        T.DefinitionParams(T.TextDocumentIdentifier(u), pos(text, 'import "lib.camp', 10))
    )
    assert isinstance(locs, list) and locs[0].uri == lib


async def test_references_and_rename_across_two_files(client: LanguageClient) -> None:
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    u = open_doc(client, PROJECT / "main.camp", text)
    lib = uri(PROJECT / "lib.camp")
    refs = await client.text_document_references_async(
        T.ReferenceParams(
            text_document=T.TextDocumentIdentifier(u),
            position=pos(text, "LibExec", 2),
            context=T.ReferenceContext(include_declaration=True),
        )
    )
    assert refs is not None
    assert [(r.uri == lib, r.range.start.line) for r in refs] == [
        (True, 12),
        (False, 11),
        (False, 19),
    ]
    rng = await client.text_document_prepare_rename_async(
        T.PrepareRenameParams(T.TextDocumentIdentifier(u), pos(text, "LibExec", 2))
    )
    assert rng == T.Range(T.Position(11, 9), T.Position(11, 16))
    edit = await client.text_document_rename_async(
        T.RenameParams(T.TextDocumentIdentifier(u), pos(text, "LibExec", 2), "SharedExec")
    )
    assert edit is not None and edit.changes is not None
    got = {
        ("lib" if k == lib else "main"): sorted(
            (e.range.start.line, e.range.start.character, e.new_text) for e in v
        )
        for k, v in edit.changes.items()
    }
    assert got == {
        "lib": [(12, 20, "SharedExec")],
        "main": [(11, 9, "SharedExec"), (19, 7, "SharedExec")],
    }
    # A field with a space keeps its backquotes; a plain reference gains them.
    edit = await client.text_document_rename_async(
        T.RenameParams(T.TextDocumentIdentifier(u), pos(text, "score >", 1), "lead score")
    )
    assert edit is not None and edit.changes is not None
    assert sorted(e.new_text for e in edit.changes[u]) == ["`lead score`", "`lead score`"]
    assert [e.new_text for e in edit.changes[lib]] == ["`lead score`", "`lead score`"]


async def test_document_symbols_and_folding(client: LanguageClient) -> None:
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    u = open_doc(client, PROJECT / "main.camp", text)
    symbols = await client.text_document_document_symbol_async(
        T.DocumentSymbolParams(T.TextDocumentIdentifier(u))
    )
    assert symbols is not None
    outline = [
        (s.name, s.detail, [c.name for c in (s.children or [])])  # type: ignore[union-attr]
        for s in symbols
    ]
    assert outline == [
        ("lib.camp", "import", []),
        ("Webinar", "program", ["my.points", "Register"]),
        ("Nightly", "campaign", []),
    ]
    folds = await client.text_document_folding_range_async(
        T.FoldingRangeParams(T.TextDocumentIdentifier(u))
    )
    assert folds is not None
    assert [(f.start_line, f.end_line) for f in folds] == [(3, 14), (7, 13), (16, 22)]


async def test_formatting_equals_camp_fmt(client: LanguageClient) -> None:
    pytest.importorskip("camp.format")
    text = (PROJECT / "main.camp").read_text(encoding="utf-8")
    mangled = "\n".join(line.strip() for line in text.split("\n"))
    u = open_doc(client, PROJECT / "main_fmt.camp", mangled)
    edits = await client.text_document_formatting_async(
        T.DocumentFormattingParams(T.TextDocumentIdentifier(u), T.FormattingOptions(2, True))
    )
    assert edits is not None and len(edits) == 1
    cli = subprocess.run(
        [sys.executable, "-m", "camp.cli", "fmt", "-"],
        input=mangled,
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert edits[0].new_text == cli.stdout
    assert edits[0].range.start == T.Position(0, 0)


async def test_an_untitled_document_gets_its_diagnostics(client: LanguageClient) -> None:
    u = "untitled:Untitled-1"
    text = "executable campaign Quick <\n  wait 1 day;\n>\n"
    client.text_document_did_open(
        T.DidOpenTextDocumentParams(T.TextDocumentItem(u, "camp", 1, text))
    )
    await client.text_document_hover_async(
        T.HoverParams(T.TextDocumentIdentifier(u), T.Position(1, 3))
    )
    assert [(d.code, d.range.start.line) for d in client.diagnostics[u]] == [
        ("W102", 0),
        ("E101", 1),
    ]
