"""The data-driven checker corpus: tests/cases/{check,syntax}/*.camp and examples/errors.

Each case is checked as its own program (``check_files([path])``, like
``camp check FILE``). Expectations are trailing comments (tests/cases/README.md):

    send email "Welcome"          # expect: E001
    # expect-next: E304           (the diagnostics are on the next line)

Codes are compared as a multiset per line; a line without an expectation
must have no diagnostic, and a diagnostic in any other file (an imported
helper) fails the case. Files under a ``lib/`` folder are helpers, not cases.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from camp.checker import check_files
from camp.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
EXAMPLES = ROOT / "examples"
ERRORS = EXAMPLES / "errors"

EXPECT = re.compile(r"#\s*expect(-next)?:\s*([EWR][0-9]{3}(?:\s+[EWR][0-9]{3})*)\s*$")

ALL_CODES = (
    ["E001", "E101", "E102", "E103"]
    + [f"E20{i}" for i in range(1, 6)]
    + [f"E30{i}" for i in range(1, 10)]
    + ["E401", "E402", "E403", "W101", "W102", "W103", "W104", "W105", "W106"]
)


def _is_helper(path: Path, base: Path) -> bool:
    return "lib" in path.relative_to(base).parts[:-1]


def _cases(base: Path, pattern: str = "**/*.camp") -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.glob(pattern) if not _is_helper(p, base))


CHECK_CASES = _cases(CASES / "check")
SYNTAX_CASES = _cases(CASES / "syntax")
ERROR_EXAMPLES = _cases(ERRORS, "*.camp")
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.camp"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def expectations(path: Path) -> dict[int, Counter[str]]:
    """Line number -> expected codes (a multiset)."""
    expected: dict[int, Counter[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        m = EXPECT.search(line)
        if m is None:
            continue
        target = number + 1 if m.group(1) else number
        expected.setdefault(target, Counter()).update(m.group(2).split())
    return expected


def _same_file(diagnostic: Diagnostic, path: Path) -> bool:
    return diagnostic.span is not None and Path(diagnostic.span.file).resolve() == path.resolve()


def mismatches(path: Path) -> list[str]:
    """Differences between a case's annotations and what the checker reports ([] = pass)."""
    expected = expectations(path)
    result = check_files([path])
    actual: dict[int, list[Diagnostic]] = {}
    problems: list[str] = []
    for d in result.diagnostics:
        if not _same_file(d, path):
            where = f"{d.span.file}:{d.span.line}:{d.span.column}" if d.span else "(no span)"
            problems.append(f"  diagnostic in another file: {where}: {d.code} {d.message}")
            continue
        assert d.span is not None
        actual.setdefault(d.span.line, []).append(d)
    source = path.read_text(encoding="utf-8").split("\n")
    for line in sorted(set(expected) | set(actual)):
        want = expected.get(line, Counter())
        got = Counter(d.code for d in actual.get(line, []))
        if want == got:
            continue
        text = source[line - 1].strip() if line <= len(source) else "<end of file>"
        problems.append(
            f"  line {line}: expected [{' '.join(sorted(want.elements()))}], "
            f"got [{' '.join(sorted(got.elements()))}]    | {text}"
        )
        for d in actual.get(line, []):
            assert d.span is not None
            problems.append(f"      got {d.code} at {d.span.line}:{d.span.column}: {d.message}")
    return problems


def _assert_case(path: Path) -> None:
    problems = mismatches(path)
    if problems:
        pytest.fail(f"{_id(path)} does not match its annotations:\n" + "\n".join(problems))


# ---- the corpus ------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHECK_CASES + SYNTAX_CASES, ids=_id)
def test_case(path: Path) -> None:
    if path.is_relative_to(CASES / "syntax"):
        codes = {c for want in expectations(path).values() for c in want}
        assert codes <= {"E001"}, f"a syntax case expects only E001, not {sorted(codes)}"
    _assert_case(path)


def test_corpus_is_present() -> None:
    assert CHECK_CASES, "no cases in tests/cases/check"
    assert SYNTAX_CASES, "no cases in tests/cases/syntax"
    assert all("lib" not in p.relative_to(CASES).parts for p in CHECK_CASES + SYNTAX_CASES)


def test_every_code_is_exercised_by_the_corpus() -> None:
    seen: set[str] = set()
    for path in CHECK_CASES + SYNTAX_CASES:
        for want in expectations(path).values():
            seen.update(want)
    missing = [code for code in ALL_CODES if code not in seen]
    assert missing == [], f"codes with no expectation in tests/cases: {missing}"


def test_annotation_parser(tmp_path: Path) -> None:
    sample = [
        "set a = 1;   # expect: E304",
        "# expect-next: E102 E306",
        "webhook X;",
        "# we expect: nothing here",
        "call X;  # expect: E201 E201  ",
        'moment "# expect: E999";',
    ]
    p = tmp_path / "a.camp"
    p.write_text("\n".join(sample), encoding="utf-8")
    got = {line: sorted(c.elements()) for line, c in expectations(p).items()}
    assert got == {1: ["E304"], 3: ["E102", "E306"], 5: ["E201", "E201"]}


# ---- examples/errors: one example per code ------------------------------------------------


@pytest.mark.parametrize("path", ERROR_EXAMPLES, ids=_id)
def test_error_example_reports_its_code(path: Path) -> None:
    code = path.name.split("_", 1)[0]
    assert code in ALL_CODES, f"{path.name}: the name should start with a diagnostic code"
    codes = [d.code for d in check_files([path]).diagnostics]
    assert code in codes, f"{path.name}: expected {code}, got {codes}"


@pytest.mark.parametrize("path", ERROR_EXAMPLES, ids=_id)
def test_error_example_matches_its_annotations(path: Path) -> None:
    _assert_case(path)


def test_every_code_has_an_error_example() -> None:
    if not ERROR_EXAMPLES:
        pytest.skip("examples/errors is not there")
    have = {p.name.split("_", 1)[0] for p in ERROR_EXAMPLES}
    assert [c for c in ALL_CODES if c not in have] == []


# ---- examples/*.camp check clean ------------------------------------------------------------


# W105 (issue 13): no example relies on the 'every time' default for a retried call.
EXAMPLE_W105: dict[str, list[str]] = {}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=_id)
def test_example_checks_clean(path: Path) -> None:
    result = check_files([path])
    w105 = sorted(d.message.split("'")[1] for d in result.diagnostics if d.code == "W105")
    assert w105 == EXAMPLE_W105.get(path.name, [])
    others = [d for d in result.diagnostics if d.code != "W105"]
    assert [f"{d.span}: {d.code} {d.message}" for d in others] == []


def test_examples_are_present() -> None:
    assert len(EXAMPLE_FILES) >= 3
