"""Property tests: no input makes the front end raise; every failure is a Diagnostic.

Inputs: arbitrary text, random bytes decoded with replacement characters,
streams of Camp tokens, and the examples with random tokens or characters
deleted, duplicated or swapped. Each goes through ``parse`` (all three start
rules), ``is_complete`` and ``check_sources``; every diagnostic must have a
code, a span inside the text and render. Sized to run in well under a minute.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from camp.checker import check_sources
from camp.cli import main
from camp.diagnostics import Diagnostic, render
from camp.grammar.parser import is_complete, parse
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("examples/*.camp"))}
CODE = re.compile(r"^[EWR][0-9]{3}$")

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = [
    *re.findall(
        r"\S+",
        "import fields webhook program campaign executable token statuses url method header "
        "body response on where qualify schedule once every time day at form page click change "
        "created requested added to list status in event set call with parent tokens request "
        "send email operational alert wait until remove from moment stop fail if then elif "
        "else retry times and or not is contains starts ends between empty past true false "
        "null lead my minute days month text number boolean date datetime score country "
        "Welcome A B",
    ),
    "`Job Title`",
]
SYMBOLS = [*"<>;=+-*/%(),[].:!\"`#{}\\'", "==", "!=", "<=", ">=", "+=", "-=", "\n"]
LITERALS = ['"US"', '"{{lead.email}}"', '"{{my.x}}"', '"a\\"b"', "42", "2.5", "0", '""']
TOKENS = st.sampled_from(WORDS + SYMBOLS + LITERALS)


def _lines(text: str) -> int:
    return text.count("\n") + 1


def assert_well_formed(diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert CODE.match(d.code), d
        assert d.message
        if d.span is not None:
            text = sources.get(d.span.file)
            assert d.span.line >= 1 and d.span.column >= 1, d
            assert (d.span.end_line, d.span.end_column) >= (d.span.line, d.span.column), d
            if text is not None:
                assert d.span.line <= _lines(text), d
        render(d, sources)
        render(d, sources, color=True)


def run_front_end(text: str, name: str = "fuzz.camp") -> None:
    """Everything the front end offers, on ``text``; fails only by raising."""
    for start in ("start", "statement", "expression"):
        result = parse(text, name, start)
        assert (result.node is None) == bool(result.diagnostics)
        assert all(d.code == "E001" for d in result.diagnostics)
        assert_well_formed(result.diagnostics, {name: text})
        is_complete(text, start)
    checked = check_sources([(name, text)])
    assert_well_formed(checked.diagnostics, checked.symbols.sources)


# ---- random text ---------------------------------------------------------------------------


@FAST
@given(st.text(max_size=300))
def test_random_text(text):
    run_front_end(text)


@FAST
@given(st.binary(max_size=300))
def test_random_bytes_decoded_with_replacement(data):
    run_front_end(data.decode("utf-8", errors="replace"))


@FAST
@given(st.lists(TOKENS, max_size=80), st.sampled_from([" ", "", "\n"]))
def test_random_token_streams(tokens, sep):
    run_front_end(sep.join(tokens))


@FAST
@given(st.lists(TOKENS, max_size=40))
def test_random_tokens_inside_a_campaign(tokens):
    run_front_end("campaign A <\n  " + " ".join(tokens) + "\n>\n")


# ---- mutated examples -------------------------------------------------------------------------

_TOKEN_RE = re.compile(r'\s+|\w+|"(?:[^"\\\n]|\\.)*"|`[^`\n]*`|#[^\n]*|.', re.S)


def _mutate(pieces: list[str], ops: list[tuple[int, int, int]], inserts: list[str]) -> str:
    pieces = list(pieces)
    for (op, i, j), extra in zip(ops, [*inserts, *[""] * len(ops)], strict=False):
        if not pieces:
            break
        i %= len(pieces)
        j %= len(pieces)
        if op == 0:
            del pieces[i]
        elif op == 1:
            pieces.insert(i, pieces[i])
        elif op == 2:
            pieces[i], pieces[j] = pieces[j], pieces[i]
        else:
            pieces.insert(i, extra)
    return "".join(pieces)


OPS = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=6,
)


@SLOW
@given(st.sampled_from(sorted(EXAMPLES)), OPS, st.lists(TOKENS, max_size=6))
def test_mutated_examples_by_token(name, ops, inserts):
    pieces = _TOKEN_RE.findall(EXAMPLES[name])
    run_front_end(_mutate(pieces, ops, inserts), name)


@SLOW
@given(st.sampled_from(sorted(EXAMPLES)), OPS, st.lists(st.sampled_from(SYMBOLS), max_size=6))
def test_mutated_examples_by_character(name, ops, inserts):
    run_front_end(_mutate(list(EXAMPLES[name]), ops, inserts), name)


def test_examples_are_there_to_mutate():
    assert len(EXAMPLES) >= 3
    for name, text in EXAMPLES.items():
        assert "".join(_TOKEN_RE.findall(text)) == text, name


# ---- the command line on random bytes -------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.lists(TOKENS, max_size=60).map(lambda t: " ".join(t).encode("utf-8")),
    )
)
def test_cli_on_random_bytes(data):
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.camp"
        path.write_bytes(data)
        for fmt in ("text", "json"):
            result = runner.invoke(main, ["check", "--format", fmt, str(path)])
            assert result.exit_code in {0, 1, 2}, (result.exit_code, result.output)
            assert "Traceback" not in result.output
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(
                result.exception
            )
