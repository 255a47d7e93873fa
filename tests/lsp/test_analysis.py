"""The shared analysis without the protocol: code docs, lazy imports, the loader hook."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from camp.analysis import Service, completion_context
from camp.analysis.vocab import CODES
from camp.checker import check_loaded
from camp.checker.loader import load

ROOT = Path(__file__).resolve().parents[2]


def test_every_code_has_a_section_in_docs_diagnostics() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert re.findall(r"^## ([EW]\d{3})$", doc, re.MULTILINE) == list(CODES)
    spec_codes = re.findall(r"^\| ([EW]\d{3}) \|", (ROOT / "docs" / "language.md").read_text())
    assert set(spec_codes) <= set(CODES)


def test_other_commands_do_not_import_pygls() -> None:
    code = (
        "import sys\n"
        "from camp.cli import main\n"
        "try:\n"
        "    main(['check', 'examples/scoring.camp'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_camp_lsp_is_a_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "camp.cli", "lsp", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Run the Camp language server (LSP over stdio)" in out.stdout


def test_imports_resolve_from_open_buffers_first(tmp_path: Path) -> None:
    lib = tmp_path / "lib.camp"
    main = tmp_path / "main.camp"
    lib.write_text("executable campaign OnDisk < stop; >\n", encoding="utf-8")
    main.write_text('import "lib.camp";\ncampaign A < on created; call Unsaved; >\n')
    unsaved = {lib.resolve(): "executable campaign Unsaved < stop; >\n"}
    result = check_loaded(load([main], source_provider=unsaved.get))
    assert [d.code for d in result.diagnostics] == []
    assert sorted(result.symbols.campaigns) == ["A", "Unsaved"]
    on_disk = check_loaded(load([main]))
    assert [d.code for d in on_disk.diagnostics] == ["W102", "E201"]  # lib.camp sorts first


def test_dependents_are_the_open_files_that_import_a_file(tmp_path: Path) -> None:
    lib = tmp_path / "lib.camp"
    main = tmp_path / "main.camp"
    service = Service()
    service.open(lib, "executable campaign X < stop; >\n")
    service.open(main, 'import "lib.camp";\ncampaign A < on created; call X; >\n')
    service.analyse(main)
    service.analyse(lib)
    assert service.dependents(lib) == [main.resolve()]
    assert service.dependents(main) == []


def test_activity_types_complete_in_a_test_declaration() -> None:
    # `test` declarations come from another branch; the context is decided from the line.
    text = 'test "welcome" <\n  expect 2 activity "Send '
    ctx = completion_context(text, len(text))
    assert (ctx.kind, ctx.prefix) == ("activity", "Send ")
    text = 'test "welcome" <\n  expect no activity "'
    assert completion_context(text, len(text)).kind == "activity"


def test_an_import_of_a_broken_file_says_so(tmp_path: Path) -> None:
    lib = tmp_path / "lib.camp"
    main = tmp_path / "main.camp"
    service = Service()
    service.open(lib, "executable campaign X < stop >\n")
    service.open(main, 'import "lib.camp";\ncampaign A < on created; call X; >\n')
    (d,) = service.analyse(main).diagnostics()
    assert (d.code, d.span.line if d.span else 0, d.span.column if d.span else 0) == ("E001", 1, 8)
    assert d.message.endswith("lib.camp' has syntax errors; the other checks wait until it parses")


def test_contexts_of_a_repl_line() -> None:
    # The REPL reads one statement or expression at a time: the same context, another start.
    kinds = {
        text: completion_context(text, len(text), start).kind
        for text, start in (
            ("call ", "statement"),
            ("webhook ", "statement"),
            ("set score = my.", "statement"),
            ("lead.", "expression"),
            ("score + ", "expression"),
        )
    }
    assert kinds == {
        "call ": "executables",
        "webhook ": "webhooks",
        "set score = my.": "tokens",
        "lead.": "fields",
        "score + ": "expression",
    }
    assert completion_context("", 0, "statement").step


def test_hover_on_a_diagnostic_explains_its_code(tmp_path: Path) -> None:
    path = tmp_path / "x.camp"
    service = Service()
    service.open(
        path, "executable campaign N <\n  wait 2 days;\n>\ncampaign A < on created; call N; >\n"
    )
    service.analyse(path)
    found = service.hover(path, 2, 4)
    assert found is not None
    assert found[0] == (
        "**E101**: `wait` in an executable campaign "
        "(executables run synchronously, they cannot wait)"
    )
    found = service.hover(path, 4, 31)  # on `N` of `call N`: the campaign
    assert found is not None and found[0].startswith("executable campaign `N`")


def test_a_rename_never_edits_the_standard_library(tmp_path: Path) -> None:
    path = tmp_path / "x.camp"
    text = 'import "std/normalize";\ncampaign A < on created; call NormalizeLead; set country = "FR"; >\n'
    service = Service()
    service.open(path, text)
    service.analyse(path)
    assert service.rename(path, 2, 32, "Other") == (
        "'NormalizeLead' is used by the standard library (" + str(stdlib_file()) + "), "
        "which a rename cannot change"
    )
    edits = service.rename(path, 2, 52, "land")  # `country`: the prelude sets it too
    assert isinstance(edits, str) and edits.startswith("'country' is used by the standard library")


def stdlib_file() -> str:
    from camp.checker.loader import display_path, stdlib_dir

    return display_path(stdlib_dir() / "normalize.camp")


def test_tokens_complete_from_the_enclosing_program(tmp_path: Path) -> None:
    path = tmp_path / "x.camp"
    text = (
        'program "A" < token a1 = 1; campaign CA < on created; set score = 1; > >\n'
        'program "B" < token b1 = 2; campaign CB < on created; set score = 2; > >\n'
        "executable campaign E < set score = 3; >\n"
    )
    service = Service()
    service.open(path, text)
    service.analyse(path)

    def tokens(after: str) -> list[str]:
        offset = text.index(after) + len(after)
        typed = text[:offset] + "my." + text[offset:]
        return [i.label for i in service.complete(path, typed, offset + 3)[1]]

    assert tokens("campaign CA < on created; set score = ") == ["a1"]
    assert tokens("campaign CB < on created; set score = ") == ["b1"]
    assert tokens("executable campaign E < set score = ") == ["a1", "b1"]
