"""The analysed grammar (Lark's parser with its parse table, its contextual lexer with
every state's scanner compiled, and the error tables derived from them) kept in one cache
file between processes.

Lark's own cache (``Lark(cache=True)``) is a serialised form rebuilt object by object in
Python on every start, and it leaves the contextual lexer's per-state scanners to be
built on first use (about 6 ms of ``re.compile`` for a small file); one pickle of the
finished :class:`~camp.grammar.parser.Grammar` loads faster. A compiled regular
expression pickles as its source and would be compiled again on load, so each one is
saved as its compiled program instead (the code ``re`` hands to ``_sre.compile``, checked
at save time to be the very program ``re.compile`` made) and rebuilt from it in
microseconds; the ``_sre`` code format is private to one CPython version, which the key
includes, and a program that does not load falls back to ``re.compile``.

The file is keyed by the grammar's text, ``parser.py`` (which derives the error tables),
this module and ``node.py`` (how records pickle), Lark's and Python's versions, so any
change to them builds (and saves) a fresh one. It lives in the user's cache directory (``$XDG_CACHE_HOME/camp`` or
``~/.cache/camp``). A pickle must not be loaded from a place others can write: the folder
and the file must belong to the user and be writable by nobody else, or the grammar is
built afresh (and not saved). Any failure to read or write the cache (missing, stale,
corrupt, unwritable) falls back to building the grammar in memory, silently.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # (no stubs: the regex engine itself)
import contextlib
import gc
import hashlib
import importlib
import io
import os
import pickle
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_FORMAT = "4"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "camp"


def cache_key(grammar_text: str) -> str:
    import lark

    digest = hashlib.sha256()
    here = Path(__file__).parent
    for part in (
        _FORMAT,
        sys.version,
        f"{sys.implementation.name} sre {_sre.MAGIC} {_sre.CODESIZE}",
        lark.__version__,
        grammar_text,
        *(
            (here / name).read_text(encoding="utf-8")
            for name in ("parser.py", "cache.py", "node.py")
        ),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def _program(pattern: re.Pattern[Any]) -> tuple[Any, ...] | None:
    """The arguments of ``_sre.compile`` that rebuild ``pattern`` without compiling it,
    or None when they cannot be had (another Python) or do not rebuild it exactly."""
    try:
        if sys.version_info >= (3, 11):
            from re import _compiler as compiler
            from re import _parser as parser
        else:  # pragma: no cover - Python 3.10
            import sre_compile as compiler
            import sre_parse as parser
        parsed = parser.parse(pattern.pattern, pattern.flags)
        code = [int(c) for c in compiler._code(parsed, pattern.flags)]  # type: ignore[attr-defined]
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        args = (
            pattern.pattern,
            pattern.flags | parsed.state.flags,
            code,
            parsed.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
        # Patterns compare equal when their source, flags and compiled code are equal.
        if _sre.compile(*args) == pattern:
            return args
    except Exception:  # private API of another shape: pickle the source instead
        pass
    return None


def compiled_pattern(
    source: str | bytes,
    flags: int,
    code: list[int],
    groups: int,
    groupindex: dict[str, int],
    indexgroup: tuple[str | None, ...],
) -> re.Pattern[Any]:
    """A compiled regular expression rebuilt from its saved program (see the module
    docstring); ``re.compile`` when the program does not load."""
    try:
        pattern: re.Pattern[Any] = _sre.compile(source, flags, code, groups, groupindex, indexgroup)
        return pattern
    except Exception:
        return re.compile(source, flags)


def _singletons() -> dict[int, str]:
    """Objects the parser compares by identity (``action is Shift``): saved by name, so the
    unpickler looks them up (once each, then from its memo) instead of copying them."""
    from lark.parsers import lalr_analysis

    return {id(lalr_analysis.Shift): "Shift", id(lalr_analysis.Reduce): "Reduce"}


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol)
        self.singletons = _singletons()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, re.Pattern):
            program = _program(obj)
            return NotImplemented if program is None else (compiled_pattern, program)
        if isinstance(obj, types.ModuleType):  # Lark's lexer configuration holds ``re``
            return importlib.import_module, (obj.__name__,)
        name = self.singletons.get(id(obj))
        if name is not None:
            return name  # a module-level global of ``obj.__module__``
        return NotImplemented


def _private(st: os.stat_result) -> bool:
    """Whether only this user can have written what ``st`` describes."""
    if not hasattr(os, "getuid"):  # Windows: the user's own profile folder
        return True
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _load(path: Path) -> Any:
    if not _private(path.parent.stat()):
        raise PermissionError(f"{path.parent} is writable by others")
    with path.open("rb") as f:
        if not _private(os.fstat(f.fileno())):
            raise PermissionError(f"{path} is writable by others")
        data = f.read()
    # About 11,000 new objects, none of them garbage: without the cyclic collector
    # running over them again and again, unpickling takes half the time.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


def load_or_build(grammar_text: str, build: Callable[[], T], kind: type[T] | None = None) -> T:
    """The cached object for ``grammar_text`` (an instance of ``kind`` if given), or
    ``build()`` it and save it for the next process."""
    path = cache_dir() / f"grammar-{cache_key(grammar_text)}.pickle"
    try:
        loaded = _load(path)
        if kind is None or isinstance(loaded, kind):
            result: T = loaded
            return result
    except Exception:  # missing, stale, corrupt or not private: build it afresh
        pass
    result = build()
    tmp = None
    try:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent.stat()):
            return result  # not a place to leave a pickle in
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.replace(tmp, path)
        for old in path.parent.glob("grammar-*.pickle"):  # other grammars' caches
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # no cache (read-only home, an object that does not pickle): fine
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return result
