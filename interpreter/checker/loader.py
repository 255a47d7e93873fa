"""Loading a program: the named files plus everything they import, each once.

Imports are resolved relative to the importing file; ``std/NAME`` resolves to
the prelude shipped in ``camp.stdlib``. Import cycles are allowed: the result
is a set of files, not a tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from camp.diagnostics import Diagnostic
from camp.grammar import ast as A
from camp.grammar.node import dataclass, field
from camp.grammar.parser import parse


class InputError(Exception):
    """A file named on the command line cannot be read (exit status 2)."""


STDLIB_PREFIX = "std/"


def stdlib_dir() -> Path:
    import camp.stdlib

    return Path(camp.stdlib.__file__).parent


def display_path(path: Path) -> str:
    """How a file is named in diagnostics: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class LoadedProgram:
    modules: list[A.Module] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # display name -> text
    diagnostics: list[Diagnostic] = field(default_factory=list)
    library_files: set[str] = field(default_factory=set)  # files from the stdlib prelude


def read_source(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{display_path(path)}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{display_path(path)}: is a directory, not a .camp file") from None
    except OSError as e:
        raise InputError(f"{display_path(path)}: cannot read: {e.strerror}") from None
    try:
        return data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(
            f"{display_path(path)}:{line}: not valid UTF-8 text (byte {e.start + 1})"
        ) from None


def resolve_import(spec: str, importer: Path | None) -> Path:
    if spec.startswith(STDLIB_PREFIX):
        name = spec[len(STDLIB_PREFIX) :]
        if not name.endswith(".camp"):
            name += ".camp"
        return stdlib_dir() / name
    base = importer.parent if importer is not None else Path.cwd()
    return (base / spec).resolve()


SourceProvider = Callable[[Path], "str | None"]


def load(
    paths: list[Path],
    extra: list[tuple[str, str]] | None = None,
    source_provider: SourceProvider | None = None,
) -> LoadedProgram:
    """Load ``paths`` (raising :class:`InputError` if one cannot be read) and their imports.

    ``extra`` adds in-memory sources ``(name, text)`` (the REPL, tests).
    ``source_provider`` is asked first for the text of every file (by resolved path);
    None means "read it from disk" (the language server's unsaved buffers).
    """

    def read(path: Path) -> str:
        if source_provider is not None:
            text = source_provider(path.resolve())
            if text is not None:
                return text
        return read_source(path)

    program = LoadedProgram()
    seen: set[Path] = set()
    queue: list[tuple[Path | None, str, str]] = []
    lib = stdlib_dir().resolve()
    for p in paths:
        resolved = p.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        queue.append((resolved, display_path(p), read(p)))
    for name, text in extra or []:
        queue.append((None, name, text))
    imports: dict[str, list[str]] = {}  # display name -> display names it imports
    while queue:
        path, name, text = queue.pop(0)
        program.sources[name] = text
        if path is not None and path.parent == lib:
            program.library_files.add(name)
        result = parse(text, name)
        program.diagnostics.extend(result.diagnostics)
        if result.node is None:
            continue
        module: A.Module = result.node
        program.modules.append(module)
        edges = imports.setdefault(name, [])
        for item in module.items:
            if not isinstance(item, A.Import):
                continue
            target = resolve_import(item.path, path)
            if target.suffix != ".camp":
                program.diagnostics.append(
                    Diagnostic(
                        "E307",
                        f"import not found: '{item.path}' is not a .camp file",
                        item.span,
                        'imports name Camp source files: import "scoring.camp";',
                    )
                )
                continue
            edges.append(display_path(target))
            if target in seen:
                continue
            try:
                target_text = read(target)
            except InputError as e:
                where = "the standard library" if item.path.startswith(STDLIB_PREFIX) else None
                hint = (
                    f"'{item.path}' is not in {where}"
                    if where
                    else "paths are relative to the importing file"
                )
                program.diagnostics.append(
                    Diagnostic("E307", f"import not found: {e}", item.span, hint)
                )
                continue
            seen.add(target)
            queue.append((target, display_path(target), target_text))
    program.modules = _imports_first(program.modules, imports)
    return program


def _imports_first(modules: list[A.Module], imports: dict[str, list[str]]) -> list[A.Module]:
    """Order modules so a file's imports come before it (as if pasted at the import).

    A name declared both in a file and in a file it imports is then reported as a
    duplicate in the importing file, which the user can edit (not in the prelude).
    """
    by_name = {m.file: m for m in modules}
    ordered: list[A.Module] = []
    done: set[str] = set()

    for m in modules:
        if m.file in done:
            continue
        # Depth-first, imports first, with an explicit stack: a chain of thousands of
        # imports must not exhaust Python's stack.
        done.add(m.file)  # marked before its imports: cycles are allowed
        stack = [(m.file, iter(imports.get(m.file, [])))]
        while stack:
            name, deps = stack[-1]
            dep = next(deps, None)
            if dep is None:
                stack.pop()
                ordered.append(by_name[name])
            elif dep not in done and dep in by_name:
                done.add(dep)
                stack.append((dep, iter(imports.get(dep, []))))
    return ordered
