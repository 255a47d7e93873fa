"""The grammar's cache file (camp.grammar.cache): written once, loaded after, keyed by the
grammar text and the Python and Lark versions, rebuilt when missing, stale, corrupt or
writable by others; a loaded grammar parses as a built one, and its contextual lexer's
states come compiled (the same tokens as Lark's lazily built ones)."""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path

import lark
import lark.lexer
import pytest
from camp.grammar import cache
from camp.grammar import parser as parser_module
from camp.grammar.parser import _new_state, build_grammar, grammar_text, parse
from lark.exceptions import UnexpectedInput

SOURCE = 'campaign C < set score += 1; if a is "x" then < stop; > > '


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "camp"


def test_built_once_then_loaded(cache_home: Path):
    calls = []

    def build():
        calls.append(1)
        return build_grammar()

    first = cache.load_or_build(grammar_text(), build)
    [path] = cache_home.glob("grammar-*.pickle")
    second = cache.load_or_build(grammar_text(), build)
    assert calls == [1]
    assert second is not first and second.keywords == first.keywords
    assert second.sync_states == first.sync_states
    # The loaded parser drives a real parse: same tree as the built one.
    assert second.lark.parse(SOURCE, start="start") == first.lark.parse(SOURCE, start="start")
    assert path.parent.stat().st_mode & 0o077 == 0  # private to the user


def test_keyed_by_the_grammar_text(cache_home: Path):
    text = grammar_text()
    assert cache.cache_key(text) != cache.cache_key(text + "\n// a new rule\n")
    cache.load_or_build(text, build_grammar)
    cache.load_or_build(text + "\n", build_grammar)
    assert len(list(cache_home.glob("grammar-*.pickle"))) == 1  # the older one is removed


def test_a_broken_cache_file_is_rebuilt(cache_home: Path):
    cache.load_or_build(grammar_text(), build_grammar)
    [path] = cache_home.glob("grammar-*.pickle")
    path.write_bytes(b"not a pickle")
    calls = []
    cache.load_or_build(grammar_text(), lambda: calls.append(1) or build_grammar())
    assert calls == [1]
    assert parse(SOURCE).ok


# ---- the contextual lexer's states, compiled in the cache file ------------------------

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").rglob("*.camp"))
BAD_INPUT = 'campaign C < set x = 1 ยง 2; set y = "open\n > program P < token my.t = `x; >'


def _tokens(g, text: str) -> list[tuple[object, ...]]:
    """The contextual lexer's tokens of ``text`` as the parser drives it (up to a syntax
    error), then how it ended."""
    state, thread = _new_state(g, text, "start", {})
    out: list[tuple[object, ...]] = []
    try:
        for t in thread.lex(state):
            out.append((t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column))
            state.feed_token(t)
    except UnexpectedInput as e:
        out.append((type(e).__name__, e.line, e.column, sorted(getattr(e, "allowed", None) or [])))
    return out


def _scanners(g) -> list:
    contextual = g.lark.parser.lexer.lexer
    return [*contextual.lexers.values(), contextual.root_lexer]


@pytest.fixture(scope="module")
def lazy_grammar():
    """The grammar as Lark builds it, each state's scanner left to be built on first use."""
    from camp.grammar.parser import build_grammar as build

    with pytest.MonkeyPatch.context() as m:
        m.setattr(parser_module, "compile_lexer_states", lambda lark: None)
        g = build()
    assert all(lexer._scanner is None for lexer in _scanners(g))
    return g


def test_every_lexer_state_is_loaded_compiled(cache_home: Path, monkeypatch):
    cache.load_or_build(grammar_text(), build_grammar)
    loaded = cache.load_or_build(grammar_text(), lambda: pytest.fail("rebuilt"))
    assert all(lexer._scanner is not None for lexer in _scanners(loaded))

    # Lexing every example compiles no regular expression: Lark builds no scanner.
    def no_compile(*args, **kwargs):
        raise AssertionError(f"re.compile{args} after loading the grammar")

    monkeypatch.setattr(re, "compile", no_compile)
    monkeypatch.setattr(lark.lexer.BasicLexer, "_build_scanner", no_compile)
    for path in EXAMPLES:
        _tokens(loaded, path.read_text(encoding="utf-8"))
    _tokens(loaded, BAD_INPUT)


def test_loaded_lexer_states_give_lark_s_tokens(cache_home: Path, lazy_grammar):
    cache.load_or_build(grammar_text(), build_grammar)
    loaded = cache.load_or_build(grammar_text(), lambda: pytest.fail("rebuilt"))
    for text in [*(p.read_text(encoding="utf-8") for p in EXAMPLES), BAD_INPUT, SOURCE]:
        assert _tokens(loaded, text) == _tokens(lazy_grammar, text)


def test_saved_regex_programs_are_re_s_own(cache_home: Path):
    cache.load_or_build(grammar_text(), build_grammar)
    loaded = cache.load_or_build(grammar_text(), lambda: pytest.fail("rebuilt"))
    patterns = [m for lexer in _scanners(loaded) for m in lexer.scanner._mres]
    patterns += [
        m
        for lexer in _scanners(loaded)
        for callback in lexer.callback.values()
        for m in callback.scanner._mres
    ]
    assert len(patterns) > 100
    for p in patterns:
        # Equal patterns have equal source, flags and compiled code.
        assert p == re.compile(p.pattern, p.flags)


def test_a_program_that_does_not_load_is_compiled_from_its_source():
    pattern = re.compile(r"(?P<NAME>[a-z]+)|(?P<NUMBER>\d+)")
    program = cache._program(pattern)
    assert program is not None
    assert cache.compiled_pattern(*program) == pattern
    source, flags, _code, groups, groupindex, indexgroup = program
    broken = cache.compiled_pattern(source, flags, [1, 2, 3], groups, groupindex, indexgroup)
    assert broken == pattern


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:5000]), id="truncated"),
        pytest.param(lambda path: path.write_bytes(pickle.dumps({"a": "dict"})), id="stale"),
        pytest.param(lambda path: path.chmod(0o666), id="writable-by-others"),
        pytest.param(lambda path: path.parent.chmod(0o777), id="folder-writable-by-others"),
    ],
)
def test_a_spoilt_cache_file_is_not_loaded(cache_home: Path, spoil, lazy_grammar):
    cache.load_or_build(grammar_text(), build_grammar)
    [path] = cache_home.glob("grammar-*.pickle")
    spoil(path)
    before = path.read_bytes()
    calls = []
    g = cache.load_or_build(
        grammar_text(), lambda: calls.append(1) or build_grammar(), parser_module.Grammar
    )
    assert calls == [1]
    assert _tokens(g, SOURCE) == _tokens(lazy_grammar, SOURCE)
    if path.parent.stat().st_mode & 0o022:
        assert path.read_bytes() == before  # nothing written where others can write
        return
    # Saved afresh, private, and loaded by the next process.
    assert path.stat().st_mode & 0o077 == 0
    cache.load_or_build(grammar_text(), lambda: pytest.fail("rebuilt"), parser_module.Grammar)


def test_keyed_by_python_and_lark(monkeypatch):
    text = grammar_text()
    key = cache.cache_key(text)
    monkeypatch.setattr(lark, "__version__", "0.0.0")
    assert cache.cache_key(text) != key
    monkeypatch.undo()
    monkeypatch.setattr(sys, "version", "3.99.0 (another build)")
    assert cache.cache_key(text) != key
