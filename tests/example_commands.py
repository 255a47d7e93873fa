"""The `camp run` commands written in an example's header comment (shared by test suites)."""

from __future__ import annotations

import shlex
from pathlib import Path


def header_commands(path: Path) -> list[list[str]]:
    """The `camp run` commands in an example's header comment (continuations joined),
    each as its arguments after ``camp run``."""
    header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    commands: list[str] = []
    current: str | None = None
    for raw in header.splitlines():
        line = raw.lstrip("#").strip()
        if current is None and line.startswith("camp run "):
            current = ""
        if current is None:
            continue
        current += " " + line.rstrip("\\").strip()
        if not line.endswith("\\"):
            commands.append(current.strip())
            current = None
    return [shlex.split(c)[2:] for c in commands]


def option(args: list[str], name: str) -> str | None:
    """The value given to option ``name`` in ``args``, or None."""
    return args[args.index(name) + 1] if name in args else None


def without(args: list[str], *names: str) -> list[str]:
    """``args`` without the options ``names`` and their values."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        else:
            kept.append(arg)
    return kept
