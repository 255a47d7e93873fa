"""The analysed grammar (Lark's parser with its parse table and lexer configuration, and
the error tables derived from them) kept in one cache file between processes.

Lark's own cache (``Lark(cache=True)``) is a serialised form rebuilt object by object in
Python on every start; one pickle of the finished :class:`~camp.grammar.parser.Grammar`
loads faster. The contextual lexer's per-state scanners are not in it: a compiled
regular expression is pickled as its source and compiled again on load, so storing them
costs more than Lark's lazy build of the few states a file needs (measured).
The file is keyed by the grammar's text, ``parser.py`` (which derives the error tables),
Lark's and Python's versions, so any change to them builds (and saves) a fresh one. It
lives in the user's cache directory (``$XDG_CACHE_HOME/camp`` or ``~/.cache/camp``,
private to the user: a pickle must not be loaded from a place others can write); if that
is not writable the grammar is built in memory as before.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_FORMAT = "3"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "camp"


def cache_key(grammar_text: str) -> str:
    import lark

    digest = hashlib.sha256()
    for part in (
        _FORMAT,
        sys.version,
        lark.__version__,
        grammar_text,
        (Path(__file__).parent / "parser.py").read_text(encoding="utf-8"),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def _singletons() -> dict[str, Any]:
    """Objects the parser compares by identity (``action is Shift``): saved by name."""
    from lark.parsers import lalr_analysis

    return {"Shift": lalr_analysis.Shift, "Reduce": lalr_analysis.Reduce}


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol)
        self.singletons = {id(v): k for k, v in _singletons().items()}

    def persistent_id(self, obj: Any) -> Any:
        # Lark's lexer configuration holds the ``re`` module itself.
        if isinstance(obj, types.ModuleType):
            return ("module", obj.__name__)
        name = self.singletons.get(id(obj))
        if name is not None:
            return ("singleton", name)
        return None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        kind, name = pid
        if kind == "module":
            return importlib.import_module(name)
        if kind == "singleton":
            return _singletons()[name]
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def load_or_build(grammar_text: str, build: Callable[[], T]) -> T:
    """The cached object for ``grammar_text``, or ``build()`` it and save it for the next
    process."""
    path = cache_dir() / f"grammar-{cache_key(grammar_text)}.pickle"
    try:
        with path.open("rb") as f:
            loaded: T = _Unpickler(f).load()
        return loaded
    except Exception:  # missing, stale or unreadable: build it afresh
        pass
    result = build()
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(buffer.getvalue())
        os.replace(tmp, path)
        for old in path.parent.glob("grammar-*.pickle"):  # other grammars' caches
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # no cache (read-only home, an object that does not pickle): fine
        pass
    return result
