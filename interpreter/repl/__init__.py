"""The interactive REPL (``camp repl``)."""

from __future__ import annotations

from pathlib import Path


def run_repl(file: Path | None, leads: Path | None, db: Path | None) -> int:
    """Start a session; returns the process exit status."""
    from camp.repl.session import main

    return main(file, leads, db)
