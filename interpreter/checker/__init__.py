"""Camp static checker: load a program (with its imports), check it, build symbol tables.

Public API: :func:`check_files`, :func:`check_sources`, :class:`CheckResult`.
"""

from __future__ import annotations

from pathlib import Path

from camp.checker.checker import DEFAULT_MAX_DEPTH, Checker, CheckResult
from camp.checker.loader import InputError, LoadedProgram, load
from camp.checker.symbols import CampaignInfo, FieldInfo, Kind, ProgramInfo, Symbols
from camp.diagnostics import sorted_diagnostics

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "CampaignInfo",
    "CheckResult",
    "FieldInfo",
    "InputError",
    "Kind",
    "ProgramInfo",
    "Symbols",
    "check_files",
    "check_loaded",
    "check_sources",
]


def check_loaded(program: LoadedProgram, max_depth: int = DEFAULT_MAX_DEPTH) -> CheckResult:
    from camp.stdlib.functions import REGISTRY

    checker = Checker(program.modules, program.sources, REGISTRY, max_depth, program.library_files)
    result = checker.run()
    if any(d.code == "E001" for d in program.diagnostics):
        # A file with syntax errors is missing from the program, so names it declares
        # would look undefined: report the syntax errors alone until they are fixed.
        result.diagnostics = sorted_diagnostics(program.diagnostics)
    else:
        result.diagnostics = sorted_diagnostics(program.diagnostics + result.diagnostics)
    return result


def check_files(paths: list[Path], max_depth: int = DEFAULT_MAX_DEPTH) -> CheckResult:
    """Load and check files; raises :class:`InputError` when a named file cannot be read."""
    return check_loaded(load(paths), max_depth)


def check_sources(
    sources: list[tuple[str, str]], max_depth: int = DEFAULT_MAX_DEPTH
) -> CheckResult:
    """Check in-memory sources ``(name, text)``; imports resolve from the working directory."""
    return check_loaded(load([], sources), max_depth)
