"""The grammar's cache file (camp.grammar.cache): written once, loaded after, keyed by the
grammar text, rebuilt when missing or broken; a loaded grammar parses as a built one."""

from __future__ import annotations

from pathlib import Path

import pytest
from camp.grammar import cache
from camp.grammar.parser import build_grammar, grammar_text, parse

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
