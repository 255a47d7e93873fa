"""Finding test files, checking each as its own program, running the selected tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from camp.checker import CheckResult, check_loaded
from camp.checker.loader import InputError, display_path, load, read_source
from camp.checker.testcheck import all_tests
from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.grammar.parser import parse
from camp.testing.runner import InterpreterFactory, TestInterpreter, TestResult, run_test

# Folders a search does not enter: helpers and the checker's error examples.
SKIPPED_FOLDERS = frozenset({"errors", "node_modules", "__pycache__"})


def discover(paths: list[Path]) -> list[Path]:
    """The files to load: named files always; in folders, ``*.camp`` files declaring a test."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{display_path(path)}: no such file or folder")
        if path.is_file():
            found.append(path)
            continue
        for candidate in sorted(path.rglob("*.camp")):
            parts = candidate.relative_to(path).parts[:-1]
            if any(p.startswith(".") or p in SKIPPED_FOLDERS for p in parts):
                continue
            if declares_test(candidate):
                found.append(candidate)
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def declares_test(path: Path) -> bool:
    text = read_source(path)
    if "test" not in text:
        return False
    result = parse(text, display_path(path))
    if result.node is None:
        return True  # a broken file that may hold tests: load it, so the errors show
    module: A.Module = result.node
    return any(
        isinstance(i, A.TestDecl) or (isinstance(i, A.Program) and i.tests) for i in module.items
    )


@dataclass
class TestFile:
    """One file, checked as its own program (with its imports), and its own tests."""

    __test__ = False

    path: Path
    name: str
    check: CheckResult
    tests: list[A.TestDecl]


@dataclass
class Suite:
    files: list[TestFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def load_suite(paths: list[Path], max_depth: int = 3) -> Suite:
    suite = Suite()
    for path in discover(paths):
        program = load([path])
        result = check_loaded(program, max_depth)
        name = display_path(path)
        suite.sources.update(program.sources)
        suite.diagnostics.extend(result.diagnostics)
        own = [t for t in all_tests(program.modules) if t.span.file == name]
        suite.files.append(TestFile(path, name, result, own))
    return suite


def select(suite: Suite, keyword: str | None) -> list[tuple[TestFile, A.TestDecl]]:
    chosen: list[tuple[TestFile, A.TestDecl]] = []
    for f in suite.files:
        for t in f.tests:
            if keyword is None or keyword.casefold() in t.name.casefold():
                chosen.append((f, t))
    return chosen


def run_selected(
    chosen: list[tuple[TestFile, A.TestDecl]],
    stop_first: bool = False,
    factory: InterpreterFactory = TestInterpreter,
    progress: Callable[[TestResult], None] | None = None,
) -> list[TestResult]:
    results: list[TestResult] = []
    for f, test in chosen:
        result = run_test(f.check.symbols, test, factory)
        results.append(result)
        if progress is not None:
            progress(result)
        if stop_first and not result.passed:
            break
    return results
